//! Planning stock: what a location can promise on each coming day, how much safety stock a
//! forecast's error asks for, and what to order from a supplier and when.
//!
//! Days are counted from 1970-01-01 (`day`), so that this crate needs no calendar; callers
//! turn them into dates.

/// Units expected at a location on a day: an open purchase-order line by its expected date, a
/// transfer in transit by its arrival. Overdue ones (a day before today) count from today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incoming {
    pub day: i32,
    pub quantity: i64,
}

/// Available to promise on each day from `today` to `until` (inclusive): what is on hand and
/// not reserved or held as safety stock, plus everything expected by that day. Empty when
/// `until` is before `today`. The figure may be negative (more is promised than there is).
pub fn available_by_day(
    on_hand: i64,
    reserved: i64,
    safety_stock: i64,
    incoming: &[Incoming],
    today: i32,
    until: i32,
) -> Vec<(i32, i64)> {
    let mut by_day: Vec<Incoming> = incoming.iter().map(|i| Incoming { day: i.day.max(today), ..*i }).collect();
    by_day.sort_by_key(|i| i.day);
    let mut next = by_day.iter().peekable();
    let mut available = on_hand.saturating_sub(reserved).saturating_sub(safety_stock);
    let mut out = Vec::with_capacity((until - today + 1).max(0) as usize);
    for day in today..=until {
        while let Some(i) = next.next_if(|i| i.day <= day) {
            available = available.saturating_add(i.quantity);
        }
        out.push((day, available));
    }
    out
}

/// The standard normal quantile for a service level (the chance of not running out during
/// a lead time), from a table of common levels with linear steps between them: 0.5 to 0.999.
/// Between table points the step errs high by at most 0.02, so safety stock errs on the safe
/// side. None outside that range.
pub fn service_z(level: f64) -> Option<f64> {
    // (level, z): the standard normal distribution's quantiles, to four places.
    const TABLE: [(f64, f64); 21] = [
        (0.50, 0.0),
        (0.60, 0.2533),
        (0.70, 0.5244),
        (0.75, 0.6745),
        (0.80, 0.8416),
        (0.85, 1.0364),
        (0.90, 1.2816),
        (0.91, 1.3408),
        (0.92, 1.4051),
        (0.93, 1.4758),
        (0.94, 1.5548),
        (0.95, 1.6449),
        (0.96, 1.7507),
        (0.97, 1.8808),
        (0.975, 1.9600),
        (0.98, 2.0537),
        (0.985, 2.1701),
        (0.99, 2.3263),
        (0.995, 2.5758),
        (0.998, 2.8782),
        (0.999, 3.0902),
    ];
    if !(TABLE[0].0..=TABLE[TABLE.len() - 1].0).contains(&level) {
        return None;
    }
    let at = TABLE.iter().position(|(l, _)| *l >= level).unwrap_or(TABLE.len() - 1);
    if at == 0 || TABLE[at].0 == level {
        return Some(TABLE[at].1);
    }
    let ((l0, z0), (l1, z1)) = (TABLE[at - 1], TABLE[at]);
    Some(z0 + (z1 - z0) * (level - l0) / (l1 - l0))
}

/// Safety stock for a lead time: `z × σ × √lead_time`, rounded up, where σ is the standard
/// deviation of the daily forecast error (from the forecast's backtest). None for a service
/// level outside [`service_z`]'s range or a negative or unknown σ.
pub fn safety_stock(service_level: f64, daily_error_sd: f64, lead_time_days: u32) -> Option<i64> {
    let z = service_z(service_level)?;
    if !daily_error_sd.is_finite() || daily_error_sd < 0.0 {
        return None;
    }
    Some((z * daily_error_sd * f64::from(lead_time_days).sqrt()).ceil().max(0.0) as i64)
}

/// What a supplier asks of an order: how long it takes to arrive, the fewest units it takes,
/// and the multiple it packs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub lead_time_days: u32,
    pub min_order_quantity: i64,
    pub pack_size: i64,
}

/// Where a SKU stands at a location: on hand, reserved, and still to come on open purchase
/// orders and transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub on_hand: i64,
    pub reserved: i64,
    pub incoming: i64,
}

impl Position {
    /// The inventory position replenishment reasons with.
    pub fn net(&self) -> i64 {
        self.on_hand - self.reserved + self.incoming
    }
}

/// What to order: the reorder point the position was held against, the position, and the
/// units to order (zero: nothing now), which arrive `lead_time_days` after they are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub reorder_point: i64,
    /// The level an order brings the position up to.
    pub target: i64,
    pub position: i64,
    pub quantity: i64,
    pub lead_time_days: u32,
}

