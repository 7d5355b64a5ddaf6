//! Telling others of what changed: outbound webhooks to a merchant's other systems
//! (subscriptions in `webhooks.rs`, queueing and sending in `delivery.rs`), and email to
//! customers (what is told and their preferences in `messages.rs`, the templates in
//! `templates.rs`, queueing and sending in `email.rs`); SMS and the tracking page come next.

pub mod delivery;
pub mod email;
pub mod messages;
pub mod templates;
pub mod webhooks;
