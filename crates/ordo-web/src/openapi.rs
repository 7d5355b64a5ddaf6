//! The OpenAPI 3.1 document, generated from the handlers' annotations. The error responses
//! every endpoint shares are added here once rather than repeated on each handler.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Ordo API", description = "Order management: orders, stock across locations, customers and events. \
        Conventions: JSON in and out, money as decimal strings with an ISO 4217 currency, cursor pagination, \
        Idempotency-Key on every POST, errors as RFC 9457 problem documents with a stable `code`."),
    paths(
        api::create_product, api::list_products, api::get_product, api::update_product,
        api::create_location, api::list_locations, api::get_location, api::update_location,
        api::adjust_inventory, api::count_inventory, api::list_levels, api::list_movements, api::sku_stock,
        api::create_customer, api::list_customers, api::get_customer, api::update_customer, api::customer_orders,
        api::place_order, api::list_orders, api::get_order, api::cancel_order, api::order_events,
        api::order_routing, api::create_rule_set, api::list_rule_sets, api::get_rule_set, api::replace_rule_set,
        api::simulate_routing,
        api::order_fulfillments, api::list_fulfillments, api::get_fulfillment, api::start_picking, api::pack_fulfillment,
        api::ship_fulfillment, api::deliver_fulfillment, api::cancel_fulfillment, api::reject_fulfillment, api::count_requests,
        api::ready_for_pickup, api::picked_up,
        api::fulfillment_label, api::packing_slip, api::pick_list,
        api::create_carrier, api::list_carriers, api::fulfillment_rates, api::buy_label, api::carrier_tracking, api::stripe_webhook,
        api::add_payment, api::order_payments, api::capture_payment, api::void_payment, api::refund_payment,
        api::refund_order, api::order_refunds, api::get_refund, api::get_channel, api::put_channel, api::sales_report,
        api::order_timeline, api::edit_order, api::order_edits, api::cancel_line, api::file_claim, api::order_claims,
        api::list_holds, api::list_returns, api::place_hold, api::order_holds, api::release_hold, api::cancel_through_hold,
        api::request_return, api::order_returns, api::get_return, api::approve_return, api::reject_return,
        api::receive_return, api::close_return, api::sku_buckets, api::move_bucket, api::buy_return_label, api::return_label,
        api::put_rates, api::import_ecb, api::rates_on, api::convert_amount,
        api::issue_gift_card, api::gift_card, api::store_credit, api::credit_customer,
        api::list_events, api::create_key, api::list_keys, api::revoke_key,
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&Conventions),
    security(("api_key" = [])),
    tags(
        (name = "products", description = "The catalogue, one product per SKU"),
        (name = "locations", description = "Warehouses and stores"),
        (name = "inventory", description = "Stock levels and the movement ledger"),
        (name = "customers"),
        (name = "orders", description = "Order capture, allocation and cancellation"),
        (name = "fulfillment", description = "Each location's part of an order: pick, pack, ship, deliver"),
        (name = "exchange rates", description = "Dated rates (ECB reference rates) and conversions"),
        (name = "payments", description = "Payments and their ledger; status and balance are derived"),
        (name = "channels", description = "Policies per sales channel"),
        (name = "reports", description = "Sales figures in one currency"),
        (name = "returns", description = "Returns (RMA): request, approve, receive with dispositions, refund"),
        (name = "shipping", description = "Carriers, rate cards, rate shopping, labels and tracking"),
        (name = "routing", description = "Rule sets that choose where orders are fulfilled, and simulations"),
        (name = "events", description = "The outbox, in commit order"),
        (name = "keys", description = "API keys (admin only)"),
    )
)]
struct ApiDoc;

struct Conventions;

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name("Problem"))).build(),
            )
            .build(),
    )
}

fn add_errors(op: &mut Operation, write: bool) {
    let mut shared = vec![
        ("400", "Malformed JSON, an unknown field, or a bad query string"),
        ("401", "No API key or an unknown one"),
        ("403", "The key's role may not do this"),
        ("429", "Over the key's rate limit; see Retry-After"),
        ("500", "An internal error (its cause is logged, not sent)"),
        ("503", "The database is unavailable or the request timed out; retry"),
    ];
    if write {
        shared.extend([
            ("409", "A request with this Idempotency-Key is still running (`idempotency_key_in_use`) or a conflict"),
            ("413", "The body is over the size limit"),
            ("415", "The body is not application/json"),
            ("422", "Invalid fields (`validation_failed`, `currency_mismatch`, `idempotency_key_reused`)"),
        ]);
    }
    for (code, description) in shared {
        op.responses.responses.entry(code.to_owned()).or_insert_with(|| problem_response(description));
    }
}

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("api_key", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.patch, &mut item.put, &mut item.delete].into_iter().flatten() {
                let write = op.request_body.is_some();
                add_errors(op, write);
            }
            if let Some(op) = item.post.as_mut() {
                add_errors(op, true);
            }
        }
    }
}

/// The document as pretty JSON.
pub fn document_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".to_owned())
}
