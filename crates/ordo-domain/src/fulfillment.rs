//! Fulfilments: the part of an order one location picks, packs and ships, with its own life.
//!
//! ```text
//!   pending --> picking --> packed --> shipped --> delivered
//!      |           |          |
//!      +-----------+----------+--> cancelled
//!      +-----------+----------+--> rejected (the location cannot fulfil it; the order is
//!                                  routed again without it)
//!
//!   click and collect: pending --> picking --> packed --> ready_for_pickup --> picked_up
//! ```
//!
//! Stock moves with the work: shipping turns the reservation into a shipment (`on_hand` and
//! `reserved` both fall), cancelling releases it. The order's fulfilment status is derived
//! from its fulfilments and never stored.

use serde::{Deserialize, Serialize};

use crate::id::{FulfillmentId, LineId, LocationId, OrderId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentStatus {
    Pending,
    Picking,
    Packed,
    Shipped,
    Delivered,
    Cancelled,
    Rejected,
    ReadyForPickup,
    PickedUp,
}

/// What an operator or carrier does to a fulfilment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfillmentAction {
    StartPicking,
    Pack,
    Ship,
    Deliver,
    Cancel,
    Reject,
    ReadyForPickup,
    PickUp,
}

impl FulfillmentAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            FulfillmentAction::StartPicking => "start picking",
            FulfillmentAction::Pack => "pack",
            FulfillmentAction::Ship => "ship",
            FulfillmentAction::Deliver => "deliver",
            FulfillmentAction::Cancel => "cancel",
            FulfillmentAction::Reject => "reject",
            FulfillmentAction::ReadyForPickup => "be made ready for pickup",
            FulfillmentAction::PickUp => "be picked up",
        }
    }
}

