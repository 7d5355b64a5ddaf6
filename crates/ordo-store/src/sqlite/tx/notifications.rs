//! SQLite: customer notifications (queue and log) and customer preferences. Statements run in
//! the caller's transaction; nothing here commits. The writer is alone, so a claim needs no
//! row locks.

use rusqlite::{Row, params};

use super::{SqliteTx, placeholders};
use crate::schema;
use crate::{NotificationRecord, NotificationStore, StoreResult};

const COLS: &str = schema::NOTIFICATIONS.column_list;

fn notification_row(r: &Row<'_>) -> rusqlite::Result<NotificationRecord> {
    Ok(NotificationRecord {
        seq: r.get(0)?,
        id: r.get(1)?,
        dedupe: r.get(2)?,
        order_id: r.get(3)?,
        customer_id: r.get(4)?,
        kind: r.get(5)?,
        transport: r.get(6)?,
        recipient: r.get(7)?,
        language: r.get(8)?,
        event_id: r.get(9)?,
        about: r.get(10)?,
        status: r.get(11)?,
        attempts: r.get(12)?,
        next_at: r.get(13)?,
        claimed_until: r.get(14)?,
        subject: r.get(15)?,
        provider_id: r.get(16)?,
        error: r.get(17)?,
        created_at: r.get(18)?,
        sent_at: r.get(19)?,
        updated_at: r.get(20)?,
    })
}

impl NotificationStore for SqliteTx<'_> {
    fn add_notifications(&mut self, messages: &[NotificationRecord]) -> StoreResult<usize> {
        let mut added = 0;
        for n in messages {
            added += self.exec(
                &format!(
                    "INSERT INTO notifications ({COLS})
                     VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                     ON CONFLICT (dedupe) DO NOTHING"
                ),
                params![
                    n.id,
                    n.dedupe,
                    n.order_id,
                    n.customer_id,
                    n.kind,
                    n.transport,
                    n.recipient,
                    n.language,
                    n.event_id,
                    n.about,
                    n.status,
                    n.attempts,
                    n.next_at,
                    n.claimed_until,
                    n.subject,
                    n.provider_id,
                    n.error,
                    n.created_at,
                    n.sent_at,
                    n.updated_at
                ],
            )?;
        }
        Ok(added)
    }

    fn claim_notifications(&mut self, now: i64, until: i64, limit: usize) -> StoreResult<Vec<NotificationRecord>> {
        let taken = self.query_all(
            &format!(
                "SELECT {COLS} FROM notifications
                 WHERE status = 'pending' AND next_at <= ?1 AND claimed_until <= ?1
                 ORDER BY next_at, seq LIMIT {limit}"
            ),
            [now],
            notification_row,
        )?;
        if !taken.is_empty() {
            // `until` is ?1; the list's plain placeholders number on from it.
            let values: Vec<i64> = std::iter::once(until).chain(taken.iter().map(|n| n.seq)).collect();
            let sql = format!("UPDATE notifications SET claimed_until = ?1 WHERE seq IN {}", placeholders(taken.len()));
            self.exec(&sql, rusqlite::params_from_iter(values))?;
        }
        Ok(taken.into_iter().map(|n| NotificationRecord { claimed_until: until, ..n }).collect())
    }

    fn update_notification(&mut self, n: &NotificationRecord) -> StoreResult<bool> {
        Ok(self.exec(
            "UPDATE notifications SET status = ?2, attempts = ?3, next_at = ?4, claimed_until = ?5, subject = ?6,
             provider_id = ?7, error = ?8, sent_at = ?9, updated_at = ?10 WHERE id = ?1",
            params![
                n.id,
                n.status,
                n.attempts,
                n.next_at,
                n.claimed_until,
                n.subject,
                n.provider_id,
                n.error,
                n.sent_at,
                n.updated_at
            ],
        )? > 0)
    }

    fn notification(&mut self, id: &str) -> StoreResult<Option<NotificationRecord>> {
        self.query_one(&format!("SELECT {COLS} FROM notifications WHERE id = ?1"), [id], notification_row)
    }

    fn order_notifications(&mut self, order_id: &str) -> StoreResult<Vec<NotificationRecord>> {
        self.query_all(
            &format!("SELECT {COLS} FROM notifications WHERE order_id = ?1 ORDER BY seq"),
            [order_id],
            notification_row,
        )
    }

    fn customer_preferences(&mut self, customer_id: &str) -> StoreResult<Option<String>> {
        self.query_one("SELECT body FROM customer_preferences WHERE customer_id = ?1", [customer_id], |r| r.get(0))
    }

    fn put_customer_preferences(&mut self, customer_id: &str, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO customer_preferences (customer_id, body, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (customer_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![customer_id, body, at],
        )?;
        Ok(())
    }

    fn add_public_link(&mut self, purpose: &str, subject: &str, token: &str, at: i64) -> StoreResult<String> {
        self.exec(
            "INSERT INTO public_links (token, purpose, subject, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (purpose, subject) DO NOTHING",
            params![token, purpose, subject, at],
        )?;
        let kept = self.query_one(
            "SELECT token FROM public_links WHERE purpose = ?1 AND subject = ?2",
            [purpose, subject],
            |r| r.get(0),
        )?;
        Ok(kept.unwrap_or_else(|| token.to_owned()))
    }

    fn public_link(&mut self, purpose: &str, subject: &str) -> StoreResult<Option<String>> {
        self.query_one("SELECT token FROM public_links WHERE purpose = ?1 AND subject = ?2", [purpose, subject], |r| {
            r.get(0)
        })
    }

    fn resolve_public_link(&mut self, token: &str) -> StoreResult<Option<(String, String)>> {
        self.query_one("SELECT purpose, subject FROM public_links WHERE token = ?1", [token], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }
}
