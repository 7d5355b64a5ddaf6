//! Ordo's adapters to outside systems, one module per system, each behind a port the app
//! crate declares (`ordo_app::ports`), with that system's wire format in a `wire.rs` of its
//! own beside the adapter: Stripe (card payments), EasyPost (carriers), the rate-card
//! carrier Ordo prices itself, and the sales platforms (Shopify, WooCommerce, BigCommerce,
//! Amazon; `platform.rs` holds what they share), outbound webhooks (`webhooks.rs`), customer
//! email over SMTP (`mail.rs`) and text messages through Twilio (`twilio/`). Signing and signature checks live once, in `signing.rs`.
//!
//! Invariant: the app crate does not depend on this one; the binary wires the adapters in
//! from configuration ([`wire`]).

pub mod amazon;
pub mod bigcommerce;
pub mod easypost;
pub mod mail;
pub mod outbound;
pub mod platform;
pub mod ratecard;
pub mod shopify;
pub mod signing;
pub mod stripe;
pub mod twilio;
pub mod webhooks;
pub mod woocommerce;

use std::sync::Arc;

use ordo_app::App;

/// Which connectors a process uses, from its configuration.
#[derive(Debug, Clone, Default)]
pub struct Connectors {
    /// Card payments through Stripe; `None` leaves cards not set up (501).
    pub stripe: Option<stripe::StripeConfig>,
}

/// Wires every carrier adapter Ordo ships, and the configured payment gateway, into the app,
/// each reaching out through the app's target policy.
pub fn wire(app: App, connectors: &Connectors) -> App {
    let (targets, app_webhook_targets) = (app.targets, app.webhook_targets);
    let http = outbound::client(targets);
    let app = app
        .with_carrier(Arc::new(ratecard::RateCardGateway))
        .with_carrier(Arc::new(easypost::EasyPostGateway { http: http.clone(), targets }))
        .with_channel(Arc::new(shopify::ShopifyChannel { http: http.clone(), targets }))
        .with_channel(Arc::new(woocommerce::WooCommerceChannel { http: http.clone(), targets }))
        .with_channel(Arc::new(bigcommerce::BigCommerceChannel { http: http.clone(), targets }))
        .with_channel(Arc::new(amazon::AmazonChannel::new(http.clone(), targets)))
        .with_webhook_sender(Arc::new(webhooks::HttpWebhookSender::new(app_webhook_targets)));
    match &connectors.stripe {
        Some(config) => app.with_gateway(Arc::new(stripe::StripeGateway { config: config.clone(), http })),
        None => app,
    }
}
