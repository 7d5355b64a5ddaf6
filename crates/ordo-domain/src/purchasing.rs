//! Buying stock: a supplier's status, a purchase order's status machine, receiving its lines in parts (with over-
//! and under-receipts), and the moving average cost that receipts keep per SKU and location.
//!
//! ```text
//!   draft --send--> sent --receive--> partially_received --receive--> received
//!   draft | sent --cancel--> cancelled          partially_received --close--> received
//! ```
//!
//! A line's `received` may pass its `quantity` (an over-receipt, recorded as such); a
//! purchase order closed while lines are still open records what never came (`short`).

use crate::status::Lifecycle;

crate::named_enum! {
    /// Whether a supplier takes new purchase orders.
    pub enum SupplierStatus {
        Active = "active",
        /// Kept for the purchase orders that name it; no new ones.
        Archived = "archived",
    }
}

crate::named_enum! {
    pub enum PurchaseOrderStatus {
        Draft = "draft",
        Sent = "sent",
        PartiallyReceived = "partially_received",
        Received = "received",
        Cancelled = "cancelled",
    }
}

impl Lifecycle for PurchaseOrderStatus {
    const NOUN: &'static str = "purchase order";

    fn can_become(self, to: PurchaseOrderStatus) -> bool {
        use PurchaseOrderStatus::*;
        matches!(
            (self, to),
            (Draft, Sent) | (Draft | Sent, Cancelled) | (Sent | PartiallyReceived, PartiallyReceived | Received)
        )
    }
}

impl PurchaseOrderStatus {
    /// Goods may still arrive against it.
    pub fn is_open(self) -> bool {
        matches!(self, PurchaseOrderStatus::Sent | PurchaseOrderStatus::PartiallyReceived)
    }

    /// Its lines may still be changed (SKUs, quantities, costs).
    pub fn lines_editable(self) -> bool {
        self == PurchaseOrderStatus::Draft
    }
}

/// One line of a purchase order: units of a SKU at a unit cost (minor units of the order's
/// currency), and how many have arrived so far.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PurchaseLine {
    /// 1-based, fixed once the line exists (receipts and the ledger refer to it).
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
    pub unit_cost_minor: i64,
    pub received: i64,
    /// Units that will not come: set when the order is closed with the line still open.
    #[serde(default)]
    pub short: i64,
}

impl PurchaseLine {
    /// Units still expected.
    pub fn open(&self) -> i64 {
        (self.quantity - self.received - self.short).max(0)
    }

    /// Units received beyond the ordered quantity.
    pub fn over_received(&self) -> i64 {
        (self.received - self.quantity).max(0)
    }
}

/// Units of one line arriving in one receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceiptLine {
    pub line: u32,
    pub quantity: i64,
}

/// What a receipt did to one line: the units put on hand (`quantity`), of which `over` were
/// beyond what was still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
    pub over: i64,
    pub unit_cost_minor: i64,
}

/// Why a purchase order refuses a step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurchaseError {
    #[error(transparent)]
    Transition(#[from] crate::status::Transition),
    #[error("the purchase order has no line {0}")]
    NoSuchLine(u32),
    #[error("line {0} appears more than once in the receipt")]
    LineTwice(u32),
    #[error("a receipt's quantities must be at least 1 (line {0})")]
    NotPositive(u32),
    #[error("a receipt needs at least one line")]
    Empty,
    #[error("quantity out of range")]
    Overflow,
    /// A transfer's line receives more than is on its way.
    #[error("line {line} has only {in_transit} units in transit")]
    MoreThanInTransit { line: u32, in_transit: i64 },
}

/// Checks a receipt's form against the lines it names: at least one, each line once, each
/// quantity positive, and each line known (`received` gives the units it has received so
/// far, `None` for no such line) with room for the units.
pub fn check_receipt(receipt: &[ReceiptLine], received: impl Fn(u32) -> Option<i64>) -> Result<(), PurchaseError> {
    if receipt.is_empty() {
        return Err(PurchaseError::Empty);
    }
    let mut seen = std::collections::HashSet::new();
    for r in receipt {
        if !seen.insert(r.line) {
            return Err(PurchaseError::LineTwice(r.line));
        }
        if r.quantity < 1 {
            return Err(PurchaseError::NotPositive(r.line));
        }
        let so_far = received(r.line).ok_or(PurchaseError::NoSuchLine(r.line))?;
        so_far.checked_add(r.quantity).ok_or(PurchaseError::Overflow)?;
    }
    Ok(())
}

