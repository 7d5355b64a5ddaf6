//! Fulfilment over HTTP: one per location, picked, packed, shipped and delivered, with stock
//! leaving on shipment, the order's status derived, and illegal steps refused.

mod common;

use common::{Engine, TestServer, order_body};
use reqwest::Method;
use serde_json::{Value, json};

async fn act(s: &TestServer, id: &str, action: &str, body: Option<Value>) -> common::Reply {
    s.call(&s.admin, Method::POST, &format!("/v1/fulfillments/{id}/{action}"), body).await
}

async fn order_status(s: &TestServer, id: &str) -> String {
    let r = s.get(&format!("/v1/orders/{id}")).await;
    r.body["fulfillment_status"].as_str().unwrap_or_else(|| panic!("{:?}", r.body)).to_owned()
}

async fn an_order_from_two_locations_ships_in_two_parts_and_is_delivered(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "10.00").await;
    s.product("Y", "4.00").await;
    s.stock("A", "X", 5).await;
    s.stock("B", "Y", 5).await;
    let order = s.post("/v1/orders", order_body(&[("X", 2), ("Y", 3)])).await;
    assert_eq!(order.status, 201, "{:?}", order.body);
    let id = order.body["id"].as_str().unwrap();
    assert_eq!(order_status(&s, id).await, "unfulfilled");
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
    assert_eq!(fs.len(), 2);
    let by_loc = |code: &str| fs.iter().find(|f| f["location"] == code).unwrap()["id"].as_str().unwrap().to_owned();
    let (fa, fb) = (by_loc("A"), by_loc("B"));
    assert_eq!(fs.iter().find(|f| f["location"] == "A").unwrap()["lines"][0]["quantity"], 2);

    // A's work queue holds its fulfilment.
    let queue = s.get("/v1/fulfillments?location=A&status=pending").await;
    assert_eq!(queue.body["data"].as_array().unwrap().len(), 1);

    assert_eq!(act(&s, &fa, "start-picking", None).await.status, 200);
    assert_eq!(order_status(&s, id).await, "in_progress");
    let packed = act(
        &s,
        &fa,
        "pack",
        Some(json!({"parcels": [{"weight_grams": 900, "length_mm": 300, "width_mm": 200, "height_mm": 100}]})),
    )
    .await;
    assert_eq!(packed.status, 200, "{:?}", packed.body);
    assert_eq!(packed.body["parcels"][0]["weight_grams"], 900);
    // Packing twice is refused and changes nothing.
    let twice = act(&s, &fa, "pack", None).await;
    assert_eq!((twice.status.as_u16(), twice.body["code"].as_str()), (409, Some("invalid_transition")));
    assert_eq!(s.get(&format!("/v1/fulfillments/{fa}")).await.body["version"], 3);

    let shipped = act(&s, &fa, "ship", Some(json!({"carrier": "UPS", "tracking_number": "1Z999"}))).await;
    assert_eq!(shipped.status, 200, "{:?}", shipped.body);
    assert_eq!(shipped.body["tracking_number"], "1Z999");
    assert_eq!(order_status(&s, id).await, "partially_shipped");
    // Shipping turns the reservation into a shipment: on hand and reserved both fall.
    assert_eq!(s.levels("X").await.1, (3, 0));
    assert_eq!(s.ledger("X").await[0]["reason"], "shipped");
    // The order cannot be cancelled any more.
    let cancel = s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await;
    assert_eq!((cancel.status.as_u16(), cancel.body["code"].as_str()), (409, Some("invalid_transition")));

    assert_eq!(act(&s, &fb, "ship", None).await.status, 200);
    assert_eq!(order_status(&s, id).await, "shipped");
    assert_eq!(s.levels("Y").await.1, (2, 0));
    assert_eq!(act(&s, &fa, "deliver", None).await.status, 200);
    assert_eq!(order_status(&s, id).await, "partially_delivered");
    assert_eq!(act(&s, &fb, "deliver", None).await.status, 200);
    assert_eq!(order_status(&s, id).await, "delivered");

    let timeline: Vec<String> = s.get(&format!("/v1/orders/{id}/events")).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    for expected in
        ["order.created", "fulfillment.shipped", "order.shipped", "fulfillment.delivered", "order.delivered"]
    {
        assert!(timeline.iter().any(|t| t == expected), "{expected} missing from {timeline:?}");
    }
    s.assert_stock_consistent(&["X", "Y"]).await;
}

async fn cancelling_releases_stock_and_a_cancelled_fulfilment_cannot_ship(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 5).await;
    let order = s.post("/v1/orders", order_body(&[("X", 2)])).await;
    let id = order.body["id"].as_str().unwrap().to_owned();
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let cancelled = act(&s, &f, "cancel", Some(json!({"reason": "customer called"}))).await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    assert_eq!(s.levels("X").await.1, (5, 0));
    let ship = act(&s, &f, "ship", None).await;
    assert_eq!((ship.status.as_u16(), ship.body["code"].as_str()), (409, Some("invalid_transition")));
    assert_eq!(s.levels("X").await.1, (5, 0));
    assert_eq!(order_status(&s, &id).await, "cancelled");

    // Cancelling a whole order cancels its unshipped fulfilments.
    let order = s.post("/v1/orders", order_body(&[("X", 3)])).await;
    let id = order.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.levels("X").await.1, (5, 3));
    assert_eq!(s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await.status, 200);
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await;
    assert_eq!(fs.body["data"][0]["status"], "cancelled");
    assert_eq!(s.levels("X").await.1, (5, 0));

    // Bad details, unknown ids and roles are refused.
    let order = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    let f =
        s.get(&format!("/v1/orders/{}/fulfillments", order.body["id"].as_str().unwrap())).await.body["data"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let bad = act(&s, &f, "pack", Some(json!({"parcels": [{"weight_grams": 0}]}))).await;
    assert_eq!(bad.status, 422);
    assert_eq!(act(&s, "ful_nope", "ship", None).await.status, 404);
    let viewer = s.key("viewer", None).await;
    let r = s.call(&viewer, Method::POST, &format!("/v1/fulfillments/{f}/ship"), None).await;
    assert_eq!(r.status, 403);
    let web = s.key("channel", Some("pos")).await;
    let r = s.call(&web, Method::GET, &format!("/v1/fulfillments/{f}"), None).await;
    assert_eq!(r.status, 404, "another channel's fulfilment is not found");
    s.assert_stock_consistent(&["X"]).await;
}

on_both_engines!(
    an_order_from_two_locations_ships_in_two_parts_and_is_delivered,
    cancelling_releases_stock_and_a_cancelled_fulfilment_cannot_ship,
);
