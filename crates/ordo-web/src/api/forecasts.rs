//! Demand forecast and replenishment endpoints (`ordo_app::stock::forecasts`,
//! `ordo_app::stock::replenishment`).
//!
//! Each handler parses, calls one use case and renders through `views::forecasts`; no
//! business rule here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::stock::forecasts::{ForecastQuery, SkuForecast};
use ordo_app::stock::replenishment::{AcceptInput, Accepted, ComputedPolicies, Policy};
use ordo_store::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, PageQueryText, decode_cursor, encode_cursor, render, respond};
use crate::extract::{Caller, JsonBody, Path, Query};
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::{AcceptedView, ComputedPoliciesView, ForecastSummaryView, ForecastView, ListView, SuggestionView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastParams {
    /// Only this location (its code).
    #[param(max_length = 32)]
    pub location: Option<String>,
    /// Days to forecast from today, 1 to 90 (default 28); more counts as 90.
    #[param(minimum = 1, maximum = 90)]
    pub days: Option<i64>,
    /// Days of history before today to learn from, 14 to 730; fewer count as 14, more as 730.
    /// Without it, today's kept forecast answers (learnt from 364 days), or one is worked out
    /// from 364 days.
    #[param(minimum = 14, maximum = 730)]
    pub history: Option<i64>,
}

/// A SKU's demand forecast: the units customers ordered each day of the history (by order
/// day, cancellations taken off, returns counted apart), per location and in total, forecast
/// for each of the coming `days` with 80% and 95% intervals, and how the same model did on the
/// last 28 days when they were held out (MASE, bias, coverage). Each SKU's forecast is worked
/// out and kept once a day; without `history`, the one kept today answers.
#[utoipa::path(get, path = "/v1/forecasts/{sku}", tag = "inventory", params(("sku" = String, Path), ForecastParams),
    responses((status = 200, body = ForecastView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn sku_forecast(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
    Query(q): Query<ForecastParams>,
) -> ApiResult<Json<ForecastView>> {
    let query = ForecastQuery { location: q.location, horizon: q.days, history: q.history };
    let found = s.app.forecast(&actor, &sku, query).await.map_err(query_error)?;
    Ok(Json(ForecastView::from(&found)))
}

/// Work a SKU's forecast out now and keep it (as the daily run does), answering its first 28
/// days: after a big change of demand, rather than waiting for tomorrow's run.
#[utoipa::path(post, path = "/v1/forecasts/{sku}/refresh", tag = "inventory",
    params(("sku" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = ForecastView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn refresh_forecast(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    Path(sku): Path<String>,
) -> ApiResult<Response> {
    let r = render::<SkuForecast, ForecastView, 200>;
    Ok(respond(s.app.refresh_forecast(&actor, &sku, idem.ctx(r)).await?, r))
}

/// The kept forecasts by SKU, each with its model and backtest error (how much to trust it)
/// and when it was made.
#[utoipa::path(get, path = "/v1/forecasts", tag = "inventory", params(PageQueryText),
    responses((status = 200, body = ListView<ForecastSummaryView>), (status = 400, body = Problem)))]
pub async fn list_forecasts(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<PageQueryText>,
) -> ApiResult<Json<ListView<ForecastSummaryView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.forecasts(&actor, page).await?;
    let next = (items.len() == limit).then(|| items.last().map(|f| encode_cursor(&f.sku))).flatten();
    Ok(Json(ListView { data: items.iter().map(ForecastSummaryView::from).collect(), next_cursor: next }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplenishmentParams {
    /// The location to replenish (its code).
    #[param(required = true, max_length = 32)]
    pub location: Option<String>,
    /// Only the SKUs last bought from this supplier there (its id).
    #[param(max_length = 40)]
    pub supplier_id: Option<String>,
    /// The chance of not running out before an order arrives, 0.5 to 0.999; out of range
    /// counts as the nearest end. Without it, each SKU's class's (`/v1/planning/settings`),
    /// 0.95 for a SKU without a class.
    pub service_level: Option<f64>,
    /// Days of demand an order covers beyond its lead time, 0 to 365 (default 14).
    #[param(minimum = 0, maximum = 365)]
    pub cover_days: Option<i64>,
    /// SKUs per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
}

/// What to order for each SKU stocked at a location, by SKU: its forecast over the lead time
/// of the supplier it was last bought from there, a safety stock for the service level (or
/// the location's manual policy), the reorder point, and the units to order now.
#[utoipa::path(get, path = "/v1/replenishment/suggestions", tag = "purchasing", params(ReplenishmentParams),
    responses((status = 200, body = ListView<SuggestionView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn replenishment(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ReplenishmentParams>,
) -> ApiResult<Json<ListView<SuggestionView>>> {
    let Some(location) = q.location else {
        return Err(Problem::field(StatusCode::BAD_REQUEST, "invalid_query", "location", "is required").into());
    };
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let policy = Policy::of(q.service_level, q.cover_days);
    let found = s.app.replenishment(&actor, &location, page, policy, q.supplier_id.as_deref()).await;
    let (items, next) = found.map_err(query_error)?;
    // The cursor follows the SKUs read, not those a supplier filter kept.
    let data = items.iter().map(SuggestionView::from).collect();
    Ok(Json(ListView { data, next_cursor: next.map(|sku| encode_cursor(&sku)) }))
}

/// Accept suggestions: for the SKUs given, drafts one purchase order per supplier at the
/// quantities suggested and the unit costs last paid, in one transaction; SKUs with nothing to
/// order or no known supplier are listed as skipped.
#[utoipa::path(post, path = "/v1/replenishment/suggestions/accept", tag = "purchasing", request_body = AcceptInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = AcceptedView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn accept_replenishment(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<AcceptInput>,
) -> ApiResult<Response> {
    let r = render::<Accepted, AcceptedView, 201>;
    Ok(respond(s.app.accept_replenishment(&actor, input, idem.ctx(r)).await?, r))
}

/// Compute and store policies: for the SKUs given at a location, the safety stock for the
/// service level and the reorder point (demand over the lead time plus that safety stock)
/// become their stock policies there, `source` `computed`, which low-stock alerts and
/// availability then use. A SKU with a manual policy keeps it and is listed as skipped.
#[utoipa::path(post, path = "/v1/replenishment/policies", tag = "purchasing", request_body = AcceptInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = ComputedPoliciesView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn compute_policies(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<AcceptInput>,
) -> ApiResult<Response> {
    let r = render::<ComputedPolicies, ComputedPoliciesView, 200>;
    Ok(respond(s.app.compute_stock_policies(&actor, input, idem.ctx(r)).await?, r))
}
