//! What the simulation expects the books to say, kept step by step from the answers Ordo
//! gave (only what was acknowledged counts), and the checks that hold it against the store:
//! stock levels against the expected units, the inventory ledger and the open fulfilments;
//! payment summaries against the money acknowledged, the payment ledger and the gateway's
//! own books; every order's derived status against its fulfilments.

use std::collections::{BTreeMap, HashMap};

use ordo_app::{Actor, App, AppError};
use ordo_domain::fulfillment::{Fulfillment, FulfillmentStatus};
use ordo_domain::order::OrderStatus;
use ordo_domain::payment::summarize;
use ordo_store::{MovementFilter, Page};

use crate::gateway::SimGateway;

pub type Key = (String, String);

/// One acknowledged order as the simulation knows it.
#[derive(Debug, Clone, Default)]
pub struct OrderModel {
    pub id: String,
    pub cancelled: bool,
    /// (line id, sku) in the order's line order.
    pub lines: Vec<(String, String)>,
    /// Units of open fulfilments by (sku, location), as last read.
    pub open: BTreeMap<Key, i64>,
    /// Fulfilments as last read, by location code then id.
    pub fulfillments: Vec<Fulfillment>,
    /// Money acknowledged: received (captured) and refunded, minor units.
    pub received: i64,
    pub refunded: i64,
    /// What is still due and what could be refunded, as last read.
    pub balance_due: i64,
    pub net_paid: i64,
    /// Card payments (gateway references) the order holds, as last read.
    pub card_payments: Vec<(String, String)>,
    /// Refunds already taken into `refunded`.
    pub refunds: std::collections::BTreeSet<String>,
    /// What a cancellation gave back of payments Ordo keeps itself (recorded in the payment
    /// ledger directly, without a refund), already taken into `refunded`.
    pub cancel_refunded: i64,
}

#[derive(Debug, Default)]
pub struct Model {
    pub orders: Vec<OrderModel>,
    pub index: HashMap<String, usize>,
    pub skus: Vec<String>,
    pub locations: Vec<String>,
    /// Units expected on hand by (sku, location).
    pub on_hand: BTreeMap<Key, i64>,
    /// Units of open fulfilments by (sku, location), summed over the orders.
    pub reserved: BTreeMap<Key, i64>,
    /// The inventory ledger's sums by (sku, location), read incrementally.
    pub ledger: BTreeMap<Key, (i64, i64)>,
    pub ledger_cursor: i64,
}

/// A check that failed: what it says, for the seed's report.
pub type Broken = String;

pub fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), Broken> {
    if ok { Ok(()) } else { Err(what()) }
}

fn open(status: FulfillmentStatus) -> bool {
    matches!(
        status,
        FulfillmentStatus::Pending
            | FulfillmentStatus::Picking
            | FulfillmentStatus::Packed
            | FulfillmentStatus::ReadyForPickup
    )
}

fn live(status: FulfillmentStatus) -> bool {
    !matches!(status, FulfillmentStatus::Cancelled | FulfillmentStatus::Rejected)
}

impl Model {
    pub fn add_order(&mut self, id: &str, lines: Vec<(String, String)>) -> usize {
        let i = self.orders.len();
        self.orders.push(OrderModel { id: id.to_owned(), lines, ..OrderModel::default() });
        self.index.insert(id.to_owned(), i);
        i
    }

    pub fn units(&mut self, key: &Key, delta: i64) {
        *self.on_hand.entry(key.clone()).or_default() += delta;
    }

    /// Reads one order, its fulfilments and payments, checks them against each other and
    /// against what was acknowledged, and takes the new open fulfilments into the model.
    /// `may_refund`: the operation may have refunded on its own (a cancellation, an edit, a
    /// received return); its new refunds are taken into the model. Otherwise a refund that
    /// was not acknowledged is an error.
    pub async fn check_order(
        &mut self,
        app: &App,
        gateway: &SimGateway,
        i: usize,
        may_refund: bool,
    ) -> Result<(), Broken> {
        self.check(app, gateway, Some(i), &[], may_refund).await
    }

