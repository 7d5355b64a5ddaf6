//! The OpenAPI 3.1 document, generated from the handlers' annotations. The error responses
//! every endpoint shares are added here once rather than repeated on each handler.

use std::collections::BTreeSet;

use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Ordo API", description = "Order management: orders, stock across locations, customers and events. \
        Conventions: JSON in and out, money as decimal strings with an ISO 4217 currency, cursor pagination, \
        Idempotency-Key on every POST but the signed webhooks (which deduplicate by the provider's event id), \
        errors as RFC 9457 problem documents with a stable `code`."),
    paths(
        api::catalog::create_product, api::catalog::list_products, api::catalog::get_product,
            api::catalog::update_product, api::catalog::create_location, api::catalog::list_locations,
            api::catalog::get_location, api::catalog::update_location, api::catalog::location_buyers,
            api::catalog::put_location_buyers,
        api::inventory::adjust_inventory, api::inventory::count_inventory, api::inventory::list_levels,
            api::inventory::list_movements, api::inventory::sku_stock, api::inventory::sku_availability, api::forecasts::list_forecasts, api::forecasts::sku_forecast, api::forecasts::refresh_forecast, api::planning::planning_settings, api::planning::put_planning_settings, api::planning::sku_classes, api::forecasts::replenishment, api::forecasts::accept_replenishment, api::forecasts::compute_policies, api::inventory::list_stock_alerts, api::inventory::stock_policies,
            api::inventory::put_stock_policy, api::inventory::delete_stock_policy, api::inventory::count_requests,
            api::inventory::sku_buckets, api::inventory::move_bucket,
        api::customers::create_customer, api::customers::list_customers, api::customers::get_customer,
            api::customers::update_customer, api::customers::customer_orders,
        api::notifications::order_notifications, api::notifications::resend_notification,
            api::notifications::preview_message, api::notifications::customer_preferences,
            api::notifications::update_customer_preferences,
        api::orders::place_order, api::orders::list_orders, api::orders::get_order, api::orders::cancel_order,
            api::orders::order_events, api::orders::order_timeline,
        api::edits::edit_order, api::edits::order_edits, api::edits::cancel_line,
        api::holds::list_holds, api::holds::place_hold, api::holds::order_holds, api::holds::release_hold,
            api::holds::cancel_through_hold,
        api::suppliers::create_supplier, api::suppliers::list_suppliers, api::suppliers::get_supplier,
            api::suppliers::update_supplier,
        api::purchase_orders::create_purchase_order, api::purchase_orders::list_purchase_orders,
            api::purchase_orders::get_purchase_order, api::purchase_orders::update_purchase_order,
            api::purchase_orders::send_purchase_order, api::purchase_orders::cancel_purchase_order,
            api::purchase_orders::close_purchase_order, api::purchase_orders::receive_purchase_order,
        api::transfers::create_transfer, api::transfers::list_transfers, api::transfers::get_transfer,
            api::transfers::update_transfer, api::transfers::ship_transfer, api::transfers::cancel_transfer,
            api::transfers::close_transfer, api::transfers::receive_transfer,
        api::carriers::create_carrier, api::carriers::list_carriers, api::carriers::get_carrier,
            api::carriers::disable_carrier, api::carriers::enable_carrier, api::carriers::delete_carrier,
            api::carriers::fulfillment_rates,
            api::carriers::buy_label, api::carriers::carrier_tracking,
        api::webhooks::create_webhook, api::webhooks::list_webhooks, api::webhooks::get_webhook,
            api::webhooks::update_webhook, api::webhooks::delete_webhook, api::webhooks::roll_webhook_secret,
            api::webhooks::list_deliveries, api::webhooks::get_delivery, api::webhooks::replay_delivery,
            api::webhooks::replay_deliveries,
        api::documents::fulfillment_label, api::documents::packing_slip, api::documents::pick_list,
        api::fulfillments::order_fulfillments, api::fulfillments::list_fulfillments,
            api::fulfillments::get_fulfillment, api::fulfillments::start_picking, api::fulfillments::pack_fulfillment,
            api::fulfillments::ship_fulfillment, api::fulfillments::deliver_fulfillment,
            api::fulfillments::cancel_fulfillment, api::fulfillments::reject_fulfillment,
            api::fulfillments::ready_for_pickup, api::fulfillments::picked_up,
        api::routing::order_routing, api::routing::create_rule_set, api::routing::list_rule_sets,
            api::routing::get_rule_set, api::routing::replace_rule_set, api::routing::simulate_routing,
        api::balances::issue_gift_card, api::balances::gift_card, api::balances::store_credit,
            api::balances::credit_customer,
        api::fx::put_rates, api::fx::import_ecb, api::fx::rates_on, api::fx::convert_amount,
        api::payments::stripe_webhook, api::payments::add_payment, api::payments::order_payments,
            api::payments::capture_payment, api::payments::void_payment, api::payments::refund_payment,
        api::refunds::refund_order, api::refunds::order_refunds, api::refunds::get_refund,
        api::claims::file_claim, api::claims::order_claims,
        api::returns::list_returns, api::returns::request_return, api::returns::order_returns,
            api::returns::get_return, api::returns::approve_return, api::returns::reject_return,
            api::returns::receive_return, api::returns::close_return, api::returns::buy_return_label,
            api::returns::return_label,
        api::channels::get_channel, api::channels::put_channel, api::channels::channel_webhook,
        api::channels::sync_channel, api::channels::record_till_sale, api::channels::list_listings,
        api::channels::get_listing, api::channels::put_listing, api::channels::delete_listing,
        api::channels::list_channel_imports, api::channels::get_channel_import, api::channels::retry_channel_import,
        api::channels::dismiss_channel_import, api::channels::list_sku_mappings, api::channels::put_sku_mapping,
        api::channels::delete_sku_mapping,
        api::imports::start_import, api::imports::get_import,
        api::reports::sales_report,
        api::events::list_events, api::audit::list_audit,
        api::keys::create_key, api::keys::list_keys, api::keys::revoke_key,
    ),
    // Named sets only parameters use, which the paths do not register themselves.
    components(schemas(
        crate::problem::Problem,
        ordo_app::kernel::schema::CurrencyCode,
        ordo_app::kernel::schema::LabelFormat,
        ordo_app::kernel::schema::PickListFormat,
        ordo_app::kernel::schema::FulfillmentStatus,
        ordo_app::kernel::schema::OrderStatus,
        ordo_app::kernel::schema::HoldStatus,
        ordo_app::kernel::schema::ReturnStatus,
    )),
    modifiers(&Conventions),
    security(("api_key" = [])),
    tags(
        (name = "products", description = "The catalogue, one product per SKU"),
        (name = "locations", description = "Warehouses and stores"),
        (name = "inventory", description = "Stock levels and the movement ledger, buckets, transfers between locations, availability by date, stock policies and alerts, demand forecasts"),
        (name = "customers"),
        (name = "orders", description = "Order capture, allocation and cancellation"),
        (name = "fulfillment", description = "Each location's part of an order: pick, pack, ship, deliver"),
        (name = "exchange rates", description = "Dated rates (ECB reference rates) and conversions"),
        (name = "payments", description = "Payments and their ledger; status and balance are derived"),
        (name = "channels", description = "Sales channels: their connection and policies, platform webhooks and pulls, till sales, import logs, SKU mappings and stock listings"),
        (name = "imports", description = "CSV import files of orders, products, inventory and customers, as background jobs"),
        (name = "reports", description = "Sales figures in one currency"),
        (name = "returns", description = "Returns (RMA): request, approve, receive with dispositions, refund"),
        (name = "purchasing", description = "Suppliers and their terms, purchase orders and receiving them, replenishment suggestions and computed policies"),
        (name = "shipping", description = "Carriers, rate cards, rate shopping, labels and tracking"),
        (name = "routing", description = "Rule sets that choose where orders are fulfilled, and simulations"),
        (name = "events", description = "The outbox, in commit order"),
        (name = "notifications", description = "Email to customers at every step of their order: the message log per order, sending again, previews of the templates"),
        (name = "webhooks", description = "Outbound webhooks: subscriptions, signed deliveries at least once and in order per object, the delivery log, dead letters and replays (admin only)"),
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
    // A webhook reads its body whatever its content type says.
    let keyless = op.security.as_ref().is_some_and(|s| s.iter().any(|r| *r == SecurityRequirement::default()));
    let mut shared = vec![
        ("400", "Malformed JSON, an unknown field, or a bad query string"),
        ("401", "No API key or an unknown one"),
        ("403", "The key's role may not do this (`forbidden`), or not this much (`limit_exceeded`)"),
        ("429", "Over the key's rate limit; see Retry-After"),
        ("500", "An internal error (its cause is logged, not sent)"),
        ("503", "The database is unavailable or the request timed out; retry"),
    ];
    if write {
        shared.extend([
            ("404", "What the path or a field names does not exist (`not_found`, with the fields in `errors`)"),
            ("408", "The body did not arrive in time (`body_timeout`)"),
            ("409", "A request with this Idempotency-Key is still running (`idempotency_key_in_use`) or a conflict"),
            ("413", "The body is over the size limit"),
            ("415", "The body is not application/json"),
            ("422", "Invalid fields (`validation_failed`, `currency_mismatch`, `idempotency_key_reused`)"),
        ]);
    }
    for (code, description) in shared {
        if keyless && code == "415" {
            continue;
        }
        op.responses.responses.entry(code.to_owned()).or_insert_with(|| problem_response(description));
    }
    // Every error is a problem document, as the server sends it, whatever the handler's
    // annotation said.
    for (code, response) in op.responses.responses.iter_mut() {
        if let (true, RefOr::T(r)) = (code.starts_with('4') || code.starts_with('5'), response)
            && let Some(content) = r.content.shift_remove("application/json")
        {
            r.content.insert("application/problem+json".to_owned(), content);
        }
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
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    exact_requests(&mut doc);
    refused_text(&mut doc);
    add_links(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned())
}

/// Body text never holds a refused character ([`ordo_domain::validate::is_refused_char`]):
/// the server refuses one anywhere in a body. Each pattern of the schemas and bodies says so:
/// a class that excludes NUL excludes every refused character, and a class of characters
/// allowed (blanks, mostly) loses the refused ones it named. Parameters keep their patterns:
/// they are read, never stored.
fn refused_text(doc: &mut Value) {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map.iter_mut() {
                    match inner {
                        Value::String(pattern) if key == "pattern" => *pattern = refuse_in_pattern(pattern),
                        _ => walk(inner),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas") {
        walk(schemas);
    }
    for item in doc.pointer_mut("/paths").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
        for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            if let Some(body) = op.get_mut("requestBody") {
                walk(body);
            }
        }
    }
}

/// One pattern with its character classes brought in line with the refused characters.
fn refuse_in_pattern(pattern: &str) -> String {
    const ALLOWED_BLANKS_REFUSED: [&str; 4] = [r"\u000b", r"\u000c", r"\u001c-\u001f", r"\u0085"];
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut rest = pattern;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let class = &rest[open..];
        // The class's end: the first `]` not escaped.
        let mut end = 1;
        let bytes = class.as_bytes();
        while end < bytes.len() && bytes[end] != b']' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let (body, tail) = class.split_at((end + 1).min(class.len()));
        if let Some(negated) = body.strip_prefix("[^") {
            out.push_str("[^");
            out.push_str(&negated.replace(r"\u0000", ordo_domain::validate::REFUSED_CLASS));
        } else {
            let mut kept = body.to_owned();
            for refused in ALLOWED_BLANKS_REFUSED {
                kept = kept.replace(refused, "");
            }
            out.push_str(&kept);
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Links from an operation's answer to the operations that act on what it made or listed, so
/// that a client (or a fuzzer's stateful run) can follow real flows: (from, status, to, the
/// target's path parameters as runtime expressions).
type Link = (&'static str, &'static str, &'static [&'static str], &'static [(&'static str, &'static str)]);

const LINKS: &[Link] = {
    const ORDER: &[(&str, &str)] = &[("id", "$response.body#/id")];
    const FIRST: &[(&str, &str)] = &[("id", "$response.body#/data/0/id")];
    const PAYMENT: &[(&str, &str)] = &[("id", "$response.body#/payments/0/id")];
    &[
        (
            "create_product",
            "201",
            &["get_product", "update_product", "sku_stock", "sku_buckets"],
            &[("sku", "$response.body#/sku")],
        ),
        (
            "create_location",
            "201",
            &["get_location", "update_location", "pick_list"],
            &[("code", "$response.body#/code")],
        ),
        ("create_customer", "201", &["get_customer", "update_customer", "customer_orders", "credit_customer"], ORDER),
        // A customer's store credit exists once it was credited.
        ("credit_customer", "200", &["store_credit"], &[("id", "$response.body#/code")]),
        (
            "place_order",
            "201",
            &[
                "get_order",
                "cancel_order",
                "order_events",
                "order_timeline",
                "order_fulfillments",
                "order_payments",
                "add_payment",
                "order_refunds",
                "refund_order",
                "order_returns",
                "request_return",
                "order_claims",
                "file_claim",
                "order_edits",
                "edit_order",
                "order_holds",
                "place_hold",
                "order_routing",
            ],
            ORDER,
        ),
        (
            "place_order",
            "201",
            &["cancel_line"],
            &[("id", "$response.body#/id"), ("line_id", "$response.body#/lines/0/id")],
        ),
        (
            "order_fulfillments",
            "200",
            &[
                "get_fulfillment",
                "start_picking",
                "pack_fulfillment",
                "ship_fulfillment",
                "deliver_fulfillment",
                "cancel_fulfillment",
                "reject_fulfillment",
                "ready_for_pickup",
                "picked_up",
                "buy_label",
                "fulfillment_rates",
                "fulfillment_label",
                "packing_slip",
            ],
            FIRST,
        ),
        (
            "list_fulfillments",
            "200",
            &["get_fulfillment", "start_picking", "pack_fulfillment", "ship_fulfillment", "buy_label"],
            FIRST,
        ),
        ("add_payment", "201", &["capture_payment", "void_payment", "refund_payment"], PAYMENT),
        ("order_payments", "200", &["capture_payment", "void_payment", "refund_payment"], PAYMENT),
        ("refund_order", "201", &["get_refund"], ORDER),
        (
            "request_return",
            "201",
            &[
                "get_return",
                "approve_return",
                "reject_return",
                "receive_return",
                "close_return",
                "buy_return_label",
                "return_label",
            ],
            ORDER,
        ),
        ("list_returns", "200", &["get_return", "approve_return", "receive_return"], FIRST),
        ("place_hold", "201", &["release_hold", "cancel_through_hold"], ORDER),
        ("list_holds", "200", &["release_hold", "cancel_through_hold"], FIRST),
        ("issue_gift_card", "201", &["gift_card"], &[("code", "$response.body#/code")]),
        ("create_key", "201", &["revoke_key"], ORDER),
        ("create_rule_set", "201", &["get_rule_set", "replace_rule_set"], &[("name", "$response.body#/name")]),
        ("create_carrier", "201", &["carrier_tracking"], &[("code", "$response.body#/code")]),
        ("create_supplier", "201", &["get_supplier", "update_supplier"], ORDER),
        ("list_suppliers", "200", &["get_supplier", "update_supplier"], FIRST),
        (
            "create_purchase_order",
            "201",
            &[
                "get_purchase_order",
                "update_purchase_order",
                "send_purchase_order",
                "cancel_purchase_order",
                "receive_purchase_order",
                "close_purchase_order",
            ],
            ORDER,
        ),
        ("list_purchase_orders", "200", &["get_purchase_order", "receive_purchase_order"], FIRST),
        (
            "create_transfer",
            "201",
            &[
                "get_transfer",
                "update_transfer",
                "ship_transfer",
                "cancel_transfer",
                "receive_transfer",
                "close_transfer",
            ],
            ORDER,
        ),
        ("list_transfers", "200", &["get_transfer", "receive_transfer"], FIRST),
        (
            "list_orders",
            "200",
            &["get_order", "order_fulfillments", "order_payments", "order_returns", "request_return"],
            FIRST,
        ),
    ]
};

fn add_links(doc: &mut Value) {
    let mut ops: std::collections::BTreeMap<String, (String, String)> = Default::default();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                ops.insert(id.to_owned(), (path.clone(), method.clone()));
            }
        }
    }
    for (from, status, targets, parameters) in LINKS {
        let Some((path, method)) = ops.get(*from) else { continue };
        let Some(response) = doc["paths"][path][method]["responses"].get_mut(*status) else { continue };
        let mut links = response.as_object_mut().map(|r| r.entry("links").or_insert_with(|| serde_json::json!({})));
        for target in *targets {
            let params: serde_json::Map<String, Value> =
                parameters.iter().map(|(name, expr)| ((*name).to_owned(), Value::from(*expr))).collect();
            if let Some(Value::Object(links)) = links.as_deref_mut() {
                links.insert(target.to_string(), serde_json::json!({"operationId": target, "parameters": params}));
            }
        }
    }
}

