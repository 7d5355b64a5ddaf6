//! Available to promise by date: per location, what is on hand and not reserved now, plus
//! what open purchase orders bring by their expected dates, on each day from today to a
//! chosen day, less the safety stock the location's stock policy holds back.

use ordo_domain::planning::{Incoming, available_by_day};
use ordo_domain::validate::Errors;
use ordo_store::IncomingRecord;

use crate::kernel::guard::require;
use crate::kernel::time_fmt;
use crate::stock::purchase_orders::check_day;
use crate::{Action, Actor, App, AppError, AppResult};

/// The farthest day availability is answered for, in days from today.
pub const MAX_DAYS: i64 = 366;
/// Days answered when no end is given.
pub const DEFAULT_DAYS: i64 = 30;

const DAY_MS: i64 = 86_400_000;

/// One SKU's availability by date at every location that holds it or expects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub sku: String,
    /// Today, `YYYY-MM-DD`.
    pub from: String,
    pub until: String,
    pub locations: Vec<LocationAvailability>,
    /// The sum over the locations, per day.
    pub totals: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationAvailability {
    pub location: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub safety_stock: i64,
    /// What is still to come, by expected date (overdue lines count from today).
    pub incoming: Vec<IncomingRecord>,
    /// The quantity that may be promised on each day.
    pub days: Vec<(String, i64)>,
}

impl App {
    /// Availability of `sku` from today to `until` (`YYYY-MM-DD`, default 30 days on, at most
    /// [`MAX_DAYS`]), at one location (its code) or all.
    pub async fn availability(
        &self,
        actor: &Actor,
        sku: &str,
        until: Option<String>,
        location: Option<String>,
    ) -> AppResult<Availability> {
        require(actor, Action::ReadInventory)?;
        let today = self.now().div_euclid(DAY_MS);
        let mut e = Errors::new();
        let _ = e.optional_text("location", location.as_deref(), 32);
        // Like a page's limit, the range is capped rather than refused: an end before today
        // counts as today, one beyond the farthest day as that day.
        let last = match until.as_deref() {
            None => Some(today + DEFAULT_DAYS),
            Some(d) => check_day(&mut e, "until", d).map(|day| day.clamp(today, today + MAX_DAYS)),
        };
        e.finish(())?;
        let last = last.expect("checked");
        let sku = sku.to_owned();
        self.store
            .read(move |tx| {
                if tx.product_by_sku(&sku)?.is_none() {
                    return Err(AppError::NotFound("product"));
                }
                let only = match &location {
                    None => None,
                    Some(code) => Some(tx.location_by_code(code)?.ok_or(AppError::NotFound("location"))?),
                };
                let keep = |id: &str| only.as_ref().is_none_or(|l| l.id.as_str() == id);
                let levels: Vec<_> =
                    tx.levels_for_skus(&[sku.as_str()])?.into_iter().filter(|l| keep(l.location_id.as_str())).collect();
                let incoming: Vec<_> =
                    tx.incoming_for_skus(&[sku.as_str()])?.into_iter().filter(|i| keep(&i.location_id)).collect();
                let policies = tx.policies_for_skus(&[sku.as_str()])?;
                // (location id, code, on hand, reserved), in the order levels come, then any
                // location that only expects stock.
                let mut sites: Vec<(String, String, i64, i64)> = levels
                    .iter()
                    .map(|l| (l.location_id.to_string(), l.location.clone(), l.on_hand, l.reserved))
                    .collect();
                if incoming.iter().any(|i| !sites.iter().any(|s| s.0 == i.location_id)) {
                    let all = tx.all_locations()?;
                    for i in &incoming {
                        if !sites.iter().any(|s| s.0 == i.location_id) {
                            let code = all.iter().find(|l| l.id.as_str() == i.location_id).map(|l| l.code.clone());
                            sites.push((i.location_id.clone(), code.unwrap_or_default(), 0, 0));
                        }
                    }
                }
                let date = |day: i32| time_fmt::day(i64::from(day) * DAY_MS);
                let (first, end) = (today as i32, last as i32);
                // Each day's date written once, for every location.
                let dates: Vec<String> = (first..=end).map(date).collect();
                let mut totals = vec![0i64; (end - first + 1) as usize];
                let mut locations = Vec::with_capacity(sites.len());
                for (id, code, on_hand, reserved) in sites {
                    let mine: Vec<IncomingRecord> = incoming.iter().filter(|i| i.location_id == id).cloned().collect();
                    let expected: Vec<Incoming> = mine
                        .iter()
                        .filter_map(|i| {
                            let mut e = Errors::new();
                            let day = check_day(&mut e, "expected_on", &i.expected_on)?;
                            Some(Incoming { day: day as i32, quantity: i.quantity })
                        })
                        .collect();
                    let safety_stock = policies.iter().find(|p| p.location_id == id).map_or(0, |p| p.safety_stock);
                    let by_day = available_by_day(on_hand, reserved, safety_stock, &expected, first, end);
                    for (t, (_, q)) in totals.iter_mut().zip(&by_day) {
                        *t = t.saturating_add(*q);
                    }
                    locations.push(LocationAvailability {
                        location: code,
                        on_hand,
                        reserved,
                        safety_stock,
                        incoming: mine,
                        days: dates.iter().cloned().zip(by_day.into_iter().map(|(_, q)| q)).collect(),
                    });
                }
                let (from, until) = (date(first), date(end));
                let totals = dates.into_iter().zip(totals).collect();
                Ok(Availability { sku, from, until, locations, totals })
            })
            .await
    }
}
