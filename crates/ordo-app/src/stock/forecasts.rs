//! Demand forecasts per SKU: the units customers ordered each day (`demand`: by the day each
//! order was placed, cancellations taken off, returns counted apart) over a span of history,
//! per location and in total, forecast day by day with 80% and 95% intervals
//! (`forecast_model`), with a backtest that says how well the same model did on the last four
//! weeks it was not shown.
//!
//! Each SKU's forecast with the default history is made once a day by the forecast worker
//! (`forecast_runs`) and on demand, and kept (`forecasts` table) with its backtest; reading one
//! answers the kept forecast made today when the question is the default one, and works the
//! forecast out afresh otherwise.
//!
//! Days a location had none to sell still count their orders (an order waits for stock), but
//! a stock-out that turned customers away lowers the forecast; the backtest makes it visible.

use std::collections::BTreeMap;

use ordo_domain::validate::Errors;
use ordo_store::{ForecastRecord, Page, Tx};
use serde::{Deserialize, Serialize};

use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::time_fmt;
use crate::stock::demand::{DAY_MS, DailyDemand, demand_by_day};
use crate::stock::forecast_model::{self, Backtest, Prediction};
use crate::{Action, Actor, App, AppError, AppResult};

/// Days forecast when no horizon is given, and the most (what a kept forecast holds).
pub const DEFAULT_HORIZON: i64 = 28;
pub const MAX_HORIZON: i64 = 90;
/// Days of history read when none is given (what a kept forecast learnt from), the fewest and
/// the most.
pub const DEFAULT_HISTORY: i64 = 364;
pub const MIN_HISTORY: i64 = 14;
pub const MAX_HISTORY: i64 = 730;
/// Days the backtest holds out.
pub const BACKTEST_DAYS: usize = 28;

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkuForecast {
    pub sku: String,
    /// When it was worked out (ms since the epoch).
    pub computed_at: i64,
    /// The first day of history and the last (the day before it was worked out).
    pub history_from: String,
    pub history_until: String,
    /// The first day forecast and the last.
    pub from: String,
    pub until: String,
    /// Each location with demand in the history (or the one asked for).
    pub locations: Vec<SeriesForecast>,
    /// Every location's demand together (the location asked for alone, when one was).
    pub total: SeriesForecast,
}

/// The forecast of one series of daily demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesForecast {
    /// The location's code; none for the total.
    pub location: Option<String>,
    /// Units ordered in the history, and the days with any.
    pub history_units: i64,
    pub demand_days: usize,
    /// Units returned in the history (not taken off the demand).
    pub returned_units: i64,
    pub prediction: Prediction,
    /// The days forecast, `YYYY-MM-DD`, matching the prediction's entries.
    pub days: Vec<String>,
    pub backtest: Option<Backtest>,
}

impl SeriesForecast {
    fn of(location: Option<String>, demand: &DailyDemand, days: &[String]) -> SeriesForecast {
        let history = &demand.ordered;
        SeriesForecast {
            location,
            history_units: history.iter().sum::<f64>() as i64,
            demand_days: history.iter().filter(|v| **v > 0.0).count(),
            returned_units: demand.returned.iter().sum::<f64>() as i64,
            prediction: forecast_model::predict(history, days.len()),
            days: days.to_vec(),
            backtest: forecast_model::backtest(history, BACKTEST_DAYS),
        }
    }

    /// The first `horizon` days only.
    fn cut(&mut self, horizon: usize) {
        let p = &mut self.prediction;
        for v in [&mut p.point, &mut p.lower, &mut p.upper, &mut p.lower_95, &mut p.upper_95] {
            v.truncate(horizon);
        }
        self.days.truncate(horizon);
    }
}

