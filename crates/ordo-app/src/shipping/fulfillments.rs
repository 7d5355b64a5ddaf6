//! Fulfilments: created with the order, one per location of its plan, then picked, packed,
//! shipped and delivered, or cancelled. Stock moves with the work.

use ordo_domain::fulfillment::{
    Fulfillment, FulfillmentAction, FulfillmentLine, FulfillmentStatus, OrderFulfillmentStatus, Parcel,
};
use ordo_domain::id::FulfillmentId;
use ordo_domain::inventory::Reason;
use ordo_domain::order::Order;
use ordo_domain::validate::Errors;
use ordo_store::{FulfillmentFilter, LevelChange, Page, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::{
    CountRequested, FulfillmentRejected, FulfillmentStep, OrderRef, RerouteFailed, Shortage,
};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{require, visible_order, visible_order_of};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// One fulfilment per location of the order's plan, in order of first use.
pub(crate) fn plan_fulfillments(order: &Order, now: i64) -> Vec<Fulfillment> {
    let mut out: Vec<Fulfillment> = Vec::new();
    for line in &order.lines {
        for a in &line.allocations {
            let f = match out.iter_mut().find(|f| f.location_id == a.location_id) {
                Some(f) => f,
                None => {
                    out.push(Fulfillment {
                        id: FulfillmentId::generate(now as u64, random_u128()),
                        order_id: order.id.clone(),
                        location_id: a.location_id.clone(),
                        location: a.location.clone(),
                        status: FulfillmentStatus::Pending,
                        lines: Vec::new(),
                        parcels: Vec::new(),
                        carrier: None,
                        service: None,
                        tracking_number: None,
                        created_at: now,
                        updated_at: now,
                        shipped_at: None,
                        delivered_at: None,
                        version: 1,
                        pickup: order.pickup_location.is_some(),
                        shipping_quote: None,
                        label_url: None,
                        tracking_events: Vec::new(),
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            f.lines.push(FulfillmentLine { line_id: line.id.clone(), sku: line.sku.clone(), quantity: a.quantity });
        }
    }
    out
}

/// Moves the stock of a fulfilment's lines, in (SKU) order like every stock change.
pub(crate) fn move_stock(tx: &mut dyn Tx, now: i64, actor_id: &str, f: &Fulfillment, reason: Reason) -> AppResult<()> {
    let mut lines: Vec<&FulfillmentLine> = f.lines.iter().collect();
    lines.sort_by(|a, b| a.sku.cmp(&b.sku));
    for l in lines {
        let (on_hand_delta, reserved_delta) = match reason {
            Reason::Shipped | Reason::PickedUp => (-l.quantity, -l.quantity),
            Reason::Released => (0, -l.quantity),
            _ => return Err(AppError::Internal(format!("a fulfilment cannot move stock as {}", reason.as_str()))),
        };
        let change = LevelChange {
            at: now,
            location_id: f.location_id.clone(),
            location: f.location.clone(),
            sku: l.sku.clone(),
            on_hand_delta,
            reserved_delta,
            reason,
            actor: Some(actor_id.to_owned()),
            order_id: Some(f.order_id.to_string()),
            note: None,
            reference: None,
        };
        if let Err(level) = tx.change_level(&change)? {
            return Err(AppError::Internal(format!(
                "{} of {} x {} at {} does not fit level {level:?}",
                reason.as_str(),
                l.quantity,
                l.sku,
                f.location
            )));
        }
    }
    Ok(())
}

/// The event of a fulfilment reaching `status`.
fn step_event(status: FulfillmentStatus, step: FulfillmentStep) -> AppResult<Event> {
    Ok(match status {
        FulfillmentStatus::Picking => Event::FulfillmentPicking(step),
        FulfillmentStatus::Packed => Event::FulfillmentPacked(step),
        FulfillmentStatus::Shipped => Event::FulfillmentShipped(step),
        FulfillmentStatus::Delivered => Event::FulfillmentDelivered(step),
        FulfillmentStatus::Cancelled => Event::FulfillmentCancelled(step),
        FulfillmentStatus::ReadyForPickup => Event::FulfillmentReadyForPickup(step),
        FulfillmentStatus::PickedUp => Event::FulfillmentPickedUp(step),
        FulfillmentStatus::Pending | FulfillmentStatus::Rejected => {
            return Err(AppError::Internal(format!("no step leads to {}", status.as_str())));
        }
    })
}

/// The order's own event when a fulfilment's `action` brings the whole order to `derived`.
fn milestone(action: FulfillmentAction, derived: OrderFulfillmentStatus, order: &Order, actor: &str) -> Option<Event> {
    let reached = || OrderRef { id: order.id.to_string(), number: order.number, actor: actor.to_owned() };
    match (action, derived) {
        (FulfillmentAction::Ship, OrderFulfillmentStatus::Shipped) => Some(Event::OrderShipped(reached())),
        (FulfillmentAction::Deliver, OrderFulfillmentStatus::Delivered) => Some(Event::order_delivered(order, actor)),
        (FulfillmentAction::PickUp, OrderFulfillmentStatus::Delivered) => Some(Event::OrderPickedUp(reached())),
        _ => None,
    }
}

/// Hands every fulfilment of a till sale over at once: the units leave the store's shelf and
/// the order is picked up, inside the caller's transaction.
pub(crate) fn hand_over_in_tx(tx: &mut dyn Tx, now: i64, who: &crate::Actor, order: &Order) -> AppResult<()> {
    for mut f in tx.fulfillments_for_order(order.id.as_str())? {
        move_stock(tx, now, &who.key_id, &f, Reason::PickedUp)?;
        f.status = FulfillmentStatus::PickedUp;
        f.delivered_at = Some(now);
        f.updated_at = now;
        f.version += 1;
        tx.update_fulfillment(&f)?;
        let step = FulfillmentStep {
            id: f.id.to_string(),
            order_id: f.order_id.to_string(),
            location: f.location.clone(),
            status: f.status.as_str().to_owned(),
            tracking_number: None,
            reason: Some("sold at the till".into()),
            actor: who.key_id.clone(),
        };
        emit(tx, now, order.id.as_str(), step_event(f.status, step)?)?;
    }
    match milestone(FulfillmentAction::PickUp, OrderFulfillmentStatus::Delivered, order, &who.key_id) {
        Some(m) => emit(tx, now, order.id.as_str(), m),
        None => Ok(()),
    }
}

/// Details an action may carry; the API reads each step's own part of it ([`StepInput`],
/// [`PackInput`], [`ShipInput`]).
#[derive(Debug, Clone, Default)]
pub struct FulfillmentInput {
    /// For `pack`: the parcels, with weight and outer dimensions.
    pub parcels: Option<Vec<ParcelInput>>,
    /// For `ship`: the carrier's name.
    pub carrier: Option<String>,
    /// For `ship`: the carrier's service, e.g. `Ground`.
    pub service: Option<String>,
    /// For `ship`: the carrier's tracking number.
    pub tracking_number: Option<String>,
    /// Why (a cancellation or a rejection, say).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParcelInput {
    #[schema(required = true, minimum = 1, maximum = 1000000)]
    pub weight_grams: Option<i64>,
    #[schema(required = true, minimum = 1, maximum = 10000)]
    pub length_mm: Option<i64>,
    #[schema(required = true, minimum = 1, maximum = 10000)]
    pub width_mm: Option<i64>,
    #[schema(required = true, minimum = 1, maximum = 10000)]
    pub height_mm: Option<i64>,
}

/// What a step other than packing and shipping may carry.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// Why (for a cancellation or a rejection, say).
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

/// Packing: the parcels, with weight and outer dimensions.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackInput {
    pub parcels: Option<Vec<ParcelInput>>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

/// Shipping: the carrier, its service and the tracking number, when known.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipInput {
    /// The carrier's name.
    #[schema(max_length = 64, pattern = r"^[^\u0000]*$")]
    pub carrier: Option<String>,
    /// The carrier's service, e.g. `Ground`.
    #[schema(max_length = 64, pattern = r"^[^\u0000]*$")]
    pub service: Option<String>,
    /// Printable ASCII without spaces.
    #[schema(
        max_length = 64,
        pattern = r"^[\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[!-~]*[\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub tracking_number: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

impl From<StepInput> for FulfillmentInput {
    fn from(s: StepInput) -> Self {
        FulfillmentInput { reason: s.reason, ..Default::default() }
    }
}

impl From<PackInput> for FulfillmentInput {
    fn from(p: PackInput) -> Self {
        FulfillmentInput { parcels: p.parcels, reason: p.reason, ..Default::default() }
    }
}

impl From<ShipInput> for FulfillmentInput {
    fn from(s: ShipInput) -> Self {
        FulfillmentInput {
            carrier: s.carrier,
            service: s.service,
            tracking_number: s.tracking_number,
            reason: s.reason,
            parcels: None,
        }
    }
}

type Checked = (Vec<Parcel>, Option<String>, Option<String>, Option<String>);

fn check_input(action: FulfillmentAction, input: &FulfillmentInput) -> AppResult<Checked> {
    let mut e = Errors::new();
    let mut parcels = Vec::new();
    if let Some(list) = &input.parcels {
        if action != FulfillmentAction::Pack {
            e.add("parcels", "are given when packing");
        }
        for (i, p) in list.iter().enumerate() {
            let mut dim = |field: &str, v: Option<i64>, max: i64| -> i64 {
                match v {
                    None => {
                        e.add(format!("parcels/{i}/{field}"), "is required");
                        0
                    }
                    Some(v) if !(1..=max).contains(&v) => {
                        e.add(format!("parcels/{i}/{field}"), format!("must be between 1 and {max}"));
                        0
                    }
                    Some(v) => v,
                }
            };
            parcels.push(Parcel {
                weight_grams: dim("weight_grams", p.weight_grams, 1_000_000),
                length_mm: dim("length_mm", p.length_mm, 10_000),
                width_mm: dim("width_mm", p.width_mm, 10_000),
                height_mm: dim("height_mm", p.height_mm, 10_000),
            });
        }
    }
    let carrier = e.optional_text("carrier", input.carrier.as_deref(), 64);
    let service = e.optional_text("service", input.service.as_deref(), 64);
    let tracking = e.optional_text("tracking_number", input.tracking_number.as_deref(), 64);
    if let Some(t) = &tracking
        && !t.bytes().all(|b| b.is_ascii_graphic())
    {
        e.add("tracking_number", "may contain only printable ASCII without spaces");
    }
    if (carrier.is_some() || tracking.is_some() || service.is_some()) && action != FulfillmentAction::Ship {
        e.add("tracking_number", "carrier, service and tracking number are given when shipping");
    }
    e.optional_text("reason", input.reason.as_deref(), 500);
    Ok(e.finish((parcels, carrier, service, tracking))?)
}

/// A location cannot fulfil its part: release its reservations, ask for its stock to be
/// counted, and route those lines again without it. Lines no other location can take are
/// left unallocated, and the order says so in its events.
fn reject_in_tx(
    tx: &mut dyn Tx,
    now: i64,
    actor_id: &str,
    mut f: Fulfillment,
    mut order: Order,
    reason: Option<String>,
) -> AppResult<Fulfillment> {
    use ordo_domain::allocation::StockSnapshot;
    use ordo_domain::order::Allocation;
    use ordo_domain::routing::{RouteLine, route};

    move_stock(tx, now, actor_id, &f, Reason::Released)?;
    for l in &f.lines {
        tx.request_count(&ordo_store::CountRequest {
            sku: l.sku.clone(),
            location_id: f.location_id.to_string(),
            location: f.location.clone(),
            requested_at: now,
            reason: reason.clone(),
        })?;
        emit(
            tx,
            now,
            &l.sku,
            Event::InventoryCountRequested(CountRequested {
                sku: l.sku.clone(),
                location: f.location.clone(),
                order_id: order.id.to_string(),
            }),
        )?;
    }
    f.status = FulfillmentStatus::Rejected;
    f.updated_at = now;
    f.version += 1;
    tx.update_fulfillment(&f)?;
    // The order no longer counts on the rejecting location for these units.
    for fl in &f.lines {
        if let Some(line) = order.lines.iter_mut().find(|l| l.id == fl.line_id) {
            if let Some(a) = line.allocations.iter_mut().find(|a| a.location_id == f.location_id) {
                a.quantity -= fl.quantity;
            }
            line.allocations.retain(|a| a.quantity > 0);
        }
    }
    emit(
        tx,
        now,
        order.id.as_str(),
        Event::FulfillmentRejected(FulfillmentRejected {
            id: f.id.to_string(),
            order_id: order.id.to_string(),
            location: f.location.clone(),
            reason: reason.clone(),
        }),
    )?;

    // Route the rejected lines again, without the rejecting location.
    let sites: Vec<_> =
        tx.routing_sites(&crate::kernel::time_fmt::day(now))?.into_iter().filter(|s| s.id != f.location_id).collect();
    let rules =
        crate::shipping::routing::rules_for_channel(&crate::shipping::routing::load_rule_sets(tx)?, &order.channel)
            .rules_for(&order.currency);
    let skus: Vec<&str> = f.lines.iter().map(|l| l.sku.as_str()).collect();
    let mut stock = StockSnapshot::new();
    for level in tx.levels_for_skus(&skus)? {
        stock.set(&level.location_id, &level.sku, level.level().available());
    }
    let demand: Vec<RouteLine> = f
        .lines
        .iter()
        .map(|l| RouteLine {
            sku: l.sku.clone(),
            quantity: l.quantity,
            unit_price: order.lines.iter().find(|o| o.id == l.line_id).map_or(0, |o| o.unit_price),
        })
        .collect();
    match route(&demand, &stock, &sites, &crate::shipping::routing::destination_of(&order), &rules) {
        Ok(decision) => {
            let mut created: Vec<Fulfillment> = Vec::new();
            for (fl, parts) in f.lines.iter().zip(decision.lines) {
                for (location_id, location, quantity) in parts {
                    let target = match created.iter_mut().position(|c| c.location_id == location_id) {
                        Some(i) => i,
                        None => {
                            created.push(Fulfillment {
                                id: FulfillmentId::generate(now as u64, random_u128()),
                                order_id: order.id.clone(),
                                location_id: location_id.clone(),
                                location: location.clone(),
                                status: FulfillmentStatus::Pending,
                                lines: Vec::new(),
                                parcels: Vec::new(),
                                carrier: None,
                                service: None,
                                tracking_number: None,
                                created_at: now,
                                updated_at: now,
                                shipped_at: None,
                                delivered_at: None,
                                version: 1,
                                pickup: false,
                                shipping_quote: None,
                                label_url: None,
                                tracking_events: Vec::new(),
                            });
                            created.len() - 1
                        }
                    };
                    created[target].lines.push(FulfillmentLine {
                        line_id: fl.line_id.clone(),
                        sku: fl.sku.clone(),
                        quantity,
                    });
                    if let Some(line) = order.lines.iter_mut().find(|l| l.id == fl.line_id) {
                        match line.allocations.iter_mut().find(|a| a.location_id == location_id) {
                            Some(a) => a.quantity += quantity,
                            None => line.allocations.push(Allocation {
                                location_id: location_id.clone(),
                                location: location.clone(),
                                quantity,
                            }),
                        }
                    }
                }
            }
            for c in &created {
                reserve(tx, now, actor_id, c)?;
                tx.insert_fulfillment(c)?;
            }
            let rerouted = Some((f.location.as_str(), decision.explanation.reason.as_str()));
            emit(tx, now, order.id.as_str(), Event::order_allocated(&order, &created, rerouted, actor_id))?;
        }
        Err(short) => {
            let shortages = short
                .iter()
                .map(|s| Shortage { sku: s.sku.clone(), requested: s.requested, available: s.available })
                .collect();
            emit(
                tx,
                now,
                order.id.as_str(),
                Event::OrderRerouteFailed(RerouteFailed { id: order.id.to_string(), shortages }),
            )?;
        }
    }
    let mut order = order.with_allocation_status();
    order.updated_at = now;
    order.version += 1;
    tx.update_order(&order)?;
    Ok(f)
}

/// Reserves a new fulfilment's lines at its location.
fn reserve(tx: &mut dyn Tx, now: i64, actor_id: &str, f: &Fulfillment) -> AppResult<()> {
    let mut lines: Vec<&FulfillmentLine> = f.lines.iter().collect();
    lines.sort_by(|a, b| a.sku.cmp(&b.sku));
    for l in lines {
        let change = LevelChange {
            at: now,
            location_id: f.location_id.clone(),
            location: f.location.clone(),
            sku: l.sku.clone(),
            on_hand_delta: 0,
            reserved_delta: l.quantity,
            reason: Reason::Reserved,
            actor: Some(actor_id.to_owned()),
            order_id: Some(f.order_id.to_string()),
            note: None,
            reference: None,
        };
        if let Err(level) = tx.change_level(&change)? {
            return Err(AppError::Internal(format!("re-routed reservation of {} does not fit level {level:?}", l.sku)));
        }
    }
    Ok(())
}

/// The fulfilment and its order, if the actor may see the order's channel.
pub(crate) fn visible(tx: &mut dyn Tx, actor: &Actor, id: &str) -> AppResult<(Fulfillment, Order)> {
    let f = tx.fulfillment_by_id(id)?.ok_or(AppError::NotFound("fulfillment"))?;
    let order = visible_order_of(tx, actor, f.order_id.as_str(), "fulfillment")?;
    Ok((f, order))
}

/// The order's fulfilment status, from its fulfilments.
pub fn order_status(fulfillments: &[Fulfillment]) -> OrderFulfillmentStatus {
    OrderFulfillmentStatus::derive(&fulfillments.iter().map(|f| f.status).collect::<Vec<_>>())
}

impl App {
    /// Applies an operator's or carrier's action to a fulfilment.
    pub async fn fulfillment_action(
        &self,
        actor: &Actor,
        id: &str,
        action: FulfillmentAction,
        input: FulfillmentInput,
        idem: Option<IdemCtx<Fulfillment>>,
    ) -> AppResult<Outcome<Fulfillment>> {
        require(actor, Action::Fulfil)?;
        let (parcels, carrier, service, tracking) = check_input(action, &input)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let (mut f, mut order) = visible(tx, &who, &id)?;
            let next = f.status.apply_for(action, f.pickup).map_err(AppError::InvalidTransition)?;
            // A held order keeps its reservations but does not move towards its customer.
            if matches!(
                action,
                FulfillmentAction::StartPicking
                    | FulfillmentAction::Pack
                    | FulfillmentAction::Ship
                    | FulfillmentAction::ReadyForPickup
                    | FulfillmentAction::PickUp
            ) {
                crate::kernel::guard::ensure_not_held(tx, order.id.as_str())?;
            }
            if action == FulfillmentAction::Reject {
                return reject_in_tx(tx, now, &who.key_id, f, order, input.reason.clone());
            }
            match action {
                FulfillmentAction::Ship => {
                    move_stock(tx, now, &who.key_id, &f, Reason::Shipped)?;
                    crate::money::payments::capture_on_shipment(tx, now, &who, &order, &f)?;
                }
                FulfillmentAction::PickUp => {
                    move_stock(tx, now, &who.key_id, &f, Reason::PickedUp)?;
                    crate::money::payments::capture_on_shipment(tx, now, &who, &order, &f)?;
                }
                FulfillmentAction::Cancel => {
                    move_stock(tx, now, &who.key_id, &f, Reason::Released)?;
                    // The order no longer counts on this location for these units.
                    for fl in &f.lines {
                        if let Some(line) = order.lines.iter_mut().find(|l| l.id == fl.line_id) {
                            if let Some(a) = line.allocations.iter_mut().find(|a| a.location_id == f.location_id) {
                                a.quantity -= fl.quantity;
                            }
                            line.allocations.retain(|a| a.quantity > 0);
                        }
                    }
                    order = order.with_allocation_status();
                    order.updated_at = now;
                    order.version += 1;
                    tx.update_order(&order)?;
                }
                _ => {}
            }
            f.status = next;
            f.updated_at = now;
            f.version += 1;
            match action {
                FulfillmentAction::Pack if !parcels.is_empty() => f.parcels = parcels.clone(),
                FulfillmentAction::Ship => {
                    f.shipped_at = Some(now);
                    f.carrier = carrier.clone().or(f.carrier.take());
                    f.service = service.clone().or(f.service.take());
                    f.tracking_number = tracking.clone().or(f.tracking_number.take());
                }
                FulfillmentAction::Deliver | FulfillmentAction::PickUp => f.delivered_at = Some(now),
                _ => {}
            }
            tx.update_fulfillment(&f)?;
            let step = FulfillmentStep {
                id: f.id.to_string(),
                order_id: f.order_id.to_string(),
                location: f.location.clone(),
                status: next.as_str().to_owned(),
                tracking_number: f.tracking_number.clone(),
                reason: input.reason.clone(),
                actor: who.key_id.clone(),
            };
            emit(tx, now, f.order_id.as_str(), step_event(next, step)?)?;
            // The order's own events, when this fulfilment completes a step for the whole order.
            let all = tx.fulfillments_for_order(order.id.as_str())?;
            if let Some(m) = milestone(action, order_status(&all), &order, &who.key_id) {
                emit(tx, now, order.id.as_str(), m)?;
            }
            Ok(f)
        })
        .await
    }

    pub async fn get_fulfillment(&self, actor: &Actor, id: &str) -> AppResult<Fulfillment> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store.read(move |tx| Ok(visible(tx, &who, &id)?.0)).await
    }

    pub async fn order_fulfillments(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Fulfillment>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                visible_order(tx, &who, &id)?;
                Ok(tx.fulfillments_for_order(&id)?)
            })
            .await
    }

    /// A location's work queue, oldest first.
    pub async fn list_fulfillments(
        &self,
        actor: &Actor,
        page: Page<String>,
        location: Option<String>,
        status: Option<FulfillmentStatus>,
    ) -> AppResult<Vec<Fulfillment>> {
        require(actor, Action::Fulfil)?;
        self.store
            .read(move |tx| {
                let location_id = match &location {
                    Some(code) => {
                        Some(tx.location_by_code(code)?.ok_or(AppError::NotFound("location"))?.id.to_string())
                    }
                    None => None,
                };
                Ok(tx.list_fulfillments(&page, &FulfillmentFilter { location_id, status, order_id: None })?)
            })
            .await
    }
}

