//! RFC 9457 problem documents, and the one mapping from application errors to HTTP.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ordo_app::AppError;
use ordo_domain::validate::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// One bad field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// Slash-separated path into the request body, e.g. `lines/2/quantity`.
    pub field: String,
    pub message: String,
}

/// A SKU an order could not reserve.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shortage {
    pub sku: String,
    pub requested: i64,
    pub available: i64,
}

/// An error, as `application/problem+json`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code; branch on this, never on the text.
    #[schema(example = "validation_failed")]
    pub code: String,
    pub errors: Vec<ProblemField>,
    /// For `insufficient_stock`: each short SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortages: Option<Vec<Shortage>>,
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
        Problem {
            problem_type: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            shortages: None,
            retry_after: None,
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = errors.into_iter().map(|f| ProblemField { field: f.field, message: f.message }).collect();
        self
    }

    pub fn field(status: StatusCode, code: &str, field: &str, message: impl Into<String>) -> Problem {
        let message = message.into();
        let mut p = Problem::new(status, code, message.clone());
        p.errors.push(ProblemField { field: field.to_owned(), message });
        p
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body was not read, so this connection cannot carry another request.
            res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// The handlers' error type: every `AppError` becomes exactly one problem document.
pub struct ApiError(pub Box<Problem>);

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError(Box::new(p))
    }
}

/// A use case's refusal of values that came from a query string: 400 `invalid_query`, the
/// answer to every query problem, with each bad parameter named. Anything else as usual.
pub fn query_error(e: AppError) -> ApiError {
    match e {
        AppError::Validation(errors) | AppError::CurrencyMismatch(errors) => {
            let detail = summarize(&errors);
            ApiError::from(Problem::new(StatusCode::BAD_REQUEST, "invalid_query", detail).with_errors(errors))
        }
        other => ApiError::from(other),
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let text = e.to_string();
        let p = match e {
            AppError::Validation(errors) => {
                let detail = summarize(&errors);
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail).with_errors(errors)
            }
            AppError::CurrencyMismatch(errors) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "currency_mismatch",
                "every amount must be in the order's currency",
            )
            .with_errors(errors),
            AppError::OrderCurrency(errors) => {
                Problem::new(StatusCode::CONFLICT, "currency_mismatch", "every amount must be in the order's currency")
                    .with_errors(errors)
            }
            AppError::NotFound(what) => Problem::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found")),
            AppError::Missing(errors) => {
                let detail = summarize(&errors);
                Problem::new(StatusCode::NOT_FOUND, "not_found", detail).with_errors(errors)
            }
            AppError::Conflicting(errors) => {
                let detail = summarize(&errors);
                Problem::new(StatusCode::CONFLICT, "conflict", detail).with_errors(errors)
            }
            AppError::InsufficientStock(short) => {
                let detail = short
                    .iter()
                    .map(|s| format!("{}: {} requested, {} available", s.sku, s.requested, s.available))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut p =
                    Problem::new(StatusCode::CONFLICT, "insufficient_stock", format!("not enough stock: {detail}"));
                p.shortages = Some(
                    short
                        .into_iter()
                        .map(|s| Shortage { sku: s.sku, requested: s.requested, available: s.available })
                        .collect(),
                );
                p
            }
            AppError::InvalidTransition(why) => Problem::new(StatusCode::CONFLICT, "invalid_transition", why),
            AppError::Conflict(why) => Problem::new(StatusCode::CONFLICT, "conflict", why),
            AppError::PreconditionFailed { .. } => {
                Problem::new(StatusCode::PRECONDITION_FAILED, "version_mismatch", text)
            }
            AppError::IdempotencyKeyReused => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was already used with a different request",
            ),
            AppError::IdempotencyInFlight => Problem::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still being processed; retry later",
            ),
            AppError::Forbidden(why) => Problem::new(StatusCode::FORBIDDEN, "forbidden", why),
            AppError::Limited(why) => Problem::new(StatusCode::FORBIDDEN, "limit_exceeded", why),
            AppError::Refused { code, message } => Problem::new(StatusCode::CONFLICT, code, message),
            AppError::NotImplemented(why) => Problem::new(StatusCode::NOT_IMPLEMENTED, "not_implemented", why),
            AppError::Unauthenticated(why) => Problem::new(StatusCode::UNAUTHORIZED, "invalid_signature", why),
            AppError::Upstream(why) => Problem::new(StatusCode::BAD_GATEWAY, "upstream_failed", why),
            AppError::Unavailable(why) => {
                tracing::warn!(cause = %why, "service unavailable");
                let mut p = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "the service is temporarily unavailable; retry later",
                );
                p.retry_after = Some(1);
                p
            }
            AppError::Internal(why) => {
                tracing::error!(cause = %why, "internal error");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an internal error occurred")
            }
        };
        ApiError(Box::new(p))
    }
}

fn summarize(errors: &[FieldError]) -> String {
    use ordo_domain::validate::FieldKind;
    match errors {
        [one] => format!("{} {}", one.field, one.message),
        many if many.iter().all(|f| f.kind == FieldKind::Missing) => {
            format!("{} fields name what does not exist", many.len())
        }
        many if many.iter().all(|f| f.kind == FieldKind::Conflicting) => {
            format!("{} fields conflict with what exists", many.len())
        }
        many => format!("{} fields are invalid", many.len()),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (*self.0).into_response()
    }
}
