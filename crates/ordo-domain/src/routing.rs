//! The routing engine: which locations fulfil an order, chosen by a merchant's rule set, with
//! the explanation of the choice.
//!
//! Every feasible plan (one location, or a split over several) is scored on the rule set's
//! criteria, compared in the rule set's order of precedence, and the best one wins. A plan is
//! feasible when it reserves only what is available at eligible locations, uses at most
//! `max_shipments` locations, and (for splits) ships at least `min_shipment_value` from each.
//! Pure: the caller supplies stock, locations, the destination's coordinates and the rules.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::allocation::{Short, StockSnapshot};
use crate::id::LocationId;

/// A criterion plans are compared on; a rule set lists them in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Fewer shipments (locations) first.
    Shipments,
    /// Shorter total great-circle distance from the fulfilling locations to the customer.
    Distance,
    /// Better (lower) location priority.
    Priority,
    /// More orders the busiest location of the plan may still take today.
    Capacity,
}

impl Criterion {
    pub const ALL: [Criterion; 4] =
        [Criterion::Shipments, Criterion::Distance, Criterion::Priority, Criterion::Capacity];

    pub fn as_str(&self) -> &'static str {
        match self {
            Criterion::Shipments => "shipments",
            Criterion::Distance => "distance",
            Criterion::Priority => "priority",
            Criterion::Capacity => "capacity",
        }
    }

    pub fn parse(s: &str) -> Option<Criterion> {
        Criterion::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A merchant's routing rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    pub name: String,
    /// In order of precedence; stock availability always comes first and is not listed.
    pub criteria: Vec<Criterion>,
    /// Most locations one order may be split over (1 forbids splits).
    pub max_shipments: usize,
    /// In a split, every shipment must carry at least this much (minor units); 0 for no minimum.
    pub min_shipment_value: i64,
    /// Only locations in the destination's country are eligible.
    pub same_country_only: bool,
}

impl RuleSet {
    /// Used when a sales channel names no rule set: stock, fewest shipments, shortest
    /// distance, location priority.
    pub fn default_rules() -> RuleSet {
        RuleSet {
            name: "default".into(),
            criteria: vec![Criterion::Shipments, Criterion::Distance, Criterion::Priority],
            max_shipments: 5,
            min_shipment_value: 0,
            same_country_only: false,
        }
    }
}

/// What routing needs to know about a location.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: LocationId,
    pub code: String,
    pub priority: i64,
    pub ships_orders: bool,
    pub pickup: bool,
    pub active: bool,
    pub country: String,
    pub coordinates: Option<(f64, f64)>,
    /// Orders it may still take today; `None` when it has no daily capacity.
    pub remaining_capacity: Option<i64>,
    /// The orders it takes a day, when it has a daily capacity.
    pub daily_capacity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteLine {
    pub sku: String,
    pub quantity: i64,
    /// Minor units, for the minimum shipment value.
    pub unit_price: i64,
}

/// Where the order goes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Destination {
    pub coordinates: Option<(f64, f64)>,
    pub country: Option<String>,
    /// A click-and-collect order: only pickup locations are eligible.
    pub pickup: bool,
}

/// One scored plan, as the explanation shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredPlan {
    /// Location codes, in the order of first use.
    pub locations: Vec<String>,
    pub shipments: usize,
    /// Total great-circle distance, km; `None` when the destination could not be placed.
    pub distance_km: Option<f64>,
    /// Sum of the used locations' priorities.
    pub priority: i64,
    /// The smallest remaining daily capacity among the used locations; `None` if unlimited.
    pub capacity: Option<i64>,
}

/// The outcome of routing: the winning plan and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// For each line, in order, the `(location, code, quantity)` parts that reserve it.
    pub lines: Vec<Vec<(LocationId, String, i64)>>,
    pub explanation: Explanation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub rule_set: String,
    pub criteria: Vec<Criterion>,
    /// The best plans, winner first (at most ten).
    pub candidates: Vec<ScoredPlan>,
    /// How many feasible plans were compared.
    pub feasible_plans: usize,
    /// The first criterion, in precedence, on which the winner beat the runner-up; `None`
    /// when it was the only plan or the tie was broken by location code.
    pub deciding_criterion: Option<Criterion>,
    pub reason: String,
    /// False when the customer's position was unknown, so distance played no part.
    pub destination_placed: bool,
}

/// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1, lat2, lon2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
}

/// A plan under construction: per SKU, (site index, quantity) parts.
struct Draft {
    sites: Vec<usize>,
    per_sku: Vec<Vec<(usize, i64)>>,
}

pub fn route(
    lines: &[RouteLine],
    stock: &StockSnapshot,
    sites: &[Site],
    destination: &Destination,
    rules: &RuleSet,
) -> Result<Decision, Vec<Short>> {
    let eligible: Vec<&Site> = sites
        .iter()
        .filter(|s| s.active && if destination.pickup { s.pickup } else { s.ships_orders })
        .filter(|s| s.remaining_capacity.is_none_or(|c| c > 0))
        .filter(|s| !rules.same_country_only || destination.country.as_ref().is_none_or(|c| *c == s.country))
        .collect();

    // Demand per SKU in order of first appearance, with its value per unit.
    let mut skus: Vec<(&str, i64, i64)> = Vec::new();
    for l in lines {
        match skus.iter_mut().find(|(s, _, _)| *s == l.sku) {
            Some((_, q, _)) => *q += l.quantity,
            None => skus.push((&l.sku, l.quantity, l.unit_price)),
        }
    }
    let avail: Vec<Vec<i64>> =
        eligible.iter().map(|s| skus.iter().map(|(k, _, _)| stock.get(&s.id, k)).collect()).collect();
    let shortages: Vec<Short> = skus
        .iter()
        .enumerate()
        .filter_map(|(k, (sku, requested, _))| {
            let available: i64 = avail.iter().map(|a| a[k]).sum();
            (available < *requested).then(|| Short { sku: (*sku).to_owned(), requested: *requested, available })
        })
        .collect();
    if !shortages.is_empty() {
        return Err(shortages);
    }

    let placed = destination.coordinates.is_some();
    let dist: Vec<Option<f64>> =
        eligible.iter().map(|s| Some(distance_km(s.coordinates?, destination.coordinates?))).collect();

    let mut drafts: Vec<Draft> = Vec::new();
    // Every location that can ship the whole order alone.
    for (i, a) in avail.iter().enumerate() {
        if skus.iter().enumerate().all(|(k, (_, q, _))| a[k] >= *q) {
            drafts.push(Draft { sites: vec![i], per_sku: skus.iter().map(|(_, q, _)| vec![(i, *q)]).collect() });
        }
    }
    // Splits, built greedily from each of the most promising starting locations.
    if rules.max_shipments >= 2 {
        let mut seeds: Vec<usize> = (0..eligible.len()).collect();
        let coverage = |i: usize| -> i64 { skus.iter().enumerate().map(|(k, (_, q, _))| avail[i][k].min(*q)).sum() };
        seeds.sort_by_key(|&i| std::cmp::Reverse(coverage(i)));
        seeds.truncate(12);
        for seed in seeds {
            if let Some(d) = greedy_split(seed, &skus, &avail, &dist, &eligible, rules.max_shipments)
                && d.sites.len() >= 2
                && !drafts.iter().any(|o| same_sites(&o.sites, &d.sites))
            {
                drafts.push(d);
            }
        }
    }

    let mut scored: Vec<(ScoredPlan, Draft)> = drafts
        .into_iter()
        .filter(|d| d.sites.len() <= rules.max_shipments.max(1))
        .filter(|d| {
            d.sites.len() == 1
                || rules.min_shipment_value <= 0
                || shipment_values(d, &skus).all(|v| v >= rules.min_shipment_value)
        })
        .map(|d| (score(&d, &eligible, &dist, placed), d))
        .collect();
    if scored.is_empty() {
        // Stock exists, but no plan fits the rules (too many splits needed, shipments too
        // small): report what a single shipment could not cover.
        return Err(skus
            .iter()
            .enumerate()
            .map(|(k, (sku, requested, _))| Short {
                sku: (*sku).to_owned(),
                requested: *requested,
                available: avail.iter().map(|a| a[k]).max().unwrap_or(0),
            })
            .filter(|s| s.available < s.requested)
            .collect());
    }
    scored.sort_by(|a, b| compare(&a.0, &b.0, &rules.criteria).then_with(|| a.0.locations.cmp(&b.0.locations)));

    let (deciding, reason) = match scored.get(1) {
        None => (None, "the only feasible plan".to_owned()),
        Some((runner_up, _)) => {
            let winner = &scored[0].0;
            match rules.criteria.iter().find(|c| compare_on(winner, runner_up, **c) == Ordering::Less) {
                Some(c) => (Some(*c), describe(*c, winner, runner_up)),
                None => (None, "equal on every criterion; the tie was broken by location code".to_owned()),
            }
        }
    };
    let feasible = scored.len();
    let candidates: Vec<ScoredPlan> = scored.iter().take(10).map(|(p, _)| p.clone()).collect();
    let winner = scored.swap_remove(0).1;

    // Hand each SKU's parts out to its lines in order.
    let mut remaining = winner.per_sku;
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let k = skus.iter().position(|(s, _, _)| *s == l.sku).expect("every line's SKU was counted");
        let mut need = l.quantity;
        let mut parts: Vec<(LocationId, String, i64)> = Vec::new();
        for slot in remaining[k].iter_mut() {
            let take = slot.1.min(need);
            if take > 0 {
                let site = eligible[slot.0];
                match parts.iter_mut().find(|(id, _, _)| *id == site.id) {
                    Some(p) => p.2 += take,
                    None => parts.push((site.id.clone(), site.code.clone(), take)),
                }
                slot.1 -= take;
                need -= take;
            }
        }
        out.push(parts);
    }
    Ok(Decision {
        lines: out,
        explanation: Explanation {
            rule_set: rules.name.clone(),
            criteria: rules.criteria.clone(),
            candidates,
            feasible_plans: feasible,
            deciding_criterion: deciding,
            reason,
            destination_placed: placed,
        },
    })
}

