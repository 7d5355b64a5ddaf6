//! Fulfilment over HTTP: one per location, picked, packed, shipped and delivered, with stock
//! leaving on shipment, the order's status derived, and illegal steps refused.

use crate::common::{self, Engine, TestServer, order_body};
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
    // Its only fulfilment cancelled, the order holds no stock anywhere, and says so; it is
    // still open, found as unallocated, and can still be cancelled.
    let o = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!(o["status"], "unallocated", "{o:?}");
    assert_eq!(o["lines"][0]["allocations"], json!([]), "{o:?}");
    let open = s.get("/v1/orders?status=unallocated").await.body;
    assert_eq!(
        open["data"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect::<Vec<_>>(),
        [id.as_str()]
    );
    assert_eq!(s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await.status, 200);
    assert_eq!(s.get(&format!("/v1/orders/{id}")).await.body["status"], "cancelled");

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

async fn a_rejected_fulfilment_is_routed_again_and_its_stock_marked_for_counting(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 5).await;
    s.stock("B", "X", 5).await;
    let order = s.post("/v1/orders", order_body(&[("X", 2)])).await;
    let id = order.body["id"].as_str().unwrap().to_owned();
    let first = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0].clone();
    assert_eq!(first["location"], "A");
    let f = first["id"].as_str().unwrap().to_owned();
    assert_eq!(act(&s, &f, "start-picking", None).await.status, 200);
    let rejected = act(&s, &f, "reject", Some(json!({"reason": "cannot find it"}))).await;
    assert_eq!(rejected.status, 200, "{:?}", rejected.body);
    assert_eq!(rejected.body["status"], "rejected");

    // The next best plan takes over: B now holds the reservation, A holds none.
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
    assert_eq!(fs.len(), 2);
    let b = fs.iter().find(|x| x["location"] == "B").unwrap();
    assert_eq!((b["status"].as_str(), b["lines"][0]["quantity"].as_i64()), (Some("pending"), Some(2)));
    let (levels, totals) = s.levels("X").await;
    assert_eq!(levels, [("A".to_owned(), 5, 0), ("B".to_owned(), 5, 2)]);
    assert_eq!(totals, (10, 2));
    let order_now = s.get(&format!("/v1/orders/{id}")).await;
    assert_eq!(order_now.body["lines"][0]["allocations"], json!([{"location": "B", "quantity": 2}]));
    assert_eq!(order_now.body["fulfillment_status"], "unfulfilled");
    assert_eq!(order_now.body["status"], "allocated");

    // A's stock needs counting; a count clears the request.
    let requests = s.get("/v1/inventory/count-requests?location=A").await;
    assert_eq!(requests.body["data"][0]["sku"], "X");
    assert_eq!(requests.body["data"][0]["reason"], "cannot find it");
    assert_eq!(s.post("/v1/inventory/counts", json!({"location": "A", "sku": "X", "on_hand": 4})).await.status, 201);
    assert_eq!(s.get("/v1/inventory/count-requests").await.body["data"], json!([]));

    // When no other location can take it, the lines are left unallocated and the order says so.
    let g = b["id"].as_str().unwrap();
    let _ = s
        .post("/v1/inventory/adjustments", json!({"location": "A", "sku": "X", "delta": -4, "reason": "damaged"}))
        .await;
    assert_eq!(act(&s, g, "reject", None).await.status, 200);
    let events: Vec<String> = s.get(&format!("/v1/orders/{id}/events")).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(events.contains(&"order.reroute_failed".to_owned()), "{events:?}");
    let left = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!(left["lines"][0]["allocations"], json!([]));
    assert_eq!(left["status"], "unallocated", "{left:?}");
    assert_eq!(s.levels("X").await.1, (5, 0));
    s.assert_stock_consistent(&["X"]).await;
}

async fn click_and_collect_goes_ready_for_pickup_then_picked_up(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("WH", 1).await;
    let r = s
        .post(
            "/v1/locations",
            json!({"code": "STORE", "name": "City store", "kind": "store",
                   "address": {"line1": "2 High St", "city": "Boston", "country": "US"}, "pickup": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    s.product("X", "10.00").await;
    s.stock("WH", "X", 10).await;
    s.stock("STORE", "X", 2).await;
    let mut body = order_body(&[("X", 2)]);
    body["pickup_location"] = json!("STORE");
    let order = s.post("/v1/orders", body).await;
    assert_eq!(order.status, 201, "{:?}", order.body);
    assert_eq!(order.body["lines"][0]["allocations"], json!([{"location": "STORE", "quantity": 2}]));
    assert_eq!(order.body["pickup_location"], "STORE");
    let id = order.body["id"].as_str().unwrap().to_owned();
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0].clone();
    assert_eq!(f["pickup"], true);
    let f = f["id"].as_str().unwrap().to_owned();
    let ship = act(&s, &f, "ship", None).await;
    assert_eq!((ship.status.as_u16(), ship.body["code"].as_str()), (409, Some("invalid_transition")));
    assert_eq!(act(&s, &f, "ready-for-pickup", None).await.body["status"], "ready_for_pickup");
    assert_eq!(s.levels("X").await.1, (12, 2), "still reserved while it waits");
    assert_eq!(act(&s, &f, "pick-up", None).await.body["status"], "picked_up");
    assert_eq!(s.levels("X").await.1, (10, 0));
    assert_eq!(order_status(&s, &id).await, "delivered");
    assert_eq!(s.ledger("X").await[0]["reason"], "picked_up");

    // More than the store holds cannot be collected there, even with stock elsewhere.
    let mut body = order_body(&[("X", 1)]);
    body["pickup_location"] = json!("STORE");
    let r = s.post("/v1/orders", body).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("insufficient_stock")));
    let mut body = order_body(&[("X", 1)]);
    body["pickup_location"] = json!("WH");
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.status, 409, "a warehouse without pickup is refused: {:?}", r.body);
    let normal = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    let g =
        s.get(&format!("/v1/orders/{}/fulfillments", normal.body["id"].as_str().unwrap())).await.body["data"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_eq!(act(&s, &g, "ready-for-pickup", None).await.status, 409);
    s.assert_stock_consistent(&["X"]).await;
}

on_both_engines!(
    click_and_collect_goes_ready_for_pickup_then_picked_up,
    a_rejected_fulfilment_is_routed_again_and_its_stock_marked_for_counting,
    an_order_from_two_locations_ships_in_two_parts_and_is_delivered,
    cancelling_releases_stock_and_a_cancelled_fulfilment_cannot_ship,
);
