//! PostgreSQL: table counts, stock totals, and rows for copies between engines. Statements run in
//! the caller's transaction; nothing here commits.

use postgres::types::ToSql;

use super::{Param, PgTx, decode};
use crate::schema::{self, Cell, Kind, TableSpec};
use crate::{MaintenanceStore, StoreResult};

/// A cell as a parameter of the column's type (a NULL still needs one).
fn to_sql(c: &Cell, kind: Kind) -> Box<dyn ToSql + Sync> {
    match (c, kind) {
        (Cell::Int(v), _) => Box::new(*v),
        (Cell::Real(v), _) => Box::new(*v),
        (Cell::Text(v), _) => Box::new(v.clone()),
        (Cell::Bool(v), _) => Box::new(*v),
        (Cell::Bytes(v), _) => Box::new(v.clone()),
        (Cell::Null, Kind::Int) => Box::new(None::<i64>),
        (Cell::Null, Kind::Real) => Box::new(None::<f64>),
        (Cell::Null, Kind::Text) => Box::new(None::<String>),
        (Cell::Null, Kind::Bool) => Box::new(None::<bool>),
        (Cell::Null, Kind::Bytes) => Box::new(None::<Vec<u8>>),
    }
}

impl MaintenanceStore for PgTx<'_, '_> {
    fn stock_totals(&mut self) -> StoreResult<(i64, i64)> {
        let row = self.query_opt(
            "SELECT COALESCE(SUM(on_hand), 0)::BIGINT, COALESCE(SUM(reserved), 0)::BIGINT FROM inventory_levels",
            &[],
        )?;
        match row {
            Some(r) => Ok((decode(r.try_get(0))?, decode(r.try_get(1))?)),
            None => Ok((0, 0)),
        }
    }

    fn export_rows(&mut self, table: &TableSpec, after: &[Cell], limit: usize) -> StoreResult<Vec<Vec<Cell>>> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let keys = cols[..table.key_len].join(", ");
        let filter = if after.is_empty() {
            String::new()
        } else {
            let ps: Vec<String> = (1..=table.key_len).map(|i| format!("${i}")).collect();
            format!("WHERE ({keys}) > ({})", ps.join(", "))
        };
        let sql = format!("SELECT {} FROM {} {filter} ORDER BY {keys} LIMIT {limit}", cols.join(", "), table.name);
        let kinds: Vec<Kind> = table.columns[..table.key_len].iter().map(|(_, k)| *k).collect();
        let boxed: Vec<Box<dyn ToSql + Sync>> = after.iter().zip(kinds).map(|(c, k)| to_sql(c, k)).collect();
        let params: Vec<Param<'_>> = boxed.iter().map(|p| p.as_ref() as Param<'_>).collect();
        let rows = self.query(&sql, &params)?;
        rows.iter()
            .map(|r| {
                table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, kind))| {
                        Ok(match kind {
                            Kind::Int => decode(r.try_get::<_, Option<i64>>(i))?.map_or(Cell::Null, Cell::Int),
                            Kind::Real => decode(r.try_get::<_, Option<f64>>(i))?.map_or(Cell::Null, Cell::Real),
                            Kind::Text => decode(r.try_get::<_, Option<String>>(i))?.map_or(Cell::Null, Cell::Text),
                            Kind::Bool => decode(r.try_get::<_, Option<bool>>(i))?.map_or(Cell::Null, Cell::Bool),
                            Kind::Bytes => decode(r.try_get::<_, Option<Vec<u8>>>(i))?.map_or(Cell::Null, Cell::Bytes),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    fn import_rows(&mut self, table: &TableSpec, rows: &[Vec<Cell>]) -> StoreResult<()> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let ps: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES ({})", table.name, cols.join(", "), ps.join(", "));
        for row in rows {
            let boxed: Vec<Box<dyn ToSql + Sync>> =
                row.iter().zip(table.columns.iter()).map(|(c, (_, k))| to_sql(c, *k)).collect();
            let params: Vec<Param<'_>> = boxed.iter().map(|p| p.as_ref() as Param<'_>).collect();
            self.exec(&sql, &params)?;
        }
        Ok(())
    }

    fn after_import(&mut self) -> StoreResult<()> {
        // Order numbers come from a sequence of their own, starting at 1001.
        self.query_opt(
            "SELECT setval('order_numbers', GREATEST(1001, (SELECT COALESCE(MAX(number), 0) + 1 FROM orders)), false)",
            &[],
        )?;
        for table in schema::TABLES.iter().filter(|t| t.numbered) {
            let (name, key) = (table.name, table.columns[0].0);
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{name}', '{key}'), (SELECT COALESCE(MAX({key}), 0) + 1 FROM {name}), false)"
            );
            self.query_opt(&sql, &[])?;
        }
        Ok(())
    }

    fn table_counts(&mut self) -> StoreResult<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for table in schema::TABLES {
            let row = self.query_opt(&format!("SELECT COUNT(*) FROM {}", table.name), &[])?;
            let n: i64 = match row {
                Some(r) => decode(r.try_get(0))?,
                None => 0,
            };
            out.push((table.name.to_owned(), n));
        }
        Ok(out)
    }
}
