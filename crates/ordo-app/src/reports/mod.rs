//! Reports computed from what the other areas recorded.

pub mod sales;
