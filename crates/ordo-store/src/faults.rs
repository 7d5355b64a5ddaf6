//! Fault injection for tests: an engine wrapper whose transactions fail or panic at a chosen
//! outbox event, to prove that a use case failing half-way leaves nothing behind.
//! Never used outside tests.

use std::sync::{Arc, Mutex};

use ordo_domain::catalog::{Customer, Location, Product};
use ordo_domain::inventory::{Level, Movement};
use ordo_domain::order::Order;

use crate::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `append_event` of this event type returns an error.
    FailOnEvent(String),
    /// `append_event` of this event type panics.
    PanicOnEvent(String),
}

/// Wraps an engine; while a fault is armed, write transactions meet it.
pub struct FaultyEngine {
    inner: Arc<dyn Engine>,
    fault: Arc<Mutex<Option<Fault>>>,
}

impl FaultyEngine {
    pub fn new(inner: Arc<dyn Engine>) -> (FaultyEngine, Arc<Mutex<Option<Fault>>>) {
        let fault = Arc::new(Mutex::new(None));
        (FaultyEngine { inner, fault: fault.clone() }, fault)
    }
}

struct FaultyJob {
    job: Box<dyn WriteJob>,
    fault: Option<Fault>,
}

impl WriteJob for FaultyJob {
    fn run(&mut self, tx: &mut dyn Tx) -> bool {
        self.job.run(&mut FaultyTx { inner: tx, fault: self.fault.clone() })
    }

    fn finish(self: Box<Self>, outcome: StoreResult<()>) {
        self.job.finish(outcome)
    }
}

impl Engine for FaultyEngine {
    fn submit(&self, job: Box<dyn WriteJob>) -> StoreResult<()> {
        let fault = self.fault.lock().map(|f| f.clone()).unwrap_or(None);
        self.inner.submit(Box::new(FaultyJob { job, fault }))
    }

    fn read(&self, job: ReadJob) -> StoreResult<()> {
        self.inner.read(job)
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn stats(&self) -> EngineStats {
        self.inner.stats()
    }
}

struct FaultyTx<'a> {
    inner: &'a mut dyn Tx,
    fault: Option<Fault>,
}

