//! One runtime for every background worker that follows the event feed (the settler today;
//! webhook delivery, notifications, channel stock sync and forecasts next). A worker says what
//! to do with one event; the runtime keeps its stored cursor, holds a lease so that one node
//! works at a time, retries with backoff when a pass fails (or panics), stops on request, and
//! counts what it did for `/metrics`.
//!
//! Invariant: the cursor moves past an event only after the worker handled it, in its own
//! write; a pass that fails leaves the cursor before the failing event, so every event is
//! handled at least once, and workers make their effects idempotent.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ordo_store::{EventFilter, EventRecord, Page};
use tokio::sync::watch;

use crate::kernel::BoxFuture;
use crate::{App, AppError, AppResult};

/// What a worker does; the runtime does the rest.
pub trait Worker: Send + Sync + 'static {
    /// The name its cursor is stored under (its lease under `<name>.lease`).
    fn name(&self) -> &'static str;

    /// Whether it has anything to do in this process (the settler needs a card gateway).
    fn enabled(&self, _app: &App) -> bool {
        true
    }

    /// Whether it acts on events of this type; the others are passed over without a write.
    fn wants(&self, _event: &EventRecord) -> bool {
        true
    }

    /// Whether it follows the event feed; one that does not (a purge on a timer) only does
    /// [`Worker::before_events`] each pass, under the lease, and keeps no cursor.
    fn follows_events(&self) -> bool {
        true
    }

    /// Work a pass does before reading events (the settler continues pending refunds). An
    /// error ends the pass.
    fn before_events<'a>(&'a self, _app: &'a App) -> BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    /// Handles one event. An error ends the pass with the cursor before this event, so the
    /// next pass offers it again.
    fn handle<'a>(&'a self, app: &'a App, event: &'a EventRecord) -> BoxFuture<'a, ()>;

    /// Whether it takes a pass's events together, in [`Worker::handle_all`], rather than one
    /// by one: the stock sync pushes each SKU once per pass, however many changes it had.
    fn coalesces(&self) -> bool {
        false
    }

    /// Handles a pass's wanted events together (when it [`Worker::coalesces`]). An error ends
    /// the pass with the cursor before them all.
    fn handle_all<'a>(&'a self, _app: &'a App, _events: &'a [&'a EventRecord]) -> BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    /// Whether one node at a time runs it (under a lease). One that is not leased runs on
    /// every node at once and shares its work by claims of its own (webhook sending).
    fn leased(&self) -> bool {
        true
    }

    /// Whether it waits its interval after every pass, busy or not, so that a burst of
    /// changes is taken in a few passes.
    fn paced(&self) -> bool {
        false
    }

    /// Whether it runs on the background runtime (`App::background`) when there is one: work
    /// that tells others of what happened, which may wait while the machine is busy taking
    /// orders and catches up when it is not.
    fn background(&self) -> bool {
        false
    }
}

