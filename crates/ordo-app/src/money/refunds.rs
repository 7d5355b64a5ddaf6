//! Refunds of an order: for lines (with quantities), for the shipping charge, or a goodwill
//! amount tied to nothing, given back to the order's payments in a documented order
//! ([`ordo_domain::payment::plan_refund`]: cards, then manual payments, then store credit,
//! then gift cards; newest first) or onto the customer's store credit.
//!
//! A refund is a record with one allocation per payment it draws on. Allocations to a card
//! are refunded at the gateway first, each with an idempotency key derived from the refund and
//! the payment, and recorded in the ledger as soon as the gateway confirms; the others are
//! recorded once every card allocation is done. A gateway that cannot be reached leaves the
//! refund `pending`, and the settler completes it later, exactly once.

use ordo_domain::Money;
use ordo_domain::order::Order;
use ordo_domain::payment::{EntryKind, RefundSource, RefundStatus, line_values, plan_refund, units_value};
use ordo_domain::validate::Errors;
use ordo_store::Tx;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::access::Grant;
use crate::kernel::events::payloads::{RefundCreated, RefundFinished};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{require, visible_order};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{MoneyInput, check_money, check_positive};
use crate::kernel::records::{OrderDocument, documents_of, locked, order_document, visible};
use crate::money::payments::{Payment, is_gateway_provider, payments_with_totals, record, refused_in};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// Lines to refund, each with how many units. A line's unit is worth its price plus its
    /// share of the order's tax, minus its share of the order's discount.
    #[schema(max_items = 500)]
    pub lines: Option<Vec<RefundLineInput>>,
    /// Part or all of the shipping charge, in the order's currency; more than zero.
    #[schema(value_type = Option<crate::kernel::schema::PositiveMoneyInput>)]
    pub shipping: Option<MoneyInput>,
    /// A goodwill amount tied to no line, in the order's currency; more than zero.
    #[schema(value_type = Option<crate::kernel::schema::PositiveMoneyInput>)]
    pub amount: Option<MoneyInput>,
    /// `original` (default: back to the order's payments, cards first, gift cards last) or
    /// `store_credit` (onto the customer's store credit).
    #[schema(value_type = Option<crate::kernel::schema::RefundTarget>)]
    pub to: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
    /// Kept back from the refund (a restocking fee), in the order's currency.
    pub restocking_fee: Option<MoneyInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundLineInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub line_id: Option<String>,
    #[schema(required = true, minimum = 1, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundedLine {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
    /// Minor units.
    pub amount: i64,
}

/// What one payment gives back for a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAllocation {
    pub payment_id: String,
    pub provider: String,
    /// Minor units.
    pub amount: i64,
    pub status: RefundStatus,
    /// The gateway's refund id, once it made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Why the gateway has not refunded it (yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Given as store credit instead of back to the payment.
    #[serde(default)]
    pub store_credit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub order_id: String,
    pub currency: String,
    /// `pending` (a gateway has yet to confirm), `succeeded`, or `failed` (a gateway refused
    /// part of it; what succeeded stays refunded).
    pub status: RefundStatus,
    pub lines: Vec<RefundedLine>,
    /// Minor units of the shipping charge refunded.
    pub shipping: i64,
    /// Minor units given as goodwill.
    pub goodwill: i64,
    /// Minor units kept back (a restocking fee).
    #[serde(default)]
    pub restocking_fee: i64,
    /// The return this refund is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_id: Option<String>,
    /// The whole refund, minor units.
    pub amount: i64,
    /// `original` or `store_credit`.
    pub to: String,
    pub reason: Option<String>,
    pub allocations: Vec<RefundAllocation>,
    pub actor: String,
    pub created_at: i64,
    pub updated_at: i64,
}

order_document!(Refund, "refund", |r| status r.status.as_str(), created r.created_at, updated r.updated_at);

