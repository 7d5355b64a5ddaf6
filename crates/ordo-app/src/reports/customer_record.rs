//! A customer at a glance, for support: how many orders, what they spent in the base
//! currency, their last order, how much they send back, with the customer's tags and notes.
//! Figures are read from the customer's orders in one snapshot, never stored.

use std::collections::BTreeMap;

use ordo_domain::catalog::Customer;
use ordo_domain::money::Currency;
use ordo_domain::order::{Order, OrderStatus};
use ordo_store::{OrderFilter, Page, Tx};

use crate::aftersales::returns::Return;
use crate::aftersales::units::shipped_units;
use crate::kernel::guard::require;
use crate::kernel::records::documents_of;
use crate::kernel::time_fmt::day;
use crate::money::fx::{BASE, RateBook};
use crate::money::refunds::refunded_of;
use crate::{Action, Actor, App, AppError, AppResult};

/// The most orders a summary reads (newest first); a customer with more is summed over these
/// and says so (`complete` false).
pub const MAX_ORDERS: usize = 10_000;

/// The customer's last order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastOrder {
    pub id: String,
    pub number: i64,
    pub channel: String,
    pub status: OrderStatus,
    pub placed_at: i64,
}

/// What support needs to know of a customer's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSummary {
    /// Orders placed and not cancelled.
    pub orders: i64,
    pub cancelled_orders: i64,
    /// What the orders that were not cancelled came to, less what was refunded of them, in the
    /// base currency at the rates of each order's day, each order rounded to the minor unit.
    pub lifetime_spend: i128,
    /// The base currency's code.
    pub currency: &'static str,
    /// Spend whose day had no rate for its currency, per currency, in its own minor units:
    /// not in `lifetime_spend`, never guessed.
    pub unconverted: BTreeMap<String, i128>,
    pub last_order: Option<LastOrder>,
    /// Units that reached the customer (shipped, delivered or collected).
    pub units_received: i64,
    /// Units in returns that were not rejected.
    pub units_returned: i64,
    /// Returns that were not rejected.
    pub returns: i64,
    /// Whether every order was read (see [`MAX_ORDERS`]).
    pub complete: bool,
}

impl CustomerSummary {
    /// Units returned per unit received, to four decimals (`"0.2500"`); `None` before
    /// anything reached the customer.
    pub fn returns_rate(&self) -> Option<String> {
        (self.units_received > 0).then(|| {
            let basis_points =
                (self.units_returned as i128 * 10_000 + self.units_received as i128 / 2) / self.units_received as i128;
            format!("{}.{:04}", basis_points / 10_000, basis_points % 10_000)
        })
    }
}

/// One order's part in the summary, as read.
struct OrderFacts {
    order: Order,
    refunded: i64,
    received: i64,
    returned: i64,
    returns: i64,
}

fn facts_of(tx: &mut dyn Tx, order: Order) -> AppResult<OrderFacts> {
    let id = order.id.as_str().to_owned();
    let refunded = refunded_of(tx, &id)?;
    let received = shipped_units(&tx.fulfillments_for_order(&id)?);
    let returns: Vec<Return> =
        documents_of::<Return>(tx, &id)?.into_iter().filter(|r| r.status.takes_units()).collect();
    let returned = returns.iter().flat_map(|r| &r.lines).map(|l| l.quantity).sum();
    Ok(OrderFacts { order, refunded, received, returned, returns: returns.len() as i64 })
}

fn summarize(facts: &[OrderFacts], rates: &RateBook, complete: bool) -> AppResult<CustomerSummary> {
    let base = Currency::from_code(BASE).ok_or_else(|| AppError::Internal("base currency".into()))?;
    let mut s = CustomerSummary {
        orders: 0,
        cancelled_orders: 0,
        lifetime_spend: 0,
        currency: BASE,
        unconverted: BTreeMap::new(),
        last_order: None,
        units_received: 0,
        units_returned: 0,
        returns: 0,
        complete,
    };
    for f in facts {
        let o = &f.order;
        if s.last_order.as_ref().is_none_or(|l| o.number > l.number) {
            s.last_order = Some(LastOrder {
                id: o.id.to_string(),
                number: o.number,
                channel: o.channel.clone(),
                status: o.status,
                placed_at: o.created_at,
            });
        }
        s.units_received += f.received;
        s.units_returned += f.returned;
        s.returns += f.returns;
        if o.status == OrderStatus::Cancelled {
            s.cancelled_orders += 1;
            continue;
        }
        s.orders += 1;
        let spent = i128::from(o.totals.total) - i128::from(f.refunded);
        let currency = Currency::from_code(&o.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
        match rates.convert(&day(o.created_at), spent, currency, base) {
            Some(converted) => s.lifetime_spend += converted,
            None => *s.unconverted.entry(o.currency.clone()).or_default() += spent,
        }
    }
    Ok(s)
}

impl App {
    /// A customer with their summary.
    pub async fn customer_record(&self, actor: &Actor, id: &str) -> AppResult<(Customer, CustomerSummary)> {
        require(actor, Action::ReadCustomers)?;
        require(actor, Action::ReadOrders)?;
        let id = id.to_owned();
        self.store
            .read(move |tx| {
                let customer = tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))?;
                let filter = OrderFilter { customer_id: Some(id.clone()), ..Default::default() };
                let mut facts = Vec::new();
                let mut page = Page { after: None, limit: 500 };
                let complete = loop {
                    let batch = tx.list_orders(&page, &filter)?;
                    let full = batch.len() == page.limit;
                    page.after = batch.last().map(|o| o.number);
                    let room = MAX_ORDERS - facts.len();
                    let beyond = batch.len() > room;
                    for o in batch.into_iter().take(room) {
                        facts.push(facts_of(tx, o)?);
                    }
                    if beyond {
                        break false;
                    }
                    if !full {
                        break true;
                    }
                    if facts.len() == MAX_ORDERS {
                        break tx.list_orders(&Page { after: page.after, limit: 1 }, &filter)?.is_empty();
                    }
                };
                let days: std::collections::BTreeSet<String> = facts.iter().map(|f| day(f.order.created_at)).collect();
                let rates = RateBook::read(tx, days)?;
                Ok((customer, summarize(&facts, &rates, complete)?))
            })
            .await
    }
}
