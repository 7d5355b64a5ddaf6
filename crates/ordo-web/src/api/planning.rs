//! Planning settings and ABC classes (`ordo_app::stock::classes`).
//!
//! Each handler parses, calls one use case and renders; no business rule here.

use axum::Json;
use axum::extract::State;
use ordo_app::kernel::events::payloads::PlanningSettings;
use ordo_app::page_limit;
use ordo_app::stock::classes::PlanningSettingsInput;
use ordo_store::Page;

use super::{ApiResult, PageQueryText, decode_cursor, encode_cursor};
use crate::extract::{Caller, JsonBody, Query};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::{ListView, SkuClassView};

/// The settings of stock planning: the value shares that class SKUs A, B and C, and each
/// class's service level (replenishment's safety stock) and count interval.
#[utoipa::path(get, path = "/v1/planning/settings", tag = "purchasing",
    responses((status = 200, body = PlanningSettings)))]
pub async fn planning_settings(State(s): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<PlanningSettings>> {
    Ok(Json(s.app.planning_settings(&actor).await?))
}

/// Replace the settings of stock planning (fields left out take their defaults). The same
/// settings again record nothing; a change is the event `planning.settings_updated`.
#[utoipa::path(put, path = "/v1/planning/settings", tag = "purchasing", request_body = PlanningSettingsInput,
    responses((status = 200, body = PlanningSettings), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn put_planning_settings(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<PlanningSettingsInput>,
) -> ApiResult<Json<PlanningSettings>> {
    Ok(Json(s.app.put_planning_settings(&actor, input).await?))
}

/// Each SKU's ABC class by SKU: from its sales value over the history of its kept forecast
/// (units ordered times its price), the largest sellers that make `a_share` of the whole are
/// `a`, the next `b_share` `b`, the rest `c`. SKUs without a kept forecast are not listed.
#[utoipa::path(get, path = "/v1/inventory/classes", tag = "inventory", params(PageQueryText),
    responses((status = 200, body = ListView<SkuClassView>), (status = 400, body = Problem)))]
pub async fn sku_classes(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<PageQueryText>,
) -> ApiResult<Json<ListView<SkuClassView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.sku_classes(&actor, page).await?;
    let next = (items.len() == limit).then(|| items.last().map(|c| encode_cursor(&c.sku))).flatten();
    Ok(Json(ListView { data: items.iter().map(SkuClassView::from).collect(), next_cursor: next }))
}
