//! Printable shipping documents: a fulfilment's label (PDF or ZPL) and packing slip, and a
//! location's pick list (JSON or PDF), rendered by `ordo_app::shipping::documents`.
//!
//! Each handler parses, calls one use case and answers the document's bytes with its content
//! type; no business rule here. `label_document` is shared with the return label.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiResult;
use crate::extract::{Caller, Path, Query};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::views::ListView;

fn document(content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `pdf` (the default) or `zpl`.
    #[param(value_type = Option<ordo_app::kernel::schema::LabelFormat>)]
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PickListQuery {
    /// `json` (the default) or `pdf`.
    #[param(value_type = Option<ordo_app::kernel::schema::PickListFormat>)]
    pub format: Option<String>,
}

/// The fulfilment's 4×6 inch shipping label, as PDF or as ZPL for thermal printers, with the
/// tracking number as a Code 128 barcode.
#[utoipa::path(get, path = "/v1/fulfillments/{id}/label", tag = "fulfillment", params(("id" = String, Path), FormatQuery),
    responses((status = 200, description = "The label as PDF, or as ZPL with `format=zpl`",
            content((String = "application/pdf"), (String = "text/plain"))),
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
pub(super) fn label_document(
    label: &ordo_app::shipping::documents::Label,
    format: Option<&str>,
) -> ApiResult<Response> {
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
#[utoipa::path(get, path = "/v1/locations/{code}/pick-list", tag = "fulfillment", params(("code" = String, Path), PickListQuery),
    responses((status = 200, description = "The pick list as JSON, or as PDF with `format=pdf`",
        content((ListView<ordo_app::shipping::fulfillments::PickItem> = "application/json"), (String = "application/pdf"))),
        (status = 404, body = Problem)))]
pub async fn pick_list(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Path(code): Path<String>,
    Query(q): Query<PickListQuery>,
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
