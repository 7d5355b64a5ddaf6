//! Stock alerts over HTTP, with the alert worker running: a low-stock alert opens once when
//! available stock crosses the reorder point, stays one alert while stock keeps falling, ends
//! when stock recovers, and opens again only after that; a stock-out is recorded from when
//! nothing is available until some is again; a location's buyers are emailed once per
//! low-stock alert, with what is on its way there.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer, order_body};

async fn started(engine: Engine) -> TestServer {
    TestServer::start_app(engine, Default::default(), |app| {
        std::mem::forget(app.spawn_stock_alerts(Duration::from_millis(100)));
        app
    })
    .await
}

/// Alerts listed with `query`, once `done` holds of them (or after ten seconds).
async fn alerts_when(s: &TestServer, query: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let found = s.all(&format!("/v1/inventory/alerts?{query}")).await;
        if done(&found) || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many events of `kind` the feed shows once it shows at least `at_least`.
async fn events(s: &TestServer, kind: &str, at_least: usize) -> usize {
    s.events_when(&format!("type={kind}"), at_least).await.len()
}

/// Waits until the worker has handled every change so far: a marker SKU's stock runs out, and
/// its alert opens after everything before it.
async fn settle(s: &TestServer, round: usize) {
    let sku = format!("MARK-{round}");
    s.product(&sku, "1.00").await;
    s.stock("WH", &sku, 1).await;
    s.post("/v1/inventory/adjustments", json!({"location": "WH", "sku": sku, "delta": -1, "reason": "lost"})).await;
    let query = format!("kind=stock_out&sku={sku}");
    let found = alerts_when(s, &query, |a| !a.is_empty()).await;
    assert_eq!(found.len(), 1, "the worker did not catch up");
}

async fn low_stock_alerts_fire_once_per_crossing(engine: Engine) {
    let s = started(engine).await;
    s.location("WH", 1).await;
    s.product("A-1", "10.00").await;
    s.stock("WH", "A-1", 10).await;
    let policy = json!({"safety_stock": 2, "reorder_point": 5});
    let r = s.call(&s.admin, Method::PUT, "/v1/inventory/A-1/policies/WH", Some(policy)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    settle(&s, 0).await;
    assert!(s.all("/v1/inventory/alerts?sku=A-1").await.is_empty(), "10 available is above 5");

    // Down to the reorder point: one alert.
    assert_eq!(s.post("/v1/orders", order_body(&[("A-1", 5)])).await.status, 201);
    let open = alerts_when(&s, "sku=A-1&kind=low_stock", |a| !a.is_empty()).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (&open[0]["location"], &open[0]["available"], &open[0]["reorder_point"]),
        (&json!("WH"), &json!(5), &json!(5))
    );
    assert_eq!(open[0]["status"], "open");
    // Falling further raises nothing new.
    assert_eq!(s.post("/v1/orders", order_body(&[("A-1", 1)])).await.status, 201);
    settle(&s, 1).await;
    assert_eq!(s.all("/v1/inventory/alerts?sku=A-1&status=all").await.len(), 1);
    assert_eq!(events(&s, "inventory.low_stock", 1).await, 1);

    // Recovered: the alert ends.
    s.stock("WH", "A-1", 10).await;
    let ended = alerts_when(&s, "sku=A-1&status=ended", |a| !a.is_empty()).await;
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert!(ended[0]["ended_at"].is_string());
    assert!(s.all("/v1/inventory/alerts?sku=A-1").await.is_empty());
    assert_eq!(events(&s, "inventory.low_stock_resolved", 1).await, 1);

    // Crossing again is a new alert, and only one.
    assert_eq!(s.post("/v1/orders", order_body(&[("A-1", 10)])).await.status, 201);
    let open = alerts_when(&s, "sku=A-1", |a| !a.is_empty()).await;
    assert_eq!(open.len(), 1);
    assert_ne!(open[0]["id"], ended[0]["id"]);
    settle(&s, 2).await;
    assert_eq!(events(&s, "inventory.low_stock", 2).await, 2);

    // Out of stock: recorded until some is available again.
    assert_eq!(s.post("/v1/orders", order_body(&[("A-1", 4)])).await.status, 201);
    let out = alerts_when(&s, "sku=A-1&kind=stock_out", |a| !a.is_empty()).await;
    assert_eq!((out.len(), &out[0]["available"]), (1, &json!(0)));
    s.stock("WH", "A-1", 3).await;
    let back = alerts_when(&s, "sku=A-1&kind=stock_out&status=ended", |a| !a.is_empty()).await;
    assert_eq!(back.len(), 1);
    // Removing the policy ends the low-stock alert.
    assert_eq!(s.call(&s.admin, Method::DELETE, "/v1/inventory/A-1/policies/WH", None).await.status, 204);
    let none = alerts_when(&s, "sku=A-1", |a| a.is_empty()).await;
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(events(&s, "inventory.low_stock_resolved", 2).await, 2);

    // Filters.
    assert_eq!(s.all("/v1/inventory/alerts?sku=A-1&status=all&kind=low_stock").await.len(), 2);
    assert!(s.all("/v1/inventory/alerts?location=NOWHERE&status=all").await.is_empty());
    for bad in ["status=closed", "kind=high"] {
        assert_eq!(s.get(&format!("/v1/inventory/alerts?{bad}")).await.status, 400, "{bad}");
    }
}

async fn a_locations_buyers_are_emailed_once_when_stock_runs_low(engine: Engine) {
    use crate::email::{inbox_of, now_in, smtp_listener, subject};
    let (url, inbox) = smtp_listener().await;
    let settings = ordo_connectors::mail::SmtpSettings::from_url(&url).unwrap();
    let mailer = std::sync::Arc::new(ordo_connectors::mail::SmtpMailer::new(&settings).unwrap());
    let s = TestServer::start_app(engine, Default::default(), move |app| {
        let app = app.with_mailer(mailer, ordo_app::notify::email::MailSettings::default());
        std::mem::forget(app.spawn_stock_alerts(Duration::from_millis(100)));
        std::mem::forget(app.spawn_notification_workers(Duration::from_millis(50)));
        app
    })
    .await;
    s.location("WH", 1).await;
    s.location("ST", 2).await;
    s.product("A-1", "10.00").await;
    s.stock("WH", "A-1", 10).await;

    // Buyers are set as a whole list per location; bad lists change nothing.
    let path = "/v1/locations/WH/buyers";
    let many: Vec<Value> = (0..21).map(|i| json!({"email": format!("b{i}@acme.example")})).collect();
    for (body, field) in [
        (json!({"buyers": [{"email": "not-an-address"}]}), "buyers/0/email"),
        (json!({"buyers": [{"email": "a@acme.example"}, {"email": "b@.example"}]}), "buyers/1/email"),
        (json!({"buyers": many}), "buyers"),
    ] {
        let r = s.call(&s.admin, Method::PUT, path, Some(body.clone())).await;
        assert_eq!(r.status, 422, "{body} {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}");
    }
    let none = json!({"buyers": [{"email": "x@acme.example"}]});
    assert_eq!(s.call(&s.admin, Method::PUT, "/v1/locations/NOPE/buyers", Some(none)).await.status, 404);
    // Addresses are kept lower-cased and by address; one given twice counts once.
    let buyers = json!({"buyers": [{"email": "Zoe@Acme.example"}, {"email": "bea@acme.example", "name": "Bea"},
        {"email": "zoe@acme.example", "name": "Zoe again"}]});
    let r = s.call(&s.admin, Method::PUT, path, Some(buyers.clone())).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let listed = json!({"location": "WH", "buyers": [{"email": "bea@acme.example", "name": "Bea"}, {"email": "zoe@acme.example", "name": null}]});
    assert_eq!(r.body, listed);
    s.call(&s.admin, Method::PUT, path, Some(buyers)).await;
    assert_eq!(s.get(path).await.body, listed);
    assert_eq!(s.events_when("type=location.buyers_updated", 1).await.len(), 1, "the same list again records nothing");
    let viewer = s.key("viewer", None).await;
    assert_eq!(s.call(&viewer, Method::PUT, path, Some(json!({"buyers": []}))).await.status, 403);
    assert_eq!(s.call(&viewer, Method::GET, path, None).await.status, 200);

    // Something is on its way; then stock falls to the reorder point.
    let r = s
        .post(
            "/v1/transfers",
            json!({"from_location": "ST", "to_location": "WH", "expected_on": "2027-02-01",
        "lines": [{"sku": "A-1", "quantity": 3}]}),
        )
        .await;
    let transfer = r.body["id"].as_str().unwrap().to_owned();
    s.stock("ST", "A-1", 3).await;
    assert_eq!(s.post(&format!("/v1/transfers/{transfer}/ship"), json!({})).await.status, 200);
    let policy = json!({"safety_stock": 1, "reorder_point": 5});
    assert_eq!(s.call(&s.admin, Method::PUT, "/v1/inventory/A-1/policies/WH", Some(policy)).await.status, 200);
    assert_eq!(s.post("/v1/orders", order_body(&[("A-1", 6)])).await.status, 201);
    let bea = inbox_of(&inbox, "bea@acme.example", 1).await;
    assert_eq!(bea.len(), 1, "the buyer is told");
    assert_eq!(inbox_of(&inbox, "zoe@acme.example", 1).await.len(), 1, "and the other");
    let mail = &bea[0].data;
    assert_eq!(subject(mail), "Low stock: A-1 at WH", "{mail}");
    assert!(mail.contains("4 available when it fell to its reorder point of 5"), "{mail}");
    assert!(mail.contains("safety stock there is 1"), "{mail}");
    assert!(mail.contains(&format!("3 from {transfer}:1, expected 2027-02-01")), "{mail}");
    // Falling further is the same alert: nobody is told twice.
    assert_eq!(s.post("/v1/orders", order_body(&[("A-1", 1)])).await.status, 201);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!((now_in(&inbox, "bea@acme.example").len(), now_in(&inbox, "zoe@acme.example").len()), (1, 1));
}

on_both_engines!(low_stock_alerts_fire_once_per_crossing, a_locations_buyers_are_emailed_once_when_stock_runs_low);