/// Request schemas say exactly what the server reads: no field beyond those listed (every
/// request type refuses unknown fields), and a required field is never `null` (the request
/// types hold required fields as options only so that one pass can name every missing one).
fn exact_requests(doc: &mut Value) {
    // Parameters: never null; the two headers writes read, as the server reads them.
    for param in doc.pointer_mut("/paths").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
        for op in param.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            for p in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
                // A parameter is sent or not; it is never null.
                if let Some(schema) = p.get_mut("schema") {
                    not_null(schema);
                    // No text the server takes may hold a NUL character.
                    let free = ["enum", "pattern", "format"].iter().all(|k| schema.get(k).is_none());
                    if schema["type"] == "string" && free {
                        schema["pattern"] = Value::from("^[^\\u0000]*$");
                    }
                }
                if p["in"] == "header" {
                    if p["name"] == "Idempotency-Key" {
                        p["schema"] = serde_json::json!({"type": "string", "pattern": "^[!-~]{1,255}$"});
                    }
                    if p["name"] == "If-Match" {
                        p["schema"] =
                            serde_json::json!({"type": "string", "pattern": crate::extract::IF_MATCH_PATTERN});
                    }
                }
            }
            // An optional body is left out or sent as the object; never as `null`.
            for content in op
                .pointer_mut("/requestBody/content")
                .and_then(Value::as_object_mut)
                .into_iter()
                .flat_map(|c| c.values_mut())
            {
                if let Some(schema) = content.get_mut("schema") {
                    not_null(schema);
                }
            }
        }
    }
    let mut names = BTreeSet::new();
    if let Some(paths) = doc.get("paths") {
        for item in paths.as_object().into_iter().flat_map(|p| p.values()) {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(body) = op.get("requestBody") {
                    referenced(doc, body, &mut names);
                }
            }
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for name in &names {
            if let Some(schema) = schemas.get_mut(name) {
                exact_object(schema);
            }
        }
        for (name, rules) in ordo_app::kernel::schema::field_rules() {
            let all = schemas
                .get_mut(name)
                .and_then(|s| s.as_object_mut())
                .map(|s| s.entry("allOf").or_insert(Value::Array(vec![])));
            if let (Some(Value::Array(all)), Value::Array(rules)) = (all, rules) {
                all.extend(rules);
            }
        }
    }
}

