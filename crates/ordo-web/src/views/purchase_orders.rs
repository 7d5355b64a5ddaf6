//! How purchase orders look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::stock::purchase_orders::{PurchaseOrder, Receipt};
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// A purchase order with its lines and receipts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrderView {
    #[schema(example = "po_01JD8X3Q6Z3M9V8K2N4P6R8T0W")]
    pub id: String,
    /// Sequential and unique.
    #[schema(example = 1042)]
    pub number: i64,
    pub supplier_id: String,
    pub supplier_code: String,
    /// The destination location's code.
    pub location: String,
    #[schema(value_type = ordo_app::kernel::schema::CurrencyCode)]
    pub currency: String,
    /// The day the goods are expected.
    #[schema(format = Date, example = "2026-12-20")]
    pub expected_on: String,
    pub note: Option<String>,
    #[schema(value_type = ordo_app::kernel::schema::PurchaseOrderStatusName)]
    pub status: String,
    pub lines: Vec<PurchaseLineView>,
    pub receipts: Vec<ReceiptView>,
    /// Every line's quantity at its unit cost.
    pub total: MoneyView,
    /// What has arrived, at cost.
    pub received_total: MoneyView,
    pub sent_at: Option<String>,
    /// When it became received or cancelled.
    pub closed_at: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One line of a purchase order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseLineView {
    /// 1-based; receipts and the ledger name it.
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
    pub unit_cost: MoneyView,
    /// Units received so far (may pass `quantity`).
    pub received: i64,
    /// Units received beyond `quantity`.
    pub over_received: i64,
    /// Units that will not come (recorded when the order was closed).
    pub short: i64,
    /// Units still expected.
    pub open: i64,
}

/// One receipt of goods.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    pub number: u32,
    pub at: String,
    /// The API key that recorded it.
    pub actor: String,
    pub note: Option<String>,
    pub lines: Vec<ReceiptLineView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptLineView {
    pub line: u32,
    pub sku: String,
    /// Units put on hand.
    pub quantity: i64,
    /// Of them, units beyond what the line still expected.
    pub over: i64,
    /// The inventory ledger entry that put them on hand.
    #[schema(example = "mov_42")]
    pub movement_id: String,
    /// False when the units could not be valued at their cost (the location's cost is kept in
    /// another currency and no exchange rate was known for the day): they count at the
    /// average cost.
    pub valued: bool,
}

impl From<&Receipt> for ReceiptView {
    fn from(r: &Receipt) -> Self {
        ReceiptView {
            number: r.number,
            at: format_ms(r.at),
            actor: r.actor.clone(),
            note: r.note.clone(),
            lines: r
                .lines
                .iter()
                .map(|l| ReceiptLineView {
                    line: l.line,
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    over: l.over,
                    movement_id: format!("mov_{}", l.movement_seq),
                    valued: l.valued,
                })
                .collect(),
        }
    }
}

impl From<&PurchaseOrder> for PurchaseOrderView {
    fn from(p: &PurchaseOrder) -> Self {
        let c = p.currency.as_str();
        PurchaseOrderView {
            id: p.id.clone(),
            number: p.number,
            supplier_id: p.supplier_id.clone(),
            supplier_code: p.supplier_code.clone(),
            location: p.location.clone(),
            currency: p.currency.clone(),
            expected_on: p.expected_on.clone(),
            note: p.note.clone(),
            status: p.status.as_str().into(),
            lines: p
                .lines
                .iter()
                .map(|l| PurchaseLineView {
                    line: l.line,
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    unit_cost: MoneyView::new(l.unit_cost_minor, c),
                    received: l.received,
                    over_received: l.over_received(),
                    short: l.short,
                    open: l.open(),
                })
                .collect(),
            receipts: p.receipts.iter().map(ReceiptView::from).collect(),
            total: MoneyView::wide(p.total_minor(), c),
            received_total: MoneyView::wide(p.received_minor(), c),
            sent_at: p.sent_at.map(format_ms),
            closed_at: p.closed_at.map(format_ms),
            version: p.version,
            created_at: format_ms(p.created_at),
            updated_at: format_ms(p.updated_at),
        }
    }
}
