//! Card payments through the Stripe adapter, against a local stand-in that speaks Stripe's
//! documented PaymentIntents API (form-encoded requests, JSON answers, `Idempotency-Key`,
//! 402 declines) over a real socket, and Stripe's signed webhooks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::common::{Engine, TestServer, order_body};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use ordo_connectors::stripe::StripeConfig;
use serde_json::{Value, json};

/// What the stand-in does to the next call on a path.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Answers 500 without doing anything.
    Before,
    /// Does the work, then answers 500 (the answer is lost).
    After,
    /// Does the work and answers after this many milliseconds.
    Slow(u64),
}

/// The stand-in's intents, every request it answered (path, form, idempotency key), the work
/// it really did (path, key), and faults waiting for their call.
#[derive(Default)]
struct Gateway {
    intents: HashMap<String, Value>,
    calls: Vec<(String, HashMap<String, String>, String)>,
    answered: HashMap<String, Value>,
    done: Vec<(String, String)>,
    faults: Vec<(String, Fault)>,
}

impl Gateway {
    fn done(&self, path: &str) -> usize {
        self.done.iter().filter(|(p, _)| p == path).count()
    }
}

type Shared = Arc<Mutex<Gateway>>;
type Answer = (StatusCode, Json<Value>);

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap())
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn error(status: StatusCode, code: &str, message: &str) -> Answer {
    let kind = if status.is_server_error() { "api_error" } else { "card_error" };
    (status, Json(json!({"error": {"type": kind, "code": code, "message": message}})))
}

/// Checks the key, records the call, replays the first answer to a repeated idempotency key
/// (as Stripe does), and plays any fault waiting for this path.
async fn handle(
    gw: &Shared,
    path: &str,
    headers: &HeaderMap,
    body: &str,
    f: impl FnOnce(&mut Gateway, &HashMap<String, String>) -> Answer,
) -> Answer {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer sk_test_ordo") {
        return error(StatusCode::UNAUTHORIZED, "api_key_invalid", "Invalid API Key provided");
    }
    assert_eq!(headers.get("content-type").unwrap(), "application/x-www-form-urlencoded");
    let key =
        headers.get("idempotency-key").expect("every call carries an Idempotency-Key").to_str().unwrap().to_owned();
    let params = form(body);
    let (answer, delay) = {
        let mut g = gw.lock().unwrap();
        g.calls.push((path.to_owned(), params.clone(), key.clone()));
        let fault = g.faults.iter().position(|(p, _)| p == path).map(|i| g.faults.remove(i).1);
        if let Some(Fault::Before) = fault {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "api_error", "An unknown error occurred");
        }
        let answer = match g.answered.get(&key) {
            Some(v) => (StatusCode::OK, Json(v.clone())),
            None => {
                let (status, Json(v)) = f(&mut g, &params);
                if status.is_success() {
                    g.answered.insert(key.clone(), v.clone());
                    g.done.push((path.to_owned(), key));
                }
                (status, Json(v))
            }
        };
        match fault {
            Some(Fault::After) => {
                (error(StatusCode::INTERNAL_SERVER_ERROR, "api_error", "An unknown error occurred"), 0)
            }
            Some(Fault::Slow(ms)) => (answer, ms),
            _ => (answer, 0),
        }
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    answer
}

async fn create(State(gw): State<Shared>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "create", &headers, &body, |g, p| {
        if p["payment_method"] == "pm_card_chargeDeclined" {
            return error(StatusCode::PAYMENT_REQUIRED, "card_declined", "Your card was declined.");
        }
        let id = format!("pi_{}", g.intents.len() + 1);
        let amount: i64 = p["amount"].parse().unwrap();
        let now = p["capture_method"] == "automatic";
        let intent = json!({"id": id, "object": "payment_intent", "amount": amount, "currency": p["currency"],
                            "status": if now { "succeeded" } else { "requires_capture" },
                            "amount_capturable": if now { 0 } else { amount }, "amount_received": if now { amount } else { 0 },
                            "amount_refunded": 0, "capture_method": p["capture_method"],
                            "metadata": {"ordo_payment_id": p["metadata[ordo_payment_id]"], "ordo_order_id": p["metadata[ordo_order_id]"]}});
        g.intents.insert(id, intent.clone());
        (StatusCode::OK, Json(intent))
    })
    .await
}

