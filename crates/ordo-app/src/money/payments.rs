//! Payments: recorded against an order, moved through an append-only ledger (authorized,
//! captured, voided, refunded), with the order's payment status and balance derived from it.
//!
//! Providers: `manual` (cash on delivery, bank transfer, invoice: an operator records the
//! money), `gift_card` and `store_credit` (balances Ordo keeps itself, spendable in part and
//! refundable into). Card gateways answer 501 until they are built.

use ordo_domain::Money;
use ordo_domain::order::Order;
use ordo_domain::payment::{EntryKind, PaymentError, PaymentTotals, Summary, summarize};
use ordo_domain::validate::Errors;
use ordo_store::{PaymentEntry, PaymentRecord, Tx};
use serde::{Deserialize, Serialize};

use crate::kernel::events::payloads::PaymentMoved;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{require, visible_order, visible_order_of};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{check_money, money_text, require_positive};
use crate::kernel::keys::hash_secret;
use crate::money::payment_requests::check_due;
pub use crate::money::payment_requests::{AmountInput, CaptureInput, NewPayment, PaymentRefundInput, VoidInput};
use crate::ports::payment::GatewayChange;
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// A payment's own facts; its amounts live in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub order_id: String,
    pub provider: String,
    pub method: Option<String>,
    pub currency: String,
    pub created_at: i64,
    /// For gift cards and store credit: the balance account it was paid from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// For card payments: the gateway's id (a Stripe PaymentIntent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// An order's payments, their ledger and what follows from it.
#[derive(Debug, Clone)]
pub struct OrderPayments {
    pub order: Order,
    pub payments: Vec<(Payment, PaymentTotals)>,
    pub ledger: Vec<PaymentEntry>,
    pub summary: Summary,
}

/// A refusal of the payment ledger, its amounts in `currency`.
pub(crate) fn refused_in(currency: &str) -> impl Fn(PaymentError) -> AppError + '_ {
    move |e| refused(e, currency)
}

fn refused(e: PaymentError, currency: &str) -> AppError {
    let code = match e {
        PaymentError::OverCapture { .. } => "amount_exceeds_capturable",
        PaymentError::OverRefund { .. } => "amount_exceeds_refundable",
        PaymentError::Voided => "payment_voided",
        PaymentError::NothingToVoid => "nothing_to_void",
        PaymentError::NotPositive | PaymentError::Overflow => "validation_failed",
    };
    let message = match e {
        PaymentError::OverCapture { available } => {
            format!("only {} can still be captured", money_text(available, currency))
        }
        PaymentError::OverRefund { available } => {
            format!("only {} can still be refunded", money_text(available, currency))
        }
        other => other.to_string(),
    };
    AppError::Refused { code, message }
}

pub(crate) fn totals_of(ledger: &[PaymentEntry], payment_id: &str) -> PaymentTotals {
    let entries: Vec<(EntryKind, i64)> = ledger
        .iter()
        .filter(|e| e.payment_id == payment_id)
        .filter_map(|e| {
            let kind = match e.kind.as_str() {
                "authorized" => EntryKind::Authorized,
                "captured" => EntryKind::Captured,
                "voided" => EntryKind::Voided,
                "refunded" => EntryKind::Refunded,
                _ => return None,
            };
            Some((kind, e.amount))
        })
        .collect();
    PaymentTotals::of(&entries)
}

pub(crate) fn load(tx: &mut dyn Tx, order: Order) -> AppResult<OrderPayments> {
    let ledger = tx.payment_entries_for_order(order.id.as_str())?;
    let payments: Vec<(Payment, PaymentTotals)> = tx
        .payments_for_order(order.id.as_str())?
        .iter()
        .map(|r| {
            let p: Payment =
                serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("stored payment: {e}")))?;
            let t = totals_of(&ledger, &p.id);
            Ok((p, t))
        })
        .collect::<AppResult<_>>()?;
    let summary = summarize(order.totals.total, &payments.iter().map(|(_, t)| *t).collect::<Vec<_>>());
    Ok(OrderPayments { order, payments, ledger, summary })
}

