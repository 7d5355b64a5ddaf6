//! PostgreSQL: stock policies, stock alerts, buyers and forecasts. Statements run in the caller's transaction;
//! nothing here commits.

use postgres::Row;

use super::{PgTx, decode};
use crate::schema;
use crate::{AlertFilter, AlertRecord, BuyerRecord, ForecastRecord, Page, PlanningStore, PolicyRecord, StoreResult};

const POLICY_COLS: &str = schema::STOCK_POLICIES.column_list;
const ALERT_COLS: &str = schema::STOCK_ALERTS.column_list;
const BUYER_COLS: &str = schema::LOCATION_BUYERS.column_list;
const FORECAST_COLS: &str = schema::FORECASTS.column_list;

fn forecast(r: &Row) -> StoreResult<ForecastRecord> {
    Ok(ForecastRecord {
        sku: decode(r.try_get(0))?,
        computed_at: decode(r.try_get(1))?,
        model: decode(r.try_get(2))?,
        mase: decode(r.try_get(3))?,
        bias: decode(r.try_get(4))?,
        units: decode(r.try_get(5))?,
        body: decode(r.try_get(6))?,
    })
}

fn policy(r: &Row) -> StoreResult<PolicyRecord> {
    Ok(PolicyRecord {
        sku: decode(r.try_get(0))?,
        location_id: decode(r.try_get(1))?,
        safety_stock: decode(r.try_get(2))?,
        reorder_point: decode(r.try_get(3))?,
        source: decode(r.try_get(4))?,
        updated_at: decode(r.try_get(5))?,
    })
}

fn alert(r: &Row) -> StoreResult<AlertRecord> {
    Ok(AlertRecord {
        id: decode(r.try_get(0))?,
        kind: decode(r.try_get(1))?,
        sku: decode(r.try_get(2))?,
        location_id: decode(r.try_get(3))?,
        started_at: decode(r.try_get(4))?,
        ended_at: decode(r.try_get(5))?,
        available: decode(r.try_get(6))?,
        reorder_point: decode(r.try_get(7))?,
    })
}

