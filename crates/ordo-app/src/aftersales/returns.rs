//! Returns (RMA): `requested -> approved (or rejected) -> received -> closed`, per line and
//! quantity, with a reason code, within the channel's return window (an operator may
//! override it). Receiving records each unit's condition and disposition: `restock` puts it
//! back into available stock at the receiving location (the inventory ledger's `returned`),
//! the others put it into a non-sellable bucket with its own ledger (`damaged` into
//! `quarantine`, `refurbish`, `return_to_vendor`, `dispose` into `disposed`). The refund —
//! the returned lines' share of price, tax and discount, optionally the rest of the shipping,
//! less an optional restocking fee — is made when the return is received, or when it is
//! approved if the channel says so, through the payment ledger.
//!
//! An exchange is a return whose resolution is a replacement: a new order for the replacement
//! items (routed and reserved like any order, `replaces` naming the return) is placed when the
//! return is refunded — or at once for an advance exchange, which ships before the return
//! arrives. The return's credit goes onto the customer's store credit up to what the new order
//! still owes and pays it from there; any credit left goes back to the original payments. A
//! dearer replacement therefore leaves exactly the difference to pay.

use ordo_domain::Money;
use ordo_domain::fulfillment::Fulfillment;
use ordo_domain::order::Order;
use ordo_domain::returns::{Disposition, OrderReturnStatus, RefundReturnsOn, ReturnReason, ReturnStatus};
use ordo_domain::status::Lifecycle;
use ordo_domain::validate::Errors;
use ordo_store::Tx;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::aftersales::units::{OrderUnits, shipped_units};
use crate::kernel::events::payloads::{ExchangePlaced, ReturnRequested, ReturnStep};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::guard::visible_order;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{MoneyInput, check_money};
use crate::kernel::records::{OrderDocument, documents_of, locked, order_document, queue, visible};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedUnits {
    pub quantity: i64,
    pub condition: Option<String>,
    pub disposition: Disposition,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
    pub reason: ReturnReason,
    pub note: Option<String>,
    #[serde(default)]
    pub received: Vec<ReceivedUnits>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub id: String,
    pub order_id: String,
    pub currency: String,
    pub status: ReturnStatus,
    pub lines: Vec<ReturnLine>,
    /// Whether the rest of the shipping charge is refunded too.
    pub refund_shipping: bool,
    /// Minor units kept back from the refund.
    pub restocking_fee: i64,
    /// Requested after the return window, allowed by an operator.
    pub window_overridden: bool,
    /// The receiving location's code.
    pub location: Option<String>,
    pub refund_id: Option<String>,
    /// Why the refund could not be made (it can be made by hand).
    pub refund_error: Option<String>,
    pub note: Option<String>,
    pub requested_by: String,
    pub requested_at: i64,
    pub updated_at: i64,
    /// (status, actor, at) of each step after the request.
    #[serde(default)]
    pub history: Vec<(ReturnStatus, String, i64)>,
    /// A replacement instead of (part of) the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<Exchange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_order_id: Option<String>,
    /// The return's credit that paid the replacement order, minor units.
    #[serde(default)]
    pub credit_applied: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_error: Option<String>,
    /// A replacement order is being placed (so that it is placed once).
    #[serde(default)]
    pub exchange_placing: bool,
    /// The prepaid return label, once bought.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<ReturnLabel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLabel {
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    /// Where the parcel goes: a location code.
    pub location: String,
    /// What the label cost, minor units of `currency`.
    pub price: i64,
    pub currency: String,
    pub weight_grams: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// (SKU, units, unit price in minor units).
    pub lines: Vec<(String, i64, i64)>,
    /// Ship the replacement before the return arrives.
    pub advance: bool,
}