    /// Reads one order (if given) and these SKUs' stock in one snapshot, and checks both.
    pub async fn check(
        &mut self,
        app: &App,
        gateway: &SimGateway,
        order: Option<usize>,
        skus: &[String],
        may_refund: bool,
    ) -> Result<(), Broken> {
        let order_id = order.map(|i| self.orders[i].id.clone());
        let (wanted, after) = (skus.to_vec(), self.ledger_cursor);
        let (got, levels, movements) = app
            .store
            .read(move |tx| {
                let got = match &order_id {
                    Some(id) => Some((tx.order_by_id(id)?, tx.fulfillments_for_order(id)?)),
                    None => None,
                };
                let refs: Vec<&str> = wanted.iter().map(String::as_str).collect();
                let levels = if refs.is_empty() { Vec::new() } else { tx.levels_for_skus(&refs)? };
                // The ledger lists newest first: read down to the last movement already summed.
                let mut movements = Vec::new();
                let (mut before, mut limit) = (None, 16);
                loop {
                    let page = Page { after: before, limit };
                    limit = 2_000;
                    let got = tx.list_movements(&page, &MovementFilter::default())?;
                    let full = got.len() == page.limit;
                    before = got.last().map(|m| m.seq);
                    let done = !full || before.is_some_and(|b| b <= after + 1);
                    movements.extend(got.into_iter().filter(|m| m.seq > after));
                    if done {
                        break;
                    }
                }
                Ok::<_, AppError>((got, levels, movements))
            })
            .await
            .map_err(|e| format!("reading the books: {e:?}"))?;
        if let (Some(i), Some((found, fulfillments))) = (order, got) {
            self.order_part(app, gateway, i, found, fulfillments, may_refund).await?;
        }
        self.stock_part(skus, levels, movements)
    }

