//! Sales reports in one currency: every order's amounts converted into the report's currency
//! at the exchange rates of the order's day (the latest on or before it), each order rounded
//! to the currency's minor unit, then summed. Orders whose day has no rate are not guessed at:
//! they are listed apart, in their own currency.

use std::collections::BTreeMap;

use ordo_domain::money::Currency;
use ordo_domain::order::{Order, OrderStatus};
use ordo_store::{OrderFilter, Page};

use crate::kernel::guard::require;
use crate::money::fx::{BASE, RateBook};
use crate::money::refunds::refunded_of;
use crate::{Action, Actor, App, AppError, AppResult};

/// The most orders one report reads; past it, the report asks for a shorter span. (Reports
/// from rollups, which read no orders, come with the reporting work.)
pub const MAX_ORDERS: usize = 200_000;
const DAY_MS: i64 = 86_400_000;

/// Money figures of a set of orders, minor units of the report's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
/// Sums of many orders, in minor units, held wider than one amount so that no sum wraps.
pub struct Figures {
    pub orders: i64,
    pub subtotal: i128,
    pub discount: i128,
    pub shipping: i128,
    pub tax: i128,
    pub total: i128,
    pub refunded: i128,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.orders += o.orders;
        self.subtotal += o.subtotal;
        self.discount += o.discount;
        self.shipping += o.shipping;
        self.tax += o.tax;
        self.total += o.total;
        self.refunded += o.refunded;
    }
}

/// Orders in one currency: their own figures, and the same converted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyLine {
    pub currency: String,
    pub figures: Figures,
    pub converted: Figures,
}

/// Orders that could not be converted: no rate for their currency on or before their day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconverted {
    pub currency: String,
    pub date: String,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesReport {
    pub currency: String,
    pub from: String,
    pub to: String,
    pub channel: Option<String>,
    /// Orders cancelled in the span, not in the figures.
    pub cancelled: i64,
    pub totals: Figures,
    pub days: Vec<(String, Figures)>,
    pub by_currency: Vec<CurrencyLine>,
    pub unconverted: Vec<Unconverted>,
}

#[derive(Debug, Clone, Default)]
pub struct SalesQuery {
    /// The first day (`YYYY-MM-DD`, UTC); by default 29 days before `to`.
    pub from: Option<String>,
    /// The last day (`YYYY-MM-DD`, UTC); by default today.
    pub to: Option<String>,
    /// The report's currency; by default EUR, the base of the exchange rates.
    pub currency: Option<String>,
    /// Only this channel's orders.
    pub channel: Option<String>,
}

fn day_start(date: &str) -> Option<i64> {
    (date.len() == 10).then(|| crate::kernel::time_fmt::parse_rfc3339(&format!("{date}T00:00:00Z"))).flatten()
}

fn figures_of(order: &Order, refunded: i64) -> Figures {
    let t = &order.totals;
    Figures {
        orders: 1,
        subtotal: t.subtotal.into(),
        discount: t.discount.into(),
        shipping: t.shipping.into(),
        tax: t.tax.into(),
        total: t.total.into(),
        refunded: refunded.into(),
    }
}

