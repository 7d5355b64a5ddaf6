//! Report endpoints: sales figures in one currency (`ordo_app::reports::sales`).
//!
//! The handler parses the query, calls the use case and renders through `views::reports`; no
//! business rule here (the use case converts and totals).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiResult;
use crate::extract::{Caller, Query};
use crate::problem::Problem;
use crate::problem::query_error;
use crate::state::AppState;
use crate::views::SalesReportView;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    /// First day, `YYYY-MM-DD` (UTC); default 29 days before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, inclusive; default today (UTC). At most 366 days in all.
    #[param(format = Date)]
    pub to: Option<String>,
    /// The currency to report in; default EUR. Needs rates for every order's day.
    #[param(value_type = Option<ordo_app::kernel::schema::CurrencyCode>)]
    pub currency: Option<String>,
    /// Only this sales channel's orders.
    pub channel: Option<String>,
}

/// Sales of the orders placed from `from` to `to`: orders, subtotal, discount, shipping, tax,
/// total, refunded and net, by day and in all, every amount converted into `currency` at the
/// exchange rates of the order's day (the latest on or before it), rounded per order to the
/// currency's minor unit. Orders whose day has no rate are listed under `unconverted`, in their
/// own currency, and left out of the totals.
#[utoipa::path(get, path = "/v1/reports/sales", tag = "reports", params(SalesQuery),
    responses((status = 200, body = SalesReportView),
        (status = 409, description = "The span holds too many orders for one report (`report_too_large`)", body = Problem)))]
pub async fn sales_report(
    State(s): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<SalesQuery>,
) -> ApiResult<Json<SalesReportView>> {
    let q = ordo_app::reports::sales::SalesQuery { from: q.from, to: q.to, currency: q.currency, channel: q.channel };
    Ok(Json(SalesReportView::from(&s.app.sales_report(&actor, q).await.map_err(query_error)?)))
}
