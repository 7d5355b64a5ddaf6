//! Idempotent writes: the response to a keyed request is stored in the same transaction as
//! its effects, so a retry after any failure either replays it or finds nothing was done.
//!
//! Every use case behind a POST that carries an API key takes an `Option<IdemCtx<T>>` and
//! answers an [`Outcome`]. Its writing transaction runs through [`App::write_idem`], which
//! replays a stored answer or does the work and stores its answer, in one transaction.
//!
//! Some use cases go on after that transaction: a refund is completed at the card gateway, a
//! return's refund or exchange order follows its step, a claim is refunded or reshipped. Their
//! first transaction stores the answer as it stands then, so a retry never does the change a
//! second time; once the rest is done, [`App::idem_refresh`] replaces it with the final answer,
//! the one the client was sent, so that a replay returns exactly that. A request stopped in
//! between (a crash, an outage) replays the first answer, which is still true of what was
//! done, and the rest is carried on as it would be without a key (the settler completes a
//! pending refund).
//!
//! A use case that calls an outside system (a card gateway, a carrier) before it writes asks
//! [`App::replay_of`] first: a request that finished after the web layer's own check (a retry
//! racing its original on another node) is replayed instead of sent to the outside system
//! again.

use ordo_store::{IdempotencyRecord, Tx};

use crate::{App, AppError, AppResult};

/// Identifies a keyed request; `render` produces the response that later replays return.
pub struct IdemCtx<T> {
    pub key_id: String,
    pub key: String,
    /// Hash of the method, path and body: the same key with another request is refused.
    pub request_hash: String,
    pub render: fn(&T) -> (u16, Vec<u8>),
}

impl<T> Clone for IdemCtx<T> {
    fn clone(&self) -> Self {
        IdemCtx {
            key_id: self.key_id.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            render: self.render,
        }
    }
}

impl<T> IdemCtx<T> {
    /// This request's record answering `value`.
    fn record(&self, value: &T, now: i64) -> IdempotencyRecord {
        let (status, body) = (self.render)(value);
        IdempotencyRecord {
            key_id: self.key_id.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            status,
            body,
            created_at: now,
        }
    }
}

pub enum Outcome<T> {
    /// The work was done now.
    Fresh(T),
    /// The key was used before with the same request: its stored response.
    Replayed { status: u16, body: Vec<u8> },
}

impl<T> Outcome<T> {
    /// The value of work done now; for callers that sent no idempotency key, which never
    /// replay.
    pub fn into_fresh(self) -> AppResult<T> {
        match self {
            Outcome::Fresh(v) => Ok(v),
            Outcome::Replayed { .. } => Err(AppError::Internal("a replay where no key was sent".into())),
        }
    }
}

/// Checks a stored record against this request.
pub fn replay(record: IdempotencyRecord, request_hash: &str) -> AppResult<(u16, Vec<u8>)> {
    if record.request_hash == request_hash {
        Ok((record.status, record.body))
    } else {
        Err(AppError::IdempotencyKeyReused)
    }
}

fn run<T>(
    tx: &mut dyn Tx,
    idem: Option<&IdemCtx<T>>,
    now: i64,
    work: impl FnOnce(&mut dyn Tx) -> AppResult<T>,
) -> AppResult<Outcome<T>> {
    if let Some(i) = idem
        && let Some(rec) = tx.idempotency_get(&i.key_id, &i.key)?
    {
        let (status, body) = replay(rec, &i.request_hash)?;
        return Ok(Outcome::Replayed { status, body });
    }
    let value = work(tx)?;
    if let Some(i) = idem {
        tx.idempotency_put(&i.record(&value, now))?;
    }
    Ok(Outcome::Fresh(value))
}

