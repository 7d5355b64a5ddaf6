//! Hold endpoints: put an order on hold, the review queue, and releasing a hold or cancelling
//! the order through it (`ordo_app::sales::holds`).
//!
//! Each handler parses, calls one use case and renders through `views::holds`; no business rule
//! here (who may release which hold is decided by the use case).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_domain::hold::Hold;

use super::{ApiResult, HoldQueueQuery, Idem, decode_cursor, list, render, respond};
use crate::extract::{Caller, JsonBody, OptionalJsonBody, Path, Query};
use crate::problem::Problem;
use crate::problem::query_error;
use crate::state::AppState;
use crate::views::{HoldView, ListView};

/// Put an order on hold: it keeps its reservations but is not picked, packed, labelled or
/// shipped until every hold is released. One active hold per type.
#[utoipa::path(post, path = "/v1/orders/{id}/holds", tag = "orders", request_body = ordo_app::sales::holds::HoldInput,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = HoldView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The order is cancelled or fully shipped, or already has this hold", body = Problem)))]
pub async fn place_hold(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::sales::holds::HoldInput>,
) -> ApiResult<Response> {
    let r = render::<Hold, HoldView, 201>;
    Ok(respond(s.app.place_hold(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// Holds across orders, oldest first: the review queue (`status=active` by default).
#[utoipa::path(get, path = "/v1/holds", tag = "orders", params(HoldQueueQuery),
    responses((status = 200, body = ListView<HoldView>)))]
pub async fn list_holds(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<HoldQueueQuery>,
) -> ApiResult<Json<ListView<HoldView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let holds =
        s.app.list_holds(&actor, q.status.as_deref(), decode_cursor(&q.cursor)?, limit).await.map_err(query_error)?;
    Ok(Json(list(holds, limit, |h: &ordo_domain::hold::Hold| h.id.clone())))
}

/// The order's holds, active and resolved, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/holds", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Vec<HoldView>), (status = 404, body = Problem)))]
pub async fn order_holds(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HoldView>>> {
    Ok(Json(s.app.order_holds(&actor, &id).await?.iter().map(HoldView::from).collect()))
}

/// Release a hold. `fraud_review` and `payment_review` holds need an admin key; the others an
/// operator's or an admin's.
#[utoipa::path(post, path = "/v1/holds/{id}/release", tag = "orders", request_body(content = Option<ordo_app::sales::holds::ResolveInput>),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = HoldView), (status = 403, description = "This role may not release this hold", body = Problem),
        (status = 404, body = Problem), (status = 409, description = "The hold is not active", body = Problem)))]
pub async fn release_hold(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::sales::holds::ResolveInput>,
) -> ApiResult<Response> {
    let r = render::<Hold, HoldView, 200>;
    Ok(respond(s.app.resolve_hold(&actor, &id, false, input, idem.ctx(r)).await?, r))
}

/// Cancel the order through a hold (the review found it should not ship): its reservations are
/// released and its payments settled. The same roles as releasing.
#[utoipa::path(post, path = "/v1/holds/{id}/cancel-order", tag = "orders", request_body(content = Option<ordo_app::sales::holds::ResolveInput>),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = HoldView), (status = 403, description = "This role may not resolve this hold", body = Problem),
        (status = 404, body = Problem), (status = 409, description = "The hold is not active, or the order cannot be cancelled", body = Problem)))]
pub async fn cancel_through_hold(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::sales::holds::ResolveInput>,
) -> ApiResult<Response> {
    let r = render::<Hold, HoldView, 200>;
    Ok(respond(s.app.resolve_hold(&actor, &id, true, input, idem.ctx(r)).await?, r))
}
