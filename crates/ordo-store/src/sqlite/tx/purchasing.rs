//! SQLite: suppliers, purchase orders, transfers, incoming stock and costs. Statements run in
//! the caller's transaction; nothing here commits. The writer is alone, so the next purchase
//! order (or transfer) number is the highest so far plus one.

use rusqlite::{Row, params};

use super::{SqliteTx, placeholders};
use crate::schema;
use crate::{
    CostRecord, IncomingRecord, Page, PurchaseOrderFilter, PurchaseOrderRecord, PurchasingStore, StoreResult,
    SupplierRecord, TransferFilter, TransferRecord,
};

const SUPPLIER_COLS: &str = schema::SUPPLIERS.column_list;
const PO_COLS: &str = schema::PURCHASE_ORDERS.column_list;
const TRANSFER_COLS: &str = schema::TRANSFERS.column_list;
const INCOMING_COLS: &str = schema::INCOMING_STOCK.column_list;
const COST_COLS: &str = schema::INVENTORY_COSTS.column_list;

fn supplier_row(r: &Row<'_>) -> rusqlite::Result<SupplierRecord> {
    Ok(SupplierRecord {
        id: r.get(0)?,
        code: r.get(1)?,
        status: r.get(2)?,
        version: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        body: r.get(6)?,
    })
}

fn po_row(r: &Row<'_>) -> rusqlite::Result<PurchaseOrderRecord> {
    Ok(PurchaseOrderRecord {
        id: r.get(0)?,
        number: r.get(1)?,
        supplier_id: r.get(2)?,
        location_id: r.get(3)?,
        status: r.get(4)?,
        expected_on: r.get(5)?,
        version: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        body: r.get(9)?,
    })
}

fn transfer_row(r: &Row<'_>) -> rusqlite::Result<TransferRecord> {
    Ok(TransferRecord {
        id: r.get(0)?,
        number: r.get(1)?,
        from_location_id: r.get(2)?,
        to_location_id: r.get(3)?,
        status: r.get(4)?,
        expected_on: r.get(5)?,
        version: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        body: r.get(9)?,
    })
}

fn incoming_row(r: &Row<'_>) -> rusqlite::Result<IncomingRecord> {
    Ok(IncomingRecord {
        origin: r.get(0)?,
        line: r.get(1)?,
        sku: r.get(2)?,
        location_id: r.get(3)?,
        expected_on: r.get(4)?,
        quantity: r.get(5)?,
    })
}

