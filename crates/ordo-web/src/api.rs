//! The `/v1` handlers: parse, call one use case, map the result. No rules live here.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ordo_app::kernel::idempotency::{IdemCtx, Outcome};
use ordo_app::kernel::keys::NewKey;
use ordo_app::kernel::time_fmt::parse_rfc3339;
use ordo_app::sales::customers::{CustomerPatch, NewCustomer};
use ordo_app::sales::orders::{CancelInput, NewOrder};
use ordo_app::shipping::fulfillments::FulfillmentInput;
use ordo_app::shipping::routing::Simulation;
use ordo_app::shipping::routing::{RuleSetInput, SimulateInput};
use ordo_app::stock::catalog::{LocationPatch, NewLocation, NewProduct, ProductPatch};
use ordo_app::stock::inventory::Adjusted;
use ordo_app::stock::inventory::{AdjustmentInput, CountInput};
use ordo_app::{AppError, page_limit};
use ordo_domain::catalog::{Customer, Location, Product};
use ordo_domain::order::{Order, OrderStatus};
use ordo_store::{EventFilter, MovementFilter, OrderFilter, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::extract::{Caller, IfMatch, JsonBody, OptionalJsonBody, Path, Query};
use crate::middleware::{IdemRequest, replayed};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::views::*;

type ApiResult<T> = Result<T, ApiError>;

/// The idempotency key of this request, if it carried one.
pub struct Idem(Option<IdemRequest>);

impl<S: Send + Sync> FromRequestParts<S> for Idem {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Idem(parts.extensions.get::<IdemRequest>().cloned()))
    }
}

/// Renders `T` through its view `V` with status `S`: the bytes a replay returns too.
fn render<T, V, const S: u16>(value: &T) -> (u16, Vec<u8>)
where
    V: for<'a> From<&'a T> + Serialize,
{
    (S, serde_json::to_vec(&V::from(value)).unwrap_or_default())
}

impl Idem {
    fn ctx<T>(self, render: fn(&T) -> (u16, Vec<u8>)) -> Option<IdemCtx<T>> {
        self.0.map(|r| IdemCtx { key_id: r.key_id, key: r.key, request_hash: r.request_hash, render })
    }
}

fn respond<T>(outcome: Outcome<T>, render: fn(&T) -> (u16, Vec<u8>)) -> Response {
    match outcome {
        Outcome::Fresh(v) => {
            let (status, body) = render(&v);
            let mut r = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Outcome::Replayed { status, body } => replayed(status, body),
    }
}

/// A JSON response with the resource's version as its ETag.
fn versioned<V: Serialize>(version: i64, view: V) -> Response {
    let mut r = Json(view).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

fn encode_cursor(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(c: &Option<String>) -> ApiResult<Option<String>> {
    let bad = || {
        ApiError::from(Problem::field(
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
            "cursor",
            "is not a cursor this API issued",
        ))
    };
    let Some(c) = c else { return Ok(None) };
    if c.len() % 2 != 0 || c.len() > 512 {
        return Err(bad());
    }
    let bytes: Option<Vec<u8>> =
        (0..c.len()).step_by(2).map(|i| u8::from_str_radix(c.get(i..i + 2)?, 16).ok()).collect();
    bytes.and_then(|b| String::from_utf8(b).ok()).map(Some).ok_or_else(bad)
}

fn decode_int_cursor(c: &Option<String>) -> ApiResult<Option<i64>> {
    decode_cursor(c)?
        .map(|s| {
            s.parse::<i64>().map_err(|_| {
                ApiError::from(Problem::field(
                    StatusCode::BAD_REQUEST,
                    "invalid_cursor",
                    "cursor",
                    "is not a cursor this API issued",
                ))
            })
        })
        .transpose()
}

fn list<T, V: for<'a> From<&'a T>>(items: Vec<T>, limit: usize, cursor_of: impl Fn(&T) -> String) -> ListView<V> {
    let next_cursor = (items.len() == limit).then(|| items.last().map(|i| encode_cursor(&cursor_of(i)))).flatten();
    ListView { data: items.iter().map(V::from).collect(), next_cursor }
}

fn time_param(field: &str, value: &Option<String>) -> ApiResult<Option<i64>> {
    value
        .as_deref()
        .map(|v| {
            parse_rfc3339(v).ok_or_else(|| {
                ApiError::from(Problem::field(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    field,
                    "must be an RFC 3339 timestamp",
                ))
            })
        })
        .transpose()
}

// ---------------------------------------------------------------- products

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    pub active: Option<bool>,
}

/// Create a product.
#[utoipa::path(post, path = "/v1/products", tag = "products", request_body = NewProduct,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 201, body = ProductView), (status = 409, description = "The SKU exists", body = Problem)))]
pub async fn create_product(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<NewProduct>,
) -> ApiResult<Response> {
    let r = render::<Product, ProductView, 201>;
    Ok(respond(s.app.create_product(&actor, input, idem.ctx(r)).await?, r))
}

/// Get a product by SKU.
#[utoipa::path(get, path = "/v1/products/{sku}", tag = "products", params(("sku" = String, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = Problem)))]
pub async fn get_product(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Response> {
    let p = s.app.get_product(&actor, &sku).await?;
    Ok(versioned(p.version, ProductView::from(&p)))
}

/// List products by SKU.
#[utoipa::path(get, path = "/v1/products", tag = "products", params(ProductQuery),
    responses((status = 200, body = ListView<ProductView>)))]
pub async fn list_products(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ProductQuery>,
) -> ApiResult<Json<ListView<ProductView>>> {
    let limit = page_limit(q.limit);
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.list_products(&actor, page, q.active).await?;
    Ok(Json(list(items, limit, |p: &Product| p.sku.clone())))
}

/// Update a product's name, price, weight, barcode or active flag.
#[utoipa::path(patch, path = "/v1/products/{sku}", tag = "products", request_body = ProductPatch,
    params(("sku" = String, Path), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = ProductView), (status = 404, body = Problem), (status = 412, body = Problem)))]
pub async fn update_product(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(patch): JsonBody<ProductPatch>,
) -> ApiResult<Response> {
    let p = s.app.update_product(&actor, &sku, patch, version).await?;
    Ok(versioned(p.version, ProductView::from(&p)))
}

// ---------------------------------------------------------------- locations

/// Create a location.
#[utoipa::path(post, path = "/v1/locations", tag = "locations", request_body = NewLocation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 201, body = LocationView), (status = 409, description = "The code exists", body = Problem)))]
pub async fn create_location(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<NewLocation>,
) -> ApiResult<Response> {
    let r = render::<Location, LocationView, 201>;
    Ok(respond(s.app.create_location(&actor, input, idem.ctx(r)).await?, r))
}

/// Get a location by code.
#[utoipa::path(get, path = "/v1/locations/{code}", tag = "locations", params(("code" = String, Path)),
    responses((status = 200, body = LocationView), (status = 404, body = Problem)))]
