//! Inventory endpoints: stock levels, adjustments and counts, the movement ledger, count
//! requests, and the non-sellable buckets (`ordo_app::stock::inventory`).
//!
//! Each handler parses, calls one use case and renders through `views::inventory`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::stock::inventory::{Adjusted, AdjustmentInput, CountInput};
use ordo_store::{MovementFilter, Page};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, decode_cursor, decode_int_cursor, list, render, respond, time_param};
use crate::extract::{Caller, JsonBody, Path, Query};
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::{
    AdjustmentView, AvailabilityView, BucketsView, CountRequestView, LevelView, ListView, MovementView, SkuStockView,
    StockAlertView, StockPoliciesView, StockPolicyView,
};

/// Add or remove on-hand units at a location, with a reason.
#[utoipa::path(post, path = "/v1/inventory/adjustments", tag = "inventory", request_body = AdjustmentInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = AdjustmentView),
        (status = 409, description = "The change would take on-hand below what is reserved (`insufficient_stock`)", body = Problem)))]
pub async fn adjust_inventory(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<AdjustmentInput>,
) -> ApiResult<Response> {
    let r = render::<Adjusted, AdjustmentView, 201>;
    Ok(respond(s.app.adjust_inventory(&actor, input, idem.ctx(r)).await?, r))
}

/// Record an absolute count of on-hand units; the ledger records the difference.
#[utoipa::path(post, path = "/v1/inventory/counts", tag = "inventory", request_body = CountInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = AdjustmentView),
        (status = 409, description = "The count is below what is reserved (`insufficient_stock`)", body = Problem)))]
pub async fn count_inventory(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<CountInput>,
) -> ApiResult<Response> {
    let r = render::<Adjusted, AdjustmentView, 201>;
    Ok(respond(s.app.count_inventory(&actor, input, idem.ctx(r)).await?, r))
}

/// One SKU's stock at every location, with totals.
#[utoipa::path(get, path = "/v1/inventory/{sku}", tag = "inventory", params(("sku" = String, Path)),
    responses((status = 200, body = SkuStockView), (status = 404, body = Problem)))]
