//! How a customer looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::reports::customer_record::{CustomerSummary, LastOrder};
use ordo_domain::catalog::Customer;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Support's labels, in the order given.
    pub tags: Vec<String>,
    /// Support's notes.
    pub notes: Option<String>,
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
            tags: c.tags.clone(),
            notes: c.notes.clone(),
            version: c.version,
            created_at: format_ms(c.created_at),
            updated_at: format_ms(c.updated_at),
        }
    }
}

/// A customer with what support needs at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerRecordView {
    #[serde(flatten)]
    pub customer: CustomerView,
    pub summary: CustomerSummaryView,
}

/// A customer's history in figures, read from their orders when asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSummaryView {
    /// Orders placed and not cancelled.
    pub orders: i64,
    pub cancelled_orders: i64,
    /// What the orders that were not cancelled came to, less refunds, in the base currency
    /// (EUR) at the exchange rates of each order's day.
    pub lifetime_spend: MoneyView,
    /// Spend in currencies that had no rate on the order's day, in their own currency: not in
    /// `lifetime_spend`.
    pub unconverted_spend: Vec<MoneyView>,
    pub last_order: Option<LastOrderView>,
    /// Units that reached the customer (shipped, delivered or collected).
    pub units_received: i64,
    /// Units in returns that were not rejected.
    pub units_returned: i64,
    /// Returns that were not rejected.
    pub returns: i64,
    /// Units returned per unit received, four decimals; `null` before anything was received.
    #[schema(example = "0.2500")]
    pub returns_rate: Option<String>,
    /// `false` when the customer has more orders than a summary reads (10,000, newest first).
    pub complete: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LastOrderView {
    pub id: String,
    pub number: i64,
    pub channel: String,
    pub status: String,
    pub placed_at: String,
}

impl From<&LastOrder> for LastOrderView {
    fn from(l: &LastOrder) -> Self {
        LastOrderView {
            id: l.id.clone(),
            number: l.number,
            channel: l.channel.clone(),
            status: l.status.as_str().to_owned(),
            placed_at: format_ms(l.placed_at),
        }
    }
}

impl CustomerRecordView {
    pub fn new(c: &Customer, s: &CustomerSummary) -> Self {
        CustomerRecordView {
            customer: CustomerView::from(c),
            summary: CustomerSummaryView {
                orders: s.orders,
                cancelled_orders: s.cancelled_orders,
                lifetime_spend: MoneyView::wide(s.lifetime_spend, s.currency),
                unconverted_spend: s.unconverted.iter().map(|(c, m)| MoneyView::wide(*m, c)).collect(),
                last_order: s.last_order.as_ref().map(LastOrderView::from),
                units_received: s.units_received,
                units_returned: s.units_returned,
                returns: s.returns,
                returns_rate: s.returns_rate(),
                complete: s.complete,
            },
        }
    }
}
