//! Reports computed from what the other areas recorded.

pub mod customer_record;
pub mod sales;
