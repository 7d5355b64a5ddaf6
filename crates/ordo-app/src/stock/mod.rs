//! Stock: the catalogue (products, locations), inventory levels with their ledger, counts and
//! non-sellable buckets, the suppliers stock is bought from and the purchase orders that bring
//! it. Depends only on the kernel.

pub mod alerts;
pub mod availability;
pub mod catalog;
pub mod inventory;
pub mod policies;
pub mod purchase_orders;
pub mod purchase_receipts;
pub mod suppliers;
