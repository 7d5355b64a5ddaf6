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

use std::time::Duration;

use ordo_domain::payment::EntryKind;
use ordo_store::{EventFilter, Page};
use serde_json::Value;

use crate::money::payments::{Payment, is_gateway, payments_with_totals, record, shipment_reference, shipment_share};
use crate::{Actor, App, AppError, AppResult, Role};

const CURSOR: &str = "settler";
/// One node settles at a time: it holds this lease, renewing it each pass; another node takes
/// it over once it has not been renewed for `LEASE_MS`.
const LEASE: &str = "settler.lease";
const LEASE_MS: i64 = 10_000;

fn settler() -> Actor {
    Actor { key_id: "settler".into(), role: Role::Admin, channel: None }
}

impl App {
    /// Runs the settler until the process ends, a pass every `interval`.
    pub fn spawn_settler(&self, interval: Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut lease = 0;
            loop {
                match app.settle_once(&mut lease).await {
                    Ok(0) => tokio::time::sleep(interval).await,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "settling payments; will retry");
                        tokio::time::sleep(interval.max(Duration::from_millis(500))).await;
                    }
                }
            }
        })
    }

    /// One pass, if this node holds the lease (`lease` is the expiry it last set): pending
    /// refunds, then up to 100 events. Returns how many events it handled.
    pub async fn settle_once(&self, lease: &mut i64) -> AppResult<usize> {
        if self.gateway.is_none() {
            return Ok(0);
        }
        let (now, mine) = (self.now(), *lease);
        let renewed = self
            .store
            .write(move |tx| {
                let current = tx.worker_cursor(LEASE)?;
                if current > now && current != mine {
                    return Ok::<_, AppError>(None);
                }
                Ok(tx.swap_worker_cursor(LEASE, current, now + LEASE_MS)?.then_some(now + LEASE_MS))
            })
            .await?;
        match renewed {
            Some(until) => *lease = until,
            None => return Ok(0),
        }
        for id in self.pending_refunds(20).await? {
            match self.continue_refund(&id).await {
                Ok(refund) if refund.status == ordo_domain::payment::RefundStatus::Pending => {
                    return Err(AppError::Unavailable(format!("refund {id} still waits on the gateway")));
                }
                Ok(_) => {}
                Err(e @ AppError::Unavailable(_)) => return Err(e),
                // One refund that cannot go on must not hold up every other order.
                Err(e) => tracing::error!(refund = %id, error = %e, "a pending refund cannot be completed"),
            }
        }
        let cursor = self.store.read(|tx| Ok::<_, AppError>(tx.worker_cursor(CURSOR)?)).await?;
        let page = Page { after: Some(cursor), limit: 100 };
        let events =
            self.store.read(move |tx| Ok::<_, AppError>(tx.list_events(&page, &EventFilter::default())?)).await?;
        let mut handled = 0;
        for event in events {
            let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
            match event.event_type.as_str() {
                "fulfillment.shipped" => {
                    if let Some(fid) = data["id"].as_str() {
                        self.capture_shipment(&event.subject, fid).await?;
                    }
                }
                "order.cancelled" => self.settle_cancelled(&event.subject).await?,
                _ => {}
            }
            let seq = event.seq;
            self.store.write(move |tx| Ok::<_, AppError>(tx.set_worker_cursor(CURSOR, seq)?)).await?;
            handled += 1;
        }
        Ok(handled)
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
                    .filter(|e| e.kind == "captured" && e.reference.as_deref() == Some(reference.as_str()))
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