/// Applies a receipt to the lines of an order in `status`: every line named must exist, once,
/// with a positive quantity; units beyond a line's open quantity are accepted and counted as
/// over-received. Returns the new status (`received` once no line is open) and what arrived
/// per line. On an error nothing is changed.
pub fn receive(
    status: PurchaseOrderStatus,
    lines: &mut [PurchaseLine],
    receipt: &[ReceiptLine],
) -> Result<(PurchaseOrderStatus, Vec<Received>), PurchaseError> {
    check_receipt(receipt, |n| lines.iter().find(|l| l.line == n).map(|l| l.received))?;
    // The step is checked before anything changes: a received or cancelled order takes no more.
    let after_status = |lines: &[PurchaseLine]| {
        if lines.iter().all(|l| l.open() == 0) {
            PurchaseOrderStatus::Received
        } else {
            PurchaseOrderStatus::PartiallyReceived
        }
    };
    let mut trial = lines.to_vec();
    let mut arrived = Vec::with_capacity(receipt.len());
    for r in receipt {
        let l = trial.iter_mut().find(|l| l.line == r.line).expect("checked above");
        let over = (r.quantity - l.open()).max(0);
        l.received += r.quantity;
        arrived.push(Received {
            line: l.line,
            sku: l.sku.clone(),
            quantity: r.quantity,
            over,
            unit_cost_minor: l.unit_cost_minor,
        });
    }
    let next = status.become_(after_status(&trial))?;
    lines.clone_from_slice(&trial);
    Ok((next, arrived))
}

/// Closes an order that is partly received: what is still open on each line will not come
/// (`short`), and the order is received. Returns the units short per line (lines with none
/// left out).
pub fn close(
    status: PurchaseOrderStatus,
    lines: &mut [PurchaseLine],
) -> Result<(PurchaseOrderStatus, Vec<(u32, i64)>), PurchaseError> {
    if status != PurchaseOrderStatus::PartiallyReceived {
        // Only a partly received order is closed; a sent one with nothing received is cancelled.
        let step = crate::status::Transition { noun: PurchaseOrderStatus::NOUN, from: status.as_str(), to: "closed" };
        return Err(step.into());
    }
    let mut short = Vec::new();
    for l in lines.iter_mut() {
        let open = l.open();
        if open > 0 {
            l.short += open;
            short.push((l.line, open));
        }
    }
    Ok((PurchaseOrderStatus::Received, short))
}

/// The moving average cost of one SKU at one location: the units it values and their total
/// value at cost, in minor units of `currency` (kept exact; the average is `value / units`).
///
/// Only receipts change the average. Units that left since the last receipt (sold, lost,
/// moved) leave at the average, and units that appeared without a cost (found, returned,
/// counted up) come in at it: [`Valuation::sync`] brings the valued units to the units on
/// hand before each receipt, so that nothing on the order path has to keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Valuation {
    pub units: i64,
    pub value_minor: i128,
}

impl Valuation {
    pub const EMPTY: Valuation = Valuation { units: 0, value_minor: 0 };

    /// The valuation of `on_hand` units at the current average. Units leaving take their
    /// share of the value, rounded half away from zero, and all of it when none are left;
    /// with no average yet (nothing ever received) the units are valued at zero.
    pub fn sync(self, on_hand: i64) -> Valuation {
        let on_hand = on_hand.max(0);
        if self.units <= 0 || on_hand == 0 {
            return Valuation { units: on_hand, value_minor: 0 };
        }
        if on_hand == self.units {
            return self;
        }
        Valuation { units: on_hand, value_minor: div_round(self.value_minor * on_hand as i128, self.units as i128) }
    }

    /// `quantity` units arriving at `unit_cost_minor` each.
    pub fn receive(self, quantity: i64, unit_cost_minor: i64) -> Option<Valuation> {
        let units = self.units.checked_add(quantity)?;
        let value_minor = self.value_minor.checked_add((quantity as i128).checked_mul(unit_cost_minor as i128)?)?;
        Some(Valuation { units, value_minor })
    }

    /// The average unit cost in whole minor units (rounded half away from zero); none while no
    /// unit is valued or when it is out of range.
    pub fn unit_cost_minor(&self) -> Option<i64> {
        if self.units <= 0 {
            return None;
        }
        i64::try_from(div_round(self.value_minor, self.units as i128)).ok()
    }