    async fn order_part(
        &mut self,
        app: &App,
        gateway: &SimGateway,
        i: usize,
        order: Option<ordo_domain::order::Order>,
        mut fulfillments: Vec<Fulfillment>,
        may_refund: bool,
    ) -> Result<(), Broken> {
        let id = self.orders[i].id.clone();
        let order = order.ok_or_else(|| format!("acknowledged order {id} is lost"))?;
        let m = &self.orders[i];
        ensure((order.status == OrderStatus::Cancelled) == m.cancelled, || {
            format!("{id} is {:?}, acknowledged cancelled: {}", order.status, m.cancelled)
        })?;
        fulfillments.sort_by(|a, b| (&a.location, a.created_at, &a.id).cmp(&(&b.location, b.created_at, &b.id)));
        let mut new_open: BTreeMap<Key, i64> = BTreeMap::new();
        for f in fulfillments.iter().filter(|f| open(f.status)) {
            for l in &f.lines {
                *new_open.entry((l.sku.clone(), f.location.clone())).or_default() += l.quantity;
            }
        }
        if m.cancelled {
            ensure(new_open.is_empty(), || format!("cancelled {id} still holds open fulfilments {new_open:?}"))?;
        }
        // Every line's allocations are its live fulfilments' units, never more than ordered.
        for line in &order.lines {
            let allocated: i64 = line.allocations.iter().map(|a| a.quantity).sum();
            let fulfilling: i64 = fulfillments
                .iter()
                .filter(|f| live(f.status))
                .flat_map(|f| f.lines.iter())
                .filter(|l| l.line_id == line.id)
                .map(|l| l.quantity)
                .sum();
            ensure(allocated <= line.quantity, || {
                format!("{id} line {}: {allocated} allocated of {}", line.id, line.quantity)
            })?;
            if order.status == OrderStatus::Allocated {
                ensure(allocated == fulfilling, || {
                    format!("{id} line {}: {allocated} allocated, {fulfilling} in live fulfilments", line.id)
                })?;
            }
        }
        // Money: the summary is what its ledger says, and what was acknowledged.
        let payments =
            app.order_payments(&Actor::system(), &id).await.map_err(|e| format!("payments of {id}: {e:?}"))?;
        let s = &payments.summary;
        let totals: Vec<_> = payments.payments.iter().map(|(_, t)| *t).collect();
        ensure(summarize(order.totals.total, &totals) == *s, || {
            format!("{id}: summary {s:?} is not its payments' {totals:?}")
        })?;
        ensure(s.total == order.totals.total, || {
            format!("{id}: summary total {} vs order {}", s.total, order.totals.total)
        })?;
        let mut by_kind: BTreeMap<&str, i64> = BTreeMap::new();
        for e in &payments.ledger {
            *by_kind.entry(e.kind.as_str()).or_default() += e.amount;
        }
        let sum = |f: fn(&ordo_domain::payment::PaymentTotals) -> i64| totals.iter().map(f).sum::<i64>();
        for (kind, total) in [
            ("captured", sum(|t| t.captured)),
            ("refunded", sum(|t| t.refunded)),
            ("authorized", sum(|t| t.authorized)),
        ] {
            ensure(by_kind.get(kind).copied().unwrap_or(0) == total, || {
                format!("{id}: ledger {kind} {by_kind:?} vs totals {total}")
            })?;
        }
        // Refunds are read when the operation may have made some, or when the ledger's refunded
        // total moved from what the model holds.
        let cancel_refunded = m.cancel_refunded;
        let on_cancel: i64 = payments
            .ledger
            .iter()
            .filter(|e| e.kind == "refunded" && e.reason.as_deref() == Some("order cancelled"))
            .map(|e| e.amount)
            .sum();
        let refunds = if may_refund || s.refunded != m.refunded + on_cancel - cancel_refunded {
            app.order_refunds(&Actor::system(), &id).await.map_err(|e| format!("refunds of {id}: {e:?}"))?
        } else {
            Vec::new()
        };
        let m = &mut self.orders[i];
        for r in &refunds {
            if !m.refunds.contains(&r.id) {
                ensure(may_refund, || format!("{id}: refund {} of {} appeared unasked", r.id, r.amount))?;
                if r.status == ordo_domain::payment::RefundStatus::Succeeded {
                    m.refunded += r.amount;
                }
                m.refunds.insert(r.id.clone());
            }
        }
        if on_cancel != m.cancel_refunded {
            ensure(may_refund && m.cancelled, || format!("{id}: {on_cancel} given back on cancellation unasked"))?;
            m.refunded += on_cancel - m.cancel_refunded;
            m.cancel_refunded = on_cancel;
        }
        if !refunds.is_empty() {
            let made: i64 = refunds
                .iter()
                .filter(|r| r.status == ordo_domain::payment::RefundStatus::Succeeded)
                .map(|r| r.amount)
                .sum();
            ensure(made + on_cancel == s.refunded, || {
                format!(
                    "{id}: refunds made {made} and {on_cancel} on cancellation, the payment ledger refunded {}",
                    s.refunded
                )
            })?;
        }
        let m = &self.orders[i];
        ensure(s.captured == m.received, || format!("{id}: {} captured, {} acknowledged", s.captured, m.received))?;
        ensure(s.refunded == m.refunded, || format!("{id}: {} refunded, {} acknowledged", s.refunded, m.refunded))?;
        ensure(s.refunded <= s.captured, || format!("{id}: refunded {} of {} received", s.refunded, s.captured))?;
        let mut cards = Vec::new();
        {
            let books = gateway.0.lock().unwrap();
            for (p, t) in &payments.payments {
                let Some(reference) = p.reference.as_ref().filter(|_| p.provider == "stripe") else { continue };
                let intent =
                    books.intents.get(reference).ok_or_else(|| format!("{id}: {reference} unknown to the gateway"))?;
                ensure(
                    intent.captured == t.captured && intent.refunded == t.refunded && intent.order_id == id,
                    || format!("{id}: {reference} is {t:?} in Ordo, {intent:?} at the gateway"),
                )?;
                cards.push((p.id.clone(), reference.clone()));
            }
        }
        // The new open units replace the old in the sums.
        let m = &mut self.orders[i];
        for (k, n) in &m.open {
            *self.reserved.entry(k.clone()).or_default() -= n;
        }
        for (k, n) in &new_open {
            *self.reserved.entry(k.clone()).or_default() += n;
        }
        m.open = new_open;
        m.fulfillments = fulfillments;
        m.balance_due = s.balance_due;
        m.net_paid = s.net_paid;
        m.card_payments = cards;
        m.lines = order.lines.iter().map(|l| (l.id.to_string(), l.sku.clone())).collect();
        Ok(())
    }

