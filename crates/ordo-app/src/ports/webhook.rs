//! Sending one outbound webhook: the adapter signs the body with the subscription's secret
//! (`Ordo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`), names the
//! event (`Ordo-Event-Id`, `Ordo-Event-Type`, `Ordo-Delivery-Id`), posts it within the
//! attempt's time limit through the outbound target policy, follows no redirect, and reports
//! what happened. Failing is an answer, not an error: the delivery queue decides what follows.

use crate::kernel::BoxFuture;

/// One attempt to send.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub delivery_id: &'a str,
    pub body: &'a [u8],
    /// The time the signature carries.
    pub now_ms: i64,
}

/// How the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The status code; none when no answer came (refused, unreachable, timed out).
    pub status: Option<u16>,
    pub latency_ms: i64,
    /// The first KiB of the answer's body, as text.
    pub answer: Option<String>,
    /// Why no answer came (or why the URL was refused).
    pub error: Option<String>,
}

impl Answered {
    /// A 2xx answer: delivered.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

pub trait WebhookSender: Send + Sync {
    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Answered>;
}
