//! Returns over HTTP: restocked units go back into available stock exactly, damaged ones into
//! quarantine, each unit explained by a ledger; the refund follows the policy; what cannot be
//! returned is refused and changes nothing.

use crate::common::{Engine, TestServer, order_body};
use reqwest::Method;
use serde_json::{Value, json};

fn usd(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

/// A paid order of 3 × X (10.00) with 5.00 shipping, shipped from A: (order id, X's line id).
async fn shipped_order(s: &TestServer) -> (String, String) {
    let mut body = order_body(&[("X", 3)]);
    body["shipping"] = usd("5.00");
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let line = r.body["lines"][0]["id"].as_str().unwrap().to_owned();
    let paid =
        s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": usd("35.00")})).await;
    assert_eq!(paid.status, 201);
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    (id, line)
}

async fn shop(engine: Engine) -> TestServer {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    s
}

async fn restocked_units_come_back_exactly_damaged_ones_go_to_quarantine_and_the_refund_follows(engine: Engine) {
    let s = shop(engine).await;
    let (id, line) = shipped_order(&s).await;
    let (_, before) = s.levels("X").await;
    assert_eq!(before, (7, 0));

    let r = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 2, "reason": "damaged", "note": "box crushed"}], "refund_shipping": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "requested");
    let ret = r.body["id"].as_str().unwrap().to_owned();
    // The queue of returns to approve.
    let queue = s.get("/v1/returns").await.body;
    assert_eq!(queue["data"][0]["id"], ret.as_str(), "{queue:?}");
    assert_eq!(s.get(&format!("/v1/orders/{id}/returns")).await.body["return_status"], "requested");
    // Not received before it is approved.
    let early = s
        .post(
            &format!("/v1/returns/{ret}/receive"),
            json!({"location": "B", "units": [{"line_id": line, "quantity": 2, "disposition": "restock"}]}),
        )
        .await;
    assert_eq!(early.status, 409, "{:?}", early.body);
    let approved = s.post(&format!("/v1/returns/{ret}/approve"), json!({"restocking_fee": usd("1.00")})).await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    assert_eq!((approved.body["status"].as_str(), approved.body["refund_id"].as_str()), (Some("approved"), None));

    // Units that do not add up to what was returned are refused, and nothing moves.
    // Counts that differ from the return's conflict with it (409); a line not in it is not
    // found (404); a count or disposition no return could have is invalid (422).
    for (units, status) in [
        (json!([{"line_id": line, "quantity": 1, "disposition": "restock"}]), 409),
        (
            json!([{"line_id": line, "quantity": i64::MAX, "disposition": "refurbish"}, {"line_id": line, "quantity": i64::MAX, "disposition": "dispose"}, {"line_id": line, "quantity": 4, "disposition": "restock"}]),
            422,
        ),
        (json!([{"line_id": line, "quantity": 2, "disposition": "sell_on_ebay"}]), 422),
        (json!([{"line_id": "lin_other", "quantity": 2, "disposition": "restock"}]), 404),
    ] {
        let r = s.post(&format!("/v1/returns/{ret}/receive"), json!({"location": "B", "units": units})).await;
        assert_eq!(r.status, status, "{units}: {:?}", r.body);
    }
    assert_eq!(s.levels("X").await.1, (7, 0));

    // Received at B: one unit as new (restocked), one broken (quarantined).
    let received = s
        .post(
            &format!("/v1/returns/{ret}/receive"),
            json!({"location": "B", "units": [
                {"line_id": line, "quantity": 1, "condition": "new", "disposition": "restock"},
                {"line_id": line, "quantity": 1, "condition": "broken", "disposition": "damaged"}]}),
        )
        .await;
    assert_eq!(received.status, 200, "{:?}", received.body);
    assert_eq!(received.body["status"], "received");
    // Available stock grew by exactly the restocked unit, at the receiving location.
    let (levels, totals) = s.levels("X").await;
    assert_eq!(totals, (8, 0));
    assert!(levels.iter().any(|(loc, on_hand, reserved)| loc == "B" && *on_hand == 1 && *reserved == 0), "{levels:?}");
    // The inventory ledger explains the restocked unit; the bucket ledger the quarantined one.
    let moves = s.ledger("X").await;
    let returned: Vec<&Value> = moves.iter().filter(|m| m["reason"] == "returned").collect();
    assert_eq!(returned.len(), 1, "{moves:?}");
    assert_eq!((returned[0]["on_hand_delta"].as_i64(), returned[0]["order_id"].as_str()), (Some(1), Some(id.as_str())));
    let buckets = s.get("/v1/inventory/X/buckets").await.body;
    assert_eq!(buckets["levels"], json!([{"location": "B", "bucket": "quarantine", "quantity": 1}]));
    assert_eq!(buckets["movements"][0]["reference"], ret.as_str());
    assert_eq!(buckets["movements"][0]["delta"], 1);
    // Quarantined units move on only as far as there are any; refurbished, they sell again.
    let too_many = s
        .post(
            "/v1/inventory/buckets/moves",
            json!({"sku": "X", "location": "B", "from": "quarantine", "to": "refurbish", "quantity": 2}),
        )
        .await;
    assert_eq!(
        (too_many.status.as_u16(), too_many.body["code"].as_str()),
        (409, Some("insufficient_stock")),
        "{:?}",
        too_many.body
    );
    for bad in [
        json!({"sku": "X", "location": "B", "from": "quarantine", "to": "quarantine", "quantity": 1}),
        json!({"sku": "X", "location": "B", "from": "stock", "to": "refurbish", "quantity": 1}),
        json!({"sku": "X", "location": "B", "from": "quarantine", "to": "refurbish", "quantity": 0}),
    ] {
        assert_eq!(s.post("/v1/inventory/buckets/moves", bad.clone()).await.status, 422, "{bad}");
    }
    let moved = s
        .post(
            "/v1/inventory/buckets/moves",
            json!({"sku": "X", "location": "B", "from": "quarantine", "to": "refurbish", "quantity": 1}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_eq!(
        moved.body["levels"],
        json!([{"location": "B", "bucket": "quarantine", "quantity": 0}, {"location": "B", "bucket": "refurbish", "quantity": 1}])
    );
    let sold_again = s
        .post(
            "/v1/inventory/buckets/moves",
            json!({"sku": "X", "location": "B", "from": "refurbish", "to": "stock", "quantity": 1, "note": "new seal"}),
        )
        .await;
    assert_eq!(sold_again.status, 200, "{:?}", sold_again.body);
    assert_eq!(s.levels("X").await.1, (9, 0));
    let moved_back = s
        .post(
            "/v1/inventory/buckets/moves",
            json!({"sku": "X", "location": "B", "from": "stock", "to": "quarantine", "quantity": 1}),
        )
        .await;
    assert_eq!(moved_back.status, 422);

    // Refunded on receipt: 2 × 10.00 + the 5.00 shipping − the 1.00 fee.
    let refund = received.body["refund_id"].as_str().unwrap();
    let got = s.get(&format!("/v1/refunds/{refund}")).await.body;
    assert_eq!(got["amount"]["amount"], "24.00", "{got:?}");
    assert_eq!(got["restocking_fee"]["amount"], "1.00");
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(
        (p["summary"]["refunded"]["amount"].as_str(), p["summary"]["status"].as_str()),
        (Some("24.00"), Some("partially_refunded"))
    );
    assert_eq!(s.get(&format!("/v1/orders/{id}/returns")).await.body["return_status"], "partially_returned");
    let order = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!(
        (order["return_status"].as_str(), order["payment_status"].as_str(), order["on_hold"].as_bool()),
        (Some("partially_returned"), Some("partially_refunded"), Some(false))
    );
    // Lists leave the derived statuses out (they are read per order).
    assert!(s.get("/v1/orders").await.body["data"][0].get("payment_status").is_none());

    let closed = s.post(&format!("/v1/returns/{ret}/close"), json!({})).await;
    assert_eq!(closed.body["status"], "closed", "{:?}", closed.body);
    let steps: Vec<&str> =
        closed.body["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(steps, vec!["approved", "received", "closed"]);
    // The last unit can come back too; then the order is returned.
    let last = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "no_longer_needed"}]}),
        )
        .await;
    assert_eq!(last.status, 201, "{:?}", last.body);
    let more = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "other"}]}),
        )
        .await;
    assert_eq!(more.status, 409, "{:?}", more.body);
}

