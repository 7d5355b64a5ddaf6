//! The SQLite engine: one writer thread that group-commits, and a pool of read connections.
//!
//! The writer drains every queued job into one transaction, commits once with
//! `synchronous=FULL`, and only then answers the callers. A failed job rolls back alone: the
//! batch runs without savepoints, and if a job fails it runs again with one per job. Readers use WAL snapshots and never wait for the writer.

pub mod backup;
mod tx;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags};

use crate::{Engine, EngineStats, OpenOptions, ReadJob, StoreError, StoreResult, WriteJob};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../../migrations/sqlite/0002_routing.sql")),
    (3, include_str!("../../migrations/sqlite/0003_capacity.sql")),
    (4, include_str!("../../migrations/sqlite/0004_fulfillments.sql")),
    (5, include_str!("../../migrations/sqlite/0005_count_requests.sql")),
    (6, include_str!("../../migrations/sqlite/0006_carriers.sql")),
    (7, include_str!("../../migrations/sqlite/0007_payments.sql")),
    (8, include_str!("../../migrations/sqlite/0008_exchange_rates.sql")),
    (9, include_str!("../../migrations/sqlite/0009_balances.sql")),
    (10, include_str!("../../migrations/sqlite/0010_order_records.sql")),
    (11, include_str!("../../migrations/sqlite/0011_stock_buckets.sql")),
    (12, include_str!("../../migrations/sqlite/0012_event_versions.sql")),
    (13, include_str!("../../migrations/sqlite/0013_balance_codes.sql")),
    (14, include_str!("../../migrations/sqlite/0014_idempotency_age.sql")),
    (15, include_str!("../../migrations/sqlite/0015_audit.sql")),
    (16, include_str!("../../migrations/sqlite/0016_feed_order.sql")),
    (17, include_str!("../../migrations/sqlite/0017_channel_intake.sql")),
    (18, include_str!("../../migrations/sqlite/0018_channel_listings.sql")),
    (19, include_str!("../../migrations/sqlite/0019_webhooks.sql")),
    (20, include_str!("../../migrations/sqlite/0020_notifications.sql")),
    (21, include_str!("../../migrations/sqlite/0021_customer_notes.sql")),
    (22, include_str!("../../migrations/sqlite/0022_purchasing.sql")),
    (23, include_str!("../../migrations/sqlite/0023_movement_reference.sql")),
    (24, include_str!("../../migrations/sqlite/0024_stock_policies.sql")),
    (25, include_str!("../../migrations/sqlite/0025_stock_alerts.sql")),
    (26, include_str!("../../migrations/sqlite/0026_transfers.sql")),
    (27, include_str!("../../migrations/sqlite/0027_location_buyers.sql")),
    (28, include_str!("../../migrations/sqlite/0028_forecasts.sql")),
];

pub struct SqliteEngine {
    sender: mpsc::SyncSender<Box<dyn WriteJob>>,
    reads: mpsc::SyncSender<ReadJob>,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    jobs: AtomicU64,
    queued: AtomicU64,
    /// Nanoseconds the writer spent running jobs, and committing (with the fsync).
    work_ns: AtomicU64,
    commit_ns: AtomicU64,
}

fn internal(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn open_connection(path: &Path, read_only: bool) -> StoreResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(internal)?;
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -8000;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(internal)?;
    conn.set_prepared_statement_cache_capacity(64);
    // SQLite's own `lower` folds ASCII only; searches fold case as PostgreSQL's `lower` does.
    conn.create_scalar_function(
        "ordo_lower",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )
    .map_err(internal)?;
    Ok(conn)
}

/// Applies every migration not yet recorded, each in its own transaction.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);",
    )
    .map_err(internal)?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(internal)?;
        let done: bool = tx
            .query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| r.get(0))
            .map_err(internal)?;
        if !done {
            tx.execute_batch(sql).map_err(internal)?;
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", (version, now))
                .map_err(internal)?;
            tracing::info!(version, "applied SQLite migration");
        }
        tx.commit().map_err(internal)?;
    }
    Ok(())
}

