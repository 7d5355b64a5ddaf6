//! Buying and moving stock as stored: suppliers, purchase orders, transfers between
//! locations, the units still to come from them, and the moving average cost receipts keep. Only the trait; the engines implement it.

use crate::{CostRecord, IncomingRecord, Page, PurchaseOrderRecord, StoreResult, SupplierRecord, TransferRecord};

super::store_area! {
    list purchasing_store;
    /// Suppliers, purchase orders, transfers, incoming stock and costs.
    pub trait PurchasingStore {
        /// Saves a supplier whole (inserted or replaced by id); `Conflict("suppliers.code")`
        /// when another supplier has its code.
        fn put_supplier(&mut self, s: &SupplierRecord) -> StoreResult<()>;
        fn supplier(&mut self, id: &str) -> StoreResult<Option<SupplierRecord>>;
        fn supplier_by_code(&mut self, code: &str) -> StoreResult<Option<SupplierRecord>>;
        /// Suppliers by code after the page's cursor, of one status or all.
        fn list_suppliers(&mut self, page: &Page<String>, status: Option<&str>) -> StoreResult<Vec<SupplierRecord>>;

        /// The next purchase order number (1 for the first): one a concurrent writer cannot
        /// also be given before this transaction ends.
        fn next_purchase_order_number(&mut self) -> StoreResult<i64>;
        /// Saves a purchase order whole (inserted or replaced by id).
        fn put_purchase_order(&mut self, po: &PurchaseOrderRecord) -> StoreResult<()>;
        /// A purchase order, locked for the rest of the transaction where the engine locks rows.
        fn purchase_order(&mut self, id: &str) -> StoreResult<Option<PurchaseOrderRecord>>;
        /// Purchase orders newest first (by id, before the page's cursor), filtered.
        fn list_purchase_orders(
            &mut self,
            page: &Page<String>,
            filter: &PurchaseOrderFilter,
        ) -> StoreResult<Vec<PurchaseOrderRecord>>;

        /// The next transfer number (1 for the first), given out as purchase order numbers are.
        fn next_transfer_number(&mut self) -> StoreResult<i64>;
        /// Saves a transfer whole (inserted or replaced by id).
        fn put_transfer(&mut self, t: &TransferRecord) -> StoreResult<()>;
        /// A transfer, locked for the rest of the transaction where the engine locks rows.
        fn transfer(&mut self, id: &str) -> StoreResult<Option<TransferRecord>>;
        /// Transfers newest first (by id, before the page's cursor), filtered.
        fn list_transfers(&mut self, page: &Page<String>, filter: &TransferFilter) -> StoreResult<Vec<TransferRecord>>;

        /// Replaces what `origin` brings with `rows` (none: nothing more comes from it).
        fn replace_incoming(&mut self, origin: &str, rows: &[IncomingRecord]) -> StoreResult<()>;
        /// What is still to come for these SKUs, at every location, by SKU, location and date.
        fn incoming_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<IncomingRecord>>;

        fn cost(&mut self, sku: &str, location_id: &str) -> StoreResult<Option<CostRecord>>;
        /// Saves a SKU's cost at a location (inserted or replaced).
        fn put_cost(&mut self, c: &CostRecord) -> StoreResult<()>;
    }
}

#[derive(Debug, Clone, Default)]
pub struct PurchaseOrderFilter {
    pub status: Option<String>,
    pub supplier_id: Option<String>,
    pub location_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    pub status: Option<String>,
    pub from_location_id: Option<String>,
    pub to_location_id: Option<String>,
}
