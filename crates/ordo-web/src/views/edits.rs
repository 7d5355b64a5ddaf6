//! How an order edit looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// One edit of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditView {
    #[schema(example = "edt_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    pub version_from: i64,
    pub version_to: i64,
    /// What changed, as applied.
    pub changes: Vec<ordo_app::kernel::events::payloads::AppliedChange>,
    pub reason: Option<String>,
    pub actor: String,
    pub at: String,
    pub total_before: MoneyView,
    pub total_after: MoneyView,
    /// Uncaptured authorizations released.
    pub released: MoneyView,
    /// Captured money given back (by `refund_id`).
    pub refund_due: MoneyView,
    pub refund_id: Option<String>,
    /// Why the refund could not be made (it can be made by hand).
    pub refund_error: Option<String>,
}

impl From<&ordo_app::sales::edits::Edit> for EditView {
    fn from(e: &ordo_app::sales::edits::Edit) -> Self {
        let m = |minor: i64| MoneyView::new(minor, &e.currency);
        EditView {
            id: e.id.clone(),
            order_id: e.order_id.clone(),
            version_from: e.version_from,
            version_to: e.version_to,
            changes: e.changes.clone(),
            reason: e.reason.clone(),
            actor: e.actor.clone(),
            at: format_ms(e.at),
            total_before: m(e.total_before),
            total_after: m(e.total_after),
            released: m(e.released),
            refund_due: m(e.refund_due),
            refund_id: e.refund_id.clone(),
            refund_error: e.refund_error.clone(),
        }
    }
}
