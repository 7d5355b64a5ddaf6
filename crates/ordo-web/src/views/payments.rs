//! How an order's payments look on the wire: each payment, the ledger and the summary derived
//! from it.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// The order's payment position, derived from the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentSummaryView {
    /// `pending`, `authorized`, `partially_paid`, `paid`, `partially_refunded`, `refunded` or `voided`.
    pub status: String,
    pub total: MoneyView,
    pub authorized: MoneyView,
    pub captured: MoneyView,
    pub voided: MoneyView,
    pub refunded: MoneyView,
    /// Captured minus refunded.
    pub net_paid: MoneyView,
    /// What the customer still owes: total minus captured, never below zero.
    pub balance_due: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    #[schema(example = "pay_01JD7Z0000000000000000000")]
    pub id: String,
    pub provider: String,
    pub method: Option<String>,
    pub authorized: MoneyView,
    pub captured: MoneyView,
    pub voided: MoneyView,
    pub refunded: MoneyView,
    pub capturable: MoneyView,
    pub refundable: MoneyView,
    pub created_at: String,
}

/// One money movement.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentEntryView {
    pub sequence: i64,
    pub payment_id: String,
    /// `authorized`, `captured`, `voided`, `refunded` or `failed`.
    pub kind: String,
    pub amount: MoneyView,
    pub at: String,
    pub actor: Option<String>,
    pub reason: Option<String>,
    /// The gateway's id for the movement (a Stripe refund), or what Ordo settled with it
    /// (`ship:<fulfillment>` for a shipment's capture, a refund's id).
    pub reference: Option<String>,
}

/// An order's payments, the ledger, and the derivation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPaymentsView {
    pub order_id: String,
    pub summary: PaymentSummaryView,
    pub payments: Vec<PaymentView>,
    pub ledger: Vec<PaymentEntryView>,
}

impl From<&ordo_app::money::payments::OrderPayments> for OrderPaymentsView {
    fn from(p: &ordo_app::money::payments::OrderPayments) -> Self {
        let c = &p.order.currency;
        let m = |minor: i64| MoneyView::new(minor, c);
        let s = &p.summary;
        OrderPaymentsView {
            order_id: p.order.id.to_string(),
            summary: PaymentSummaryView {
                status: s.status.as_str().to_owned(),
                total: m(s.total),
                authorized: m(s.authorized),
                captured: m(s.captured),
                voided: m(s.voided),
                refunded: m(s.refunded),
                net_paid: m(s.net_paid),
                balance_due: m(s.balance_due),
            },
            payments: p
                .payments
                .iter()
                .map(|(pay, t)| PaymentView {
                    id: pay.id.clone(),
                    provider: pay.provider.clone(),
                    method: pay.method.clone(),
                    authorized: m(t.authorized),
                    captured: m(t.captured),
                    voided: m(t.voided),
                    refunded: m(t.refunded),
                    capturable: m(t.capturable()),
                    refundable: m(t.refundable()),
                    created_at: format_ms(pay.created_at),
                })
                .collect(),
            ledger: p
                .ledger
                .iter()
                .map(|e| PaymentEntryView {
                    sequence: e.seq,
                    payment_id: e.payment_id.clone(),
                    kind: e.kind.clone(),
                    amount: m(e.amount),
                    at: format_ms(e.at),
                    actor: e.actor.clone(),
                    reason: e.reason.clone(),
                    reference: e.reference.clone(),
                })
                .collect(),
        }
    }
}
