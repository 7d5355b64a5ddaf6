//! Routing rule sets (named, per sales channel), the routing decision of an order, and
//! simulations of a rule set against real orders that reserve nothing.

use ordo_domain::Money;
use ordo_domain::allocation::StockSnapshot;
use ordo_domain::order::{Order, OrderStatus};
use ordo_domain::routing::{Criterion, Destination, Explanation, RouteLine, RuleSet, Site, distance_km, route};
use ordo_domain::validate::Errors;
use ordo_store::{OrderFilter, Page, RuleSetRecord, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::events::payloads::RuleSetChanged;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{check_version, require, visible_order};
use crate::kernel::idempotency::{self, IdemCtx};
use crate::kernel::input::{MoneyInput, check_money};
use crate::{Action, Actor, App, AppError, AppResult};

/// A routing rule set.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetInput {
    /// Unique name; `default` replaces the built-in default for channels that name none.
    #[schema(
        required = true,
        example = "nearest-first",
        min_length = 1,
        max_length = 64,
        pattern = r"^[A-Za-z0-9._-]+$"
    )]
    pub name: Option<String>,
    /// In order of precedence: `shipments`, `distance`, `priority`, `capacity`. Stock
    /// availability always comes first.
    #[schema(required = true, example = json!(["shipments", "distance", "priority"]), min_items = 1)]
    pub criteria: Option<Vec<String>>,
    /// Most locations one order may be split over, 1 to 10 (default 5; 1 forbids splits).
    #[schema(minimum = 1, maximum = 10)]
    pub max_shipments: Option<i64>,
    /// In a split, each shipment must carry at least this much (orders in other currencies
    /// are not held to it).
    pub min_shipment_value: Option<MoneyInput>,
    /// Only locations in the destination's country are eligible (default false).
    pub same_country_only: Option<bool>,
    /// Sales channels whose orders this rule set routes; a channel belongs to one rule set.
    pub channels: Option<Vec<String>>,
}

/// A rule set's new rules, for the rule set the path names.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetReplace {
    /// The rule set's own name, if given: a rule set cannot be renamed.
    #[schema(example = "nearest-first", min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._-]+$")]
    pub name: Option<String>,
    /// In order of precedence: `shipments`, `distance`, `priority`, `capacity`. Stock
    /// availability always comes first.
    #[schema(required = true, example = json!(["shipments", "distance", "priority"]), min_items = 1)]
    pub criteria: Option<Vec<String>>,
    /// Most locations one order may be split over, 1 to 10 (default 5; 1 forbids splits).
    #[schema(minimum = 1, maximum = 10)]
    pub max_shipments: Option<i64>,
    /// In a split, each shipment must carry at least this much (orders in other currencies
    /// are not held to it).
    pub min_shipment_value: Option<MoneyInput>,
    /// Only locations in the destination's country are eligible (default false).
    pub same_country_only: Option<bool>,
    /// Sales channels whose orders this rule set routes; a channel belongs to one rule set.
    pub channels: Option<Vec<String>>,
}

impl From<RuleSetReplace> for RuleSetInput {
    fn from(r: RuleSetReplace) -> Self {
        RuleSetInput {
            name: r.name,
            criteria: r.criteria,
            max_shipments: r.max_shipments,
            min_shipment_value: r.min_shipment_value,
            same_country_only: r.same_country_only,
            channels: r.channels,
        }
    }
}

/// What to simulate: a rule set (by name, or given inline) against one order or the last N.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateInput {
    /// A stored rule set's name; or give `rules`.
    #[schema(pattern = r"^[^\u0000]*$")]
    pub rule_set: Option<String>,
    pub rules: Option<RuleSetInput>,
    /// One order to route again; or give `last`.
    #[schema(pattern = r"^[^\u0000]*$")]
    pub order_id: Option<String>,
    /// The last N orders (1 to 500) that still hold reservations.
    #[schema(minimum = 1, maximum = 500)]
    pub last: Option<i64>,
}

/// A rule set as stored: the rules, the currency of its minimum shipment value, its channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRuleSet {
    pub rules: RuleSet,
    pub min_shipment_currency: Option<String>,
    pub channels: Vec<String>,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
}

impl StoredRuleSet {
    fn from_record(r: &RuleSetRecord) -> AppResult<StoredRuleSet> {
        let mut s: StoredRuleSet = serde_json::from_str(&r.body)
            .map_err(|e| AppError::Internal(format!("stored rule set {:?} is unreadable: {e}", r.name)))?;
        (s.version, s.created_at, s.updated_at) = (r.version, r.created_at, r.updated_at);
        Ok(s)
    }

    /// The rules for an order in `currency`: a minimum in another currency does not apply.
    pub fn rules_for(&self, currency: &str) -> RuleSet {
        let mut rules = self.rules.clone();
        if self.min_shipment_currency.as_deref().is_some_and(|c| c != currency) {
            rules.min_shipment_value = 0;
        }
        rules
    }
}

