//! The allocation decision: which locations reserve which units of an order.
//!
//! A pure function of the order's demand, a snapshot of available stock and the locations.
//! Rules, in order: only active locations that ship orders are eligible; a single location
//! that can ship the whole order is preferred, by location priority (lower first, then code);
//! otherwise the order is split over as few locations as the greedy cover finds, each line
//! kept whole at one location wherever some location can hold it whole.
//! An order that cannot be fully reserved gets a shortage report and no plan.

use std::collections::HashMap;

use crate::id::LocationId;

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: LocationId,
    pub code: String,
    pub priority: i64,
    pub ships_orders: bool,
    pub active: bool,
}

/// Available units (`on_hand - reserved`) per location and SKU.
#[derive(Debug, Clone, Default)]
pub struct StockSnapshot {
    available: HashMap<(LocationId, String), i64>,
}

impl StockSnapshot {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&mut self, location: &LocationId, sku: &str, available: i64) {
        self.available.insert((location.clone(), sku.to_owned()), available.max(0));
    }

    pub fn get(&self, location: &LocationId, sku: &str) -> i64 {
        // The tuple key needs owned parts; the snapshot is small, so this stays cheap.
        self.available.get(&(location.clone(), sku.to_owned())).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub sku: String,
    pub quantity: i64,
}

/// For each demand line, in order, the `(location, quantity)` pairs that reserve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub lines: Vec<Vec<(LocationId, String, i64)>>,
}

impl Plan {
    pub fn location_count(&self) -> usize {
        let mut ids: Vec<&LocationId> = self.lines.iter().flatten().map(|(id, _, _)| id).collect();
        ids.sort();
        ids.dedup();
        ids.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Short {
    pub sku: String,
    pub requested: i64,
    pub available: i64,
}

pub fn allocate(lines: &[Demand], stock: &StockSnapshot, locations: &[Candidate]) -> Result<Plan, Vec<Short>> {
    let mut eligible: Vec<&Candidate> = locations.iter().filter(|l| l.active && l.ships_orders).collect();
    eligible.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.code.cmp(&b.code)));

    // Demand per SKU, in order of first appearance.
    let mut skus: Vec<(String, i64)> = Vec::new();
    for line in lines {
        match skus.iter_mut().find(|(s, _)| *s == line.sku) {
            Some((_, q)) => *q += line.quantity,
            None => skus.push((line.sku.clone(), line.quantity)),
        }
    }

    let mut avail: Vec<Vec<i64>> =
        eligible.iter().map(|l| skus.iter().map(|(s, _)| stock.get(&l.id, s)).collect()).collect();

    let shortages: Vec<Short> = skus
        .iter()
        .enumerate()
        .filter_map(|(k, (sku, requested))| {
            let available: i64 = avail.iter().map(|a| a[k]).sum();
            (available < *requested).then(|| Short { sku: sku.clone(), requested: *requested, available })
        })
        .collect();
    if !shortages.is_empty() {
        return Err(shortages);
    }

    // Per SKU, the (eligible index, quantity) pairs that cover its demand.
    let mut assigned: Vec<Vec<(usize, i64)>> = vec![Vec::new(); skus.len()];
    if let Some(i) = (0..eligible.len()).find(|&i| skus.iter().enumerate().all(|(k, (_, q))| avail[i][k] >= *q)) {
        for (k, (_, q)) in skus.iter().enumerate() {
            assigned[k].push((i, *q));
        }
    } else {
        let mut remaining: Vec<i64> = skus.iter().map(|(_, q)| *q).collect();
        while remaining.iter().any(|r| *r > 0) {
            let whole_somewhere: Vec<bool> = (0..skus.len())
                .map(|k| remaining[k] > 0 && (0..eligible.len()).any(|i| avail[i][k] >= remaining[k]))
                .collect();
            // The location that holds the most still-unassigned SKUs whole, then the most units;
            // earlier (higher-priority) locations win ties.
            let score = |i: usize| {
                let whole = (0..skus.len()).filter(|&k| remaining[k] > 0 && avail[i][k] >= remaining[k]).count();
                let units: i64 = (0..skus.len()).map(|k| avail[i][k].min(remaining[k])).sum();
                (whole, units)
            };
            let best = (0..eligible.len()).fold(0, |best, i| if score(i) > score(best) { i } else { best });
            for k in 0..skus.len() {
                if remaining[k] == 0 {
                    continue;
                }
                let take = if avail[best][k] >= remaining[k] {
                    remaining[k]
                } else if !whole_somewhere[k] {
                    avail[best][k]
                } else {
                    0
                };
                if take > 0 {
                    assigned[k].push((best, take));
                    avail[best][k] -= take;
                    remaining[k] -= take;
                }
            }
        }
    }

    // Hand each SKU's assignment out to its lines in order.
    let mut plan = Vec::with_capacity(lines.len());
    for line in lines {
        let k = skus.iter().position(|(s, _)| *s == line.sku).expect("every line's SKU was counted");
        let mut need = line.quantity;
        let mut parts: Vec<(LocationId, String, i64)> = Vec::new();
        for slot in assigned[k].iter_mut() {
            if need == 0 {
                break;
            }
            let take = slot.1.min(need);
            if take > 0 {
                let loc = eligible[slot.0];
                match parts.iter_mut().find(|(id, _, _)| *id == loc.id) {
                    Some(p) => p.2 += take,
                    None => parts.push((loc.id.clone(), loc.code.clone(), take)),
                }
                slot.1 -= take;
                need -= take;
            }
        }
        plan.push(parts);
    }
    Ok(Plan { lines: plan })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn loc(n: u128, code: &str, priority: i64, ships: bool) -> Candidate {
        Candidate { id: LocationId::generate(1, n), code: code.into(), priority, ships_orders: ships, active: true }
    }