pub async fn get_location(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let l = s.app.get_location(&actor, &code).await?;
    Ok(versioned(l.version, LocationView::from(&l)))
}

/// List every location, by code.
#[utoipa::path(get, path = "/v1/locations", tag = "locations", responses((status = 200, body = ListView<LocationView>)))]
pub async fn list_locations(
    State(s): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ListView<LocationView>>> {
    let items = s.app.list_locations(&actor).await?;
    Ok(Json(ListView { data: items.iter().map(LocationView::from).collect(), next_cursor: None }))
}

/// Update a location (its code cannot change).
#[utoipa::path(patch, path = "/v1/locations/{code}", tag = "locations", request_body = LocationPatch,
    params(("code" = String, Path), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = LocationView), (status = 404, body = Problem), (status = 412, body = Problem)))]
pub async fn update_location(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(patch): JsonBody<LocationPatch>,
) -> ApiResult<Response> {
    let l = s.app.update_location(&actor, &code, patch, version).await?;
    Ok(versioned(l.version, LocationView::from(&l)))
}

// ---------------------------------------------------------------- inventory

/// Add or remove on-hand units at a location, with a reason.
#[utoipa::path(post, path = "/v1/inventory/adjustments", tag = "inventory", request_body = AdjustmentInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 201, body = AdjustmentView),
        (status = 409, description = "The change would take on-hand below what is reserved (`insufficient_stock`)", body = Problem)))]
pub async fn adjust_inventory(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<AdjustmentInput>,
) -> ApiResult<Response> {
    let r = render::<Adjusted, AdjustmentView, 201>;
    Ok(respond(s.app.adjust_inventory(&actor, input, idem.ctx(r)).await?, r))
}

/// Record an absolute count of on-hand units; the ledger records the difference.
#[utoipa::path(post, path = "/v1/inventory/counts", tag = "inventory", request_body = CountInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 201, body = AdjustmentView),
        (status = 409, description = "The count is below what is reserved (`insufficient_stock`)", body = Problem)))]
pub async fn count_inventory(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<CountInput>,
) -> ApiResult<Response> {
    let r = render::<Adjusted, AdjustmentView, 201>;
    Ok(respond(s.app.count_inventory(&actor, input, idem.ctx(r)).await?, r))
}

/// One SKU's stock at every location, with totals.
#[utoipa::path(get, path = "/v1/inventory/{sku}", tag = "inventory", params(("sku" = String, Path)),
    responses((status = 200, body = SkuStockView), (status = 404, body = Problem)))]
pub async fn sku_stock(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Json<SkuStockView>> {
    let stock = s.app.sku_stock(&actor, &sku).await?;
    Ok(Json(SkuStockView::from(&stock)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    pub sku: Option<String>,
    /// Location code.
    pub location: Option<String>,
}

/// Stock levels per SKU and location.
#[utoipa::path(get, path = "/v1/inventory", tag = "inventory", params(LevelQuery),
    responses((status = 200, body = ListView<LevelView>), (status = 404, description = "Unknown location", body = Problem)))]
pub async fn list_levels(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<LevelQuery>,
) -> ApiResult<Json<ListView<LevelView>>> {
    let limit = page_limit(q.limit);
    let after = decode_cursor(&q.cursor)?
        .map(|c| c.split_once('|').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .map(|c| {
            c.ok_or_else(|| {
                ApiError::from(Problem::field(
                    StatusCode::BAD_REQUEST,
                    "invalid_cursor",
                    "cursor",
                    "is not a cursor this API issued",
                ))
            })
        })
        .transpose()?;
    let items = s.app.list_levels(&actor, Page { after, limit }, q.sku, q.location).await?;
    Ok(Json(list(items, limit, |l: &ordo_store::LevelRecord| format!("{}|{}", l.sku, l.location_id))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    pub sku: Option<String>,
    /// Location code.
    pub location: Option<String>,
    pub order_id: Option<String>,
    /// RFC 3339; entries at or after.
    pub created_after: Option<String>,
    /// RFC 3339; entries before.
    pub created_before: Option<String>,
}

/// The inventory ledger, newest first.
#[utoipa::path(get, path = "/v1/inventory/movements", tag = "inventory", params(MovementQuery),
    responses((status = 200, body = ListView<MovementView>), (status = 404, description = "Unknown location", body = Problem)))]
pub async fn list_movements(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<MovementQuery>,
) -> ApiResult<Json<ListView<MovementView>>> {
    let limit = page_limit(q.limit);
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let filter = MovementFilter {
        sku: q.sku,
        location_id: None,
        order_id: q.order_id,
        after_time: time_param("created_after", &q.created_after)?,
        before_time: time_param("created_before", &q.created_before)?,
    };
    let items = s.app.list_movements(&actor, page, filter, q.location).await?;
    Ok(Json(list(items, limit, |m: &ordo_domain::inventory::Movement| m.seq.to_string())))
}

// ---------------------------------------------------------------- customers

/// Create a customer.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = NewCustomer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 201, body = CustomerView), (status = 409, description = "The email exists", body = Problem)))]
pub async fn create_customer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<NewCustomer>,
) -> ApiResult<Response> {
    let r = render::<Customer, CustomerView, 201>;
    Ok(respond(s.app.create_customer(&actor, input, idem.ctx(r)).await?, r))
}

/// Get a customer.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", params(("id" = String, Path)),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem)))]
pub async fn get_customer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let c = s.app.get_customer(&actor, &id).await?;
    Ok(versioned(c.version, CustomerView::from(&c)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Customers whose email starts with this (case-insensitive); a full address finds one.
    pub email: Option<String>,
}

/// List or search customers, newest first.
#[utoipa::path(get, path = "/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = ListView<CustomerView>)))]
pub async fn list_customers(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<CustomerQuery>,
) -> ApiResult<Json<ListView<CustomerView>>> {
    let limit = page_limit(q.limit);
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.list_customers(&actor, page, q.email).await?;
    Ok(Json(list(items, limit, |c: &Customer| c.id.to_string())))
}

/// Update a customer.
#[utoipa::path(patch, path = "/v1/customers/{id}", tag = "customers", request_body = CustomerPatch,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
pub async fn update_customer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(patch): JsonBody<CustomerPatch>,
) -> ApiResult<Response> {
    let c = s.app.update_customer(&actor, &id, patch, version).await?;
    Ok(versioned(c.version, CustomerView::from(&c)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// A customer's orders, newest first.
#[utoipa::path(get, path = "/v1/customers/{id}/orders", tag = "customers", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListView<OrderView>), (status = 404, body = Problem)))]
pub async fn customer_orders(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<ListView<OrderView>>> {
    let limit = page_limit(q.limit);
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let items = s.app.customer_orders(&actor, &id, page).await?;
    Ok(Json(list(items, limit, |o: &Order| o.number.to_string())))
}

// ---------------------------------------------------------------- orders

/// Place an order: every line is reserved, or nothing is.
#[utoipa::path(post, path = "/v1/orders", tag = "orders", request_body = NewOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
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
    let o = s.app.get_order(&actor, &id).await?;
    let fulfillments = s.app.order_fulfillments(&actor, &id).await?;
    let mut view = OrderView::from(&o);
    view.fulfillment_status = Some(ordo_app::shipping::fulfillments::order_status(&fulfillments).as_str().to_owned());
    let statuses = s.app.order_statuses(&actor, &id).await?;
    view.payment_status = Some(statuses.payment.to_owned());
    view.on_hold = Some(statuses.on_hold);
    view.return_status = Some(statuses.returns.to_owned());
    Ok(versioned(o.version, view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// `allocated` or `cancelled`.
    pub status: Option<String>,
    pub channel: Option<String>,
    pub customer_id: Option<String>,
    /// RFC 3339; orders created at or after.
    pub created_after: Option<String>,
    /// RFC 3339; orders created before.
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
    let limit = page_limit(q.limit);
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
                    "must be allocated or cancelled",
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
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
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
    let limit = page_limit(q.limit);
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let items = s.app.order_events(&actor, &id, page).await?;
    Ok(Json(list(items, limit, |e: &ordo_store::EventRecord| e.seq.to_string())))
}

// ---------------------------------------------------------------- events

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Only events of this type, e.g. `order.created`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// Only events about this object id.
    pub subject: Option<String>,
}

/// The outbox: every event in commit order, oldest first.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventQuery),
    responses((status = 200, body = ListView<EventView>)))]
pub async fn list_events(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<EventQuery>,
) -> ApiResult<Json<ListView<EventView>>> {
    let limit = page_limit(q.limit);
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let items = s.app.list_events(&actor, page, EventFilter { subject: q.subject, event_type: q.event_type }).await?;
    Ok(Json(list(items, limit, |e: &ordo_store::EventRecord| e.seq.to_string())))
}

// ---------------------------------------------------------------- keys

/// Create an API key; the response is the only time its secret is shown.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", request_body = NewKey, responses((status = 201, body = KeyView)))]
pub async fn create_key(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<NewKey>,
) -> ApiResult<Response> {
    let created = s.app.create_key(&actor, input).await?;
    let mut view = KeyView::from(&created.record);
    view.secret = Some(created.secret);
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// List API keys (never their secrets).
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = ListView<KeyView>)))]
pub async fn list_keys(State(s): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<ListView<KeyView>>> {
    let keys = s.app.list_keys(&actor).await?;
    Ok(Json(ListView { data: keys.iter().map(KeyView::from).collect(), next_cursor: None }))
}

/// Revoke an API key; it stops working at once on this node.
#[utoipa::path(post, path = "/v1/keys/{id}/revoke", tag = "keys", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem)))]
pub async fn revoke_key(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.revoke_key(&actor, &id).await?;
    s.keys.clear();
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- routing

/// Create a routing rule set.
#[utoipa::path(post, path = "/v1/routing/rule-sets", tag = "routing", request_body = RuleSetInput,
    responses((status = 201, body = RuleSetView),
        (status = 409, description = "The name exists, or a channel is already routed by another rule set", body = Problem)))]
