//! Receiving an approved return: each unit's condition and disposition, restocked at the
//! receiving location (the inventory ledger) or put into a non-sellable bucket (its own
//! ledger), then the return's refund — or its exchange — made through the payment ledger.

use crate::aftersales::returns::{ReceiveInput, ReceivedUnits, Return, fee, save};
use crate::kernel::events::payloads::ReturnRefundFailed;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::MoneyInput;
use crate::kernel::records::{OrderDocument, locked, visible};
use crate::{Action, Actor, App, AppError, AppResult};
use ordo_domain::Money;
use ordo_domain::inventory::Reason;
use ordo_domain::payment::RefundStatus;
use ordo_domain::returns::{Disposition, ReturnStatus};
use ordo_domain::status::Lifecycle;
use ordo_domain::validate::Errors;
use ordo_store::{BucketChange, LevelChange};

impl App {
    /// Receives an approved return: every unit's condition and disposition, each written to
    /// the inventory ledger (restocked) or a non-sellable bucket's ledger. A keyed request is
    /// recorded with the receipt; its answer is brought up to date once the refund is made.
    pub async fn receive_return(
        &self,
        actor: &Actor,
        id: &str,
        input: ReceiveInput,
        idem: Option<IdemCtx<Return>>,
    ) -> AppResult<Outcome<Return>> {
        require(actor, Action::ReceiveReturns)?;
        let mut e = Errors::new();
        let location = e.text("location", input.location.as_deref(), 32);
        let mut units: Vec<(String, i64, Option<String>, Disposition)> = Vec::new();
        match &input.units {
            None => e.add("units", "is required"),
            Some(u) if u.is_empty() || u.len() > 1000 => e.add("units", "must list 1 to 1000 groups of units"),
            Some(u) => {
                for (i, unit) in u.iter().enumerate() {
                    let line = e.text(&format!("units/{i}/line_id"), unit.line_id.as_deref(), 64);
                    let condition = e.optional_text(&format!("units/{i}/condition"), unit.condition.as_deref(), 100);
                    let disposition: Option<Disposition> =
                        e.choice(&format!("units/{i}/disposition"), unit.disposition.as_deref());
                    let q = e.quantity(&format!("units/{i}/quantity"), unit.quantity, 1);
                    if let (Some(line), Some(q), Some(d)) = (line, q, disposition) {
                        units.push((line, q, condition, d));
                    }
                }
            }
        }
        let note = e.optional_text("note", input.note.as_deref(), 2000);
        let location = e.finish(location)?.expect("checked");
        let (rid, who, restocking_fee) = (id.to_owned(), actor.clone(), input.restocking_fee.clone());
        let ret = match self
            .write_idem(idem.clone(), move |tx, now| {
                let (mut ret, order) = visible::<Return>(tx, &who, &rid)?;
                ret.status.become_(ReturnStatus::Received).map_err(|e| AppError::InvalidTransition(e.to_string()))?;
                let loc = tx
                    .location_by_code(&location)?
                    .ok_or_else(|| AppError::missing("location", "no location has this code"))?;
                let mut e = Errors::new();
                if let Some(f) = fee(&mut e, &order, &restocking_fee) {
                    ret.restocking_fee = f;
                }
                for line in &ret.lines {
                    let got: i64 = units.iter().filter(|(l, ..)| *l == line.line_id).map(|(_, q, ..)| q).sum();
                    if got != line.quantity {
                        e.conflicting(
                            "units",
                            format!("line {} was returned with {} units, not {got}", line.line_id, line.quantity),
                        );
                    }
                }
                for (i, (line, ..)) in units.iter().enumerate() {
                    if !ret.lines.iter().any(|l| l.line_id == *line) {
                        e.missing(format!("units/{i}/line_id"), "is not a line of this return");
                    }
                }
                e.finish(())?;
                // Stock rows change in (SKU, location) order, as every use case changes them,
                // so that two receipts on PostgreSQL queue instead of deadlocking: sellable
                // levels first, then non-sellable buckets.
                let mut moves: Vec<(String, Option<&'static str>, i64, Option<String>)> = Vec::new();
                for (line_id, quantity, condition, disposition) in &units {
                    let line = ret.lines.iter_mut().find(|l| l.line_id == *line_id).expect("checked");
                    line.received.push(ReceivedUnits {
                        quantity: *quantity,
                        condition: condition.clone(),
                        disposition: *disposition,
                    });
                    let note = Some(format!("return {} ({})", ret.id, condition.as_deref().unwrap_or("uninspected")));
                    moves.push((line.sku.clone(), disposition.bucket(), *quantity, note));
                }
                moves.sort_by(|a, b| (a.1.is_some(), &a.0, a.1).cmp(&(b.1.is_some(), &b.0, b.1)));
                for (sku, bucket, quantity, note) in moves {
                    match bucket {
                        None => {
                            let change = LevelChange {
                                at: now,
                                location_id: loc.id.clone(),
                                location: loc.code.clone(),
                                sku: sku.clone(),
                                on_hand_delta: quantity,
                                reserved_delta: 0,
                                reason: Reason::Returned,
                                actor: Some(who.key_id.clone()),
                                order_id: Some(ret.order_id.clone()),
                                note,
                                reference: None,
                            };
                            if let Err(level) = tx.change_level(&change)? {
                                return Err(AppError::Internal(format!(
                                    "restocking {sku} does not fit level {level:?}"
                                )));
                            }
                        }
                        Some(bucket) => {
                            let change = BucketChange {
                                at: now,
                                location_id: loc.id.to_string(),
                                location: loc.code.clone(),
                                sku,
                                bucket: bucket.to_owned(),
                                delta: quantity,
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
                ret.status = ReturnStatus::Received;
                save(tx, now, &mut ret, &who)?;
                Ok(ret)
            })
            .await?
        {
            Outcome::Fresh(ret) => ret,
            replay => return Ok(replay),
        };
        if ret.refund_id.is_some() {
            return Ok(Outcome::Fresh(ret));
        }
        let refunded = self.refund_return(actor, ret.clone()).await?;
        self.idem_refresh(idem.as_ref(), &ret, &refunded).await?;
        Ok(Outcome::Fresh(refunded))
    }

    /// Refunds a return's lines (and shipping, less its fee); a refund that cannot be made is
    /// kept as `refund_error` on the return, which stays as it is.
    pub(crate) async fn refund_return(&self, actor: &Actor, ret: Return) -> AppResult<Return> {
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
        let outcome = self
            .create_refund(actor, &ret.order_id, req, Some(ret.id.clone()), None)
            .await
            .and_then(Outcome::into_fresh);
        // The credit pays the replacement, from the customer's store credit.
        let mut applied = 0;
        let mut exchange_error = None;
        if let (Ok(refund), Some(new_order)) = (&outcome, &ret.exchange_order_id) {
            let credit: i64 = refund
                .allocations
                .iter()
                .filter(|a| a.store_credit && a.status == RefundStatus::Succeeded)
                .map(|a| a.amount)
                .sum();
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
                    overpayment: None,
                };
                match self.add_payment(actor, new_order, payment, None).await {
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
                let mut ret = locked::<Return>(tx, &rid)?;
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
                        &ret.order_id,
                        Event::ReturnRefundFailed(ReturnRefundFailed {
                            return_id: ret.id.clone(),
                            reason: ret.refund_error.clone(),
                            actor: system.key_id.clone(),
                        }),
                    )?;
                }
                Ok(ret)
            })
            .await
    }
}