/// A payment the caller may act on, with its order. Another channel's payment is as unknown
/// as a missing one.
fn visible_payment(tx: &mut dyn Tx, actor: &Actor, id: &str) -> AppResult<(Payment, Order)> {
    let record = tx.payment_by_id(id)?.ok_or(AppError::NotFound("payment"))?;
    let order = visible_order_of(tx, actor, &record.order_id, "payment")?;
    let payment = serde_json::from_str(&record.body).map_err(|e| AppError::Internal(format!("stored payment: {e}")))?;
    Ok((payment, order))
}

fn entry(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    p: &Payment,
    kind: EntryKind,
    amount: i64,
    reason: Option<String>,
) -> AppResult<()> {
    record(tx, now, actor, p, kind, amount, reason, None)
}

/// Stores a new payment (with no gateway reference yet).
pub(crate) fn insert(tx: &mut dyn Tx, p: &Payment) -> AppResult<()> {
    let body = serde_json::to_string(p).map_err(|e| AppError::Internal(e.to_string()))?;
    let (id, order_id, provider, currency) = (p.id.clone(), p.order_id.clone(), p.provider.clone(), p.currency.clone());
    let record = PaymentRecord { id, order_id, provider, currency, created_at: p.created_at, body, reference: None };
    Ok(tx.insert_payment(&record)?)
}

/// Appends a ledger entry (with the gateway's or Ordo's reference for it) and its event.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    p: &Payment,
    kind: EntryKind,
    amount: i64,
    reason: Option<String>,
    reference: Option<String>,
) -> AppResult<()> {
    tx.append_payment_entry(&PaymentEntry {
        seq: 0,
        payment_id: p.id.clone(),
        order_id: p.order_id.clone(),
        kind: kind.as_str().to_owned(),
        amount,
        at: now,
        actor: Some(actor.key_id.clone()),
        reason: reason.clone(),
        reference,
    })?;
    emit(tx, now, &p.order_id, payment_event(p, kind, amount, reason, &actor.key_id, None)?)
}

/// The event a ledger entry is announced with, whether Ordo or a gateway's webhook moved
/// the money.
fn payment_event(
    p: &Payment,
    kind: EntryKind,
    amount: i64,
    reason: Option<String>,
    actor: &str,
    gateway_event: Option<String>,
) -> AppResult<Event> {
    let currency =
        ordo_domain::Currency::from_code(&p.currency).ok_or_else(|| AppError::Internal("payment currency".into()))?;
    let moved = PaymentMoved {
        payment_id: p.id.clone(),
        order_id: p.order_id.clone(),
        amount: Money::from_minor(amount, currency).amount_string(),
        currency: p.currency.clone(),
        reason,
        actor: actor.to_owned(),
        gateway_event,
    };
    Ok(match kind {
        EntryKind::Authorized => Event::PaymentAuthorized(moved),
        EntryKind::Captured => Event::PaymentCaptured(moved),
        EntryKind::Voided => Event::PaymentVoided(moved),
        EntryKind::Failed => Event::PaymentFailed(moved),
        // Money given back at the gateway itself (its dashboard), as its webhook reports it.
        EntryKind::Refunded if moved.gateway_event.is_some() => Event::PaymentRefunded(moved),
        EntryKind::Refunded => Event::RefundSucceeded(moved),
    })
}

