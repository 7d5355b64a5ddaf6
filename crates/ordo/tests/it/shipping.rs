//! Shipping over HTTP: rate cards price parcels, rate shopping buys the cheapest service that
//! meets the promise, and carriers' signed tracking reports move shipments to delivered.

use crate::common::{self, Engine, TestServer, order_body};
use reqwest::Method;
use serde_json::{Value, json};

fn money(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

async fn carriers(s: &TestServer) {
    let acme = json!({"code": "ACME", "name": "Acme Parcel", "webhook_secret": "acme-secret", "services": [
        {"code": "ground", "name": "Ground", "cutoff_hour": 24, "max_weight_grams": 30000, "zones": [
            {"name": "local", "max_distance_km": 500.0, "countries": ["US"], "transit_days": 3, "base": money("6.00"),
             "brackets": [{"max_grams": 1000, "price": money("0.00")}, {"max_grams": 5000, "price": money("2.00")}], "per_kg": money("0.80")},
            {"name": "national", "countries": ["US"], "transit_days": 6, "base": money("9.00"), "per_kg": money("1.10")}]}]});
    let zip = json!({"code": "ZIP", "name": "Zip Express", "services": [
        {"code": "express", "name": "Express", "cutoff_hour": 24, "max_weight_grams": 10000, "zones": [
            {"name": "any", "transit_days": 1, "base": money("19.00"), "per_kg": money("2.00")}]}]});
    for c in [acme, zip] {
        let r = s.post("/v1/carriers", c).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
}

async fn setup(s: &TestServer) {
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 100).await;
    carriers(s).await;
}

async fn fulfillment_of(s: &TestServer, body: Value) -> String {
    let order = s.post("/v1/orders", body).await;
    assert_eq!(order.status, 201, "{:?}", order.body);
    let id = order.body["id"].as_str().unwrap();
    s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned()
}

pub(crate) fn sign(secret: &str, body: &str) -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let mut m = format!("{t}.").into_bytes();
    m.extend_from_slice(body.as_bytes());
    let mac: String =
        ordo_connectors::signing::hmac_sha256(secret.as_bytes(), &m).iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={mac}")
}

pub(crate) async fn track(s: &TestServer, carrier: &str, body: Value, secret: &str) -> common::Reply {
    let text = body.to_string();
    let r = s
        .client
        .post(format!("{}/v1/carriers/{carrier}/tracking", s.base))
        .header("content-type", "application/json")
        .header("ordo-signature", sign(secret, &text))
        .body(text)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    common::Reply { status, body, headers }
}

async fn rate_shopping_picks_the_cheapest_service_that_meets_the_promise(engine: Engine) {
    let s = TestServer::start(engine).await;
    setup(&s).await;
    // Boston is within 500 km of the warehouse (40.7, -74.1): the local zone.
    let f = fulfillment_of(&s, order_body(&[("X", 2)])).await;
    let rates = s.get(&format!("/v1/fulfillments/{f}/rates")).await;
    assert_eq!(rates.status, 200, "{:?}", rates.body);
    let quotes = rates.body["data"].as_array().unwrap();
    assert_eq!(quotes.len(), 2);
    // 2 × 500 g = 1 kg: base 6.00 + first bracket 0.00.
    assert_eq!((quotes[0]["carrier"].as_str(), quotes[0]["price"]["amount"].as_str()), (Some("ACME"), Some("6.00")));
    assert_eq!(quotes[0]["zone"], "local");
    assert_eq!(quotes[1]["price"]["amount"], "21.00");
    let bought = s.post(&format!("/v1/fulfillments/{f}/label"), json!({})).await;
    assert_eq!(bought.status, 200, "{:?}", bought.body);
    assert_eq!(bought.body["shipping"]["carrier"], "ACME");
    assert!(bought.body["tracking_number"].as_str().unwrap().starts_with("ACME"));

    // Promised for tomorrow: only the express service arrives in time.
    let tomorrow = ordo_app::kernel::time_fmt::format_ms(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 2 * 86_400_000,
    );
    let mut body = order_body(&[("X", 1)]);
    body["promised_by"] = json!(tomorrow);
    let f = fulfillment_of(&s, body).await;
    let bought = s.post(&format!("/v1/fulfillments/{f}/label"), json!({})).await;
    assert_eq!(bought.body["shipping"]["carrier"], "ZIP", "{:?}", bought.body);

    // The customer's chosen service wins over the cheapest; an impossible one is refused.
    let mut body = order_body(&[("X", 1)]);
    body["shipping_service"] = json!("ZIP/express");
    let f = fulfillment_of(&s, body).await;
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/label"), json!({})).await.body["shipping"]["service"], "express");
    let f = fulfillment_of(&s, order_body(&[("X", 1)])).await;
    let none = s.post(&format!("/v1/fulfillments/{f}/label"), json!({"service": "ZIP/overnight"})).await;
    assert_eq!((none.status.as_u16(), none.body["code"].as_str()), (409, Some("conflict")));
    let listed = s.get("/v1/carriers").await;
    assert_eq!(listed.body["data"][0]["has_webhook_secret"], true);
    assert!(!listed.body.to_string().contains("acme-secret"), "the webhook secret is never shown");
    let bad = s.post("/v1/carriers", json!({"code": "B", "name": "B", "services": [{"code": "s", "name": "s", "cutoff_hour": 30, "max_weight_grams": 0, "zones": []}]})).await;
    assert_eq!(bad.status, 422);
}

