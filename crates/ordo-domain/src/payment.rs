//! Payments: an append-only ledger of money movements per payment, and everything about an
//! order's payment state derived from it — never stored beside it.
//!
//! Per payment, in minor units: `captured + voided <= authorized` and `refunded <= captured`.
//! The order's status and balance follow from the sums over its payments:
//!
//! | captured | refunded | status |
//! |---|---|---|
//! | 0 | 0 | `pending`, or `authorized` once open authorizations cover the total, or `voided` once every authorization was voided |
//! | < total | 0 | `partially_paid` |
//! | >= total | 0 | `paid` |
//! | > 0 | < captured | `partially_refunded` |
//! | > 0 | = captured | `refunded` |
//!
//! `balance_due = total - captured` (never below zero): what the customer still owes.
//! Refunds give money back on purpose and do not make it owed again.

use serde::{Deserialize, Serialize};

use crate::money::allocate_proportionally;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Authorized,
    Captured,
    Voided,
    Refunded,
    /// A gateway refused or failed; moves no money, recorded for the record.
    Failed,
}

impl EntryKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            EntryKind::Authorized => "authorized",
            EntryKind::Captured => "captured",
            EntryKind::Voided => "voided",
            EntryKind::Refunded => "refunded",
            EntryKind::Failed => "failed",
        }
    }
}

/// Sums of one payment's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PaymentTotals {
    pub authorized: i64,
    pub captured: i64,
    pub voided: i64,
    pub refunded: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("the amount must be positive")]
    NotPositive,
    #[error("only {available} can still be captured")]
    OverCapture { available: i64 },
    #[error("only {available} can still be refunded")]
    OverRefund { available: i64 },
    #[error("nothing is left to void")]
    NothingToVoid,
    #[error("the payment was voided")]
    Voided,
    #[error("amount out of range")]
    Overflow,
}

impl PaymentTotals {
    /// Sums a payment's ledger entries.
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a (EntryKind, i64)>) -> PaymentTotals {
        let mut t = PaymentTotals::default();
        for (kind, amount) in entries {
            match kind {
                EntryKind::Authorized => t.authorized = t.authorized.saturating_add(*amount),
                EntryKind::Captured => t.captured = t.captured.saturating_add(*amount),
                EntryKind::Voided => t.voided = t.voided.saturating_add(*amount),
                EntryKind::Refunded => t.refunded = t.refunded.saturating_add(*amount),
                EntryKind::Failed => {}
            }
        }
        t
    }

    /// Authorized and neither captured nor voided yet.
    pub fn capturable(&self) -> i64 {
        self.authorized - self.captured - self.voided
    }

    pub fn refundable(&self) -> i64 {
        self.captured - self.refunded
    }

    pub fn check_capture(&self, amount: i64) -> Result<(), PaymentError> {
        // A voided payment says so, whatever amount was asked for.
        if self.voided > 0 && self.capturable() == 0 {
            return Err(PaymentError::Voided);
        }
        if amount <= 0 {
            return Err(PaymentError::NotPositive);
        }
        if amount > self.capturable() {
            return Err(PaymentError::OverCapture { available: self.capturable() });
        }
        Ok(())
    }

    /// The amount a void releases: everything authorized and not captured.
    pub fn check_void(&self) -> Result<i64, PaymentError> {
        match self.capturable() {
            0 => Err(PaymentError::NothingToVoid),
            n => Ok(n),
        }
    }

    pub fn check_refund(&self, amount: i64) -> Result<(), PaymentError> {
        if amount <= 0 {
            return Err(PaymentError::NotPositive);
        }
        if amount > self.refundable() {
            return Err(PaymentError::OverRefund { available: self.refundable() });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Authorized,
    PartiallyPaid,
    Paid,
    PartiallyRefunded,
    Refunded,
    Voided,
}

impl PaymentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::PartiallyPaid => "partially_paid",
            PaymentStatus::Paid => "paid",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Voided => "voided",
        }
    }
}

/// An order's payment position, derived from its payments' totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: i64,
    pub authorized: i64,
    pub captured: i64,
    pub voided: i64,
    pub refunded: i64,
    /// Captured minus refunded.
    pub net_paid: i64,
    /// Total minus captured, never below zero.
    pub balance_due: i64,
    pub status: PaymentStatus,
}

