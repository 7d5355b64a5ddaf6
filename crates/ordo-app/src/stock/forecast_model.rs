//! Demand forecasts from a daily series of units, oldest day first: pure functions, no IO.
//!
//! The rule, applied to the last 52 weeks of history from the first day with demand:
//! - no demand at all: nothing is forecast (`none`);
//! - intermittent demand (at least half the days without any, and at least two days with
//!   some): Croston's method with the Syntetos–Boylan correction (`croston`): the sizes of the
//!   days with demand and the gaps between them are smoothed apart (α = 0.1), the daily rate is
//!   `(1 − α/2) × size / gap`, flat over the horizon, and the intervals are the empirical
//!   quantiles of the daily demand seen (zero-inflated demand has no normal spread);
//! - two weeks or more: an MSTL decomposition with a weekly season, its trend and remainder
//!   forecast by exponential smoothing chosen by AICc (`augurs`: AutoETS, additive models), the
//!   last week's season repeated on top (`mstl_ets`); if that fails, the same smoothing without
//!   a season (`ets`);
//! - one to two weeks, or when the models fail: last week's days repeated (`seasonal_naive`),
//!   the interval from how much each day differs from the same day a week before;
//! - less than a week: the mean of the days seen (`mean`).
//!
//! Each day gets an 80% and a 95% interval. Demand is never negative, so points and bounds are
//! clamped at zero. The backtest holds the last days out, forecasts them from the rest and
//! scores the forecast against them: the mean absolute scaled error (MASE, against the
//! in-sample seasonal naive forecast; below 1 beats "the same as a week ago"), the bias, and
//! how many actual days fell inside the 80% interval.

use augurs::ets::AutoETS;
use augurs::mstl::MSTLModel;
use augurs::prelude::*;
use serde::{Deserialize, Serialize};

/// The season of daily demand: a week.
pub const SEASON: usize = 7;
/// The probability the (first) interval is meant to hold the actual demand with.
pub const LEVEL: f64 = 0.8;
/// The probability of the wider interval.
pub const WIDE_LEVEL: f64 = 0.95;
/// The normal quantiles of the two intervals.
const Z_80: f64 = 1.281_551_565_545;
const Z_95: f64 = 1.959_963_984_540;
/// The most recent days a model is fitted to (52 weeks): older history changes a weekly
/// season and a smoothed level little, and fitting time grows with the days.
pub const FIT_DAYS: usize = 364;
/// Croston's smoothing constant.
const CROSTON_ALPHA: f64 = 0.1;

/// Which model produced a forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// No demand at all in the history: nothing is forecast.
    None,
    /// The mean of the days seen (less than a week of history).
    Mean,
    /// Last week's days repeated.
    SeasonalNaive,
    /// Croston's method with the Syntetos–Boylan correction, for intermittent demand.
    Croston,
    /// Exponential smoothing without a season.
    Ets,
    /// A weekly season with exponential smoothing of the rest.
    MstlEts,
}

impl Model {
    pub fn as_str(self) -> &'static str {
        match self {
            Model::None => "none",
            Model::Mean => "mean",
            Model::SeasonalNaive => "seasonal_naive",
            Model::Croston => "croston",
            Model::Ets => "ets",
            Model::MstlEts => "mstl_ets",
        }
    }
}

/// Units forecast for each day of the horizon, with the 80% and 95% intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub model: Model,
    pub point: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub lower_95: Vec<f64>,
    pub upper_95: Vec<f64>,
    /// The standard deviation of the next day's forecast error, from the model's own interval
    /// (before any clamping at zero): what safety stock is sized against without a backtest.
    pub step_sd: f64,
}

impl Prediction {
    /// A forecast of `point` with intervals of `half(z, day)` either side.
    fn normal(model: Model, point: Vec<f64>, half: impl Fn(f64, usize) -> f64) -> Prediction {
        let band = |z: f64, sign: f64| point.iter().enumerate().map(|(i, p)| p + sign * half(z, i)).collect();
        Prediction {
            model,
            lower: band(Z_80, -1.0),
            upper: band(Z_80, 1.0),
            lower_95: band(Z_95, -1.0),
            upper_95: band(Z_95, 1.0),
            step_sd: half(1.0, 0),
            point,
        }
    }
}

/// How a forecast made without the last `days` did on them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    pub days: usize,
    pub model: Model,
    /// None when the history has no day-to-day change to scale by.
    pub mase: Option<f64>,
    /// The mean of forecast less actual: above zero, the forecast ran high.
    pub bias: f64,
    /// The share of held-out days whose demand fell inside the 80% interval.
    pub coverage: f64,
    /// The root mean square daily error on the held-out days: what safety stock may be sized
    /// against.
    pub error_sd: f64,
}

