//! SQLite: payments and their ledger, exchange rates, balances. Statements run in the caller's
//! transaction; nothing here commits.

use rusqlite::{Row, params};

use super::SqliteTx;
use crate::schema;
use crate::{BalanceAccount, BalanceEntry, PaymentEntry, PaymentRecord, PaymentStore, StoreResult};

const PAYMENT_COLS: &str = schema::PAYMENTS.column_list;

fn payment_row(r: &Row<'_>) -> rusqlite::Result<PaymentRecord> {
    Ok(PaymentRecord {
        id: r.get(0)?,
        order_id: r.get(1)?,
        provider: r.get(2)?,
        currency: r.get(3)?,
        created_at: r.get(4)?,
        body: r.get(5)?,
        reference: r.get(6)?,
    })
}

impl PaymentStore for SqliteTx<'_> {
    fn insert_payment(&mut self, p: &PaymentRecord) -> StoreResult<()> {
        self.exec(
            "INSERT OR FAIL INTO payments (id, order_id, provider, currency, created_at, body, reference)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![p.id, p.order_id, p.provider, p.currency, p.created_at, p.body, p.reference],
        )?;
        Ok(())
    }

    fn payments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentRecord>> {
        self.query_all(
            &format!("SELECT {PAYMENT_COLS} FROM payments WHERE order_id = ?1 ORDER BY id"),
            [order_id],
            payment_row,
        )
    }

    fn payment_by_id(&mut self, id: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_one(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE id = ?1"), [id], payment_row)
    }

    fn payment_by_reference(&mut self, reference: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_one(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE reference = ?1"), [reference], payment_row)
    }

    fn append_payment_entry(&mut self, e: &PaymentEntry) -> StoreResult<i64> {
        self.exec(
            "INSERT INTO payment_entries (payment_id, order_id, kind, amount, at, actor, reason, reference)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.payment_id, e.order_id, e.kind, e.amount, e.at, e.actor, e.reason, e.reference],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn payment_entries_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentEntry>> {
        self.query_all(
            "SELECT seq, payment_id, order_id, kind, amount, at, actor, reason, reference FROM payment_entries
             WHERE order_id = ?1 ORDER BY seq",
            [order_id],
            |r| {
                Ok(PaymentEntry {
                    seq: r.get(0)?,
                    payment_id: r.get(1)?,
                    order_id: r.get(2)?,
                    kind: r.get(3)?,
                    amount: r.get(4)?,
                    at: r.get(5)?,
                    actor: r.get(6)?,
                    reason: r.get(7)?,
                    reference: r.get(8)?,
                })
            },
        )
    }

    fn put_exchange_rate(&mut self, date: &str, currency: &str, base: &str, rate: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO exchange_rates (date, currency, base, rate) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (currency, date) DO UPDATE SET base = excluded.base, rate = excluded.rate",
            [date, currency, base, rate],
        )?;
        Ok(())
    }

    fn exchange_rates_on(&mut self, date: &str) -> StoreResult<Vec<(String, String, String, String)>> {
        self.query_all(
            "SELECT e.currency, e.date, e.base, e.rate FROM exchange_rates e
             WHERE e.date = (SELECT MAX(x.date) FROM exchange_rates x WHERE x.currency = e.currency AND x.date <= ?1)
             ORDER BY e.currency",
            [date],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    fn insert_balance_account(&mut self, a: &BalanceAccount) -> StoreResult<()> {
        self.exec(
            "INSERT OR FAIL INTO balance_accounts (id, kind, code, currency, balance, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a.id, a.kind, a.code, a.currency, a.balance, a.created_at],
        )?;
        Ok(())
    }

    fn balance_account(&mut self, kind: &str, code: &str) -> StoreResult<Option<BalanceAccount>> {
        self.query_one(
            "SELECT id, kind, code, currency, balance, created_at FROM balance_accounts WHERE kind = ?1 AND code = ?2",
            [kind, code],
            |r| {
                Ok(BalanceAccount {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    code: r.get(2)?,
                    currency: r.get(3)?,
                    balance: r.get(4)?,
                    created_at: r.get(5)?,
                })
            },
        )
    }

    fn change_balance(&mut self, e: &BalanceEntry) -> StoreResult<Result<i64, i64>> {
        let updated: Option<i64> = self.query_one(
            "UPDATE balance_accounts SET balance = balance + ?2 WHERE id = ?1 AND balance + ?2 >= 0 RETURNING balance",
            params![e.account_id, e.amount],
            |r| r.get(0),
        )?;
        let Some(balance) = updated else {
            let current: Option<i64> =
                self.query_one("SELECT balance FROM balance_accounts WHERE id = ?1", [&e.account_id], |r| r.get(0))?;
            return Ok(Err(current.unwrap_or(0)));
        };
        self.exec(
            "INSERT OR FAIL INTO balance_entries (account_id, amount, balance_after, at, reason, order_id, payment_id, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.account_id, e.amount, balance, e.at, e.reason, e.order_id, e.payment_id, e.actor],
        )?;
        Ok(Ok(balance))
    }

    fn balance_entries(&mut self, account_id: &str) -> StoreResult<Vec<BalanceEntry>> {
        self.query_all(
            "SELECT seq, account_id, amount, balance_after, at, reason, order_id, payment_id, actor FROM balance_entries
             WHERE account_id = ?1 ORDER BY seq",
            [account_id],
            |r| {
                Ok(BalanceEntry {
                    seq: r.get(0)?,
                    account_id: r.get(1)?,
                    amount: r.get(2)?,
                    balance_after: r.get(3)?,
                    at: r.get(4)?,
                    reason: r.get(5)?,
                    order_id: r.get(6)?,
                    payment_id: r.get(7)?,
                    actor: r.get(8)?,
                })
            },
        )
    }
}