/// Demand expected over the next `days` days, from a daily forecast starting tomorrow; days
/// beyond the forecast are taken at its mean. Rounded up.
pub fn demand_over(daily: &[f64], days: u32) -> i64 {
    let days = days as usize;
    let known: f64 = daily.iter().take(days).map(|d| d.max(0.0)).sum();
    let rest = days.saturating_sub(daily.len());
    let mean = if daily.is_empty() { 0.0 } else { daily.iter().map(|d| d.max(0.0)).sum::<f64>() / daily.len() as f64 };
    (known + mean * rest as f64 - 1e-9).ceil().max(0.0) as i64
}

/// The replenishment rule: reorder when the position is at or below the demand over the lead
/// time plus safety stock, then order up to the demand over the lead time and `cover_days`
/// more plus safety stock, at least the supplier's minimum, rounded up to whole packs.
pub fn suggest(terms: Terms, position: Position, daily: &[f64], safety_stock: i64, cover_days: u32) -> Suggestion {
    let reorder_point = demand_over(daily, terms.lead_time_days) + safety_stock;
    let target = demand_over(daily, terms.lead_time_days.saturating_add(cover_days)) + safety_stock;
    let net = position.net();
    let quantity = order_quantity(terms, reorder_point, target, net);
    Suggestion { reorder_point, target, position: net, quantity, lead_time_days: terms.lead_time_days }
}

/// The units to order at position `net`: none above the reorder point, else up to the target,
/// at least the supplier's minimum, in whole packs.
pub fn order_quantity(terms: Terms, reorder_point: i64, target: i64, net: i64) -> i64 {
    if net > reorder_point {
        return 0;
    }
    let pack = terms.pack_size.max(1);
    let wanted = (target - net).max(terms.min_order_quantity).max(1);
    ((wanted - 1) / pack + 1).saturating_mul(pack)
}

/// A SKU's class by its share of sales value (ABC): the few that make most of it (A), the
/// next (B) and the many that make little (C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    A,
    B,
    C,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::A => "a",
            Class::B => "b",
            Class::C => "c",
        }
    }
}

