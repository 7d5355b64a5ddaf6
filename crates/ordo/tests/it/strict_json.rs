//! One request body is exactly one JSON object: text after it, a second object, a key given
//! twice, or an array read positionally into a struct are refused with a problem document
//! and change nothing. An optional body is left out or sent as an object, never as `null`.

use reqwest::Method;
use serde_json::json;

use crate::common::{Engine, TestServer, order_body};

fn refused(r: &crate::common::Reply, what: &str) {
    assert_eq!(r.status, 400, "{what}: {:?}", r.body);
    assert_eq!(r.body["code"], "malformed_json", "{what}: {:?}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anything_but_exactly_one_json_object_is_refused_and_changes_nothing() {
    let s = TestServer::start(Engine::Sqlite).await;
    let customer = r#"{"email": "a@example.com"}"#;
    refused(&s.raw(Method::POST, "/v1/customers", &format!("{customer} THIS IS NOT JSON")).await, "trailing text");
    refused(&s.raw(Method::POST, "/v1/customers", &format!("{customer}{customer}")).await, "two objects");
    assert_eq!(s.get("/v1/customers?email=a@example.com").await.body["data"], json!([]));

    s.location("WH", 1).await;
    s.product("X", "5.00").await;
    s.stock("WH", "X", 5).await;
    let order = order_body(&[("X", 1)]).to_string();
    refused(&s.raw(Method::POST, "/v1/orders", &format!("{order} {order}")).await, "two orders");
    assert_eq!(s.get("/v1/orders").await.body["data"], json!([]));

    // A struct is never filled from an array, which would also pass the unknown-field check.
    let r = s
        .raw(
            Method::POST,
            "/v1/products",
            r#"["SKU", "name", {"amount": "1.00", "currency": "USD"}, null, null, null]"#,
        )
        .await;
    assert!(matches!(r.status.as_u16(), 400 | 422), "{:?}", r.body);
    assert_eq!(s.get("/v1/products/SKU").await.status, 404);
    let r = s.raw(Method::POST, "/v1/customers", r#"{"email": "b@example.com", "name": ["x"]}"#).await;
    assert_eq!(r.status, 422, "{:?}", r.body);

    // A key given twice is refused anywhere, also in maps that used to keep the last.
    let twice = r#"{"date": "2026-11-02", "base": "EUR", "rates": {"USD": "1.10", "USD": "999.0"}}"#;
    refused(&s.raw(Method::POST, "/v1/exchange-rates", twice).await, "a rate given twice");
    assert_eq!(s.get("/v1/exchange-rates?date=2026-11-02").await.body["rates"], json!([]));
    refused(
        &s.raw(Method::POST, "/v1/customers", r#"{"email": "c@example.com", "email": "d@example.com"}"#).await,
        "a field twice",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_optional_body_is_left_out_or_an_object_never_null() {
    let s = TestServer::start(Engine::Sqlite).await;
    s.location("WH", 1).await;
    s.product("X", "5.00").await;
    s.stock("WH", "X", 5).await;
    let o = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    assert_eq!(o.status, 201, "{:?}", o.body);
    let f = s.get(&format!("/v1/orders/{}/fulfillments", o.body["id"].as_str().unwrap())).await;
    let id = f.body["data"][0]["id"].as_str().unwrap().to_owned();
    // The document says the body is an object or nothing; `null` is neither.
    let r = s.raw(Method::POST, &format!("/v1/fulfillments/{id}/cancel"), "null").await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["detail"], "must be an object (got null)");
    assert_eq!(s.get(&format!("/v1/fulfillments/{id}")).await.body["status"], "pending");
    let r = s.raw(Method::POST, &format!("/v1/fulfillments/{id}/cancel"), "").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_details_speak_the_api_s_language_not_the_code_s() {
    let s = TestServer::start(Engine::Sqlite).await;
    let internal = ["struct ", "i64", "u64", "usize", "i32", "Input", "NewOrder", "NewProduct", "Option<"];
    for (path, body) in [
        ("/v1/orders", r#"{"lines": [{"sku": "X", "quantity": "two"}]}"#),
        ("/v1/orders", r#"{"lines": "x"}"#),
        ("/v1/orders", r#"{"customer": [1, 2]}"#),
        ("/v1/products", r#"{"sku": "X", "weight_grams": 1.5}"#),
        ("/v1/products", r#"{"sku": "X", "price": "1.00"}"#),
        ("/v1/inventory/adjustments", r#"{"delta": true}"#),
        ("/v1/fulfillments/ful_x/cancel", "[1]"),
        ("/v1/customers", r#"{"email": {"a": 1}}"#),
    ] {
        let r = s.raw(Method::POST, path, body).await;
        assert!(matches!(r.status.as_u16(), 400 | 404 | 422), "{path} {body}: {:?}", r.body);
        let text = r.body.to_string();
        for word in internal {
            assert!(!text.contains(word), "{path} {body}: the answer names {word:?}: {text}");
        }
    }
    let r = s.raw(Method::POST, "/v1/orders", r#"{"lines": [{"sku": "X", "quantity": "two"}]}"#).await;
    assert_eq!(r.body["errors"][0]["field"], "lines/0/quantity");
    assert_eq!(r.body["errors"][0]["message"], "must be an integer (got string \"two\")");
    // The client's own text is quoted whole, even when it reads like serde's words.
    let r = s.raw(Method::POST, "/v1/orders", r#"{"lines": [{"sku": "X", "quantity": "2 at line 4 map"}]}"#).await;
    assert_eq!(r.body["errors"][0]["message"], "must be an integer (got string \"2 at line 4 map\")");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_or_webhook_body_over_the_limit_is_refused_with_a_problem_document() {
    let config = ordo_web::WebConfig { body_limit: 1024, ..Default::default() };
    let s = TestServer::start_with(Engine::Sqlite, config).await;
    let csv = format!("Date,USD\n{}", "2026-11-27,1.05\n".repeat(200));
    for (path, content_type) in
        [("/v1/exchange-rates/ecb", "text/csv"), ("/v1/payments/stripe/webhook", "application/json")]
    {
        let r = s
            .client
            .post(format!("{}{path}", s.base))
            .bearer_auth(&s.admin)
            .header("content-type", content_type)
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
    }
}

/// What the document says a request may hold is what the server takes: integers written as
/// `2.0`, amounts up to the currency's limit, texts counted as sent, cursors and `If-Match`
/// in their documented forms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_takes_exactly_what_the_document_describes() {
    let s = TestServer::start(Engine::Sqlite).await;
    s.location("WH", 1).await;
    s.product("X", "5.00").await;
    s.stock("WH", "X", 5).await;
    // JSON Schema counts 2.0 and 2e0 as integers.
    let mut order = order_body(&[("X", 1)]);
    order["lines"][0]["quantity"] = json!(2.0);
    let placed = s.raw(Method::POST, "/v1/orders", &order.to_string()).await;
    assert_eq!(placed.status, 201, "{:?}", placed.body);
    assert_eq!(placed.body["lines"][0]["quantity"], 2);
    let r = s
        .raw(
            Method::POST,
            "/v1/inventory/adjustments",
            r#"{"location": "WH", "sku": "X", "delta": 1e1, "reason": "received"}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // A float beyond what it can hold exactly is not taken for an integer.
    let r = s
        .raw(
            Method::POST,
            "/v1/inventory/adjustments",
            r#"{"location": "WH", "sku": "X", "delta": 1.5, "reason": "received"}"#,
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);

    // Amounts: at most 99,999,999.99 USD; a code has no blanks around it; a text's length is
    // counted as sent.
    let big = json!({"sku": "BIG", "name": "Big", "price": {"amount": "100000000.00", "currency": "USD"}});
    let r = s.post("/v1/products", big).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "price/amount");
    assert_eq!(r.body["errors"][0]["message"], "must be at most 99999999.99 USD");
    let most = json!({"sku": "MOST", "name": "Most", "price": {"amount": "99999999.99", "currency": "USD"}});
    assert_eq!(s.post("/v1/products", most).await.status, 201);
    let padded = json!({"sku": " PAD", "name": "Pad", "price": {"amount": "1.00", "currency": "USD"}});
    assert_eq!(s.post("/v1/products", padded).await.status, 422);
    let long = json!({"sku": "LONG", "name": format!("  {}", "n".repeat(199)), "price": {"amount": "1.00", "currency": "USD"}});
    assert_eq!(s.post("/v1/products", long).await.status, 422);

    // Cursors: any even run of hex digits continues after what it spells; numbered lists take
    // digits only.
    assert_eq!(s.get("/v1/products?cursor=ff").await.status, 200);
    assert_eq!(s.get("/v1/orders?cursor=2d35").await.status, 400, "a sign is not a position");
    assert_eq!(s.get("/v1/orders?cursor=35").await.status, 200);

    // If-Match: "3", W/"3" or 3; nothing else.
    for (value, ok) in
        [("\"1\"", true), ("W/\"1\"", true), ("1", true), ("*", true), ("\"1", false), ("-1", false), ("W/1", false)]
    {
        let r = s
            .client
            .patch(format!("{}/v1/products/X", s.base))
            .bearer_auth(&s.admin)
            .header("content-type", "application/json")
            .header("if-match", value)
            .body(r#"{"name": "Product X"}"#)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert!(if ok { status != 400 } else { status == 400 }, "If-Match {value}: {status}");
    }
}

/// Control characters (but tab, line feed and carriage return) and bidirectional overrides
/// are refused wherever they are in a body, raw or escaped, naming the field; nothing is
/// stored. Right-to-left marks, tabs and new lines are kept.
#[tokio::test]
async fn control_characters_and_bidirectional_overrides_are_refused_wherever_they_are() {
    let s = TestServer::start(Engine::Sqlite).await;
    let before = s.all("/v1/customers").await.len();
    for (body, field) in [
        (r#"{"email": "a@example.com", "name": "Ada\u202e Lovelace"}"#.to_owned(), "name"),
        (r#"{"email": "a@example.com", "name": "bell\u0007"}"#.to_owned(), "name"),
        ("{\"email\": \"a@example.com\", \"name\": \"del\u{7f}\"}".to_owned(), "name"),
        ("{\"email\": \"a@example.com\", \"name\": \"isolate\u{2066}x\u{2069}\"}".to_owned(), "name"),
        (r#"{"email": "a@example.com", "name": "nul\u0000"}"#.to_owned(), "name"),
        ("{\"email\": \"a\u{85}@example.com\"}".to_owned(), "email"),
    ] {
        let r = s.raw(Method::POST, "/v1/customers", &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(
            (r.body["code"].as_str(), r.body["errors"][0]["field"].as_str()),
            (Some("validation_failed"), Some(field))
        );
        assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("control characters"), "{:?}", r.body);
    }
    let mut order = order_body(&[("X", 1)]);
    order["lines"][0]["sku"] = json!("X\u{202d}");
    let r = s.post("/v1/orders", order).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("lines/0/sku")), "{:?}", r.body);
    assert_eq!(s.all("/v1/customers").await.len(), before, "nothing refused was stored");

    let kept = s
        .post(
            "/v1/customers",
            json!({"email": "rtl@example.com", "name": "\u{5e9}\u{5dc}\u{5d5}\u{5dd}\u{200f} Shalom"}),
        )
        .await;
    assert_eq!(kept.status, 201, "{:?}", kept.body);
    assert_eq!(kept.body["name"], "\u{5e9}\u{5dc}\u{5d5}\u{5dd}\u{200f} Shalom");
}
