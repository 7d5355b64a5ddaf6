//! The operations a seed chooses from, each run through the use cases and followed by the
//! checks of what it touched. An operation is acknowledged (its effect enters the model),
//! refused (a business answer: nothing may change), or, only where a fault was injected or
//! the process crashed, lost (nothing may change; it is retried after a reopen).

use ordo_app::aftersales::returns::{ReceiveInput, ReturnInput, ReturnLineInput, ReturnStepInput, UnitInput};
use ordo_app::kernel::input::MoneyInput;
use ordo_app::money::payment_requests::NewPayment;
use ordo_app::money::refunds::RefundInput;
use ordo_app::sales::edits::{ChangeInput, EditInput};
use ordo_app::sales::orders::{CancelInput, NewOrder, OrderCustomerInput, OrderLineInput};
use ordo_app::shipping::fulfillments::FulfillmentInput;
use ordo_app::stock::catalog::{NewLocation, NewProduct};
use ordo_app::stock::inventory::AdjustmentInput;
use ordo_app::{Actor, App, AppError, AppResult};
use ordo_domain::fulfillment::{FulfillmentAction, FulfillmentStatus};
use ordo_domain::payment::RefundStatus;
use ordo_store::faults::Fault;

use crate::Sim;
use crate::gateway::Mode;
use crate::model::{Broken, Key, ensure};

const LOCATIONS: [&str; 3] = ["WH-EAST", "WH-WEST", "STORE-1"];
const SKUS: usize = 8;

fn sku(i: usize) -> String {
    format!("SIM-{i}")
}

fn price(sku: &str) -> i64 {
    100 * (1 + sku.trim_start_matches("SIM-").parse::<i64>().unwrap_or(0))
}

fn money(minor: i64) -> Option<MoneyInput> {
    Some(MoneyInput { amount: Some(format!("{}.{:02}", minor / 100, minor % 100)), currency: Some("USD".into()) })
}

fn actor() -> Actor {
    Actor::system()
}

/// A business answer (nothing changed), as opposed to a failure of Ordo's own.
fn refused(e: &AppError) -> bool {
    !matches!(e, AppError::Internal(_) | AppError::Unavailable(_))
}

/// Acknowledged, refused, or a broken run.
fn answer<T>(what: &str, r: AppResult<T>) -> Result<Option<T>, Broken> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if refused(&e) => Ok(None),
        Err(e) => Err(format!("{what} failed: {e:?}")),
    }
}

pub async fn setup(sim: &mut Sim) {
    let app = sim.app.clone();
    for (i, code) in LOCATIONS.iter().enumerate() {
        let l = NewLocation {
            code: Some((*code).into()),
            name: Some((*code).into()),
            kind: Some(if code.starts_with("STORE") { "store" } else { "warehouse" }.into()),
            address: Some(ordo_app::kernel::input::AddressInput {
                line1: Some("1 Dock".into()),
                city: Some("Newark".into()),
                country: Some("US".into()),
                ..Default::default()
            }),
            latitude: None,
            longitude: None,
            ships_orders: Some(true),
            pickup: None,
            priority: Some(i as i64),
            daily_capacity: None,
            active: None,
        };
        app.create_location(&actor(), l, None).await.expect("a location");
        sim.model.locations.push((*code).into());
    }
    for i in 0..SKUS {
        let s = sku(i);
        let p = NewProduct {
            sku: Some(s.clone()),
            name: Some(s.clone()),
            price: money(price(&s)),
            weight_grams: Some(500),
            barcode: None,
            active: None,
        };
        app.create_product(&actor(), p, None).await.expect("a product");
        sim.model.skus.push(s.clone());
        for code in LOCATIONS {
            let units = sim.rng.range(0, 12);
            if units > 0 {
                adjust(&app, code, &s, units).await.expect("stock");
                sim.model.units(&(s.clone(), code.into()), units);
            }
        }
    }
    let skus = sim.model.skus.clone();
    sim.model.check_stock(&sim.app, &skus).await.expect("the opening stock is right");
}

async fn adjust(app: &App, location: &str, sku: &str, delta: i64) -> AppResult<()> {
    let a = AdjustmentInput {
        location: Some(location.into()),
        sku: Some(sku.into()),
        delta: Some(delta),
        reason: Some(if delta > 0 { "received" } else { "damaged" }.into()),
        note: None,
    };
    app.adjust_inventory(&actor(), a, None).await.map(|_| ())
}