async fn capture(State(gw): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "capture", &headers, &body, |g, p| {
        let intent = g.intents.get_mut(&id).unwrap();
        let amount: i64 = p["amount_to_capture"].parse().unwrap();
        let capturable = intent["amount_capturable"].as_i64().unwrap();
        if amount > capturable {
            return error(StatusCode::BAD_REQUEST, "amount_too_large", "too large");
        }
        intent["amount_received"] = json!(intent["amount_received"].as_i64().unwrap() + amount);
        // Multicapture: a capture that is not final leaves the rest capturable.
        let last = p.get("final_capture").map(String::as_str) != Some("false");
        intent["amount_capturable"] = json!(if last { 0 } else { capturable - amount });
        intent["status"] = json!(if last || capturable == amount { "succeeded" } else { "requires_capture" });
        (StatusCode::OK, Json(intent.clone()))
    })
    .await
}

async fn cancel(State(gw): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "cancel", &headers, &body, |g, _| {
        let intent = g.intents.get_mut(&id).unwrap();
        intent["status"] = json!("canceled");
        intent["amount_capturable"] = json!(0);
        (StatusCode::OK, Json(intent.clone()))
    })
    .await
}

async fn refund(State(gw): State<Shared>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "refund", &headers, &body, |g, p| {
        let n = g.done("refund") + 1;
        let amount = p["amount"].parse::<i64>().unwrap();
        let intent = g.intents.get_mut(&p["payment_intent"]).unwrap();
        let left = intent["amount_received"].as_i64().unwrap() - intent["amount_refunded"].as_i64().unwrap();
        if amount > left {
            return error(StatusCode::BAD_REQUEST, "charge_already_refunded", "too much");
        }
        intent["amount_refunded"] = json!(intent["amount_refunded"].as_i64().unwrap() + amount);
        (
            StatusCode::OK,
            Json(json!({"id": format!("re_{n}"), "object": "refund", "amount": amount,
                        "payment_intent": p["payment_intent"], "status": "succeeded"})),
        )
    })
    .await
}

async fn stand_in() -> (String, Shared) {
    let gw: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}/capture", post(capture))
        .route("/v1/payment_intents/{id}/cancel", post(cancel))
        .route("/v1/refunds", post(refund))
        .with_state(gw.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), gw)
}

async fn server(engine: Engine, base: &str) -> TestServer {
    let config = StripeConfig {
        secret_key: "sk_test_ordo".into(),
        api_base: base.into(),
        webhook_secret: Some("whsec_test".into()),
        timeout: std::time::Duration::from_secs(1),
    };
    let s = TestServer::start_app(engine, ordo_web::WebConfig::default(), move |app| {
        ordo_connectors::wire(app, &ordo_connectors::Connectors { stripe: Some(config) })
    })
    .await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    s
}

/// A server whose `web` channel authorizes cards and captures each shipment's share.
async fn server_capturing_on_shipment(engine: Engine, base: &str) -> TestServer {
    let s = server(engine, base).await;
    let r = s.call(&s.admin, reqwest::Method::PUT, "/v1/channels/web", Some(json!({"capture": "on_shipment"}))).await;
    assert_eq!((r.status.as_u16(), r.body["capture"].as_str()), (200, Some("on_shipment")), "{:?}", r.body);
    s
}

