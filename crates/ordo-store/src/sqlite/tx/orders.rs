//! SQLite: orders, order records and channel settings. Statements run in the caller's transaction;
//! nothing here commits.

use ordo_domain::order::Order;
use rusqlite::{Row, params};

use super::{SqliteTx, Where, json_err};
use crate::schema;
use crate::{OrderFilter, OrderRecord, OrderStore, Page, StoreResult};

const ORDER_RECORD_COLS: &str = schema::ORDER_RECORDS.column_list;

fn order_record_row(r: &Row<'_>) -> rusqlite::Result<OrderRecord> {
    Ok(OrderRecord {
        id: r.get(0)?,
        order_id: r.get(1)?,
        kind: r.get(2)?,
        status: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        body: r.get(6)?,
    })
}

fn order_from_body(body: String, number: i64) -> StoreResult<Order> {
    let mut o: Order = serde_json::from_str(&body).map_err(json_err)?;
    o.number = number;
    Ok(o)
}

impl OrderStore for SqliteTx<'_> {
    fn next_order_number(&mut self) -> StoreResult<i64> {
        Ok(self.query_one("SELECT COALESCE(MAX(number), 1000) + 1 FROM orders", [], |r| r.get(0))?.unwrap_or(1001))
    }

    fn insert_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "INSERT OR FAIL INTO orders (number, id, channel, external_id, customer_id, status, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![o.number, o.id.as_str(), o.channel, o.external_id, o.customer_id.as_str(), o.status.as_str(), o.created_at, body],
        )?;
        Ok(())
    }

    fn update_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "UPDATE OR FAIL orders SET status = ?2, body = ?3 WHERE id = ?1",
            params![o.id.as_str(), o.status.as_str(), body],
        )?;
        Ok(())
    }

    fn order_by_id(&mut self, id: &str) -> StoreResult<Option<Order>> {
        self.query_one("SELECT body, number FROM orders WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .map(|(b, n)| order_from_body(b, n))
            .transpose()
    }

    fn order_id_by_external_id(&mut self, channel: &str, external_id: &str) -> StoreResult<Option<String>> {
        self.query_one("SELECT id FROM orders WHERE channel = ?1 AND external_id = ?2", [channel, external_id], |r| {
            r.get(0)
        })
    }

    fn list_orders(&mut self, page: &Page<i64>, f: &OrderFilter) -> StoreResult<Vec<Order>> {
        let mut w = Where::default();
        if let Some(after) = page.after {
            w.add("number < ?", after);
        }
        if let Some(s) = f.status {
            w.add("status = ?", s.as_str().to_owned());
        }
        if let Some(c) = &f.channel {
            w.add("channel = ?", c.clone());
        }
        if let Some(c) = &f.customer_id {
            w.add("customer_id = ?", c.clone());
        }
        if let Some(t) = f.created_after {
            w.add("created_at >= ?", t);
        }
        if let Some(t) = f.created_before {
            w.add("created_at < ?", t);
        }
        let sql = format!("SELECT body, number FROM orders {} ORDER BY number DESC LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), |r| Ok((r.get(0)?, r.get(1)?)))?
            .into_iter()
            .map(|(b, n)| order_from_body(b, n))
            .collect()
    }

    fn insert_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO order_records (id, order_id, kind, status, created_at, updated_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![r.id, r.order_id, r.kind, r.status, r.created_at, r.updated_at, r.body],
        )?;
        Ok(())
    }

    fn update_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "UPDATE order_records SET status = ?2, updated_at = ?3, body = ?4 WHERE id = ?1",
            params![r.id, r.status, r.updated_at, r.body],
        )?;
        Ok(())
    }

    fn order_record(&mut self, id: &str) -> StoreResult<Option<OrderRecord>> {
        self.query_one(&format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE id = ?1"), [id], order_record_row)
    }

    fn order_records(&mut self, order_id: &str, kind: &str) -> StoreResult<Vec<OrderRecord>> {
        self.query_all(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE order_id = ?1 AND kind = ?2 ORDER BY id"),
            [order_id, kind],
            order_record_row,
        )
    }

    fn order_records_in_status(
        &mut self,
        kind: &str,
        status: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<OrderRecord>> {
        self.query_all(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE kind = ?1 AND status = ?2 AND id > ?3 ORDER BY id LIMIT ?4"),
            params![kind, status, after.unwrap_or(""), limit as i64],
            order_record_row,
        )
    }

    fn channel_settings(&mut self, channel: &str) -> StoreResult<Option<String>> {
        self.query_one("SELECT body FROM channel_settings WHERE channel = ?1", [channel], |r| r.get(0))
    }

    fn put_channel_settings(&mut self, channel: &str, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO channel_settings (channel, body, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (channel) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![channel, body, at],
        )?;
        Ok(())
    }

    fn channel_names(&mut self) -> StoreResult<Vec<String>> {
        self.query_all("SELECT channel FROM channel_settings ORDER BY channel", [], |r| r.get(0))
    }
}
