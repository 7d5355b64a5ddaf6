//! API key endpoints (admin only): create, list and revoke keys (`ordo_app::kernel::keys`).
//!
//! Each handler parses, calls one use case and renders through `views::keys`; no business rule
//! here. Revoking also empties this node's key cache so the key stops working at once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ordo_app::kernel::idempotency::Outcome;
use ordo_app::kernel::keys::NewKey;
use ordo_store::ApiKeyRecord;

use super::{ApiResult, Idem, no_content, render, replayed};
use crate::extract::{Caller, JsonBody, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::{KeyView, ListView};

/// Create an API key; the response is the only time its secret is shown. A retry with the
/// same `Idempotency-Key` answers the same key without its secret.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = NewKey,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = KeyView)))]
pub async fn create_key(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<NewKey>,
) -> ApiResult<Response> {
    let stored = render::<ApiKeyRecord, KeyView, 201>;
    match s.app.create_key(&actor, input, idem.ctx(stored)).await? {
        Outcome::Fresh(created) => {
            let mut view = KeyView::from(&created.record);
            view.secret = Some(created.secret);
            Ok((StatusCode::CREATED, Json(view)).into_response())
        }
        Outcome::Replayed { status, body } => Ok(replayed(status, body)),
    }
}

/// List API keys (never their secrets).
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = ListView<KeyView>)))]
pub async fn list_keys(State(s): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<ListView<KeyView>>> {
    let keys = s.app.list_keys(&actor).await?;
    Ok(Json(ListView { data: keys.iter().map(KeyView::from).collect(), next_cursor: None }))
}

/// Revoke an API key; it stops working at once on this node.
#[utoipa::path(post, path = "/v1/keys/{id}/revoke", tag = "keys", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem)))]
pub async fn revoke_key(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
) -> ApiResult<Response> {
    let outcome = s.app.revoke_key(&actor, &id, idem.ctx(no_content)).await?;
    s.keys.clear();
    Ok(match outcome {
        Outcome::Fresh(()) => StatusCode::NO_CONTENT.into_response(),
        Outcome::Replayed { status, body } => replayed(status, body),
    })
}
