//! Shipping endpoints: carriers and their rate cards, rate shopping and label buying for a
//! fulfilment, and the carriers' signed tracking webhook (`ordo_app::shipping::carriers`).
//!
//! Each handler parses, calls one use case and renders through `views::carriers`; no business
//! rule here (the use case checks the webhook's signature).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::shipping::carriers::Carrier;
use ordo_domain::fulfillment::Fulfillment;

use super::{ApiResult, Idem, render, respond, webhook_headers};
use crate::extract::{Caller, JsonBody, OptionalJsonBody, Path, RawBody};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::{CarrierView, FulfillmentView, ListView, QuoteView};

/// Add a carrier with its services' rate cards.
#[utoipa::path(post, path = "/v1/carriers", tag = "shipping", request_body = ordo_app::shipping::carriers::CarrierInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = CarrierView), (status = 409, body = Problem)))]
pub async fn create_carrier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::shipping::carriers::CarrierInput>,
) -> ApiResult<Response> {
    let r = render::<Carrier, CarrierView, 201>;
    Ok(respond(s.app.create_carrier(&actor, input, idem.ctx(r)).await?, r))
}

/// List carriers.
#[utoipa::path(get, path = "/v1/carriers", tag = "shipping", responses((status = 200, body = ListView<CarrierView>)))]
pub async fn list_carriers(State(s): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<ListView<CarrierView>>> {
    let items = s.app.list_carriers(&actor).await?;
    Ok(Json(ListView { data: items.iter().map(CarrierView::from).collect(), next_cursor: None }))
}

/// One carrier.
#[utoipa::path(get, path = "/v1/carriers/{code}", tag = "shipping", params(("code" = String, Path)),
    responses((status = 200, body = CarrierView), (status = 404, body = Problem)))]
pub async fn get_carrier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<CarrierView>> {
    Ok(Json(CarrierView::from(&s.app.get_carrier(&actor, &code).await?)))
}

/// Disable a carrier: it quotes and labels nothing until enabled again (tracking reports for
/// parcels it carries are still taken). Disabling a disabled carrier changes nothing.
#[utoipa::path(post, path = "/v1/carriers/{code}/disable", tag = "shipping",
    params(("code" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = CarrierView), (status = 404, body = Problem)))]
pub async fn disable_carrier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    idem: Idem,
) -> ApiResult<Response> {
    set_enabled(s, actor, code, idem, false).await
}

/// Enable a disabled carrier again.
#[utoipa::path(post, path = "/v1/carriers/{code}/enable", tag = "shipping",
    params(("code" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = CarrierView), (status = 404, body = Problem)))]
pub async fn enable_carrier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    idem: Idem,
) -> ApiResult<Response> {
    set_enabled(s, actor, code, idem, true).await
}

async fn set_enabled(
    s: AppState,
    actor: ordo_app::Actor,
    code: String,
    idem: Idem,
    enabled: bool,
) -> ApiResult<Response> {
    let r = render::<Carrier, CarrierView, 200>;
    Ok(respond(s.app.set_carrier_enabled(&actor, &code, enabled, idem.ctx(r)).await?, r))
}

/// Delete a carrier: it quotes, labels and tracks nothing more, and its code may be used
/// again. Labels already bought keep their carrier's code and tracking number.
#[utoipa::path(delete, path = "/v1/carriers/{code}", tag = "shipping", params(("code" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem)))]
pub async fn delete_carrier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    s.app.delete_carrier(&actor, &code).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Every service's price and delivery date for the fulfilment's parcel, cheapest first.
#[utoipa::path(get, path = "/v1/fulfillments/{id}/rates", tag = "shipping", params(("id" = String, Path)),
    responses((status = 200, body = ListView<QuoteView>), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn fulfillment_rates(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListView<QuoteView>>> {
    let quotes = s.app.fulfillment_rates(&actor, &id).await?;
    Ok(Json(ListView { data: quotes.iter().map(QuoteView::from).collect(), next_cursor: None }))
}

/// Buy the fulfilment's shipping label: the service asked for, or the cheapest that arrives
/// by the order's promised date. The tracking number is issued here. A retry with the same
/// `Idempotency-Key` answers the label bought, without buying another.
#[utoipa::path(post, path = "/v1/fulfillments/{id}/label", tag = "shipping", request_body(content = Option<ordo_app::shipping::carriers::LabelInput>),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = FulfillmentView), (status = 404, body = Problem),
        (status = 409, description = "No service qualifies, or the fulfilment has shipped", body = Problem)))]
pub async fn buy_label(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::shipping::carriers::LabelInput>,
) -> ApiResult<Response> {
    let r = render::<Fulfillment, FulfillmentView, 200>;
    Ok(respond(s.app.buy_label(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// A carrier's tracking report, signed with the carrier's webhook secret:
/// `Ordo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, or for
/// EasyPost carriers EasyPost's own event JSON signed `X-Hmac-Signature: hmac-sha256-hex=<hex>`.
/// No API key: the signature authenticates the carrier.
#[utoipa::path(post, path = "/v1/carriers/{code}/tracking", tag = "shipping", request_body = ordo_app::shipping::carriers::TrackingInput,
    params(("code" = String, Path), ("Ordo-Signature" = Option<String>, Header, description = "The carrier's signature"),
        ("X-Hmac-Signature" = Option<String>, Header, description = "EasyPost's signature")),
    security(()),
    responses((status = 200, body = FulfillmentView), (status = 401, description = "Bad or missing signature", body = Problem),
        (status = 404, description = "Unknown carrier or tracking number", body = Problem)))]
pub async fn carrier_tracking(
    State(s): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<FulfillmentView>> {
    let f = s.app.carrier_tracking(&code, &webhook_headers(&headers), &body).await?;
    Ok(Json(FulfillmentView::from(&f)))
}
