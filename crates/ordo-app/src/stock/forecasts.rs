//! Demand forecasts per SKU: the units that left stock for customers each day (the ledger's
//! `shipped` and `picked_up` entries) over a span of history, per location and in total,
//! forecast day by day with an 80% interval (`forecast_model`), with a backtest that says how
//! well the same model did on the last four weeks it was not shown.
//!
//! Demand is counted when it ships, so an order waiting for stock counts once it leaves, and
//! days a location had none to sell count as days without demand (a stock-out lowers the
//! forecast); the backtest makes both visible.

use std::collections::BTreeMap;

use ordo_domain::inventory::Reason;
use ordo_domain::validate::Errors;
use ordo_store::{MovementFilter, Page, Tx};

use crate::kernel::guard::require;
use crate::kernel::time_fmt;
use crate::stock::forecast_model::{self, Backtest, Prediction};
use crate::{Action, Actor, App, AppError, AppResult};

/// Days forecast when no horizon is given, and the most.
pub const DEFAULT_HORIZON: i64 = 28;
pub const MAX_HORIZON: i64 = 90;
/// Days of history read when none is given, the fewest and the most.
pub const DEFAULT_HISTORY: i64 = 182;
pub const MIN_HISTORY: i64 = 14;
pub const MAX_HISTORY: i64 = 730;
/// Days the backtest holds out.
pub const BACKTEST_DAYS: usize = 28;

const DAY_MS: i64 = 86_400_000;

/// What may be asked of a forecast; out-of-range numbers are brought into range, like a page's
/// limit.
#[derive(Debug, Clone, Default)]
pub struct ForecastQuery {
    /// Only this location (its code).
    pub location: Option<String>,
    pub horizon: Option<i64>,
    pub history: Option<i64>,
}

/// A SKU's forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuForecast {
    pub sku: String,
    /// The first day of history and the last (yesterday).
    pub history_from: String,
    pub history_until: String,
    /// The first day forecast (today) and the last.
    pub from: String,
    pub until: String,
    /// Each location with demand in the history (or the one asked for).
    pub locations: Vec<SeriesForecast>,
    /// Every location's demand together (the location asked for alone, when one was).
    pub total: SeriesForecast,
}

/// The forecast of one series of daily demand.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesForecast {
    /// The location's code; none for the total.
    pub location: Option<String>,
    /// Units of the history, and the days with any.
    pub history_units: i64,
    pub demand_days: usize,
    pub prediction: Prediction,
    /// The days forecast, `YYYY-MM-DD`, matching the prediction's entries.
    pub days: Vec<String>,
    pub backtest: Option<Backtest>,
}

impl SeriesForecast {
    fn of(location: Option<String>, history: &[f64], days: &[String]) -> SeriesForecast {
        SeriesForecast {
            location,
            history_units: history.iter().sum::<f64>() as i64,
            demand_days: history.iter().filter(|v| **v > 0.0).count(),
            prediction: forecast_model::predict(history, days.len()),
            days: days.to_vec(),
            backtest: forecast_model::backtest(history, BACKTEST_DAYS),
        }
    }
}

/// The units of `sku` shipped or collected on each of the `days` days from day `start` (a day
/// number), per location code (only at `location_id` when one is given), oldest day first.
pub(crate) fn shipped_by_day(
    tx: &mut dyn Tx,
    sku: &str,
    location_id: Option<&str>,
    start: i64,
    days: i64,
) -> AppResult<BTreeMap<String, Vec<f64>>> {
    let mut by_location: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let filter = MovementFilter {
        sku: Some(sku.to_owned()),
        location_id: location_id.map(str::to_owned),
        after_time: Some(start * DAY_MS),
        before_time: Some((start + days) * DAY_MS),
        ..Default::default()
    };
    let mut page = Page { after: None, limit: 1000 };
    loop {
        let batch = tx.list_movements(&page, &filter)?;
        for m in &batch {
            if matches!(m.reason, Reason::Shipped | Reason::PickedUp) && m.on_hand_delta < 0 {
                let day = (m.at.div_euclid(DAY_MS) - start) as usize;
                let series = by_location.entry(m.location.clone()).or_insert_with(|| vec![0.0; days as usize]);
                if let Some(slot) = series.get_mut(day) {
                    *slot -= m.on_hand_delta as f64;
                }
            }
        }
        match batch.last() {
            Some(last) if batch.len() == page.limit => page.after = Some(last.seq),
            _ => return Ok(by_location),
        }
    }
}

impl App {
    /// Forecasts `sku`'s demand from today for `horizon` days (default 28, at most 90) from the
    /// `history` days before today (default 182, 14 to 730).
    pub async fn forecast(&self, actor: &Actor, sku: &str, q: ForecastQuery) -> AppResult<SkuForecast> {
        require(actor, Action::ReadInventory)?;
        let mut e = Errors::new();
        let location = e.optional_text("location", q.location.as_deref(), 32);
        e.finish(())?;
        let horizon = q.horizon.unwrap_or(DEFAULT_HORIZON).clamp(1, MAX_HORIZON);
        let history = q.history.unwrap_or(DEFAULT_HISTORY).clamp(MIN_HISTORY, MAX_HISTORY);
        let today = self.now().div_euclid(DAY_MS);
        let start = today - history;
        let (sku, asked) = (sku.to_owned(), sku.to_owned());
        let (series, location_code) = self
            .store
            .read(move |tx| {
                tx.product_by_sku(&sku)?.ok_or(AppError::NotFound("product"))?;
                let only = match &location {
                    None => None,
                    Some(code) => Some(
                        tx.location_by_code(code)?
                            .ok_or_else(|| AppError::missing("location", format!("no location has code {code:?}")))?,
                    ),
                };
                let mut by_location = shipped_by_day(tx, &sku, only.as_ref().map(|l| l.id.as_str()), start, history)?;
                if let Some(l) = &only {
                    by_location.entry(l.code.clone()).or_insert_with(|| vec![0.0; history as usize]);
                }
                Ok::<_, AppError>((by_location, only.map(|l| l.code)))
            })
            .await?;
        let days: Vec<String> = (0..horizon).map(|d| time_fmt::day((today + d) * DAY_MS)).collect();
        // Fitting is CPU work: off the async workers.
        let sku = asked;
        tokio::task::spawn_blocking(move || {
            let mut total = vec![0.0; history as usize];
            for s in series.values() {
                for (t, v) in total.iter_mut().zip(s) {
                    *t += v;
                }
            }
            let locations =
                series.iter().map(|(code, s)| SeriesForecast::of(Some(code.clone()), s, &days)).collect::<Vec<_>>();
            let total = match (&location_code, locations.first()) {
                (Some(_), Some(only)) => SeriesForecast { location: None, ..only.clone() },
                _ => SeriesForecast::of(None, &total, &days),
            };
            SkuForecast {
                sku,
                history_from: time_fmt::day(start * DAY_MS),
                history_until: time_fmt::day((today - 1) * DAY_MS),
                from: days.first().cloned().unwrap_or_default(),
                until: days.last().cloned().unwrap_or_default(),
                locations,
                total,
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("a forecast failed: {e}")))
    }
}
