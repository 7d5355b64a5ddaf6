//! Ordo's storage: a narrow, engine-neutral transaction trait and the engines behind it.
//!
//! Use cases run as closures over `&mut dyn Tx`. Writes go through [`Store::write`], reads
//! through [`Store::read`]; how an engine batches, commits and pools is its own business.
//! Invariant: nothing engine-specific (SQL text, driver errors, connection types) appears in
//! this module's public API.

pub mod copy;
pub mod faults;
pub mod postgres;
pub mod records;
pub mod schema;
pub mod sqlite;
pub mod testing;

use std::sync::Arc;

use ordo_domain::catalog::{Customer, Location, Product};
use ordo_domain::fulfillment::{Fulfillment, FulfillmentStatus};
use ordo_domain::inventory::{Level, Movement};
use ordo_domain::order::{Order, OrderStatus};
use ordo_domain::routing::Site;
use tokio::sync::oneshot;

pub use records::*;

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

/// The operations use cases may perform inside one transaction.
///
/// Every method sees the transaction's own earlier writes. Implementations must make
/// [`Tx::change_level`] atomic and guarded: the level is changed only if the result keeps
/// `0 <= reserved <= on_hand`, never by a read-then-write that another writer could interleave.
pub trait Tx {
    // API keys.
    fn insert_api_key(&mut self, key: &ApiKeyRecord) -> StoreResult<()>;
    fn api_key_by_hash(&mut self, hash: &str) -> StoreResult<Option<ApiKeyRecord>>;
    fn list_api_keys(&mut self) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Returns false when no unrevoked key has this id.
    fn revoke_api_key(&mut self, id: &str, at: i64) -> StoreResult<bool>;

    // Products.
    fn insert_product(&mut self, p: &Product) -> StoreResult<()>;
    /// Replaces the product whose id matches; the caller has already bumped `version`.
    fn update_product(&mut self, p: &Product) -> StoreResult<()>;
    fn product_by_sku(&mut self, sku: &str) -> StoreResult<Option<Product>>;
    fn products_by_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<Product>>;
    fn list_products(&mut self, page: &Page<String>, active: Option<bool>) -> StoreResult<Vec<Product>>;

    // Locations.
    fn insert_location(&mut self, l: &Location) -> StoreResult<()>;
    fn update_location(&mut self, l: &Location) -> StoreResult<()>;
    fn location_by_code(&mut self, code: &str) -> StoreResult<Option<Location>>;
    fn all_locations(&mut self) -> StoreResult<Vec<Location>>;
    /// What routing needs of every location, cheaply, with the capacity left on `day`
    /// (`YYYY-MM-DD`, UTC) for locations that have a daily capacity.
    fn routing_sites(&mut self, day: &str) -> StoreResult<Vec<Site>>;
    /// Counts one more order assigned to the location on `day`.
    fn add_location_load(&mut self, location_id: &str, day: &str) -> StoreResult<()>;

    // Routing rule sets.
    fn rule_sets(&mut self) -> StoreResult<Vec<RuleSetRecord>>;
    /// Inserts or replaces the rule set with this name.
    fn put_rule_set(&mut self, r: &RuleSetRecord) -> StoreResult<()>;

    // Inventory.
    fn levels_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<LevelRecord>>;
    fn list_levels(
        &mut self,
        page: &Page<(String, String)>,
        sku: Option<&str>,
        location_id: Option<&str>,
    ) -> StoreResult<Vec<LevelRecord>>;
    /// Atomically applies the deltas if the result is a valid level, appends the ledger entry
    /// and returns it; returns `Ok(Err(current level))` and changes nothing otherwise.
    fn change_level(&mut self, change: &LevelChange) -> StoreResult<Result<Movement, Level>>;
    fn list_movements(&mut self, page: &Page<i64>, filter: &MovementFilter) -> StoreResult<Vec<Movement>>;
    /// Records (or refreshes) that stock needs counting.
    fn request_count(&mut self, r: &CountRequest) -> StoreResult<()>;
    fn clear_count_request(&mut self, sku: &str, location_id: &str) -> StoreResult<()>;
    fn count_requests(&mut self, location_id: Option<&str>) -> StoreResult<Vec<CountRequest>>;