impl SqliteEngine {
    pub fn open(path: &Path, options: &OpenOptions) -> StoreResult<SqliteEngine> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut writer = open_connection(path, false)?;
        migrate(&mut writer)?;
        // The checkpointer below keeps the WAL short; the writer checkpoints by itself only if
        // the WAL grows past this many pages (32 MiB) anyway, so its commits rarely wait for one.
        writer.execute_batch("PRAGMA wal_autocheckpoint = 8192;").map_err(internal)?;
        let (sender, receiver) = mpsc::sync_channel::<Box<dyn WriteJob>>(options.queue_capacity);
        let counters = Arc::new(Counters::default());
        let thread_counters = counters.clone();
        let max_batch = options.max_batch.max(1);
        // A background thread copies the WAL into the database continuously (passive
        // checkpoints), so the writer's own automatic checkpoint, which is what lets the WAL
        // start over, finds little left to do.
        let checkpointer = open_connection(path, false)?;
        let alive = Arc::downgrade(&counters);
        spawn("ordo-sqlite-checkpoint", move || checkpoint_loop(checkpointer, alive))?;
        spawn("ordo-sqlite-writer", move || writer_loop(writer, receiver, max_batch, &thread_counters))?;

        let (reads, read_queue) = mpsc::sync_channel::<ReadJob>(options.queue_capacity);
        let read_queue = Arc::new(Mutex::new(read_queue));
        for i in 0..options.readers.max(1) {
            let conn = open_connection(path, true)?;
            let queue = read_queue.clone();
            spawn(&format!("ordo-sqlite-reader-{i}"), move || reader_loop(conn, &queue))?;
        }
        Ok(SqliteEngine { sender, reads, counters })
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> StoreResult<()> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map(|_| ())
        .map_err(|e| StoreError::Internal(format!("cannot start {name}: {e}")))
}

/// Copies committed WAL frames into the database file in the background. A passive
/// checkpoint never blocks the writer or readers; it skips frames a reader still needs.
/// It stops once the engine is gone (`alive` can no longer be upgraded).
fn checkpoint_loop(conn: Connection, alive: std::sync::Weak<Counters>) {
    while alive.upgrade().is_some() {
        std::thread::sleep(std::time::Duration::from_millis(20));
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "checkpoint failed");
        }
    }
}

/// Each reader owns one connection and takes jobs from the shared queue until it closes.
fn reader_loop(conn: Connection, queue: &Mutex<mpsc::Receiver<ReadJob>>) {
    loop {
        let job = match queue.lock() {
            Ok(q) => match q.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        // One snapshot for the whole job, so related reads agree with each other.
        if let Err(e) = conn.prepare_cached("BEGIN").and_then(|mut st| st.execute([])) {
            tracing::error!(error = %e, "cannot begin a read transaction");
            continue;
        }
        let mut tx = tx::SqliteTx::new(&conn);
        // A read that panics loses its reply (the caller sees Unavailable), never the thread.
        if catch_unwind(AssertUnwindSafe(|| job(&mut tx))).is_err() {
            tracing::error!("a read job panicked");
        }
        let _ = conn.prepare_cached("COMMIT").and_then(|mut st| st.execute([]));
    }
}

fn writer_loop(conn: Connection, receiver: mpsc::Receiver<Box<dyn WriteJob>>, max_batch: usize, counters: &Counters) {
    let mut batch: Vec<Box<dyn WriteJob>> = Vec::with_capacity(max_batch);
    // Whether the last batch of several jobs had one that failed: the next then gives each job
    // its own savepoint from the start, rather than find out by running twice, until a batch
    // has none.
    let mut careful = false;
    while let Ok(first) = receiver.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        counters.queued.fetch_sub(batch.len() as u64, Ordering::Relaxed);
        let mut ran = run_batch(&conn, &mut batch, careful, counters);
        if matches!(ran, Ok(Ran::Again)) {
            // A job failed in a batch run without savepoints: nothing of it was kept, so the
            // batch runs again with one savepoint per job (jobs may run more than once).
            ran = run_batch(&conn, &mut batch, true, counters);
        }
        // A job alone in its batch runs without a savepoint either way, so says nothing.
        if let Ok(Ran::Done { failed }) = ran
            && batch.len() > 1
        {
            careful = failed;
        }
        let outcome = ran.map(|_| ());
        counters.batches.fetch_add(1, Ordering::Relaxed);
        counters.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        let crashed = batch.iter().any(|job| job.crashed());
        for job in batch.drain(..) {
            job.finish(outcome.clone());
        }
        if crashed {
            // What a killed process leaves: nothing of the open batch, and no writer.
            tracing::warn!("a test crash stopped the SQLite writer");
            return;
        }
    }
    tracing::debug!("SQLite writer stopped");
}

