//! SQLite: fulfilments. Statements run in the caller's transaction; nothing here commits.

use ordo_domain::fulfillment::Fulfillment;
use rusqlite::params;

use super::{SqliteTx, Where, json_err};
use crate::{FulfillmentFilter, FulfillmentStore, Page, StoreResult};

impl FulfillmentStore for SqliteTx<'_> {
    fn insert_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()> {
        let body = serde_json::to_string(f).map_err(json_err)?;
        self.exec(
            "INSERT OR FAIL INTO fulfillments (id, order_id, location_id, status, created_at, body, tracking_number)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                f.id.as_str(),
                f.order_id.as_str(),
                f.location_id.as_str(),
                f.status.as_str(),
                f.created_at,
                body,
                f.tracking_number
            ],
        )?;
        Ok(())
    }

    fn update_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()> {
        let body = serde_json::to_string(f).map_err(json_err)?;
        self.exec(
            "UPDATE OR FAIL fulfillments SET status = ?2, body = ?3, tracking_number = ?4 WHERE id = ?1",
            params![f.id.as_str(), f.status.as_str(), body, f.tracking_number],
        )?;
        Ok(())
    }

    fn fulfillment_by_id(&mut self, id: &str) -> StoreResult<Option<Fulfillment>> {
        self.query_one("SELECT body FROM fulfillments WHERE id = ?1", [id], |r| r.get::<_, String>(0))?
            .map(|b| serde_json::from_str(&b).map_err(json_err))
            .transpose()
    }

    fn fulfillments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<Fulfillment>> {
        self.query_all("SELECT body FROM fulfillments WHERE order_id = ?1 ORDER BY id", [order_id], |r| {
            r.get::<_, String>(0)
        })?
        .into_iter()
        .map(|b| serde_json::from_str(&b).map_err(json_err))
        .collect()
    }

    fn list_fulfillments(&mut self, page: &Page<String>, f: &FulfillmentFilter) -> StoreResult<Vec<Fulfillment>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("id > ?", after.clone());
        }
        if let Some(l) = &f.location_id {
            w.add("location_id = ?", l.clone());
        }
        if let Some(st) = f.status {
            w.add("status = ?", st.as_str().to_owned());
        }
        if let Some(o) = &f.order_id {
            w.add("order_id = ?", o.clone());
        }
        let sql = format!("SELECT body FROM fulfillments {} ORDER BY id LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), |r| r.get::<_, String>(0))?
            .into_iter()
            .map(|b| serde_json::from_str(&b).map_err(json_err))
            .collect()
    }

    fn fulfillments_by_tracking(&mut self, tracking_number: &str) -> StoreResult<Vec<Fulfillment>> {
        self.query_all(
            "SELECT body FROM fulfillments WHERE tracking_number = ?1 ORDER BY id",
            [tracking_number],
            |r| r.get::<_, String>(0),
        )?
        .into_iter()
        .map(|b| serde_json::from_str(&b).map_err(json_err))
        .collect()
    }
}