    /// Each line's (location code, quantity) pairs, or each shortage as (sku, requested, available).
    type Outcome = Result<Vec<Vec<(String, i64)>>, Vec<(String, i64, i64)>>;

    /// Runs the allocation over `stock` given as (location code, sku, available) and returns
    /// each line's allocation as (code, qty) pairs, or the shortages.
    fn check(locations: &[Candidate], stock: &[(&str, &str, i64)], demand: &[(&str, i64)]) -> Outcome {
        let mut snap = StockSnapshot::new();
        for (code, sku, n) in stock {
            let l = locations.iter().find(|l| l.code == *code).unwrap();
            snap.set(&l.id, sku, *n);
        }
        let lines: Vec<Demand> = demand.iter().map(|(s, q)| Demand { sku: s.to_string(), quantity: *q }).collect();
        allocate(&lines, &snap, locations)
            .map(|p| p.lines.into_iter().map(|l| l.into_iter().map(|(_, c, q)| (c, q)).collect()).collect())
            .map_err(|s| s.into_iter().map(|s| (s.sku, s.requested, s.available)).collect())
    }

    fn ok(v: &[&[(&str, i64)]]) -> Outcome {
        Ok(v.iter().map(|l| l.iter().map(|(c, q)| (c.to_string(), *q)).collect()).collect())
    }

    #[test]
    fn allocation_table() {
        let ab = [loc(1, "A", 1, true), loc(2, "B", 2, true)];
        // One location can ship everything: the one with the better priority.
        assert_eq!(check(&ab, &[("A", "x", 5), ("B", "x", 5)], &[("x", 3)]), ok(&[&[("A", 3)]]));
        // Only the lower-priority location can ship the whole order: it wins over a split.
        assert_eq!(
            check(&ab, &[("A", "x", 5), ("B", "x", 5), ("B", "y", 1)], &[("x", 2), ("y", 1)]),
            ok(&[&[("B", 2)], &[("B", 1)]])
        );
        // No single location can: lines stay whole where possible.
        assert_eq!(check(&ab, &[("A", "x", 5), ("B", "y", 5)], &[("x", 2), ("y", 3)]), ok(&[&[("A", 2)], &[("B", 3)]]));
        // A line larger than any one location's stock is split.
        assert_eq!(check(&ab, &[("A", "x", 2), ("B", "x", 2)], &[("x", 3)]), ok(&[&[("A", 2), ("B", 1)]]));
        // Repeated SKUs share the stock.
        assert_eq!(check(&ab, &[("A", "x", 2), ("B", "x", 2)], &[("x", 2), ("x", 2)]), ok(&[&[("A", 2)], &[("B", 2)]]));
        // Shortage names each short SKU with requested and available.
        assert_eq!(
            check(&ab, &[("A", "x", 2), ("B", "y", 1)], &[("x", 3), ("y", 1), ("z", 1)]),
            Err(vec![("x".into(), 3, 2), ("z".into(), 1, 0)])
        );
        // Locations that do not ship orders are never used.
        let with_store = [loc(1, "A", 1, true), loc(2, "S", 0, false)];
        assert_eq!(check(&with_store, &[("S", "x", 9)], &[("x", 1)]), Err(vec![("x".into(), 1, 0)]));
        // Equal priority: the code breaks the tie.
        let tie = [loc(1, "Z", 1, true), loc(2, "M", 1, true)];
        assert_eq!(check(&tie, &[("Z", "x", 1), ("M", "x", 1)], &[("x", 1)]), ok(&[&[("M", 1)]]));
    }

    proptest! {
        #[test]
        fn plans_reserve_exactly_the_demand_and_never_more_than_available(
            stock in proptest::collection::vec(proptest::collection::vec(0i64..6, 4), 1..5),
            demand in proptest::collection::vec((0usize..4, 1i64..6), 1..6),
        ) {
            let locations: Vec<Candidate> = (0..stock.len()).map(|i| loc(i as u128, &format!("L{i}"), i as i64 % 2, true)).collect();
            let skus = ["a", "b", "c", "d"];
            let mut snap = StockSnapshot::new();
            for (i, row) in stock.iter().enumerate() {
                for (k, n) in row.iter().enumerate() {
                    snap.set(&locations[i].id, skus[k], *n);
                }
            }
            let lines: Vec<Demand> = demand.iter().map(|(k, q)| Demand { sku: skus[*k].into(), quantity: *q }).collect();
            match allocate(&lines, &snap, &locations) {
                Ok(plan) => {
                    let mut used: HashMap<(LocationId, String), i64> = HashMap::new();
                    for (line, parts) in lines.iter().zip(&plan.lines) {
                        prop_assert_eq!(parts.iter().map(|p| p.2).sum::<i64>(), line.quantity);
                        for (id, _, q) in parts {
                            prop_assert!(*q > 0);
                            *used.entry((id.clone(), line.sku.clone())).or_default() += q;
                        }
                    }
                    for ((id, sku), q) in used {
                        prop_assert!(q <= snap.get(&id, &sku));
                    }
                }
                Err(short) => {
                    prop_assert!(!short.is_empty());
                    for s in short {
                        let total: i64 = locations.iter().map(|l| snap.get(&l.id, &s.sku)).sum();
                        prop_assert_eq!(total, s.available);
                        prop_assert!(s.requested > s.available);
                    }
                }
            }
        }
    }
}
