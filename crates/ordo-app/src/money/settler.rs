//! The settler: a background worker that does at the card gateway what a database
//! transaction cannot. It reads the event feed (the outbox) from its stored cursor and
//!
//! - on `fulfillment.shipped`, captures the fulfilment's share of the order from card
//!   authorizations (what payments Ordo records itself did not already cover);
//! - on `order.cancelled`, voids card authorizations and refunds captured card money;
//!
//! and it continues refunds left `pending` by an unreachable gateway. Every gateway call
//! carries an idempotency key derived from what it settles, and every recording checks the
//! ledger first, so a retry, a second node running its own settler, or a webhook arriving
//! first never moves money twice. A gateway that cannot be reached stops the pass; the cursor
//! stays before that event, and the next pass tries again.

use std::sync::Arc;
use std::time::Duration;

use ordo_domain::payment::{EntryKind, RefundStatus};
use ordo_store::EventRecord;

use crate::kernel::BoxFuture;
use crate::kernel::events::EventType;
use crate::kernel::events::payloads::FulfillmentStep;
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::money::payments::{Payment, is_gateway, payments_with_totals, record, shipment_reference, shipment_share};
use crate::{Actor, App, AppError, AppResult, Role};

/// Its cursor's name; one node settles at a time, holding the lease `settler.lease`.
const CURSOR: &str = "settler";

fn settler() -> Actor {
    Actor { key_id: "settler".into(), role: Role::Admin, channel: None }
}

/// The settler as a worker of the runtime: one node at a time, from its stored cursor.
pub struct Settler;

impl Worker for Settler {
    fn name(&self) -> &'static str {
        CURSOR
    }

    fn enabled(&self, app: &App) -> bool {
        app.gateway.is_some()
    }

    /// Refunds left pending by an unreachable gateway go on first.
    fn before_events<'a>(&'a self, app: &'a App) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            for id in app.pending_refunds(20).await? {
                match app.continue_refund(&id).await {
                    Ok(refund) if refund.status == RefundStatus::Pending => {
                        return Err(AppError::Unavailable(format!("refund {id} still waits on the gateway")));
                    }
                    Ok(_) => {}
                    Err(e @ AppError::Unavailable(_)) => return Err(e),
                    // One refund that cannot go on must not hold up every other order.
                    Err(e) => tracing::error!(refund = %id, error = %e, "a pending refund cannot be completed"),
                }
            }
            Ok(())
        })
    }

    fn wants(&self, event: &EventRecord) -> bool {
        matches!(EventType::parse(&event.event_type), Some(EventType::FulfillmentShipped | EventType::OrderCancelled))
    }

    fn handle<'a>(&'a self, app: &'a App, event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            match EventType::parse(&event.event_type) {
                Some(EventType::FulfillmentShipped) => match serde_json::from_str::<FulfillmentStep>(&event.data) {
                    Ok(step) => app.capture_shipment(&event.subject, &step.id).await,
                    // A payload it cannot read would stop every pass here: it is logged and passed.
                    Err(e) => {
                        tracing::error!(event = %event.id, error = %e, "a fulfillment.shipped event cannot be read");
                        Ok(())
                    }
                },
                Some(EventType::OrderCancelled) => app.settle_cancelled(&event.subject).await,
                _ => Ok(()),
            }
        })
    }
}

impl App {
    /// Starts the settler, a pass every `interval` when there is nothing to do; it runs until
    /// its handle stops it (or, dropped, until the process ends).
    pub fn spawn_settler(&self, interval: Duration) -> WorkerHandle {
        self.spawn_worker(Arc::new(Settler), WorkerOptions::every(interval))
    }

    /// The order's card payments, with their totals and the ledger, read together.
    async fn card_payments(&self, order_id: &str) -> AppResult<Vec<(Payment, ordo_domain::payment::PaymentTotals)>> {
        let id = order_id.to_owned();
        let payments = self.store.read(move |tx| payments_with_totals(tx, &id)).await?;
        Ok(payments.into_iter().filter(|(p, _)| is_gateway(p)).collect())
    }

