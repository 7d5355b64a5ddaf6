//! How an order looks on the wire: its lines, allocations and totals, and its timeline.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_domain::order::Order;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AddressView, MoneyView};

/// Units of a line reserved at one location.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationView {
    /// Location code.
    pub location: String,
    pub quantity: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineView {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: MoneyView,
    pub subtotal: MoneyView,
    pub allocations: Vec<AllocationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsView {
    pub subtotal: MoneyView,
    pub shipping: MoneyView,
    pub tax: MoneyView,
    pub discount: MoneyView,
    pub total: MoneyView,
    /// Tax the prices already contain (a platform whose prices include tax): part of the
    /// lines, not added to the total; zero otherwise.
    pub tax_included: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    #[schema(example = "ord_01JD7Z0000000000000000000")]
    pub id: String,
    /// Sequential human number.
    pub number: i64,
    pub channel: String,
    pub external_id: Option<String>,
    /// `allocated` (stock reserved or shipped for it), `unallocated` (open, with nothing
    /// reserved: its fulfilments were cancelled, or rejected with nowhere else to go) or
    /// `cancelled`.
    pub status: String,
    pub customer_id: String,
    pub email: String,
    pub currency: String,
    pub lines: Vec<OrderLineView>,
    pub shipping_address: Option<AddressView>,
    /// Where the payer is billed, when the channel sent it.
    pub billing_address: Option<AddressView>,
    /// For a replacement order: the return (exchange) or claim it replaces goods for.
    pub replaces: Option<String>,
    pub totals: TotalsView,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    /// Click and collect: where the customer collects the order.
    pub pickup_location: Option<String>,
    /// The latest delivery promised to the customer.
    pub promised_by: Option<String>,
    /// The shipping service the customer chose, as `CARRIER/service`.
    pub shipping_service: Option<String>,
    /// For an order taken from a platform: its order number there (`#1001`).
    pub channel_order_number: Option<String>,
    /// When the customer placed the order: the platform's time for an order taken from one,
    /// else when Ordo captured it.
    pub placed_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub cancelled_at: Option<String>,
    pub version: i64,
    /// Derived from the order's fulfilments: `unfulfilled`, `in_progress`, `partially_shipped`,
    /// `shipped`, `partially_delivered`, `delivered` or `cancelled`. Present when the order is
    /// read on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fulfillment_status: Option<String>,
    /// Derived from the payment ledger (`pending`, `authorized`, `partially_paid`, `paid`,
    /// `partially_refunded`, `refunded`, `voided`); on a single order only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<String>,
    /// Whether an active hold keeps the order from fulfilment; on a single order only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_hold: Option<bool>,
    /// `none`, `requested`, `partially_returned` or `returned`; on a single order only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_status: Option<String>,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        let m = |minor: i64| MoneyView::new(minor, &o.currency);
        OrderView {
            id: o.id.to_string(),
            number: o.number,
            channel: o.channel.clone(),
            external_id: o.external_id.clone(),
            status: o.status.as_str().to_owned(),
            customer_id: o.customer_id.to_string(),
            email: o.email.clone(),
            currency: o.currency.clone(),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineView {
                    id: l.id.to_string(),
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    unit_price: m(l.unit_price),
                    subtotal: m(l.subtotal().unwrap_or(0)),
                    allocations: l
                        .allocations
                        .iter()
                        .map(|a| AllocationView { location: a.location.clone(), quantity: a.quantity })
                        .collect(),
                })
                .collect(),
            shipping_address: o.shipping_address.as_ref().map(AddressView::from),
            billing_address: o.billing_address.as_ref().map(AddressView::from),
            replaces: o.replaces.clone(),
            totals: TotalsView {
                subtotal: m(o.totals.subtotal),
                shipping: m(o.totals.shipping),
                tax: m(o.totals.tax),
                discount: m(o.totals.discount),
                total: m(o.totals.total),
                tax_included: m(o.source.as_ref().map_or(0, |s| s.tax_included)),
            },
            note: o.note.clone(),
            cancel_reason: o.cancel_reason.clone(),
            pickup_location: o.pickup_location.clone(),
            promised_by: o.promised_by.map(format_ms),
            shipping_service: o.shipping_service.clone(),
            channel_order_number: o.source.as_ref().and_then(|s| s.number.clone()),
            placed_at: format_ms(o.source.as_ref().and_then(|s| s.placed_at).unwrap_or(o.created_at)),
            created_at: format_ms(o.created_at),
            updated_at: format_ms(o.updated_at),
            cancelled_at: o.cancelled_at.map(format_ms),
            version: o.version,
            fulfillment_status: None,
            payment_status: None,
            on_hold: None,
            return_status: None,
        }
    }
}

/// One step of an order's story.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntryView {
    pub at: String,
    /// The event type (`order.created`, `order.held`, `order.edited`, `return.received`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Who did it: an API key's id, `rules`, `settler`, a carrier or a gateway.
    pub actor: Option<String>,
    pub data: serde_json::Value,
}

impl From<&ordo_store::EventRecord> for TimelineEntryView {
    fn from(e: &ordo_store::EventRecord) -> Self {
        let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
        TimelineEntryView {
            at: format_ms(e.at),
            kind: e.event_type.clone(),
            actor: data["actor"].as_str().or(data["placed_by"].as_str()).map(str::to_owned),
            data,
        }
    }
}
