//! Orders pulled from the platforms that can be read, over real sockets, from local stand-ins
//! that speak each platform's documented JSON and paging: WooCommerce (`X-WP-TotalPages` and
//! `Link` headers), BigCommerce (webhooks that carry only an id, the order read with its
//! products and shipping addresses, 204 when no order is left) and Amazon (Login with Amazon
//! tokens, `NextToken` pages, 429 answers waited out). An order seen by a webhook and a pull,
//! or by two pulls, is imported once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Method;
use serde_json::{Value, json};

use crate::channels::{deliver, imports, money, usd};
use crate::common::{Engine, TestServer};
use ordo_connectors::signing::sign_base64;

const WOO: &str = include_str!("fixtures/woocommerce_order.json");
const BC_ORDER: &str = include_str!("fixtures/bigcommerce_order.json");
const BC_PRODUCTS: &str = include_str!("fixtures/bigcommerce_order_products.json");
const BC_ADDRESSES: &str = include_str!("fixtures/bigcommerce_order_shipping_addresses.json");
const BC_CALLBACK: &str = include_str!("fixtures/bigcommerce_order_created_webhook.json");
const AMAZON_ORDERS: &str = include_str!("fixtures/amazon_get_orders.json");
const AMAZON_ITEMS: &str = include_str!("fixtures/amazon_get_order_items.json");
const SECRET: &str = "whsec_pull_test";

/// What a stand-in was asked, in order: (path, query).
#[derive(Default)]
struct Seen {
    requests: Vec<(String, HashMap<String, String>)>,
    /// Answers left to refuse with 429, per path.
    throttle: HashMap<String, u32>,
    /// BigCommerce: the order the stand-in now answers with.
    order: Option<Value>,
    tokens_issued: u32,
}

type Shared = Arc<Mutex<Seen>>;

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Records the request; a 429 when the path is to be throttled.
fn note(seen: &Shared, path: &str, query: &HashMap<String, String>, retry_after: Option<&str>) -> Option<Response> {
    let mut s = seen.lock().unwrap();
    s.requests.push((path.to_owned(), query.clone()));
    let left = s.throttle.get_mut(path)?;
    if *left == 0 {
        return None;
    }
    *left -= 1;
    let mut res = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
    if let Some(after) = retry_after {
        res.headers_mut().insert("retry-after", after.parse().unwrap());
    }
    Some(res)
}

fn woo_order(id: i64, modified: &str) -> Value {
    let mut o: Value = serde_json::from_str(WOO).unwrap();
    o["id"] = json!(id);
    o["number"] = json!(id.to_string());
    o["date_modified_gmt"] = json!(modified);
    o
}

async fn woo_orders(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    // ck_key:cs_secret, as HTTP Basic.
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Basic Y2tfa2V5OmNzX3NlY3JldA==") {
        return (StatusCode::UNAUTHORIZED, Json(json!({"code": "woocommerce_rest_cannot_view"}))).into_response();
    }
    if let Some(throttled) = note(&seen, "/wp-json/wc/v3/orders", &q, Some("1")) {
        return throttled;
    }
    let page: u32 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let body = match page {
        1 => json!([serde_json::from_str::<Value>(WOO).unwrap(), woo_order(728, "2017-03-23T10:00:00")]),
        2 => json!([woo_order(729, "2017-03-24T10:00:00")]),
        _ => json!([]),
    };
    let mut res = Json(body).into_response();
    let h = res.headers_mut();
    h.insert("x-wp-total", "3".parse().unwrap());
    h.insert("x-wp-totalpages", "2".parse().unwrap());
    if page == 1 {
        h.insert("link", "<https://example.com/wp-json/wc/v3/orders?page=2>; rel=\"next\"".parse().unwrap());
    }
    res
}