impl App {
    pub async fn add_payment(
        &self,
        actor: &Actor,
        order_id: &str,
        input: NewPayment,
        idem: Option<IdemCtx<OrderPayments>>,
    ) -> AppResult<Outcome<OrderPayments>> {
        require(actor, Action::TakePayments)?;
        let mut e = Errors::new();
        crate::kernel::input::refuse_card_numbers(
            &mut e,
            [("payment_method", input.payment_method.as_deref()), ("gift_card_code", input.gift_card_code.as_deref())],
        );
        e.finish(())?;
        let provider = match input.provider.as_deref() {
            Some(p @ ("manual" | "gift_card" | "store_credit")) => p.to_owned(),
            Some("stripe") => return self.add_card_payment(actor, order_id, input, idem).await,
            Some(_) => return Err(AppError::field("provider", "must be manual, stripe, gift_card or store_credit")),
            None => return Err(AppError::field("provider", "is required")),
        };
        if provider == "gift_card" && input.gift_card_code.is_none() {
            return Err(AppError::field("gift_card_code", "is required for gift card payments"));
        }
        let mut e = Errors::new();
        let method = match input.method.as_deref() {
            None => None,
            Some(m @ ("cash_on_delivery" | "bank_transfer" | "invoice" | "other")) => Some(m.to_owned()),
            Some(_) => {
                e.add("method", "must be cash_on_delivery, bank_transfer, invoice or other");
                None
            }
        };
        let amount = require_positive(&mut e, "amount", &input.amount);
        e.finish(())?;
        let amount = amount.expect("checked");
        // Balances Ordo keeps are taken at once: there is nothing to authorize first. A manual
        // payment follows the channel's capture policy unless it says.
        let captured_flag = input.captured;
        let overpayment = input.overpayment.unwrap_or(false);
        let (id, who, code) = (order_id.to_owned(), actor.clone(), input.gift_card_code.clone());
        self.write_idem(idem, move |tx, now| {
            let order = visible_order(tx, &who, &id)?;
            if amount.currency().code() != order.currency {
                return Err(AppError::OrderCurrency(vec![ordo_domain::validate::FieldError {
                    field: "amount/currency".into(),
                    message: format!("must be {}, the order's currency", order.currency),
                    kind: Default::default(),
                }]));
            }
            let in_flight = crate::money::card_claims::pending(tx, &id, now)?;
            check_due(&who, &order, &payments_with_totals(tx, &id)?, in_flight, amount.minor(), overpayment)?;
            let on_shipment = crate::channels::settings::settings_of(tx, &order.channel)?.captures_on_shipment();
            let captured = provider != "manual" || captured_flag.unwrap_or(!on_shipment);
            let mut payment = Payment {
                id: format!("pay_{}", ordo_domain::id::encode(now as u64, random_u128())),
                order_id: order.id.to_string(),
                provider: provider.clone(),
                method: method.clone(),
                currency: order.currency.clone(),
                created_at: now,
                account_id: None,
                reference: None,
            };
            if provider != "manual" {
                let (kind, account_code) = match provider.as_str() {
                    "gift_card" => ("gift_card", code.clone().unwrap_or_default()),
                    _ => ("store_credit", order.customer_id.to_string()),
                };
                let account = tx.balance_account(kind, &account_code)?.filter(|a| a.currency == order.currency).ok_or(
                    AppError::Refused {
                        code: "insufficient_balance",
                        message: format!("no {kind} balance in {}", order.currency),
                    },
                )?;
                crate::money::balances::move_balance(
                    tx,
                    now,
                    &who,
                    &account.id,
                    &order.currency,
                    -amount.minor(),
                    "payment",
                    Some(&payment.order_id),
                    Some(&payment.id),
                )?;
                payment.account_id = Some(account.id);
            }
            insert(tx, &payment)?;
            entry(tx, now, &who, &payment, EntryKind::Authorized, amount.minor(), None)?;
            if captured {
                entry(tx, now, &who, &payment, EntryKind::Captured, amount.minor(), None)?;
            }
            load(tx, order)
        })
        .await
    }

