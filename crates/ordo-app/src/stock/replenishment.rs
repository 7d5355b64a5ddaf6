//! Replenishment: what to order for a location, SKU by SKU, and drafting those orders.
//!
//! For each SKU stocked at the location: its demand forecast (`forecasts`), the supplier it was
//! last bought from there with the unit cost it was bought at (the newest purchase orders
//! say; the supplier's lead time, minimum order and pack size are the terms), a safety stock
//! computed for the service level from the forecast's error over the lead time (or
//! the location's manual policy, when one is set), and the replenishment rule
//! (`ordo_domain::planning::suggest`): reorder when on hand less reserved plus what is
//! incoming is at or below the demand over the lead time plus the safety stock, then order
//! up to that plus `cover_days` more of demand, in whole packs. Other locations' spare units
//! are offered towards the need (`rebalancing.rs`). Accepting a set of suggestions drafts one
//! purchase order per supplier (and, rebalancing, one transfer per location that spares
//! units, buying only the rest) in one transaction.

use std::collections::BTreeMap;

use ordo_domain::Currency;
use ordo_domain::planning::{self, Class, Position, Terms};
use ordo_domain::validate::Errors;
use ordo_store::{Page, PurchaseOrderFilter, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::stock::classes::{ClassLevels, class_levels};
use crate::stock::demand::demand_by_day;
use crate::stock::forecast_model::{self, Model};
use crate::stock::forecasts::DEFAULT_HISTORY;
use crate::stock::policies::{StockPolicy, set_policy};
use crate::stock::purchase_orders::{PurchaseOrder, draft, stored_currency};
use crate::stock::suppliers::{Supplier, SupplierStatus};
use crate::{Action, Actor, App, AppError, AppResult};

/// The service level (the chance of not running out before an order arrives) when none is
/// asked for, and the range asked for ones are brought into.
pub const DEFAULT_SERVICE_LEVEL: f64 = 0.95;
pub const SERVICE_LEVELS: (f64, f64) = (0.5, 0.999);
/// Days of demand an order covers beyond its lead time, by default and at most.
pub const DEFAULT_COVER_DAYS: i64 = 14;
pub const MAX_COVER_DAYS: i64 = 365;
/// The lead time assumed for a SKU never bought at the location.
pub const UNKNOWN_LEAD_TIME: u32 = 7;
/// Purchase orders read (newest first) to learn who supplies each SKU.
const ORDERS_READ: usize = 500;
/// The most SKUs one acceptance drafts.
pub const MAX_ACCEPTED: usize = 200;

const DAY_MS: i64 = 86_400_000;

/// How suggestions are worked out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// The service level asked for; none: each SKU's class's (the default for a SKU without
    /// a class).
    pub service_level: Option<f64>,
    pub cover_days: u32,
}

impl Policy {
    /// Brings asked-for numbers into range, like a page's limit.
    pub fn of(service_level: Option<f64>, cover_days: Option<i64>) -> Policy {
        Policy {
            service_level: service_level.filter(|l| l.is_finite()).map(|l| l.clamp(SERVICE_LEVELS.0, SERVICE_LEVELS.1)),
            cover_days: cover_days.unwrap_or(DEFAULT_COVER_DAYS).clamp(0, MAX_COVER_DAYS) as u32,
        }
    }
}

/// Who a SKU was last bought from at a location, and at what unit cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub supplier_id: String,
    pub supplier_code: String,
    pub terms: Terms,
    pub unit_cost_minor: i64,
    pub currency: String,
}