impl PlanningStore for PgTx<'_, '_> {
    fn put_policy(&mut self, p: &PolicyRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO stock_policies ({POLICY_COLS}) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (sku, location_id) DO UPDATE SET safety_stock = excluded.safety_stock,
                 reorder_point = excluded.reorder_point, source = excluded.source, updated_at = excluded.updated_at"
            ),
            &[&p.sku, &p.location_id, &p.safety_stock, &p.reorder_point, &p.source, &p.updated_at],
        )?;
        Ok(())
    }

    fn delete_policy(&mut self, sku: &str, location_id: &str) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM stock_policies WHERE sku = $1 AND location_id = $2", &[&sku, &location_id])? > 0)
    }

    fn policies_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<PolicyRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus: Vec<&str> = skus.to_vec();
        self.query(
            &format!("SELECT {POLICY_COLS} FROM stock_policies WHERE sku = ANY($1) ORDER BY sku, location_id"),
            &[&skus],
        )?
        .iter()
        .map(policy)
        .collect()
    }

    fn put_alert(&mut self, a: &AlertRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO stock_alerts ({ALERT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, available = excluded.available,
                 reorder_point = excluded.reorder_point"
            ),
            &[&a.id, &a.kind, &a.sku, &a.location_id, &a.started_at, &a.ended_at, &a.available, &a.reorder_point],
        )?;
        Ok(())
    }

    fn open_alerts_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<AlertRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus: Vec<&str> = skus.to_vec();
        self.query(
            &format!(
                "SELECT {ALERT_COLS} FROM stock_alerts WHERE ended_at IS NULL AND sku = ANY($1)
                 ORDER BY sku, location_id, kind"
            ),
            &[&skus],
        )?
        .iter()
        .map(alert)
        .collect()
    }

    fn list_alerts(&mut self, page: &Page<String>, f: &AlertFilter) -> StoreResult<Vec<AlertRecord>> {
        let before = page.after.clone().unwrap_or_else(|| "\u{10ffff}".into());
        let limit = page.limit as i64;
        self.query(
            &format!(
                "SELECT {ALERT_COLS} FROM stock_alerts WHERE id < $1
                 AND ($2::BOOLEAN IS NULL OR (ended_at IS NULL) = $2) AND ($3::TEXT IS NULL OR kind = $3)
                 AND ($4::TEXT IS NULL OR sku = $4) AND ($5::TEXT IS NULL OR location_id = $5)
                 ORDER BY id DESC LIMIT $6"
            ),
            &[&before, &f.open, &f.kind, &f.sku, &f.location_id, &limit],
        )?
        .iter()
        .map(alert)
        .collect()
    }

    fn alert(&mut self, id: &str) -> StoreResult<Option<AlertRecord>> {
        self.query_opt(&format!("SELECT {ALERT_COLS} FROM stock_alerts WHERE id = $1"), &[&id])?
            .as_ref()
            .map(alert)
            .transpose()
    }

    fn put_buyers(&mut self, location_id: &str, buyers: &[BuyerRecord]) -> StoreResult<()> {
        self.exec("DELETE FROM location_buyers WHERE location_id = $1", &[&location_id])?;
        for b in buyers {
            self.exec(
                &format!("INSERT INTO location_buyers ({BUYER_COLS}) VALUES ($1, $2, $3)"),
                &[&b.location_id, &b.email, &b.name],
            )?;
        }
        Ok(())
    }

    fn buyers(&mut self, location_id: &str) -> StoreResult<Vec<BuyerRecord>> {
        self.query(
            &format!("SELECT {BUYER_COLS} FROM location_buyers WHERE location_id = $1 ORDER BY email"),
            &[&location_id],
        )?
        .iter()
        .map(|r| {
            Ok(BuyerRecord {
                location_id: decode(r.try_get(0))?,
                email: decode(r.try_get(1))?,
                name: decode(r.try_get(2))?,
            })
        })
        .collect()
    }

    fn put_forecast(&mut self, f: &ForecastRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO forecasts ({FORECAST_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (sku) DO UPDATE SET computed_at = excluded.computed_at, model = excluded.model,
                 mase = excluded.mase, bias = excluded.bias, units = excluded.units, body = excluded.body"
            ),
            &[&f.sku, &f.computed_at, &f.model, &f.mase, &f.bias, &f.units, &f.body],
        )?;
        Ok(())
    }

    fn forecast(&mut self, sku: &str) -> StoreResult<Option<ForecastRecord>> {
        self.query_opt(&format!("SELECT {FORECAST_COLS} FROM forecasts WHERE sku = $1"), &[&sku])?
            .as_ref()
            .map(forecast)
            .transpose()
    }

    fn list_forecasts(&mut self, page: &Page<String>) -> StoreResult<Vec<ForecastRecord>> {
        self.query(
            &format!(
                "SELECT sku, computed_at, model, mase, bias, units, '' FROM forecasts WHERE $1::text IS NULL OR sku > $1
                 ORDER BY sku LIMIT {}",
                page.limit
            ),
            &[&page.after],
        )?
        .iter()
        .map(forecast)
        .collect()
    }

    fn planning_settings(&mut self) -> StoreResult<Option<String>> {
        self.query_opt("SELECT body FROM planning_settings WHERE id = 1", &[])?
            .map(|r| decode(r.try_get(0)))
            .transpose()
    }

    fn put_planning_settings(&mut self, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO planning_settings (id, body, updated_at) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&body, &at],
        )?;
        Ok(())
    }

    fn put_last_count(&mut self, sku: &str, location_id: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO last_counts (sku, location_id, counted_at) VALUES ($1, $2, $3)
             ON CONFLICT (sku, location_id) DO UPDATE SET counted_at = excluded.counted_at",
            &[&sku, &location_id, &at],
        )?;
        Ok(())
    }

    fn last_counts(&mut self) -> StoreResult<Vec<(String, String, i64)>> {
        self.query("SELECT sku, location_id, counted_at FROM last_counts ORDER BY sku, location_id", &[])?
            .iter()
            .map(|r| Ok((decode(r.try_get(0))?, decode(r.try_get(1))?, decode(r.try_get(2))?)))
            .collect()
    }
}
