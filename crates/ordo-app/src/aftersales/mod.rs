//! After-sales: returns (with exchanges and dispositions) and claims.

pub mod claims;
pub mod returns;