/// Forecasts `horizon` days after `history` (units per day, oldest first; values that are not
/// finite or are negative count as zero; only the last [`FIT_DAYS`] are fitted).
pub fn predict(history: &[f64], horizon: usize) -> Prediction {
    let recent = &history[history.len().saturating_sub(FIT_DAYS)..];
    let clean = |v: &f64| if v.is_finite() && *v > 0.0 { *v } else { 0.0 };
    // The series starts with its first demand: the days before (a SKU not yet sold, or not
    // yet stocked) say nothing of how often it sells.
    let first = recent.iter().position(|v| clean(v) > 0.0).unwrap_or(recent.len());
    let y: Vec<f64> = recent[first..].iter().map(clean).collect();
    let demand_days = y.iter().filter(|v| **v > 0.0).count();
    let mut p = if demand_days == 0 {
        Prediction::normal(Model::None, vec![0.0; horizon], |_, _| 0.0)
    } else if demand_days >= 2 && 2 * demand_days <= y.len() {
        croston(&y, horizon)
    } else if y.len() >= 2 * SEASON {
        fit(Model::MstlEts, &y, horizon)
            .or_else(|| fit(Model::Ets, &y, horizon))
            .unwrap_or_else(|| seasonal_naive(&y, horizon))
    } else if y.len() >= SEASON {
        seasonal_naive(&y, horizon)
    } else {
        mean_of(&y, horizon)
    };
    for i in 0..horizon {
        let point = p.point[i].max(0.0);
        p.lower[i] = p.lower[i].clamp(0.0, point);
        p.lower_95[i] = p.lower_95[i].clamp(0.0, p.lower[i]);
        p.upper[i] = p.upper[i].max(point);
        p.upper_95[i] = p.upper_95[i].max(p.upper[i]);
        p.point[i] = point;
    }
    p
}

/// A model's forecast, or none when it cannot be fitted to `y` or gives numbers that are not
/// finite. A panic inside the model is caught and counts as a failure.
fn fit(model: Model, y: &[f64], horizon: usize) -> Option<Prediction> {
    let run = || -> Option<(Forecast, Forecast)> {
        match model {
            Model::MstlEts => {
                let m = MSTLModel::new(vec![SEASON], AutoETS::non_seasonal().into_trend_model());
                let fitted = m.fit(y).ok()?;
                Some((fitted.predict(horizon, LEVEL).ok()?, fitted.predict(horizon, WIDE_LEVEL).ok()?))
            }
            Model::Ets => {
                let fitted = AutoETS::non_seasonal().fit(y).ok()?;
                Some((fitted.predict(horizon, LEVEL).ok()?, fitted.predict(horizon, WIDE_LEVEL).ok()?))
            }
            _ => None,
        }
    };
    let (f, wide) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).ok()??;
    let (i, w) = (f.intervals?, wide.intervals?);
    let all = [&f.point, &i.lower, &i.upper, &w.lower, &w.upper];
    let all_finite = all.iter().all(|v| v.iter().all(|x| x.is_finite()));
    let right_length = all.iter().all(|v| v.len() == horizon);
    if !(all_finite && right_length) {
        return None;
    }
    let step_sd = i.lower.first().zip(i.upper.first()).map_or(0.0, |(lo, hi)| ((hi - lo) / (2.0 * Z_80)).max(0.0));
    Some(Prediction {
        model,
        point: f.point,
        lower: i.lower,
        upper: i.upper,
        lower_95: w.lower,
        upper_95: w.upper,
        step_sd,
    })
}

/// The mean of the days seen, each day's interval its spread under a normal approximation.
fn mean_of(y: &[f64], horizon: usize) -> Prediction {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = if y.len() > 1 { y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { mean };
    let sd = var.max(0.0).sqrt();
    Prediction::normal(Model::Mean, vec![mean; horizon], |z, _| z * sd)
}

/// Last week's days repeated; the spread from the differences to the same day a week before
/// (or of the days themselves with less than two weeks), growing with the weeks ahead.
fn seasonal_naive(y: &[f64], horizon: usize) -> Prediction {
    let last_week = &y[y.len() - SEASON..];
    let diffs: Vec<f64> = y.windows(SEASON + 1).map(|w| w[SEASON] - w[0]).collect();
    let sd = if diffs.is_empty() {
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / y.len() as f64).sqrt()
    } else {
        (diffs.iter().map(|d| d * d).sum::<f64>() / diffs.len() as f64).sqrt()
    };
    let point = (0..horizon).map(|i| last_week[i % SEASON]).collect();
    Prediction::normal(Model::SeasonalNaive, point, |z, i| z * sd * ((i / SEASON + 1) as f64).sqrt())
}