fn same_sites(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Starting at `seed`, adds locations until the demand is covered: each time the one that
/// holds the most still-uncovered SKUs whole, then the most units, then the nearest.
/// Lines stay whole at one location wherever some location can hold them whole.
fn greedy_split(
    seed: usize,
    skus: &[(&str, i64, i64)],
    avail: &[Vec<i64>],
    dist: &[Option<f64>],
    eligible: &[&Site],
    max_shipments: usize,
) -> Option<Draft> {
    let n = skus.len();
    let mut remaining: Vec<i64> = skus.iter().map(|(_, q, _)| *q).collect();
    let mut draft = Draft { sites: Vec::new(), per_sku: vec![Vec::new(); n] };
    let whole_somewhere: Vec<bool> = (0..n).map(|k| avail.iter().any(|a| a[k] >= skus[k].1)).collect();
    let mut next = Some(seed);
    while let Some(i) = next {
        draft.sites.push(i);
        let mut took = false;
        for k in 0..n {
            if remaining[k] == 0 {
                continue;
            }
            let take = if avail[i][k] >= remaining[k] {
                remaining[k]
            } else if !whole_somewhere[k] || draft.sites.len() >= max_shipments {
                avail[i][k].min(remaining[k])
            } else {
                0
            };
            if take > 0 {
                draft.per_sku[k].push((i, take));
                remaining[k] -= take;
                took = true;
            }
        }
        // A location that ships nothing has no place in a plan (a poor starting point).
        if !took {
            return None;
        }
        if remaining.iter().all(|r| *r == 0) {
            return Some(draft);
        }
        if draft.sites.len() >= max_shipments {
            return None;
        }
        // The next location: most SKUs held whole, then most units, then nearest, then priority.
        next = (0..eligible.len()).filter(|j| !draft.sites.contains(j)).max_by(|&a, &b| {
            let key = |j: usize| {
                let whole = (0..n).filter(|&k| remaining[k] > 0 && avail[j][k] >= remaining[k]).count();
                let units: i64 = (0..n).map(|k| avail[j][k].min(remaining[k])).sum();
                (whole, units)
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| cmp_opt_f64(dist[b], dist[a]))
                .then_with(|| eligible[b].priority.cmp(&eligible[a].priority))
        });
        if next.is_some_and(|j| (0..n).all(|k| avail[j][k].min(remaining[k]) == 0)) {
            return None;
        }
    }
    None
}

fn shipment_values<'a>(d: &'a Draft, skus: &'a [(&str, i64, i64)]) -> impl Iterator<Item = i64> + 'a {
    d.sites.iter().map(move |site| {
        d.per_sku
            .iter()
            .enumerate()
            .flat_map(|(k, parts)| {
                parts.iter().filter(|(s, _)| s == site).map(move |(_, q)| q.saturating_mul(skus[k].2))
            })
            .fold(0i64, i64::saturating_add)
    })
}

fn score(d: &Draft, eligible: &[&Site], dist: &[Option<f64>], placed: bool) -> ScoredPlan {
    let distance_km = if placed { d.sites.iter().map(|&i| dist[i]).sum::<Option<f64>>() } else { None };
    ScoredPlan {
        locations: d.sites.iter().map(|&i| eligible[i].code.clone()).collect(),
        shipments: d.sites.len(),
        distance_km: distance_km.map(|km| (km * 10.0).round() / 10.0),
        priority: d.sites.iter().map(|&i| eligible[i].priority).sum(),
        capacity: d.sites.iter().filter_map(|&i| eligible[i].remaining_capacity).min(),
    }
}

/// Lower is better; an unknown distance compares equal to any other.
fn cmp_opt_f64(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    }
}

