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
use ordo_domain::fulfillment::FulfillmentStatus;
use ordo_domain::inventory::Reason;
use ordo_domain::order::Order;
use ordo_domain::validate::Errors;
use ordo_store::{BucketChange, LevelChange, OrderRecord, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::kernel::events::emit;
use crate::kernel::input::{MoneyInput, check_money};
use crate::money::payments::order_for;
use crate::stock::catalog::require;
use crate::{Action, Actor, App, AppError, AppResult, Role, random_u128};

pub const REASONS: [&str; 5] = ["damaged", "wrong_item", "no_longer_needed", "not_as_described", "other"];
pub const DISPOSITIONS: [&str; 5] = ["restock", "refurbish", "damaged", "return_to_vendor", "dispose"];
const DAY_MS: i64 = 86_400_000;

/// Where a disposition puts a unit that is not restocked.
fn bucket_of(disposition: &str) -> Option<&'static str> {
    match disposition {
        "refurbish" => Some("refurbish"),
        "damaged" => Some("quarantine"),
        "return_to_vendor" => Some("return_to_vendor"),
        "dispose" => Some("disposed"),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedUnits {
    pub quantity: i64,
    pub condition: Option<String>,
    /// `restock`, `refurbish`, `damaged`, `return_to_vendor` or `dispose`.
    pub disposition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub line_id: String,
    pub sku: String,
    pub quantity: i64,
    /// `damaged`, `wrong_item`, `no_longer_needed`, `not_as_described` or `other`.
    pub reason: String,
    pub note: Option<String>,
    #[serde(default)]
    pub received: Vec<ReceivedUnits>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub id: String,
    pub order_id: String,
    pub currency: String,
    /// `requested`, `approved`, `rejected`, `received` or `closed`.
    pub status: String,
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
    pub history: Vec<(String, String, i64)>,
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

impl Return {
    pub(crate) fn to_record(&self) -> AppResult<OrderRecord> {
        Ok(OrderRecord {
            id: self.id.clone(),
            order_id: self.order_id.clone(),
            kind: "return".into(),
            status: self.status.clone(),
            created_at: self.requested_at,
            updated_at: self.updated_at,
            body: serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    fn from_record(r: &OrderRecord) -> AppResult<Return> {
        serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("stored return: {e}")))
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    #[schema(required = true)]
    pub lines: Option<Vec<ReturnLineInput>>,
    /// Refund the rest of the shipping charge too; default false.
    pub refund_shipping: Option<bool>,
    /// Accept the request after the channel's return window (operators and admins only).
    pub override_window: Option<bool>,
    pub note: Option<String>,
    /// Replace the returned goods instead of refunding them.
    pub exchange: Option<ExchangeInput>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeInput {
    #[schema(required = true)]
    pub lines: Option<Vec<ExchangeLineInput>>,
    /// Place and ship the replacement now, before the return arrives; default false.
    pub advance: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeLineInput {
    #[schema(required = true)]
    pub sku: Option<String>,
    #[schema(required = true, minimum = 1)]
    pub quantity: Option<i64>,
    /// Default: the product's price.
    pub unit_price: Option<MoneyInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    #[schema(required = true)]
    pub line_id: Option<String>,
    #[schema(required = true, minimum = 1)]
    pub quantity: Option<i64>,
    /// `damaged`, `wrong_item`, `no_longer_needed`, `not_as_described` or `other`.
    #[schema(required = true, example = "no_longer_needed")]
    pub reason: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnStepInput {
    /// Kept back from the refund, in the order's currency (on approval or receipt).
    pub restocking_fee: Option<MoneyInput>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveInput {
    /// The location code where the parcel arrived.
    #[schema(required = true, example = "WH-EAST")]
    pub location: Option<String>,
    /// Every returned unit, grouped by line, condition and disposition; the quantities of a
    /// line add up to what was returned of it.
    #[schema(required = true)]
    pub units: Option<Vec<UnitInput>>,
    /// Kept back from the refund, in the order's currency.
    pub restocking_fee: Option<MoneyInput>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    #[schema(required = true)]
    pub line_id: Option<String>,
    #[schema(required = true, minimum = 1)]
    pub quantity: Option<i64>,
    /// As inspected: `new`, `opened`, `worn`, `broken`, ... (free text).
    pub condition: Option<String>,
    /// `restock`, `refurbish`, `damaged`, `return_to_vendor` or `dispose`.
    #[schema(required = true, example = "restock")]
    pub disposition: Option<String>,
}

pub(crate) fn returns_of(tx: &mut dyn Tx, order_id: &str) -> AppResult<Vec<Return>> {
    tx.order_records(order_id, "return")?.iter().map(Return::from_record).collect()
}

/// An order's derived statuses besides fulfilment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderStatuses {
    pub payment: &'static str,
    pub on_hold: bool,
    pub returns: &'static str,
}

/// The order's return status: `none`, `requested` (something is on its way back),
/// `partially_returned` or `returned` (every shipped unit came back).
pub fn return_status(order_shipped: i64, returns: &[Return]) -> &'static str {
    let live: Vec<&Return> = returns.iter().filter(|r| r.status != "rejected").collect();
    let back: i64 = live
        .iter()
        .filter(|r| matches!(r.status.as_str(), "received" | "closed"))
        .flat_map(|r| &r.lines)
        .map(|l| l.quantity)
        .sum();
    if live.is_empty() {
        "none"
    } else if back == 0 {
        "requested"
    } else if back >= order_shipped {
        "returned"
    } else {
        "partially_returned"
    }
}

/// Units of each line that reached the customer (line id, units).
type Sent = Vec<(String, i64)>;

/// Units of each line that reached the customer, and when the last of them did.
pub(crate) fn shipped_units(tx: &mut dyn Tx, order: &Order) -> AppResult<(Sent, Option<i64>)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    let mut last = None;
    for f in tx.fulfillments_for_order(order.id.as_str())? {
        if !matches!(f.status, FulfillmentStatus::Shipped | FulfillmentStatus::Delivered | FulfillmentStatus::PickedUp)
        {
            continue;
        }
        let at = f.delivered_at.or(f.shipped_at);
        last = last.max(at);
        for l in &f.lines {
            match out.iter_mut().find(|(id, _)| *id == l.line_id.as_str()) {
                Some((_, q)) => *q += l.quantity,
                None => out.push((l.line_id.to_string(), l.quantity)),
            }
        }
    }
    Ok((out, last))
}

pub(crate) fn load(tx: &mut dyn Tx, actor: &Actor, id: &str) -> AppResult<(Return, Order)> {
    let record = tx.order_record(id)?.filter(|r| r.kind == "return").ok_or(AppError::NotFound("return"))?;
    let order = order_for(tx, actor, &record.order_id).map_err(|_| AppError::NotFound("return"))?;
    // Read again now that the order is locked.
    let ret = Return::from_record(&tx.order_record(id)?.ok_or(AppError::NotFound("return"))?)?;
    Ok((ret, order))
}

fn save(tx: &mut dyn Tx, now: i64, ret: &mut Return, actor: &Actor, event: &str) -> AppResult<()> {
    ret.updated_at = now;
    ret.history.push((ret.status.clone(), actor.key_id.clone(), now));
    tx.update_order_record(&ret.to_record()?)?;
    emit(
        tx,
        now,
        event,
        &ret.order_id,
        &json!({"order_id": ret.order_id, "return_id": ret.id, "status": ret.status, "actor": actor.key_id}),
    )
}

fn fee(e: &mut Errors, order: &Order, m: &Option<MoneyInput>) -> Option<i64> {
    let currency = ordo_domain::Currency::from_code(&order.currency)?;
    m.as_ref().and_then(|m| check_money(e, "restocking_fee", m, Some(currency))).map(|m| m.minor())
}

impl App {
    pub async fn request_return(&self, actor: &Actor, order_id: &str, input: ReturnInput) -> AppResult<Return> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let mut lines: Vec<(String, i64, String, Option<String>)> = Vec::new();
        match &input.lines {
            None => e.add("lines", "is required"),
            Some(l) if l.is_empty() => e.add("lines", "must contain at least one line"),
            Some(l) if l.len() > 500 => e.add("lines", "at most 500 lines"),
            Some(l) => {
                for (i, line) in l.iter().enumerate() {
                    let id = e.text(&format!("lines/{i}/line_id"), line.line_id.as_deref(), 64);
                    let note = e.optional_text(&format!("lines/{i}/note"), line.note.as_deref(), 500);
                    let reason = match line.reason.as_deref() {
                        Some(r) if REASONS.contains(&r) => Some(r.to_owned()),
                        Some(_) => {
                            e.add(format!("lines/{i}/reason"), format!("must be one of {}", REASONS.join(", ")));
                            None
                        }
                        None => {
                            e.add(format!("lines/{i}/reason"), "is required");
                            None
                        }
                    };
                    match line.quantity {
                        Some(q) if (1..=crate::sales::orders::MAX_QUANTITY).contains(&q) => {}
                        Some(_) => e.add(
                            format!("lines/{i}/quantity"),
                            format!("must be between 1 and {}", crate::sales::orders::MAX_QUANTITY),
                        ),
                        None => e.add(format!("lines/{i}/quantity"), "is required"),
                    }
                    if let (Some(id), Some(q), Some(reason)) = (id, line.quantity, reason) {
                        if lines.iter().any(|(x, ..)| *x == id) {
                            e.add(format!("lines/{i}/line_id"), "is listed twice");
                        }
                        lines.push((id, q, reason, note));
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
                        match (sku, line.quantity) {
                            (Some(sku), Some(q)) if (1..=crate::sales::orders::MAX_QUANTITY).contains(&q) => {
                                wanted.push((sku, q, price))
                            }
                            (_, Some(_)) | (_, None) => {
                                e.add(format!("exchange/lines/{i}/quantity"), "must be at least 1")
                            }
                        }
                    }
                }
                _ => e.add("exchange/lines", "must list 1 to 100 replacement lines"),
            }
        }
        e.finish(())?;
        let override_window = input.override_window.unwrap_or(false);
        if override_window && !matches!(actor.role, Role::Admin | Role::Operator) {
            return Err(AppError::Forbidden("only operators and admins may accept a return after its window".into()));
        }
        let (id, who, clock) = (order_id.to_owned(), actor.clone(), self.clock.clone());
        let refund_shipping = input.refund_shipping.unwrap_or(false);
        let ret = self
            .store
            .write(move |tx| {
                let now = clock.now_ms();
                let order = order_for(tx, &who, &id)?;
                let (sent, last) = shipped_units(tx, &order)?;
                if sent.is_empty() {
                    return Err(AppError::InvalidTransition(
                        "nothing of this order has shipped; cancel it instead".into(),
                    ));
                }
                let settings = crate::channels::settings::settings_of(tx, &order.channel)?;
                let closes = last.unwrap_or(now) + settings.return_window_days * DAY_MS;
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
                let before = returns_of(tx, order.id.as_str())?;
                let claims = crate::aftersales::claims::claims_of(tx, order.id.as_str())?;
                let mut e = Errors::new();
                let mut out = Vec::new();
                for (i, (line_id, quantity, reason, note)) in lines.iter().enumerate() {
                    let Some(line) = order.lines.iter().find(|l| l.id.as_str() == line_id) else {
                        e.add(format!("lines/{i}/line_id"), "is not a line of this order");
                        continue;
                    };
                    let got = sent.iter().find(|(l, _)| l == line_id).map_or(0, |(_, q)| *q);
                    let asked: i64 = before
                        .iter()
                        .filter(|r| r.status != "rejected")
                        .flat_map(|r| &r.lines)
                        .filter(|l| l.line_id == *line_id)
                        .map(|l| l.quantity)
                        .sum::<i64>()
                        + claims
                            .iter()
                            .filter(|c| c.status == "resolved")
                            .flat_map(|c| &c.lines)
                            .filter(|(l, ..)| l == line_id)
                            .map(|(.., n)| n)
                            .sum::<i64>();
                    if asked + quantity > got {
                        e.add(
                            format!("lines/{i}/quantity"),
                            format!("{got} shipped, {asked} already returned or claimed: at most {} more", got - asked),
                        );
                        continue;
                    }
                    out.push(ReturnLine {
                        line_id: line_id.clone(),
                        sku: line.sku.clone(),
                        quantity: *quantity,
                        reason: reason.clone(),
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
                            e.add(field("sku"), "no active product has this SKU");
                            continue;
                        };
                        let unit = match price {
                            Some(m) if m.currency().code() == order.currency => m.minor(),
                            Some(_) => {
                                e.add(
                                    field("unit_price/currency"),
                                    format!("must be {}, the order's currency", order.currency),
                                );
                                continue;
                            }
                            None if product.currency == order.currency => product.price,
                            None => {
                                e.add(
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
                    status: "requested".into(),
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
                    "return.requested",
                    order.id.as_str(),
                    &json!({"order_id": order.id, "return_id": ret.id, "actor": who.key_id, "window_overridden": late,
                            "exchange": ret.exchange.is_some()}),
                )?;
                Ok(ret)
            })
            .await?;
        if ret.exchange.as_ref().is_some_and(|x| x.advance) {
            return self.ensure_exchange_order(actor, ret).await;
        }
        Ok(ret)
    }

    /// Places the exchange's replacement order once; a failure is kept on the return.
    async fn ensure_exchange_order(&self, actor: &Actor, ret: Return) -> AppResult<Return> {
        let Some(exchange) = ret.exchange.clone() else { return Ok(ret) };
        // Claimed under the order's lock: only one caller places the replacement.
        let (rid, clock) = (ret.id.clone(), self.clock.clone());
        let (ret, mine) = self
            .store
            .write(move |tx| {
                let mut ret = Return::from_record(&crate::money::payments::locked_record(tx, &rid, "return")?)?;
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
                let mut ret = Return::from_record(&crate::money::payments::locked_record(tx, &rid, "return")?)?;
                ret.exchange_placing = false;
                match &placed {
                    Ok(o) => {
                        ret.exchange_order_id = Some(o.id.to_string());
                        ret.exchange_error = None;
                        emit(
                            tx,
                            clock.now_ms(),
                            "return.exchange_placed",
                            &ret.order_id,
                            &json!({"return_id": ret.id, "exchange_order_id": o.id, "actor": who.key_id}),
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

    pub async fn approve_return(&self, actor: &Actor, id: &str, input: ReturnStepInput) -> AppResult<Return> {
        let ret = self.step(actor, id, "approved", input.restocking_fee, input.note).await?;
        let refund_now = {
            let channel = ret.1.clone();
            self.store
                .read(move |tx| {
                    Ok::<_, AppError>(
                        crate::channels::settings::settings_of(tx, &channel)?.refund_returns_on == "approved",
                    )
                })
                .await?
        };
        if refund_now { self.refund_return(actor, ret.0).await } else { Ok(ret.0) }
    }

    pub async fn reject_return(&self, actor: &Actor, id: &str, input: ReturnStepInput) -> AppResult<Return> {
        Ok(self.step(actor, id, "rejected", None, input.note).await?.0)
    }

    pub async fn close_return(&self, actor: &Actor, id: &str, input: ReturnStepInput) -> AppResult<Return> {
        Ok(self.step(actor, id, "closed", None, input.note).await?.0)
    }

    /// Moves a return to `to` from the one status it may come from; returns it with its
    /// order's channel.
    async fn step(
        &self,
        actor: &Actor,
        id: &str,
        to: &'static str,
        restocking_fee: Option<MoneyInput>,
        note: Option<String>,
    ) -> AppResult<(Return, String)> {
        require(actor, Action::WriteOrders)?;
        let (id, who, clock) = (id.to_owned(), actor.clone(), self.clock.clone());
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let (mut ret, order) = load(tx, &who, &id)?;
                let from: &[&str] = match to {
                    "approved" | "rejected" => &["requested"],
                    _ => &["received", "rejected"],
                };
                if !from.contains(&ret.status.as_str()) {
                    return Err(AppError::InvalidTransition(format!("a {} return cannot become {to}", ret.status)));
                }
                let mut e = Errors::new();
                if let Some(f) = fee(&mut e, &order, &restocking_fee) {
                    ret.restocking_fee = f;
                }
                let note = e.optional_text("note", note.as_deref(), 2000);
                e.finish(())?;
                if note.is_some() {
                    ret.note = note;
                }
                ret.status = to.into();
                save(tx, now, &mut ret, &who, &format!("return.{to}"))?;
                Ok((ret, order.channel.clone()))
            })
            .await
    }

    /// Receives an approved return: every unit's condition and disposition, each written to
    /// the inventory ledger (restocked) or a non-sellable bucket's ledger.
    pub async fn receive_return(&self, actor: &Actor, id: &str, input: ReceiveInput) -> AppResult<Return> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let location = e.text("location", input.location.as_deref(), 32);
        let mut units: Vec<(String, i64, Option<String>, String)> = Vec::new();
        match &input.units {
            None => e.add("units", "is required"),
            Some(u) if u.is_empty() || u.len() > 1000 => e.add("units", "must list 1 to 1000 groups of units"),
            Some(u) => {
                for (i, unit) in u.iter().enumerate() {
                    let line = e.text(&format!("units/{i}/line_id"), unit.line_id.as_deref(), 64);
                    let condition = e.optional_text(&format!("units/{i}/condition"), unit.condition.as_deref(), 100);
                    let disposition = match unit.disposition.as_deref() {
                        Some(d) if DISPOSITIONS.contains(&d) => Some(d.to_owned()),
                        Some(_) => {
                            e.add(
                                format!("units/{i}/disposition"),
                                format!("must be one of {}", DISPOSITIONS.join(", ")),
                            );
                            None
                        }
                        None => {
                            e.add(format!("units/{i}/disposition"), "is required");
                            None
                        }
                    };
                    match unit.quantity {
                        Some(q) if (1..=crate::sales::orders::MAX_QUANTITY).contains(&q) => {}
                        _ => e.add(
                            format!("units/{i}/quantity"),
                            format!("must be between 1 and {}", crate::sales::orders::MAX_QUANTITY),
                        ),
                    }
                    if let (Some(line), Some(q), Some(d)) = (line, unit.quantity, disposition) {
                        units.push((line, q, condition, d));
                    }
                }
            }
        }
        let note = e.optional_text("note", input.note.as_deref(), 2000);
        let location = e.finish(location)?.expect("checked");
        let (rid, who, clock, restocking_fee) =
            (id.to_owned(), actor.clone(), self.clock.clone(), input.restocking_fee.clone());
        let ret = self
            .store
            .write(move |tx| {
                let now = clock.now_ms();
                let (mut ret, order) = load(tx, &who, &rid)?;
                if ret.status != "approved" {
                    return Err(AppError::InvalidTransition(format!("a {} return cannot be received", ret.status)));
                }
                let loc = tx
                    .location_by_code(&location)?
                    .ok_or_else(|| AppError::field("location", "no location has this code"))?;
                let mut e = Errors::new();
                if let Some(f) = fee(&mut e, &order, &restocking_fee) {
                    ret.restocking_fee = f;
                }
                for line in &ret.lines {
                    let got: i64 = units.iter().filter(|(l, ..)| *l == line.line_id).map(|(_, q, ..)| q).sum();
                    if got != line.quantity {
                        e.add(
                            "units",
                            format!("line {} was returned with {} units, not {got}", line.line_id, line.quantity),
                        );
                    }
                }
                for (i, (line, ..)) in units.iter().enumerate() {
                    if !ret.lines.iter().any(|l| l.line_id == *line) {
                        e.add(format!("units/{i}/line_id"), "is not a line of this return");
                    }
                }
                e.finish(())?;
                for (line_id, quantity, condition, disposition) in &units {
                    let line = ret.lines.iter_mut().find(|l| l.line_id == *line_id).expect("checked");
                    line.received.push(ReceivedUnits {
                        quantity: *quantity,
                        condition: condition.clone(),
                        disposition: disposition.clone(),
                    });
                    let note = Some(format!("return {} ({})", ret.id, condition.as_deref().unwrap_or("uninspected")));
                    match bucket_of(disposition) {
                        None => {
                            let change = LevelChange {
                                at: now,
                                location_id: loc.id.clone(),
                                location: loc.code.clone(),
                                sku: line.sku.clone(),
                                on_hand_delta: *quantity,
                                reserved_delta: 0,
                                reason: Reason::Returned,
                                actor: Some(who.key_id.clone()),
                                order_id: Some(ret.order_id.clone()),
                                note,
                            };
                            if let Err(level) = tx.change_level(&change)? {
                                return Err(AppError::Internal(format!(
                                    "restocking {} does not fit level {level:?}",
                                    line.sku
                                )));
                            }
                        }
                        Some(bucket) => {
                            let change = BucketChange {
                                at: now,
                                location_id: loc.id.to_string(),
                                location: loc.code.clone(),
                                sku: line.sku.clone(),
                                bucket: bucket.to_owned(),
                                delta: *quantity,
                                reason: "returned".into(),
                                actor: Some(who.key_id.clone()),
                                order_id: Some(ret.order_id.clone()),
                                reference: Some(ret.id.clone()),
                                note,
                            };
                            if let Err(current) = tx.change_bucket(&change)? {
                                return Err(AppError::Internal(format!(
                                    "the {bucket} bucket refused {quantity} (at {current})"
                                )));
                            }
                        }
                    }
                }
                ret.location = Some(loc.code.clone());
                if note.is_some() {
                    ret.note = note.clone();
                }
                ret.status = "received".into();
                save(tx, now, &mut ret, &who, "return.received")?;
                Ok(ret)
            })
            .await?;
        if ret.refund_id.is_some() {
            return Ok(ret);
        }
        self.refund_return(actor, ret).await
    }

    /// Refunds a return's lines (and shipping, less its fee); a refund that cannot be made is
    /// kept as `refund_error` on the return, which stays as it is.
    async fn refund_return(&self, actor: &Actor, ret: Return) -> AppResult<Return> {
        let currency =
            ordo_domain::Currency::from_code(&ret.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
        let ret = self.ensure_exchange_order(actor, ret).await?;
        // What the replacement still owes is paid from the return's credit first.
        let owed = match &ret.exchange_order_id {
            Some(id) => {
                let p = self.order_payments(actor, id).await?;
                (p.summary.total - p.summary.captured - (p.summary.authorized - p.summary.captured - p.summary.voided))
                    .max(0)
            }
            None => 0,
        };
        let req = crate::money::refunds::Request {
            lines: ret.lines.iter().map(|l| (l.line_id.clone(), l.quantity)).collect(),
            rest_of_shipping: ret.refund_shipping,
            restocking_fee: (ret.restocking_fee > 0).then(|| Money::from_minor(ret.restocking_fee, currency)),
            store_credit_first: owed,
            reason: Some(format!("return {}", ret.id)),
            ..Default::default()
        };
        let outcome = self.create_refund(actor, &ret.order_id, req, Some(ret.id.clone())).await;
        // The credit pays the replacement, from the customer's store credit.
        let mut applied = 0;
        let mut exchange_error = None;
        if let (Ok(refund), Some(new_order)) = (&outcome, &ret.exchange_order_id) {
            let credit: i64 =
                refund.allocations.iter().filter(|a| a.store_credit && a.status == "succeeded").map(|a| a.amount).sum();
            let amount = credit.min(owed);
            if amount > 0 {
                let payment = crate::money::payments::NewPayment {
                    provider: Some("store_credit".into()),
                    gift_card_code: None,
                    payment_method: None,
                    method: None,
                    amount: Some(MoneyInput {
                        amount: Some(Money::from_minor(amount, currency).amount_string()),
                        currency: Some(currency.code().to_owned()),
                    }),
                    captured: None,
                };
                match self.add_payment(actor, new_order, payment).await {
                    Ok(_) => applied = amount,
                    Err(e) => exchange_error = Some(format!("the credit could not pay the replacement: {e}")),
                }
            }
        }
        let (rid, clock) = (ret.id.clone(), self.clock.clone());
        let system = actor.clone();
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let mut ret = Return::from_record(&crate::money::payments::locked_record(tx, &rid, "return")?)?;
                match &outcome {
                    Ok(refund) => {
                        ret.refund_id = Some(refund.id.clone());
                        ret.refund_error = None;
                    }
                    Err(e) => ret.refund_error = Some(e.to_string()),
                }
                ret.credit_applied += applied;
                if exchange_error.is_some() {
                    ret.exchange_error = exchange_error.clone();
                }
                ret.updated_at = now;
                tx.update_order_record(&ret.to_record()?)?;
                if ret.refund_error.is_some() {
                    emit(
                        tx,
                        now,
                        "return.refund_failed",
                        &ret.order_id,
                        &json!({"return_id": ret.id, "reason": ret.refund_error, "actor": system.key_id}),
                    )?;
                }
                Ok(ret)
            })
            .await
    }

    /// What the order's ledgers and records say of it, in one read.
    pub async fn order_statuses(&self, actor: &Actor, order_id: &str) -> AppResult<OrderStatuses> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = order_for(tx, &who, &id)?;
                let payment = crate::money::payments::load(tx, order.clone())?.summary.status.as_str();
                let on_hold = crate::sales::holds::ensure_not_held(tx, order.id.as_str()).is_err();
                let returns = returns_of(tx, order.id.as_str())?;
                let sent: i64 = shipped_units(tx, &order)?.0.iter().map(|(_, q)| q).sum();
                Ok(OrderStatuses { payment, on_hold, returns: return_status(sent, &returns) })
            })
            .await
    }

    /// The order's returns, oldest first, and its return status.
    pub async fn order_returns(&self, actor: &Actor, order_id: &str) -> AppResult<(&'static str, Vec<Return>)> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = order_for(tx, &who, &id)?;
                let returns = returns_of(tx, order.id.as_str())?;
                let sent: i64 = shipped_units(tx, &order)?.0.iter().map(|(_, q)| q).sum();
                Ok((return_status(sent, &returns), returns))
            })
            .await
    }

    /// Returns in a status across orders, oldest first: the queues to approve and to receive.
    pub async fn list_returns(
        &self,
        actor: &Actor,
        status: &str,
        after: Option<String>,
        limit: usize,
    ) -> AppResult<Vec<Return>> {
        require(actor, Action::ReadOrders)?;
        if !matches!(status, "requested" | "approved" | "rejected" | "received" | "closed") {
            return Err(AppError::field("status", "must be requested, approved, rejected, received or closed"));
        }
        let (status, who) = (status.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                crate::sales::holds::queue(tx, &who, "return", &status, after.clone(), limit)?
                    .iter()
                    .map(Return::from_record)
                    .collect()
            })
            .await
    }

    pub async fn get_return(&self, actor: &Actor, id: &str) -> AppResult<Return> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (id.to_owned(), actor.clone());
        self.store.read(move |tx| Ok(load(tx, &who, &id)?.0)).await
    }
}