/// What pending refunds have promised from a payment and not recorded yet: not available to
/// any other refund.
pub(crate) fn promised(refunds: &[Refund], payment_id: &str) -> i64 {
    refunds
        .iter()
        .flat_map(|r| &r.allocations)
        .filter(|a| a.payment_id == payment_id && a.status == RefundStatus::Pending)
        .map(|a| a.amount)
        .sum()
}

/// The same, read from the store.
pub(crate) fn promised_in(tx: &mut dyn Tx, order_id: &str, payment_id: &str) -> AppResult<i64> {
    Ok(promised(&refunds_of(tx, order_id)?, payment_id))
}

/// The order's refunds, oldest first.
pub(crate) fn refunds_of(tx: &mut dyn Tx, order_id: &str) -> AppResult<Vec<Refund>> {
    documents_of(tx, order_id)
}

/// The checked request, before it meets the order.
#[derive(Default)]
pub(crate) struct Request {
    pub lines: Vec<(String, i64)>,
    pub shipping: Option<Money>,
    /// Whatever is left of the shipping charge (a return that refunds shipping).
    pub rest_of_shipping: bool,
    pub goodwill: Option<Money>,
    pub restocking_fee: Option<Money>,
    pub to_store_credit: bool,
    /// Of a refund to the original payments, this much first goes onto store credit (an
    /// exchange's credit for its replacement order).
    pub store_credit_first: i64,
    pub reason: Option<String>,
}

fn check(input: &RefundInput) -> AppResult<Request> {
    let mut e = Errors::new();
    crate::kernel::input::refuse_card_numbers(&mut e, [("reason", input.reason.as_deref())]);
    let mut lines: Vec<(String, i64)> = Vec::new();
    for (i, l) in input.lines.iter().flatten().enumerate() {
        let id = e.text(&format!("lines/{i}/line_id"), l.line_id.as_deref(), 64);
        let q = e.quantity(&format!("lines/{i}/quantity"), l.quantity, 1);
        if let (Some(id), Some(q)) = (id, q) {
            // A line listed twice is refunded for both quantities.
            match lines.iter_mut().find(|(x, _)| *x == id) {
                Some(listed) => listed.1 += q,
                None => lines.push((id, q)),
            }
        }
    }
    let shipping = input.shipping.as_ref().and_then(|m| check_positive(&mut e, "shipping", m));
    let goodwill = input.amount.as_ref().and_then(|m| check_positive(&mut e, "amount", m));
    let restocking_fee = input.restocking_fee.as_ref().and_then(|m| check_money(&mut e, "restocking_fee", m, None));
    let to_store_credit = match input.to.as_deref() {
        None | Some("original") => false,
        Some("store_credit") => true,
        Some(_) => {
            e.add("to", "must be original or store_credit");
            false
        }
    };
    let reason = e.optional_text("reason", input.reason.as_deref(), 500);
    e.finish(())?;
    if lines.is_empty() && input.shipping.is_none() && input.amount.is_none() {
        return Err(AppError::field("lines", "give lines, shipping or amount to refund"));
    }
    Ok(Request {
        lines,
        shipping,
        rest_of_shipping: false,
        goodwill,
        restocking_fee,
        to_store_credit,
        store_credit_first: 0,
        reason,
    })
}

