//! The flows every card gateway has, as one trait: authorize (or charge at once), capture
//! (full or partial, several times), void, refund (full or partial, several times), and read
//! a signed webhook. Every call takes an idempotency key that is passed to the gateway, so a
//! retried call never moves money twice. Stripe's PaymentIntents API is the adapter Ordo ships
//! (in the connectors crate); the tests drive it against a local stand-in speaking Stripe's
//! wire format.
//!
//! Payments Ordo keeps itself (manual payments, gift cards, store credit) need no gateway:
//! their ledger entries are the money movement.

use crate::AppResult;
use crate::ports::{GatewayFuture, WebhookHeaders};

/// What to authorize.
#[derive(Debug, Clone, Copy)]
pub struct Authorization<'a> {
    /// Minor units.
    pub amount: i64,
    pub currency: &'a str,
    /// The storefront's payment method token; Ordo never sees a card number.
    pub token: &'a str,
    /// Ordo's ids, kept with the gateway's payment so its webhooks can be matched.
    pub payment_id: &'a str,
    pub order_id: &'a str,
    /// Charge at once instead of authorizing for a later capture.
    pub capture_now: bool,
}

/// The gateway's payment after a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayPayment {
    /// The gateway's id for it (a Stripe PaymentIntent).
    pub reference: String,
    /// Minor units captured so far, in all.
    pub received: i64,
}

/// What a webhook says happened at the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayChange {
    /// Captured; `received` is the running total.
    Captured { received: i64 },
    /// Everything still authorized was released.
    Voided,
    /// An attempt failed (moves no money).
    Failed { amount: i64 },
    /// Refunded; `refunded` is the running total.
    Refunded { refunded: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The gateway's event id: an event is recorded once.
    pub id: String,
    /// The gateway's event type, kept as the entry's reason.
    pub name: String,
    /// The gateway's payment id.
    pub reference: Option<String>,
    /// Ordo's payment id, when the gateway echoes it.
    pub payment_id: Option<String>,
    pub change: GatewayChange,
}

pub trait PaymentGateway: Send + Sync {
    /// The payment provider's name in Ordo (`stripe`).
    fn provider(&self) -> &'static str;
    /// Authorizes (or charges); a refusal is `AppError::Refused { code: "card_declined" }`.
    fn authorize<'a>(&'a self, what: Authorization<'a>, key: &'a str) -> GatewayFuture<'a, GatewayPayment>;
    /// Captures `amount` more; `last` releases whatever is left.
    fn capture<'a>(
        &'a self,
        reference: &'a str,
        amount: i64,
        last: bool,
        key: &'a str,
    ) -> GatewayFuture<'a, GatewayPayment>;
    fn void<'a>(&'a self, reference: &'a str, key: &'a str) -> GatewayFuture<'a, GatewayPayment>;
    /// Refunds `amount` of what was captured; returns the gateway's refund id.
    fn refund<'a>(&'a self, reference: &'a str, amount: i64, key: &'a str) -> GatewayFuture<'a, String>;
    /// Verifies a webhook's signature (from the headers the gateway signs with) and reads it;
    /// `Ok(None)` for events about no payment.
    fn webhook(&self, headers: &WebhookHeaders, body: &[u8], now_ms: i64) -> AppResult<Option<WebhookEvent>>;
}
