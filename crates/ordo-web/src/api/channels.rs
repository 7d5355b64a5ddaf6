//! Sales channel endpoints: a channel's connection and policies (`ordo_app::channels::settings`),
//! the platforms' signed webhooks (`intake`), the import log and SKU mappings (`imports`).
//!
//! Each handler parses, calls one use case and renders through `views::channels`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use ordo_app::intake::imports::{ChannelImport, SkuMappingInput};
use ordo_app::intake::pulls::SyncReport;
use ordo_app::intake::stock::{Listing, ListingInput};
use ordo_app::intake::till::{TillSale, TillSaleInput};
use ordo_app::intake::webhooks::Receipt;
use ordo_app::page_limit;
use ordo_store::{ImportFilter, Page, SkuMappingRecord};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, Limit, PageQueryText, decode_cursor, list, render, respond, webhook_headers};
use crate::extract::{Caller, JsonBody, Path, Query, RawBody};
use crate::problem::{Problem, query_error};
use crate::state::AppState;
use crate::views::{
    ChannelImportView, ChannelReceiptView, ChannelSyncView, ChannelView, ListView, ListingView, OrderView,
    SkuMappingView,
};

/// A sales channel's policies (the defaults until some are saved).
#[utoipa::path(get, path = "/v1/channels/{channel}", tag = "channels", params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = "Letters, digits, `-`, `_` and `.`, 1 to 64")),
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
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = "Letters, digits, `-`, `_` and `.`, 1 to 64")), responses((status = 200, body = ChannelView), (status = 404, description = "A location named does not exist", body = Problem), (status = 422, body = Problem)))]
pub async fn put_channel(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    JsonBody(input): JsonBody<ordo_app::channels::settings::ChannelSettingsInput>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(ChannelView::from(&s.app.put_channel_settings(&actor, &channel, input).await?)))
}

const CHANNEL: &str = "Letters, digits, `-`, `_` and `.`, 1 to 64";

/// A platform's order webhook, exactly as the platform sends it, with no Ordo API key: the
/// platform's signature authenticates it. Shopify: `X-Shopify-Hmac-Sha256` (base64
/// HMAC-SHA256 of the raw body), `X-Shopify-Topic`, `X-Shopify-Webhook-Id`. WooCommerce:
/// `X-WC-Webhook-Signature`, `X-WC-Webhook-Topic`, `X-WC-Webhook-Delivery-ID`. Every delivery
/// whose signature holds is answered 200, also one that cannot become an order (it waits in
/// the import log), so the platform never disables the webhook; a repeated delivery id
/// creates nothing (`duplicate`).
#[utoipa::path(post, path = "/v1/channels/{channel}/webhooks", tag = "channels", request_body = serde_json::Value,
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("X-Shopify-Hmac-Sha256" = Option<String>, Header, description = "Shopify's signature"),
        ("X-Shopify-Topic" = Option<String>, Header, description = "Shopify's topic, e.g. `orders/create`"),
        ("X-Shopify-Webhook-Id" = Option<String>, Header, description = "Shopify's delivery id"),
        ("X-WC-Webhook-Signature" = Option<String>, Header, description = "WooCommerce's signature")),
    security(()),
    responses((status = 200, body = ChannelReceiptView),
        (status = 401, description = "A wrong or missing signature, or no channel under this name takes webhooks", body = Problem),
        (status = 501, description = "This installation has no adapter for the channel's kind", body = Problem)))]