/// A line of a location's pick list: one SKU, the total to pick, the orders it serves.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ToSchema)]
pub struct PickItem {
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub orders: Vec<PickOrder>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, ToSchema)]
pub struct PickOrder {
    pub order_id: String,
    pub number: i64,
    pub fulfillment_id: String,
    pub quantity: i64,
}

impl App {
    /// The fulfilment's shipping label; it needs a tracking number (given when shipping).
    pub async fn fulfillment_label(&self, actor: &Actor, id: &str) -> AppResult<crate::shipping::documents::Label> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let (f, order) = visible(tx, &who, &id)?;
                let tracking = f.tracking_number.clone().ok_or_else(|| {
                    AppError::InvalidTransition(
                        "the fulfilment has no tracking number yet: ship it with one first".into(),
                    )
                })?;
                let to = order
                    .shipping_address
                    .clone()
                    .ok_or_else(|| AppError::InvalidTransition("the order has no shipping address".into()))?;
                let location = tx.location_by_code(&f.location)?.ok_or(AppError::NotFound("location"))?;
                let weight = if f.parcels.is_empty() {
                    let skus: Vec<&str> = f.lines.iter().map(|l| l.sku.as_str()).collect();
                    let products = tx.products_by_skus(&skus)?;
                    f.lines
                        .iter()
                        .map(|l| {
                            products.iter().find(|p| p.sku == l.sku).and_then(|p| p.weight_grams).unwrap_or(0)
                                * l.quantity
                        })
                        .sum()
                } else {
                    f.parcels.iter().map(|p| p.weight_grams).sum()
                };
                Ok(crate::shipping::documents::Label {
                    from_name: location.name,
                    from: location.address,
                    to,
                    carrier: f.carrier.clone().unwrap_or_else(|| "Carrier".into()),
                    service: f.service.clone().unwrap_or_default(),
                    weight_grams: weight,
                    tracking_number: tracking,
                    order_number: order.number,
                })
            })
            .await
    }

    /// The fulfilment's packing slip as a PDF.
    pub async fn packing_slip(&self, actor: &Actor, id: &str) -> AppResult<Vec<u8>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let (f, order) = visible(tx, &who, &id)?;
                let items: Vec<crate::shipping::documents::ItemLine> = f
                    .lines
                    .iter()
                    .map(|l| crate::shipping::documents::ItemLine {
                        sku: l.sku.clone(),
                        name: order
                            .lines
                            .iter()
                            .find(|o| o.id == l.line_id)
                            .map(|o| o.name.clone())
                            .unwrap_or_default(),
                        quantity: l.quantity,
                        orders: Vec::new(),
                    })
                    .collect();
                Ok(crate::shipping::documents::packing_slip_pdf(
                    order.number,
                    &f.location,
                    order.shipping_address.as_ref(),
                    &items,
                ))
            })
            .await
    }

    /// Everything a location has to pick now (pending and picking fulfilments), one line per
    /// SKU with the orders it serves, ordered by SKU.
    pub async fn pick_list(&self, actor: &Actor, location: &str) -> AppResult<Vec<PickItem>> {
        require(actor, Action::Fulfil)?;
        let location = location.to_owned();
        self.store
            .read(move |tx| {
                let loc = tx.location_by_code(&location)?.ok_or(AppError::NotFound("location"))?;
                let mut items: Vec<PickItem> = Vec::new();
                for status in [FulfillmentStatus::Pending, FulfillmentStatus::Picking] {
                    let mut after = None;
                    loop {
                        let page = Page { after: after.clone(), limit: 500 };
                        let filter = FulfillmentFilter {
                            location_id: Some(loc.id.to_string()),
                            status: Some(status),
                            order_id: None,
                        };
                        let batch = tx.list_fulfillments(&page, &filter)?;
                        for f in &batch {
                            let order = tx.order_by_id(f.order_id.as_str())?.ok_or(AppError::NotFound("order"))?;
                            // Held orders are not picked.
                            if crate::kernel::guard::ensure_not_held(tx, order.id.as_str()).is_err() {
                                continue;
                            }
                            for l in &f.lines {
                                let name = order
                                    .lines
                                    .iter()
                                    .find(|o| o.id == l.line_id)
                                    .map(|o| o.name.clone())
                                    .unwrap_or_default();
                                let item = match items.iter_mut().position(|i| i.sku == l.sku) {
                                    Some(i) => &mut items[i],
                                    None => {
                                        items.push(PickItem {
                                            sku: l.sku.clone(),
                                            name,
                                            quantity: 0,
                                            orders: Vec::new(),
                                        });
                                        items.last_mut().expect("just pushed")
                                    }
                                };
                                item.quantity += l.quantity;
                                item.orders.push(PickOrder {
                                    order_id: order.id.to_string(),
                                    number: order.number,
                                    fulfillment_id: f.id.to_string(),
                                    quantity: l.quantity,
                                });
                            }
                        }
                        if batch.len() < 500 {
                            break;
                        }
                        after = batch.last().map(|f| f.id.to_string());
                    }
                }
                items.sort_by(|a, b| a.sku.cmp(&b.sku));
                Ok(items)
            })
            .await
    }
}
