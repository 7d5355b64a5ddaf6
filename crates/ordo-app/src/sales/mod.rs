//! Sales: order capture and cancellation, edits, holds and customers.

pub mod customers;
pub mod edits;
pub mod holds;
pub mod orders;
pub mod prepare;