pub async fn channel_webhook(
    State(s): State<AppState>,
    Path(channel): Path<String>,
    headers: axum::http::HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<ChannelReceiptView>> {
    let r = s.app.channel_webhook(&channel, &webhook_headers(&headers), &body).await?;
    Ok(Json(ChannelReceiptView::from(&r)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
    /// Only entries in this state.
    #[param(value_type = Option<ordo_app::kernel::schema::ImportStatus>)]
    pub status: Option<String>,
    /// Only entries about this platform order id.
    pub external_id: Option<String>,
    /// Only entries about this Ordo order.
    pub order_id: Option<String>,
}

/// A channel's import log, newest first: every payload it sent and what became of it.
#[utoipa::path(get, path = "/v1/channels/{channel}/imports", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL), ImportQuery),
    responses((status = 200, body = ListView<ChannelImportView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_channel_imports(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    Query(q): Query<ImportQuery>,
) -> ApiResult<Json<ListView<ChannelImportView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let filter = ImportFilter { status: q.status, external_id: q.external_id, order_id: q.order_id };
    let items = s.app.channel_imports(&actor, &channel, page, filter).await.map_err(query_error)?;
    Ok(Json(list(items, limit, |i: &ChannelImport| i.id.clone())))
}

/// Pull the orders a channel's platform changed since the last pull (WooCommerce, BigCommerce,
/// Amazon), now rather than at the next scheduled pull. Every order is taken as a webhook's
/// would be: an order seen before, by a webhook or a pull, is not imported again.
#[utoipa::path(post, path = "/v1/channels/{channel}/sync", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = ChannelSyncView), (status = 404, body = Problem),
        (status = 409, description = "The channel's platform is not pulled, or a credential a pull needs is not set", body = Problem),
        (status = 502, description = "The platform could not be reached, refused the credentials or kept asking Ordo to slow down; nothing after the failing page was taken", body = Problem)))]
pub async fn sync_channel(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<SyncReport, ChannelSyncView, 200>;
    Ok(respond(s.app.sync_channel(&actor, &channel, idem.ctx(r)).await?, r))
}

/// Record a sale rung up at a `pos` channel's till: an order already handed over at the
/// channel's store. Its units leave that store's shelf at once, what the customer paid
/// (`cash` or `card`) is recorded captured and must add up to the total, and the order counts
/// in reports like any other. A receipt the channel recorded before answers 200 with its
/// order and records nothing more.
#[utoipa::path(post, path = "/v1/channels/{channel}/sales", tag = "channels", request_body = TillSaleInput,
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, description = "Recorded", body = OrderView),
        (status = 200, description = "The receipt was recorded before; its order", body = OrderView),
        (status = 404, description = "No pos channel has this name, or a SKU is unknown", body = Problem),
        (status = 409, description = "The store has too few units of a line (count its stock first)", body = Problem),
        (status = 422, description = "The sale is not valid, or its payments do not add up to its total", body = Problem)))]
pub async fn record_till_sale(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<TillSaleInput>,
) -> ApiResult<Response> {
    let r: fn(&TillSale) -> (u16, Vec<u8>) = |sale| {
        let status = if sale.existing { 200 } else { 201 };
        (status, serde_json::to_vec(&OrderView::from(&sale.order)).unwrap_or_default())
    };
    Ok(respond(s.app.record_till_sale(&actor, &channel, input, idem.ctx(r)).await?, r))
}

/// One import log entry, with the payload exactly as the platform sent it.
#[utoipa::path(get, path = "/v1/channels/{channel}/imports/{id}", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL), ("id" = String, Path)),
    responses((status = 200, body = ChannelImportView), (status = 404, body = Problem)))]
pub async fn get_channel_import(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, id)): Path<(String, String)>,
) -> ApiResult<Json<ChannelImportView>> {
    Ok(Json(ChannelImportView::from(&s.app.channel_import(&actor, &channel, &id).await?)))
}

/// Apply a parked payload again, once what parked it is fixed (a SKU mapping added, a
/// product created, stock received); it becomes an order, or stays parked with the reason.
#[utoipa::path(post, path = "/v1/channels/{channel}/imports/{id}/retry", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL), ("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = ChannelReceiptView), (status = 404, body = Problem),
        (status = 409, description = "Only a parked payload is retried", body = Problem)))]
pub async fn retry_channel_import(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, id)): Path<(String, String)>,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<Receipt, ChannelReceiptView, 200>;
    Ok(respond(s.app.retry_import(&actor, &channel, &id, idem.ctx(r)).await?, r))
}

/// Set a parked payload aside for good.
#[utoipa::path(post, path = "/v1/channels/{channel}/imports/{id}/dismiss", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL), ("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = ChannelImportView), (status = 404, body = Problem),
        (status = 409, description = "Only a parked payload is dismissed", body = Problem)))]
pub async fn dismiss_channel_import(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, id)): Path<(String, String)>,
    idem: Idem,
) -> ApiResult<Response> {
    let r = render::<ChannelImport, ChannelImportView, 200>;
    Ok(respond(s.app.dismiss_import(&actor, &channel, &id, idem.ctx(r)).await?, r))
}

