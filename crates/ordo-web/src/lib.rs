//! Ordo's HTTP API: the router, its layers, the OpenAPI document and the system endpoints.
//!
//! Invariant: handlers parse, call one use case and map the result; every error leaves as a
//! problem document from `problem.rs`, and nothing here decides a business rule.

pub mod api;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod state;
pub mod views;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

pub use state::{AppState, WebConfig};

use crate::problem::Problem;

pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/products", post(api::create_product).get(api::list_products))
        .route("/products/{sku}", get(api::get_product).patch(api::update_product))
        .route("/locations", post(api::create_location).get(api::list_locations))
        .route("/locations/{code}", get(api::get_location).patch(api::update_location))
        .route("/inventory", get(api::list_levels))
        .route("/inventory/adjustments", post(api::adjust_inventory))
        .route("/inventory/counts", post(api::count_inventory))
        .route("/inventory/movements", get(api::list_movements))
        .route("/inventory/{sku}", get(api::sku_stock))
        .route("/customers", post(api::create_customer).get(api::list_customers))
        .route("/customers/{id}", get(api::get_customer).patch(api::update_customer))
        .route("/customers/{id}/orders", get(api::customer_orders))
        .route("/orders", post(api::place_order).get(api::list_orders))
        .route("/orders/{id}", get(api::get_order))
        .route("/orders/{id}/cancel", post(api::cancel_order))
        .route("/orders/{id}/events", get(api::order_events))
        .route("/orders/{id}/routing", get(api::order_routing))
        .route("/orders/{id}/fulfillments", get(api::order_fulfillments))
        .route("/fulfillments", get(api::list_fulfillments))
        .route("/fulfillments/{id}", get(api::get_fulfillment))
        .route("/fulfillments/{id}/start-picking", post(api::start_picking))
        .route("/fulfillments/{id}/pack", post(api::pack_fulfillment))
        .route("/fulfillments/{id}/ship", post(api::ship_fulfillment))
        .route("/fulfillments/{id}/deliver", post(api::deliver_fulfillment))
        .route("/fulfillments/{id}/cancel", post(api::cancel_fulfillment))
        .route("/fulfillments/{id}/reject", post(api::reject_fulfillment))
        .route("/fulfillments/{id}/ready-for-pickup", post(api::ready_for_pickup))
        .route("/fulfillments/{id}/pick-up", post(api::picked_up))
        .route("/fulfillments/{id}/packing-slip", get(api::packing_slip))
        .route("/locations/{code}/pick-list", get(api::pick_list))
        .route("/fulfillments/{id}/rates", get(api::fulfillment_rates))
        .route("/fulfillments/{id}/label", get(api::fulfillment_label).post(api::buy_label))
        .route("/carriers", post(api::create_carrier).get(api::list_carriers))
        .route("/orders/{id}/payments", post(api::add_payment).get(api::order_payments))
        .route("/payments/{id}/capture", post(api::capture_payment))
        .route("/payments/{id}/void", post(api::void_payment))
        .route("/payments/{id}/refund", post(api::refund_payment))
        .route("/orders/{id}/refunds", post(api::refund_order).get(api::order_refunds))
        .route("/refunds/{id}", get(api::get_refund))
        .route("/channels/{channel}", get(api::get_channel).put(api::put_channel))
        .route("/reports/sales", get(api::sales_report))
        .route("/orders/{id}/holds", post(api::place_hold).get(api::order_holds))
        .route("/holds", get(api::list_holds))
        .route("/returns", get(api::list_returns))
        .route("/holds/{id}/release", post(api::release_hold))
        .route("/holds/{id}/cancel-order", post(api::cancel_through_hold))
        .route("/orders/{id}/returns", post(api::request_return).get(api::order_returns))
        .route("/orders/{id}/edits", post(api::edit_order).get(api::order_edits))
        .route("/orders/{id}/timeline", get(api::order_timeline))
        .route("/orders/{id}/lines/{line_id}/cancel", post(api::cancel_line))
        .route("/orders/{id}/claims", post(api::file_claim).get(api::order_claims))
        .route("/returns/{id}", get(api::get_return))
        .route("/returns/{id}/approve", post(api::approve_return))
        .route("/returns/{id}/reject", post(api::reject_return))
        .route("/returns/{id}/receive", post(api::receive_return))
        .route("/returns/{id}/close", post(api::close_return))
        .route("/returns/{id}/label", post(api::buy_return_label).get(api::return_label))
        .route("/inventory/{sku}/buckets", get(api::sku_buckets))
        .route("/inventory/buckets/moves", post(api::move_bucket))
        .route("/exchange-rates", post(api::put_rates).get(api::rates_on))
        .route("/exchange-rates/ecb", post(api::import_ecb))
        .route("/exchange-rates/convert", get(api::convert_amount))
        .route("/gift-cards", post(api::issue_gift_card))
        .route("/gift-cards/{code}", get(api::gift_card))
        .route("/customers/{id}/store-credit", get(api::store_credit).post(api::credit_customer))
        .route("/inventory/count-requests", get(api::count_requests))
        .route("/routing/rule-sets", post(api::create_rule_set).get(api::list_rule_sets))
        .route("/routing/rule-sets/{name}", get(api::get_rule_set).put(api::replace_rule_set))
        .route("/routing/simulate", post(api::simulate_routing))
        .route("/events", get(api::list_events))
        .route("/keys", post(api::create_key).get(api::list_keys))
        .route("/keys/{id}/revoke", post(api::revoke_key))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::idempotency))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate));

    // Carriers authenticate their webhooks by signature, not by API key.
    let webhooks = Router::new()
        .route("/v1/carriers/{code}/tracking", post(api::carrier_tracking))
        .route("/v1/payments/stripe/webhook", post(api::stripe_webhook));

    Router::new()
        .nest("/v1", v1)
        .merge(webhooks)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::observe))
        .with_state(state)
}

