//! How a return (RMA) looks on the wire: its lines, received units, history, exchange and
//! label.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedUnitsView {
    pub quantity: i64,
    pub condition: Option<String>,
    /// `restock`, `refurbish`, `damaged`, `return_to_vendor` or `dispose`.
    pub disposition: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnLineView {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
    /// `damaged`, `wrong_item`, `no_longer_needed`, `not_as_described` or `other`.
    pub reason: String,
    pub note: Option<String>,
    pub received: Vec<ReceivedUnitsView>,
}

/// One step of a return: its status, who set it, when.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnStepView {
    pub status: String,
    pub actor: String,
    pub at: String,
}

/// A return (RMA).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnView {
    #[schema(example = "ret_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    /// `requested`, `approved`, `rejected`, `received` or `closed`.
    pub status: String,
    pub lines: Vec<ReturnLineView>,
    pub refund_shipping: bool,
    pub restocking_fee: MoneyView,
    /// Accepted after the channel's return window by an operator.
    pub window_overridden: bool,
    /// Where it was received.
    pub location: Option<String>,
    /// The refund made for it.
    pub refund_id: Option<String>,
    /// Why no refund could be made (one can be made by hand).
    pub refund_error: Option<String>,
    pub note: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
    pub updated_at: String,
    pub history: Vec<ReturnStepView>,
    /// The replacement asked for, when this is an exchange.
    pub exchange: Option<ExchangeView>,
    /// The replacement order.
    pub exchange_order_id: Option<String>,
    /// The return's credit that paid the replacement order.
    pub credit_applied: MoneyView,
    pub exchange_error: Option<String>,
    /// The prepaid return label.
    pub label: Option<ReturnLabelView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnLabelView {
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    /// The receiving location's code.
    pub location: String,
    pub price: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeLineView {
    pub sku: String,
    pub quantity: i64,
    pub unit_price: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeView {
    pub lines: Vec<ExchangeLineView>,
    /// Shipped before the return arrives.
    pub advance: bool,
}

impl From<&ordo_app::aftersales::returns::Return> for ReturnView {
    fn from(r: &ordo_app::aftersales::returns::Return) -> ReturnView {
        let currency = r.currency.as_str();
        ReturnView {
            id: r.id.clone(),
            order_id: r.order_id.clone(),
            status: r.status.to_string(),
            lines: r
                .lines
                .iter()
                .map(|l| ReturnLineView {
                    line_id: l.line_id.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    reason: l.reason.to_string(),
                    note: l.note.clone(),
                    received: l
                        .received
                        .iter()
                        .map(|u| ReceivedUnitsView {
                            quantity: u.quantity,
                            condition: u.condition.clone(),
                            disposition: u.disposition.to_string(),
                        })
                        .collect(),
                })
                .collect(),
            refund_shipping: r.refund_shipping,
            restocking_fee: MoneyView::new(r.restocking_fee, currency),
            window_overridden: r.window_overridden,
            location: r.location.clone(),
            refund_id: r.refund_id.clone(),
            refund_error: r.refund_error.clone(),
            note: r.note.clone(),
            requested_by: r.requested_by.clone(),
            requested_at: format_ms(r.requested_at),
            updated_at: format_ms(r.updated_at),
            history: r
                .history
                .iter()
                .map(|(status, actor, at)| ReturnStepView {
                    status: status.to_string(),
                    actor: actor.clone(),
                    at: format_ms(*at),
                })
                .collect(),
            exchange: r.exchange.as_ref().map(|x| ExchangeView {
                lines: x
                    .lines
                    .iter()
                    .map(|(sku, quantity, price)| ExchangeLineView {
                        sku: sku.clone(),
                        quantity: *quantity,
                        unit_price: MoneyView::new(*price, currency),
                    })
                    .collect(),
                advance: x.advance,
            }),
            exchange_order_id: r.exchange_order_id.clone(),
            credit_applied: MoneyView::new(r.credit_applied, currency),
            exchange_error: r.exchange_error.clone(),
            label: r.label.as_ref().map(|l| ReturnLabelView {
                carrier: l.carrier.clone(),
                service: l.service.clone(),
                tracking_number: l.tracking_number.clone(),
                location: l.location.clone(),
                price: MoneyView::new(l.price, &l.currency),
            }),
        }
    }
}

/// An order's returns and its return status.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderReturnsView {
    /// `none`, `requested`, `partially_returned` or `returned`.
    pub return_status: String,
    pub data: Vec<ReturnView>,
}
