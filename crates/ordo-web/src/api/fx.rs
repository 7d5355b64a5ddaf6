//! Exchange rate endpoints: load a day's rates or the ECB's reference-rate CSV, read the rates
//! in force on a day, and convert an amount (`ordo_app::money::fx`).
//!
//! Each handler parses, calls one use case and renders through `views::fx`; no business rule
//! here.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Idem, render, respond};
use crate::extract::{Caller, JsonBody, Query, RawBody};
use crate::problem::query_error;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::views::{ImportView, MoneyView, RateView, RatesView};

/// Load one day's rates.
#[utoipa::path(post, path = "/v1/exchange-rates", tag = "exchange rates", request_body = ordo_app::money::fx::RatesInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = ImportView)))]
pub async fn put_rates(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    JsonBody(input): JsonBody<ordo_app::money::fx::RatesInput>,
) -> ApiResult<Response> {
    let r = render::<usize, ImportView, 201>;
    Ok(respond(s.app.put_rates(&actor, input, idem.ctx(r)).await?, r))
}

/// Import the European Central Bank's reference-rate CSV (the daily `eurofxref.csv` or the
/// history `eurofxref-hist.csv`), sent as `text/csv`. Every line is checked; a bad line is
/// reported by number and nothing is stored.
#[utoipa::path(post, path = "/v1/exchange-rates/ecb", tag = "exchange rates",
    request_body(content((String = "text/csv"), (String = "text/plain"))),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry: 1 to 255 visible ASCII characters, kept per API key")),
    responses((status = 201, body = ImportView),
        (status = 415, description = "The body is not text/csv or text/plain", body = Problem)))]
pub async fn import_ecb(
    State(s): State<AppState>,
    Caller(actor): Caller,
    idem: Idem,
    headers: axum::http::HeaderMap,
    RawBody(body): RawBody,
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
    let r = render::<usize, ImportView, 201>;
    Ok(respond(s.app.import_ecb(&actor, text, idem.ctx(r)).await?, r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatesQuery {
    /// `YYYY-MM-DD`; default today (UTC).
    #[param(format = Date)]
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
    let rates = s.app.rates_on(&actor, &date).await.map_err(query_error)?;
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
    /// Decimal amount, e.g. `19.99`: up to 10 digits before the point and 4 after, whatever the
    /// currency (the result is rounded once).
    #[param(pattern = r"^0*[0-9]{1,10}(\.[0-9]{1,4}0*)?$")]
    pub amount: String,
    #[param(value_type = ordo_app::kernel::schema::CurrencyCode)]
    pub currency: String,
    #[param(value_type = ordo_app::kernel::schema::CurrencyCode)]
    pub to: String,
    /// `YYYY-MM-DD`; default today (UTC).
    #[param(format = Date)]
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
    let m = s.app.convert(&actor, &q.amount, &q.currency, &q.to, q.date).await.map_err(query_error)?;
    Ok(Json(MoneyView::new(m.minor(), m.currency().code())))
}
