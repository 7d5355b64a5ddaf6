//! Order endpoints: place, read, list and cancel orders, and their events and timeline
//! (`ordo_app::sales::orders`).
//!
//! Each handler parses, calls one use case and renders through `views::orders`; no business
//! rule here (counting placed and rejected orders for `/metrics` is not one).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ordo_app::sales::orders::{CancelInput, NewOrder};
use ordo_app::{AppError, page_limit};
use ordo_domain::order::{Order, OrderStatus};
use ordo_store::{OrderFilter, Page};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, PageQuery, decode_int_cursor, list, render, respond, time_param, versioned};
use crate::extract::{Caller, JsonBody, OptionalJsonBody, Path, Query};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::views::{EventView, ListView, OrderView, TimelineEntryView};

/// Place an order: every line is reserved, or nothing is.
#[utoipa::path(post, path = "/v1/orders", tag = "orders", request_body = NewOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = OrderView),
        (status = 409, description = "`insufficient_stock` (with `shortages`), or `conflict` for a repeated external_id", body = Problem)))]
pub async fn place_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<NewOrder>,
) -> ApiResult<Response> {
    let r = render::<Order, OrderView, 201>;
    match s.app.place_order(&actor, input, idem.ctx(r)).await {
        Ok(outcome) => {
            s.metrics.orders_created.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(respond(outcome, r))
        }
        Err(e) => {
            if matches!(e, AppError::InsufficientStock(_)) {
                s.metrics.orders_rejected_stock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(e.into())
        }
    }
}

/// Get an order.
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = Problem)))]
pub async fn get_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (o, statuses) = s.app.order_with_statuses(&actor, &id).await?;
    let mut view = OrderView::from(&o);
    view.fulfillment_status = Some(statuses.fulfillment.to_owned());
    view.payment_status = Some(statuses.payment.to_owned());
    view.on_hold = Some(statuses.on_hold);
    view.return_status = Some(statuses.returns.to_owned());
    Ok(versioned(o.version, view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(3[0-9]){0,18}$")]
    pub cursor: Option<String>,
    /// `allocated` (stock reserved or shipped), `unallocated` (open, nothing reserved: its
    /// fulfilments were cancelled) or `cancelled`.
    #[param(value_type = Option<ordo_app::kernel::schema::OrderStatus>)]
    pub status: Option<String>,
    pub channel: Option<String>,
    pub customer_id: Option<String>,
    /// RFC 3339; orders created at or after.
    #[param(format = DateTime)]
    pub created_after: Option<String>,
    /// RFC 3339; orders created before.
    #[param(format = DateTime)]
    pub created_before: Option<String>,
}

/// List orders, newest first.
#[utoipa::path(get, path = "/v1/orders", tag = "orders", params(OrderQuery),
    responses((status = 200, body = ListView<OrderView>)))]
pub async fn list_orders(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<OrderQuery>,
) -> ApiResult<Json<ListView<OrderView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let status = q
        .status
        .as_deref()
        .map(|st| {
            OrderStatus::parse(st).ok_or_else(|| {
                ApiError::from(Problem::field(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "status",
                    format!("must be {}", ordo_domain::status::either(OrderStatus::ALL.iter().map(|s| s.as_str()))),
                ))
            })
        })
        .transpose()?;
    let filter = OrderFilter {
        status,
        channel: q.channel,
        customer_id: q.customer_id,
        created_after: time_param("created_after", &q.created_after)?,
        created_before: time_param("created_before", &q.created_before)?,
    };
    let items = s.app.list_orders(&actor, page, filter).await?;
    Ok(Json(list(items, limit, |o: &Order| o.number.to_string())))
}

/// Cancel an order and release every reservation it holds.
#[utoipa::path(post, path = "/v1/orders/{id}/cancel", tag = "orders", request_body(content = Option<CancelInput>),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = OrderView), (status = 404, body = Problem),
        (status = 409, description = "The order cannot be cancelled (`invalid_transition`)", body = Problem)))]
pub async fn cancel_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    OptionalJsonBody(input): OptionalJsonBody<CancelInput>,
) -> ApiResult<Response> {
    let r = render::<Order, OrderView, 200>;
    Ok(respond(s.app.cancel_order(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// The order's timeline: its events in commit order.
#[utoipa::path(get, path = "/v1/orders/{id}/events", tag = "orders", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListView<EventView>), (status = 404, body = Problem)))]
pub async fn order_events(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<ListView<EventView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let items = s.app.order_events(&actor, &id, page).await?;
    Ok(Json(list(items, limit, |e: &ordo_store::EventRecord| e.seq.to_string())))
}

/// The order's timeline, oldest first: capture, holds, edits, payments, fulfilment, returns,
/// refunds, exchanges and claims, each with who did it.
#[utoipa::path(get, path = "/v1/orders/{id}/timeline", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Vec<TimelineEntryView>), (status = 404, body = Problem)))]
pub async fn order_timeline(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TimelineEntryView>>> {
    Ok(Json(s.app.order_timeline(&actor, &id).await?.iter().map(TimelineEntryView::from).collect()))
}