    /// Checks these SKUs' levels against the units expected, the open fulfilments and the
    /// ledger (its new movements summed in first).
    pub async fn check_stock(&mut self, app: &App, skus: &[String]) -> Result<(), Broken> {
        self.check(app, &SimGateway::default(), None, skus, false).await
    }

    fn stock_part(
        &mut self,
        skus: &[String],
        levels: Vec<ordo_store::LevelRecord>,
        movements: Vec<ordo_domain::inventory::Movement>,
    ) -> Result<(), Broken> {
        for mv in movements {
            let e = self.ledger.entry((mv.sku, mv.location)).or_default();
            e.0 += mv.on_hand_delta;
            e.1 += mv.reserved_delta;
            self.ledger_cursor = self.ledger_cursor.max(mv.seq);
        }
        let mut seen = Vec::new();
        for l in levels {
            let key = (l.sku.clone(), l.location.clone());
            let expected = self.on_hand.get(&key).copied().unwrap_or(0);
            let reserved = self.reserved.get(&key).copied().unwrap_or(0);
            ensure(l.on_hand == expected, || format!("{key:?}: {} on hand, {expected} expected", l.on_hand))?;
            ensure(l.reserved == reserved, || {
                format!("{key:?}: {} reserved, open fulfilments hold {reserved}", l.reserved)
            })?;
            ensure(0 <= l.reserved && l.reserved <= l.on_hand, || {
                format!("{key:?}: oversold: {} reserved of {}", l.reserved, l.on_hand)
            })?;
            let ledger = self.ledger.get(&key).copied().unwrap_or((0, 0));
            ensure(ledger == (l.on_hand, l.reserved), || {
                format!("{key:?}: ledger {ledger:?} does not explain ({}, {})", l.on_hand, l.reserved)
            })?;
            seen.push(key);
        }
        for (key, n) in self.on_hand.iter().filter(|(k, _)| skus.contains(&k.0)) {
            ensure(*n == 0 || seen.contains(key), || format!("{key:?}: {n} expected, no level"))?;
        }
        Ok(())
    }

    /// Everything: every order, every SKU, and no order the simulation was not told of.
    pub async fn check_all(&mut self, app: &App, gateway: &SimGateway) -> Result<(), Broken> {
        let all: Vec<usize> = (0..self.orders.len()).collect();
        self.check_some(app, gateway, &all).await?;
        let count = app
            .store
            .read(|tx| {
                Ok::<_, AppError>(tx.table_counts()?.into_iter().find(|(t, _)| t == "orders").map_or(0, |(_, n)| n))
            })
            .await
            .map_err(|e| format!("counting orders: {e:?}"))?;
        ensure(count as usize == self.orders.len(), || {
            format!("{count} orders stored, {} acknowledged", self.orders.len())
        })
    }

    /// These orders and every SKU: what a reopen must show. (An order that landed unasked
    /// shows in its SKUs' reservations; the full check counts the orders too.)
    pub async fn check_some(&mut self, app: &App, gateway: &SimGateway, orders: &[usize]) -> Result<(), Broken> {
        for &i in orders {
            self.check_order(app, gateway, i, false).await?;
        }
        let skus = self.skus.clone();
        self.check_stock(app, &skus).await
    }
}