/// Croston's method (Syntetos–Boylan corrected) for demand on few days: a flat daily rate, and
/// intervals from the quantiles of the days seen.
fn croston(y: &[f64], horizon: usize) -> Prediction {
    // Started at the averages of the window, then smoothed demand by demand.
    let demand: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
    let mut size = demand.iter().sum::<f64>() / demand.len().max(1) as f64;
    let mut gap = y.len() as f64 / demand.len().max(1) as f64;
    // The days before the first demand are no gap between two demands.
    let (mut since, mut seen) = (0.0, false);
    for v in y {
        since += 1.0;
        if *v > 0.0 {
            size += CROSTON_ALPHA * (v - size);
            if seen {
                gap += CROSTON_ALPHA * (since - gap);
            }
            (since, seen) = (0.0, true);
        }
    }
    let rate = if gap > 0.0 { (1.0 - CROSTON_ALPHA / 2.0) * size / gap } else { 0.0 };
    let mut sorted = y.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / y.len() as f64).sqrt();
    Prediction {
        model: Model::Croston,
        point: vec![rate; horizon],
        lower: vec![quantile(0.1); horizon],
        upper: vec![quantile(0.9); horizon],
        lower_95: vec![quantile(0.025); horizon],
        upper_95: vec![quantile(0.975); horizon],
        step_sd: sd,
    }
}