/// Prices the request against the order and what was refunded before.
fn price(order: &Order, before: &[Refund], req: &Request) -> AppResult<(Vec<RefundedLine>, i64, i64)> {
    // A refund that gave nothing back at all does not use up its lines or shipping.
    let before: Vec<&Refund> = before
        .iter()
        .filter(|r| {
            !(r.status == RefundStatus::Failed && r.allocations.iter().all(|a| a.status == RefundStatus::Failed))
        })
        .collect();
    let currency =
        ordo_domain::Currency::from_code(&order.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
    let mut e = Errors::new();
    for (field, m) in [("shipping", &req.shipping), ("amount", &req.goodwill), ("restocking_fee", &req.restocking_fee)]
    {
        if m.is_some_and(|m| m.currency() != currency) {
            e.add(format!("{field}/currency"), format!("must be {}, the order's currency", order.currency));
        }
    }
    if !e.is_empty() {
        return Err(AppError::OrderCurrency(e.0));
    }
    let subtotals: Vec<i64> = order.lines.iter().map(|l| l.subtotal().unwrap_or(0)).collect();
    let values = line_values(&subtotals, order.totals.tax, order.totals.discount);
    let mut lines = Vec::new();
    for (i, (line_id, quantity)) in req.lines.iter().enumerate() {
        let Some(at) = order.lines.iter().position(|l| l.id.as_str() == line_id) else {
            e.missing(format!("lines/{i}/line_id"), "is not a line of this order");
            continue;
        };
        let line = &order.lines[at];
        let done: i64 =
            before.iter().flat_map(|r| &r.lines).filter(|l| l.line_id == *line_id).map(|l| l.quantity).sum();
        if done + quantity > line.quantity {
            e.conflicting(
                format!("lines/{i}/quantity"),
                format!("only {} of {} units are left to refund", line.quantity - done, line.quantity),
            );
            continue;
        }
        lines.push(RefundedLine {
            line_id: line_id.clone(),
            sku: line.sku.clone(),
            quantity: *quantity,
            amount: units_value(values[at], line.quantity, done, *quantity),
        });
    }
    let shipped_back: i64 = before.iter().map(|r| r.shipping).sum();
    let shipping =
        if req.rest_of_shipping { order.totals.shipping - shipped_back } else { req.shipping.map_or(0, |m| m.minor()) };
    if shipping > order.totals.shipping - shipped_back {
        e.conflicting(
            "shipping/amount",
            format!(
                "only {} of the shipping charge is left to refund",
                Money::from_minor(order.totals.shipping - shipped_back, currency).amount_string()
            ),
        );
    }
    if !e.is_empty() {
        return Err(AppError::from(e));
    }
    Ok((lines, shipping, req.goodwill.map_or(0, |m| m.minor())))
}

fn rank(p: &Payment) -> u8 {
    match p.provider.as_str() {
        "manual" => 1,
        "store_credit" => 2,
        "gift_card" => 3,
        _ => 0,
    }
}

/// An allocation that waits on the card gateway.
fn at_gateway(a: &RefundAllocation) -> bool {
    a.status == RefundStatus::Pending && is_gateway_provider(&a.provider) && !a.store_credit
}

/// Records a non-gateway allocation: the ledger entry, and the balance it goes back onto.
fn settle_locally(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    refund: &Refund,
    payment: &Payment,
    allocation: &RefundAllocation,
) -> AppResult<()> {
    let amount = allocation.amount;
    let reason = Some(format!("refund {}", refund.id));
    record(tx, now, actor, payment, EntryKind::Refunded, amount, reason, Some(refund.id.clone()))?;
    let order = match allocation.store_credit {
        true => Some(tx.order_by_id(&refund.order_id)?.ok_or(AppError::NotFound("order"))?),
        false => None,
    };
    let store_credit = order.as_ref().map(|o| (o.customer_id.as_str(), o.currency.as_str()));
    crate::money::balances::refund_to_balance(tx, now, actor, payment, store_credit, amount)?;
    Ok(())
}

/// Records every allocation that waits on nothing else, and the refund's outcome.
fn finish(tx: &mut dyn Tx, now: i64, actor: &Actor, refund: &mut Refund) -> AppResult<()> {
    let payments = payments_with_totals(tx, &refund.order_id)?;
    let card_pending = refund.allocations.iter().any(at_gateway);
    if card_pending {
        return Ok(());
    }
    // What this refund records as it goes, per payment, on top of the ledger.
    let mut taken: Vec<(String, i64)> = Vec::new();
    for i in 0..refund.allocations.len() {
        if refund.allocations[i].status != RefundStatus::Pending {
            continue;
        }
        let a = refund.allocations[i].clone();
        let (payment, totals) = payments
            .iter()
            .find(|(p, _)| p.id == a.payment_id)
            .ok_or_else(|| AppError::Internal("refund payment".into()))?;
        let already = taken.iter().find(|(p, _)| *p == a.payment_id).map_or(0, |(_, n)| *n);
        let left = ordo_domain::payment::PaymentTotals { refunded: totals.refunded + already, ..*totals };
        // Something else took this money meanwhile: this part fails, the rest goes on.
        if let Err(e) = left.check_refund(a.amount) {
            refund.allocations[i].status = RefundStatus::Failed;
            refund.allocations[i].failure = Some(e.to_string());
            continue;
        }
        settle_locally(tx, now, actor, refund, payment, &a)?;
        refund.allocations[i].status = RefundStatus::Succeeded;
        match taken.iter_mut().find(|(p, _)| *p == a.payment_id) {
            Some((_, n)) => *n += a.amount,
            None => taken.push((a.payment_id.clone(), a.amount)),
        }
    }
    refund.status = RefundStatus::of_allocations(refund.allocations.iter().map(|a| a.status));
    refund.updated_at = now;
    tx.update_order_record(&refund.to_record()?)?;
    // Each payment's part is its own `refund.succeeded` (from the ledger); this is the whole.
    let finished = RefundFinished {
        refund_id: refund.id.clone(),
        order_id: refund.order_id.clone(),
        amount: refund.amount,
        actor: actor.key_id.clone(),
    };
    let event = if refund.status == RefundStatus::Failed {
        Event::RefundFailed(finished)
    } else {
        Event::RefundCompleted(finished)
    };
    emit(tx, now, &refund.order_id, event)
}

/// What was given back of an order so far: its refunded entries, summed (minor units).
pub(crate) fn refunded_of(tx: &mut dyn Tx, order_id: &str) -> AppResult<i64> {
    let entries = tx.payment_entries_for_order(order_id)?;
    Ok(entries
        .iter()
        .filter(|e| e.kind == EntryKind::Refunded.as_str())
        .fold(0i64, |sum, e| sum.saturating_add(e.amount)))
}

impl App {
    /// Creates a refund and carries it as far as the gateways allow.
    pub async fn refund_order(
        &self,
        actor: &Actor,
        order_id: &str,
        input: RefundInput,
        idem: Option<IdemCtx<Refund>>,
    ) -> AppResult<Outcome<Refund>> {
        require(actor, Action::Refund)?;
        let req = check(&input)?;
        if let Some(goodwill) = req.goodwill {
            self.limits.check(actor.role, Grant::GoodwillRefund, goodwill)?;
        }
        self.create_refund(actor, order_id, req, None, idem).await
    }

    /// Creates a checked refund (for a return, when `return_id` is given). A keyed request is
    /// recorded with the refund, before any gateway is asked; its answer is brought up to date
    /// once the gateways have answered.
    pub(crate) async fn create_refund(
        &self,
        actor: &Actor,
        order_id: &str,
        req: Request,
        return_id: Option<String>,
        idem: Option<IdemCtx<Refund>>,
    ) -> AppResult<Outcome<Refund>> {
        let (id, who) = (order_id.to_owned(), actor.clone());
        let gateway_ready = self.gateway.is_some();
        let refund = match self
            .write_idem(idem.clone(), move |tx, now| {
                let order = visible_order(tx, &who, &id)?;
                let before = refunds_of(tx, order.id.as_str())?;
                // A return is refunded once, however many steps ask for it.
                if let Some(existing) = before
                    .iter()
                    .find(|r| r.return_id.is_some() && r.return_id == return_id && r.status != RefundStatus::Failed)
                {
                    return Ok(existing.clone());
                }
                let (lines, shipping, goodwill) = price(&order, &before, &req)?;
                let fee = req.restocking_fee.map_or(0, |m| m.minor());
                let amount = lines
                    .iter()
                    .try_fold(0i64, |s, l| s.checked_add(l.amount))
                    .and_then(|s| s.checked_add(shipping))
                    .and_then(|s| s.checked_add(goodwill))
                    .and_then(|s| s.checked_sub(fee))
                    .ok_or_else(|| AppError::conflicting("amount", "the refund is out of range"))?;
                if amount <= 0 {
                    return Err(AppError::conflicting("amount", "the refund must be worth more than zero"));
                }
                let payments = payments_with_totals(tx, order.id.as_str())?;
                // What pending refunds have promised is not available again.
                let promised = |pid: &str| -> i64 { promised(&before, pid) };
                let sources: Vec<RefundSource> = payments
                    .iter()
                    .map(|(p, t)| RefundSource {
                        rank: rank(p),
                        created_at: p.created_at,
                        available: t.refundable() - promised(&p.id),
                    })
                    .collect();
                let plan = plan_refund(amount, &sources).map_err(refused_in(&order.currency))?;
                // What goes onto store credit: all of it, or the first part of it.
                let mut credit_left =
                    if req.to_store_credit { amount } else { req.store_credit_first.clamp(0, amount) };
                let mut allocations = Vec::new();
                for (i, a) in &plan {
                    let credit = credit_left.min(*a);
                    credit_left -= credit;
                    for (part, store_credit) in [(credit, true), (a - credit, false)] {
                        if part > 0 {
                            allocations.push(RefundAllocation {
                                payment_id: payments[*i].0.id.clone(),
                                provider: payments[*i].0.provider.clone(),
                                amount: part,
                                status: RefundStatus::Pending,
                                reference: None,
                                failure: None,
                                store_credit,
                            });
                        }
                    }
                }
                if !gateway_ready && allocations.iter().any(at_gateway) {
                    return Err(AppError::NotImplemented("refunds to cards need Stripe to be configured".into()));
                }
                let mut refund = Refund {
                    id: format!("ref_{}", ordo_domain::id::encode(now as u64, random_u128())),
                    order_id: order.id.to_string(),
                    currency: order.currency.clone(),
                    status: RefundStatus::Pending,
                    lines,
                    shipping,
                    goodwill,
                    restocking_fee: fee,
                    return_id: return_id.clone(),
                    amount,
                    to: if req.to_store_credit { "store_credit" } else { "original" }.into(),
                    reason: req.reason.clone(),
                    allocations,
                    actor: who.key_id.clone(),
                    created_at: now,
                    updated_at: now,
                };
                tx.insert_order_record(&refund.to_record()?)?;
                emit(
                    tx,
                    now,
                    order.id.as_str(),
                    Event::RefundCreated(RefundCreated {
                        refund_id: refund.id.clone(),
                        order_id: refund.order_id.clone(),
                        amount,
                        reason: refund.reason.clone(),
                        return_id: refund.return_id.clone(),
                        actor: who.key_id.clone(),
                    }),
                )?;
                finish(tx, now, &who, &mut refund)?;
                Ok(refund)
            })
            .await?
        {
            Outcome::Fresh(refund) => refund,
            replay => return Ok(replay),
        };
        if refund.status != RefundStatus::Pending {
            return Ok(Outcome::Fresh(refund));
        }
        let done = self.continue_refund(&refund.id).await?;
        self.idem_refresh(idem.as_ref(), &refund, &done).await?;
        Ok(Outcome::Fresh(done))
    }

    /// Refunds a pending refund's card allocations at the gateway, records each as it is
    /// confirmed, then records the rest. Stops at the first gateway that cannot be reached
    /// (the refund stays `pending`, to be continued later with the same idempotency keys).
    pub(crate) async fn continue_refund(&self, refund_id: &str) -> AppResult<Refund> {
        let id = refund_id.to_owned();
        let refund = self
            .store
            .read(move |tx| {
                tx.order_record(&id)?.as_ref().map(Refund::from_record).transpose()?.ok_or(AppError::NotFound("refund"))
            })
            .await?;
        let system = Actor { key_id: refund.actor.clone(), role: crate::Role::Admin, channel: None };
        for a in refund.allocations.iter().filter(|a| at_gateway(a)) {
            let gateway = self.card_gateway()?;
            let pid = a.payment_id.clone();
            let payment = self
                .store
                .read(move |tx| {
                    let r = tx.payment_by_id(&pid)?.ok_or(AppError::NotFound("payment"))?;
                    serde_json::from_str::<Payment>(&r.body).map_err(|e| AppError::Internal(e.to_string()))
                })
                .await?;
            let intent = payment
                .reference
                .clone()
                .ok_or_else(|| AppError::Internal("a card payment without its intent".into()))?;
            let key = format!("ordo-{}-{}", refund.id, payment.id);
            let outcome = gateway.refund(&intent, a.amount, &key).await;
            let (rid, pid, clock, who) = (refund.id.clone(), payment.id.clone(), self.clock.clone(), system.clone());
            let stop = matches!(outcome, Err(AppError::Unavailable(_)) | Err(AppError::Internal(_)));
            self.store
                .write(move |tx| {
                    let now = clock.now_ms();
                    let mut refund = locked::<Refund>(tx, &rid)?;
                    let Some(i) = refund
                        .allocations
                        .iter()
                        .position(|a| a.payment_id == pid && a.status == RefundStatus::Pending && !a.store_credit)
                    else {
                        return Ok::<_, AppError>(());
                    };
                    match &outcome {
                        Ok(gateway_id) => {
                            let payment = payments_with_totals(tx, &refund.order_id)?
                                .into_iter()
                                .find(|(p, _)| p.id == pid)
                                .ok_or_else(|| AppError::Internal("refund payment".into()))?
                                .0;
                            let amount = refund.allocations[i].amount;
                            record(
                                tx,
                                now,
                                &who,
                                &payment,
                                EntryKind::Refunded,
                                amount,
                                Some(format!("refund {rid}")),
                                Some(gateway_id.clone()),
                            )?;
                            refund.allocations[i].status = RefundStatus::Succeeded;
                            refund.allocations[i].reference = Some(gateway_id.clone());
                            refund.allocations[i].failure = None;
                        }
                        Err(AppError::Unavailable(why)) | Err(AppError::Internal(why)) => {
                            refund.allocations[i].failure = Some(why.clone())
                        }
                        Err(other) => {
                            refund.allocations[i].status = RefundStatus::Failed;
                            refund.allocations[i].failure = Some(other.to_string());
                        }
                    }
                    refund.updated_at = now;
                    Ok(tx.update_order_record(&refund.to_record()?)?)
                })
                .await?;
            if stop {
                break;
            }
        }
        let (rid, clock) = (refund.id.clone(), self.clock.clone());
        self.store
            .write(move |tx| {
                let mut refund = locked::<Refund>(tx, &rid)?;
                if refund.status == RefundStatus::Pending {
                    finish(tx, clock.now_ms(), &system, &mut refund)?;
                }
                Ok(refund)
            })
            .await
    }

    pub async fn order_refunds(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Refund>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                refunds_of(tx, order.id.as_str())
            })
            .await
    }

    pub async fn refund(&self, actor: &Actor, refund_id: &str) -> AppResult<Refund> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (refund_id.to_owned(), actor.clone());
        self.store.read(move |tx| Ok(visible::<Refund>(tx, &who, &id)?.0)).await
    }

    /// Refunds still waiting on a gateway, oldest first (for the settler).
    pub(crate) async fn pending_refunds(&self, limit: usize) -> AppResult<Vec<String>> {
        self.store
            .read(move |tx| {
                Ok::<_, AppError>(
                    tx.order_records_in_status(Refund::KIND, RefundStatus::Pending.as_str(), None, limit)?
                        .into_iter()
                        .map(|r| r.id)
                        .collect(),
                )
            })
            .await
    }
}