/// The rule set for a channel: the one that names it, else one called `default`, else the
/// built-in default.
pub fn rules_for_channel(sets: &[StoredRuleSet], channel: &str) -> StoredRuleSet {
    sets.iter()
        .find(|s| s.channels.iter().any(|c| c == channel))
        .or_else(|| sets.iter().find(|s| s.rules.name == "default"))
        .cloned()
        .unwrap_or_else(|| StoredRuleSet {
            rules: RuleSet::default_rules(),
            min_shipment_currency: None,
            channels: Vec::new(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        })
}

pub(crate) fn load_rule_sets(tx: &mut dyn Tx) -> AppResult<Vec<StoredRuleSet>> {
    tx.rule_sets()?.iter().map(StoredRuleSet::from_record).collect()
}

fn check_rule_set(input: &RuleSetInput) -> AppResult<StoredRuleSet> {
    let mut e = Errors::new();
    let name = e.code("name", input.name.as_deref(), 64);
    let mut criteria = Vec::new();
    match &input.criteria {
        None => e.add("criteria", "is required"),
        Some(list) if list.is_empty() => e.add("criteria", "must name at least one criterion"),
        Some(list) => {
            for (i, c) in list.iter().enumerate() {
                match Criterion::parse(c) {
                    Some(c) if criteria.contains(&c) => e.add(format!("criteria/{i}"), "is listed twice"),
                    Some(c) => criteria.push(c),
                    None => e.add(format!("criteria/{i}"), "must be one of shipments, distance, priority, capacity"),
                }
            }
        }
    }
    let max_shipments = input.max_shipments.unwrap_or(5);
    if !(1..=10).contains(&max_shipments) {
        e.add("max_shipments", "must be between 1 and 10");
    }
    let min = input.min_shipment_value.as_ref().and_then(|m| check_money(&mut e, "min_shipment_value", m, None));
    let mut channels: Vec<String> = Vec::new();
    for (i, c) in input.channels.iter().flatten().enumerate() {
        if let Some(c) = e.code(&format!("channels/{i}"), Some(c), 64) {
            if channels.contains(&c) {
                e.add(format!("channels/{i}"), "is listed twice");
            }
            channels.push(c);
        }
    }
    let name = e.finish(name)?.expect("checked");
    Ok(StoredRuleSet {
        rules: RuleSet {
            name,
            criteria,
            max_shipments: max_shipments as usize,
            min_shipment_value: min.map_or(0, |m| m.minor()),
            same_country_only: input.same_country_only.unwrap_or(false),
        },
        min_shipment_currency: min.map(|m| m.currency().code().to_owned()),
        channels,
        version: 1,
        created_at: 0,
        updated_at: 0,
    })
}

fn store_rule_set(tx: &mut dyn Tx, set: &StoredRuleSet, now: i64, created: bool) -> AppResult<()> {
    let others = load_rule_sets(tx)?;
    for c in &set.channels {
        if let Some(o) = others.iter().find(|o| o.rules.name != set.rules.name && o.channels.contains(c)) {
            return Err(AppError::Conflict(format!("channel {c:?} is already routed by rule set {:?}", o.rules.name)));
        }
    }
    let body = serde_json::to_string(set).map_err(|e| AppError::Internal(e.to_string()))?;
    tx.put_rule_set(&RuleSetRecord {
        name: set.rules.name.clone(),
        body,
        version: set.version,
        created_at: set.created_at,
        updated_at: now,
    })?;
    let changed = RuleSetChanged { name: set.rules.name.clone(), version: set.version };
    emit(
        tx,
        now,
        &set.rules.name,
        if created { Event::RuleSetCreated(changed) } else { Event::RuleSetUpdated(changed) },
    )
}

impl App {
    pub async fn create_rule_set(
        &self,
        actor: &Actor,
        input: RuleSetInput,
        idem: Option<IdemCtx<StoredRuleSet>>,
    ) -> AppResult<idempotency::Outcome<StoredRuleSet>> {
        require(actor, Action::Configure)?;
        let checked = check_rule_set(&input)?;
        self.write_idem(idem, move |tx, now| {
            if load_rule_sets(tx)?.iter().any(|s| s.rules.name == checked.rules.name) {
                return Err(AppError::Conflict(format!("a rule set named {:?} already exists", checked.rules.name)));
            }
            let set = StoredRuleSet { created_at: now, updated_at: now, ..checked.clone() };
            store_rule_set(tx, &set, now, true)?;
            Ok(set)
        })
        .await
    }

    /// Replaces a rule set's rules and channels; `expected` is the version they are based on.
    pub async fn replace_rule_set(
        &self,
        actor: &Actor,
        name: &str,
        input: RuleSetReplace,
        expected: Option<i64>,
    ) -> AppResult<StoredRuleSet> {
        require(actor, Action::Configure)?;
        let input = RuleSetInput::from(input);
        if input.name.as_deref().is_some_and(|n| n != name) {
            return Err(AppError::conflicting("name", "a rule set cannot be renamed"));
        }
        let checked = check_rule_set(&RuleSetInput { name: Some(name.to_owned()), ..input })?;
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let current = load_rule_sets(tx)?
                    .into_iter()
                    .find(|s| s.rules.name == checked.rules.name)
                    .ok_or(AppError::NotFound("rule set"))?;
                check_version(expected, current.version)?;
                let set = StoredRuleSet {
                    version: current.version + 1,
                    created_at: current.created_at,
                    updated_at: now,
                    ..checked.clone()
                };
                store_rule_set(tx, &set, now, false)?;
                Ok(set)
            })
            .await
    }

    pub async fn list_rule_sets(&self, actor: &Actor) -> AppResult<Vec<StoredRuleSet>> {
        require(actor, Action::ReadCatalog)?;
        self.store.read(load_rule_sets).await
    }

    pub async fn get_rule_set(&self, actor: &Actor, name: &str) -> AppResult<StoredRuleSet> {
        require(actor, Action::ReadCatalog)?;
        let name = name.to_owned();
        self.store
            .read(move |tx| {
                if name == "default" {
                    let sets = load_rule_sets(tx)?;
                    return Ok(rules_for_channel(&sets, "\u{0}no channel"));
                }
                load_rule_sets(tx)?.into_iter().find(|s| s.rules.name == name).ok_or(AppError::NotFound("rule set"))
            })
            .await
    }

    /// Why the order's stock was reserved where it was.
    pub async fn order_routing(&self, actor: &Actor, order_id: &str) -> AppResult<(Order, Explanation)> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        let order = self.store.read(move |tx| visible_order(tx, &who, &id)).await?;
        let why = order.routing.clone().ok_or(AppError::NotFound("routing decision for this order"))?;
        Ok((order, why))
    }

    /// Routes orders again under a rule set, reserving nothing, and reports what would change.
    /// Routes orders again without reserving anything. A keyed request's answer is stored all
    /// the same, so that its retry is answered what it was answered the first time.
    pub async fn simulate_routing(
        &self,
        actor: &Actor,
        input: SimulateInput,
        idem: Option<IdemCtx<Simulation>>,
    ) -> AppResult<idempotency::Outcome<Simulation>> {
        require(actor, Action::ReadOrders)?;
        let mut e = Errors::new();
        let inline = match (&input.rule_set, &input.rules) {
            (Some(_), Some(_)) => {
                e.add("rules", "give either rule_set or rules, not both");
                None
            }
            (_, Some(r)) => match check_rule_set(r) {
                Ok(s) => Some(s),
                Err(AppError::Validation(fields)) => {
                    for f in fields {
                        e.add(format!("rules/{}", f.field), f.message);
                    }
                    None
                }
                Err(other) => return Err(other),
            },
            _ => None,
        };
        match (&input.order_id, input.last) {
            (Some(_), Some(_)) => e.add("last", "give either order_id or last, not both"),
            (None, None) => e.add("order_id", "give order_id or last"),
            (_, Some(n)) if !(1..=500).contains(&n) => e.add("last", "must be between 1 and 500"),
            _ => {}
        }
        e.finish(())?;
        let (who, now) = (actor.clone(), self.now());
        let simulation = self
            .store
            .read(move |tx| {
                let sets = load_rule_sets(tx)?;
                let chosen = match (&input.rule_set, inline) {
                    (_, Some(s)) => Some(s),
                    (Some(name), None) => Some(
                        sets.iter()
                            .find(|s| s.rules.name == *name)
                            .cloned()
                            .ok_or(AppError::missing("rule_set", "no rule set has this name"))?,
                    ),
                    (None, None) => None,
                };
                let orders: Vec<Order> = match (&input.order_id, input.last) {
                    (Some(id), _) => vec![visible_order(tx, &who, id)?],
                    (None, n) => tx.list_orders(
                        &Page { after: None, limit: n.unwrap_or(1) as usize },
                        &OrderFilter {
                            status: Some(OrderStatus::Allocated),
                            channel: who.channel.clone(),
                            ..Default::default()
                        },
                    )?,
                };
                let sites = tx.routing_sites(&crate::kernel::time_fmt::day(now))?;
                let mut results = Vec::new();
                for order in orders.iter().filter(|o| o.status == OrderStatus::Allocated) {
                    let set = chosen.clone().unwrap_or_else(|| rules_for_channel(&sets, &order.channel));
                    results.push(simulate_one(tx, order, &sites, &set)?);
                }
                Ok::<_, AppError>(Simulation::from_results(results))
            })
            .await?;
        self.answer_idem(idem, simulation).await
    }
}

