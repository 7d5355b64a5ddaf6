//! Moving a whole database from one engine to another (`ordo migrate --from`): every table's
//! rows, keys and sequence numbers as they are, then a check that counts and stock agree.
//! The tables come from `schema.rs`; each engine reads and writes rows of `Cell`s in their
//! shape. Nothing here knows an engine.

use crate::schema::{Cell, TABLES};
use crate::{Store, StoreError, StoreResult};

/// What a copy did, table by table.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyReport {
    pub tables: Vec<(String, i64)>,
    /// Units on hand and reserved, summed over every level, in both databases.
    pub on_hand: i64,
    pub reserved: i64,
}

const PAGE: usize = 1000;

/// Copies every row of `from` into `to`, which must be empty, then verifies that each table
/// holds as many rows in both and that stock totals agree.
pub async fn copy_database(from: &Store, to: &Store) -> StoreResult<CopyReport> {
    let existing: i64 =
        to.read(|tx| tx.table_counts()).await?.iter().filter(|(t, _)| t != "api_keys").map(|(_, n)| n).sum();
    if existing > 0 {
        return Err(StoreError::Conflict("an empty destination database"));
    }
    for (index, table) in TABLES.iter().enumerate() {
        let mut after: Vec<Cell> = Vec::new();
        loop {
            let key = after.clone();
            let rows = from.read(move |tx| tx.export_rows(&TABLES[index], &key, PAGE)).await?;
            let Some(last) = rows.last() else { break };
            after = last[..table.key_len].to_vec();
            let full = rows.len() == PAGE;
            to.write(move |tx| tx.import_rows(&TABLES[index], &rows)).await?;
            if !full {
                break;
            }
        }
    }
    to.write(|tx| tx.after_import()).await?;
    let (source, target) = (from.read(|tx| tx.table_counts()).await?, to.read(|tx| tx.table_counts()).await?);
    if source != target {
        return Err(StoreError::Internal(format!("row counts differ after the copy: {source:?} against {target:?}")));
    }
    let (a, b) = (from.read(|tx| tx.stock_totals()).await?, to.read(|tx| tx.stock_totals()).await?);
    if a != b {
        return Err(StoreError::Internal(format!("stock totals differ after the copy: {a:?} against {b:?}")));
    }
    Ok(CopyReport { tables: target, on_hand: a.0, reserved: a.1 })
}
