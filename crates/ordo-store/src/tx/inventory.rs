//! Stock as stored: sellable levels with their ledger, requests to count, and non-sellable
//! buckets with theirs. Only the trait; the engines implement it.

use ordo_domain::inventory::{Level, Movement};

use crate::{BucketChange, BucketLevel, BucketMovement, CountRequest, LevelChange, LevelRecord, Page, StoreResult};

super::store_area! {
    list inventory_store;
    /// Stock levels, their ledger, count requests and non-sellable buckets.
    ///
    /// Implementations must make [`InventoryStore::change_level`] atomic and guarded: the level
    /// is changed only if the result keeps `0 <= reserved <= on_hand`, never by a
    /// read-then-write that another writer could interleave.
    pub trait InventoryStore {
        fn levels_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<LevelRecord>>;
        fn list_levels(
            &mut self,
            page: &Page<(String, String)>,
            sku: Option<&str>,
            location_id: Option<&str>,
        ) -> StoreResult<Vec<LevelRecord>>;
        /// Atomically applies the deltas if the result is a valid level, appends the ledger
        /// entry and returns it; returns `Ok(Err(current level))` and changes nothing otherwise.
        fn change_level(&mut self, change: &LevelChange) -> StoreResult<Result<Movement, Level>>;
        fn list_movements(&mut self, page: &Page<i64>, filter: &MovementFilter) -> StoreResult<Vec<Movement>>;
        /// Records (or refreshes) that stock needs counting.
        fn request_count(&mut self, r: &CountRequest) -> StoreResult<()>;
        fn clear_count_request(&mut self, sku: &str, location_id: &str) -> StoreResult<()>;
        fn count_requests(&mut self, location_id: Option<&str>) -> StoreResult<Vec<CountRequest>>;

        // Non-sellable stock.
        /// Adds `c.delta` to the bucket if it stays at or above zero and records the movement;
        /// `Ok(Err(current))` and no change otherwise.
        fn change_bucket(&mut self, c: &BucketChange) -> StoreResult<Result<i64, i64>>;
        fn buckets_for_sku(&mut self, sku: &str) -> StoreResult<Vec<BucketLevel>>;
        /// A SKU's non-sellable ledger, oldest first.
        fn bucket_movements(&mut self, sku: &str) -> StoreResult<Vec<BucketMovement>>;
    }
}

#[derive(Debug, Clone, Default)]
pub struct MovementFilter {
    pub sku: Option<String>,
    pub location_id: Option<String>,
    pub order_id: Option<String>,
    pub after_time: Option<i64>,
    pub before_time: Option<i64>,
}
