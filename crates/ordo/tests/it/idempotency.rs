//! Idempotency keys on every POST that takes an API key. The same key with the same body is
//! answered the first response again, the same status and the same bytes, and the work is done
//! once; the same key with another body is a 422 `idempotency_key_reused` that changes nothing.
//! One table covers the POSTs beyond the ones `api.rs` checks (orders, keys): payments and
//! their steps, refunds, balances, holds, edits, claims, returns and their steps, labels,
//! carriers, rule sets, simulations, exchange rates, bucket moves and key revocation.

use crate::common::{Engine, RawReply, TestServer, order_body};
use serde_json::{Value, json};

fn usd(a: &str) -> Value {
    json!({"amount": a, "currency": "USD"})
}

/// Something one request changes, counted before and after it.
enum Probe {
    /// The outbox events of a type about one subject.
    Events(&'static str, String),
    /// The items of the list at a JSON pointer in a GET's answer; none while it is a 404.
    Items(String, &'static str),
}

impl Probe {
    async fn count(&self, s: &TestServer) -> usize {
        match self {
            Probe::Events(kind, subject) => s.all(&format!("/v1/events?type={kind}&subject={subject}")).await.len(),
            Probe::Items(path, pointer) => {
                let r = s.get(path).await;
                if r.status == 404 {
                    return 0;
                }
                assert_eq!(r.status, 200, "{path}: {:?}", r.body);
                let items = r.body.pointer(pointer).and_then(Value::as_array);
                items.unwrap_or_else(|| panic!("{path} has no list at {pointer:?}: {:?}", r.body)).len()
            }
        }
    }

    fn name(&self) -> String {
        match self {
            Probe::Events(kind, subject) => format!("{kind} events of {subject}"),
            Probe::Items(path, pointer) => format!("items of {path}{pointer}"),
        }
    }
}

/// One keyed POST: its body, another body the key is then reused with, the status it answers
/// and what it changes (each probe by exactly one).
struct Case {
    path: String,
    content_type: &'static str,
    body: String,
    other: String,
    status: u16,
    effects: Vec<Probe>,
}

fn case(path: String, body: Value, other: Value, status: u16, effects: Vec<Probe>) -> Case {
    Case { path, content_type: "application/json", body: body.to_string(), other: other.to_string(), status, effects }
}

async fn counts(s: &TestServer, probes: &[Probe]) -> Vec<usize> {
    let mut out = Vec::new();
    for p in probes {
        out.push(p.count(s).await);
    }
    out
}

fn text(r: &RawReply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

async fn check(s: &TestServer, n: usize, c: &Case) {
    let key = format!("idem-case-{n}");
    let what = format!("POST {}", c.path);
    let before = counts(s, &c.effects).await;
    let first = s.post_keyed(&c.path, c.content_type, &c.body, &key).await;
    assert_eq!(first.status.as_u16(), c.status, "{what}: {}", text(&first));
    assert!(!first.replayed(), "{what}: the first request was answered as a replay");
    let second = s.post_keyed(&c.path, c.content_type, &c.body, &key).await;
    assert_eq!(second.status, first.status, "{what}: the retry was answered {}", text(&second));
    assert!(second.replayed(), "{what}: the retry ran again instead of replaying: {}", text(&second));
    assert_eq!(text(&second), text(&first), "{what}: the replay is not the first answer");
    assert_eq!(second.headers.get("content-type"), first.headers.get("content-type"), "{what}");
    let after = counts(s, &c.effects).await;
    for ((p, b), a) in c.effects.iter().zip(&before).zip(&after) {
        assert_eq!(*a, b + 1, "{what}: {} went from {b} to {a}, not up by one", p.name());
    }
    let other = s.post_keyed(&c.path, c.content_type, &c.other, &key).await;
    assert_eq!(other.status, 422, "{what}: the key reused with another body: {}", text(&other));
    assert_eq!(other.json()["code"], "idempotency_key_reused", "{what}: {}", text(&other));
    assert_eq!(counts(s, &c.effects).await, after, "{what}: the refused request changed something");
}

/// An order of `units` × X: (order id, line id).
async fn order(s: &TestServer, units: i64) -> (String, String) {
    let r = s.post("/v1/orders", order_body(&[("X", units)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (r.body["id"].as_str().unwrap().to_owned(), r.body["lines"][0]["id"].as_str().unwrap().to_owned())
}

/// Records a manual payment; returns its id.
async fn pay(s: &TestServer, order: &str, amount: &str, captured: bool) -> String {
    let body = json!({"provider": "manual", "method": "bank_transfer", "amount": usd(amount), "captured": captured});
    let r = s.post(&format!("/v1/orders/{order}/payments"), body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["payments"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_owned()
}

async fn fulfillment(s: &TestServer, order: &str) -> String {
    s.get(&format!("/v1/orders/{order}/fulfillments")).await.body["data"][0]["id"].as_str().unwrap().to_owned()
}

/// A paid order of 3 × X, shipped: (order id, line id).
async fn shipped(s: &TestServer) -> (String, String) {
    let (id, line) = order(s, 3).await;
    pay(s, &id, "30.00", true).await;
    let f = fulfillment(s, &id).await;
    let r = s.post(&format!("/v1/fulfillments/{f}/ship"), json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    (id, line)
}

/// A return of `units` of a shipped order, taken through `steps`: (order id, line, return id).
async fn a_return(s: &TestServer, units: i64, steps: &[(&str, Value)]) -> (String, String, String) {
    let (id, line) = shipped(s).await;
    let body = json!({"lines": [{"line_id": line, "quantity": units, "reason": "damaged"}]});
    let r = s.post(&format!("/v1/orders/{id}/returns"), body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ret = r.body["id"].as_str().unwrap().to_owned();
    for (step, body) in steps {
        let r = s.post(&format!("/v1/returns/{ret}/{step}"), body.clone()).await;
        assert_eq!(r.status, 200, "{step}: {:?}", r.body);
    }
    (id, line, ret)
}

async fn hold(s: &TestServer, order: &str) -> String {
    let r = s.post(&format!("/v1/orders/{order}/holds"), json!({"type": "manual"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn carrier(code: &str, name: &str) -> Value {
    json!({"code": code, "name": name, "webhook_secret": "secret", "services": [
        {"code": "ground", "name": "Ground", "cutoff_hour": 24, "max_weight_grams": 30000, "zones": [
            {"name": "national", "countries": ["US"], "transit_days": 3, "base": usd("6.00"), "per_kg": usd("0.80")}]}]})
}

async fn every_keyed_post_replays_its_first_answer_and_does_its_work_once(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 300).await;
    assert_eq!(s.post("/v1/carriers", carrier("ACME", "Acme Parcel")).await.status, 201);
    let customer =
        s.post("/v1/customers", json!({"email": "credit@example.com"})).await.body["id"].as_str().unwrap().to_owned();

    let (paid, _) = order(&s, 3).await;
    let (authorized, _) = order(&s, 3).await;
    let to_capture = pay(&s, &authorized, "30.00", false).await;
    let (voidable, _) = order(&s, 3).await;
    let to_void = pay(&s, &voidable, "30.00", false).await;
    let (refundable, _) = order(&s, 3).await;
    let to_refund = pay(&s, &refundable, "30.00", true).await;
    let (refunded, _) = order(&s, 3).await;
    pay(&s, &refunded, "30.00", true).await;
    // A paid order edited down is refunded the difference after the edit is recorded.
    let (edited, edited_line) = order(&s, 3).await;
    pay(&s, &edited, "30.00", true).await;
    let (line_order, line) = order(&s, 3).await;
    let (held, _) = order(&s, 1).await;
    let (released, _) = order(&s, 1).await;
    let to_release = hold(&s, &released).await;
    let (cancelled, _) = order(&s, 1).await;
    let to_cancel = hold(&s, &cancelled).await;
    let (labelled, _) = order(&s, 1).await;
    let to_label = fulfillment(&s, &labelled).await;
    let (claimed, claimed_line) = shipped(&s).await;
    let (returned, returned_line) = shipped(&s).await;
    let (approved, _, to_approve) = a_return(&s, 1, &[]).await;
    let (rejected, _, to_reject) = a_return(&s, 1, &[]).await;
    let (received, received_line, to_receive) = a_return(&s, 1, &[("approve", json!({}))]).await;
    let (closed, _, to_close) = a_return(&s, 1, &[("reject", json!({}))]).await;
    let (return_labelled, _, to_return_label) = a_return(&s, 1, &[]).await;
    // Two quarantined units of X at A, for the bucket move.
    let (_, quarantined_line, quarantined) = a_return(&s, 2, &[("approve", json!({}))]).await;
    let units = json!([{"line_id": quarantined_line, "quantity": 2, "disposition": "damaged", "condition": "broken"}]);
    let r = s.post(&format!("/v1/returns/{quarantined}/receive"), json!({"location": "A", "units": units})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let viewer = s.post("/v1/keys", json!({"role": "viewer"})).await.body["id"].as_str().unwrap().to_owned();

    let events = |kind: &'static str, subject: &str| Probe::Events(kind, subject.to_owned());
    let items = |path: String, pointer: &'static str| Probe::Items(path, pointer);
    let refunds = |order: &str| items(format!("/v1/orders/{order}/refunds"), "");
    let cases = vec![
        case(
            "/v1/gift-cards".into(),
            json!({"code": "GC-IDEM", "amount": usd("25.00")}),
            json!({"code": "GC-IDEM", "amount": usd("30.00")}),
            201,
            vec![items("/v1/gift-cards/GC-IDEM".into(), "/entries")],
        ),
        case(
            format!("/v1/customers/{customer}/store-credit"),
            json!({"amount": usd("5.00"), "reason": "late delivery"}),
            json!({"amount": usd("6.00"), "reason": "late delivery"}),
            200,
            vec![items(format!("/v1/customers/{customer}/store-credit"), "/entries")],
        ),
        case(
            "/v1/carriers".into(),
            carrier("ZIP", "Zip"),
            carrier("ZIP", "Zip Two"),
            201,
            vec![events("carrier.created", "ZIP")],
        ),
        case(
            "/v1/routing/rule-sets".into(),
            json!({"name": "idem-rules", "criteria": ["priority", "distance"], "channels": ["pos"]}),
            json!({"name": "idem-rules", "criteria": ["distance", "priority"], "channels": ["pos"]}),
            201,
            vec![items("/v1/routing/rule-sets".into(), "/data")],
        ),
        case("/v1/routing/simulate".into(), json!({"last": 5}), json!({"last": 4}), 200, vec![]),
        case(
            "/v1/exchange-rates".into(),
            json!({"date": "2026-11-27", "base": "EUR", "rates": {"USD": "1.0512"}}),
            json!({"date": "2026-11-27", "base": "EUR", "rates": {"USD": "1.0600"}}),
            201,
            vec![events("exchange_rates.updated", "EUR")],
        ),
        Case {
            path: "/v1/exchange-rates/ecb".into(),
            content_type: "text/csv",
            body: "Date,USD,\n2026-11-26,1.0400,\n".into(),
            other: "Date,USD,\n2026-11-26,1.0401,\n".into(),
            status: 201,
            effects: vec![events("exchange_rates.updated", "EUR")],
        },
        case(
            format!("/v1/orders/{paid}/payments"),
            json!({"provider": "manual", "method": "bank_transfer", "amount": usd("30.00")}),
            json!({"provider": "manual", "method": "bank_transfer", "amount": usd("20.00")}),
            201,
            vec![events("payment.authorized", &paid)],
        ),
        case(
            format!("/v1/payments/{to_capture}/capture"),
            json!({"amount": usd("10.00")}),
            json!({"amount": usd("11.00")}),
            200,
            vec![events("payment.captured", &authorized)],
        ),
        case(
            format!("/v1/payments/{to_void}/void"),
            json!({"reason": "ordered twice"}),
            json!({"reason": "changed their mind"}),
            200,
            vec![events("payment.voided", &voidable)],
        ),
        case(
            format!("/v1/payments/{to_refund}/refund"),
            json!({"amount": usd("5.00")}),
            json!({"amount": usd("6.00")}),
            200,
            vec![events("refund.succeeded", &refundable)],
        ),
        case(
            format!("/v1/orders/{refunded}/refunds"),
            json!({"amount": usd("4.00"), "reason": "goodwill"}),
            json!({"amount": usd("5.00"), "reason": "goodwill"}),
            201,
            vec![refunds(&refunded)],
        ),
        case(
            format!("/v1/orders/{edited}/edits"),
            json!({"changes": [{"type": "set_quantity", "line_id": edited_line, "quantity": 2}]}),
            json!({"changes": [{"type": "set_quantity", "line_id": edited_line, "quantity": 1}]}),
            201,
            vec![items(format!("/v1/orders/{edited}/edits"), ""), refunds(&edited)],
        ),
        case(
            format!("/v1/orders/{line_order}/lines/{line}/cancel"),
            json!({"quantity": 1}),
            json!({"quantity": 2}),
            201,
            vec![items(format!("/v1/orders/{line_order}/edits"), "")],
        ),
        case(
            format!("/v1/orders/{held}/holds"),
            json!({"type": "manual", "reason": "call the customer"}),
            json!({"type": "manual", "reason": "check the address"}),
            201,
            vec![items(format!("/v1/orders/{held}/holds"), "")],
        ),
        case(
            format!("/v1/holds/{to_release}/release"),
            json!({"note": "the customer confirmed"}),
            json!({"note": "looks fine"}),
            200,
            vec![events("order.hold_released", &released)],
        ),
        case(
            format!("/v1/holds/{to_cancel}/cancel-order"),
            json!({"note": "fraud"}),
            json!({"note": "not fraud after all"}),
            200,
            vec![events("order.hold_cancelled_order", &cancelled), events("order.cancelled", &cancelled)],
        ),
        case(
            format!("/v1/fulfillments/{to_label}/label"),
            json!({}),
            json!({"service": "ACME/ground"}),
            200,
            vec![events("fulfillment.label_purchased", &labelled)],
        ),
        case(
            format!("/v1/orders/{claimed}/claims"),
            json!({"type": "missing", "lines": [{"line_id": claimed_line, "quantity": 1}], "resolution": "refund"}),
            json!({"type": "missing", "lines": [{"line_id": claimed_line, "quantity": 1}], "resolution": "reship"}),
            201,
            vec![items(format!("/v1/orders/{claimed}/claims"), ""), refunds(&claimed)],
        ),
        case(
            format!("/v1/orders/{returned}/returns"),
            json!({"lines": [{"line_id": returned_line, "quantity": 1, "reason": "no_longer_needed"}]}),
            json!({"lines": [{"line_id": returned_line, "quantity": 2, "reason": "no_longer_needed"}]}),
            201,
            vec![items(format!("/v1/orders/{returned}/returns"), "/data")],
        ),
        case(
            format!("/v1/returns/{to_approve}/approve"),
            json!({"note": "approved"}),
            json!({"note": "approved, with a fee"}),
            200,
            vec![events("return.approved", &approved)],
        ),
        case(
            format!("/v1/returns/{to_reject}/reject"),
            json!({"note": "outside the policy"}),
            json!({"note": "no"}),
            200,
            vec![events("return.rejected", &rejected)],
        ),
        // Receiving refunds the return after the receipt is recorded.
        case(
            format!("/v1/returns/{to_receive}/receive"),
            json!({"location": "A", "units": [{"line_id": received_line, "quantity": 1, "disposition": "damaged"}]}),
            json!({"location": "A", "units": [{"line_id": received_line, "quantity": 1, "disposition": "restock"}]}),
            200,
            vec![events("return.received", &received), refunds(&received)],
        ),
        case(
            format!("/v1/returns/{to_close}/close"),
            json!({"note": "done"}),
            json!({"note": "finished"}),
            200,
            vec![events("return.closed", &closed)],
        ),
        case(
            format!("/v1/returns/{to_return_label}/label"),
            json!({}),
            json!({"location": "A"}),
            201,
            vec![events("return.label_purchased", &return_labelled)],
        ),
        case(
            "/v1/inventory/buckets/moves".into(),
            json!({"sku": "X", "location": "A", "from": "quarantine", "to": "refurbish", "quantity": 1}),
            json!({"sku": "X", "location": "A", "from": "quarantine", "to": "refurbish", "quantity": 2}),
            200,
            vec![events("inventory.bucket_moved", "X")],
        ),
        // A revoked key cannot be revoked again (404): the retry is answered the first 204.
        case(format!("/v1/keys/{viewer}/revoke"), json!({}), json!({"note": "again"}), 204, vec![]),
    ];
    for (n, c) in cases.iter().enumerate() {
        check(&s, n, c).await;
    }
    // What a replay says is what there is: the refunds made after the first transactions.
    let edit = &s.get(&format!("/v1/orders/{edited}/edits")).await.body[0];
    assert!(edit["refund_id"].is_string(), "{edit:?}");
    let receipt = s.get(&format!("/v1/returns/{to_receive}")).await.body;
    assert!(receipt["refund_id"].is_string(), "{receipt:?}");
    s.assert_stock_consistent(&["X"]).await;
}

on_both_engines!(every_keyed_post_replays_its_first_answer_and_does_its_work_once);
