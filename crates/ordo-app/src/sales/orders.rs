//! Order capture and cancellation: an order exists only together with its reservations,
//! ledger entries and events.

use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

use ordo_domain::Money;
use ordo_domain::allocation::StockSnapshot;
use ordo_domain::catalog::Product;
use ordo_domain::fulfillment::FulfillmentStatus;
use ordo_domain::id::{LineId, LocationId, OrderId};
use ordo_domain::inventory::Reason;
use ordo_domain::money::Currency;
use ordo_domain::order::{Address, Allocation, Line, Order, OrderStatus, Totals};
use ordo_domain::routing::{RouteLine, RuleSet, Site, route};
use ordo_domain::validate::Errors;
use ordo_store::{EventFilter, EventRecord, LevelChange, OrderFilter, Page, Tx};

use crate::kernel::events::payloads::OrderCreated;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{require, visible_order};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{AddressInput, MoneyInput, check_address, check_email, check_money};
use crate::sales::customers::upsert_by_email;
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// The customer of an order, given inline: found by email, created if new.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderCustomerInput {
    #[schema(
        required = true,
        max_length = 254,
        pattern = r"^[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]+@[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]([^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*\.)+[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]$"
    )]
    pub email: Option<String>,
    #[schema(max_length = 200, pattern = r"^[^\u0000]*$")]
    pub name: Option<String>,
    #[schema(max_length = 40, pattern = r"^[^\u0000]*$")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    #[schema(required = true, minimum = 1, example = 2, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
    /// Price of one unit, in the order's currency.
    #[schema(required = true)]
    pub unit_price: Option<MoneyInput>,
}

/// A new order from a sales channel.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// Sales channel name, e.g. `"web"`. Defaults to a channel key's own channel, and to `api`
    /// for other keys.
    #[schema(example = "web", min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._-]+$")]
    pub channel: Option<String>,
    /// The channel's own order id; unique per channel.
    #[schema(max_length = 255, pattern = r"^[^\u0000]*$")]
    pub external_id: Option<String>,
    /// An existing customer's id; or give `customer` inline.
    #[schema(pattern = r"^[^\u0000]*$")]
    pub customer_id: Option<String>,
    pub customer: Option<OrderCustomerInput>,
    /// The order's currency: every amount of the order is in it.
    #[schema(required = true, example = "USD", value_type = Option<crate::kernel::schema::CurrencyCode>)]
    pub currency: Option<String>,
    #[schema(required = true, min_items = 1, max_items = 500)]
    pub lines: Option<Vec<OrderLineInput>>,
    pub shipping_address: Option<AddressInput>,
    /// Where the payer is billed (hold rules compare its country with the shipping address's).
    pub billing_address: Option<AddressInput>,
    /// Shipping charged to the customer, in the order's currency.
    pub shipping: Option<MoneyInput>,
    /// In the order's currency.
    pub tax: Option<MoneyInput>,
    /// Taken off the order's total, in the order's currency: at most the lines, shipping and
    /// tax together.
    pub discount: Option<MoneyInput>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    /// The latest delivery promised to the customer (RFC 3339); rate shopping meets it.
    #[schema(format = DateTime)]
    pub promised_by: Option<String>,
    /// A shipping service the customer chose, as `CARRIER/service`.
    #[schema(
        example = "ACME/ground",
        max_length = 130,
        pattern = r"^([\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*|[\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^/\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^/\u0000]*/[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*)$"
    )]
    pub shipping_service: Option<String>,
    /// Click and collect: the code of the store where the customer collects the order.
    #[schema(max_length = 32, pattern = r"^[^\u0000]*$")]
    pub pickup_location: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// Why the order is cancelled, e.g. `"customer_request"`.
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

pub const MAX_LINES: usize = 500;

#[derive(Debug, Clone)]
pub(crate) enum CustomerRef {
    Id(String),
    Inline { email: String, name: Option<String>, phone: Option<String> },
}

