//! How an audit log entry looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::audit::AuditEntry;
use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

/// One change: what, to which object, when, by which key, from which address, and its link.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Its place in the log (the event's sequence).
    pub sequence: i64,
    /// The event that records the change.
    pub event_id: String,
    /// What was done: the event's type, e.g. `order.created`.
    #[schema(example = "store_credit.granted")]
    pub action: String,
    /// The object changed.
    pub object: String,
    pub at: String,
    /// The API key that made the change; `null` for Ordo's own workers and the command line.
    pub actor: Option<String>,
    /// The client's IP address, when the change came through the API.
    pub address: Option<String>,
    /// The change, as the event's payload (`docs/events.md`).
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
    /// SHA-256 (hex) over the link before and this entry; `null` until chained.
    pub hash: Option<String>,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(a: &AuditEntry) -> Self {
        let e = &a.event;
        AuditEntryView {
            sequence: e.seq,
            event_id: e.id.clone(),
            action: e.event_type.clone(),
            object: e.subject.clone(),
            at: format_ms(e.at),
            actor: e.actor.clone(),
            address: e.address.clone(),
            change: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
            hash: a.hash.clone(),
        }
    }
}