/// A channel's SKU mappings, by platform reference.
#[utoipa::path(get, path = "/v1/channels/{channel}/mappings", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL), PageQueryText),
    responses((status = 200, body = ListView<SkuMappingView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_sku_mappings(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    Query(q): Query<PageQueryText>,
) -> ApiResult<Json<ListView<SkuMappingView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.sku_mappings(&actor, &channel, page).await?;
    Ok(Json(list(items, limit, |m: &SkuMappingRecord| m.external.clone())))
}

/// Map a platform's variant id, product id or SKU to an Ordo SKU, for lines whose SKU is
/// missing at the platform or differs from Ordo's; a line is matched by variant, then
/// product, then SKU.
#[utoipa::path(put, path = "/v1/channels/{channel}/mappings/{external}", tag = "channels", request_body = SkuMappingInput,
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("external" = String, Path, description = "The platform's variant id, product id or SKU", min_length = 1, max_length = 255, pattern = r"^[^\u0000]*$")),
    responses((status = 200, body = SkuMappingView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_sku_mapping(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, external)): Path<(String, String)>,
    JsonBody(input): JsonBody<SkuMappingInput>,
) -> ApiResult<Json<SkuMappingView>> {
    Ok(Json(SkuMappingView::from(&s.app.put_sku_mapping(&actor, &channel, &external, input).await?)))
}

/// Remove a SKU mapping.
#[utoipa::path(delete, path = "/v1/channels/{channel}/mappings/{external}", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("external" = String, Path, description = "The platform's variant id, product id or SKU", min_length = 1, max_length = 255, pattern = r"^[^\u0000]*$")),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
pub async fn delete_sku_mapping(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, external)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.app.delete_sku_mapping(&actor, &channel, &external).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The channel's listings: where each SKU is on the platform, and what Ordo last pushed to
/// it (the quantity, when, how many pushes, and the last refusal): the channel's stock sync
/// log.
#[utoipa::path(get, path = "/v1/channels/{channel}/listings", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL), PageQueryText),
    responses((status = 200, body = ListView<ListingView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_listings(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
    Query(q): Query<PageQueryText>,
) -> ApiResult<Json<ListView<ListingView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let page = Page { after: decode_cursor(&q.cursor)?, limit };
    let items = s.app.listings(&actor, &channel, page).await?;
    Ok(Json(list(items, limit, |l: &Listing| l.record.sku.clone())))
}

/// One listing and its last push.
#[utoipa::path(get, path = "/v1/channels/{channel}/listings/{sku}", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("sku" = String, Path, description = "An Ordo SKU", min_length = 1, max_length = 64, pattern = r"^[^\u0000]*$")),
    responses((status = 200, body = ListingView), (status = 404, body = Problem)))]
pub async fn get_listing(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, sku)): Path<(String, String)>,
) -> ApiResult<Json<ListingView>> {
    Ok(Json(ListingView::from(&s.app.listing(&actor, &channel, &sku).await?)))
}

/// List a SKU on the channel's platform (Shopify: its `inventory_item_id` and `location_id`;
/// WooCommerce and BigCommerce: its `product_id`, and `variant_id` for a variation), so that
/// Ordo pushes its stock there: the available units at the channel's locations less its stock
/// buffer, at once and after every change.
#[utoipa::path(put, path = "/v1/channels/{channel}/listings/{sku}", tag = "channels", request_body = ListingInput,
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("sku" = String, Path, description = "An Ordo SKU", min_length = 1, max_length = 64, pattern = r"^[^\u0000]*$")),
    responses((status = 200, body = ListingView), (status = 404, description = "No product has this SKU", body = Problem),
        (status = 409, description = "Stock is not pushed to this channel's kind", body = Problem),
        (status = 422, body = Problem)))]
pub async fn put_listing(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, sku)): Path<(String, String)>,
    JsonBody(input): JsonBody<ListingInput>,
) -> ApiResult<Json<ListingView>> {
    Ok(Json(ListingView::from(&s.app.put_listing(&actor, &channel, &sku, input).await?)))
}

/// Stop pushing a SKU's stock to the channel.
#[utoipa::path(delete, path = "/v1/channels/{channel}/listings/{sku}", tag = "channels",
    params(("channel" = String, Path, pattern = r"^[A-Za-z0-9._-]{1,64}$", description = CHANNEL),
        ("sku" = String, Path, description = "An Ordo SKU", min_length = 1, max_length = 64, pattern = r"^[^\u0000]*$")),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
pub async fn delete_listing(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path((channel, sku)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.app.delete_listing(&actor, &channel, &sku).await?;
    Ok(StatusCode::NO_CONTENT)
}
