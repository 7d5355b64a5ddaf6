//! Payments over HTTP (the manual provider): the ledger is append-only, status and balance
//! are derived from it, and what the ledger cannot give is refused without changing anything.

use crate::common::{Engine, TestServer, order_body};
use serde_json::{Value, json};

fn money(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

async fn order(s: &TestServer) -> String {
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    let mut body = order_body(&[("X", 3)]);
    body["shipping"] = money("5.00");
    let r = s.post("/v1/orders", body).await;
    assert_eq!(r.body["totals"]["total"]["amount"], "35.00");
    r.body["id"].as_str().unwrap().to_owned()
}

async fn manual_payments_move_through_the_ledger_and_the_status_follows(engine: Engine) {
    let s = TestServer::start(engine).await;
    let id = order(&s).await;
    let empty = s.get(&format!("/v1/orders/{id}/payments")).await;
    assert_eq!(empty.body["summary"]["status"], "pending");
    assert_eq!(empty.body["summary"]["balance_due"]["amount"], "35.00");

    // An invoice: authorized now, captured when the money arrives, in two parts.
    let r = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "method": "invoice", "amount": money("35.00"), "captured": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["summary"]["status"], "authorized");
    let pay = r.body["payments"][0]["id"].as_str().unwrap().to_owned();
    assert!(pay.starts_with("pay_"));
    let r = s.post(&format!("/v1/payments/{pay}/capture"), json!({"amount": money("20.00")})).await;
    assert_eq!(r.body["summary"]["status"], "partially_paid");
    assert_eq!(r.body["summary"]["balance_due"]["amount"], "15.00");
    let r = s.post(&format!("/v1/payments/{pay}/capture"), json!({})).await;
    assert_eq!(
        (r.body["summary"]["status"].as_str(), r.body["summary"]["balance_due"]["amount"].as_str()),
        (Some("paid"), Some("0.00"))
    );

    // A goodwill refund on a fully paid order, then more than is left is refused.
    let r = s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": money("4.50"), "reason": "goodwill"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["summary"]["status"], "partially_refunded");
    assert_eq!(r.body["summary"]["net_paid"]["amount"], "30.50");
    let before = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    let over = s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": money("30.51")})).await;
    assert_eq!((over.status.as_u16(), over.body["code"].as_str()), (409, Some("amount_exceeds_refundable")));
    // Amounts in messages are in the payment's currency, not in minor units.
    assert_eq!(over.body["detail"], "only 30.50 USD can still be refunded");
    let decimals = s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": money("1.001")})).await;
    assert_eq!((decimals.status.as_u16(), decimals.body["errors"][0]["field"].as_str()), (422, Some("amount/amount")));
    let euros =
        s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": {"amount": "1.00", "currency": "EUR"}})).await;
    assert_eq!(euros.body["code"], "currency_mismatch");
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body, before, "refused requests change nothing");
    let r = s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": money("30.50")})).await;
    assert_eq!(r.body["summary"]["status"], "refunded");
    let kinds: Vec<&str> = r.body["ledger"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["authorized", "captured", "captured", "refunded", "refunded"]);
    let events: Vec<String> = s.get(&format!("/v1/orders/{id}/events")).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        events.contains(&"refund.succeeded".to_owned()) && events.contains(&"payment.captured".to_owned()),
        "{events:?}"
    );
}

