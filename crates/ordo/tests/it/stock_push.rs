//! Stock pushed back to the platforms over real sockets, to local stand-ins that take
//! Shopify's `inventory_levels/set`, WooCommerce's product and variation `stock_quantity` and
//! BigCommerce's catalog `inventory_level`: the right quantity (the feeding locations'
//! available less the channel's buffer) after a sale, a cancellation and a return; a burst of
//! a thousand changes to one SKU becomes a few pushes, the last with the final value; a
//! refused push is recorded on the listing and tried again.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer, order_body};

/// Every push a stand-in took: (where, the quantity).
#[derive(Default)]
struct Pushes {
    taken: Vec<(String, i64)>,
    /// Refuse the next pushes with 500.
    refuse: u32,
}

type Shared = Arc<Mutex<Pushes>>;

fn take(seen: &Shared, at: String, quantity: Option<i64>) -> Response {
    let mut p = seen.lock().unwrap();
    if p.refuse > 0 {
        p.refuse -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "try later").into_response();
    }
    match quantity {
        Some(q) => {
            p.taken.push((at, q));
            Json(json!({"ok": true})).into_response()
        }
        None => (StatusCode::UNPROCESSABLE_ENTITY, "no quantity").into_response(),
    }
}

async fn shopify_set(State(seen): State<Shared>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    if headers.get("x-shopify-access-token").and_then(|v| v.to_str().ok()) != Some("shpat_token") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    // Shopify's ids are JSON numbers.
    let at =
        format!("shopify {}@{}", b["inventory_item_id"].as_u64().unwrap_or(0), b["location_id"].as_u64().unwrap_or(0));
    take(&seen, at, b["available"].as_i64())
}

async fn woo_product(State(seen): State<Shared>, Path(id): Path<String>, Json(b): Json<Value>) -> Response {
    let q = b["stock_quantity"].as_i64().filter(|_| b["manage_stock"] == true);
    take(&seen, format!("woo {id}"), q)
}

async fn woo_variation(
    State(seen): State<Shared>,
    Path((id, v)): Path<(String, String)>,
    Json(b): Json<Value>,
) -> Response {
    take(&seen, format!("woo {id}/{v}"), b["stock_quantity"].as_i64())
}

async fn bc_product(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(b): Json<Value>,
) -> Response {
    if headers.get("x-auth-token").and_then(|v| v.to_str().ok()) != Some("bc_token") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    take(&seen, format!("bc {id}"), b["inventory_level"].as_i64())
}

async fn bc_variant(
    State(seen): State<Shared>,
    Path((id, v)): Path<(String, String)>,
    Json(b): Json<Value>,
) -> Response {
    take(&seen, format!("bc {id}/{v}"), b["inventory_level"].as_i64())
}

async fn stand_in() -> (String, Shared) {
    let seen: Shared = Arc::default();
    let router = axum::Router::new()
        .route("/admin/api/2024-10/inventory_levels/set.json", post(shopify_set))
        .route("/wp-json/wc/v3/products/{id}", put(woo_product))
        .route("/wp-json/wc/v3/products/{id}/variations/{v}", put(woo_variation))
        .route("/v3/catalog/products/{id}", put(bc_product))
        .route("/v3/catalog/products/{id}/variants/{v}", put(bc_variant))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), seen)
}

/// The last quantity each place was told.
fn latest(seen: &Shared) -> std::collections::BTreeMap<String, i64> {
    seen.lock().unwrap().taken.iter().cloned().collect()
}

