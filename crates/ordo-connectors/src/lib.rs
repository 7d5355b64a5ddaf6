//! Ordo's adapters to outside systems, one module per system, each behind a port the app
//! crate declares (`ordo_app::ports`), with that system's wire format in a `wire.rs` of its
//! own beside the adapter: Stripe (card payments), EasyPost (carriers), and the rate-card
//! carrier Ordo prices itself. Signing and signature checks live once, in `signing.rs`.
//!
//! Invariant: the app crate does not depend on this one; the binary wires the adapters in
//! from configuration ([`wire`]).

pub mod easypost;
pub mod ratecard;
pub mod signing;
pub mod stripe;

use std::sync::Arc;
use std::time::Duration;

use ordo_app::App;

/// Which connectors a process uses, from its configuration.
#[derive(Debug, Clone, Default)]
pub struct Connectors {
    /// Card payments through Stripe; `None` leaves cards not set up (501).
    pub stripe: Option<stripe::StripeConfig>,
}

/// The HTTP client every connector shares: bounded connect and request times, so that an
/// outside system that hangs never holds a request or a worker for long.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default()
}

/// Wires every carrier adapter Ordo ships, and the configured payment gateway, into the app.
pub fn wire(app: App, connectors: &Connectors) -> App {
    let http = http_client();
    let app = app
        .with_carrier(Arc::new(ratecard::RateCardGateway))
        .with_carrier(Arc::new(easypost::EasyPostGateway { http: http.clone() }));
    match &connectors.stripe {
        Some(config) => app.with_gateway(Arc::new(stripe::StripeGateway { config: config.clone(), http })),
        None => app,
    }
}
