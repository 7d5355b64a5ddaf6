//! A customer at a glance: orders, lifetime spend in the base currency at each order's day's
//! rate (cancelled orders and refunds left out, currencies without a rate listed apart), the
//! last order, returned units and the returns rate; support's tags and notes; customers found
//! by part of their name, the digits of their phone number and a tag.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer, order_body};

fn priced(email: &str, quantity: i64, amount: &str, currency: &str) -> Value {
    let mut body = order_body(&[("CUS-1", quantity)]);
    body["customer"] = json!({"email": email, "name": "Grace Hopper", "phone": "+1 (555) 010-0199"});
    body["currency"] = json!(currency);
    body["lines"][0]["unit_price"] = json!({"amount": amount, "currency": currency});
    body
}

async fn a_customer_record_shows_orders_spend_last_order_and_returns_at_a_glance(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("CUS-WH", 1).await;
    s.product("CUS-1", "10.00").await;
    s.stock("CUS-WH", "CUS-1", 100).await;
    let today = s.get("/v1/exchange-rates").await.body["date"].as_str().unwrap().to_owned();
    let rates = json!({"date": today, "base": "EUR", "rates": {"USD": "1.25", "JPY": "160"}});
    assert_eq!(s.post("/v1/exchange-rates", rates).await.status, 201);
    let email = "grace@example.com";

    // 40.00 USD, paid, shipped and delivered; 1 of its 4 units returned and 10.00 refunded.
    let usd = s.post("/v1/orders", priced(email, 4, "10.00", "USD")).await;
    assert_eq!(usd.status, 201, "{:?}", usd.body);
    let (id, line) = (usd.body["id"].as_str().unwrap().to_owned(), usd.body["lines"][0]["id"].clone());
    let customer = usd.body["customer_id"].as_str().unwrap().to_owned();
    let paid = json!({"provider": "manual", "amount": {"amount": "40.00", "currency": "USD"}});
    assert_eq!(s.post(&format!("/v1/orders/{id}/payments"), paid).await.status, 201);
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let ship = json!({"carrier": "UPS", "tracking_number": "1Z999AA10123456784"});
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), ship).await.status, 200);
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/deliver"), json!({})).await.status, 200);
    let ret = json!({"lines": [{"line_id": line, "quantity": 1, "reason": "damaged"}]});
    let ret = s.post(&format!("/v1/orders/{id}/returns"), ret).await;
    assert_eq!(ret.status, 201, "{:?}", ret.body);
    let refund = json!({"amount": {"amount": "10.00", "currency": "USD"}});
    assert_eq!(s.post(&format!("/v1/orders/{id}/refunds"), refund).await.status, 201);
    // 2,400 JPY; a cancelled order; 8.00 GBP, which has no rate today.
    assert_eq!(s.post("/v1/orders", priced(email, 2, "1200", "JPY")).await.status, 201);
    let gone = s.post("/v1/orders", priced(email, 1, "10.00", "USD")).await.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/orders/{gone}/cancel"), json!({})).await.status, 200);
    let last = s.post("/v1/orders", priced(email, 1, "8.00", "GBP")).await;
    assert_eq!(last.status, 201, "{:?}", last.body);

    let r = s.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let sum = &r.body["summary"];
    assert_eq!((sum["orders"].as_i64(), sum["cancelled_orders"].as_i64()), (Some(3), Some(1)), "{sum}");
    // (40.00 - 10.00) USD / 1.25 = 24.00 EUR; 2,400 JPY / 160 = 15.00 EUR.
    assert_eq!(sum["lifetime_spend"], json!({"amount": "39.00", "currency": "EUR"}), "{sum}");
    assert_eq!(sum["unconverted_spend"], json!([{"amount": "8.00", "currency": "GBP"}]), "{sum}");
    assert_eq!(sum["last_order"]["id"], last.body["id"], "{sum}");
    assert_eq!(sum["last_order"]["number"], last.body["number"]);
    assert_eq!((sum["units_received"].as_i64(), sum["units_returned"].as_i64()), (Some(4), Some(1)), "{sum}");
    assert_eq!((sum["returns"].as_i64(), sum["returns_rate"].as_str()), (Some(1), Some("0.2500")), "{sum}");
    assert_eq!(sum["complete"], true);
    assert_eq!((r.body["email"].as_str(), r.body["tags"].clone()), (Some(email), json!([])));

    // Support's tags and notes: replaced by a PATCH, a repeated tag kept once.
    let patch = json!({"tags": ["VIP", " wholesale ", "vip"], "notes": "Prefers afternoon delivery."});
    let p = s.call(&s.admin, Method::PATCH, &format!("/v1/customers/{customer}"), Some(patch)).await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["tags"], json!(["VIP", "wholesale"]));
    assert_eq!(p.body["notes"], "Prefers afternoon delivery.");
    let version = p.body["version"].as_i64().unwrap();
    // A bad change changes nothing.
    for bad in [
        json!({"tags": [""]}),
        json!({"tags": ["x".repeat(65)]}),
        json!({"tags": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
        json!({"notes": "n".repeat(5001)}),
        json!({"tags": "vip"}),
    ] {
        let r = s.call(&s.admin, Method::PATCH, &format!("/v1/customers/{customer}"), Some(bad.clone())).await;
        assert!(matches!(r.status.as_u16(), 400 | 422), "{bad}: {:?}", r.body);
    }
    let again = s.get(&format!("/v1/customers/{customer}")).await.body;
    assert_eq!((again["version"].as_i64(), again["tags"].clone()), (Some(version), json!(["VIP", "wholesale"])));
    let cleared = json!({"notes": null, "tags": []});
    let c = s.call(&s.admin, Method::PATCH, &format!("/v1/customers/{customer}"), Some(cleared)).await;
    assert_eq!((c.body["notes"].clone(), c.body["tags"].clone()), (Value::Null, json!([])), "{:?}", c.body);

    // A customer with no orders: nothing received, no rate.
    let new = s
        .post("/v1/customers", json!({"email": "new@example.com", "tags": ["lead"], "notes": "Met at the fair."}))
        .await;
    assert_eq!(new.status, 201, "{:?}", new.body);
    assert_eq!(new.body["tags"], json!(["lead"]));
    let fresh = s.get(&format!("/v1/customers/{}", new.body["id"].as_str().unwrap())).await.body;
    assert_eq!(fresh["summary"]["orders"], 0);
    assert_eq!(fresh["summary"]["lifetime_spend"], json!({"amount": "0.00", "currency": "EUR"}));
    assert_eq!(
        (fresh["summary"]["last_order"].clone(), fresh["summary"]["returns_rate"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(fresh["notes"], "Met at the fair.");
}

async fn customers_are_found_by_name_phone_and_tag(engine: Engine) {
    let s = TestServer::start(engine).await;
    let people = [
        ("ada@example.com", "Ada Lovelace", "+44 20 7946 0958", vec!["VIP"]),
        ("grace@example.com", "Grace Hopper", "+1 (555) 010-0199", vec!["wholesale", "vip"]),
        ("alan@example.com", "Alan Turing", "+44 161 496 0000", vec![]),
    ];
    for (email, name, phone, tags) in &people {
        let r = s.post("/v1/customers", json!({"email": email, "name": name, "phone": phone, "tags": tags})).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let emails = |path: String| {
        let s = &s;
        async move {
            let r = s.get(&path).await;
            assert_eq!(r.status, 200, "{path}: {:?}", r.body);
            // Sorted: ids made in the same millisecond have no order between them.
            let mut found: Vec<String> =
                r.body["data"].as_array().unwrap().iter().map(|c| c["email"].as_str().unwrap().to_owned()).collect();
            found.sort();
            found
        }
    };
    assert_eq!(emails("/v1/customers?name=HOPP".into()).await, ["grace@example.com"]);
    assert_eq!(emails("/v1/customers?phone=555-0100199".into()).await, ["grace@example.com"], "punctuation ignored");
    assert_eq!(emails("/v1/customers?phone=%2B44".into()).await, ["ada@example.com", "alan@example.com"]);
    assert_eq!(emails("/v1/customers?tag=vip".into()).await, ["ada@example.com", "grace@example.com"]);
    assert_eq!(emails("/v1/customers?tag=vip&name=ada".into()).await, ["ada@example.com"]);
    assert_eq!(emails("/v1/customers?email=al".into()).await, ["alan@example.com"]);
    assert!(emails("/v1/customers?name=nobody".into()).await.is_empty());
    for bad in ["phone=abc", "name=%20", "tag=", &format!("name={}", "n".repeat(201))] {
        let r = s.get(&format!("/v1/customers?{bad}")).await;
        // Every query problem is a 400 `invalid_query`, naming the parameter.
        assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (400, Some("invalid_query")), "{bad}: {:?}", r.body);
    }
}

on_both_engines!(
    a_customer_record_shows_orders_spend_last_order_and_returns_at_a_glance,
    customers_are_found_by_name_phone_and_tag,
);