order_document!(Return, "return", |r| status r.status.as_str(), created r.requested_at, updated r.updated_at);

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    #[schema(required = true, min_items = 1, max_items = 500)]
    pub lines: Option<Vec<ReturnLineInput>>,
    /// Refund the rest of the shipping charge too; default false.
    pub refund_shipping: Option<bool>,
    /// Accept the request after the channel's return window (operators and admins only).
    pub override_window: Option<bool>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    /// Replace the returned goods instead of refunding them.
    pub exchange: Option<ExchangeInput>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeInput {
    #[schema(required = true, min_items = 1, max_items = 100)]
    pub lines: Option<Vec<ExchangeLineInput>>,
    /// Place and ship the replacement now, before the return arrives; default false.
    pub advance: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeLineInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    #[schema(required = true, minimum = 1, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
    /// Default: the product's price.
    pub unit_price: Option<MoneyInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub line_id: Option<String>,
    #[schema(required = true, minimum = 1, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
    /// `damaged`, `wrong_item`, `no_longer_needed`, `not_as_described` or `other`.
    #[schema(required = true, example = "no_longer_needed", value_type = Option<crate::kernel::schema::ReturnReason>)]
    pub reason: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnStepInput {
    /// Kept back from the refund, in the order's currency (on approval or receipt).
    pub restocking_fee: Option<MoneyInput>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

/// What rejecting or closing a return may carry.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnNoteInput {
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveInput {
    /// The location code where the parcel arrived.
    #[schema(
        required = true,
        example = "WH-EAST",
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub location: Option<String>,
    /// Every returned unit, grouped by line, condition and disposition; the quantities of a
    /// line add up to what was returned of it.
    #[schema(required = true, min_items = 1, max_items = 1000)]
    pub units: Option<Vec<UnitInput>>,
    /// Kept back from the refund, in the order's currency.
    pub restocking_fee: Option<MoneyInput>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub line_id: Option<String>,
    #[schema(required = true, minimum = 1, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
    /// As inspected: `new`, `opened`, `worn`, `broken`, ... (free text).
    #[schema(max_length = 100, pattern = r"^[^\u0000]*$")]
    pub condition: Option<String>,
    /// `restock`, `refurbish`, `damaged`, `return_to_vendor` or `dispose`.
    #[schema(required = true, example = "restock", value_type = Option<crate::kernel::schema::Disposition>)]
    pub disposition: Option<String>,
}

/// An order's statuses derived from its fulfilments, payments, holds and returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderStatuses {
    pub fulfillment: &'static str,
    pub payment: &'static str,
    pub on_hold: bool,
    pub returns: &'static str,
}

/// The order's return status: `none`, `requested` (something is on its way back),
/// `partially_returned` or `returned` (every shipped unit came back).
fn return_status(fulfillments: &[Fulfillment], returns: &[Return]) -> &'static str {
    let each = returns.iter().map(|r| (r.status, r.lines.iter().map(|l| l.quantity).sum()));
    OrderReturnStatus::derive(shipped_units(fulfillments), each).as_str()
}

/// Saves a return that took a step, with the step's event.
pub(crate) fn save(tx: &mut dyn Tx, now: i64, ret: &mut Return, actor: &Actor) -> AppResult<()> {
    ret.updated_at = now;
    ret.history.push((ret.status, actor.key_id.clone(), now));
    tx.update_order_record(&ret.to_record()?)?;
    let step = ReturnStep {
        order_id: ret.order_id.clone(),
        return_id: ret.id.clone(),
        status: ret.status.to_string(),
        actor: actor.key_id.clone(),
    };
    let event = match ret.status {
        ReturnStatus::Approved => Event::ReturnApproved(step),
        ReturnStatus::Rejected => Event::ReturnRejected(step),
        ReturnStatus::Received => Event::ReturnReceived(step),
        ReturnStatus::Closed => Event::ReturnClosed(step),
        ReturnStatus::Requested => return Err(AppError::Internal("a return is requested once".into())),
    };
    emit(tx, now, &ret.order_id, event)
}

pub(crate) fn fee(e: &mut Errors, order: &Order, m: &Option<MoneyInput>) -> Option<i64> {
    let currency = ordo_domain::Currency::from_code(&order.currency)?;
    m.as_ref().and_then(|m| check_money(e, "restocking_fee", m, Some(currency))).map(|m| m.minor())
}