    /// The average unit cost in minor units, as a decimal string with `places` decimals
    /// (rounded half away from zero); none while no unit is valued.
    pub fn average(&self, places: u32) -> Option<String> {
        if self.units <= 0 {
            return None;
        }
        let scale = 10i128.pow(places);
        let scaled = div_round(self.value_minor * scale, self.units as i128);
        let (whole, frac) = (scaled / scale, (scaled % scale).abs());
        let sign = if scaled < 0 && whole == 0 { "-" } else { "" };
        Some(if places == 0 {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{frac:0w$}", w = places as usize)
        })
    }
}

/// `n / d` rounded half away from zero (`d > 0`).
fn div_round(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PurchaseOrderStatus::*;
    use proptest::prelude::*;

    fn lines() -> Vec<PurchaseLine> {
        vec![
            PurchaseLine { line: 1, sku: "A".into(), quantity: 10, unit_cost_minor: 250, received: 0, short: 0 },
            PurchaseLine { line: 2, sku: "B".into(), quantity: 4, unit_cost_minor: 1000, received: 0, short: 0 },
        ]
    }

    #[test]
    fn the_status_machine_allows_only_its_steps() {
        let allowed = [
            (Draft, Sent),
            (Draft, Cancelled),
            (Sent, Cancelled),
            (Sent, PartiallyReceived),
            (Sent, Received),
            (PartiallyReceived, PartiallyReceived),
            (PartiallyReceived, Received),
        ];
        for from in PurchaseOrderStatus::ALL {
            for to in PurchaseOrderStatus::ALL {
                assert_eq!(from.can_become(*to), allowed.contains(&(*from, *to)), "{from} -> {to}");
            }
        }
        assert_eq!(
            Received.become_(Cancelled).unwrap_err().to_string(),
            "a received purchase order cannot become cancelled"
        );
        assert!(Sent.is_open() && PartiallyReceived.is_open() && !Draft.is_open() && !Received.is_open());
    }

    #[test]
    fn receipts_in_parts_move_the_order_to_received_and_count_over_receipts() {
        let mut ls = lines();
        let (s, got) = receive(Sent, &mut ls, &[ReceiptLine { line: 1, quantity: 6 }]).unwrap();
        assert_eq!(s, PartiallyReceived);
        assert_eq!((got[0].quantity, got[0].over, got[0].unit_cost_minor), (6, 0, 250));
        assert_eq!((ls[0].open(), ls[1].open()), (4, 4));
        let (s, got) =
            receive(s, &mut ls, &[ReceiptLine { line: 1, quantity: 5 }, ReceiptLine { line: 2, quantity: 4 }]).unwrap();
        assert_eq!(s, Received);
        assert_eq!((got[0].over, got[1].over), (1, 0));
        assert_eq!((ls[0].received, ls[0].over_received(), ls[0].open()), (11, 1, 0));
        // A received order takes nothing more, and nothing changes.
        let before = ls.clone();
        assert!(matches!(
            receive(s, &mut ls, &[ReceiptLine { line: 2, quantity: 1 }]),
            Err(PurchaseError::Transition(_))
        ));
        assert_eq!(ls, before);
    }

    #[test]
    fn a_bad_receipt_changes_nothing() {
        for (receipt, error) in [
            (vec![], PurchaseError::Empty),
            (vec![ReceiptLine { line: 3, quantity: 1 }], PurchaseError::NoSuchLine(3)),
            (vec![ReceiptLine { line: 1, quantity: 0 }], PurchaseError::NotPositive(1)),
            (
                vec![ReceiptLine { line: 1, quantity: 1 }, ReceiptLine { line: 1, quantity: 2 }],
                PurchaseError::LineTwice(1),
            ),
            (vec![ReceiptLine { line: 2, quantity: i64::MAX }], PurchaseError::Overflow),
        ] {
            let mut ls = lines();
            ls[1].received = 1;
            let before = ls.clone();
            assert_eq!(receive(Sent, &mut ls, &receipt).unwrap_err(), error);
            assert_eq!(ls, before);
        }
        let mut ls = lines();
        assert!(matches!(
            receive(Draft, &mut ls, &[ReceiptLine { line: 1, quantity: 1 }]),
            Err(PurchaseError::Transition(_))
        ));
        assert!(matches!(
            receive(Cancelled, &mut ls, &[ReceiptLine { line: 1, quantity: 1 }]),
            Err(PurchaseError::Transition(_))
        ));
        assert_eq!(ls, lines());
    }

    #[test]
    fn closing_records_what_never_came() {
        let mut ls = lines();
        let (s, _) = receive(Sent, &mut ls, &[ReceiptLine { line: 1, quantity: 7 }]).unwrap();
        let (s, short) = close(s, &mut ls).unwrap();
        assert_eq!(s, Received);
        assert_eq!(short, vec![(1, 3), (2, 4)]);
        assert_eq!((ls[0].open(), ls[0].short, ls[1].short), (0, 3, 4));
        let mut fresh = lines();
        assert_eq!(close(Sent, &mut fresh).unwrap_err().to_string(), "a sent purchase order cannot become closed");
        assert!(close(Received, &mut ls).is_err());
    }

    #[test]
    fn the_moving_average_follows_receipts_and_ignores_outflows() {
        // 10 at 2.50, then 5 sold, then 5 at 4.00: (5 × 2.50 + 5 × 4.00) / 10 = 3.25.
        let v = Valuation::EMPTY.sync(0).receive(10, 250).unwrap();
        assert_eq!(v.average(2).as_deref(), Some("250.00"));
        let v = v.sync(5).receive(5, 400).unwrap();
        assert_eq!(v, Valuation { units: 10, value_minor: 3250 });
        assert_eq!(v.average(0).as_deref(), Some("325"));
        // Thirds: 3 at 1.00 and 0 at anything, then one leaves: 2 units worth 2.00 exactly.
        let v = Valuation::EMPTY.receive(2, 100).unwrap().receive(1, 101).unwrap();
        assert_eq!(v.average(4).as_deref(), Some("100.3333"));
        assert_eq!(
            (v.unit_cost_minor(), Valuation { units: 2, value_minor: 201 }.unit_cost_minor()),
            (Some(100), Some(101))
        );
        assert_eq!(Valuation::EMPTY.unit_cost_minor(), None);
        assert_eq!(v.sync(2), Valuation { units: 2, value_minor: 201 });
        // Everything gone: the next receipt sets the average alone.
        assert_eq!(v.sync(0).receive(4, 90).unwrap().average(1).as_deref(), Some("90.0"));
        // Units found with no cost at all yet are worth nothing until a receipt.
        assert_eq!(Valuation::EMPTY.sync(7), Valuation { units: 7, value_minor: 0 });
        assert_eq!(Valuation::EMPTY.average(2), None);
        assert_eq!(Valuation::EMPTY.receive(i64::MAX, 1).unwrap().receive(1, 1), None);
    }

    proptest! {
        #[test]
        fn receipts_never_lose_or_invent_a_unit(steps in proptest::collection::vec((1u32..4, 1i64..50), 1..20)) {
            let mut ls: Vec<PurchaseLine> = (1..=3)
                .map(|n| PurchaseLine { line: n, sku: format!("S{n}"), quantity: 40, unit_cost_minor: 7, received: 0, short: 0 })
                .collect();
            let mut status = Sent;
            let mut put_on_hand = 0;
            for (line, quantity) in steps {
                match receive(status, &mut ls, &[ReceiptLine { line, quantity }]) {
                    Ok((s, got)) => {
                        status = s;
                        put_on_hand += got.iter().map(|g| g.quantity).sum::<i64>();
                    }
                    Err(_) => prop_assert_eq!(status, Received),
                }
            }
            prop_assert_eq!(put_on_hand, ls.iter().map(|l| l.received).sum::<i64>());
            for l in &ls {
                prop_assert_eq!(l.open() + l.received - l.over_received(), l.quantity);
            }
            prop_assert_eq!(status == Received, ls.iter().all(|l| l.open() == 0));
        }

        #[test]
        fn the_average_stays_within_the_costs_received(
            steps in proptest::collection::vec((0i64..100, 1i64..100, 1i64..10_000), 1..30)
        ) {
            let mut v = Valuation::EMPTY;
            let (mut lo, mut hi, mut syncs) = (i64::MAX, i64::MIN, 0i128);
            for (left, quantity, cost) in steps {
                v = v.sync(v.units - left.min(v.units)).receive(quantity, cost).unwrap();
                (lo, hi, syncs) = (lo.min(cost), hi.max(cost), syncs + 1);
                let units = v.units as i128;
                prop_assert!(v.value_minor >= 0);
                // Each sync rounds by at most half a minor unit.
                prop_assert!(v.value_minor >= lo as i128 * units - syncs);
                prop_assert!(v.value_minor <= hi as i128 * units + syncs);
            }
            prop_assert_eq!(v.sync(0).value_minor, 0);
        }
    }
}
