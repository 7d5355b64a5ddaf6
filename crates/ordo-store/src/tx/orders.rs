//! Orders as stored, the documents of their life after capture (order records), and each
//! sales channel's settings. Only the trait; the engines implement it.

use ordo_domain::order::{Order, OrderStatus};

use crate::{OrderRecord, Page, StoreResult};

super::store_area! {
    list order_store;
    /// Orders, order records and channel settings.
    pub trait OrderStore {
        fn next_order_number(&mut self) -> StoreResult<i64>;
        fn insert_order(&mut self, o: &Order) -> StoreResult<()>;
        /// Replaces the stored order (status, lines, version ...) by id.
        fn update_order(&mut self, o: &Order) -> StoreResult<()>;
        fn order_by_id(&mut self, id: &str) -> StoreResult<Option<Order>>;
        fn order_id_by_external_id(&mut self, channel: &str, external_id: &str) -> StoreResult<Option<String>>;
        fn list_orders(&mut self, page: &Page<i64>, filter: &OrderFilter) -> StoreResult<Vec<Order>>;

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

        // Per-channel policies.
        fn channel_settings(&mut self, channel: &str) -> StoreResult<Option<String>>;
        fn put_channel_settings(&mut self, channel: &str, body: &str, at: i64) -> StoreResult<()>;
        /// Every channel with stored settings, by name.
        fn channel_names(&mut self) -> StoreResult<Vec<String>>;
    }
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
