//! The catalogue as stored: products, locations with their daily load, routing rule sets
//! and carriers. Only the trait; the engines implement it.

use ordo_domain::catalog::{Location, Product};
use ordo_domain::routing::Site;

use crate::{Page, RuleSetRecord, StoreResult};

super::store_area! {
    list catalog_store;
    /// Products, locations, routing rule sets and carriers.
    pub trait CatalogStore {
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
        /// Counts one more order for the location on `day` only if fewer than `capacity` are
        /// counted, in one guarded statement; whether it counted. With the location's
        /// `daily_capacity` as `capacity`, it takes an order exactly when `routing_sites` shows
        /// capacity left (`remaining_capacity > 0`), and concurrent takers never overfill it.
        fn take_location_load(&mut self, location_id: &str, day: &str, capacity: i64) -> StoreResult<bool>;
        /// Gives back one order counted for the location on `day`; the count never goes below
        /// zero, and a day with nothing counted stays so.
        fn release_location_load(&mut self, location_id: &str, day: &str) -> StoreResult<()>;

        // Routing rule sets.
        fn rule_sets(&mut self) -> StoreResult<Vec<RuleSetRecord>>;
        /// Inserts or replaces the rule set with this name.
        fn put_rule_set(&mut self, r: &RuleSetRecord) -> StoreResult<()>;

        // Carriers (stored as JSON documents, like rule sets).
        fn carriers(&mut self) -> StoreResult<Vec<RuleSetRecord>>;
        fn put_carrier(&mut self, c: &RuleSetRecord) -> StoreResult<()>;
        /// Deletes the carrier with this code; whether there was one.
        fn delete_carrier(&mut self, code: &str) -> StoreResult<bool>;
    }
}