/// An order request that passed validation, before it meets current state.
#[derive(Debug, Clone)]
pub(crate) struct CheckedOrder {
    pub(crate) channel: String,
    external_id: Option<String>,
    pub(crate) customer: CustomerRef,
    pub(crate) currency: Currency,
    pub(crate) lines: Vec<(String, i64, Money)>,
    shipping_address: Option<Address>,
    billing_address: Option<Address>,
    shipping: i64,
    tax: i64,
    discount: i64,
    note: Option<String>,
    promised_by: Option<i64>,
    shipping_service: Option<String>,
    pickup_location: Option<String>,
    replaces: Option<String>,
    /// For an order taken from a platform: where it came from.
    pub(crate) source: Option<ordo_domain::channel::OrderSource>,
    /// Sold over the counter at this store (a till sale): its stock only, no capacity taken.
    pub(crate) counter: Option<String>,
}

pub(crate) use crate::sales::prepare::{PrepareCache, Prepared, prepare, prepare_cached, prepare_in_tx};

impl CheckedOrder {
    pub(crate) fn channel(&self) -> &str {
        &self.channel
    }

    pub(crate) fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }
}

/// The channel of an order placed with a key of no channel that names none.
pub const DEFAULT_CHANNEL: &str = "api";

pub(crate) fn check_order(actor: &Actor, input: &NewOrder) -> AppResult<CheckedOrder> {
    let mut e = Errors::new();
    let channel = match (&actor.channel, input.channel.as_deref()) {
        (Some(own), Some(asked)) if own != asked => {
            return Err(AppError::Forbidden(format!("this key may only create orders for channel {own:?}")));
        }
        (Some(own), _) => Some(own.clone()),
        (None, None) => Some(DEFAULT_CHANNEL.to_owned()),
        (None, asked) => e.code("channel", asked, 64),
    };
    let external_id = e.optional_text("external_id", input.external_id.as_deref(), 255);
    let customer = match (&input.customer_id, &input.customer) {
        (Some(_), Some(_)) => {
            e.add("customer", "give either customer_id or customer, not both");
            None
        }
        (Some(id), None) => Some(CustomerRef::Id(id.clone())),
        (None, Some(c)) => {
            let email = check_email(&mut e, "customer/email", c.email.as_deref());
            let name = e.optional_text("customer/name", c.name.as_deref(), 200);
            let phone = e.optional_text("customer/phone", c.phone.as_deref(), 40);
            email.map(|email| CustomerRef::Inline { email, name, phone })
        }
        (None, None) => {
            e.add("customer", "is required (or give customer_id)");
            None
        }
    };
    let currency = match input.currency.as_deref() {
        None => {
            e.add("currency", "is required");
            None
        }
        Some(c) => Currency::from_code(c).or_else(|| {
            e.add("currency", format!("{c:?} is not an ISO 4217 currency code"));
            None
        }),
    };
    let mut lines = Vec::new();
    match &input.lines {
        None => e.add("lines", "is required"),
        Some(l) if l.is_empty() => e.add("lines", "must contain at least one line"),
        Some(l) if l.len() > MAX_LINES => e.add("lines", format!("must contain at most {MAX_LINES} lines")),
        Some(l) => {
            for (i, line) in l.iter().enumerate() {
                let sku = e.text(&format!("lines/{i}/sku"), line.sku.as_deref(), 64);
                let quantity = e.quantity(&format!("lines/{i}/quantity"), line.quantity, 1);
                let price = match &line.unit_price {
                    None => {
                        e.add(format!("lines/{i}/unit_price"), "is required");
                        None
                    }
                    Some(p) => check_money(&mut e, &format!("lines/{i}/unit_price"), p, currency),
                };
                if let (Some(sku), Some(q), Some(p)) = (sku, quantity, price) {
                    lines.push((sku, q, p));
                }
            }
        }
    }
    let shipping_address = input.shipping_address.as_ref().map(|a| check_address(&mut e, "shipping_address", a));
    let billing_address = input.billing_address.as_ref().map(|a| check_address(&mut e, "billing_address", a));
    let mut amount = |field: &str, m: &Option<crate::kernel::input::MoneyInput>| -> i64 {
        m.as_ref().and_then(|m| check_money(&mut e, field, m, currency)).map_or(0, |m| m.minor())
    };
    let shipping = amount("shipping", &input.shipping);
    let tax = amount("tax", &input.tax);
    let discount = amount("discount", &input.discount);
    let note = e.optional_text("note", input.note.as_deref(), 2000);
    let promised_by = input.promised_by.as_deref().and_then(|p| {
        let parsed = crate::kernel::time_fmt::parse_rfc3339(p);
        if parsed.is_none() {
            e.add("promised_by", "must be an RFC 3339 timestamp");
        }
        parsed
    });
    let shipping_service = e.optional_text("shipping_service", input.shipping_service.as_deref(), 130);
    let pickup_location = e.optional_text("pickup_location", input.pickup_location.as_deref(), 32);
    if shipping_service.as_ref().is_some_and(|s| s.split_once('/').is_none_or(|(c, v)| c.is_empty() || v.is_empty())) {
        e.add("shipping_service", "must be CARRIER/service, e.g. \"ACME/ground\"");
    }
    if !e.is_empty() {
        // A request whose only problem is amounts in another currency says so specifically.
        let mismatch = e.0.iter().all(|f| f.message.ends_with("the order's currency"));
        return Err(if mismatch { AppError::CurrencyMismatch(e.0) } else { AppError::from(e) });
    }
    Ok(CheckedOrder {
        channel: channel.expect("checked"),
        external_id,
        customer: customer.expect("checked"),
        currency: currency.expect("checked"),
        lines,
        shipping_address,
        billing_address,
        shipping,
        tax,
        discount,
        note,
        promised_by,
        shipping_service,
        pickup_location,
        replaces: None,
        source: None,
        counter: None,
    })
}

