//! SQLite: stock levels and their ledger, count requests, non-sellable buckets. Statements run in
//! the caller's transaction; nothing here commits.

use ordo_domain::id::{LocationId, OrderId};
use ordo_domain::inventory::{Level, Movement, Reason};
use rusqlite::types::Value;
use rusqlite::{Row, params};

use super::{SqliteTx, Where, placeholders};
use crate::schema;
use crate::{
    BucketChange, BucketLevel, BucketMovement, CountRequest, InventoryStore, LevelChange, LevelRecord, MovementFilter,
    Page, StoreResult,
};

const MOVEMENT_COLS: &str = schema::INVENTORY_MOVEMENTS.column_list;

fn movement_row(r: &Row<'_>) -> rusqlite::Result<Movement> {
    let reason: String = r.get(9)?;
    let order_id: Option<String> = r.get(11)?;
    Ok(Movement {
        seq: r.get(0)?,
        at: r.get(1)?,
        location_id: LocationId::from_trusted(r.get(2)?),
        location: r.get(3)?,
        sku: r.get(4)?,
        on_hand_delta: r.get(5)?,
        reserved_delta: r.get(6)?,
        on_hand_after: r.get(7)?,
        reserved_after: r.get(8)?,
        reason: Reason::parse(&reason).unwrap_or(Reason::Correction),
        actor: r.get(10)?,
        order_id: order_id.map(OrderId::from_trusted),
        note: r.get(12)?,
        reference: r.get(13)?,
    })
}

fn level_row(r: &Row<'_>) -> rusqlite::Result<LevelRecord> {
    Ok(LevelRecord {
        sku: r.get(0)?,
        location_id: LocationId::from_trusted(r.get(1)?),
        on_hand: r.get(2)?,
        reserved: r.get(3)?,
        location: r.get(4)?,
    })
}

