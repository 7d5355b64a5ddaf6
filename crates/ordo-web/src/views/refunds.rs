//! How a refund looks on the wire: what it is for and where the money went.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundLineView {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
    /// The units' price with their share of tax, less their share of discount.
    pub amount: MoneyView,
}

/// What one payment gives back for a refund.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundAllocationView {
    pub payment_id: String,
    pub provider: String,
    pub amount: MoneyView,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// The gateway's refund id.
    pub reference: Option<String>,
    /// Why the gateway has not refunded it (yet).
    pub failure: Option<String>,
    /// Given as store credit instead of back to the payment.
    pub store_credit: bool,
}

/// A refund of an order: what it is for, and where the money went.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    #[schema(example = "ref_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    /// `pending` (a card gateway has yet to confirm; Ordo keeps trying), `succeeded`, or
    /// `failed` (a gateway refused part of it; what succeeded stays refunded).
    pub status: String,
    pub lines: Vec<RefundLineView>,
    pub shipping: MoneyView,
    pub goodwill: MoneyView,
    /// Kept back (a restocking fee).
    pub restocking_fee: MoneyView,
    pub amount: MoneyView,
    /// The return it refunds.
    pub return_id: Option<String>,
    /// `original` or `store_credit`.
    pub to: String,
    pub reason: Option<String>,
    pub allocations: Vec<RefundAllocationView>,
    pub actor: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&ordo_app::money::refunds::Refund> for RefundView {
    fn from(r: &ordo_app::money::refunds::Refund) -> Self {
        let m = |minor: i64| MoneyView::new(minor, &r.currency);
        RefundView {
            id: r.id.clone(),
            order_id: r.order_id.clone(),
            status: r.status.to_string(),
            lines: r
                .lines
                .iter()
                .map(|l| RefundLineView {
                    line_id: l.line_id.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    amount: m(l.amount),
                })
                .collect(),
            shipping: m(r.shipping),
            goodwill: m(r.goodwill),
            restocking_fee: m(r.restocking_fee),
            amount: m(r.amount),
            return_id: r.return_id.clone(),
            to: r.to.clone(),
            reason: r.reason.clone(),
            allocations: r
                .allocations
                .iter()
                .map(|a| RefundAllocationView {
                    payment_id: a.payment_id.clone(),
                    provider: a.provider.clone(),
                    amount: m(a.amount),
                    status: a.status.to_string(),
                    reference: a.reference.clone(),
                    failure: a.failure.clone(),
                    store_credit: a.store_credit,
                })
                .collect(),
            actor: r.actor.clone(),
            created_at: format_ms(r.created_at),
            updated_at: format_ms(r.updated_at),
        }
    }
}
