//! Claims and line cancellation over HTTP: missing or damaged units are refunded or reshipped
//! free without a return, never beyond what shipped; a line's unshipped units can be cancelled.

use crate::common::{Engine, TestServer, order_body};
use serde_json::{Value, json};

fn usd(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

async fn shop(engine: Engine) -> TestServer {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    s
}

/// A paid order of 3 × X, shipped: (order id, line id).
async fn shipped(s: &TestServer) -> (String, String) {
    let o = s.post("/v1/orders", order_body(&[("X", 3)])).await.body;
    let (id, line) = (o["id"].as_str().unwrap().to_owned(), o["lines"][0]["id"].as_str().unwrap().to_owned());
    assert_eq!(
        s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": usd("30.00")}))
            .await
            .status,
        201
    );
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    (id, line)
}

async fn a_missing_unit_is_refunded_and_a_damaged_one_reshipped_without_a_return(engine: Engine) {
    let s = shop(engine).await;
    let (id, line) = shipped(&s).await;
    let r = s
        .post(&format!("/v1/orders/{id}/claims"), json!({"type": "missing", "lines": [{"line_id": line, "quantity": 1}], "resolution": "refund", "note": "parcel arrived open"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "resolved");
    let refund = r.body["refund_id"].as_str().unwrap();
    assert_eq!(s.get(&format!("/v1/refunds/{refund}")).await.body["amount"]["amount"], "10.00");

    let r = s
        .post(
            &format!("/v1/orders/{id}/claims"),
            json!({"type": "damaged", "lines": [{"line_id": line, "quantity": 1}], "resolution": "reship"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let new = r.body["reship_order_id"].as_str().unwrap();
    let placed = s.get(&format!("/v1/orders/{new}")).await.body;
    assert_eq!(
        (placed["totals"]["total"]["amount"].as_str(), placed["replaces"].as_str()),
        (Some("0.00"), r.body["id"].as_str())
    );
    // 3 shipped, 1 reserved again for the reshipment.
    assert_eq!(s.levels("X").await.1, (7, 1));

    // One unit is left to claim; two are refused and change nothing.
    let too_many = s
        .post(
            &format!("/v1/orders/{id}/claims"),
            json!({"type": "missing", "lines": [{"line_id": line, "quantity": 2}], "resolution": "refund"}),
        )
        .await;
    // More than is left conflicts with what was shipped (409); a number beyond any bound is
    // invalid on its face (422).
    assert_eq!(too_many.status, 409, "{:?}", too_many.body);
    assert_eq!(too_many.body["errors"][0]["field"], "lines/0/quantity");
    // Nor can a claimed unit be returned.
    let ret = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "other"}]}),
        )
        .await;
    assert_eq!(ret.status, 201, "{:?}", ret.body);
    let none_left = s
        .post(
            &format!("/v1/orders/{id}/claims"),
            json!({"type": "missing", "lines": [{"line_id": line, "quantity": 1}], "resolution": "refund"}),
        )
        .await;
    assert_eq!(none_left.status, 409, "{:?}", none_left.body);
    // And claimed units cannot be returned either.
    let claimed = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "other"}]}),
        )
        .await;
    assert_eq!(claimed.status, 409, "{:?}", claimed.body);
    let huge = s
        .post(
            &format!("/v1/orders/{id}/claims"),
            json!({"type": "missing", "lines": [{"line_id": line, "quantity": i64::MAX}], "resolution": "refund"}),
        )
        .await;
    assert_eq!(huge.status, 422, "{:?}", huge.body);
    for bad in [
        json!({"type": "stolen", "lines": [{"line_id": line, "quantity": 1}], "resolution": "refund"}),
        json!({"type": "missing", "lines": [{"line_id": line, "quantity": 1}], "resolution": "apologise"}),
        json!({"type": "missing", "lines": [], "resolution": "refund"}),
    ] {
        assert_eq!(s.post(&format!("/v1/orders/{id}/claims"), bad.clone()).await.status, 422, "{bad}");
    }
    assert_eq!(s.get(&format!("/v1/orders/{id}/claims")).await.body.as_array().unwrap().len(), 2);
    // Never shipped: nothing to claim.
    let fresh = s.post("/v1/orders", order_body(&[("X", 1)])).await.body;
    let r = s
        .post(&format!("/v1/orders/{}/claims", fresh["id"].as_str().unwrap()), json!({"type": "missing", "lines": [{"line_id": fresh["lines"][0]["id"], "quantity": 1}], "resolution": "refund"}))
        .await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("invalid_transition")));
}

async fn unshipped_units_of_a_line_can_be_cancelled(engine: Engine) {
    let s = shop(engine).await;
    let o = s.post("/v1/orders", order_body(&[("X", 3)])).await.body;
    let (id, line) = (o["id"].as_str().unwrap(), o["lines"][0]["id"].as_str().unwrap());
    assert_eq!(
        s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": usd("30.00")}))
            .await
            .status,
        201
    );
    let r = s
        .post(&format!("/v1/orders/{id}/lines/{line}/cancel"), json!({"quantity": 2, "reason": "out of season"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (r.body["total_after"]["amount"].as_str(), r.body["refund_due"]["amount"].as_str()),
        (Some("10.00"), Some("20.00"))
    );
    assert_eq!(s.levels("X").await.1, (10, 1));
    for (body, status) in [(json!({"quantity": 2}), 409), (json!({"quantity": 0}), 422)] {
        assert_eq!(s.post(&format!("/v1/orders/{id}/lines/{line}/cancel"), body).await.status, status);
    }
    assert_eq!(s.post(&format!("/v1/orders/{id}/lines/lin_nope/cancel"), json!({})).await.status, 404);
    // The last unit, by default: nothing is left, so the order is cancelled, shipping refunded.
    let r = s.post(&format!("/v1/orders/{id}/lines/{line}/cancel"), json!({})).await;
    assert_eq!((r.status.as_u16(), r.body["total_after"]["amount"].as_str()), (201, Some("0.00")), "{:?}", r.body);
    assert_eq!(s.levels("X").await.1, (10, 0));
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body["summary"]["status"], "refunded");
    let order = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!(
        (order["status"].as_str(), order["cancel_reason"].as_str()),
        (Some("cancelled"), Some("line cancelled"))
    );
    assert_eq!(s.post(&format!("/v1/orders/{id}/lines/{line}/cancel"), json!({})).await.status, 409);
}

on_both_engines!(
    a_missing_unit_is_refunded_and_a_damaged_one_reshipped_without_a_return,
    unshipped_units_of_a_line_can_be_cancelled,
);
