//! The role table held at the HTTP edge: a channel key cannot conjure store credit, an
//! operator's goodwill and credit grants stop at its limit, a warehouse key ships but never
//! gives money back. Each refusal changes nothing.

use reqwest::Method;
use serde_json::json;

use crate::common::*;

fn money(amount: &str) -> serde_json::Value {
    json!({"amount": amount, "currency": "USD"})
}

async fn a_channel_key_cannot_give_money_back_or_grant_credit(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "17.00").await;
    s.stock("A", "X", 10).await;
    let pos = s.key("channel", Some("pos")).await;
    let mut body = order_body(&[("X", 1)]);
    body["channel"] = json!("pos");
    let placed = s.call(&pos, Method::POST, "/v1/orders", Some(body)).await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let customer = placed.body["customer_id"].as_str().unwrap().to_owned();
    let total = placed.body["totals"]["total"]["amount"].as_str().unwrap().to_owned();
    let paid = s
        .call(
            &pos,
            Method::POST,
            &format!("/v1/orders/{id}/payments"),
            Some(json!({"provider": "manual", "amount": money(&total)})),
        )
        .await;
    assert_eq!(paid.status, 201, "{:?}", paid.body);
    let payment = paid.body["payments"][0]["id"].as_str().unwrap().to_owned();
    let before = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    let attempts = [
        (Method::POST, format!("/v1/orders/{id}/refunds"), json!({"amount": money(&total), "to": "store_credit"})),
        (Method::POST, format!("/v1/payments/{payment}/refund"), json!({"amount": money("1.00")})),
        (Method::POST, format!("/v1/customers/{customer}/store-credit"), json!({"amount": money("1.00")})),
        (Method::POST, "/v1/gift-cards".into(), json!({"amount": money("1.00")})),
        (Method::PUT, "/v1/channels/pos".into(), json!({"capture": "on_order"})),
    ];
    for (method, path, body) in attempts {
        let r = s.call(&pos, method, &path, Some(body)).await;
        assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (403, Some("forbidden")), "{path}: {:?}", r.body);
    }
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body, before);
    assert_eq!(s.get(&format!("/v1/orders/{id}/refunds")).await.body, json!([]));
    assert_eq!(s.get(&format!("/v1/customers/{customer}/store-credit")).await.status, 404);
}

async fn an_operator_gives_goodwill_and_credit_up_to_its_limit(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "900.00").await;
    s.stock("A", "X", 10).await;
    let operator = s.key("operator", None).await;
    let mut body = order_body(&[("X", 1)]);
    body["lines"][0]["unit_price"] = money("900.00");
    let placed = s.post("/v1/orders", body).await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let customer = placed.body["customer_id"].as_str().unwrap().to_owned();
    let total = placed.body["totals"]["total"]["amount"].as_str().unwrap().to_owned();
    assert_eq!(
        s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": money(&total)}))
            .await
            .status,
        201
    );
    let refunds = format!("/v1/orders/{id}/refunds");
    let credit = format!("/v1/customers/{customer}/store-credit");
    // Above the default limit (500 units): refused, naming it, and nothing is given.
    for (path, body) in [
        (refunds.clone(), json!({"amount": money("500.01")})),
        (credit.clone(), json!({"amount": money("500.01")})),
        ("/v1/gift-cards".to_owned(), json!({"code": "BIG", "amount": money("600.00")})),
    ] {
        let r = s.call(&operator, Method::POST, &path, Some(body)).await;
        assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (403, Some("limit_exceeded")), "{path}: {:?}", r.body);
        assert!(r.body["detail"].as_str().unwrap().contains("500.00 USD"), "{:?}", r.body);
    }
    assert_eq!(s.get(&refunds).await.body, json!([]));
    assert_eq!(s.get(&credit).await.status, 404);
    assert_eq!(s.get("/v1/gift-cards/BIG").await.status, 404);
    // At the limit: given.
    let r = s.call(&operator, Method::POST, &refunds, Some(json!({"amount": money("500.00")}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = s.call(&operator, Method::POST, &credit, Some(json!({"amount": money("500.00")}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // A refund of lines is bounded by what was paid, not by the goodwill limit.
    let line = placed.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let r = s.call(&operator, Method::POST, &refunds, Some(json!({"lines": [{"line_id": line, "quantity": 1}]}))).await;
    assert_eq!(r.status, 409, "only what is left of the payment may go back: {:?}", r.body);
    // An admin is not limited.
    assert_eq!(s.post(&credit, json!({"amount": money("5000.00")})).await.status, 200);
    assert_eq!(s.get(&credit).await.body["balance"]["amount"], "5500.00");
}

async fn a_warehouse_key_fulfils_and_counts_but_gives_nothing(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    let warehouse = s.key("warehouse", None).await;
    let placed = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let r = s.call(&warehouse, Method::GET, &format!("/v1/orders/{id}"), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = s.call(&warehouse, Method::GET, &format!("/v1/orders/{id}/fulfillments"), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let f = r.body["data"][0]["id"].as_str().expect("a fulfilment").to_owned();
    let r = s.call(&warehouse, Method::POST, &format!("/v1/fulfillments/{f}/start-picking"), Some(json!({}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    for (method, path, body) in [
        (Method::POST, "/v1/orders".to_owned(), order_body(&[("X", 1)])),
        (Method::POST, format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": money("1.00")})),
        (Method::POST, format!("/v1/orders/{id}/refunds"), json!({"amount": money("1.00")})),
        (Method::GET, "/v1/customers".to_owned(), json!(null)),
        (Method::GET, "/v1/events".to_owned(), json!(null)),
        (Method::POST, "/v1/keys".to_owned(), json!({"role": "admin"})),
    ] {
        let body = (!body.is_null()).then_some(body);
        let r = s.call(&warehouse, method, &path, body).await;
        assert_eq!(r.status, 403, "{path}: {:?}", r.body);
    }
    assert_eq!(s.all_orders().await.len(), 1);
}

on_both_engines!(
    a_channel_key_cannot_give_money_back_or_grant_credit,
    an_operator_gives_goodwill_and_credit_up_to_its_limit,
    a_warehouse_key_fulfils_and_counts_but_gives_nothing
);