impl App {
    /// Runs a write, honouring an idempotency key when one is given. `now` is read inside the
    /// transaction.
    pub(crate) async fn write_idem<T, F>(&self, idem: Option<IdemCtx<T>>, mut work: F) -> AppResult<Outcome<T>>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Tx, i64) -> AppResult<T> + Send + 'static,
    {
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                run(tx, idem.as_ref(), now, |tx| work(tx, now))
            })
            .await
    }

    /// Answers a keyed request whose work changed nothing in the store (a simulation, a label
    /// already bought): its answer is stored all the same, so that a replay returns it and the
    /// key cannot be used for another request.
    pub(crate) async fn answer_idem<T>(&self, idem: Option<IdemCtx<T>>, value: T) -> AppResult<Outcome<T>>
    where
        T: Clone + Send + 'static,
    {
        match idem {
            None => Ok(Outcome::Fresh(value)),
            idem => self.write_idem(idem, move |_, _| Ok(value.clone())).await,
        }
    }

    /// The stored answer of this keyed request if it already finished; checked by use cases
    /// right before they call an outside system.
    pub(crate) async fn replay_of<T>(&self, idem: Option<&IdemCtx<T>>) -> AppResult<Option<Outcome<T>>> {
        let Some(i) = idem else { return Ok(None) };
        match self.idempotency_lookup(&i.key_id, &i.key).await? {
            None => Ok(None),
            Some(record) => {
                let (status, body) = replay(record, &i.request_hash)?;
                Ok(Some(Outcome::Replayed { status, body }))
            }
        }
    }

    /// Replaces the answer a keyed request's first transaction stored (`first`) with its final
    /// one (`last`), when the work that followed changed it.
    pub(crate) async fn idem_refresh<T>(&self, idem: Option<&IdemCtx<T>>, first: &T, last: &T) -> AppResult<()> {
        let Some(i) = idem else { return Ok(()) };
        let record = i.record(last, 0);
        if (i.render)(first) == (record.status, record.body.clone()) {
            return Ok(());
        }
        self.store
            .write(move |tx| {
                if !tx.idempotency_update(&record)? {
                    return Err(AppError::Internal("the answer to refresh was not stored".into()));
                }
                Ok(())
            })
            .await
    }

    /// Looks up a finished keyed request, for replay before any work starts.
    pub async fn idempotency_lookup(&self, key_id: &str, key: &str) -> AppResult<Option<IdempotencyRecord>> {
        let (key_id, key) = (key_id.to_owned(), key.to_owned());
        self.store.read(move |tx| Ok(tx.idempotency_get(&key_id, &key)?)).await
    }
}

/// Records purged per transaction, so that a purge never holds the writer for long.
const PURGE_BATCH: usize = 1000;

/// Purges idempotency records older than `keep` (7 days unless configured): a retry later than
/// that is a new request. Runs on the worker runtime, one node at a time, on a timer.
pub struct IdempotencyPurge {
    pub keep: std::time::Duration,
}

impl crate::kernel::worker::Worker for IdempotencyPurge {
    fn name(&self) -> &'static str {
        "idempotency.purge"
    }

    fn follows_events(&self) -> bool {
        false
    }

    fn before_events<'a>(&'a self, app: &'a App) -> crate::kernel::BoxFuture<'a, ()> {
        Box::pin(async move {
            let purged = app.purge_idempotency(self.keep).await?;
            if purged > 0 {
                tracing::info!(purged, "purged expired idempotency records");
            }
            Ok(())
        })
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a ordo_store::EventRecord) -> crate::kernel::BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

impl App {
    /// Deletes the idempotency records made more than `keep` ago; how many.
    pub async fn purge_idempotency(&self, keep: std::time::Duration) -> AppResult<usize> {
        let before = self.now().saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX));
        let mut total = 0;
        loop {
            let n = self.store.write(move |tx| Ok::<_, AppError>(tx.idempotency_purge(before, PURGE_BATCH)?)).await?;
            total += n;
            if n < PURGE_BATCH {
                return Ok(total);
            }
        }
    }

    /// Runs [`IdempotencyPurge`] every `every`.
    pub fn spawn_idempotency_purge(
        &self,
        keep: std::time::Duration,
        every: std::time::Duration,
    ) -> crate::kernel::worker::WorkerHandle {
        let mut options = crate::kernel::worker::WorkerOptions::every(every);
        // The lease outlasts the pause between passes, so one node keeps the work.
        options.lease = every * 3;
        self.spawn_worker(std::sync::Arc::new(IdempotencyPurge { keep }), options)
    }
}