fn new_order(lines: &[(String, i64)]) -> NewOrder {
    NewOrder {
        channel: Some("web".into()),
        external_id: None,
        customer_id: None,
        customer: Some(OrderCustomerInput { email: Some("sim@example.com".into()), name: None, phone: None }),
        currency: Some("USD".into()),
        lines: Some(
            lines
                .iter()
                .map(|(s, q)| OrderLineInput { sku: Some(s.clone()), quantity: Some(*q), unit_price: money(price(s)) })
                .collect(),
        ),
        shipping_address: None,
        billing_address: None,
        shipping: None,
        tax: None,
        discount: None,
        note: None,
        promised_by: None,
        shipping_service: None,
        pickup_location: None,
    }
}

/// One step: the seed picks an operation and its arguments from the model's state.
pub async fn step(sim: &mut Sim) -> Result<(), Broken> {
    let roll = sim.rng.below(100);
    match roll {
        0..=24 => place(sim).await,
        25..=32 => restock(sim, false).await,
        33..=35 => restock(sim, true).await,
        36..=41 => cancel(sim).await,
        42..=48 => edit(sim).await,
        49..=63 => fulfil(sim).await,
        64..=71 => manual_payment(sim).await,
        72..=80 => card_payment(sim).await,
        81..=86 => refund(sim).await,
        87..=92 => return_and_receive(sim).await,
        93..=96 => injected_failure(sim).await,
        97..=98 => crash_group(sim).await,
        _ => {
            sim.reopen().await;
            let sample = sample_orders(sim, &[]);
            sim.model.check_some(&sim.app, &sim.gateway, &sample).await.map_err(|e| format!("after a reopen: {e}"))
        }
    }
}

/// A random order of the model, open (not cancelled) if asked.
fn pick_order(sim: &mut Sim, filter: impl Fn(&crate::model::OrderModel) -> bool) -> Option<usize> {
    let candidates: Vec<usize> = (0..sim.model.orders.len()).filter(|&i| filter(&sim.model.orders[i])).collect();
    if candidates.is_empty() { None } else { Some(candidates[sim.rng.below(candidates.len())]) }
}

fn order_skus(sim: &Sim, i: usize) -> Vec<String> {
    let mut skus: Vec<String> = sim.model.orders[i].lines.iter().map(|(_, s)| s.clone()).collect();
    skus.sort();
    skus.dedup();
    skus
}

async fn check(sim: &mut Sim, order: Option<usize>, skus: &[String], may_refund: bool) -> Result<(), Broken> {
    sim.model.check(&sim.app, &sim.gateway, order, skus, may_refund).await?;
    if let Some(i) = order {
        let fs: Vec<_> = sim.model.orders[i]
            .fulfillments
            .iter()
            .map(|f| {
                (f.location.clone(), f.status, f.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect::<Vec<_>>())
            })
            .collect();
        sim.note(format!("order {i}: {fs:?}"));
    }
    Ok(())
}

fn random_lines(sim: &mut Sim, max_lines: usize) -> Vec<(String, i64)> {
    let n = 1 + sim.rng.below(max_lines);
    let mut lines: Vec<(String, i64)> = Vec::new();
    while lines.len() < n {
        let s = sku(sim.rng.below(SKUS));
        if !lines.iter().any(|(x, _)| *x == s) {
            let q = sim.rng.range(1, 3);
            lines.push((s, q));
        }
    }
    lines
}

/// Takes an acknowledged order into the model.
fn placed(sim: &mut Sim, o: &ordo_domain::order::Order) -> usize {
    let lines = o.lines.iter().map(|l| (l.id.to_string(), l.sku.clone())).collect();
    sim.model.add_order(o.id.as_str(), lines)
}

async fn place(sim: &mut Sim) -> Result<(), Broken> {
    let lines = random_lines(sim, 3);
    let skus: Vec<String> = lines.iter().map(|(s, _)| s.clone()).collect();
    let r = sim.app.place_order(&actor(), new_order(&lines), None).await.and_then(|o| o.into_fresh());
    let got = answer("placing an order", r)?;
    sim.count("place", got.is_some());
    let i = got.map(|o| placed(sim, &o));
    check(sim, i, &skus, false).await
}

