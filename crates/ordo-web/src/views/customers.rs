//! How a customer looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_domain::catalog::Customer;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Customer> for CustomerView {
    fn from(c: &Customer) -> Self {
        CustomerView {
            id: c.id.to_string(),
            email: c.email.clone(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            version: c.version,
            created_at: format_ms(c.created_at),
            updated_at: format_ms(c.updated_at),
        }
    }
}