impl App {
    pub async fn sales_report(&self, actor: &Actor, q: SalesQuery) -> AppResult<SalesReport> {
        require(actor, Action::ReadOrders)?;
        let mut e = ordo_domain::validate::Errors::new();
        let today = crate::kernel::time_fmt::day(self.now());
        let to = q.to.clone().unwrap_or(today);
        let to_ms = day_start(&to);
        if to_ms.is_none() {
            e.add("to", "must be a date, YYYY-MM-DD");
        }
        let from = q.from.clone().unwrap_or_else(|| crate::kernel::time_fmt::day(to_ms.unwrap_or(0) - 29 * DAY_MS));
        let from_ms = day_start(&from);
        if from_ms.is_none() {
            e.add("from", "must be a date, YYYY-MM-DD");
        }
        let code = q.currency.clone().unwrap_or_else(|| BASE.to_owned());
        let currency = Currency::from_code(&code);
        if currency.is_none() {
            e.add("currency", format!("{code:?} is not an ISO 4217 currency code"));
        }
        let channel = match (&actor.channel, q.channel.clone()) {
            (Some(own), Some(asked)) if *own != asked => return Err(AppError::NotFound("channel")),
            (Some(own), _) => Some(own.clone()),
            (None, asked) => asked,
        };
        e.finish(())?;
        let (currency, from_ms, to_ms) =
            (currency.expect("checked"), from_ms.expect("checked"), to_ms.expect("checked"));
        let filter = OrderFilter {
            channel: channel.clone(),
            created_after: Some(from_ms),
            created_before: Some(to_ms + DAY_MS),
            ..Default::default()
        };
        // Every order of the span with what was refunded of it, read in one snapshot.
        let orders = self
            .store
            .read(move |tx| {
                let mut out = Vec::new();
                let mut page = Page { after: None, limit: 500 };
                loop {
                    let batch = tx.list_orders(&page, &filter)?;
                    if out.len() + batch.len() > MAX_ORDERS {
                        return Err(AppError::Refused {
                            code: "report_too_large",
                            message: format!("the span holds more than {MAX_ORDERS} orders; ask for a shorter one"),
                        });
                    }
                    for o in &batch {
                        out.push((o.clone(), refunded_of(tx, o.id.as_str())?));
                    }
                    match batch.last() {
                        Some(last) if batch.len() == page.limit => page.after = Some(last.number),
                        _ => break,
                    }
                }
                Ok::<_, AppError>(out)
            })
            .await?;
        // The rates of each day that has orders.
        let days_with_orders: std::collections::BTreeSet<String> =
            orders.iter().map(|(o, _)| crate::kernel::time_fmt::day(o.created_at)).collect();
        let rates = self.store.read(move |tx| RateBook::read(tx, days_with_orders)).await?;
        let mut report = SalesReport {
            currency: currency.code().to_owned(),
            from,
            to,
            channel,
            cancelled: 0,
            totals: Figures::default(),
            days: Vec::new(),
            by_currency: Vec::new(),
            unconverted: Vec::new(),
        };
        let mut days: BTreeMap<String, Figures> = BTreeMap::new();
        let mut by_currency: BTreeMap<String, CurrencyLine> = BTreeMap::new();
        let mut unconverted: BTreeMap<(String, String), Figures> = BTreeMap::new();
        for (o, refunded) in &orders {
            if o.status == OrderStatus::Cancelled {
                report.cancelled += 1;
                continue;
            }
            let day = crate::kernel::time_fmt::day(o.created_at);
            let own = figures_of(o, *refunded);
            let from_currency =
                Currency::from_code(&o.currency).ok_or_else(|| AppError::Internal("currency".into()))?;
            // An order whose amounts cannot be converted (no rate that day, or a rate so
            // extreme that its amount leaves the range) is listed as unconverted.
            let c = |minor: i128| rates.convert(&day, minor, from_currency, currency);
            let conv = (|| {
                Some(Figures {
                    orders: 1,
                    subtotal: c(own.subtotal)?,
                    discount: c(own.discount)?,
                    shipping: c(own.shipping)?,
                    tax: c(own.tax)?,
                    total: c(own.total)?,
                    refunded: c(own.refunded)?,
                })
            })();
            let line = by_currency
                .entry(o.currency.clone())
                .or_insert_with(|| CurrencyLine { currency: o.currency.clone(), ..Default::default() });
            line.figures.add(&own);
            match conv {
                Some(c) => {
                    line.converted.add(&c);
                    days.entry(day).or_default().add(&c);
                    report.totals.add(&c);
                }
                None => unconverted.entry((o.currency.clone(), day)).or_default().add(&own),
            }
        }
        report.days = days.into_iter().collect();
        report.by_currency = by_currency.into_values().collect();
        report.unconverted = unconverted
            .into_iter()
            .map(|((currency, date), figures)| Unconverted { currency, date, figures })
            .collect();
        Ok(report)
    }
}
