//! PostgreSQL: stock levels and their ledger, count requests, non-sellable buckets. Statements run
//! in the caller's transaction; nothing here commits.

use ordo_domain::id::{LocationId, OrderId};
use ordo_domain::inventory::{Level, Movement, Reason};
use postgres::Row;

use super::{PgTx, Where, decode};
use crate::schema;
use crate::{
    BucketChange, BucketLevel, BucketMovement, CountRequest, InventoryStore, LevelChange, LevelRecord, MovementFilter,
    Page, StoreError, StoreResult,
};

const MOVEMENT_COLS: &str = schema::INVENTORY_MOVEMENTS.column_list;

fn movement(r: &Row) -> StoreResult<Movement> {
    let reason: String = decode(r.try_get(9))?;
    let order_id: Option<String> = decode(r.try_get(11))?;
    Ok(Movement {
        seq: decode(r.try_get(0))?,
        at: decode(r.try_get(1))?,
        location_id: LocationId::from_trusted(decode(r.try_get(2))?),
        location: decode(r.try_get(3))?,
        sku: decode(r.try_get(4))?,
        on_hand_delta: decode(r.try_get(5))?,
        reserved_delta: decode(r.try_get(6))?,
        on_hand_after: decode(r.try_get(7))?,
        reserved_after: decode(r.try_get(8))?,
        reason: Reason::parse(&reason).unwrap_or(Reason::Correction),
        actor: decode(r.try_get(10))?,
        order_id: order_id.map(OrderId::from_trusted),
        note: decode(r.try_get(12))?,
        reference: decode(r.try_get(13))?,
    })
}

fn level_record(r: &Row) -> StoreResult<LevelRecord> {
    Ok(LevelRecord {
        sku: decode(r.try_get(0))?,
        location_id: LocationId::from_trusted(decode(r.try_get(1))?),
        on_hand: decode(r.try_get(2))?,
        reserved: decode(r.try_get(3))?,
        location: decode(r.try_get(4))?,
    })
}

