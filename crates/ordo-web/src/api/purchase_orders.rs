//! Purchase order endpoints (`ordo_app::stock::purchase_orders`).
//!
//! Each handler parses, calls one use case and renders through `views::purchase_orders`; no
//! business rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::stock::purchase_orders::{PurchaseOrder, PurchaseOrderInput, PurchaseOrderPatch, PurchaseOrderQuery};
use ordo_app::stock::purchase_receipts::ReceiptInput;
use ordo_store::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, decode_cursor, list, render, respond, versioned};
use crate::extract::{Caller, IfMatch, JsonBody, Path, Query};
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::{ListView, PurchaseOrderView};

/// Draft a purchase order: a supplier, the destination location, the expected date (default:
/// today plus the supplier's lead time) and lines of SKU, quantity and unit cost.
#[utoipa::path(post, path = "/v1/purchase-orders", tag = "purchasing", request_body = PurchaseOrderInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = PurchaseOrderView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_purchase_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<PurchaseOrderInput>,
) -> ApiResult<Response> {
    let r = render::<PurchaseOrder, PurchaseOrderView, 201>;
    Ok(respond(s.app.create_purchase_order(&actor, input, idem.ctx(r)).await?, r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchaseOrderListQuery {
    /// Only purchase orders in this status.
    #[param(value_type = Option<ordo_app::kernel::schema::PurchaseOrderStatusName>)]
    pub status: Option<String>,
    /// Only those of this supplier (its id).
    #[param(max_length = 40)]
    pub supplier_id: Option<String>,
    /// Only those for this location (its code).
    #[param(max_length = 32)]
    pub location: Option<String>,
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
}

/// Purchase orders, newest first.
#[utoipa::path(get, path = "/v1/purchase-orders", tag = "purchasing", params(PurchaseOrderListQuery),
    responses((status = 200, body = ListView<PurchaseOrderView>), (status = 400, body = Problem)))]
pub async fn list_purchase_orders(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<PurchaseOrderListQuery>,
) -> ApiResult<Json<ListView<PurchaseOrderView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let filter = PurchaseOrderQuery { status: q.status, supplier_id: q.supplier_id, location: q.location };
    let items = s.app.list_purchase_orders(&actor, page, filter).await.map_err(query_error)?;
    Ok(Json(list(items, limit, |p: &PurchaseOrder| p.id.clone())))
}

/// One purchase order with its lines and receipts.
#[utoipa::path(get, path = "/v1/purchase-orders/{id}", tag = "purchasing", params(("id" = String, Path, pattern = r"^po_[0-9A-HJKMNP-TV-Z]{26}$")),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = Problem)))]
pub async fn get_purchase_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let found = s.app.get_purchase_order(&actor, &id).await?;
    Ok(versioned(found.version, PurchaseOrderView::from(&found)))
}

/// Change the expected date or note (until received or cancelled), or replace a draft's
/// lines. A change that changes nothing keeps the version.
#[utoipa::path(patch, path = "/v1/purchase-orders/{id}", tag = "purchasing", request_body = PurchaseOrderPatch,
    params(("id" = String, Path, pattern = r"^po_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = Problem),
        (status = 409, description = "The purchase order is received or cancelled, or its lines are no longer a draft's", body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_purchase_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(patch): JsonBody<PurchaseOrderPatch>,
) -> ApiResult<Response> {
    let updated = s.app.update_purchase_order(&actor, &id, patch, version).await?;
    Ok(versioned(updated.version, PurchaseOrderView::from(&updated)))
}

/// Send a draft to its supplier: from now on what it brings counts as incoming stock.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/send", tag = "purchasing",
    params(("id" = String, Path, pattern = r"^po_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the step is based on"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = Problem),
        (status = 409, description = "The purchase order is not a draft", body = Problem), (status = 412, body = Problem)))]
pub async fn send_purchase_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<PurchaseOrder, PurchaseOrderView, 200>;
    Ok(respond(s.app.send_purchase_order(&actor, &id, version, idem.ctx(r)).await?, r))
}

/// Cancel a draft, or a sent purchase order nothing has arrived against.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/cancel", tag = "purchasing",
    params(("id" = String, Path, pattern = r"^po_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the step is based on"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = Problem),
        (status = 409, description = "Goods have arrived, or it is already received or cancelled", body = Problem), (status = 412, body = Problem)))]
pub async fn cancel_purchase_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<PurchaseOrder, PurchaseOrderView, 200>;
    Ok(respond(s.app.cancel_purchase_order(&actor, &id, version, idem.ctx(r)).await?, r))
}

/// Close a partly received purchase order: what is still open will not come and is recorded
/// as short on each line.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/close", tag = "purchasing",
    params(("id" = String, Path, pattern = r"^po_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the step is based on"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = PurchaseOrderView), (status = 404, body = Problem),
        (status = 409, description = "The purchase order is not partly received", body = Problem), (status = 412, body = Problem)))]
pub async fn close_purchase_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<PurchaseOrder, PurchaseOrderView, 200>;
    Ok(respond(s.app.close_purchase_order(&actor, &id, version, idem.ctx(r)).await?, r))
}

/// Receive goods against a sent purchase order: each line's units go on hand at its location
/// with a ledger entry (reason `received`, reference `po_...:LINE`) and into the moving
/// average cost. More than a line still expects is accepted and recorded as over-received.
#[utoipa::path(post, path = "/v1/purchase-orders/{id}/receipts", tag = "purchasing", request_body = ReceiptInput,
    params(("id" = String, Path, pattern = r"^po_[0-9A-HJKMNP-TV-Z]{26}$"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = PurchaseOrderView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The purchase order is not sent or partly received", body = Problem)))]
pub async fn receive_purchase_order(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ReceiptInput>,
) -> ApiResult<Response> {
    let r = render::<PurchaseOrder, PurchaseOrderView, 201>;
    Ok(respond(s.app.receive_purchase_order(&actor, &id, input, idem.ctx(r)).await?, r))
}