async fn connect(s: &TestServer, channel: &str, body: Value) {
    let r = s.call(&s.admin, Method::PUT, &format!("/v1/channels/{channel}"), Some(body)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn sync(s: &TestServer, channel: &str) -> Value {
    let r = s.post(&format!("/v1/channels/{channel}/sync"), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

fn counts(report: &Value) -> [i64; 5] {
    ["pulled", "imported", "unchanged", "parked", "repeats"].map(|k| report[k].as_i64().unwrap_or(-1))
}

async fn woocommerce_pulls_every_page_and_an_order_a_webhook_brought_is_imported_once(engine: Engine) {
    let seen: Shared = Arc::default();
    seen.lock().unwrap().throttle.insert("/wp-json/wc/v3/orders".into(), 1);
    let base =
        serve(axum::Router::new().route("/wp-json/wc/v3/orders", get(woo_orders)).with_state(seen.clone())).await;
    let s = TestServer::start(engine).await;
    s.location("SF", 1).await;
    s.product("WOO-SINGLE-1", "3.00").await;
    s.product("Bar3", "12.00").await;
    s.stock("SF", "WOO-SINGLE-1", 20).await;
    s.stock("SF", "Bar3", 20).await;
    let creds =
        json!({"webhook_secret": SECRET, "api_url": base, "consumer_key": "ck_key", "consumer_secret": "cs_secret"});
    // The merchant asks for the store's past orders too.
    let since = "1970-01-01T00:00:00Z";
    connect(&s, "woo", json!({"kind": "woocommerce", "credentials": creds, "pull_since": since})).await;
    let m = s.call(&s.admin, Method::PUT, "/v1/channels/woo/mappings/93", Some(json!({"sku": "WOO-SINGLE-1"}))).await;
    assert_eq!(m.status, 200);

    // Order 727 arrives by webhook first.
    let headers = vec![
        ("X-WC-Webhook-Topic", "order.created".to_owned()),
        ("X-WC-Webhook-Signature", sign_base64(SECRET, WOO.as_bytes())),
        ("X-WC-Webhook-Delivery-ID", "d-727".to_owned()),
    ];
    let (status, receipt) = deliver(&s, "woo", &headers, WOO).await;
    assert_eq!((status, receipt["status"].as_str()), (200, Some("imported")), "{receipt}");

    // The pull is throttled once (Retry-After: 1), then reads both pages: 727 is known, 728
    // and 729 are new.
    let first = sync(&s, "woo").await;
    assert_eq!(counts(&first), [3, 2, 1, 0, 0], "{first}");
    assert_eq!(first["cursor"], "2017-03-24T10:00:00.000Z");
    let orders = s.all_orders().await;
    let mut external: Vec<&str> = orders.iter().map(|o| o["external_id"].as_str().unwrap()).collect();
    external.sort();
    assert_eq!(external, ["727", "728", "729"]);
    {
        let seen = seen.lock().unwrap();
        let pages: Vec<&str> = seen.requests.iter().map(|(_, q)| q["page"].as_str()).collect();
        assert_eq!(pages, ["1", "1", "2"], "the throttled page is asked again, then the next");
        let q = &seen.requests[0].1;
        assert_eq!(
            (q["modified_after"].as_str(), q["dates_are_gmt"].as_str(), q["orderby"].as_str()),
            ("1970-01-01T00:00:00", "true", "modified")
        );
    }

    // A second pull asks from a little before the newest change it took; every version is a
    // repeat, and nothing more is imported.
    let second = sync(&s, "woo").await;
    assert_eq!(counts(&second), [3, 0, 0, 0, 3], "{second}");
    let after = seen.lock().unwrap().requests.last().unwrap().1["modified_after"].clone();
    assert_eq!(after, "2017-03-24T09:55:00", "five minutes before the cursor");
    assert_eq!(s.all_orders().await.len(), 3);
    let (_, (_, reserved)) = s.levels("WOO-SINGLE-1").await;
    assert_eq!(reserved, 6, "three orders of two units, reserved once each");
    s.assert_stock_consistent(&["WOO-SINGLE-1", "Bar3"]).await;

    // A channel Ordo does not pull, and a pull whose platform refuses the credentials.
    connect(&s, "shop", json!({"kind": "shopify", "credentials": {"webhook_secret": SECRET}})).await;
    let r = s.post("/v1/channels/shop/sync", json!({})).await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let wrong = json!({"api_url": base, "consumer_key": "ck_key", "consumer_secret": "cs_wrong"});
    connect(&s, "woo2", json!({"kind": "woocommerce", "credentials": wrong, "pull_since": since})).await;
    let r = s.post("/v1/channels/woo2/sync", json!({})).await;
    assert_eq!(r.status, 502, "{:?}", r.body);
    let text = r.body.to_string();
    assert!(
        text.contains("refused Ordo's credentials") && !text.contains("cs_wrong") && !text.contains(&base),
        "{text}"
    );
    let r = s.post("/v1/channels/nowhere/sync", json!({})).await;
    assert_eq!(r.status, 404);

    // By default a channel's pulls start when it was connected: not the store's whole history.
    let creds = json!({"api_url": base, "consumer_key": "ck_key", "consumer_secret": "cs_secret"});
    let connected = s
        .call(&s.admin, Method::PUT, "/v1/channels/woo3", Some(json!({"kind": "woocommerce", "credentials": creds})))
        .await;
    let start = connected.body["pull_since"].as_str().unwrap().to_owned();
    assert!(start.as_str() > "2026-01-01", "{start}");
    sync(&s, "woo3").await;
    let asked = seen.lock().unwrap().requests.last().unwrap().1["modified_after"].clone();
    assert_eq!(asked, start[..19], "asked from the channel's start");
}

async fn bc_order(State(seen): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if headers.get("x-auth-token").and_then(|v| v.to_str().ok()) != Some("bc_token") {
        return (StatusCode::UNAUTHORIZED, Json(json!([{"status": 401, "message": "unauthorized"}]))).into_response();
    }
    note(&seen, &format!("/v2/orders/{id}"), &HashMap::new(), None);
    let order = seen.lock().unwrap().order.clone();
    Json(order.unwrap_or_else(|| serde_json::from_str(BC_ORDER).unwrap())).into_response()
}

async fn bc_sub(Path((_, what)): Path<(String, String)>) -> Response {
    match what.as_str() {
        "products" => ([("content-type", "application/json")], BC_PRODUCTS).into_response(),
        "shipping_addresses" => ([("content-type", "application/json")], BC_ADDRESSES).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn bc_orders(State(seen): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    note(&seen, "/v2/orders", &q, None);
    let order = seen.lock().unwrap().order.clone();
    match (q.get("page").map(String::as_str), order) {
        (Some("1"), Some(o)) => Json(json!([o])).into_response(),
        // No order (left): 204, no body.
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

/// BigCommerce's published order example with the totals of its published products example
/// (the two belong to different orders): S-ORAN at 55.99 with 1.59 off, the bundled ABS at
/// nothing, shipping 11.09 and tax 9.24 + 0.91.
fn consistent_bc_order(status_id: i64, modified: &str) -> Value {
    let mut o: Value = serde_json::from_str(BC_ORDER).unwrap();
    for (k, v) in [
        ("subtotal_ex_tax", "55.9900"),
        ("subtotal_inc_tax", "65.2300"),
        ("subtotal_tax", "9.2400"),
        ("total_ex_tax", "65.4900"),
        ("total_inc_tax", "75.6400"),
        ("total_tax", "10.1500"),
        ("discount_amount", "1.5900"),
        ("coupon_discount", "0.0000"),
    ] {
        o[k] = json!(v);
    }
    o["id"] = json!(250);
    o["status_id"] = json!(status_id);
    o["date_modified"] = json!(modified);
    o
}

async fn bigcommerce_webhooks_name_an_order_that_is_read_with_its_products_and_addresses(engine: Engine) {
    let seen: Shared = Arc::default();
    let router = axum::Router::new()
        .route("/v2/orders", get(bc_orders))
        .route("/v2/orders/{id}", get(bc_order))
        .route("/v2/orders/{id}/{what}", get(bc_sub))
        .with_state(seen.clone());
    let base = serve(router).await;
    let s = TestServer::start(engine).await;
    s.location("AUS", 1).await;
    s.product("S-ORAN", "55.99").await;
    s.product("ABS", "0.00").await;
    s.stock("AUS", "S-ORAN", 10).await;
    s.stock("AUS", "ABS", 10).await;
    let creds = json!({"webhook_secret": SECRET, "api_url": base, "access_token": "bc_token"});
    connect(&s, "bc", json!({"kind": "bigcommerce", "credentials": creds, "pull_since": "1970-01-01T00:00:00Z"})).await;

    // Without the secret header, or with another value: 401, nothing stored, nothing read.
    let (status, _) = deliver(&s, "bc", &[], BC_CALLBACK).await;
    assert_eq!(status, 401);
    let (status, _) = deliver(&s, "bc", &[("X-Ordo-Webhook-Secret", "guess".into())], BC_CALLBACK).await;
    assert_eq!(status, 401);
    assert!(imports(&s, "bc").await.is_empty() && seen.lock().unwrap().requests.is_empty());

    // BigCommerce's published callback, answered with its published order, products and
    // addresses: those belong to three different orders and do not add up, so the order is
    // parked with the difference named, and BigCommerce gets its 200.
    let secret = [("X-Ordo-Webhook-Secret", SECRET.to_owned())];
    let (status, parked) = deliver(&s, "bc", &secret, BC_CALLBACK).await;
    assert_eq!((status, parked["status"].as_str()), (200, Some("parked")), "{parked}");
    let reason = parked["reason"].as_str().unwrap();
    assert!(reason.contains("the totals do not add up") && reason.contains("a difference of"), "{reason}");
    let id = parked["id"].as_str().unwrap();
    let kept = s.get(&format!("/v1/channels/bc/imports/{id}")).await.body;
    let payload: Value = serde_json::from_str(kept["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["products"][0]["sku"], "S-ORAN", "the order is kept as read, with its products");
    assert_eq!(kept["topic"], "store/order/created");
    let (_, again) = deliver(&s, "bc", &secret, BC_CALLBACK).await;
    assert_eq!(again["duplicate"], true, "a retried callback is not read again: {again}");
    assert_eq!(seen.lock().unwrap().requests.len(), 1);

    // The order as it adds up, awaiting fulfilment (paid), is pulled: read with its products and
    // addresses, it imports field by field.
    seen.lock().unwrap().order = Some(consistent_bc_order(11, "Mon, 11 Mar 2019 15:17:25 +0000"));
    let report = sync(&s, "bc").await;
    assert_eq!(counts(&report), [1, 1, 0, 0, 0], "{report}");
    let orders = s.all_orders().await;
    assert_eq!(orders.len(), 1);
    let o = s.get(&format!("/v1/orders/{}", orders[0]["id"].as_str().unwrap())).await.body;
    assert_eq!((o["external_id"].as_str(), o["channel_order_number"].as_str()), (Some("250"), Some("250")));
    assert_eq!(o["placed_at"], "2019-03-05T21:40:11.000Z", "date_created, RFC 2822");
    assert_eq!(o["email"], "janedoe@example.com");
    let lines: Vec<(String, i64, (String, String))> = o["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap(), money(&l["unit_price"])))
        .collect();
    assert_eq!(lines, vec![("S-ORAN".into(), 1, usd("55.99")), ("ABS".into(), 1, usd("0.00"))]);
    let t = &o["totals"];
    assert_eq!(
        [&t["subtotal"], &t["discount"], &t["shipping"], &t["tax"], &t["total"]].map(money),
        [usd("55.99"), usd("1.59"), usd("11.09"), usd("10.15"), usd("75.64")]
    );
    let a = &o["shipping_address"];
    assert_eq!(
        [&a["name"], &a["line1"], &a["city"], &a["region"], &a["postal_code"], &a["country"]],
        [
            &json!("Trishy Smith"),
            &json!("666 Sussex St"),
            &json!("San Antonio"),
            &json!("Texas"),
            &json!("78251"),
            &json!("US")
        ]
    );
    let order_id = o["id"].as_str().unwrap().to_owned();
    let p = s.get(&format!("/v1/orders/{order_id}/payments")).await.body;
    assert_eq!(money(&p["summary"]["balance_due"]), usd("0.00"), "paid at BigCommerce: {p}");
    let (_, (_, reserved)) = s.levels("S-ORAN").await;
    assert_eq!(reserved, 1);
    let q = seen.lock().unwrap().requests.iter().find(|(p, _)| p == "/v2/orders").unwrap().1.clone();
    assert_eq!(
        (q["min_date_modified"].as_str(), q["sort"].as_str()),
        ("Thu, 01 Jan 1970 00:00:00 +0000", "date_modified:asc")
    );

    // Cancelled at BigCommerce: the update webhook names it, the order read cancels it here
    // and its stock is released.
    seen.lock().unwrap().order = Some(consistent_bc_order(5, "Tue, 12 Mar 2019 09:00:00 +0000"));
    let mut updated: Value = serde_json::from_str(BC_CALLBACK).unwrap();
    updated["scope"] = json!("store/order/updated");
    updated["created_at"] = json!(1561479400);
    let (status, r) = deliver(&s, "bc", &secret, &updated.to_string()).await;
    assert_eq!(
        (status, r["status"].as_str(), r["order_id"].as_str()),
        (200, Some("updated"), Some(order_id.as_str())),
        "{r}"
    );
    let o = s.get(&format!("/v1/orders/{order_id}")).await.body;
    assert_eq!(o["status"], "cancelled");
    let (_, (_, reserved)) = s.levels("S-ORAN").await;
    assert_eq!(reserved, 0);
    s.assert_stock_consistent(&["S-ORAN", "ABS"]).await;
}

async fn lwa_token(State(seen): State<Shared>, body: String) -> Response {
    let form: HashMap<String, String> = url_pairs(&body);
    let expected = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "Atzr|refresh"),
        ("client_id", "amzn1.app"),
        ("client_secret", "app_secret"),
    ];
    if expected.iter().any(|(k, v)| form.get(*k).map(String::as_str) != Some(*v)) {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"}))).into_response();
    }
    seen.lock().unwrap().tokens_issued += 1;
    Json(json!({"access_token": "Atza|access", "refresh_token": "Atzr|refresh", "token_type": "bearer", "expires_in": 3600}))
        .into_response()
}

fn url_pairs(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%7C", "|").replace("%7c", "|")))
        .collect()
}

fn amazon_authorised(headers: &HeaderMap) -> bool {
    headers.get("x-amz-access-token").and_then(|v| v.to_str().ok()) == Some("Atza|access")
}

async fn get_orders(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !amazon_authorised(&headers) {
        return (StatusCode::FORBIDDEN, Json(json!({"errors": [{"code": "Unauthorized"}]}))).into_response();
    }
    note(&seen, "/orders/v0/orders", &q, None);
    if q.get("MarketplaceIds").map(String::as_str) != Some("ATVPDKIKX0DER") {
        return (StatusCode::BAD_REQUEST, Json(json!({"errors": [{"code": "InvalidInput"}]}))).into_response();
    }
    let published: Value = serde_json::from_str(AMAZON_ORDERS).unwrap();
    let orders = published["payload"]["Orders"].as_array().unwrap().clone();
    // The published page's two orders, one a page, joined by a NextToken.
    match q.get("NextToken").map(String::as_str) {
        None => Json(json!({"payload": {"Orders": [orders[0]], "NextToken": "page-2"}})).into_response(),
        Some("page-2") => Json(json!({"payload": {"Orders": [orders[1]]}})).into_response(),
        Some(_) => (StatusCode::BAD_REQUEST, Json(json!({"errors": [{"code": "InvalidInput"}]}))).into_response(),
    }
}

async fn get_order_items(State(seen): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !amazon_authorised(&headers) {
        return (StatusCode::FORBIDDEN, Json(json!({"errors": [{"code": "Unauthorized"}]}))).into_response();
    }
    // Amazon's 429 carries no Retry-After: Ordo backs off by itself.
    if let Some(throttled) = note(&seen, "/orderItems", &HashMap::from([("order".to_owned(), id.clone())]), None) {
        return throttled;
    }
    let mut items: Value = serde_json::from_str(AMAZON_ITEMS).unwrap();
    items["payload"]["AmazonOrderId"] = json!(id);
    Json(items).into_response()
}

async fn amazon_is_pulled_on_a_schedule_with_refreshed_tokens_next_tokens_and_backoff(engine: Engine) {
    let seen: Shared = Arc::default();
    seen.lock().unwrap().throttle.insert("/orderItems".into(), 1);
    let router = axum::Router::new()
        .route("/auth/o2/token", post(lwa_token))
        .route("/orders/v0/orders", get(get_orders))
        .route("/orders/v0/orders/{id}/orderItems", get(get_order_items))
        .with_state(seen.clone());
    let base = serve(router).await;
    let s = TestServer::start_app(engine, Default::default(), |app| {
        let puller = app.spawn_puller(std::time::Duration::from_millis(300));
        std::mem::forget(puller);
        app
    })
    .await;
    s.location("SEA", 1).await;
    s.product("NABetaASINB00551Q3CS", "10.00").await;
    s.stock("SEA", "NABetaASINB00551Q3CS", 10).await;
    let creds = json!({"api_url": base, "token_url": format!("{base}/auth/o2/token"), "client_id": "amzn1.app",
                       "client_secret": "app_secret", "refresh_token": "Atzr|refresh", "marketplace_id": "ATVPDKIKX0DER"});
    connect(&s, "amazon-us", json!({"kind": "amazon", "credentials": creds, "pull_since": "1970-01-01T00:00:00Z"}))
        .await;

    // The scheduled pull brings both published orders in (bounded wait).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while s.all_orders().await.len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduled pull did not import the orders: {:?}",
            imports(&s, "amazon-us").await
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let orders = s.all_orders().await;
    let first = orders.iter().find(|o| o["external_id"] == "902-1845936-5435065").expect("the first published order");
    let o = s.get(&format!("/v1/orders/{}", first["id"].as_str().unwrap())).await.body;
    assert_eq!(o["channel_order_number"], "902-1845936-5435065");
    assert_eq!(o["placed_at"], "1970-01-19T03:58:30.000Z", "PurchaseDate, as published");
    assert_eq!(o["email"], "withheld-buyer@amazon.invalid", "Amazon withholds the buyer in its example");
    assert!(o["shipping_address"].is_null(), "and the address: {o}");
    let line = &o["lines"][0];
    assert_eq!((line["sku"].as_str(), line["quantity"].as_i64()), (Some("NABetaASINB00551Q3CS"), Some(1)));
    assert_eq!(money(&line["unit_price"]), usd("10.00"));
    let t = &o["totals"];
    assert_eq!(
        [&t["subtotal"], &t["discount"], &t["shipping"], &t["tax"], &t["total"]].map(money),
        [usd("10.00"), usd("0.00"), usd("0.00"), usd("1.01"), usd("11.01")],
        "ItemTax on top of ItemPrice makes the OrderTotal"
    );
    let p = s.get(&format!("/v1/orders/{}/payments", o["id"].as_str().unwrap())).await.body;
    assert_eq!(money(&p["summary"]["balance_due"]), usd("0.00"), "Unshipped: Amazon has the payment: {p}");

    // One token for every call; the throttled items call was asked again; pages by NextToken.
    let (tokens, requests) = {
        let seen = seen.lock().unwrap();
        (seen.tokens_issued, seen.requests.clone())
    };
    assert_eq!(tokens, 1);
    let items_calls = requests.iter().filter(|(p, _)| p == "/orderItems").count();
    assert!(items_calls >= 3, "two orders, one call refused with 429 and repeated: {requests:?}");
    let pages: Vec<Option<&str>> = requests
        .iter()
        .filter(|(p, _)| p == "/orders/v0/orders")
        .take(2)
        .map(|(_, q)| q.get("NextToken").map(String::as_str))
        .collect();
    assert_eq!(pages, [None, Some("page-2")]);
    assert!(requests[0].1.contains_key("LastUpdatedAfter"), "{:?}", requests[0]);

    // Later pulls (scheduled or on demand) find the same versions: nothing more.
    let report = sync(&s, "amazon-us").await;
    assert_eq!(counts(&report), [2, 0, 0, 0, 2], "{report}");
    assert_eq!(s.all_orders().await.len(), 2);
    let (_, (_, reserved)) = s.levels("NABetaASINB00551Q3CS").await;
    assert_eq!(reserved, 2);
    // Amazon sends no webhooks: a delivery to an Amazon channel is refused.
    let (status, _) = deliver(&s, "amazon-us", &[], "{}").await;
    assert_eq!(status, 401);
    let listed = s.get("/v1/channels/amazon-us").await.body.to_string();
    assert!(!listed.contains("app_secret") && !listed.contains("Atzr"), "{listed}");
}

on_both_engines!(
    woocommerce_pulls_every_page_and_an_order_a_webhook_brought_is_imported_once,
    bigcommerce_webhooks_name_an_order_that_is_read_with_its_products_and_addresses,
    amazon_is_pulled_on_a_schedule_with_refreshed_tokens_next_tokens_and_backoff,
);