pub async fn create_rule_set(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<RuleSetInput>,
) -> ApiResult<Response> {
    let set = s.app.create_rule_set(&actor, input).await?;
    Ok((StatusCode::CREATED, versioned(set.version, RuleSetView::from(&set))).into_response())
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
#[utoipa::path(get, path = "/v1/routing/rule-sets/{name}", tag = "routing", params(("name" = String, Path)),
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
#[utoipa::path(put, path = "/v1/routing/rule-sets/{name}", tag = "routing", request_body = RuleSetInput,
    params(("name" = String, Path), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = RuleSetView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
pub async fn replace_rule_set(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(name): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(input): JsonBody<RuleSetInput>,
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
    responses((status = 200, body = Simulation), (status = 404, body = Problem)))]
pub async fn simulate_routing(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<SimulateInput>,
) -> ApiResult<Json<Simulation>> {
    Ok(Json(s.app.simulate_routing(&actor, input).await?))
}

// ---------------------------------------------------------------- fulfilment

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
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Location code: that location's work queue.
    pub location: Option<String>,
    /// `pending`, `picking`, `packed`, `shipped`, `delivered` or `cancelled`.
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
    let limit = page_limit(q.limit);
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
    ($fn:ident, $path:literal, $action:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "fulfillment", request_body(content = Option<FulfillmentInput>),
            params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
            responses((status = 200, body = FulfillmentView), (status = 404, body = Problem),
                (status = 409, description = "Not allowed in the fulfilment's status (`invalid_transition`)", body = Problem)))]
        pub async fn $fn(
            State(s): State<AppState>,
            Caller(actor): Caller,
            Path(id): Path<String>,
            idem: Idem,
            OptionalJsonBody(input): OptionalJsonBody<FulfillmentInput>,
        ) -> ApiResult<Response> {
            act(s, actor, id, ordo_domain::fulfillment::FulfillmentAction::$action, idem, input).await
        }
    };
}

fulfillment_action!(start_picking, "/v1/fulfillments/{id}/start-picking", StartPicking, "Start picking a fulfilment.");
fulfillment_action!(
    pack_fulfillment,
    "/v1/fulfillments/{id}/pack",
    Pack,
    "Mark a fulfilment packed, with its parcels."
);
fulfillment_action!(
    ship_fulfillment,
    "/v1/fulfillments/{id}/ship",
    Ship,
    "Ship a fulfilment: its reserved units leave stock (on hand and reserved both fall)."
);
fulfillment_action!(
    deliver_fulfillment,
    "/v1/fulfillments/{id}/deliver",
    Deliver,
    "Mark a shipped fulfilment delivered."
);
fulfillment_action!(
    reject_fulfillment,
    "/v1/fulfillments/{id}/reject",
    Reject,
    "The location cannot fulfil this (item damaged, cannot find it): its reservations are released, its stock is marked for counting, and the lines are routed again without it."
);
fulfillment_action!(
    ready_for_pickup,
    "/v1/fulfillments/{id}/ready-for-pickup",
    ReadyForPickup,
    "Click and collect: the order waits at the store for the customer."
);
fulfillment_action!(
    picked_up,
    "/v1/fulfillments/{id}/pick-up",
    PickUp,
    "Click and collect: the customer collected it; its units leave stock."
);
fulfillment_action!(
    cancel_fulfillment,
    "/v1/fulfillments/{id}/cancel",
    Cancel,
    "Cancel a fulfilment that has not shipped, releasing its reservations."
);

/// A request to count stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountRequestView {
    pub sku: String,
    /// Location code.
    pub location: String,
    pub requested_at: String,
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountRequestQuery {
    /// Location code.
    pub location: Option<String>,
}

