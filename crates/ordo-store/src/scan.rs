//! Looking through a whole database for card numbers (`ordo scan-pan`): every text value of
//! every table, the event feed among them, read page by page as the copy reads it. Nothing
//! here knows an engine.

use crate::schema::{Cell, TABLES};
use crate::{Store, StoreResult};

/// Where a card-number-like value was found: the table, the row's key, the column, and the
/// number masked to its last four digits.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub table: &'static str,
    pub key: String,
    pub column: &'static str,
    pub masked: String,
}

/// What a scan read and found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanReport {
    pub tables: usize,
    pub rows: u64,
    /// Text and byte values read.
    pub values: u64,
    pub findings: Vec<Finding>,
}

const PAGE: usize = 1000;

/// Reads every row of every table and reports each text value holding a card number.
pub async fn scan_database(store: &Store) -> StoreResult<ScanReport> {
    let mut report = ScanReport { tables: TABLES.len(), ..Default::default() };
    for (index, table) in TABLES.iter().enumerate() {
        let mut after: Vec<Cell> = Vec::new();
        loop {
            let key = after.clone();
            let rows = store.read(move |tx| tx.export_rows(&TABLES[index], &key, PAGE)).await?;
            let Some(last) = rows.last() else { break };
            after = last[..table.key_len].to_vec();
            for row in &rows {
                report.rows += 1;
                for (cell, (column, _)) in row.iter().zip(table.columns) {
                    let text = match cell {
                        Cell::Text(t) => std::borrow::Cow::Borrowed(t.as_str()),
                        Cell::Bytes(b) => String::from_utf8_lossy(b),
                        _ => continue,
                    };
                    report.values += 1;
                    for found in ordo_domain::pan::find(&text) {
                        report.findings.push(Finding {
                            table: table.name,
                            key: row[..table.key_len].iter().map(show).collect::<Vec<_>>().join("/"),
                            column,
                            masked: ordo_domain::pan::masked(&text, found),
                        });
                    }
                }
            }
            if rows.len() < PAGE {
                break;
            }
        }
    }
    Ok(report)
}

fn show(cell: &Cell) -> String {
    match cell {
        Cell::Null => "null".into(),
        Cell::Int(n) => n.to_string(),
        Cell::Real(r) => r.to_string(),
        Cell::Text(t) => ordo_domain::pan::redact(t),
        Cell::Bool(b) => b.to_string(),
        Cell::Bytes(b) => format!("{} bytes", b.len()),
    }
}