impl App {
    /// Requests a return. A keyed request is recorded with the return; for an advance exchange
    /// its answer is brought up to date once the replacement order is placed.
    pub async fn request_return(
        &self,
        actor: &Actor,
        order_id: &str,
        input: ReturnInput,
        idem: Option<IdemCtx<Return>>,
    ) -> AppResult<Outcome<Return>> {
        require(actor, Action::RequestReturns)?;
        let mut e = Errors::new();
        let mut lines: Vec<(String, i64, ReturnReason, Option<String>)> = Vec::new();
        match &input.lines {
            None => e.add("lines", "is required"),
            Some(l) if l.is_empty() => e.add("lines", "must contain at least one line"),
            Some(l) if l.len() > 500 => e.add("lines", "at most 500 lines"),
            Some(l) => {
                for (i, line) in l.iter().enumerate() {
                    let id = e.text(&format!("lines/{i}/line_id"), line.line_id.as_deref(), 64);
                    let note = e.optional_text(&format!("lines/{i}/note"), line.note.as_deref(), 500);
                    let reason: Option<ReturnReason> = e.choice(&format!("lines/{i}/reason"), line.reason.as_deref());
                    let q = e.quantity(&format!("lines/{i}/quantity"), line.quantity, 1);
                    if let (Some(id), Some(q), Some(reason)) = (id, q, reason) {
                        // A line listed twice for one reason is returned for both quantities; a
                        // return line has one reason, so two reasons for one line conflict.
                        match lines.iter_mut().find(|(x, ..)| *x == id) {
                            Some(listed) if listed.2 == reason => {
                                listed.1 += q;
                                listed.3 = listed.3.take().or(note);
                            }
                            Some(_) => e.conflicting(
                                format!("lines/{i}/line_id"),
                                "is listed twice with different reasons; return each line for one reason",
                            ),
                            None => lines.push((id, q, reason, note)),
                        }
                    }
                }
            }
        }
        let note = e.optional_text("note", input.note.as_deref(), 2000);
        let mut wanted: Vec<(String, i64, Option<Money>)> = Vec::new();
        let advance = input.exchange.as_ref().and_then(|x| x.advance).unwrap_or(false);
        if let Some(x) = &input.exchange {
            match &x.lines {
                Some(l) if !l.is_empty() && l.len() <= 100 => {
                    for (i, line) in l.iter().enumerate() {
                        let sku = e.text(&format!("exchange/lines/{i}/sku"), line.sku.as_deref(), 64);
                        let price = line
                            .unit_price
                            .as_ref()
                            .and_then(|m| check_money(&mut e, &format!("exchange/lines/{i}/unit_price"), m, None));
                        let q = e.quantity(&format!("exchange/lines/{i}/quantity"), line.quantity, 1);
                        if let (Some(sku), Some(q)) = (sku, q) {
                            wanted.push((sku, q, price))
                        }
                    }
                }
                _ => e.add("exchange/lines", "must list 1 to 100 replacement lines"),
            }
        }
        e.finish(())?;
        let override_window = input.override_window.unwrap_or(false);
        if override_window && !actor.can(Action::ApproveReturns) {
            return Err(AppError::Forbidden(
                "only a key that may approve returns may accept one after its window".into(),
            ));
        }
        let (id, who) = (order_id.to_owned(), actor.clone());
        let refund_shipping = input.refund_shipping.unwrap_or(false);
        let ret = match self
            .write_idem(idem.clone(), move |tx, now| {
                let order = visible_order(tx, &who, &id)?;
                let units = OrderUnits::of(tx, &order)?;
                if !units.any_shipped() {
                    return Err(AppError::InvalidTransition(
                        "nothing of this order has shipped; cancel it instead".into(),
                    ));
                }
                let settings = crate::channels::settings::settings_of(tx, &order.channel)?;
                let closes = units.last_shipped_at.unwrap_or(now) + settings.return_window_days * DAY_MS;
                let late = now > closes;
                if late && !override_window {
                    return Err(AppError::Refused {
                        code: "return_window_closed",
                        message: format!(
                            "the {}-day return window closed on {}; an operator may override it",
                            settings.return_window_days,
                            crate::kernel::time_fmt::format_ms(closes)
                        ),
                    });
                }
                let mut e = Errors::new();
                let mut out = Vec::new();
                for (i, (line_id, quantity, reason, note)) in lines.iter().enumerate() {
                    let Some(line) = order.lines.iter().find(|l| l.id.as_str() == line_id) else {
                        e.missing(format!("lines/{i}/line_id"), "is not a line of this order");
                        continue;
                    };
                    if let Err(why) = units.line(line_id).check(*quantity) {
                        e.conflicting(format!("lines/{i}/quantity"), why);
                        continue;
                    }
                    out.push(ReturnLine {
                        line_id: line_id.clone(),
                        sku: line.sku.clone(),
                        quantity: *quantity,
                        reason: *reason,
                        note: note.clone(),
                        received: Vec::new(),
                    });
                }
                // The replacement's prices: given, or the product's in the order's currency.
                let mut exchange = None;
                if !wanted.is_empty() || advance {
                    let mut priced = Vec::new();
                    for (i, (sku, q, price)) in wanted.iter().enumerate() {
                        let field = |n: &str| format!("exchange/lines/{i}/{n}");
                        let Some(product) = tx.product_by_sku(sku)?.filter(|p| p.active) else {
                            e.missing(field("sku"), "no active product has this SKU");
                            continue;
                        };
                        let unit = match price {
                            Some(m) if m.currency().code() == order.currency => m.minor(),
                            Some(_) => {
                                e.conflicting(
                                    field("unit_price/currency"),
                                    format!("must be {}, the order's currency", order.currency),
                                );
                                continue;
                            }
                            None if product.currency == order.currency => product.price,
                            None => {
                                e.conflicting(
                                    field("unit_price"),
                                    format!("the product is priced in {}; give a price", product.currency),
                                );
                                continue;
                            }
                        };
                        priced.push((sku.clone(), *q, unit));
                    }
                    exchange = Some(Exchange { lines: priced, advance });
                }
                e.finish(())?;
                let ret = Return {
                    id: format!("ret_{}", ordo_domain::id::encode(now as u64, random_u128())),
                    order_id: order.id.to_string(),
                    currency: order.currency.clone(),
                    status: ReturnStatus::Requested,
                    lines: out,
                    refund_shipping,
                    restocking_fee: 0,
                    window_overridden: late,
                    location: None,
                    refund_id: None,
                    refund_error: None,
                    note: note.clone(),
                    requested_by: who.key_id.clone(),
                    requested_at: now,
                    updated_at: now,
                    history: Vec::new(),
                    exchange: exchange.clone(),
                    exchange_order_id: None,
                    credit_applied: 0,
                    exchange_error: None,
                    exchange_placing: false,
                    label: None,
                };
                tx.insert_order_record(&ret.to_record()?)?;
                emit(
                    tx,
                    now,
                    order.id.as_str(),
                    Event::ReturnRequested(ReturnRequested {
                        order_id: order.id.to_string(),
                        return_id: ret.id.clone(),
                        actor: who.key_id.clone(),
                        window_overridden: late,
                        exchange: ret.exchange.is_some(),
                    }),
                )?;
                Ok(ret)
            })
            .await?
        {
            Outcome::Fresh(ret) => ret,
            replay => return Ok(replay),
        };
        if ret.exchange.as_ref().is_some_and(|x| x.advance) {
            let placed = self.ensure_exchange_order(actor, ret.clone()).await?;
            self.idem_refresh(idem.as_ref(), &ret, &placed).await?;
            return Ok(Outcome::Fresh(placed));
        }
        Ok(Outcome::Fresh(ret))
    }

