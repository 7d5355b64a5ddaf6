//! The SQLite `Tx`: one file per storage area, each implementing its trait over one connection
//! inside an open transaction (or savepoint), and the helpers they share here (error mapping,
//! filters, queries). Nothing here begins, commits or rolls back; the writer and readers do.
//!
//! Single-row writes on the hot paths say `OR FAIL`: for one row SQLite checks every
//! constraint before it changes anything, so a refused statement leaves nothing behind exactly
//! as the default `ABORT` does, but without the statement journal `ABORT` opens inside a
//! transaction (a copy of every page the statement touches). A statement that may change
//! several rows keeps `ABORT`.

mod catalog;
mod channels;
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
mod webhooks;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::{StoreError, StoreResult};

pub(crate) struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        SqliteTx { conn }
    }
}

/// Maps driver errors; unique-constraint violations become `Conflict` naming the rule.
fn map_err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            for rule in [
                "products.sku",
                "locations.code",
                "customers.email",
                "orders.channel",
                "api_keys.hash",
                "idempotency_keys.key_id",
                "balance_accounts.kind",
                "channel_imports.channel",
                "suppliers.code",
                "stock_alerts.kind",
            ] {
                if msg.contains(rule) {
                    return StoreError::Conflict(rule);
                }
            }
            // Any other unique rule is a conflict too, never an internal error.
            if msg.starts_with("UNIQUE constraint failed") {
                return StoreError::Conflict("a unique rule");
            }
        }
        if matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked | rusqlite::ErrorCode::DiskFull
        ) {
            return StoreError::Unavailable(e.to_string());
        }
    }
    StoreError::Internal(e.to_string())
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Internal(format!("stored JSON is unreadable: {e}"))
}

/// Builds `(?, ?, ...)` with `n` placeholders.
fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2 + 2);
    s.push('(');
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s.push(')');
    s
}

/// Collects `WHERE` clauses and their parameters for the list queries.
#[derive(Default)]
struct Where {
    clauses: Vec<&'static str>,
    params: Vec<Value>,
}

impl Where {
    fn add(&mut self, clause: &'static str, value: impl Into<Value>) {
        self.clauses.push(clause);
        self.params.push(value.into());
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }
}

impl SqliteTx<'_> {
    fn query_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_err)?;
        let rows = stmt.query_map(params, f).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<T>>>().map_err(map_err)
    }

    fn query_one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Option<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_err)?;
        stmt.query_row(params, f).optional().map_err(map_err)
    }

    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> StoreResult<usize> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_err)?;
        stmt.execute(params).map_err(map_err)
    }
}
