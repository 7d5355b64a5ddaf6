//! Gift card and store credit endpoints: issue and read gift cards, read and add to a
//! customer's store credit (`ordo_app::money::balances`).
//!
//! Each handler parses, calls one use case and renders through `views::balances`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::money::balances::Balance;

use super::{ApiResult, Idem, render, respond};
use crate::extract::{Caller, JsonBody, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::BalanceView;

/// Issue a gift card with an opening balance.
#[utoipa::path(post, path = "/v1/gift-cards", tag = "payments", request_body = ordo_app::money::balances::GiftCardInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = BalanceView), (status = 409, body = Problem)))]
pub async fn issue_gift_card(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::money::balances::GiftCardInput>,
) -> ApiResult<Response> {
    let r = render::<Balance, BalanceView, 201>;
    Ok(respond(s.app.issue_gift_card(&actor, input, idem.ctx(r)).await?, r))
}

/// A gift card's balance and movements.
#[utoipa::path(get, path = "/v1/gift-cards/{code}", tag = "payments", params(("code" = String, Path)),
    responses((status = 200, body = BalanceView), (status = 404, body = Problem)))]
pub async fn gift_card(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<BalanceView>> {
    Ok(Json(BalanceView::from(&s.app.balance(&actor, "gift_card", &code).await?)))
}

/// A customer's store credit and its movements.
#[utoipa::path(get, path = "/v1/customers/{id}/store-credit", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = BalanceView), (status = 404, body = Problem)))]
pub async fn store_credit(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<BalanceView>> {
    Ok(Json(BalanceView::from(&s.app.balance(&actor, "store_credit", &id).await?)))
}

/// Add to a customer's store credit.
#[utoipa::path(post, path = "/v1/customers/{id}/store-credit", tag = "payments", request_body = ordo_app::money::balances::CreditInput,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = BalanceView), (status = 404, body = Problem)))]
pub async fn credit_customer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::money::balances::CreditInput>,
) -> ApiResult<Response> {
    let r = render::<Balance, BalanceView, 200>;
    Ok(respond(s.app.credit_customer(&actor, &id, input, idem.ctx(r)).await?, r))
}
