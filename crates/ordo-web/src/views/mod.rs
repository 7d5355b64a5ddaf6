//! Response bodies: how domain values look on the wire (money as decimal strings, times as
//! RFC 3339), one file per business area under the same names as the handlers in `crate::api`,
//! and here the shapes every area uses: money, a page of a list, an address.
//!
//! Conversions only: a view copies and formats, it never decides anything. The areas are
//! re-exported flat because a view's type name is its schema name in the OpenAPI document,
//! where all names share one namespace; renaming one changes the published API.

mod audit;
mod balances;
mod carriers;
mod catalog;
mod channels;
mod claims;
mod customers;
mod edits;
mod events;
mod forecasts;
mod fulfillments;
mod fx;
mod holds;
mod imports;
mod inventory;
mod keys;
mod notifications;
mod orders;
mod payments;
mod purchase_orders;
mod refunds;
mod reports;
mod returns;
mod routing;
mod suppliers;
mod transfers;
mod webhooks;

pub use audit::*;
pub use balances::*;
pub use carriers::*;
pub use catalog::*;
pub use channels::*;
pub use claims::*;
pub use customers::*;
pub use edits::*;
pub use events::*;
pub use forecasts::*;
pub use fulfillments::*;
pub use fx::*;
pub use holds::*;
pub use imports::*;
pub use inventory::*;
pub use keys::*;
pub use notifications::*;
pub use orders::*;
pub use payments::*;
pub use purchase_orders::*;
pub use refunds::*;
pub use reports::*;
pub use returns::*;
pub use routing::*;
pub use suppliers::*;
pub use transfers::*;
pub use webhooks::*;

use ordo_domain::money::{Currency, format_wide};
use ordo_domain::order::Address;
use serde::Serialize;
use utoipa::ToSchema;

/// An amount of money.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyView {
    /// Decimal string with the currency's number of decimals.
    #[schema(example = "19.99")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
}

impl MoneyView {
    pub fn new(minor: i64, code: &str) -> MoneyView {
        MoneyView::wide(minor.into(), code)
    }

    /// A sum held wider than one amount (a report's); a code Ordo does not know is written
    /// with two decimals.
    pub fn wide(minor: i128, code: &str) -> MoneyView {
        let exponent = Currency::from_code(code).map_or(2, |c| c.exponent());
        MoneyView { amount: format_wide(minor, exponent), currency: code.to_owned() }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListView<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

impl From<&Address> for AddressView {
    fn from(a: &Address) -> Self {
        AddressView {
            name: a.name.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
            latitude: a.latitude,
            longitude: a.longitude,
        }
    }
}