async fn restock(sim: &mut Sim, shrink: bool) -> Result<(), Broken> {
    let (s, loc) = (sku(sim.rng.below(SKUS)), LOCATIONS[sim.rng.below(LOCATIONS.len())]);
    let delta = if shrink { -sim.rng.range(1, 4) } else { sim.rng.range(1, 8) };
    let got = answer("adjusting stock", adjust(&sim.app, loc, &s, delta).await)?;
    sim.note(format!("adjust {s} at {loc} by {delta}"));
    sim.count(if shrink { "shrink" } else { "restock" }, got.is_some());
    if got.is_some() {
        sim.model.units(&(s.clone(), loc.into()), delta);
    }
    check(sim, None, &[s], false).await
}

async fn cancel(sim: &mut Sim) -> Result<(), Broken> {
    let Some(i) = pick_order(sim, |o| !o.cancelled) else { return place(sim).await };
    let id = sim.model.orders[i].id.clone();
    let input = CancelInput { reason: Some("customer asked".into()) };
    let got = answer("cancelling", sim.app.cancel_order(&actor(), &id, input, None).await)?;
    sim.count("cancel", got.is_some());
    if got.is_some() {
        sim.model.orders[i].cancelled = true;
    }
    let skus = order_skus(sim, i);
    check(sim, Some(i), &skus, true).await
}

async fn edit(sim: &mut Sim) -> Result<(), Broken> {
    let Some(i) = pick_order(sim, |o| !o.cancelled && !o.lines.is_empty()) else { return place(sim).await };
    let (id, lines) = (sim.model.orders[i].id.clone(), sim.model.orders[i].lines.clone());
    let change = if sim.rng.chance(20) {
        let (s, q) = random_lines(sim, 1).remove(0);
        ChangeInput {
            kind: Some("add_line".into()),
            sku: Some(s.clone()),
            quantity: Some(q),
            unit_price: money(price(&s)),
            ..Default::default()
        }
    } else {
        let (line, _) = &lines[sim.rng.below(lines.len())];
        ChangeInput {
            kind: Some("set_quantity".into()),
            line_id: Some(line.clone()),
            quantity: Some(sim.rng.range(1, 4)),
            ..Default::default()
        }
    };
    let added = change.sku.clone();
    let input = EditInput { changes: Some(vec![change]), reason: Some("customer asked".into()), ..Default::default() };
    let got = answer("editing", sim.app.edit_order(&actor(), &id, input, None).await)?;
    sim.count("edit", got.is_some());
    let mut skus = order_skus(sim, i);
    skus.extend(added);
    check(sim, Some(i), &skus, true).await?;
    // The edit may have added a line: the SKUs it touched are checked again with it.
    let skus = order_skus(sim, i);
    sim.model.check_stock(&sim.app, &skus).await
}

async fn fulfil(sim: &mut Sim) -> Result<(), Broken> {
    let open = |f: &ordo_domain::fulfillment::Fulfillment| {
        matches!(f.status, FulfillmentStatus::Pending | FulfillmentStatus::Picking | FulfillmentStatus::Packed)
    };
    let Some(i) = pick_order(sim, |o| o.fulfillments.iter().any(open)) else { return place(sim).await };
    let candidates: Vec<_> = sim.model.orders[i].fulfillments.iter().filter(|f| open(f)).cloned().collect();
    let f = candidates[sim.rng.below(candidates.len())].clone();
    let action = match sim.rng.below(20) {
        0 => FulfillmentAction::Cancel,
        1 => FulfillmentAction::Reject,
        2..=4 => FulfillmentAction::StartPicking,
        5..=8 => FulfillmentAction::Pack,
        _ => FulfillmentAction::Ship,
    };
    let ship = action == FulfillmentAction::Ship;
    let input = FulfillmentInput {
        carrier: ship.then(|| "UPS".into()),
        tracking_number: ship.then(|| format!("1ZSIM{:010}", sim.rng.draw() % 10_000_000_000)),
        reason: matches!(action, FulfillmentAction::Cancel | FulfillmentAction::Reject)
            .then(|| "no stock after all".into()),
        ..Default::default()
    };
    let r = sim.app.fulfillment_action(&actor(), f.id.as_str(), action, input, None).await;
    {
        let lines: Vec<_> = f.lines.iter().map(|l| (l.sku.as_str(), l.quantity)).collect();
        let err = r.as_ref().err().map(|e| format!("{e:?}"));
        let line =
            format!("fulfil order {i} of {} at {} {:?} {lines:?} -> {err:?}", candidates.len(), f.location, f.status);
        sim.note(line);
    }
    let got = answer("a fulfilment step", r)?;
    sim.count(action.as_str(), got.is_some());
    if got.is_some() && action == FulfillmentAction::Ship {
        for l in &f.lines {
            sim.model.units(&(l.sku.clone(), f.location.clone()), -l.quantity);
        }
    }
    let skus = order_skus(sim, i);
    check(sim, Some(i), &skus, true).await
}

