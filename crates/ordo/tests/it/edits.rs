//! Order edits over HTTP: quantities, lines and the address change before shipment; stock is
//! released or reserved exactly; the payment difference is released or refunded exactly, and
//! a larger total leaves a balance due without voiding what is authorized.

use crate::common::{Engine, TestServer, order_body};
use reqwest::Method;
use serde_json::{Value, json};

fn usd(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

async fn shop(engine: Engine) -> TestServer {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "10.00").await;
    s.product("Y", "4.00").await;
    s.stock("A", "X", 10).await;
    s.stock("B", "Y", 5).await;
    s
}

async fn order(s: &TestServer, lines: &[(&str, i64)]) -> Value {
    let mut body = order_body(lines);
    for (i, (sku, _)) in lines.iter().enumerate() {
        if *sku == "Y" {
            body["lines"][i]["unit_price"] = usd("4.00");
        }
    }
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

async fn a_smaller_order_releases_its_stock_and_refunds_exactly_the_difference(engine: Engine) {
    let s = shop(engine).await;
    let o = order(&s, &[("X", 3)]).await;
    let (id, line) = (o["id"].as_str().unwrap(), o["lines"][0]["id"].as_str().unwrap());
    assert_eq!(
        s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": usd("30.00")}))
            .await
            .status,
        201
    );
    assert_eq!(s.levels("X").await.1, (10, 3));

    let r = s
        .post(&format!("/v1/orders/{id}/edits"), json!({"changes": [{"type": "set_quantity", "line_id": line, "quantity": 1}], "reason": "customer asked", "expected_version": o["version"]}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (r.body["total_before"]["amount"].as_str(), r.body["total_after"]["amount"].as_str()),
        (Some("30.00"), Some("10.00"))
    );
    assert_eq!(r.body["refund_due"]["amount"], "20.00");
    assert_eq!((r.body["version_from"].as_i64(), r.body["version_to"].as_i64()), (Some(1), Some(2)));
    let refund = r.body["refund_id"].as_str().expect("refunded");
    assert_eq!(s.get(&format!("/v1/refunds/{refund}")).await.body["amount"]["amount"], "20.00");
    // Exactly two units released.
    assert_eq!(s.levels("X").await.1, (10, 1));
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(
        (p["summary"]["net_paid"]["amount"].as_str(), p["summary"]["balance_due"]["amount"].as_str()),
        (Some("10.00"), Some("0.00"))
    );
    let edited = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!((edited["lines"][0]["quantity"].as_i64(), edited["version"].as_i64()), (Some(1), Some(2)));
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0].clone();
    assert_eq!(f["lines"][0]["quantity"], 1);
    // A stale version is refused.
    let stale = s
        .post(
            &format!("/v1/orders/{id}/edits"),
            json!({"changes": [{"type": "set_quantity", "line_id": line, "quantity": 2}], "expected_version": 1}),
        )
        .await;
    assert_eq!(stale.status, 412, "{:?}", stale.body);
    let edits = s.get(&format!("/v1/orders/{id}/edits")).await.body;
    assert_eq!(edits.as_array().unwrap().len(), 1);
    assert_eq!(edits[0]["reason"], "customer asked");
}

async fn an_edit_keeps_what_is_authorized_and_releases_only_the_difference(engine: Engine) {
    let s = shop(engine).await;
    let o = order(&s, &[("X", 3)]).await;
    let (id, line) = (o["id"].as_str().unwrap(), o["lines"][0]["id"].as_str().unwrap());
    let r = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": usd("30.00"), "captured": false}),
        )
        .await;
    assert_eq!(r.body["summary"]["status"], "authorized");
    let r = s
        .post(
            &format!("/v1/orders/{id}/edits"),
            json!({"changes": [{"type": "set_quantity", "line_id": line, "quantity": 2}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (r.body["released"]["amount"].as_str(), r.body["refund_due"]["amount"].as_str()),
        (Some("10.00"), Some("0.00"))
    );
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["summary"]["status"], "authorized", "{:?}", p["summary"]);
    assert_eq!(p["payments"][0]["capturable"]["amount"], "20.00");

    // A larger order: a new line is routed and reserved; the balance is due, the authorization stays.
    let r = s
        .post(
            &format!("/v1/orders/{id}/edits"),
            json!({"changes": [{"type": "add_line", "sku": "Y", "quantity": 2, "unit_price": usd("4.00")}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["total_after"]["amount"], "28.00");
    assert_eq!(s.levels("Y").await.1, (5, 2));
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
    assert_eq!(fs.len(), 2, "{fs:?}");
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(
        (p["payments"][0]["capturable"]["amount"].as_str(), p["summary"]["voided"]["amount"].as_str()),
        (Some("20.00"), Some("10.00"))
    );
    let events = s.get(&format!("/v1/orders/{id}/events")).await.body;
    let due: Vec<&Value> =
        events["data"].as_array().unwrap().iter().filter(|e| e["type"] == "order.payment_required").collect();
    assert_eq!(due.len(), 1, "{events:?}");
    assert_eq!(due[0]["data"]["amount"], "8.00");
    // Paying the difference and shipping both parts captures exactly the new total.
    assert_eq!(
        s.post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": usd("8.00"), "captured": false})
        )
        .await
        .status,
        201
    );
    for f in &fs {
        let r = s.post(&format!("/v1/fulfillments/{}/ship", f["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(
        (p["summary"]["status"].as_str(), p["summary"]["captured"]["amount"].as_str()),
        (Some("paid"), Some("28.00")),
        "{:?}",
        p["summary"]
    );
}

async fn an_edit_after_the_line_shipped_is_refused_and_changes_nothing(engine: Engine) {
    let s = shop(engine).await;
    let o = order(&s, &[("X", 2), ("Y", 1)]).await;
    let id = o["id"].as_str().unwrap();
    let (x, y) = (o["lines"][0]["id"].as_str().unwrap(), o["lines"][1]["id"].as_str().unwrap());
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
    let at_a = fs.iter().find(|f| f["location"] == "A").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/fulfillments/{at_a}/ship"), json!({})).await.status, 200);
    let before = (s.get(&format!("/v1/orders/{id}")).await.body, s.levels("X").await, s.levels("Y").await);

    for body in [
        json!({"changes": [{"type": "set_quantity", "line_id": x, "quantity": 1}]}),
        json!({"changes": [{"type": "remove_line", "line_id": x}]}),
        json!({"changes": [{"type": "set_quantity", "line_id": y, "quantity": 2}, {"type": "set_quantity", "line_id": x, "quantity": 3}]}),
        json!({"changes": [{"type": "set_shipping_address", "address": {"line1": "2 Elm St", "city": "Boston", "postal_code": "02108", "country": "US"}}]}),
    ] {
        let r = s.post(&format!("/v1/orders/{id}/edits"), body.clone()).await;
        assert_eq!(
            (r.status.as_u16(), r.body["code"].as_str()),
            (409, Some("invalid_transition")),
            "{body}: {:?}",
            r.body
        );
    }
    for (body, status) in [
        (json!({"changes": [{"type": "set_quantity", "line_id": y, "quantity": 50}]}), 409),
        (json!({"changes": [{"type": "add_line", "sku": "NOPE", "quantity": 1, "unit_price": usd("1.00")}]}), 404),
        (
            json!({"changes": [{"type": "add_line", "sku": "Y", "quantity": 1, "unit_price": {"amount": "1.00", "currency": "EUR"}}]}),
            409,
        ),
        (json!({"changes": [{"type": "set_quantity", "line_id": "lin_nope", "quantity": 1}]}), 404),
        (json!({"changes": [{"type": "grow"}]}), 422),
        (json!({"changes": []}), 422),
        (json!({"changes": [{"type": "set_quantity", "line_id": y, "quantity": -1}]}), 422),
    ] {
        let r = s.post(&format!("/v1/orders/{id}/edits"), body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {:?}", r.body);
    }
    let after = (s.get(&format!("/v1/orders/{id}")).await.body, s.levels("X").await, s.levels("Y").await);
    assert_eq!(after, before);
    assert_eq!(s.get(&format!("/v1/orders/{id}/edits")).await.body, json!([]));

    // The unshipped line is still editable: removing it cancels its fulfilment.
    let r =
        s.post(&format!("/v1/orders/{id}/edits"), json!({"changes": [{"type": "remove_line", "line_id": y}]})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(s.levels("Y").await.1, (5, 0));
    let at_b = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"] == "B")
        .unwrap()
        .clone();
    assert_eq!(at_b["status"], "cancelled");
    let viewer = s.key("viewer", None).await;
    let r = s
        .call(
            &viewer,
            Method::POST,
            &format!("/v1/orders/{id}/edits"),
            Some(json!({"changes": [{"type": "remove_line", "line_id": y}]})),
        )
        .await;
    assert_eq!(r.status, 403);
}

async fn more_units_join_a_fulfilment_that_is_not_being_picked_yet(engine: Engine) {
    let s = shop(engine).await;
    s.product("W", "2.00").await;
    s.stock("A", "W", 10).await;
    let o = order(&s, &[("X", 1)]).await;
    let (id, x) = (o["id"].as_str().unwrap(), o["lines"][0]["id"].as_str().unwrap());
    let body = json!({"changes": [{"type": "set_quantity", "line_id": x, "quantity": 3},
                                  {"type": "add_line", "sku": "W", "quantity": 2, "unit_price": usd("2.00")}]});
    let r = s.post(&format!("/v1/orders/{id}/edits"), body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
    assert_eq!(fs.len(), 1, "{fs:?}");
    let lines: Vec<(String, i64)> = fs[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap()))
        .collect();
    assert_eq!(lines, vec![("X".to_owned(), 3), ("W".to_owned(), 2)]);
    assert_eq!((s.levels("X").await.1, s.levels("W").await.1), ((10, 3), (10, 2)));
    // Once picking started, more units make a fulfilment of their own.
    let f = fs[0]["id"].as_str().unwrap();
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/start-picking"), json!({})).await.status, 200);
    let r = s
        .post(
            &format!("/v1/orders/{id}/edits"),
            json!({"changes": [{"type": "add_line", "sku": "W", "quantity": 1, "unit_price": usd("2.00")}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().len(), 2);
    s.assert_stock_consistent(&["X", "W"]).await;
}

on_both_engines!(
    more_units_join_a_fulfilment_that_is_not_being_picked_yet,
    a_smaller_order_releases_its_stock_and_refunds_exactly_the_difference,
    an_edit_keeps_what_is_authorized_and_releases_only_the_difference,
    an_edit_after_the_line_shipped_is_refused_and_changes_nothing,
);
