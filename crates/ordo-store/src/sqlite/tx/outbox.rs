//! SQLite: outbox events, worker cursors and idempotency records. Statements run in the caller's
//! transaction; nothing here commits.

use rusqlite::params;

use super::{SqliteTx, Where};
use crate::{AuditLink, EventFilter, EventRecord, IdempotencyRecord, NewEvent, OutboxStore, Page, StoreResult};

impl OutboxStore for SqliteTx<'_> {
    fn worker_cursor(&mut self, name: &str) -> StoreResult<i64> {
        Ok(self.query_one("SELECT position FROM worker_cursors WHERE name = ?1", [name], |r| r.get(0))?.unwrap_or(0))
    }

    fn swap_worker_cursor(&mut self, name: &str, expected: i64, new: i64) -> StoreResult<bool> {
        self.exec("INSERT INTO worker_cursors (name, position) VALUES (?1, 0) ON CONFLICT (name) DO NOTHING", [name])?;
        let n = self.exec(
            "UPDATE worker_cursors SET position = ?3 WHERE name = ?1 AND position = ?2",
            params![name, expected, new],
        )?;
        Ok(n == 1)
    }

    fn set_worker_cursor(&mut self, name: &str, position: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO worker_cursors (name, position) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            params![name, position],
        )?;
        Ok(())
    }

    fn append_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        let origin = crate::origin::current();
        let (actor, address) =
            (origin.as_ref().map(|o| o.actor.as_str()), origin.as_ref().and_then(|o| o.address.as_deref()));
        self.exec(
            "INSERT OR FAIL INTO events (id, type, subject, at, data, version, actor, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.id, e.event_type, e.subject, e.at, e.data, e.version, actor, address],
        )?;
        Ok(())
    }

    fn audit_head(&mut self) -> StoreResult<Option<AuditLink>> {
        self.query_one("SELECT position, seq, hash FROM audit_chain ORDER BY position DESC LIMIT 1", [], |r| {
            Ok(AuditLink { position: r.get(0)?, seq: r.get(1)?, hash: r.get(2)? })
        })
    }

    fn append_audit(&mut self, links: &[(i64, String)]) -> StoreResult<()> {
        let head: i64 =
            self.query_one("SELECT COALESCE(MAX(position), 0) FROM audit_chain", [], |r| r.get(0))?.unwrap_or(0);
        for (position, (seq, hash)) in (head + 1..).zip(links) {
            self.exec(
                "INSERT INTO audit_chain (position, seq, hash) VALUES (?1, ?2, ?3)",
                params![position, seq, hash],
            )?;
        }
        Ok(())
    }

    fn audit_links(&mut self, after: i64, limit: usize) -> StoreResult<Vec<AuditLink>> {
        self.query_all(
            &format!("SELECT position, seq, hash FROM audit_chain WHERE position > ?1 ORDER BY position LIMIT {limit}"),
            [after],
            |r| Ok(AuditLink { position: r.get(0)?, seq: r.get(1)?, hash: r.get(2)? }),
        )
    }

    fn audit_hashes(&mut self, seqs: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        let mut out = Vec::new();
        for chunk in seqs.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!("SELECT seq, hash FROM audit_chain WHERE seq IN ({marks})");
            out.extend(self.query_all(&sql, rusqlite::params_from_iter(chunk), |r| Ok((r.get(0)?, r.get(1)?)))?);
        }
        Ok(out)
    }

    fn list_events(&mut self, page: &Page<i64>, f: &EventFilter) -> StoreResult<Vec<EventRecord>> {
        let mut w = Where::default();
        if let Some(after) = page.after {
            w.add("seq > ?", after);
        }
        if let Some(s) = &f.subject {
            w.add("subject = ?", s.clone());
        }
        if let Some(t) = &f.event_type {
            w.add("type = ?", t.clone());
        }
        if let Some(a) = &f.actor {
            w.add("actor = ?", a.clone());
        }
        let sql = format!(
            "SELECT seq, id, type, subject, at, data, version, actor, address FROM events {} ORDER BY seq LIMIT {}",
            w.sql(),
            page.limit
        );
        self.query_all(&sql, rusqlite::params_from_iter(w.params), |r| {
            Ok(EventRecord {
                seq: r.get(0)?,
                id: r.get(1)?,
                event_type: r.get(2)?,
                subject: r.get(3)?,
                at: r.get(4)?,
                data: r.get(5)?,
                version: r.get(6)?,
                actor: r.get(7)?,
                address: r.get(8)?,
            })
        })
    }

    fn idempotency_get(&mut self, key_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        self.query_one(
            "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE key_id = ?1 AND idem_key = ?2",
            [key_id, key],
            |r| {
                Ok(IdempotencyRecord {
                    key_id: key_id.to_owned(),
                    key: key.to_owned(),
                    request_hash: r.get(0)?,
                    status: r.get(1)?,
                    body: r.get(2)?,
                    created_at: r.get(3)?,
                })
            },
        )
    }

    fn idempotency_put(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        self.exec(
            "INSERT OR FAIL INTO idempotency_keys (key_id, idem_key, request_hash, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.key_id, r.key, r.request_hash, r.status, r.body, r.created_at],
        )?;
        Ok(())
    }

    fn idempotency_update(&mut self, r: &IdempotencyRecord) -> StoreResult<bool> {
        let n = self.exec(
            "UPDATE OR FAIL idempotency_keys SET status = ?4, body = ?5 WHERE key_id = ?1 AND idem_key = ?2 AND request_hash = ?3",
            params![r.key_id, r.key, r.request_hash, r.status, r.body],
        )?;
        Ok(n == 1)
    }

    fn idempotency_purge(&mut self, before: i64, limit: usize) -> StoreResult<usize> {
        self.exec(
            "DELETE FROM idempotency_keys WHERE (key_id, idem_key) IN \
             (SELECT key_id, idem_key FROM idempotency_keys WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
            params![before, limit as i64],
        )
    }
}
