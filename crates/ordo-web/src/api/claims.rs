//! Claim endpoints: file a claim for missing or damaged units and list an order's claims
//! (`ordo_app::aftersales::claims`).
//!
//! Each handler parses, calls one use case and renders through `views::claims`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::aftersales::claims::Claim;

use super::{ApiResult, Idem, render, respond};
use crate::extract::{Caller, JsonBody, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::ClaimView;

/// File a claim for missing or damaged units that shipped, resolved at once without a
/// return: `refund` their value, or `reship` them free of charge in a replacement order.
#[utoipa::path(post, path = "/v1/orders/{id}/claims", tag = "returns", request_body = ordo_app::aftersales::claims::ClaimInput,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = ClaimView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`invalid_transition`: nothing shipped", body = Problem)))]
pub async fn file_claim(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::aftersales::claims::ClaimInput>,
) -> ApiResult<Response> {
    let r = render::<Claim, ClaimView, 201>;
    Ok(respond(s.app.file_claim(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// The order's claims, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/claims", tag = "returns", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ClaimView>), (status = 404, body = Problem)))]
pub async fn order_claims(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ClaimView>>> {
    Ok(Json(s.app.order_claims(&actor, &id).await?.iter().map(ClaimView::from).collect()))
}