    /// Captures, voids or refunds a payment.
    pub async fn payment_action(
        &self,
        actor: &Actor,
        payment_id: &str,
        kind: EntryKind,
        input: AmountInput,
        idem: Option<IdemCtx<OrderPayments>>,
    ) -> AppResult<Outcome<OrderPayments>> {
        require(actor, if kind == EntryKind::Refunded { Action::Refund } else { Action::TakePayments })?;
        let mut e = Errors::new();
        crate::kernel::input::refuse_card_numbers(&mut e, [("reason", input.reason.as_deref())]);
        e.finish(())?;
        if let Some(gateway) = self.gateway.clone() {
            let (id, who) = (payment_id.to_owned(), actor.clone());
            let card = self
                .store
                .read(move |tx| {
                    let (payment, _) = visible_payment(tx, &who, &id)?;
                    if !is_gateway(&payment) {
                        return Ok(None);
                    }
                    let ledger = tx.payment_entries_for_order(&payment.order_id)?;
                    let count = ledger.iter().filter(|e| e.payment_id == payment.id).count();
                    // Pending refunds' promises count as refunded: not refundable again.
                    let promised = crate::money::refunds::promised_in(tx, &payment.order_id, &payment.id)?;
                    let t = totals_of(&ledger, &id);
                    let totals = PaymentTotals { refunded: t.refunded + promised, ..t };
                    Ok::<_, AppError>(Some((payment, totals, count)))
                })
                .await?;
            if let Some(found) = card {
                return self.card_action(actor, found, kind, input, gateway.as_ref(), idem).await;
            }
        }
        let mut e = Errors::new();
        let reason = e.optional_text("reason", input.reason.as_deref(), 500);
        e.finish(())?;
        let (id, who) = (payment_id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let (payment, order) = visible_payment(tx, &who, &id)?;
            let totals = totals_of(&tx.payment_entries_for_order(&payment.order_id)?, &id);
            let currency = ordo_domain::Currency::from_code(&payment.currency)
                .ok_or_else(|| AppError::Internal("currency".into()))?;
            let amount = match &input.amount {
                Some(m) => {
                    let mut e = Errors::new();
                    let v = check_money(&mut e, "amount", m, Some(currency));
                    if !e.is_empty() {
                        let mismatch = e.0.iter().all(|f| f.message.ends_with("the order's currency"));
                        return Err(if mismatch { AppError::OrderCurrency(e.0) } else { AppError::from(e) });
                    }
                    v.map(|m| m.minor())
                }
                None => None,
            };
            let to_store_credit = match input.to.as_deref() {
                None | Some("original") => false,
                Some("store_credit") if kind == EntryKind::Refunded => true,
                Some(_) => return Err(AppError::field("to", "must be original or store_credit, for refunds")),
            };
            let amount = match kind {
                EntryKind::Captured => {
                    let a = amount.unwrap_or(totals.capturable());
                    totals.check_capture(a).map_err(refused_in(&payment.currency))?;
                    a
                }
                EntryKind::Voided => totals.check_void().map_err(refused_in(&payment.currency))?,
                EntryKind::Refunded => {
                    let a = amount.ok_or_else(|| AppError::field("amount", "is required for a refund"))?;
                    let promised = crate::money::refunds::promised_in(tx, &payment.order_id, &payment.id)?;
                    PaymentTotals { refunded: totals.refunded + promised, ..totals }
                        .check_refund(a)
                        .map_err(refused_in(&payment.currency))?;
                    a
                }
                _ => return Err(AppError::Internal("not an action".into())),
            };
            entry(tx, now, &who, &payment, kind, amount, reason.clone())?;
            if kind == EntryKind::Refunded {
                // The money goes back where it came from, or onto the customer's store credit.
                let store_credit = to_store_credit.then_some((order.customer_id.as_str(), order.currency.as_str()));
                crate::money::balances::refund_to_balance(tx, now, &who, &payment, store_credit, amount)?;
            }
            load(tx, order)
        })
        .await
    }

    pub async fn order_payments(&self, actor: &Actor, order_id: &str) -> AppResult<OrderPayments> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                load(tx, order)
            })
            .await
    }
}

/// Payments as they stand, oldest first, with their totals.
pub(crate) fn payments_with_totals(tx: &mut dyn Tx, order_id: &str) -> AppResult<Vec<(Payment, PaymentTotals)>> {
    let ledger = tx.payment_entries_for_order(order_id)?;
    tx.payments_for_order(order_id)?
        .iter()
        .map(|r| {
            let p: Payment =
                serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("stored payment: {e}")))?;
            let t = totals_of(&ledger, &p.id);
            Ok((p, t))
        })
        .collect()
}

/// A payment whose money moves at an external gateway (a card through Stripe).
pub(crate) fn is_gateway(p: &Payment) -> bool {
    is_gateway_provider(&p.provider)
}

/// Whether payments of this provider move money at a gateway (anything but the providers
/// whose ledger entries are the money movement).
pub(crate) fn is_gateway_provider(provider: &str) -> bool {
    !matches!(provider, "manual" | "gift_card" | "store_credit" | crate::money::platform::PLATFORM)
}

