//! Telling others of what changed: outbound webhooks to a merchant's other systems
//! (subscriptions in `webhooks.rs`, queueing and sending in `delivery.rs`), and email to
//! customers and texts to their phones (what is told and their preferences in `messages.rs`,
//! the templates in `templates.rs`, each channel's look and sender in `brand.rs`, queueing
//! and sending in `email.rs`, the tracking and unsubscribe pages customers open without a
//! key in `pages.rs`).

pub mod brand;
pub mod delivery;
pub mod email;
pub mod messages;
pub mod pages;
pub mod return_mail;
pub mod stock_mail;
pub mod templates;
pub mod webhooks;