fn compare_on(a: &ScoredPlan, b: &ScoredPlan, c: Criterion) -> Ordering {
    match c {
        Criterion::Shipments => a.shipments.cmp(&b.shipments),
        Criterion::Distance => cmp_opt_f64(a.distance_km, b.distance_km),
        Criterion::Priority => a.priority.cmp(&b.priority),
        // More capacity left is better; unlimited beats any number.
        Criterion::Capacity => b.capacity.map_or(i64::MAX, |x| x).cmp(&a.capacity.map_or(i64::MAX, |x| x)),
    }
}

fn compare(a: &ScoredPlan, b: &ScoredPlan, criteria: &[Criterion]) -> Ordering {
    criteria.iter().map(|c| compare_on(a, b, *c)).find(|o| *o != Ordering::Equal).unwrap_or(Ordering::Equal)
}

fn describe(c: Criterion, w: &ScoredPlan, r: &ScoredPlan) -> String {
    let who = |p: &ScoredPlan| p.locations.join("+");
    match c {
        Criterion::Shipments => {
            format!("fewer shipments: {} ({}) against {} ({})", w.shipments, who(w), r.shipments, who(r))
        }
        Criterion::Distance => format!(
            "shorter distance: {:.1} km ({}) against {:.1} km ({})",
            w.distance_km.unwrap_or(0.0),
            who(w),
            r.distance_km.unwrap_or(0.0),
            who(r)
        ),
        Criterion::Priority => {
            format!("better location priority: {} ({}) against {} ({})", w.priority, who(w), r.priority, who(r))
        }
        Criterion::Capacity => format!(
            "more capacity left today: {} ({}) against {} ({})",
            w.capacity.map_or("unlimited".to_owned(), |c| c.to_string()),
            who(w),
            r.capacity.map_or("unlimited".to_owned(), |c| c.to_string()),
            who(r)
        ),
    }
}

