//! Orders from sales platforms over real HTTP: the platforms' own published example payloads,
//! signed as they sign them, become orders that match them field by field; a delivery is
//! taken once however often and however concurrently it comes; a wrong signature or an
//! unknown channel stores nothing; what cannot become an order waits in the import log until
//! a mapping fixes it; later versions of an order apply to it or are recorded as not applied.

use crate::common::{Engine, TestServer};
use ordo_connectors::signing::sign_base64;
use reqwest::Method;
use serde_json::{Value, json};

const SHOPIFY: &str = include_str!("fixtures/shopify_orders_create.json");
const WOO: &str = include_str!("fixtures/woocommerce_order.json");
const SECRET: &str = "shpss_test_secret";

async fn connect(s: &TestServer, channel: &str, kind: &str) {
    let body =
        json!({"kind": kind, "credentials": {"webhook_secret": SECRET, "access_token": "shpat_token_never_shown"}});
    let r = s.call(&s.admin, Method::PUT, &format!("/v1/channels/{channel}"), Some(body)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// Sends a body exactly as given, with the platform's headers, and no Ordo key.
pub(crate) async fn deliver(s: &TestServer, channel: &str, headers: &[(&str, String)], body: &str) -> (u16, Value) {
    let mut req = s.client.post(format!("{}/v1/channels/{channel}/webhooks", s.base)).body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let res = req.header("content-type", "application/json").send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn shopify_headers(topic: &str, delivery: &str, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("X-Shopify-Topic", topic.to_owned()),
        ("X-Shopify-Hmac-Sha256", sign_base64(SECRET, body.as_bytes())),
        ("X-Shopify-Webhook-Id", delivery.to_owned()),
        ("X-Shopify-Shop-Domain", "jsmith.myshopify.com".to_owned()),
    ]
}

pub(crate) async fn imports(s: &TestServer, channel: &str) -> Vec<Value> {
    s.get(&format!("/v1/channels/{channel}/imports?limit=200")).await.body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub(crate) fn money(v: &Value) -> (String, String) {
    (v["amount"].as_str().unwrap_or_default().to_owned(), v["currency"].as_str().unwrap_or_default().to_owned())
}

pub(crate) fn usd(amount: &str) -> (String, String) {
    (amount.to_owned(), "USD".to_owned())
}

async fn shopify_publishes_its_orders_create_example_and_ordo_imports_it_field_by_field(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("KY", 1).await;
    s.product("IPOD2008PINK", "199.00").await;
    s.stock("KY", "IPOD2008PINK", 10).await;
    connect(&s, "shop", "shopify").await;
    let channel = s.get("/v1/channels/shop").await.body;
    assert_eq!(channel["kind"], "shopify");
    assert_eq!(channel["credentials_set"], json!(["webhook_secret", "access_token"]));
    assert!(!channel.to_string().contains(SECRET) && !channel.to_string().contains("shpat_token"), "{channel}");

    let (status, receipt) =
        deliver(&s, "shop", &shopify_headers("orders/create", "b54557e4-bdd9-4b37", SHOPIFY), SHOPIFY).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(
        (receipt["status"].as_str(), receipt["duplicate"].as_bool()),
        (Some("imported"), Some(false)),
        "{receipt}"
    );
    let id = receipt["order_id"].as_str().unwrap().to_owned();

    let o = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!(o["channel"], "shop");
    assert_eq!(o["external_id"], "820982911946154508", "the id keeps all its digits");
    assert_eq!(o["channel_order_number"], "#9999");
    assert_eq!(o["placed_at"], "2022-01-01T00:00:00.000Z", "Shopify's created_at, 19:00 at -05:00");
    assert_eq!(o["email"], "jon@example.com", "the order's own email");
    assert_eq!(o["currency"], "USD");
    let lines: Vec<(String, i64, (String, String))> = o["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap(), money(&l["unit_price"])))
        .collect();
    assert_eq!(lines, vec![("IPOD2008PINK".into(), 1, usd("199.00")), ("IPOD2008PINK".into(), 1, usd("199.00"))]);
    let t = &o["totals"];
    assert_eq!(money(&t["subtotal"]), usd("398.00"), "total_line_items_price");
    assert_eq!(money(&t["discount"]), usd("20.00"), "total_discounts");
    assert_eq!(money(&t["shipping"]), usd("10.00"), "total_shipping_price_set");
    assert_eq!(money(&t["tax"]), usd("0.00"), "total_tax");
    assert_eq!(money(&t["total"]), usd("388.00"), "total_price");
    for (which, a) in [("shipping", &o["shipping_address"]), ("billing", &o["billing_address"])] {
        assert_eq!(
            (&a["name"], &a["line1"], &a["city"], &a["region"], &a["postal_code"], &a["country"]),
            (
                &json!("Steve Shipper"),
                &json!("123 Shipping Street"),
                &json!("Shippington"),
                &json!("KY"),
                &json!("40003"),
                &json!("US")
            ),
            "{which}: {a}"
        );
        assert!(a.get("line2").is_none_or(Value::is_null), "{which}: address2 is null");
    }
    let customer = s.get(&format!("/v1/customers/{}", o["customer_id"].as_str().unwrap())).await.body;
    assert_eq!((customer["email"].as_str(), customer["name"].as_str()), (Some("jon@example.com"), Some("John Smith")));
    // The example was cancelled at Shopify (cancelled_at, cancel_reason "customer") and its
    // payment voided: the order is cancelled with that reason, its stock released, nothing paid.
    assert_eq!((o["status"].as_str(), o["cancel_reason"].as_str()), (Some("cancelled"), Some("customer")));
    let (_, (on_hand, reserved)) = s.levels("IPOD2008PINK").await;
    assert_eq!((on_hand, reserved), (10, 0));
    let payments = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(payments["payments"], json!([]), "financial_status voided: nothing was paid");

    // The payload is kept exactly as it came, with the order.
    let log = imports(&s, "shop").await;
    assert_eq!(log.len(), 1);
    assert_eq!((log[0]["status"].as_str(), log[0]["order_id"].as_str()), (Some("imported"), Some(id.as_str())));
    assert_eq!(log[0]["delivery_id"], "b54557e4-bdd9-4b37");
    assert!(log[0].get("payload").is_none(), "lists leave payloads out");
    let entry = s.get(&format!("/v1/channels/shop/imports/{}", log[0]["id"].as_str().unwrap())).await.body;
    assert_eq!(entry["payload"].as_str(), Some(SHOPIFY));
    let by_order = s.get(&format!("/v1/channels/shop/imports?order_id={id}")).await.body;
    assert_eq!(by_order["data"].as_array().map(Vec::len), Some(1));
    s.assert_stock_consistent(&["IPOD2008PINK"]).await;
}

async fn woocommerce_publishes_an_order_and_a_line_without_sku_waits_for_its_mapping(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("SF", 1).await;
    s.product("WOO-SINGLE-1", "3.00").await;
    s.product("Bar3", "12.00").await;
    s.stock("SF", "WOO-SINGLE-1", 5).await;
    s.stock("SF", "Bar3", 5).await;
    connect(&s, "woo", "woocommerce").await;
    let headers = vec![
        ("X-WC-Webhook-Topic", "order.created".to_owned()),
        ("X-WC-Webhook-Resource", "order".to_owned()),
        ("X-WC-Webhook-Event", "created".to_owned()),
        ("X-WC-Webhook-Signature", sign_base64(SECRET, WOO.as_bytes())),
        ("X-WC-Webhook-ID", "12".to_owned()),
        ("X-WC-Webhook-Delivery-ID", "0a4d3c5e".to_owned()),
    ];
    // The first line has no SKU at WooCommerce ("sku": ""): it waits for a mapping, and the
    // platform still gets its 200.
    let (status, receipt) = deliver(&s, "woo", &headers, WOO).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["status"], "parked", "{receipt}");
    let reason = receipt["reason"].as_str().unwrap();
    assert!(reason.contains("lines/0") && reason.contains("product 93"), "{reason}");
    assert_eq!(s.all_orders().await.len(), 0);
    let import = receipt["id"].as_str().unwrap().to_owned();
    let parked = s.get("/v1/channels/woo/imports?status=parked").await.body;
    assert_eq!(parked["data"][0]["external_id"], "727");

    // Only a product that exists can be mapped to; then the retry imports it.
    let bad = s.call(&s.admin, Method::PUT, "/v1/channels/woo/mappings/93", Some(json!({"sku": "NOPE"}))).await;
    assert_eq!(bad.status, 404, "{:?}", bad.body);
    let m = s.call(&s.admin, Method::PUT, "/v1/channels/woo/mappings/93", Some(json!({"sku": "WOO-SINGLE-1"}))).await;
    assert_eq!(m.status, 200, "{:?}", m.body);
    let r = s.post(&format!("/v1/channels/woo/imports/{import}/retry"), json!({})).await;
    assert_eq!((r.status.as_u16(), r.body["status"].as_str()), (200, Some("imported")), "{:?}", r.body);
    let id = r.body["order_id"].as_str().unwrap().to_owned();
    let again = s.post(&format!("/v1/channels/woo/imports/{import}/retry"), json!({})).await;
    assert_eq!(again.status, 409, "an imported payload is not retried: {:?}", again.body);

    let o = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!((o["external_id"].as_str(), o["channel_order_number"].as_str()), (Some("727"), Some("727")));
    assert_eq!(o["placed_at"], "2017-03-22T19:28:02.000Z", "date_created_gmt");
    assert_eq!(o["email"], "john.doe@example.com");
    let lines: Vec<(String, i64, (String, String))> = o["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap(), money(&l["unit_price"])))
        .collect();
    assert_eq!(lines, vec![("WOO-SINGLE-1".into(), 2, usd("3.00")), ("Bar3".into(), 1, usd("12.00"))]);
    let t = &o["totals"];
    assert_eq!(
        [&t["subtotal"], &t["discount"], &t["shipping"], &t["tax"], &t["total"]].map(money),
        [usd("18.00"), usd("0.00"), usd("10.00"), usd("1.35"), usd("29.35")]
    );
    let a = &o["shipping_address"];
    assert_eq!(
        (&a["name"], &a["line1"], &a["city"], &a["region"], &a["postal_code"], &a["country"]),
        (
            &json!("John Doe"),
            &json!("969 Market"),
            &json!("San Francisco"),
            &json!("CA"),
            &json!("94103"),
            &json!("US")
        )
    );
    // Paid at WooCommerce (date_paid): a captured payment from the platform, nothing due.
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["payments"].as_array().map(Vec::len), Some(1), "{p}");
    assert_eq!(
        (p["payments"][0]["provider"].as_str(), p["payments"][0]["method"].as_str()),
        (Some("platform"), Some("woocommerce"))
    );
    assert_eq!(money(&p["payments"][0]["captured"]), usd("29.35"));
    assert_eq!(money(&p["summary"]["balance_due"]), usd("0.00"), "{p}");
    let (_, (_, reserved)) = s.levels("WOO-SINGLE-1").await;
    assert_eq!(reserved, 2);

    // The same delivery again changes nothing; a new delivery of the same order is unchanged.
    let (_, dup) = deliver(&s, "woo", &headers, WOO).await;
    assert_eq!((dup["duplicate"].as_bool(), dup["id"].as_str()), (Some(true), Some(import.as_str())), "{dup}");
    let mut later = headers.clone();
    later[0].1 = "order.updated".into();
    later[5].1 = "0a4d3c5f".into();
    let (_, same) = deliver(&s, "woo", &later, WOO).await;
    assert_eq!((same["status"].as_str(), same["order_id"].as_str()), (Some("unchanged"), Some(id.as_str())), "{same}");
    assert_eq!(s.all_orders().await.len(), 1);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["payments"].as_array().map(Vec::len), Some(1), "paid once: {p}");
    s.assert_stock_consistent(&["WOO-SINGLE-1", "Bar3"]).await;
}

/// A small Shopify order, open and paid.
fn shopify_order(id: &str, quantity: i64, city: &str, cancelled: bool) -> String {
    let cents = 2990 * quantity;
    json!({
        "id": id.parse::<u64>().unwrap(),
        "name": "#1001",
        "email": "ann@example.com",
        "created_at": "2026-11-30T10:00:00+01:00",
        "currency": "EUR",
        "financial_status": "paid",
        "taxes_included": true,
        "total_price": format!("{}.{:02}", cents / 100, cents % 100),
        "total_tax": "9.55",
        "total_discounts": "0.00",
        "cancelled_at": if cancelled { json!("2026-11-30T12:00:00+01:00") } else { Value::Null },
        "cancel_reason": if cancelled { json!("inventory") } else { Value::Null },
        "customer": {"id": 7, "first_name": "Ann", "last_name": "Lee"},
        "shipping_address": {"name": "Ann Lee", "address1": "Hauptstr. 1", "city": city, "zip": "10115", "country_code": "DE"},
        "line_items": [{"sku": "HOT", "variant_id": 44, "product_id": 4, "quantity": quantity, "price": "29.90",
            "discount_allocations": []}],
        "shipping_lines": [{"price": "0.00"}]
    })
    .to_string()
}

async fn the_same_webhook_twenty_times_at_once_makes_one_order_and_reserves_once(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("BER", 1).await;
    s.product("HOT", "29.90").await;
    s.stock("BER", "HOT", 100).await;
    connect(&s, "shop", "shopify").await;
    let body = shopify_order("5551234567890123456", 2, "Berlin", false);
    let headers = shopify_headers("orders/create", "delivery-1", &body);
    let receipts = all_at_once(&s, (0..20).map(|_| (headers.clone(), body.clone())).collect()).await;
    let mut orders = std::collections::BTreeSet::new();
    for (status, r) in &receipts {
        assert_eq!(*status, 200, "{r}");
        orders.insert(r["order_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(orders.len(), 1, "every receipt names the one order: {receipts:?}");
    assert_eq!(receipts.iter().filter(|(_, r)| r["duplicate"] == json!(false)).count(), 1, "{receipts:?}");
    assert_eq!(s.all_orders().await.len(), 1);
    let (_, (on_hand, reserved)) = s.levels("HOT").await;
    assert_eq!((on_hand, reserved), (100, 2), "reserved once");
    assert_eq!(imports(&s, "shop").await.len(), 1);

    // Tax included in the prices is kept as such: not added to the total.
    let id = orders.into_iter().next().unwrap();
    let o = s.get(&format!("/v1/orders/{id}")).await.body;
    assert_eq!(
        [&o["totals"]["total"], &o["totals"]["tax"], &o["totals"]["tax_included"]].map(money),
        [("59.80".into(), "EUR".into()), ("0.00".into(), "EUR".into()), ("9.55".into(), "EUR".into())]
    );
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(money(&p["summary"]["balance_due"]), ("0.00".into(), "EUR".into()), "paid at Shopify: {p}");

    // Twenty different deliveries of one order at once: still one order.
    let body = shopify_order("5551234567890999999", 1, "Berlin", false);
    let sends = (0..20).map(|i| (shopify_headers("orders/updated", &format!("update-{i}"), &body), body.clone()));
    let receipts = all_at_once(&s, sends.collect()).await;
    assert!(receipts.iter().all(|(status, _)| *status == 200), "{receipts:?}");
    assert_eq!(receipts.iter().filter(|(_, r)| r["status"] == "imported").count(), 1, "{receipts:?}");
    assert_eq!(s.all_orders().await.len(), 2);
    let (_, (_, reserved)) = s.levels("HOT").await;
    assert_eq!(reserved, 3);
    s.assert_stock_consistent(&["HOT"]).await;
}

/// Sends every delivery at once, each on a task of its own.
async fn all_at_once(s: &TestServer, sends: Vec<(Vec<(&'static str, String)>, String)>) -> Vec<(u16, Value)> {
    let tasks: Vec<_> = sends
        .into_iter()
        .map(|(headers, body)| {
            let s = TestServer::attach(s.base.clone(), s.admin.clone(), std::path::PathBuf::new());
            tokio::spawn(async move { deliver(&s, "shop", &headers, &body).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn a_wrong_signature_a_changed_body_or_an_unknown_channel_gets_401_and_stores_nothing(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("BER", 1).await;
    s.product("HOT", "29.90").await;
    s.stock("BER", "HOT", 10).await;
    connect(&s, "shop", "shopify").await;
    let api = s.call(&s.admin, Method::PUT, "/v1/channels/web", Some(json!({"capture": "at_placement"}))).await;
    assert_eq!(api.status, 200);
    let body = shopify_order("42", 1, "Berlin", false);
    let good = shopify_headers("orders/create", "d-1", &body);
    let mut wrong = good.clone();
    wrong[1].1 = sign_base64("another secret", body.as_bytes());
    let changed = body.replace("\"quantity\":1", "\"quantity\":9");
    let mut missing = good.clone();
    missing.remove(1);
    for (channel, headers, sent, why) in [
        ("shop", &wrong, &body, "signed with another secret"),
        ("shop", &good, &changed, "the body was changed after signing"),
        ("shop", &missing, &body, "no signature"),
        ("nowhere", &good, &body, "no such channel"),
        ("web", &good, &body, "an api channel takes no webhooks"),
        ("bad channel!", &good, &body, "not a channel name"),
    ] {
        let (status, r) = deliver(&s, &channel.replace(' ', "%20"), headers, sent).await;
        assert_eq!(status, 401, "{why}: {r}");
        assert_eq!(r["code"], "invalid_signature", "{why}: {r}");
        assert!(!r.to_string().contains(SECRET), "{why}: {r}");
    }
    assert_eq!(imports(&s, "shop").await.len(), 0);
    assert_eq!(s.all_orders().await.len(), 0);
    let (_, (_, reserved)) = s.levels("HOT").await;
    assert_eq!(reserved, 0);

    // With the signature right, even a body that is no order at all is taken (200) and kept.
    for (n, (topic, junk, status)) in [
        ("orders/create", "not json at all", "parked"),
        ("orders/create", "{\"id\": 77, \"line_items\": \"many\"}", "parked"),
        ("app/uninstalled", "{}", "ignored"),
    ]
    .into_iter()
    .enumerate()
    {
        let (code, r) = deliver(&s, "shop", &shopify_headers(topic, &format!("junk-{n}"), junk), junk).await;
        assert_eq!((code, r["status"].as_str()), (200, Some(status)), "{junk}: {r}");
    }
    let log = imports(&s, "shop").await;
    assert_eq!(log.len(), 3);
    assert_eq!(log.iter().filter(|e| e["external_id"] == "77").count(), 1, "the id is found in a bad body: {log:?}");
    let parked = log.iter().find(|e| e["status"] == "parked").unwrap()["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/channels/shop/imports/{parked}/dismiss"), json!({})).await;
    assert_eq!((r.status.as_u16(), r.body["status"].as_str()), (200, Some("dismissed")), "{:?}", r.body);
    let r = s.post(&format!("/v1/channels/shop/imports/{parked}/dismiss"), json!({})).await;
    assert_eq!(r.status, 409);
    let r = s.get("/v1/channels/shop/imports?status=lost").await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (400, Some("invalid_query")), "{:?}", r.body);
    let dismissed = s.get("/v1/channels/shop/imports?status=dismissed").await.body;
    assert_eq!(dismissed["data"].as_array().map(Vec::len), Some(1), "{dismissed}");
    // A channel key of another channel sees none of it.
    let other = s.key("channel", Some("web")).await;
    let r = s.call(&other, Method::GET, "/v1/channels/shop/imports", None).await;
    assert_eq!(r.status, 404);
}

async fn later_versions_of_an_order_apply_or_are_recorded_as_not_applied(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("BER", 1).await;
    s.product("HOT", "29.90").await;
    s.stock("BER", "HOT", 10).await;
    connect(&s, "shop", "shopify").await;
    let id = "9000000000000000001";
    let send = |n: usize, topic: &'static str, body: String| {
        let s = &s;
        async move { deliver(s, "shop", &shopify_headers(topic, &format!("v{n}"), &body), &body).await }
    };
    let (_, created) = send(1, "orders/create", shopify_order(id, 1, "Berlin", false)).await;
    let order = created["order_id"].as_str().unwrap().to_owned();
    // A new address applies as an edit.
    let (_, moved) = send(2, "orders/updated", shopify_order(id, 1, "Potsdam", false)).await;
    assert_eq!((moved["status"].as_str(), moved["reason"].as_str()), (Some("updated"), None), "{moved}");
    let o = s.get(&format!("/v1/orders/{order}")).await.body;
    assert_eq!(o["shipping_address"]["city"], "Potsdam");
    // A changed line is not applied: it is named in the import log and on the timeline.
    let (_, lines) = send(3, "orders/updated", shopify_order(id, 3, "Potsdam", false)).await;
    assert_eq!(lines["status"], "updated", "{lines}");
    assert!(lines["reason"].as_str().unwrap().contains("lines"), "{lines}");
    let timeline = s.get(&format!("/v1/orders/{order}/timeline")).await.body;
    assert!(timeline.to_string().contains("order.channel_update_not_applied"), "{timeline}");
    let (_, (_, reserved)) = s.levels("HOT").await;
    assert_eq!(reserved, 1, "Ordo keeps its line");
    // A cancellation releases the stock.
    let (_, cancelled) = send(4, "orders/cancelled", shopify_order(id, 1, "Potsdam", true)).await;
    assert_eq!(cancelled["status"], "updated", "{cancelled}");
    let o = s.get(&format!("/v1/orders/{order}")).await.body;
    assert_eq!((o["status"].as_str(), o["cancel_reason"].as_str()), (Some("cancelled"), Some("inventory")));
    let (_, (_, reserved)) = s.levels("HOT").await;
    assert_eq!(reserved, 0);
    assert_eq!(s.all_orders().await.len(), 1);
    s.assert_stock_consistent(&["HOT"]).await;
}

async fn channel_settings_refuse_bad_connections_and_keep_credentials_unless_replaced(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("STORE-1", 1).await;
    connect(&s, "shop", "shopify").await;
    for (body, status) in [
        (json!({"kind": "ebay"}), 422),
        (json!({"kind": "pos"}), 422),
        (json!({"kind": "pos", "store_location": "NOWHERE"}), 404),
        (json!({"locations": ["NOWHERE"]}), 404),
        (json!({"stock_buffer": -1}), 422),
        (json!({"credentials": {"webhook_secret": ""}}), 422),
        (json!({"credentials": {"api_url": "http://user:pw@shop.example/admin"}}), 422),
        (json!({"credentials": {"password": "x"}}), 400),
    ] {
        let r = s.call(&s.admin, Method::PUT, "/v1/channels/shop", Some(body.clone())).await;
        assert_eq!(r.status.as_u16(), status, "{body}: {:?}", r.body);
        assert!(!r.body.to_string().contains("pw@"), "{:?}", r.body);
    }
    // Settings without credentials keep the stored ones: a webhook signed with them still counts.
    let r = s
        .call(
            &s.admin,
            Method::PUT,
            "/v1/channels/shop",
            Some(json!({"kind": "shopify", "stock_buffer": 2, "locations": ["STORE-1"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (r.body["credentials_set"].clone(), r.body["stock_buffer"].clone()),
        (json!(["webhook_secret", "access_token"]), json!(2))
    );
    let pos = s
        .call(&s.admin, Method::PUT, "/v1/channels/till", Some(json!({"kind": "pos", "store_location": "STORE-1"})))
        .await;
    assert_eq!((pos.status.as_u16(), pos.body["store_location"].as_str()), (200, Some("STORE-1")));
    let events = s.get("/v1/events?limit=200").await.body.to_string();
    assert!(!events.contains(SECRET) && !events.contains("shpat_token"), "no event holds a credential");
    let body = shopify_order("1", 1, "Berlin", false);
    let (status, _) = deliver(&s, "shop", &shopify_headers("orders/create", "x", &body), &body).await;
    assert_eq!(status, 200);
}

on_both_engines!(
    shopify_publishes_its_orders_create_example_and_ordo_imports_it_field_by_field,
    woocommerce_publishes_an_order_and_a_line_without_sku_waits_for_its_mapping,
    the_same_webhook_twenty_times_at_once_makes_one_order_and_reserves_once,
    a_wrong_signature_a_changed_body_or_an_unknown_channel_gets_401_and_stores_nothing,
    later_versions_of_an_order_apply_or_are_recorded_as_not_applied,
    channel_settings_refuse_bad_connections_and_keep_credentials_unless_replaced,
);