    async fn capture_shipment(&self, order_id: &str, fulfillment_id: &str) -> AppResult<()> {
        let cards = self.card_payments(order_id).await?;
        if cards.iter().all(|(_, t)| t.capturable() == 0) {
            return Ok(());
        }
        let (oid, fid) = (order_id.to_owned(), fulfillment_id.to_owned());
        let (due, last) = self
            .store
            .read(move |tx| {
                let Some(order) = tx.order_by_id(&oid)? else { return Ok((0, false)) };
                // The order's last shipment releases whatever its authorizations hold beyond the
                // total (an edit made the order smaller).
                let last = tx
                    .fulfillments_for_order(&oid)?
                    .iter()
                    .all(|f| f.id.as_str() == fid || !f.status.holds_reservation());
                let share = shipment_share(tx, &order, &fid)?.unwrap_or(0);
                let reference = shipment_reference(&fid);
                let done: i64 = tx
                    .payment_entries_for_order(&oid)?
                    .iter()
                    .filter(|e| {
                        e.kind == EntryKind::Captured.as_str() && e.reference.as_deref() == Some(reference.as_str())
                    })
                    .map(|e| e.amount)
                    .sum();
                Ok::<_, AppError>((share - done, last))
            })
            .await?;
        let mut due = due.max(0);
        let gateway = self.card_gateway()?;
        for (payment, totals) in cards {
            let take = totals.capturable().min(due);
            let intent = payment.reference.clone().unwrap_or_default();
            if take <= 0 {
                if last && totals.capturable() > 0 {
                    self.release(&payment, &format!("ordo-{}-release-{fulfillment_id}", payment.id)).await?;
                }
                continue;
            }
            let key = format!("ordo-{}-ship-{fulfillment_id}", payment.id);
            let outcome = gateway.capture(&intent, take, last || take == totals.capturable(), &key).await;
            let reference = shipment_reference(fulfillment_id);
            match outcome {
                Ok(intent) => {
                    let (clock, p) = (self.clock.clone(), payment.clone());
                    self.store
                        .write(move |tx| {
                            tx.order_by_id(&p.order_id)?;
                            let ledger = tx.payment_entries_for_order(&p.order_id)?;
                            let mine = |e: &&ordo_store::PaymentEntry| e.payment_id == p.id;
                            if ledger.iter().filter(mine).any(|e| e.reference.as_deref() == Some(reference.as_str())) {
                                return Ok(());
                            }
                            // A webhook may have recorded the capture already.
                            let recorded = crate::money::payments::totals_of(&ledger, &p.id).captured;
                            let amount = take.min(intent.received - recorded);
                            if amount > 0 {
                                let reason = Some(format!("shipment {}", reference.trim_start_matches("ship:")));
                                record(
                                    tx,
                                    clock.now_ms(),
                                    &settler(),
                                    &p,
                                    EntryKind::Captured,
                                    amount,
                                    reason,
                                    Some(reference.clone()),
                                )?;
                            }
                            // A final capture released the rest at the gateway.
                            let open =
                                crate::money::payments::totals_of(&tx.payment_entries_for_order(&p.order_id)?, &p.id)
                                    .capturable();
                            if last && open > 0 {
                                let reason = Some("released by the final capture".to_owned());
                                record(tx, clock.now_ms(), &settler(), &p, EntryKind::Voided, open, reason, None)?;
                            }
                            Ok::<_, AppError>(())
                        })
                        .await?;
                    due -= take;
                }
                Err(e @ (AppError::Unavailable(_) | AppError::Internal(_))) => return Err(e),
                Err(refused) => {
                    self.record_failure(&payment, take, &format!("capture for shipment {fulfillment_id}: {refused}"))
                        .await?
                }
            }
        }
        Ok(())
    }

