//! PostgreSQL: payments and their ledger, exchange rates, balances. Statements run in the caller's
//! transaction; nothing here commits.

use postgres::Row;

use super::{PgTx, decode};
use crate::schema;
use crate::{BalanceAccount, BalanceEntry, PaymentEntry, PaymentRecord, PaymentStore, StoreError, StoreResult};

const PAYMENT_COLS: &str = schema::PAYMENTS.column_list;

fn payment_record(r: &Row) -> StoreResult<PaymentRecord> {
    Ok(PaymentRecord {
        id: decode(r.try_get(0))?,
        order_id: decode(r.try_get(1))?,
        provider: decode(r.try_get(2))?,
        currency: decode(r.try_get(3))?,
        created_at: decode(r.try_get(4))?,
        body: decode(r.try_get(5))?,
        reference: decode(r.try_get(6))?,
    })
}

impl PaymentStore for PgTx<'_, '_> {
    fn insert_payment(&mut self, p: &PaymentRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO payments (id, order_id, provider, currency, created_at, body, reference)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&p.id, &p.order_id, &p.provider, &p.currency, &p.created_at, &p.body, &p.reference],
        )?;
        Ok(())
    }

    fn payments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentRecord>> {
        self.query(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE order_id = $1 ORDER BY id"), &[&order_id])?
            .iter()
            .map(payment_record)
            .collect()
    }

    fn payment_by_id(&mut self, id: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_opt(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE id = $1"), &[&id])?
            .as_ref()
            .map(payment_record)
            .transpose()
    }

    fn payment_by_reference(&mut self, reference: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_opt(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE reference = $1"), &[&reference])?
            .as_ref()
            .map(payment_record)
            .transpose()
    }

    fn append_payment_entry(&mut self, e: &PaymentEntry) -> StoreResult<i64> {
        let row = self.query_opt(
            "INSERT INTO payment_entries (payment_id, order_id, kind, amount, at, actor, reason, reference)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
            &[&e.payment_id, &e.order_id, &e.kind, &e.amount, &e.at, &e.actor, &e.reason, &e.reference],
        )?;
        match row {
            Some(r) => decode(r.try_get(0)),
            None => Err(StoreError::Internal("the payment entry insert returned no sequence".into())),
        }
    }

    fn payment_entries_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentEntry>> {
        self.query(
            "SELECT seq, payment_id, order_id, kind, amount, at, actor, reason, reference FROM payment_entries
             WHERE order_id = $1 ORDER BY seq",
            &[&order_id],
        )?
        .iter()
        .map(|r| {
            Ok(PaymentEntry {
                seq: decode(r.try_get(0))?,
                payment_id: decode(r.try_get(1))?,
                order_id: decode(r.try_get(2))?,
                kind: decode(r.try_get(3))?,
                amount: decode(r.try_get(4))?,
                at: decode(r.try_get(5))?,
                actor: decode(r.try_get(6))?,
                reason: decode(r.try_get(7))?,
                reference: decode(r.try_get(8))?,
            })
        })
        .collect()
    }

    fn put_exchange_rate(&mut self, date: &str, currency: &str, base: &str, rate: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO exchange_rates (date, currency, base, rate) VALUES ($1, $2, $3, $4)
             ON CONFLICT (currency, date) DO UPDATE SET base = excluded.base, rate = excluded.rate",
            &[&date, &currency, &base, &rate],
        )?;
        Ok(())
    }

    fn exchange_rates_on(&mut self, date: &str) -> StoreResult<Vec<(String, String, String, String)>> {
        self.query(
            "SELECT e.currency, e.date, e.base, e.rate FROM exchange_rates e
             WHERE e.date = (SELECT MAX(x.date) FROM exchange_rates x WHERE x.currency = e.currency AND x.date <= $1)
             ORDER BY e.currency",
            &[&date],
        )?
        .iter()
        .map(|r| Ok((decode(r.try_get(0))?, decode(r.try_get(1))?, decode(r.try_get(2))?, decode(r.try_get(3))?)))
        .collect()
    }

    fn insert_balance_account(&mut self, a: &BalanceAccount) -> StoreResult<()> {
        self.exec(
            "INSERT INTO balance_accounts (id, kind, code, currency, balance, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&a.id, &a.kind, &a.code, &a.currency, &a.balance, &a.created_at],
        )?;
        Ok(())
    }

    fn balance_account(&mut self, kind: &str, code: &str) -> StoreResult<Option<BalanceAccount>> {
        let row = self.query_opt(
            "SELECT id, kind, code, currency, balance, created_at FROM balance_accounts WHERE kind = $1 AND code = $2",
            &[&kind, &code],
        )?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(BalanceAccount {
                id: decode(r.try_get(0))?,
                kind: decode(r.try_get(1))?,
                code: decode(r.try_get(2))?,
                currency: decode(r.try_get(3))?,
                balance: decode(r.try_get(4))?,
                created_at: decode(r.try_get(5))?,
            })),
        }
    }

    fn change_balance(&mut self, e: &BalanceEntry) -> StoreResult<Result<i64, i64>> {
        let updated = self.query_opt(
            "UPDATE balance_accounts SET balance = balance + $2 WHERE id = $1 AND balance + $2 >= 0 RETURNING balance",
            &[&e.account_id, &e.amount],
        )?;
        let balance: i64 = match updated {
            Some(r) => decode(r.try_get(0))?,
            None => {
                let current = self.query_opt("SELECT balance FROM balance_accounts WHERE id = $1", &[&e.account_id])?;
                return Ok(Err(match current {
                    Some(r) => decode(r.try_get(0))?,
                    None => 0,
                }));
            }
        };
        self.exec(
            "INSERT INTO balance_entries (account_id, amount, balance_after, at, reason, order_id, payment_id, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&e.account_id, &e.amount, &balance, &e.at, &e.reason, &e.order_id, &e.payment_id, &e.actor],
        )?;
        Ok(Ok(balance))
    }

    fn balance_entries(&mut self, account_id: &str) -> StoreResult<Vec<BalanceEntry>> {
        self.query(
            "SELECT seq, account_id, amount, balance_after, at, reason, order_id, payment_id, actor FROM balance_entries
             WHERE account_id = $1 ORDER BY seq",
            &[&account_id],
        )?
        .iter()
        .map(|r| {
            Ok(BalanceEntry {
                seq: decode(r.try_get(0))?,
                account_id: decode(r.try_get(1))?,
                amount: decode(r.try_get(2))?,
                balance_after: decode(r.try_get(3))?,
                at: decode(r.try_get(4))?,
                reason: decode(r.try_get(5))?,
                order_id: decode(r.try_get(6))?,
                payment_id: decode(r.try_get(7))?,
                actor: decode(r.try_get(8))?,
            })
        })
        .collect()
    }
}