/// A fulfilment's share of the order total, in proportion to the value of what it carries;
/// the shares of all live fulfilments add up to the order total exactly. `None` when the
/// fulfilment is not a live part of the order.
pub(crate) fn shipment_share(tx: &mut dyn Tx, order: &Order, fulfillment_id: &str) -> AppResult<Option<i64>> {
    use ordo_domain::fulfillment::FulfillmentStatus as S;
    let fulfillments: Vec<_> = tx
        .fulfillments_for_order(order.id.as_str())?
        .into_iter()
        .filter(|f| !matches!(f.status, S::Cancelled | S::Rejected))
        .collect();
    let values: Vec<i64> = fulfillments
        .iter()
        .map(|f| {
            f.lines
                .iter()
                .map(|l| {
                    order
                        .lines
                        .iter()
                        .find(|o| o.id == l.line_id)
                        .map_or(0, |o| o.unit_price.saturating_mul(l.quantity))
                })
                .sum()
        })
        .collect();
    let shares = ordo_domain::payment::shipment_shares(order.totals.total, &values);
    Ok(fulfillments.iter().position(|f| f.id.as_str() == fulfillment_id).map(|i| shares[i]))
}

/// The ledger reference of a capture made for a shipment.
pub(crate) fn shipment_reference(fulfillment_id: &str) -> String {
    format!("ship:{fulfillment_id}")
}

/// When a fulfilment ships, captures its share of the order total from the payments still
/// authorized, oldest first. Payments Ordo records itself are captured here; a gateway's
/// authorization is captured at the gateway by the settler (it cannot be called from inside
/// this transaction), which takes what is left of the share.
pub(crate) fn capture_on_shipment(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    order: &Order,
    shipped: &ordo_domain::fulfillment::Fulfillment,
) -> AppResult<()> {
    let payments = payments_with_totals(tx, order.id.as_str())?;
    if payments.iter().all(|(p, t)| t.capturable() == 0 || is_gateway(p)) {
        return Ok(());
    }
    let Some(mut due) = shipment_share(tx, order, shipped.id.as_str())? else { return Ok(()) };
    for (p, t) in payments.into_iter().filter(|(p, _)| !is_gateway(p)) {
        if due == 0 {
            break;
        }
        let take = t.capturable().min(due);
        if take > 0 {
            let (reason, reference) = (format!("shipment {}", shipped.id), shipment_reference(shipped.id.as_str()));
            record(tx, now, actor, &p, EntryKind::Captured, take, Some(reason), Some(reference))?;
            due -= take;
        }
    }
    Ok(())
}

/// When an order is cancelled: what is authorized is voided, what was captured is refunded.
/// Gateway payments are settled through the API (void or refund), which asks the gateway first.
pub(crate) fn settle_cancellation(tx: &mut dyn Tx, now: i64, actor: &Actor, order: &Order) -> AppResult<()> {
    let pending = crate::money::refunds::refunds_of(tx, order.id.as_str())?;
    for (p, t) in payments_with_totals(tx, order.id.as_str())?.into_iter().filter(|(p, _)| !is_gateway(p)) {
        if t.capturable() > 0 {
            entry(tx, now, actor, &p, EntryKind::Voided, t.capturable(), Some("order cancelled".into()))?;
        }
        // What a pending refund promised from it is its to record.
        let left = t.refundable() - crate::money::refunds::promised(&pending, &p.id);
        if left > 0 {
            entry(tx, now, actor, &p, EntryKind::Refunded, left, Some("order cancelled".into()))?;
        }
    }
    Ok(())
}

