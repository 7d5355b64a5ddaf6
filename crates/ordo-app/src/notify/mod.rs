//! Telling others of what changed: outbound webhooks to a merchant's other systems
//! (subscriptions in `webhooks.rs`, queueing and sending in `delivery.rs`); customer email,
//! SMS and the tracking page come next.

pub mod delivery;
pub mod webhooks;
