//! Sales rung up at a store's till (`POST /v1/channels/{channel}/sales`) over real HTTP: the
//! order is placed at the channel's store only, handed over at once (its units leave that
//! shelf), paid in cash and by card, counted in reports; a receipt is recorded once, and a sale
//! that does not add up or that the shelf cannot cover changes nothing.

use crate::channels::{money, usd};
use crate::common::{Engine, TestServer};
use reqwest::Method;
use serde_json::{Value, json};

fn sale(receipt: &str, quantity: i64, payments: Value) -> Value {
    json!({
        "receipt": receipt,
        "currency": "USD",
        "lines": [{"sku": "MUG", "quantity": quantity, "unit_price": {"amount": "10.00", "currency": "USD"}}],
        "tax": {"amount": "1.60", "currency": "USD"},
        "payments": payments,
        "sold_at": "2026-12-03T09:15:00Z"
    })
}

fn pay(method: &str, amount: &str) -> Value {
    json!({"method": method, "amount": {"amount": amount, "currency": "USD"}})
}

async fn a_till_sale_leaves_its_stores_shelf_at_once_is_paid_and_is_recorded_once(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("WH", 1).await;
    s.location("STORE-1", 9).await;
    s.product("MUG", "10.00").await;
    s.stock("WH", "MUG", 100).await;
    s.stock("STORE-1", "MUG", 5).await;
    let r = s
        .call(&s.admin, Method::PUT, "/v1/channels/till-1", Some(json!({"kind": "pos", "store_location": "STORE-1"})))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let till = s.key("channel", Some("till-1")).await;
    let post = |body: Value| {
        let (s, till) = (&s, till.clone());
        async move { s.call(&till, Method::POST, "/v1/channels/till-1/sales", Some(body)).await }
    };

    // Two mugs, 21.60 with tax, paid 15.00 in cash and 6.60 by card.
    let r = post(sale("R-1", 2, json!([pay("cash", "15.00"), pay("card", "6.60")]))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let o = r.body.clone();
    let id = o["id"].as_str().unwrap().to_owned();
    assert_eq!((o["channel"].as_str(), o["external_id"].as_str()), (Some("till-1"), Some("R-1")));
    assert_eq!(
        o["lines"][0]["allocations"][0]["location"], "STORE-1",
        "the store's own stock, whatever routing prefers"
    );
    assert_eq!(money(&o["totals"]["total"]), usd("21.60"));
    assert_eq!(o["email"], "walk-in-customer@pos.invalid");
    assert_eq!(o["placed_at"], "2026-12-03T09:15:00.000Z");
    let (levels, _) = s.levels("MUG").await;
    assert!(levels.contains(&("STORE-1".into(), 3, 0)) && levels.contains(&("WH".into(), 100, 0)), "{levels:?}");
    let got = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!(
        (got["fulfillment_status"].as_str(), got["payment_status"].as_str()),
        (Some("delivered"), Some("paid")),
        "{got}"
    );
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    let mut methods: Vec<(&str, (String, String))> = p["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["method"].as_str().unwrap(), money(&p["captured"])))
        .collect();
    methods.sort();
    assert_eq!(methods, vec![("card_present", usd("6.60")), ("cash", usd("15.00"))]);
    assert_eq!(money(&p["summary"]["balance_due"]), usd("0.00"));
    let ledger = s.ledger("MUG").await;
    assert!(ledger.iter().any(|e| e["reason"] == "picked_up" && e["location"] == "STORE-1"), "{ledger:?}");
    // The PostgreSQL feed shows an event once every transaction before it has ended, which
    // may take a moment after the answer: it is read again until it has caught up.
    let mut events = String::new();
    for _ in 0..100 {
        events = s.get("/v1/events?limit=200").await.body.to_string();
        if events.contains("order.picked_up") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(events.contains("order.picked_up"), "handed over: {events}");
    let report = s.get("/v1/reports/sales?from=2020-01-01&currency=USD&channel=till-1").await.body;
    assert_eq!(report["totals"]["orders"], 1, "{report}");

    // The same receipt again: the same order, nothing more.
    let again = post(sale("R-1", 2, json!([pay("cash", "21.60")]))).await;
    assert_eq!((again.status.as_u16(), again.body["id"].as_str()), (200, Some(id.as_str())), "{:?}", again.body);
    // Payments that do not add up, a shelf too short, a bad method: refused, nothing changed.
    let short = post(sale("R-2", 1, json!([pay("cash", "5.00")]))).await;
    assert_eq!(short.status, 422, "{:?}", short.body);
    assert!(
        short.body.to_string().contains("add up to 5.00 USD, but the sale's total is 11.60 USD"),
        "{:?}",
        short.body
    );
    let empty = post(sale("R-3", 4, json!([pay("cash", "41.60")]))).await;
    assert_eq!(empty.status, 409, "three on the shelf: {:?}", empty.body);
    let odd = post(sale("R-4", 1, json!([pay("cheque", "11.60")]))).await;
    assert_eq!(odd.status, 422, "{:?}", odd.body);
    assert_eq!(s.all_orders().await.len(), 1);
    let (levels, _) = s.levels("MUG").await;
    assert!(levels.contains(&("STORE-1".into(), 3, 0)), "{levels:?}");
    s.assert_stock_consistent(&["MUG"]).await;

    // The channel's hold rules hold a till sale too: a blocked customer's sale is not handed over.
    let rules = json!({"kind": "pos", "store_location": "STORE-1",
        "hold_rules": [{"when": "blocked_customer", "emails": ["mallory@example.com"], "hold": "manual"}]});
    let r = s.call(&s.admin, Method::PUT, "/v1/channels/till-1", Some(rules)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let mut blocked = sale("R-7", 1, json!([pay("cash", "11.60")]));
    blocked["customer"] = json!({"email": "mallory@example.com"});
    let r = post(blocked).await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert_eq!(s.all_orders().await.len(), 1);
    let (levels, _) = s.levels("MUG").await;
    assert!(levels.contains(&("STORE-1".into(), 3, 0)), "{levels:?}");

    // Only pos channels take till sales; another channel's key cannot use this one.
    let r = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(json!({"kind": "api"}))).await;
    assert_eq!(r.status, 200);
    let r = s.post("/v1/channels/web/sales", sale("R-5", 1, json!([pay("cash", "11.60")]))).await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let other = s.key("channel", Some("web")).await;
    let r = s
        .call(&other, Method::POST, "/v1/channels/till-1/sales", Some(sale("R-6", 1, json!([pay("cash", "11.60")]))))
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
}

on_both_engines!(a_till_sale_leaves_its_stores_shelf_at_once_is_paid_and_is_recorded_once);
