//! Card payments through the Stripe adapter, against a local stand-in that speaks Stripe's
//! documented PaymentIntents API (form-encoded requests, JSON answers, `Idempotency-Key`,
//! 402 declines) over a real socket, and Stripe's signed webhooks.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{Engine, TestServer, order_body};
use ordo_app::stripe::StripeConfig;
use serde_json::{Value, json};

/// The stand-in's intents, and every request it answered (path, form, idempotency key).
#[derive(Default)]
struct Gateway {
    intents: HashMap<String, Value>,
    calls: Vec<(String, HashMap<String, String>, String)>,
    answered: HashMap<String, Value>,
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
    (status, Json(json!({"error": {"type": "card_error", "code": code, "message": message}})))
}

/// Checks the key, records the call, and replays the first answer to a repeated idempotency key.
fn handle(
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
    let mut g = gw.lock().unwrap();
    g.calls.push((path.to_owned(), params.clone(), key.clone()));
    if let Some(v) = g.answered.get(&key) {
        return (StatusCode::OK, Json(v.clone()));
    }
    let (status, Json(v)) = f(&mut g, &params);
    if status.is_success() {
        g.answered.insert(key, v.clone());
    }
    (status, Json(v))
}

async fn create(State(gw): State<Shared>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "create", &headers, &body, |g, p| {
        if p["payment_method"] == "pm_card_chargeDeclined" {
            return error(StatusCode::PAYMENT_REQUIRED, "card_declined", "Your card was declined.");
        }
        let id = format!("pi_{}", g.intents.len() + 1);
        let amount: i64 = p["amount"].parse().unwrap();
        let intent = json!({"id": id, "object": "payment_intent", "amount": amount, "currency": p["currency"],
                            "status": "requires_capture", "amount_capturable": amount, "amount_received": 0,
                            "capture_method": p["capture_method"],
                            "metadata": {"ordo_payment_id": p["metadata[ordo_payment_id]"], "ordo_order_id": p["metadata[ordo_order_id]"]}});
        g.intents.insert(id, intent.clone());
        (StatusCode::OK, Json(intent))
    })
}

async fn capture(State(gw): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "capture", &headers, &body, |g, p| {
        let intent = g.intents.get_mut(&id).unwrap();
        let amount: i64 = p["amount_to_capture"].parse().unwrap();
        if amount > intent["amount_capturable"].as_i64().unwrap() {
            return error(StatusCode::BAD_REQUEST, "amount_too_large", "too large");
        }
        intent["amount_received"] = json!(intent["amount_received"].as_i64().unwrap() + amount);
        intent["amount_capturable"] = json!(0);
        intent["status"] = json!("succeeded");
        (StatusCode::OK, Json(intent.clone()))
    })
}

async fn cancel(State(gw): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "cancel", &headers, &body, |g, _| {
        let intent = g.intents.get_mut(&id).unwrap();
        intent["status"] = json!("canceled");
        intent["amount_capturable"] = json!(0);
        (StatusCode::OK, Json(intent.clone()))
    })
}

async fn refund(State(gw): State<Shared>, headers: HeaderMap, body: String) -> Answer {
    handle(&gw, "refund", &headers, &body, |g, p| {
        let n = g.calls.len();
        (
            StatusCode::OK,
            Json(json!({"id": format!("re_{n}"), "object": "refund", "amount": p["amount"].parse::<i64>().unwrap(),
                                     "payment_intent": p["payment_intent"], "status": "succeeded"})),
        )
    })
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
    let s = TestServer::start_app(engine, ordo_web::WebConfig::default(), move |app| app.with_stripe(config)).await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    s
}

fn usd(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

fn card(token: &str, amount: &str) -> Value {
    json!({"provider": "stripe", "payment_method": token, "amount": usd(amount)})
}

async fn cards_are_authorized_captured_and_refunded_at_stripe(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server(engine, &base).await;
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
    let mac: String = ordo_app::carriers::hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes())
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
    let s = server(engine, &base).await;
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
    assert_eq!(wrong.status, 422, "{:?}", wrong.body);
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

async fn card_authorizations_are_settled_at_stripe_not_by_shipping_or_cancelling(engine: Engine) {
    let (base, gw) = stand_in().await;
    let s = server(engine, &base).await;
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    let r = s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await;
    let pay = r.body["payments"][0]["id"].as_str().unwrap().to_owned();
    // Cancelling records nothing Stripe has not done: the authorization is voided explicitly.
    let cancelled = s.post(&format!("/v1/orders/{id}/cancel"), json!({"reason": "customer asked"})).await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body["summary"]["status"], "authorized");
    assert_eq!(gw.lock().unwrap().intents["pi_1"]["status"], "requires_capture");
    let void = s.post(&format!("/v1/payments/{pay}/void"), json!({})).await;
    assert_eq!(void.status, 200, "{:?}", void.body);
    assert_eq!(void.body["summary"]["status"], "voided");
    assert_eq!(gw.lock().unwrap().intents["pi_1"]["status"], "canceled");

    // Shipping does not capture a card either.
    let id = s.post("/v1/orders", order_body(&[("X", 1)])).await.body["id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/v1/orders/{id}/payments"), card("pm_card_visa", "10.00")).await.status, 201);
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned();
    let shipped = s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await;
    assert_eq!(shipped.status, 200, "{:?}", shipped.body);
    assert_eq!(s.get(&format!("/v1/orders/{id}/payments")).await.body["summary"]["status"], "authorized");
    assert_eq!(gw.lock().unwrap().intents["pi_2"]["amount_received"], 0);
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

on_both_engines!(
    cards_are_authorized_captured_and_refunded_at_stripe,
    declines_record_nothing_and_signed_webhooks_settle_what_happened_at_stripe,
    card_authorizations_are_settled_at_stripe_not_by_shipping_or_cancelling,
    an_unreachable_stripe_is_a_503_that_records_nothing,
    without_stripe_card_payments_are_not_implemented,
);