impl SkuForecast {
    /// The first `horizon` days only, of one location when `location` names one (none when
    /// the forecast has no series for it).
    fn cut(mut self, horizon: usize, location: Option<&str>) -> Option<SkuForecast> {
        if let Some(code) = location {
            let only = self.locations.into_iter().find(|s| s.location.as_deref() == Some(code))?;
            self.total = SeriesForecast { location: None, ..only.clone() };
            self.locations = vec![only];
        }
        for s in self.locations.iter_mut().chain(std::iter::once(&mut self.total)) {
            s.cut(horizon);
        }
        self.until = self.total.days.last().cloned().unwrap_or_default();
        Some(self)
    }

    /// The row a forecast is kept in; none when it cannot be written as JSON. Units are kept
    /// to two decimals (as the API shows them), and a total that is its one location's series
    /// is kept once.
    pub(crate) fn record(&self) -> Option<ForecastRecord> {
        let mut kept = self.clone();
        for s in kept.locations.iter_mut().chain(std::iter::once(&mut kept.total)) {
            let p = &mut s.prediction;
            for v in [&mut p.point, &mut p.lower, &mut p.upper, &mut p.lower_95, &mut p.upper_95] {
                v.iter_mut().for_each(|x| *x = (*x * 100.0).round() / 100.0);
            }
        }
        let single = matches!(kept.locations.as_slice(), [one] if SeriesForecast { location: None, ..one.clone() } == kept.total);
        let mut body = serde_json::to_value(&kept).ok()?;
        let fields = body.as_object_mut()?;
        if single {
            fields.remove("total");
        }
        // The time is the row's own column; the numbers are cut short, so that no run of
        // digits in the document looks like a card number to `ordo scan-pan`.
        fields.remove("computed_at");
        shorten(&mut body);
        let body = body.to_string();
        let backtest = self.total.backtest;
        Some(ForecastRecord {
            sku: self.sku.clone(),
            computed_at: self.computed_at,
            model: self.total.prediction.model.as_str().into(),
            mase: backtest.and_then(|b| b.mase),
            bias: backtest.map(|b| b.bias),
            units: self.total.history_units,
            body,
        })
    }
}

impl SkuForecast {
    /// A kept forecast read back (see [`SkuForecast::record`]).
    fn parse(body: &str, computed_at: i64) -> Option<SkuForecast> {
        let mut v: serde_json::Value = serde_json::from_str(body).ok()?;
        v["computed_at"] = computed_at.into();
        if v.get("total").is_none() {
            let mut total = v.get("locations")?.get(0)?.clone();
            total["location"] = serde_json::Value::Null;
            v["total"] = total;
        }
        serde_json::from_value(v).ok()
    }
}

/// Rounds every fractional number in `v` to four decimals.
fn shorten(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64().map(|x| (x * 10_000.0).round() / 10_000.0)
                && let Some(short) = serde_json::Number::from_f64(x)
            {
                *n = short;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(shorten),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(shorten),
        _ => {}
    }
}

/// A kept forecast, for listing: its total's model and backtest error.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastSummary {
    pub sku: String,
    pub computed_at: i64,
    pub model: String,
    pub mase: Option<f64>,
    pub bias: Option<f64>,
}

/// The demand of `sku` read for a forecast: per location code, and the code of the location
/// asked for (a series of its own, empty when it had no demand).
type Demand = (BTreeMap<String, DailyDemand>, Option<String>);

fn read_demand(tx: &mut dyn Tx, sku: &str, location: Option<&str>, start: i64, history: i64) -> AppResult<Demand> {
    tx.product_by_sku(sku)?.ok_or(AppError::NotFound("product"))?;
    let only = match location {
        None => None,
        Some(code) => Some(
            tx.location_by_code(code)?
                .ok_or_else(|| AppError::missing("location", format!("no location has code {code:?}")))?,
        ),
    };
    let mut by_location = demand_by_day(tx, sku, only.as_ref().map(|l| l.id.as_str()), start, history)?;
    if let Some(l) = &only {
        by_location.entry(l.code.clone()).or_insert_with(|| DailyDemand::none(history as usize));
    }
    Ok((by_location, only.map(|l| l.code)))
}