/// Stock waiting to be counted, after a location rejected it; recording a count clears it.
#[utoipa::path(get, path = "/v1/inventory/count-requests", tag = "inventory", params(CountRequestQuery),
    responses((status = 200, body = ListView<CountRequestView>), (status = 404, description = "Unknown location", body = Problem)))]
pub async fn count_requests(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<CountRequestQuery>,
) -> ApiResult<Json<ListView<CountRequestView>>> {
    let items = s.app.count_requests(&actor, q.location).await?;
    let data = items
        .into_iter()
        .map(|r| CountRequestView {
            sku: r.sku,
            location: r.location,
            requested_at: ordo_app::kernel::time_fmt::format_ms(r.requested_at),
            reason: r.reason,
        })
        .collect();
    Ok(Json(ListView { data, next_cursor: None }))
}

// ---------------------------------------------------------------- documents

fn document(content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `pdf` (the default) or, for labels, `zpl`; for pick lists also `json`.
    pub format: Option<String>,
}

/// The fulfilment's 4×6 inch shipping label, as PDF or as ZPL for thermal printers, with the
/// tracking number as a Code 128 barcode.
#[utoipa::path(get, path = "/v1/fulfillments/{id}/label", tag = "fulfillment", params(("id" = String, Path), FormatQuery),
    responses((status = 200, description = "application/pdf, or ZPL as text/plain", content_type = "application/pdf"),
        (status = 404, body = Problem), (status = 409, description = "No tracking number yet (`invalid_transition`)", body = Problem)))]
pub async fn fulfillment_label(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let label = s.app.fulfillment_label(&actor, &id).await?;
    label_document(&label, q.format.as_deref())
}

/// A label as PDF (default) or ZPL.
fn label_document(label: &ordo_app::shipping::documents::Label, format: Option<&str>) -> ApiResult<Response> {
    match format.unwrap_or("pdf") {
        "pdf" => {
            let pdf = ordo_app::shipping::documents::label_pdf(label).ok_or_else(|| {
                ApiError::from(Problem::new(
                    StatusCode::CONFLICT,
                    "invalid_transition",
                    "the tracking number cannot be printed as Code 128",
                ))
            })?;
            Ok(document("application/pdf", pdf))
        }
        "zpl" => {
            Ok(document("text/plain; charset=utf-8", ordo_app::shipping::documents::label_zpl(label).into_bytes()))
        }
        _ => Err(ApiError::from(Problem::field(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "format",
            "must be pdf or zpl",
        ))),
    }
}

/// The fulfilment's packing slip as a PDF.
#[utoipa::path(get, path = "/v1/fulfillments/{id}/packing-slip", tag = "fulfillment", params(("id" = String, Path)),
    responses((status = 200, description = "The packing slip", content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn packing_slip(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(document("application/pdf", s.app.packing_slip(&actor, &id).await?))
}

/// Everything the location has to pick now, one line per SKU with the orders it serves
/// (a wave), as JSON or as a printable PDF.
#[utoipa::path(get, path = "/v1/locations/{code}/pick-list", tag = "fulfillment", params(("code" = String, Path), FormatQuery),
    responses((status = 200, body = ListView<ordo_app::shipping::fulfillments::PickItem>), (status = 404, body = Problem)))]
pub async fn pick_list(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let items = s.app.pick_list(&actor, &code).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(ListView { data: items, next_cursor: None }).into_response()),
        "pdf" => {
            let lines: Vec<ordo_app::shipping::documents::ItemLine> = items
                .iter()
                .map(|i| ordo_app::shipping::documents::ItemLine {
                    sku: i.sku.clone(),
                    name: i.name.clone(),
                    quantity: i.quantity,
                    orders: i.orders.iter().map(|o| (o.number, o.quantity)).collect(),
                })
                .collect();
            let generated = ordo_app::kernel::time_fmt::format_ms(s.app.now());
            Ok(document("application/pdf", ordo_app::shipping::documents::pick_list_pdf(&code, &generated, &lines)))
        }
        _ => Err(ApiError::from(Problem::field(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "format",
            "must be json or pdf",
        ))),
    }
}

// ---------------------------------------------------------------- carriers

/// Add a carrier with its services' rate cards.
#[utoipa::path(post, path = "/v1/carriers", tag = "shipping", request_body = ordo_app::shipping::carriers::CarrierInput,
    responses((status = 201, body = CarrierView), (status = 409, body = Problem)))]
pub async fn create_carrier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<ordo_app::shipping::carriers::CarrierInput>,
) -> ApiResult<Response> {
    let c = s.app.create_carrier(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(CarrierView::from(&c))).into_response())
}

/// List carriers.
#[utoipa::path(get, path = "/v1/carriers", tag = "shipping", responses((status = 200, body = ListView<CarrierView>)))]
pub async fn list_carriers(State(s): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<ListView<CarrierView>>> {
    let items = s.app.list_carriers(&actor).await?;
    Ok(Json(ListView { data: items.iter().map(CarrierView::from).collect(), next_cursor: None }))
}

/// Every service's price and delivery date for the fulfilment's parcel, cheapest first.
#[utoipa::path(get, path = "/v1/fulfillments/{id}/rates", tag = "shipping", params(("id" = String, Path)),
    responses((status = 200, body = ListView<QuoteView>), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn fulfillment_rates(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ListView<QuoteView>>> {
    let quotes = s.app.fulfillment_rates(&actor, &id).await?;
    Ok(Json(ListView { data: quotes.iter().map(QuoteView::from).collect(), next_cursor: None }))
}

/// Buy the fulfilment's shipping label: the service asked for, or the cheapest that arrives
/// by the order's promised date. The tracking number is issued here.
#[utoipa::path(post, path = "/v1/fulfillments/{id}/label", tag = "shipping", request_body(content = Option<ordo_app::shipping::carriers::LabelInput>),
    params(("id" = String, Path)),
    responses((status = 200, body = FulfillmentView), (status = 404, body = Problem),
        (status = 409, description = "No service qualifies, or the fulfilment has shipped", body = Problem)))]
pub async fn buy_label(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::shipping::carriers::LabelInput>,
) -> ApiResult<Json<FulfillmentView>> {
    let f = s.app.buy_label(&actor, &id, input).await?;
    Ok(Json(FulfillmentView::from(&f)))
}

/// A carrier's tracking report, signed with the carrier's webhook secret:
/// `Ordo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, or for
/// EasyPost carriers EasyPost's own event JSON signed `X-Hmac-Signature: hmac-sha256-hex=<hex>`.
/// No API key: the signature authenticates the carrier.
#[utoipa::path(post, path = "/v1/carriers/{code}/tracking", tag = "shipping", request_body = ordo_app::shipping::carriers::TrackingInput,
    params(("code" = String, Path), ("Ordo-Signature" = Option<String>, Header, description = "The carrier's signature"),
        ("X-Hmac-Signature" = Option<String>, Header, description = "EasyPost's signature")),
    security(()),
    responses((status = 200, body = FulfillmentView), (status = 401, description = "Bad or missing signature", body = Problem),
        (status = 404, description = "Unknown carrier or tracking number", body = Problem)))]
