//! Planning stock as stored: the stock policy of each SKU at each location (safety stock,
//! reorder point), the alerts of stock that ran low or out, each location's buyers and the
//! forecast last made for each SKU. Only the trait; the engines implement it.

use crate::{AlertRecord, BuyerRecord, ForecastRecord, Page, PolicyRecord, StoreResult};

super::store_area! {
    list planning_store;
    /// Stock policies, stock alerts, buyers and forecasts.
    pub trait PlanningStore {
        /// Saves a SKU's policy at a location (inserted or replaced).
        fn put_policy(&mut self, p: &PolicyRecord) -> StoreResult<()>;
        /// Removes a SKU's policy at a location; whether there was one.
        fn delete_policy(&mut self, sku: &str, location_id: &str) -> StoreResult<bool>;
        /// The policies of these SKUs at every location that has one, by SKU and location.
        fn policies_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<PolicyRecord>>;

        /// Saves an alert whole (inserted or replaced by id); `Conflict("stock_alerts.kind")`
        /// when another of its kind is open for the SKU and location.
        fn put_alert(&mut self, a: &AlertRecord) -> StoreResult<()>;
        /// The open alerts of these SKUs, by SKU, location and kind.
        fn open_alerts_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<AlertRecord>>;
        /// Alerts newest first (by id, before the page's cursor), filtered.
        fn list_alerts(&mut self, page: &Page<String>, filter: &AlertFilter) -> StoreResult<Vec<AlertRecord>>;
        fn alert(&mut self, id: &str) -> StoreResult<Option<AlertRecord>>;

        /// Replaces a location's buyers with `buyers` (none: it has none).
        fn put_buyers(&mut self, location_id: &str, buyers: &[BuyerRecord]) -> StoreResult<()>;
        /// A location's buyers, by email address.
        fn buyers(&mut self, location_id: &str) -> StoreResult<Vec<BuyerRecord>>;

        /// Saves a SKU's forecast, replacing the one before.
        fn put_forecast(&mut self, f: &ForecastRecord) -> StoreResult<()>;
        fn forecast(&mut self, sku: &str) -> StoreResult<Option<ForecastRecord>>;
        /// Forecasts by SKU after the page's cursor, without their bodies (empty).
        fn list_forecasts(&mut self, page: &Page<String>) -> StoreResult<Vec<ForecastRecord>>;

        /// The planning settings as JSON (none until first saved), and saving them.
        fn planning_settings(&mut self) -> StoreResult<Option<String>>;
        fn put_planning_settings(&mut self, body: &str, at: i64) -> StoreResult<()>;

        /// Records that a SKU was counted at a location (replacing the time before).
        fn put_last_count(&mut self, sku: &str, location_id: &str, at: i64) -> StoreResult<()>;
        /// (SKU, location id, counted at) of every SKU ever counted, by SKU and location.
        fn last_counts(&mut self) -> StoreResult<Vec<(String, String, i64)>>;
    }
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only open ones (`Some(true)`) or only ended ones (`Some(false)`).
    pub open: Option<bool>,
    pub kind: Option<String>,
    pub sku: Option<String>,
    pub location_id: Option<String>,
}
