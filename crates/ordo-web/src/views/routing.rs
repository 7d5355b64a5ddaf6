//! How routing looks on the wire: rule sets, and why an order was routed where it was.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_domain::order::Order;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// A routing rule set.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSetView {
    pub name: String,
    /// In order of precedence, after stock availability.
    #[schema(example = json!(["shipments", "distance", "priority"]))]
    pub criteria: Vec<String>,
    pub max_shipments: usize,
    pub min_shipment_value: Option<MoneyView>,
    pub same_country_only: bool,
    pub channels: Vec<String>,
    /// 0 for the built-in default, which is not stored.
    pub version: i64,
}

impl From<&ordo_app::shipping::routing::StoredRuleSet> for RuleSetView {
    fn from(s: &ordo_app::shipping::routing::StoredRuleSet) -> Self {
        RuleSetView {
            name: s.rules.name.clone(),
            criteria: s.rules.criteria.iter().map(|c| c.as_str().to_owned()).collect(),
            max_shipments: s.rules.max_shipments,
            min_shipment_value: ordo_app::shipping::routing::min_value(s)
                .map(|m| MoneyView::new(m.minor(), m.currency().code())),
            same_country_only: s.rules.same_country_only,
            channels: s.channels.clone(),
            version: s.version,
        }
    }
}

/// One candidate plan and its value on each criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    /// Location codes.
    pub locations: Vec<String>,
    pub shipments: usize,
    /// Total great-circle distance to the customer; null when the address could not be placed.
    pub distance_km: Option<f64>,
    /// Sum of the locations' priorities (lower is better).
    pub priority: i64,
    /// Orders the busiest location may still take today; null when unlimited.
    pub capacity: Option<i64>,
}

/// Why an order's stock was reserved where it was.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingView {
    pub order_id: String,
    pub rule_set: String,
    pub criteria: Vec<String>,
    /// The best plans compared, winner first.
    pub candidates: Vec<PlanView>,
    pub feasible_plans: usize,
    /// The criterion on which the winner beat the runner-up, if one did.
    pub deciding_criterion: Option<String>,
    pub reason: String,
    /// False when the customer's address could not be placed, so distance played no part.
    pub destination_placed: bool,
}

impl RoutingView {
    pub fn new(order: &Order, e: &ordo_domain::routing::Explanation) -> RoutingView {
        RoutingView {
            order_id: order.id.to_string(),
            rule_set: e.rule_set.clone(),
            criteria: e.criteria.iter().map(|c| c.as_str().to_owned()).collect(),
            candidates: e
                .candidates
                .iter()
                .map(|p| PlanView {
                    locations: p.locations.clone(),
                    shipments: p.shipments,
                    distance_km: p.distance_km,
                    priority: p.priority,
                    capacity: p.capacity,
                })
                .collect(),
            feasible_plans: e.feasible_plans,
            deciding_criterion: e.deciding_criterion.map(|c| c.as_str().to_owned()),
            reason: e.reason.clone(),
            destination_placed: e.destination_placed,
        }
    }
}
