//! Stock as routing sees it: a snapshot of available units per location and SKU, and the
//! shortage report for an order that cannot be reserved.

use std::collections::HashMap;

use crate::id::LocationId;

/// Available units (`on_hand - reserved`) per SKU and location.
#[derive(Debug, Clone, Default)]
pub struct StockSnapshot {
    by_sku: HashMap<String, HashMap<LocationId, i64>>,
}

impl StockSnapshot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&mut self, location: &LocationId, sku: &str, available: i64) {
        self.by_sku.entry(sku.to_owned()).or_default().insert(location.clone(), available.max(0));
    }

    pub fn get(&self, location: &LocationId, sku: &str) -> i64 {
        self.by_sku.get(sku).and_then(|m| m.get(location)).copied().unwrap_or(0)
    }
}

/// A SKU an order asks for more of than eligible locations hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Short {
    pub sku: String,
    pub requested: i64,
    pub available: i64,
}