impl InventoryStore for SqliteTx<'_> {
    fn levels_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<LevelRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id WHERE l.sku IN {} ORDER BY l.sku, loc.code",
            placeholders(skus.len())
        );
        self.query_all(&sql, rusqlite::params_from_iter(skus), level_row)
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
        if let Some((sku, loc)) = &page.after {
            w.clauses.push("(l.sku, l.location_id) > (?, ?)");
            w.params.push(Value::from(sku.clone()));
            w.params.push(Value::from(loc.clone()));
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
        self.query_all(&sql, rusqlite::params_from_iter(w.params), level_row)
    }

    fn change_level(&mut self, c: &LevelChange) -> StoreResult<Result<Movement, Level>> {
        // One guarded statement: the level changes only if the result stays valid.
        let updated = self.query_one(
            "UPDATE OR FAIL inventory_levels SET on_hand = on_hand + ?3, reserved = reserved + ?4, updated_at = ?5
             WHERE sku = ?1 AND location_id = ?2
               AND on_hand + ?3 >= 0 AND reserved + ?4 >= 0 AND reserved + ?4 <= on_hand + ?3
             RETURNING on_hand, reserved",
            params![c.sku, c.location_id.as_str(), c.on_hand_delta, c.reserved_delta, c.at],
            |r| Ok(Level { on_hand: r.get(0)?, reserved: r.get(1)? }),
        )?;
        let next = match updated {
            Some(level) => level,
            None => {
                let current = self.query_one(
                    "SELECT on_hand, reserved FROM inventory_levels WHERE sku = ?1 AND location_id = ?2",
                    params![c.sku, c.location_id.as_str()],
                    |r| Ok(Level { on_hand: r.get(0)?, reserved: r.get(1)? }),
                )?;
                match current {
                    // The row exists, so the guard refused the change.
                    Some(level) => return Ok(Err(level)),
                    None => match Level::default().apply(c.on_hand_delta, c.reserved_delta) {
                        Ok(level) => {
                            self.exec(
                                "INSERT OR FAIL INTO inventory_levels (sku, location_id, on_hand, reserved, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                                params![c.sku, c.location_id.as_str(), level.on_hand, level.reserved, c.at],
                            )?;
                            level
                        }
                        Err(_) => return Ok(Err(Level::default())),
                    },
                }
            }
        };
        self.exec(
            &format!("INSERT OR FAIL INTO inventory_movements ({MOVEMENT_COLS}) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
            params![
                c.at, c.location_id.as_str(), c.location, c.sku, c.on_hand_delta, c.reserved_delta, next.on_hand, next.reserved,
                c.reason.as_str(), c.actor, c.order_id, c.note, c.reference
            ],
        )?;
        Ok(Ok(Movement {
            seq: self.conn.last_insert_rowid(),
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
        }))
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
        self.query_all(&sql, rusqlite::params_from_iter(w.params), movement_row)
    }

    fn request_count(&mut self, r: &CountRequest) -> StoreResult<()> {
        self.exec(
            "INSERT INTO count_requests (sku, location_id, location, requested_at, reason) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (sku, location_id) DO UPDATE SET requested_at = excluded.requested_at, reason = excluded.reason",
            params![r.sku, r.location_id, r.location, r.requested_at, r.reason],
        )?;
        Ok(())
    }

    fn clear_count_request(&mut self, sku: &str, location_id: &str) -> StoreResult<()> {
        self.exec("DELETE FROM count_requests WHERE sku = ?1 AND location_id = ?2", [sku, location_id])?;
        Ok(())
    }

    fn count_requests(&mut self, location_id: Option<&str>) -> StoreResult<Vec<CountRequest>> {
        self.query_all(
            "SELECT sku, location_id, location, requested_at, reason FROM count_requests
             WHERE ?1 IS NULL OR location_id = ?1 ORDER BY requested_at, sku",
            [location_id],
            |r| {
                Ok(CountRequest {
                    sku: r.get(0)?,
                    location_id: r.get(1)?,
                    location: r.get(2)?,
                    requested_at: r.get(3)?,
                    reason: r.get(4)?,
                })
            },
        )
    }

    fn change_bucket(&mut self, c: &BucketChange) -> StoreResult<Result<i64, i64>> {
        let current: i64 = self
            .query_one(
                "SELECT quantity FROM stock_buckets WHERE sku = ?1 AND location_id = ?2 AND bucket = ?3",
                params![c.sku, c.location_id, c.bucket],
                |r| r.get(0),
            )?
            .unwrap_or(0);
        let after = match current.checked_add(c.delta) {
            Some(a) if a >= 0 => a,
            _ => return Ok(Err(current)),
        };
        self.exec(
            "INSERT INTO stock_buckets (sku, location_id, bucket, quantity, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (sku, location_id, bucket) DO UPDATE SET quantity = excluded.quantity, updated_at = excluded.updated_at",
            params![c.sku, c.location_id, c.bucket, after, c.at],
        )?;
        self.exec(
            "INSERT INTO bucket_movements (at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![c.at, c.location_id, c.location, c.sku, c.bucket, c.delta, after, c.reason, c.actor, c.order_id, c.reference, c.note],
        )?;
        Ok(Ok(after))
    }

    fn buckets_for_sku(&mut self, sku: &str) -> StoreResult<Vec<BucketLevel>> {
        self.query_all(
            "SELECT sku, location_id, bucket, quantity FROM stock_buckets WHERE sku = ?1 ORDER BY location_id, bucket",
            [sku],
            |r| Ok(BucketLevel { sku: r.get(0)?, location_id: r.get(1)?, bucket: r.get(2)?, quantity: r.get(3)? }),
        )
    }

    fn bucket_movements(&mut self, sku: &str) -> StoreResult<Vec<BucketMovement>> {
        self.query_all(
            "SELECT seq, at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note
             FROM bucket_movements WHERE sku = ?1 ORDER BY seq",
            [sku],
            |r| {
                Ok(BucketMovement {
                    seq: r.get(0)?,
                    change: BucketChange {
                        at: r.get(1)?,
                        location_id: r.get(2)?,
                        location: r.get(3)?,
                        sku: r.get(4)?,
                        bucket: r.get(5)?,
                        delta: r.get(6)?,
                        reason: r.get(8)?,
                        actor: r.get(9)?,
                        order_id: r.get(10)?,
                        reference: r.get(11)?,
                        note: r.get(12)?,
                    },
                    quantity_after: r.get(7)?,
                })
            },
        )
    }
}
