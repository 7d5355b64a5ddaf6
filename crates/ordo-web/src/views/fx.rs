//! How exchange rates look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use serde::Serialize;
use utoipa::ToSchema;

/// One currency's rate against the base (EUR), and the day it is from.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateView {
    pub currency: String,
    pub date: String,
    /// Units of the currency per one euro.
    pub rate: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatesView {
    pub base: String,
    /// The day asked for; each rate is the latest on or before it.
    pub date: String,
    pub rates: Vec<RateView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// Rates stored (a day's rate of one currency each).
    pub imported: usize,
}

impl From<&usize> for ImportView {
    fn from(imported: &usize) -> ImportView {
        ImportView { imported: *imported }
    }
}