/// Classes `values` (key, sales value) by cumulative share of the whole, largest first: a key
/// is A while the value before it is under `a_share` of the total, B while under
/// `a_share + b_share`, C after (and every key without value). Ties are taken by key, so the
/// result does not depend on the order given.
pub fn classify<K: Ord + Clone>(values: &[(K, i64)], a_share: f64, b_share: f64) -> Vec<(K, Class)> {
    let mut sorted: Vec<&(K, i64)> = values.iter().collect();
    sorted.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    let total: i128 = sorted.iter().map(|(_, v)| i128::from((*v).max(0))).sum();
    let mut before: i128 = 0;
    sorted
        .into_iter()
        .map(|(key, value)| {
            let share = if total == 0 { 1.0 } else { before as f64 / total as f64 };
            let class = match () {
                _ if *value <= 0 => Class::C,
                // A hair under each bound, so that 0.8 + 0.15 is 0.95 however it rounds.
                _ if share < a_share - 1e-9 => Class::A,
                _ if share < a_share + b_share - 1e-9 => Class::B,
                _ => Class::C,
            };
            before += i128::from((*value).max(0));
            (key.clone(), class)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_adds_what_comes_by_each_day() {
        let incoming = [
            Incoming { day: 103, quantity: 20 },
            Incoming { day: 98, quantity: 5 }, // overdue: counted from today
            Incoming { day: 103, quantity: 1 },
            Incoming { day: 200, quantity: 50 }, // after the horizon
        ];
        let got = available_by_day(12, 4, 3, &incoming, 100, 104);
        assert_eq!(got, vec![(100, 10), (101, 10), (102, 10), (103, 31), (104, 31)]);
        assert_eq!(available_by_day(0, 2, 0, &[], 5, 5), vec![(5, -2)]);
        assert!(available_by_day(1, 0, 0, &incoming, 10, 9).is_empty());
    }

    #[test]
    fn service_levels_map_to_normal_quantiles() {
        assert_eq!(service_z(0.95), Some(1.6449));
        assert_eq!(service_z(0.5), Some(0.0));
        let z = service_z(0.9625).unwrap();
        assert!((1.7507..1.8808).contains(&z), "{z}");
        assert_eq!(service_z(0.4), None);
        assert_eq!(service_z(0.9999), None);
        assert_eq!(service_z(f64::NAN), None);
        // 95 %, σ 4 a day, 9 days: 1.6449 × 4 × 3 = 19.74, so 20.
        assert_eq!(safety_stock(0.95, 4.0, 9), Some(20));
        assert_eq!(safety_stock(0.95, 0.0, 9), Some(0));
        assert_eq!(safety_stock(0.95, -1.0, 9), None);
        assert_eq!(safety_stock(1.5, 1.0, 9), None);
    }

    #[test]
    fn demand_beyond_the_forecast_is_taken_at_its_mean() {
        assert_eq!(demand_over(&[1.0, 2.0, 3.0], 2), 3);
        assert_eq!(demand_over(&[1.0, 2.0, 3.0], 5), 10);
        assert_eq!(demand_over(&[0.3, 0.3, 0.3], 3), 1);
        assert_eq!(demand_over(&[2.0, -1.0], 2), 2);
        assert_eq!(demand_over(&[], 30), 0);
        assert_eq!(demand_over(&[5.0], 0), 0);
    }

    #[test]
    fn suggestions_respect_lead_time_minimum_and_pack_size() {
        let flat = [10.0; 60]; // 10 a day
        let at = |on_hand, incoming| Position { on_hand, reserved: 0, incoming };
        let terms =
            |lead_time_days, min_order_quantity, pack_size| Terms { lead_time_days, min_order_quantity, pack_size };
        // (terms, position, safety stock, cover days) -> (reorder point, quantity)
        let table = [
            // Above the reorder point (7 days × 10 + 5): nothing.
            (terms(7, 1, 1), at(76, 0), 5, 14, (75, 0)),
            // At it: order up to 21 days × 10 + 5 = 215, so 140.
            (terms(7, 1, 1), at(75, 0), 5, 14, (75, 140)),
            // A longer lead time raises the reorder point: the same stock now reorders.
            (terms(10, 1, 1), at(76, 0), 5, 14, (105, 169)),
            // What is already coming counts.
            (terms(7, 1, 1), at(40, 40), 5, 14, (75, 0)),
            (terms(7, 1, 1), at(30, 40), 5, 14, (75, 145)),
            // The supplier's minimum.
            (terms(7, 500, 1), at(75, 0), 5, 14, (75, 500)),
            // Whole packs of 24: 140 is 5.83 packs, so 6.
            (terms(7, 1, 24), at(75, 0), 5, 14, (75, 144)),
            // A minimum that is not a whole number of packs is rounded up to one.
            (terms(7, 150, 24), at(75, 0), 5, 14, (75, 168)),
            // Reserved units are not there to sell.
            (terms(7, 1, 1), Position { on_hand: 100, reserved: 30, incoming: 0 }, 5, 14, (75, 145)),
            // No cover asked: order what the lead time needs, at least one.
            (terms(7, 1, 1), at(75, 0), 5, 0, (75, 1)),
        ];
        for (i, (t, p, safety, cover, (reorder_point, quantity))) in table.into_iter().enumerate() {
            let s = suggest(t, p, &flat, safety, cover);
            assert_eq!((s.reorder_point, s.quantity), (reorder_point, quantity), "row {i}: {s:?}");
            assert_eq!(s.lead_time_days, t.lead_time_days);
            if s.quantity > 0 {
                assert!(s.quantity >= t.min_order_quantity && s.quantity % t.pack_size == 0, "row {i}");
                assert!(p.net() + s.quantity > s.reorder_point, "row {i}: the order lifts the position");
            }
        }
    }

    #[test]
    fn classes_follow_the_cumulative_share_of_value() {
        use Class::*;
        // (values, expected): the total is 100 in each, shares 80% (A) and 15% (B).
        type Case = (Vec<(&'static str, i64)>, Vec<(&'static str, Class)>);
        let cases: Vec<Case> = vec![
            (vec![("x", 70), ("y", 20), ("z", 6), ("w", 4)], vec![("x", A), ("y", A), ("z", B), ("w", C)]),
            (vec![("w", 4), ("z", 6), ("y", 20), ("x", 70)], vec![("x", A), ("y", A), ("z", B), ("w", C)]),
            (vec![("a", 50), ("b", 50)], vec![("a", A), ("b", A)]),
            (vec![("a", 85), ("b", 10), ("c", 5), ("d", 0)], vec![("a", A), ("b", B), ("c", C), ("d", C)]),
            (vec![("a", 0), ("b", 0)], vec![("a", C), ("b", C)]),
            (vec![], vec![]),
        ];
        for (values, expected) in cases {
            let got = classify(&values, 0.8, 0.15);
            assert_eq!(got, expected, "{values:?}");
        }
    }
}