/// Where an order ships from, and how far that is.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub locations: Vec<String>,
    pub shipments: usize,
    pub distance_km: Option<f64>,
}

/// One order routed again under the simulated rules.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OrderSimulation {
    pub order_id: String,
    pub number: i64,
    pub rule_set: String,
    pub current: Outcome,
    /// `None` when the rule set finds no feasible plan for the order today.
    pub simulated: Option<Outcome>,
    pub changed: bool,
    pub reason: String,
}

/// What a rule set would change: totals now and simulated, and each order.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Simulation {
    pub orders: usize,
    pub changed: usize,
    pub shipments_now: usize,
    pub shipments_simulated: usize,
    pub distance_km_now: f64,
    pub distance_km_simulated: f64,
    pub results: Vec<OrderSimulation>,
}

impl Simulation {
    fn from_results(results: Vec<OrderSimulation>) -> Simulation {
        let sim = |r: &OrderSimulation| r.simulated.clone().unwrap_or_else(|| r.current.clone());
        let round = |km: f64| (km * 10.0).round() / 10.0;
        Simulation {
            orders: results.len(),
            changed: results.iter().filter(|r| r.changed).count(),
            shipments_now: results.iter().map(|r| r.current.shipments).sum(),
            shipments_simulated: results.iter().map(|r| sim(r).shipments).sum(),
            distance_km_now: round(results.iter().filter_map(|r| r.current.distance_km).sum()),
            distance_km_simulated: round(results.iter().filter_map(|r| sim(r).distance_km).sum()),
            results,
        }
    }
}

