//! What every area stands on and no area owns: roles and the access check, the application
//! error, idempotent writes, the event catalogue and outbox, shared input pieces, API keys and
//! time formatting. Invariant: nothing here imports a business area.

pub mod access;
pub mod error;
pub mod events;
pub mod guard;
pub mod idempotency;
pub mod input;
pub mod keys;
pub mod records;
pub mod time_fmt;
pub mod worker;
