//! Payment endpoints: record an order's payments, read their ledger, capture, void and refund
//! them, and Stripe's signed webhook (`ordo_app::money::payments`).
//!
//! Each handler parses, calls one use case and renders through `views::payments`; no business
//! rule here (status and balance are derived by the use case).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::money::payments::OrderPayments;

use super::{ApiResult, Idem, render, respond, webhook_headers};
use crate::extract::{Caller, JsonBody, OptionalJsonBody, Path, RawBody};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::OrderPaymentsView;

/// A Stripe webhook event (`payment_intent.succeeded`, `payment_intent.canceled`,
/// `payment_intent.payment_failed`, and `charge.refunded` for refunds made at Stripe), signed
/// by Stripe:
/// `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhook secret, "<t>.<raw body>")>`.
/// Events about payments Ordo does not know, and events already recorded, change nothing.
/// 501 when Stripe is not configured.
#[utoipa::path(post, path = "/v1/payments/stripe/webhook", tag = "payments", request_body = serde_json::Value,
    params(("Stripe-Signature" = Option<String>, Header, description = "Stripe's signature")),
    security(()),
    responses((status = 204, description = "Recorded, or nothing to record"),
        (status = 401, description = "Bad or missing signature", body = Problem),
        (status = 501, description = "Stripe is not configured", body = Problem)))]
pub async fn stripe_webhook(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<axum::http::StatusCode> {
    s.app.gateway_webhook(&webhook_headers(&headers), &body).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Record a payment for the order: `manual` (cash on delivery, bank transfer, invoice),
/// `gift_card`, `store_credit`, or `stripe` (a card, authorized at Stripe with the
/// `payment_method` token; 409 `card_declined` records nothing; 501 when Stripe is not
/// configured). A retry with the same `Idempotency-Key` answers the payment recorded, without
/// asking Stripe again.
#[utoipa::path(post, path = "/v1/orders/{id}/payments", tag = "payments", request_body = ordo_app::money::payments::NewPayment,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = OrderPaymentsView), (status = 404, body = Problem),
        (status = 409, description = "Declined, or not enough on the balance", body = Problem),
        (status = 503, description = "The card gateway could not be reached; safe to retry", body = Problem),
        (status = 501, body = Problem)))]
pub async fn add_payment(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::money::payments::NewPayment>,
) -> ApiResult<Response> {
    let r = render::<OrderPayments, OrderPaymentsView, 201>;
    Ok(respond(s.app.add_payment(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// The order's payments, their ledger, and the status and balance derived from it.
#[utoipa::path(get, path = "/v1/orders/{id}/payments", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = OrderPaymentsView), (status = 404, body = Problem)))]
pub async fn order_payments(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderPaymentsView>> {
    Ok(Json(OrderPaymentsView::from(&s.app.order_payments(&actor, &id).await?)))
}

macro_rules! payment_action {
    ($fn:ident, $path:literal, $kind:ident, $documented:ty, $extract:ident<$input:ty>, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "payments", request_body(content = $documented),
            params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
            responses((status = 200, body = OrderPaymentsView), (status = 404, body = Problem),
                (status = 409, description = "`amount_exceeds_capturable`, `amount_exceeds_refundable`, `payment_voided` or `nothing_to_void`", body = Problem)))]
        pub async fn $fn(
            State(s): State<AppState>,
            Caller(actor): Caller,
            Path(id): Path<String>,
            idem: Idem,
            $extract(body): $extract<$input>,
        ) -> ApiResult<Response> {
            let r = render::<OrderPayments, OrderPaymentsView, 200>;
            let kind = ordo_domain::payment::EntryKind::$kind;
            let input = ordo_app::money::payments::AmountInput::from(body);
            Ok(respond(s.app.payment_action(&actor, &id, kind, input, idem.ctx(r)).await?, r))
        }
    };
}

payment_action!(
    capture_payment,
    "/v1/payments/{id}/capture",
    Captured,
    Option<ordo_app::money::payments::CaptureInput>,
    OptionalJsonBody<ordo_app::money::payments::CaptureInput>,
    "Capture an amount (default: all that is still authorized)."
);
payment_action!(
    void_payment,
    "/v1/payments/{id}/void",
    Voided,
    Option<ordo_app::money::payments::VoidInput>,
    OptionalJsonBody<ordo_app::money::payments::VoidInput>,
    "Void what is authorized and not captured."
);
payment_action!(
    refund_payment,
    "/v1/payments/{id}/refund",
    Refunded,
    ordo_app::money::payments::PaymentRefundInput,
    JsonBody<ordo_app::money::payments::PaymentRefundInput>,
    "Refund an amount of what was captured (a goodwill refund needs no line)."
);
