//! The `/v1` handlers, one file per business area, mirroring the use-case modules of
//! `ordo-app` (each file is named after the module its handlers call), and the pieces they
//! all share: idempotent rendering, ETags, cursors and pages, time parameters, the queue and
//! page queries, and webhook headers.
//!
//! A handler parses the request, calls one use case and renders the result through the view of
//! the same area in `crate::views`. No business rule lives here or in any file below.
//!
//! Handlers and views sit in two parallel folders rather than one folder per area because the
//! views are shared across areas (an order is rendered by the customer and order endpoints, a
//! fulfilment by the carrier ones) and their names form a single namespace in the OpenAPI
//! document. Function and type names are the operation ids and schema names of that document,
//! so they do not change when code moves between files.

// stock
pub mod catalog;
pub mod inventory;
pub mod purchase_orders;
pub mod suppliers;
pub mod transfers;
// sales
pub mod customers;
pub mod edits;
pub mod holds;
pub mod orders;
// shipping
pub mod carriers;
pub mod documents;
pub mod forecasts;
pub mod fulfillments;
pub mod planning;
pub mod routing;
// money
pub mod balances;
pub mod fx;
pub mod payments;
pub mod refunds;
// aftersales
pub mod claims;
pub mod returns;
// channels, imports, reports
pub mod channels;
pub mod imports;
pub mod reports;
// kernel
pub mod audit;
pub mod events;
pub mod keys;
pub mod notifications;
pub mod webhooks;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ordo_app::kernel::idempotency::{IdemCtx, Outcome};
use ordo_app::kernel::time_fmt::parse_rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::middleware::{IdemRequest, replayed};
use crate::problem::{ApiError, Problem};
use crate::views::ListView;

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

/// The answer of a step with nothing to say: 204 and no body.
fn no_content<T>(_: &T) -> (u16, Vec<u8>) {
    (204, Vec::new())
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

fn invalid_cursor() -> ApiError {
    ApiError::from(Problem::field(
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
        "cursor",
        "is not a cursor this API issued",
    ))
}

/// A cursor is the hex of the position it continues after; any even run of hex digits (up to
/// 512) is one, as the document's pattern says.
fn decode_cursor(c: &Option<String>) -> ApiResult<Option<String>> {
    // An empty cursor (`?cursor=`) is the first page, as no cursor is.
    let Some(c) = c.as_deref().filter(|c| !c.is_empty()) else { return Ok(None) };
    if c.len() % 2 != 0 || c.len() > 512 {
        return Err(invalid_cursor());
    }
    let bytes: Option<Vec<u8>> =
        (0..c.len()).step_by(2).map(|i| u8::from_str_radix(c.get(i..i + 2)?, 16).ok()).collect();
    bytes.map(|b| Some(String::from_utf8_lossy(&b).into_owned())).ok_or_else(invalid_cursor)
}

/// A numbered position: up to 18 decimal digits.
fn decode_int_cursor(c: &Option<String>) -> ApiResult<Option<i64>> {
    decode_cursor(c)?
        .map(|s| {
            if s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid_cursor());
            }
            s.parse::<i64>().map_err(|_| invalid_cursor())
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

/// A page size as a query gives it: at least 1 (0 is refused, not read as "none").
#[derive(Debug, Clone, Copy)]
pub struct Limit(pub usize);

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Limit, D::Error> {
        match usize::deserialize(d)? {
            n @ 1..=10_000 => Ok(Limit(n)),
            _ => Err(serde::de::Error::custom("limit must be from 1 to 10000")),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^(3[0-9]){0,18}$")]
    pub cursor: Option<String>,
}

/// A page of a list ordered by text.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQueryText {
    /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
    #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
    pub cursor: Option<String>,
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

/// A work queue's query: a status filter and a page.
macro_rules! queue_query {
    ($name:ident, $doc:literal, $status:ty) => {
        #[derive(Debug, Deserialize, IntoParams)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            #[doc = $doc]
            #[param(value_type = Option<$status>)]
            pub status: Option<String>,
            /// Items per page, 1 to 10000 (default 50); more than 200 counts as 200.
            #[param(value_type = Option<usize>, minimum = 1, maximum = 10000)]
            pub limit: Option<Limit>,
            /// The `next_cursor` of the page before.
            #[param(pattern = r"^([0-9a-fA-F]{2})*$", max_length = 512)]
            pub cursor: Option<String>,
        }
    };
}

queue_query!(HoldQueueQuery, "`active` (default), `released` or `cancelled`.", ordo_app::kernel::schema::HoldStatus);
queue_query!(
    ReturnQueueQuery,
    "`requested` (default), `approved`, `rejected`, `received` or `closed`.",
    ordo_app::kernel::schema::ReturnStatus
);
