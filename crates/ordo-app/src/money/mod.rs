//! Money: the payment ledger and capture, refunds, gift cards and store credit, exchange rates,
//! and the settler that does at card gateways what a transaction cannot.

pub mod balances;
pub(crate) mod card_claims;
pub mod fx;
pub mod payment_requests;
pub mod payments;
pub mod platform;
pub mod refunds;
pub mod settler;
