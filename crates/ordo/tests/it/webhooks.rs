//! Outbound webhooks over real sockets, to a local receiver: a receiver that fails its first
//! three attempts gets the delivery on the fourth with the same event id and a signature that
//! verifies (and fails on a tampered body); one that is down past the retry window finds the
//! delivery in the dead-letter list, and a replay delivers it; deliveries about one object
//! arrive in order even when one of them had to be retried; private and internal targets are
//! refused unless the operator allows them; a subscription whose receiver fails for too long
//! is disabled.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ordo_app::notify::delivery::DeliveryPolicy;
use ordo_app::ports::target::TargetPolicy;
use ordo_connectors::signing::verify_timestamped;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer, order_body};

/// What the receiver took, and how it answers.
#[derive(Default)]
struct Receiver {
    /// Every request: its headers and body.
    taken: Vec<(HeaderMap, String)>,
    /// Answer 500 to this many requests first.
    fail_first: u32,
    /// Answer 503 to everything while set.
    down: bool,
    /// Answer 502 once to the first request of this event type.
    refuse_first_of_type: Option<String>,
    /// Answer the first request only after this long.
    slow_first: Option<Duration>,
    /// When each request came, and when each answer went.
    came: Vec<Instant>,
    answered: Vec<Instant>,
}

type Shared = Arc<Mutex<Receiver>>;

async fn take(State(shared): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let slow = {
        let mut r = shared.lock().unwrap();
        r.came.push(Instant::now());
        r.slow_first.take()
    };
    if let Some(wait) = slow {
        tokio::time::sleep(wait).await;
    }
    let answer = answer(&shared, headers, body);
    shared.lock().unwrap().answered.push(Instant::now());
    answer
}

fn answer(shared: &Shared, headers: HeaderMap, body: String) -> Response {
    let kind = headers.get("ordo-event-type").and_then(|v| v.to_str().ok()).map(String::from);
    let mut r = shared.lock().unwrap();
    r.taken.push((headers, body.clone()));
    if r.down {
        return (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response();
    }
    if r.fail_first > 0 {
        r.fail_first -= 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, "receiver error, try again").into_response();
    }
    if kind.is_some() && r.refuse_first_of_type == kind {
        r.refuse_first_of_type = None;
        return (StatusCode::BAD_GATEWAY, "not now").into_response();
    }
    (StatusCode::OK, "thanks").into_response()
}

async fn receiver(state: Receiver) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(state));
    let router = axum::Router::new().route("/hooks", post(take)).with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/hooks"), shared)
}

/// A server whose webhooks retry fast: `window` is the retry window.
async fn started(engine: Engine, window: Duration) -> TestServer {
    TestServer::start_app(engine, Default::default(), move |mut app| {
        app.webhook_policy = DeliveryPolicy {
            first_retry: Duration::from_millis(150),
            max_retry: Duration::from_millis(400),
            window,
            disable_after: Duration::from_secs(3600),
            direct_wait: Duration::from_millis(200),
            ..Default::default()
        };
        std::mem::forget(app.spawn_webhook_workers(Duration::from_millis(50)));
        app
    })
    .await
}

