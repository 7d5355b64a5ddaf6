//! How a hold on an order looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

/// A hold on an order: while one is active the order keeps its reservations but is not
/// picked, packed, labelled or shipped.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldView {
    #[schema(example = "hld_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    /// `fraud_review`, `address_check`, `payment_review` or `manual`.
    #[serde(rename = "type")]
    pub kind: String,
    pub reason: Option<String>,
    /// `operator`, or `rule` when a channel's hold rule placed it at capture.
    pub source: String,
    /// `active`, `released`, or `cancelled` (the order was cancelled through it).
    pub status: String,
    pub placed_by: String,
    pub placed_at: String,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub note: Option<String>,
}

impl From<&ordo_domain::hold::Hold> for HoldView {
    fn from(h: &ordo_domain::hold::Hold) -> Self {
        HoldView {
            id: h.id.clone(),
            order_id: h.order_id.clone(),
            kind: h.kind.to_string(),
            reason: h.reason.clone(),
            source: h.source.to_string(),
            status: h.status.to_string(),
            placed_by: h.placed_by.clone(),
            placed_at: format_ms(h.placed_at),
            resolved_by: h.resolved_by.clone(),
            resolved_at: h.resolved_at.map(format_ms),
            note: h.note.clone(),
        }
    }
}
