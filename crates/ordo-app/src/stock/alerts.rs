//! Stock alerts: a worker follows the event feed and, for every SKU whose stock a batch of
//! changes may have moved, compares what each location has available (on hand less reserved)
//! with its stock policy. At or below the reorder point a `low_stock` alert opens, once, with
//! the event `inventory.low_stock`; above it again (or with the policy removed) the alert ends
//! (`inventory.low_stock_resolved`). Whether or not a policy is set, a location that held the
//! SKU and has none available opens a `stock_out` alert until some is available again, so
//! that reports can count days out of stock.
//!
//! Invariant: at most one alert of each kind is open per SKU and location (the store refuses
//! a second), and an event is recorded exactly when an alert opens or ends. The worker only
//! compares the present with the open alerts, so handling a batch again changes nothing.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use ordo_domain::validate::Errors;
use ordo_store::{AlertFilter, AlertRecord, EventRecord, Page, Tx};

use crate::kernel::BoxFuture;
use crate::kernel::events::payloads::StockAlertChanged;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// An alert as the API shows it: the location named by its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAlert {
    pub record: AlertRecord,
    pub location: String,
}

/// Filters of the alert list (`status`: `open`, `ended` or `all`; default open).
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub sku: Option<String>,
    pub location: Option<String>,
}

const KINDS: [&str; 2] = ["low_stock", "stock_out"];

fn new_id(now: i64) -> String {
    format!("alr_{}", ordo_domain::id::encode(now.max(0) as u64, random_u128()))
}

/// Opens and ends the alerts of `skus` to match their stock now.
pub(crate) fn evaluate(tx: &mut dyn Tx, now: i64, skus: &[&str]) -> AppResult<()> {
    if skus.is_empty() {
        return Ok(());
    }
    let levels = tx.levels_for_skus(skus)?;
    let policies = tx.policies_for_skus(skus)?;
    let open = tx.open_alerts_for_skus(skus)?;
    // Every (SKU, location id) with a level, a policy or an open alert.
    let mut places: BTreeSet<(String, String)> = BTreeSet::new();
    places.extend(levels.iter().map(|l| (l.sku.clone(), l.location_id.to_string())));
    places.extend(policies.iter().map(|p| (p.sku.clone(), p.location_id.clone())));
    places.extend(open.iter().map(|a| (a.sku.clone(), a.location_id.clone())));
    let mut codes: Vec<(String, String)> =
        levels.iter().map(|l| (l.location_id.to_string(), l.location.clone())).collect();
    for (sku, location_id) in places {
        let level = levels.iter().find(|l| l.sku == sku && l.location_id.as_str() == location_id);
        let available = level.map_or(0, |l| l.on_hand - l.reserved);
        let policy = policies.iter().find(|p| p.sku == sku && p.location_id == location_id);
        for kind in KINDS {
            let current = open.iter().find(|a| a.kind == kind && a.sku == sku && a.location_id == location_id);
            let low = match kind {
                "low_stock" => policy.is_some_and(|p| available <= p.reorder_point),
                _ => level.is_some() && available <= 0,
            };
            let (alert, started) = match (current, low) {
                (None, true) => {
                    let reorder_point = if kind == "low_stock" { policy.map(|p| p.reorder_point) } else { None };
                    let a = AlertRecord {
                        id: new_id(now),
                        kind: kind.to_owned(),
                        sku: sku.clone(),
                        location_id: location_id.clone(),
                        started_at: now,
                        ended_at: None,
                        available,
                        reorder_point,
                    };
                    (a, true)
                }
                (Some(a), false) => (AlertRecord { ended_at: Some(now), ..a.clone() }, false),
                _ => continue,
            };
            tx.put_alert(&alert)?;
            let location = location_code(tx, &mut codes, &location_id)?;
            let payload = StockAlertChanged {
                id: alert.id.clone(),
                sku: sku.clone(),
                location,
                available,
                reorder_point: alert.reorder_point,
            };
            let event = match (kind, started) {
                ("low_stock", true) => Event::LowStock(payload),
                ("low_stock", false) => Event::LowStockResolved(payload),
                (_, true) => Event::StockOut(payload),
                (_, false) => Event::BackInStock(payload),
            };
            emit(tx, now, &sku, event)?;
        }
    }
    Ok(())
}

