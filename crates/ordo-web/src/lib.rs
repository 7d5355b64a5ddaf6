//! Ordo's HTTP API: the router, its layers, the OpenAPI document and the system endpoints.
//! The `/v1` handlers live in `api/` and their response bodies in `views/`, one file per
//! business area in each.
//!
//! Invariant: handlers parse, call one use case and map the result; every error leaves as a
//! problem document from `problem.rs`, and nothing here decides a business rule.

pub mod api;
mod docs;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod public;
pub mod server;
pub mod state;
pub mod strict_json;
pub mod views;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use state::{AppState, WebConfig};

use crate::problem::Problem;

pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/products", post(api::catalog::create_product).get(api::catalog::list_products))
        .route("/products/{sku}", get(api::catalog::get_product).patch(api::catalog::update_product))
        .route("/locations", post(api::catalog::create_location).get(api::catalog::list_locations))
        .route("/locations/{code}", get(api::catalog::get_location).patch(api::catalog::update_location))
        .route("/inventory", get(api::inventory::list_levels))
        .route("/inventory/adjustments", post(api::inventory::adjust_inventory))
        .route("/inventory/counts", post(api::inventory::count_inventory))
        .route("/inventory/movements", get(api::inventory::list_movements))
        .route("/inventory/alerts", get(api::inventory::list_stock_alerts))
        .route("/inventory/{sku}", get(api::inventory::sku_stock))
        .route("/inventory/{sku}/availability", get(api::inventory::sku_availability))
        .route("/forecasts", get(api::forecasts::list_forecasts))
        .route("/planning/settings", get(api::planning::planning_settings).put(api::planning::put_planning_settings))
        .route("/inventory/classes", get(api::planning::sku_classes))
        .route("/forecasts/{sku}", get(api::forecasts::sku_forecast))
        .route("/forecasts/{sku}/refresh", post(api::forecasts::refresh_forecast))
        .route("/replenishment/suggestions", get(api::forecasts::replenishment))
        .route("/replenishment/suggestions/accept", post(api::forecasts::accept_replenishment))
        .route("/replenishment/policies", post(api::forecasts::compute_policies))
        .route("/inventory/{sku}/policies", get(api::inventory::stock_policies))
        .route(
            "/inventory/{sku}/policies/{location}",
            axum::routing::put(api::inventory::put_stock_policy).delete(api::inventory::delete_stock_policy),
        )
        .route("/customers", post(api::customers::create_customer).get(api::customers::list_customers))
        .route("/customers/{id}", get(api::customers::get_customer).patch(api::customers::update_customer))
        .route("/customers/{id}/orders", get(api::customers::customer_orders))
        .route(
            "/customers/{id}/preferences",
            get(api::notifications::customer_preferences).patch(api::notifications::update_customer_preferences),
        )
        .route("/orders/{id}/notifications", get(api::notifications::order_notifications))
        .route("/orders/{id}/notifications/{notification}/resend", post(api::notifications::resend_notification))
        .route("/notifications/templates/{kind}/preview", get(api::notifications::preview_message))
        .route("/orders", post(api::orders::place_order).get(api::orders::list_orders))
        .route("/orders/{id}", get(api::orders::get_order))
        .route("/orders/{id}/cancel", post(api::orders::cancel_order))
        .route("/orders/{id}/events", get(api::orders::order_events))
        .route("/orders/{id}/routing", get(api::routing::order_routing))
        .route("/orders/{id}/fulfillments", get(api::fulfillments::order_fulfillments))
        .route("/fulfillments", get(api::fulfillments::list_fulfillments))
        .route("/fulfillments/{id}", get(api::fulfillments::get_fulfillment))
        .route("/fulfillments/{id}/start-picking", post(api::fulfillments::start_picking))
        .route("/fulfillments/{id}/pack", post(api::fulfillments::pack_fulfillment))
        .route("/fulfillments/{id}/ship", post(api::fulfillments::ship_fulfillment))
        .route("/fulfillments/{id}/deliver", post(api::fulfillments::deliver_fulfillment))
        .route("/fulfillments/{id}/cancel", post(api::fulfillments::cancel_fulfillment))
        .route("/fulfillments/{id}/reject", post(api::fulfillments::reject_fulfillment))
        .route("/fulfillments/{id}/ready-for-pickup", post(api::fulfillments::ready_for_pickup))
        .route("/fulfillments/{id}/pick-up", post(api::fulfillments::picked_up))
        .route("/fulfillments/{id}/packing-slip", get(api::documents::packing_slip))
        .route("/locations/{code}/pick-list", get(api::documents::pick_list))
        .route("/locations/{code}/buyers", get(api::catalog::location_buyers).put(api::catalog::put_location_buyers))
        .route("/fulfillments/{id}/rates", get(api::carriers::fulfillment_rates))
        .route("/fulfillments/{id}/label", get(api::documents::fulfillment_label).post(api::carriers::buy_label))
        .route("/suppliers", post(api::suppliers::create_supplier).get(api::suppliers::list_suppliers))
        .route("/suppliers/{id}", get(api::suppliers::get_supplier).patch(api::suppliers::update_supplier))
        .route(
            "/purchase-orders",
            post(api::purchase_orders::create_purchase_order).get(api::purchase_orders::list_purchase_orders),
        )
        .route(
            "/purchase-orders/{id}",
            get(api::purchase_orders::get_purchase_order).patch(api::purchase_orders::update_purchase_order),
        )
        .route("/purchase-orders/{id}/send", post(api::purchase_orders::send_purchase_order))
        .route("/purchase-orders/{id}/cancel", post(api::purchase_orders::cancel_purchase_order))
        .route("/purchase-orders/{id}/close", post(api::purchase_orders::close_purchase_order))
        .route("/purchase-orders/{id}/receipts", post(api::purchase_orders::receive_purchase_order))
        .route("/transfers", post(api::transfers::create_transfer).get(api::transfers::list_transfers))
        .route("/transfers/{id}", get(api::transfers::get_transfer).patch(api::transfers::update_transfer))
        .route("/transfers/{id}/ship", post(api::transfers::ship_transfer))
        .route("/transfers/{id}/cancel", post(api::transfers::cancel_transfer))
        .route("/transfers/{id}/close", post(api::transfers::close_transfer))
        .route("/transfers/{id}/receipts", post(api::transfers::receive_transfer))
        .route("/carriers", post(api::carriers::create_carrier).get(api::carriers::list_carriers))
        .route("/carriers/{code}", get(api::carriers::get_carrier).delete(api::carriers::delete_carrier))
        .route("/carriers/{code}/disable", post(api::carriers::disable_carrier))
        .route("/carriers/{code}/enable", post(api::carriers::enable_carrier))
        .route("/webhooks", post(api::webhooks::create_webhook).get(api::webhooks::list_webhooks))
        .route(
            "/webhooks/{id}",
            get(api::webhooks::get_webhook).patch(api::webhooks::update_webhook).delete(api::webhooks::delete_webhook),
        )
        .route("/webhooks/{id}/secret", post(api::webhooks::roll_webhook_secret))
        .route("/webhooks/{id}/deliveries", get(api::webhooks::list_deliveries))
        .route("/webhooks/{id}/deliveries/{delivery}", get(api::webhooks::get_delivery))
        .route("/webhooks/{id}/deliveries/{delivery}/replay", post(api::webhooks::replay_delivery))
        .route("/webhooks/{id}/replay", post(api::webhooks::replay_deliveries))
        .route("/orders/{id}/payments", post(api::payments::add_payment).get(api::payments::order_payments))
        .route("/payments/{id}/capture", post(api::payments::capture_payment))
        .route("/payments/{id}/void", post(api::payments::void_payment))
        .route("/payments/{id}/refund", post(api::payments::refund_payment))
        .route("/orders/{id}/refunds", post(api::refunds::refund_order).get(api::refunds::order_refunds))
        .route("/refunds/{id}", get(api::refunds::get_refund))
        .route("/channels/{channel}", get(api::channels::get_channel).put(api::channels::put_channel))
        .route("/imports", post(api::imports::start_import))
        .route("/imports/{id}", get(api::imports::get_import))
        .route("/channels/{channel}/sync", post(api::channels::sync_channel))
        .route("/channels/{channel}/sales", post(api::channels::record_till_sale))
        .route("/channels/{channel}/listings", get(api::channels::list_listings))
        .route(
            "/channels/{channel}/listings/{sku}",
            get(api::channels::get_listing).put(api::channels::put_listing).delete(api::channels::delete_listing),
        )
        .route("/channels/{channel}/imports", get(api::channels::list_channel_imports))
        .route("/channels/{channel}/imports/{id}", get(api::channels::get_channel_import))
        .route("/channels/{channel}/imports/{id}/retry", post(api::channels::retry_channel_import))
        .route("/channels/{channel}/imports/{id}/dismiss", post(api::channels::dismiss_channel_import))
        .route("/channels/{channel}/mappings", get(api::channels::list_sku_mappings))
        .route(
            "/channels/{channel}/mappings/{external}",
            axum::routing::put(api::channels::put_sku_mapping).delete(api::channels::delete_sku_mapping),
        )
        .route("/reports/sales", get(api::reports::sales_report))
        .route("/orders/{id}/holds", post(api::holds::place_hold).get(api::holds::order_holds))
        .route("/holds", get(api::holds::list_holds))
        .route("/returns", get(api::returns::list_returns))
        .route("/holds/{id}/release", post(api::holds::release_hold))
        .route("/holds/{id}/cancel-order", post(api::holds::cancel_through_hold))
        .route("/orders/{id}/returns", post(api::returns::request_return).get(api::returns::order_returns))
        .route("/orders/{id}/edits", post(api::edits::edit_order).get(api::edits::order_edits))
        .route("/orders/{id}/timeline", get(api::orders::order_timeline))
        .route("/orders/{id}/lines/{line_id}/cancel", post(api::edits::cancel_line))
        .route("/orders/{id}/claims", post(api::claims::file_claim).get(api::claims::order_claims))
        .route("/returns/{id}", get(api::returns::get_return))
        .route("/returns/{id}/approve", post(api::returns::approve_return))
        .route("/returns/{id}/reject", post(api::returns::reject_return))
        .route("/returns/{id}/receive", post(api::returns::receive_return))
        .route("/returns/{id}/close", post(api::returns::close_return))
        .route("/returns/{id}/label", post(api::returns::buy_return_label).get(api::returns::return_label))
        .route("/inventory/{sku}/buckets", get(api::inventory::sku_buckets))
        .route("/inventory/buckets/moves", post(api::inventory::move_bucket))
        .route("/exchange-rates", post(api::fx::put_rates).get(api::fx::rates_on))
        .route("/exchange-rates/ecb", post(api::fx::import_ecb))
        .route("/exchange-rates/convert", get(api::fx::convert_amount))
        .route("/gift-cards", post(api::balances::issue_gift_card))
        .route("/gift-cards/{code}", get(api::balances::gift_card))
        .route("/customers/{id}/store-credit", get(api::balances::store_credit).post(api::balances::credit_customer))
        .route("/inventory/count-requests", get(api::inventory::count_requests))
        .route("/routing/rule-sets", post(api::routing::create_rule_set).get(api::routing::list_rule_sets))
        .route("/routing/rule-sets/{name}", get(api::routing::get_rule_set).put(api::routing::replace_rule_set))
        .route("/routing/simulate", post(api::routing::simulate_routing))
        .route("/events", get(api::events::list_events))
        .route("/audit", get(api::audit::list_audit))
        .route("/keys", post(api::keys::create_key).get(api::keys::list_keys))
        .route("/keys/{id}/revoke", post(api::keys::revoke_key))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::idempotency))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate));

    // Carriers, gateways and sales platforms authenticate their webhooks by signature, not
    // by API key.
    let webhooks = Router::new()
        .route("/v1/carriers/{code}/tracking", post(api::carriers::carrier_tracking))
        .route("/v1/payments/stripe/webhook", post(api::payments::stripe_webhook))
        .route("/v1/channels/{channel}/webhooks", post(api::channels::channel_webhook));

    // What customers open from their email: a random token is the key.
    let pages = Router::new()
        .route("/track/{token}", get(public::tracking_page))
        .route("/track/{token}/returns", post(public::return_from_tracking))
        .route("/u/{token}", get(public::unsubscribe_page).post(public::unsubscribe));

    Router::new()
        .nest("/v1", v1)
        .merge(webhooks)
        .merge(pages)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        // Counts of the business are not for anyone: a key whose role may read them.
        .route(
            "/metrics",
            get(metrics).route_layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate)),
        )
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs::page))
        .route("/docs/", get(docs::page))
        .route("/docs/{*file}", get(docs::file))
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

