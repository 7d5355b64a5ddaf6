//! Demand forecast endpoints (`ordo_app::stock::forecasts`).
//!
//! Each handler parses, calls one use case and renders through `views::forecasts`; no
//! business rule here.

use axum::Json;
use axum::extract::State;
use ordo_app::stock::forecasts::ForecastQuery;
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiResult;
use crate::extract::{Caller, Path, Query};
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::ForecastView;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastParams {
    /// Only this location (its code).
    #[param(max_length = 32)]
    pub location: Option<String>,
    /// Days to forecast from today, 1 to 90 (default 28); more counts as 90.
    #[param(minimum = 1, maximum = 90)]
    pub horizon: Option<i64>,
    /// Days of history before today to learn from, 14 to 730 (default 182); fewer count as
    /// 14, more as 730.
    #[param(minimum = 14, maximum = 730)]
    pub history: Option<i64>,
}

/// A SKU's demand forecast: the units that left stock for customers each day of the history,
/// per location and in total, forecast for each day of the horizon with an 80% interval, and
/// how the same model did on the last 28 days when they were held out (MASE, coverage).
#[utoipa::path(get, path = "/v1/forecasts/{sku}", tag = "inventory", params(("sku" = String, Path), ForecastParams),
    responses((status = 200, body = ForecastView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn sku_forecast(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
    Query(q): Query<ForecastParams>,
) -> ApiResult<Json<ForecastView>> {
    let query = ForecastQuery { location: q.location, horizon: q.horizon, history: q.history };
    let found = s.app.forecast(&actor, &sku, query).await.map_err(query_error)?;
    Ok(Json(ForecastView::from(&found)))
}
