//! Moving stock between two locations: a transfer's status machine, its lines, receiving them
//! in parts at the destination, and closing it with what never arrived recorded as lost.
//!
//! ```text
//!   draft --ship--> shipped --receive--> partially_received --receive--> received
//!   draft --cancel--> cancelled      shipped | partially_received --close--> received
//! ```
//!
//! Shipping takes every line's units out of the source's stock into its `in_transit` bucket;
//! receiving moves them from there into the destination's stock. A line never receives more
//! than is in transit, so no unit is invented on the way, and closing a transfer writes what is
//! still in transit off as lost (or damaged), so none disappears unrecorded:
//! `quantity = received + lost + in_transit` for every shipped line.

use crate::purchasing::{PurchaseError, ReceiptLine, check_receipt};
use crate::status::Lifecycle;

/// The bucket units sit in between leaving one location and arriving at another (kept at the
/// source location, with its own ledger).
pub const IN_TRANSIT: &str = "in_transit";

crate::named_enum! {
    pub enum TransferStatus {
        Draft = "draft",
        Shipped = "shipped",
        PartiallyReceived = "partially_received",
        Received = "received",
        Cancelled = "cancelled",
    }
}

impl Lifecycle for TransferStatus {
    const NOUN: &'static str = "transfer";

    fn can_become(self, to: TransferStatus) -> bool {
        use TransferStatus::*;
        matches!((self, to), (Draft, Shipped | Cancelled) | (Shipped | PartiallyReceived, PartiallyReceived | Received))
    }
}

impl TransferStatus {
    /// Units are on their way (some may have arrived).
    pub fn in_transit(self) -> bool {
        matches!(self, TransferStatus::Shipped | TransferStatus::PartiallyReceived)
    }
}

crate::named_enum! {
    /// Why units that shipped never arrived.
    pub enum LossReason {
        Lost = "lost",
        Damaged = "damaged",
    }
}

/// One line of a transfer: units of a SKU, and what became of them once shipped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TransferLine {
    /// 1-based, fixed once the line exists (receipts and the ledgers refer to it).
    pub line: u32,
    pub sku: String,
    pub quantity: i64,
    pub received: i64,
    /// Units written off when the transfer was closed with them still in transit.
    #[serde(default)]
    pub lost: i64,
    /// The source's average unit cost when the units shipped (minor units of `currency`),
    /// which the destination's average takes them in at; none when the source had none.
    #[serde(default)]
    pub unit_cost_minor: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
}

impl TransferLine {
    /// Units shipped and neither received nor written off.
    pub fn in_transit(&self) -> i64 {
        (self.quantity - self.received - self.lost).max(0)
    }
}

/// Units of one line arriving in a receipt: `(line, sku, quantity)`.
pub type Arrived = (u32, String, i64);

/// Applies a receipt to a transfer's lines in `status`: every line named must exist, once,
/// with a positive quantity no greater than its units in transit. Returns the new status
/// (`received` once nothing is in transit) and the units per line, as `(line, sku,
/// quantity)`. On an error nothing is changed.
pub fn receive(
    status: TransferStatus,
    lines: &mut [TransferLine],
    receipt: &[ReceiptLine],
) -> Result<(TransferStatus, Vec<Arrived>), PurchaseError> {
    check_receipt(receipt, |n| lines.iter().find(|l| l.line == n).map(|l| l.received))?;
    if !status.in_transit() {
        let step = crate::status::Transition { noun: TransferStatus::NOUN, from: status.as_str(), to: "received" };
        return Err(step.into());
    }
    for r in receipt {
        let l = lines.iter().find(|l| l.line == r.line).expect("checked above");
        if r.quantity > l.in_transit() {
            return Err(PurchaseError::MoreThanInTransit { line: r.line, in_transit: l.in_transit() });
        }
    }
    let mut arrived = Vec::with_capacity(receipt.len());
    for r in receipt {
        let l = lines.iter_mut().find(|l| l.line == r.line).expect("checked above");
        l.received += r.quantity;
        arrived.push((l.line, l.sku.clone(), r.quantity));
    }
    let next = if lines.iter().all(|l| l.in_transit() == 0) {
        TransferStatus::Received
    } else {
        TransferStatus::PartiallyReceived
    };
    Ok((next, arrived))
}

