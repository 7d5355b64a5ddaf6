//! Moving a whole database from one engine to another (`ordo migrate --from`): every table's
//! rows, keys and sequence numbers as they are, then a check that counts and stock agree.
//! The tables and their columns are described once here; each engine reads and writes rows
//! of `Cell`s in this shape.

use crate::{Store, StoreError, StoreResult};

/// One column value, independent of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Bool,
    Bytes,
}

pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// How many leading columns form the key the copy pages by.
    pub key_len: usize,
}

use Kind::*;

/// Every table, parents first.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "api_keys",
        columns: &[
            ("id", Text),
            ("hash", Text),
            ("prefix", Text),
            ("role", Text),
            ("channel", Text),
            ("name", Text),
            ("created_at", Int),
            ("revoked_at", Int),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "products",
        columns: &[
            ("id", Text),
            ("sku", Text),
            ("name", Text),
            ("price", Int),
            ("currency", Text),
            ("weight_grams", Int),
            ("barcode", Text),
            ("active", Bool),
            ("version", Int),
            ("created_at", Int),
            ("updated_at", Int),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "locations",
        columns: &[
            ("id", Text),
            ("code", Text),
            ("name", Text),
            ("kind", Text),
            ("address", Text),
            ("latitude", Real),
            ("longitude", Real),
            ("ships_orders", Bool),
            ("pickup", Bool),
            ("priority", Int),
            ("active", Bool),
            ("version", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("daily_capacity", Int),
        ],
        key_len: 1,
    },
    TableSpec { name: "location_load", columns: &[("location_id", Text), ("day", Text), ("orders", Int)], key_len: 2 },
    TableSpec {
        name: "inventory_levels",
        columns: &[("sku", Text), ("location_id", Text), ("on_hand", Int), ("reserved", Int), ("updated_at", Int)],
        key_len: 2,
    },
    TableSpec {
        name: "inventory_movements",
        columns: &[
            ("seq", Int),
            ("at", Int),
            ("location_id", Text),
            ("location", Text),
            ("sku", Text),
            ("on_hand_delta", Int),
            ("reserved_delta", Int),
            ("on_hand_after", Int),
            ("reserved_after", Int),
            ("reason", Text),
            ("actor", Text),
            ("order_id", Text),
            ("note", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "customers",
        columns: &[
            ("id", Text),
            ("email", Text),
            ("name", Text),
            ("phone", Text),
            ("version", Int),
            ("created_at", Int),
            ("updated_at", Int),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "orders",
        columns: &[
            ("number", Int),
            ("id", Text),
            ("channel", Text),
            ("external_id", Text),
            ("customer_id", Text),
            ("status", Text),
            ("created_at", Int),
            ("body", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "carriers",
        columns: &[("code", Text), ("body", Text), ("version", Int), ("created_at", Int), ("updated_at", Int)],
        key_len: 1,
    },
    TableSpec {
        name: "count_requests",
        columns: &[("sku", Text), ("location_id", Text), ("location", Text), ("requested_at", Int), ("reason", Text)],
        key_len: 2,
    },
    TableSpec {
        name: "fulfillments",
        columns: &[
            ("id", Text),
            ("order_id", Text),
            ("location_id", Text),
            ("status", Text),
            ("created_at", Int),
            ("body", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "payments",
        columns: &[
            ("id", Text),
            ("order_id", Text),
            ("provider", Text),
            ("currency", Text),
            ("created_at", Int),
            ("body", Text),
            ("reference", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "order_records",
        columns: &[
            ("id", Text),
            ("order_id", Text),
            ("kind", Text),
            ("status", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("body", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "stock_buckets",
        columns: &[("sku", Text), ("location_id", Text), ("bucket", Text), ("quantity", Int), ("updated_at", Int)],
        key_len: 3,
    },
    TableSpec {
        name: "bucket_movements",
        columns: &[
            ("seq", Int),
            ("at", Int),
            ("location_id", Text),
            ("location", Text),
            ("sku", Text),
            ("bucket", Text),
            ("delta", Int),
            ("quantity_after", Int),
            ("reason", Text),
            ("actor", Text),
            ("order_id", Text),
            ("reference", Text),
            ("note", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "channel_settings",
        columns: &[("channel", Text), ("body", Text), ("updated_at", Int)],
        key_len: 1,
    },
    TableSpec { name: "worker_cursors", columns: &[("name", Text), ("position", Int)], key_len: 1 },
    TableSpec {
        name: "payment_entries",
        columns: &[
            ("seq", Int),
            ("payment_id", Text),
            ("order_id", Text),
            ("kind", Text),
            ("amount", Int),
            ("at", Int),
            ("actor", Text),
            ("reason", Text),
            ("reference", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "exchange_rates",
        columns: &[("currency", Text), ("date", Text), ("base", Text), ("rate", Text)],
        key_len: 2,
    },
    TableSpec {
        name: "balance_accounts",
        columns: &[
            ("id", Text),
            ("kind", Text),
            ("code", Text),
            ("currency", Text),
            ("balance", Int),
            ("created_at", Int),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "balance_entries",
        columns: &[
            ("seq", Int),
            ("account_id", Text),
            ("amount", Int),
            ("balance_after", Int),
            ("at", Int),
            ("reason", Text),
            ("order_id", Text),
            ("payment_id", Text),
            ("actor", Text),
        ],
        key_len: 1,
    },
    TableSpec {
        name: "events",
        columns: &[("seq", Int), ("id", Text), ("type", Text), ("subject", Text), ("at", Int), ("data", Text)],
        key_len: 1,
    },
    TableSpec {
        name: "routing_rule_sets",
        columns: &[("name", Text), ("body", Text), ("version", Int), ("created_at", Int), ("updated_at", Int)],
        key_len: 1,
    },
    TableSpec {
        name: "idempotency_keys",
        columns: &[
            ("key_id", Text),
            ("idem_key", Text),
            ("request_hash", Text),
            ("status", Int),
            ("body", Bytes),
            ("created_at", Int),
        ],
        key_len: 2,
    },
];

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
