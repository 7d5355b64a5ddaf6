//! Layers around the handlers: metrics and timeouts, authentication and rate limits, and
//! idempotency keys.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ordo_app::kernel::idempotency::replay;
use sha2::{Digest, Sha256};

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Counts every response, ends requests that run past the timeout, and turns a panic in a
/// handler into a 500 problem document instead of a dropped connection.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_owned();
    let handler = CatchPanic(Box::pin(next.run(req)));
    let response = match tokio::time::timeout(state.config.request_timeout, handler).await {
        Ok(Ok(r)) => r,
        Ok(Err(())) => {
            tracing::error!("a request handler panicked");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an internal error occurred")
                .into_response()
        }
        Err(_) => {
            let mut p =
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "the request took too long and was stopped");
            p.retry_after = Some(1);
            p.into_response()
        }
    };
    state.metrics.record(response.status().as_u16(), started.elapsed());
    let mut response = response;
    secure(&path, response.headers_mut());
    response
}

/// Headers every answer carries: no content sniffing, no referrer, no framing; answers of the
/// API (which hold customers' personal data) are never cached; `/docs` gets a policy that
/// keeps it out of frames.
fn secure(path: &str, headers: &mut axum::http::HeaderMap) {
    use axum::http::header::{self, HeaderValue};
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if path.starts_with("/v1/") {
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    }
    if path.starts_with("/docs") {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
}

/// Polls a future, turning a panic inside it into `Err(())`.
struct CatchPanic<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchPanic<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    }
}

/// Resolves the Bearer key into an `Actor` and applies the per-key rate limit.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Failed attempts are counted by client address; one that has failed too often is
    // refused before its key is even looked at, so guessing keys learns nothing more.
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    let too_many = |wait: u64| {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests with a missing or wrong API key from this address",
        );
        p.retry_after = Some(wait);
        p.into_response()
    };
    if let Some(wait) = state.bad_keys.exhausted(&client) {
        return too_many(wait);
    }
    let unauthorized = |detail: &str| {
        if let Err(wait) = state.bad_keys.check(&client) {
            return too_many(wait);
        }
        let mut r = Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail).into_response();
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        r
    };
    let secret = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|s| s.trim().to_owned());
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return unauthorized("send an API key as `Authorization: Bearer <key>`");
    };
    let hash = ordo_app::kernel::keys::hash_secret(&secret);
    let actor = match state.keys.get(&hash) {
        Some(a) => a,
        None => match state.app.authenticate(&secret).await {
            Ok(Some(a)) => {
                state.keys.put(hash, a.clone());
                a
            }
            Ok(None) => return unauthorized("the API key is not valid"),
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    if let Err(wait) = state.limiter.check(&actor.key_id) {
        let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests for this API key");
        p.retry_after = Some(wait);
        return p.into_response();
    }
    // The changes this request makes are recorded with its key and address (the audit log).
    let origin = ordo_store::origin::Origin {
        actor: actor.key_id.clone(),
        address: req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
    };
    req.extensions_mut().insert(actor);
    ordo_store::origin::scope(async move {
        ordo_store::origin::set(origin);
        next.run(req).await
    })
    .await
}

/// A keyed POST, as the handler needs it to store its response.
#[derive(Debug, Clone)]
pub struct IdemRequest {
    pub key_id: String,
    pub key: String,
    pub request_hash: String,
}

/// The idempotency key of a request whose body the handler reads as a stream (an import
/// upload): the handler hashes the body as it arrives and keys the use case with it.
#[derive(Debug, Clone)]
pub struct IdemKey {
    pub key_id: String,
    pub key: String,
}

/// Paths whose bodies are streamed by their handler, not read here (as the `/v1` router sees
/// them, and whole).
const STREAMED: &[&str] = &["/imports", "/v1/imports"];

/// Removes an idempotency key from the in-flight set however the request ends.
struct InFlight<'a> {
    state: &'a AppState,
    entry: (String, String),
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.state.in_flight.lock() {
            set.remove(&self.entry);
        }
    }
}

/// Replays finished keyed requests, refuses a key reused with another body (422) or still
/// running (409), and hands the key to the handler so it stores its response atomically.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").map(|v| v.to_str().map(str::to_owned)) else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k,
        _ => {
            return Problem::field(
                StatusCode::BAD_REQUEST,
                "invalid_header",
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
            .into_response();
        }
    };
    let Some(key_id) = req.extensions().get::<ordo_app::Actor>().map(|a| a.key_id.clone()) else {
        return next.run(req).await;
    };
    if STREAMED.contains(&req.uri().path()) {
        let mut req = req;
        req.extensions_mut().insert(IdemKey { key_id, key });
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.config.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than the limit of {} bytes", state.config.body_limit),
            )
            .into_response();
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();

    match state.app.idempotency_lookup(&key_id, &key).await {
        Ok(Some(record)) => {
            return match replay(record, &request_hash) {
                Ok((status, body)) => replayed(status, body),
                Err(e) => ApiError::from(e).into_response(),
            };
        }
        Ok(None) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    let entry = (key_id.clone(), key.clone());
    let inserted = state.in_flight.lock().map(|mut s| s.insert(entry.clone())).unwrap_or(false);
    if !inserted {
        return ApiError::from(ordo_app::AppError::IdempotencyInFlight).into_response();
    }
    let _guard = InFlight { state: &state, entry };
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(IdemRequest { key_id, key, request_hash });
    next.run(req).await
}

/// A stored response, marked as a replay.
pub fn replayed(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
    let empty = body.is_empty();
    let mut r = (status, body).into_response();
    // An answer without a body (204) has no content type either.
    if empty {
        r.headers_mut().remove(header::CONTENT_TYPE);
    } else {
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}
