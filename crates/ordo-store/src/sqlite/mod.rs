//! The SQLite engine: one writer thread that group-commits, and a pool of read connections.
//!
//! The writer drains every queued job into one transaction, gives each job its own savepoint
//! (a failed job rolls back alone), commits once with `synchronous=FULL`, and only then
//! answers the callers. Readers use WAL snapshots and never wait for the writer.

mod tx;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::{Connection, OpenFlags};

use crate::{Engine, EngineStats, OpenOptions, ReadJob, StoreError, StoreResult, WriteJob};

const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../../migrations/sqlite/0001_init.sql"))];

pub struct SqliteEngine {
    sender: mpsc::SyncSender<Box<dyn WriteJob>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    path: PathBuf,
    max_readers: usize,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    jobs: AtomicU64,
    queued: AtomicU64,
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
         PRAGMA cache_size = -32000;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(internal)?;
    conn.set_prepared_statement_cache_capacity(64);
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
        let (sender, receiver) = mpsc::sync_channel::<Box<dyn WriteJob>>(options.queue_capacity);
        let counters = Arc::new(Counters::default());
        let thread_counters = counters.clone();
        let max_batch = options.max_batch.max(1);
        std::thread::Builder::new()
            .name("ordo-sqlite-writer".into())
            .spawn(move || writer_loop(writer, receiver, max_batch, &thread_counters))
            .map_err(|e| StoreError::Internal(format!("cannot start the writer: {e}")))?;
        Ok(SqliteEngine {
            sender,
            readers: Arc::new(Mutex::new(Vec::new())),
            path: path.to_owned(),
            max_readers: options.readers.max(1),
            counters,
        })
    }
}

fn writer_loop(conn: Connection, receiver: mpsc::Receiver<Box<dyn WriteJob>>, max_batch: usize, counters: &Counters) {
    let mut batch: Vec<Box<dyn WriteJob>> = Vec::with_capacity(max_batch);
    while let Ok(first) = receiver.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        counters.queued.fetch_sub(batch.len() as u64, Ordering::Relaxed);
        let outcome = run_batch(&conn, &mut batch);
        counters.batches.fetch_add(1, Ordering::Relaxed);
        counters.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        for job in batch.drain(..) {
            job.finish(outcome.clone());
        }
    }
    tracing::info!("SQLite writer stopped");
}

fn run_batch(conn: &Connection, batch: &mut [Box<dyn WriteJob>]) -> StoreResult<()> {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        return Err(StoreError::Unavailable(e.to_string()));
    }
    for job in batch.iter_mut() {
        let step = (|| -> rusqlite::Result<()> {
            conn.execute_batch("SAVEPOINT job")?;
            let mut tx = tx::SqliteTx::new(conn);
            let keep = catch_unwind(AssertUnwindSafe(|| job.run(&mut tx))).unwrap_or_else(|_| {
                tracing::error!("a write job panicked; its changes are rolled back");
                false
            });
            if keep { conn.execute_batch("RELEASE job") } else { conn.execute_batch("ROLLBACK TO job; RELEASE job") }
        })();
        if let Err(e) = step {
            tracing::error!(error = %e, "savepoint handling failed; rolling the batch back");
            let _ = conn.execute_batch("ROLLBACK");
            return Err(StoreError::Internal(e.to_string()));
        }
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::error!(error = %e, "commit failed");
            let _ = conn.execute_batch("ROLLBACK");
            Err(StoreError::Unavailable(e.to_string()))
        }
    }
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
        let readers = self.readers.clone();
        let path = self.path.clone();
        let max = self.max_readers;
        tokio::task::spawn_blocking(move || {
            let pooled = readers.lock().map(|mut r| r.pop()).unwrap_or(None);
            let conn = match pooled {
                Some(c) => c,
                None => match open_connection(&path, true) {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot open a read connection");
                        // Dropping the job drops its reply sender; the caller sees Unavailable.
                        return;
                    }
                },
            };
            // One snapshot for the whole job, so related reads agree with each other.
            if let Err(e) = conn.execute_batch("BEGIN") {
                tracing::error!(error = %e, "cannot begin a read transaction");
                return;
            }
            let mut tx = tx::SqliteTx::new(&conn);
            // A read that panics loses its connection and its reply, never the process.
            if catch_unwind(AssertUnwindSafe(|| job(&mut tx))).is_err() {
                tracing::error!("a read job panicked");
                return;
            }
            if conn.execute_batch("COMMIT").is_err() {
                return;
            }
            if let Ok(mut r) = readers.lock()
                && r.len() < max
            {
                r.push(conn);
            }
        });
        Ok(())
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn stats(&self) -> EngineStats {
        EngineStats {
            write_batches: self.counters.batches.load(Ordering::Relaxed),
            write_jobs: self.counters.jobs.load(Ordering::Relaxed),
            write_queue_depth: self.counters.queued.load(Ordering::Relaxed),
        }
    }
}
