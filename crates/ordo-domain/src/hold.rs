//! Holds: reviews that stop an order from being picked, packed, labelled or shipped until
//! someone with the right role releases them (or cancels the order through them).
//!
//! ```text
//!   active --release--> released
//!   active --cancel order--> cancelled
//! ```

use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// Why an order is held.
    pub enum HoldKind {
        FraudReview = "fraud_review",
        AddressCheck = "address_check",
        PaymentReview = "payment_review",
        Manual = "manual",
    }
}

impl HoldKind {
    /// Holds about risk (fraud, payment) are released by an admin only; the others by an
    /// operator too.
    pub fn admin_only(self) -> bool {
        matches!(self, HoldKind::FraudReview | HoldKind::PaymentReview)
    }
}

crate::named_enum! {
    /// When a channel's hold rule holds an order at capture.
    pub enum HoldTrigger {
        /// The order total is above the rule's amount (in its currency).
        TotalAbove = "total_above",
        /// The shipping and billing countries differ.
        CountriesDiffer = "countries_differ",
        /// A new customer's first order is above the rule's amount.
        FirstOrderAbove = "first_order_above",
        /// The customer's email is on the rule's list.
        BlockedCustomer = "blocked_customer",
    }
}

impl HoldTrigger {
    /// The rule needs an amount (and its currency).
    pub fn needs_amount(self) -> bool {
        matches!(self, HoldTrigger::TotalAbove | HoldTrigger::FirstOrderAbove)
    }
}

crate::named_enum! {
    pub enum HoldStatus {
        Active = "active",
        Released = "released",
        /// The order was cancelled through this hold, or with another hold that cancelled it.
        Cancelled = "cancelled",
    }
}

impl crate::status::Lifecycle for HoldStatus {
    const NOUN: &'static str = "hold";

    /// Whether a hold in this status may move to `to`.
    fn can_become(self, to: HoldStatus) -> bool {
        matches!((self, to), (HoldStatus::Active, HoldStatus::Released | HoldStatus::Cancelled))
    }
}

crate::named_enum! {
    /// Who placed a hold: an operator by hand, or a channel's rule at capture.
    pub enum HoldSource {
        Operator = "operator",
        Rule = "rule",
    }
}

/// A hold on an order, as stored with the order's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub id: String,
    pub order_id: String,
    pub kind: HoldKind,
    pub reason: Option<String>,
    pub source: HoldSource,
    pub status: HoldStatus,
    pub placed_by: String,
    pub placed_at: i64,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Lifecycle;
    use HoldStatus::*;

    #[test]
    fn only_an_active_hold_is_released_or_cancelled() {
        let table = [
            (Active, Released, true),
            (Active, Cancelled, true),
            (Active, Active, false),
            (Released, Active, false),
            (Released, Cancelled, false),
            (Cancelled, Released, false),
            (Cancelled, Active, false),
        ];
        for (from, to, ok) in table {
            assert_eq!(from.can_become(to), ok, "{from} -> {to}");
            assert_eq!(from.become_(to).is_ok(), ok, "{from} -> {to}");
        }
        assert_eq!(Released.become_(Cancelled).unwrap_err().to_string(), "a released hold cannot become cancelled");
    }

    #[test]
    fn risk_holds_need_an_admin() {
        let admin_only: Vec<HoldKind> = HoldKind::ALL.iter().copied().filter(|k| k.admin_only()).collect();
        assert_eq!(admin_only, [HoldKind::FraudReview, HoldKind::PaymentReview]);
    }
}