pub async fn carrier_tracking(
    State(s): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<FulfillmentView>> {
    let f = s.app.carrier_tracking(&code, &webhook_headers(&headers), &body).await?;
    Ok(Json(FulfillmentView::from(&f)))
}

/// A webhook's headers as the connectors read their signatures from them.
fn webhook_headers(headers: &axum::http::HeaderMap) -> ordo_app::ports::WebhookHeaders {
    ordo_app::ports::WebhookHeaders(
        headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect(),
    )
}

// ---------------------------------------------------------------- payments

/// A Stripe webhook event (`payment_intent.succeeded`, `payment_intent.canceled`,
/// `payment_intent.payment_failed`, and `charge.refunded` for refunds made at Stripe), signed
/// by Stripe:
/// `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhook secret, "<t>.<raw body>")>`.
/// Events about payments Ordo does not know, and events already recorded, change nothing.
/// 501 when Stripe is not configured.
#[utoipa::path(post, path = "/v1/payments/stripe/webhook", tag = "payments", request_body = serde_json::Value,
    params(("Stripe-Signature" = Option<String>, Header, description = "Stripe's signature")),
    security(()),
    responses((status = 204, description = "Recorded, or nothing to record"),
        (status = 401, description = "Bad or missing signature", body = Problem),
        (status = 501, description = "Stripe is not configured", body = Problem)))]
pub async fn stripe_webhook(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<axum::http::StatusCode> {
    s.app.gateway_webhook(&webhook_headers(&headers), &body).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Record a payment for the order: `manual` (cash on delivery, bank transfer, invoice),
/// `gift_card`, `store_credit`, or `stripe` (a card, authorized at Stripe with the
/// `payment_method` token; 409 `card_declined` records nothing; 501 when Stripe is not
/// configured).
#[utoipa::path(post, path = "/v1/orders/{id}/payments", tag = "payments", request_body = ordo_app::money::payments::NewPayment,
    params(("id" = String, Path)),
    responses((status = 201, body = OrderPaymentsView), (status = 404, body = Problem),
        (status = 409, description = "Declined, or not enough on the balance", body = Problem),
        (status = 503, description = "The card gateway could not be reached; safe to retry", body = Problem),
        (status = 501, body = Problem)))]
pub async fn add_payment(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::money::payments::NewPayment>,
) -> ApiResult<Response> {
    let p = s.app.add_payment(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(OrderPaymentsView::from(&p))).into_response())
}

/// The order's payments, their ledger, and the status and balance derived from it.
#[utoipa::path(get, path = "/v1/orders/{id}/payments", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = OrderPaymentsView), (status = 404, body = Problem)))]
pub async fn order_payments(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderPaymentsView>> {
    Ok(Json(OrderPaymentsView::from(&s.app.order_payments(&actor, &id).await?)))
}

macro_rules! payment_action {
    ($fn:ident, $path:literal, $kind:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "payments", request_body(content = Option<ordo_app::money::payments::AmountInput>),
            params(("id" = String, Path)),
            responses((status = 200, body = OrderPaymentsView), (status = 404, body = Problem),
                (status = 409, description = "`amount_exceeds_capturable`, `amount_exceeds_refundable`, `payment_voided` or `nothing_to_void`", body = Problem)))]
        pub async fn $fn(
            State(s): State<AppState>,
            Caller(actor): Caller,
            Path(id): Path<String>,
            OptionalJsonBody(input): OptionalJsonBody<ordo_app::money::payments::AmountInput>,
        ) -> ApiResult<Json<OrderPaymentsView>> {
            let p = s.app.payment_action(&actor, &id, ordo_domain::payment::EntryKind::$kind, input).await?;
            Ok(Json(OrderPaymentsView::from(&p)))
        }
    };
}

payment_action!(
    capture_payment,
    "/v1/payments/{id}/capture",
    Captured,
    "Capture an amount (default: all that is still authorized)."
);
payment_action!(void_payment, "/v1/payments/{id}/void", Voided, "Void what is authorized and not captured.");
payment_action!(
    refund_payment,
    "/v1/payments/{id}/refund",
    Refunded,
    "Refund an amount of what was captured (a goodwill refund needs no line)."
);

// ---------------------------------------------------------------- exchange rates

/// One currency's rate against the base (EUR), and the day it is from.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateView {
    pub currency: String,
    pub date: String,
    /// Units of the currency per one euro.
    pub rate: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatesView {
    pub base: String,
    /// The day asked for; each rate is the latest on or before it.
    pub date: String,
    pub rates: Vec<RateView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// Rates stored (a day's rate of one currency each).
    pub imported: usize,
}

/// Load one day's rates.
#[utoipa::path(post, path = "/v1/exchange-rates", tag = "exchange rates", request_body = ordo_app::money::fx::RatesInput,
    responses((status = 201, body = ImportView)))]
pub async fn put_rates(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<ordo_app::money::fx::RatesInput>,
) -> ApiResult<Response> {
    let n = s.app.put_rates(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(ImportView { imported: n })).into_response())
}