async fn a_voided_payment_cannot_be_captured_and_unbuilt_providers_say_so(engine: Engine) {
    let s = TestServer::start(engine).await;
    let id = order(&s).await;
    let r = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": money("35.00"), "captured": false}),
        )
        .await;
    let pay = r.body["payments"][0]["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/payments/{pay}/void"), json!({})).await;
    assert_eq!(r.body["summary"]["status"], "voided");
    let capture = s.post(&format!("/v1/payments/{pay}/capture"), json!({"amount": money("1.00")})).await;
    assert_eq!((capture.status.as_u16(), capture.body["code"].as_str()), (409, Some("payment_voided")));
    // Capturing "what is left" of a voided payment says it was voided, not that the amount is zero.
    let rest = s.post(&format!("/v1/payments/{pay}/capture"), json!({})).await;
    assert_eq!((rest.status.as_u16(), rest.body["code"].as_str()), (409, Some("payment_voided")), "{:?}", rest.body);
    let again = s.post(&format!("/v1/payments/{pay}/void"), json!({})).await;
    assert_eq!(again.body["code"], "nothing_to_void");

    // Split tender: two payments cover the order together.
    let a = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "method": "cash_on_delivery", "amount": money("20.00")}),
        )
        .await;
    assert_eq!(a.body["summary"]["status"], "partially_paid");
    let b = s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": money("15.00")})).await;
    assert_eq!(b.body["summary"]["status"], "paid");
    assert_eq!(b.body["payments"].as_array().unwrap().len(), 3);

    let stripe =
        s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "stripe", "amount": money("1.00")})).await;
    assert_eq!((stripe.status.as_u16(), stripe.body["code"].as_str()), (501, Some("not_implemented")));
    let jpy = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": {"amount": "5", "currency": "JPY"}}),
        )
        .await;
    assert_eq!(jpy.body["code"], "currency_mismatch");
    assert_eq!(s.post("/v1/payments/pay_nope/capture", json!({})).await.status, 404);
    let web = s.key("channel", Some("pos")).await;
    let hidden = s.call(&web, reqwest::Method::GET, &format!("/v1/orders/{id}/payments"), None).await;
    assert_eq!(hidden.status, 404);
}