/// Polls `path` until `done` holds of its body (the settler works in the background).
async fn eventually(s: &TestServer, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let body = s.get(path).await.body;
        if done(&body) {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{path} never settled: {:?}", s.get(path).await.body);
}

fn usd(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

fn card(token: &str, amount: &str) -> Value {
    json!({"provider": "stripe", "payment_method": token, "amount": usd(amount)})
}

async fn cards_are_authorized_captured_and_refunded_at_stripe(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server_capturing_on_shipment(engine, &base).await;
    let id = s.post("/v1/orders", order_body(&[("X", 3)])).await.body["id"].as_str().unwrap().to_owned();

    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "30.00")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["summary"]["status"], "authorized");
    let pay = r.body["payments"][0]["id"].as_str().unwrap().to_owned();
    {
        let g = gw.lock().unwrap();
        let (_, p, _) = &g.calls[0];
        assert_eq!((p["amount"].as_str(), p["currency"].as_str()), ("3000", "usd"));
        assert_eq!((p["capture_method"].as_str(), p["confirm"].as_str()), ("manual", "true"));
        assert_eq!(p["metadata[ordo_payment_id]"], pay);
        assert_eq!(p["metadata[ordo_order_id]"], id);
    }

    let captured = s.post(&format!("/v1/payments/{pay}/capture"), json!({})).await;
    assert_eq!(captured.status, 200, "{:?}", captured.body);
    assert_eq!(captured.body["summary"]["status"], "paid");
    assert_eq!(gw.lock().unwrap().intents["pi_1"]["amount_received"], 3000);

    // More than was captured is refused here, before Stripe is asked.
    let calls = gw.lock().unwrap().calls.len();
    let too_much = s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": usd("30.01")})).await;
    assert_eq!(too_much.status, 409, "{:?}", too_much.body);
    assert_eq!(gw.lock().unwrap().calls.len(), calls);

    let refunded =
        s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": usd("12.50"), "reason": "damaged"})).await;
    assert_eq!(refunded.status, 200, "{:?}", refunded.body);
    assert_eq!(refunded.body["summary"]["status"], "partially_refunded", "{:?}", refunded.body["summary"]);
    {
        let g = gw.lock().unwrap();
        let (path, p, _) = g.calls.last().unwrap();
        assert_eq!((path.as_str(), p["amount"].as_str(), p["payment_intent"].as_str()), ("refund", "1250", "pi_1"));
    }

    // Stripe's own webhook for the capture it already reported changes nothing.
    let event = json!({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                       "data": {"object": gw.lock().unwrap().intents["pi_1"].clone()}});
    assert_eq!(webhook(&s, &event, "whsec_test").await, 204);
    let after = s.get(&format!("/v1/orders/{id}/payments")).await;
    assert_eq!(after.body["summary"], refunded.body["summary"]);
}

async fn webhook(s: &TestServer, event: &Value, secret: &str) -> u16 {
    let body = event.to_string();
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let mac: String = ordo_connectors::signing::hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    s.client
        .post(format!("{}/v1/payments/stripe/webhook", s.base))
        .header("content-type", "application/json")
        .header("stripe-signature", format!("t={t},v1={mac}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn declines_record_nothing_and_signed_webhooks_settle_what_happened_at_stripe(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server_capturing_on_shipment(engine, &base).await;
    let id = s.post("/v1/orders", order_body(&[("X", 2)])).await.body["id"].as_str().unwrap().to_owned();

    let declined = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_chargeDeclined", "20.00")).await;
    assert_eq!(
        (declined.status.as_u16(), declined.body["code"].as_str()),
        (409, Some("card_declined")),
        "{:?}",
        declined.body
    );
    let none = s.get(&format!("/v1/orders/{id}/payments")).await;
    assert_eq!(none.body["payments"].as_array().unwrap().len(), 0);
    assert_eq!(none.body["summary"]["status"], "pending");

    let wrong = s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "stripe", "payment_method": "pm_card_visa", "amount": {"amount": "20.00", "currency": "EUR"}})).await;
    assert_eq!(wrong.status, 409, "{:?}", wrong.body);
    let missing =
        s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "stripe", "amount": usd("20.00")})).await;
    assert_eq!(missing.status, 422, "{:?}", missing.body);

    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "20.00")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let pay = r.body["payments"][0]["id"].as_str().unwrap().to_owned();
    // Captured in Stripe's dashboard: the webhook tells Ordo, once.
    let mut intent = gw.lock().unwrap().intents["pi_1"].clone();
    intent["status"] = json!("succeeded");
    intent["amount_received"] = json!(2000);
    let event =
        json!({"id": "evt_cap", "object": "event", "type": "payment_intent.succeeded", "data": {"object": intent}});
    assert_eq!(webhook(&s, &event, "wrong_secret").await, 401);
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body["summary"]["status"], "authorized");
    assert_eq!(webhook(&s, &event, "whsec_test").await, 204);
    assert_eq!(webhook(&s, &event, "whsec_test").await, 204);
    let paid = s.get(&format!("/v1/orders/{id}/payments")).await;
    assert_eq!(paid.body["summary"]["status"], "paid", "{:?}", paid.body);
    assert_eq!(paid.body["summary"]["captured"]["amount"], "20.00", "{:?}", paid.body["summary"]);
    // Nothing is left to void.
    let void = s.post(&format!("/v1/payments/{pay}/void"), json!({})).await;
    assert_eq!(void.status, 409, "{:?}", void.body);
    // An event about a payment Ordo does not know changes nothing.
    let stranger =
        json!({"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_9", "metadata": {}}}});
    assert_eq!(webhook(&s, &stranger, "whsec_test").await, 204);
}

