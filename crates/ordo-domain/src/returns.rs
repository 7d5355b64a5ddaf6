//! Returns' and claims' rules: the return's status machine, the reasons and dispositions a
//! return line may carry, the order's return status, and how many units of a line can still
//! be returned or claimed.
//!
//! ```text
//!   requested --approve--> approved --receive--> received --close--> closed
//!   requested --reject---> rejected --close--> closed
//! ```

crate::named_enum! {
    pub enum ReturnStatus {
        Requested = "requested",
        Approved = "approved",
        Rejected = "rejected",
        Received = "received",
        Closed = "closed",
    }
}

impl crate::status::Lifecycle for ReturnStatus {
    const NOUN: &'static str = "return";

    /// Whether a return in this status may move to `to`.
    fn can_become(self, to: ReturnStatus) -> bool {
        use ReturnStatus::*;
        matches!((self, to), (Requested, Approved | Rejected) | (Approved, Received) | (Received | Rejected, Closed))
    }
}

impl ReturnStatus {
    /// A rejected return takes no units; every other one does, from its request on.
    pub fn takes_units(self) -> bool {
        self != ReturnStatus::Rejected
    }

    /// The goods are back.
    pub fn is_back(self) -> bool {
        matches!(self, ReturnStatus::Received | ReturnStatus::Closed)
    }
}

crate::named_enum! {
    pub enum ReturnReason {
        Damaged = "damaged",
        WrongItem = "wrong_item",
        NoLongerNeeded = "no_longer_needed",
        NotAsDescribed = "not_as_described",
        Other = "other",
    }
}

crate::named_enum! {
    /// What happens to a received unit.
    pub enum Disposition {
        Restock = "restock",
        Refurbish = "refurbish",
        Damaged = "damaged",
        ReturnToVendor = "return_to_vendor",
        Dispose = "dispose",
    }
}

impl Disposition {
    /// The non-sellable bucket a unit goes to; `None` for a unit put back into stock.
    pub fn bucket(self) -> Option<&'static str> {
        match self {
            Disposition::Restock => None,
            Disposition::Refurbish => Some("refurbish"),
            Disposition::Damaged => Some("quarantine"),
            Disposition::ReturnToVendor => Some("return_to_vendor"),
            Disposition::Dispose => Some("disposed"),
        }
    }
}

crate::named_enum! {
    /// When a channel refunds a return: once it is received (the default) or already when it
    /// is approved.
    pub enum RefundReturnsOn {
        Received = "received",
        Approved = "approved",
    }
}

crate::named_enum! {
    /// The order's return status, derived from its returns.
    pub enum OrderReturnStatus {
        None = "none",
        /// Something is on its way back.
        Requested = "requested",
        PartiallyReturned = "partially_returned",
        /// Every shipped unit came back.
        Returned = "returned",
    }
}

impl OrderReturnStatus {
    /// From the units that shipped and each return's status and units.
    pub fn derive(shipped: i64, returns: impl IntoIterator<Item = (ReturnStatus, i64)>) -> OrderReturnStatus {
        let (mut live, mut back) = (false, 0);
        for (status, units) in returns {
            if status.takes_units() {
                live = true;
                if status.is_back() {
                    back += units;
                }
            }
        }
        match (live, back) {
            (false, _) => OrderReturnStatus::None,
            (true, 0) => OrderReturnStatus::Requested,
            (true, b) if b >= shipped => OrderReturnStatus::Returned,
            _ => OrderReturnStatus::PartiallyReturned,
        }
    }
}

crate::named_enum! {
    /// A claim for a delivery that went wrong.
    pub enum ClaimKind {
        Missing = "missing",
        Damaged = "damaged",
    }
}

crate::named_enum! {
    pub enum ClaimResolution {
        Refund = "refund",
        Reship = "reship",
    }
}

crate::named_enum! {
    /// A claim is resolved when it is filed; it fails (and takes no units) when neither its
    /// refund nor its reshipment could be made.
    pub enum ClaimStatus {
        Resolved = "resolved",
        Failed = "failed",
    }
}