/// What to order of one SKU at one location.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub sku: String,
    pub location: String,
    /// None when the SKU was never bought at the location (its lead time is assumed).
    pub source: Option<Source>,
    pub lead_time_days: u32,
    pub on_hand: i64,
    pub reserved: i64,
    pub incoming: i64,
    /// The SKU's ABC class (none without a kept forecast), and the service level the safety
    /// stock was sized for: the one asked for, or the class's.
    pub class: Option<Class>,
    pub service_level: f64,
    /// The forecast's mean units a day over the lead time and cover.
    pub daily_demand: f64,
    pub model: Model,
    /// The daily forecast error the safety stock is sized against (the model's own, for the
    /// next day).
    pub error_sd: f64,
    /// The safety stock computed for the service level, and the one used (a manual policy's
    /// when the location has one).
    pub computed_safety_stock: i64,
    pub safety_stock: i64,
    pub manual_policy: bool,
    pub reorder_point: i64,
    /// On hand less reserved plus incoming.
    pub position: i64,
    /// Units to order now (zero: none).
    pub quantity: i64,
    /// The level an order brings the position up to: demand over the lead time and the cover
    /// plus the safety stock.
    pub target: i64,
    /// The terms orders are made on (the source's, or the assumed ones).
    pub terms: Terms,
    /// Units other locations can spare towards the need, by location code (`rebalancing.rs`).
    pub transfers: Vec<(String, i64)>,
    /// Units to order once those transfers are made.
    pub quantity_after_transfers: i64,
}

/// The policies a computation stored, and the SKUs it left as they were.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedPolicies {
    pub policies: Vec<StockPolicy>,
    /// (SKU, why): a manual policy is set.
    pub skipped: Vec<(String, String)>,
}

/// What an acceptance drafted, and the SKUs it could not.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub purchase_orders: Vec<PurchaseOrder>,
    /// Drafts from the locations that can spare units (when rebalancing), one per location.
    pub transfers: Vec<crate::stock::transfers::Transfer>,
    /// (SKU, why): nothing to order, or no supplier known.
    pub skipped: Vec<(String, String)>,
}

/// Suggestions to accept (or policies to compute): SKUs at a location, under a policy.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// The location's code.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub location: Option<String>,
    /// 1 to 200 SKUs; each one with something to order and a known supplier goes on that
    /// supplier's draft.
    #[schema(required = true, min_items = 1, max_items = 200, value_type = Option<Vec<crate::kernel::schema::SkuText>>)]
    pub skus: Option<Vec<String>>,
    /// 0.5 to 0.999; out of range counts as the nearest end. Without it, each SKU's class's
    /// (0.95 for a SKU without a class).
    #[schema(example = 0.95)]
    pub service_level: Option<f64>,
    /// Days of demand beyond the lead time (default 14, at most 365).
    #[schema(minimum = 0, maximum = 365)]
    pub cover_days: Option<i64>,
    /// Accepting: first draft transfers of what other locations can spare, and buy only the
    /// rest (default false: buy all).
    pub rebalance: Option<bool>,
}

/// Who supplies each SKU at a location: the newest purchase order line for it there.
fn sources(tx: &mut dyn Tx, location_id: &str) -> AppResult<BTreeMap<String, Source>> {
    let filter = PurchaseOrderFilter { location_id: Some(location_id.to_owned()), ..Default::default() };
    let orders = tx.list_purchase_orders(&Page { after: None, limit: ORDERS_READ }, &filter)?;
    let mut suppliers: BTreeMap<String, Option<Supplier>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for r in orders.iter().filter(|r| r.status != "cancelled") {
        let po: PurchaseOrder = serde_json::from_str(&r.body)
            .map_err(|e| AppError::Internal(format!("a stored purchase order is unreadable: {e}")))?;
        if !suppliers.contains_key(&po.supplier_id) {
            let s = tx.supplier(&po.supplier_id)?.map(|r| Supplier::from_record(&r)).transpose()?;
            suppliers.insert(po.supplier_id.clone(), s);
        }
        let Some(Some(s)) = suppliers.get(&po.supplier_id) else { continue };
        if s.status != SupplierStatus::Active {
            continue;
        }
        for l in &po.lines {
            out.entry(l.sku.clone()).or_insert_with(|| Source {
                supplier_id: s.id.clone(),
                supplier_code: s.code.clone(),
                terms: Terms {
                    lead_time_days: s.lead_time_days.clamp(0, i64::from(u32::MAX)) as u32,
                    min_order_quantity: s.min_order_quantity,
                    pack_size: s.pack_size,
                },
                unit_cost_minor: l.unit_cost_minor,
                currency: po.currency.clone(),
            });
        }
    }
    Ok(out)
}

/// What was read of one SKU at the location.
pub(crate) struct Facts {
    sku: String,
    on_hand: i64,
    reserved: i64,
    incoming: i64,
    manual_safety_stock: Option<i64>,
    history: Vec<f64>,
    source: Option<Source>,
    /// Its class, and that class's service level.
    class: Option<(Class, f64)>,
}