async fn by_default_a_card_is_charged_when_the_payment_is_added(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server(engine, &base).await;
    assert_eq!(s.get("/v1/channels/web").await.body["capture"], "at_placement");
    let id = s.post("/v1/orders", order_body(&[("X", 2)])).await.body["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "20.00")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["summary"]["status"], "paid");
    assert_eq!(gw.lock().unwrap().calls[0].1["capture_method"], "automatic");
    assert_eq!(gw.lock().unwrap().done("capture"), 0);
}

/// `(kind, amount, reference)` of the order's ledger.
async fn ledger(s: &TestServer, id: &str) -> Vec<(String, String, String)> {
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    p["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["amount"]["amount"].as_str().unwrap().to_owned(),
                e["reference"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn the_settler_captures_each_shipment_at_stripe_and_settles_cancellations(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server_capturing_on_shipment(engine, &base).await;
    s.location("B", 2).await;
    s.product("Y", "10.00").await;
    s.stock("B", "Y", 5).await;
    // X only at A, Y only at B: two shipments worth 20.00 and 10.00.
    let id = s.post("/v1/orders", order_body(&[("X", 2), ("Y", 1)])).await.body["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "30.00")).await;
    assert_eq!(r.body["summary"]["status"], "authorized", "{:?}", r.body);
    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
    assert_eq!(fs.len(), 2);
    let path = format!("/v1/orders/{id}/payments");
    let mut expected = 0;
    for f in &fs {
        let fid = f["id"].as_str().unwrap();
        let share = if f["location"] == "A" { 2000 } else { 1000 };
        assert_eq!(s.post(&format!("/v1/fulfillments/{fid}/ship"), json!({})).await.status, 200);
        expected += share;
        let want = format!("{}.00", expected / 100);
        let p = eventually(&s, &path, |p| p["summary"]["captured"]["amount"] == want.as_str()).await;
        let last = p["ledger"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["reference"], format!("ship:{fid}"));
        assert_eq!(gw.lock().unwrap().intents["pi_1"]["amount_received"], expected);
    }
    assert_eq!(s.get(&path).await.body["summary"]["status"], "paid");
    {
        let g = gw.lock().unwrap();
        assert_eq!(g.done("capture"), 2);
        let finals: Vec<&str> =
            g.calls.iter().filter(|(p, _, _)| p == "capture").map(|(_, f, _)| f["final_capture"].as_str()).collect();
        assert_eq!(finals, vec!["false", "true"]);
    }
    // Settled once: later passes change nothing.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(ledger(&s, &id).await.iter().filter(|(k, _, _)| k == "captured").count(), 2);

    // Cancelling an authorized order voids the card at Stripe.
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await.status, 201);
    assert_eq!(s.post(&format!("/v1/orders/{id}/cancel"), json!({"reason": "customer asked"})).await.status, 200);
    eventually(&s, &format!("/v1/orders/{id}/payments"), |p| p["summary"]["status"] == "voided").await;
    assert_eq!(gw.lock().unwrap().intents["pi_2"]["status"], "canceled");

    // Cancelling a charged order refunds the card at Stripe.
    let r = s.call(&s.admin, reqwest::Method::PUT, "/v1/channels/web", Some(json!({"capture": "at_placement"}))).await;
    assert_eq!(r.status, 200);
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    let paid = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await;
    assert_eq!(paid.body["summary"]["status"], "paid");
    assert_eq!(s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await.status, 200);
    let p = eventually(&s, &format!("/v1/orders/{id}/payments"), |p| p["summary"]["status"] == "refunded").await;
    assert_eq!(p["summary"]["refunded"]["amount"], "10.00");
    assert_eq!(gw.lock().unwrap().intents["pi_3"]["amount_refunded"], 1000);
}

async fn a_gateway_that_fails_or_times_out_is_retried_to_exactly_one_settlement(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server_capturing_on_shipment(engine, &base).await;

    // Stripe authorizes, but its answer is lost: 503, nothing recorded; the retry authorizes
    // once and records one payment.
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    gw.lock().unwrap().faults.push(("create".into(), Fault::After));
    let lost = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await;
    assert_eq!(lost.status, 503, "{:?}", lost.body);
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body["payments"].as_array().unwrap().len(), 0);
    let again = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    assert_eq!(again.body["payments"].as_array().unwrap().len(), 1);
    assert_eq!(gw.lock().unwrap().done("create"), 1);

    // Stripe captures, but its answer is lost: 503, nothing recorded; the retry sends the same
    // key, Stripe replays its answer, and the capture is recorded once.
    let id = s.post("/v1/orders", order_body(&[("X", 3)])).await.body["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "30.00")).await;
    let pay = r.body["payments"][0]["id"].as_str().unwrap().to_owned();
    gw.lock().unwrap().faults.push(("capture".into(), Fault::After));
    let lost = s.post(&format!("/v1/payments/{pay}/capture"), json!({})).await;
    assert_eq!(lost.status, 503, "{:?}", lost.body);
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body["summary"]["status"], "authorized");
    let retried = s.post(&format!("/v1/payments/{pay}/capture"), json!({})).await;
    assert_eq!(retried.status, 200, "{:?}", retried.body);
    assert_eq!(retried.body["summary"]["captured"]["amount"], "30.00");
    {
        let g = gw.lock().unwrap();
        assert_eq!((g.done("capture"), g.intents["pi_2"]["amount_received"].as_i64()), (1, Some(3000)));
    }

    // The settler's capture meets a 500 first; its next pass captures once.
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await.status, 201);
    gw.lock().unwrap().faults.push(("capture".into(), Fault::Before));
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    eventually(&s, &format!("/v1/orders/{id}/payments"), |p| p["summary"]["status"] == "paid").await;
    {
        let g = gw.lock().unwrap();
        assert_eq!(g.calls.iter().filter(|(p, _, k)| p == "capture" && k.contains(&f)).count(), 2);
        assert_eq!(g.done("capture"), 2);
        assert_eq!(g.intents["pi_3"]["amount_received"], 1000);
    }

    // A refund whose answer comes too late (after Ordo's 1 s timeout) stays pending, and is
    // completed by the settler with the same key: Stripe replays its answer, refunded once.
    // (The settler may finish it even before the request gives up.)
    gw.lock().unwrap().faults.push(("refund".into(), Fault::Slow(1500)));
    let r = s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": usd("4.00"), "reason": "goodwill"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(matches!(r.body["status"].as_str(), Some("pending" | "succeeded")), "{:?}", r.body);
    let refund = r.body["id"].as_str().unwrap().to_owned();
    let done = eventually(&s, &format!("/v1/refunds/{refund}"), |r| r["status"] == "succeeded").await;
    assert_eq!(done["allocations"][0]["reference"], "re_1");
    {
        let g = gw.lock().unwrap();
        assert_eq!(g.calls.iter().filter(|(p, _, _)| p == "refund").count(), 2, "asked twice");
        assert_eq!((g.done("refund"), g.intents["pi_3"]["amount_refunded"].as_i64()), (1, Some(400)), "refunded once");
    }
    let refunds: Vec<_> = ledger(&s, &id).await.into_iter().filter(|(k, _, _)| k == "refunded").collect();
    assert_eq!(refunds, vec![("refunded".to_owned(), "4.00".to_owned(), "re_1".to_owned())]);
}

async fn an_edit_keeps_the_card_authorization_and_the_final_capture_releases_the_rest(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server_capturing_on_shipment(engine, &base).await;
    let o = s.post("/v1/orders", order_body(&[("X", 3)])).await.body;
    let (id, line) = (o["id"].as_str().unwrap().to_owned(), o["lines"][0]["id"].as_str().unwrap().to_owned());
    assert_eq!(s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "30.00")).await.status, 201);
    let edit = s
        .post(
            &format!("/v1/orders/{id}/edits"),
            json!({"changes": [{"type": "set_quantity", "line_id": line, "quantity": 2}]}),
        )
        .await;
    assert_eq!(edit.status, 201, "{:?}", edit.body);
    // Nothing voided at Stripe: the authorization stays whole until the order ships.
    assert_eq!(gw.lock().unwrap().done("cancel"), 0);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(
        (p["summary"]["status"].as_str(), p["payments"][0]["capturable"]["amount"].as_str()),
        (Some("authorized"), Some("30.00"))
    );
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await.status, 200);
    let p = eventually(&s, &format!("/v1/orders/{id}/payments"), |p| p["summary"]["voided"]["amount"] == "10.00").await;
    assert_eq!(
        (p["summary"]["status"].as_str(), p["summary"]["captured"]["amount"].as_str()),
        (Some("paid"), Some("20.00"))
    );
    let g = gw.lock().unwrap();
    let capture = g.calls.iter().find(|(path, ..)| path == "capture").unwrap();
    assert_eq!((capture.1["amount_to_capture"].as_str(), capture.1["final_capture"].as_str()), ("2000", "true"));
    assert_eq!(g.intents["pi_1"]["amount_capturable"], 0);
}

