//! Holds over HTTP: a held order keeps its reservations but does not reach fulfilment; the
//! channel's rules hold orders at capture; only the right role releases a hold; a hold can
//! cancel the order.

use crate::common::{Engine, TestServer, order_body};
use reqwest::Method;
use serde_json::{Value, json};

async fn shop(engine: Engine) -> TestServer {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 50).await;
    s
}

async fn place(s: &TestServer, body: Value) -> (String, String) {
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    (id, f)
}

/// (type, status, source) of the order's holds, sorted.
async fn holds(s: &TestServer, id: &str) -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = s
        .get(&format!("/v1/orders/{id}/holds"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["type"].as_str().unwrap().to_owned(),
                h["status"].as_str().unwrap().to_owned(),
                h["source"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    all.sort();
    all
}

async fn a_held_order_keeps_its_stock_but_does_not_reach_fulfilment_until_released(engine: Engine) {
    let s = shop(engine).await;
    let (id, f) = place(&s, order_body(&[("X", 2)])).await;
    let r =
        s.post(&format!("/v1/orders/{id}/holds"), json!({"type": "address_check", "reason": "no such street"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!((r.body["status"].as_str(), r.body["source"].as_str()), (Some("active"), Some("operator")));
    let hold = r.body["id"].as_str().unwrap().to_owned();
    // The same type twice is refused.
    let twice = s.post(&format!("/v1/orders/{id}/holds"), json!({"type": "address_check"})).await;
    assert_eq!(twice.status, 409, "{:?}", twice.body);

    // Stock stays reserved; picking, packing, shipping and labels are refused; the pick list skips it.
    let (_, (on_hand, reserved)) = s.levels("X").await;
    assert_eq!((on_hand, reserved), (50, 2));
    for action in ["start-picking", "pack", "ship"] {
        let r = s.post(&format!("/v1/fulfillments/{f}/{action}"), json!({})).await;
        assert_eq!(
            (r.status.as_u16(), r.body["code"].as_str()),
            (409, Some("order_on_hold")),
            "{action}: {:?}",
            r.body
        );
    }
    let label = s.post(&format!("/v1/fulfillments/{f}/label"), json!({})).await;
    assert_eq!((label.status.as_u16(), label.body["code"].as_str()), (409, Some("order_on_hold")), "{:?}", label.body);
    let picks = s.get("/v1/locations/A/pick-list").await;
    assert_eq!(picks.status, 200, "{:?}", picks.body);
    assert!(!picks.body.to_string().contains(&id), "{:?}", picks.body);
    assert_eq!(s.get(&format!("/v1/fulfillments/{f}")).await.body["status"], "pending");
    assert_eq!(s.get(&format!("/v1/orders/{id}")).await.body["on_hold"], true);

    // A viewer may not release it; an operator may.
    let viewer = s.key("viewer", None).await;
    let r = s.call(&viewer, Method::POST, &format!("/v1/holds/{hold}/release"), Some(json!({}))).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let operator = s.key("operator", None).await;
    let r = s
        .call(
            &operator,
            Method::POST,
            &format!("/v1/holds/{hold}/release"),
            Some(json!({"note": "address confirmed by phone"})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["note"].as_str()),
        (Some("released"), Some("address confirmed by phone"))
    );
    let again = s.post(&format!("/v1/holds/{hold}/release"), json!({})).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(s.get(&format!("/v1/orders/{id}")).await.body["on_hold"], false);
    let shipped = s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await;
    assert_eq!(shipped.status, 200, "{:?}", shipped.body);

    // The timeline shows the hold and its release, with who did it.
    let events = s.get(&format!("/v1/orders/{id}/events")).await.body;
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"order.held") && types.contains(&"order.hold_released"), "{types:?}");
}

async fn the_channels_rules_hold_orders_at_capture(engine: Engine) {
    let s = shop(engine).await;
    let rules = json!({"capture": "at_placement", "hold_rules": [
        {"when": "total_above", "amount": {"amount": "100.00", "currency": "USD"}, "hold": "fraud_review"},
        {"when": "countries_differ", "hold": "address_check"},
        {"when": "first_order_above", "amount": {"amount": "25.00", "currency": "USD"}, "hold": "payment_review"},
        {"when": "blocked_customer", "emails": ["Mallory@Example.com"], "hold": "manual"},
    ]});
    let r = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(rules)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["hold_rules"].as_array().unwrap().len(), 4);

    // A new customer's first order of 20.00: nothing to review.
    let (first, _) = place(&s, order_body(&[("X", 2)])).await;
    assert_eq!(holds(&s, &first).await, vec![]);
    // The same customer's second order of 110.00: above the total, not a first order.
    let (big, _) = place(&s, order_body(&[("X", 11)])).await;
    assert_eq!(holds(&s, &big).await, vec![("fraud_review".into(), "active".into(), "rule".into())]);
    // A new customer's first order of 30.00, billed in another country than it ships to.
    let mut body = order_body(&[("X", 3)]);
    body["customer"]["email"] = json!("new@example.com");
    body["billing_address"] =
        json!({"line1": "1 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"});
    let (mixed, _) = place(&s, body).await;
    let got = holds(&s, &mixed).await;
    assert_eq!(
        got,
        vec![
            ("address_check".into(), "active".into(), "rule".into()),
            ("payment_review".into(), "active".into(), "rule".into())
        ]
    );
    assert_eq!(s.get(&format!("/v1/orders/{mixed}")).await.body["billing_address"]["country"], "FR");
    // A blocked customer.
    let mut body = order_body(&[("X", 1)]);
    body["customer"]["email"] = json!("mallory@example.com");
    let (blocked, _) = place(&s, body).await;
    assert_eq!(holds(&s, &blocked).await, vec![("manual".into(), "active".into(), "rule".into())]);
    // The review queue: every active hold across orders, oldest first, page by page.
    let queue = s.all("/v1/holds?status=active").await;
    assert_eq!(queue.len(), 4, "{queue:?}");
    assert_eq!(queue[0]["order_id"], big.as_str());
    let page = s.get("/v1/holds?limit=3").await.body;
    assert_eq!((page["data"].as_array().unwrap().len(), page["next_cursor"].is_string()), (3, true));
    let pos_key = s.key("channel", Some("pos")).await;
    let theirs = s.call(&pos_key, Method::GET, "/v1/holds", None).await;
    assert_eq!(theirs.body["data"], json!([]), "{:?}", theirs.body);
    assert_eq!(s.get("/v1/holds?status=sleeping").await.body["code"], "invalid_query");
    // Another channel has no rules.
    let mut body = order_body(&[("X", 11)]);
    body["channel"] = json!("pos");
    let (pos, _) = place(&s, body).await;
    assert_eq!(holds(&s, &pos).await, vec![]);

    // Bad rules are refused, every problem named.
    let bad = json!({"hold_rules": [{"when": "total_above", "hold": "fraud_review"}, {"when": "moon_phase", "hold": "manual"},
                                    {"when": "countries_differ", "hold": "vibes"}]});
    let r = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(bad)).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3, "{:?}", r.body);
    assert_eq!(s.get("/v1/channels/web").await.body["hold_rules"].as_array().unwrap().len(), 4);
}

