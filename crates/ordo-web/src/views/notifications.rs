//! How customer messages, their preview and customer preferences look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::notify::email::Notification;
use ordo_app::notify::templates::Rendered;
use serde::Serialize;
use utoipa::ToSchema;

/// One message to a customer about a step of their order, and what came of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    #[schema(example = "ntf_01JD8X3Q6Z3M9V8K2N4P6R8T0W")]
    pub id: String,
    pub order_id: String,
    #[schema(value_type = ordo_app::kernel::schema::MessageKindName)]
    pub kind: String,
    /// `email` (SMS comes next).
    pub transport: String,
    /// The address it went (or goes) to.
    pub recipient: String,
    pub language: String,
    /// The fulfilment, return or refund it is about.
    pub about: Option<String>,
    /// The event that called for it; `null` for a message sent again by hand.
    pub event_id: Option<String>,
    /// `pending` (queued or waiting to be tried again), `sent`, `failed` (given up), or
    /// `skipped` (the customer turned this kind of message off).
    #[schema(value_type = ordo_app::kernel::schema::NotificationStatus)]
    pub status: String,
    pub attempts: i64,
    pub subject: Option<String>,
    /// What the mail server answered when it took the message, with its `Message-ID`.
    pub provider_id: Option<String>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// When a pending message is tried next.
    pub next_attempt_at: Option<String>,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        NotificationView {
            id: n.id.clone(),
            order_id: n.order_id.clone(),
            kind: n.kind.clone(),
            transport: n.transport.clone(),
            recipient: n.recipient.clone(),
            language: n.language.clone(),
            about: n.about.clone(),
            event_id: n.event_id.clone(),
            status: n.status.clone(),
            attempts: n.attempts,
            subject: n.subject.clone(),
            provider_id: n.provider_id.clone(),
            error: n.error.clone(),
            created_at: format_ms(n.created_at),
            sent_at: n.sent_at.map(format_ms),
            next_attempt_at: n.next_attempt_at.map(format_ms),
        }
    }
}

/// An order's messages, first queued first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationListView {
    pub items: Vec<NotificationView>,
}

/// One message rendered for a real order, as it would go now.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePreviewView {
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl From<Rendered> for MessagePreviewView {
    fn from(r: Rendered) -> Self {
        MessagePreviewView { subject: r.subject, text: r.text, html: r.html }
    }
}
