//! How suppliers look on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::stock::suppliers::Supplier;
use serde::Serialize;
use utoipa::ToSchema;

/// A supplier and its terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierView {
    #[schema(example = "sup_01JD8X3Q6Z3M9V8K2N4P6R8T0W")]
    pub id: String,
    #[schema(example = "ACME")]
    pub code: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Days from ordering until the goods arrive.
    pub lead_time_days: i64,
    /// The fewest units of a SKU the supplier takes an order for.
    pub min_order_quantity: i64,
    /// The multiple the supplier ships in.
    pub pack_size: i64,
    #[schema(value_type = ordo_app::kernel::schema::CurrencyCode)]
    pub currency: String,
    pub note: Option<String>,
    #[schema(value_type = ordo_app::kernel::schema::SupplierStatusName)]
    pub status: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Supplier> for SupplierView {
    fn from(s: &Supplier) -> Self {
        SupplierView {
            id: s.id.clone(),
            code: s.code.clone(),
            name: s.name.clone(),
            email: s.email.clone(),
            phone: s.phone.clone(),
            lead_time_days: s.lead_time_days,
            min_order_quantity: s.min_order_quantity,
            pack_size: s.pack_size,
            currency: s.currency.clone(),
            note: s.note.clone(),
            status: s.status.as_str().into(),
            version: s.version,
            created_at: format_ms(s.created_at),
            updated_at: format_ms(s.updated_at),
        }
    }
}