/// Every line's SKU must name an active product.
pub(crate) fn check_products(order: &CheckedOrder, products: &[Product]) -> AppResult<HashMap<String, String>> {
    let by_sku: HashMap<&str, &Product> = products.iter().map(|p| (p.sku.as_str(), p)).collect();
    let mut e = Errors::new();
    for (i, (sku, _, _)) in order.lines.iter().enumerate() {
        match by_sku.get(sku.as_str()) {
            None => e.missing(format!("lines/{i}/sku"), format!("no product has SKU {sku:?}")),
            Some(p) if !p.active => e.conflicting(format!("lines/{i}/sku"), format!("product {sku:?} is not active")),
            Some(_) => {}
        }
    }
    Ok(e.finish(by_sku.into_iter().map(|(s, p)| (s.to_owned(), p.name.clone())).collect())?)
}

/// Routes, reserves, records and announces a checked order inside the write transaction, and
/// counts it against the daily capacity of the locations it uses. The capacities themselves
/// come from `pre`, read before the write: a capacity lowered in that moment applies from the
/// next order on.
pub(crate) fn place_in_tx(
    tx: &mut dyn Tx,
    now: i64,
    actor_id: &str,
    o: &CheckedOrder,
    pre: &Prepared,
) -> AppResult<Order> {
    if let Some(ext) = &o.external_id
        && let Some(existing) = tx.order_id_by_external_id(&o.channel, ext)?
    {
        return Err(AppError::Conflict(format!(
            "channel {:?} already has an order with external_id {ext:?}: {existing}",
            o.channel
        )));
    }
    place_new_in_tx(tx, now, actor_id, o, pre)
}

