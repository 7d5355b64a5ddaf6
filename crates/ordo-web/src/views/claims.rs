//! How a claim looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimLineView {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
}

/// A claim for a delivery that went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimView {
    #[schema(example = "clm_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    /// `missing` or `damaged`.
    #[serde(rename = "type")]
    pub kind: String,
    pub lines: Vec<ClaimLineView>,
    /// `refund` or `reship`.
    pub resolution: String,
    /// `resolved`, or `failed` (see `error`; nothing was given).
    pub status: String,
    pub refund_id: Option<String>,
    /// The free replacement order.
    pub reship_order_id: Option<String>,
    pub error: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub at: String,
}

impl From<&ordo_app::aftersales::claims::Claim> for ClaimView {
    fn from(c: &ordo_app::aftersales::claims::Claim) -> Self {
        ClaimView {
            id: c.id.clone(),
            order_id: c.order_id.clone(),
            kind: c.kind.to_string(),
            lines: c
                .lines
                .iter()
                .map(|(line_id, sku, quantity)| ClaimLineView {
                    line_id: line_id.clone(),
                    sku: sku.clone(),
                    quantity: *quantity,
                })
                .collect(),
            resolution: c.resolution.to_string(),
            status: c.status.to_string(),
            refund_id: c.refund_id.clone(),
            reship_order_id: c.reship_order_id.clone(),
            error: c.error.clone(),
            note: c.note.clone(),
            actor: c.actor.clone(),
            at: format_ms(c.at),
        }
    }
}
