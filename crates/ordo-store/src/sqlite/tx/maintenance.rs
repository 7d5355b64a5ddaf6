//! SQLite: table counts, stock totals, and rows for copies between engines. Statements run in the
//! caller's transaction; nothing here commits.

use rusqlite::types::Value;

use super::{SqliteTx, placeholders};
use crate::schema::{self, Cell, Kind, TableSpec};
use crate::{MaintenanceStore, StoreResult};

fn to_value(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Int(v) => Value::Integer(*v),
        Cell::Real(v) => Value::Real(*v),
        Cell::Text(v) => Value::Text(v.clone()),
        Cell::Bool(v) => Value::Integer(*v as i64),
        Cell::Bytes(v) => Value::Blob(v.clone()),
    }
}

impl MaintenanceStore for SqliteTx<'_> {
    fn stock_totals(&mut self) -> StoreResult<(i64, i64)> {
        Ok(self
            .query_one("SELECT COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0) FROM inventory_levels", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .unwrap_or((0, 0)))
    }

    fn export_rows(&mut self, table: &TableSpec, after: &[Cell], limit: usize) -> StoreResult<Vec<Vec<Cell>>> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let keys = cols[..table.key_len].join(", ");
        let filter = if after.is_empty() {
            String::new()
        } else {
            format!("WHERE ({keys}) > ({})", vec!["?"; table.key_len].join(", "))
        };
        let sql = format!("SELECT {} FROM {} {filter} ORDER BY {keys} LIMIT {limit}", cols.join(", "), table.name);
        let params: Vec<Value> = after.iter().map(to_value).collect();
        self.query_all(&sql, rusqlite::params_from_iter(params), |r| {
            table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| {
                    Ok(match kind {
                        Kind::Int => r.get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
                        Kind::Real => r.get::<_, Option<f64>>(i)?.map_or(Cell::Null, Cell::Real),
                        Kind::Text => r.get::<_, Option<String>>(i)?.map_or(Cell::Null, Cell::Text),
                        Kind::Bool => r.get::<_, Option<bool>>(i)?.map_or(Cell::Null, Cell::Bool),
                        Kind::Bytes => r.get::<_, Option<Vec<u8>>>(i)?.map_or(Cell::Null, Cell::Bytes),
                    })
                })
                .collect()
        })
    }

    fn import_rows(&mut self, table: &TableSpec, rows: &[Vec<Cell>]) -> StoreResult<()> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES {}", table.name, cols.join(", "), placeholders(cols.len()));
        for row in rows {
            let params: Vec<Value> = row.iter().map(to_value).collect();
            self.exec(&sql, rusqlite::params_from_iter(params))?;
        }
        Ok(())
    }

    fn after_import(&mut self) -> StoreResult<()> {
        // Row ids and the order number continue from the largest value present.
        Ok(())
    }

    fn table_counts(&mut self) -> StoreResult<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for table in schema::TABLES {
            let sql = format!("SELECT COUNT(*) FROM {}", table.name);
            let n: i64 = self.query_one(&sql, [], |r| r.get(0))?.unwrap_or(0);
            out.push((table.name.to_owned(), n));
        }
        Ok(out)
    }
}
