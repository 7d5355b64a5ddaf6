//! Daily demand per SKU and location, from the inventory ledger: the units customers ordered
//! each day, by the day each order was placed, less what was cancelled or removed from the
//! order since (counted on the order's day, so a cancelled order counts nothing); returned
//! units apart, by the day they came back.
//!
//! An order's units are reserved at the location routing chose when it is placed (ledger
//! reason `reserved`, naming the order) and released when it is cancelled, edited down or
//! moved (reason `released`); a re-route reserves them again elsewhere. Each entry naming an
//! order counts on the day that order first reserved, at the entry's location, so a moved
//! order's demand moves with it and stays on its order day. Orders placed before the window
//! are left out whole, even when they changed inside it.

use std::collections::{BTreeMap, HashMap};

use ordo_domain::inventory::{Movement, Reason};
use ordo_store::{MovementFilter, Page, Tx};

use crate::AppResult;

pub(crate) const DAY_MS: i64 = 86_400_000;

/// One location's demand over a window of days, oldest day first.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyDemand {
    /// Units ordered each day, net of later cancellations and reductions.
    pub ordered: Vec<f64>,
    /// Units returned each day (not taken off `ordered`).
    pub returned: Vec<f64>,
}

impl DailyDemand {
    pub(crate) fn none(days: usize) -> DailyDemand {
        DailyDemand { ordered: vec![0.0; days], returned: vec![0.0; days] }
    }
}

/// `sku`'s demand on each of the `days` days from day `start` (a day number since the epoch),
/// per location code (only at `location_id` when one is given).
pub(crate) fn demand_by_day(
    tx: &mut dyn Tx,
    sku: &str,
    location_id: Option<&str>,
    start: i64,
    days: i64,
) -> AppResult<BTreeMap<String, DailyDemand>> {
    let filter = MovementFilter {
        sku: Some(sku.to_owned()),
        location_id: location_id.map(str::to_owned),
        after_time: Some(start * DAY_MS),
        ..Default::default()
    };
    let mut entries = Vec::new();
    let mut page = Page { after: None, limit: 1000 };
    loop {
        let batch = tx.list_movements(&page, &filter)?;
        let more = batch.len() == page.limit;
        page.after = batch.last().map(|m| m.seq);
        entries.extend(batch);
        if !more {
            break;
        }
    }
    // The ledger reads newest first; an order's day is that of its first reservation.
    entries.reverse();
    Ok(tally(&entries, start, days))
}

/// The demand the ledger `entries` (oldest first) show over `days` days from day `start`.
pub(crate) fn tally(entries: &[Movement], start: i64, days: i64) -> BTreeMap<String, DailyDemand> {
    let size = days.max(0) as usize;
    let slot = |at: i64| usize::try_from(at.div_euclid(DAY_MS) - start).ok().filter(|d| *d < size);
    // The day each order was placed, none when that was outside the window.
    let mut order_day: HashMap<&str, Option<usize>> = HashMap::new();
    let mut by_location: BTreeMap<String, DailyDemand> = BTreeMap::new();
    for m in entries {
        match (m.reason, m.order_id.as_ref()) {
            (Reason::Reserved | Reason::Released, Some(order)) => {
                // The first entry naming an order must be its reservation; when it is not, the
                // order was placed before the window. A release counts whenever it came.
                let placed = *order_day.entry(order.as_str()).or_insert_with(|| match m.reason {
                    Reason::Reserved => slot(m.at),
                    _ => None,
                });
                let Some(day) = placed else { continue };
                let series = by_location.entry(m.location.clone()).or_insert_with(|| DailyDemand::none(size));
                series.ordered[day] += m.reserved_delta as f64;
            }
            (Reason::Returned, _) if m.on_hand_delta > 0 => {
                let Some(day) = slot(m.at) else { continue };
                let series = by_location.entry(m.location.clone()).or_insert_with(|| DailyDemand::none(size));
                series.returned[day] += m.on_hand_delta as f64;
            }
            _ => {}
        }
    }
    for series in by_location.values_mut() {
        for v in &mut series.ordered {
            *v = v.max(0.0);
        }
    }
    by_location
}

#[cfg(test)]
mod tests {
    use ordo_domain::id::{LocationId, OrderId};

    use super::*;

    fn entry(day: i64, location: &str, reason: Reason, order: Option<&str>, reserved: i64, on_hand: i64) -> Movement {
        Movement {
            seq: 0,
            at: day * DAY_MS + 3_600_000,
            location_id: LocationId::from_trusted(format!("loc_{location}")),
            location: location.into(),
            sku: "A".into(),
            on_hand_delta: on_hand,
            reserved_delta: reserved,
            on_hand_after: 0,
            reserved_after: 0,
            reason,
            actor: None,
            order_id: order.map(|o| OrderId::from_trusted(o.to_owned())),
            note: None,
            reference: None,
        }
    }

    #[test]
    fn orders_count_on_their_day_less_what_was_cancelled_and_moved_with_them() {
        use Reason::*;
        let entries = [
            // Placed before the window, cancelled inside it: counts nowhere.
            entry(99, "WH", Reserved, Some("o0"), 5, 0),
            entry(101, "WH", Released, Some("o0"), -5, 0),
            // Day 100: 3 at WH, shipped on day 102 (shipping changes no demand).
            entry(100, "WH", Reserved, Some("o1"), 3, 0),
            entry(102, "WH", Shipped, Some("o1"), -3, -3),
            // Day 100: 4 at WH, moved to ST on day 101: 4 at ST on day 100.
            entry(100, "WH", Reserved, Some("o2"), 4, 0),
            entry(101, "WH", Released, Some("o2"), -4, 0),
            entry(101, "ST", Reserved, Some("o2"), 4, 0),
            // Day 101: 2, one taken off by an edit on day 102, the other cancelled on day 103.
            entry(101, "WH", Reserved, Some("o3"), 2, 0),
            entry(102, "WH", Released, Some("o3"), -1, 0),
            entry(103, "WH", Released, Some("o3"), -1, 0),
            // Stock counted and a return: the return apart, on its day.
            entry(102, "WH", Counted, None, 0, 7),
            entry(103, "WH", Returned, Some("o1"), 0, 1),
            // After the window, and a cancellation after it of an order placed inside it.
            entry(104, "WH", Reserved, Some("o4"), 9, 0),
            entry(100, "WH", Reserved, Some("o5"), 6, 0),
            entry(104, "WH", Released, Some("o5"), -6, 0),
            // Placed before the window and moved inside it: still counts nowhere.
            entry(101, "WH", Released, Some("o6"), -2, 0),
            entry(101, "ST", Reserved, Some("o6"), 2, 0),
        ];
        let got = tally(&entries, 100, 4);
        assert_eq!(got["WH"], DailyDemand { ordered: vec![3.0, 0.0, 0.0, 0.0], returned: vec![0.0, 0.0, 0.0, 1.0] });
        assert_eq!(got["ST"], DailyDemand { ordered: vec![4.0, 0.0, 0.0, 0.0], returned: vec![0.0; 4] });
        assert_eq!(got.len(), 2);
    }
}