/// The component schemas `value` refers to, directly or through others.
fn referenced(doc: &Value, value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) =
                map.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
                && names.insert(name.to_owned())
                && let Some(schema) = doc.pointer(&format!("/components/schemas/{name}"))
            {
                referenced(doc, schema, names);
            }
            map.values().for_each(|v| referenced(doc, v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| referenced(doc, v, names)),
        _ => {}
    }
}

fn exact_object(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else { return };
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(parts)) = map.get_mut(key) {
            parts.iter_mut().for_each(exact_object);
        }
    }
    if let Some(items) = map.get_mut("items") {
        exact_object(items);
    }
    let required: Vec<String> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let Some(Value::Object(properties)) = map.get_mut("properties") else { return };
    for (name, property) in properties.iter_mut() {
        if required.contains(name) {
            not_null(property);
        }
        exact_object(property);
    }
    map.entry("additionalProperties").or_insert(Value::Bool(false));
}

/// Takes `null` out of a property's type: `["string", "null"]` becomes `"string"`, and a
/// `oneOf` of `null` and one schema becomes that schema.
fn not_null(property: &mut Value) {
    let Some(map) = property.as_object_mut() else { return };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".to_owned(), only);
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    if let Some(Value::Array(parts)) = map.get_mut("oneOf") {
        parts.retain(|p| p.get("type").and_then(Value::as_str) != Some("null"));
        if parts.len() == 1 {
            let only = parts.remove(0);
            map.remove("oneOf");
            if let Value::Object(inner) = only {
                for (k, v) in inner {
                    map.entry(k).or_insert(v);
                }
            }
        }
    }
}
