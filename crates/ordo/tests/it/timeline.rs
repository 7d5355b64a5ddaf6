//! The order's timeline: every edit, hold, return, refund, exchange and claim, in order, with
//! who did it.

use crate::common::{Engine, TestServer, order_body};
use reqwest::Method;
use serde_json::{Value, json};

fn usd(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

async fn the_timeline_tells_the_whole_story_with_its_actors(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.product("Z", "12.00").await;
    s.stock("A", "X", 10).await;
    s.stock("A", "Z", 10).await;
    let key = s.post("/v1/keys", json!({"role": "operator", "name": "ops"})).await.body;
    let (op, op_id) = (key["secret"].as_str().unwrap().to_owned(), key["id"].as_str().unwrap().to_owned());
    let call = |method: Method, path: String, body: Value| {
        let (s, op) = (&s, op.clone());
        async move { s.call(&op, method, &path, Some(body)).await }
    };

    let o = call(Method::POST, "/v1/orders".into(), order_body(&[("X", 3)])).await.body;
    let (id, line) = (o["id"].as_str().unwrap().to_owned(), o["lines"][0]["id"].as_str().unwrap().to_owned());
    let hold = call(Method::POST, format!("/v1/orders/{id}/holds"), json!({"type": "manual"})).await.body;
    call(Method::POST, format!("/v1/holds/{}/release", hold["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(
        call(
            Method::POST,
            format!("/v1/orders/{id}/edits"),
            json!({"changes": [{"type": "set_quantity", "line_id": line, "quantity": 2}]})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        call(Method::POST, format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": usd("20.00")}))
            .await
            .status,
        201
    );
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(call(Method::POST, format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    let ret = call(
        Method::POST,
        format!("/v1/orders/{id}/returns"),
        json!({"lines": [{"line_id": line, "quantity": 1, "reason": "wrong_item"}], "exchange": {"lines": [{"sku": "Z", "quantity": 1}]}}),
    )
    .await
    .body;
    let ret = ret["id"].as_str().unwrap().to_owned();
    call(Method::POST, format!("/v1/returns/{ret}/approve"), json!({})).await;
    let received = call(
        Method::POST,
        format!("/v1/returns/{ret}/receive"),
        json!({"location": "A", "units": [{"line_id": line, "quantity": 1, "disposition": "restock"}]}),
    )
    .await;
    assert_eq!(received.status, 200, "{:?}", received.body);
    let claim = call(
        Method::POST,
        format!("/v1/orders/{id}/claims"),
        json!({"type": "damaged", "lines": [{"line_id": line, "quantity": 1}], "resolution": "refund"}),
    )
    .await;
    assert_eq!(claim.status, 201, "{:?}", claim.body);

    let timeline = s.get(&format!("/v1/orders/{id}/timeline")).await;
    assert_eq!(timeline.status, 200, "{:?}", timeline.body);
    let entries = timeline.body.as_array().unwrap();
    let types: Vec<&str> = entries.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for expected in [
        "order.created",
        "order.held",
        "order.hold_released",
        "order.edited",
        "payment.captured",
        "fulfillment.shipped",
        "return.requested",
        "return.approved",
        "return.received",
        "return.exchange_placed",
        "refund.created",
        "refund.completed",
        "claim.created",
    ] {
        let entry =
            entries.iter().find(|e| e["type"] == expected).unwrap_or_else(|| panic!("no {expected} in {types:?}"));
        assert_eq!(entry["actor"], op_id.as_str(), "{expected}: {entry:?}");
    }
    // Oldest first.
    let at: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "{at:?}");
    assert!(types.iter().position(|t| *t == "order.created") < types.iter().position(|t| *t == "claim.created"));
    let pos = s.key("channel", Some("pos")).await;
    assert_eq!(s.call(&pos, Method::GET, &format!("/v1/orders/{id}/timeline"), None).await.status, 404);
}

on_both_engines!(the_timeline_tells_the_whole_story_with_its_actors);