    /// Places the exchange's replacement order once; a failure is kept on the return.
    pub(crate) async fn ensure_exchange_order(&self, actor: &Actor, ret: Return) -> AppResult<Return> {
        let Some(exchange) = ret.exchange.clone() else { return Ok(ret) };
        // Claimed under the order's lock: only one caller places the replacement.
        let (rid, clock) = (ret.id.clone(), self.clock.clone());
        let (ret, mine) = self
            .store
            .write(move |tx| {
                let mut ret = locked::<Return>(tx, &rid)?;
                if ret.exchange_order_id.is_some() || ret.exchange_placing {
                    return Ok((ret, false));
                }
                ret.exchange_placing = true;
                ret.updated_at = clock.now_ms();
                tx.update_order_record(&ret.to_record()?)?;
                Ok::<_, AppError>((ret, true))
            })
            .await?;
        if !mine {
            return Ok(ret);
        }
        let oid = ret.order_id.clone();
        let original = self.store.read(move |tx| tx.order_by_id(&oid)?.ok_or(AppError::NotFound("order"))).await?;
        let currency = ordo_domain::Currency::from_code(&original.currency)
            .ok_or_else(|| AppError::Internal("currency".into()))?;
        let lines =
            exchange.lines.iter().map(|(sku, q, p)| (sku.clone(), *q, Money::from_minor(*p, currency))).collect();
        let placed = self.place_replacement(actor, &original, lines, &ret.id).await;
        let (rid, clock, who) = (ret.id.clone(), self.clock.clone(), actor.clone());
        self.store
            .write(move |tx| {
                let mut ret = locked::<Return>(tx, &rid)?;
                ret.exchange_placing = false;
                match &placed {
                    Ok(o) => {
                        ret.exchange_order_id = Some(o.id.to_string());
                        ret.exchange_error = None;
                        emit(
                            tx,
                            clock.now_ms(),
                            &ret.order_id,
                            Event::ReturnExchangePlaced(ExchangePlaced {
                                return_id: ret.id.clone(),
                                exchange_order_id: o.id.to_string(),
                                actor: who.key_id.clone(),
                            }),
                        )?;
                    }
                    Err(e) => ret.exchange_error = Some(format!("the replacement order could not be placed: {e}")),
                }
                ret.updated_at = clock.now_ms();
                tx.update_order_record(&ret.to_record()?)?;
                Ok(ret)
            })
            .await
    }

