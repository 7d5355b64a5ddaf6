//! PostgreSQL: outbound webhook subscriptions, their delivery queue and its attempts.
//! Statements run in the caller's transaction; nothing here commits. A claim locks the rows it
//! takes and skips those another node's claim holds, so two nodes never take one delivery.

use postgres::Row;

use super::{Param, PgTx, decode};
use crate::batch::{pg_values, pieces};
use crate::schema;
use crate::{AttemptRecord, DeliveryRecord, Page, Requeue, StoreResult, WebhookRecord, WebhookStore};

const WEBHOOK_COLS: &str = schema::WEBHOOK_SUBSCRIPTIONS.column_list;
const DELIVERY_COLS: &str = schema::WEBHOOK_DELIVERIES.column_list;
const ATTEMPT_COLS: &str = schema::WEBHOOK_ATTEMPTS.column_list;

fn webhook(r: &Row) -> StoreResult<WebhookRecord> {
    Ok(WebhookRecord {
        id: decode(r.try_get(0))?,
        url: decode(r.try_get(1))?,
        events: decode(r.try_get(2))?,
        description: decode(r.try_get(3))?,
        secret: decode(r.try_get(4))?,
        status: decode(r.try_get(5))?,
        failing_since: decode(r.try_get(6))?,
        disabled_reason: decode(r.try_get(7))?,
        version: decode(r.try_get(8))?,
        created_at: decode(r.try_get(9))?,
        updated_at: decode(r.try_get(10))?,
    })
}

fn delivery(r: &Row) -> StoreResult<DeliveryRecord> {
    Ok(DeliveryRecord {
        seq: decode(r.try_get(0))?,
        id: decode(r.try_get(1))?,
        subscription_id: decode(r.try_get(2))?,
        event_id: decode(r.try_get(3))?,
        event_seq: decode(r.try_get(4))?,
        event_type: decode(r.try_get(5))?,
        subject: decode(r.try_get(6))?,
        body: decode(r.try_get(7))?,
        event: match decode::<Option<i64>>(r.try_get(17))? {
            Some(seq) => Some(crate::EventRecord {
                seq,
                id: decode(r.try_get(18))?,
                event_type: decode(r.try_get(19))?,
                subject: decode(r.try_get(20))?,
                at: decode(r.try_get(21))?,
                data: decode(r.try_get(22))?,
                version: decode(r.try_get(23))?,
                actor: decode(r.try_get(24))?,
                address: decode(r.try_get(25))?,
            }),
            None => None,
        },
        status: decode(r.try_get(8))?,
        attempts: decode(r.try_get(9))?,
        next_at: decode(r.try_get(10))?,
        window_from: decode(r.try_get(11))?,
        claimed_until: decode(r.try_get(12))?,
        last_status: decode(r.try_get(13))?,
        last_error: decode(r.try_get(14))?,
        created_at: decode(r.try_get(15))?,
        updated_at: decode(r.try_get(16))?,
    })
}