impl App {
    /// A card payment through Stripe: authorized at the gateway first, recorded after. The
    /// gateway call carries an idempotency key derived from the request, and the recording
    /// skips an intent already recorded, so a retry after any failure charges once. A keyed
    /// request that already finished is replayed without asking the gateway.
    async fn add_card_payment(
        &self,
        actor: &Actor,
        order_id: &str,
        input: NewPayment,
        idem: Option<IdemCtx<OrderPayments>>,
    ) -> AppResult<Outcome<OrderPayments>> {
        let gateway = self.card_gateway()?;
        let mut e = Errors::new();
        let token = e.text("payment_method", input.payment_method.as_deref(), 255);
        if token.as_deref().is_some_and(|t| !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')) {
            e.add("payment_method", "must be the gateway's token: letters, digits, '_' and '-'");
        }
        let amount = require_positive(&mut e, "amount", &input.amount);
        let (token, amount) = e.finish((token, amount))?;
        let (token, amount) = (token.expect("checked"), amount.expect("checked"));
        let overpayment = input.overpayment.unwrap_or(false);
        // The rest runs as a task of its own, so that a client that goes away while the
        // gateway answers cuts nothing short: the order's turn is held until the payment is
        // recorded or refused. The request's origin goes along, for the audit log.
        let (app, actor, order_id) = (self.clone(), actor.clone(), order_id.to_owned());
        let origin = ordo_store::origin::of_request();
        let turn = async move {
            if let Some(o) = origin {
                ordo_store::origin::set(o);
            }
            app.card_payment_in_turn(&actor, &order_id, token, amount, overpayment, gateway, idem).await
        };
        tokio::spawn(ordo_store::origin::scope(turn))
            .await
            .map_err(|e| AppError::Internal(format!("the card payment's task stopped: {e}")))?
    }

