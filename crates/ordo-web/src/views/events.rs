//! How an outbox event looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_store::EventRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// An outbox event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    /// Position in commit order; events are listed by it.
    pub sequence: i64,
    #[schema(example = "order.created")]
    #[serde(rename = "type")]
    pub event_type: String,
    /// The id of the object the event is about.
    pub subject: String,
    pub created_at: String,
    /// The payload; its fields for each type are listed in `docs/events.md`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The payload's schema version.
    #[schema(example = 1)]
    pub version: i64,
}

impl From<&EventRecord> for EventView {
    fn from(e: &EventRecord) -> Self {
        EventView {
            id: e.id.clone(),
            sequence: e.seq,
            event_type: e.event_type.clone(),
            subject: e.subject.clone(),
            created_at: format_ms(e.at),
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
            version: e.version,
        }
    }
}