async fn returns_that_cannot_be_are_refused_and_change_nothing(engine: Engine) {
    let s = shop(engine).await;
    // Never shipped.
    let fresh = s.post("/v1/orders", order_body(&[("X", 1)])).await.body;
    let (fid, fline) = (fresh["id"].as_str().unwrap(), fresh["lines"][0]["id"].as_str().unwrap());
    let r = s
        .post(
            &format!("/v1/orders/{fid}/returns"),
            json!({"lines": [{"line_id": fline, "quantity": 1, "reason": "other"}]}),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("invalid_transition")), "{:?}", r.body);

    let (id, line) = shipped_order(&s).await;
    for (body, status) in [
        (json!({"lines": [{"line_id": line, "quantity": 4, "reason": "other"}]}), 409),
        (json!({"lines": [{"line_id": line, "quantity": i64::MAX, "reason": "other"}]}), 422),
        (json!({"lines": [{"line_id": line, "quantity": 1, "reason": "changed_my_mind"}]}), 422),
        (json!({"lines": [{"line_id": line, "quantity": 0, "reason": "other"}]}), 422),
        (json!({"lines": [{"line_id": "lin_nope", "quantity": 1, "reason": "other"}]}), 404),
        (json!({"lines": []}), 422),
        (json!({}), 422),
    ] {
        let r = s.post(&format!("/v1/orders/{id}/returns"), body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {:?}", r.body);
    }
    assert_eq!(s.get(&format!("/v1/orders/{id}/returns")).await.body["data"], json!([]));

    // After the window (0 days: it closed as the parcel left).
    let r = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(json!({"return_window_days": 0}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let late = json!({"lines": [{"line_id": line, "quantity": 1, "reason": "no_longer_needed"}]});
    let r = s.post(&format!("/v1/orders/{id}/returns"), late.clone()).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("return_window_closed")), "{:?}", r.body);
    let mut overridden = late.clone();
    overridden["override_window"] = json!(true);
    let web = s.key("channel", Some("web")).await;
    let r = s.call(&web, Method::POST, &format!("/v1/orders/{id}/returns"), Some(overridden.clone())).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(s.get(&format!("/v1/orders/{id}/returns")).await.body["data"], json!([]));
    let operator = s.key("operator", None).await;
    let r = s.call(&operator, Method::POST, &format!("/v1/orders/{id}/returns"), Some(overridden)).await;
    assert_eq!((r.status.as_u16(), r.body["window_overridden"].as_bool()), (201, Some(true)), "{:?}", r.body);

    // A rejected return gives its units back to be returned again.
    let ret = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/returns/{ret}/reject"), json!({"note": "worn"})).await.body["status"], "rejected");
    assert_eq!(s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await.status, 409);
    let again = json!({"lines": [{"line_id": line, "quantity": 3, "reason": "other"}], "override_window": true});
    assert_eq!(s.post(&format!("/v1/orders/{id}/returns"), again).await.status, 201);
    assert_eq!(s.get("/v1/returns/ret_nope").await.status, 404);
    let pos = s.key("channel", Some("pos")).await;
    assert_eq!(s.call(&pos, Method::GET, &format!("/v1/returns/{ret}"), None).await.status, 404);
}

