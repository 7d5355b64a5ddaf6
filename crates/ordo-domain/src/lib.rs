//! Ordo's pure core: the types and rules of an order management system.
//!
//! Nothing in this crate performs IO, reads a clock or is `async`: callers pass time and
//! randomness in, so every rule here is a plain function that tables of tests can check.

pub mod allocation;
pub mod barcode;
pub mod catalog;
pub mod channel;
pub mod fulfillment;
pub mod fx;
pub mod hold;
pub mod id;
pub mod inventory;
pub mod money;
pub mod notification;
pub mod order;
pub mod pan;
pub mod payment;
pub mod planning;
pub mod purchasing;
pub mod returns;
pub mod routing;
pub mod shipping;
pub mod status;
pub mod transfer;
pub mod validate;
pub mod webhook;

pub use money::{Currency, Money, MoneyError};
