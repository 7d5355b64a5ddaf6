//! How products and locations look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_domain::catalog::{Location, Product};
use serde::Serialize;
use utoipa::ToSchema;

use super::{AddressView, MoneyView};

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    #[schema(example = "prd_01JD7Z0000000000000000000")]
    pub id: String,
    pub sku: String,
    pub name: String,
    pub price: MoneyView,
    pub weight_grams: Option<i64>,
    pub barcode: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        ProductView {
            id: p.id.to_string(),
            sku: p.sku.clone(),
            name: p.name.clone(),
            price: MoneyView::new(p.price, &p.currency),
            weight_grams: p.weight_grams,
            barcode: p.barcode.clone(),
            active: p.active,
            version: p.version,
            created_at: format_ms(p.created_at),
            updated_at: format_ms(p.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationView {
    pub id: String,
    pub code: String,
    pub name: String,
    /// `warehouse` or `store`.
    pub kind: String,
    pub address: AddressView,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub ships_orders: bool,
    pub pickup: bool,
    pub priority: i64,
    /// Orders routing may assign to it per day (UTC); null for no limit.
    pub daily_capacity: Option<i64>,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Location> for LocationView {
    fn from(l: &Location) -> Self {
        LocationView {
            id: l.id.to_string(),
            code: l.code.clone(),
            name: l.name.clone(),
            kind: l.kind.as_str().to_owned(),
            address: AddressView::from(&l.address),
            latitude: l.latitude,
            longitude: l.longitude,
            ships_orders: l.ships_orders,
            pickup: l.pickup,
            priority: l.priority,
            daily_capacity: l.daily_capacity,
            active: l.active,
            version: l.version,
            created_at: format_ms(l.created_at),
            updated_at: format_ms(l.updated_at),
        }
    }
}

/// Someone who buys stock for a location.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerView {
    pub email: String,
    pub name: Option<String>,
}

/// A location's buyers: each is emailed when a SKU there falls to its reorder point.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuyersView {
    /// The location's code.
    pub location: String,
    pub buyers: Vec<BuyerView>,
}

impl From<&ordo_app::stock::buyers::Buyers> for BuyersView {
    fn from(b: &ordo_app::stock::buyers::Buyers) -> Self {
        BuyersView {
            location: b.location.clone(),
            buyers: b.buyers.iter().map(|x| BuyerView { email: x.email.clone(), name: x.name.clone() }).collect(),
        }
    }
}