/// The facts of `skus` at the location: levels, incoming, policies, sources, demand.
pub(crate) fn facts(
    tx: &mut dyn Tx,
    location_id: &str,
    skus: &[String],
    today: i64,
    classed: &ClassLevels,
) -> AppResult<Vec<Facts>> {
    let refs: Vec<&str> = skus.iter().map(String::as_str).collect();
    let levels = tx.levels_for_skus(&refs)?;
    let incoming = tx.incoming_for_skus(&refs)?;
    let policies = tx.policies_for_skus(&refs)?;
    let mut sources = sources(tx, location_id)?;
    let start = today - DEFAULT_HISTORY;
    let mut out = Vec::with_capacity(skus.len());
    for sku in skus {
        let level = levels.iter().find(|l| l.sku == *sku && l.location_id.as_str() == location_id);
        let history = demand_by_day(tx, sku, Some(location_id), start, DEFAULT_HISTORY)?
            .into_values()
            .next()
            .map_or_else(|| vec![0.0; DEFAULT_HISTORY as usize], |d| d.ordered);
        out.push(Facts {
            sku: sku.clone(),
            on_hand: level.map_or(0, |l| l.on_hand),
            reserved: level.map_or(0, |l| l.reserved),
            incoming: incoming
                .iter()
                .filter(|i| i.sku == *sku && i.location_id == location_id)
                .map(|i| i.quantity)
                .sum(),
            manual_safety_stock: policies
                .iter()
                .find(|p| p.sku == *sku && p.location_id == location_id && p.source == "manual")
                .map(|p| p.safety_stock),
            history,
            source: sources.remove(sku),
            class: classed.get(sku).copied(),
        });
    }
    Ok(out)
}

/// The suggestion for one SKU's facts (pure; CPU work).
pub(crate) fn suggest(location: &str, f: Facts, policy: Policy) -> Suggestion {
    let terms = f
        .source
        .as_ref()
        .map_or(Terms { lead_time_days: UNKNOWN_LEAD_TIME, min_order_quantity: 1, pack_size: 1 }, |s| s.terms);
    let span = (terms.lead_time_days + policy.cover_days).max(1) as usize;
    let prediction = forecast_model::predict(&f.history, span);
    // The model's own error for the next day (one fit per SKU, so that a location's thousands
    // of SKUs are suggested in seconds).
    let error_sd = prediction.step_sd;
    let level = policy.service_level.or(f.class.map(|(_, l)| l)).unwrap_or(DEFAULT_SERVICE_LEVEL);
    let computed = planning::safety_stock(level, error_sd, terms.lead_time_days).unwrap_or(0);
    let safety_stock = f.manual_safety_stock.unwrap_or(computed);
    let position = Position { on_hand: f.on_hand, reserved: f.reserved, incoming: f.incoming };
    let s = planning::suggest(terms, position, &prediction.point, safety_stock, policy.cover_days);
    Suggestion {
        sku: f.sku,
        location: location.to_owned(),
        source: f.source,
        lead_time_days: terms.lead_time_days,
        on_hand: f.on_hand,
        reserved: f.reserved,
        incoming: f.incoming,
        class: f.class.map(|(c, _)| c),
        service_level: level,
        daily_demand: prediction.point.iter().sum::<f64>() / span as f64,
        model: prediction.model,
        error_sd,
        computed_safety_stock: computed,
        safety_stock,
        manual_policy: f.manual_safety_stock.is_some(),
        reorder_point: s.reorder_point,
        position: s.position,
        quantity: s.quantity,
        target: s.target,
        terms,
        transfers: Vec::new(),
        quantity_after_transfers: s.quantity,
    }
}

/// The location and SKUs of a request, checked: the location's code and 1 to 200 SKUs (each
/// once, in the order given).
fn check_request(input: &AcceptInput) -> AppResult<(String, Vec<String>)> {
    let mut e = Errors::new();
    let location = e.text("location", input.location.as_deref(), 32);
    let mut skus: Vec<String> = Vec::new();
    match input.skus.as_deref() {
        None => e.add("skus", "is required"),
        Some(list) if list.is_empty() || list.len() > MAX_ACCEPTED => {
            e.add("skus", format!("must have 1 to {MAX_ACCEPTED} SKUs"))
        }
        Some(list) => {
            for (i, sku) in list.iter().enumerate() {
                if let Some(sku) = e.text(&format!("skus/{i}"), Some(sku), 64)
                    && !skus.contains(&sku)
                {
                    skus.push(sku);
                }
            }
        }
    }
    e.finish(())?;
    Ok((location.expect("checked"), skus))
}

