//! Orders, their lines and allocations, their totals and their state machine.
//!
//! The state machine (this issue's part; fulfilment adds states later):
//!
//! ```text
//!   (placed) --> allocated --cancel--> cancelled
//! ```
//!
//! An order is created `allocated`: it exists only once every line is reserved. Cancelling
//! releases every reservation; a cancelled order is final.

use serde::{Deserialize, Serialize};

use crate::id::{CustomerId, LineId, LocationId, OrderId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Open, with stock reserved (or shipped) for it somewhere.
    Allocated,
    /// Open, with no stock reserved: every fulfilment was cancelled, or rejected with nowhere
    /// else to go.
    Unallocated,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 3] = [OrderStatus::Allocated, OrderStatus::Unallocated, OrderStatus::Cancelled];

    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Allocated => "allocated",
            OrderStatus::Unallocated => "unallocated",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The status after a cancellation, or the reason it is not allowed.
    pub fn cancel(self) -> Result<OrderStatus, InvalidTransition> {
        match self {
            OrderStatus::Allocated | OrderStatus::Unallocated => Ok(OrderStatus::Cancelled),
            OrderStatus::Cancelled => Err(InvalidTransition { from: self, action: "cancelled" }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {} cannot be {action}", from.as_str())]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub action: &'static str,
}

/// A postal address as captured from the channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// Units of a line reserved at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub location_id: LocationId,
    pub location: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub id: LineId,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    /// Minor units of the order's currency.
    pub unit_price: i64,
    pub allocations: Vec<Allocation>,
}

impl Line {
    pub fn subtotal(&self) -> Option<i64> {
        self.unit_price.checked_mul(self.quantity)
    }
}

/// All amounts in minor units of the order's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: i64,
    pub shipping: i64,
    pub tax: i64,
    pub discount: i64,
    pub total: i64,
}

impl Totals {
    /// Computes totals with checked arithmetic: `None` on overflow or a negative total.
    pub fn compute(
        line_subtotals: impl IntoIterator<Item = Option<i64>>,
        shipping: i64,
        tax: i64,
        discount: i64,
    ) -> Option<Totals> {
        let mut subtotal: i64 = 0;
        for s in line_subtotals {
            subtotal = subtotal.checked_add(s?)?;
        }
        let total = subtotal.checked_add(shipping)?.checked_add(tax)?.checked_sub(discount)?;
        (total >= 0).then_some(Totals { subtotal, shipping, tax, discount, total })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub number: i64,
    pub channel: String,
    pub external_id: Option<String>,
    pub customer_id: CustomerId,
    pub email: String,
    pub currency: String,
    pub status: OrderStatus,
    pub lines: Vec<Line>,
    pub shipping_address: Option<Address>,
    /// Where the payer is billed, when the channel sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// For a replacement order: the return (exchange) or claim it replaces goods for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    pub totals: Totals,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub cancelled_at: Option<i64>,
    pub version: i64,
    /// The latest delivery the customer was promised (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_by: Option<i64>,
    /// A shipping service the customer chose, as `CARRIER/service`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_service: Option<String>,
    /// Click and collect: the location where the customer collects the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_location: Option<String>,
    /// Why the order's stock was reserved where it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<crate::routing::Explanation>,
    /// The locations whose daily capacity counted this order, on the day it was placed; a
    /// cancellation gives those places back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_counted: Vec<LocationId>,
    /// For an order taken from a platform: its number there, when it was placed there, and
    /// the tax its prices contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::channel::OrderSource>,
}

impl Order {
    /// An open order's status from its lines: allocated while some line has stock reserved or
    /// shipped somewhere, unallocated when none has.
    pub fn with_allocation_status(mut self) -> Order {
        if self.status != OrderStatus::Cancelled {
            let any = self.lines.iter().any(|l| !l.allocations.is_empty());
            self.status = if any { OrderStatus::Allocated } else { OrderStatus::Unallocated };
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_allocated_order_can_be_cancelled() {
        assert_eq!(OrderStatus::Allocated.cancel(), Ok(OrderStatus::Cancelled));
        assert_eq!(OrderStatus::Unallocated.cancel(), Ok(OrderStatus::Cancelled));
        let err = OrderStatus::Cancelled.cancel().unwrap_err();
        assert_eq!(err.to_string(), "an order that is cancelled cannot be cancelled");
    }

    #[test]
    fn totals_add_up_and_refuse_overflow() {
        let t = Totals::compute([Some(1000), Some(250)], 500, 100, 50).unwrap();
        assert_eq!(t, Totals { subtotal: 1250, shipping: 500, tax: 100, discount: 50, total: 1800 });
        assert_eq!(Totals::compute([Some(i64::MAX), Some(1)], 0, 0, 0), None);
        assert_eq!(Totals::compute([None], 0, 0, 0), None);
        assert_eq!(Totals::compute([Some(10)], 0, 0, 11), None);
    }
}
