//! The pages customers open from their email without a key (`ordo_app::notify::pages`): an
//! order's tracking page at `/track/{token}` (HTML, or JSON when asked for with `Accept:
//! application/json`), a return started from it, and the unsubscribe page at `/u/{token}`
//! (a `GET` only asks, as mail scanners open links; the `POST` of its button, or of a mail
//! client's one-click unsubscribe per RFC 8058, does it).
//!
//! Every answer tells browsers to send no `Referer` (the token is the page's key), to load
//! nothing from elsewhere but images, and not to be framed. A wrong token is a 404 page that
//! says no more than that.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ordo_app::AppError;
use serde::Deserialize;
use serde_json::json;

use crate::problem::ApiError;
use crate::state::AppState;

/// An HTML answer with the headers every public page carries.
fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

fn not_found_page() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>\
         <body><p>This link is not valid.</p></body></html>"
            .into(),
    )
}

/// What went wrong: a 404 page for a wrong token, otherwise the problem document.
fn failed(e: AppError) -> Response {
    if matches!(e, AppError::NotFound(_)) {
        return not_found_page();
    }
    ApiError::from(e).into_response()
}

/// What a refused request was told, in words a customer can read.
fn describe(e: &AppError) -> String {
    match e {
        AppError::Validation(f) | AppError::Missing(f) | AppError::Conflicting(f) => {
            f.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// An order's tracking page.
pub async fn tracking_page(State(s): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    tracking(&s, &token, &headers, None, StatusCode::OK).await
}

async fn tracking(
    s: &AppState,
    token: &str,
    headers: &HeaderMap,
    notice: Option<serde_json::Value>,
    status: StatusCode,
) -> Response {
    let page = match s.app.tracking_page(token).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    if wants_json(headers) {
        let mut r = (status, Json(&page)).into_response();
        r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return r;
    }
    match s.app.render_page("track", &page.look, &page, json!({ "token": token, "notice": notice })) {
        Ok(body) => html(status, body),
        Err(e) => failed(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct ReturnForm {
    line_id: String,
    quantity: i64,
    reason: String,
}

/// A return requested from the tracking page's form; the page again, saying what came of it.
pub async fn return_from_tracking(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<axum::Form<ReturnForm>, FormRejection>,
) -> Response {
    let (status, notice) = match form {
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, json!({"code": "form"})),
        Ok(axum::Form(f)) => match s.app.return_from_tracking(&token, &f.line_id, f.quantity, &f.reason).await {
            Ok(()) => (StatusCode::CREATED, json!({"code": "requested"})),
            Err(AppError::NotFound("page")) => return not_found_page(),
            Err(e) => {
                let said = describe(&e);
                let answer = ApiError::from(e).into_response();
                if answer.status().is_server_error() {
                    return answer;
                }
                (answer.status(), json!({"code": "refused", "detail": said}))
            }
        },
    };
    tracking(&s, &token, &headers, Some(notice), status).await
}

/// The unsubscribe page: asks first.
pub async fn unsubscribe_page(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    let page = match s.app.unsubscribe_page(&token).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    match s.app.render_page("unsubscribe", &page.look, &page, json!({ "done": false })) {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => failed(e),
    }
}

/// Unsubscribes (the page's button, or a mail client's one-click `POST`).
pub async fn unsubscribe(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    if let Err(e) = s.app.unsubscribe(&token).await {
        return failed(e);
    }
    let page = match s.app.unsubscribe_page(&token).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    match s.app.render_page("unsubscribe", &page.look, &page, json!({ "done": true })) {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => failed(e),
    }
}
