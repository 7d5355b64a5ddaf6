//! Stock: the catalogue (products, locations), inventory levels with their ledger, counts and
//! non-sellable buckets. Depends only on the kernel.

pub mod catalog;
pub mod inventory;
