//! Outbound webhook endpoints: subscriptions, their delivery log and replays
//! (`ordo_app::notify::webhooks`).
//!
//! Each handler parses, calls one use case and renders through `views::webhooks`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ordo_app::kernel::idempotency::Outcome;
use ordo_app::notify::webhooks::{Delivery, ReplayInput, Webhook, WebhookInput, WebhookPatch, WithSecret};
use ordo_app::page_limit;
use ordo_store::{DeliveryRecord, Page};
use serde::Deserialize;
use utoipa::IntoParams;

use super::PageQueryText;
use super::{ApiResult, Idem, Limit, decode_cursor, decode_int_cursor, list, render, respond, versioned};
use crate::extract::{Caller, IfMatch, JsonBody, Path, Query};
use crate::middleware::replayed;
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::{DeliveryDetailView, DeliveryView, ListView, ReplayView, WebhookSecretView, WebhookView};

/// Subscribe a URL to events. The answer carries the subscription's signing secret, shown
/// only here: a retry with the same `Idempotency-Key` answers the subscription without it
/// (roll a new one with `POST /v1/webhooks/{id}/secret`). Every delivery is a `POST` of the
/// event as `GET /v1/events` shows it, signed `Ordo-Signature: t=<unix seconds>,v1=<hex
/// HMAC-SHA256(secret, "<t>.<raw body>")>`, with `Ordo-Event-Id` to deduplicate by; at least
/// once, in order per object, retried with backoff for 72 hours, then dead-lettered.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = WebhookInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = WebhookSecretView), (status = 422, body = Problem)))]
pub async fn create_webhook(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<WebhookInput>,
) -> ApiResult<Response> {
    let outcome = s.app.create_webhook(&actor, input, idem.ctx(without_secret::<201>)).await?;
    Ok(respond_secret::<201>(outcome))
}

/// What a keyed request's record keeps: the answer without its secret.
fn without_secret<const S: u16>(w: &WithSecret) -> (u16, Vec<u8>) {
    let mut view = WebhookSecretView::from(w);
    view.secret = None;
    (S, serde_json::to_vec(&view).unwrap_or_default())
}

/// The answer as made, with the secret; a replay is answered by the idempotency layer.
fn respond_secret<const S: u16>(outcome: Outcome<WithSecret>) -> Response {
    match outcome {
        Outcome::Fresh(w) => {
            (StatusCode::from_u16(S).unwrap_or(StatusCode::OK), Json(WebhookSecretView::from(&w))).into_response()
        }
        Outcome::Replayed { status, body } => replayed(status, body),
    }
}

/// Subscriptions, by id.
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks", params(PageQueryText),
    responses((status = 200, body = ListView<WebhookView>), (status = 400, body = Problem)))]
pub async fn list_webhooks(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<PageQueryText>,
) -> ApiResult<Json<ListView<WebhookView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.list_webhooks(&actor, page).await?;
    Ok(Json(list(items, limit, |w: &Webhook| w.id.clone())))
}

/// One subscription (its secret is never shown again).
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$")),
    responses((status = 200, body = WebhookView), (status = 404, body = Problem)))]
pub async fn get_webhook(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let w = s.app.get_webhook(&actor, &id).await?;
    Ok(versioned(w.version, WebhookView::from(&w)))
}

/// Change a subscription's URL, events, description or status. Disabling stops its
/// deliveries: those already queued wait and go out when it is enabled again (which also
/// clears the failure record); events that happen while it is disabled are not sent to it.
#[utoipa::path(patch, path = "/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookPatch,
    params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = WebhookView), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_webhook(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(patch): JsonBody<WebhookPatch>,
) -> ApiResult<Response> {
    let w = s.app.update_webhook(&actor, &id, patch, version).await?;
    Ok(versioned(w.version, WebhookView::from(&w)))
}

/// Delete a subscription with its delivery log; nothing more is sent to it.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem)))]
pub async fn delete_webhook(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.delete_webhook(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Make a new signing secret, shown in this answer only; the old one signs nothing more.
#[utoipa::path(post, path = "/v1/webhooks/{id}/secret", tag = "webhooks",
    params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = WebhookSecretView), (status = 404, body = Problem)))]
pub async fn roll_webhook_secret(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
) -> ApiResult<Response> {
    Ok(respond_secret::<200>(s.app.roll_webhook_secret(&actor, &id, idem.ctx(without_secret::<200>)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state (`dead` is the dead-letter list).
    #[param(value_type = Option<ordo_app::kernel::schema::DeliveryStatus>)]
    pub status: Option<String>,
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(3[0-9]){0,18}$")]
    pub cursor: Option<String>,
}

/// A subscription's deliveries, newest first.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$"), DeliveryQuery),
    responses((status = 200, body = ListView<DeliveryView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_deliveries(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<DeliveryQuery>,
) -> ApiResult<Json<ListView<DeliveryView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let items = s.app.list_webhook_deliveries(&actor, &id, page, q.status).await.map_err(query_error)?;
    Ok(Json(list(items, limit, |d: &DeliveryRecord| d.seq.to_string())))
}

/// One delivery with its body and every attempt (status, latency, the first KiB of each
/// answer).
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries/{delivery}", tag = "webhooks",
    params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$"), ("delivery" = String, Path, pattern = r"^whd_[0-9A-HJKMNP-TV-Z]{26}$")),
    responses((status = 200, body = DeliveryDetailView), (status = 404, body = Problem)))]
pub async fn get_delivery(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<Json<DeliveryDetailView>> {
    Ok(Json(DeliveryDetailView::from(&s.app.get_webhook_delivery(&actor, &id, &delivery).await?)))
}

/// Send a delivery again (delivered or dead): due at once, with a new retry window. A
/// pending one is answered as it is.
#[utoipa::path(post, path = "/v1/webhooks/{id}/deliveries/{delivery}/replay", tag = "webhooks",
    params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$"), ("delivery" = String, Path, pattern = r"^whd_[0-9A-HJKMNP-TV-Z]{26}$"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = DeliveryDetailView), (status = 404, body = Problem)))]
pub async fn replay_delivery(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((id, delivery)): Path<(String, String)>,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<Delivery, DeliveryDetailView, 200>;
    Ok(respond(s.app.replay_webhook_delivery(&actor, &id, &delivery, idem.ctx(r)).await?, r))
}

/// Send again every delivery of the subscription in a status (`dead`: the dead-letter list)
/// and/or queued in a time range.
#[utoipa::path(post, path = "/v1/webhooks/{id}/replay", tag = "webhooks", request_body = ReplayInput,
    params(("id" = String, Path, pattern = r"^whk_[0-9A-HJKMNP-TV-Z]{26}$"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = ReplayView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replay_deliveries(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ReplayInput>,
) -> ApiResult<Response> {
    let r = render::<usize, ReplayView, 200>;
    Ok(respond(s.app.replay_webhook_deliveries(&actor, &id, input, idem.ctx(r)).await?, r))
}
