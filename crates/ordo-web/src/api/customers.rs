//! Customer endpoints: create, read, search and update customers, and list their orders
//! (`ordo_app::sales::customers`).
//!
//! Each handler parses, calls one use case and renders through `views::customers`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::sales::customers::{CustomerPatch, CustomerSearch, NewCustomer};
use ordo_domain::catalog::Customer;
use ordo_domain::order::Order;
use ordo_store::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, PageQuery, decode_cursor, decode_int_cursor, list, render, respond, versioned};
use crate::extract::{Caller, IfMatch, JsonBody, Path, Query};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::{CustomerRecordView, CustomerView, ListView, OrderView};

/// Create a customer.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = NewCustomer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
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
///
/// With a summary for support: orders, lifetime spend in the base currency, the last order,
/// returned units and the returns rate.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers", params(("id" = String, Path)),
    responses((status = 200, body = CustomerRecordView), (status = 404, body = Problem)))]
pub async fn get_customer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (c, summary) = s.app.customer_record(&actor, &id).await?;
    Ok(versioned(c.version, CustomerRecordView::new(&c, &summary)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
    /// Customers whose email starts with this (case-insensitive); a full address finds one.
    pub email: Option<String>,
    /// Customers whose name holds this (case-insensitive).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    /// Customers whose phone number holds these digits in a row; spaces, dashes, dots,
    /// parentheses and `+` are ignored on both sides.
    #[param(min_length = 1, max_length = 40, pattern = r"^[^\u0000]*[0-9][^\u0000]*$")]
    pub phone: Option<String>,
    /// Customers with this tag (case-insensitive).
    #[param(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub tag: Option<String>,
}

/// List or search customers, newest first: by the start of their email, part of their name,
/// the digits of their phone number or a tag; every filter given must match.
#[utoipa::path(get, path = "/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = ListView<CustomerView>)))]
pub async fn list_customers(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<CustomerQuery>,
) -> ApiResult<Json<ListView<CustomerView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let search = CustomerSearch { email: q.email, name: q.name, phone: q.phone, tag: q.tag };
    let items = s.app.list_customers(&actor, page, search).await.map_err(crate::problem::query_error)?;
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

/// A customer's orders, newest first.
#[utoipa::path(get, path = "/v1/customers/{id}/orders", tag = "customers", params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ListView<OrderView>), (status = 404, body = Problem)))]
pub async fn customer_orders(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<ListView<OrderView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_int_cursor(&q.cursor)?, limit };
    let items = s.app.customer_orders(&actor, &id, page).await?;
    Ok(Json(list(items, limit, |o: &Order| o.number.to_string())))
}