    // Customers.
    fn insert_customer(&mut self, c: &Customer) -> StoreResult<()>;
    fn update_customer(&mut self, c: &Customer) -> StoreResult<()>;
    fn customer_by_id(&mut self, id: &str) -> StoreResult<Option<Customer>>;
    fn customer_by_email(&mut self, email: &str) -> StoreResult<Option<Customer>>;
    fn list_customers(&mut self, page: &Page<String>, email_prefix: Option<&str>) -> StoreResult<Vec<Customer>>;

    // Orders.
    fn next_order_number(&mut self) -> StoreResult<i64>;
    fn insert_order(&mut self, o: &Order) -> StoreResult<()>;
    /// Replaces the stored order (status, lines, version ...) by id.
    fn update_order(&mut self, o: &Order) -> StoreResult<()>;
    fn order_by_id(&mut self, id: &str) -> StoreResult<Option<Order>>;
    fn order_id_by_external_id(&mut self, channel: &str, external_id: &str) -> StoreResult<Option<String>>;
    fn list_orders(&mut self, page: &Page<i64>, filter: &OrderFilter) -> StoreResult<Vec<Order>>;

    // Fulfilments.
    fn insert_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()>;
    /// Replaces the stored fulfilment by id.
    fn update_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()>;
    /// In a write transaction, the fulfilment is locked until commit.
    fn fulfillment_by_id(&mut self, id: &str) -> StoreResult<Option<Fulfillment>>;
    fn fulfillments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<Fulfillment>>;
    /// Fulfilments in id order (oldest first), after the cursor.
    fn list_fulfillments(&mut self, page: &Page<String>, filter: &FulfillmentFilter) -> StoreResult<Vec<Fulfillment>>;
    /// Fulfilments carrying this tracking number (locked in a write transaction).
    fn fulfillments_by_tracking(&mut self, tracking_number: &str) -> StoreResult<Vec<Fulfillment>>;

    // Carriers (stored as JSON documents, like rule sets).
    fn carriers(&mut self) -> StoreResult<Vec<RuleSetRecord>>;
    fn put_carrier(&mut self, c: &RuleSetRecord) -> StoreResult<()>;

    // Payments.
    fn insert_payment(&mut self, p: &PaymentRecord) -> StoreResult<()>;
    fn payments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentRecord>>;
    /// In a write transaction the payment's order is what serializes changes to it.
    fn payment_by_id(&mut self, id: &str) -> StoreResult<Option<PaymentRecord>>;
    /// The payment a gateway knows by `reference` (a Stripe PaymentIntent id).
    fn payment_by_reference(&mut self, reference: &str) -> StoreResult<Option<PaymentRecord>>;
    /// Appends a ledger entry (its `seq` is assigned) and returns the sequence.
    fn append_payment_entry(&mut self, e: &PaymentEntry) -> StoreResult<i64>;
    fn payment_entries_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentEntry>>;

    // Exchange rates: (date, currency, base, rate) with rates as decimal text.
    fn put_exchange_rate(&mut self, date: &str, currency: &str, base: &str, rate: &str) -> StoreResult<()>;
    /// For each currency, its latest rate on or before `date`: (currency, date, base, rate).
    fn exchange_rates_on(&mut self, date: &str) -> StoreResult<Vec<(String, String, String, String)>>;

    // Gift cards and store credit.
    fn insert_balance_account(&mut self, a: &BalanceAccount) -> StoreResult<()>;
    fn balance_account(&mut self, kind: &str, code: &str) -> StoreResult<Option<BalanceAccount>>;
    /// Atomically adds `entry.amount` to the balance if it stays at or above zero, records the
    /// entry and returns the new balance; `Ok(Err(current))` and no change otherwise.
    fn change_balance(&mut self, entry: &BalanceEntry) -> StoreResult<Result<i64, i64>>;
    fn balance_entries(&mut self, account_id: &str) -> StoreResult<Vec<BalanceEntry>>;

    // Non-sellable stock.
    /// Adds `c.delta` to the bucket if it stays at or above zero and records the movement;
    /// `Ok(Err(current))` and no change otherwise.
    fn change_bucket(&mut self, c: &BucketChange) -> StoreResult<Result<i64, i64>>;
    fn buckets_for_sku(&mut self, sku: &str) -> StoreResult<Vec<BucketLevel>>;
    /// A SKU's non-sellable ledger, oldest first.
    fn bucket_movements(&mut self, sku: &str) -> StoreResult<Vec<BucketMovement>>;

