//! Refund endpoints: refund an order and read its refunds (`ordo_app::money::refunds`).
//!
//! Each handler parses, calls one use case and renders through `views::refunds`; no business
//! rule here (where the money goes back is the use case's).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::money::refunds::Refund;

use super::{ApiResult, Idem, render, respond};
use crate::extract::{Caller, JsonBody, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::RefundView;

/// Refund an order: lines (with quantities), part or all of the shipping charge, and/or a
/// goodwill amount tied to no line. The money goes back to the order's payments in this
/// order: cards first, then manual payments, then store credit, then gift cards, the newest
/// payment first within each; or, with `to: store_credit`, onto the customer's store credit.
/// A card gateway that cannot be reached leaves the refund `pending`; Ordo completes it later
/// with the same idempotency key, so it is refunded exactly once. A retry with the same
/// `Idempotency-Key` answers the refund made, without asking the gateway again.
#[utoipa::path(post, path = "/v1/orders/{id}/refunds", tag = "payments", request_body = ordo_app::money::refunds::RefundInput,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = RefundView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`amount_exceeds_refundable`: more than was captured and not yet refunded", body = Problem),
        (status = 501, description = "the refund goes to a card and Stripe is not configured", body = Problem)))]
pub async fn refund_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::money::refunds::RefundInput>,
) -> ApiResult<Response> {
    let r = render::<Refund, RefundView, 201>;
    Ok(respond(s.app.refund_order(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// The order's refunds, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/refunds", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = Vec<RefundView>), (status = 404, body = Problem)))]
pub async fn order_refunds(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RefundView>>> {
    Ok(Json(s.app.order_refunds(&actor, &id).await?.iter().map(RefundView::from).collect()))
}

/// One refund.
#[utoipa::path(get, path = "/v1/refunds/{id}", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = RefundView), (status = 404, body = Problem)))]
pub async fn get_refund(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RefundView>> {
    Ok(Json(RefundView::from(&s.app.refund(&actor, &id).await?)))
}
