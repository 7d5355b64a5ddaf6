//! SQLite: outbound webhook subscriptions, their delivery queue and its attempts. Statements
//! run in the caller's transaction; nothing here commits. The writer is alone, so a claim
//! needs no row locks.

use rusqlite::types::Value;
use rusqlite::{Row, params};

use super::{SqliteTx, placeholders};
use crate::batch::{pieces, sqlite_values};
use crate::schema;
use crate::{AttemptRecord, DeliveryRecord, Page, Requeue, StoreResult, WebhookRecord, WebhookStore};

const WEBHOOK_COLS: &str = schema::WEBHOOK_SUBSCRIPTIONS.column_list;
const DELIVERY_COLS: &str = schema::WEBHOOK_DELIVERIES.column_list;
const ATTEMPT_COLS: &str = schema::WEBHOOK_ATTEMPTS.column_list;

fn webhook_row(r: &Row<'_>) -> rusqlite::Result<WebhookRecord> {
    Ok(WebhookRecord {
        id: r.get(0)?,
        url: r.get(1)?,
        events: r.get(2)?,
        description: r.get(3)?,
        secret: r.get(4)?,
        status: r.get(5)?,
        failing_since: r.get(6)?,
        disabled_reason: r.get(7)?,
        version: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        seq: r.get(0)?,
        id: r.get(1)?,
        subscription_id: r.get(2)?,
        event_id: r.get(3)?,
        event_seq: r.get(4)?,
        event_type: r.get(5)?,
        subject: r.get(6)?,
        body: r.get(7)?,
        event: match r.get::<_, Option<i64>>(17)? {
            Some(seq) => Some(crate::EventRecord {
                seq,
                id: r.get(18)?,
                event_type: r.get(19)?,
                subject: r.get(20)?,
                at: r.get(21)?,
                data: r.get(22)?,
                version: r.get(23)?,
                actor: r.get(24)?,
                address: r.get(25)?,
            }),
            None => None,
        },
        status: r.get(8)?,
        attempts: r.get(9)?,
        next_at: r.get(10)?,
        window_from: r.get(11)?,
        claimed_until: r.get(12)?,
        last_status: r.get(13)?,
        last_error: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

fn attempt_row(r: &Row<'_>) -> rusqlite::Result<AttemptRecord> {
    Ok(AttemptRecord {
        delivery_id: r.get(0)?,
        n: r.get(1)?,
        at: r.get(2)?,
        status: r.get(3)?,
        latency_ms: r.get(4)?,
        error: r.get(5)?,
        answer: r.get(6)?,
    })
}

/// A delivery's columns (`d.`) and its event's (`ev.`), for every statement that reads
/// deliveries: the event is joined only for a delivery stored without its body.
fn delivery_select() -> String {
    format!(
        "SELECT {}, ev.seq, ev.id, ev.type, ev.subject, ev.at, ev.data, ev.version, ev.actor, ev.address
         FROM webhook_deliveries d LEFT JOIN events ev ON d.body = '' AND ev.seq = d.event_seq",
        prefixed(DELIVERY_COLS, "d")
    )
}

/// The columns of `d.`, for statements that join.
fn prefixed(cols: &str, alias: &str) -> String {
    cols.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

impl WebhookStore for SqliteTx<'_> {
    fn put_webhook(&mut self, w: &WebhookRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO webhook_subscriptions ({WEBHOOK_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events,
                 description = excluded.description, secret = excluded.secret, status = excluded.status,
                 failing_since = excluded.failing_since, disabled_reason = excluded.disabled_reason,
                 version = excluded.version, updated_at = excluded.updated_at"
            ),
            params![
                w.id,
                w.url,
                w.events,
                w.description,
                w.secret,
                w.status,
                w.failing_since,
                w.disabled_reason,
                w.version,
                w.created_at,
                w.updated_at
            ],
        )?;
        Ok(())
    }

    fn webhook(&mut self, id: &str) -> StoreResult<Option<WebhookRecord>> {
        self.query_one(&format!("SELECT {WEBHOOK_COLS} FROM webhook_subscriptions WHERE id = ?1"), [id], webhook_row)
    }

    fn list_webhooks(&mut self, page: &Page<String>) -> StoreResult<Vec<WebhookRecord>> {
        let after = page.after.clone().unwrap_or_default();
        self.query_all(
            &format!("SELECT {WEBHOOK_COLS} FROM webhook_subscriptions WHERE id > ?1 ORDER BY id LIMIT {}", page.limit),
            [after],
            webhook_row,
        )
    }

    fn active_webhooks(&mut self) -> StoreResult<Vec<WebhookRecord>> {
        self.query_all(
            &format!("SELECT {WEBHOOK_COLS} FROM webhook_subscriptions WHERE status = 'active' ORDER BY id"),
            [],
            webhook_row,
        )
    }

    fn delete_webhook(&mut self, id: &str) -> StoreResult<bool> {
        self.exec(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = ?1)",
            [id],
        )?;
        self.exec("DELETE FROM webhook_deliveries WHERE subscription_id = ?1", [id])?;
        Ok(self.exec("DELETE FROM webhook_subscriptions WHERE id = ?1", [id])? > 0)
    }

    fn add_webhook_deliveries(&mut self, deliveries: &[DeliveryRecord]) -> StoreResult<usize> {
        let mut added = 0;
        for piece in pieces(deliveries) {
            let sql = format!(
                "INSERT INTO webhook_deliveries ({DELIVERY_COLS}) SELECT NULL, * FROM (VALUES {})
                 WHERE true ON CONFLICT (subscription_id, event_id) DO NOTHING",
                sqlite_values(piece.len(), 16)
            );
            let mut values: Vec<Value> = Vec::with_capacity(piece.len() * 16);
            for d in piece {
                values.extend([
                    Value::from(d.id.clone()),
                    d.subscription_id.clone().into(),
                    d.event_id.clone().into(),
                    d.event_seq.into(),
                    d.event_type.clone().into(),
                    d.subject.clone().into(),
                    d.body.clone().into(),
                    d.status.clone().into(),
                    d.attempts.into(),
                    d.next_at.into(),
                    d.window_from.into(),
                    d.claimed_until.into(),
                    d.last_status.into(),
                    d.last_error.clone().into(),
                    d.created_at.into(),
                    d.updated_at.into(),
                ]);
            }
            added += self.exec(&sql, rusqlite::params_from_iter(values))?;
        }
        Ok(added)
    }

    fn claim_webhook_deliveries(&mut self, now: i64, until: i64, limit: usize) -> StoreResult<Vec<DeliveryRecord>> {
        let taken = self.query_all(
            &format!(
                "{}
                 JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.status = 'active'
                 WHERE d.status = 'pending' AND d.next_at <= ?1 AND d.claimed_until <= ?1
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                   WHERE e.status = 'pending' AND e.subscription_id = d.subscription_id
                                     AND e.subject = d.subject AND e.event_seq < d.event_seq)
                 ORDER BY d.next_at, d.seq LIMIT {limit}",
                delivery_select()
            ),
            [now],
            delivery_row,
        )?;
        if !taken.is_empty() {
            // `until` is ?1; the list's plain placeholders number on from it.
            let values: Vec<i64> = std::iter::once(until).chain(taken.iter().map(|d| d.seq)).collect();
            let sql =
                format!("UPDATE webhook_deliveries SET claimed_until = ?1 WHERE seq IN {}", placeholders(taken.len()));
            self.exec(&sql, rusqlite::params_from_iter(values))?;
        }
        Ok(taken.into_iter().map(|d| DeliveryRecord { claimed_until: until, ..d }).collect())
    }

    fn update_webhook_deliveries(&mut self, ds: &[DeliveryRecord]) -> StoreResult<usize> {
        let mut updated = 0;
        for piece in pieces(ds) {
            let sql = format!(
                "UPDATE webhook_deliveries SET status = v.column2, attempts = v.column3, next_at = v.column4,
                 window_from = v.column5, claimed_until = v.column6, last_status = v.column7,
                 last_error = v.column8, updated_at = v.column9
                 FROM (VALUES {}) AS v WHERE webhook_deliveries.id = v.column1",
                sqlite_values(piece.len(), 9)
            );
            let mut values: Vec<Value> = Vec::with_capacity(piece.len() * 9);
            for d in piece {
                values.extend([
                    Value::from(d.id.clone()),
                    d.status.clone().into(),
                    d.attempts.into(),
                    d.next_at.into(),
                    d.window_from.into(),
                    d.claimed_until.into(),
                    d.last_status.into(),
                    d.last_error.clone().into(),
                    d.updated_at.into(),
                ]);
            }
            updated += self.exec(&sql, rusqlite::params_from_iter(values))?;
        }
        Ok(updated)
    }

    fn add_webhook_attempts(&mut self, attempts: &[AttemptRecord]) -> StoreResult<()> {
        for piece in pieces(attempts) {
            let sql = format!("INSERT INTO webhook_attempts ({ATTEMPT_COLS}) VALUES {}", sqlite_values(piece.len(), 7));
            let mut values: Vec<Value> = Vec::with_capacity(piece.len() * 7);
            for a in piece {
                values.extend([
                    Value::from(a.delivery_id.clone()),
                    a.n.into(),
                    a.at.into(),
                    a.status.into(),
                    a.latency_ms.into(),
                    a.error.clone().into(),
                    a.answer.clone().into(),
                ]);
            }
            self.exec(&sql, rusqlite::params_from_iter(values))?;
        }
        Ok(())
    }

    fn webhook_delivery(&mut self, subscription_id: &str, id: &str) -> StoreResult<Option<DeliveryRecord>> {
        self.query_one(
            &format!("{} WHERE d.id = ?1 AND d.subscription_id = ?2", delivery_select()),
            [id, subscription_id],
            delivery_row,
        )
    }

    fn list_webhook_deliveries(
        &mut self,
        subscription_id: &str,
        page: &Page<i64>,
        status: Option<&str>,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let before = page.after.unwrap_or(i64::MAX);
        self.query_all(
            &format!(
                "{} WHERE d.subscription_id = ?1 AND d.seq < ?2 AND (?3 IS NULL OR d.status = ?3)
                 ORDER BY d.seq DESC LIMIT {}",
                delivery_select(),
                page.limit
            ),
            params![subscription_id, before, status],
            delivery_row,
        )
    }

    fn pending_webhook_subjects(&mut self, subscription_id: &str, subjects: &[&str]) -> StoreResult<Vec<String>> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT DISTINCT subject FROM webhook_deliveries
             WHERE status = 'pending' AND subscription_id = ? AND subject IN {}",
            placeholders(subjects.len())
        );
        let values = std::iter::once(subscription_id).chain(subjects.iter().copied());
        self.query_all(&sql, rusqlite::params_from_iter(values), |r| r.get(0))
    }

    fn queued_webhook_events(&mut self, subscription_id: &str, event_ids: &[&str]) -> StoreResult<Vec<String>> {
        if event_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT event_id FROM webhook_deliveries WHERE subscription_id = ? AND event_id IN {}",
            placeholders(event_ids.len())
        );
        let values = std::iter::once(subscription_id).chain(event_ids.iter().copied());
        self.query_all(&sql, rusqlite::params_from_iter(values), |r| r.get(0))
    }

    fn webhook_attempts(&mut self, delivery_id: &str) -> StoreResult<Vec<AttemptRecord>> {
        self.query_all(
            &format!("SELECT {ATTEMPT_COLS} FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY n"),
            [delivery_id],
            attempt_row,
        )
    }

    fn requeue_webhook_deliveries(&mut self, subscription_id: &str, which: &Requeue, now: i64) -> StoreResult<usize> {
        self.exec(
            "UPDATE webhook_deliveries SET status = 'pending', next_at = ?2, window_from = ?2, claimed_until = 0,
             updated_at = ?2
             WHERE subscription_id = ?1 AND status <> 'pending' AND (?3 IS NULL OR id = ?3)
               AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at <= ?6)",
            params![subscription_id, now, which.id, which.status, which.from, which.to],
        )
    }
}
