//! Cycle counts: once a day, after the forecast run has classed the SKUs, each location is
//! asked to count its share of what it holds, by class (`PlanningSettings`: A every 30 days,
//! B every 91, C every 365 by default). A class of `n` SKUs held at a location with an
//! interval of `d` days is asked for `ceil(n / d)` counts a day — the ones counted longest ago
//! first, never counted before all — among those due (not counted within the interval) and
//! not already asked for, so that the whole class is counted about once an interval and the
//! work is spread evenly. SKUs without a class count as C. Turned off in the settings, none
//! are asked for; turned on again, the day's are asked for at once.
//!
//! A count asked for this way is a count request (reason `cycle_count`) like any other: the
//! list does not show the expected quantity (a blind count), and counting the SKU at the
//! location answers it and records when it was counted.

use std::collections::{BTreeMap, HashMap, HashSet};

use ordo_domain::planning::Class;
use ordo_store::{CountRequest, Page, Tx};

use crate::AppResult;
use crate::stock::classes;
use crate::stock::demand::DAY_MS;

/// The reason cycle counts are asked for with.
pub const REASON: &str = "cycle_count";
/// The cursor the last scheduled day is kept under.
const DAY_KEY: &str = "cycle-counts.day";

/// Of `held` (when last counted, 0 for never; SKU), the SKUs to ask to count today: up to
/// `ceil(len / every_days)`, oldest count first, among those not counted within `every_days`
/// of `now`.
pub fn pick(held: &[(i64, String)], every_days: i64, now: i64) -> Vec<String> {
    let every = every_days.max(1);
    let quota = (held.len() as i64 + every - 1) / every;
    let mut due: Vec<&(i64, String)> = held.iter().filter(|(at, _)| *at == 0 || at + every * DAY_MS <= now).collect();
    due.sort();
    due.into_iter().take(quota as usize).map(|(_, sku)| sku.clone()).collect()
}

/// Asks for today's cycle counts, once a day (a second call the same day asks for none); the
/// number asked for, none when cycle counts are turned off.
pub(crate) fn schedule(tx: &mut dyn Tx, now: i64) -> AppResult<Option<usize>> {
    let today = now.div_euclid(DAY_MS);
    let settings = classes::settings(tx)?;
    if !settings.cycle_counts {
        return Ok(None);
    }
    if tx.worker_cursor(DAY_KEY)? >= today {
        return Ok(Some(0));
    }
    let classed: HashMap<String, Class> =
        classes::classes(tx, &settings)?.into_iter().map(|c| (c.sku, c.class)).collect();
    let last: HashMap<(String, String), i64> = tx.last_counts()?.into_iter().map(|(s, l, at)| ((s, l), at)).collect();
    let asked: HashSet<(String, String)> =
        tx.count_requests(None)?.into_iter().map(|r| (r.sku, r.location_id)).collect();
    // (location id, class) -> (location code, [(last counted, SKU)]), of stock on hand.
    type Held = (String, Vec<(i64, String)>);
    let mut groups: BTreeMap<(String, Class), Held> = BTreeMap::new();
    let mut page = Page { after: None, limit: 1000 };
    loop {
        let levels = tx.list_levels(&page, None, None)?;
        let more = levels.len() == page.limit;
        page.after = levels.last().map(|l| (l.sku.clone(), l.location_id.to_string()));
        for l in levels.into_iter().filter(|l| l.on_hand > 0) {
            let class = classed.get(&l.sku).copied().unwrap_or(Class::C);
            let key = (l.sku.clone(), l.location_id.to_string());
            let at = last.get(&key).copied().unwrap_or(0);
            let group = groups.entry((key.1, class)).or_insert_with(|| (l.location.clone(), Vec::new()));
            group.1.push((at, l.sku));
        }
        if !more {
            break;
        }
    }
    let mut requested = 0;
    for ((location_id, class), (location, held)) in &groups {
        for sku in pick(held, settings.count_every_days(*class), now) {
            if asked.contains(&(sku.clone(), location_id.clone())) {
                continue;
            }
            let r = CountRequest {
                sku,
                location_id: location_id.clone(),
                location: location.clone(),
                requested_at: now,
                reason: Some(REASON.into()),
            };
            tx.request_count(&r)?;
            requested += 1;
        }
    }
    tx.set_worker_cursor(DAY_KEY, today)?;
    Ok(Some(requested))
}

impl crate::App {
    /// Asks for today's cycle counts (once a day; see the module); none when they are turned
    /// off (then no write is made).
    pub(crate) async fn schedule_cycle_counts(&self) -> AppResult<Option<usize>> {
        if !self.store.read(classes::settings).await?.cycle_counts {
            return Ok(None);
        }
        let now = self.now();
        self.store.write(move |tx| schedule(tx, now)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_days_counts_are_the_classes_share_oldest_first_among_those_due() {
        let now = 400 * DAY_MS;
        let held = |list: &[(i64, &str)]| -> Vec<(i64, String)> {
            list.iter().map(|(day, s)| (if *day == 0 { 0 } else { day * DAY_MS }, s.to_string())).collect()
        };
        // (held, every days, expected)
        let cases = [
            // Ten never counted, every 30 days: one a day, by SKU.
            (held(&(0..10).map(|_| (0, "")).collect::<Vec<_>>()), 30, 1),
            // Ninety-one held every 91 days: one a day; 92: two.
            (held(&vec![(0, ""); 91]), 91, 1),
            (held(&vec![(0, ""); 92]), 91, 2),
        ];
        for (h, every, n) in cases {
            assert_eq!(pick(&h, every, now).len(), n);
        }
        // Oldest first; one counted within the interval is not due.
        let h = held(&[(395, "A"), (100, "B"), (0, "C"), (380, "D")]);
        assert_eq!(pick(&h, 2, now), ["C", "B"]);
        assert_eq!(pick(&h, 10, now), ["C"], "A was counted 5 days ago");
        assert_eq!(pick(&held(&[(399, "A"), (398, "B")]), 7, now), Vec::<String>::new(), "none is due");
        assert_eq!(pick(&held(&[(399, "A")]), 1, now), ["A"], "counted a day ago, due again every day");
    }
}
