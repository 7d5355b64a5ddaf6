//! Holds: an order under review keeps its reservations but does not reach fulfilment until
//! every hold on it is released. Holds are typed (`fraud_review`, `address_check`,
//! `payment_review`, `manual`), placed by an operator or by the channel's hold rules when the
//! order is captured, and released — or turned into the order's cancellation — only by a role
//! that may: `fraud_review` and `payment_review` by an admin, the others by an operator or an
//! admin.

use ordo_domain::order::{Order, OrderStatus};
use ordo_domain::validate::Errors;
use ordo_store::{OrderRecord, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::channels::settings::HoldRule;
use crate::kernel::events::emit;
use crate::money::payments::order_for;
use crate::stock::catalog::require;
use crate::{Action, Actor, App, AppError, AppResult, Role, random_u128};

pub const KINDS: [&str; 4] = ["fraud_review", "address_check", "payment_review", "manual"];

/// Whether `role` may release (or cancel the order of) a hold of `kind`.
pub fn may_release(role: Role, kind: &str) -> bool {
    match kind {
        "fraud_review" | "payment_review" => role == Role::Admin,
        _ => matches!(role, Role::Admin | Role::Operator),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub id: String,
    pub order_id: String,
    /// `fraud_review`, `address_check`, `payment_review` or `manual`.
    pub kind: String,
    pub reason: Option<String>,
    /// `operator`, or `rule` when a hold rule placed it at capture.
    pub source: String,
    /// `active`, `released`, or `cancelled` (the order was cancelled through it).
    pub status: String,
    pub placed_by: String,
    pub placed_at: i64,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
    pub note: Option<String>,
}

impl Hold {
    fn to_record(&self) -> AppResult<OrderRecord> {
        Ok(OrderRecord {
            id: self.id.clone(),
            order_id: self.order_id.clone(),
            kind: "hold".into(),
            status: self.status.clone(),
            created_at: self.placed_at,
            updated_at: self.resolved_at.unwrap_or(self.placed_at),
            body: serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    fn from_record(r: &OrderRecord) -> AppResult<Hold> {
        serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("stored hold: {e}")))
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    /// `fraud_review`, `address_check`, `payment_review` or `manual`.
    #[serde(rename = "type")]
    #[schema(required = true, example = "manual")]
    pub kind: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// Why it is released (or why the order is cancelled).
    pub note: Option<String>,
}

/// A work queue: records of a kind in a status, oldest first, after `after`, that the actor
/// may see (a channel key sees its own channel's only).
pub(crate) fn queue(
    tx: &mut dyn Tx,
    actor: &Actor,
    kind: &str,
    status: &str,
    mut after: Option<String>,
    limit: usize,
) -> AppResult<Vec<OrderRecord>> {
    let mut out = Vec::new();
    loop {
        let batch = tx.order_records_in_status(kind, status, after.as_deref(), limit)?;
        let full = batch.len() == limit;
        for r in batch {
            after = Some(r.id.clone());
            if order_for(tx, actor, &r.order_id).is_ok() {
                out.push(r);
                if out.len() == limit {
                    return Ok(out);
                }
            }
        }
        if !full {
            return Ok(out);
        }
    }
}

pub(crate) fn holds_of(tx: &mut dyn Tx, order_id: &str) -> AppResult<Vec<Hold>> {
    tx.order_records(order_id, "hold")?.iter().map(Hold::from_record).collect()
}

/// Refuses to move an order with an active hold towards its customer.
pub(crate) fn ensure_not_held(tx: &mut dyn Tx, order_id: &str) -> AppResult<()> {
    let active: Vec<String> =
        holds_of(tx, order_id)?.into_iter().filter(|h| h.status == "active").map(|h| h.kind).collect();
    if active.is_empty() {
        return Ok(());
    }
    Err(AppError::Refused {
        code: "order_on_hold",
        message: format!("the order is on hold ({}); release the hold first", active.join(", ")),
    })
}

fn insert(
    tx: &mut dyn Tx,
    now: i64,
    order: &Order,
    kind: &str,
    reason: Option<String>,
    source: &str,
    actor: &str,
) -> AppResult<Hold> {
    let hold = Hold {
        id: format!("hld_{}", ordo_domain::id::encode(now as u64, random_u128())),
        order_id: order.id.to_string(),
        kind: kind.to_owned(),
        reason,
        source: source.to_owned(),
        status: "active".into(),
        placed_by: actor.to_owned(),
        placed_at: now,
        resolved_by: None,
        resolved_at: None,
        note: None,
    };
    tx.insert_order_record(&hold.to_record()?)?;
    emit(
        tx,
        now,
        "order.held",
        order.id.as_str(),
        &json!({"order_id": order.id, "hold_id": hold.id, "type": hold.kind, "reason": hold.reason,
                "source": source, "actor": actor}),
    )?;
    Ok(hold)
}

/// Places the holds the channel's rules call for on a just-captured order. `first_order`
/// says whether it is the customer's first.
pub(crate) fn apply_rules(
    tx: &mut dyn Tx,
    now: i64,
    order: &Order,
    rules: &[HoldRule],
    first_order: impl FnOnce(&mut dyn Tx) -> AppResult<bool>,
) -> AppResult<()> {
    let mut first = None;
    let mut first_order = Some(first_order);
    let mut placed: Vec<&str> = Vec::new();
    for rule in rules {
        let over = |amount: Option<i64>, currency: &Option<String>| {
            currency.as_deref() == Some(order.currency.as_str()) && amount.is_some_and(|a| order.totals.total > a)
        };
        let reason = match rule.when.as_str() {
            "total_above" if over(rule.amount, &rule.currency) => Some("the order total is above the rule's amount"),
            "countries_differ" if matches!((&order.shipping_address, &order.billing_address), (Some(s), Some(b)) if s.country != b.country) => {
                Some("the shipping and billing countries differ")
            }
            "first_order_above" if over(rule.amount, &rule.currency) => {
                if first.is_none() {
                    let f = first_order.take().expect("asked once");
                    first = Some(f(tx)?);
                }
                first.filter(|f| *f).map(|_| "a new customer's first order is above the rule's amount")
            }
            "blocked_customer" if rule.emails.iter().any(|e| e.eq_ignore_ascii_case(&order.email)) => {
                Some("the customer is on the block list")
            }
            _ => None,
        };
        if let Some(reason) = reason
            && !placed.contains(&rule.hold.as_str())
        {
            insert(tx, now, order, &rule.hold, Some(reason.to_owned()), "rule", "rules")?;
            placed.push(&rule.hold);
        }
    }
    Ok(())
}

impl App {
    pub async fn place_hold(&self, actor: &Actor, order_id: &str, input: HoldInput) -> AppResult<Hold> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let kind = match input.kind.as_deref() {
            Some(k) if KINDS.contains(&k) => Some(k.to_owned()),
            Some(_) => {
                e.add("type", format!("must be one of {}", KINDS.join(", ")));
                None
            }
            None => {
                e.add("type", "is required");
                None
            }
        };
        let reason = e.optional_text("reason", input.reason.as_deref(), 500);
        let kind = e.finish(kind)?.expect("checked");
        let (id, who, clock) = (order_id.to_owned(), actor.clone(), self.clock.clone());
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let order = order_for(tx, &who, &id)?;
                if order.status == OrderStatus::Cancelled {
                    return Err(AppError::InvalidTransition("the order is cancelled".into()));
                }
                let fulfillments = tx.fulfillments_for_order(order.id.as_str())?;
                if !fulfillments.is_empty() && fulfillments.iter().all(|f| !f.status.holds_reservation()) {
                    return Err(AppError::InvalidTransition("nothing of this order is left to fulfil".into()));
                }
                if holds_of(tx, order.id.as_str())?.iter().any(|h| h.status == "active" && h.kind == kind) {
                    return Err(AppError::Conflict(format!("the order already has an active {kind} hold")));
                }
                insert(tx, now, &order, &kind, reason.clone(), "operator", &who.key_id)
            })
            .await
    }

    /// Holds in a status across orders, oldest first: the review queue.
    pub async fn list_holds(
        &self,
        actor: &Actor,
        status: &str,
        after: Option<String>,
        limit: usize,
    ) -> AppResult<Vec<Hold>> {
        require(actor, Action::ReadOrders)?;
        if !matches!(status, "active" | "released" | "cancelled") {
            return Err(AppError::field("status", "must be active, released or cancelled"));
        }
        let (status, who) = (status.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                queue(tx, &who, "hold", &status, after.clone(), limit)?.iter().map(Hold::from_record).collect()
            })
            .await
    }

    pub async fn order_holds(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Hold>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = order_for(tx, &who, &id)?;
                holds_of(tx, order.id.as_str())
            })
            .await
    }

    /// Releases a hold, or (with `cancel`) cancels the order through it: its reservations
    /// are released and its payments settled as any cancellation.
    pub async fn resolve_hold(
        &self,
        actor: &Actor,
        hold_id: &str,
        cancel: bool,
        input: ResolveInput,
    ) -> AppResult<Hold> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let note = e.optional_text("note", input.note.as_deref(), 500);
        e.finish(())?;
        let (id, who, clock) = (hold_id.to_owned(), actor.clone(), self.clock.clone());
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let record = tx.order_record(&id)?.filter(|r| r.kind == "hold").ok_or(AppError::NotFound("hold"))?;
                let order = order_for(tx, &who, &record.order_id).map_err(|_| AppError::NotFound("hold"))?;
                let mut hold = Hold::from_record(&tx.order_record(&id)?.ok_or(AppError::NotFound("hold"))?)?;
                if !may_release(who.role, &hold.kind) {
                    return Err(AppError::Forbidden(format!(
                        "a {} hold is released by {}",
                        hold.kind,
                        if matches!(hold.kind.as_str(), "fraud_review" | "payment_review") {
                            "an admin"
                        } else {
                            "an operator or an admin"
                        }
                    )));
                }
                if hold.status != "active" {
                    return Err(AppError::InvalidTransition(format!("the hold is already {}", hold.status)));
                }
                if cancel {
                    let reason = note.clone().or_else(|| Some(format!("cancelled on {} hold", hold.kind)));
                    crate::sales::orders::cancel_in_tx(tx, now, &who, order.id.as_str(), reason)?;
                    // Other holds end with the order.
                    for mut other in
                        holds_of(tx, order.id.as_str())?.into_iter().filter(|h| h.status == "active" && h.id != hold.id)
                    {
                        other.status = "cancelled".into();
                        other.resolved_by = Some(who.key_id.clone());
                        other.resolved_at = Some(now);
                        tx.update_order_record(&other.to_record()?)?;
                    }
                }
                hold.status = if cancel { "cancelled" } else { "released" }.into();
                hold.resolved_by = Some(who.key_id.clone());
                hold.resolved_at = Some(now);
                hold.note = note.clone();
                tx.update_order_record(&hold.to_record()?)?;
                emit(
                    tx,
                    now,
                    if cancel { "order.hold_cancelled_order" } else { "order.hold_released" },
                    order.id.as_str(),
                    &json!({"order_id": order.id, "hold_id": hold.id, "type": hold.kind, "note": hold.note,
                            "actor": who.key_id}),
                )?;
                Ok(hold)
            })
            .await
    }
}