pub fn summarize(total: i64, payments: &[PaymentTotals]) -> Summary {
    // Summed in a wider type, so no number of payments wraps a total; a total beyond i64
    // (which bounded amounts never reach) is shown at the bound.
    let sum = |f: fn(&PaymentTotals) -> i64| payments.iter().map(|p| f(p) as i128).sum::<i128>();
    let (authorized, captured, voided, refunded) =
        (sum(|p| p.authorized), sum(|p| p.captured), sum(|p| p.voided), sum(|p| p.refunded));
    let open = authorized - captured - voided;
    let total_wide = total as i128;
    let status = if captured == 0 {
        if open > 0 && open >= total_wide {
            PaymentStatus::Authorized
        } else if open == 0 && voided > 0 {
            PaymentStatus::Voided
        } else {
            PaymentStatus::Pending
        }
    } else if refunded == 0 {
        if captured >= total_wide { PaymentStatus::Paid } else { PaymentStatus::PartiallyPaid }
    } else if refunded >= captured {
        PaymentStatus::Refunded
    } else {
        PaymentStatus::PartiallyRefunded
    };
    let narrow = |v: i128| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    Summary {
        total,
        authorized: narrow(authorized),
        captured: narrow(captured),
        voided: narrow(voided),
        refunded: narrow(refunded),
        net_paid: narrow(captured - refunded),
        balance_due: narrow((total_wide - captured).max(0)),
        status,
    }
}

/// Each shipment's share of the order total, in proportion to the value of what it carries;
/// the shares always add up to the total exactly.
pub fn shipment_shares(order_total: i64, shipment_values: &[i64]) -> Vec<i64> {
    allocate_proportionally(order_total, shipment_values)
}

/// Each line's value to refund: its subtotal plus its share of the order's tax, minus its
/// share of the order's discount (both shared in proportion to the lines' subtotals). The
/// values of all lines plus the shipping charge add up to the order total exactly.
pub fn line_values(subtotals: &[i64], tax: i64, discount: i64) -> Vec<i64> {
    let taxes = allocate_proportionally(tax, subtotals);
    let discounts = allocate_proportionally(discount, subtotals);
    subtotals.iter().zip(taxes).zip(discounts).map(|((s, t), d)| s + t - d).collect()
}

/// The value of units `from .. from + n` of a line worth `value` over `quantity` units: the
/// value is split evenly and the remainder goes to the first units, so refunding a line unit
/// by unit, in any chunks, gives back exactly its value.
pub fn units_value(value: i64, quantity: i64, from: i64, n: i64) -> i64 {
    if quantity <= 0 || n <= 0 {
        return 0;
    }
    let (base, rest) = (value.div_euclid(quantity), value.rem_euclid(quantity));
    let extra = (from + n).min(rest) - from.min(rest);
    base * n + extra
}

/// Where a refund may go back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundSource {
    /// Lower goes first: 0 cards, 1 manual payments, 2 store credit, 3 gift cards.
    pub rank: u8,
    pub created_at: i64,
    /// What can still be refunded to it.
    pub available: i64,
}

/// The order refunds take: money first (cards, then manual payments), Ordo's own balances
/// last (store credit, then gift cards); within each, the newest payment first. Returns
/// (index into `sources`, amount) pairs adding up to `amount`.
pub fn plan_refund(amount: i64, sources: &[RefundSource]) -> Result<Vec<(usize, i64)>, PaymentError> {
    if amount <= 0 {
        return Err(PaymentError::NotPositive);
    }
    let available: i64 = sources.iter().map(|s| s.available.max(0)).sum();
    if amount > available {
        return Err(PaymentError::OverRefund { available });
    }
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_key(|&i| (sources[i].rank, std::cmp::Reverse(sources[i].created_at), std::cmp::Reverse(i)));
    let mut left = amount;
    let mut plan = Vec::new();
    for i in order {
        let take = sources[i].available.max(0).min(left);
        if take > 0 {
            plan.push((i, take));
            left -= take;
        }
    }
    Ok(plan)
}

