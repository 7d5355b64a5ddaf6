//! Catalogue products (one per SKU), stock locations and customers: the nouns orders refer to.

use serde::{Deserialize, Serialize};

use crate::id::{CustomerId, LocationId, ProductId};
use crate::order::Address;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    /// Catalogue price in minor units of `currency`.
    pub price: i64,
    pub currency: String,
    pub weight_grams: Option<i64>,
    pub barcode: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Warehouse,
    Store,
}

impl LocationKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            LocationKind::Warehouse => "warehouse",
            LocationKind::Store => "store",
        }
    }

    pub fn parse(s: &str) -> Option<LocationKind> {
        match s {
            "warehouse" => Some(LocationKind::Warehouse),
            "store" => Some(LocationKind::Store),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub code: String,
    pub name: String,
    pub kind: LocationKind,
    pub address: Address,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub ships_orders: bool,
    pub pickup: bool,
    /// Lower numbers are preferred when several locations could serve an order.
    pub priority: i64,
    /// Orders it may be assigned per day (UTC); `None` for no limit.
    #[serde(default)]
    pub daily_capacity: Option<i64>,
    pub active: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    /// Stored lower-cased: one customer per email address.
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Support's labels (`vip`, `wholesale`, ...): trimmed, unique ignoring case, in the order
    /// given.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Support's free-text notes about the customer.
    #[serde(default)]
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Emails are matched case-insensitively; the stored form is trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
