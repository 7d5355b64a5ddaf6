//! Order edits before shipment: change a line's quantity, add or remove a line, change the
//! shipping address. Each edit is one transaction and one versioned record (who, why, what,
//! the totals before and after). Fewer units release their reservations; more units, and new
//! lines, are routed and reserved like a new order (new fulfilments). A line whose fulfilment
//! has been packed or shipped cannot be edited (`invalid_transition`), nor can the address once
//! anything was packed.
//!
//! Tax and discount follow the subtotal in proportion unless the edit gives new amounts. The
//! payment difference is settled without voiding what stays authorized: a smaller total first
//! releases uncaptured authorizations Ordo records itself (a card's authorization releases the
//! rest at its final capture), then refunds what was captured beyond the new total; a larger
//! total leaves a balance due and announces `order.payment_required`.

use ordo_domain::Money;
use ordo_domain::allocation::StockSnapshot;
use ordo_domain::fulfillment::{Fulfillment, FulfillmentStatus};
use ordo_domain::id::LineId;
use ordo_domain::inventory::Reason;
use ordo_domain::order::{Address, Allocation, Line, OrderStatus, Totals};
use ordo_domain::payment::EntryKind;
use ordo_domain::routing::{RouteLine, route};
use ordo_domain::validate::Errors;
use ordo_store::LevelChange;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::events::payloads::{AppliedChange, OrderEdited, PaymentRequired};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{check_version, require, visible_order};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{AddressInput, MoneyInput, check_address, check_money};
use crate::kernel::records::{OrderDocument, documents_of, order_document};
use crate::money::payments::{is_gateway, payments_with_totals, record};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    /// Applied in order, all or nothing.
    #[schema(required = true, min_items = 1, max_items = 100)]
    pub changes: Option<Vec<ChangeInput>>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
    /// The order's new tax; default: the old tax in proportion to the new subtotal.
    pub tax: Option<MoneyInput>,
    /// The order's new discount; default: in proportion to the new subtotal.
    pub discount: Option<MoneyInput>,
    /// The order `version` the edit was made against; refused with 412 if it moved on.
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    /// `set_quantity` (`line_id`, `quantity`), `add_line` (`sku`, `quantity`, `unit_price`),
    /// `remove_line` (`line_id`) or `set_shipping_address` (`address`).
    #[serde(rename = "type")]
    #[schema(required = true, value_type = Option<crate::kernel::schema::ChangeType>)]
    pub kind: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub line_id: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub quantity: Option<i64>,
    pub unit_price: Option<MoneyInput>,
    pub address: Option<AddressInput>,
}

impl ChangeInput {
    /// The fields a change of this kind reads; any other given is refused, not ignored.
    fn unread(&self, kind: &str) -> Vec<&'static str> {
        let reads: &[&str] = match kind {
            "set_quantity" => &["line_id", "quantity"],
            "remove_line" => &["line_id"],
            "add_line" => &["sku", "quantity", "unit_price"],
            _ => &["address"],
        };
        let given = [
            ("line_id", self.line_id.is_some()),
            ("sku", self.sku.is_some()),
            ("quantity", self.quantity.is_some()),
            ("unit_price", self.unit_price.is_some()),
            ("address", self.address.is_some()),
        ];
        given.into_iter().filter(|(name, set)| *set && !reads.contains(name)).map(|(name, _)| name).collect()
    }
}

#[derive(Debug, Clone)]
enum Change {
    SetQuantity(String, i64),
    AddLine(String, i64, Money),
    Address(Address),
}

/// One edit as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub id: String,
    pub order_id: String,
    pub version_from: i64,
    pub version_to: i64,
    /// What changed, as applied.
    pub changes: Vec<AppliedChange>,
    pub reason: Option<String>,
    pub actor: String,
    pub at: i64,
    pub currency: String,
    pub total_before: i64,
    pub total_after: i64,
    /// Uncaptured authorizations released, minor units.
    pub released: i64,
    /// Captured money to give back, minor units (refunded by `refund_id`).
    pub refund_due: i64,
    pub refund_id: Option<String>,
    pub refund_error: Option<String>,
}

