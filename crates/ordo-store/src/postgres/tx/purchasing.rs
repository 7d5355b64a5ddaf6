//! PostgreSQL: suppliers, purchase orders, transfers, incoming stock and costs. Statements run
//! in the caller's transaction; nothing here commits. A write transaction locks the purchase
//! order (or transfer) it reads, and takes the next number under a transaction lock of its
//! own, so two nodes never give out one number.

use postgres::Row;

use super::{PgTx, decode};
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

/// The transaction lock purchase order numbers are given out under (any fixed number that no
/// other lock of Ordo's uses).
const NUMBER_LOCK: i64 = 7_405_209_130_452;
/// The transaction lock transfer numbers are given out under.
const TRANSFER_NUMBER_LOCK: i64 = 7_405_209_130_453;

/// The next number of `table` (1 for the first), under the transaction lock `lock`.
fn next_number(tx: &mut PgTx<'_, '_>, lock: i64, table: &str) -> StoreResult<i64> {
    tx.exec("SELECT pg_advisory_xact_lock($1)", &[&lock])?;
    let row = tx.query_opt(&format!("SELECT COALESCE(MAX(number), 0) + 1 FROM {table}"), &[])?;
    Ok(match row {
        Some(r) => decode::<i64>(r.try_get(0))?,
        None => 1,
    })
}

fn supplier(r: &Row) -> StoreResult<SupplierRecord> {
    Ok(SupplierRecord {
        id: decode(r.try_get(0))?,
        code: decode(r.try_get(1))?,
        status: decode(r.try_get(2))?,
        version: decode(r.try_get(3))?,
        created_at: decode(r.try_get(4))?,
        updated_at: decode(r.try_get(5))?,
        body: decode(r.try_get(6))?,
    })
}

fn purchase_order(r: &Row) -> StoreResult<PurchaseOrderRecord> {
    Ok(PurchaseOrderRecord {
        id: decode(r.try_get(0))?,
        number: decode(r.try_get(1))?,
        supplier_id: decode(r.try_get(2))?,
        location_id: decode(r.try_get(3))?,
        status: decode(r.try_get(4))?,
        expected_on: decode(r.try_get(5))?,
        version: decode(r.try_get(6))?,
        created_at: decode(r.try_get(7))?,
        updated_at: decode(r.try_get(8))?,
        body: decode(r.try_get(9))?,
    })
}

fn transfer(r: &Row) -> StoreResult<TransferRecord> {
    Ok(TransferRecord {
        id: decode(r.try_get(0))?,
        number: decode(r.try_get(1))?,
        from_location_id: decode(r.try_get(2))?,
        to_location_id: decode(r.try_get(3))?,
        status: decode(r.try_get(4))?,
        expected_on: decode(r.try_get(5))?,
        version: decode(r.try_get(6))?,
        created_at: decode(r.try_get(7))?,
        updated_at: decode(r.try_get(8))?,
        body: decode(r.try_get(9))?,
    })
}

fn incoming(r: &Row) -> StoreResult<IncomingRecord> {
    Ok(IncomingRecord {
        origin: decode(r.try_get(0))?,
        line: decode(r.try_get(1))?,
        sku: decode(r.try_get(2))?,
        location_id: decode(r.try_get(3))?,
        expected_on: decode(r.try_get(4))?,
        quantity: decode(r.try_get(5))?,
    })
}

fn cost(r: &Row) -> StoreResult<CostRecord> {
    Ok(CostRecord {
        sku: decode(r.try_get(0))?,
        location_id: decode(r.try_get(1))?,
        currency: decode(r.try_get(2))?,
        units: decode(r.try_get(3))?,
        value: decode(r.try_get(4))?,
        updated_at: decode(r.try_get(5))?,
    })
}

impl PurchasingStore for PgTx<'_, '_> {
    fn put_supplier(&mut self, s: &SupplierRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO suppliers ({SUPPLIER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET code = excluded.code, status = excluded.status,
                 version = excluded.version, updated_at = excluded.updated_at, body = excluded.body"
            ),
            &[&s.id, &s.code, &s.status, &s.version, &s.created_at, &s.updated_at, &s.body],
        )?;
        Ok(())
    }

    fn supplier(&mut self, id: &str) -> StoreResult<Option<SupplierRecord>> {
        self.query_opt(&format!("SELECT {SUPPLIER_COLS} FROM suppliers WHERE id = $1"), &[&id])?
            .as_ref()
            .map(supplier)
            .transpose()
    }

    fn supplier_by_code(&mut self, code: &str) -> StoreResult<Option<SupplierRecord>> {
        self.query_opt(&format!("SELECT {SUPPLIER_COLS} FROM suppliers WHERE code = $1"), &[&code])?
            .as_ref()
            .map(supplier)
            .transpose()
    }

    fn list_suppliers(&mut self, page: &Page<String>, status: Option<&str>) -> StoreResult<Vec<SupplierRecord>> {
        let after = page.after.clone().unwrap_or_default();
        let limit = page.limit as i64;
        self.query(
            &format!(
                "SELECT {SUPPLIER_COLS} FROM suppliers WHERE code > $1 AND ($2::TEXT IS NULL OR status = $2)
                 ORDER BY code LIMIT $3"
            ),
            &[&after, &status, &limit],
        )?
        .iter()
        .map(supplier)
        .collect()
    }

    fn next_purchase_order_number(&mut self) -> StoreResult<i64> {
        next_number(self, NUMBER_LOCK, "purchase_orders")
    }