async fn manual_payment(sim: &mut Sim) -> Result<(), Broken> {
    let Some(i) = pick_order(sim, |o| !o.cancelled && o.balance_due > 0) else { return place(sim).await };
    let (id, due) = (sim.model.orders[i].id.clone(), sim.model.orders[i].balance_due);
    let over = sim.rng.chance(15);
    let amount = if over { due + sim.rng.range(1, 500) } else { sim.rng.range(1, due) };
    let input = NewPayment {
        provider: Some("manual".into()),
        gift_card_code: None,
        payment_method: None,
        method: Some("bank_transfer".into()),
        amount: money(amount),
        captured: Some(true),
        overpayment: None,
    };
    let got = answer("a manual payment", sim.app.add_payment(&actor(), &id, input, None).await)?;
    sim.count("manual payment", got.is_some());
    ensure(!(over && got.is_some()), || format!("{id}: a payment of {amount} above the {due} due was taken"))?;
    if got.is_some() {
        sim.model.orders[i].received += amount;
    }
    check(sim, Some(i), &[], false).await
}

/// A card payment whose gateway may decline or lose its answer; an unanswered payment is
/// retried as a client would (the same request), until answered.
async fn card_payment(sim: &mut Sim) -> Result<(), Broken> {
    let Some(i) = pick_order(sim, |o| !o.cancelled && o.balance_due > 0) else { return place(sim).await };
    let (id, due) = (sim.model.orders[i].id.clone(), sim.model.orders[i].balance_due);
    let amount = sim.rng.range(1, due);
    let mut mode = match sim.rng.below(10) {
        0 => Mode::Decline,
        1 => Mode::LostBefore,
        2 => Mode::LostAfter,
        _ => Mode::Answer,
    };
    for attempt in 0.. {
        sim.gateway.0.lock().unwrap().next = Some(mode);
        let input = NewPayment {
            provider: Some("stripe".into()),
            gift_card_code: None,
            payment_method: Some("pm_card_visa".into()),
            method: None,
            amount: money(amount),
            captured: None,
            overpayment: None,
        };
        match sim.app.add_payment(&actor(), &id, input, None).await {
            Ok(_) => {
                sim.count("card payment", true);
                sim.model.orders[i].received += amount;
                break;
            }
            Err(AppError::Unavailable(_)) if attempt < 5 && mode != Mode::Answer => mode = Mode::Answer,
            Err(e) if refused(&e) => {
                sim.count("card payment", false);
                break;
            }
            Err(e) => return Err(format!("{id}: a card payment failed: {e:?}")),
        }
    }
    check(sim, Some(i), &[], false).await?;
    // Nothing the gateway holds for the order is unknown to Ordo.
    let books = sim.gateway.0.lock().unwrap();
    let known = &sim.model.orders[i].card_payments;
    for (reference, intent) in books.intents.iter().filter(|(_, x)| x.order_id == id) {
        ensure(known.iter().any(|(_, r)| r == reference), || {
            format!("{id}: the gateway holds {reference} ({intent:?}), Ordo does not")
        })?;
    }
    Ok(())
}

async fn refund(sim: &mut Sim) -> Result<(), Broken> {
    let Some(i) = pick_order(sim, |o| o.net_paid > 0) else { return manual_payment(sim).await };
    let (id, paid) = (sim.model.orders[i].id.clone(), sim.model.orders[i].net_paid);
    let over = sim.rng.chance(15);
    let amount = if over { paid + sim.rng.range(1, 300) } else { sim.rng.range(1, paid) };
    let input = RefundInput { amount: money(amount), reason: Some("goodwill".into()), ..Default::default() };
    let got = answer("a refund", sim.app.refund_order(&actor(), &id, input, None).await.and_then(|o| o.into_fresh()))?;
    sim.count("refund", got.is_some());
    if let Some(r) = got {
        ensure(!over, || format!("{id}: a refund of {amount} above the {paid} paid was made"))?;
        ensure(r.amount == amount, || format!("{id}: asked to refund {amount}, refunded {}", r.amount))?;
        if r.status == RefundStatus::Succeeded {
            sim.model.orders[i].refunded += r.amount;
        }
        sim.model.orders[i].refunds.insert(r.id.clone());
    }
    check(sim, Some(i), &[], false).await
}

