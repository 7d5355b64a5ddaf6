//! Holds: an order under review keeps its reservations but does not reach fulfilment until
//! every hold on it is released. Holds are typed (`fraud_review`, `address_check`,
//! `payment_review`, `manual`), placed by an operator or by the channel's hold rules when the
//! order is captured, and released — or turned into the order's cancellation — only by a role
//! that may: `fraud_review` and `payment_review` by an admin, the others by an operator or an
//! admin.

use ordo_domain::hold::{Hold, HoldKind, HoldSource, HoldStatus, HoldTrigger};
use ordo_domain::order::{Order, OrderStatus};
use ordo_domain::status::Lifecycle;
use ordo_domain::validate::Errors;
use ordo_store::Tx;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::channels::settings::HoldRule;
use crate::kernel::events::payloads::{HoldResolved, OrderHeld};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{active_holds, require, visible_order};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::records::{OrderDocument, documents_of, queue, visible};
use crate::{Action, Actor, App, AppError, AppResult, Role, random_u128};

/// Whether `role` may release (or cancel the order of) a hold of `kind`.
pub fn may_release(role: Role, kind: HoldKind) -> bool {
    if kind.admin_only() { role == Role::Admin } else { matches!(role, Role::Admin | Role::Operator) }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    /// `fraud_review`, `address_check`, `payment_review` or `manual`.
    #[serde(rename = "type")]
    #[schema(required = true, example = "manual", value_type = Option<crate::kernel::schema::HoldKind>)]
    pub kind: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// Why it is released (or why the order is cancelled).
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

fn insert(
    tx: &mut dyn Tx,
    now: i64,
    order: &Order,
    kind: HoldKind,
    reason: Option<String>,
    source: HoldSource,
    actor: &str,
) -> AppResult<Hold> {
    let hold = Hold {
        id: format!("hld_{}", ordo_domain::id::encode(now as u64, random_u128())),
        order_id: order.id.to_string(),
        kind,
        reason,
        source,
        status: HoldStatus::Active,
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
        order.id.as_str(),
        Event::OrderHeld(OrderHeld {
            order_id: order.id.to_string(),
            hold_id: hold.id.clone(),
            kind: hold.kind.to_string(),
            reason: hold.reason.clone(),
            source: source.to_string(),
            actor: actor.to_owned(),
        }),
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
    let mut placed: Vec<HoldKind> = Vec::new();
    for rule in rules {
        let over = |amount: Option<i64>, currency: &Option<String>| {
            currency.as_deref() == Some(order.currency.as_str()) && amount.is_some_and(|a| order.totals.total > a)
        };
        let reason = match rule.when {
            HoldTrigger::TotalAbove if over(rule.amount, &rule.currency) => {
                Some("the order total is above the rule's amount")
            }
            HoldTrigger::CountriesDiffer if matches!((&order.shipping_address, &order.billing_address), (Some(s), Some(b)) if s.country != b.country) => {
                Some("the shipping and billing countries differ")
            }
            HoldTrigger::FirstOrderAbove if over(rule.amount, &rule.currency) => {
                if first.is_none() {
                    let f = first_order.take().expect("asked once");
                    first = Some(f(tx)?);
                }
                first.filter(|f| *f).map(|_| "a new customer's first order is above the rule's amount")
            }
            HoldTrigger::BlockedCustomer if rule.emails.iter().any(|e| e.eq_ignore_ascii_case(&order.email)) => {
                Some("the customer is on the block list")
            }
            _ => None,
        };
        if let Some(reason) = reason
            && !placed.contains(&rule.hold)
        {
            insert(tx, now, order, rule.hold, Some(reason.to_owned()), HoldSource::Rule, "rules")?;
            placed.push(rule.hold);
        }
    }
    Ok(())
}

impl App {
    pub async fn place_hold(
        &self,
        actor: &Actor,
        order_id: &str,
        input: HoldInput,
        idem: Option<IdemCtx<Hold>>,
    ) -> AppResult<Outcome<Hold>> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let kind: Option<HoldKind> = e.choice("type", input.kind.as_deref());
        let reason = e.optional_text("reason", input.reason.as_deref(), 500);
        let kind = e.finish(kind)?.expect("checked");
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let order = visible_order(tx, &who, &id)?;
            if order.status == OrderStatus::Cancelled {
                return Err(AppError::InvalidTransition("the order is cancelled".into()));
            }
            let fulfillments = tx.fulfillments_for_order(order.id.as_str())?;
            if !fulfillments.is_empty() && fulfillments.iter().all(|f| !f.status.holds_reservation()) {
                return Err(AppError::InvalidTransition("nothing of this order is left to fulfil".into()));
            }
            if active_holds(tx, order.id.as_str())?.iter().any(|h| h.kind == kind) {
                return Err(AppError::Conflict(format!("the order already has an active {kind} hold")));
            }
            insert(tx, now, &order, kind, reason.clone(), HoldSource::Operator, &who.key_id)
        })
        .await
    }

    /// Holds in a status (`active` by default) across orders, oldest first: the review queue.
    pub async fn list_holds(
        &self,
        actor: &Actor,
        status: Option<&str>,
        after: Option<String>,
        limit: usize,
    ) -> AppResult<Vec<Hold>> {
        require(actor, Action::ReadOrders)?;
        let mut e = Errors::new();
        let status = e.optional_choice("status", status).unwrap_or(HoldStatus::Active);
        e.finish(())?;
        let who = actor.clone();
        self.store.read(move |tx| queue(tx, &who, status.as_str(), after.clone(), limit)).await
    }

    pub async fn order_holds(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Hold>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                documents_of(tx, order.id.as_str())
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
        idem: Option<IdemCtx<Hold>>,
    ) -> AppResult<Outcome<Hold>> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let note = e.optional_text("note", input.note.as_deref(), 500);
        e.finish(())?;
        let (id, who) = (hold_id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let (mut hold, order) = visible::<Hold>(tx, &who, &id)?;
            if !may_release(who.role, hold.kind) {
                return Err(AppError::Forbidden(format!(
                    "a {} hold is released by {}",
                    hold.kind,
                    if hold.kind.admin_only() { "an admin" } else { "an operator or an admin" }
                )));
            }
            let to = if cancel { HoldStatus::Cancelled } else { HoldStatus::Released };
            if !hold.status.can_become(to) {
                return Err(AppError::InvalidTransition(format!("the hold is already {}", hold.status)));
            }
            if cancel {
                let reason = note.clone().or_else(|| Some(format!("cancelled on {} hold", hold.kind)));
                crate::sales::orders::cancel_in_tx(tx, now, &who, order.id.as_str(), reason)?;
                // Other holds end with the order.
                for mut other in active_holds(tx, order.id.as_str())?.into_iter().filter(|h| h.id != hold.id) {
                    other.status = HoldStatus::Cancelled;
                    other.resolved_by = Some(who.key_id.clone());
                    other.resolved_at = Some(now);
                    tx.update_order_record(&other.to_record()?)?;
                }
            }
            hold.status = to;
            hold.resolved_by = Some(who.key_id.clone());
            hold.resolved_at = Some(now);
            hold.note = note.clone();
            tx.update_order_record(&hold.to_record()?)?;
            let resolved = HoldResolved {
                order_id: order.id.to_string(),
                hold_id: hold.id.clone(),
                kind: hold.kind.to_string(),
                note: hold.note.clone(),
                actor: who.key_id.clone(),
            };
            let event =
                if cancel { Event::OrderHoldCancelledOrder(resolved) } else { Event::OrderHoldReleased(resolved) };
            emit(tx, now, order.id.as_str(), event)?;
            Ok(hold)
        })
        .await
    }
}
