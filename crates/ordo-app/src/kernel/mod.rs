//! What every area stands on and no area owns: roles and what each may do, the application
//! error, the checks every area makes before it acts (`guard`), order documents (`records`),
//! idempotent writes, the event catalogue and outbox, the worker runtime, dated exchange rates, shared input
//! pieces, API keys and time formatting. Invariant: nothing here imports a business area or
//! a port.

pub mod access;
pub mod audit;
pub mod error;
pub mod events;
pub mod guard;
pub mod idempotency;
pub mod input;
pub mod keys;
pub mod rates;
pub mod records;
pub mod schema;
pub mod secrets;
pub mod time_fmt;
pub mod worker;

use std::future::Future;
use std::pin::Pin;

/// What an asynchronous trait method returns (a port's call, a worker's step): boxed, so that
/// the traits can be used as `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = crate::AppResult<T>> + Send + 'a>>;