async fn metrics(State(s): State<AppState>, extract::Caller(actor): extract::Caller) -> Response {
    use std::fmt::Write;
    if !actor.can(ordo_app::Action::ReadMetrics) {
        let detail = format!("a {} key may not read the metrics; use a metrics key", actor.role.as_str());
        return Problem::new(StatusCode::FORBIDDEN, "forbidden", &detail).into_response();
    }
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
    let workers = s.app.workers.snapshot();
    type Read = fn(&ordo_app::kernel::worker::WorkerStats) -> u64;
    let families: [(&str, &str, &str, Read); 4] = [
        ("ordo_worker_events_total", "counter", "Events each background worker handled.", |w| w.events.load(Relaxed)),
        ("ordo_worker_failures_total", "counter", "Worker passes that failed and will be retried.", |w| {
            w.failures.load(Relaxed)
        }),
        ("ordo_worker_cursor", "gauge", "The last event sequence each worker handled.", |w| {
            w.cursor.load(Relaxed).max(0) as u64
        }),
        ("ordo_worker_leader", "gauge", "Whether this node holds the worker's lease.", |w| w.leader.load(Relaxed)),
    ];
    for (metric, kind, help, read) in families.iter().filter(|_| !workers.is_empty()) {
        let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} {kind}");
        for (name, w) in &workers {
            let _ = writeln!(out, "{metric}{{worker=\"{name}\"}} {}", read(w));
        }
    }
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