impl InventoryStore for PgTx<'_, '_> {
    fn levels_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<LevelRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus: Vec<&str> = skus.to_vec();
        // In a write transaction the rows are locked, always in (SKU, location) order, so that
        // two orders over the same SKUs queue instead of deadlocking; the plan made from them
        // then cannot be overtaken before commit.
        let sql = if self.write {
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id WHERE l.sku = ANY($1)
             ORDER BY l.sku, l.location_id FOR UPDATE OF l"
        } else {
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id WHERE l.sku = ANY($1)
             ORDER BY l.sku, loc.code COLLATE \"C\""
        };
        let mut rows: Vec<LevelRecord> =
            self.query(sql, &[&skus])?.iter().map(level_record).collect::<StoreResult<_>>()?;
        rows.sort_by(|a, b| a.sku.cmp(&b.sku).then_with(|| a.location.cmp(&b.location)));
        Ok(rows)
    }

    fn list_levels(
        &mut self,
        page: &Page<(String, String)>,
        sku: Option<&str>,
        location_id: Option<&str>,
    ) -> StoreResult<Vec<LevelRecord>> {
        let mut w = Where::default();
        if let Some(s) = sku {
            w.add("l.sku = ?", s.to_owned());
        }
        if let Some((s, loc)) = &page.after {
            w.params.push(Box::new(s.clone()));
            w.params.push(Box::new(loc.clone()));
            let n = w.params.len();
            w.clauses.push(format!("(l.sku, l.location_id) > (${}, ${})", n - 1, n));
        }
        if let Some(loc) = location_id {
            w.add("l.location_id = ?", loc.to_owned());
        }
        let sql = format!(
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id {} ORDER BY l.sku, l.location_id LIMIT {}",
            w.sql(),
            page.limit
        );
        let params = w.params();
        self.query(&sql, &params)?.iter().map(level_record).collect()
    }

    fn change_level(&mut self, c: &LevelChange) -> StoreResult<Result<Movement, Level>> {
        let loc = c.location_id.as_str();
        let order_id = c.order_id.as_deref();
        let movement = |seq: i64, next: Level| Movement {
            seq,
            at: c.at,
            location_id: c.location_id.clone(),
            location: c.location.clone(),
            sku: c.sku.clone(),
            on_hand_delta: c.on_hand_delta,
            reserved_delta: c.reserved_delta,
            on_hand_after: next.on_hand,
            reserved_after: next.reserved,
            reason: c.reason,
            actor: c.actor.clone(),
            order_id: c.order_id.clone().map(OrderId::from_trusted),
            note: c.note.clone(),
            reference: c.reference.clone(),
        };
        // The common case in one round trip: a guarded update of the existing row (it changes
        // only if the result stays valid) and its ledger entry, or nothing at all.
        let done = self.query_opt(
            "WITH changed AS (
                UPDATE inventory_levels SET on_hand = on_hand + $3, reserved = reserved + $4, updated_at = $5
                WHERE sku = $1 AND location_id = $2
                  AND on_hand + $3 >= 0 AND reserved + $4 >= 0 AND reserved + $4 <= on_hand + $3
                RETURNING on_hand, reserved)
             INSERT INTO inventory_movements (at, location_id, location, sku, on_hand_delta, reserved_delta,
                 on_hand_after, reserved_after, reason, actor, order_id, note, reference)
             SELECT $5, $2, $6, $1, $3, $4, changed.on_hand, changed.reserved, $7, $8, $9, $10, $11 FROM changed
             RETURNING seq, on_hand_after, reserved_after",
            &[
                &c.sku,
                &loc,
                &c.on_hand_delta,
                &c.reserved_delta,
                &c.at,
                &c.location,
                &c.reason.as_str(),
                &c.actor,
                &order_id,
                &c.note,
                &c.reference,
            ],
        )?;
        if let Some(r) = done {
            let next = Level { on_hand: decode(r.try_get(1))?, reserved: decode(r.try_get(2))? };
            return Ok(Ok(movement(decode(r.try_get(0))?, next)));
        }
        let current = self.query_opt(
            "SELECT on_hand, reserved FROM inventory_levels WHERE sku = $1 AND location_id = $2",
            &[&c.sku, &loc],
        )?;
        if let Some(r) = current {
            let level = Level { on_hand: decode(r.try_get(0))?, reserved: decode(r.try_get(1))? };
            if level.apply(c.on_hand_delta, c.reserved_delta).is_ok() {
                // The level allows the change, so the update did not see the row: another
                // transaction created (or changed) it after the update looked. Run again.
                self.retry_hint = true;
                return Err(StoreError::Unavailable("contention: the stock row changed concurrently".into()));
            }
            // The row exists and the guard refused the change.
            return Ok(Err(level));
        }
        let Ok(next) = Level::default().apply(c.on_hand_delta, c.reserved_delta) else {
            return Ok(Err(Level::default()));
        };
        let inserted = self.exec(
            "INSERT INTO inventory_levels (sku, location_id, on_hand, reserved, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (sku, location_id) DO NOTHING",
            &[&c.sku, &loc, &next.on_hand, &next.reserved, &c.at],
        )?;
        if inserted == 0 {
            // Another transaction created the row in the meantime: run again and meet it.
            self.retry_hint = true;
            return Err(StoreError::Unavailable("contention: the stock row was created concurrently".into()));
        }
        let row = self.query_opt(
            &format!(
                "INSERT INTO inventory_movements ({MOVEMENT_COLS}) VALUES (DEFAULT, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq"
            ),
            &[
                &c.at,
                &loc,
                &c.location,
                &c.sku,
                &c.on_hand_delta,
                &c.reserved_delta,
                &next.on_hand,
                &next.reserved,
                &c.reason.as_str(),
                &c.actor,
                &order_id,
                &c.note,
                &c.reference,
            ],
        )?;
        match row {
            Some(r) => Ok(Ok(movement(decode(r.try_get(0))?, next))),
            None => Err(StoreError::Internal("the ledger insert returned no sequence".into())),
        }
    }

    fn list_movements(&mut self, page: &Page<i64>, f: &MovementFilter) -> StoreResult<Vec<Movement>> {
        let mut w = Where::default();
        if let Some(after) = page.after {
            w.add("seq < ?", after);
        }
        if let Some(sku) = &f.sku {
            w.add("sku = ?", sku.clone());
        }
        if let Some(loc) = &f.location_id {
            w.add("location_id = ?", loc.clone());
        }
        if let Some(o) = &f.order_id {
            w.add("order_id = ?", o.clone());
        }
        if let Some(t) = f.after_time {
            w.add("at >= ?", t);
        }
        if let Some(t) = f.before_time {
            w.add("at < ?", t);
        }
        let sql = format!(
            "SELECT {MOVEMENT_COLS} FROM inventory_movements {} ORDER BY seq DESC LIMIT {}",
            w.sql(),
            page.limit
        );
        let params = w.params();
        self.query(&sql, &params)?.iter().map(movement).collect()
    }

    fn request_count(&mut self, r: &CountRequest) -> StoreResult<()> {
        self.exec(
            "INSERT INTO count_requests (sku, location_id, location, requested_at, reason) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (sku, location_id) DO UPDATE SET requested_at = excluded.requested_at, reason = excluded.reason",
            &[&r.sku, &r.location_id, &r.location, &r.requested_at, &r.reason],
        )?;
        Ok(())
    }

    fn clear_count_request(&mut self, sku: &str, location_id: &str) -> StoreResult<()> {
        self.exec("DELETE FROM count_requests WHERE sku = $1 AND location_id = $2", &[&sku, &location_id])?;
        Ok(())
    }

    fn count_requests(&mut self, location_id: Option<&str>) -> StoreResult<Vec<CountRequest>> {
        self.query(
            "SELECT sku, location_id, location, requested_at, reason FROM count_requests
             WHERE $1::TEXT IS NULL OR location_id = $1 ORDER BY requested_at, sku",
            &[&location_id],
        )?
        .iter()
        .map(|r| {
            Ok(CountRequest {
                sku: decode(r.try_get(0))?,
                location_id: decode(r.try_get(1))?,
                location: decode(r.try_get(2))?,
                requested_at: decode(r.try_get(3))?,
                reason: decode(r.try_get(4))?,
            })
        })
        .collect()
    }

    fn change_bucket(&mut self, c: &BucketChange) -> StoreResult<Result<i64, i64>> {
        // Adding upserts; taking away is a guarded update, so the CHECK is never hit (an error
        // would abort the whole transaction).
        let row = if c.delta >= 0 {
            self.query_opt(
                "INSERT INTO stock_buckets (sku, location_id, bucket, quantity, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (sku, location_id, bucket) DO UPDATE
                   SET quantity = stock_buckets.quantity + excluded.quantity, updated_at = excluded.updated_at
                 RETURNING quantity",
                &[&c.sku, &c.location_id, &c.bucket, &c.delta, &c.at],
            )?
        } else {
            self.query_opt(
                "UPDATE stock_buckets SET quantity = quantity + $4, updated_at = $5
                 WHERE sku = $1 AND location_id = $2 AND bucket = $3 AND quantity + $4 >= 0
                 RETURNING quantity",
                &[&c.sku, &c.location_id, &c.bucket, &c.delta, &c.at],
            )?
        };
        let after: i64 = match row {
            Some(r) => decode(r.try_get(0))?,
            None => {
                let current = self
                    .query_opt(
                        "SELECT quantity FROM stock_buckets WHERE sku = $1 AND location_id = $2 AND bucket = $3",
                        &[&c.sku, &c.location_id, &c.bucket],
                    )?
                    .map(|r| decode(r.try_get(0)))
                    .transpose()?
                    .unwrap_or(0);
                return Ok(Err(current));
            }
        };
        self.exec(
            "INSERT INTO bucket_movements (at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[&c.at, &c.location_id, &c.location, &c.sku, &c.bucket, &c.delta, &after, &c.reason, &c.actor, &c.order_id, &c.reference, &c.note],
        )?;
        Ok(Ok(after))
    }

    fn buckets_for_sku(&mut self, sku: &str) -> StoreResult<Vec<BucketLevel>> {
        self.query(
            "SELECT sku, location_id, bucket, quantity FROM stock_buckets WHERE sku = $1 ORDER BY location_id, bucket",
            &[&sku],
        )?
        .iter()
        .map(|r| {
            Ok(BucketLevel {
                sku: decode(r.try_get(0))?,
                location_id: decode(r.try_get(1))?,
                bucket: decode(r.try_get(2))?,
                quantity: decode(r.try_get(3))?,
            })
        })
        .collect()
    }

    fn bucket_movements(&mut self, sku: &str) -> StoreResult<Vec<BucketMovement>> {
        self.query(
            "SELECT seq, at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note
             FROM bucket_movements WHERE sku = $1 ORDER BY seq",
            &[&sku],
        )?
        .iter()
        .map(|r| {
            Ok(BucketMovement {
                seq: decode(r.try_get(0))?,
                change: BucketChange {
                    at: decode(r.try_get(1))?,
                    location_id: decode(r.try_get(2))?,
                    location: decode(r.try_get(3))?,
                    sku: decode(r.try_get(4))?,
                    bucket: decode(r.try_get(5))?,
                    delta: decode(r.try_get(6))?,
                    reason: decode(r.try_get(8))?,
                    actor: decode(r.try_get(9))?,
                    order_id: decode(r.try_get(10))?,
                    reference: decode(r.try_get(11))?,
                    note: decode(r.try_get(12))?,
                },
                quantity_after: decode(r.try_get(7))?,
            })
        })
        .collect()
    }
}