    /// Approves a return, and refunds it now if its channel refunds returns on approval. A
    /// keyed request is recorded with the approval; its answer is brought up to date once the
    /// refund is made.
    pub async fn approve_return(
        &self,
        actor: &Actor,
        id: &str,
        input: ReturnStepInput,
        idem: Option<IdemCtx<Return>>,
    ) -> AppResult<Outcome<Return>> {
        let step = self.step(actor, id, ReturnStatus::Approved, input.restocking_fee, input.note, idem.clone());
        let ret = match step.await? {
            Outcome::Fresh(ret) => ret,
            replay => return Ok(replay),
        };
        let refund_now = {
            let order_id = ret.order_id.clone();
            self.store
                .read(move |tx| {
                    let order = tx.order_by_id(&order_id)?.ok_or(AppError::NotFound("order"))?;
                    Ok::<_, AppError>(
                        crate::channels::settings::settings_of(tx, &order.channel)?.refund_returns_on
                            == RefundReturnsOn::Approved,
                    )
                })
                .await?
        };
        if !refund_now {
            return Ok(Outcome::Fresh(ret));
        }
        let refunded = self.refund_return(actor, ret.clone()).await?;
        self.idem_refresh(idem.as_ref(), &ret, &refunded).await?;
        Ok(Outcome::Fresh(refunded))
    }

    pub async fn reject_return(
        &self,
        actor: &Actor,
        id: &str,
        input: ReturnNoteInput,
        idem: Option<IdemCtx<Return>>,
    ) -> AppResult<Outcome<Return>> {
        self.step(actor, id, ReturnStatus::Rejected, None, input.note, idem).await
    }

    pub async fn close_return(
        &self,
        actor: &Actor,
        id: &str,
        input: ReturnNoteInput,
        idem: Option<IdemCtx<Return>>,
    ) -> AppResult<Outcome<Return>> {
        self.step(actor, id, ReturnStatus::Closed, None, input.note, idem).await
    }

    /// Moves a return to `to` if its status machine allows it.
    async fn step(
        &self,
        actor: &Actor,
        id: &str,
        to: ReturnStatus,
        restocking_fee: Option<MoneyInput>,
        note: Option<String>,
        idem: Option<IdemCtx<Return>>,
    ) -> AppResult<Outcome<Return>> {
        require(actor, Action::ApproveReturns)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let (mut ret, order) = visible::<Return>(tx, &who, &id)?;
            ret.status.become_(to).map_err(|e| AppError::InvalidTransition(e.to_string()))?;
            let mut e = Errors::new();
            if let Some(f) = fee(&mut e, &order, &restocking_fee) {
                ret.restocking_fee = f;
            }
            let note = e.optional_text("note", note.as_deref(), 2000);
            e.finish(())?;
            if note.is_some() {
                ret.note = note;
            }
            ret.status = to;
            save(tx, now, &mut ret, &who)?;
            Ok(ret)
        })
        .await
    }

    /// An order with what its fulfilments, ledgers and records say of it, in one read.
    pub async fn order_with_statuses(&self, actor: &Actor, order_id: &str) -> AppResult<(Order, OrderStatuses)> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                let fulfillments = tx.fulfillments_for_order(order.id.as_str())?;
                let fulfillment = crate::shipping::fulfillments::order_status(&fulfillments).as_str();
                let payment = crate::money::payments::load(tx, order.clone())?.summary.status.as_str();
                let on_hold = crate::kernel::guard::ensure_not_held(tx, order.id.as_str()).is_err();
                let returns = return_status(&fulfillments, &documents_of::<Return>(tx, order.id.as_str())?);
                Ok((order, OrderStatuses { fulfillment, payment, on_hold, returns }))
            })
            .await
    }

    /// The order's returns, oldest first, and its return status.
    pub async fn order_returns(&self, actor: &Actor, order_id: &str) -> AppResult<(&'static str, Vec<Return>)> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                let returns = documents_of::<Return>(tx, order.id.as_str())?;
                let fulfillments = tx.fulfillments_for_order(order.id.as_str())?;
                Ok((return_status(&fulfillments, &returns), returns))
            })
            .await
    }

    /// Returns in a status across orders, oldest first: the queues to approve and to receive.
    pub async fn list_returns(
        &self,
        actor: &Actor,
        status: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> AppResult<Vec<Return>> {
        require(actor, Action::ReadOrders)?;
        let mut e = Errors::new();
        let status = e.optional_choice("status", status).unwrap_or(ReturnStatus::Requested);
        e.finish(())?;
        let who = actor.clone();
        self.store.read(move |tx| queue(tx, &who, status.as_str(), after.clone(), limit)).await
    }

    pub async fn get_return(&self, actor: &Actor, id: &str) -> AppResult<Return> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store.read(move |tx| Ok(visible::<Return>(tx, &who, &id)?.0)).await
    }
}