/// Closes a transfer whose units are on their way: what is still in transit on each line is
/// written off (`lost`) and the transfer is received. Returns the units per line that were
/// written off (lines with none left out).
pub fn close(
    status: TransferStatus,
    lines: &mut [TransferLine],
) -> Result<(TransferStatus, Vec<(u32, i64)>), PurchaseError> {
    let next = status.become_(TransferStatus::Received)?;
    let mut lost = Vec::new();
    for l in lines.iter_mut() {
        let open = l.in_transit();
        if open > 0 {
            l.lost += open;
            lost.push((l.line, open));
        }
    }
    Ok((next, lost))
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransferStatus::*;
    use proptest::prelude::*;

    fn lines() -> Vec<TransferLine> {
        ["A", "B"]
            .iter()
            .enumerate()
            .map(|(i, sku)| TransferLine {
                line: i as u32 + 1,
                sku: (*sku).into(),
                quantity: 10 * (i as i64 + 1),
                received: 0,
                lost: 0,
                unit_cost_minor: None,
                currency: None,
            })
            .collect()
    }

    #[test]
    fn the_status_machine_allows_only_its_steps() {
        let allowed = [
            (Draft, Shipped),
            (Draft, Cancelled),
            (Shipped, PartiallyReceived),
            (Shipped, Received),
            (PartiallyReceived, PartiallyReceived),
            (PartiallyReceived, Received),
        ];
        for from in TransferStatus::ALL {
            for to in TransferStatus::ALL {
                assert_eq!(from.can_become(*to), allowed.contains(&(*from, *to)), "{from} -> {to}");
            }
        }
        assert!(
            Shipped.in_transit() && PartiallyReceived.in_transit() && !Draft.in_transit() && !Received.in_transit()
        );
    }

    #[test]
    fn receipts_never_take_more_than_is_in_transit() {
        let mut ls = lines();
        let (s, got) = receive(Shipped, &mut ls, &[ReceiptLine { line: 1, quantity: 4 }]).unwrap();
        assert_eq!((s, got), (PartiallyReceived, vec![(1, "A".into(), 4)]));
        let before = ls.clone();
        assert_eq!(
            receive(s, &mut ls, &[ReceiptLine { line: 2, quantity: 20 }, ReceiptLine { line: 1, quantity: 7 }]),
            Err(PurchaseError::MoreThanInTransit { line: 1, in_transit: 6 })
        );
        assert_eq!(ls, before, "a refused receipt changes nothing");
        assert_eq!(receive(s, &mut ls, &[ReceiptLine { line: 3, quantity: 1 }]), Err(PurchaseError::NoSuchLine(3)));
        let (s, _) =
            receive(s, &mut ls, &[ReceiptLine { line: 1, quantity: 6 }, ReceiptLine { line: 2, quantity: 20 }])
                .unwrap();
        assert_eq!(s, Received);
        assert!(matches!(
            receive(Received, &mut ls, &[ReceiptLine { line: 1, quantity: 1 }]),
            Err(PurchaseError::Transition(_))
        ));
        assert!(matches!(
            receive(Draft, &mut lines(), &[ReceiptLine { line: 1, quantity: 1 }]),
            Err(PurchaseError::Transition(_))
        ));
    }

    #[test]
    fn closing_writes_off_what_is_still_in_transit() {
        let mut ls = lines();
        let (s, _) = receive(Shipped, &mut ls, &[ReceiptLine { line: 2, quantity: 15 }]).unwrap();
        let (s, lost) = close(s, &mut ls).unwrap();
        assert_eq!((s, lost), (Received, vec![(1, 10), (2, 5)]));
        assert_eq!((ls[0].in_transit(), ls[0].lost, ls[1].lost), (0, 10, 5));
        assert!(matches!(close(Received, &mut ls), Err(PurchaseError::Transition(_))));
        assert_eq!(close(Draft, &mut lines()).unwrap_err().to_string(), "a draft transfer cannot become received");
        // A shipment that never arrived at all is written off whole.
        let mut ls = lines();
        assert_eq!(close(Shipped, &mut ls).unwrap().1, vec![(1, 10), (2, 20)]);
    }

    proptest! {
        #[test]
        fn every_unit_shipped_is_received_lost_or_in_transit(
            steps in proptest::collection::vec((1u32..4, 1i64..30), 0..20),
            close_at_end in any::<bool>(),
        ) {
            let mut ls: Vec<TransferLine> = (1..=3)
                .map(|n| TransferLine { line: n, sku: format!("S{n}"), quantity: 40, received: 0, lost: 0, unit_cost_minor: None, currency: None })
                .collect();
            let mut status = Shipped;
            let mut arrived = 0;
            for (line, quantity) in steps {
                if let Ok((s, got)) = receive(status, &mut ls, &[ReceiptLine { line, quantity }]) {
                    status = s;
                    arrived += got.iter().map(|g| g.2).sum::<i64>();
                }
            }
            let mut written_off = 0;
            if close_at_end && status.in_transit() {
                let (s, lost) = close(status, &mut ls).unwrap();
                status = s;
                written_off = lost.iter().map(|l| l.1).sum::<i64>();
            }
            prop_assert_eq!(arrived, ls.iter().map(|l| l.received).sum::<i64>());
            prop_assert_eq!(written_off, ls.iter().map(|l| l.lost).sum::<i64>());
            for l in &ls {
                prop_assert_eq!(l.received + l.lost + l.in_transit(), l.quantity);
                prop_assert!(l.received <= l.quantity);
            }
            prop_assert_eq!(status == Received, ls.iter().all(|l| l.in_transit() == 0));
        }
    }
}