/// A location's code, from those read so far or the store.
fn location_code(tx: &mut dyn Tx, known: &mut Vec<(String, String)>, id: &str) -> AppResult<String> {
    if let Some((_, code)) = known.iter().find(|(i, _)| i == id) {
        return Ok(code.clone());
    }
    let all = tx.all_locations()?;
    known.extend(all.iter().map(|l| (l.id.to_string(), l.code.clone())));
    Ok(all.iter().find(|l| l.id.as_str() == id).map(|l| l.code.clone()).unwrap_or_default())
}

/// The SKUs a batch of events may have moved the stock of: an inventory event's subject, and
/// the lines of the order any other event is about (order, fulfilment and return events name
/// their order). The channel stock sync reads them the same way.
pub(crate) fn skus_moved<'e>(
    tx: &mut dyn Tx,
    events: impl IntoIterator<Item = &'e EventRecord>,
) -> AppResult<BTreeSet<String>> {
    let (mut skus, mut orders) = (BTreeSet::new(), BTreeSet::new());
    for e in events {
        if e.event_type.starts_with("inventory.") {
            skus.insert(e.subject.clone());
        } else {
            orders.insert(e.subject.clone());
        }
    }
    for id in &orders {
        if let Some(o) = tx.order_by_id(id)? {
            skus.extend(o.lines.iter().map(|l| l.sku.clone()));
        }
    }
    Ok(skus)
}

/// The alert worker.
struct StockAlerts;

impl Worker for StockAlerts {
    fn name(&self) -> &'static str {
        "stock-alerts"
    }

    fn wants(&self, e: &EventRecord) -> bool {
        let t = e.event_type.as_str();
        // Its own events change no stock.
        let own = matches!(
            t,
            "inventory.low_stock" | "inventory.low_stock_resolved" | "inventory.stock_out" | "inventory.back_in_stock"
        );
        !own && ["inventory.", "order.", "fulfillment.", "return."].iter().any(|p| t.starts_with(p))
    }

    fn coalesces(&self) -> bool {
        true
    }

    fn paced(&self) -> bool {
        true
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn handle_all<'a>(&'a self, app: &'a App, events: &'a [&'a EventRecord]) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let events: Vec<EventRecord> = events.iter().map(|e| (*e).clone()).collect();
            let clock = app.clock.clone();
            app.store
                .write(move |tx| {
                    let skus: Vec<String> = skus_moved(tx, &events)?.into_iter().collect();
                    // In slices, so that one transaction stays short.
                    for chunk in skus.chunks(200) {
                        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
                        evaluate(tx, clock.now_ms(), &refs)?;
                    }
                    Ok::<_, AppError>(())
                })
                .await
        })
    }
}

impl App {
    /// Opens and ends stock alerts as stock changes, checking at most every `every`.
    pub fn spawn_stock_alerts(&self, every: Duration) -> WorkerHandle {
        let mut options = WorkerOptions::every(every);
        options.batch = 5000;
        self.spawn_worker(Arc::new(StockAlerts), options)
    }

    /// Stock alerts newest first: open ones unless `status` asks for `ended` or `all`.
    pub async fn list_stock_alerts(
        &self,
        actor: &Actor,
        page: Page<String>,
        q: AlertQuery,
    ) -> AppResult<Vec<StockAlert>> {
        require(actor, Action::ReadInventory)?;
        let mut e = Errors::new();
        let open = match q.status.as_deref() {
            None | Some("open") => Some(true),
            Some("ended") => Some(false),
            Some("all") => None,
            Some(_) => {
                e.add("status", "must be open, ended or all");
                None
            }
        };
        if q.kind.as_deref().is_some_and(|k| !KINDS.contains(&k)) {
            e.add("kind", "must be low_stock or stock_out");
        }
        let _ = e.optional_text("sku", q.sku.as_deref(), 64);
        let _ = e.optional_text("location", q.location.as_deref(), 32);
        e.finish(())?;
        self.store
            .read(move |tx| {
                let mut codes = Vec::new();
                let location_id = match &q.location {
                    None => None,
                    Some(code) => match tx.location_by_code(code)? {
                        Some(l) => Some(l.id.to_string()),
                        None => return Ok(Vec::new()),
                    },
                };
                let filter = AlertFilter { open, kind: q.kind.clone(), sku: q.sku.clone(), location_id };
                let rows = tx.list_alerts(&page, &filter)?;
                let mut out = Vec::with_capacity(rows.len());
                for record in rows {
                    let location = location_code(tx, &mut codes, &record.location_id)?;
                    out.push(StockAlert { record, location });
                }
                Ok(out)
            })
            .await
    }
}
