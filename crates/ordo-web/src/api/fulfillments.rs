//! Fulfilment endpoints: each location's part of an order, its work queue, and the steps from
//! picking to delivery or collection (`ordo_app::shipping::fulfillments`).
//!
//! Each handler parses, calls one use case and renders through `views::fulfillments`; no
//! business rule here (which step is allowed in which status is the domain's).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::shipping::fulfillments::{FulfillmentInput, PackInput, ShipInput, StepInput};
use ordo_store::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, decode_cursor, list, render, respond, versioned};
use crate::extract::{Caller, OptionalJsonBody, Path, Query};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::views::{FulfillmentView, ListView};

/// The order's fulfilments, one per location of its plan.
#[utoipa::path(get, path = "/v1/orders/{id}/fulfillments", tag = "fulfillment", params(("id" = String, Path)),
    responses((status = 200, body = ListView<FulfillmentView>), (status = 404, body = Problem)))]
pub async fn order_fulfillments(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListView<FulfillmentView>>> {
    let items = s.app.order_fulfillments(&actor, &id).await?;
    Ok(Json(ListView { data: items.iter().map(FulfillmentView::from).collect(), next_cursor: None }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FulfillmentQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
    /// Location code: that location's work queue.
    pub location: Option<String>,
    /// `pending`, `picking`, `packed`, `shipped`, `delivered`, `cancelled`, `rejected`,
    /// `ready_for_pickup` or `picked_up`.
    #[param(value_type = Option<ordo_app::kernel::schema::FulfillmentStatus>)]
    pub status: Option<String>,
}

/// Fulfilments, oldest first: a location's work queue.
#[utoipa::path(get, path = "/v1/fulfillments", tag = "fulfillment", params(FulfillmentQuery),
    responses((status = 200, body = ListView<FulfillmentView>), (status = 404, description = "Unknown location", body = Problem)))]
pub async fn list_fulfillments(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<FulfillmentQuery>,
) -> ApiResult<Json<ListView<FulfillmentView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let status = q
        .status
        .as_deref()
        .map(|st| {
            ordo_domain::fulfillment::FulfillmentStatus::parse(st).ok_or_else(|| {
                ApiError::from(Problem::field(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "status",
                    "is not a fulfilment status",
                ))
            })
        })
        .transpose()?;
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.list_fulfillments(&actor, page, q.location, status).await?;
    Ok(Json(list(items, limit, |f: &ordo_domain::fulfillment::Fulfillment| f.id.to_string())))
}

/// Get a fulfilment.
#[utoipa::path(get, path = "/v1/fulfillments/{id}", tag = "fulfillment", params(("id" = String, Path)),
    responses((status = 200, body = FulfillmentView), (status = 404, body = Problem)))]
pub async fn get_fulfillment(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let f = s.app.get_fulfillment(&actor, &id).await?;
    Ok(versioned(f.version, FulfillmentView::from(&f)))
}

async fn act(
    s: AppState,
    actor: ordo_app::Actor,
    id: String,
    action: ordo_domain::fulfillment::FulfillmentAction,
    idem: Idem,
    input: FulfillmentInput,
) -> ApiResult<Response> {
    let r = render::<ordo_domain::fulfillment::Fulfillment, FulfillmentView, 200>;
    Ok(respond(s.app.fulfillment_action(&actor, &id, action, input, idem.ctx(r)).await?, r))
}

macro_rules! fulfillment_action {
    ($fn:ident, $path:literal, $action:ident, $input:ty, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "fulfillment", request_body(content = Option<$input>),
            params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
            responses((status = 200, body = FulfillmentView), (status = 404, body = Problem),
                (status = 409, description = "Not allowed in the fulfilment's status (`invalid_transition`)", body = Problem)))]
        pub async fn $fn(
            State(s): State<AppState>,
            Caller(actor): Caller,
            Path(id): Path<String>,
            idem: Idem,
            OptionalJsonBody(input): OptionalJsonBody<$input>,
        ) -> ApiResult<Response> {
            act(s, actor, id, ordo_domain::fulfillment::FulfillmentAction::$action, idem, input.into()).await
        }
    };
}

fulfillment_action!(
    start_picking,
    "/v1/fulfillments/{id}/start-picking",
    StartPicking,
    StepInput,
    "Start picking a fulfilment."
);
fulfillment_action!(
    pack_fulfillment,
    "/v1/fulfillments/{id}/pack",
    Pack,
    PackInput,
    "Mark a fulfilment packed, with its parcels."
);
fulfillment_action!(
    ship_fulfillment,
    "/v1/fulfillments/{id}/ship",
    Ship,
    ShipInput,
    "Ship a fulfilment: its reserved units leave stock (on hand and reserved both fall)."
);
fulfillment_action!(
    deliver_fulfillment,
    "/v1/fulfillments/{id}/deliver",
    Deliver,
    StepInput,
    "Mark a shipped fulfilment delivered."
);
fulfillment_action!(
    reject_fulfillment,
    "/v1/fulfillments/{id}/reject",
    Reject,
    StepInput,
    "The location cannot fulfil this (item damaged, cannot find it): its reservations are released, its stock is marked for counting, and the lines are routed again without it."
);
fulfillment_action!(
    ready_for_pickup,
    "/v1/fulfillments/{id}/ready-for-pickup",
    ReadyForPickup,
    StepInput,
    "Click and collect: the order waits at the store for the customer."
);
fulfillment_action!(
    picked_up,
    "/v1/fulfillments/{id}/pick-up",
    PickUp,
    StepInput,
    "Click and collect: the customer collected it; its units leave stock."
);
fulfillment_action!(
    cancel_fulfillment,
    "/v1/fulfillments/{id}/cancel",
    Cancel,
    StepInput,
    "Cancel a fulfilment that has not shipped, releasing its reservations."
);