pub async fn sku_stock(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Json<SkuStockView>> {
    let stock = s.app.sku_stock(&actor, &sku).await?;
    Ok(Json(SkuStockView::from(&stock)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// The last day to answer, `YYYY-MM-DD` (default 30 days on); a day before today counts as
    /// today, one more than 366 days on as the 366th.
    #[param(format = Date)]
    pub until: Option<String>,
    /// Only this location (its code).
    #[param(max_length = 32)]
    pub location: Option<String>,
}

/// Available to promise by date: for each location that holds or expects the SKU, on hand
/// less reserved and safety stock, plus open purchase order lines and transfers on their way
/// by their expected dates, on each day from today to `until`.
#[utoipa::path(get, path = "/v1/inventory/{sku}/availability", tag = "inventory", params(("sku" = String, Path), AvailabilityQuery),
    responses((status = 200, body = AvailabilityView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn sku_availability(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
    Query(q): Query<AvailabilityQuery>,
) -> ApiResult<Json<AvailabilityView>> {
    let found = s.app.availability(&actor, &sku, q.until, q.location).await.map_err(query_error)?;
    Ok(Json(AvailabilityView::from(&found)))
}

/// A SKU's safety stock and reorder point at every location that has them.
#[utoipa::path(get, path = "/v1/inventory/{sku}/policies", tag = "inventory", params(("sku" = String, Path)),
    responses((status = 200, body = StockPoliciesView), (status = 404, body = Problem)))]
pub async fn stock_policies(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Json<StockPoliciesView>> {
    let found = s.app.stock_policies(&actor, &sku).await?;
    Ok(Json(StockPoliciesView { data: found.iter().map(StockPolicyView::from).collect() }))
}

/// Set a SKU's safety stock (held back from what may be promised) and reorder point (at or
/// below which available stock is low) at a location, replacing what was set.
#[utoipa::path(put, path = "/v1/inventory/{sku}/policies/{location}", tag = "inventory",
    request_body = ordo_app::stock::policies::StockPolicyInput,
    params(("sku" = String, Path), ("location" = String, Path, description = "The location's code")),
    responses((status = 200, body = StockPolicyView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_stock_policy(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((sku, location)): Path<(String, String)>,
    JsonBody(input): JsonBody<ordo_app::stock::policies::StockPolicyInput>,
) -> ApiResult<Json<StockPolicyView>> {
    let set = s.app.put_stock_policy(&actor, &sku, &location, input).await?;
    Ok(Json(StockPolicyView::from(&set)))
}

/// Remove a SKU's stock policy at a location: nothing is held back there any more.
#[utoipa::path(delete, path = "/v1/inventory/{sku}/policies/{location}", tag = "inventory",
    params(("sku" = String, Path), ("location" = String, Path, description = "The location's code")),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
pub async fn delete_stock_policy(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((sku, location)): Path<(String, String)>,
) -> ApiResult<axum::http::StatusCode> {
    s.app.delete_stock_policy(&actor, &sku, &location).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertListQuery {
    /// `open` (the default), `ended` or `all`.
    #[param(pattern = "^(open|ended|all)$")]
    pub status: Option<String>,
    /// `low_stock` or `stock_out`.
    #[param(pattern = "^(low_stock|stock_out)$")]
    pub kind: Option<String>,
    #[param(max_length = 64)]
    pub sku: Option<String>,
    /// Only this location (its code).
    #[param(max_length = 32)]
    pub location: Option<String>,
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
}

/// Stock that ran low (available at or below a stock policy's reorder point) or out, newest
/// first: open alerts unless `status` asks for ended ones or all. Alerts open and end as stock
/// changes, within about a second.
#[utoipa::path(get, path = "/v1/inventory/alerts", tag = "inventory", params(AlertListQuery),
    responses((status = 200, body = ListView<StockAlertView>), (status = 400, body = Problem)))]
pub async fn list_stock_alerts(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<AlertListQuery>,
) -> ApiResult<Json<ListView<StockAlertView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let filter =
        ordo_app::stock::alerts::AlertQuery { status: q.status, kind: q.kind, sku: q.sku, location: q.location };
    let items = s.app.list_stock_alerts(&actor, page, filter).await.map_err(query_error)?;
    Ok(Json(list(items, limit, |a: &ordo_app::stock::alerts::StockAlert| a.record.id.clone())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(([0-9a-fA-F]{2})*7[cC]([0-9a-fA-F]{2})*)?$", max_length = 512)]
    pub cursor: Option<String>,
    pub sku: Option<String>,
    /// Location code.
    pub location: Option<String>,
}

/// Stock levels per SKU and location.
#[utoipa::path(get, path = "/v1/inventory", tag = "inventory", params(LevelQuery),
    responses((status = 200, body = ListView<LevelView>), (status = 404, description = "Unknown location", body = Problem)))]
pub async fn list_levels(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<LevelQuery>,
) -> ApiResult<Json<ListView<LevelView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let after = decode_cursor(&q.cursor)?
        .map(|c| c.split_once('|').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .map(|c| c.ok_or_else(super::invalid_cursor))
        .transpose()?;
    let items = s.app.list_levels(&actor, Page { after, limit }, q.sku, q.location).await?;
    Ok(Json(list(items, limit, |l: &ordo_store::LevelRecord| format!("{}|{}", l.sku, l.location_id))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(3[0-9]){0,18}$")]
    pub cursor: Option<String>,
    pub sku: Option<String>,
    /// Location code.
    pub location: Option<String>,
    pub order_id: Option<String>,
    /// RFC 3339; entries at or after.
    #[param(format = DateTime)]
    pub created_after: Option<String>,
    /// RFC 3339; entries before.
    #[param(format = DateTime)]
    pub created_before: Option<String>,
}

/// The inventory ledger, newest first.
#[utoipa::path(get, path = "/v1/inventory/movements", tag = "inventory", params(MovementQuery),
    responses((status = 200, body = ListView<MovementView>), (status = 404, description = "Unknown location", body = Problem)))]
pub async fn list_movements(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<MovementQuery>,
) -> ApiResult<Json<ListView<MovementView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let filter = MovementFilter {
        sku: q.sku,
        location_id: None,
        order_id: q.order_id,
        after_time: time_param("created_after", &q.created_after)?,
        before_time: time_param("created_before", &q.created_before)?,
    };
    let items = s.app.list_movements(&actor, page, filter, q.location).await?;
    Ok(Json(list(items, limit, |m: &ordo_domain::inventory::Movement| m.seq.to_string())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountRequestQuery {
    /// Location code.
    pub location: Option<String>,
}

/// Stock waiting to be counted, after a location rejected it; recording a count clears it.
#[utoipa::path(get, path = "/v1/inventory/count-requests", tag = "inventory", params(CountRequestQuery),
    responses((status = 200, body = ListView<CountRequestView>), (status = 404, description = "Unknown location", body = Problem)))]
pub async fn count_requests(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<CountRequestQuery>,
) -> ApiResult<Json<ListView<CountRequestView>>> {
    let items = s.app.count_requests(&actor, q.location).await?;
    let data = items
        .into_iter()
        .map(|r| CountRequestView {
            sku: r.sku,
            location: r.location,
            requested_at: ordo_app::kernel::time_fmt::format_ms(r.requested_at),
            reason: r.reason,
        })
        .collect();
    Ok(Json(ListView { data, next_cursor: None }))
}

/// Move non-sellable units: between buckets, back into sellable stock at the same location
/// (`to: stock`), or out of the business (`to: out`: sent to the vendor, destroyed). Both
/// sides are written to their ledgers.
#[utoipa::path(post, path = "/v1/inventory/buckets/moves", tag = "inventory", request_body = ordo_app::stock::inventory::BucketMoveInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = BucketsView), (status = 422, body = Problem),
        (status = 409, description = "`insufficient_stock`: the bucket holds fewer units", body = Problem)))]
pub async fn move_bucket(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::stock::inventory::BucketMoveInput>,
) -> ApiResult<Response> {
    let r = render::<ordo_app::stock::inventory::Buckets, BucketsView, 200>;
    Ok(respond(s.app.move_bucket(&actor, input, idem.ctx(r)).await?, r))
}

/// A SKU's stock that is not sellable (quarantine, refurbish, return to vendor, disposed) per
/// location, with the ledger that explains every unit.
#[utoipa::path(get, path = "/v1/inventory/{sku}/buckets", tag = "inventory", params(("sku" = String, Path)),
    responses((status = 200, body = BucketsView), (status = 404, body = Problem)))]
pub async fn sku_buckets(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Json<BucketsView>> {
    Ok(Json(BucketsView::from(&s.app.sku_buckets(&actor, &sku).await?)))
}
