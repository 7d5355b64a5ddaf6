//! The HTTP API end to end: a real server, a real SQLite file, real requests.

use crate::common::{self, Engine, TestServer, order_body};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn the_readme_walkthrough_places_and_cancels_an_order_and_the_stock_comes_back(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("EAST", 1).await;
    s.location("WEST", 2).await;
    s.product("MUG-1", "12.50").await;
    s.stock("EAST", "MUG-1", 5).await;
    s.stock("WEST", "MUG-1", 7).await;

    let r = s.post("/v1/orders", order_body(&[("MUG-1", 3)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "allocated");
    assert_eq!(r.body["lines"][0]["allocations"], json!([{"location": "EAST", "quantity": 3}]));
    assert_eq!(r.body["totals"]["total"], json!({"amount": "30.00", "currency": "USD"}));
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ord_"));

    let (_, totals) = s.levels("MUG-1").await;
    assert_eq!(totals, (12, 3));

    let r = s.post(&format!("/v1/orders/{id}/cancel"), json!({"reason": "customer_request"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    let (_, totals) = s.levels("MUG-1").await;
    assert_eq!(totals, (12, 0));

    let again = s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["code"], "invalid_transition");

    let timeline = s.get(&format!("/v1/orders/{id}/events")).await;
    let types: Vec<&str> =
        timeline.body["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["order.created", "order.allocated", "order.cancelled"]);
    s.assert_stock_consistent(&["MUG-1"]).await;
}

async fn an_order_splits_only_when_no_single_location_can_ship_it(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "1.00").await;
    s.product("Y", "1.00").await;
    s.stock("A", "X", 2).await;
    s.stock("B", "X", 5).await;
    s.stock("B", "Y", 5).await;
    // B holds the whole order, so it wins over A despite A's better priority.
    let r = s.post("/v1/orders", order_body(&[("X", 2), ("Y", 1)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["lines"][0]["allocations"], json!([{"location": "B", "quantity": 2}]));
    // Now 3 X remain at B and 2 at A: an order for 5 must split.
    let r = s.post("/v1/orders", order_body(&[("X", 5)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let allocs = r.body["lines"][0]["allocations"].as_array().unwrap();
    assert_eq!(allocs.len(), 2);
    assert_eq!(allocs.iter().map(|a| a["quantity"].as_i64().unwrap()).sum::<i64>(), 5);
    s.assert_stock_consistent(&["X", "Y"]).await;
}

async fn a_short_order_is_refused_naming_each_short_sku_and_reserves_nothing(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.product("Y", "1.00").await;
    s.product("Z", "1.00").await;
    s.stock("A", "X", 2).await;
    s.stock("A", "Z", 9).await;
    let r = s.post("/v1/orders", order_body(&[("Z", 1), ("X", 3), ("Y", 1)])).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["code"], "insufficient_stock");
    assert_eq!(
        r.body["shortages"],
        json!([{"sku": "X", "requested": 3, "available": 2}, {"sku": "Y", "requested": 1, "available": 0}])
    );
    assert_eq!(s.levels("Z").await.1, (9, 0));
    assert!(s.all_orders().await.is_empty());
    let events = s.get("/v1/events?type=order.created").await;
    assert_eq!(events.body["data"], json!([]));
}

async fn two_hundred_concurrent_orders_for_fifty_units_reserve_exactly_fifty(engine: Engine) {
    let s = std::sync::Arc::new(TestServer::start(engine).await);
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("HOT", "5.00").await;
    s.stock("A", "HOT", 30).await;
    s.stock("B", "HOT", 20).await;
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.post("/v1/orders", order_body(&[("HOT", 1)])).await }));
    }
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match r.status.as_u16() {
            201 => created += 1,
            409 => {
                assert_eq!(r.body["code"], "insufficient_stock");
                refused += 1;
            }
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert_eq!((created, refused), (50, 150));
    assert_eq!(s.levels("HOT").await.1, (50, 50));
    s.assert_stock_consistent(&["HOT"]).await;
}

async fn concurrent_multi_line_orders_over_several_skus_and_locations_never_oversell(engine: Engine) {
    let s = std::sync::Arc::new(TestServer::start(engine).await);
    let skus = ["S1", "S2", "S3", "S4"];
    for (i, loc) in ["L1", "L2", "L3"].iter().enumerate() {
        s.location(loc, i as i64).await;
    }
    for (i, sku) in skus.iter().enumerate() {
        s.product(sku, "3.00").await;
        for (j, loc) in ["L1", "L2", "L3"].iter().enumerate() {
            s.stock(loc, sku, 3 + ((i + j) % 3) as i64 * 4).await;
        }
    }
    let mut tasks = Vec::new();
    for n in 0..150usize {
        let s = s.clone();
        let lines: Vec<(&str, i64)> = (0..1 + n % 3).map(|k| (skus[(n + k) % 4], 1 + ((n + k) % 4) as i64)).collect();
        let body = order_body(&lines);
        tasks.push(tokio::spawn(async move { s.post("/v1/orders", body).await }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status == 201 || r.status == 409, "{} {:?}", r.status, r.body);
    }
    // Cancel a few so releases interleave with the bookkeeping check.
    let orders = s.all_orders().await;
    for o in orders.iter().take(5) {
        let r = s.post(&format!("/v1/orders/{}/cancel", o["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(r.status, 200);
    }
    s.assert_stock_consistent(&skus).await;
}

async fn an_idempotency_key_replays_the_first_response_and_refuses_another_body(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "2.00").await;
    s.stock("A", "X", 10).await;
    let key = [("Idempotency-Key", "order-123")];
    let first = s.call_with(&s.admin, Method::POST, "/v1/orders", Some(order_body(&[("X", 1)])), &key).await;
    assert_eq!(first.status, 201);
    let second = s.call_with(&s.admin, Method::POST, "/v1/orders", Some(order_body(&[("X", 1)])), &key).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.body, first.body);
    assert_eq!(second.headers.get("idempotent-replayed").unwrap(), "true");
    let other = s.call_with(&s.admin, Method::POST, "/v1/orders", Some(order_body(&[("X", 2)])), &key).await;
    assert_eq!(other.status, 422);
    assert_eq!(other.body["code"], "idempotency_key_reused");
    assert_eq!(s.all_orders().await.len(), 1);
    assert_eq!(s.levels("X").await.1, (10, 1));
}

async fn fifty_concurrent_requests_with_one_key_make_exactly_one_order(engine: Engine) {
    let s = std::sync::Arc::new(TestServer::start(engine).await);
    s.location("A", 1).await;
    s.product("X", "2.00").await;
    s.stock("A", "X", 100).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.call_with(
                &s.admin,
                Method::POST,
                "/v1/orders",
                Some(order_body(&[("X", 1)])),
                &[("Idempotency-Key", "same")],
            )
            .await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        match r.status.as_u16() {
            201 => {
                ids.insert(r.body["id"].as_str().unwrap().to_owned());
            }
            409 => assert_eq!(r.body["code"], "idempotency_key_in_use"),
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(s.all_orders().await.len(), 1);
    assert_eq!(s.levels("X").await.1, (100, 1));
}

async fn an_idempotency_key_belongs_to_the_api_key_that_used_it(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "2.00").await;
    s.stock("A", "X", 10).await;
    let other = s.key("operator", None).await;
    let h = [("Idempotency-Key", "k1")];
    let a = s.call_with(&s.admin, Method::POST, "/v1/orders", Some(order_body(&[("X", 1)])), &h).await;
    let b = s.call_with(&other, Method::POST, "/v1/orders", Some(order_body(&[("X", 1)])), &h).await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201));
    assert_ne!(a.body["id"], b.body["id"]);
}

fn problem(r: &common::Reply, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{:?}", r.body);
    assert_eq!(r.body["code"], code, "{:?}", r.body);
    assert_eq!(r.headers.get("content-type").unwrap(), "application/problem+json");
    assert_eq!(r.body["status"], status);
    assert!(r.body["type"].is_string() && r.body["title"].is_string() && r.body["detail"].is_string());
}

fn fields(r: &common::Reply) -> Vec<String> {
    r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

async fn malformed_requests_get_their_problem_documents(engine: Engine) {
    let s = TestServer::start(engine).await;
    let raw = |body: &'static str, content_type: &'static str| {
        s.client
            .post(format!("{}/v1/products", s.base))
            .bearer_auth(&s.admin)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let read = |r: reqwest::Response| async move {
        let status = r.status();
        let headers = r.headers().clone();
        let body: Value = r.json().await.unwrap();
        common::Reply { status, body, headers }
    };
    problem(&read(raw("{\"sku\": ", "application/json").await.unwrap()).await, 400, "malformed_json");
    problem(&read(raw("{}", "text/plain").await.unwrap()).await, 415, "unsupported_media_type");
    let r = read(
        raw(r#"{"sku":"A","name":"A","price":{"amount":"1.00","currency":"USD"},"colour":"red"}"#, "application/json")
            .await
            .unwrap(),
    )
    .await;
    problem(&r, 400, "unknown_field");
    assert_eq!(fields(&r), ["colour"]);
    // Just over the limit: the server answers at the limit, and a body it never reads to the
    // end is small enough to sit in the socket's buffers, so the answer is not lost to a reset.
    let big = "x".repeat(ordo_web::WebConfig::default().body_limit + 64);
    let r = s
        .client
        .post(format!("{}/v1/products", s.base))
        .bearer_auth(&s.admin)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{big}\"}}"))
        .send()
        .await
        .unwrap();
    problem(&read(r).await, 413, "payload_too_large");
    let r = s.post("/v1/products", json!({"sku": "A", "name": "A", "price": {"amount": 5, "currency": "USD"}})).await;
    problem(&r, 422, "validation_failed");
    assert_eq!(fields(&r), ["price/amount"]);
}

async fn bad_money_is_refused_with_the_field_named(engine: Engine) {
    let s = TestServer::start(engine).await;
    for (amount, currency, field) in [
        ("1.999", "USD", "price/amount"),
        ("5.5", "JPY", "price/amount"),
        ("-1.00", "USD", "price/amount"),
        ("1.00", "XYZ", "price/currency"),
        ("1,00", "EUR", "price/amount"),
    ] {
        let r = s
            .post("/v1/products", json!({"sku": "A", "name": "A", "price": {"amount": amount, "currency": currency}}))
            .await;
        problem(&r, 422, "validation_failed");
        assert_eq!(fields(&r), [field], "{amount} {currency}");
    }
    let ok = s
        .post("/v1/products", json!({"sku": "YEN", "name": "Yen thing", "price": {"amount": "500", "currency": "JPY"}}))
        .await;
    assert_eq!(ok.status, 201);
    assert_eq!(ok.body["price"], json!({"amount": "500", "currency": "JPY"}));
    let kwd = s
        .post(
            "/v1/products",
            json!({"sku": "KW", "name": "Dinar thing", "price": {"amount": "1.5", "currency": "KWD"}}),
        )
        .await;
    assert_eq!(kwd.body["price"], json!({"amount": "1.500", "currency": "KWD"}));
}

async fn every_bad_field_of_an_order_is_reported_at_once(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    let body = json!({
        "channel": "web",
        "customer": {"email": "not-an-email"},
        "currency": "USD",
        "lines": [
            {"sku": "X", "quantity": 0, "unit_price": {"amount": "1.00", "currency": "USD"}},
            {"sku": "X", "quantity": 1, "unit_price": {"amount": "1.001", "currency": "USD"}},
            {"sku": "", "quantity": 1, "unit_price": {"amount": "1.00", "currency": "USD"}}
        ],
        "shipping_address": {"line1": "1 Main", "city": "Boston", "country": "USA"}
    });
    let r = s.post("/v1/orders", body).await;
    problem(&r, 422, "validation_failed");
    let mut got = fields(&r);
    got.sort();
    assert_eq!(
        got,
        ["customer/email", "lines/0/quantity", "lines/1/unit_price/amount", "lines/2/sku", "shipping_address/country"]
    );

    let mut unknown = order_body(&[("NOPE", 1)]);
    unknown["lines"][0]["sku"] = json!("NOPE");
    let r = s.post("/v1/orders", unknown).await;
    // A valid request that names what does not exist: 404, with the field named.
    problem(&r, 404, "not_found");
    assert_eq!(fields(&r), ["lines/0/sku"]);

    let mut eur = order_body(&[("X", 1)]);
    eur["lines"][0]["unit_price"]["currency"] = json!("EUR");
    let r = s.post("/v1/orders", eur).await;
    problem(&r, 422, "currency_mismatch");
    assert_eq!(fields(&r), ["lines/0/unit_price/currency"]);

    let r = s.post("/v1/orders", json!({})).await;
    problem(&r, 422, "validation_failed");
    let mut got = fields(&r);
    got.sort();
    // A key of no channel that names none places the order in channel `api`.
    assert_eq!(got, ["currency", "customer", "lines"]);
    assert!(s.all_orders().await.is_empty());
}

async fn keys_and_roles_are_enforced(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 10).await;

    let r = s.client.get(format!("{}/v1/orders", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = s.call("ordo_not_a_real_key", Method::GET, "/v1/orders", None).await;
    problem(&r, 401, "unauthorized");

    let viewer = s.key("viewer", None).await;
    let r = s.call(&viewer, Method::POST, "/v1/orders", Some(order_body(&[("X", 1)]))).await;
    problem(&r, 403, "forbidden");
    assert_eq!(s.call(&viewer, Method::GET, "/v1/orders", None).await.status, 200);
    let r = s.call(&viewer, Method::GET, "/v1/keys", None).await;
    problem(&r, 403, "forbidden");
    let operator = s.key("operator", None).await;
    let r = s
        .call(
            &operator,
            Method::POST,
            "/v1/products",
            Some(json!({"sku": "Q", "name": "Q", "price": {"amount": "1", "currency": "USD"}})),
        )
        .await;
    problem(&r, 403, "forbidden");

    let web = s.key("channel", Some("web")).await;
    let pos = s.key("channel", Some("pos")).await;
    let mut body = order_body(&[("X", 1)]);
    body.as_object_mut().unwrap().remove("channel");
    let r = s.call(&pos, Method::POST, "/v1/orders", Some(body)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["channel"], "pos");
    let pos_order = r.body["id"].as_str().unwrap().to_owned();
    let r = s.call(&web, Method::GET, &format!("/v1/orders/{pos_order}"), None).await;
    problem(&r, 404, "not_found");
    let r = s.call(&web, Method::POST, &format!("/v1/orders/{pos_order}/cancel"), None).await;
    problem(&r, 404, "not_found");
    assert_eq!(s.call(&web, Method::GET, "/v1/orders", None).await.body["data"], json!([]));
    assert_eq!(s.call(&pos, Method::GET, &format!("/v1/orders/{pos_order}"), None).await.status, 200);
    let r = s.call(&web, Method::POST, "/v1/orders", Some(json!({"channel": "pos"}))).await;
    problem(&r, 403, "forbidden");
    let r = s.call(&web, Method::GET, "/v1/inventory/X", None).await;
    problem(&r, 403, "forbidden");

    // A revoked key stops working.
    let keys = s.get("/v1/keys").await;
    let viewer_id = keys.body["data"].as_array().unwrap().iter().find(|k| k["role"] == "viewer").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.post(&format!("/v1/keys/{viewer_id}/revoke"), json!({})).await.status, 204);
    assert_eq!(s.call(&viewer, Method::GET, "/v1/orders", None).await.status, 401);
}

async fn a_stale_version_is_refused_with_412_and_changes_nothing(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.product("X", "1.00").await;
    let r = s
        .call_with(&s.admin, Method::PATCH, "/v1/products/X", Some(json!({"name": "New"})), &[("If-Match", "\"1\"")])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.headers["etag"], "\"2\"");
    let r = s
        .call_with(&s.admin, Method::PATCH, "/v1/products/X", Some(json!({"name": "Stale"})), &[("If-Match", "\"1\"")])
        .await;
    problem(&r, 412, "version_mismatch");
    let r = s.get("/v1/products/X").await;
    assert_eq!(r.body["name"], "New");
    let r = s
        .call(
            &s.admin,
            Method::PATCH,
            "/v1/products/X",
            Some(json!({"price": {"amount": "2.50", "currency": "USD"}, "barcode": "123", "active": false})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["price"]["amount"], "2.50");
    assert_eq!(r.body["active"], false);
    let r = s.call(&s.admin, Method::PATCH, "/v1/products/X", Some(json!({"barcode": null}))).await;
    assert_eq!(r.body["barcode"], Value::Null);
}

async fn inventory_counts_and_adjustments_keep_the_ledger_exact(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 10).await;
    let r = s.post("/v1/orders", order_body(&[("X", 4)])).await;
    assert_eq!(r.status, 201);
    let r = s.post("/v1/inventory/counts", json!({"location": "A", "sku": "X", "on_hand": 7})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["movement"]["on_hand_delta"], -3);
    assert_eq!(r.body["movement"]["reason"], "counted");
    assert_eq!(r.body["level"], json!({"location": "A", "sku": "X", "on_hand": 7, "reserved": 4, "available": 3}));
    // Taking on-hand below what is reserved would oversell the reserved orders.
    let r = s
        .post("/v1/inventory/adjustments", json!({"location": "A", "sku": "X", "delta": -4, "reason": "damaged"}))
        .await;
    problem(&r, 409, "insufficient_stock");
    let r =
        s.post("/v1/inventory/adjustments", json!({"location": "A", "sku": "X", "delta": 0, "reason": "shrug"})).await;
    problem(&r, 422, "validation_failed");
    assert_eq!(fields(&r), ["delta", "reason"]);
    let r = s
        .post(
            "/v1/inventory/adjustments",
            json!({"location": "NOWHERE", "sku": "NOPE", "delta": 1, "reason": "received"}),
        )
        .await;
    problem(&r, 404, "not_found");
    assert_eq!(r.body["detail"], "2 fields name what does not exist");
    assert_eq!(fields(&r), ["location", "sku"]);
    let ledger = s.ledger("X").await;
    let reasons: Vec<&str> = ledger.iter().map(|m| m["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["counted", "reserved", "received"]);
    assert!(ledger.iter().all(|m| m["actor"].as_str().unwrap().starts_with("key_")));
    assert!(ledger[1]["order_id"].as_str().unwrap().starts_with("ord_"));
    let by_loc = s.get("/v1/inventory/movements?location=A&limit=1").await;
    assert_eq!(by_loc.body["data"].as_array().unwrap().len(), 1);
    assert!(by_loc.body["next_cursor"].is_string());
    let future = s.get("/v1/inventory/movements?created_after=2999-01-01T00:00:00Z").await;
    assert_eq!(future.body["data"], json!([]));
    s.assert_stock_consistent(&["X"]).await;
}

async fn customers_are_upserted_by_email_and_keep_their_order_history(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 10).await;
    let mut body = order_body(&[("X", 1)]);
    body["customer"] = json!({"email": "Ada@Example.com", "name": "Ada"});
    let first = s.post("/v1/orders", body.clone()).await;
    body["customer"] = json!({"email": "ada@example.com", "name": "Ada Lovelace"});
    let second = s.post("/v1/orders", body).await;
    assert_eq!(first.body["customer_id"], second.body["customer_id"]);
    let id = first.body["customer_id"].as_str().unwrap();
    let c = s.get(&format!("/v1/customers/{id}")).await;
    assert_eq!(c.body["email"], "ada@example.com");
    assert_eq!(c.body["name"], "Ada Lovelace");
    let found = s.get("/v1/customers?email=ADA@example.com").await;
    assert_eq!(found.body["data"].as_array().unwrap().len(), 1);
    let history = s.get(&format!("/v1/customers/{id}/orders")).await;
    assert_eq!(history.body["data"].as_array().unwrap().len(), 2);
    let dup = s.post("/v1/customers", json!({"email": "ada@example.com"})).await;
    problem(&dup, 409, "conflict");
    let by_id = s
        .post("/v1/orders", {
            let mut b = order_body(&[("X", 1)]);
            b.as_object_mut().unwrap().remove("customer");
            b["customer_id"] = json!(id);
            b
        })
        .await;
    assert_eq!(by_id.status, 201, "{:?}", by_id.body);
    assert_eq!(by_id.body["email"], "ada@example.com");
}

async fn external_ids_are_unique_per_channel(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 10).await;
    let mut body = order_body(&[("X", 1)]);
    body["external_id"] = json!("#1001");
    assert_eq!(s.post("/v1/orders", body.clone()).await.status, 201);
    let r = s.post("/v1/orders", body.clone()).await;
    problem(&r, 409, "conflict");
    body["channel"] = json!("pos");
    assert_eq!(s.post("/v1/orders", body).await.status, 201);
    assert_eq!(s.levels("X").await.1, (10, 2));
}

async fn lists_page_with_cursors_and_filters(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 100).await;
    let mut numbers = Vec::new();
    for _ in 0..7 {
        numbers.push(s.post("/v1/orders", order_body(&[("X", 1)])).await.body["number"].as_i64().unwrap());
    }
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "order numbers are sequential: {numbers:?}");
    let page1 = s.get("/v1/orders?limit=3").await;
    let page1_ids: Vec<_> =
        page1.body["data"].as_array().unwrap().iter().map(|o| o["number"].as_i64().unwrap()).collect();
    assert_eq!(page1_ids, [numbers[6], numbers[5], numbers[4]]);
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = s.get(&format!("/v1/orders?limit=3&cursor={cursor}")).await;
    assert_eq!(page2.body["data"][0]["number"], numbers[3]);
    let first_id = s.get("/v1/orders?limit=1").await.body["data"][0]["id"].as_str().unwrap().to_owned();
    s.post(&format!("/v1/orders/{first_id}/cancel"), json!({})).await;
    let cancelled = s.get("/v1/orders?status=cancelled").await;
    assert_eq!(cancelled.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(s.get("/v1/orders?status=lost").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.get("/v1/orders?cursor=zz").await.status, StatusCode::BAD_REQUEST);
    // An empty cursor is the first page, as no cursor is.
    let ids = |v: &Value| v["data"].as_array().unwrap().iter().map(|o| o["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&s.get("/v1/orders?limit=3&cursor=").await.body), ids(&s.get("/v1/orders?limit=3").await.body));
    assert_eq!(s.get("/v1/orders?created_after=yesterday").await.status, StatusCode::BAD_REQUEST);
    let capped = s.get("/v1/orders?limit=10000").await;
    assert_eq!(capped.status, 200);
    // Beyond what the document allows, a page size is refused rather than guessed at.
    assert_eq!(s.get("/v1/orders?limit=10001").await.status, StatusCode::BAD_REQUEST);
    let events = s.get("/v1/events?limit=500").await;
    let seqs: Vec<i64> =
        events.body["data"].as_array().unwrap().iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "events come in commit order");
}

async fn the_system_endpoints_answer(engine: Engine) {
    let s = TestServer::start(engine).await;
    let get = |p: &'static str| s.client.get(format!("{}{p}", s.base)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    let ready: Value = get("/readyz").await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    // The metrics need a key whose role may read them: a metrics key reads nothing else.
    assert_eq!(get("/metrics").await.unwrap().status(), 401);
    let scraper = s.key("metrics", None).await;
    let channel = s.key("channel", Some("web")).await;
    let metrics_as = |key: String| s.client.get(format!("{}/metrics", s.base)).bearer_auth(key).send();
    assert_eq!(metrics_as(channel).await.unwrap().status(), 403);
    assert_eq!(s.call(&scraper, reqwest::Method::GET, "/v1/orders", None).await.status, 403);
    let metrics = metrics_as(scraper).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("ordo_http_requests_total{status=\"2xx\"}"));
    // The settler runs on the worker runtime and reports there, leader or not.
    assert!(metrics.contains("# TYPE ordo_worker_events_total counter"), "{metrics}");
    assert!(metrics.contains("ordo_worker_leader{worker=\"settler\"}"), "{metrics}");
    let docs = get("/docs").await.unwrap().text().await.unwrap();
    assert!(docs.contains("/openapi.json"));
    let r = get("/nope").await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = s.client.delete(format!("{}/v1/orders", s.base)).bearer_auth(&s.admin).send().await.unwrap();
    assert_eq!(r.status(), 405);
}

async fn a_key_over_its_rate_limit_is_told_when_to_retry(engine: Engine) {
    let config = ordo_web::WebConfig { rate_limit_per_s: 1, rate_limit_burst: 1, ..Default::default() };
    let s = TestServer::start_with(engine, config).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = s.get("/v1/products").await;
        statuses.push(r.status.as_u16());
        if r.status == 429 {
            assert_eq!(r.body["code"], "rate_limited");
            assert!(r.headers.get("retry-after").is_some());
        }
    }
    assert_eq!(statuses[0], 200);
    assert!(statuses.contains(&429));
}

async fn creating_a_key_honours_its_idempotency_key_and_shows_the_secret_once(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = [("Idempotency-Key", "new-operator-key")];
    let body = json!({"role": "operator", "name": "ops"});
    let first = s.call_with(&s.admin, Method::POST, "/v1/keys", Some(body.clone()), &key).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert!(first.body["secret"].is_string());
    let again = s.call_with(&s.admin, Method::POST, "/v1/keys", Some(body), &key).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    assert_eq!(again.body["id"], first.body["id"], "a retry made a second key");
    assert!(again.body.get("secret").is_none(), "the secret is shown once: {:?}", again.body);
    let keys = s.get("/v1/keys").await.body["data"].as_array().unwrap().len();
    assert_eq!(keys, 2, "the admin key and one operator key");
}

async fn page_sizes_and_amounts_are_read_as_documented(engine: Engine) {
    let s = TestServer::start(engine).await;
    for sku in ["A", "B", "C"] {
        s.product(sku, "1.00").await;
    }
    // A page holds 1 to 200 items; 0 is refused rather than read as one.
    let zero = s.get("/v1/products?limit=0").await;
    assert_eq!((zero.status.as_u16(), zero.body["code"].as_str()), (400, Some("invalid_query")), "{:?}", zero.body);
    assert_eq!(zero.body["errors"][0]["field"], "limit", "{:?}", zero.body);
    let words = s.get("/v1/products?limit=ten").await;
    assert_eq!(
        (words.body["errors"][0]["field"].as_str(), words.status.as_u16()),
        (Some("limit"), 400),
        "{:?}",
        words.body
    );
    assert_eq!(s.get("/v1/products?limit=1").await.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(s.get("/v1/products?limit=5000").await.body["data"].as_array().unwrap().len(), 3);
    // Trailing zeros carry no value; a sign on zero is no amount.
    let zeros = s
        .post("/v1/products", json!({"sku": "Z", "name": "Z", "price": {"amount": "12.0000000000", "currency": "USD"}}))
        .await;
    assert_eq!(
        (zeros.status.as_u16(), zeros.body["price"]["amount"].as_str()),
        (201, Some("12.00")),
        "{:?}",
        zeros.body
    );
    let signed =
        s.post("/v1/products", json!({"sku": "N", "name": "N", "price": {"amount": "-0.00", "currency": "USD"}})).await;
    assert_eq!(signed.status, 422, "{:?}", signed.body);
    assert_eq!(signed.body["errors"][0]["field"], "price/amount");
}

/// Every answer says not to sniff, refer or frame it; the API's answers (personal data) are
/// never cached; the API reference may not be framed.
async fn answers_carry_security_headers(engine: Engine) {
    let s = TestServer::start(engine).await;
    for path in ["/v1/orders", "/v1/nope", "/healthz", "/docs/", "/openapi.json"] {
        let r = s.get(path).await;
        let h = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("cache-control") == "no-store", path.starts_with("/v1/"), "{path}: {}", h("cache-control"));
        assert_eq!(h("content-security-policy") == "frame-ancestors 'none'", path.starts_with("/docs"), "{path}");
    }
    let unauthorized = s.call("ordo_wrong", reqwest::Method::GET, "/v1/orders", None).await;
    assert_eq!(unauthorized.status, 401);
    assert_eq!(unauthorized.headers.get("cache-control").unwrap(), "no-store");
}

on_both_engines!(
    answers_carry_security_headers,
    page_sizes_and_amounts_are_read_as_documented,
    creating_a_key_honours_its_idempotency_key_and_shows_the_secret_once,
    the_readme_walkthrough_places_and_cancels_an_order_and_the_stock_comes_back,
    an_order_splits_only_when_no_single_location_can_ship_it,
    a_short_order_is_refused_naming_each_short_sku_and_reserves_nothing,
    two_hundred_concurrent_orders_for_fifty_units_reserve_exactly_fifty,
    concurrent_multi_line_orders_over_several_skus_and_locations_never_oversell,
    an_idempotency_key_replays_the_first_response_and_refuses_another_body,
    fifty_concurrent_requests_with_one_key_make_exactly_one_order,
    an_idempotency_key_belongs_to_the_api_key_that_used_it,
    malformed_requests_get_their_problem_documents,
    bad_money_is_refused_with_the_field_named,
    every_bad_field_of_an_order_is_reported_at_once,
    keys_and_roles_are_enforced,
    a_stale_version_is_refused_with_412_and_changes_nothing,
    inventory_counts_and_adjustments_keep_the_ledger_exact,
    customers_are_upserted_by_email_and_keep_their_order_history,
    external_ids_are_unique_per_channel,
    lists_page_with_cursors_and_filters,
    the_system_endpoints_answer,
    a_key_over_its_rate_limit_is_told_when_to_retry,
);
