//! After-sales: returns (with exchanges and dispositions) and claims.

pub mod claims;
pub mod receiving;
pub mod return_labels;
pub mod returns;
pub mod units;
