//! PostgreSQL: orders, order records and channel settings. Statements run in the caller's
//! transaction; nothing here commits.

use ordo_domain::order::Order;
use postgres::Row;

use super::{PgTx, Where, decode, json_err};
use crate::schema;
use crate::{OrderFilter, OrderRecord, OrderStore, Page, StoreError, StoreResult};

const ORDER_RECORD_COLS: &str = schema::ORDER_RECORDS.column_list;

fn order(r: &Row) -> StoreResult<Order> {
    let body: String = decode(r.try_get(0))?;
    let mut o: Order = serde_json::from_str(&body).map_err(json_err)?;
    o.number = decode(r.try_get(1))?;
    Ok(o)
}

fn order_record(r: &Row) -> StoreResult<OrderRecord> {
    Ok(OrderRecord {
        id: decode(r.try_get(0))?,
        order_id: decode(r.try_get(1))?,
        kind: decode(r.try_get(2))?,
        status: decode(r.try_get(3))?,
        created_at: decode(r.try_get(4))?,
        updated_at: decode(r.try_get(5))?,
        body: decode(r.try_get(6))?,
    })
}

impl OrderStore for PgTx<'_, '_> {
    fn next_order_number(&mut self) -> StoreResult<i64> {
        let row = self.query_opt("SELECT nextval('order_numbers')", &[])?;
        match row {
            Some(r) => decode(r.try_get(0)),
            None => Err(StoreError::Internal("the order number sequence returned nothing".into())),
        }
    }

    fn insert_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "INSERT INTO orders (number, id, channel, external_id, customer_id, status, created_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&o.number, &o.id.as_str(), &o.channel, &o.external_id, &o.customer_id.as_str(), &o.status.as_str(), &o.created_at, &body],
        )?;
        Ok(())
    }

    fn update_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "UPDATE orders SET status = $2, body = $3 WHERE id = $1",
            &[&o.id.as_str(), &o.status.as_str(), &body],
        )?;
        Ok(())
    }

    fn order_by_id(&mut self, id: &str) -> StoreResult<Option<Order>> {
        // A write transaction locks the order, so changes to one order happen one at a time.
        let sql = if self.write {
            "SELECT body, number FROM orders WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT body, number FROM orders WHERE id = $1"
        };
        self.query_opt(sql, &[&id])?.as_ref().map(order).transpose()
    }

    fn order_id_by_external_id(&mut self, channel: &str, external_id: &str) -> StoreResult<Option<String>> {
        match self
            .query_opt("SELECT id FROM orders WHERE channel = $1 AND external_id = $2", &[&channel, &external_id])?
        {
            Some(r) => Ok(Some(decode(r.try_get(0))?)),
            None => Ok(None),
        }
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
        let params = w.params();
        self.query(&sql, &params)?.iter().map(order).collect()
    }

    fn insert_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO order_records (id, order_id, kind, status, created_at, updated_at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&r.id, &r.order_id, &r.kind, &r.status, &r.created_at, &r.updated_at, &r.body],
        )?;
        Ok(())
    }

    fn update_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "UPDATE order_records SET status = $2, updated_at = $3, body = $4 WHERE id = $1",
            &[&r.id, &r.status, &r.updated_at, &r.body],
        )?;
        Ok(())
    }

    fn order_record(&mut self, id: &str) -> StoreResult<Option<OrderRecord>> {
        self.query_opt(&format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE id = $1"), &[&id])?
            .as_ref()
            .map(order_record)
            .transpose()
    }

    fn order_records(&mut self, order_id: &str, kind: &str) -> StoreResult<Vec<OrderRecord>> {
        self.query(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE order_id = $1 AND kind = $2 ORDER BY id"),
            &[&order_id, &kind],
        )?
        .iter()
        .map(order_record)
        .collect()
    }

    fn order_records_in_status(
        &mut self,
        kind: &str,
        status: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<OrderRecord>> {
        self.query(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE kind = $1 AND status = $2 AND id > $3 ORDER BY id LIMIT $4"),
            &[&kind, &status, &after.unwrap_or(""), &(limit as i64)],
        )?
        .iter()
        .map(order_record)
        .collect()
    }

    fn channel_settings(&mut self, channel: &str) -> StoreResult<Option<String>> {
        self.query_opt("SELECT body FROM channel_settings WHERE channel = $1", &[&channel])?
            .map(|r| decode(r.try_get(0)))
            .transpose()
    }

    fn put_channel_settings(&mut self, channel: &str, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO channel_settings (channel, body, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (channel) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&channel, &body, &at],
        )?;
        Ok(())
    }

    fn channel_names(&mut self) -> StoreResult<Vec<String>> {
        self.query("SELECT channel FROM channel_settings ORDER BY channel", &[])?
            .iter()
            .map(|r| decode(r.try_get(0)))
            .collect()
    }
}