/// Waits (bounded) until every place named was last told its quantity.
async fn until(seen: &Shared, want: &[(&str, i64)]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = latest(seen);
        if want.iter().all(|(at, q)| now.get(*at) == Some(q)) {
            return;
        }
        assert!(Instant::now() < deadline, "wanted {want:?}, the platforms were told {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn put_channel(s: &TestServer, channel: &str, body: Value) {
    let r = s.call(&s.admin, Method::PUT, &format!("/v1/channels/{channel}"), Some(body)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn list(s: &TestServer, channel: &str, sku: &str, target: Value) -> Value {
    let r = s.call(&s.admin, Method::PUT, &format!("/v1/channels/{channel}/listings/{sku}"), Some(target)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

async fn started(engine: Engine) -> TestServer {
    TestServer::start_app(engine, Default::default(), |app| {
        std::mem::forget(app.spawn_stock_sync(Duration::from_millis(300)));
        app
    })
    .await
}

async fn sales_cancellations_and_returns_move_each_platforms_stock(engine: Engine) {
    let (base, seen) = stand_in().await;
    let s = started(engine).await;
    s.location("WH", 1).await;
    s.location("STORE", 2).await;
    s.product("X", "10.00").await;
    s.product("CUP", "4.00").await;
    s.stock("WH", "X", 10).await;
    s.stock("STORE", "X", 4).await;
    s.stock("WH", "CUP", 6).await;
    let shop =
        json!({"webhook_secret": "s", "api_url": format!("{base}/admin/api/2024-10"), "access_token": "shpat_token"});
    put_channel(&s, "shop", json!({"kind": "shopify", "credentials": shop, "locations": ["WH"], "stock_buffer": 2}))
        .await;
    let woo = json!({"api_url": base, "consumer_key": "ck", "consumer_secret": "cs"});
    put_channel(&s, "woo", json!({"kind": "woocommerce", "credentials": woo})).await;
    put_channel(&s, "bc", json!({"kind": "bigcommerce", "credentials": {"api_url": base, "access_token": "bc_token"}}))
        .await;

    // Listing a SKU pushes its stock at once: Shopify sells WH's 10 less a buffer of 2; the
    // others sell every location's.
    let l = list(&s, "shop", "X", json!({"inventory_item_id": "808950810", "location_id": "655441491"})).await;
    assert_eq!((l["pushes"].as_i64(), l["pushed_quantity"].as_i64()), (Some(0), None));
    list(&s, "woo", "X", json!({"product_id": "93"})).await;
    list(&s, "woo", "CUP", json!({"product_id": "22", "variant_id": "5"})).await;
    list(&s, "bc", "X", json!({"product_id": "77", "variant_id": "12"})).await;
    until(&seen, &[("shopify 808950810@655441491", 8), ("woo 93", 14), ("woo 22/5", 6), ("bc 77/12", 14)]).await;

    // A sale of 3 from WH, then its cancellation.
    let r = s.post("/v1/orders", order_body(&[("X", 3)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["lines"][0]["allocations"][0]["location"], "WH");
    let id = r.body["id"].as_str().unwrap().to_owned();
    until(&seen, &[("shopify 808950810@655441491", 5), ("woo 93", 11), ("bc 77/12", 11)]).await;
    let c = s.post(&format!("/v1/orders/{id}/cancel"), json!({"reason": "customer_request"})).await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    until(&seen, &[("shopify 808950810@655441491", 8), ("woo 93", 14), ("bc 77/12", 14)]).await;

    // A sale shipped, then two units returned to STORE and restocked: Shopify (fed by WH only)
    // keeps its 5; the others see STORE's two.
    let r = s.post("/v1/orders", order_body(&[("X", 3)])).await;
    let (id, line) = (r.body["id"].as_str().unwrap().to_owned(), r.body["lines"][0]["id"].as_str().unwrap().to_owned());
    let paid = s
        .post(
            &format!("/v1/orders/{id}/payments"),
            json!({"provider": "manual", "amount": {"amount": "30.00", "currency": "USD"}}),
        )
        .await;
    assert_eq!(paid.status, 201, "{:?}", paid.body);
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    until(&seen, &[("shopify 808950810@655441491", 5), ("woo 93", 11)]).await;
    let ret = s
        .post(
            &format!("/v1/orders/{id}/returns"),
            json!({"lines": [{"line_id": line, "quantity": 2, "reason": "no_longer_needed"}]}),
        )
        .await;
    assert_eq!(ret.status, 201, "{:?}", ret.body);
    let ret = ret.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await.status, 200);
    let units = json!([{"line_id": line, "quantity": 2, "condition": "new", "disposition": "restock"}]);
    let got = s.post(&format!("/v1/returns/{ret}/receive"), json!({"location": "STORE", "units": units})).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    until(&seen, &[("woo 93", 13), ("bc 77/12", 13)]).await;
    assert_eq!(latest(&seen)["shopify 808950810@655441491"], 5);

    // The sync log: each listing's last push.
    let log = s.get("/v1/channels/woo/listings").await.body;
    let rows: Vec<(String, i64)> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["pushed_quantity"].as_i64().unwrap_or(-1)))
        .collect();
    assert_eq!(rows, vec![("CUP".into(), 6), ("X".into(), 13)], "{log}");
    s.assert_stock_consistent(&["X", "CUP"]).await;

    // Listings that cannot be: an api channel, an unknown SKU, missing or malformed ids.
    put_channel(&s, "web", json!({"kind": "api"})).await;
    for (path, body, status) in [
        ("/v1/channels/web/listings/X", json!({"product_id": "1"}), 409),
        ("/v1/channels/woo/listings/NOPE", json!({"product_id": "1"}), 404),
        ("/v1/channels/shop/listings/X", json!({"inventory_item_id": "1"}), 422),
        ("/v1/channels/woo/listings/X", json!({"product_id": "1e3"}), 422),
    ] {
        let r = s.call(&s.admin, Method::PUT, path, Some(body)).await;
        assert_eq!(r.status, status, "{path}: {:?}", r.body);
    }
}

async fn a_thousand_changes_in_a_burst_become_a_few_pushes_of_the_last_value(engine: Engine) {
    let (base, seen) = stand_in().await;
    let s = started(engine).await;
    s.location("WH", 1).await;
    s.product("X", "10.00").await;
    s.stock("WH", "X", 1).await;
    put_channel(
        &s,
        "woo",
        json!({"kind": "woocommerce", "credentials": {"api_url": base, "consumer_key": "ck", "consumer_secret": "cs"}}),
    )
    .await;
    list(&s, "woo", "X", json!({"product_id": "93"})).await;
    until(&seen, &[("woo 93", 1)]).await;
    let before = seen.lock().unwrap().taken.len();

    // A thousand receipts of one unit, eight at a time.
    let started = Instant::now();
    let server = &s;
    let sender = || async move {
        for _ in 0..125 {
            let body = json!({"location": "WH", "sku": "X", "delta": 1, "reason": "received"});
            assert_eq!(server.post("/v1/inventory/adjustments", body).await.status, 201);
        }
    };
    tokio::join!(sender(), sender(), sender(), sender(), sender(), sender(), sender(), sender());
    let took = started.elapsed();
    until(&seen, &[("woo 93", 1001)]).await;
    let pushes = seen.lock().unwrap().taken.len() - before;
    // At most one push a pass, one pass every 300 ms: the burst's length bounds them.
    let bound = (took.as_millis() / 300) as usize + 3;
    assert!(pushes <= bound, "{pushes} pushes for 1000 changes in {took:?} (at most {bound})");
    assert_eq!(seen.lock().unwrap().taken.last().map(|(_, q)| *q), Some(1001), "the last push carries the final value");

    // A refused push is recorded and tried again with backoff.
    seen.lock().unwrap().refuse = 1;
    let r = s
        .post("/v1/inventory/adjustments", json!({"location": "WH", "sku": "X", "delta": -1, "reason": "damaged"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let l = s.get("/v1/channels/woo/listings/X").await.body;
        if l["failures"] == 1 {
            assert!(l["last_error"].as_str().unwrap().contains("WooCommerce answered 500"), "{l}");
            break;
        }
        assert!(Instant::now() < deadline, "the refusal was not recorded: {l}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    until(&seen, &[("woo 93", 1000)]).await;
    // The listing records the push once the platform has answered it: a moment after.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut l = s.get("/v1/channels/woo/listings/X").await.body;
    while l["failures"] != 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        l = s.get("/v1/channels/woo/listings/X").await.body;
    }
    assert_eq!(
        (l["failures"].as_i64(), l["pushed_quantity"].as_i64(), l["last_error"].is_null()),
        (Some(0), Some(1000), true),
        "{l}"
    );
}

on_both_engines!(
    sales_cancellations_and_returns_move_each_platforms_stock,
    a_thousand_changes_in_a_burst_become_a_few_pushes_of_the_last_value,
);
