//! How transfers between locations look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::stock::transfers::Transfer;
use serde::Serialize;
use utoipa::ToSchema;

use super::{MoneyView, ReceiptView};

/// Stock on its way from one location to another, with its lines and receipts.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferView {
    #[schema(example = "tr_01JD8X3Q6Z3M9V8K2N4P6R8T0W")]
    pub id: String,
    /// Sequential and unique.
    #[schema(example = 17)]
    pub number: i64,
    /// The source location's code.
    pub from_location: String,
    /// The destination location's code.
    pub to_location: String,
    /// The day the units are expected at the destination.
    #[schema(format = Date, example = "2026-12-18")]
    pub expected_on: String,
    pub note: Option<String>,
    #[schema(value_type = ordo_app::kernel::schema::TransferStatusName)]
    pub status: String,
    pub lines: Vec<TransferLineView>,
    /// Receipts at the destination; their ledger entries have reason `transfer_in`.
    pub receipts: Vec<ReceiptView>,
    /// Why what never arrived was written off: `lost` or `damaged`.
    #[schema(value_type = Option<ordo_app::kernel::schema::LossReasonName>)]
    pub loss_reason: Option<String>,
    pub shipped_at: Option<String>,
    /// When it became received or cancelled.
    pub closed_at: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One line of a transfer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferLineView {
    /// 1-based; receipts and the ledgers name it (`tr_...:LINE`).
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
    /// Units that arrived at the destination.
    pub received: i64,
    /// Units written off when the transfer was closed.
    pub lost: i64,
    /// Units shipped and not yet received or written off (zero before it ships).
    pub in_transit: i64,
    /// The source's average unit cost when the units shipped, which the destination takes
    /// them in at; none when the source had no cost for the SKU.
    pub unit_cost: Option<MoneyView>,
}

impl From<&Transfer> for TransferView {
    fn from(t: &Transfer) -> Self {
        let shipped = t.shipped_at.is_some();
        TransferView {
            id: t.id.clone(),
            number: t.number,
            from_location: t.from_location.clone(),
            to_location: t.to_location.clone(),
            expected_on: t.expected_on.clone(),
            note: t.note.clone(),
            status: t.status.as_str().into(),
            lines: t
                .lines
                .iter()
                .map(|l| TransferLineView {
                    line: l.line,
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    received: l.received,
                    lost: l.lost,
                    in_transit: if shipped { l.in_transit() } else { 0 },
                    unit_cost: l.unit_cost_minor.zip(l.currency.as_deref()).map(|(m, c)| MoneyView::new(m, c)),
                })
                .collect(),
            receipts: t.receipts.iter().map(ReceiptView::from).collect(),
            loss_reason: t.loss_reason.map(|r| r.as_str().into()),
            shipped_at: t.shipped_at.map(format_ms),
            closed_at: t.closed_at.map(format_ms),
            version: t.version,
            created_at: format_ms(t.created_at),
            updated_at: format_ms(t.updated_at),
        }
    }
}