/// Fits every series of `demand`, and their total: CPU work, for a blocking thread.
fn work_out(sku: String, (series, only): Demand, now: i64, start: i64, horizon: i64) -> SkuForecast {
    let today = now.div_euclid(DAY_MS);
    let days: Vec<String> = (0..horizon).map(|d| time_fmt::day((today + d) * DAY_MS)).collect();
    let size = (today - start).max(0) as usize;
    let mut total = DailyDemand::none(size);
    for s in series.values() {
        for (t, v) in total.ordered.iter_mut().zip(&s.ordered) {
            *t += v;
        }
        for (t, v) in total.returned.iter_mut().zip(&s.returned) {
            *t += v;
        }
    }
    let locations = series.iter().map(|(code, s)| SeriesForecast::of(Some(code.clone()), s, &days)).collect::<Vec<_>>();
    // One location's demand is the total: it is fitted once.
    let total = match (&only, locations.as_slice()) {
        (Some(_), [one, ..]) | (None, [one]) => SeriesForecast { location: None, ..one.clone() },
        _ => SeriesForecast::of(None, &total, &days),
    };
    SkuForecast {
        sku,
        computed_at: now,
        history_from: time_fmt::day(start * DAY_MS),
        history_until: time_fmt::day((today - 1) * DAY_MS),
        from: days.first().cloned().unwrap_or_default(),
        until: days.last().cloned().unwrap_or_default(),
        locations,
        total,
    }
}

impl App {
    /// Forecasts `sku`'s demand from today for `horizon` days (default 28, at most 90) from the
    /// `history` days before today (default 364, 14 to 730). The forecast kept today answers
    /// when no history is asked for (and it has the location asked for); otherwise it is
    /// worked out now, and not kept.
    pub async fn forecast(&self, actor: &Actor, sku: &str, q: ForecastQuery) -> AppResult<SkuForecast> {
        require(actor, Action::ReadInventory)?;
        let mut e = Errors::new();
        let location = e.optional_text("location", q.location.as_deref(), 32);
        e.finish(())?;
        let horizon = q.horizon.unwrap_or(DEFAULT_HORIZON).clamp(1, MAX_HORIZON);
        if q.history.is_none() {
            let (sku, asked, today) = (sku.to_owned(), location.clone(), self.now().div_euclid(DAY_MS));
            let kept = self
                .store
                .read(move |tx| {
                    tx.product_by_sku(&sku)?.ok_or(AppError::NotFound("product"))?;
                    Ok::<_, AppError>(tx.forecast(&sku)?)
                })
                .await?
                .filter(|r| r.computed_at.div_euclid(DAY_MS) == today)
                .and_then(|r| SkuForecast::parse(&r.body, r.computed_at))
                .and_then(|f| f.cut(horizon as usize, asked.as_deref()));
            if let Some(f) = kept {
                return Ok(f);
            }
        }
        let history = q.history.unwrap_or(DEFAULT_HISTORY).clamp(MIN_HISTORY, MAX_HISTORY);
        self.work_out_forecast(sku, location, horizon, history).await
    }

    /// Works `sku`'s forecast out now with the default history, for the longest horizon, and
    /// keeps it (what the daily run does for each SKU); answers its first 28 days.
    pub async fn refresh_forecast(
        &self,
        actor: &Actor,
        sku: &str,
        idem: Option<IdemCtx<SkuForecast>>,
    ) -> AppResult<Outcome<SkuForecast>> {
        require(actor, Action::Purchase)?;
        let made = self.work_out_forecast(sku, None, MAX_HORIZON, DEFAULT_HISTORY).await?;
        let row = made.record().ok_or_else(|| AppError::Internal("a forecast could not be written as JSON".into()))?;
        let answer = made.cut(DEFAULT_HORIZON as usize, None).expect("without a location a forecast is always cut");
        self.write_idem(idem, move |tx, _| {
            tx.put_forecast(&row)?;
            Ok(answer.clone())
        })
        .await
    }