async fn signed_tracking_reports_deliver_the_order_and_bad_ones_change_nothing(engine: Engine) {
    let s = TestServer::start(engine).await;
    setup(&s).await;
    let order = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    let order_id = order.body["id"].as_str().unwrap().to_owned();
    let f =
        s.get(&format!("/v1/orders/{order_id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let bought = s.post(&format!("/v1/fulfillments/{f}/label"), json!({})).await;
    let tracking = bought.body["tracking_number"].as_str().unwrap().to_owned();

    // Not shipped yet: the carrier's report is refused.
    let early = track(&s, "ACME", json!({"tracking_number": tracking, "status": "in_transit"}), "acme-secret").await;
    assert_eq!(early.status, 409);
    assert_eq!(s.call(&s.admin, Method::POST, &format!("/v1/fulfillments/{f}/ship"), None).await.status, 200);

    let r = track(
        &s,
        "ACME",
        json!({"tracking_number": tracking, "status": "in_transit", "description": "Departed Newark"}),
        "acme-secret",
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tracking_events"][0]["status"], "in_transit");

    // A bad signature, an unknown tracking number or carrier: refused, nothing changes.
    let forged = track(&s, "ACME", json!({"tracking_number": tracking, "status": "delivered"}), "wrong").await;
    assert_eq!((forged.status.as_u16(), forged.body["code"].as_str()), (401, Some("invalid_signature")));
    let unknown = track(&s, "ACME", json!({"tracking_number": "ACME000", "status": "delivered"}), "acme-secret").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(track(&s, "NOPE", json!({"tracking_number": tracking, "status": "delivered"}), "x").await.status, 404);
    let invalid = track(&s, "ACME", json!({"tracking_number": tracking, "status": "lost"}), "acme-secret").await;
    assert_eq!(invalid.status, 422);
    assert_eq!(s.get(&format!("/v1/orders/{order_id}")).await.body["fulfillment_status"], "shipped");

    let delivered = json!({"tracking_number": tracking, "status": "delivered", "occurred_at": "2026-11-28T15:04:05Z"});
    let r = track(&s, "ACME", delivered.clone(), "acme-secret").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "delivered");
    let version = r.body["version"].clone();
    // The same report again changes nothing.
    let again = track(&s, "ACME", delivered, "acme-secret").await;
    assert_eq!((again.status.as_u16(), &again.body["version"]), (200, &version));
    assert_eq!(s.get(&format!("/v1/orders/{order_id}")).await.body["fulfillment_status"], "delivered");
    let events: Vec<String> = s.get(&format!("/v1/orders/{order_id}/events")).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    for expected in ["fulfillment.label_purchased", "shipment.in_transit", "shipment.delivered", "order.delivered"] {
        assert!(events.iter().any(|e| e == expected), "{expected} missing from {events:?}");
    }
    assert_eq!(events.iter().filter(|e| *e == "shipment.delivered").count(), 1);

    // Every step on the timeline says who took it: the key, or the carrier for its reports.
    let timeline = s.get(&format!("/v1/orders/{order_id}/timeline")).await.body;
    let actor = |t: &str| {
        let entry = timeline.as_array().unwrap().iter().find(|e| e["type"] == t).cloned();
        entry.unwrap_or_else(|| panic!("no {t} in {timeline}"))["actor"].clone()
    };
    let admin = actor("order.created");
    assert!(admin.is_string(), "{timeline}");
    for t in ["order.allocated", "fulfillment.label_purchased", "fulfillment.shipped", "order.shipped"] {
        assert_eq!(actor(t), admin, "{t}");
    }
    for t in ["shipment.in_transit", "shipment.delivered", "order.delivered"] {
        assert_eq!(actor(t), "ACME", "{t}");
    }
}

/// With the target policy as it ships (no private targets), a carrier's API URL must be a
/// public https URL without credentials; refused URLs create nothing.
async fn carrier_urls_must_be_public_https_without_credentials(engine: Engine) {
    let s = TestServer::start_app(engine, Default::default(), |mut app| {
        app.targets = ordo_app::ports::target::TargetPolicy::default();
        app
    })
    .await;
    for url in [
        "http://127.0.0.1:18399@evil.example",
        "https://127.0.0.1:18399@evil.example",
        "http://api.easypost.com",
        "https://127.0.0.1",
        "https://localhost:8080",
        "https://169.254.169.254/latest",
        "https://10.0.0.7",
        "https://[::1]",
        "https://user:pw@api.easypost.com",
        "file:///etc/passwd",
    ] {
        let body =
            json!({"code": "EP", "name": "EasyPost", "api": {"kind": "easypost", "base_url": url, "api_key": "k"}});
        let r = s.post("/v1/carriers", body).await;
        assert_eq!(r.status, 422, "{url}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], "api/base_url", "{url}: {:?}", r.body);
    }
    assert_eq!(s.get("/v1/carriers").await.body["data"], json!([]));
    let ok = json!({"code": "EP", "name": "EasyPost", "api": {"kind": "easypost", "base_url": "https://api.easypost.com", "api_key": "k"}});
    assert_eq!(s.post("/v1/carriers", ok).await.status, 201);
}

/// A disabled carrier quotes nothing until enabled again; a deleted one is gone and its code
/// free; only an admin does either.
async fn carriers_are_disabled_enabled_and_deleted(engine: Engine) {
    let s = TestServer::start(engine).await;
    setup(&s).await;
    let f = fulfillment_of(&s, order_body(&[("X", 1)])).await;
    let carriers_quoting = |body: Value| -> Vec<String> {
        let mut c: Vec<String> =
            body["data"].as_array().unwrap().iter().map(|q| q["carrier"].as_str().unwrap().to_owned()).collect();
        c.dedup();
        c
    };
    assert_eq!(carriers_quoting(s.get(&format!("/v1/fulfillments/{f}/rates")).await.body), ["ACME", "ZIP"]);
    let operator = s.key("operator", None).await;
    for (method, path) in [(Method::POST, "/v1/carriers/ACME/disable"), (Method::DELETE, "/v1/carriers/ACME")] {
        assert_eq!(s.call(&operator, method, path, None).await.status, 403, "{path}");
    }
    let off = s.call(&s.admin, Method::POST, "/v1/carriers/ACME/disable", None).await;
    assert_eq!((off.status.as_u16(), off.body["enabled"].as_bool()), (200, Some(false)), "{:?}", off.body);
    let again = s.call(&s.admin, Method::POST, "/v1/carriers/ACME/disable", None).await;
    assert_eq!(again.body, off.body, "disabling twice changes nothing");
    assert_eq!(carriers_quoting(s.get(&format!("/v1/fulfillments/{f}/rates")).await.body), ["ZIP"]);
    let on = s.call(&s.admin, Method::POST, "/v1/carriers/ACME/enable", None).await;
    assert_eq!((on.status.as_u16(), on.body["enabled"].as_bool()), (200, Some(true)));
    assert_eq!(carriers_quoting(s.get(&format!("/v1/fulfillments/{f}/rates")).await.body), ["ACME", "ZIP"]);
    assert_eq!(s.call(&s.admin, Method::DELETE, "/v1/carriers/ZIP", None).await.status, 204);
    assert_eq!(s.call(&s.admin, Method::DELETE, "/v1/carriers/ZIP", None).await.status, 404);
    assert_eq!(s.get("/v1/carriers/ZIP").await.status, 404);
    assert_eq!(s.get("/v1/carriers/ACME").await.body["code"], "ACME");
    assert_eq!(s.call(&s.admin, Method::POST, "/v1/carriers/ZIP/enable", None).await.status, 404);
    assert_eq!(carriers_quoting(s.get(&format!("/v1/fulfillments/{f}/rates")).await.body), ["ACME"]);
    // One object's events (the whole feed on PostgreSQL waits for other tests' transactions).
    for (code, t) in [("ACME", "carrier.updated"), ("ZIP", "carrier.deleted")] {
        let events = s.all(&format!("/v1/events?subject={code}")).await;
        assert!(events.iter().any(|e| e["type"] == t), "{t} in {events:?}");
    }
    // The code is free again.
    let zip = json!({"code": "ZIP", "name": "Zip again", "services": [
        {"code": "express", "name": "Express", "cutoff_hour": 24, "max_weight_grams": 10000, "zones": [
            {"name": "any", "transit_days": 1, "base": money("19.00"), "per_kg": money("2.00")}]}]});
    assert_eq!(s.post("/v1/carriers", zip).await.status, 201);
}

on_both_engines!(
    carrier_urls_must_be_public_https_without_credentials,
    carriers_are_disabled_enabled_and_deleted,
    rate_shopping_picks_the_cheapest_service_that_meets_the_promise,
    signed_tracking_reports_deliver_the_order_and_bad_ones_change_nothing,
);