/// Import the European Central Bank's reference-rate CSV (the daily `eurofxref.csv` or the
/// history `eurofxref-hist.csv`), sent as `text/csv`. Every line is checked; a bad line is
/// reported by number and nothing is stored.
#[utoipa::path(post, path = "/v1/exchange-rates/ecb", tag = "exchange rates",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportView)))]
pub async fn import_ecb(
    State(s): State<AppState>,
    Caller(actor): Caller,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("text/csv") && !ct.starts_with("text/plain") {
        return Err(ApiError::from(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the CSV as text/csv",
        )));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::from(Problem::new(StatusCode::BAD_REQUEST, "malformed_csv", "the CSV is not UTF-8")))?;
    let n = s.app.import_ecb(&actor, text).await?;
    Ok((StatusCode::CREATED, Json(ImportView { imported: n })).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatesQuery {
    /// `YYYY-MM-DD`; default today (UTC).
    pub date: Option<String>,
}

/// The rates in force on a day: each currency's latest on or before it.
#[utoipa::path(get, path = "/v1/exchange-rates", tag = "exchange rates", params(RatesQuery), responses((status = 200, body = RatesView)))]
pub async fn rates_on(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<RatesQuery>,
) -> ApiResult<Json<RatesView>> {
    let date = q.date.unwrap_or_else(|| ordo_app::kernel::time_fmt::day(s.app.now()));
    let rates = s.app.rates_on(&actor, &date).await?;
    Ok(Json(RatesView {
        base: ordo_app::money::fx::BASE.to_owned(),
        date,
        rates: rates
            .into_iter()
            .map(|(currency, date, r)| RateView { currency, date, rate: r.to_decimal_string() })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConvertQuery {
    /// Decimal amount, e.g. `19.99`.
    pub amount: String,
    pub currency: String,
    pub to: String,
    /// `YYYY-MM-DD`; default today (UTC).
    pub date: Option<String>,
}

/// Convert an amount at a day's rates, rounded once to the target's minor unit.
#[utoipa::path(get, path = "/v1/exchange-rates/convert", tag = "exchange rates", params(ConvertQuery),
    responses((status = 200, body = MoneyView), (status = 409, description = "No rate for a currency (`no_exchange_rate`)", body = Problem)))]
pub async fn convert_amount(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ConvertQuery>,
) -> ApiResult<Json<MoneyView>> {
    let mut e = ordo_domain::validate::Errors::new();
    let amount = ordo_app::kernel::input::check_money(
        &mut e,
        "amount",
        &ordo_app::kernel::input::MoneyInput { amount: Some(q.amount.clone()), currency: Some(q.currency.clone()) },
        None,
    );
    let to = ordo_domain::Currency::from_code(&q.to);
    if to.is_none() {
        e.add("to", "is not an ISO 4217 currency code");
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e.0).into());
    }
    let date = q.date.unwrap_or_else(|| ordo_app::kernel::time_fmt::day(s.app.now()));
    let m = s.app.convert(&actor, amount.expect("checked"), to.expect("checked"), &date).await?;
    Ok(Json(MoneyView::new(m.minor(), m.currency().code())))
}

// ---------------------------------------------------------------- refunds

/// Refund an order: lines (with quantities), part or all of the shipping charge, and/or a
/// goodwill amount tied to no line. The money goes back to the order's payments in this
/// order: cards first, then manual payments, then store credit, then gift cards, the newest
/// payment first within each; or, with `to: store_credit`, onto the customer's store credit.
/// A card gateway that cannot be reached leaves the refund `pending`; Ordo completes it later
/// with the same idempotency key, so it is refunded exactly once.
#[utoipa::path(post, path = "/v1/orders/{id}/refunds", tag = "payments", request_body = ordo_app::money::refunds::RefundInput,
    params(("id" = String, Path)),
    responses((status = 201, body = RefundView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`amount_exceeds_refundable`: more than was captured and not yet refunded", body = Problem),
        (status = 501, description = "the refund goes to a card and Stripe is not configured", body = Problem)))]
pub async fn refund_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::money::refunds::RefundInput>,
) -> ApiResult<Response> {
    let r = s.app.refund_order(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(RefundView::from(&r))).into_response())
}

/// The order's refunds, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/refunds", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = Vec<RefundView>), (status = 404, body = Problem)))]
pub async fn order_refunds(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RefundView>>> {
    Ok(Json(s.app.order_refunds(&actor, &id).await?.iter().map(RefundView::from).collect()))
}

/// One refund.
#[utoipa::path(get, path = "/v1/refunds/{id}", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = RefundView), (status = 404, body = Problem)))]
pub async fn get_refund(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RefundView>> {
    Ok(Json(RefundView::from(&s.app.refund(&actor, &id).await?)))
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

// ---------------------------------------------------------------- edits

/// Edit an order before it ships: `set_quantity`, `add_line`, `remove_line`,
/// `set_shipping_address`, applied in order, all or nothing. Fewer units release their
/// reservations; more units and new lines are routed and reserved. A smaller total releases
/// uncaptured authorizations and refunds what was captured beyond it; a larger one leaves a
/// balance due (`order.payment_required`) without voiding what is authorized.
#[utoipa::path(post, path = "/v1/orders/{id}/edits", tag = "orders", request_body = ordo_app::sales::edits::EditInput,
    params(("id" = String, Path)),
    responses((status = 201, body = EditView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`invalid_transition` (the line was packed or shipped, the order is cancelled) or `insufficient_stock`", body = Problem),
        (status = 412, description = "`expected_version` is not the order's version", body = Problem)))]
pub async fn edit_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::sales::edits::EditInput>,
) -> ApiResult<Response> {
    let e = s.app.edit_order(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(EditView::from(&e))).into_response())
}

/// The order's edits, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/edits", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Vec<EditView>), (status = 404, body = Problem)))]
pub async fn order_edits(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<EditView>>> {
    Ok(Json(s.app.order_edits(&actor, &id).await?.iter().map(EditView::from).collect()))
}

/// Cancel units of one line before they ship (default: all of them): their reservations are
/// released and the payment difference settled, as an edit.
#[utoipa::path(post, path = "/v1/orders/{id}/lines/{line_id}/cancel", tag = "orders", request_body(content = Option<ordo_app::sales::edits::CancelLineInput>),
    params(("id" = String, Path), ("line_id" = String, Path)),
    responses((status = 201, body = EditView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`invalid_transition`: the line was packed or shipped", body = Problem)))]
pub async fn cancel_line(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((id, line)): Path<(String, String)>,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::sales::edits::CancelLineInput>,
) -> ApiResult<Response> {
    let e = s.app.cancel_line(&actor, &id, &line, input).await?;
    Ok((StatusCode::CREATED, Json(EditView::from(&e))).into_response())
}

// ---------------------------------------------------------------- claims

/// File a claim for missing or damaged units that shipped, resolved at once without a
/// return: `refund` their value, or `reship` them free of charge in a replacement order.
#[utoipa::path(post, path = "/v1/orders/{id}/claims", tag = "returns", request_body = ordo_app::aftersales::claims::ClaimInput,
    params(("id" = String, Path)),
    responses((status = 201, body = ClaimView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "`invalid_transition`: nothing shipped", body = Problem)))]
pub async fn file_claim(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::aftersales::claims::ClaimInput>,
) -> ApiResult<Response> {
    let c = s.app.file_claim(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(ClaimView::from(&c))).into_response())
}

