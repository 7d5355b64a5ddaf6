//! The EasyPost adapter against a local stand-in that speaks EasyPost's documented v2 JSON
//! (shipments with rates, buying a rate, tracker events) over a real socket.

use std::sync::{Arc, Mutex};

use crate::common::{Engine, TestServer, order_body};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

/// What the stand-in received.
#[derive(Default)]
struct Seen {
    shipments: Vec<Value>,
    bought: Vec<(String, Value)>,
}

type Shared = Arc<Mutex<Seen>>;

// Base64 of "test_key:": EasyPost takes the API key as the Basic user with no password.
const AUTH: &str = "Basic dGVzdF9rZXk6";

async fn create_shipment(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(AUTH) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"code": "APIKEY.INACTIVE", "message": "This api key is no longer active."}})),
        );
    }
    seen.lock().unwrap().shipments.push(body);
    let rate = |id: &str, carrier: &str, service: &str, amount: &str, days: i64| {
        json!({"id": id, "object": "Rate", "carrier": carrier, "service": service, "rate": amount, "currency": "USD",
               "delivery_days": days, "shipment_id": "shp_test1", "mode": "test"})
    };
    (
        StatusCode::CREATED,
        Json(json!({"id": "shp_test1", "object": "Shipment", "mode": "test",
                    "rates": [rate("rate_ups", "UPS", "Ground", "9.10", 5), rate("rate_usps", "USPS", "Priority", "7.58", 2),
                              rate("rate_bad", "USPS", "Odd", "not-a-number", 1)]})),
    )
}

async fn buy(
    State(seen): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(AUTH) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": {"code": "APIKEY.INACTIVE", "message": "inactive"}})));
    }
    seen.lock().unwrap().bought.push((id.clone(), body.clone()));
    (
        StatusCode::OK,
        Json(json!({"id": id, "object": "Shipment", "tracking_code": "9400100000000000000000",
                    "postage_label": {"object": "PostageLabel", "label_url": "https://easypost-files.example/postage_label/label.png"},
                    "selected_rate": {"id": body["rate"]["id"]}})),
    )
}

async fn stand_in() -> (String, Shared) {
    let seen: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/v2/shipments", post(create_shipment))
        .route("/v2/shipments/{id}/buy", post(buy))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

async fn labels_are_bought_from_easypost_and_its_signed_events_track_the_parcel(engine: Engine) {
    let (base, seen) = stand_in().await;
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    let carrier = json!({"code": "EP", "name": "EasyPost", "webhook_secret": "whsec",
                         "api": {"kind": "easypost", "base_url": format!("{base}/v2/"), "api_key": "test_key"}});
    let r = s.post("/v1/carriers", carrier).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["api"], "easypost");
    assert!(!r.body.to_string().contains("test_key"), "the API key is never shown");
    // A second EasyPost account whose key is refused: its rates are skipped, not fatal.
    let broken = json!({"code": "EP2", "name": "Old account", "api": {"kind": "easypost", "base_url": base, "api_key": "revoked"}});
    assert_eq!(s.post("/v1/carriers", broken).await.status, 201);

    let order = s.post("/v1/orders", order_body(&[("X", 2)])).await;
    let id = order.body["id"].as_str().unwrap();
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let rates = s.get(&format!("/v1/fulfillments/{f}/rates")).await;
    assert_eq!(rates.status, 200, "{:?}", rates.body);
    let services: Vec<&str> =
        rates.body["data"].as_array().unwrap().iter().map(|q| q["service"].as_str().unwrap()).collect();
    assert_eq!(services, ["usps-priority", "ups-ground"], "cheapest first; the unreadable rate is dropped");
    {
        let seen = seen.lock().unwrap();
        let shipment = &seen.shipments[0]["shipment"];
        assert_eq!(shipment["to_address"]["city"], "Boston");
        assert_eq!(shipment["from_address"]["name"], "A warehouse");
        // 2 × 500 g = 1000 g = 35.3 oz.
        assert_eq!(shipment["parcel"]["weight"], 35.3);
    }

    let bought = s.post(&format!("/v1/fulfillments/{f}/label"), json!({})).await;
    assert_eq!(bought.status, 200, "{:?}", bought.body);
    assert_eq!(bought.body["tracking_number"], "9400100000000000000000");
    assert_eq!(bought.body["label_url"], "https://easypost-files.example/postage_label/label.png");
    assert_eq!(bought.body["shipping"]["price"]["amount"], "7.58");
    assert_eq!(seen.lock().unwrap().bought, [("shp_test1".to_owned(), json!({"rate": {"id": "rate_usps"}}))]);

    assert_eq!(s.call(&s.admin, reqwest::Method::POST, &format!("/v1/fulfillments/{f}/ship"), None).await.status, 200);
    let event = |status: &str| {
        json!({"object": "Event", "description": "tracker.updated", "mode": "test",
               "result": {"object": "Tracker", "tracking_code": "9400100000000000000000", "status": status,
                          "updated_at": "2026-11-28T10:00:00Z", "carrier": "USPS"}})
        .to_string()
    };
    let send = |body: String, secret: &'static str| {
        let mac: String = ordo_connectors::signing::hmac_sha256(secret.as_bytes(), body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        s.client
            .post(format!("{}/v1/carriers/EP/tracking", s.base))
            .header("content-type", "application/json")
            .header("x-hmac-signature", format!("hmac-sha256-hex={mac}"))
            .body(body)
            .send()
    };
    assert_eq!(send(event("delivered"), "wrong").await.unwrap().status(), 401);
    assert_eq!(send(event("pre_transit"), "whsec").await.unwrap().status(), 200);
    let delivered = send(event("delivered"), "whsec").await.unwrap();
    assert_eq!(delivered.status(), 200);
    let body: Value = delivered.json().await.unwrap();
    assert_eq!(body["status"], "delivered");
    assert_eq!(body["tracking_events"].as_array().unwrap().len(), 1, "pre_transit is not followed");
    assert_eq!(s.get(&format!("/v1/orders/{id}")).await.body["fulfillment_status"], "delivered");
}

async fn a_carrier_api_that_is_down_fails_the_purchase_cleanly(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    // Nothing listens on this port.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let carrier = json!({"code": "EP", "name": "EasyPost", "api": {"kind": "easypost", "base_url": format!("http://{dead}"), "api_key": "k"}});
    assert_eq!(s.post("/v1/carriers", carrier).await.status, 201);
    let order = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    let id = order.body["id"].as_str().unwrap();
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/fulfillments/{f}/label"), json!({})).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("conflict")), "{:?}", r.body);
    let after = s.get(&format!("/v1/fulfillments/{f}")).await;
    assert_eq!((after.body["tracking_number"].clone(), after.body["version"].clone()), (Value::Null, json!(1)));
}

on_both_engines!(
    labels_are_bought_from_easypost_and_its_signed_events_track_the_parcel,
    a_carrier_api_that_is_down_fails_the_purchase_cleanly,
);