/// How a batch ran.
enum Ran {
    /// Committed (a job alone in its batch that failed is rolled back instead); whether a job
    /// failed.
    Done { failed: bool },
    /// A job failed in a batch run without savepoints; the transaction was rolled back.
    Again,
}

/// Runs the batch in one transaction and commits it. With `savepoints`, each job has its
/// own, so a job that fails rolls back alone; without, a failed job rolls the whole
/// transaction back (`Ran::Again`), which for a batch of one job is all there is to do.
/// Savepoints are not free: while one is open, SQLite copies every page before its first
/// change into a journal, so the common case (every job succeeds) runs without them.
fn run_batch(
    conn: &Connection,
    batch: &mut [Box<dyn WriteJob>],
    savepoints: bool,
    counters: &Counters,
) -> StoreResult<Ran> {
    let started = std::time::Instant::now();
    if let Err(e) = run(conn, "BEGIN IMMEDIATE") {
        return Err(StoreError::Unavailable(e.to_string()));
    }
    let (alone, mut failed) = (batch.len() == 1, false);
    // A job alone in its batch needs no savepoint: its failure rolls back only itself.
    let savepoints = savepoints && !alone;
    for job in batch.iter_mut() {
        let step = (|| -> rusqlite::Result<bool> {
            if savepoints {
                run(conn, "SAVEPOINT job")?;
            }
            let mut tx = tx::SqliteTx::new(conn);
            let keep = catch_unwind(AssertUnwindSafe(|| job.run(&mut tx))).unwrap_or_else(|_| {
                tracing::error!("a write job panicked; its changes are rolled back");
                false
            });
            if savepoints {
                if keep { run(conn, "RELEASE job")? } else { conn.execute_batch("ROLLBACK TO job; RELEASE job")? }
            }
            Ok(keep)
        })();
        let kept = match step {
            Ok(kept) => kept,
            Err(e) => {
                tracing::error!(error = %e, "savepoint handling failed; rolling the batch back");
                let _ = conn.execute_batch("ROLLBACK");
                return Err(StoreError::Internal(e.to_string()));
            }
        };
        if job.crashed() {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(StoreError::Unavailable("the writer stopped".into()));
        }
        if !kept && !savepoints {
            let _ = conn.execute_batch("ROLLBACK");
            // A job alone in its batch has failed and nothing else is lost: the batch is done.
            return Ok(if alone { Ran::Done { failed: true } } else { Ran::Again });
        }
        failed |= !kept;
    }
    let worked = std::time::Instant::now();
    counters.work_ns.fetch_add((worked - started).as_nanos() as u64, Ordering::Relaxed);
    let committed = run(conn, "COMMIT");
    counters.commit_ns.fetch_add(worked.elapsed().as_nanos() as u64, Ordering::Relaxed);
    match committed {
        Ok(()) => Ok(Ran::Done { failed }),
        Err(e) => {
            tracing::error!(error = %e, "commit failed");
            let _ = conn.execute_batch("ROLLBACK");
            Err(StoreError::Unavailable(e.to_string()))
        }
    }
}

/// Runs one of the writer's own statements, prepared once per connection.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

impl Engine for SqliteEngine {
    fn submit(&self, job: Box<dyn WriteJob>) -> StoreResult<()> {
        self.counters.queued.fetch_add(1, Ordering::Relaxed);
        self.sender.try_send(job).map_err(|e| {
            self.counters.queued.fetch_sub(1, Ordering::Relaxed);
            match e {
                mpsc::TrySendError::Full(_) => StoreError::Unavailable("the write queue is full".into()),
                mpsc::TrySendError::Disconnected(_) => StoreError::Unavailable("the writer stopped".into()),
            }
        })
    }

    fn read(&self, job: ReadJob) -> StoreResult<()> {
        self.reads.try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => StoreError::Unavailable("the read queue is full".into()),
            mpsc::TrySendError::Disconnected(_) => StoreError::Unavailable("the readers stopped".into()),
        })
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn feed_in_commit_order(&self) -> bool {
        true
    }

    fn stats(&self) -> EngineStats {
        EngineStats {
            write_batches: self.counters.batches.load(Ordering::Relaxed),
            write_jobs: self.counters.jobs.load(Ordering::Relaxed),
            write_queue_depth: self.counters.queued.load(Ordering::Relaxed),
            write_work_seconds: self.counters.work_ns.load(Ordering::Relaxed) as f64 / 1e9,
            write_commit_seconds: self.counters.commit_ns.load(Ordering::Relaxed) as f64 / 1e9,
            write_retries: 0,
        }
    }
}