/// Holds the last `days` of `history` out, forecasts them from the rest, and scores the
/// forecast; none when fewer than two weeks would be left to learn from.
pub fn backtest(history: &[f64], days: usize) -> Option<Backtest> {
    if days == 0 || history.len() < days + 2 * SEASON {
        return None;
    }
    let (train, test) = history.split_at(history.len() - days);
    let p = predict(train, days);
    let error = test.iter().zip(&p.point).map(|(a, f)| (a - f).abs()).sum::<f64>() / days as f64;
    let naive = |lag: usize| {
        let n = train.len() - lag;
        (n > 0).then(|| train.windows(lag + 1).map(|w| (w[lag] - w[0]).abs()).sum::<f64>() / n as f64)
    };
    let scale = naive(SEASON).filter(|s| *s > 0.0).or_else(|| naive(1).filter(|s| *s > 0.0));
    let inside = test.iter().enumerate().filter(|(i, a)| p.lower[*i] <= **a && **a <= p.upper[*i]).count();
    let errors: Vec<f64> = test.iter().zip(&p.point).map(|(a, f)| a - f).collect();
    let mean_error = errors.iter().sum::<f64>() / days as f64;
    let spread = errors.iter().map(|e| (e - mean_error).powi(2)).sum::<f64>() / (days.max(2) - 1) as f64;
    Some(Backtest {
        days,
        model: p.model,
        mase: scale.map(|s| error / s),
        bias: -mean_error,
        coverage: inside as f64 / days as f64,
        // A forecast that is off on average is off by that too: the root mean square error.
        error_sd: (spread + mean_error * mean_error).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded generator of roughly normal noise (the sum of twelve uniforms).
    struct Noise(u64);

    impl Noise {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }

        fn normal(&mut self) -> f64 {
            (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
        }
    }

    /// Daily demand with a weekly pattern (weekends busier), a slow trend and noise.
    fn weekly(seed: u64, days: usize) -> Vec<f64> {
        let pattern = [0.8, 0.9, 0.9, 1.0, 1.1, 1.5, 1.3];
        let mut noise = Noise(seed);
        (0..days)
            .map(|d| {
                let level = 30.0 + 0.02 * d as f64;
                (level * pattern[d % 7] + 3.0 * noise.normal()).round().max(0.0)
            })
            .collect()
    }

    #[test]
    fn on_weekly_demand_the_forecast_beats_last_weeks_and_its_interval_holds_about_eighty_percent() {
        let (mut mase, mut coverage) = (Vec::new(), Vec::new());
        for seed in 1..=12u64 {
            let b = backtest(&weekly(seed, 182), 28).unwrap();
            assert_eq!((b.days, b.model), (28, Model::MstlEts), "seed {seed}");
            mase.push(b.mase.unwrap());
            coverage.push(b.coverage);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(mean(&mase) < 1.0, "MASE {mase:?}");
        assert!(mase.iter().all(|m| *m < 1.2), "MASE {mase:?}");
        let covered = mean(&coverage);
        assert!((0.7..=0.92).contains(&covered), "coverage {covered} {coverage:?}");
        // The noise is 3 units a day: the error's spread is about that, held out or in-sample.
        let b = backtest(&weekly(3, 182), 28).unwrap();
        assert!((2.0..5.0).contains(&b.error_sd), "{b:?}");
        let step = predict(&weekly(3, 182), 7).step_sd;
        assert!((2.0..5.0).contains(&step), "{step}");
    }

    #[test]
    fn the_weekly_shape_and_the_level_carry_into_the_forecast() {
        let history = weekly(7, 140);
        let p = predict(&history, 14);
        assert_eq!((p.model, p.point.len(), p.lower.len(), p.upper.len()), (Model::MstlEts, 14, 14, 14));
        // Day 140 is a Monday-like day 0 of the pattern; day 145 the busiest.
        assert!(p.point[5] > p.point[0] * 1.4, "{:?}", p.point);
        let week: f64 = p.point[..7].iter().sum();
        let last_week: f64 = history[133..].iter().sum();
        assert!((week - last_week).abs() < 0.15 * last_week, "{week} against {last_week}");
        for i in 0..14 {
            assert!(p.lower[i] <= p.point[i] && p.point[i] <= p.upper[i] && p.lower[i] >= 0.0);
        }
    }

    #[test]
    fn short_empty_and_sparse_histories_still_answer() {
        let none = predict(&[0.0; 30], 5);
        assert_eq!((none.model, none.point, none.upper), (Model::None, vec![0.0; 5], vec![0.0; 5]));
        assert_eq!(predict(&[], 3).model, Model::None);
        let few = predict(&[4.0, 6.0, 5.0], 4);
        assert_eq!((few.model, few.point), (Model::Mean, vec![5.0; 4]));
        assert!(few.lower[0] < 5.0 && few.upper[0] > 5.0);
        let nine = predict(&[3.0, 5.0, 4.0, 6.0, 5.0, 4.0, 3.0, 5.0, 4.0], 3);
        assert_eq!(nine.model, Model::SeasonalNaive, "a week or two: last week repeated");
        assert_eq!(nine.point, [4.0, 6.0, 5.0], "{nine:?}");
        assert!(nine.lower_95[0] <= nine.lower[0] && nine.upper[0] <= nine.upper_95[0]);
        // Intermittent demand: never a negative day, never a bound below zero.
        let sparse: Vec<f64> = (0..60).map(|d| if d % 9 == 0 { 3.0 } else { 0.0 }).collect();
        let p = predict(&sparse, 28);
        assert_eq!(p.model, Model::Croston);
        assert!(p.lower.iter().chain(&p.point).all(|v| *v >= 0.0), "{p:?}");
        // Three units every ninth day: about a third of a unit a day, a little less (SBA).
        assert!((0.25..0.34).contains(&p.point[0]) && p.point.iter().all(|v| *v == p.point[0]), "{p:?}");
        assert_eq!((p.lower[0], p.upper_95[0]), (0.0, 3.0));
        // Months before the first sale do not make steady demand intermittent.
        let late: Vec<f64> = (0..182).map(|d| if d < 126 { 0.0 } else { 5.0 + (d % 2) as f64 }).collect();
        assert_eq!(predict(&late, 7).model, Model::MstlEts);
        // Garbage in counts as no demand on that day.
        let odd = predict(&[2.0, f64::NAN, -4.0, f64::INFINITY], 2);
        assert_eq!((odd.model, odd.point), (Model::Mean, vec![0.5; 2]));
        assert_eq!(predict(&history_of(20), 0).point, Vec::<f64>::new());
        // Two years are read; the last 52 weeks are fitted.
        let long: Vec<f64> = (0..730).map(|d| if d < 366 { 100.0 } else { 10.0 + (d % 7) as f64 }).collect();
        let p = predict(&long, 7);
        assert!(p.point.iter().all(|v| (5.0..20.0).contains(v)), "{p:?}");
        assert_eq!(backtest(&history_of(20), 10), None, "too little left to learn from");
    }

    fn history_of(days: usize) -> Vec<f64> {
        (0..days).map(|d| (d % 5) as f64).collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        #[test]
        fn any_history_gives_a_forecast_of_its_horizon_within_its_bounds(
            history in proptest::collection::vec(0u32..500, 0..60),
            horizon in 0usize..40,
        ) {
            let y: Vec<f64> = history.iter().map(|v| f64::from(*v)).collect();
            let p = predict(&y, horizon);
            proptest::prop_assert_eq!((p.point.len(), p.lower.len(), p.upper.len()), (horizon, horizon, horizon));
            for i in 0..horizon {
                proptest::prop_assert!(p.point[i].is_finite() && p.upper_95[i].is_finite());
                proptest::prop_assert!(0.0 <= p.lower_95[i] && p.lower_95[i] <= p.lower[i] && p.lower[i] <= p.point[i]);
                proptest::prop_assert!(p.point[i] <= p.upper[i] && p.upper[i] <= p.upper_95[i]);
            }
        }
    }
}