impl App {
    /// The suggestions for the SKUs of a request at its location (each SKU must exist).
    async fn suggestions_for(&self, input: &AcceptInput) -> AppResult<Vec<Suggestion>> {
        let (code, skus) = check_request(input)?;
        let (policy, today) = (Policy::of(input.service_level, input.cover_days), self.now().div_euclid(DAY_MS));
        let (loc_code, facts) = self
            .store
            .read(move |tx| {
                let loc = tx
                    .location_by_code(&code)?
                    .ok_or_else(|| AppError::missing("location", "no location has this code"))?;
                let known = tx.products_by_skus(&skus.iter().map(String::as_str).collect::<Vec<_>>())?;
                let mut e = Errors::new();
                for (i, sku) in skus.iter().enumerate() {
                    if !known.iter().any(|p| p.sku == *sku) {
                        e.missing(format!("skus/{i}"), format!("no product has SKU {sku:?}"));
                    }
                }
                e.finish(())?;
                let classed = class_levels(tx)?;
                Ok::<_, AppError>((loc.code.clone(), facts(tx, loc.id.as_str(), &skus, today, &classed)?))
            })
            .await?;
        self.suggest_all(&loc_code, facts, policy, today).await
    }

    /// The suggestions for what was read at `location` (fitted off the async workers), with
    /// what other locations can spare towards them.
    async fn suggest_all(
        &self,
        location: &str,
        facts: Vec<Facts>,
        policy: Policy,
        today: i64,
    ) -> AppResult<Vec<Suggestion>> {
        let code = location.to_owned();
        let mut suggestions: Vec<Suggestion> =
            tokio::task::spawn_blocking(move || facts.into_iter().map(|f| suggest(&code, f, policy)).collect())
                .await
                .map_err(|e| AppError::Internal(format!("replenishment failed: {e}")))?;
        self.rebalance(location, &mut suggestions, policy, today).await?;
        Ok(suggestions)
    }

    /// Stores the safety stock and reorder point computed for the SKUs of a request at its
    /// location as their policies there (`source` `computed`), so that low-stock alerts and
    /// availability use them; a manual policy is kept, and its SKU listed as skipped.
    pub async fn compute_stock_policies(
        &self,
        actor: &Actor,
        input: AcceptInput,
        idem: Option<IdemCtx<ComputedPolicies>>,
    ) -> AppResult<Outcome<ComputedPolicies>> {
        require(actor, Action::Purchase)?;
        let suggestions = self.suggestions_for(&input).await?;
        let location = suggestions.first().map(|s| s.location.clone()).unwrap_or_default();
        self.write_idem(idem, move |tx, now| {
            let loc = tx.location_by_code(&location)?.ok_or(AppError::NotFound("location"))?;
            let mut out = ComputedPolicies { policies: Vec::new(), skipped: Vec::new() };
            for s in &suggestions {
                if s.manual_policy {
                    out.skipped.push((s.sku.clone(), "a manual policy is set".to_owned()));
                    continue;
                }
                let levels = (s.computed_safety_stock, s.reorder_point.max(s.computed_safety_stock));
                out.policies.push(set_policy(tx, now, &s.sku, &loc, levels, "computed")?);
            }
            Ok(out)
        })
        .await
    }
}