async fn an_order_shipped_from_two_locations_is_captured_in_two_parts_that_add_up(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "10.00").await;
    s.product("Y", "3.33").await;
    s.stock("A", "X", 5).await;
    s.stock("B", "Y", 5).await;
    let mut body = order_body(&[("X", 1), ("Y", 1)]);
    body["lines"][1]["unit_price"] = money("3.33");
    body["shipping"] = money("4.99");
    body["tax"] = money("1.01");
    let order = s.post("/v1/orders", body).await;
    let id = order.body["id"].as_str().unwrap().to_owned();
    assert_eq!(order.body["totals"]["total"]["amount"], "19.33");
    let r = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": money("19.33"), "captured": false}),
        )
        .await;
    assert_eq!(r.body["summary"]["status"], "authorized");
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
    let mut captured = Vec::new();
    for f in &fs {
        let shipped = s
            .call(
                &s.admin,
                reqwest::Method::POST,
                &format!("/v1/fulfillments/{}/ship", f["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(shipped.status, 200);
        let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
        captured.push(p["ledger"].as_array().unwrap().last().unwrap()["amount"]["amount"].as_str().unwrap().to_owned());
    }
    // 19.33 split in proportion 10.00 : 3.33, to the cent: 14.50 and 4.83.
    let cents: Vec<i64> = captured.iter().map(|a| (a.parse::<f64>().unwrap() * 100.0).round() as i64).collect();
    assert_eq!(cents.iter().sum::<i64>(), 1933, "{captured:?}");
    assert_eq!(cents.len(), 2);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(
        (p["summary"]["status"].as_str(), p["summary"]["balance_due"]["amount"].as_str()),
        (Some("paid"), Some("0.00"))
    );
}

async fn cancelling_an_order_voids_what_is_authorized_and_refunds_what_was_captured(engine: Engine) {
    let s = TestServer::start(engine).await;
    let id = order(&s).await;
    s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": money("10.00")})).await;
    s.post(
        &format!("/v1/orders/{id}/payments"),
        json!({"provider": "manual", "amount": money("25.00"), "captured": false}),
    )
    .await;
    assert_eq!(s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await.status, 200);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["summary"]["captured"]["amount"], "10.00");
    assert_eq!(p["summary"]["refunded"]["amount"], "10.00");
    assert_eq!(p["summary"]["voided"]["amount"], "25.00");
    assert_eq!(p["summary"]["net_paid"]["amount"], "0.00");
    assert_eq!(p["summary"]["status"], "refunded");
}

async fn gift_cards_and_store_credit_pay_in_part_and_take_refunds_back(engine: Engine) {
    let s = TestServer::start(engine).await;
    let id = order(&s).await;
    let card = s.post("/v1/gift-cards", json!({"code": "GIFT-123", "amount": money("20.00")})).await;
    assert_eq!(card.status, 201, "{:?}", card.body);
    assert_eq!(card.body["balance"]["amount"], "20.00");
    // Split tender: the gift card pays 20.00 and cash the rest.
    let too_much = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "gift_card", "gift_card_code": "GIFT-123", "amount": money("20.01")}),
        )
        .await;
    assert_eq!((too_much.status.as_u16(), too_much.body["code"].as_str()), (409, Some("insufficient_balance")));
    let r = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "gift_card", "gift_card_code": "GIFT-123", "amount": money("20.00")}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["summary"]["status"], "partially_paid");
    let gift = r.body["payments"][0]["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": money("15.00")})).await;
    assert_eq!(r.body["summary"]["status"], "paid");
    let cash = r.body["payments"][1]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.get("/v1/gift-cards/GIFT-123").await.body["balance"]["amount"], "0.00");

    // A refund goes back onto the card; another goes to the customer's store credit.
    let r = s.post(&format!("/v1/payments/{gift}/refund"), json!({"amount": money("5.00")})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(s.get("/v1/gift-cards/GIFT-123").await.body["balance"]["amount"], "5.00");
    let customer = s.get(&format!("/v1/orders/{id}")).await.body["customer_id"].as_str().unwrap().to_owned();
    let r =
        s.post(&format!("/v1/payments/{cash}/refund"), json!({"amount": money("3.00"), "to": "store_credit"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let credit = s.get(&format!("/v1/customers/{customer}/store-credit")).await;
    assert_eq!(credit.body["balance"]["amount"], "3.00");
    // Store credit pays a later order in part.
    let second = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    let second = second.body["id"].as_str().unwrap().to_owned();
    let r = s
        .post(&format!("/v1/orders/{second}/payments"), json!({"provider": "store_credit", "amount": money("3.00")}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["summary"]["captured"]["amount"], "3.00");
    let credit = s.get(&format!("/v1/customers/{customer}/store-credit")).await;
    assert_eq!(credit.body["balance"]["amount"], "0.00");
    let amounts: Vec<&str> =
        credit.body["entries"].as_array().unwrap().iter().map(|e| e["amount"]["amount"].as_str().unwrap()).collect();
    assert_eq!(amounts, ["3.00", "-3.00"]);
    let again = s
        .post(&format!("/v1/orders/{second}/payments"), json!({"provider": "store_credit", "amount": money("0.01")}))
        .await;
    assert_eq!(again.body["code"], "insufficient_balance");
    assert_eq!(s.get("/v1/gift-cards/NOPE").await.status, 404);
    // A gift card's code is its own: one may read like the id a store credit is kept under,
    // and a second card with a code already taken is a conflict, never an internal error.
    let card = json!({"code": customer, "amount": money("4.00")});
    assert_eq!(s.post("/v1/gift-cards", card.clone()).await.status, 201);
    assert_eq!(s.get(&format!("/v1/gift-cards/{customer}")).await.body["balance"]["amount"], "4.00");
    assert_eq!(s.get(&format!("/v1/customers/{customer}/store-credit")).await.body["balance"]["amount"], "0.00");
    assert_eq!(s.post("/v1/gift-cards", card).await.status, 409);
}

/// A payment above the balance due is refused, so no key can record 5,000.00 on a 10.00
/// order and refund the difference to store credit; an admin may record it as an explicit
/// overpayment, nobody else may; what was refunded stays counted.
async fn payments_above_the_balance_due_need_an_admin_overpayment(engine: Engine) {
    use reqwest::Method;
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    let pos = s.key("channel", Some("pos")).await;
    let operator = s.key("operator", None).await;
    let mut body = order_body(&[("X", 1)]);
    body["channel"] = json!("pos");
    let placed = s.call(&pos, Method::POST, "/v1/orders", Some(body)).await;
    assert_eq!(placed.status, 201, "{:?}", placed.body);
    assert_eq!(placed.body["totals"]["total"]["amount"], "10.00");
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let pay = |amount: &str, extra: Value| {
        let mut body = json!({"provider": "manual", "method": "other", "amount": money(amount)});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let path = format!("/v1/orders/{id}/payments");
    let conjured = s.call(&pos, Method::POST, &path, Some(pay("5000.00", json!({})))).await;
    assert_eq!((conjured.status.as_u16(), conjured.body["code"].as_str()), (409, Some("amount_exceeds_balance_due")));
    assert_eq!(
        conjured.body["detail"],
        "only 10.00 USD is still due on this order; an admin may record more as an overpayment"
    );
    for key in [&pos, &operator] {
        let r = s.call(key, Method::POST, &path, Some(pay("5000.00", json!({"overpayment": true})))).await;
        assert_eq!(r.status, 403, "{:?}", r.body);
    }
    assert_eq!(s.get(&path).await.body["payments"].as_array().unwrap().len(), 0);
    // What is due may be paid in parts; once paid, nothing more.
    let paid = s.call(&pos, Method::POST, &path, Some(pay("6.00", json!({})))).await;
    assert_eq!(paid.status, 201, "{:?}", paid.body);
    assert_eq!(s.call(&pos, Method::POST, &path, Some(pay("4.01", json!({})))).await.status, 409);
    assert_eq!(s.call(&pos, Method::POST, &path, Some(pay("4.00", json!({})))).await.status, 201);
    // Money refunded stays counted: refunding and paying again makes nothing.
    let first = s.get(&path).await.body["payments"][0]["id"].as_str().unwrap().to_owned();
    let refund = s.post(&format!("/v1/payments/{first}/refund"), json!({"amount": money("6.00")})).await;
    assert_eq!(refund.status, 200, "{:?}", refund.body);
    assert_eq!(s.call(&pos, Method::POST, &path, Some(pay("6.00", json!({})))).await.status, 409);
    // An admin's overpayment is recorded, and shows as such in the summary.
    let over = s.post(&path, pay("5.00", json!({"overpayment": true}))).await;
    assert_eq!(over.status, 201, "{:?}", over.body);
    assert_eq!(over.body["summary"]["authorized"]["amount"], "15.00");
}

/// A balance holds at most what one amount may (99,999,999.99 USD): topping it up beyond is
/// refused and changes nothing, where it was a 500 once the sum left the database's integers.
async fn balances_are_bounded_like_amounts(engine: Engine) {
    let s = TestServer::start(engine).await;
    let customer =
        s.post("/v1/customers", json!({"email": "big@example.com"})).await.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/customers/{customer}/store-credit");
    let full = s.post(&path, json!({"amount": money("99999999.99"), "reason": "goodwill"})).await;
    assert_eq!(full.status, 200, "{:?}", full.body);
    let over = s.post(&path, json!({"amount": money("0.01"), "reason": "goodwill"})).await;
    assert_eq!((over.status.as_u16(), over.body["code"].as_str()), (409, Some("balance_limit")), "{:?}", over.body);
    assert_eq!(over.body["detail"], "a balance may hold at most 99999999.99 USD");
    let huge = s.post(&path, json!({"amount": money("92233720368547758.00"), "reason": "goodwill"})).await;
    assert_eq!(huge.status, 422, "{:?}", huge.body);
    assert_eq!(s.get(&path).await.body["balance"]["amount"], "99999999.99");
    let card = s.post("/v1/gift-cards", json!({"code": "BIG", "amount": money("99999999.99")})).await;
    assert_eq!(card.status, 201, "{:?}", card.body);
}

on_both_engines!(
    balances_are_bounded_like_amounts,
    payments_above_the_balance_due_need_an_admin_overpayment,
    gift_cards_and_store_credit_pay_in_part_and_take_refunds_back,
    an_order_shipped_from_two_locations_is_captured_in_two_parts_that_add_up,
    cancelling_an_order_voids_what_is_authorized_and_refunds_what_was_captured,
    manual_payments_move_through_the_ledger_and_the_status_follows,
    a_voided_payment_cannot_be_captured_and_unbuilt_providers_say_so,
);