async fn not_found() -> Response {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
}

async fn method_not_allowed() -> Response {
    Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not accept that method")
        .into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers a read and the write path commits.
async fn readyz(State(s): State<AppState>) -> Response {
    let read = s.app.store.read(|tx| Ok::<_, ordo_app::AppError>(tx.table_counts().map(|_| ())?)).await;
    match read {
        Ok(()) => {
            (StatusCode::OK, axum::Json(serde_json::json!({"status": "ready", "database": s.app.store.engine_name()})))
                .into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "the database is not reachable").into_response()
        }
    }
}

fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

async fn metrics(State(s): State<AppState>) -> Response {
    use std::fmt::Write;
    use std::sync::atomic::Ordering::Relaxed;
    let m = &s.metrics;
    let mut out = String::new();
    out.push_str(
        "# HELP ordo_http_requests_total HTTP responses by status class.\n# TYPE ordo_http_requests_total counter\n",
    );
    for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
        let _ = writeln!(out, "ordo_http_requests_total{{status=\"{class}\"}} {}", m.requests[i + 1].load(Relaxed));
    }
    let total: u64 = m.requests.iter().map(|c| c.load(Relaxed)).sum();
    let _ = writeln!(
        out,
        "# HELP ordo_http_request_duration_seconds Time spent answering requests.\n# TYPE ordo_http_request_duration_seconds summary\nordo_http_request_duration_seconds_sum {}\nordo_http_request_duration_seconds_count {total}",
        m.duration_us_total.load(Relaxed) as f64 / 1e6
    );
    let _ = writeln!(
        out,
        "# TYPE ordo_orders_created_total counter\nordo_orders_created_total {}",
        m.orders_created.load(Relaxed)
    );
    let _ = writeln!(
        out,
        "# TYPE ordo_orders_rejected_insufficient_stock_total counter\nordo_orders_rejected_insufficient_stock_total {}",
        m.orders_rejected_stock.load(Relaxed)
    );
    let st = s.app.store.stats();
    let _ = writeln!(
        out,
        "# TYPE ordo_store_write_batches_total counter\nordo_store_write_batches_total {}",
        st.write_batches
    );
    let _ = writeln!(out, "# TYPE ordo_store_write_jobs_total counter\nordo_store_write_jobs_total {}", st.write_jobs);
    let _ = writeln!(
        out,
        "# TYPE ordo_store_write_queue_depth gauge\nordo_store_write_queue_depth {}",
        st.write_queue_depth
    );
    let _ = writeln!(
        out,
        "# HELP ordo_store_write_seconds_total Writer time running jobs (work) and committing them durably (commit).\n\
         # TYPE ordo_store_write_seconds_total counter\n\
         ordo_store_write_seconds_total{{phase=\"work\"}} {}\nordo_store_write_seconds_total{{phase=\"commit\"}} {}",
        st.write_work_seconds, st.write_commit_seconds
    );
    if let Some(rss) = resident_bytes() {
        let _ = writeln!(out, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}");
    }
    let mut r = out.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    r
}

async fn openapi_json() -> Response {
    let mut r = openapi::document_json().into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

async fn docs() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