    // Documents of an order's life after capture.
    fn insert_order_record(&mut self, r: &OrderRecord) -> StoreResult<()>;
    /// Replaces status, updated_at and body of the record with `r.id`.
    fn update_order_record(&mut self, r: &OrderRecord) -> StoreResult<()>;
    fn order_record(&mut self, id: &str) -> StoreResult<Option<OrderRecord>>;
    /// An order's records of one kind, oldest first.
    fn order_records(&mut self, order_id: &str, kind: &str) -> StoreResult<Vec<OrderRecord>>;
    /// Up to `limit` records of a kind in a status, oldest first, after the record `after`
    /// (work queues: pending refunds, active holds, returns to receive).
    fn order_records_in_status(
        &mut self,
        kind: &str,
        status: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<OrderRecord>>;

    // Per-channel policies and background workers' positions.
    fn channel_settings(&mut self, channel: &str) -> StoreResult<Option<String>>;
    fn put_channel_settings(&mut self, channel: &str, body: &str, at: i64) -> StoreResult<()>;
    /// The last event sequence a worker has handled; 0 before its first.
    fn worker_cursor(&mut self, name: &str) -> StoreResult<i64>;
    fn set_worker_cursor(&mut self, name: &str, position: i64) -> StoreResult<()>;
    /// Sets the cursor to `new` only if it is `expected` (0 when it was never set); whether it did.
    fn swap_worker_cursor(&mut self, name: &str, expected: i64, new: i64) -> StoreResult<bool>;

    // The outbox.
    fn append_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()>;
    fn list_events(&mut self, page: &Page<i64>, filter: &EventFilter) -> StoreResult<Vec<EventRecord>>;

    // Idempotency records.
    fn idempotency_get(&mut self, key_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>>;
    fn idempotency_put(&mut self, r: &IdempotencyRecord) -> StoreResult<()>;

    /// Counts used by consistency checks and migrations: (table name, rows).
    fn table_counts(&mut self) -> StoreResult<Vec<(String, i64)>>;
    /// Units on hand and reserved, summed over every level.
    fn stock_totals(&mut self) -> StoreResult<(i64, i64)>;

    // Whole-database copies between engines (see `copy.rs`).
    /// Rows of `table` whose key is after `after` (all rows when empty), in key order.
    fn export_rows(
        &mut self,
        table: &schema::TableSpec,
        after: &[schema::Cell],
        limit: usize,
    ) -> StoreResult<Vec<Vec<schema::Cell>>>;
    /// Inserts rows exactly as given, keys and sequence numbers included.
    fn import_rows(&mut self, table: &schema::TableSpec, rows: &[Vec<schema::Cell>]) -> StoreResult<()>;
    /// Brings sequences past the imported rows, so new rows continue after them.
    fn after_import(&mut self) -> StoreResult<()>;
}

/// A cursor page request: rows strictly after `after` in the list's order, at most `limit`.
#[derive(Debug, Clone)]
pub struct Page<C> {
    pub after: Option<C>,
    pub limit: usize,
}

/// Orders filters; every `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub channel: Option<String>,
    pub customer_id: Option<String>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct MovementFilter {
    pub sku: Option<String>,
    pub location_id: Option<String>,
    pub order_id: Option<String>,
    pub after_time: Option<i64>,
    pub before_time: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct FulfillmentFilter {
    pub location_id: Option<String>,
    pub status: Option<FulfillmentStatus>,
    pub order_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub subject: Option<String>,
    pub event_type: Option<String>,
}

/// A unit of work for the writer: runs inside the batch transaction, then learns its fate.
pub trait WriteJob: Send {
    /// Does the work; returns whether its changes should be kept.
    fn run(&mut self, tx: &mut dyn Tx) -> bool;
    /// Called exactly once, after the transaction holding the work committed or failed.
    fn finish(self: Box<Self>, outcome: StoreResult<()>);
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
}

/// Opens the engine a database URL names: `postgres://...` (or `postgresql://...`) for
/// PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a plain path for SQLite.
pub fn open(url: &str, options: &OpenOptions) -> StoreResult<Store> {
    Ok(Store::new(open_engine(url, options)?))
}

pub fn open_engine(url: &str, options: &OpenOptions) -> StoreResult<Arc<dyn Engine>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(postgres::PgEngine::open(url, options)?));
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    Ok(Arc::new(sqlite::SqliteEngine::open(std::path::Path::new(path), options)?))
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
