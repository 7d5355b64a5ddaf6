//! Order edit endpoints: edit an order before it ships, list its edits, cancel units of a line
//! (`ordo_app::sales::edits`).
//!
//! Each handler parses, calls one use case and renders through `views::edits`; no business rule
//! here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::sales::edits::Edit;

use super::{ApiResult, Idem, render, respond};
use crate::extract::{Caller, JsonBody, OptionalJsonBody, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::EditView;

/// Edit an order before it ships: `set_quantity`, `add_line`, `remove_line`,
/// `set_shipping_address`, applied in order, all or nothing. Fewer units release their
/// reservations; more units and new lines are routed and reserved. A smaller total releases
/// uncaptured authorizations and refunds what was captured beyond it; a larger one leaves a
/// balance due (`order.payment_required`) without voiding what is authorized.
#[utoipa::path(post, path = "/v1/orders/{id}/edits", tag = "orders", request_body = ordo_app::sales::edits::EditInput,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = EditView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`invalid_transition` (the line was packed or shipped, the order is cancelled) or `insufficient_stock`", body = Problem),
        (status = 412, description = "`expected_version` is not the order's version", body = Problem)))]
pub async fn edit_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::sales::edits::EditInput>,
) -> ApiResult<Response> {
    let r = render::<Edit, EditView, 201>;
    Ok(respond(s.app.edit_order(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// The order's edits, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/edits", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Vec<EditView>), (status = 404, body = Problem)))]
pub async fn order_edits(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<EditView>>> {
    Ok(Json(s.app.order_edits(&actor, &id).await?.iter().map(EditView::from).collect()))
}

/// Cancel units of one line before they ship (default: all of them): their reservations are
/// released and the payment difference settled, as an edit.
#[utoipa::path(post, path = "/v1/orders/{id}/lines/{line_id}/cancel", tag = "orders", request_body(content = Option<ordo_app::sales::edits::CancelLineInput>),
    params(("id" = String, Path), ("line_id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = EditView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`invalid_transition`: the line was packed or shipped", body = Problem)))]
pub async fn cancel_line(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((id, line)): Path<(String, String)>,
    idem: Idem,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::sales::edits::CancelLineInput>,
) -> ApiResult<Response> {
    let r = render::<Edit, EditView, 201>;
    Ok(respond(s.app.cancel_line(&actor, &id, &line, input, idem.ctx(r)).await?, r))
}