async fn what_a_pending_card_refund_promised_is_never_given_twice(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server(engine, &base).await;
    let o = s.post("/v1/orders", order_body(&[("X", 3)])).await.body;
    let (id, line) = (o["id"].as_str().unwrap().to_owned(), o["lines"][0]["id"].as_str().unwrap().to_owned());
    assert_eq!(
        s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "30.00")).await.body["summary"]["status"],
        "paid"
    );
    // Stripe fails every refund for now: a goodwill refund of 5.00 stays pending.
    gw.lock().unwrap().faults.extend((0..10_000).map(|_| ("refund".to_owned(), Fault::Before)));
    let r = s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": usd("5.00")})).await;
    assert_eq!((r.status.as_u16(), r.body["status"].as_str()), (201, Some("pending")), "{:?}", r.body);
    // Only 25.00 is left to refund, and an edit down to 20.00 gives back 5.00 more, not 10.00.
    let over = s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": usd("25.01")})).await;
    assert_eq!(over.status, 409, "{:?}", over.body);
    let pay = s.get(&format!("/v1/orders/{id}/payments")).await.body["payments"][0]["id"].as_str().unwrap().to_owned();
    let direct = s.post(&format!("/v1/payments/{pay}/refund"), json!({"amount": usd("25.01")})).await;
    assert_eq!(direct.status, 409, "{:?}", direct.body);
    let edit = s
        .post(
            &format!("/v1/orders/{id}/edits"),
            json!({"changes": [{"type": "set_quantity", "line_id": line, "quantity": 2}]}),
        )
        .await;
    assert_eq!(edit.status, 201, "{:?}", edit.body);
    assert_eq!(edit.body["refund_due"]["amount"], "5.00", "{:?}", edit.body);
    // Stripe is back: both complete, and the order has paid exactly its new total.
    gw.lock().unwrap().faults.clear();
    let p =
        eventually(&s, &format!("/v1/orders/{id}/payments"), |p| p["summary"]["refunded"]["amount"] == "10.00").await;
    assert_eq!(p["summary"]["net_paid"]["amount"], "20.00");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(gw.lock().unwrap().intents["pi_1"]["amount_refunded"], 1000);
}

