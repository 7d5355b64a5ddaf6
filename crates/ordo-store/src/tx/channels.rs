//! Sales channel intake as stored: the import log of every payload a channel sent, found by
//! id, by delivery id and by order, the channel's SKU mapping table, and where each SKU is
//! listed on the channel's platform with what Ordo last pushed there. Only the trait; the
//! engines implement it.

use crate::{ChannelImportRecord, ImportJobRecord, ListingRecord, Page, SkuMappingRecord, StoreResult};

/// Which import log entries a list shows.
#[derive(Debug, Clone, Default)]
pub struct ImportFilter {
    pub status: Option<String>,
    pub external_id: Option<String>,
    pub order_id: Option<String>,
}

super::store_area! {
    list channel_store;
    /// The channels' import logs, SKU mappings and listings, and import file jobs.
    pub trait ChannelStore {
        /// Fails with `Conflict("channel_imports.channel")` when the channel already has an
        /// entry with the same delivery id.
        fn insert_channel_import(&mut self, r: &ChannelImportRecord) -> StoreResult<()>;
        /// Changes the entry's status, reason, order and `updated_at`; false when no entry has
        /// its id.
        fn update_channel_import(&mut self, r: &ChannelImportRecord) -> StoreResult<bool>;
        fn channel_import(&mut self, channel: &str, id: &str) -> StoreResult<Option<ChannelImportRecord>>;
        fn channel_import_by_delivery(&mut self, channel: &str, delivery_id: &str) -> StoreResult<Option<ChannelImportRecord>>;
        /// Newest first (by id, descending); `page.after` is the last id already seen.
        fn list_channel_imports(&mut self, channel: &str, page: &Page<String>, f: &ImportFilter) -> StoreResult<Vec<ChannelImportRecord>>;
        fn put_sku_mapping(&mut self, m: &SkuMappingRecord) -> StoreResult<()>;
        /// False when the channel maps nothing under `external`.
        fn delete_sku_mapping(&mut self, channel: &str, external: &str) -> StoreResult<bool>;
        /// The mappings among `externals`, in no particular order.
        fn sku_mappings_for(&mut self, channel: &str, externals: &[&str]) -> StoreResult<Vec<SkuMappingRecord>>;
        /// By `external`, ascending; `page.after` is the last one already seen.
        fn list_sku_mappings(&mut self, channel: &str, page: &Page<String>) -> StoreResult<Vec<SkuMappingRecord>>;
        /// Saves the listing whole (its target and its push state), replacing one for the same
        /// channel and SKU.
        fn put_channel_listing(&mut self, l: &ListingRecord) -> StoreResult<()>;
        fn channel_listing(&mut self, channel: &str, sku: &str) -> StoreResult<Option<ListingRecord>>;
        /// False when the channel lists nothing under `sku`.
        fn delete_channel_listing(&mut self, channel: &str, sku: &str) -> StoreResult<bool>;
        /// By SKU, ascending; `page.after` is the last SKU already seen.
        fn list_channel_listings(&mut self, channel: &str, page: &Page<String>) -> StoreResult<Vec<ListingRecord>>;
        /// Every channel's listings of these SKUs, by channel and SKU.
        fn listings_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<ListingRecord>>;
        /// Up to `limit` listings whose last push the platform refused, least recently tried
        /// first.
        fn failing_channel_listings(&mut self, limit: usize) -> StoreResult<Vec<ListingRecord>>;
        /// Saves an import job whole, replacing the one with its id.
        fn put_import_job(&mut self, j: &ImportJobRecord) -> StoreResult<()>;
        fn import_job(&mut self, id: &str) -> StoreResult<Option<ImportJobRecord>>;
    }
}
