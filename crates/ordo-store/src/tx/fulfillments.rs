//! Fulfilments as stored: one location's part of an order, found by order, by tracking
//! number or in a location's work queue. Only the trait; the engines implement it.

use ordo_domain::fulfillment::{Fulfillment, FulfillmentStatus};

use crate::{Page, StoreResult};

super::store_area! {
    list fulfillment_store;
    /// Fulfilments.
    pub trait FulfillmentStore {
        fn insert_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()>;
        /// Replaces the stored fulfilment by id.
        fn update_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()>;
        /// In a write transaction, the fulfilment is locked until commit.
        fn fulfillment_by_id(&mut self, id: &str) -> StoreResult<Option<Fulfillment>>;
        fn fulfillments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<Fulfillment>>;
        /// Fulfilments in id order (oldest first), after the cursor.
        fn list_fulfillments(
            &mut self,
            page: &Page<String>,
            filter: &FulfillmentFilter,
        ) -> StoreResult<Vec<Fulfillment>>;
        /// Fulfilments carrying this tracking number (locked in a write transaction).
        fn fulfillments_by_tracking(&mut self, tracking_number: &str) -> StoreResult<Vec<Fulfillment>>;
    }
}

#[derive(Debug, Clone, Default)]
pub struct FulfillmentFilter {
    pub location_id: Option<String>,
    pub status: Option<FulfillmentStatus>,
    pub order_id: Option<String>,
}