fn attempt(r: &Row) -> StoreResult<AttemptRecord> {
    Ok(AttemptRecord {
        delivery_id: decode(r.try_get(0))?,
        n: decode(r.try_get(1))?,
        at: decode(r.try_get(2))?,
        status: decode(r.try_get(3))?,
        latency_ms: decode(r.try_get(4))?,
        error: decode(r.try_get(5))?,
        answer: decode(r.try_get(6))?,
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

fn prefixed(cols: &str, alias: &str) -> String {
    cols.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

impl WebhookStore for PgTx<'_, '_> {
    fn put_webhook(&mut self, w: &WebhookRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO webhook_subscriptions ({WEBHOOK_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events,
                 description = excluded.description, secret = excluded.secret, status = excluded.status,
                 failing_since = excluded.failing_since, disabled_reason = excluded.disabled_reason,
                 version = excluded.version, updated_at = excluded.updated_at"
            ),
            &[
                &w.id,
                &w.url,
                &w.events,
                &w.description,
                &w.secret,
                &w.status,
                &w.failing_since,
                &w.disabled_reason,
                &w.version,
                &w.created_at,
                &w.updated_at,
            ],
        )?;
        Ok(())
    }

    fn webhook(&mut self, id: &str) -> StoreResult<Option<WebhookRecord>> {
        self.query_opt(&format!("SELECT {WEBHOOK_COLS} FROM webhook_subscriptions WHERE id = $1"), &[&id])?
            .as_ref()
            .map(webhook)
            .transpose()
    }

    fn list_webhooks(&mut self, page: &Page<String>) -> StoreResult<Vec<WebhookRecord>> {
        let after = page.after.clone().unwrap_or_default();
        self.query(
            &format!("SELECT {WEBHOOK_COLS} FROM webhook_subscriptions WHERE id > $1 ORDER BY id LIMIT {}", page.limit),
            &[&after],
        )?
        .iter()
        .map(webhook)
        .collect()
    }

    fn active_webhooks(&mut self) -> StoreResult<Vec<WebhookRecord>> {
        self.query(
            &format!("SELECT {WEBHOOK_COLS} FROM webhook_subscriptions WHERE status = 'active' ORDER BY id"),
            &[],
        )?
        .iter()
        .map(webhook)
        .collect()
    }

    fn delete_webhook(&mut self, id: &str) -> StoreResult<bool> {
        self.exec(
            "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = $1)",
            &[&id],
        )?;
        self.exec("DELETE FROM webhook_deliveries WHERE subscription_id = $1", &[&id])?;
        Ok(self.exec("DELETE FROM webhook_subscriptions WHERE id = $1", &[&id])? > 0)
    }

    fn add_webhook_deliveries(&mut self, deliveries: &[DeliveryRecord]) -> StoreResult<usize> {
        const TYPES: [&str; 16] = [
            "text", "text", "text", "int8", "text", "text", "text", "text", "int8", "int8", "int8", "int8", "int8",
            "text", "int8", "int8",
        ];
        let mut added = 0;
        for piece in pieces(deliveries) {
            let sql = format!(
                "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_seq, event_type, subject, body,
                 status, attempts, next_at, window_from, claimed_until, last_status, last_error, created_at, updated_at)
                 VALUES {} ON CONFLICT (subscription_id, event_id) DO NOTHING",
                pg_values(piece.len(), &TYPES)
            );
            let mut params: Vec<Param<'_>> = Vec::with_capacity(piece.len() * 16);
            for d in piece {
                params.extend([
                    &d.id as Param<'_>,
                    &d.subscription_id,
                    &d.event_id,
                    &d.event_seq,
                    &d.event_type,
                    &d.subject,
                    &d.body,
                    &d.status,
                    &d.attempts,
                    &d.next_at,
                    &d.window_from,
                    &d.claimed_until,
                    &d.last_status,
                    &d.last_error,
                    &d.created_at,
                    &d.updated_at,
                ]);
            }
            added += self.exec(&sql, &params)? as usize;
        }
        Ok(added)
    }

    fn claim_webhook_deliveries(&mut self, now: i64, until: i64, limit: usize) -> StoreResult<Vec<DeliveryRecord>> {
        let taken: Vec<DeliveryRecord> = self
            .query(
                &format!(
                    "{}
                     JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.status = 'active'
                     WHERE d.status = 'pending' AND d.next_at <= $1 AND d.claimed_until <= $1
                       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                       WHERE e.status = 'pending' AND e.subscription_id = d.subscription_id
                                         AND e.subject = d.subject AND e.event_seq < d.event_seq)
                     ORDER BY d.next_at, d.seq LIMIT {limit}
                     FOR UPDATE OF d SKIP LOCKED",
                    delivery_select()
                ),
                &[&now],
            )?
            .iter()
            .map(delivery)
            .collect::<StoreResult<_>>()?;
        if !taken.is_empty() {
            let seqs: Vec<i64> = taken.iter().map(|d| d.seq).collect();
            self.exec("UPDATE webhook_deliveries SET claimed_until = $1 WHERE seq = ANY($2)", &[&until, &seqs])?;
        }
        Ok(taken.into_iter().map(|d| DeliveryRecord { claimed_until: until, ..d }).collect())
    }

    fn update_webhook_deliveries(&mut self, ds: &[DeliveryRecord]) -> StoreResult<usize> {
        const TYPES: [&str; 9] = ["text", "text", "int8", "int8", "int8", "int8", "int8", "text", "int8"];
        let mut updated = 0;
        for piece in pieces(ds) {
            let sql = format!(
                "UPDATE webhook_deliveries AS d SET status = v.status, attempts = v.attempts, next_at = v.next_at,
                 window_from = v.window_from, claimed_until = v.claimed_until, last_status = v.last_status,
                 last_error = v.last_error, updated_at = v.updated_at
                 FROM (VALUES {}) AS v (id, status, attempts, next_at, window_from, claimed_until, last_status,
                   last_error, updated_at)
                 WHERE d.id = v.id",
                pg_values(piece.len(), &TYPES)
            );
            let mut params: Vec<Param<'_>> = Vec::with_capacity(piece.len() * 9);
            for d in piece {
                params.extend([
                    &d.id as Param<'_>,
                    &d.status,
                    &d.attempts,
                    &d.next_at,
                    &d.window_from,
                    &d.claimed_until,
                    &d.last_status,
                    &d.last_error,
                    &d.updated_at,
                ]);
            }
            updated += self.exec(&sql, &params)? as usize;
        }
        Ok(updated)
    }

    fn add_webhook_attempts(&mut self, attempts: &[AttemptRecord]) -> StoreResult<()> {
        const TYPES: [&str; 7] = ["text", "int8", "int8", "int8", "int8", "text", "text"];
        for piece in pieces(attempts) {
            let sql =
                format!("INSERT INTO webhook_attempts ({ATTEMPT_COLS}) VALUES {}", pg_values(piece.len(), &TYPES));
            let mut params: Vec<Param<'_>> = Vec::with_capacity(piece.len() * 7);
            for a in piece {
                params.extend([
                    &a.delivery_id as Param<'_>,
                    &a.n,
                    &a.at,
                    &a.status,
                    &a.latency_ms,
                    &a.error,
                    &a.answer,
                ]);
            }
            self.exec(&sql, &params)?;
        }
        Ok(())
    }

    fn webhook_delivery(&mut self, subscription_id: &str, id: &str) -> StoreResult<Option<DeliveryRecord>> {
        self.query_opt(
            &format!("{} WHERE d.id = $1 AND d.subscription_id = $2", delivery_select()),
            &[&id, &subscription_id],
        )?
        .as_ref()
        .map(delivery)
        .transpose()
    }

    fn list_webhook_deliveries(
        &mut self,
        subscription_id: &str,
        page: &Page<i64>,
        status: Option<&str>,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let before = page.after.unwrap_or(i64::MAX);
        self.query(
            &format!(
                "{} WHERE d.subscription_id = $1 AND d.seq < $2 AND ($3::text IS NULL OR d.status = $3)
                 ORDER BY d.seq DESC LIMIT {}",
                delivery_select(),
                page.limit
            ),
            &[&subscription_id, &before, &status],
        )?
        .iter()
        .map(delivery)
        .collect()
    }

    fn pending_webhook_subjects(&mut self, subscription_id: &str, subjects: &[&str]) -> StoreResult<Vec<String>> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        let subjects: Vec<&str> = subjects.to_vec();
        self.query(
            "SELECT DISTINCT subject FROM webhook_deliveries
             WHERE status = 'pending' AND subscription_id = $1 AND subject = ANY($2)",
            &[&subscription_id, &subjects],
        )?
        .iter()
        .map(|r| decode(r.try_get(0)))
        .collect()
    }

    fn queued_webhook_events(&mut self, subscription_id: &str, event_ids: &[&str]) -> StoreResult<Vec<String>> {
        if event_ids.is_empty() {
            return Ok(Vec::new());
        }
        let event_ids: Vec<&str> = event_ids.to_vec();
        self.query(
            "SELECT event_id FROM webhook_deliveries WHERE subscription_id = $1 AND event_id = ANY($2)",
            &[&subscription_id, &event_ids],
        )?
        .iter()
        .map(|r| decode(r.try_get(0)))
        .collect()
    }

    fn webhook_attempts(&mut self, delivery_id: &str) -> StoreResult<Vec<AttemptRecord>> {
        self.query(
            &format!("SELECT {ATTEMPT_COLS} FROM webhook_attempts WHERE delivery_id = $1 ORDER BY n"),
            &[&delivery_id],
        )?
        .iter()
        .map(attempt)
        .collect()
    }

    fn requeue_webhook_deliveries(&mut self, subscription_id: &str, which: &Requeue, now: i64) -> StoreResult<usize> {
        Ok(self.exec(
            "UPDATE webhook_deliveries SET status = 'pending', next_at = $2, window_from = $2, claimed_until = 0,
             updated_at = $2
             WHERE subscription_id = $1 AND status <> 'pending' AND ($3::text IS NULL OR id = $3)
               AND ($4::text IS NULL OR status = $4) AND ($5::bigint IS NULL OR created_at >= $5)
               AND ($6::bigint IS NULL OR created_at <= $6)",
            &[&subscription_id, &now, &which.id, &which.status, &which.from, &which.to],
        )? as usize)
    }
}