async fn refunds_made_at_stripe_arrive_by_webhook_once(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server(engine, &base).await;
    let id = s.post("/v1/orders", order_body(&[("X", 3)])).await.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "30.00")).await.status, 201);
    let charge = |refunded: i64| {
        json!({"id": "ch_1", "object": "charge", "amount": 3000, "amount_captured": 3000, "amount_refunded": refunded,
               "currency": "usd", "payment_intent": "pi_1", "refunded": refunded == 3000, "metadata": {}})
    };
    // 5.00 refunded in Stripe's dashboard.
    let event = json!({"id": "evt_r1", "object": "event", "type": "charge.refunded", "data": {"object": charge(500)}});
    assert_eq!(webhook(&s, &event, "whsec_test").await, 204);
    assert_eq!(webhook(&s, &event, "whsec_test").await, 204);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["summary"]["refunded"]["amount"], "5.00", "{:?}", p["summary"]);
    // Ordo refunds 10.00 itself; Stripe's event for it (running total 15.00) adds nothing.
    let r = s.post(&format!("/v1/orders/{id}/refunds"), json!({"amount": usd("10.00")})).await;
    assert_eq!((r.status.as_u16(), r.body["status"].as_str()), (201, Some("succeeded")), "{:?}", r.body);
    let again = json!({"id": "evt_r2", "object": "event", "type": "charge.refunded", "data": {"object": charge(1500)}});
    assert_eq!(webhook(&s, &again, "whsec_test").await, 204);
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    assert_eq!(p["summary"]["refunded"]["amount"], "15.00", "{:?}", p["summary"]);
    assert_eq!(gw.lock().unwrap().done("refund"), 1);
    // A forged event is refused.
    assert_eq!(webhook(&s, &event, "whsec_forged").await, 401);
}