    fn put_purchase_order(&mut self, po: &PurchaseOrderRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO purchase_orders ({PO_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (id) DO UPDATE SET supplier_id = excluded.supplier_id,
                 location_id = excluded.location_id, status = excluded.status, expected_on = excluded.expected_on,
                 version = excluded.version, updated_at = excluded.updated_at, body = excluded.body"
            ),
            &[
                &po.id,
                &po.number,
                &po.supplier_id,
                &po.location_id,
                &po.status,
                &po.expected_on,
                &po.version,
                &po.created_at,
                &po.updated_at,
                &po.body,
            ],
        )?;
        Ok(())
    }

    fn purchase_order(&mut self, id: &str) -> StoreResult<Option<PurchaseOrderRecord>> {
        let lock = if self.write { " FOR UPDATE" } else { "" };
        self.query_opt(&format!("SELECT {PO_COLS} FROM purchase_orders WHERE id = $1{lock}"), &[&id])?
            .as_ref()
            .map(purchase_order)
            .transpose()
    }

    fn list_purchase_orders(
        &mut self,
        page: &Page<String>,
        filter: &PurchaseOrderFilter,
    ) -> StoreResult<Vec<PurchaseOrderRecord>> {
        let before = page.after.clone().unwrap_or_else(|| "\u{10ffff}".into());
        let limit = page.limit as i64;
        self.query(
            &format!(
                "SELECT {PO_COLS} FROM purchase_orders WHERE id < $1 AND ($2::TEXT IS NULL OR status = $2)
                 AND ($3::TEXT IS NULL OR supplier_id = $3) AND ($4::TEXT IS NULL OR location_id = $4)
                 ORDER BY id DESC LIMIT $5"
            ),
            &[&before, &filter.status, &filter.supplier_id, &filter.location_id, &limit],
        )?
        .iter()
        .map(purchase_order)
        .collect()
    }

    fn next_transfer_number(&mut self) -> StoreResult<i64> {
        next_number(self, TRANSFER_NUMBER_LOCK, "transfers")
    }

    fn put_transfer(&mut self, t: &TransferRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO transfers ({TRANSFER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (id) DO UPDATE SET from_location_id = excluded.from_location_id,
                 to_location_id = excluded.to_location_id, status = excluded.status,
                 expected_on = excluded.expected_on, version = excluded.version,
                 updated_at = excluded.updated_at, body = excluded.body"
            ),
            &[
                &t.id,
                &t.number,
                &t.from_location_id,
                &t.to_location_id,
                &t.status,
                &t.expected_on,
                &t.version,
                &t.created_at,
                &t.updated_at,
                &t.body,
            ],
        )?;
        Ok(())
    }

    fn transfer(&mut self, id: &str) -> StoreResult<Option<TransferRecord>> {
        let lock = if self.write { " FOR UPDATE" } else { "" };
        self.query_opt(&format!("SELECT {TRANSFER_COLS} FROM transfers WHERE id = $1{lock}"), &[&id])?
            .as_ref()
            .map(transfer)
            .transpose()
    }

    fn list_transfers(&mut self, page: &Page<String>, filter: &TransferFilter) -> StoreResult<Vec<TransferRecord>> {
        let before = page.after.clone().unwrap_or_else(|| "\u{10ffff}".into());
        let limit = page.limit as i64;
        self.query(
            &format!(
                "SELECT {TRANSFER_COLS} FROM transfers WHERE id < $1 AND ($2::TEXT IS NULL OR status = $2)
                 AND ($3::TEXT IS NULL OR from_location_id = $3) AND ($4::TEXT IS NULL OR to_location_id = $4)
                 ORDER BY id DESC LIMIT $5"
            ),
            &[&before, &filter.status, &filter.from_location_id, &filter.to_location_id, &limit],
        )?
        .iter()
        .map(transfer)
        .collect()
    }

    fn replace_incoming(&mut self, origin: &str, rows: &[IncomingRecord]) -> StoreResult<()> {
        self.exec("DELETE FROM incoming_stock WHERE origin = $1", &[&origin])?;
        for r in rows {
            self.exec(
                &format!("INSERT INTO incoming_stock ({INCOMING_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"),
                &[&r.origin, &r.line, &r.sku, &r.location_id, &r.expected_on, &r.quantity],
            )?;
        }
        Ok(())
    }

    fn incoming_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<IncomingRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus: Vec<&str> = skus.to_vec();
        self.query(
            &format!(
                "SELECT {INCOMING_COLS} FROM incoming_stock WHERE sku = ANY($1)
                 ORDER BY sku, location_id, expected_on, origin, line"
            ),
            &[&skus],
        )?
        .iter()
        .map(incoming)
        .collect()
    }

    fn cost(&mut self, sku: &str, location_id: &str) -> StoreResult<Option<CostRecord>> {
        self.query_opt(
            &format!("SELECT {COST_COLS} FROM inventory_costs WHERE sku = $1 AND location_id = $2"),
            &[&sku, &location_id],
        )?
        .as_ref()
        .map(cost)
        .transpose()
    }

    fn put_cost(&mut self, c: &CostRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO inventory_costs ({COST_COLS}) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (sku, location_id) DO UPDATE SET currency = excluded.currency, units = excluded.units,
                 value = excluded.value, updated_at = excluded.updated_at"
            ),
            &[&c.sku, &c.location_id, &c.currency, &c.units, &c.value, &c.updated_at],
        )?;
        Ok(())
    }
}
