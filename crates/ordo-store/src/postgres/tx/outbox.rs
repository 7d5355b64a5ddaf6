//! PostgreSQL: outbox events, worker cursors and idempotency records. Statements run in the
//! caller's transaction; nothing here commits.

use super::{PgTx, Where, decode};
use crate::{AuditLink, EventFilter, EventRecord, IdempotencyRecord, NewEvent, OutboxStore, Page, StoreResult};

impl OutboxStore for PgTx<'_, '_> {
    fn worker_cursor(&mut self, name: &str) -> StoreResult<i64> {
        Ok(self
            .query_opt("SELECT position FROM worker_cursors WHERE name = $1", &[&name])?
            .map(|r| decode(r.try_get(0)))
            .transpose()?
            .unwrap_or(0))
    }

    fn swap_worker_cursor(&mut self, name: &str, expected: i64, new: i64) -> StoreResult<bool> {
        self.exec(
            "INSERT INTO worker_cursors (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
            &[&name],
        )?;
        let n = self.exec(
            "UPDATE worker_cursors SET position = $3 WHERE name = $1 AND position = $2",
            &[&name, &expected, &new],
        )?;
        Ok(n == 1)
    }

    fn set_worker_cursor(&mut self, name: &str, position: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO worker_cursors (name, position) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            &[&name, &position],
        )?;
        Ok(())
    }

    fn append_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        let origin = crate::origin::current();
        let (actor, address) =
            (origin.as_ref().map(|o| o.actor.as_str()), origin.as_ref().and_then(|o| o.address.as_deref()));
        self.exec(
            "INSERT INTO events (id, type, subject, at, data, version, actor, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&e.id, &e.event_type, &e.subject, &e.at, &e.data, &e.version, &actor, &address],
        )?;
        Ok(())
    }

    fn audit_head(&mut self) -> StoreResult<Option<AuditLink>> {
        let row = self.query_opt("SELECT position, seq, hash FROM audit_chain ORDER BY position DESC LIMIT 1", &[])?;
        row.map(|r| link(&r)).transpose()
    }

    fn append_audit(&mut self, links: &[(i64, String)]) -> StoreResult<()> {
        let head: i64 = match self.query_opt("SELECT COALESCE(MAX(position), 0) FROM audit_chain", &[])? {
            Some(r) => decode(r.try_get(0))?,
            None => 0,
        };
        for (position, (seq, hash)) in (head + 1..).zip(links) {
            self.exec("INSERT INTO audit_chain (position, seq, hash) VALUES ($1, $2, $3)", &[&position, seq, hash])?;
        }
        Ok(())
    }

    fn audit_links(&mut self, after: i64, limit: usize) -> StoreResult<Vec<AuditLink>> {
        let sql =
            format!("SELECT position, seq, hash FROM audit_chain WHERE position > $1 ORDER BY position LIMIT {limit}");
        self.query(&sql, &[&after])?.iter().map(link).collect()
    }

    fn audit_hashes(&mut self, seqs: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        let seqs = seqs.to_vec();
        self.query("SELECT seq, hash FROM audit_chain WHERE seq = ANY($1)", &[&seqs])?
            .iter()
            .map(|r| Ok((decode(r.try_get(0))?, decode(r.try_get(1))?)))
            .collect()
    }

    fn list_events(&mut self, page: &Page<i64>, f: &EventFilter) -> StoreResult<Vec<EventRecord>> {
        let mut w = Where::default();
        let order = match &f.subject {
            // One object's events are written one transaction at a time (the object's row is
            // locked), so their sequence is their commit order.
            Some(s) => {
                if let Some(after) = page.after {
                    w.add("seq > ?", after);
                }
                w.add("subject = ?", s.clone());
                "seq"
            }
            // The whole feed shows only events of transactions older than any still running
            // (that set never gains a member again), in the order of the transactions' ids,
            // then sequence. A sequence number is taken when the event is written, not when
            // its transaction commits, so by sequence alone an event committed late could come
            // before a cursor that has already passed it. The cursor names an event by its
            // sequence; its place is that event's (transaction, sequence), or for a number no
            // event has, the nearest event's below it.
            None => {
                w.clauses.push("txid < pg_snapshot_xmin(pg_current_snapshot())".to_owned());
                if let Some(after) = page.after {
                    w.add(
                        "(txid, seq) > (COALESCE((SELECT c.txid FROM events c WHERE c.seq <= ? \
                         ORDER BY c.seq DESC LIMIT 1), '0'::xid8), ?)",
                        after,
                    );
                }
                "txid, seq"
            }
        };
        if let Some(t) = &f.event_type {
            w.add("type = ?", t.clone());
        }
        if let Some(a) = &f.actor {
            w.add("actor = ?", a.clone());
        }
        let sql = format!(
            "SELECT seq, id, type, subject, at, data, version, actor, address FROM events {} ORDER BY {order} LIMIT {}",
            w.sql(),
            page.limit
        );
        let params = w.params();
        self.query(&sql, &params)?
            .iter()
            .map(|r| {
                Ok(EventRecord {
                    seq: decode(r.try_get(0))?,
                    id: decode(r.try_get(1))?,
                    event_type: decode(r.try_get(2))?,
                    subject: decode(r.try_get(3))?,
                    at: decode(r.try_get(4))?,
                    data: decode(r.try_get(5))?,
                    version: decode(r.try_get(6))?,
                    actor: decode(r.try_get(7))?,
                    address: decode(r.try_get(8))?,
                })
            })
            .collect()
    }

    fn idempotency_get(&mut self, key_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        let row = self.query_opt(
            "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE key_id = $1 AND idem_key = $2",
            &[&key_id, &key],
        )?;
        match row {
            None => Ok(None),
            Some(r) => {
                let status: i64 = decode(r.try_get(1))?;
                Ok(Some(IdempotencyRecord {
                    key_id: key_id.to_owned(),
                    key: key.to_owned(),
                    request_hash: decode(r.try_get(0))?,
                    status: u16::try_from(status).unwrap_or(200),
                    body: decode(r.try_get(2))?,
                    created_at: decode(r.try_get(3))?,
                }))
            }
        }
    }

    fn idempotency_put(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        let status = i64::from(r.status);
        self.exec(
            "INSERT INTO idempotency_keys (key_id, idem_key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&r.key_id, &r.key, &r.request_hash, &status, &r.body, &r.created_at],
        )?;
        Ok(())
    }

    fn idempotency_update(&mut self, r: &IdempotencyRecord) -> StoreResult<bool> {
        let status = i64::from(r.status);
        let n = self.exec(
            "UPDATE idempotency_keys SET status = $4, body = $5 WHERE key_id = $1 AND idem_key = $2 AND request_hash = $3",
            &[&r.key_id, &r.key, &r.request_hash, &status, &r.body],
        )?;
        Ok(n == 1)
    }

    fn idempotency_purge(&mut self, before: i64, limit: usize) -> StoreResult<usize> {
        let limit = limit as i64;
        let n = self.exec(
            "DELETE FROM idempotency_keys WHERE ctid IN \
             (SELECT ctid FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
            &[&before, &limit],
        )?;
        Ok(n as usize)
    }
}

fn link(r: &postgres::Row) -> StoreResult<AuditLink> {
    Ok(AuditLink { position: decode(r.try_get(0))?, seq: decode(r.try_get(1))?, hash: decode(r.try_get(2))? })
}