async fn an_unreachable_stripe_is_a_503_that_records_nothing(engine: Engine) {
    // Nothing listens on this port.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let s = server(engine, &format!("http://{dead}")).await;
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await;
    assert_eq!(r.status, 503, "{:?}", r.body);
    let after = s.get(&format!("/v1/orders/{id}/payments")).await;
    assert_eq!(after.body["payments"].as_array().unwrap().len(), 0);
    assert_eq!(after.body["summary"]["status"], "pending");
    // The credentials are in no answer: not in the error, the payments, the events or the docs.
    let events = s.get(&format!("/v1/orders/{id}/timeline")).await;
    let docs = s.get("/openapi.json").await;
    for body in [&r.body, &after.body, &events.body, &docs.body] {
        let text = body.to_string();
        assert!(!text.contains("sk_test_ordo") && !text.contains("whsec_test"), "a secret leaked: {text}");
    }
}

async fn without_stripe_card_payments_are_not_implemented(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await;
    assert_eq!(r.status, 501, "{:?}", r.body);
    let hook = s.client.post(format!("{}/v1/payments/stripe/webhook", s.base)).body("{}").send().await.unwrap();
    assert_eq!(hook.status(), 501);
}

/// Sends a keyed card step twice: the retry is answered the first response, byte for byte,
/// without a call to Stripe. The first answer, as JSON.
async fn twice(s: &TestServer, gw: &Shared, path: &str, body: Value, key: &str) -> Value {
    let body = body.to_string();
    let before = gw.lock().unwrap().calls.len();
    let first = s.post_keyed(path, "application/json", &body, key).await;
    let text = |r: &crate::common::RawReply| String::from_utf8_lossy(&r.body).into_owned();
    assert!(first.status.is_success(), "{path}: {}", text(&first));
    let asked = gw.lock().unwrap().calls.len();
    assert!(asked > before, "{path}: Stripe was not asked");
    let second = s.post_keyed(path, "application/json", &body, key).await;
    assert!(second.replayed(), "{path}: the retry ran again: {}", text(&second));
    assert_eq!((second.status, text(&second)), (first.status, text(&first)), "{path}: the replay differs");
    assert_eq!(gw.lock().unwrap().calls.len(), asked, "{path}: the retry asked Stripe again");
    first.json()
}

async fn a_keyed_retry_of_a_card_step_is_replayed_without_asking_stripe_again(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server_capturing_on_shipment(engine, &base).await;
    let id = s.post("/v1/orders", order_body(&[("X", 3)])).await.body["id"].as_str().unwrap().to_owned();
    let paid = twice(&s, &gw, &format!("/v1/orders/{id}/payments"), card("pm_card_visa", "30.00"), "card-1").await;
    let pay = paid["payments"][0]["id"].as_str().unwrap().to_owned();
    // The same key with another amount is refused before Stripe is asked.
    let calls = gw.lock().unwrap().calls.len();
    let other = card("pm_card_visa", "20.00").to_string();
    let reused = s.post_keyed(&format!("/v1/orders/{id}/payments"), "application/json", &other, "card-1").await;
    assert_eq!((reused.status.as_u16(), reused.json()["code"].as_str()), (422, Some("idempotency_key_reused")));
    assert_eq!(gw.lock().unwrap().calls.len(), calls);

    twice(&s, &gw, &format!("/v1/payments/{pay}/capture"), json!({"amount": usd("10.00")}), "card-2").await;
    twice(&s, &gw, &format!("/v1/payments/{pay}/refund"), json!({"amount": usd("3.00")}), "card-3").await;
    // A refund to the card is recorded pending, then completed at Stripe: the replay is the
    // completed refund the first request was answered.
    let refund = twice(&s, &gw, &format!("/v1/orders/{id}/refunds"), json!({"amount": usd("2.00")}), "card-4").await;
    assert_eq!(refund["status"], "succeeded", "{refund:?}");
    twice(&s, &gw, &format!("/v1/payments/{pay}/void"), json!({}), "card-5").await;

    let done: Vec<usize> = {
        let g = gw.lock().unwrap();
        ["create", "capture", "refund", "cancel"].iter().map(|p| g.done(p)).collect()
    };
    assert_eq!(done, [1, 1, 2, 1], "what Stripe did");
    let kinds: Vec<String> =
        ledger(&s, &id).await.into_iter().map(|(kind, amount, _)| format!("{kind} {amount}")).collect();
    assert_eq!(kinds, ["authorized 30.00", "captured 10.00", "refunded 3.00", "refunded 2.00", "voided 20.00"]);
}