/// How a worker runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// The pause between passes when there was nothing to do.
    pub interval: Duration,
    /// The most events one pass reads.
    pub batch: usize,
    /// How long a node's lease lasts unless it renews it (each pass does).
    pub lease: Duration,
    /// The pause after a failed pass, doubled after each further failure up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl WorkerOptions {
    pub fn every(interval: Duration) -> WorkerOptions {
        WorkerOptions {
            interval,
            batch: 100,
            lease: Duration::from_secs(10),
            backoff: interval.max(Duration::from_millis(500)),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// What a worker did, for `/metrics`.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Events it handled (those it wants).
    pub events: AtomicU64,
    pub failures: AtomicU64,
    /// The last event sequence it handled.
    pub cursor: AtomicI64,
    /// Whether this node holds the lease (1) or not (0).
    pub leader: AtomicU64,
}

/// Every worker this process runs, by name.
#[derive(Debug, Clone, Default)]
pub struct Workers(Arc<Mutex<BTreeMap<&'static str, Arc<WorkerStats>>>>);

impl Workers {
    fn register(&self, name: &'static str) -> Arc<WorkerStats> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        all.entry(name).or_default().clone()
    }

    /// (name, stats) of every worker, by name.
    pub fn snapshot(&self) -> Vec<(&'static str, Arc<WorkerStats>)> {
        let all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        all.iter().map(|(n, s)| (*n, s.clone())).collect()
    }
}

/// A running worker: stop it, or drop the handle to let it run until the process ends.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop after the pass it is in, and waits until it has given its lease
    /// up.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// The lease a node holds: the expiry it last wrote (0 before it first took it).
#[derive(Clone)]
struct Lease {
    key: String,
    until: i64,
}

impl App {
    /// Runs `worker` until it is stopped or the process ends.
    pub fn spawn_worker(&self, worker: Arc<dyn Worker>, options: WorkerOptions) -> WorkerHandle {
        let (stop, mut stopped) = watch::channel(false);
        let app = self.clone();
        let stats = self.workers.register(worker.name());
        let runtime = self.background.clone().filter(|_| worker.background());
        let work = async move {
            let mut lease = Lease { key: format!("{}.lease", worker.name()), until: 0 };
            let mut backoff = options.backoff;
            loop {
                if *stopped.borrow() {
                    break;
                }
                // Each pass runs as a task of its own: one that panics (a bug in a worker, or
                // an outside system's answer nobody foresaw) fails that pass, not the worker.
                let pass = {
                    let (app, worker, stats, mut lease) = (app.clone(), worker.clone(), stats.clone(), lease.clone());
                    tokio::spawn(async move {
                        let ran = app.run_pass(worker.as_ref(), &options, &mut lease, &stats).await;
                        (ran, lease)
                    })
                };
                let ran = match pass.await {
                    Ok((ran, held)) => {
                        lease = held;
                        ran
                    }
                    Err(e) => Err(AppError::Internal(format!("the pass stopped: {e}"))),
                };
                let pause = match ran {
                    Ok(busy) => {
                        backoff = options.backoff;
                        if busy { Duration::ZERO } else { options.interval }
                    }
                    Err(e) => {
                        stats.failures.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(worker = worker.name(), error = %e, "a worker pass failed; will retry");
                        let pause = backoff;
                        backoff = (backoff * 2).min(options.max_backoff);
                        pause
                    }
                };
                if pause.is_zero() {
                    continue;
                }
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    // A dropped handle detaches the worker (it runs until the process ends).
                    changed = stopped.changed() => match changed {
                        Ok(()) => break,
                        Err(_) => tokio::time::sleep(pause).await,
                    },
                }
            }
            app.release_lease(&lease).await;
            stats.leader.store(0, Ordering::Relaxed);
        };
        let task = match runtime {
            Some(background) => background.spawn(work),
            None => tokio::spawn(work),
        };
        WorkerHandle { stop, task }
    }

    /// One pass, if this node holds (or takes) the worker's lease: the worker's own work,
    /// then up to a batch of events after its cursor. Whether there were events (so that the
    /// next pass follows at once).
    async fn run_pass(
        &self,
        worker: &dyn Worker,
        options: &WorkerOptions,
        lease: &mut Lease,
        stats: &WorkerStats,
    ) -> AppResult<bool> {
        if !worker.enabled(self) {
            return Ok(false);
        }
        if worker.leased() {
            let held = self.renew_lease(lease, options.lease).await?;
            stats.leader.store(u64::from(held), Ordering::Relaxed);
            if !held {
                return Ok(false);
            }
        }
        worker.before_events(self).await?;
        if !worker.follows_events() {
            return Ok(false);
        }
        let (name, limit) = (worker.name(), options.batch);
        let (cursor, events) = self
            .store
            .read(move |tx| {
                let cursor = tx.worker_cursor(name)?;
                let page = Page { after: Some(cursor), limit };
                Ok::<_, AppError>((cursor, tx.list_events(&page, &EventFilter::default())?))
            })
            .await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            stats.cursor.store(cursor, Ordering::Relaxed);
            return Ok(false);
        };
        if worker.coalesces() {
            let wanted: Vec<&EventRecord> = events.iter().filter(|e| worker.wants(e)).collect();
            if !wanted.is_empty() {
                worker.handle_all(self, &wanted).await?;
                stats.events.fetch_add(wanted.len() as u64, Ordering::Relaxed);
            }
            self.store.write(move |tx| Ok::<_, AppError>(tx.set_worker_cursor(name, last)?)).await?;
            stats.cursor.store(last, Ordering::Relaxed);
            return Ok(!worker.paced());
        }
        // The cursor is written after each event the worker acts on, and once for the events
        // it passes over, so ignored events cost no write each.
        let mut written = cursor;
        for event in events.iter().filter(|e| worker.wants(e)) {
            worker.handle(self, event).await?;
            let seq = event.seq;
            self.store.write(move |tx| Ok::<_, AppError>(tx.set_worker_cursor(name, seq)?)).await?;
            written = seq;
            stats.events.fetch_add(1, Ordering::Relaxed);
            stats.cursor.store(seq, Ordering::Relaxed);
        }
        if written < last {
            self.store.write(move |tx| Ok::<_, AppError>(tx.set_worker_cursor(name, last)?)).await?;
        }
        stats.cursor.store(last, Ordering::Relaxed);
        Ok(!worker.paced())
    }

    /// Gives the lease up when a worker stops, so that another node takes over at once.
    async fn release_lease(&self, lease: &Lease) {
        let (key, mine) = (lease.key.clone(), lease.until);
        if mine == 0 {
            return;
        }
        let released = self.store.write(move |tx| Ok::<_, AppError>(tx.swap_worker_cursor(&key, mine, 0)?)).await;
        if let Err(e) = released {
            tracing::warn!(lease = %lease.key, error = %e, "could not give the lease up; it runs out by itself");
        }
    }

    /// Takes or renews the lease unless another node holds one that has not expired.
    async fn renew_lease(&self, lease: &mut Lease, length: Duration) -> AppResult<bool> {
        let (now, mine, key) = (self.now(), lease.until, lease.key.clone());
        let until = now + length.as_millis() as i64;
        let renewed = self
            .store
            .write(move |tx| {
                let current = tx.worker_cursor(&key)?;
                if current > now && current != mine {
                    return Ok::<_, AppError>(false);
                }
                Ok(tx.swap_worker_cursor(&key, current, until)?)
            })
            .await?;
        if renewed {
            lease.until = until;
        }
        Ok(renewed)
    }
}