/// One shipped unit back: requested, approved and received into stock (and refunded as
/// Ordo decides; the refund it made is taken into the model).
async fn return_and_receive(sim: &mut Sim) -> Result<(), Broken> {
    let shipped = |f: &ordo_domain::fulfillment::Fulfillment| f.status == FulfillmentStatus::Shipped;
    let Some(i) = pick_order(sim, |o| o.fulfillments.iter().any(shipped)) else { return fulfil(sim).await };
    let id = sim.model.orders[i].id.clone();
    let candidates: Vec<_> = sim.model.orders[i].fulfillments.iter().filter(|f| shipped(f)).cloned().collect();
    let f = &candidates[sim.rng.below(candidates.len())];
    let line = f.lines[sim.rng.below(f.lines.len())].clone();
    let skus = vec![line.sku.clone()];
    let request = ReturnInput {
        lines: Some(vec![ReturnLineInput {
            line_id: Some(line.line_id.to_string()),
            quantity: Some(1),
            reason: Some("no_longer_needed".into()),
            note: None,
        }]),
        override_window: Some(true),
        ..Default::default()
    };
    let Some(ret) = answer(
        "requesting a return",
        sim.app.request_return(&actor(), &id, request, None).await.and_then(|o| o.into_fresh()),
    )?
    else {
        sim.count("return", false);
        return check(sim, Some(i), &skus, true).await;
    };
    answer("approving a return", sim.app.approve_return(&actor(), &ret.id, ReturnStepInput::default(), None).await)?
        .ok_or_else(|| format!("{id}: a requested return could not be approved"))?;
    let receive = ReceiveInput {
        location: Some(f.location.clone()),
        units: Some(vec![UnitInput {
            line_id: Some(line.line_id.to_string()),
            quantity: Some(1),
            condition: Some("new".into()),
            disposition: Some("restock".into()),
        }]),
        ..Default::default()
    };
    let got = answer("receiving a return", sim.app.receive_return(&actor(), &ret.id, receive, None).await)?;
    sim.note(format!("received {} of order {i} ({}) at {}: {}", line.sku, line.line_id, f.location, got.is_some()));
    sim.count("return", got.is_some());
    if got.is_some() {
        sim.model.units(&(line.sku.clone(), f.location.clone()), 1);
        let refunds = sim.app.order_refunds(&actor(), &id).await.map_err(|e| format!("{id}: refunds: {e:?}"))?;
        for r in refunds.iter().filter(|r| r.return_id.as_deref() == Some(ret.id.as_str())) {
            ensure(r.amount <= price(&line.sku), || {
                format!("{id}: {} refunded for one unit of {}", r.amount, line.sku)
            })?;
        }
    }
    check(sim, Some(i), &skus, true).await
}

/// An order whose write fails or panics half-way: refused as a failure, nothing kept.
pub fn quiet_injected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"injected panic") {
            default(info);
        }
    }));
}

async fn injected_failure(sim: &mut Sim) -> Result<(), Broken> {
    let lines = random_lines(sim, 3);
    let skus: Vec<String> = lines.iter().map(|(s, _)| s.clone()).collect();
    let fault = if sim.rng.chance(50) {
        Fault::FailOnEvent("order.created".into())
    } else {
        Fault::PanicOnEvent("order.created".into())
    };
    *sim.fault.lock().unwrap() = Some(fault);
    let r = sim.app.place_order(&actor(), new_order(&lines), None).await;
    *sim.fault.lock().unwrap() = None;
    match r {
        Ok(_) => return Err("an order whose write failed half-way was acknowledged".into()),
        Err(e) if refused(&e) => sim.count("injected failure", false),
        Err(_) => sim.count("injected failure", true),
    }
    check(sim, None, &skus, false).await
}

enum GroupOp {
    Place(Vec<(String, i64)>),
    Restock(Key, i64),
}

async fn run_group_op(app: App, op: &GroupOp) -> AppResult<Option<ordo_domain::order::Order>> {
    match op {
        GroupOp::Place(lines) => {
            app.place_order(&actor(), new_order(lines), None).await.and_then(|o| o.into_fresh()).map(Some)
        }
        GroupOp::Restock((s, loc), n) => adjust(&app, loc, s, *n).await.map(|_| None),
    }
}

