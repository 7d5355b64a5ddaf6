//! How outbound webhook subscriptions and their deliveries look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::notify::webhooks::{Delivery, Webhook, WithSecret};
use ordo_store::{AttemptRecord, DeliveryRecord};
use serde::Serialize;
use utoipa::ToSchema;

/// A webhook subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    #[schema(example = "whk_01JD8X3Q6Z3M9V8K2N4P6R8T0W")]
    pub id: String,
    pub url: String,
    /// The event types delivered, or `["*"]` for every one.
    pub events: Vec<String>,
    pub description: Option<String>,
    #[schema(value_type = ordo_app::kernel::schema::WebhookStatus)]
    pub status: String,
    /// Since when every attempt has failed; `null` while the receiver answers.
    pub failing_since: Option<String>,
    /// Why the subscription is disabled.
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Webhook> for WebhookView {
    fn from(w: &Webhook) -> Self {
        WebhookView {
            id: w.id.clone(),
            url: w.url.clone(),
            events: w.events.clone(),
            description: w.description.clone(),
            status: w.status.clone(),
            failing_since: w.failing_since.map(format_ms),
            disabled_reason: w.disabled_reason.clone(),
            version: w.version,
            created_at: format_ms(w.created_at),
            updated_at: format_ms(w.updated_at),
        }
    }
}

/// A subscription with its signing secret: shown in this answer only (a retry with the same
/// `Idempotency-Key` answers the subscription with `secret` null; roll a new one if it was
/// lost). Receivers check `Ordo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
/// "<t>.<raw body>")>` and refuse a `t` more than 5 minutes away.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecretView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    #[schema(example = "whsec_3f1c0a...")]
    pub secret: Option<String>,
}

impl From<&WithSecret> for WebhookSecretView {
    fn from(w: &WithSecret) -> Self {
        WebhookSecretView { webhook: WebhookView::from(&w.webhook), secret: Some(w.secret.clone()) }
    }
}

/// One event for one subscription, and where its delivery stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    #[schema(example = "whd_01JD8X3Q6Z3M9V8K2N4P6R8T0W")]
    pub id: String,
    /// The event's id, sent as `Ordo-Event-Id`: receivers deduplicate by it.
    pub event_id: String,
    #[schema(example = "order.created")]
    pub event_type: String,
    /// The object the event is about; its deliveries go out in order.
    pub subject: String,
    /// `pending`, `delivered` or `dead` (the dead-letter list: replay it to send it again).
    #[schema(value_type = ordo_app::kernel::schema::DeliveryStatus)]
    pub status: String,
    pub attempts: i64,
    /// When a pending delivery is next tried.
    pub next_attempt_at: Option<String>,
    /// The receiver's status code at the last attempt (`null` when it did not answer).
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&DeliveryRecord> for DeliveryView {
    fn from(d: &DeliveryRecord) -> Self {
        DeliveryView {
            id: d.id.clone(),
            event_id: d.event_id.clone(),
            event_type: d.event_type.clone(),
            subject: d.subject.clone(),
            status: d.status.clone(),
            attempts: d.attempts,
            next_attempt_at: (d.status == "pending").then(|| format_ms(d.next_at)),
            last_status: d.last_status,
            last_error: d.last_error.clone(),
            created_at: format_ms(d.created_at),
            updated_at: format_ms(d.updated_at),
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first.
    pub n: i64,
    pub at: String,
    /// The receiver's status code; `null` when it could not be reached or did not answer in
    /// 10 seconds.
    pub status: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// The first KiB of the receiver's answer.
    pub answer: Option<String>,
}

impl From<&AttemptRecord> for AttemptView {
    fn from(a: &AttemptRecord) -> Self {
        AttemptView {
            n: a.n,
            at: format_ms(a.at),
            status: a.status,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
            answer: a.answer.clone(),
        }
    }
}

/// A delivery with the body it sends and every attempt so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDetailView {
    #[serde(flatten)]
    pub delivery: DeliveryView,
    /// What is posted: the event as `GET /v1/events` shows it.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    pub attempt_log: Vec<AttemptView>,
}

impl From<&Delivery> for DeliveryDetailView {
    fn from(d: &Delivery) -> Self {
        DeliveryDetailView {
            delivery: DeliveryView::from(&d.record),
            body: serde_json::from_str(&d.record.body).unwrap_or(serde_json::Value::Null),
            attempt_log: d.attempts.iter().map(AttemptView::from).collect(),
        }
    }
}

/// How many deliveries a replay put back in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayView {
    pub replayed: usize,
}

impl From<&usize> for ReplayView {
    fn from(n: &usize) -> Self {
        ReplayView { replayed: *n }
    }
}