    /// A card payment's checks, authorization and recording, one order's at a time.
    #[allow(clippy::too_many_arguments)]
    async fn card_payment_in_turn(
        &self,
        actor: &Actor,
        order_id: &str,
        token: String,
        amount: Money,
        overpayment: bool,
        gateway: std::sync::Arc<dyn crate::ports::payment::PaymentGateway>,
        idem: Option<IdemCtx<OrderPayments>>,
    ) -> AppResult<Outcome<OrderPayments>> {
        let (id, who) = (order_id.to_owned(), actor.clone());
        let minor = amount.minor();
        // Held until the payment is recorded: a second card payment for this order checks
        // the balance due only once this one is counted in it.
        let _turn = self.card_locks.lock(order_id).await;
        // A keyed request that already finished is answered as it was, before any check.
        if let Some(replay) = self.replay_of(idem.as_ref()).await? {
            return Ok(replay);
        }
        let now = self.now();
        let payment_id = format!("pay_{}", ordo_domain::id::encode(now as u64, random_u128()));
        let claim_id = format!("pcl_{}", ordo_domain::id::encode(now as u64, random_u128()));
        // The amount is claimed under the order's lock before the gateway is asked, so that a
        // card payment on another node counts it in the balance due (see `card_claims`).
        let claim = claim_id.clone();
        let (order, settings, payments) = self
            .store
            .write(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                if amount.currency().code() != order.currency {
                    return Err(AppError::OrderCurrency(vec![ordo_domain::validate::FieldError {
                        field: "amount/currency".into(),
                        message: format!("must be {}, the order's currency", order.currency),
                        kind: Default::default(),
                    }]));
                }
                let payments = payments_with_totals(tx, &id)?;
                let in_flight = crate::money::card_claims::pending(tx, &id, now)?;
                check_due(&who, &order, &payments, in_flight, minor, overpayment)?;
                crate::money::card_claims::claim(tx, &id, &claim, minor, now)?;
                let settings = crate::channels::settings::settings_of(tx, &order.channel)?;
                Ok::<_, AppError>((order, settings, payments))
            })
            .await?;
        // Card payments of this amount the order already holds.
        let same =
            payments.iter().filter(|(p, t)| p.method.as_deref() == Some("card") && t.authorized == minor).count();
        // The gateway's idempotency key: the order, the card (hashed: short and header-safe),
        // the amount, and how many such card payments the order already holds. A retry whose
        // first answer was lost (nothing recorded) sends the same key, so the card is charged
        // once; a second payment of the same card and amount, once the first is recorded, is
        // a payment of its own.
        let key = format!("ordo-{}-{}-{}-{same}", order.id, &hash_secret(&token)[..16], minor);
        let what = crate::ports::payment::Authorization {
            amount: amount.minor(),
            currency: &order.currency,
            token: &token,
            payment_id: &payment_id,
            order_id: order.id.as_str(),
            capture_now: !settings.captures_on_shipment(),
        };
        let intent = match gateway.authorize(what, &key).await {
            Ok(intent) => intent,
            Err(e) => return Err(self.release_card_claim(&claim_id, now, e).await),
        };
        let provider = gateway.provider();
        let who = actor.clone();
        let order_id = order.id.to_string();
        self.write_idem(idem, move |tx, now| {
            let order = visible_order(tx, &who, &order_id)?;
            crate::money::card_claims::end(tx, &claim_id, "settled", now)?;
            let existing = payments_with_totals(tx, &order_id)?;
            if !existing.iter().any(|(p, _)| p.reference.as_deref() == Some(intent.reference.as_str())) {
                let payment = Payment {
                    id: payment_id.clone(),
                    order_id: order_id.clone(),
                    provider: provider.into(),
                    method: Some("card".into()),
                    currency: order.currency.clone(),
                    created_at: now,
                    account_id: None,
                    reference: Some(intent.reference.clone()),
                };
                let body = serde_json::to_string(&payment).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.insert_payment(&PaymentRecord {
                    id: payment.id.clone(),
                    order_id: order_id.clone(),
                    provider: payment.provider.clone(),
                    currency: payment.currency.clone(),
                    created_at: now,
                    body,
                    reference: Some(intent.reference.clone()),
                })?;
                entry(tx, now, &who, &payment, EntryKind::Authorized, amount.minor(), None)?;
                if intent.received > 0 {
                    entry(tx, now, &who, &payment, EntryKind::Captured, intent.received, None)?;
                }
            }
            load(tx, order)
        })
        .await
    }

    /// Capture, void or refund at Stripe, then record what it did. A keyed request that
    /// already finished is replayed without asking the gateway.
    async fn card_action(
        &self,
        actor: &Actor,
        (payment, totals, entries): (Payment, PaymentTotals, usize),
        kind: EntryKind,
        input: AmountInput,
        gateway: &dyn crate::ports::payment::PaymentGateway,
        idem: Option<IdemCtx<OrderPayments>>,
    ) -> AppResult<Outcome<OrderPayments>> {
        if input.to.as_deref() == Some("store_credit") {
            return Err(AppError::conflicting("to", "card refunds go back to the card"));
        }
        let currency =
            ordo_domain::Currency::from_code(&payment.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
        let mut e = Errors::new();
        let amount =
            input.amount.as_ref().and_then(|m| check_money(&mut e, "amount", m, Some(currency))).map(|m| m.minor());
        if !e.is_empty() {
            let mismatch = e.0.iter().all(|f| f.message.ends_with("the order's currency"));
            return Err(if mismatch { AppError::OrderCurrency(e.0) } else { AppError::from(e) });
        }
        let intent_id =
            payment.reference.clone().ok_or_else(|| AppError::Internal("a card payment without its intent".into()))?;
        let key = |a: i64| format!("ordo-{}-{}-{entries}-{a}", payment.id, kind.as_str());
        if let Some(replay) = self.replay_of(idem.as_ref()).await? {
            return Ok(replay);
        }
        let amount = match kind {
            EntryKind::Captured => {
                let a = amount.unwrap_or(totals.capturable());
                totals.check_capture(a).map_err(refused_in(&payment.currency))?;
                gateway.capture(&intent_id, a, a == totals.capturable(), &key(a)).await?;
                a
            }
            EntryKind::Voided => {
                let a = totals.check_void().map_err(refused_in(&payment.currency))?;
                gateway.void(&intent_id, &key(a)).await?;
                a
            }
            EntryKind::Refunded => {
                let a = amount.ok_or_else(|| AppError::field("amount", "is required for a refund"))?;
                totals.check_refund(a).map_err(refused_in(&payment.currency))?;
                gateway.refund(&intent_id, a, &key(a)).await?;
                a
            }
            _ => return Err(AppError::Internal("not an action".into())),
        };
        let (who, reason) = (actor.clone(), input.reason.clone());
        self.write_idem(idem, move |tx, now| {
            let order = visible_order(tx, &who, &payment.order_id)?;
            let ledger = tx.payment_entries_for_order(&payment.order_id)?;
            // Recorded once even if a webhook or a retry got here first.
            if ledger.iter().filter(|e| e.payment_id == payment.id).count() == entries {
                entry(tx, now, &who, &payment, kind, amount, reason.clone())?;
            }
            load(tx, order)
        })
        .await
    }

    /// A Stripe webhook event, verified by its `Stripe-Signature`. Events already recorded
    /// change nothing.
    pub async fn gateway_webhook(&self, headers: &crate::ports::WebhookHeaders, body: &[u8]) -> AppResult<()> {
        let gateway = self.card_gateway()?;
        let Some(event) = gateway.webhook(headers, body, self.now())? else { return Ok(()) };
        let provider = gateway.provider();
        let clock = self.clock.clone();
        let system = Actor { key_id: provider.into(), role: crate::Role::Admin, channel: None };
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                // By the gateway's id first: a retried authorization may echo an older id.
                let record = match (&event.reference, &event.payment_id) {
                    (Some(r), _) if tx.payment_by_reference(r)?.is_some() => tx.payment_by_reference(r)?,
                    (_, Some(id)) => tx.payment_by_id(id)?,
                    _ => None,
                };
                let Some(record) = record.filter(|r| r.provider == provider) else { return Ok(()) };
                let payment_id = record.id.clone();
                // Locks the order: one recording at a time.
                tx.order_by_id(&record.order_id)?;
                let payment: Payment =
                    serde_json::from_str(&record.body).map_err(|e| AppError::Internal(e.to_string()))?;
                let ledger = tx.payment_entries_for_order(&record.order_id)?;
                if ledger.iter().any(|e| e.reference.as_deref() == Some(event.id.as_str())) {
                    return Ok(());
                }
                let totals = totals_of(&ledger, &payment_id);
                let (entry_kind, amount) = match event.change {
                    GatewayChange::Captured { received } => (EntryKind::Captured, received - totals.captured),
                    GatewayChange::Voided => (EntryKind::Voided, totals.capturable()),
                    GatewayChange::Failed { amount } => (EntryKind::Failed, amount),
                    // Refunds made at the gateway (Stripe's dashboard): `refunded` is the running
                    // total. While one of Ordo's own refunds waits on this payment, it records its
                    // part itself; a later event carries the total again.
                    GatewayChange::Refunded { refunded } => {
                        let waiting = crate::money::refunds::refunds_of(tx, &record.order_id)?.iter().any(|r| {
                            r.allocations.iter().any(|a| {
                                a.payment_id == payment_id && a.status == ordo_domain::payment::RefundStatus::Pending
                            })
                        });
                        if waiting {
                            return Ok(());
                        }
                        // Store credit given from this payment never reached the gateway.
                        let at_gateway: i64 = ledger
                            .iter()
                            .filter(|e| e.payment_id == payment_id && e.kind == EntryKind::Refunded.as_str())
                            .filter(|e| !e.reference.as_deref().is_some_and(|r| r.starts_with("ref_")))
                            .map(|e| e.amount)
                            .sum();
                        (EntryKind::Refunded, refunded - at_gateway)
                    }
                };
                // The ledger's bounds hold whatever an event claims.
                let amount = match entry_kind {
                    EntryKind::Captured => amount.min(totals.capturable()),
                    EntryKind::Refunded => amount.min(totals.refundable()),
                    _ => amount,
                };
                if amount <= 0 {
                    return Ok(());
                }
                tx.append_payment_entry(&PaymentEntry {
                    seq: 0,
                    payment_id: payment.id.clone(),
                    order_id: payment.order_id.clone(),
                    kind: entry_kind.as_str().to_owned(),
                    amount,
                    at: now,
                    actor: Some(system.key_id.clone()),
                    reason: Some(event.name.clone()),
                    reference: Some(event.id.clone()),
                })?;
                let announced = payment_event(
                    &payment,
                    entry_kind,
                    amount,
                    Some(event.name.clone()),
                    &system.key_id,
                    Some(event.id.clone()),
                )?;
                emit(tx, now, &payment.order_id, announced)
            })
            .await
    }
}