/// Several operations on distinct SKUs in flight together, and the process dies while one
/// of their batches is open: what was acknowledged is there after the reopen, what was not
/// is not, and the lost operations, retried, land once.
async fn crash_group(sim: &mut Sim) -> Result<(), Broken> {
    let size = sim.rng.range(2, 5) as usize;
    let mut skus: Vec<String> = Vec::new();
    while skus.len() < size {
        let s = sku(sim.rng.below(SKUS));
        if !skus.contains(&s) {
            skus.push(s);
        }
    }
    let ops: Vec<GroupOp> = skus
        .iter()
        .map(|s| {
            if sim.rng.chance(60) {
                GroupOp::Place(vec![(s.clone(), sim.rng.range(1, 2))])
            } else {
                GroupOp::Restock((s.clone(), LOCATIONS[sim.rng.below(LOCATIONS.len())].into()), sim.rng.range(1, 6))
            }
        })
        .collect();
    let ops = std::sync::Arc::new(ops);
    let after = sim.rng.below(size) as u64;
    *sim.fault.lock().unwrap() = Some(Fault::Crash { after });
    let tasks: Vec<_> = (0..size)
        .map(|k| {
            let (app, ops) = (sim.app.clone(), ops.clone());
            tokio::spawn(async move { run_group_op(app, &ops[k]).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.map_err(|e| format!("a crash group's task: {e}"))?);
    }
    let fired = sim.fault.lock().unwrap().take().is_none();
    sim.reopen().await;
    if fired {
        sim.crashes += 1;
    }
    let (mut lost, mut group, before) = (Vec::new(), Vec::new(), sim.model.orders.len());
    for (k, r) in results.into_iter().enumerate() {
        match r {
            Ok(got) => apply_group_op(sim, &ops[k], got, k, &mut group),
            Err(AppError::Unavailable(_)) if fired => lost.push(k),
            Err(e) if refused(&e) => {}
            Err(e) => return Err(format!("an operation of a crash group failed: {e:?}")),
        }
    }
    sim.count("crash", fired);
    let what: Vec<String> = ops
        .iter()
        .map(|op| match op {
            GroupOp::Place(lines) => format!("place {lines:?}"),
            GroupOp::Restock((s, loc), n) => format!("adjust {s} at {loc} by {n}"),
        })
        .collect();
    sim.note(format!("crash group (crash at job {after}, fired {fired}): {what:?}; lost {lost:?}"));
    // What the crash lost is not there (its SKUs' stock and reservations say so); what was
    // acknowledged is.
    let acknowledged: Vec<usize> = (before..sim.model.orders.len()).collect();
    sim.model.check_some(&sim.app, &sim.gateway, &acknowledged).await.map_err(|e| format!("after a crash: {e}"))?;
    for k in lost {
        match run_group_op(sim.app.clone(), &ops[k]).await {
            Ok(got) => apply_group_op(sim, &ops[k], got, k, &mut group),
            Err(e) if refused(&e) => {}
            Err(e) => return Err(format!("a retried operation failed after the reopen: {e:?}")),
        }
    }
    let retried: Vec<usize> = (before + acknowledged.len()..sim.model.orders.len()).collect();
    sim.model.check_some(&sim.app, &sim.gateway, &retried).await.map_err(|e| format!("after the retries: {e}"))?;
    // The group's orders in the order of its operations, whichever the crash hit, so that
    // the seed goes on the same way.
    let mut tail: Vec<(usize, crate::model::OrderModel)> =
        group.into_iter().zip(sim.model.orders.drain(before..)).collect();
    tail.sort_by_key(|(k, _)| *k);
    for (_, o) in tail {
        sim.model.index.insert(o.id.clone(), sim.model.orders.len());
        sim.model.orders.push(o);
    }
    let sample = sample_orders(sim, &[]);
    sim.model.check_some(&sim.app, &sim.gateway, &sample).await.map_err(|e| format!("after the retries: {e}"))
}

/// These orders and a few others, chosen by the seed.
fn sample_orders(sim: &mut Sim, these: &[usize]) -> Vec<usize> {
    let mut out = these.to_vec();
    for _ in 0..8.min(sim.model.orders.len()) {
        out.push(sim.rng.below(sim.model.orders.len()));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Takes a group's acknowledged operation into the model; `group` gets the operation's
/// place for each order added.
fn apply_group_op(
    sim: &mut Sim,
    op: &GroupOp,
    got: Option<ordo_domain::order::Order>,
    k: usize,
    group: &mut Vec<usize>,
) {
    match (op, got) {
        (GroupOp::Place(_), Some(o)) => {
            placed(sim, &o);
            group.push(k);
        }
        (GroupOp::Restock(key, n), _) => sim.model.units(key, *n),
        _ => {}
    }
}
