//! SQLite: stock policies, stock alerts, buyers and forecasts. Statements run in the caller's transaction;
//! nothing here commits.

use rusqlite::types::Value;
use rusqlite::{Row, params};

use super::{SqliteTx, Where, placeholders};
use crate::schema;
use crate::{AlertFilter, AlertRecord, BuyerRecord, ForecastRecord, Page, PlanningStore, PolicyRecord, StoreResult};

const POLICY_COLS: &str = schema::STOCK_POLICIES.column_list;
const ALERT_COLS: &str = schema::STOCK_ALERTS.column_list;
const BUYER_COLS: &str = schema::LOCATION_BUYERS.column_list;
const FORECAST_COLS: &str = schema::FORECASTS.column_list;

fn forecast_row(r: &Row<'_>) -> rusqlite::Result<ForecastRecord> {
    Ok(ForecastRecord {
        sku: r.get(0)?,
        computed_at: r.get(1)?,
        model: r.get(2)?,
        mase: r.get(3)?,
        bias: r.get(4)?,
        units: r.get(5)?,
        body: r.get(6)?,
    })
}

fn policy_row(r: &Row<'_>) -> rusqlite::Result<PolicyRecord> {
    Ok(PolicyRecord {
        sku: r.get(0)?,
        location_id: r.get(1)?,
        safety_stock: r.get(2)?,
        reorder_point: r.get(3)?,
        source: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn alert_row(r: &Row<'_>) -> rusqlite::Result<AlertRecord> {
    Ok(AlertRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        sku: r.get(2)?,
        location_id: r.get(3)?,
        started_at: r.get(4)?,
        ended_at: r.get(5)?,
        available: r.get(6)?,
        reorder_point: r.get(7)?,
    })
}

impl PlanningStore for SqliteTx<'_> {
    fn put_policy(&mut self, p: &PolicyRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO stock_policies ({POLICY_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (sku, location_id) DO UPDATE SET safety_stock = excluded.safety_stock,
                 reorder_point = excluded.reorder_point, source = excluded.source, updated_at = excluded.updated_at"
            ),
            params![p.sku, p.location_id, p.safety_stock, p.reorder_point, p.source, p.updated_at],
        )?;
        Ok(())
    }

    fn delete_policy(&mut self, sku: &str, location_id: &str) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM stock_policies WHERE sku = ?1 AND location_id = ?2", [sku, location_id])? > 0)
    }

    fn policies_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<PolicyRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        self.query_all(
            &format!(
                "SELECT {POLICY_COLS} FROM stock_policies WHERE sku IN {} ORDER BY sku, location_id",
                placeholders(skus.len())
            ),
            rusqlite::params_from_iter(skus.iter()),
            policy_row,
        )
    }

    fn put_alert(&mut self, a: &AlertRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO stock_alerts ({ALERT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, available = excluded.available,
                 reorder_point = excluded.reorder_point"
            ),
            params![a.id, a.kind, a.sku, a.location_id, a.started_at, a.ended_at, a.available, a.reorder_point],
        )?;
        Ok(())
    }

    fn open_alerts_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<AlertRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        self.query_all(
            &format!(
                "SELECT {ALERT_COLS} FROM stock_alerts WHERE ended_at IS NULL AND sku IN {}
                 ORDER BY sku, location_id, kind",
                placeholders(skus.len())
            ),
            rusqlite::params_from_iter(skus.iter()),
            alert_row,
        )
    }

    fn list_alerts(&mut self, page: &Page<String>, f: &AlertFilter) -> StoreResult<Vec<AlertRecord>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("id < ?", after.clone());
        }
        match f.open {
            Some(true) => w.clauses.push("ended_at IS NULL"),
            Some(false) => w.clauses.push("ended_at IS NOT NULL"),
            None => {}
        }
        if let Some(k) = &f.kind {
            w.add("kind = ?", k.clone());
        }
        if let Some(s) = &f.sku {
            w.add("sku = ?", s.clone());
        }
        if let Some(l) = &f.location_id {
            w.add("location_id = ?", l.clone());
        }
        let sql = format!("SELECT {ALERT_COLS} FROM stock_alerts {} ORDER BY id DESC LIMIT {}", w.sql(), page.limit);
        let params: Vec<Value> = w.params.clone();
        self.query_all(&sql, rusqlite::params_from_iter(params), alert_row)
    }

    fn alert(&mut self, id: &str) -> StoreResult<Option<AlertRecord>> {
        self.query_one(&format!("SELECT {ALERT_COLS} FROM stock_alerts WHERE id = ?1"), [id], alert_row)
    }

    fn put_buyers(&mut self, location_id: &str, buyers: &[BuyerRecord]) -> StoreResult<()> {
        self.exec("DELETE FROM location_buyers WHERE location_id = ?1", [location_id])?;
        for b in buyers {
            self.exec(
                &format!("INSERT INTO location_buyers ({BUYER_COLS}) VALUES (?1, ?2, ?3)"),
                params![b.location_id, b.email, b.name],
            )?;
        }
        Ok(())
    }

    fn buyers(&mut self, location_id: &str) -> StoreResult<Vec<BuyerRecord>> {
        self.query_all(
            &format!("SELECT {BUYER_COLS} FROM location_buyers WHERE location_id = ?1 ORDER BY email"),
            [location_id],
            |r| Ok(BuyerRecord { location_id: r.get(0)?, email: r.get(1)?, name: r.get(2)? }),
        )
    }

    fn put_forecast(&mut self, f: &ForecastRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO forecasts ({FORECAST_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (sku) DO UPDATE SET computed_at = excluded.computed_at, model = excluded.model,
                 mase = excluded.mase, bias = excluded.bias, units = excluded.units, body = excluded.body"
            ),
            params![f.sku, f.computed_at, f.model, f.mase, f.bias, f.units, f.body],
        )?;
        Ok(())
    }

    fn forecast(&mut self, sku: &str) -> StoreResult<Option<ForecastRecord>> {
        self.query_one(&format!("SELECT {FORECAST_COLS} FROM forecasts WHERE sku = ?1"), [sku], forecast_row)
    }

    fn list_forecasts(&mut self, page: &Page<String>) -> StoreResult<Vec<ForecastRecord>> {
        self.query_all(
            &format!(
                "SELECT sku, computed_at, model, mase, bias, units, '' FROM forecasts WHERE ?1 IS NULL OR sku > ?1
                 ORDER BY sku LIMIT {}",
                page.limit
            ),
            [page.after.as_deref()],
            forecast_row,
        )
    }

    fn planning_settings(&mut self) -> StoreResult<Option<String>> {
        self.query_one("SELECT body FROM planning_settings WHERE id = 1", [], |r| r.get(0))
    }

    fn put_planning_settings(&mut self, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO planning_settings (id, body, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![body, at],
        )?;
        Ok(())
    }

    fn put_last_count(&mut self, sku: &str, location_id: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO last_counts (sku, location_id, counted_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (sku, location_id) DO UPDATE SET counted_at = excluded.counted_at",
            params![sku, location_id, at],
        )?;
        Ok(())
    }

    fn last_counts(&mut self) -> StoreResult<Vec<(String, String, i64)>> {
        self.query_all("SELECT sku, location_id, counted_at FROM last_counts ORDER BY sku, location_id", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
    }
}