/// The order's claims, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/claims", tag = "returns", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ClaimView>), (status = 404, body = Problem)))]
pub async fn order_claims(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ClaimView>>> {
    Ok(Json(s.app.order_claims(&actor, &id).await?.iter().map(ClaimView::from).collect()))
}

// ---------------------------------------------------------------- holds

/// Put an order on hold: it keeps its reservations but is not picked, packed, labelled or
/// shipped until every hold is released. One active hold per type.
#[utoipa::path(post, path = "/v1/orders/{id}/holds", tag = "orders", request_body = ordo_app::sales::holds::HoldInput,
    params(("id" = String, Path)),
    responses((status = 201, body = HoldView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The order is cancelled or fully shipped, or already has this hold", body = Problem)))]
pub async fn place_hold(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::sales::holds::HoldInput>,
) -> ApiResult<Response> {
    let h = s.app.place_hold(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(HoldView::from(&h))).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// For holds: `active` (default), `released` or `cancelled`. For returns: `requested`
    /// (default), `approved`, `rejected`, `received` or `closed`.
    pub status: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// Holds across orders, oldest first: the review queue (`status=active` by default).
#[utoipa::path(get, path = "/v1/holds", tag = "orders", params(QueueQuery),
    responses((status = 200, body = ListView<HoldView>), (status = 422, body = Problem)))]
pub async fn list_holds(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Json<ListView<HoldView>>> {
    let limit = page_limit(q.limit);
    let holds =
        s.app.list_holds(&actor, q.status.as_deref().unwrap_or("active"), decode_cursor(&q.cursor)?, limit).await?;
    Ok(Json(list(holds, limit, |h: &ordo_domain::hold::Hold| h.id.clone())))
}

/// Returns across orders, oldest first: the queues to approve (`requested`, the default) and
/// to receive (`approved`).
#[utoipa::path(get, path = "/v1/returns", tag = "returns", params(QueueQuery),
    responses((status = 200, body = ListView<ReturnView>), (status = 422, body = Problem)))]
pub async fn list_returns(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Json<ListView<ReturnView>>> {
    let limit = page_limit(q.limit);
    let returns = s
        .app
        .list_returns(&actor, q.status.as_deref().unwrap_or("requested"), decode_cursor(&q.cursor)?, limit)
        .await?;
    Ok(Json(list(returns, limit, |r: &ordo_app::aftersales::returns::Return| r.id.clone())))
}

/// The order's holds, active and resolved, oldest first.
#[utoipa::path(get, path = "/v1/orders/{id}/holds", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Vec<HoldView>), (status = 404, body = Problem)))]
pub async fn order_holds(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HoldView>>> {
    Ok(Json(s.app.order_holds(&actor, &id).await?.iter().map(HoldView::from).collect()))
}

/// Release a hold. `fraud_review` and `payment_review` holds need an admin key; the others an
/// operator's or an admin's.
#[utoipa::path(post, path = "/v1/holds/{id}/release", tag = "orders", request_body(content = Option<ordo_app::sales::holds::ResolveInput>),
    params(("id" = String, Path)),
    responses((status = 200, body = HoldView), (status = 403, description = "This role may not release this hold", body = Problem),
        (status = 404, body = Problem), (status = 409, description = "The hold is not active", body = Problem)))]
pub async fn release_hold(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::sales::holds::ResolveInput>,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(HoldView::from(&s.app.resolve_hold(&actor, &id, false, input).await?)))
}

/// Cancel the order through a hold (the review found it should not ship): its reservations are
/// released and its payments settled. The same roles as releasing.
#[utoipa::path(post, path = "/v1/holds/{id}/cancel-order", tag = "orders", request_body(content = Option<ordo_app::sales::holds::ResolveInput>),
    params(("id" = String, Path)),
    responses((status = 200, body = HoldView), (status = 403, description = "This role may not resolve this hold", body = Problem),
        (status = 404, body = Problem), (status = 409, description = "The hold is not active, or the order cannot be cancelled", body = Problem)))]
pub async fn cancel_through_hold(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::sales::holds::ResolveInput>,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(HoldView::from(&s.app.resolve_hold(&actor, &id, true, input).await?)))
}

// ---------------------------------------------------------------- returns

/// Request a return of shipped units, per line with a reason code, within the channel's return
/// window (`override_window` lets an operator accept a late one).
#[utoipa::path(post, path = "/v1/orders/{id}/returns", tag = "returns", request_body = ordo_app::aftersales::returns::ReturnInput,
    params(("id" = String, Path)),
    responses((status = 201, body = ReturnView), (status = 404, body = Problem),
        (status = 422, description = "More units than shipped and not yet returned, or bad fields", body = Problem),
        (status = 409, description = "`invalid_transition` (nothing shipped) or `return_window_closed`", body = Problem)))]
pub async fn request_return(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::aftersales::returns::ReturnInput>,
) -> ApiResult<Response> {
    let r = s.app.request_return(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(ReturnView::from(&r))).into_response())
}

/// The order's returns, oldest first, and its return status.
#[utoipa::path(get, path = "/v1/orders/{id}/returns", tag = "returns", params(("id" = String, Path)),
    responses((status = 200, body = OrderReturnsView), (status = 404, body = Problem)))]
pub async fn order_returns(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderReturnsView>> {
    let (status, returns) = s.app.order_returns(&actor, &id).await?;
    Ok(Json(OrderReturnsView {
        return_status: status.to_owned(),
        data: returns.iter().map(ReturnView::from).collect(),
    }))
}

/// One return.
#[utoipa::path(get, path = "/v1/returns/{id}", tag = "returns", params(("id" = String, Path)),
    responses((status = 200, body = ReturnView), (status = 404, body = Problem)))]
pub async fn get_return(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(ReturnView::from(&s.app.get_return(&actor, &id).await?)))
}

macro_rules! return_step {
    ($name:ident, $path:literal, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "returns", request_body(content = Option<ordo_app::aftersales::returns::ReturnStepInput>),
            params(("id" = String, Path)),
            responses((status = 200, body = ReturnView), (status = 404, body = Problem),
                (status = 409, description = "The return is not in a status this step starts from", body = Problem)))]
        pub async fn $name(
            State(s): State<AppState>,
            Caller(actor): Caller,
            Path(id): Path<String>,
            OptionalJsonBody(input): OptionalJsonBody<ordo_app::aftersales::returns::ReturnStepInput>,
        ) -> ApiResult<Json<ReturnView>> {
            Ok(Json(ReturnView::from(&s.app.$method(&actor, &id, input).await?)))
        }
    };
}

return_step!(
    approve_return,
    "/v1/returns/{id}/approve",
    approve_return,
    "Approve a requested return (with an optional restocking fee); refunded now if the channel refunds returns on approval."
);
return_step!(reject_return, "/v1/returns/{id}/reject", reject_return, "Reject a requested return.");
return_step!(close_return, "/v1/returns/{id}/close", close_return, "Close a received or rejected return.");

