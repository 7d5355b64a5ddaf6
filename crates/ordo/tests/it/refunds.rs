//! Refunds of an order over HTTP: per line and quantity, for shipping, as goodwill; back to
//! the payments in the documented order or onto store credit; exact to the cent; and what
//! cannot be refunded is refused without changing anything.

use crate::common::{Engine, TestServer, order_body};
use serde_json::{Value, json};

fn money(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

fn cents(v: &Value) -> i64 {
    let s = v["amount"].as_str().unwrap();
    let (whole, frac) = s.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// 3 × X at 10.00 and 2 × Y at 3.33, 4.99 shipping, 2.17 tax, 1.50 discount: 42.32.
async fn order(s: &TestServer) -> Value {
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.product("Y", "3.33").await;
    s.stock("A", "X", 10).await;
    s.stock("A", "Y", 10).await;
    let mut body = order_body(&[("X", 3), ("Y", 2)]);
    body["lines"][1]["unit_price"] = money("3.33");
    body["shipping"] = money("4.99");
    body["tax"] = money("2.17");
    body["discount"] = money("1.50");
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["totals"]["total"]["amount"], "42.32");
    r.body
}

async fn pay(s: &TestServer, id: &str, body: Value) {
    let r = s.post(&format!("/v1/orders/{id}/payments"), body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

async fn every_unit_and_the_shipping_refunded_piece_by_piece_give_back_the_total_exactly(engine: Engine) {
    let s = TestServer::start(engine).await;
    let o = order(&s).await;
    let id = o["id"].as_str().unwrap();
    let (x, y) = (o["lines"][0]["id"].as_str().unwrap(), o["lines"][1]["id"].as_str().unwrap());
    pay(&s, id, json!({"provider": "manual", "method": "bank_transfer", "amount": money("42.32")})).await;

    let mut refunded = 0;
    for (line, q) in [(x, 1), (y, 1), (x, 2), (y, 1)] {
        let r = s
            .post(
                &format!("/v1/orders/{id}/refunds"),
                json!({"lines": [{"line_id": line, "quantity": q}], "reason": "returned"}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body["status"], "succeeded");
        assert_eq!(r.body["lines"][0]["quantity"], q);
        refunded += cents(&r.body["amount"]);
    }
    let r = s.post(&format!("/v1/orders/{id}/refunds"), json!({"shipping": money("4.99")})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    refunded += cents(&r.body["amount"]);
    assert_eq!(refunded, 4232);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["summary"]["status"], "refunded", "{:?}", p["summary"]);
    assert_eq!(p["summary"]["refunded"]["amount"], "42.32");
    assert_eq!(s.get(&format!("/v1/orders/{id}/refunds")).await.body.as_array().unwrap().len(), 5);

    // Nothing is left: another unit, more shipping or any amount conflicts with what was
    // refunded, is refused and changes nothing.
    let more = s.post(&format!("/v1/orders/{id}/refunds"), json!({"lines": [{"line_id": x, "quantity": 1}]})).await;
    assert_eq!(more.status, 409, "{:?}", more.body);
    let ship = s.post(&format!("/v1/orders/{id}/refunds"), json!({"shipping": money("0.01")})).await;
    assert_eq!(ship.status, 409, "{:?}", ship.body);
    let goodwill = s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": money("0.01")})).await;
    assert_eq!((goodwill.status.as_u16(), goodwill.body["code"].as_str()), (409, Some("amount_exceeds_refundable")));
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body, p);
}

async fn a_goodwill_refund_on_a_paid_order_goes_to_cards_first_and_gift_cards_last(engine: Engine) {
    let s = TestServer::start(engine).await;
    let o = order(&s).await;
    let id = o["id"].as_str().unwrap();
    let card = s.post("/v1/gift-cards", json!({"code": "GC-1", "amount": money("12.32")})).await;
    assert_eq!(card.status, 201);
    pay(&s, id, json!({"provider": "gift_card", "gift_card_code": "GC-1", "amount": money("12.32")})).await;
    pay(&s, id, json!({"provider": "manual", "method": "cash_on_delivery", "amount": money("30.00")})).await;
    let before = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(before["summary"]["status"], "paid");

    // More than the manual payment holds: it is emptied first, the gift card gives the rest.
    let r =
        s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": money("35.00"), "reason": "late delivery"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let allocations: Vec<(&str, &str)> = r.body["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["provider"].as_str().unwrap(), a["amount"]["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(allocations, vec![("manual", "30.00"), ("gift_card", "5.00")]);
    assert_eq!((r.body["goodwill"]["amount"].as_str(), r.body["to"].as_str()), (Some("35.00"), Some("original")));
    // The gift card has its 5.00 back.
    assert_eq!(s.get("/v1/gift-cards/GC-1").await.body["balance"]["amount"], "5.00");
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["summary"]["status"], "partially_refunded");
    assert_eq!(p["summary"]["net_paid"]["amount"], "7.32");
    let got = s.get(&format!("/v1/refunds/{}", r.body["id"].as_str().unwrap())).await;
    assert_eq!(got.body["id"], r.body["id"]);
}

async fn a_refund_to_store_credit_credits_the_customer(engine: Engine) {
    let s = TestServer::start(engine).await;
    let o = order(&s).await;
    let id = o["id"].as_str().unwrap();
    let x = o["lines"][0]["id"].as_str().unwrap();
    pay(&s, id, json!({"provider": "manual", "amount": money("42.32")})).await;
    let r = s
        .post(
            &format!("/v1/orders/{id}/refunds"),
            json!({"lines": [{"line_id": x, "quantity": 1}], "to": "store_credit"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // One X is 10.00 plus its share of the tax, less its share of the discount.
    let amount = r.body["amount"]["amount"].as_str().unwrap().to_owned();
    assert_eq!(amount, r.body["lines"][0]["amount"]["amount"].as_str().unwrap());
    let customer = o["customer_id"].as_str().unwrap();
    let credit = s.get(&format!("/v1/customers/{customer}/store-credit")).await;
    assert_eq!(credit.body["balance"]["amount"], amount.as_str(), "{:?}", credit.body);
}

async fn bad_refunds_are_refused_and_change_nothing(engine: Engine) {
    let s = TestServer::start(engine).await;
    let o = order(&s).await;
    let id = o["id"].as_str().unwrap();
    let x = o["lines"][0]["id"].as_str().unwrap();
    // Nothing was paid yet: there is nothing to refund.
    let unpaid = s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": money("1.00")})).await;
    assert_eq!((unpaid.status.as_u16(), unpaid.body["code"].as_str()), (409, Some("amount_exceeds_refundable")));
    pay(&s, id, json!({"provider": "manual", "amount": money("42.32")})).await;
    let before =
        (s.get(&format!("/v1/orders/{id}/payments")).await.body, s.get(&format!("/v1/orders/{id}/refunds")).await.body);
    for (body, status) in [
        (json!({}), 422),
        (json!({"amount": money("1.001")}), 422),
        // An amount in another currency than the order's conflicts with it.
        (json!({"amount": {"amount": "1.00", "currency": "EUR"}}), 409),
        (json!({"amount": money("-1.00")}), 422),
        // Nothing to give back, on its face (422), or once the fee is taken off (409).
        (json!({"amount": money("0.00")}), 422),
        (json!({"shipping": money("0")}), 422),
        (json!({"lines": [{"line_id": x, "quantity": 1}], "restocking_fee": money("9999.00")}), 409),
        (json!({"lines": [{"line_id": x, "quantity": 4}]}), 409),
        (json!({"lines": [{"line_id": x, "quantity": 0}]}), 422),
        (json!({"lines": [{"line_id": x, "quantity": i64::MAX}]}), 422),
        (json!({"lines": [{"line_id": "lin_nope", "quantity": 1}]}), 404),
        // A line listed twice is refunded for both quantities: here more than it has.
        (json!({"lines": [{"line_id": x, "quantity": 2}, {"line_id": x, "quantity": 2}]}), 409),
        (json!({"shipping": money("5.00")}), 409),
        (json!({"amount": money("42.33")}), 409),
        (json!({"amount": money("1.00"), "to": "bank"}), 422),
        (json!({"amount": money("1.00"), "surprise": true}), 400),
    ] {
        let r = s.post(&format!("/v1/orders/{id}/refunds"), body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {:?}", r.body);
        assert!(r.body["type"].is_string() && r.body["detail"].is_string(), "{:?}", r.body);
    }
    let after =
        (s.get(&format!("/v1/orders/{id}/payments")).await.body, s.get(&format!("/v1/orders/{id}/refunds")).await.body);
    assert_eq!(after, before);
    assert_eq!(s.post("/v1/orders/ord_nope/refunds", json!({"amount": money("1.00")})).await.status, 404);
    assert_eq!(s.get("/v1/refunds/ref_nope").await.status, 404);
    // A channel's key sees neither another channel's orders nor their refunds.
    let other = s.key("channel", Some("pos")).await;
    let r = s.call(&other, reqwest::Method::GET, &format!("/v1/orders/{id}/refunds"), None).await;
    assert_eq!(r.status, 404);
}

async fn concurrent_refunds_never_give_back_more_than_was_paid(engine: Engine) {
    let s = TestServer::start(engine).await;
    let o = order(&s).await;
    let id = o["id"].as_str().unwrap().to_owned();
    pay(&s, &id, json!({"provider": "manual", "amount": money("42.32")})).await;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (client, base, admin, id) = (s.client.clone(), s.base.clone(), s.admin.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(format!("{base}/v1/orders/{id}/refunds"))
                .bearer_auth(admin)
                .json(&json!({"amount": {"amount": "4.00", "currency": "USD"}}))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            201 => ok += 1,
            409 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    // 42.32 holds ten refunds of 4.00.
    assert_eq!(ok, 10);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["summary"]["refunded"]["amount"], "40.00");
}

on_both_engines!(
    every_unit_and_the_shipping_refunded_piece_by_piece_give_back_the_total_exactly,
    a_goodwill_refund_on_a_paid_order_goes_to_cards_first_and_gift_cards_last,
    a_refund_to_store_credit_credits_the_customer,
    bad_refunds_are_refused_and_change_nothing,
    concurrent_refunds_never_give_back_more_than_was_paid,
);
