//! Supplier endpoints (`ordo_app::stock::suppliers`).
//!
//! Each handler parses, calls one use case and renders through `views::suppliers`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::stock::suppliers::{Supplier, SupplierInput, SupplierPatch};
use ordo_store::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, decode_cursor, list, render, respond, versioned};
use crate::extract::{Caller, IfMatch, JsonBody, Path, Query};
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::{ListView, SupplierView};

/// Add a supplier with its terms: lead time, minimum order quantity, pack size and currency.
#[utoipa::path(post, path = "/v1/suppliers", tag = "purchasing", request_body = SupplierInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = SupplierView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_supplier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<SupplierInput>,
) -> ApiResult<Response> {
    let r = render::<Supplier, SupplierView, 201>;
    Ok(respond(s.app.create_supplier(&actor, input, idem.ctx(r)).await?, r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierQuery {
    /// Only suppliers in this status.
    #[param(value_type = Option<ordo_app::kernel::schema::SupplierStatusName>)]
    pub status: Option<String>,
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
}

/// Suppliers, by code.
#[utoipa::path(get, path = "/v1/suppliers", tag = "purchasing", params(SupplierQuery),
    responses((status = 200, body = ListView<SupplierView>), (status = 400, body = Problem)))]
pub async fn list_suppliers(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<SupplierQuery>,
) -> ApiResult<Json<ListView<SupplierView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.list_suppliers(&actor, page, q.status).await.map_err(query_error)?;
    Ok(Json(list(items, limit, |s: &Supplier| s.code.clone())))
}

/// One supplier.
#[utoipa::path(get, path = "/v1/suppliers/{id}", tag = "purchasing", params(("id" = String, Path, pattern = r"^sup_[0-9A-HJKMNP-TV-Z]{26}$")),
    responses((status = 200, body = SupplierView), (status = 404, body = Problem)))]
pub async fn get_supplier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let found = s.app.get_supplier(&actor, &id).await?;
    Ok(versioned(found.version, SupplierView::from(&found)))
}

/// Change a supplier's name, contact, terms, note or status (`archived`: kept for the purchase
/// orders that name it). A change that changes nothing keeps the version.
#[utoipa::path(patch, path = "/v1/suppliers/{id}", tag = "purchasing", request_body = SupplierPatch,
    params(("id" = String, Path, pattern = r"^sup_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = SupplierView), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_supplier(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(patch): JsonBody<SupplierPatch>,
) -> ApiResult<Response> {
    let updated = s.app.update_supplier(&actor, &id, patch, version).await?;
    Ok(versioned(updated.version, SupplierView::from(&updated)))
}