async fn only_an_admin_releases_a_fraud_review_and_a_hold_can_cancel_the_order(engine: Engine) {
    let s = shop(engine).await;
    let (id, _) = place(&s, order_body(&[("X", 4)])).await;
    let paid = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": {"amount": "40.00", "currency": "USD"}}),
        )
        .await;
    assert_eq!(paid.status, 201);
    let hold = s.post(&format!("/v1/orders/{id}/holds"), json!({"type": "fraud_review"})).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let operator = s.key("operator", None).await;
    for action in ["release", "cancel-order"] {
        let r = s.call(&operator, Method::POST, &format!("/v1/holds/{hold}/{action}"), Some(json!({}))).await;
        assert_eq!(r.status, 403, "{action}: {:?}", r.body);
    }
    assert_eq!(holds(&s, &id).await[0].1, "active");
    // A channel key sees neither another channel's holds nor may it place one there.
    let pos = s.key("channel", Some("pos")).await;
    assert_eq!(s.call(&pos, Method::GET, &format!("/v1/orders/{id}/holds"), None).await.status, 404);
    assert_eq!(s.call(&pos, Method::POST, &format!("/v1/holds/{hold}/release"), Some(json!({}))).await.status, 404);

    let r = s.post(&format!("/v1/holds/{hold}/cancel-order"), json!({"note": "stolen card"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    let order = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!((order["status"].as_str(), order["cancel_reason"].as_str()), (Some("cancelled"), Some("stolen card")));
    // The reservation is released and the payment refunded.
    let (_, (on_hand, reserved)) = s.levels("X").await;
    assert_eq!((on_hand, reserved), (50, 0));
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body["summary"]["status"], "refunded");
    // A cancelled order takes no new hold.
    let r = s.post(&format!("/v1/orders/{id}/holds"), json!({"type": "manual"})).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("invalid_transition")), "{:?}", r.body);
}

async fn bad_hold_requests_are_refused_and_change_nothing(engine: Engine) {
    let s = shop(engine).await;
    let (id, _) = place(&s, order_body(&[("X", 1)])).await;
    for (body, status) in [
        (json!({}), 422),
        (json!({"type": "vibes"}), 422),
        (json!({"type": "manual", "reason": "x".repeat(501)}), 422),
        (json!({"type": "manual", "colour": "red"}), 400),
    ] {
        let r = s.post(&format!("/v1/orders/{id}/holds"), body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {:?}", r.body);
    }
    assert_eq!(holds(&s, &id).await, vec![]);
    assert_eq!(s.post("/v1/orders/ord_nope/holds", json!({"type": "manual"})).await.status, 404);
    assert_eq!(s.post("/v1/holds/hld_nope/release", json!({})).await.status, 404);
    let viewer = s.key("viewer", None).await;
    let r = s.call(&viewer, Method::POST, &format!("/v1/orders/{id}/holds"), Some(json!({"type": "manual"}))).await;
    assert_eq!(r.status, 403);
}

on_both_engines!(
    a_held_order_keeps_its_stock_but_does_not_reach_fulfilment_until_released,
    the_channels_rules_hold_orders_at_capture,
    only_an_admin_releases_a_fraud_review_and_a_hold_can_cancel_the_order,
    bad_hold_requests_are_refused_and_change_nothing,
);
