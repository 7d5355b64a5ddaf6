//! Stock: the catalogue (products, locations), inventory levels with their ledger, counts and
//! non-sellable buckets, and the suppliers stock is bought from. Depends only on the kernel.

pub mod catalog;
pub mod inventory;
pub mod suppliers;
