//! No input makes the server answer 500 or fall over: every field of every write endpoint
//! is replaced with hostile values, and odd paths and query strings are tried on reads.

use crate::common::{Engine, TestServer, order_body};
use reqwest::Method;
use serde_json::{Value, json};

fn hostile_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(0),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(1.5),
        json!(1e308),
        json!(""),
        json!(" "),
        json!("x".repeat(5000)),
        json!("💥\u{0000}'; DROP TABLE orders; --"),
        json!("-0.00"),
        json!("99999999999999999999.99"),
        json!([]),
        json!([1, 2]),
        json!({}),
        json!({"nested": {"deeper": [null]}}),
    ]
}

/// Every JSON pointer to a value inside `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

async fn assert_never_500(s: &TestServer, method: Method, path: &str, valid: Value) {
    let mut paths = Vec::new();
    pointers(&valid, String::new(), &mut paths);
    let mut variants = vec![Value::Null, json!([]), json!("text"), json!(42)];
    for p in &paths {
        for h in hostile_values() {
            let mut body = valid.clone();
            *body.pointer_mut(p).unwrap() = h;
            variants.push(body);
        }
        // The same document without this member.
        let mut body = valid.clone();
        if let Some((parent, key)) = p.rsplit_once('/')
            && let Some(Value::Object(m)) = body.pointer_mut(parent)
        {
            m.remove(key);
            variants.push(body);
        }
    }
    for body in variants {
        let r = s.call(&s.admin, method.clone(), path, Some(body.clone())).await;
        assert!(r.status.as_u16() < 500, "{method} {path} answered {} to {body}: {:?}", r.status, r.body);
        if r.status.as_u16() >= 400 {
            assert_eq!(r.headers["content-type"], "application/problem+json", "{method} {path} {body}");
            assert!(r.body["code"].is_string());
        }
    }
}