/// [`place_in_tx`] for a caller that has just looked the order's external id up in this
/// transaction and found nothing (the unique index still refuses a duplicate).
pub(crate) fn place_new_in_tx(
    tx: &mut dyn Tx,
    now: i64,
    actor_id: &str,
    o: &CheckedOrder,
    pre: &Prepared,
) -> AppResult<Order> {
    let skus: Vec<&str> = o.lines.iter().map(|(s, _, _)| s.as_str()).collect();
    let names = &pre.names;
    let customer = match (&pre.customer, &o.customer) {
        (Some(known), _) => known.clone(),
        (None, CustomerRef::Inline { email, name, phone }) => {
            upsert_by_email(tx, now, email, name.as_deref(), phone.as_deref())?
        }
        (None, CustomerRef::Id(_)) => return Err(AppError::missing("customer_id", "no such customer")),
    };

    let mut snapshot = StockSnapshot::new();
    for level in tx.levels_for_skus(&skus)? {
        snapshot.set(&level.location_id, &level.sku, level.level().available());
    }
    let demand: Vec<RouteLine> =
        o.lines.iter().map(|(s, q, p)| RouteLine { sku: s.clone(), quantity: *q, unit_price: p.minor() }).collect();
    let destination = ordo_domain::routing::Destination {
        coordinates: o.shipping_address.as_ref().and_then(crate::shipping::geo::locate),
        country: o.shipping_address.as_ref().map(|a| a.country.clone()),
        pickup: o.pickup_location.is_some(),
    };
    // A till sale: only the store it was sold at, one fulfilment, and no routing rules (the
    // goods are in the customer's hands).
    // Click and collect: only the chosen store, which must offer pickup, and no splits.
    let (mut sites, rules) = match (&o.counter, &o.pickup_location) {
        (Some(code), _) => {
            let store: Vec<Site> = pre
                .sites
                .iter()
                .filter(|s| s.code == *code)
                .map(|s| Site { remaining_capacity: None, daily_capacity: None, ships_orders: true, ..s.clone() })
                .collect();
            if store.is_empty() {
                return Err(AppError::missing("store_location", "no location has this code"));
            }
            (store, RuleSet { max_shipments: 1, ..RuleSet::default_rules() })
        }
        (None, Some(code)) => {
            let store: Vec<Site> = pre.sites.iter().filter(|s| s.code == *code).cloned().collect();
            match store.first() {
                None => return Err(AppError::missing("pickup_location", "no location has this code")),
                Some(s) if !s.pickup => {
                    return Err(AppError::conflicting("pickup_location", "this location does not offer pickup"));
                }
                Some(_) => {}
            }
            (store, RuleSet { max_shipments: 1, ..pre.rules.clone() })
        }
        (None, None) => (pre.sites.clone(), pre.rules.clone()),
    };
    // Daily capacity is counted here, inside the write, by a guarded take per location: a
    // location that filled up since the sites were read is routed around, so a burst of
    // orders never overshoots it.
    let today = crate::kernel::time_fmt::day(now);
    let (decision, capacity_counted) = loop {
        let decision = route(&demand, &snapshot, &sites, &destination, &rules).map_err(AppError::InsufficientStock)?;
        match take_capacity(tx, &today, &sites, &decision.lines)? {
            Ok(counted) => break (decision, counted),
            Err(full) => {
                if let Some(site) = sites.iter_mut().find(|s| s.id == full) {
                    site.remaining_capacity = Some(0);
                }
            }
        }
    };
    let mut explanation = decision.explanation;
    explanation.candidates.truncate(5);

    let id = OrderId::generate(now as u64, random_u128());
    let lines: Vec<Line> = o
        .lines
        .iter()
        .zip(decision.lines)
        .map(|((sku, quantity, price), parts)| Line {
            id: LineId::generate(now as u64, random_u128()),
            sku: sku.clone(),
            name: names.get(sku).cloned().unwrap_or_default(),
            quantity: *quantity,
            unit_price: price.minor(),
            allocations: parts
                .into_iter()
                .map(|(location_id, location, quantity)| Allocation { location_id, location, quantity })
                .collect(),
        })
        .collect();
    let totals = Totals::compute(lines.iter().map(Line::subtotal), o.shipping, o.tax, o.discount)
        .ok_or_else(|| AppError::field("lines", "the order total is out of range or negative"))?;
    let order = Order {
        id,
        number: tx.next_order_number()?,
        channel: o.channel.clone(),
        external_id: o.external_id.clone(),
        customer_id: customer.id,
        email: customer.email,
        currency: o.currency.code().to_owned(),
        status: OrderStatus::Allocated,
        lines,
        shipping_address: o.shipping_address.clone(),
        billing_address: o.billing_address.clone(),
        replaces: o.replaces.clone(),
        totals,
        note: o.note.clone(),
        cancel_reason: None,
        created_at: now,
        updated_at: now,
        cancelled_at: None,
        version: 1,
        promised_by: o.promised_by,
        shipping_service: o.shipping_service.clone(),
        pickup_location: o.pickup_location.clone(),
        routing: Some(explanation),
        capacity_counted,
        source: o.source.clone(),
    };
    tx.insert_order(&order)?;
    move_reservations(tx, now, actor_id, &order, 1)?;
    let fulfillments = crate::shipping::fulfillments::plan_fulfillments(&order, now);
    for f in &fulfillments {
        tx.insert_fulfillment(f)?;
    }

    emit(
        tx,
        now,
        order.id.as_str(),
        Event::OrderCreated(OrderCreated {
            id: order.id.to_string(),
            number: order.number,
            channel: order.channel.clone(),
            external_id: order.external_id.clone(),
            customer_id: order.customer_id.to_string(),
            currency: order.currency.clone(),
            replaces: order.replaces.clone(),
            total: Money::from_minor(order.totals.total, o.currency).amount_string(),
            actor: actor_id.to_owned(),
        }),
    )?;
    emit(tx, now, order.id.as_str(), Event::order_allocated(&order, &fulfillments, None, actor_id))?;
    if !pre.hold_rules.is_empty() {
        let customer_id = order.customer_id.to_string();
        crate::sales::holds::apply_rules(tx, now, &order, &pre.hold_rules, |tx| {
            let filter = OrderFilter { customer_id: Some(customer_id), ..Default::default() };
            Ok(tx.list_orders(&Page { after: None, limit: 2 }, &filter)?.len() <= 1)
        })?;
    }
    Ok(order)
}