/// Receive an approved return: every unit's condition and disposition. `restock` puts units
/// back into available stock at the receiving location; `damaged` into quarantine, `refurbish`,
/// `return_to_vendor` and `dispose` into their non-sellable buckets; each writes its ledger.
/// The refund follows unless the channel refunded on approval.
#[utoipa::path(post, path = "/v1/returns/{id}/receive", tag = "returns", request_body = ordo_app::aftersales::returns::ReceiveInput,
    params(("id" = String, Path)),
    responses((status = 200, body = ReturnView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The return is not approved", body = Problem)))]
pub async fn receive_return(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::aftersales::returns::ReceiveInput>,
) -> ApiResult<Json<ReturnView>> {
    Ok(Json(ReturnView::from(&s.app.receive_return(&actor, &id, input).await?)))
}

/// Buy a prepaid return label: the cheapest service from the customer's address to the
/// receiving location (default: where the order shipped from), through the carrier
/// integrations. Buying again returns the label already bought.
#[utoipa::path(post, path = "/v1/returns/{id}/label", tag = "returns", request_body(content = Option<ordo_app::aftersales::return_labels::ReturnLabelInput>),
    params(("id" = String, Path)),
    responses((status = 201, body = ReturnView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The return is received or closed, or no carrier serves it", body = Problem)))]
pub async fn buy_return_label(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::aftersales::return_labels::ReturnLabelInput>,
) -> ApiResult<Response> {
    let r = s.app.buy_return_label(&actor, &id, input).await?;
    Ok((StatusCode::CREATED, Json(ReturnView::from(&r))).into_response())
}

/// The return label, 4×6 inches, as PDF (default) or ZPL (`?format=zpl`).
#[utoipa::path(get, path = "/v1/returns/{id}/label", tag = "returns", params(("id" = String, Path), FormatQuery),
    responses((status = 200, description = "The label", content_type = "application/pdf"), (status = 404, body = Problem)))]
pub async fn return_label(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let label = s.app.return_label(&actor, &id).await?;
    label_document(&label, q.format.as_deref())
}

/// Move non-sellable units: between buckets, back into sellable stock at the same location
/// (`to: stock`), or out of the business (`to: out`: sent to the vendor, destroyed). Both
/// sides are written to their ledgers.
#[utoipa::path(post, path = "/v1/inventory/buckets/moves", tag = "inventory", request_body = ordo_app::stock::inventory::BucketMoveInput,
    responses((status = 200, body = BucketsView), (status = 422, body = Problem),
        (status = 409, description = "`insufficient_stock`: the bucket holds fewer units", body = Problem)))]
pub async fn move_bucket(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<ordo_app::stock::inventory::BucketMoveInput>,
) -> ApiResult<Json<BucketsView>> {
    let sku = input.sku.clone().unwrap_or_default();
    Ok(Json(BucketsView::new(&sku, &s.app.move_bucket(&actor, input).await?)))
}

/// A SKU's stock that is not sellable (quarantine, refurbish, return to vendor, disposed) per
/// location, with the ledger that explains every unit.
#[utoipa::path(get, path = "/v1/inventory/{sku}/buckets", tag = "inventory", params(("sku" = String, Path)),
    responses((status = 200, body = BucketsView), (status = 404, body = Problem)))]
pub async fn sku_buckets(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(sku): Path<String>,
) -> ApiResult<Json<BucketsView>> {
    Ok(Json(BucketsView::new(&sku, &s.app.sku_buckets(&actor, &sku).await?)))
}

// ---------------------------------------------------------------- reports

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    /// First day, `YYYY-MM-DD` (UTC); default 29 days before `to`.
    pub from: Option<String>,
    /// Last day, inclusive; default today (UTC). At most 366 days in all.
    pub to: Option<String>,
    /// The currency to report in; default EUR. Needs rates for every order's day.
    pub currency: Option<String>,
    /// Only this sales channel's orders.
    pub channel: Option<String>,
}

/// Sales of the orders placed from `from` to `to`: orders, subtotal, discount, shipping, tax,
/// total, refunded and net, by day and in all, every amount converted into `currency` at the
/// exchange rates of the order's day (the latest on or before it), rounded per order to the
/// currency's minor unit. Orders whose day has no rate are listed under `unconverted`, in their
/// own currency, and left out of the totals.
#[utoipa::path(get, path = "/v1/reports/sales", tag = "reports", params(SalesQuery),
    responses((status = 200, body = SalesReportView), (status = 422, body = Problem)))]
pub async fn sales_report(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<SalesQuery>,
) -> ApiResult<Json<SalesReportView>> {
    let q = ordo_app::reports::sales::SalesQuery { from: q.from, to: q.to, currency: q.currency, channel: q.channel };
    Ok(Json(SalesReportView::from(&s.app.sales_report(&actor, q).await?)))
}

// ---------------------------------------------------------------- channels

/// A sales channel's policies (the defaults until some are saved).
#[utoipa::path(get, path = "/v1/channels/{channel}", tag = "channels", params(("channel" = String, Path)),
    responses((status = 200, body = ChannelView), (status = 404, body = Problem)))]
pub async fn get_channel(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(ChannelView::from(&s.app.channel_settings(&actor, &channel).await?)))
}

/// Set a sales channel's policies. `capture`: `at_placement` charges cards and records manual
/// payments as received when they are added; `on_shipment` authorizes and captures each
/// fulfilment's share when it ships.
#[utoipa::path(put, path = "/v1/channels/{channel}", tag = "channels", request_body = ordo_app::channels::settings::ChannelSettingsInput,
    params(("channel" = String, Path)), responses((status = 200, body = ChannelView), (status = 422, body = Problem)))]
pub async fn put_channel(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    JsonBody(input): JsonBody<ordo_app::channels::settings::ChannelSettingsInput>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(ChannelView::from(&s.app.put_channel_settings(&actor, &channel, input).await?)))
}

// ---------------------------------------------------------------- gift cards and store credit

/// Issue a gift card with an opening balance.
#[utoipa::path(post, path = "/v1/gift-cards", tag = "payments", request_body = ordo_app::money::balances::GiftCardInput,
    responses((status = 201, body = BalanceView), (status = 409, body = Problem)))]
pub async fn issue_gift_card(
    State(s): State<AppState>,
    Caller(actor): Caller,
    JsonBody(input): JsonBody<ordo_app::money::balances::GiftCardInput>,
) -> ApiResult<Response> {
    let b = s.app.issue_gift_card(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(BalanceView::from(&b))).into_response())
}

/// A gift card's balance and movements.
#[utoipa::path(get, path = "/v1/gift-cards/{code}", tag = "payments", params(("code" = String, Path)),
    responses((status = 200, body = BalanceView), (status = 404, body = Problem)))]
pub async fn gift_card(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<BalanceView>> {
    Ok(Json(BalanceView::from(&s.app.balance(&actor, "gift_card", &code).await?)))
}

/// A customer's store credit and its movements.
#[utoipa::path(get, path = "/v1/customers/{id}/store-credit", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = BalanceView), (status = 404, body = Problem)))]
pub async fn store_credit(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<BalanceView>> {
    Ok(Json(BalanceView::from(&s.app.balance(&actor, "store_credit", &id).await?)))
}

/// Add to a customer's store credit.
#[utoipa::path(post, path = "/v1/customers/{id}/store-credit", tag = "payments", request_body = ordo_app::money::balances::CreditInput,
    params(("id" = String, Path)), responses((status = 200, body = BalanceView), (status = 404, body = Problem)))]
pub async fn credit_customer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ordo_app::money::balances::CreditInput>,
) -> ApiResult<Json<BalanceView>> {
    Ok(Json(BalanceView::from(&s.app.credit_customer(&actor, &id, input).await?)))
}