async fn hostile_bodies_never_cause_a_server_error(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 1_000_000).await;
    let order = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    let order_id = order.body["id"].as_str().unwrap().to_owned();
    let fulfillment =
        s.get(&format!("/v1/orders/{order_id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let customer_id = order.body["customer_id"].as_str().unwrap().to_owned();

    let mut full_order = order_body(&[("X", 2)]);
    full_order["external_id"] = json!("E-1");
    full_order["shipping"] = json!({"amount": "4.95", "currency": "USD"});
    full_order["tax"] = json!({"amount": "1.00", "currency": "USD"});
    full_order["note"] = json!("leave at door");
    full_order["shipping_address"]["latitude"] = json!(42.35);
    full_order["shipping_address"]["longitude"] = json!(-71.06);
    let cases: Vec<(Method, String, Value)> = vec![
        (Method::POST, "/v1/orders".into(), full_order),
        (
            Method::POST,
            "/v1/products".into(),
            json!({"sku": "P-1", "name": "P", "price": {"amount": "1.00", "currency": "USD"}, "weight_grams": 5, "barcode": "1", "active": true}),
        ),
        (
            Method::POST,
            "/v1/locations".into(),
            json!({"code": "C", "name": "C", "kind": "store", "address": {"line1": "1", "city": "c", "country": "US"}, "latitude": 1.0, "longitude": 2.0, "ships_orders": true, "pickup": true, "priority": 3}),
        ),
        (
            Method::POST,
            "/v1/inventory/adjustments".into(),
            json!({"location": "A", "sku": "X", "delta": 5, "reason": "received", "note": "n"}),
        ),
        (
            Method::POST,
            "/v1/inventory/counts".into(),
            json!({"location": "A", "sku": "X", "on_hand": 1_000_010, "note": "n"}),
        ),
        (Method::POST, "/v1/customers".into(), json!({"email": "z@example.com", "name": "Z", "phone": "1"})),
        (Method::POST, "/v1/keys".into(), json!({"role": "channel", "channel": "web", "name": "k"})),
        (
            Method::PATCH,
            "/v1/products/X".into(),
            json!({"name": "X", "price": {"amount": "1.00", "currency": "USD"}, "weight_grams": 1, "barcode": "b", "active": true, "version": 1}),
        ),
        (
            Method::PATCH,
            "/v1/locations/A".into(),
            json!({"name": "A", "kind": "warehouse", "latitude": 1.0, "longitude": 1.0, "priority": 1, "ships_orders": true}),
        ),
        (
            Method::PATCH,
            format!("/v1/customers/{customer_id}"),
            json!({"email": "q@example.com", "name": "Q", "phone": null}),
        ),
        (
            Method::POST,
            format!("/v1/fulfillments/{fulfillment}/pack"),
            json!({"parcels": [{"weight_grams": 5, "length_mm": 1, "width_mm": 1, "height_mm": 1}]}),
        ),
        (
            Method::POST,
            format!("/v1/fulfillments/{fulfillment}/ship"),
            json!({"carrier": "UPS", "tracking_number": "1Z"}),
        ),
        (
            Method::POST,
            format!("/v1/orders/{order_id}/payments"),
            json!({"provider": "manual", "method": "invoice", "amount": {"amount": "5.00", "currency": "USD"}, "captured": false}),
        ),
        (Method::POST, format!("/v1/orders/{order_id}/cancel"), json!({"reason": "r"})),
        (
            Method::POST,
            "/v1/routing/rule-sets".into(),
            json!({"name": "r1", "criteria": ["distance", "priority"], "max_shipments": 2, "min_shipment_value": {"amount": "5.00", "currency": "USD"}, "same_country_only": true, "channels": ["web"]}),
        ),
        (
            Method::PUT,
            "/v1/routing/rule-sets/r1".into(),
            json!({"criteria": ["capacity"], "max_shipments": 3, "channels": ["pos"]}),
        ),
        (Method::POST, "/v1/routing/simulate".into(), json!({"rule_set": "r1", "last": 5})),
        (
            Method::POST,
            "/v1/routing/simulate".into(),
            json!({"rules": {"name": "t", "criteria": ["priority"]}, "order_id": order_id}),
        ),
    ];
    for (method, path, valid) in cases {
        assert_never_500(&s, method, &path, valid).await;
    }
    s.assert_stock_consistent(&["X"]).await;
}

async fn hostile_bodies_after_the_order_never_cause_a_server_error(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 1_000_000).await;
    let usd = |a: &str| json!({"amount": a, "currency": "USD"});
    // A paid, shipped order for refunds, returns and claims; an open one for edits and holds.
    let shipped = s.post("/v1/orders", order_body(&[("X", 50)])).await.body;
    let (sid, sline) =
        (shipped["id"].as_str().unwrap().to_owned(), shipped["lines"][0]["id"].as_str().unwrap().to_owned());
    assert_eq!(
        s.post(&format!("/v1/orders/{sid}/payments"), json!({"provider": "manual", "amount": usd("50.00")}))
            .await
            .status,
        201
    );
    let f = s.get(&format!("/v1/orders/{sid}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    let open = s.post("/v1/orders", order_body(&[("X", 50)])).await.body;
    let (oid, oline) = (open["id"].as_str().unwrap().to_owned(), open["lines"][0]["id"].as_str().unwrap().to_owned());
    let ret = s
        .post(
            &format!("/v1/orders/{sid}/returns"),
            json!({"lines": [{"line_id": sline, "quantity": 1, "reason": "other"}], "override_window": true}),
        )
        .await;
    let ret = ret.body["id"].as_str().unwrap().to_owned();
    let address = json!({"name": "N", "line1": "1 Main St", "city": "Boston", "region": "MA", "postal_code": "02108", "country": "US"});
    let cases: Vec<(Method, String, Value)> = vec![
        (
            Method::PUT,
            "/v1/channels/web".into(),
            json!({"capture": "at_placement", "return_window_days": 3650, "refund_returns_on": "received", "hold_rules": [
                {"when": "total_above", "amount": usd("1000000.00"), "hold": "fraud_review"},
                {"when": "blocked_customer", "emails": ["nobody@example.com"], "hold": "manual"}]}),
        ),
        (
            Method::POST,
            format!("/v1/orders/{sid}/refunds"),
            json!({"lines": [{"line_id": sline, "quantity": 1}], "shipping": usd("0.00"), "amount": usd("0.01"),
                   "to": "original", "reason": "r", "restocking_fee": usd("0.00")}),
        ),
        (
            Method::POST,
            format!("/v1/orders/{oid}/edits"),
            json!({"changes": [{"type": "set_quantity", "line_id": oline, "quantity": 49},
                               {"type": "add_line", "sku": "X", "quantity": 1, "unit_price": usd("1.00")},
                               {"type": "set_shipping_address", "address": address}],
                   "reason": "r", "tax": usd("0.00"), "discount": usd("0.00")}),
        ),
        (Method::POST, format!("/v1/orders/{oid}/lines/{oline}/cancel"), json!({"quantity": 1, "reason": "r"})),
        (Method::POST, format!("/v1/orders/{oid}/holds"), json!({"type": "manual", "reason": "r"})),
        (
            Method::POST,
            format!("/v1/orders/{sid}/returns"),
            json!({"lines": [{"line_id": sline, "quantity": 1, "reason": "damaged", "note": "n"}], "refund_shipping": false,
                   "override_window": true, "note": "n", "exchange": {"lines": [{"sku": "X", "quantity": 1, "unit_price": usd("1.00")}], "advance": false}}),
        ),
        (Method::POST, format!("/v1/returns/{ret}/approve"), json!({"restocking_fee": usd("0.10"), "note": "n"})),
        (
            Method::POST,
            format!("/v1/returns/{ret}/receive"),
            json!({"location": "A", "units": [{"line_id": sline, "quantity": 1, "condition": "ok", "disposition": "damaged"}],
                   "restocking_fee": usd("0.00"), "note": "n"}),
        ),
        (
            Method::POST,
            format!("/v1/orders/{sid}/claims"),
            json!({"type": "missing", "lines": [{"line_id": sline, "quantity": 1}], "resolution": "reship", "note": "n"}),
        ),
        (
            Method::POST,
            "/v1/inventory/buckets/moves".into(),
            json!({"sku": "X", "location": "A", "from": "quarantine", "to": "stock", "quantity": 1, "note": "n"}),
        ),
    ];
    for (method, path, valid) in cases {
        assert_never_500(&s, method, &path, valid).await;
    }
    s.assert_stock_consistent(&["X"]).await;
}

async fn odd_paths_and_query_strings_never_cause_a_server_error(engine: Engine) {
    let s = TestServer::start(engine).await;
    let long = "a".repeat(4000);
    let paths = [
        "/v1/orders/ord_%00".to_owned(),
        format!("/v1/orders/{long}"),
        "/v1/products/%F0%9F%92%A5".to_owned(),
        "/v1/products/%FF".to_owned(),
        "/v1/orders/%C0%AF/events".to_owned(),
        "/v1/inventory/..%2F..%2Fetc".to_owned(),
        "/v1/orders?limit=-1".to_owned(),
        "/v1/orders?limit=abc".to_owned(),
        "/v1/orders?limit=0".to_owned(),
        "/v1/orders?cursor=%ZZ".to_owned(),
        "/v1/orders?cursor=3".to_owned(),
        "/v1/orders?created_before=2026-13-45T99:99:99Z".to_owned(),
        "/v1/inventory/movements?created_after=&sku=".to_owned(),
        "/v1/inventory?cursor=6e6f7069706521".to_owned(),
        "/v1/customers?email=%25".to_owned(),
        "/v1/events?cursor=ffff".to_owned(),
        "/v1/locations/NOPE".to_owned(),
        "/v1/customers/cus_0/orders".to_owned(),
        "/v1/reports/sales?from=0000-00-00&to=9999-99-99".to_owned(),
        "/v1/reports/sales?currency=%F0%9F%92%A5&channel=%00".to_owned(),
        "/v1/reports/sales?from=2026-01-01&to=2026-12-31&currency=JPY".to_owned(),
        "/v1/orders/ord_0/timeline".to_owned(),
        "/v1/returns/%00/label?format=svg".to_owned(),
        "/v1/inventory/%00/buckets".to_owned(),
        "/v1/channels/%F0%9F%92%A5".to_owned(),
        "/v1/refunds/ref_%FF".to_owned(),
    ];
    for p in paths {
        let r = s.get(&p).await;
        assert!(r.status.as_u16() < 500, "GET {p} answered {}: {:?}", r.status, r.body);
        assert!(
            r.status.is_success() || r.headers["content-type"] == "application/problem+json",
            "GET {p}: {:?}",
            r.body
        );
    }
}

on_both_engines!(
    hostile_bodies_never_cause_a_server_error,
    hostile_bodies_after_the_order_never_cause_a_server_error,
    odd_paths_and_query_strings_never_cause_a_server_error,
);
