//! One conformance suite for every storage engine: SQLite always, PostgreSQL when
//! `ORDO_TEST_POSTGRES_URL` is set. Each check states behaviour the use cases rely on; there
//! is one module per storage area (as in `src/tx/`), and every storage method is called by
//! at least one of them (the workspace's tidy test, `crates/ordo/src/tidy/storage.rs`, checks that).

mod catalog;
mod channels;
mod common;
mod customers;
mod fulfillments;
mod inventory;
mod keys;
mod maintenance;
mod notifications;
mod orders;
mod outbox;
mod payments;
mod planning;
mod purchasing;
mod schema;
mod webhooks;
mod writes;
