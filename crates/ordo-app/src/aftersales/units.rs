//! How many units of each line reached the customer and how many returns and claims have
//! already taken: the one place that says what may still be returned or claimed.

use ordo_domain::fulfillment::{Fulfillment, FulfillmentStatus};
use ordo_domain::order::Order;
use ordo_domain::returns::LineUnits;
use ordo_store::Tx;

use crate::AppResult;
use crate::aftersales::claims::Claim;
use crate::aftersales::returns::Return;
use crate::kernel::records::documents_of;

/// Whether a fulfilment's units reached the customer (shipped, delivered or collected).
fn reached_customer(f: &Fulfillment) -> bool {
    matches!(f.status, FulfillmentStatus::Shipped | FulfillmentStatus::Delivered | FulfillmentStatus::PickedUp)
}

/// Units of an order that reached the customer, from its fulfilments as already read.
pub(crate) fn shipped_units(fulfillments: &[Fulfillment]) -> i64 {
    fulfillments.iter().filter(|f| reached_customer(f)).flat_map(|f| &f.lines).map(|l| l.quantity).sum()
}

/// An order's units per line, as after-sales sees them.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderUnits {
    lines: Vec<(String, LineUnits)>,
    /// When the last shipped unit reached the customer (or left, if not yet delivered).
    pub last_shipped_at: Option<i64>,
}

impl OrderUnits {
    /// What shipped (or was collected) of the order, and what its returns (but rejected
    /// ones) and its resolved claims took.
    pub(crate) fn of(tx: &mut dyn Tx, order: &Order) -> AppResult<OrderUnits> {
        let mut units = OrderUnits::default();
        for f in tx.fulfillments_for_order(order.id.as_str())?.iter().filter(|f| reached_customer(f)) {
            units.last_shipped_at = units.last_shipped_at.max(f.delivered_at.or(f.shipped_at));
            for l in &f.lines {
                units.entry(l.line_id.as_str()).shipped += l.quantity;
            }
        }
        for r in documents_of::<Return>(tx, order.id.as_str())? {
            if r.status.takes_units() {
                for l in &r.lines {
                    units.entry(&l.line_id).taken += l.quantity;
                }
            }
        }
        for c in documents_of::<Claim>(tx, order.id.as_str())? {
            if c.status.takes_units() {
                for (line, _, n) in &c.lines {
                    units.entry(line).taken += n;
                }
            }
        }
        Ok(units)
    }

    fn entry(&mut self, line_id: &str) -> &mut LineUnits {
        let i = match self.lines.iter().position(|(id, _)| id == line_id) {
            Some(i) => i,
            None => {
                self.lines.push((line_id.to_owned(), LineUnits::default()));
                self.lines.len() - 1
            }
        };
        &mut self.lines[i].1
    }

    /// One line's units (nothing, for a line that never shipped).
    pub(crate) fn line(&self, line_id: &str) -> LineUnits {
        self.lines.iter().find(|(id, _)| id == line_id).map(|(_, u)| *u).unwrap_or_default()
    }

    /// Whether anything of the order reached the customer.
    pub(crate) fn any_shipped(&self) -> bool {
        self.lines.iter().any(|(_, u)| u.shipped > 0)
    }
}