fn cost_row(r: &Row<'_>) -> rusqlite::Result<CostRecord> {
    Ok(CostRecord {
        sku: r.get(0)?,
        location_id: r.get(1)?,
        currency: r.get(2)?,
        units: r.get(3)?,
        value: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

impl PurchasingStore for SqliteTx<'_> {
    fn put_supplier(&mut self, s: &SupplierRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO suppliers ({SUPPLIER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET code = excluded.code, status = excluded.status,
                 version = excluded.version, updated_at = excluded.updated_at, body = excluded.body"
            ),
            params![s.id, s.code, s.status, s.version, s.created_at, s.updated_at, s.body],
        )?;
        Ok(())
    }

    fn supplier(&mut self, id: &str) -> StoreResult<Option<SupplierRecord>> {
        self.query_one(&format!("SELECT {SUPPLIER_COLS} FROM suppliers WHERE id = ?1"), [id], supplier_row)
    }

    fn supplier_by_code(&mut self, code: &str) -> StoreResult<Option<SupplierRecord>> {
        self.query_one(&format!("SELECT {SUPPLIER_COLS} FROM suppliers WHERE code = ?1"), [code], supplier_row)
    }

    fn list_suppliers(&mut self, page: &Page<String>, status: Option<&str>) -> StoreResult<Vec<SupplierRecord>> {
        let after = page.after.clone().unwrap_or_default();
        self.query_all(
            &format!(
                "SELECT {SUPPLIER_COLS} FROM suppliers WHERE code > ?1 AND (?2 IS NULL OR status = ?2)
                 ORDER BY code LIMIT {}",
                page.limit
            ),
            params![after, status],
            supplier_row,
        )
    }

    fn next_purchase_order_number(&mut self) -> StoreResult<i64> {
        Ok(self.query_one("SELECT COALESCE(MAX(number), 0) + 1 FROM purchase_orders", [], |r| r.get(0))?.unwrap_or(1))
    }

    fn put_purchase_order(&mut self, po: &PurchaseOrderRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO purchase_orders ({PO_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET supplier_id = excluded.supplier_id,
                 location_id = excluded.location_id, status = excluded.status, expected_on = excluded.expected_on,
                 version = excluded.version, updated_at = excluded.updated_at, body = excluded.body"
            ),
            params![
                po.id,
                po.number,
                po.supplier_id,
                po.location_id,
                po.status,
                po.expected_on,
                po.version,
                po.created_at,
                po.updated_at,
                po.body
            ],
        )?;
        Ok(())
    }

    fn purchase_order(&mut self, id: &str) -> StoreResult<Option<PurchaseOrderRecord>> {
        self.query_one(&format!("SELECT {PO_COLS} FROM purchase_orders WHERE id = ?1"), [id], po_row)
    }

    fn list_purchase_orders(
        &mut self,
        page: &Page<String>,
        filter: &PurchaseOrderFilter,
    ) -> StoreResult<Vec<PurchaseOrderRecord>> {
        let before = page.after.clone().unwrap_or_else(|| "\u{10ffff}".into());
        self.query_all(
            &format!(
                "SELECT {PO_COLS} FROM purchase_orders WHERE id < ?1 AND (?2 IS NULL OR status = ?2)
                 AND (?3 IS NULL OR supplier_id = ?3) AND (?4 IS NULL OR location_id = ?4)
                 ORDER BY id DESC LIMIT {}",
                page.limit
            ),
            params![before, filter.status, filter.supplier_id, filter.location_id],
            po_row,
        )
    }

    fn next_transfer_number(&mut self) -> StoreResult<i64> {
        Ok(self.query_one("SELECT COALESCE(MAX(number), 0) + 1 FROM transfers", [], |r| r.get(0))?.unwrap_or(1))
    }

    fn put_transfer(&mut self, t: &TransferRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO transfers ({TRANSFER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET from_location_id = excluded.from_location_id,
                 to_location_id = excluded.to_location_id, status = excluded.status,
                 expected_on = excluded.expected_on, version = excluded.version,
                 updated_at = excluded.updated_at, body = excluded.body"
            ),
            params![
                t.id,
                t.number,
                t.from_location_id,
                t.to_location_id,
                t.status,
                t.expected_on,
                t.version,
                t.created_at,
                t.updated_at,
                t.body
            ],
        )?;
        Ok(())
    }

    fn transfer(&mut self, id: &str) -> StoreResult<Option<TransferRecord>> {
        self.query_one(&format!("SELECT {TRANSFER_COLS} FROM transfers WHERE id = ?1"), [id], transfer_row)
    }

    fn list_transfers(&mut self, page: &Page<String>, filter: &TransferFilter) -> StoreResult<Vec<TransferRecord>> {
        let before = page.after.clone().unwrap_or_else(|| "\u{10ffff}".into());
        self.query_all(
            &format!(
                "SELECT {TRANSFER_COLS} FROM transfers WHERE id < ?1 AND (?2 IS NULL OR status = ?2)
                 AND (?3 IS NULL OR from_location_id = ?3) AND (?4 IS NULL OR to_location_id = ?4)
                 ORDER BY id DESC LIMIT {}",
                page.limit
            ),
            params![before, filter.status, filter.from_location_id, filter.to_location_id],
            transfer_row,
        )
    }

    fn replace_incoming(&mut self, origin: &str, rows: &[IncomingRecord]) -> StoreResult<()> {
        self.exec("DELETE FROM incoming_stock WHERE origin = ?1", [origin])?;
        for r in rows {
            self.exec(
                &format!("INSERT INTO incoming_stock ({INCOMING_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![r.origin, r.line, r.sku, r.location_id, r.expected_on, r.quantity],
            )?;
        }
        Ok(())
    }

    fn incoming_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<IncomingRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        self.query_all(
            &format!(
                "SELECT {INCOMING_COLS} FROM incoming_stock WHERE sku IN {}
                 ORDER BY sku, location_id, expected_on, origin, line",
                placeholders(skus.len())
            ),
            rusqlite::params_from_iter(skus.iter()),
            incoming_row,
        )
    }

    fn cost(&mut self, sku: &str, location_id: &str) -> StoreResult<Option<CostRecord>> {
        self.query_one(
            &format!("SELECT {COST_COLS} FROM inventory_costs WHERE sku = ?1 AND location_id = ?2"),
            [sku, location_id],
            cost_row,
        )
    }

    fn put_cost(&mut self, c: &CostRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO inventory_costs ({COST_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (sku, location_id) DO UPDATE SET currency = excluded.currency, units = excluded.units,
                 value = excluded.value, updated_at = excluded.updated_at"
            ),
            params![c.sku, c.location_id, c.currency, c.units, c.value, c.updated_at],
        )?;
        Ok(())
    }
}
