//! Customer message endpoints: an order's message log, sending one again, a preview of a
//! message for a real order, and a customer's preferences (`ordo_app::notify`).
//!
//! Each handler parses, calls one use case and renders through `views::notifications`; no
//! business rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::notify::email::Notification;
use ordo_app::notify::messages::{Preferences, PreferencesInput};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, render, respond};
use crate::extract::{Caller, JsonBody, Path, Query};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::{MessagePreviewView, NotificationListView, NotificationView};

/// An order's messages to its customer, first queued first: which message, to whom, by
/// which transport, when, what the mail server answered, and what came of it.
#[utoipa::path(get, path = "/v1/orders/{id}/notifications", tag = "notifications", params(("id" = String, Path)),
    responses((status = 200, body = NotificationListView), (status = 404, body = Problem)))]
pub async fn order_notifications(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<NotificationListView>> {
    let items = s.app.order_notifications(&actor, &id).await?;
    Ok(Json(NotificationListView { items: items.iter().map(NotificationView::from).collect() }))
}

/// Send one of an order's messages again, to the order's address as it is now: a new
/// message in the log, queued at once (501 when no mail server is configured).
#[utoipa::path(post, path = "/v1/orders/{id}/notifications/{notification}/resend", tag = "notifications",
    params(("id" = String, Path), ("notification" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 202, body = NotificationView), (status = 404, body = Problem), (status = 501, body = Problem)))]
pub async fn resend_notification(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((id, notification)): Path<(String, String)>,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<Notification, NotificationView, 202>;
    Ok(respond(s.app.resend_notification(&actor, &id, &notification, idem.ctx(r)).await?, r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// The order to render the message for.
    #[param(max_length = 64)]
    pub order: String,
    /// The language (`en`, `de`); the customer's own when not given.
    #[param(value_type = Option<ordo_app::kernel::schema::LanguageName>)]
    pub language: Option<String>,
}

/// A message rendered for a real order, as it would go now: its subject and both parts.
#[utoipa::path(get, path = "/v1/notifications/templates/{kind}/preview", tag = "notifications",
    params(("kind" = ordo_app::kernel::schema::MessageKindName, Path), PreviewQuery),
    responses((status = 200, body = MessagePreviewView), (status = 404, body = Problem)))]
pub async fn preview_message(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(kind): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Json<MessagePreviewView>> {
    let r = s.app.preview_message(&actor, &kind, &q.order, q.language.as_deref()).await?;
    Ok(Json(MessagePreviewView::from(r)))
}

/// What a customer wants to be told, how, and in which language; marketing consent apart.
#[utoipa::path(get, path = "/v1/customers/{id}/preferences", tag = "customers", params(("id" = String, Path)),
    responses((status = 200, body = Preferences), (status = 404, body = Problem)))]
pub async fn customer_preferences(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(s.app.customer_preferences(&actor, &id).await?))
}

/// Change a customer's preferences: the fields given replace what is there. Only optional
/// messages (progress notices) can be turned off.
#[utoipa::path(patch, path = "/v1/customers/{id}/preferences", tag = "customers", request_body = PreferencesInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Preferences), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_customer_preferences(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PreferencesInput>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(s.app.update_customer_preferences(&actor, &id, input).await?))
}
