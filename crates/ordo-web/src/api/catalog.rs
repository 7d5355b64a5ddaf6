//! Catalogue endpoints: products by SKU and locations by code (`ordo_app::stock::catalog`).
//!
//! Each handler parses, calls one use case and renders through `views::catalog`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::stock::catalog::{LocationPatch, NewLocation, NewProduct, ProductPatch};
use ordo_domain::catalog::{Location, Product};
use ordo_store::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, decode_cursor, list, render, respond, versioned};
use crate::extract::{Caller, IfMatch, JsonBody, Path, Query};
use crate::problem::Problem;
use crate::state::AppState;
use crate::views::{BuyersView, ListView, LocationView, ProductView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
    pub active: Option<bool>,
}

/// Create a product.
#[utoipa::path(post, path = "/v1/products", tag = "products", request_body = NewProduct,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
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
    let limit = page_limit(q.limit.map(|l| l.0));
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

/// Create a location.
#[utoipa::path(post, path = "/v1/locations", tag = "locations", request_body = NewLocation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
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

/// A location's buyers: each is emailed when a SKU there falls to its reorder point (when mail
/// is configured).
#[utoipa::path(get, path = "/v1/locations/{code}/buyers", tag = "inventory", params(("code" = String, Path)),
    responses((status = 200, body = BuyersView), (status = 404, body = Problem)))]
pub async fn location_buyers(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<BuyersView>> {
    Ok(Json(BuyersView::from(&s.app.location_buyers(&actor, &code).await?)))
}

/// Replace a location's buyers (an empty list: none). The same list again records nothing.
#[utoipa::path(put, path = "/v1/locations/{code}/buyers", tag = "inventory",
    request_body = ordo_app::stock::buyers::BuyersInput, params(("code" = String, Path)),
    responses((status = 200, body = BuyersView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_location_buyers(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    JsonBody(input): JsonBody<ordo_app::stock::buyers::BuyersInput>,
) -> ApiResult<Json<BuyersView>> {
    Ok(Json(BuyersView::from(&s.app.put_location_buyers(&actor, &code, input).await?)))
}