impl FulfillmentStatus {
    pub const ALL: [FulfillmentStatus; 9] = [
        FulfillmentStatus::Pending,
        FulfillmentStatus::Picking,
        FulfillmentStatus::Packed,
        FulfillmentStatus::Shipped,
        FulfillmentStatus::Delivered,
        FulfillmentStatus::Cancelled,
        FulfillmentStatus::Rejected,
        FulfillmentStatus::ReadyForPickup,
        FulfillmentStatus::PickedUp,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            FulfillmentStatus::Pending => "pending",
            FulfillmentStatus::Picking => "picking",
            FulfillmentStatus::Packed => "packed",
            FulfillmentStatus::Shipped => "shipped",
            FulfillmentStatus::Delivered => "delivered",
            FulfillmentStatus::Cancelled => "cancelled",
            FulfillmentStatus::Rejected => "rejected",
            FulfillmentStatus::ReadyForPickup => "ready_for_pickup",
            FulfillmentStatus::PickedUp => "picked_up",
        }
    }

    pub fn parse(s: &str) -> Option<FulfillmentStatus> {
        FulfillmentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the stock of a fulfilment in this status is still reserved (not yet shipped
    /// nor released).
    pub fn holds_reservation(&self) -> bool {
        matches!(
            self,
            FulfillmentStatus::Pending
                | FulfillmentStatus::Picking
                | FulfillmentStatus::Packed
                | FulfillmentStatus::ReadyForPickup
        )
    }

    /// The status after `action` for a fulfilment that ships (`pickup` false) or that the
    /// customer collects (`pickup` true), or why it is not allowed.
    pub fn apply_for(self, action: FulfillmentAction, pickup: bool) -> Result<FulfillmentStatus, String> {
        use FulfillmentAction as A;
        use FulfillmentStatus as S;
        match (pickup, self, action) {
            (true, S::Pending | S::Picking | S::Packed, A::ReadyForPickup) => Ok(S::ReadyForPickup),
            (true, S::ReadyForPickup, A::PickUp) => Ok(S::PickedUp),
            (true, S::ReadyForPickup, A::Cancel) => Ok(S::Cancelled),
            (true, _, A::Ship | A::Deliver) => {
                Err("a click-and-collect fulfilment is picked up, not shipped".to_owned())
            }
            (false, _, A::ReadyForPickup | A::PickUp) => {
                Err("only click-and-collect fulfilments are picked up".to_owned())
            }
            _ => self.apply(action),
        }
    }

    /// The status after `action`, or why it is not allowed.
    pub fn apply(self, action: FulfillmentAction) -> Result<FulfillmentStatus, String> {
        use FulfillmentAction as A;
        use FulfillmentStatus as S;
        match (self, action) {
            (S::Pending, A::StartPicking) => Ok(S::Picking),
            (S::Pending | S::Picking, A::Pack) => Ok(S::Packed),
            (S::Pending | S::Picking | S::Packed, A::Ship) => Ok(S::Shipped),
            (S::Shipped, A::Deliver) => Ok(S::Delivered),
            (S::Pending | S::Picking | S::Packed, A::Cancel) => Ok(S::Cancelled),
            (S::Pending | S::Picking | S::Packed, A::Reject) => Ok(S::Rejected),
            (from, action) => Err(format!("a fulfilment that is {} cannot {}", from.as_str(), action.as_str())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentLine {
    pub line_id: LineId,
    pub sku: String,
    pub quantity: i64,
}

/// A parcel as packed: weight and outer dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    pub weight_grams: i64,
    pub length_mm: i64,
    pub width_mm: i64,
    pub height_mm: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fulfillment {
    pub id: FulfillmentId,
    pub order_id: OrderId,
    pub location_id: LocationId,
    pub location: String,
    pub status: FulfillmentStatus,
    pub lines: Vec<FulfillmentLine>,
    #[serde(default)]
    pub parcels: Vec<Parcel>,
    pub carrier: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub shipped_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub version: i64,
    /// Collected by the customer at the location instead of shipped.
    #[serde(default)]
    pub pickup: bool,
    /// The carrier's own label, when an external carrier API sold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_url: Option<String>,
    /// The service bought for it, when its label was bought through Ordo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_quote: Option<crate::shipping::Quote>,
    /// What the carrier reported, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracking_events: Vec<TrackingEvent>,
}

/// A carrier's report about a parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    /// `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    pub status: String,
    pub occurred_at: i64,
    pub description: Option<String>,
}

/// An order's fulfilment status, derived from its fulfilments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderFulfillmentStatus {
    /// Nothing picked or shipped yet.
    Unfulfilled,
    /// Work has started somewhere, nothing shipped.
    InProgress,
    PartiallyShipped,
    Shipped,
    PartiallyDelivered,
    Delivered,
    /// Every fulfilment was cancelled.
    Cancelled,
}

impl OrderFulfillmentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderFulfillmentStatus::Unfulfilled => "unfulfilled",
            OrderFulfillmentStatus::InProgress => "in_progress",
            OrderFulfillmentStatus::PartiallyShipped => "partially_shipped",
            OrderFulfillmentStatus::Shipped => "shipped",
            OrderFulfillmentStatus::PartiallyDelivered => "partially_delivered",
            OrderFulfillmentStatus::Delivered => "delivered",
            OrderFulfillmentStatus::Cancelled => "cancelled",
        }
    }

    /// Derives the order's status from its fulfilments' statuses (cancelled ones aside).
    pub fn derive(statuses: &[FulfillmentStatus]) -> OrderFulfillmentStatus {
        use FulfillmentStatus as S;
        let live: Vec<S> = statuses.iter().copied().filter(|s| !matches!(s, S::Cancelled | S::Rejected)).collect();
        if live.is_empty() {
            return if statuses.is_empty() {
                OrderFulfillmentStatus::Unfulfilled
            } else {
                OrderFulfillmentStatus::Cancelled
            };
        }
        let count = |f: &dyn Fn(S) -> bool| live.iter().filter(|s| f(**s)).count();
        let delivered = count(&|s| matches!(s, S::Delivered | S::PickedUp));
        let shipped = count(&|s| matches!(s, S::Shipped | S::Delivered | S::PickedUp));
        if delivered == live.len() {
            OrderFulfillmentStatus::Delivered
        } else if delivered > 0 {
            OrderFulfillmentStatus::PartiallyDelivered
        } else if shipped == live.len() {
            OrderFulfillmentStatus::Shipped
        } else if shipped > 0 {
            OrderFulfillmentStatus::PartiallyShipped
        } else if count(&|s| s != S::Pending) > 0 {
            OrderFulfillmentStatus::InProgress
        } else {
            OrderFulfillmentStatus::Unfulfilled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FulfillmentAction as A;
    use FulfillmentStatus as S;

    #[test]
    fn transition_table() {
        let ok = [
            (S::Pending, A::StartPicking, S::Picking),
            (S::Picking, A::Pack, S::Packed),
            (S::Pending, A::Pack, S::Packed),
            (S::Packed, A::Ship, S::Shipped),
            (S::Pending, A::Ship, S::Shipped),
            (S::Shipped, A::Deliver, S::Delivered),
            (S::Packed, A::Cancel, S::Cancelled),
            (S::Picking, A::Reject, S::Rejected),
        ];
        for (from, action, to) in ok {
            assert_eq!(from.apply(action), Ok(to), "{from:?} {action:?}");
        }
        let refused = [
            (S::Packed, A::Pack),
            (S::Cancelled, A::Ship),
            (S::Shipped, A::Cancel),
            (S::Delivered, A::Deliver),
            (S::Packed, A::StartPicking),
            (S::Pending, A::Deliver),
            (S::Shipped, A::Reject),
        ];
        for (from, action) in refused {
            assert!(from.apply(action).is_err(), "{from:?} {action:?}");
        }
        assert_eq!(S::Cancelled.apply(A::Ship).unwrap_err(), "a fulfilment that is cancelled cannot ship");
        assert_eq!(S::Packed.apply_for(A::ReadyForPickup, true), Ok(S::ReadyForPickup));
        assert_eq!(S::ReadyForPickup.apply_for(A::PickUp, true), Ok(S::PickedUp));
        assert!(S::Packed.apply_for(A::Ship, true).is_err());
        assert!(S::Packed.apply_for(A::ReadyForPickup, false).is_err());
        assert!(S::PickedUp.apply_for(A::Cancel, true).is_err());
    }

    #[test]
    fn the_order_status_is_derived_from_its_fulfilments() {
        use OrderFulfillmentStatus as O;
        let check = |s: &[S], expected: O| assert_eq!(O::derive(s), expected, "{s:?}");
        check(&[], O::Unfulfilled);
        check(&[S::Pending, S::Pending], O::Unfulfilled);
        check(&[S::Pending, S::Picking], O::InProgress);
        check(&[S::Shipped, S::Pending], O::PartiallyShipped);
        check(&[S::Shipped, S::Shipped], O::Shipped);
        check(&[S::Shipped, S::Cancelled], O::Shipped);
        check(&[S::Delivered, S::Shipped], O::PartiallyDelivered);
        check(&[S::Delivered, S::Cancelled], O::Delivered);
        check(&[S::Cancelled, S::Cancelled], O::Cancelled);
        check(&[S::Rejected, S::Pending], O::Unfulfilled);
        check(&[S::ReadyForPickup], O::InProgress);
        check(&[S::PickedUp], O::Delivered);
    }
}
