//! How demand forecasts look on the wire: units as numbers with two decimals.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::stock::forecast_model::{LEVEL, WIDE_LEVEL};
use ordo_app::stock::forecasts::{ForecastSummary, SeriesForecast, SkuForecast};
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// Rounded to two decimals (never `-0.0`).
fn two(v: f64) -> f64 {
    (v * 100.0).round() / 100.0 + 0.0
}

/// A SKU's demand forecast, per location and in total.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastView {
    pub sku: String,
    /// What counts as demand: `ordered` (units customers ordered, by the day each order was
    /// placed, less what was cancelled or taken off the order since; returns apart).
    pub demand: String,
    /// When the forecast was worked out: today's kept forecast (made by the daily run or a
    /// refresh), or now.
    #[schema(format = DateTime)]
    pub computed_at: String,
    /// The first and last day of history read.
    #[schema(format = Date)]
    pub history_from: String,
    #[schema(format = Date)]
    pub history_until: String,
    /// The first day forecast (today) and the last.
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub until: String,
    /// The probabilities each day's two intervals are meant to hold its demand with.
    #[schema(example = 0.8)]
    pub level: f64,
    #[schema(example = 0.95)]
    pub wide_level: f64,
    /// Each location with demand in the history (or the one asked for).
    pub locations: Vec<SeriesForecastView>,
    /// All of them together.
    pub total: SeriesForecastView,
}

/// The forecast of one location's demand (or of the total).
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesForecastView {
    /// The location's code; null for the total.
    pub location: Option<String>,
    /// `mstl_ets` (a weekly season, exponential smoothing of the rest; two weeks of history
    /// or more), `ets` (smoothing without a season, when that fails), `croston` (intermittent
    /// demand: half the days or more without any; Syntetos–Boylan corrected, intervals from
    /// the quantiles of the days seen), `seasonal_naive` (one to two weeks of history, or the
    /// models failed: last week repeated), `mean` (less than a week) or `none` (no demand).
    pub model: String,
    /// Units in the history, and the days that had any.
    pub history_units: i64,
    pub demand_days: usize,
    /// Units returned in the history (counted apart: not taken off the demand).
    pub returned_units: i64,
    /// Units forecast over the horizon (the sum of the days).
    pub units: f64,
    pub days: Vec<DayForecastView>,
    /// How the same model did on the last 28 days of history when they were held out; null
    /// when the history is too short to hold them out.
    pub backtest: Option<BacktestView>,
}

/// One day's forecast.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayForecastView {
    #[schema(format = Date)]
    pub date: String,
    pub units: f64,
    /// The 80% interval.
    pub lower: f64,
    pub upper: f64,
    /// The 95% interval.
    pub lower_95: f64,
    pub upper_95: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BacktestView {
    pub days: usize,
    pub model: String,
    /// The mean absolute scaled error against "the same as a week ago" in the history; below
    /// 1 beats it. Null when the history never changed from week to week or day to day.
    pub mase: Option<f64>,
    /// The mean daily forecast less actual demand: above zero, the forecast ran high.
    pub bias: f64,
    /// The share of held-out days whose demand fell inside the 80% interval (aimed at 0.8).
    pub coverage: f64,
}

impl From<&SeriesForecast> for SeriesForecastView {
    fn from(s: &SeriesForecast) -> Self {
        let p = &s.prediction;
        SeriesForecastView {
            location: s.location.clone(),
            model: p.model.as_str().into(),
            history_units: s.history_units,
            demand_days: s.demand_days,
            returned_units: s.returned_units,
            units: two(p.point.iter().sum()),
            days: s
                .days
                .iter()
                .enumerate()
                .map(|(i, d)| DayForecastView {
                    date: d.clone(),
                    units: two(p.point[i]),
                    lower: two(p.lower[i]),
                    upper: two(p.upper[i]),
                    lower_95: two(p.lower_95[i]),
                    upper_95: two(p.upper_95[i]),
                })
                .collect(),
            backtest: s.backtest.map(|b| BacktestView {
                days: b.days,
                model: b.model.as_str().into(),
                mase: b.mase.map(|m| (m * 1000.0).round() / 1000.0),
                bias: two(b.bias),
                coverage: (b.coverage * 1000.0).round() / 1000.0,
            }),
        }
    }
}

impl From<&SkuForecast> for ForecastView {
    fn from(f: &SkuForecast) -> Self {
        ForecastView {
            sku: f.sku.clone(),
            demand: "ordered".into(),
            computed_at: format_ms(f.computed_at),
            history_from: f.history_from.clone(),
            history_until: f.history_until.clone(),
            from: f.from.clone(),
            until: f.until.clone(),
            level: LEVEL,
            wide_level: WIDE_LEVEL,
            locations: f.locations.iter().map(SeriesForecastView::from).collect(),
            total: SeriesForecastView::from(&f.total),
        }
    }
}

