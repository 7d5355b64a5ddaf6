//! Ordo's storage: a narrow, engine-neutral transaction trait and the engines behind it.
//!
//! Use cases run as closures over `&mut dyn Tx`, whose methods are declared by area in `tx/`.
//! Writes go through [`Store::write`], reads through [`Store::read`]; how an engine batches,
//! commits and pools is its own business.
//! Invariant: nothing engine-specific (SQL text, driver errors, connection types) appears in
//! this module's public API.

mod batch;
pub mod copy;
pub mod faults;
pub mod origin;
pub mod postgres;
pub mod records;
pub mod scan;
pub mod schema;
pub mod sqlite;
pub mod testing;
pub mod tx;

use std::sync::Arc;

use tokio::sync::oneshot;

pub use records::*;
pub use tx::{
    AlertFilter, CatalogStore, ChannelStore, CustomerFilter, CustomerStore, EventFilter, FulfillmentFilter,
    FulfillmentStore, ImportFilter, InventoryStore, KeyStore, MaintenanceStore, MovementFilter, NotificationStore,
    OrderFilter, OrderStore, OutboxStore, Page, PaymentStore, PlanningStore, PurchaseOrderFilter, PurchasingStore,
    Requeue, TransferFilter, Tx, WebhookStore,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the payload names the rule (`products.sku`).
    #[error("conflict on {0}")]
    Conflict(&'static str),
    /// The database cannot be reached or is shutting down; retrying later may succeed.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a corrupt database. The text is for logs, never for clients.
    #[error("storage failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A unit of work for the writer: runs inside the batch transaction, then learns its fate.
pub trait WriteJob: Send {
    /// Does the work; returns whether its changes should be kept.
    fn run(&mut self, tx: &mut dyn Tx) -> bool;
    /// Called exactly once, after the transaction holding the work committed or failed.
    fn finish(self: Box<Self>, outcome: StoreResult<()>);
    /// Tests only ([`faults::Fault::Crash`]): after `run`, whether this job stands for the
    /// process dying at this point. SQLite's writer then abandons the open batch uncommitted
    /// (every job in it fails) and stops, as a killed process would.
    fn crashed(&self) -> bool {
        false
    }
}

/// A read-only unit of work.
pub type ReadJob = Box<dyn FnOnce(&mut dyn Tx) + Send>;

/// What an engine provides. [`Store`] wraps it with typed helpers.
pub trait Engine: Send + Sync {
    fn submit(&self, job: Box<dyn WriteJob>) -> StoreResult<()>;
    fn read(&self, job: ReadJob) -> StoreResult<()>;
    /// Engine name for `/readyz` and logs.
    fn name(&self) -> &'static str;
    /// Counters for `/metrics`.
    fn stats(&self) -> EngineStats;
    /// Whether one writer commits everything in the order of the event feed, so that an event
    /// read from the feed has no earlier event still to show (SQLite); on PostgreSQL concurrent
    /// transactions may show in the feed in another order than they committed.
    fn feed_in_commit_order(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct EngineStats {
    pub write_batches: u64,
    pub write_jobs: u64,
    pub write_queue_depth: u64,
    /// Time the writer spent running jobs, and committing them durably.
    pub write_work_seconds: f64,
    pub write_commit_seconds: f64,
    /// Write transactions run again after contention (PostgreSQL).
    pub write_retries: u64,
}

#[derive(Clone)]
pub struct Store {
    engine: Arc<dyn Engine>,
}

struct TypedJob<F, T, E> {
    work: F,
    result: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> WriteJob for TypedJob<F, T, E>
where
    F: FnMut(&mut dyn Tx) -> Result<T, E> + Send,
    T: Send,
    E: From<StoreError> + Send,
{
    fn run(&mut self, tx: &mut dyn Tx) -> bool {
        let r = (self.work)(tx);
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn finish(self: Box<Self>, outcome: StoreResult<()>) {
        let reply = match (self.result, outcome) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (_, Err(e)) => Err(E::from(e)),
            (None, Ok(())) => Err(E::from(StoreError::Internal("write job finished without running".into()))),
        };
        let _ = self.reply.send(reply);
    }
}

impl Store {
    pub fn new(engine: Arc<dyn Engine>) -> Store {
        Store { engine }
    }

    /// Runs `work` in a write transaction and answers once that transaction is durable.
    /// If `work` returns an error, its changes are rolled back and nothing else is affected.
    /// `work` may be run more than once by engines that retry transactions, so it must have no
    /// effect outside `tx`.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnMut(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        // The request's origin goes with the job, to the events its work appends.
        let (origin, mut work) = (origin::of_request(), work);
        let work = move |tx: &mut dyn Tx| origin::with(origin.as_ref(), || work(tx));
        self.engine.submit(Box::new(TypedJob { work, result: None, reply }))?;
        rx.await.unwrap_or_else(|_| Err(E::from(StoreError::Unavailable("the writer stopped".into()))))
    }

    /// Runs `work` against a consistent, read-only view.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        self.engine.read(Box::new(move |tx| {
            let _ = reply.send(work(tx));
        }))?;
        rx.await.unwrap_or_else(|_| Err(E::from(StoreError::Unavailable("the reader stopped".into()))))
    }

    pub fn engine_name(&self) -> &'static str {
        self.engine.name()
    }

    pub fn stats(&self) -> EngineStats {
        self.engine.stats()
    }

    /// See [`Engine::feed_in_commit_order`].
    pub fn feed_in_commit_order(&self) -> bool {
        self.engine.feed_in_commit_order()
    }
}

/// Opens the engine a database URL names: `postgres://...` (or `postgresql://...`) for
/// PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a plain path for SQLite.
pub fn open(url: &str, options: &OpenOptions) -> StoreResult<Store> {
    Ok(Store::new(open_engine(url, options)?))
}

pub fn open_engine(url: &str, options: &OpenOptions) -> StoreResult<Arc<dyn Engine>> {
    match sqlite_path(url) {
        None => Ok(Arc::new(postgres::PgEngine::open(url, options)?)),
        Some(path) => Ok(Arc::new(sqlite::SqliteEngine::open(path, options)?)),
    }
}

/// The file a SQLite database URL names; `None` for PostgreSQL.
pub fn sqlite_path(url: &str) -> Option<&std::path::Path> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    Some(std::path::Path::new(path))
}

#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Most jobs the writer puts in one transaction.
    pub max_batch: usize,
    /// Most queued write jobs before submitters are told the store is overloaded.
    pub queue_capacity: usize,
    pub readers: usize,
    /// PostgreSQL: connections (and threads) for writes.
    pub pool_size: usize,
    /// PostgreSQL: statements running longer are cancelled; 0 means no limit.
    pub statement_timeout_ms: u64,
    /// PostgreSQL: certificate authorities (PEM) trusted for TLS besides the system's.
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            max_batch: 512,
            queue_capacity: 16_384,
            readers: 4,
            pool_size: 8,
            statement_timeout_ms: 10_000,
            ca_file: None,
        }
    }
}