crate::named_enum! {
    /// When a channel's payments are captured: when they are added (the default), or each
    /// fulfilment's share when it ships.
    pub enum CapturePolicy {
        AtPlacement = "at_placement",
        OnShipment = "on_shipment",
    }
}

crate::named_enum! {
    /// A refund's status, and each of its allocations': `pending` until every gateway it
    /// draws on has answered, then `succeeded`, or `failed` when a gateway refused (what
    /// succeeded stays refunded).
    pub enum RefundStatus {
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

impl crate::status::Lifecycle for RefundStatus {
    const NOUN: &'static str = "refund";

    /// Only a pending refund (or allocation) moves, and only once.
    fn can_become(self, to: RefundStatus) -> bool {
        matches!((self, to), (RefundStatus::Pending, RefundStatus::Succeeded | RefundStatus::Failed))
    }
}

impl RefundStatus {
    /// A refund's status once none of its allocations is pending: failed if any failed.
    pub fn of_allocations(allocations: impl IntoIterator<Item = RefundStatus>) -> RefundStatus {
        let mut out = RefundStatus::Succeeded;
        for a in allocations {
            match a {
                RefundStatus::Pending => return RefundStatus::Pending,
                RefundStatus::Failed => out = RefundStatus::Failed,
                RefundStatus::Succeeded => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Lifecycle;
    use proptest::prelude::*;

    #[test]
    fn sums_of_many_payments_never_wrap() {
        // Two payments of i64::MAX / 2 + 1 each: an i64 sum would wrap to a negative total
        // and flip the order from paid to partially paid.
        let big = i64::MAX / 2 + 1;
        let one = PaymentTotals::of(&[(EntryKind::Authorized, big), (EntryKind::Captured, big)]);
        let s = summarize(1700, &[one, one]);
        assert_eq!(s.status, PaymentStatus::Paid);
        assert_eq!((s.authorized, s.captured, s.net_paid, s.balance_due), (i64::MAX, i64::MAX, i64::MAX, 0));
        let entries = [(EntryKind::Captured, i64::MAX), (EntryKind::Captured, 5)];
        assert_eq!(PaymentTotals::of(&entries).captured, i64::MAX);
    }

    #[test]
    fn checks_refuse_what_the_ledger_cannot_give() {
        let t = PaymentTotals::of(&[(EntryKind::Authorized, 1000), (EntryKind::Captured, 600)]);
        assert_eq!(t.check_capture(401), Err(PaymentError::OverCapture { available: 400 }));
        assert_eq!(t.check_capture(400), Ok(()));
        assert_eq!(t.check_refund(601), Err(PaymentError::OverRefund { available: 600 }));
        assert_eq!(t.check_capture(0), Err(PaymentError::NotPositive));
        assert_eq!(t.check_void(), Ok(400));
        let voided = PaymentTotals::of(&[(EntryKind::Authorized, 1000), (EntryKind::Voided, 1000)]);
        assert_eq!(voided.check_capture(1), Err(PaymentError::Voided));
        // Capturing "everything left" (0) of a voided payment is refused as voided too.
        assert_eq!(voided.check_capture(0), Err(PaymentError::Voided));
        assert_eq!(voided.check_void(), Err(PaymentError::NothingToVoid));
    }

    #[test]
    fn refunds_go_to_cards_first_and_gift_cards_last() {
        let s = |rank, created_at, available| RefundSource { rank, created_at, available };
        let sources = [s(3, 1, 500), s(0, 2, 300), s(1, 3, 100), s(0, 4, 200)];
        assert_eq!(plan_refund(600, &sources), Ok(vec![(3, 200), (1, 300), (2, 100)]));
        assert_eq!(plan_refund(1200, &sources), Err(PaymentError::OverRefund { available: 1100 }));
        assert_eq!(units_value(1000, 3, 0, 1), 334);
        assert_eq!(units_value(1000, 3, 1, 2), 666);
        assert_eq!(line_values(&[600, 400], 100, 50), vec![630, 420]);
    }

    #[test]
    fn status_table() {
        let p = |a, c, v, r| PaymentTotals { authorized: a, captured: c, voided: v, refunded: r };
        let check =
            |ps: &[PaymentTotals], expected: PaymentStatus| assert_eq!(summarize(1000, ps).status, expected, "{ps:?}");
        check(&[], PaymentStatus::Pending);
        check(&[p(500, 0, 0, 0)], PaymentStatus::Pending);
        check(&[p(500, 0, 0, 0), p(500, 0, 0, 0)], PaymentStatus::Authorized);
        check(&[p(1000, 0, 1000, 0)], PaymentStatus::Voided);
        check(&[p(1000, 400, 0, 0)], PaymentStatus::PartiallyPaid);
        check(&[p(1000, 1000, 0, 0)], PaymentStatus::Paid);
        check(&[p(1000, 1000, 0, 100)], PaymentStatus::PartiallyRefunded);
        check(&[p(1000, 1000, 0, 1000)], PaymentStatus::Refunded);
        // A goodwill refund on a fully paid order.
        let s = summarize(1000, &[p(1000, 1000, 0, 150)]);
        assert_eq!((s.net_paid, s.balance_due), (850, 0));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Authorize(usize, i64),
        Capture(usize, i64),
        Void(usize),
        Refund(usize, i64),
        /// The order is cancelled: every payment's authorization voided, its capture refunded.
        Cancel,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..3, 1i64..2000).prop_map(|(p, a)| Op::Authorize(p, a)),
            (0usize..3, -5i64..2000).prop_map(|(p, a)| Op::Capture(p, a)),
            (0usize..3).prop_map(Op::Void),
            (0usize..3, -5i64..2000).prop_map(|(p, a)| Op::Refund(p, a)),
            Just(Op::Cancel),
        ]
    }

    proptest! {
        #[test]
        fn any_sequence_keeps_the_ledger_within_its_bounds(ops in proptest::collection::vec(op(), 0..60), total in 1i64..5000) {
            let mut ledgers: Vec<Vec<(EntryKind, i64)>> = vec![Vec::new(); 3];
            for op in ops {
                let t = |l: &Vec<(EntryKind, i64)>| PaymentTotals::of(l);
                match op {
                    // A payment is authorized once, like a gateway's intent.
                    Op::Authorize(p, a) if ledgers[p].is_empty() => ledgers[p].push((EntryKind::Authorized, a)),
                    Op::Authorize(..) => {}
                    Op::Capture(p, a) => if t(&ledgers[p]).check_capture(a).is_ok() { ledgers[p].push((EntryKind::Captured, a)) },
                    Op::Void(p) => if let Ok(n) = t(&ledgers[p]).check_void() { ledgers[p].push((EntryKind::Voided, n)) },
                    Op::Refund(p, a) => if t(&ledgers[p]).check_refund(a).is_ok() { ledgers[p].push((EntryKind::Refunded, a)) },
                    Op::Cancel => {
                        for l in ledgers.iter_mut() {
                            if let Ok(n) = t(l).check_void() { l.push((EntryKind::Voided, n)) }
                            let left = t(l).refundable();
                            if left > 0 { l.push((EntryKind::Refunded, left)) }
                            let after = t(l);
                            prop_assert_eq!((after.capturable(), after.refundable()), (0, 0));
                        }
                    }
                }
                let totals: Vec<PaymentTotals> = ledgers.iter().map(t).collect();
                for p in &totals {
                    prop_assert!(p.captured + p.voided <= p.authorized);
                    prop_assert!(p.refunded <= p.captured);
                    prop_assert!(p.captured >= 0 && p.refunded >= 0 && p.voided >= 0);
                }
                let s = summarize(total, &totals);
                prop_assert_eq!(s.net_paid, s.captured - s.refunded);
                prop_assert_eq!(s.balance_due, (total - s.captured).max(0));
                match s.status {
                    PaymentStatus::Paid => prop_assert!(s.captured >= total && s.refunded == 0),
                    PaymentStatus::PartiallyPaid => prop_assert!(s.captured > 0 && s.captured < total && s.refunded == 0),
                    PaymentStatus::Refunded => prop_assert!(s.captured > 0 && s.refunded == s.captured),
                    PaymentStatus::PartiallyRefunded => prop_assert!(s.refunded > 0 && s.refunded < s.captured),
                    PaymentStatus::Authorized => prop_assert!(s.captured == 0 && s.authorized - s.voided >= total),
                    PaymentStatus::Voided => prop_assert!(s.captured == 0 && s.voided > 0 && s.voided == s.authorized),
                    PaymentStatus::Pending => prop_assert!(s.captured == 0),
                }
            }
        }

        #[test]
        fn refunding_every_unit_in_any_chunks_gives_back_the_order_total(
            lines in proptest::collection::vec((1i64..20, 0i64..50_000), 1..5),
            shipping in 0i64..5_000, tax in 0i64..20_000, discount_pct in 0i64..100,
            chunks in proptest::collection::vec(1i64..7, 1..40),
        ) {
            let subtotals: Vec<i64> = lines.iter().map(|(q, p)| q * p).collect();
            let discount = subtotals.iter().sum::<i64>() * discount_pct / 100;
            let total = subtotals.iter().sum::<i64>() + shipping + tax - discount;
            let values = line_values(&subtotals, tax, discount);
            let mut refunded = shipping;
            for (i, (quantity, _)) in lines.iter().enumerate() {
                let (mut done, mut c) = (0, 0);
                while done < *quantity {
                    let n = chunks[c % chunks.len()].min(quantity - done);
                    let part = units_value(values[i], *quantity, done, n);
                    prop_assert!(part >= 0);
                    refunded += part;
                    done += n;
                    c += 1;
                }
            }
            prop_assert_eq!(refunded, total);
        }

        #[test]
        fn a_refund_plan_takes_exactly_the_amount_within_each_source(
            sources in proptest::collection::vec((0u8..4, 0i64..10, 0i64..5_000), 0..6), amount in -5i64..20_000,
        ) {
            let sources: Vec<RefundSource> =
                sources.into_iter().map(|(rank, created_at, available)| RefundSource { rank, created_at, available }).collect();
            let available: i64 = sources.iter().map(|s| s.available).sum();
            match plan_refund(amount, &sources) {
                Ok(plan) => {
                    prop_assert_eq!(plan.iter().map(|(_, a)| a).sum::<i64>(), amount);
                    for (i, a) in &plan {
                        prop_assert!(*a > 0 && *a <= sources[*i].available);
                    }
                    // A later source is only used once every earlier one is exhausted.
                    for w in plan.windows(2) {
                        let (a, b) = (&sources[w[0].0], &sources[w[1].0]);
                        prop_assert!((a.rank, -a.created_at) <= (b.rank, -b.created_at));
                        prop_assert_eq!(w[0].1, a.available);
                    }
                }
                Err(PaymentError::NotPositive) => prop_assert!(amount <= 0),
                Err(e) => prop_assert_eq!(e, PaymentError::OverRefund { available }),
            }
        }

        #[test]
        fn shipment_shares_always_add_up_to_the_total(total in 0i64..10_000_000, values in proptest::collection::vec(0i64..100_000, 1..6)) {
            let shares = shipment_shares(total, &values);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            prop_assert!(shares.iter().all(|s| *s >= 0));
        }
    }

    #[test]
    fn a_refund_settles_once_and_fails_if_any_part_failed() {
        use RefundStatus::*;
        for (from, to, ok) in [
            (Pending, Succeeded, true),
            (Pending, Failed, true),
            (Pending, Pending, false),
            (Succeeded, Failed, false),
            (Failed, Succeeded, false),
            (Succeeded, Pending, false),
        ] {
            assert_eq!(from.can_become(to), ok, "{from} -> {to}");
            assert_eq!(from.become_(to).is_ok(), ok, "{from} -> {to}");
        }
        assert_eq!(RefundStatus::of_allocations([Succeeded, Failed]), Failed);
        assert_eq!(RefundStatus::of_allocations([Succeeded, Succeeded]), Succeeded);
        assert_eq!(RefundStatus::of_allocations([Failed, Pending]), Pending);
        assert_eq!(RefundStatus::of_allocations([]), Succeeded);
    }
}
