//! The PostgreSQL `Tx`: one file per storage area, each implementing its trait over one
//! transaction, and what they share here (statements prepared once per connection, error
//! mapping with retry hints, filters). Nothing here begins, commits or retries; the pools do.

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

use std::collections::HashMap;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Row, Statement, Transaction};

use crate::{StoreError, StoreResult};

type Param<'a> = &'a (dyn ToSql + Sync);

pub(crate) struct PgTx<'a, 'c> {
    t: &'a mut Transaction<'c>,
    statements: &'a mut HashMap<String, Statement>,
    /// Write transactions lock the stock rows they read; read-only ones cannot.
    write: bool,
    /// Set when the transaction failed in a way that running it again may fix.
    pub(crate) retry_hint: bool,
    pub(crate) connection_lost: bool,
}

/// Errors worth another attempt: contention between transactions, or a uniqueness race
/// whose second attempt finds the row the other transaction wrote.
pub(crate) fn is_retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::UNIQUE_VIOLATION
    )
}

/// The rule a unique constraint stands for, named as the SQLite engine names it.
fn rule(constraint: Option<&str>) -> &'static str {
    match constraint.unwrap_or("") {
        "products_sku_key" => "products.sku",
        "locations_code_key" => "locations.code",
        "customers_email_key" => "customers.email",
        "orders_external_id" => "orders.channel",
        "api_keys_hash_key" => "api_keys.hash",
        "idempotency_keys_pkey" => "idempotency_keys.key_id",
        "balance_accounts_kind_code_key" => "balance_accounts.kind",
        "channel_imports_delivery" => "channel_imports.channel",
        "suppliers_code_key" => "suppliers.code",
        "stock_alerts_open" => "stock_alerts.kind",
        _ => "a unique rule",
    }
}

impl<'a, 'c> PgTx<'a, 'c> {
    pub(crate) fn new(t: &'a mut Transaction<'c>, statements: &'a mut HashMap<String, Statement>, write: bool) -> Self {
        PgTx { t, statements, write, retry_hint: false, connection_lost: false }
    }

    fn map(&mut self, e: postgres::Error) -> StoreError {
        if is_retryable(&e) {
            self.retry_hint = true;
        }
        if let Some(db) = e.as_db_error() {
            let code = db.code().clone();
            if code == SqlState::UNIQUE_VIOLATION {
                return StoreError::Conflict(rule(db.constraint()));
            }
            if code == SqlState::T_R_SERIALIZATION_FAILURE || code == SqlState::T_R_DEADLOCK_DETECTED {
                return StoreError::Unavailable(format!("contention: {}", db.message()));
            }
            if code == SqlState::QUERY_CANCELED {
                return StoreError::Unavailable("a statement ran past the statement timeout".into());
            }
            if code.code().starts_with("08")
                || code.code().starts_with("57P")
                || code == SqlState::READ_ONLY_SQL_TRANSACTION
            {
                self.connection_lost = true;
                return StoreError::Unavailable(db.message().to_owned());
            }
            return StoreError::Internal(e.to_string());
        }
        // No database error: the connection itself failed.
        self.connection_lost = true;
        StoreError::Unavailable(e.to_string())
    }

    fn prepare(&mut self, sql: &str) -> StoreResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        match self.t.prepare(sql) {
            Ok(s) => {
                self.statements.insert(sql.to_owned(), s.clone());
                Ok(s)
            }
            Err(e) => Err(self.map(e)),
        }
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Vec<Row>> {
        let st = self.prepare(sql)?;
        self.t.query(&st, params).map_err(|e| self.map(e))
    }

    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Option<Row>> {
        let st = self.prepare(sql)?;
        self.t.query_opt(&st, params).map_err(|e| self.map(e))
    }

    fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<u64> {
        let st = self.prepare(sql)?;
        self.t.execute(&st, params).map_err(|e| self.map(e))
    }
}

fn decode<T>(r: Result<T, postgres::Error>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Internal(format!("unexpected column type: {e}")))
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Internal(format!("stored JSON is unreadable: {e}"))
}

/// Builds `WHERE` clauses with numbered placeholders and their parameters.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Where {
    fn add(&mut self, clause: &str, value: impl ToSql + Sync + 'static) {
        self.params.push(Box::new(value));
        self.clauses.push(clause.replace('?', &format!("${}", self.params.len())));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }

    fn params(&self) -> Vec<Param<'_>> {
        self.params.iter().map(|p| p.as_ref() as Param<'_>).collect()
    }
}
