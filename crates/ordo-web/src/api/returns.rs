//! Return (RMA) endpoints: the return queues, requesting, approving, rejecting, receiving and
//! closing a return, and its prepaid label (`ordo_app::aftersales::returns` and
//! `ordo_app::aftersales::return_labels`).
//!
//! Each handler parses, calls one use case and renders through `views::returns`; no business
//! rule here.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use ordo_app::aftersales::returns::Return;
use ordo_app::page_limit;

use super::documents::{FormatQuery, label_document};
use super::{ApiResult, Idem, ReturnQueueQuery, decode_cursor, list, render, respond};
use crate::extract::{Caller, JsonBody, OptionalJsonBody, Path, Query};
use crate::problem::Problem;
use crate::problem::query_error;
use crate::state::AppState;
use crate::views::{ListView, OrderReturnsView, ReturnView};

/// Returns across orders, oldest first: the queues to approve (`requested`, the default) and
/// to receive (`approved`).
#[utoipa::path(get, path = "/v1/returns", tag = "returns", params(ReturnQueueQuery),
    responses((status = 200, body = ListView<ReturnView>)))]
pub async fn list_returns(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ReturnQueueQuery>,
) -> ApiResult<Json<ListView<ReturnView>>> {
    let limit = page_limit(q.limit.map(|l| l.0));
    let returns =
        s.app.list_returns(&actor, q.status.as_deref(), decode_cursor(&q.cursor)?, limit).await.map_err(query_error)?;
    Ok(Json(list(returns, limit, |r: &ordo_app::aftersales::returns::Return| r.id.clone())))
}

/// Request a return of shipped units, per line with a reason code, within the channel's return
/// window (`override_window` lets an operator accept a late one).
#[utoipa::path(post, path = "/v1/orders/{id}/returns", tag = "returns", request_body = ordo_app::aftersales::returns::ReturnInput,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = ReturnView), (status = 404, body = Problem),
        (status = 422, description = "More units than shipped and not yet returned, or bad fields", body = Problem),
        (status = 409, description = "`invalid_transition` (nothing shipped) or `return_window_closed`", body = Problem)))]
pub async fn request_return(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::aftersales::returns::ReturnInput>,
) -> ApiResult<Response> {
    let r = render::<Return, ReturnView, 201>;
    Ok(respond(s.app.request_return(&actor, &id, input, idem.ctx(r)).await?, r))
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
    ($name:ident, $path:literal, $method:ident, $input:ty, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "returns", request_body(content = Option<$input>),
            params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
            responses((status = 200, body = ReturnView), (status = 404, body = Problem),
                (status = 409, description = "The return is not in a status this step starts from", body = Problem)))]
        pub async fn $name(
            State(s): State<AppState>,
            Caller(actor): Caller,
            Path(id): Path<String>,
            idem: Idem,
            OptionalJsonBody(input): OptionalJsonBody<$input>,
        ) -> ApiResult<Response> {
            let r = render::<Return, ReturnView, 200>;
            Ok(respond(s.app.$method(&actor, &id, input, idem.ctx(r)).await?, r))
        }
    };
}

return_step!(
    approve_return,
    "/v1/returns/{id}/approve",
    approve_return,
    ordo_app::aftersales::returns::ReturnStepInput,
    "Approve a requested return (with an optional restocking fee); refunded now if the channel refunds returns on approval."
);
return_step!(
    reject_return,
    "/v1/returns/{id}/reject",
    reject_return,
    ordo_app::aftersales::returns::ReturnNoteInput,
    "Reject a requested return."
);
return_step!(
    close_return,
    "/v1/returns/{id}/close",
    close_return,
    ordo_app::aftersales::returns::ReturnNoteInput,
    "Close a received or rejected return."
);

/// Receive an approved return: every unit's condition and disposition. `restock` puts units
/// back into available stock at the receiving location; `damaged` into quarantine, `refurbish`,
/// `return_to_vendor` and `dispose` into their non-sellable buckets; each writes its ledger.
/// The refund follows unless the channel refunded on approval.
#[utoipa::path(post, path = "/v1/returns/{id}/receive", tag = "returns", request_body = ordo_app::aftersales::returns::ReceiveInput,
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 200, body = ReturnView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The return is not approved", body = Problem)))]
pub async fn receive_return(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::aftersales::returns::ReceiveInput>,
) -> ApiResult<Response> {
    let r = render::<Return, ReturnView, 200>;
    Ok(respond(s.app.receive_return(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// Buy a prepaid return label: the cheapest service from the customer's address to the
/// receiving location (default: where the order shipped from), through the carrier
/// integrations. Buying again returns the label already bought.
#[utoipa::path(post, path = "/v1/returns/{id}/label", tag = "returns", request_body(content = Option<ordo_app::aftersales::return_labels::ReturnLabelInput>),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = ReturnView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 409, description = "The return is received or closed, or no carrier serves it", body = Problem)))]
pub async fn buy_return_label(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    idem: Idem,
    OptionalJsonBody(input): OptionalJsonBody<ordo_app::aftersales::return_labels::ReturnLabelInput>,
) -> ApiResult<Response> {
    let r = render::<Return, ReturnView, 201>;
    Ok(respond(s.app.buy_return_label(&actor, &id, input, idem.ctx(r)).await?, r))
}

/// The return label, 4×6 inches, as PDF (default) or ZPL (`?format=zpl`).
#[utoipa::path(get, path = "/v1/returns/{id}/label", tag = "returns", params(("id" = String, Path), FormatQuery),
    responses((status = 200, description = "The label as PDF, or as ZPL with `format=zpl`",
            content((String = "application/pdf"), (String = "text/plain"))), (status = 404, body = Problem)))]
pub async fn return_label(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let label = s.app.return_label(&actor, &id).await?;
    label_document(&label, q.format.as_deref())
}