order_document!(Edit, "edit", |e| status if e.refund_error.is_some() { "refund_failed" } else { "applied" }, created e.at, updated e.at);

fn check(input: &EditInput) -> AppResult<(Vec<Change>, Option<String>)> {
    let mut e = Errors::new();
    let mut changes = Vec::new();
    match &input.changes {
        None => e.add("changes", "is required"),
        Some(c) if c.is_empty() || c.len() > 100 => e.add("changes", "must hold 1 to 100 changes"),
        Some(c) => {
            for (i, ch) in c.iter().enumerate() {
                let f = |n: &str| format!("changes/{i}/{n}");
                if let Some(kind @ ("set_quantity" | "remove_line" | "add_line" | "set_shipping_address")) =
                    ch.kind.as_deref()
                {
                    for name in ch.unread(kind) {
                        e.add(f(name), format!("is not read by a {kind} change"));
                    }
                }
                match ch.kind.as_deref() {
                    Some(k @ ("set_quantity" | "remove_line")) => {
                        let line = e.text(&f("line_id"), ch.line_id.as_deref(), 64);
                        let q = if k == "remove_line" { Some(0) } else { ch.quantity };
                        if let (Some(line), Some(q)) = (line, e.quantity(&f("quantity"), q, 0)) {
                            changes.push(Change::SetQuantity(line, q));
                        }
                    }
                    Some("add_line") => {
                        let sku = e.text(&f("sku"), ch.sku.as_deref(), 64);
                        let price = match &ch.unit_price {
                            Some(p) => check_money(&mut e, &f("unit_price"), p, None),
                            None => {
                                e.add(f("unit_price"), "is required");
                                None
                            }
                        };
                        if let (Some(sku), Some(price), Some(q)) =
                            (sku, price, e.quantity(&f("quantity"), ch.quantity, 1))
                        {
                            changes.push(Change::AddLine(sku, q, price));
                        }
                    }
                    Some("set_shipping_address") => match &ch.address {
                        Some(a) => changes.push(Change::Address(check_address(&mut e, &f("address"), a))),
                        None => e.add(f("address"), "is required"),
                    },
                    Some(_) => e.add(f("type"), "must be set_quantity, add_line, remove_line or set_shipping_address"),
                    None => e.add(f("type"), "is required"),
                }
            }
        }
    }
    let reason = e.optional_text("reason", input.reason.as_deref(), 500);
    e.finish(())?;
    Ok((changes, reason))
}

/// Packed, shipped or collected: past the point an edit may touch.
fn past_editing(status: FulfillmentStatus) -> bool {
    !matches!(
        status,
        FulfillmentStatus::Pending
            | FulfillmentStatus::Picking
            | FulfillmentStatus::Cancelled
            | FulfillmentStatus::Rejected
    )
}

/// `amount × numerator / denominator`, rounded half away from zero.
fn scale(amount: i64, numerator: i64, denominator: i64) -> i64 {
    if denominator == 0 {
        return amount;
    }
    let (a, n, d) = (amount as i128, numerator as i128, denominator as i128);
    let twice = 2 * a * n / d;
    ((twice + twice.signum()) / 2) as i64
}