/// Two payments with the same card and amount are two payments (the second is not taken for
/// a retry of the first); a token the gateway could not have written is refused before it is
/// asked, and every key Stripe receives is short, visible ASCII.
async fn the_same_card_twice_is_two_payments_and_odd_tokens_never_reach_stripe(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server_capturing_on_shipment(engine, &base).await;
    let id = s.post("/v1/orders", order_body(&[("X", 3)])).await.body["id"].as_str().unwrap().to_owned();
    for n in 1..=2 {
        let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body["payments"].as_array().unwrap().len(), n, "{:?}", r.body);
    }
    assert_eq!(gw.lock().unwrap().done("create"), 2);
    let calls = gw.lock().unwrap().calls.len();
    for token in ["pm_card\u{1d}visa", "pm card", "pm_\u{1F4B3}", "pm_card\"visa"] {
        let r = s.post(&format!("/v1/orders/{id}/payments"), card(token, "1.00")).await;
        assert_eq!(
            (r.status.as_u16(), r.body["errors"][0]["field"].as_str()),
            (422, Some("payment_method")),
            "{token:?}"
        );
    }
    let long = "pm_".to_owned() + &"a".repeat(252);
    assert_eq!(s.post(&format!("/v1/orders/{id}/payments"), card(&long, "1.00")).await.status, 201);
    let g = gw.lock().unwrap();
    assert_eq!(g.calls.len(), calls + 1, "only the well-formed token reached Stripe");
    for (_, _, key) in &g.calls {
        assert!(key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()), "{key:?}");
    }
}

/// Two card payments for the whole of one order, sent at once while Stripe is slow: one is
/// authorized, the other is refused as more than the balance due, and the card is charged
/// once.
async fn two_card_payments_at_once_never_pay_an_order_twice(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server(engine, &base).await;
    let placed = s.post("/v1/orders", order_body(&[("X", 1)])).await.body;
    let (id, total) = (placed["id"].as_str().unwrap().to_owned(), placed["totals"]["total"]["amount"].clone());
    gw.lock()
        .unwrap()
        .faults
        .extend([("create".to_owned(), Fault::Slow(300)), ("create".to_owned(), Fault::Slow(300))]);
    let path = format!("/v1/orders/{id}/payments");
    let pay = |token: &'static str| {
        let body =
            json!({"provider": "stripe", "payment_method": token, "amount": {"amount": total, "currency": "USD"}});
        s.post(&path, body)
    };
    let (a, b) = tokio::join!(pay("pm_card_visa"), pay("pm_card_mastercard"));
    let mut outcomes = [(a.status.as_u16(), a.body["code"].clone()), (b.status.as_u16(), b.body["code"].clone())];
    outcomes.sort_by_key(|o| o.0);
    assert_eq!(outcomes[0].0, 201, "{:?} {:?}", a.body, b.body);
    assert_eq!(outcomes[1], (409, json!("amount_exceeds_balance_due")), "{:?} {:?}", a.body, b.body);
    assert_eq!(gw.lock().unwrap().done("create"), 1, "the card is charged once");
    let payments = s.get(&path).await.body;
    assert_eq!(payments["payments"].as_array().unwrap().len(), 1, "{payments:?}");
    assert_eq!(payments["summary"]["balance_due"]["amount"], "0.00", "{payments:?}");
}

on_both_engines!(
    two_card_payments_at_once_never_pay_an_order_twice,
    the_same_card_twice_is_two_payments_and_odd_tokens_never_reach_stripe,
    a_keyed_retry_of_a_card_step_is_replayed_without_asking_stripe_again,
    cards_are_authorized_captured_and_refunded_at_stripe,
    declines_record_nothing_and_signed_webhooks_settle_what_happened_at_stripe,
    by_default_a_card_is_charged_when_the_payment_is_added,
    the_settler_captures_each_shipment_at_stripe_and_settles_cancellations,
    a_gateway_that_fails_or_times_out_is_retried_to_exactly_one_settlement,
    refunds_made_at_stripe_arrive_by_webhook_once,
    an_edit_keeps_the_card_authorization_and_the_final_capture_releases_the_rest,
    what_a_pending_card_refund_promised_is_never_given_twice,
    an_unreachable_stripe_is_a_503_that_records_nothing,
    without_stripe_card_payments_are_not_implemented,
);