async fn subscribe(s: &TestServer, url: &str, events: Value) -> (String, String) {
    let r = s.post("/v1/webhooks", json!({"url": url, "events": events, "description": "ERP"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (r.body["id"].as_str().unwrap().to_owned(), r.body["secret"].as_str().unwrap().to_owned())
}

/// Waits (bounded) until `ok` holds of what the receiver took.
async fn until(r: &Shared, what: &str, ok: impl Fn(&Receiver) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok(&r.lock().unwrap()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn delivery_log(s: &TestServer, id: &str, query: &str) -> Vec<Value> {
    let r = s.get(&format!("/v1/webhooks/{id}/deliveries{query}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn a_receiver_failing_three_times_gets_it_on_the_fourth_signed_with_one_event_id(engine: Engine) {
    let s = started(engine, Duration::from_secs(60)).await;
    let (url, seen) = receiver(Receiver { fail_first: 3, ..Default::default() }).await;
    let (id, secret) = subscribe(&s, &url, json!(["product.created"])).await;
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    let shown = s.get(&format!("/v1/webhooks/{id}")).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.get("secret").is_none(), "the secret is shown once: {:?}", shown.body);
    s.product("HOOK-1", "12.00").await;
    until(&seen, "four attempts", |r| r.taken.len() >= 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let taken: Vec<(HeaderMap, String)> = seen.lock().unwrap().taken.clone();
    assert_eq!(taken.len(), 4, "delivered on the fourth attempt, and not again");
    let event_id = header(&taken[0].0, "ordo-event-id").to_owned();
    assert!(event_id.starts_with("evt_"), "{event_id}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    for (headers, body) in &taken {
        assert_eq!(header(headers, "ordo-event-id"), event_id, "every attempt names the same event");
        assert_eq!(header(headers, "ordo-event-type"), "product.created");
        assert_eq!(header(headers, "content-type"), "application/json");
        let signature = header(headers, "ordo-signature");
        assert!(verify_timestamped(signature, &secret, body.as_bytes(), now), "the signature verifies: {signature}");
        let tampered = body.replace("HOOK-1", "HOOK-2");
        assert!(!verify_timestamped(signature, &secret, tampered.as_bytes(), now), "a tampered body fails");
        assert!(!verify_timestamped(signature, "whsec_other", body.as_bytes(), now), "another secret fails");
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["id"], event_id.as_str());
        assert_eq!(event["type"], "product.created");
        assert_eq!(event["data"]["sku"], "HOOK-1", "the event as the feed shows it: {event}");
    }
    // The delivery log: one delivery, four attempts with their answers.
    let log = delivery_log(&s, &id, "").await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 4);
    assert_eq!(log[0]["event_id"], event_id.as_str());
    let one = s.get(&format!("/v1/webhooks/{id}/deliveries/{}", log[0]["id"].as_str().unwrap())).await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    let attempts = one.body["attempt_log"].as_array().unwrap();
    let statuses: Vec<i64> = attempts.iter().map(|a| a["status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [500, 500, 500, 200]);
    assert_eq!(attempts[0]["answer"], "receiver error, try again");
    assert_eq!(attempts[3]["answer"], "thanks");
    assert_eq!(one.body["body"]["id"], event_id.as_str());
    // The retries waited between attempts (150 ms, then about twice that, then more).
    let at: Vec<i64> = attempts
        .iter()
        .map(|a| ordo_app::kernel::time_fmt::parse_rfc3339(a["at"].as_str().unwrap()).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[1] - w[0] >= 100), "backoff between attempts: {at:?}");
    // Events it did not ask for are not sent.
    s.location("HOOK-WH", 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(seen.lock().unwrap().taken.len(), 4);
}

async fn a_receiver_down_past_the_window_finds_it_dead_and_a_replay_delivers_it(engine: Engine) {
    let s = started(engine, Duration::from_millis(900)).await;
    let (url, seen) = receiver(Receiver { down: true, ..Default::default() }).await;
    let (id, _) = subscribe(&s, &url, json!(["product.created"])).await;
    s.product("HOOK-2", "5.00").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let dead = loop {
        let dead = delivery_log(&s, &id, "?status=dead").await;
        if !dead.is_empty() {
            break dead;
        }
        assert!(Instant::now() < deadline, "the delivery never went dead: {:?}", delivery_log(&s, &id, "").await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(dead.len(), 1);
    assert!(dead[0]["attempts"].as_i64().unwrap() >= 2, "{dead:?}");
    assert_eq!(dead[0]["last_status"], 503);
    assert!(dead[0]["next_attempt_at"].is_null());
    let tried = seen.lock().unwrap().taken.len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(seen.lock().unwrap().taken.len(), tried, "a dead delivery is not tried again by itself");

    // The receiver is back; replaying the dead letters delivers them.
    seen.lock().unwrap().down = false;
    let bad = s.post(&format!("/v1/webhooks/{id}/replay"), json!({"status": "pending"})).await;
    assert_eq!(bad.status, 422, "pending deliveries are sent anyway: {:?}", bad.body);
    let backwards = json!({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"});
    assert_eq!(s.post(&format!("/v1/webhooks/{id}/replay"), backwards).await.status, 422);
    // With no criterion, the dead-letter list.
    let r = s.post(&format!("/v1/webhooks/{id}/replay"), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["replayed"], 1);
    until(&seen, "the replayed delivery", |r| {
        r.taken.iter().any(|(h, b)| header(h, "ordo-event-type") == "product.created" && b.contains("HOOK-2"))
            && r.taken.len() > tried
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = delivery_log(&s, &id, "").await;
        if log.iter().all(|d| d["status"] == "delivered") {
            break;
        }
        assert!(Instant::now() < deadline, "{log:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One delivery replayed by hand once more: sent again with the same event id.
    let log = delivery_log(&s, &id, "?status=delivered").await;
    let first = log.last().unwrap();
    let before = seen.lock().unwrap().taken.len();
    let path = format!("/v1/webhooks/{id}/deliveries/{}/replay", first["id"].as_str().unwrap());
    let r = s.post(&path, json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "pending");
    let event = first["event_id"].as_str().unwrap().to_owned();
    until(&seen, "the second replay", move |r| {
        r.taken.len() > before && header(&r.taken.last().unwrap().0, "ordo-event-id") == event
    })
    .await;
}

async fn deliveries_about_one_order_arrive_in_order(engine: Engine) {
    let s = started(engine, Duration::from_secs(60)).await;
    s.location("HOOK-EAST", 1).await;
    s.product("HOOK-3", "9.00").await;
    s.stock("HOOK-EAST", "HOOK-3", 50).await;
    // The first order's first event is refused once: its later events wait for it.
    let (url, seen) =
        receiver(Receiver { refuse_first_of_type: Some("order.created".into()), ..Default::default() }).await;
    let (_id, _) = subscribe(&s, &url, json!(["order.created", "order.allocated", "order.cancelled"])).await;
    let mut orders = Vec::new();
    for _ in 0..5 {
        let r = s.post("/v1/orders", order_body(&[("HOOK-3", 1)])).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        orders.push(r.body["id"].as_str().unwrap().to_owned());
    }
    for o in &orders {
        let r = s.post(&format!("/v1/orders/{o}/cancel"), json!({"reason": "test"})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    // On PostgreSQL the feed shows a transaction's events once every earlier one has ended,
    // which may be a moment after its answer: wait for all fifteen.
    let deadline = Instant::now() + Duration::from_secs(20);
    let expected: usize = loop {
        let events = s.all("/v1/events").await;
        let n = events
            .iter()
            .filter(|e| {
                ["order.created", "order.allocated", "order.cancelled"].contains(&e["type"].as_str().unwrap_or(""))
            })
            .count();
        if n >= 15 || Instant::now() > deadline {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(expected >= 15, "{expected}");
    until(&seen, "every event delivered", |r| {
        let ok: std::collections::HashSet<String> =
            r.taken.iter().map(|(h, _)| header(h, "ordo-event-id").to_owned()).collect();
        ok.len() >= expected
    })
    .await;
    // Every attempt in the order it arrived: per order, the sequences never go back (the
    // refused event comes again before anything later about its order).
    let taken = seen.lock().unwrap().taken.clone();
    let mut last: std::collections::HashMap<String, i64> = Default::default();
    let mut delivered: std::collections::HashSet<String> = Default::default();
    for (h, body) in &taken {
        let e: Value = serde_json::from_str(body).unwrap();
        let (subject, sequence) = (e["subject"].as_str().unwrap().to_owned(), e["sequence"].as_i64().unwrap());
        let before = last.insert(subject.clone(), sequence).unwrap_or(0);
        assert!(sequence >= before, "{subject}: event {sequence} arrived after {before}");
        delivered.insert(header(h, "ordo-event-id").to_owned());
    }
    assert_eq!(delivered.len(), expected);
    assert_eq!(taken.len(), expected + 1, "one refused attempt, every other event once");
}

/// A receiver slow to answer holds up no one else, gets what follows about the same order
/// only after it answered, and its slow answer is recorded as the one attempt.
async fn a_slow_receiver_holds_up_no_other_and_gets_the_next_event_after_it_answered(engine: Engine) {
    let s = started(engine, Duration::from_secs(60)).await;
    s.location("HOOK-SLOW", 1).await;
    s.product("HOOK-5", "9.00").await;
    s.stock("HOOK-SLOW", "HOOK-5", 5).await;
    let slow_for = Duration::from_millis(2500);
    let (slow_url, slow) = receiver(Receiver { slow_first: Some(slow_for), ..Default::default() }).await;
    let (fast_url, fast) = receiver(Receiver::default()).await;
    let (slow_id, _) = subscribe(&s, &slow_url, json!(["order.created", "order.cancelled"])).await;
    subscribe(&s, &fast_url, json!(["order.created", "order.cancelled"])).await;
    let r = s.post("/v1/orders", order_body(&[("HOOK-5", 1)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let order = r.body["id"].as_str().unwrap().to_owned();
    until(&slow, "the slow receiver is asked", |r| !r.came.is_empty()).await;
    let r = s.post(&format!("/v1/orders/{order}/cancel"), json!({"reason": "test"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    until(&fast, "the other receiver has both", |r| r.taken.len() >= 2).await;
    until(&slow, "the slow receiver has both", |r| r.taken.len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    {
        let (slow, fast) = (slow.lock().unwrap(), fast.lock().unwrap());
        assert!(fast.came[0] < slow.answered[0], "the other receiver waited for the slow one");
        let types =
            |r: &Receiver| r.taken.iter().map(|(h, _)| header(h, "ordo-event-type").to_owned()).collect::<Vec<_>>();
        assert_eq!(types(&slow), ["order.created", "order.cancelled"]);
        assert_eq!(types(&fast), ["order.created", "order.cancelled"]);
        assert!(slow.came[1] >= slow.answered[0], "the next event came before the slow answer");
    }
    let log = delivery_log(&s, &slow_id, "").await;
    assert_eq!(log.len(), 2, "{log:?}");
    for d in &log {
        assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("delivered"), Some(1)), "{d:?}");
    }
    let first = log.iter().find(|d| d["event_type"] == "order.created").unwrap();
    let shown = s.get(&format!("/v1/webhooks/{slow_id}/deliveries/{}", first["id"].as_str().unwrap())).await;
    let attempts = shown.body["attempt_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{:?}", shown.body);
    assert!(attempts[0]["latency_ms"].as_i64().unwrap() >= slow_for.as_millis() as i64 - 50, "{:?}", attempts[0]);
}

async fn private_and_internal_targets_are_refused_unless_allowed(engine: Engine) {
    let s = TestServer::start_app(engine, Default::default(), |mut app| {
        app.webhook_targets = TargetPolicy::default();
        app
    })
    .await;
    for url in [
        "https://10.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hooks",
        "https://127.0.0.1:8443/hooks",
        "https://[::1]/hooks",
        "http://hooks.example.com/in",
        "https://user:pw@hooks.example.com/in",
        "ftp://hooks.example.com/in",
    ] {
        let r = s.post("/v1/webhooks", json!({"url": url, "events": ["*"]})).await;
        assert_eq!(r.status, 422, "{url}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], "url", "{url}: {:?}", r.body);
    }
    let ok = s.post("/v1/webhooks", json!({"url": "https://hooks.example.com/in?token=abc", "events": ["*"]})).await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    let listed = s.all("/v1/webhooks").await;
    assert_eq!(listed.len(), 1, "the refused ones left nothing: {listed:?}");
    // A keyed create replayed answers the same subscription without its secret (which is
    // stored nowhere in the clear), and creates no second one.
    let body = json!({"url": "https://hooks.example.com/keyed", "events": ["order.created"]});
    let key = [("Idempotency-Key", "create-hook-1")];
    let first = s.call_with(&s.admin, Method::POST, "/v1/webhooks", Some(body.clone()), &key).await;
    let again = s.call_with(&s.admin, Method::POST, "/v1/webhooks", Some(body), &key).await;
    assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201), "{:?} {:?}", first.body, again.body);
    assert_eq!(again.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(first.body["id"], again.body["id"]);
    assert!(again.body["secret"].is_null(), "{:?}", again.body);
    assert!(first.body["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(s.all("/v1/webhooks").await.len(), 2);
    let rolled = s.post(&format!("/v1/webhooks/{}/secret", first.body["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(rolled.status, 200, "{:?}", rolled.body);
    assert_ne!(rolled.body["secret"], first.body["secret"], "a rolled secret is new");
    assert_eq!(rolled.body["version"], 2);
    // A key that may not configure Ordo manages no subscriptions.
    let operator = s.key("operator", None).await;
    let r = s.call(&operator, Method::GET, "/v1/webhooks", None).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    // Unknown event types are refused, "*" stands alone.
    let r = s.post("/v1/webhooks", json!({"url": "https://hooks.example.com/in", "events": ["order.made"]})).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r =
        s.post("/v1/webhooks", json!({"url": "https://hooks.example.com/b", "events": ["*", "order.created"]})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["events"], json!(["*"]), "\"*\" already means every type");
}

async fn a_subscription_failing_too_long_is_disabled_and_enabling_sends_what_waited(engine: Engine) {
    let s = TestServer::start_app(engine, Default::default(), |mut app| {
        app.webhook_policy = DeliveryPolicy {
            first_retry: Duration::from_millis(100),
            max_retry: Duration::from_millis(200),
            window: Duration::from_secs(60),
            disable_after: Duration::from_millis(700),
            ..Default::default()
        };
        std::mem::forget(app.spawn_webhook_workers(Duration::from_millis(50)));
        app
    })
    .await;
    let (url, seen) = receiver(Receiver { down: true, ..Default::default() }).await;
    let (id, _) = subscribe(&s, &url, json!(["product.created"])).await;
    s.product("HOOK-4", "1.00").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let disabled = loop {
        let w = s.get(&format!("/v1/webhooks/{id}")).await;
        if w.body["status"] == "disabled" {
            break w.body;
        }
        assert!(Instant::now() < deadline, "never disabled: {:?}", w.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(disabled["failing_since"].is_string(), "{disabled:?}");
    assert!(disabled["disabled_reason"].as_str().unwrap().contains("failed"), "{disabled:?}");
    let events = s.all("/v1/events?type=webhook.disabled").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let tried = seen.lock().unwrap().taken.len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(seen.lock().unwrap().taken.len(), tried, "nothing is sent to a disabled subscription");
    // Back up and enabled: the delivery that waited goes out.
    seen.lock().unwrap().down = false;
    let version = disabled["version"].as_i64().unwrap();
    let stale = s
        .call(
            &s.admin,
            Method::PATCH,
            &format!("/v1/webhooks/{id}"),
            Some(json!({"status": "active", "version": version - 1})),
        )
        .await;
    assert_eq!(stale.status, 412, "{:?}", stale.body);
    let r = s.call(&s.admin, Method::PATCH, &format!("/v1/webhooks/{id}"), Some(json!({"status": "active"}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["failing_since"].is_null() && r.body["disabled_reason"].is_null(), "{:?}", r.body);
    until(&seen, "the waiting delivery", |r| r.taken.len() > tried).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while delivery_log(&s, &id, "?status=delivered").await.is_empty() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Deleting it takes its log along.
    let r = s.call(&s.admin, Method::DELETE, &format!("/v1/webhooks/{id}"), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(s.get(&format!("/v1/webhooks/{id}/deliveries")).await.status, 404);
}

on_both_engines!(
    a_receiver_failing_three_times_gets_it_on_the_fourth_signed_with_one_event_id,
    a_receiver_down_past_the_window_finds_it_dead_and_a_replay_delivers_it,
    deliveries_about_one_order_arrive_in_order,
    a_slow_receiver_holds_up_no_other_and_gets_the_next_event_after_it_answered,
    private_and_internal_targets_are_refused_unless_allowed,
    a_subscription_failing_too_long_is_disabled_and_enabling_sends_what_waited,
);