/// Looks coordinates up by postal code in `postal,lat,lon` CSV text (a header line allowed).
pub fn parse_centroids(csv: &str) -> HashMap<String, (f64, f64)> {
    csv.lines()
        .filter_map(|line| {
            let mut parts = line.split(',');
            let (code, lat, lon) = (parts.next()?.trim(), parts.next()?.trim(), parts.next()?.trim());
            Some((code.to_owned(), (lat.parse().ok()?, lon.parse().ok()?)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn site(n: u128, code: &str, priority: i64, at: Option<(f64, f64)>) -> Site {
        Site {
            id: LocationId::generate(1, n),
            code: code.into(),
            priority,
            ships_orders: true,
            pickup: false,
            active: true,
            country: "US".into(),
            coordinates: at,
            remaining_capacity: None,
            daily_capacity: None,
        }
    }

    const NEWARK: (f64, f64) = (40.73, -74.17);
    const RENO: (f64, f64) = (39.53, -119.81);
    const CHICAGO: (f64, f64) = (41.88, -87.63);
    const BOSTON: (f64, f64) = (42.36, -71.06);
    const SEATTLE: (f64, f64) = (47.61, -122.33);

    /// Each line's (code, qty) parts with the explanation, or each shortage as (sku, requested, available).
    type Outcome = Result<(Vec<Vec<(String, i64)>>, Explanation), Vec<(String, i64, i64)>>;

    /// Routes `demand` over `sites` with stock given as (code, sku, available); returns each
    /// line's (code, qty) parts and the explanation, or the shortages.
    fn check(
        sites: &[Site],
        stock: &[(&str, &str, i64)],
        demand: &[(&str, i64)],
        dest: Option<(f64, f64)>,
        rules: &RuleSet,
    ) -> Outcome {
        let mut snap = StockSnapshot::new();
        for (code, sku, n) in stock {
            snap.set(&sites.iter().find(|s| s.code == *code).unwrap().id, sku, *n);
        }
        let lines: Vec<RouteLine> =
            demand.iter().map(|(s, q)| RouteLine { sku: s.to_string(), quantity: *q, unit_price: 1000 }).collect();
        let dest = Destination { coordinates: dest, country: Some("US".into()), pickup: false };
        route(&lines, &snap, sites, &dest, rules)
            .map(|d| {
                (d.lines.into_iter().map(|l| l.into_iter().map(|(_, c, q)| (c, q)).collect()).collect(), d.explanation)
            })
            .map_err(|s| s.into_iter().map(|s| (s.sku, s.requested, s.available)).collect())
    }

    fn codes(parts: &[Vec<(String, i64)>]) -> Vec<Vec<(&str, i64)>> {
        parts.iter().map(|l| l.iter().map(|(c, q)| (c.as_str(), *q)).collect()).collect()
    }

    #[test]
    fn a_customer_near_a_warehouse_gets_it_then_the_next_nearest() {
        let sites = [site(1, "NJ", 2, Some(NEWARK)), site(2, "NV", 1, Some(RENO)), site(3, "IL", 3, Some(CHICAGO))];
        let rules = RuleSet::default_rules();
        let stock = [("NJ", "x", 5), ("NV", "x", 5), ("IL", "x", 5)];
        let (plan, why) = check(&sites, &stock, &[("x", 1)], Some(BOSTON), &rules).unwrap();
        assert_eq!(codes(&plan), [vec![("NJ", 1)]]);
        assert_eq!(why.deciding_criterion, Some(Criterion::Distance));
        assert!(why.reason.starts_with("shorter distance"), "{}", why.reason);
        let (plan, _) = check(&sites, &stock, &[("x", 1)], Some(SEATTLE), &rules).unwrap();
        assert_eq!(codes(&plan), [vec![("NV", 1)]]);
        // Newark is out of stock: Chicago is the next nearest to Boston.
        let stock = [("NJ", "x", 0), ("NV", "x", 5), ("IL", "x", 5)];
        let (plan, _) = check(&sites, &stock, &[("x", 1)], Some(BOSTON), &rules).unwrap();
        assert_eq!(codes(&plan), [vec![("IL", 1)]]);
    }

    #[test]
    fn a_split_happens_only_when_no_single_location_can_ship_and_the_rules_allow_it() {
        let sites = [site(1, "NJ", 1, Some(NEWARK)), site(2, "NV", 2, Some(RENO))];
        let rules = RuleSet::default_rules();
        // Newark is nearer but can only ship part; Reno can ship it all: one shipment wins.
        let stock = [("NJ", "x", 5), ("NV", "x", 5), ("NV", "y", 5)];
        let (plan, why) = check(&sites, &stock, &[("x", 1), ("y", 1)], Some(BOSTON), &rules).unwrap();
        assert_eq!(codes(&plan), [vec![("NV", 1)], vec![("NV", 1)]]);
        assert_eq!(why.deciding_criterion, Some(Criterion::Shipments));
        // Nobody holds both: a split.
        let stock = [("NJ", "x", 5), ("NV", "y", 5)];
        let (plan, _) = check(&sites, &stock, &[("x", 1), ("y", 2)], Some(BOSTON), &rules).unwrap();
        assert_eq!(codes(&plan), [vec![("NJ", 1)], vec![("NV", 2)]]);
        // Unless the rules forbid splits, or each shipment would be too small.
        let no_split = RuleSet { max_shipments: 1, ..RuleSet::default_rules() };
        assert!(check(&sites, &stock, &[("x", 1), ("y", 2)], Some(BOSTON), &no_split).is_err());
        let minimum = RuleSet { min_shipment_value: 1500, ..RuleSet::default_rules() };
        assert!(check(&sites, &stock, &[("x", 1), ("y", 2)], Some(BOSTON), &minimum).is_err());
        // A line bigger than any one location's stock is split over two.
        let stock = [("NJ", "x", 2), ("NV", "x", 2)];
        let (plan, _) = check(&sites, &stock, &[("x", 3)], Some(BOSTON), &rules).unwrap();
        assert_eq!(plan[0].iter().map(|p| p.1).sum::<i64>(), 3);
        assert_eq!(plan[0].len(), 2);
    }

    #[test]
    fn without_coordinates_priority_decides_and_the_explanation_says_so() {
        let sites = [site(1, "A", 2, None), site(2, "B", 1, None), site(3, "C", 1, None)];
        let (plan, why) = check(
            &sites,
            &[("A", "x", 5), ("B", "x", 5), ("C", "x", 5)],
            &[("x", 1)],
            Some(BOSTON),
            &RuleSet::default_rules(),
        )
        .unwrap();
        // B and C tie on priority; the code breaks the tie.
        assert_eq!(codes(&plan), [vec![("B", 1)]]);
        assert_eq!(why.deciding_criterion, None);
        assert!(why.reason.contains("tie"));
        let (_, why) =
            check(&sites, &[("A", "x", 5), ("B", "x", 5)], &[("x", 1)], None, &RuleSet::default_rules()).unwrap();
        assert!(!why.destination_placed);
        assert_eq!(why.deciding_criterion, Some(Criterion::Priority));
        assert_eq!(why.candidates.len(), 2);
        assert_eq!(why.candidates[0].distance_km, None);
    }

    #[test]
    fn precedence_is_the_merchants_and_eligibility_is_respected() {
        let sites = [site(1, "NJ", 9, Some(NEWARK)), site(2, "NV", 1, Some(RENO))];
        let stock = [("NJ", "x", 5), ("NV", "x", 5)];
        let priority_first =
            RuleSet { criteria: vec![Criterion::Priority, Criterion::Distance], ..RuleSet::default_rules() };
        let (plan, why) = check(&sites, &stock, &[("x", 1)], Some(BOSTON), &priority_first).unwrap();
        assert_eq!(codes(&plan), [vec![("NV", 1)]]);
        assert_eq!(why.deciding_criterion, Some(Criterion::Priority));

        let mut sites = sites.to_vec();
        sites[0].ships_orders = false;
        let (plan, _) = check(&sites, &stock, &[("x", 1)], Some(BOSTON), &RuleSet::default_rules()).unwrap();
        assert_eq!(codes(&plan), [vec![("NV", 1)]]);
        sites[0].ships_orders = true;
        sites[0].remaining_capacity = Some(0);
        let (plan, _) = check(&sites, &stock, &[("x", 1)], Some(BOSTON), &RuleSet::default_rules()).unwrap();
        assert_eq!(codes(&plan), [vec![("NV", 1)]]);
        sites[0].remaining_capacity = None;
        sites[1].country = "CA".into();
        let same_country = RuleSet { same_country_only: true, ..RuleSet::default_rules() };
        let short = check(&sites, &[("NV", "x", 5)], &[("x", 1)], Some(BOSTON), &same_country).unwrap_err();
        assert_eq!(short, [("x".to_owned(), 1, 0)]);
    }

    #[test]
    fn shortages_name_each_sku_with_requested_and_available() {
        let sites = [site(1, "A", 1, None), site(2, "B", 2, None)];
        let short = check(
            &sites,
            &[("A", "x", 2), ("B", "y", 1)],
            &[("x", 3), ("y", 1), ("z", 1)],
            None,
            &RuleSet::default_rules(),
        )
        .unwrap_err();
        assert_eq!(short, [("x".to_owned(), 3, 2), ("z".to_owned(), 1, 0)]);
    }

    #[test]
    fn distances_are_great_circle() {
        assert!((distance_km(NEWARK, BOSTON) - 316.0).abs() < 2.0);
        assert!((distance_km(RENO, SEATTLE) - 921.0).abs() < 2.0);
        assert_eq!(distance_km(BOSTON, BOSTON), 0.0);
        let c = parse_centroids("postal_code,latitude,longitude\n02108,42.357,-71.064\nbad,line\n");
        assert_eq!(c.get("02108"), Some(&(42.357, -71.064)));
        assert_eq!(c.len(), 1);
    }

    proptest! {
        #[test]
        fn plans_reserve_exactly_the_demand_and_never_more_than_available(
            stock in proptest::collection::vec(proptest::collection::vec(0i64..6, 4), 1..6),
            demand in proptest::collection::vec((0usize..4, 1i64..6), 1..6),
            coords in proptest::collection::vec((-60.0f64..60.0, -170.0f64..170.0), 6),
            max_shipments in 1usize..4,
        ) {
            let sites: Vec<Site> = (0..stock.len())
                .map(|i| site(i as u128, &format!("L{i}"), (i % 3) as i64, Some(coords[i])))
                .collect();
            let skus = ["a", "b", "c", "d"];
            let mut snap = StockSnapshot::new();
            for (i, row) in stock.iter().enumerate() {
                for (k, n) in row.iter().enumerate() {
                    snap.set(&sites[i].id, skus[k], *n);
                }
            }
            let lines: Vec<RouteLine> = demand.iter().map(|(k, q)| RouteLine { sku: skus[*k].into(), quantity: *q, unit_price: 1 }).collect();
            let rules = RuleSet { max_shipments, ..RuleSet::default_rules() };
            let dest = Destination { coordinates: Some(coords[5]), country: None, pickup: false };
            if let Ok(d) = route(&lines, &snap, &sites, &dest, &rules) {
                let mut used: HashMap<(LocationId, String), i64> = HashMap::new();
                let mut locations = std::collections::HashSet::new();
                for (line, parts) in lines.iter().zip(&d.lines) {
                    prop_assert_eq!(parts.iter().map(|p| p.2).sum::<i64>(), line.quantity);
                    for (id, _, q) in parts {
                        prop_assert!(*q > 0);
                        locations.insert(id.clone());
                        *used.entry((id.clone(), line.sku.clone())).or_default() += q;
                    }
                }
                prop_assert!(locations.len() <= max_shipments);
                for ((id, sku), q) in used {
                    prop_assert!(q <= snap.get(&id, &sku));
                }
                prop_assert_eq!(d.explanation.candidates[0].shipments, locations.len());
            }
        }
    }
}
