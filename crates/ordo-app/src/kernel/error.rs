//! The application's errors: each is something a client can act on, or an outage.

use ordo_domain::allocation::Short;
use ordo_domain::validate::{Errors, FieldError, FieldKind};
use ordo_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// A new order's amounts in a currency other than its own: the body contradicts itself.
    #[error("the amounts use a currency other than the order's")]
    CurrencyMismatch(Vec<FieldError>),
    /// Amounts for an existing order in a currency other than the order's.
    #[error("the amounts use a currency other than the order's")]
    OrderCurrency(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Fields that name what does not exist.
    #[error("the request names what does not exist")]
    Missing(Vec<FieldError>),
    /// Fields valid on their face that conflict with what exists.
    #[error("the request conflicts with what exists")]
    Conflicting(Vec<FieldError>),
    #[error("not enough stock")]
    InsufficientStock(Vec<Short>),
    #[error("{0}")]
    InvalidTransition(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the resource has changed since version {expected}; it is now version {actual}")]
    PreconditionFailed { expected: i64, actual: i64 },
    #[error("this idempotency key was used with a different request")]
    IdempotencyKeyReused,
    #[error("a request with this idempotency key is still being processed")]
    IdempotencyInFlight,
    #[error("{0}")]
    Forbidden(String),
    /// The role may do this, but not this much (a goodwill refund or a credit grant above
    /// its limit).
    #[error("{0}")]
    Limited(String),
    /// A rule refused the request; `code` names which (`amount_exceeds_refundable`, ...).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// The feature exists in the API but is not built yet.
    #[error("{0}")]
    NotImplemented(String),
    /// The caller could not be identified (a webhook's signature did not verify).
    #[error("{0}")]
    Unauthenticated(String),
    /// An outside system (a sales platform) failed, refused Ordo or could not be reached; the
    /// message names it and what it did, and holds no credential, so it may be shown.
    #[error("{0}")]
    Upstream(String),
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(rule) => AppError::Conflict(format!("a record with the same {rule} already exists")),
            StoreError::Unavailable(why) => AppError::Unavailable(why),
            StoreError::Internal(why) => AppError::Internal(why),
        }
    }
}

/// A field that is not valid makes the request invalid whatever else is wrong; otherwise one
/// that names what does not exist makes it a 404, and one that conflicts a 409. Every field
/// is listed either way.
impl From<Errors> for AppError {
    fn from(e: Errors) -> Self {
        if e.0.iter().any(|f| f.kind == FieldKind::Invalid) {
            AppError::Validation(e.0)
        } else if e.0.iter().any(|f| f.kind == FieldKind::Missing) {
            AppError::Missing(e.0)
        } else {
            AppError::Conflicting(e.0)
        }
    }
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
            kind: FieldKind::Invalid,
        }])
    }

    /// A field that names what does not exist.
    pub fn missing(field: &str, message: impl Into<String>) -> AppError {
        AppError::Missing(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
            kind: FieldKind::Missing,
        }])
    }

    /// A field that conflicts with what exists.
    pub fn conflicting(field: &str, message: impl Into<String>) -> AppError {
        AppError::Conflicting(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
            kind: FieldKind::Conflicting,
        }])
    }
}