/// What to order of one SKU at one location.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    pub sku: String,
    /// The location's code.
    pub location: String,
    /// Who it was last bought from here, at what unit cost; null when never (the lead time is
    /// then assumed to be 7 days, and accepting skips it).
    pub supplier_id: Option<String>,
    pub supplier_code: Option<String>,
    pub unit_cost: Option<MoneyView>,
    pub lead_time_days: u32,
    pub on_hand: i64,
    pub reserved: i64,
    /// Still to come on open purchase orders and transfers.
    pub incoming: i64,
    /// The SKU's ABC class (`a`, `b`, `c`; null without a kept forecast), and the service
    /// level the safety stock is sized for: the one asked for, or the class's (0.95 without).
    pub class: Option<String>,
    pub service_level: f64,
    /// On hand less reserved plus incoming.
    pub position: i64,
    /// The forecast's mean units a day over the lead time and cover, and its model.
    pub daily_demand: f64,
    pub model: String,
    /// The standard deviation of the next day's forecast error (the model's own), which the
    /// safety stock is sized against over the lead time.
    pub error_sd: f64,
    /// The safety stock computed for the service level over the lead time.
    pub computed_safety_stock: i64,
    /// The one used: the location's manual policy's when it has one, else the computed.
    pub safety_stock: i64,
    pub manual_policy: bool,
    /// Demand over the lead time plus the safety stock: at or below it, order.
    pub reorder_point: i64,
    /// Units to order now, in the supplier's packs and at least its minimum (0: none).
    pub quantity: i64,
    /// The level an order brings the position up to (demand over the lead time and the cover,
    /// plus the safety stock).
    pub target: i64,
    /// Units other locations can spare towards it (available beyond their own safety stock and
    /// order-up-to level), largest first.
    pub transfers: Vec<SpareView>,
    /// Units to order once those transfers are made.
    pub quantity_after_transfers: i64,
}

/// Units a location can spare.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpareView {
    /// The location's code.
    pub from_location: String,
    pub quantity: i64,
}

impl From<&ordo_app::stock::replenishment::Suggestion> for SuggestionView {
    fn from(s: &ordo_app::stock::replenishment::Suggestion) -> Self {
        let src = s.source.as_ref();
        SuggestionView {
            sku: s.sku.clone(),
            location: s.location.clone(),
            supplier_id: src.map(|x| x.supplier_id.clone()),
            supplier_code: src.map(|x| x.supplier_code.clone()),
            unit_cost: src.map(|x| MoneyView::new(x.unit_cost_minor, &x.currency)),
            lead_time_days: s.lead_time_days,
            on_hand: s.on_hand,
            reserved: s.reserved,
            incoming: s.incoming,
            class: s.class.map(|c| c.as_str().into()),
            service_level: s.service_level,
            position: s.position,
            daily_demand: two(s.daily_demand),
            model: s.model.as_str().into(),
            error_sd: two(s.error_sd),
            computed_safety_stock: s.computed_safety_stock,
            safety_stock: s.safety_stock,
            manual_policy: s.manual_policy,
            reorder_point: s.reorder_point,
            quantity: s.quantity,
            target: s.target,
            transfers: s
                .transfers
                .iter()
                .map(|(from, quantity)| SpareView { from_location: from.clone(), quantity: *quantity })
                .collect(),
            quantity_after_transfers: s.quantity_after_transfers,
        }
    }
}

/// A SKU an acceptance did not draft, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedView {
    pub sku: String,
    pub reason: String,
}

/// The drafts an acceptance made (one per supplier, and one transfer per location that spares
/// units when rebalancing) and the SKUs it skipped.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedView {
    pub purchase_orders: Vec<super::PurchaseOrderView>,
    pub transfers: Vec<super::TransferView>,
    pub skipped: Vec<SkippedView>,
}

impl From<&ordo_app::stock::replenishment::Accepted> for AcceptedView {
    fn from(a: &ordo_app::stock::replenishment::Accepted) -> Self {
        AcceptedView {
            purchase_orders: a.purchase_orders.iter().map(super::PurchaseOrderView::from).collect(),
            transfers: a.transfers.iter().map(super::TransferView::from).collect(),
            skipped: a
                .skipped
                .iter()
                .map(|(sku, reason)| SkippedView { sku: sku.clone(), reason: reason.clone() })
                .collect(),
        }
    }
}

/// The policies a computation stored (`source` `computed`) and the SKUs it left alone.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComputedPoliciesView {
    pub policies: Vec<super::StockPolicyView>,
    pub skipped: Vec<SkippedView>,
}

impl From<&ordo_app::stock::replenishment::ComputedPolicies> for ComputedPoliciesView {
    fn from(c: &ordo_app::stock::replenishment::ComputedPolicies) -> Self {
        ComputedPoliciesView {
            policies: c.policies.iter().map(super::StockPolicyView::from).collect(),
            skipped: c
                .skipped
                .iter()
                .map(|(sku, reason)| SkippedView { sku: sku.clone(), reason: reason.clone() })
                .collect(),
        }
    }
}

/// A kept forecast in the list: how much to trust it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastSummaryView {
    pub sku: String,
    #[schema(format = DateTime)]
    pub computed_at: String,
    /// The model of the total's forecast (see `SeriesForecastView.model`).
    pub model: String,
    /// The total's backtest over the last 28 days: MASE (below 1 beats "the same as a week
    /// ago") and bias (above zero, the forecast ran high); null without a backtest.
    pub mase: Option<f64>,
    pub bias: Option<f64>,
}

impl From<&ForecastSummary> for ForecastSummaryView {
    fn from(f: &ForecastSummary) -> Self {
        ForecastSummaryView {
            sku: f.sku.clone(),
            computed_at: format_ms(f.computed_at),
            model: f.model.clone(),
            mase: f.mase.map(|m| (m * 1000.0).round() / 1000.0),
            bias: f.bias.map(two),
        }
    }
}

/// A SKU's ABC class and what it came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuClassView {
    pub sku: String,
    /// `a`, `b` or `c`.
    pub class: String,
    /// Units ordered in the history of its kept forecast, and their value at its price.
    pub units: i64,
    pub value: MoneyView,
    /// When the kept forecast was made.
    #[schema(format = DateTime)]
    pub computed_at: String,
}

impl From<&ordo_app::stock::classes::SkuClass> for SkuClassView {
    fn from(c: &ordo_app::stock::classes::SkuClass) -> Self {
        SkuClassView {
            sku: c.sku.clone(),
            class: c.class.as_str().into(),
            units: c.units,
            value: MoneyView::new(c.value_minor, &c.currency),
            computed_at: format_ms(c.computed_at),
        }
    }
}
