//! Whole-database work: counts and totals for consistency checks, and the rows a copy between
//! engines moves (see `copy.rs`). Only the trait; the engines implement it, over the tables
//! `schema.rs` describes.

use crate::StoreResult;
use crate::schema::{Cell, TableSpec};

super::store_area! {
    list maintenance_store;
    /// Table counts, stock totals, and exporting and importing rows.
    pub trait MaintenanceStore {
        /// Counts used by consistency checks and migrations: (table name, rows).
        fn table_counts(&mut self) -> StoreResult<Vec<(String, i64)>>;
        /// Units on hand and reserved, summed over every level.
        fn stock_totals(&mut self) -> StoreResult<(i64, i64)>;

        // Whole-database copies between engines (see `copy.rs`).
        /// Rows of `table` whose key is after `after` (all rows when empty), in key order.
        fn export_rows(&mut self, table: &TableSpec, after: &[Cell], limit: usize) -> StoreResult<Vec<Vec<Cell>>>;
        /// Inserts rows exactly as given, keys and sequence numbers included.
        fn import_rows(&mut self, table: &TableSpec, rows: &[Vec<Cell>]) -> StoreResult<()>;
        /// Brings sequences past the imported rows, so new rows continue after them.
        fn after_import(&mut self) -> StoreResult<()>;
    }
}
