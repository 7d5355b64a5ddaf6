//! Routing endpoints: the rule sets that choose where orders are fulfilled, why an order was
//! routed where it was, and simulations (`ordo_app::shipping::routing`).
//!
//! Each handler parses, calls one use case and renders through `views::routing`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ordo_app::kernel::idempotency::Outcome;
use ordo_app::shipping::routing::{RuleSetInput, SimulateInput, Simulation, StoredRuleSet};

use super::{ApiResult, Idem, render, replayed, respond, versioned};
use crate::extract::{Caller, IfMatch, JsonBody, Path};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::{ListView, RoutingView, RuleSetView};

/// Create a routing rule set.
#[utoipa::path(post, path = "/v1/routing/rule-sets", tag = "routing", request_body = RuleSetInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = RuleSetView),
        (status = 409, description = "The name exists, or a channel is already routed by another rule set", body = Problem)))]
pub async fn create_rule_set(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<RuleSetInput>,
) -> ApiResult<Response> {
    let r = render::<StoredRuleSet, RuleSetView, 201>;
    Ok(match s.app.create_rule_set(&actor, input, idem.ctx(r)).await? {
        Outcome::Fresh(set) => (StatusCode::CREATED, versioned(set.version, RuleSetView::from(&set))).into_response(),
        Outcome::Replayed { status, body } => replayed(status, body),
    })
}

/// List routing rule sets.
#[utoipa::path(get, path = "/v1/routing/rule-sets", tag = "routing", responses((status = 200, body = ListView<RuleSetView>)))]
pub async fn list_rule_sets(
    State(s): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ListView<RuleSetView>>> {
    let sets = s.app.list_rule_sets(&actor).await?;
    Ok(Json(ListView { data: sets.iter().map(RuleSetView::from).collect(), next_cursor: None }))
}

/// Get a rule set by name; `default` is the one used for channels no rule set names.
#[utoipa::path(get, path = "/v1/routing/rule-sets/{name}", tag = "routing", params(("name" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = "Letters, digits, `-`, `_` and `.`, 1 to 64")),
    responses((status = 200, body = RuleSetView), (status = 404, body = Problem)))]
pub async fn get_rule_set(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let set = s.app.get_rule_set(&actor, &name).await?;
    Ok(versioned(set.version, RuleSetView::from(&set)))
}

/// Replace a rule set's rules and channels.
#[utoipa::path(put, path = "/v1/routing/rule-sets/{name}", tag = "routing", request_body = ordo_app::shipping::routing::RuleSetReplace,
    params(("name" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = "Letters, digits, `-`, `_` and `.`, 1 to 64"), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = RuleSetView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
pub async fn replace_rule_set(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(input): JsonBody<ordo_app::shipping::routing::RuleSetReplace>,
) -> ApiResult<Response> {
    let set = s.app.replace_rule_set(&actor, &name, input, version).await?;
    Ok(versioned(set.version, RuleSetView::from(&set)))
}

/// Why the order's stock was reserved where it was: the candidate plans and why the winner won.
#[utoipa::path(get, path = "/v1/orders/{id}/routing", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = RoutingView), (status = 404, body = Problem)))]
pub async fn order_routing(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RoutingView>> {
    let (order, why) = s.app.order_routing(&actor, &id).await?;
    Ok(Json(RoutingView::new(&order, &why)))
}

/// Route one order, or the last N, again under a rule set without reserving anything, and
/// report what would change.
#[utoipa::path(post, path = "/v1/routing/simulate", tag = "routing", request_body = SimulateInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = Simulation), (status = 404, body = Problem)))]
pub async fn simulate_routing(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<SimulateInput>,
) -> ApiResult<Response> {
    Ok(respond(s.app.simulate_routing(&actor, input, idem.ctx(simulated)).await?, simulated))
}

/// A simulation is its own view.
fn simulated(simulation: &Simulation) -> (u16, Vec<u8>) {
    (200, serde_json::to_vec(simulation).unwrap_or_default())
}