/// Cancels an order: its unshipped fulfilments and reservations are released, its payments
/// settled (what is authorized voided, what was captured refunded), and its places in its
/// day's capacity given back.
pub(crate) fn cancel_in_tx(
    tx: &mut dyn Tx,
    now: i64,
    who: &Actor,
    id: &str,
    reason: Option<String>,
) -> AppResult<Order> {
    let mut order = visible_order(tx, who, id)?;
    order.status = order.status.cancel().map_err(|e| AppError::InvalidTransition(e.to_string()))?;
    let fulfillments = tx.fulfillments_for_order(order.id.as_str())?;
    if fulfillments.iter().any(|f| matches!(f.status, FulfillmentStatus::Shipped | FulfillmentStatus::Delivered)) {
        return Err(AppError::InvalidTransition(
            "part of this order has shipped; cancel the fulfilments that have not".into(),
        ));
    }
    if fulfillments.is_empty() {
        // Orders captured before fulfilments existed hold their allocations directly.
        move_reservations(tx, now, &who.key_id, &order, -1)?;
    }
    for mut f in fulfillments.into_iter().filter(|f| f.status.holds_reservation()) {
        crate::shipping::fulfillments::move_stock(tx, now, &who.key_id, &f, Reason::Released)?;
        f.status = FulfillmentStatus::Cancelled;
        f.updated_at = now;
        f.version += 1;
        tx.update_fulfillment(&f)?;
    }
    crate::money::payments::settle_cancellation(tx, now, who, &order)?;
    release_capacity(tx, &order)?;
    order.cancel_reason = reason;
    order.cancelled_at = Some(now);
    order.updated_at = now;
    order.version += 1;
    tx.update_order(&order)?;
    emit(tx, now, order.id.as_str(), Event::order_cancelled(&order, &who.key_id))?;
    Ok(order)
}

