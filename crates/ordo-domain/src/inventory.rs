//! Stock levels per location and SKU, and the movements of the ledger that explain them.
//!
//! Invariant: for every (location, SKU), `0 <= reserved <= on_hand`, so `available` is never
//! negative, and the sum of the ledger's deltas equals the level.

use serde::{Deserialize, Serialize};

/// The stock buckets units may be moved into: held apart from sellable stock.
pub const BUCKETS: [&str; 4] = ["quarantine", "refurbish", "return_to_vendor", "disposed"];

/// Units of one SKU at one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Level {
    pub on_hand: i64,
    pub reserved: i64,
}

impl Level {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }

    /// Applies a change, refusing any result that breaks `0 <= reserved <= on_hand`.
    pub fn apply(self, on_hand_delta: i64, reserved_delta: i64) -> Result<Level, LevelError> {
        let on_hand = self.on_hand.checked_add(on_hand_delta).ok_or(LevelError::Overflow)?;
        let reserved = self.reserved.checked_add(reserved_delta).ok_or(LevelError::Overflow)?;
        if on_hand < 0 {
            return Err(LevelError::NegativeOnHand { on_hand: self.on_hand, delta: on_hand_delta });
        }
        if reserved < 0 {
            return Err(LevelError::NegativeReserved);
        }
        if reserved > on_hand {
            return Err(LevelError::BelowReserved { available: self.available(), on_hand_delta, reserved_delta });
        }
        Ok(Level { on_hand, reserved })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LevelError {
    #[error("on hand would become negative ({on_hand} {delta:+})")]
    NegativeOnHand { on_hand: i64, delta: i64 },
    #[error("more would be released than is reserved")]
    NegativeReserved,
    #[error("only {available} available")]
    BelowReserved { available: i64, on_hand_delta: i64, reserved_delta: i64 },
    #[error("quantity out of range")]
    Overflow,
}

/// Why stock moved. The first group changes `on_hand` and is chosen by operators; the second
/// changes `reserved` and is written by Ordo itself as orders reserve and release stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Received,
    Counted,
    Damaged,
    Correction,
    Lost,
    Found,
    Returned,
    Reserved,
    Released,
    /// Reserved units leaving with a shipment: on hand and reserved both fall.
    Shipped,
    /// Reserved units collected by the customer at the location.
    PickedUp,
    /// Units leaving for another location with a transfer (into the source's `in_transit`).
    TransferOut,
    /// Units arriving from another location with a transfer.
    TransferIn,
}

impl Reason {
    pub const ALL: [Reason; 13] = [
        Reason::Received,
        Reason::Counted,
        Reason::Damaged,
        Reason::Correction,
        Reason::Lost,
        Reason::Found,
        Reason::Returned,
        Reason::Reserved,
        Reason::Released,
        Reason::Shipped,
        Reason::PickedUp,
        Reason::TransferOut,
        Reason::TransferIn,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Received => "received",
            Reason::Counted => "counted",
            Reason::Damaged => "damaged",
            Reason::Correction => "correction",
            Reason::Lost => "lost",
            Reason::Found => "found",
            Reason::Returned => "returned",
            Reason::Reserved => "reserved",
            Reason::Released => "released",
            Reason::Shipped => "shipped",
            Reason::PickedUp => "picked_up",
            Reason::TransferOut => "transfer_out",
            Reason::TransferIn => "transfer_in",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Reasons an operator may give for an adjustment of `on_hand`.
    pub fn is_manual(&self) -> bool {
        !matches!(
            self,
            Reason::Reserved
                | Reason::Released
                | Reason::Shipped
                | Reason::PickedUp
                | Reason::TransferOut
                | Reason::TransferIn
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_changes_keep_reserved_within_on_hand() {
        let l = Level { on_hand: 10, reserved: 4 };
        assert_eq!(l.apply(-6, 0), Ok(Level { on_hand: 4, reserved: 4 }));
        assert!(matches!(l.apply(-7, 0), Err(LevelError::BelowReserved { available: 6, .. })));
        assert_eq!(l.apply(0, 6), Ok(Level { on_hand: 10, reserved: 10 }));
        assert!(matches!(l.apply(0, 7), Err(LevelError::BelowReserved { .. })));
        assert_eq!(l.apply(0, -5), Err(LevelError::NegativeReserved));
        assert!(matches!(Level::default().apply(-1, 0), Err(LevelError::NegativeOnHand { .. })));
        assert_eq!(l.apply(i64::MAX, 0), Err(LevelError::Overflow));
    }

    #[test]
    fn reasons_round_trip_through_their_names() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
        assert_eq!(Reason::parse("stolen"), None);
    }
}

/// One entry of the inventory ledger: a signed change of `on_hand` and/or `reserved` at one
/// location for one SKU, with the level after it, why, who and for which order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    pub seq: i64,
    pub at: i64,
    pub location_id: crate::id::LocationId,
    pub location: String,
    pub sku: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub reason: Reason,
    pub actor: Option<String>,
    pub order_id: Option<crate::id::OrderId>,
    pub note: Option<String>,
    /// What else the entry answers: a purchase order's line (`po_...:2`), a transfer's line.
    pub reference: Option<String>,
}