impl App {
    /// Edits an order. A keyed request is recorded with the edit; its answer is brought up to
    /// date once the refund the edit is due has been made.
    pub async fn edit_order(
        &self,
        actor: &Actor,
        order_id: &str,
        input: EditInput,
        idem: Option<IdemCtx<Edit>>,
    ) -> AppResult<Outcome<Edit>> {
        require(actor, Action::WriteOrders)?;
        let (changes, reason) = check(&input)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        let (tax_in, discount_in, expected) = (input.tax.clone(), input.discount.clone(), input.expected_version);
        let first = match self
            .write_idem(idem.clone(), move |tx, now| {
                let mut order = visible_order(tx, &who, &id)?;
                if order.status != OrderStatus::Allocated {
                    return Err(AppError::InvalidTransition(format!(
                        "a {} order cannot be edited",
                        order.status.as_str()
                    )));
                }
                check_version(expected, order.version)?;
                let currency = ordo_domain::Currency::from_code(&order.currency)
                    .ok_or_else(|| AppError::Internal("currency".into()))?;
                let mut e = Errors::new();
                let tax =
                    tax_in.as_ref().and_then(|m| check_money(&mut e, "tax", m, Some(currency))).map(|m| m.minor());
                let discount = discount_in
                    .as_ref()
                    .and_then(|m| check_money(&mut e, "discount", m, Some(currency)))
                    .map(|m| m.minor());
                for (i, c) in changes.iter().enumerate() {
                    if let Change::AddLine(_, _, p) = c
                        && p.currency() != currency
                    {
                        e.conflicting(
                            format!("changes/{i}/unit_price/currency"),
                            format!("must be {}, the order's currency", order.currency),
                        );
                    }
                }
                e.finish(())?;
                let before = order.clone();
                let mut fulfillments = tx.fulfillments_for_order(order.id.as_str())?;
                let stored = fulfillments.clone();
                let mut releases: Vec<LevelChange> = Vec::new();
                // (line id, sku, units, unit price) still to route and reserve.
                let mut demand: Vec<(LineId, String, i64, i64)> = Vec::new();
                let mut applied = Vec::new();
                for (i, change) in changes.iter().enumerate() {
                    match change {
                        Change::Address(a) => {
                            if fulfillments.iter().any(|f| past_editing(f.status)) {
                                return Err(AppError::InvalidTransition(
                                    "part of the order was packed or shipped; its address cannot change".into(),
                                ));
                            }
                            order.shipping_address = Some(a.clone());
                            applied.push(AppliedChange::SetShippingAddress { country: a.country.clone() });
                        }
                        Change::AddLine(sku, q, price) => {
                            let product = tx.product_by_sku(sku)?.filter(|p| p.active).ok_or_else(|| {
                                AppError::missing(&format!("changes/{i}/sku"), "no active product has this SKU")
                            })?;
                            let line = Line {
                                id: LineId::generate(now as u64, random_u128()),
                                sku: sku.clone(),
                                name: product.name,
                                quantity: *q,
                                unit_price: price.minor(),
                                allocations: Vec::new(),
                            };
                            demand.push((line.id.clone(), sku.clone(), *q, price.minor()));
                            applied.push(AppliedChange::AddLine {
                                line_id: line.id.to_string(),
                                sku: sku.clone(),
                                quantity: *q,
                            });
                            order.lines.push(line);
                        }
                        Change::SetQuantity(line_id, q) => {
                            let Some(at) = order.lines.iter().position(|l| l.id.as_str() == line_id) else {
                                return Err(AppError::missing(
                                    &format!("changes/{i}/line_id"),
                                    "is not a line of this order",
                                ));
                            };
                            let line_id = order.lines[at].id.clone();
                            if fulfillments
                                .iter()
                                .any(|f| past_editing(f.status) && f.lines.iter().any(|l| l.line_id == line_id))
                            {
                                return Err(AppError::InvalidTransition(format!(
                                    "line {line_id} was packed or shipped; it cannot be edited"
                                )));
                            }
                            let line = &mut order.lines[at];
                            let was = line.quantity;
                            if *q > was {
                                demand.push((line.id.clone(), line.sku.clone(), q - was, line.unit_price));
                            }
                            // Fewer units: released from the line's open fulfilments, those not
                            // being picked yet first, then the latest made, then by location code
                            // (never by id, whose order within a millisecond is chance), so that
                            // a cut disturbs no work under way and always comes out the same.
                            let mut left = (was - q).max(0);
                            let mut open: Vec<&mut Fulfillment> =
                                fulfillments.iter_mut().filter(|f| f.status.holds_reservation()).collect();
                            open.sort_by(|a, b| {
                                let key = |f: &Fulfillment| {
                                    (f.status != FulfillmentStatus::Pending, std::cmp::Reverse(f.created_at))
                                };
                                key(a).cmp(&key(b)).then_with(|| a.location.cmp(&b.location))
                            });
                            for f in open {
                                let Some(fl) = f.lines.iter_mut().find(|l| l.line_id == line_id) else { continue };
                                let take = fl.quantity.min(left);
                                if take == 0 {
                                    continue;
                                }
                                fl.quantity -= take;
                                left -= take;
                                releases.push(LevelChange {
                                    at: now,
                                    location_id: f.location_id.clone(),
                                    location: f.location.clone(),
                                    sku: line.sku.clone(),
                                    on_hand_delta: 0,
                                    reserved_delta: -take,
                                    reason: Reason::Released,
                                    actor: Some(who.key_id.clone()),
                                    order_id: Some(order.id.to_string()),
                                    note: Some("order edited".into()),
                                    reference: None,
                                });
                                if let Some(a) = line.allocations.iter_mut().find(|a| a.location_id == f.location_id) {
                                    a.quantity -= take;
                                }
                            }
                            if left > 0 {
                                return Err(AppError::InvalidTransition(format!(
                                    "line {line_id} has no open units to take away"
                                )));
                            }
                            line.allocations.retain(|a| a.quantity > 0);
                            line.quantity = *q;
                            applied.push(AppliedChange::SetQuantity {
                                line_id: line_id.to_string(),
                                from: was,
                                to: *q,
                            });
                        }
                    }
                }
                // Release first, in (SKU, location) order like every stock change.
                releases.sort_by(|a, b| a.sku.cmp(&b.sku).then_with(|| a.location_id.cmp(&b.location_id)));
                for change in &releases {
                    if let Err(level) = tx.change_level(change)? {
                        return Err(AppError::Internal(format!(
                            "releasing {} does not fit level {level:?}",
                            change.sku
                        )));
                    }
                }
                for f in fulfillments.iter_mut() {
                    f.lines.retain(|l| l.quantity > 0);
                    if f.status.holds_reservation() && f.lines.is_empty() {
                        f.status = FulfillmentStatus::Cancelled;
                    }
                }
                // More units: routed and reserved like a new order.
                let mut new_fulfillments: Vec<Fulfillment> = Vec::new();
                if !demand.is_empty() {
                    let skus: Vec<&str> = demand.iter().map(|(_, s, ..)| s.as_str()).collect();
                    let mut snapshot = StockSnapshot::new();
                    for level in tx.levels_for_skus(&skus)? {
                        snapshot.set(&level.location_id, &level.sku, level.level().available());
                    }
                    let sites = tx.routing_sites(&crate::kernel::time_fmt::day(now))?;
                    let rules = crate::shipping::routing::rules_for_channel(
                        &crate::shipping::routing::load_rule_sets(tx)?,
                        &order.channel,
                    )
                    .rules_for(currency.code());
                    let lines: Vec<RouteLine> = demand
                        .iter()
                        .map(|(_, sku, q, p)| RouteLine { sku: sku.clone(), quantity: *q, unit_price: *p })
                        .collect();
                    let destination = ordo_domain::routing::Destination {
                        coordinates: order.shipping_address.as_ref().and_then(crate::shipping::geo::locate),
                        country: order.shipping_address.as_ref().map(|a| a.country.clone()),
                        pickup: order.pickup_location.is_some(),
                    };
                    let sites: Vec<_> = match &order.pickup_location {
                        Some(code) => sites.into_iter().filter(|s| s.code == *code).collect(),
                        None => sites,
                    };
                    let decision =
                        route(&lines, &snapshot, &sites, &destination, &rules).map_err(AppError::InsufficientStock)?;
                    // The added units as an order of their own: reserved and planned like one.
                    let mut added = order.clone();
                    added.lines = demand
                        .iter()
                        .zip(decision.lines)
                        .map(|((id, sku, q, p), parts)| Line {
                            id: id.clone(),
                            sku: sku.clone(),
                            name: String::new(),
                            quantity: *q,
                            unit_price: *p,
                            allocations: parts
                                .into_iter()
                                .map(|(location_id, location, quantity)| Allocation { location_id, location, quantity })
                                .collect(),
                        })
                        .collect();
                    crate::sales::orders::move_reservations(tx, now, &who.key_id, &added, 1)?;
                    // Units for a location whose fulfilment is not being picked yet join it (one
                    // parcel); elsewhere they make a new fulfilment.
                    for planned in crate::shipping::fulfillments::plan_fulfillments(&added, now) {
                        let open = fulfillments
                            .iter_mut()
                            .find(|f| f.location_id == planned.location_id && f.status == FulfillmentStatus::Pending);
                        match open {
                            Some(f) => {
                                for l in planned.lines {
                                    match f.lines.iter_mut().find(|x| x.line_id == l.line_id) {
                                        Some(x) => x.quantity += l.quantity,
                                        None => f.lines.push(l),
                                    }
                                }
                            }
                            None => new_fulfillments.push(planned),
                        }
                    }
                    for extra in &added.lines {
                        let line = order.lines.iter_mut().find(|l| l.id == extra.id).expect("the line is in the order");
                        for a in &extra.allocations {
                            match line.allocations.iter_mut().find(|x| x.location_id == a.location_id) {
                                Some(x) => x.quantity += a.quantity,
                                None => line.allocations.push(a.clone()),
                            }
                        }
                    }
                }
                // Totals: tax and discount follow the subtotal unless given.
                let subtotals: Vec<Option<i64>> = order.lines.iter().map(Line::subtotal).collect();
                let new_subtotal: i64 = subtotals.iter().map(|s| s.unwrap_or(0)).sum();
                let old = before.totals;
                let tax = tax.unwrap_or_else(|| scale(old.tax, new_subtotal, old.subtotal));
                let discount = discount.unwrap_or_else(|| scale(old.discount, new_subtotal, old.subtotal));
                // Nothing left: the order is cancelled, its shipping charge with it.
                let emptied = order.lines.iter().all(|l| l.quantity == 0);
                let shipping = if emptied { 0 } else { old.shipping };
                order.totals = Totals::compute(subtotals, shipping, tax, discount).ok_or_else(|| {
                    AppError::conflicting("discount", "the order total would be negative or out of range")
                })?;
                order.version += 1;
                order.updated_at = now;
                if emptied {
                    order.status = order.status.cancel().map_err(|e| AppError::InvalidTransition(e.to_string()))?;
                    order.cancelled_at = Some(now);
                    order.cancel_reason = reason.clone().or_else(|| Some("every line was cancelled".into()));
                    crate::sales::orders::release_capacity(tx, &order)?;
                    emit(tx, now, order.id.as_str(), Event::order_cancelled(&order, &who.key_id))?;
                }
                tx.update_order(&order)?;
                // Only the fulfilments the edit changed are written.
                for (f, was) in fulfillments.iter().zip(&stored) {
                    if f.lines == was.lines && f.status == was.status {
                        continue;
                    }
                    let mut f = f.clone();
                    f.updated_at = now;
                    f.version += 1;
                    tx.update_fulfillment(&f)?;
                }
                for f in &new_fulfillments {
                    tx.insert_fulfillment(f)?;
                }
                // Money: release uncaptured authorizations Ordo records, then refund the rest.
                let payments = payments_with_totals(tx, order.id.as_str())?;
                // Pending refunds will give back what they promised: it is not kept.
                let pending = crate::money::refunds::refunds_of(tx, order.id.as_str())?;
                let captured: i64 = payments
                    .iter()
                    .map(|(p, t)| t.captured - t.refunded - crate::money::refunds::promised(&pending, &p.id))
                    .sum();
                let open: i64 = payments.iter().map(|(_, t)| t.capturable()).sum();
                let mut excess = (captured + open - order.totals.total).max(0).min(open);
                let mut released = 0;
                for (p, t) in payments.iter().rev().filter(|(p, _)| !is_gateway(p)) {
                    let take = t.capturable().min(excess);
                    if take > 0 {
                        record(tx, now, &who, p, EntryKind::Voided, take, Some("order edited".into()), None)?;
                        excess -= take;
                        released += take;
                    }
                }
                let refund_due = (captured - order.totals.total).max(0);
                let edit = Edit {
                    id: format!("edt_{}", ordo_domain::id::encode(now as u64, random_u128())),
                    order_id: order.id.to_string(),
                    version_from: before.version,
                    version_to: order.version,
                    changes: applied,
                    reason: reason.clone(),
                    actor: who.key_id.clone(),
                    at: now,
                    currency: order.currency.clone(),
                    total_before: old.total,
                    total_after: order.totals.total,
                    released,
                    refund_due,
                    refund_id: None,
                    refund_error: None,
                };
                tx.insert_order_record(&edit.to_record()?)?;
                emit(
                    tx,
                    now,
                    order.id.as_str(),
                    Event::OrderEdited(OrderEdited {
                        order_id: order.id.to_string(),
                        edit_id: edit.id.clone(),
                        version: order.version,
                        actor: who.key_id.clone(),
                        reason: edit.reason.clone(),
                        changes: edit.changes.clone(),
                        total: Money::from_minor(order.totals.total, currency).amount_string(),
                    }),
                )?;
                let due = order.totals.total - captured - (open - released);
                if due > 0 {
                    emit(
                        tx,
                        now,
                        order.id.as_str(),
                        Event::OrderPaymentRequired(PaymentRequired {
                            order_id: order.id.to_string(),
                            amount: Money::from_minor(due, currency).amount_string(),
                            currency: order.currency.clone(),
                        }),
                    )?;
                }
                Ok(edit)
            })
            .await?
        {
            Outcome::Fresh(edit) => edit,
            replay => return Ok(replay),
        };
        if first.refund_due == 0 {
            return Ok(Outcome::Fresh(first));
        }
        let currency =
            ordo_domain::Currency::from_code(&first.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
        let req = crate::money::refunds::Request {
            goodwill: Some(Money::from_minor(first.refund_due, currency)),
            reason: Some(format!("order edit {}", first.id)),
            ..Default::default()
        };
        let outcome = self.create_refund(actor, &first.order_id, req, None, None).await.and_then(Outcome::into_fresh);
        let (mut edit, clock) = (first.clone(), self.clock.clone());
        match outcome {
            Ok(r) => edit.refund_id = Some(r.id),
            Err(e) => edit.refund_error = Some(e.to_string()),
        }
        let saved = edit.clone();
        self.store
            .write(move |tx| {
                tx.order_by_id(&saved.order_id)?;
                let mut r = saved.to_record()?;
                r.updated_at = clock.now_ms();
                Ok::<_, AppError>(tx.update_order_record(&r)?)
            })
            .await?;
        self.idem_refresh(idem.as_ref(), &first, &edit).await?;
        Ok(Outcome::Fresh(edit))
    }

    pub async fn order_edits(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Edit>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                documents_of(tx, order.id.as_str())
            })
            .await
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelLineInput {
    /// Units to cancel; default every unit of the line.
    #[schema(minimum = 1, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

impl App {
    /// Cancels units of one line before they ship: an edit that lowers the line's quantity,
    /// releasing their reservations and settling the payment difference.
    pub async fn cancel_line(
        &self,
        actor: &Actor,
        order_id: &str,
        line_id: &str,
        input: CancelLineInput,
        idem: Option<IdemCtx<Edit>>,
    ) -> AppResult<Outcome<Edit>> {
        require(actor, Action::WriteOrders)?;
        // The default quantity is read from the line as it is now, which a finished twin of
        // this request has changed: its answer is replayed instead.
        if let Some(replay) = self.replay_of(idem.as_ref()).await? {
            return Ok(replay);
        }
        let (id, who, line) = (order_id.to_owned(), actor.clone(), line_id.to_owned());
        let current = self
            .store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                order.lines.iter().find(|l| l.id.as_str() == line).map(|l| l.quantity).ok_or(AppError::NotFound("line"))
            })
            .await?;
        let quantity = input.quantity.unwrap_or(current);
        if current == 0 {
            return Err(AppError::conflicting("quantity", "the line has no units left to cancel"));
        }
        if quantity < 1 {
            return Err(AppError::field("quantity", "must be at least 1"));
        }
        if quantity > current {
            return Err(AppError::conflicting("quantity", format!("must be at most {current}, the line's units")));
        }
        let edit = EditInput {
            changes: Some(vec![ChangeInput {
                kind: Some("set_quantity".into()),
                line_id: Some(line_id.to_owned()),
                quantity: Some(current - quantity),
                ..Default::default()
            }]),
            reason: input.reason.or_else(|| Some("line cancelled".into())),
            ..Default::default()
        };
        self.edit_order(actor, order_id, edit, idem).await
    }
}