/// Gives back the places a cancelled order took in its day's capacity (kept sorted by
/// location when they were taken, so rows change in location order).
pub(crate) fn release_capacity(tx: &mut dyn Tx, order: &Order) -> AppResult<()> {
    let placed_on = crate::kernel::time_fmt::day(order.created_at);
    for location in &order.capacity_counted {
        tx.release_location_load(location.as_str(), &placed_on)?;
    }
    Ok(())
}

/// Takes one place in today's capacity at every location with a daily capacity that the
/// plan uses, in location order; the locations counted, or the first that is full (and
/// nothing taken).
fn take_capacity(
    tx: &mut dyn Tx,
    today: &str,
    sites: &[Site],
    plan: &[Vec<(LocationId, String, i64)>],
) -> AppResult<Result<Vec<LocationId>, LocationId>> {
    let mut limited: Vec<(&LocationId, i64)> = plan
        .iter()
        .flatten()
        .filter_map(|(id, _, _)| sites.iter().find(|s| s.id == *id).and_then(|s| s.daily_capacity.map(|c| (&s.id, c))))
        .collect();
    limited.sort();
    limited.dedup();
    let mut taken: Vec<LocationId> = Vec::new();
    for (id, capacity) in limited {
        if tx.take_location_load(id.as_str(), today, capacity)? {
            taken.push(id.clone());
        } else {
            for t in &taken {
                tx.release_location_load(t.as_str(), today)?;
            }
            return Ok(Err(id.clone()));
        }
    }
    Ok(Ok(taken))
}

/// Reserves (`sign = 1`) or releases (`sign = -1`) every allocation of the order, in
/// (SKU, location) order: the order in which every use case touches stock rows, so that
/// concurrent transactions on engines with row locks queue rather than deadlock.
pub(crate) fn move_reservations(tx: &mut dyn Tx, now: i64, actor_id: &str, order: &Order, sign: i64) -> AppResult<()> {
    let mut moves: Vec<(&Line, &Allocation)> =
        order.lines.iter().flat_map(|l| l.allocations.iter().map(move |a| (l, a))).collect();
    moves.sort_by(|(la, a), (lb, b)| la.sku.cmp(&lb.sku).then_with(|| a.location_id.cmp(&b.location_id)));
    for (line, a) in moves {
        let change = LevelChange {
            at: now,
            location_id: a.location_id.clone(),
            location: a.location.clone(),
            sku: line.sku.clone(),
            on_hand_delta: 0,
            reserved_delta: sign * a.quantity,
            reason: if sign > 0 { Reason::Reserved } else { Reason::Released },
            actor: Some(actor_id.to_owned()),
            order_id: Some(order.id.to_string()),
            note: None,
            reference: None,
        };
        if let Err(level) = tx.change_level(&change)? {
            // The plan was made from rows this transaction read (and, where the engine locks,
            // holds), so this is a bug; the whole order rolls back rather than reserve part of it.
            return Err(AppError::Internal(format!(
                "reservation of {} x {} at {} does not fit level {level:?}",
                a.quantity, line.sku, a.location
            )));
        }
    }
    Ok(())
}

impl App {
    #[tracing::instrument(skip_all, fields(key = %actor.key_id))]
    pub async fn place_order(
        &self,
        actor: &Actor,
        input: NewOrder,
        idem: Option<IdemCtx<Order>>,
    ) -> AppResult<Outcome<Order>> {
        require(actor, Action::WriteOrders)?;
        let order = check_order(actor, &input)?;
        let prepared = prepare(self, &order).await?;
        let actor_id = actor.key_id.clone();
        self.write_idem(idem, move |tx, now| place_in_tx(tx, now, &actor_id, &order, &prepared)).await
    }

