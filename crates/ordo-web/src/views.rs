//! Response bodies: how domain values look on the wire (money as decimal strings, times as
//! RFC 3339). Conversions only; no rules.

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::stock::inventory::{Adjusted, SkuStock};
use ordo_domain::Money;
use ordo_domain::catalog::{Customer, Location, Product};
use ordo_domain::inventory::Movement;
use ordo_domain::money::{Currency, format_minor};
use ordo_domain::order::{Address, Order};
use ordo_store::{ApiKeyRecord, EventRecord, LevelRecord};
use serde::Serialize;
use utoipa::ToSchema;

/// An amount of money.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyView {
    /// Decimal string with the currency's number of decimals.
    #[schema(example = "19.99")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
}

impl MoneyView {
    pub fn new(minor: i64, code: &str) -> MoneyView {
        let amount = match Currency::from_code(code) {
            Some(c) => Money::from_minor(minor, c).amount_string(),
            None => format_minor(minor, 2),
        };
        MoneyView { amount, currency: code.to_owned() }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListView<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    #[schema(example = "prd_01JD7Z0000000000000000000")]
    pub id: String,
    pub sku: String,
    pub name: String,
    pub price: MoneyView,
    pub weight_grams: Option<i64>,
    pub barcode: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        ProductView {
            id: p.id.to_string(),
            sku: p.sku.clone(),
            name: p.name.clone(),
            price: MoneyView::new(p.price, &p.currency),
            weight_grams: p.weight_grams,
            barcode: p.barcode.clone(),
            active: p.active,
            version: p.version,
            created_at: format_ms(p.created_at),
            updated_at: format_ms(p.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

impl From<&Address> for AddressView {
    fn from(a: &Address) -> Self {
        AddressView {
            name: a.name.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
            latitude: a.latitude,
            longitude: a.longitude,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationView {
    pub id: String,
    pub code: String,
    pub name: String,
    /// `warehouse` or `store`.
    pub kind: String,
    pub address: AddressView,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub ships_orders: bool,
    pub pickup: bool,
    pub priority: i64,
    /// Orders routing may assign to it per day (UTC); null for no limit.
    pub daily_capacity: Option<i64>,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Location> for LocationView {
    fn from(l: &Location) -> Self {
        LocationView {
            id: l.id.to_string(),
            code: l.code.clone(),
            name: l.name.clone(),
            kind: l.kind.as_str().to_owned(),
            address: AddressView::from(&l.address),
            latitude: l.latitude,
            longitude: l.longitude,
            ships_orders: l.ships_orders,
            pickup: l.pickup,
            priority: l.priority,
            daily_capacity: l.daily_capacity,
            active: l.active,
            version: l.version,
            created_at: format_ms(l.created_at),
            updated_at: format_ms(l.updated_at),
        }
    }
}

/// Units at one location, or totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    /// Location code (absent in totals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

impl From<&LevelRecord> for LevelView {
    fn from(l: &LevelRecord) -> Self {
        LevelView {
            location: Some(l.location.clone()),
            sku: Some(l.sku.clone()),
            on_hand: l.on_hand,
            reserved: l.reserved,
            available: l.on_hand - l.reserved,
        }
    }
}

/// One SKU's stock across locations.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuStockView {
    pub sku: String,
    pub locations: Vec<LevelView>,
    pub totals: LevelView,
}

impl From<&SkuStock> for SkuStockView {
    fn from(s: &SkuStock) -> Self {
        SkuStockView {
            sku: s.sku.clone(),
            locations: s.levels.iter().map(|l| LevelView { sku: None, ..LevelView::from(l) }).collect(),
            totals: LevelView {
                location: None,
                sku: None,
                on_hand: s.totals.on_hand,
                reserved: s.totals.reserved,
                available: s.totals.available(),
            },
        }
    }
}

/// An inventory ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementView {
    #[schema(example = "mov_42")]
    pub id: String,
    pub at: String,
    pub location: String,
    pub sku: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub available_after: i64,
    /// `received`, `counted`, `damaged`, `correction`, `lost`, `found`, `returned`, `reserved`, `released`.
    pub reason: String,
    /// The API key that caused the movement.
    pub actor: Option<String>,
    pub order_id: Option<String>,
    pub note: Option<String>,
}

impl From<&Movement> for MovementView {
    fn from(m: &Movement) -> Self {
        MovementView {
            id: format!("mov_{}", m.seq),
            at: format_ms(m.at),
            location: m.location.clone(),
            sku: m.sku.clone(),
            on_hand_delta: m.on_hand_delta,
            reserved_delta: m.reserved_delta,
            on_hand_after: m.on_hand_after,
            reserved_after: m.reserved_after,
            available_after: m.on_hand_after - m.reserved_after,
            reason: m.reason.as_str().to_owned(),
            actor: m.actor.clone(),
            order_id: m.order_id.as_ref().map(|o| o.to_string()),
            note: m.note.clone(),
        }
    }
}

/// The result of an adjustment or a count.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentView {
    pub movement: MovementView,
    pub level: LevelView,
}

impl From<&Adjusted> for AdjustmentView {
    fn from(a: &Adjusted) -> Self {
        AdjustmentView {
            movement: MovementView::from(&a.movement),
            level: LevelView {
                location: Some(a.movement.location.clone()),
                sku: Some(a.movement.sku.clone()),
                on_hand: a.level.on_hand,
                reserved: a.level.reserved,
                available: a.level.available(),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Customer> for CustomerView {
    fn from(c: &Customer) -> Self {
        CustomerView {
            id: c.id.to_string(),
            email: c.email.clone(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            version: c.version,
            created_at: format_ms(c.created_at),
            updated_at: format_ms(c.updated_at),
        }
    }
}

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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    #[schema(example = "ord_01JD7Z0000000000000000000")]
    pub id: String,
    /// Sequential human number.
    pub number: i64,
    pub channel: String,
    pub external_id: Option<String>,
    /// `allocated` or `cancelled`.
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
            },
            note: o.note.clone(),
            cancel_reason: o.cancel_reason.clone(),
            pickup_location: o.pickup_location.clone(),
            promised_by: o.promised_by.map(format_ms),
            shipping_service: o.shipping_service.clone(),
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

/// An outbox event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    /// Position in commit order; events are listed by it.
    pub sequence: i64,
    #[schema(example = "order.created")]
    #[serde(rename = "type")]
    pub event_type: String,
    /// The id of the object the event is about.
    pub subject: String,
    pub created_at: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<&EventRecord> for EventView {
    fn from(e: &EventRecord) -> Self {
        EventView {
            id: e.id.clone(),
            sequence: e.seq,
            event_type: e.event_type.clone(),
            subject: e.subject.clone(),
            created_at: format_ms(e.at),
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub role: String,
    pub channel: Option<String>,
    pub name: Option<String>,
    /// The first characters of the secret.
    pub prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// Present only in the response that creates the key; it cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<&ApiKeyRecord> for KeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        KeyView {
            id: k.id.clone(),
            role: k.role.clone(),
            channel: k.channel.clone(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: format_ms(k.created_at),
            revoked_at: k.revoked_at.map(format_ms),
            secret: None,
        }
    }
}

/// A routing rule set.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSetView {
    pub name: String,
    /// In order of precedence, after stock availability.
    #[schema(example = json!(["shipments", "distance", "priority"]))]
    pub criteria: Vec<String>,
    pub max_shipments: usize,
    pub min_shipment_value: Option<MoneyView>,
    pub same_country_only: bool,
    pub channels: Vec<String>,
    /// 0 for the built-in default, which is not stored.
    pub version: i64,
}

impl From<&ordo_app::shipping::routing::StoredRuleSet> for RuleSetView {
    fn from(s: &ordo_app::shipping::routing::StoredRuleSet) -> Self {
        RuleSetView {
            name: s.rules.name.clone(),
            criteria: s.rules.criteria.iter().map(|c| c.as_str().to_owned()).collect(),
            max_shipments: s.rules.max_shipments,
            min_shipment_value: ordo_app::shipping::routing::min_value(s)
                .map(|m| MoneyView::new(m.minor(), m.currency().code())),
            same_country_only: s.rules.same_country_only,
            channels: s.channels.clone(),
            version: s.version,
        }
    }
}

/// One candidate plan and its value on each criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    /// Location codes.
    pub locations: Vec<String>,
    pub shipments: usize,
    /// Total great-circle distance to the customer; null when the address could not be placed.
    pub distance_km: Option<f64>,
    /// Sum of the locations' priorities (lower is better).
    pub priority: i64,
    /// Orders the busiest location may still take today; null when unlimited.
    pub capacity: Option<i64>,
}

/// Why an order's stock was reserved where it was.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingView {
    pub order_id: String,
    pub rule_set: String,
    pub criteria: Vec<String>,
    /// The best plans compared, winner first.
    pub candidates: Vec<PlanView>,
    pub feasible_plans: usize,
    /// The criterion on which the winner beat the runner-up, if one did.
    pub deciding_criterion: Option<String>,
    pub reason: String,
    /// False when the customer's address could not be placed, so distance played no part.
    pub destination_placed: bool,
}

impl RoutingView {
    pub fn new(order: &Order, e: &ordo_domain::routing::Explanation) -> RoutingView {
        RoutingView {
            order_id: order.id.to_string(),
            rule_set: e.rule_set.clone(),
            criteria: e.criteria.iter().map(|c| c.as_str().to_owned()).collect(),
            candidates: e
                .candidates
                .iter()
                .map(|p| PlanView {
                    locations: p.locations.clone(),
                    shipments: p.shipments,
                    distance_km: p.distance_km,
                    priority: p.priority,
                    capacity: p.capacity,
                })
                .collect(),
            feasible_plans: e.feasible_plans,
            deciding_criterion: e.deciding_criterion.map(|c| c.as_str().to_owned()),
            reason: e.reason.clone(),
            destination_placed: e.destination_placed,
        }
    }
}

/// A parcel as packed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParcelView {
    pub weight_grams: i64,
    pub length_mm: i64,
    pub width_mm: i64,
    pub height_mm: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FulfillmentLineView {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
}

/// One location's part of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct FulfillmentView {
    #[schema(example = "ful_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    /// Location code.
    pub location: String,
    /// `pending`, `picking`, `packed`, `shipped`, `delivered`, `cancelled`, `rejected`, or for
    /// click and collect `ready_for_pickup` and `picked_up`.
    pub status: String,
    /// Collected by the customer at the location instead of shipped.
    pub pickup: bool,
    pub lines: Vec<FulfillmentLineView>,
    pub parcels: Vec<ParcelView>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub shipped_at: Option<String>,
    pub delivered_at: Option<String>,
    pub version: i64,
    /// The shipping bought through Ordo, if any.
    pub shipping: Option<QuoteView>,
    /// The carrier's own label, when an external carrier API sold it.
    pub label_url: Option<String>,
    /// The carrier's reports, oldest first.
    pub tracking_events: Vec<TrackingEventView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingEventView {
    pub status: String,
    pub occurred_at: String,
    pub description: Option<String>,
}

impl From<&ordo_domain::fulfillment::Fulfillment> for FulfillmentView {
    fn from(f: &ordo_domain::fulfillment::Fulfillment) -> Self {
        FulfillmentView {
            id: f.id.to_string(),
            order_id: f.order_id.to_string(),
            location: f.location.clone(),
            status: f.status.as_str().to_owned(),
            pickup: f.pickup,
            lines: f
                .lines
                .iter()
                .map(|l| FulfillmentLineView {
                    line_id: l.line_id.to_string(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                })
                .collect(),
            parcels: f
                .parcels
                .iter()
                .map(|p| ParcelView {
                    weight_grams: p.weight_grams,
                    length_mm: p.length_mm,
                    width_mm: p.width_mm,
                    height_mm: p.height_mm,
                })
                .collect(),
            carrier: f.carrier.clone(),
            tracking_number: f.tracking_number.clone(),
            created_at: format_ms(f.created_at),
            updated_at: format_ms(f.updated_at),
            shipped_at: f.shipped_at.map(format_ms),
            delivered_at: f.delivered_at.map(format_ms),
            version: f.version,
            shipping: f.shipping_quote.as_ref().map(QuoteView::from),
            label_url: f.label_url.clone(),
            tracking_events: f
                .tracking_events
                .iter()
                .map(|t| TrackingEventView {
                    status: t.status.clone(),
                    occurred_at: format_ms(t.occurred_at),
                    description: t.description.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BracketView {
    pub max_grams: i64,
    pub price: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneView {
    pub name: String,
    pub max_distance_km: Option<f64>,
    pub countries: Vec<String>,
    pub transit_days: i64,
    pub base: MoneyView,
    pub brackets: Vec<BracketView>,
    pub per_kg: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    pub code: String,
    pub name: String,
    pub currency: String,
    pub cutoff_hour: i64,
    pub max_weight_grams: i64,
    pub zones: Vec<ZoneView>,
}

/// A carrier and its services' rate cards (its webhook secret is never shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierView {
    pub code: String,
    pub name: String,
    pub has_webhook_secret: bool,
    /// `easypost` for carriers reached through EasyPost's API; absent for rate cards.
    pub api: Option<String>,
    pub services: Vec<ServiceView>,
}

impl From<&ordo_app::shipping::carriers::Carrier> for CarrierView {
    fn from(c: &ordo_app::shipping::carriers::Carrier) -> Self {
        CarrierView {
            code: c.code.clone(),
            name: c.name.clone(),
            has_webhook_secret: c.webhook_secret.is_some(),
            api: c.api.as_ref().map(|a| a.kind.clone()),
            services: c
                .services
                .iter()
                .map(|s| {
                    let m = |minor: i64| MoneyView::new(minor, &s.currency);
                    ServiceView {
                        code: s.code.clone(),
                        name: s.name.clone(),
                        currency: s.currency.clone(),
                        cutoff_hour: s.cutoff_hour,
                        max_weight_grams: s.max_weight_grams,
                        zones: s
                            .zones
                            .iter()
                            .map(|z| ZoneView {
                                name: z.name.clone(),
                                max_distance_km: z.max_distance_km,
                                countries: z.countries.clone(),
                                transit_days: z.transit_days,
                                base: m(z.base),
                                brackets: z
                                    .brackets
                                    .iter()
                                    .map(|b| BracketView { max_grams: b.max_grams, price: m(b.price) })
                                    .collect(),
                                per_kg: m(z.per_kg),
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

/// What a service would charge for a parcel, and when it would arrive.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    pub carrier: String,
    pub service: String,
    pub service_name: String,
    pub price: MoneyView,
    pub zone: String,
    pub transit_days: i64,
    /// The end of the expected delivery day (UTC).
    pub delivers_by: String,
}

impl From<&ordo_domain::shipping::Quote> for QuoteView {
    fn from(q: &ordo_domain::shipping::Quote) -> Self {
        QuoteView {
            carrier: q.carrier.clone(),
            service: q.service.clone(),
            service_name: q.service_name.clone(),
            price: MoneyView::new(q.price, &q.currency),
            zone: q.zone.clone(),
            transit_days: q.transit_days,
            delivers_by: format_ms(q.delivers_by),
        }
    }
}

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

/// A rule that holds an order for review when it is captured.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldRuleView {
    /// `total_above`, `countries_differ`, `first_order_above` or `blocked_customer`.
    pub when: String,
    /// The hold type it places.
    pub hold: String,
    pub amount: Option<MoneyView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
}

/// A sales channel's policies.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    pub channel: String,
    /// `at_placement` (the default) or `on_shipment`.
    pub capture: String,
    pub hold_rules: Vec<HoldRuleView>,
    /// Days after delivery (or shipment) within which returns are accepted.
    pub return_window_days: i64,
    /// When a return is refunded: `received` or `approved`.
    pub refund_returns_on: String,
    /// Absent while the channel runs on the defaults.
    pub updated_at: Option<String>,
}

impl From<&ordo_app::channels::settings::ChannelSettings> for ChannelView {
    fn from(c: &ordo_app::channels::settings::ChannelSettings) -> Self {
        ChannelView {
            channel: c.channel.clone(),
            capture: c.capture.to_string(),
            hold_rules: c
                .hold_rules
                .iter()
                .map(|r| HoldRuleView {
                    when: r.when.to_string(),
                    hold: r.hold.to_string(),
                    amount: match (r.amount, &r.currency) {
                        (Some(a), Some(c)) => Some(MoneyView::new(a, c)),
                        _ => None,
                    },
                    emails: r.emails.clone(),
                })
                .collect(),
            return_window_days: c.return_window_days,
            refund_returns_on: c.refund_returns_on.to_string(),
            updated_at: c.updated_at.map(format_ms),
        }
    }
}

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

/// A movement of a gift card or store credit.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceEntryView {
    pub sequence: i64,
    /// Signed: credits positive, spending negative.
    pub amount: MoneyView,
    pub balance_after: MoneyView,
    pub at: String,
    pub reason: Option<String>,
    pub order_id: Option<String>,
    pub payment_id: Option<String>,
}

/// A gift card or a customer's store credit.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceView {
    /// `gift_card` or `store_credit`.
    pub kind: String,
    /// The gift card's code, or the customer's id.
    pub code: String,
    pub balance: MoneyView,
    pub entries: Vec<BalanceEntryView>,
}

impl From<&ordo_app::money::balances::Balance> for BalanceView {
    fn from(b: &ordo_app::money::balances::Balance) -> Self {
        let c = &b.account.currency;
        BalanceView {
            kind: b.account.kind.clone(),
            code: b.account.code.clone(),
            balance: MoneyView::new(b.account.balance, c),
            entries: b
                .entries
                .iter()
                .map(|e| BalanceEntryView {
                    sequence: e.seq,
                    amount: MoneyView::new(e.amount, c),
                    balance_after: MoneyView::new(e.balance_after, c),
                    at: format_ms(e.at),
                    reason: e.reason.clone(),
                    order_id: e.order_id.clone(),
                    payment_id: e.payment_id.clone(),
                })
                .collect(),
        }
    }
}

/// Sales figures of a set of orders, in the report's currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresView {
    pub orders: i64,
    /// Line prices before discount.
    pub subtotal: MoneyView,
    pub discount: MoneyView,
    pub shipping: MoneyView,
    pub tax: MoneyView,
    /// What the orders came to.
    pub total: MoneyView,
    /// Given back so far.
    pub refunded: MoneyView,
    /// Total less refunded.
    pub net: MoneyView,
}

impl FiguresView {
    fn new(f: &ordo_app::reports::sales::Figures, currency: &str) -> FiguresView {
        let m = |minor: i64| MoneyView::new(minor, currency);
        FiguresView {
            orders: f.orders,
            subtotal: m(f.subtotal),
            discount: m(f.discount),
            shipping: m(f.shipping),
            tax: m(f.tax),
            total: m(f.total),
            refunded: m(f.refunded),
            net: m(f.total - f.refunded),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayFiguresView {
    #[schema(example = "2026-11-27")]
    pub date: String,
    #[serde(flatten)]
    pub figures: FiguresView,
}

/// The orders placed in one currency: in that currency, and converted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrencyFiguresView {
    pub currency: String,
    pub figures: FiguresView,
    /// Only the orders whose day had a rate.
    pub converted: FiguresView,
}

/// Orders of a day whose currency had no rate on or before it: not in the totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnconvertedView {
    pub currency: String,
    pub date: String,
    pub figures: FiguresView,
}

/// Sales of the orders placed in a span of days, every amount converted into one currency
/// at the rates of the order's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct SalesReportView {
    pub currency: String,
    pub from: String,
    pub to: String,
    pub channel: Option<String>,
    /// Orders placed in the span and cancelled since; not in the figures.
    pub cancelled: i64,
    pub totals: FiguresView,
    /// Days with orders, oldest first.
    pub days: Vec<DayFiguresView>,
    pub by_currency: Vec<CurrencyFiguresView>,
    pub unconverted: Vec<UnconvertedView>,
}

impl From<&ordo_app::reports::sales::SalesReport> for SalesReportView {
    fn from(r: &ordo_app::reports::sales::SalesReport) -> Self {
        let c = r.currency.as_str();
        SalesReportView {
            currency: r.currency.clone(),
            from: r.from.clone(),
            to: r.to.clone(),
            channel: r.channel.clone(),
            cancelled: r.cancelled,
            totals: FiguresView::new(&r.totals, c),
            days: r
                .days
                .iter()
                .map(|(date, f)| DayFiguresView { date: date.clone(), figures: FiguresView::new(f, c) })
                .collect(),
            by_currency: r
                .by_currency
                .iter()
                .map(|l| CurrencyFiguresView {
                    currency: l.currency.clone(),
                    figures: FiguresView::new(&l.figures, &l.currency),
                    converted: FiguresView::new(&l.converted, c),
                })
                .collect(),
            unconverted: r
                .unconverted
                .iter()
                .map(|u| UnconvertedView {
                    currency: u.currency.clone(),
                    date: u.date.clone(),
                    figures: FiguresView::new(&u.figures, &u.currency),
                })
                .collect(),
        }
    }
}

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

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketLevelView {
    pub location: String,
    /// `quarantine`, `refurbish`, `return_to_vendor` or `disposed`.
    pub bucket: String,
    pub quantity: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketMovementView {
    pub sequence: i64,
    pub at: String,
    pub location: String,
    pub bucket: String,
    pub delta: i64,
    pub quantity_after: i64,
    pub reason: String,
    pub actor: Option<String>,
    pub order_id: Option<String>,
    /// What moved it (a return).
    pub reference: Option<String>,
    pub note: Option<String>,
}

/// A SKU's stock that is not sellable, and its ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketsView {
    pub sku: String,
    pub levels: Vec<BucketLevelView>,
    pub movements: Vec<BucketMovementView>,
}

impl BucketsView {
    pub fn new(sku: &str, b: &ordo_app::stock::inventory::Buckets) -> BucketsView {
        BucketsView {
            sku: sku.to_owned(),
            levels: b
                .levels
                .iter()
                .map(|(location, bucket, quantity)| BucketLevelView {
                    location: location.clone(),
                    bucket: bucket.clone(),
                    quantity: *quantity,
                })
                .collect(),
            movements: b
                .movements
                .iter()
                .map(|m| BucketMovementView {
                    sequence: m.seq,
                    at: format_ms(m.change.at),
                    location: m.change.location.clone(),
                    bucket: m.change.bucket.clone(),
                    delta: m.change.delta,
                    quantity_after: m.quantity_after,
                    reason: m.change.reason.clone(),
                    actor: m.change.actor.clone(),
                    order_id: m.change.order_id.clone(),
                    reference: m.change.reference.clone(),
                    note: m.change.note.clone(),
                })
                .collect(),
        }
    }
}

/// One edit of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditView {
    #[schema(example = "edt_01JD7Z0000000000000000000")]
    pub id: String,
    pub order_id: String,
    pub version_from: i64,
    pub version_to: i64,
    /// What changed, as applied.
    pub changes: Vec<serde_json::Value>,
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
