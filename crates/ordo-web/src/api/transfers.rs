//! Transfer endpoints (`ordo_app::stock::transfers`).
//!
//! Each handler parses, calls one use case and renders through `views::transfers`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::page_limit;
use ordo_app::stock::purchase_receipts::ReceiptInput;
use ordo_app::stock::transfers::{Transfer, TransferCloseInput, TransferInput, TransferPatch, TransferQuery};
use ordo_store::Page;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, decode_cursor, list, render, respond, versioned};
use crate::extract::{Caller, IfMatch, JsonBody, Path, Query};
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::{ListView, TransferView};

/// Draft a transfer of stock from one location to another: lines of SKU and quantity and the
/// day they are expected (default: today). Nothing moves until it ships.
#[utoipa::path(post, path = "/v1/transfers", tag = "inventory", request_body = TransferInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = TransferView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_transfer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<TransferInput>,
) -> ApiResult<Response> {
    let r = render::<Transfer, TransferView, 201>;
    Ok(respond(s.app.create_transfer(&actor, input, idem.ctx(r)).await?, r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferListQuery {
    /// Only transfers in this status.
    #[param(value_type = Option<ordo_app::kernel::schema::TransferStatusName>)]
    pub status: Option<String>,
    /// Only those leaving this location (its code).
    #[param(max_length = 32)]
    pub from_location: Option<String>,
    /// Only those going to this location (its code).
    #[param(max_length = 32)]
    pub to_location: Option<String>,
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
}

/// Transfers, newest first.
#[utoipa::path(get, path = "/v1/transfers", tag = "inventory", params(TransferListQuery),
    responses((status = 200, body = ListView<TransferView>), (status = 400, body = Problem)))]
pub async fn list_transfers(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<TransferListQuery>,
) -> ApiResult<Json<ListView<TransferView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let filter = TransferQuery { status: q.status, from_location: q.from_location, to_location: q.to_location };
    let items = s.app.list_transfers(&actor, page, filter).await.map_err(query_error)?;
    Ok(Json(list(items, limit, |t: &Transfer| t.id.clone())))
}

/// One transfer with its lines and receipts.
#[utoipa::path(get, path = "/v1/transfers/{id}", tag = "inventory", params(("id" = String, Path, pattern = r"^tr_[0-9A-HJKMNP-TV-Z]{26}$")),
    responses((status = 200, body = TransferView), (status = 404, body = Problem)))]
pub async fn get_transfer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let found = s.app.get_transfer(&actor, &id).await?;
    Ok(versioned(found.version, TransferView::from(&found)))
}

/// Change the expected date or note (until received or cancelled), or replace a draft's
/// lines. A change that changes nothing keeps the version.
#[utoipa::path(patch, path = "/v1/transfers/{id}", tag = "inventory", request_body = TransferPatch,
    params(("id" = String, Path, pattern = r"^tr_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the change is based on")),
    responses((status = 200, body = TransferView), (status = 404, body = Problem),
        (status = 409, description = "The transfer is received or cancelled, or its lines are no longer a draft's", body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_transfer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(patch): JsonBody<TransferPatch>,
) -> ApiResult<Response> {
    let updated = s.app.update_transfer(&actor, &id, patch, version).await?;
    Ok(versioned(updated.version, TransferView::from(&updated)))
}

/// Ship a draft: every line's units leave the source's stock (ledger reason `transfer_out`)
/// for its `in_transit` bucket and count as incoming at the destination. All lines or none.
#[utoipa::path(post, path = "/v1/transfers/{id}/ship", tag = "inventory",
    params(("id" = String, Path, pattern = r"^tr_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the step is based on"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = TransferView), (status = 404, body = Problem),
        (status = 409, description = "The transfer is not a draft, or the source has too little available (`insufficient_stock`)", body = Problem),
        (status = 412, body = Problem)))]
pub async fn ship_transfer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<Transfer, TransferView, 200>;
    Ok(respond(s.app.ship_transfer(&actor, &id, version, idem.ctx(r)).await?, r))
}

/// Cancel a draft transfer.
#[utoipa::path(post, path = "/v1/transfers/{id}/cancel", tag = "inventory",
    params(("id" = String, Path, pattern = r"^tr_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the step is based on"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = TransferView), (status = 404, body = Problem),
        (status = 409, description = "The transfer has shipped or is cancelled", body = Problem), (status = 412, body = Problem)))]
pub async fn cancel_transfer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<Transfer, TransferView, 200>;
    Ok(respond(s.app.cancel_transfer(&actor, &id, version, idem.ctx(r)).await?, r))
}

/// Receive units of a shipped transfer at the destination: they leave the source's
/// `in_transit` bucket and go on hand (ledger reason `transfer_in`, reference `tr_...:LINE`).
/// No line receives more than is in transit.
#[utoipa::path(post, path = "/v1/transfers/{id}/receipts", tag = "inventory", request_body = ReceiptInput,
    params(("id" = String, Path, pattern = r"^tr_[0-9A-HJKMNP-TV-Z]{26}$"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = TransferView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The transfer is not shipped, or a line receives more than is in transit (`exceeds_in_transit`)", body = Problem)))]
pub async fn receive_transfer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ReceiptInput>,
) -> ApiResult<Response> {
    let r = render::<Transfer, TransferView, 201>;
    Ok(respond(s.app.receive_transfer(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// Close a shipped transfer: what is still in transit never arrives and is written off from
/// the source's `in_transit` bucket as lost or damaged.
#[utoipa::path(post, path = "/v1/transfers/{id}/close", tag = "inventory", request_body = TransferCloseInput,
    params(("id" = String, Path, pattern = r"^tr_[0-9A-HJKMNP-TV-Z]{26}$"), ("If-Match" = Option<String>, Header, description = "The version the step is based on"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = TransferView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The transfer is not shipped or partly received", body = Problem), (status = 412, body = Problem)))]
pub async fn close_transfer(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    idem: Idem,
    JsonBody(input): JsonBody<TransferCloseInput>,
) -> ApiResult<Response> {
    let r = render::<Transfer, TransferView, 200>;
    Ok(respond(s.app.close_transfer(&actor, &id, input, version, idem.ctx(r)).await?, r))
}