impl crate::status::Lifecycle for ClaimStatus {
    const NOUN: &'static str = "claim";

    fn can_become(self, to: ClaimStatus) -> bool {
        matches!((self, to), (ClaimStatus::Resolved, ClaimStatus::Failed))
    }
}

impl ClaimStatus {
    pub fn takes_units(self) -> bool {
        self == ClaimStatus::Resolved
    }
}

/// One line's units as after-sales sees them: what reached the customer and what returns
/// and claims have already taken. A unit is returned or claimed once in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineUnits {
    pub shipped: i64,
    pub taken: i64,
}

impl LineUnits {
    /// Units that may still be returned or claimed.
    pub fn left(self) -> i64 {
        (self.shipped - self.taken).max(0)
    }

    /// Refuses more than is left, with a sentence saying how much that is.
    pub fn check(self, asked: i64) -> Result<(), String> {
        if asked <= self.left() {
            Ok(())
        } else {
            Err(format!(
                "{} shipped, {} already returned or claimed: at most {} more",
                self.shipped,
                self.taken,
                self.left()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Lifecycle;
    use ReturnStatus::*;

    #[test]
    fn returns_move_one_step_at_a_time() {
        let allowed = [
            (Requested, Approved),
            (Requested, Rejected),
            (Approved, Received),
            (Received, Closed),
            (Rejected, Closed),
        ];
        for from in ReturnStatus::ALL {
            for to in ReturnStatus::ALL {
                let ok = allowed.contains(&(*from, *to));
                assert_eq!(from.can_become(*to), ok, "{from} -> {to}");
                assert_eq!(from.become_(*to).is_ok(), ok, "{from} -> {to}");
            }
        }
        assert_eq!(Approved.become_(Closed).unwrap_err().to_string(), "an approved return cannot become closed");
    }

    #[test]
    fn the_order_return_status_follows_its_returns() {
        let check = |shipped, returns: &[(ReturnStatus, i64)], want| {
            assert_eq!(OrderReturnStatus::derive(shipped, returns.iter().copied()), want, "{returns:?}");
        };
        check(3, &[], OrderReturnStatus::None);
        check(3, &[(Rejected, 3)], OrderReturnStatus::None);
        check(3, &[(Requested, 1)], OrderReturnStatus::Requested);
        check(3, &[(Approved, 3)], OrderReturnStatus::Requested);
        check(3, &[(Received, 1), (Requested, 2)], OrderReturnStatus::PartiallyReturned);
        check(3, &[(Received, 1), (Closed, 2)], OrderReturnStatus::Returned);
        check(3, &[(Received, 3), (Rejected, 1)], OrderReturnStatus::Returned);
    }

    #[test]
    fn only_restocked_units_go_back_to_stock() {
        for d in Disposition::ALL {
            assert_eq!(d.bucket().is_none(), *d == Disposition::Restock, "{d}");
        }
        assert_eq!(Disposition::Damaged.bucket(), Some("quarantine"));
    }

    #[test]
    fn a_unit_is_returned_or_claimed_once() {
        let units = LineUnits { shipped: 3, taken: 2 };
        assert_eq!(units.left(), 1);
        assert!(units.check(1).is_ok());
        assert_eq!(units.check(2).unwrap_err(), "3 shipped, 2 already returned or claimed: at most 1 more");
        assert_eq!(LineUnits { shipped: 1, taken: 2 }.left(), 0);
    }

    #[test]
    fn only_a_resolved_claim_fails_and_only_it_takes_units() {
        assert!(ClaimStatus::Resolved.become_(ClaimStatus::Failed).is_ok());
        assert!(ClaimStatus::Failed.become_(ClaimStatus::Resolved).is_err());
        assert!(ClaimStatus::Resolved.takes_units() && !ClaimStatus::Failed.takes_units());
    }
}