impl Tx for FaultyTx<'_> {
    fn append_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        match &self.fault {
            Some(Fault::FailOnEvent(t)) if t == e.event_type => Err(StoreError::Internal("injected fault".into())),
            Some(Fault::PanicOnEvent(t)) if t == e.event_type => panic!("injected panic"),
            _ => self.inner.append_event(e),
        }
    }

    fn insert_api_key(&mut self, key: &ApiKeyRecord) -> StoreResult<()> {
        self.inner.insert_api_key(key)
    }
    fn api_key_by_hash(&mut self, hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.inner.api_key_by_hash(hash)
    }
    fn list_api_keys(&mut self) -> StoreResult<Vec<ApiKeyRecord>> {
        self.inner.list_api_keys()
    }
    fn revoke_api_key(&mut self, id: &str, at: i64) -> StoreResult<bool> {
        self.inner.revoke_api_key(id, at)
    }
    fn insert_product(&mut self, p: &Product) -> StoreResult<()> {
        self.inner.insert_product(p)
    }
    fn update_product(&mut self, p: &Product) -> StoreResult<()> {
        self.inner.update_product(p)
    }
    fn product_by_sku(&mut self, sku: &str) -> StoreResult<Option<Product>> {
        self.inner.product_by_sku(sku)
    }
    fn products_by_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<Product>> {
        self.inner.products_by_skus(skus)
    }
    fn list_products(&mut self, page: &Page<String>, active: Option<bool>) -> StoreResult<Vec<Product>> {
        self.inner.list_products(page, active)
    }
    fn insert_location(&mut self, l: &Location) -> StoreResult<()> {
        self.inner.insert_location(l)
    }
    fn update_location(&mut self, l: &Location) -> StoreResult<()> {
        self.inner.update_location(l)
    }
    fn location_by_code(&mut self, code: &str) -> StoreResult<Option<Location>> {
        self.inner.location_by_code(code)
    }
    fn all_locations(&mut self) -> StoreResult<Vec<Location>> {
        self.inner.all_locations()
    }
    fn routing_sites(&mut self, day: &str) -> StoreResult<Vec<ordo_domain::routing::Site>> {
        self.inner.routing_sites(day)
    }
    fn add_location_load(&mut self, location_id: &str, day: &str) -> StoreResult<()> {
        self.inner.add_location_load(location_id, day)
    }
    fn rule_sets(&mut self) -> StoreResult<Vec<RuleSetRecord>> {
        self.inner.rule_sets()
    }
    fn put_rule_set(&mut self, r: &RuleSetRecord) -> StoreResult<()> {
        self.inner.put_rule_set(r)
    }
    fn levels_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<LevelRecord>> {
        self.inner.levels_for_skus(skus)
    }
    fn list_levels(
        &mut self,
        page: &Page<(String, String)>,
        sku: Option<&str>,
        location_id: Option<&str>,
    ) -> StoreResult<Vec<LevelRecord>> {
        self.inner.list_levels(page, sku, location_id)
    }
    fn change_level(&mut self, change: &LevelChange) -> StoreResult<Result<Movement, Level>> {
        self.inner.change_level(change)
    }
    fn list_movements(&mut self, page: &Page<i64>, filter: &MovementFilter) -> StoreResult<Vec<Movement>> {
        self.inner.list_movements(page, filter)
    }
    fn request_count(&mut self, r: &CountRequest) -> StoreResult<()> {
        self.inner.request_count(r)
    }
    fn clear_count_request(&mut self, sku: &str, location_id: &str) -> StoreResult<()> {
        self.inner.clear_count_request(sku, location_id)
    }
    fn count_requests(&mut self, location_id: Option<&str>) -> StoreResult<Vec<CountRequest>> {
        self.inner.count_requests(location_id)
    }
    fn insert_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.inner.insert_customer(c)
    }
    fn update_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.inner.update_customer(c)
    }
    fn customer_by_id(&mut self, id: &str) -> StoreResult<Option<Customer>> {
        self.inner.customer_by_id(id)
    }
    fn customer_by_email(&mut self, email: &str) -> StoreResult<Option<Customer>> {
        self.inner.customer_by_email(email)
    }
    fn list_customers(&mut self, page: &Page<String>, email_prefix: Option<&str>) -> StoreResult<Vec<Customer>> {
        self.inner.list_customers(page, email_prefix)
    }
    fn next_order_number(&mut self) -> StoreResult<i64> {
        self.inner.next_order_number()
    }
    fn insert_order(&mut self, o: &Order) -> StoreResult<()> {
        self.inner.insert_order(o)
    }
    fn update_order(&mut self, o: &Order) -> StoreResult<()> {
        self.inner.update_order(o)
    }
    fn order_by_id(&mut self, id: &str) -> StoreResult<Option<Order>> {
        self.inner.order_by_id(id)
    }
    fn order_id_by_external_id(&mut self, channel: &str, external_id: &str) -> StoreResult<Option<String>> {
        self.inner.order_id_by_external_id(channel, external_id)
    }
    fn list_orders(&mut self, page: &Page<i64>, filter: &OrderFilter) -> StoreResult<Vec<Order>> {
        self.inner.list_orders(page, filter)
    }
    fn insert_fulfillment(&mut self, f: &ordo_domain::fulfillment::Fulfillment) -> StoreResult<()> {
        self.inner.insert_fulfillment(f)
    }
    fn update_fulfillment(&mut self, f: &ordo_domain::fulfillment::Fulfillment) -> StoreResult<()> {
        self.inner.update_fulfillment(f)
    }
    fn fulfillment_by_id(&mut self, id: &str) -> StoreResult<Option<ordo_domain::fulfillment::Fulfillment>> {
        self.inner.fulfillment_by_id(id)
    }
    fn fulfillments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<ordo_domain::fulfillment::Fulfillment>> {
        self.inner.fulfillments_for_order(order_id)
    }
    fn list_fulfillments(
        &mut self,
        page: &Page<String>,
        filter: &FulfillmentFilter,
    ) -> StoreResult<Vec<ordo_domain::fulfillment::Fulfillment>> {
        self.inner.list_fulfillments(page, filter)
    }
    fn fulfillments_by_tracking(&mut self, t: &str) -> StoreResult<Vec<ordo_domain::fulfillment::Fulfillment>> {
        self.inner.fulfillments_by_tracking(t)
    }
    fn carriers(&mut self) -> StoreResult<Vec<RuleSetRecord>> {
        self.inner.carriers()
    }
    fn put_carrier(&mut self, c: &RuleSetRecord) -> StoreResult<()> {
        self.inner.put_carrier(c)
    }
    fn insert_payment(&mut self, p: &PaymentRecord) -> StoreResult<()> {
        self.inner.insert_payment(p)
    }
    fn payments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentRecord>> {
        self.inner.payments_for_order(order_id)
    }
    fn payment_by_id(&mut self, id: &str) -> StoreResult<Option<PaymentRecord>> {
        self.inner.payment_by_id(id)
    }
    fn payment_by_reference(&mut self, reference: &str) -> StoreResult<Option<PaymentRecord>> {
        self.inner.payment_by_reference(reference)
    }
    fn change_bucket(&mut self, c: &BucketChange) -> StoreResult<Result<i64, i64>> {
        self.inner.change_bucket(c)
    }
    fn buckets_for_sku(&mut self, sku: &str) -> StoreResult<Vec<BucketLevel>> {
        self.inner.buckets_for_sku(sku)
    }
    fn bucket_movements(&mut self, sku: &str) -> StoreResult<Vec<BucketMovement>> {
        self.inner.bucket_movements(sku)
    }
    fn insert_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.inner.insert_order_record(r)
    }
    fn update_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.inner.update_order_record(r)
    }
    fn order_record(&mut self, id: &str) -> StoreResult<Option<OrderRecord>> {
        self.inner.order_record(id)
    }
    fn order_records(&mut self, order_id: &str, kind: &str) -> StoreResult<Vec<OrderRecord>> {
        self.inner.order_records(order_id, kind)
    }
    fn order_records_in_status(
        &mut self,
        kind: &str,
        status: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<OrderRecord>> {
        self.inner.order_records_in_status(kind, status, after, limit)
    }
    fn channel_settings(&mut self, channel: &str) -> StoreResult<Option<String>> {
        self.inner.channel_settings(channel)
    }
    fn put_channel_settings(&mut self, channel: &str, body: &str, at: i64) -> StoreResult<()> {
        self.inner.put_channel_settings(channel, body, at)
    }
    fn worker_cursor(&mut self, name: &str) -> StoreResult<i64> {
        self.inner.worker_cursor(name)
    }
    fn set_worker_cursor(&mut self, name: &str, position: i64) -> StoreResult<()> {
        self.inner.set_worker_cursor(name, position)
    }
    fn swap_worker_cursor(&mut self, name: &str, expected: i64, new: i64) -> StoreResult<bool> {
        self.inner.swap_worker_cursor(name, expected, new)
    }
    fn append_payment_entry(&mut self, e: &PaymentEntry) -> StoreResult<i64> {
        self.inner.append_payment_entry(e)
    }
    fn payment_entries_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentEntry>> {
        self.inner.payment_entries_for_order(order_id)
    }
    fn put_exchange_rate(&mut self, date: &str, currency: &str, base: &str, rate: &str) -> StoreResult<()> {
        self.inner.put_exchange_rate(date, currency, base, rate)
    }
    fn exchange_rates_on(&mut self, date: &str) -> StoreResult<Vec<(String, String, String, String)>> {
        self.inner.exchange_rates_on(date)
    }
    fn insert_balance_account(&mut self, a: &BalanceAccount) -> StoreResult<()> {
        self.inner.insert_balance_account(a)
    }
    fn balance_account(&mut self, kind: &str, code: &str) -> StoreResult<Option<BalanceAccount>> {
        self.inner.balance_account(kind, code)
    }
    fn change_balance(&mut self, entry: &BalanceEntry) -> StoreResult<Result<i64, i64>> {
        self.inner.change_balance(entry)
    }
    fn balance_entries(&mut self, account_id: &str) -> StoreResult<Vec<BalanceEntry>> {
        self.inner.balance_entries(account_id)
    }
    fn list_events(&mut self, page: &Page<i64>, filter: &EventFilter) -> StoreResult<Vec<EventRecord>> {
        self.inner.list_events(page, filter)
    }
    fn idempotency_get(&mut self, key_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        self.inner.idempotency_get(key_id, key)
    }
    fn idempotency_put(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        self.inner.idempotency_put(r)
    }
    fn table_counts(&mut self) -> StoreResult<Vec<(String, i64)>> {
        self.inner.table_counts()
    }
    fn stock_totals(&mut self) -> StoreResult<(i64, i64)> {
        self.inner.stock_totals()
    }
    fn export_rows(
        &mut self,
        table: &crate::schema::TableSpec,
        after: &[crate::schema::Cell],
        limit: usize,
    ) -> StoreResult<Vec<Vec<crate::schema::Cell>>> {
        self.inner.export_rows(table, after, limit)
    }
    fn import_rows(&mut self, table: &crate::schema::TableSpec, rows: &[Vec<crate::schema::Cell>]) -> StoreResult<()> {
        self.inner.import_rows(table, rows)
    }
    fn after_import(&mut self) -> StoreResult<()> {
        self.inner.after_import()
    }
}