/// Routes one order again as if its own reservations were free.
fn simulate_one(tx: &mut dyn Tx, order: &Order, sites: &[Site], set: &StoredRuleSet) -> AppResult<OrderSimulation> {
    let destination = destination_of(order);
    let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
    let mut stock = StockSnapshot::new();
    for level in tx.levels_for_skus(&skus)? {
        let own: i64 = order
            .lines
            .iter()
            .filter(|l| l.sku == level.sku)
            .flat_map(|l| l.allocations.iter())
            .filter(|a| a.location_id == level.location_id)
            .map(|a| a.quantity)
            .sum();
        stock.set(&level.location_id, &level.sku, level.level().available() + own);
    }
    let lines: Vec<RouteLine> = order
        .lines
        .iter()
        .map(|l| RouteLine { sku: l.sku.clone(), quantity: l.quantity, unit_price: l.unit_price })
        .collect();
    let mut current_locations: Vec<String> = Vec::new();
    for a in order.lines.iter().flat_map(|l| l.allocations.iter()) {
        if !current_locations.contains(&a.location) {
            current_locations.push(a.location.clone());
        }
    }
    let current = Outcome {
        distance_km: distance_of(&current_locations, sites, destination.coordinates),
        shipments: current_locations.len(),
        locations: current_locations,
    };
    let rules = set.rules_for(&order.currency);
    let (simulated, reason) = match route(&lines, &stock, sites, &destination, &rules) {
        Ok(d) => {
            let best = &d.explanation.candidates[0];
            (
                Some(Outcome {
                    locations: best.locations.clone(),
                    shipments: best.shipments,
                    distance_km: best.distance_km,
                }),
                d.explanation.reason.clone(),
            )
        }
        Err(_) => (None, "no feasible plan under these rules with today's stock".to_owned()),
    };
    let changed = simulated.as_ref().is_some_and(|s| {
        let (mut a, mut b) = (s.locations.clone(), current.locations.clone());
        a.sort();
        b.sort();
        a != b
    });
    Ok(OrderSimulation {
        order_id: order.id.to_string(),
        number: order.number,
        rule_set: rules.name,
        current,
        simulated,
        changed,
        reason,
    })
}

fn distance_of(codes: &[String], sites: &[Site], to: Option<(f64, f64)>) -> Option<f64> {
    let to = to?;
    let km: Option<f64> =
        codes.iter().map(|c| sites.iter().find(|s| s.code == *c)?.coordinates.map(|at| distance_km(at, to))).sum();
    km.map(|k| (k * 10.0).round() / 10.0)
}

/// Where an order goes, as routing needs it.
pub fn destination_of(order: &Order) -> Destination {
    match &order.shipping_address {
        Some(a) => Destination {
            coordinates: crate::shipping::geo::locate(a),
            country: Some(a.country.clone()),
            pickup: false,
        },
        None => Destination::default(),
    }
}

/// Formats a rule set's minimum for the API.
pub fn min_value(set: &StoredRuleSet) -> Option<Money> {
    let currency = ordo_domain::Currency::from_code(set.min_shipment_currency.as_deref()?)?;
    Some(Money::from_minor(set.rules.min_shipment_value, currency))
}
