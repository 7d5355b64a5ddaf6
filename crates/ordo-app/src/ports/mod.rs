//! The traits through which Ordo reaches outside systems: card gateways (`payment.rs`) and
//! carriers (`carrier.rs`), sales channels (`channel.rs`), outbound webhooks (`webhook.rs`) and
//! mail servers (`mail.rs`) and SMS providers (`sms.rs`). Each is declared here, once; the implementations live in the connectors crate, one module per
//! outside system, and the binary wires them into [`crate::App`] from configuration.
//! Invariant: nothing here speaks a wire format or opens a socket.

pub mod carrier;
pub mod channel;
pub mod mail;
pub mod payment;
pub mod sms;
pub mod target;
pub mod webhook;

/// What a port's call returns.
pub type GatewayFuture<'a, T> = crate::kernel::BoxFuture<'a, T>;

/// The headers of a webhook request, names in lower case, as an adapter reads its own
/// signature from them.
#[derive(Debug, Clone, Default)]
pub struct WebhookHeaders(pub Vec<(String, String)>);

impl WebhookHeaders {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
