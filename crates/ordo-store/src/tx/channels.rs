//! Sales channel intake as stored: the import log of every payload a channel sent, found by
//! id, by delivery id and by order, and the channel's SKU mapping table. Only the trait; the
//! engines implement it.

use crate::{ChannelImportRecord, Page, SkuMappingRecord, StoreResult};

/// Which import log entries a list shows.
#[derive(Debug, Clone, Default)]
pub struct ImportFilter {
    pub status: Option<String>,
    pub external_id: Option<String>,
    pub order_id: Option<String>,
}

super::store_area! {
    list channel_store;
    /// The channels' import logs and SKU mappings.
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
    }
}