impl App {
    /// What to order for the SKUs stocked at `location` (its code), a page at a time by SKU
    /// (after `after`); with `supplier_id`, only those last bought from that supplier there
    /// (a page may then hold fewer). Also the SKU the next page starts after, while there may
    /// be more.
    pub async fn replenishment(
        &self,
        actor: &Actor,
        location: &str,
        page: Page<String>,
        policy: Policy,
        supplier_id: Option<&str>,
    ) -> AppResult<(Vec<Suggestion>, Option<String>)> {
        require(actor, Action::ReadInventory)?;
        let mut e = Errors::new();
        let supplier_id = e.optional_text("supplier_id", supplier_id, 40);
        e.finish(())?;
        let (code, today) = (location.to_owned(), self.now().div_euclid(DAY_MS));
        let (loc, facts, next) = self
            .store
            .read(move |tx| {
                let loc = tx.location_by_code(&code)?.ok_or(AppError::NotFound("location"))?;
                let after = page.after.clone().map(|sku| (sku, loc.id.to_string()));
                let levels = tx.list_levels(&Page { after, limit: page.limit }, None, Some(loc.id.as_str()))?;
                let skus: Vec<String> = levels.into_iter().map(|l| l.sku).collect();
                let next = (skus.len() == page.limit).then(|| skus.last().cloned()).flatten();
                let classed = class_levels(tx)?;
                let mut facts = facts(tx, loc.id.as_str(), &skus, today, &classed)?;
                if let Some(id) = &supplier_id {
                    facts.retain(|f| f.source.as_ref().is_some_and(|s| s.supplier_id == *id));
                }
                Ok::<_, AppError>((loc.code, facts, next))
            })
            .await?;
        Ok((self.suggest_all(&loc, facts, policy, today).await?, next))
    }

    /// Drafts, in one transaction, a purchase order per supplier for the SKUs given that have
    /// something to order and a known supplier, at the quantities suggested and the unit
    /// costs last paid; the others are listed as skipped.
    pub async fn accept_replenishment(
        &self,
        actor: &Actor,
        input: AcceptInput,
        idem: Option<IdemCtx<Accepted>>,
    ) -> AppResult<Outcome<Accepted>> {
        require(actor, Action::Purchase)?;
        let suggestions = self.suggestions_for(&input).await?;
        let location = suggestions.first().map(|s| s.location.clone()).unwrap_or_default();
        let rebalance = input.rebalance.unwrap_or(false);
        self.write_idem(idem, move |tx, now| {
            let loc = tx.location_by_code(&location)?.ok_or(AppError::NotFound("location"))?;
            // Per (supplier, currency): lines of SKU, quantity and unit cost.
            type Lines = Vec<(String, i64, i64)>;
            let mut by_supplier: BTreeMap<(String, String), Lines> = BTreeMap::new();
            // Per source location: lines of SKU and quantity.
            let mut by_source: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
            let mut skipped = Vec::new();
            for s in &suggestions {
                let mut quantity = s.quantity;
                if rebalance && quantity > 0 {
                    for (from, units) in &s.transfers {
                        by_source.entry(from.clone()).or_default().push((s.sku.clone(), *units));
                    }
                    quantity = s.quantity_after_transfers;
                    if quantity == 0 {
                        continue;
                    }
                }
                match (&s.source, quantity) {
                    (_, 0) => skipped.push((s.sku.clone(), "nothing to order".to_owned())),
                    (None, _) => skipped.push((s.sku.clone(), "no supplier is known for it here".to_owned())),
                    (Some(src), q) => by_supplier
                        .entry((src.supplier_id.clone(), src.currency.clone()))
                        .or_default()
                        .push((s.sku.clone(), q, src.unit_cost_minor)),
                }
            }
            let mut purchase_orders = Vec::new();
            for ((supplier_id, currency), lines) in &by_supplier {
                let record = tx.supplier(supplier_id)?.ok_or(AppError::NotFound("supplier"))?;
                let supplier = Supplier::from_record(&record)?;
                let currency: Currency = stored_currency(currency)?;
                let note = Some("drafted from replenishment suggestions".to_owned());
                purchase_orders.push(draft(tx, now, &supplier, &loc, currency, None, note, lines)?);
            }
            let mut transfers = Vec::new();
            for (from, lines) in &by_source {
                let source = tx.location_by_code(from)?.ok_or(AppError::NotFound("location"))?;
                let note = Some("drafted from replenishment suggestions".to_owned());
                transfers.push(crate::stock::transfers::draft(
                    tx,
                    now,
                    (&source, &loc),
                    None,
                    note,
                    crate::stock::transfers::numbered(lines),
                )?);
            }
            Ok(Accepted { purchase_orders, transfers, skipped: skipped.clone() })
        })
        .await
    }
}