    /// Kept forecasts by SKU, with their model and backtest error.
    pub async fn forecasts(&self, actor: &Actor, page: Page<String>) -> AppResult<Vec<ForecastSummary>> {
        require(actor, Action::ReadInventory)?;
        let rows = self.store.read(move |tx| Ok::<_, AppError>(tx.list_forecasts(&page)?)).await?;
        Ok(rows
            .into_iter()
            .map(|r| ForecastSummary {
                sku: r.sku,
                computed_at: r.computed_at,
                model: r.model,
                mase: r.mase,
                bias: r.bias,
            })
            .collect())
    }

    /// Reads `sku`'s demand and fits it (on a blocking thread).
    pub(crate) async fn work_out_forecast(
        &self,
        sku: &str,
        location: Option<String>,
        horizon: i64,
        history: i64,
    ) -> AppResult<SkuForecast> {
        let now = self.now();
        let start = now.div_euclid(DAY_MS) - history;
        let read = sku.to_owned();
        let demand = self.store.read(move |tx| read_demand(tx, &read, location.as_deref(), start, history)).await?;
        let sku = sku.to_owned();
        tokio::task::spawn_blocking(move || work_out(sku, demand, now, start, horizon))
            .await
            .map_err(|e| AppError::Internal(format!("a forecast failed: {e}")))
    }

    /// Keeps `made` (each replacing its SKU's forecast before), in one write.
    pub(crate) async fn keep_forecasts(&self, made: Vec<SkuForecast>) -> AppResult<()> {
        let rows: Vec<ForecastRecord> = made.iter().filter_map(SkuForecast::record).collect();
        if rows.len() < made.len() {
            tracing::warn!(
                skipped = made.len() - rows.len(),
                "forecasts that could not be written as JSON were not kept"
            );
        }
        self.store
            .write(move |tx| {
                for r in &rows {
                    tx.put_forecast(r)?;
                }
                Ok::<_, AppError>(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_forecast_reads_back_to_two_decimals_with_a_single_locations_total_kept_once() {
        let demand =
            DailyDemand { ordered: (0..60).map(|d| f64::from(d % 7 + 1) / 3.0).collect(), returned: vec![0.0; 60] };
        let one: Demand = ([("WH".to_owned(), demand.clone())].into_iter().collect(), None);
        let now = 20_000 * DAY_MS + 12_345;
        let made = work_out("A".into(), one, now, 20_000 - 60, 30);
        let row = made.record().unwrap();
        assert!(!row.body.contains("\"total\""), "the total is the one location's");
        assert_eq!(ordo_domain::pan::find(&row.body), [], "no run of digits is card-like: {}", row.body);
        let back = SkuForecast::parse(&row.body, row.computed_at).unwrap();
        assert_eq!((back.computed_at, back.total.history_units), (now, made.total.history_units));
        assert_eq!((back.total.location.as_deref(), back.total.days.len()), (None, 30));
        assert_eq!(back.total.prediction, back.locations[0].prediction);
        for (kept, made) in back.total.prediction.point.iter().zip(&made.total.prediction.point) {
            assert!((kept - made).abs() <= 0.005 && (kept * 100.0 - (kept * 100.0).round()).abs() < 1e-9);
        }
        assert_eq!(
            (row.model.as_str(), row.mase, row.bias),
            ("mstl_ets", made.total.backtest.and_then(|b| b.mase), made.total.backtest.map(|b| b.bias))
        );
        // Two locations keep their total.
        let two: Demand = ([("WH".to_owned(), demand.clone()), ("ST".to_owned(), demand)].into_iter().collect(), None);
        let made = work_out("A".into(), two, 100 * DAY_MS, 40, 30);
        let row = made.record().unwrap();
        let back = SkuForecast::parse(&row.body, row.computed_at).unwrap();
        assert_eq!((back.locations.len(), back.total.location.clone()), (2, None));
        assert!(back.total.history_units > back.locations[0].history_units);
    }
}
