//! PostgreSQL: customer notifications (queue and log) and customer preferences. Statements
//! run in the caller's transaction; nothing here commits. A claim locks the rows it takes and
//! skips those another node's claim holds, so two nodes never take one message.

use postgres::Row;

use super::{PgTx, decode};
use crate::schema;
use crate::{NotificationRecord, NotificationStore, StoreResult};

const COLS: &str = schema::NOTIFICATIONS.column_list;

fn notification(r: &Row) -> StoreResult<NotificationRecord> {
    Ok(NotificationRecord {
        seq: decode(r.try_get(0))?,
        id: decode(r.try_get(1))?,
        dedupe: decode(r.try_get(2))?,
        order_id: decode(r.try_get(3))?,
        customer_id: decode(r.try_get(4))?,
        kind: decode(r.try_get(5))?,
        transport: decode(r.try_get(6))?,
        recipient: decode(r.try_get(7))?,
        language: decode(r.try_get(8))?,
        event_id: decode(r.try_get(9))?,
        about: decode(r.try_get(10))?,
        status: decode(r.try_get(11))?,
        attempts: decode(r.try_get(12))?,
        next_at: decode(r.try_get(13))?,
        claimed_until: decode(r.try_get(14))?,
        subject: decode(r.try_get(15))?,
        provider_id: decode(r.try_get(16))?,
        error: decode(r.try_get(17))?,
        created_at: decode(r.try_get(18))?,
        sent_at: decode(r.try_get(19))?,
        updated_at: decode(r.try_get(20))?,
    })
}

impl NotificationStore for PgTx<'_, '_> {
    fn add_notifications(&mut self, messages: &[NotificationRecord]) -> StoreResult<usize> {
        let mut added = 0;
        for n in messages {
            added += self.exec(
                "INSERT INTO notifications (id, dedupe, order_id, customer_id, kind, transport, recipient, language,
                 event_id, about, status, attempts, next_at, claimed_until, subject, provider_id, error, created_at,
                 sent_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
                 ON CONFLICT (dedupe) DO NOTHING",
                &[
                    &n.id,
                    &n.dedupe,
                    &n.order_id,
                    &n.customer_id,
                    &n.kind,
                    &n.transport,
                    &n.recipient,
                    &n.language,
                    &n.event_id,
                    &n.about,
                    &n.status,
                    &n.attempts,
                    &n.next_at,
                    &n.claimed_until,
                    &n.subject,
                    &n.provider_id,
                    &n.error,
                    &n.created_at,
                    &n.sent_at,
                    &n.updated_at,
                ],
            )? as usize;
        }
        Ok(added)
    }

    fn claim_notifications(&mut self, now: i64, until: i64, limit: usize) -> StoreResult<Vec<NotificationRecord>> {
        let taken: Vec<NotificationRecord> = self
            .query(
                &format!(
                    "SELECT {COLS} FROM notifications
                     WHERE status = 'pending' AND next_at <= $1 AND claimed_until <= $1
                     ORDER BY next_at, seq LIMIT {limit}
                     FOR UPDATE SKIP LOCKED"
                ),
                &[&now],
            )?
            .iter()
            .map(notification)
            .collect::<StoreResult<_>>()?;
        if !taken.is_empty() {
            let seqs: Vec<i64> = taken.iter().map(|n| n.seq).collect();
            self.exec("UPDATE notifications SET claimed_until = $1 WHERE seq = ANY($2)", &[&until, &seqs])?;
        }
        Ok(taken.into_iter().map(|n| NotificationRecord { claimed_until: until, ..n }).collect())
    }

    fn update_notification(&mut self, n: &NotificationRecord) -> StoreResult<bool> {
        Ok(self.exec(
            "UPDATE notifications SET status = $2, attempts = $3, next_at = $4, claimed_until = $5, subject = $6,
             provider_id = $7, error = $8, sent_at = $9, updated_at = $10 WHERE id = $1",
            &[
                &n.id,
                &n.status,
                &n.attempts,
                &n.next_at,
                &n.claimed_until,
                &n.subject,
                &n.provider_id,
                &n.error,
                &n.sent_at,
                &n.updated_at,
            ],
        )? > 0)
    }

    fn notification(&mut self, id: &str) -> StoreResult<Option<NotificationRecord>> {
        self.query_opt(&format!("SELECT {COLS} FROM notifications WHERE id = $1"), &[&id])?
            .map(|r| notification(&r))
            .transpose()
    }

    fn order_notifications(&mut self, order_id: &str) -> StoreResult<Vec<NotificationRecord>> {
        self.query(&format!("SELECT {COLS} FROM notifications WHERE order_id = $1 ORDER BY seq"), &[&order_id])?
            .iter()
            .map(notification)
            .collect()
    }

    fn customer_preferences(&mut self, customer_id: &str) -> StoreResult<Option<String>> {
        self.query_opt("SELECT body FROM customer_preferences WHERE customer_id = $1", &[&customer_id])?
            .map(|r| decode(r.try_get(0)))
            .transpose()
    }

    fn put_customer_preferences(&mut self, customer_id: &str, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO customer_preferences (customer_id, body, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (customer_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&customer_id, &body, &at],
        )?;
        Ok(())
    }

    fn add_public_link(&mut self, purpose: &str, subject: &str, token: &str, at: i64) -> StoreResult<String> {
        self.exec(
            "INSERT INTO public_links (token, purpose, subject, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (purpose, subject) DO NOTHING",
            &[&token, &purpose, &subject, &at],
        )?;
        let kept = self
            .query_opt("SELECT token FROM public_links WHERE purpose = $1 AND subject = $2", &[&purpose, &subject])?;
        match kept {
            Some(r) => decode(r.try_get(0)),
            None => Ok(token.to_owned()),
        }
    }

    fn public_link(&mut self, purpose: &str, subject: &str) -> StoreResult<Option<String>> {
        self.query_opt("SELECT token FROM public_links WHERE purpose = $1 AND subject = $2", &[&purpose, &subject])?
            .map(|r| decode(r.try_get(0)))
            .transpose()
    }

    fn resolve_public_link(&mut self, token: &str) -> StoreResult<Option<(String, String)>> {
        self.query_opt("SELECT purpose, subject FROM public_links WHERE token = $1", &[&token])?
            .map(|r| Ok((decode(r.try_get(0))?, decode(r.try_get(1))?)))
            .transpose()
    }
}