async fn a_channel_may_refund_returns_when_they_are_approved(engine: Engine) {
    let s = shop(engine).await;
    let r = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(json!({"refund_returns_on": "approved"}))).await;
    assert_eq!((r.status.as_u16(), r.body["refund_returns_on"].as_str()), (200, Some("approved")));
    let (id, line) = shipped_order(&s).await;
    let ret = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "wrong_item"}]}),
        )
        .await;
    let ret = ret.body["id"].as_str().unwrap().to_owned();
    let approved = s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    let refund = approved.body["refund_id"].as_str().expect("refunded on approval");
    assert_eq!(s.get(&format!("/v1/refunds/{refund}")).await.body["amount"]["amount"], "10.00");
    // Receiving later does not refund again.
    let received = s
        .post(
            &format!("/v1/returns/{ret}/receive"),
            json!({"location": "A", "units": [{"line_id": line, "quantity": 1, "disposition": "restock"}]}),
        )
        .await;
    assert_eq!((received.status.as_u16(), received.body["refund_id"].as_str()), (200, Some(refund)));
    assert_eq!(s.get(&format!("/v1/orders/{id}/refunds")).await.body.as_array().unwrap().len(), 1);
    assert_eq!(s.levels("X").await.1, (8, 0));
}

/// Returns X (10.00) from a paid order, asking for `wanted` in exchange; receives it.
async fn exchange(s: &TestServer, wanted: Value, advance: bool) -> (String, Value) {
    let (id, line) = shipped_order(s).await;
    let body = json!({"lines": [{"line_id": line, "quantity": 1, "reason": "wrong_item"}],
                      "exchange": {"lines": wanted, "advance": advance}});
    let r = s.post(&format!("/v1/orders/{id}/returns"), body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ret = r.body["id"].as_str().unwrap().to_owned();
    if advance {
        // The replacement is placed and reserved before the return arrives.
        let new = r.body["exchange_order_id"].as_str().expect("placed at once").to_owned();
        let placed = s.get(&format!("/v1/orders/{new}")).await.body;
        assert_eq!(placed["replaces"], ret.as_str());
        assert_eq!(
            s.get(&format!("/v1/orders/{new}/payments")).await.body["summary"]["balance_due"],
            placed["totals"]["total"]
        );
        // It ships before the returned item arrives.
        let f =
            s.get(&format!("/v1/orders/{new}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    }
    assert_eq!(s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await.status, 200);
    let received = s
        .post(
            &format!("/v1/returns/{ret}/receive"),
            json!({"location": "A", "units": [{"line_id": line, "quantity": 1, "disposition": "restock"}]}),
        )
        .await;
    assert_eq!(received.status, 200, "{:?}", received.body);
    (id, received.body)
}

async fn an_exchange_for_a_dearer_item_collects_exactly_the_difference(engine: Engine) {
    let s = shop(engine).await;
    s.product("Z", "15.00").await;
    s.stock("A", "Z", 5).await;
    let (id, ret) = exchange(&s, json!([{"sku": "Z", "quantity": 1}]), false).await;
    assert_eq!(ret["exchange_error"], Value::Null, "{ret:?}");
    let new = ret["exchange_order_id"].as_str().expect("a replacement order").to_owned();
    assert_eq!(ret["credit_applied"]["amount"], "10.00");
    let placed = s.get(&format!("/v1/orders/{new}")).await.body;
    assert_eq!(
        (placed["replaces"].as_str(), placed["totals"]["total"]["amount"].as_str()),
        (ret["id"].as_str(), Some("15.00"))
    );
    assert_eq!(s.levels("Z").await.1, (5, 1));
    // The new order owes exactly the difference; the old one gave its 10.00 as credit.
    let p = s.get(&format!("/v1/orders/{new}/payments")).await.body;
    assert_eq!(
        (p["summary"]["balance_due"]["amount"].as_str(), p["summary"]["status"].as_str()),
        (Some("5.00"), Some("partially_paid"))
    );
    let old = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(old["summary"]["refunded"]["amount"], "10.00");
    let customer = placed["customer_id"].as_str().unwrap();
    assert_eq!(s.get(&format!("/v1/customers/{customer}/store-credit")).await.body["balance"]["amount"], "0.00");
}

async fn an_exchange_for_a_cheaper_item_gives_the_rest_back(engine: Engine) {
    let s = shop(engine).await;
    s.product("Y", "4.00").await;
    s.stock("B", "Y", 5).await;
    let (id, ret) = exchange(&s, json!([{"sku": "Y", "quantity": 1}]), true).await;
    let new = ret["exchange_order_id"].as_str().unwrap();
    assert_eq!(ret["credit_applied"]["amount"], "4.00", "{ret:?}");
    assert_eq!(s.get(&format!("/v1/orders/{new}/payments")).await.body["summary"]["status"], "paid");
    // 4.00 paid the replacement as store credit, 6.00 went back to the original payment.
    let refund = s.get(&format!("/v1/refunds/{}", ret["refund_id"].as_str().unwrap())).await.body;
    let parts: Vec<(bool, &str)> = refund["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["store_credit"].as_bool().unwrap(), a["amount"]["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(parts, vec![(true, "4.00"), (false, "6.00")]);
    let old = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(old["summary"]["net_paid"]["amount"], "25.00");
}

on_both_engines!(
    an_exchange_for_a_dearer_item_collects_exactly_the_difference,
    an_exchange_for_a_cheaper_item_gives_the_rest_back,
    restocked_units_come_back_exactly_damaged_ones_go_to_quarantine_and_the_refund_follows,
    returns_that_cannot_be_are_refused_and_change_nothing,
    a_channel_may_refund_returns_when_they_are_approved,
);
