//! Idempotent writes: the response to a keyed request is stored in the same transaction as
//! its effects, so a retry after any failure either replays it or finds nothing was done.

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
        let (status, body) = (i.render)(&value);
        tx.idempotency_put(&IdempotencyRecord {
            key_id: i.key_id.clone(),
            key: i.key.clone(),
            request_hash: i.request_hash.clone(),
            status,
            body,
            created_at: now,
        })?;
    }
    Ok(Outcome::Fresh(value))
}

impl App {
    /// Runs a write, honouring an idempotency key when one is given.
    pub(crate) async fn write_idem<T, F>(&self, idem: Option<IdemCtx<T>>, mut work: F) -> AppResult<Outcome<T>>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Tx, i64) -> AppResult<T> + Send + 'static,
    {
        let now = self.now();
        self.store.write(move |tx| run(tx, idem.as_ref(), now, |tx| work(tx, now))).await
    }

    /// Looks up a finished keyed request, for replay before any work starts.
    pub async fn idempotency_lookup(&self, key_id: &str, key: &str) -> AppResult<Option<IdempotencyRecord>> {
        let (key_id, key) = (key_id.to_owned(), key.to_owned());
        self.store.read(move |tx| Ok(tx.idempotency_get(&key_id, &key)?)).await
    }
}