    async fn settle_cancelled(&self, order_id: &str) -> AppResult<()> {
        let gateway = self.card_gateway()?;
        for (payment, totals) in self.card_payments(order_id).await? {
            let intent = payment.reference.clone().unwrap_or_default();
            if totals.capturable() > 0 {
                let key = format!("ordo-{}-cancel-void", payment.id);
                match gateway.void(&intent, &key).await {
                    Ok(_) => {
                        let (clock, p) = (self.clock.clone(), payment.clone());
                        self.store
                            .write(move |tx| {
                                tx.order_by_id(&p.order_id)?;
                                let open = crate::money::payments::totals_of(
                                    &tx.payment_entries_for_order(&p.order_id)?,
                                    &p.id,
                                )
                                .capturable();
                                if open > 0 {
                                    record(
                                        tx,
                                        clock.now_ms(),
                                        &settler(),
                                        &p,
                                        EntryKind::Voided,
                                        open,
                                        Some("order cancelled".into()),
                                        None,
                                    )?;
                                }
                                Ok::<_, AppError>(())
                            })
                            .await?;
                    }
                    Err(e @ (AppError::Unavailable(_) | AppError::Internal(_))) => return Err(e),
                    Err(refused) => {
                        self.record_failure(&payment, totals.capturable(), &format!("void on cancellation: {refused}"))
                            .await?
                    }
                }
            }
            // What a pending refund already promised from this payment is not refunded twice.
            let (oid, pid) = (order_id.to_owned(), payment.id.clone());
            let promised: i64 = self.store.read(move |tx| crate::money::refunds::promised_in(tx, &oid, &pid)).await?;
            let totals = ordo_domain::payment::PaymentTotals { refunded: totals.refunded + promised, ..totals };
            if totals.refundable() > 0 {
                let key = format!("ordo-{}-cancel-refund", payment.id);
                match gateway.refund(&intent, totals.refundable(), &key).await {
                    Ok(gateway_id) => {
                        let (clock, p, amount) = (self.clock.clone(), payment.clone(), totals.refundable());
                        self.store
                            .write(move |tx| {
                                tx.order_by_id(&p.order_id)?;
                                let ledger = tx.payment_entries_for_order(&p.order_id)?;
                                if ledger.iter().any(|e| e.reference.as_deref() == Some(gateway_id.as_str())) {
                                    return Ok(());
                                }
                                let amount = amount.min(crate::money::payments::totals_of(&ledger, &p.id).refundable());
                                if amount > 0 {
                                    record(
                                        tx,
                                        clock.now_ms(),
                                        &settler(),
                                        &p,
                                        EntryKind::Refunded,
                                        amount,
                                        Some("order cancelled".into()),
                                        Some(gateway_id.clone()),
                                    )?;
                                }
                                Ok::<_, AppError>(())
                            })
                            .await?;
                    }
                    Err(e @ (AppError::Unavailable(_) | AppError::Internal(_))) => return Err(e),
                    Err(refused) => {
                        self.record_failure(
                            &payment,
                            totals.refundable(),
                            &format!("refund on cancellation: {refused}"),
                        )
                        .await?
                    }
                }
            }
        }
        Ok(())
    }

    /// Voids what is left of an authorization at the gateway and records it.
    async fn release(&self, payment: &Payment, key: &str) -> AppResult<()> {
        let gateway = self.card_gateway()?;
        let intent = payment.reference.clone().unwrap_or_default();
        match gateway.void(&intent, key).await {
            Ok(_) => {
                let (clock, p) = (self.clock.clone(), payment.clone());
                self.store
                    .write(move |tx| {
                        tx.order_by_id(&p.order_id)?;
                        let open =
                            crate::money::payments::totals_of(&tx.payment_entries_for_order(&p.order_id)?, &p.id)
                                .capturable();
                        if open > 0 {
                            let reason = Some("released: the order needs no more".to_owned());
                            record(tx, clock.now_ms(), &settler(), &p, EntryKind::Voided, open, reason, None)?;
                        }
                        Ok::<_, AppError>(())
                    })
                    .await
            }
            Err(e @ (AppError::Unavailable(_) | AppError::Internal(_))) => Err(e),
            Err(refused) => self.record_failure(payment, 0, &format!("release: {refused}")).await,
        }
    }

    /// A gateway refused what the settler asked: recorded as a `failed` entry (it moves no
    /// money) so that an operator sees it, and the settler moves on.
    async fn record_failure(&self, payment: &Payment, amount: i64, why: &str) -> AppResult<()> {
        tracing::warn!(payment = %payment.id, %why, "the card gateway refused a settlement");
        let (clock, p, why) = (self.clock.clone(), payment.clone(), why.to_owned());
        self.store
            .write(move |tx| {
                tx.order_by_id(&p.order_id)?;
                record(tx, clock.now_ms(), &settler(), &p, EntryKind::Failed, amount, Some(why.clone()), None)
            })
            .await
    }
}