    /// A replacement order for `original`'s customer and address (an exchange or a reshipped
    /// claim), routed and reserved like any order; `replaces` names what it replaces.
    pub(crate) async fn place_replacement(
        &self,
        actor: &Actor,
        original: &Order,
        lines: Vec<(String, i64, Money)>,
        replaces: &str,
    ) -> AppResult<Order> {
        let currency = Currency::from_code(&original.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
        let order = CheckedOrder {
            channel: original.channel.clone(),
            external_id: None,
            customer: CustomerRef::Id(original.customer_id.to_string()),
            currency,
            lines,
            shipping_address: original.shipping_address.clone(),
            billing_address: original.billing_address.clone(),
            shipping: 0,
            tax: 0,
            discount: 0,
            note: Some(format!("replaces goods for {replaces} (order {})", original.id)),
            promised_by: None,
            shipping_service: original.shipping_service.clone(),
            pickup_location: original.pickup_location.clone(),
            replaces: Some(replaces.to_owned()),
            source: None,
            counter: None,
        };
        let prepared = prepare(self, &order).await?;
        let actor_id = actor.key_id.clone();
        self.write_idem(None, move |tx, now| place_in_tx(tx, now, &actor_id, &order, &prepared)).await?.into_fresh()
    }

    /// Cancels an order and releases every reservation it holds.
    #[tracing::instrument(skip_all, fields(key = %actor.key_id, order = id))]
    pub async fn cancel_order(
        &self,
        actor: &Actor,
        id: &str,
        input: CancelInput,
        idem: Option<IdemCtx<Order>>,
    ) -> AppResult<Outcome<Order>> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let reason = e.optional_text("reason", input.reason.as_deref(), 500);
        e.finish(())?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| cancel_in_tx(tx, now, &who, &id, reason.clone())).await
    }

    pub async fn get_order(&self, actor: &Actor, id: &str) -> AppResult<Order> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store.read(move |tx| visible_order(tx, &who, &id)).await
    }

    pub async fn list_orders(&self, actor: &Actor, page: Page<i64>, mut filter: OrderFilter) -> AppResult<Vec<Order>> {
        require(actor, Action::ReadOrders)?;
        if let Some(own) = &actor.channel {
            if filter.channel.as_ref().is_some_and(|c| c != own) {
                return Ok(Vec::new());
            }
            filter.channel = Some(own.clone());
        }
        self.store.read(move |tx| Ok(tx.list_orders(&page, &filter)?)).await
    }

    /// A customer's orders, newest first.
    pub async fn customer_orders(&self, actor: &Actor, customer_id: &str, page: Page<i64>) -> AppResult<Vec<Order>> {
        require(actor, Action::ReadCustomers)?;
        let id = customer_id.to_owned();
        self.store
            .read(move |tx| {
                tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))?;
                Ok(tx.list_orders(&page, &OrderFilter { customer_id: Some(id.clone()), ..Default::default() })?)
            })
            .await
    }

    /// The order's events in commit order: its timeline.
    /// The order's whole story, oldest first: every event about it (capture, routing, holds,
    /// edits, payments, fulfilment, returns, refunds, exchanges, claims), each with who did it.
    pub async fn order_timeline(&self, actor: &Actor, id: &str) -> AppResult<Vec<EventRecord>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                visible_order(tx, &who, &id)?;
                let mut out = Vec::new();
                let mut page = Page { after: None, limit: 500 };
                let filter = EventFilter { subject: Some(id.clone()), event_type: None, actor: None };
                loop {
                    let batch = tx.list_events(&page, &filter)?;
                    let full = batch.len() == page.limit;
                    page.after = batch.last().map(|e| e.seq);
                    out.extend(batch);
                    if !full || out.len() >= 10_000 {
                        return Ok(out);
                    }
                }
            })
            .await
    }

    pub async fn order_events(&self, actor: &Actor, id: &str, page: Page<i64>) -> AppResult<Vec<EventRecord>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                visible_order(tx, &who, &id)?;
                Ok(tx.list_events(&page, &EventFilter { subject: Some(id.clone()), event_type: None, actor: None })?)
            })
            .await
    }
}
