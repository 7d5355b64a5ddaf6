//! Exchange rates as a book of dated rates, read once inside a transaction, so amounts can be
//! converted at the rate of their own day (sales reports, the cost of goods bought in another
//! currency). Loading rates is `money::fx`.

use std::collections::BTreeMap;

use ordo_domain::Money;
use ordo_domain::fx::{BASE, Rate};
use ordo_domain::money::Currency;

use crate::AppResult;

/// The rates of some days (the latest on or before each), read once, so amounts can be
/// converted at the rates of their own day.
#[derive(Debug, Default)]
pub(crate) struct RateBook(BTreeMap<String, BTreeMap<String, Rate>>);

impl RateBook {
    /// Reads the rates of every given day (`YYYY-MM-DD`).
    pub(crate) fn read(tx: &mut dyn ordo_store::Tx, days: impl IntoIterator<Item = String>) -> AppResult<RateBook> {
        let mut book = BTreeMap::new();
        for day in days {
            let rows = tx.exchange_rates_on(&day)?;
            book.insert(day, rows.into_iter().filter_map(|(c, _, _, r)| Some((c, Rate::parse(&r)?))).collect());
        }
        Ok(RateBook(book))
    }

    /// A currency's rate on a day read; the base's is 1.
    pub(crate) fn rate(&self, day: &str, currency: &str) -> Option<Rate> {
        if currency == BASE { Some(Rate { mantissa: 1, scale: 0 }) } else { self.0.get(day)?.get(currency).copied() }
    }

    /// `minor` units of `from` in `to`'s minor units at the day's rates, rounded once; `None`
    /// without a rate for either, or when the result leaves the range of an amount. The same
    /// currency needs no rate.
    pub(crate) fn convert(&self, day: &str, minor: i128, from: Currency, to: Currency) -> Option<i128> {
        if from == to {
            return Some(minor);
        }
        let minor = i64::try_from(minor).ok()?;
        let (from_rate, to_rate) = (self.rate(day, from.code())?, self.rate(day, to.code())?);
        ordo_domain::fx::convert(Money::from_minor(minor, from), from_rate, to, to_rate).ok().map(|m| m.minor().into())
    }
}
