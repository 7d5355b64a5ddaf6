//! Transfers over HTTP: drafted between two locations, bad input refused with nothing stored,
//! shipped all or nothing (never reserved stock) into the source's `in_transit` bucket, counted
//! as incoming at the destination, received in parts (never more than is in transit) with
//! both ledgers naming the line, valued at the source's average cost, closed with what never
//! arrived written off, cancelled as drafts; concurrent and keyed receipts applied once each.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer, order_body};

/// Two locations, two products, and stock at WH bought at a known cost (A-1 at 2.00, B-1 at
/// 10.00).
async fn setup(s: &TestServer) {
    s.location("WH", 1).await;
    s.location("ST", 2).await;
    s.product("A-1", "9.00").await;
    s.product("B-1", "30.00").await;
    let r =
        s.post("/v1/suppliers", json!({"code": "ACME", "name": "Acme", "lead_time_days": 7, "currency": "EUR"})).await;
    let supplier = r.body["id"].as_str().unwrap().to_owned();
    let cost = |a: &str| json!({"amount": a, "currency": "EUR"});
    let r = s
        .post(
            "/v1/purchase-orders",
            json!({"supplier_id": supplier, "location": "WH",
                   "lines": [{"sku": "A-1", "quantity": 10, "unit_cost": cost("2.00")},
                             {"sku": "B-1", "quantity": 5, "unit_cost": cost("10.00")}]}),
        )
        .await;
    let po = format!("/v1/purchase-orders/{}", r.body["id"].as_str().unwrap());
    s.post(&format!("{po}/send"), json!({})).await;
    let r = s
        .post(&format!("{po}/receipts"), json!({"lines": [{"line": 1, "quantity": 10}, {"line": 2, "quantity": 5}]}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

/// A SKU's `in_transit` units per location, from its buckets.
async fn in_transit(s: &TestServer, sku: &str) -> Vec<(String, i64)> {
    let b = s.get(&format!("/v1/inventory/{sku}/buckets")).await.body;
    b["levels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["bucket"] == "in_transit")
        .map(|l| (l["location"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap()))
        .collect()
}

/// The on-hand units of a SKU per location code.
async fn on_hand(s: &TestServer, sku: &str) -> Vec<(String, i64)> {
    s.levels(sku).await.0.into_iter().map(|(l, h, _)| (l, h)).collect()
}

fn fields(r: &Value) -> Vec<String> {
    r["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

async fn transfers_move_stock_through_transit_and_write_off_what_never_arrives(engine: Engine) {
    let s = TestServer::start(engine).await;
    setup(&s).await;
    let body = json!({"from_location": "WH", "to_location": "ST", "expected_on": "2027-01-05", "note": "restock ST",
        "lines": [{"sku": "A-1", "quantity": 6}, {"sku": "B-1", "quantity": 2}]});
    let r = s.post("/v1/transfers", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("tr_"), "{id}");
    assert_eq!((&r.body["number"], &r.body["status"]), (&json!(1), &json!("draft")));
    assert_eq!(
        r.body["lines"][0],
        json!({"line": 1, "sku": "A-1", "quantity": 6, "received": 0, "lost": 0, "in_transit": 0, "unit_cost": null})
    );

    // Bad input is refused field by field, and nothing is stored.
    let line = |sku: &str, q: i64| json!({"sku": sku, "quantity": q});
    for (body, status, field) in [
        (json!({"from_location": "WH", "to_location": "WH", "lines": [line("A-1", 1)]}), 422, "to_location"),
        (json!({"from_location": "XX", "to_location": "ST", "lines": [line("A-1", 1)]}), 404, "from_location"),
        (json!({"from_location": "WH", "to_location": "ST", "lines": [line("NOPE", 1)]}), 404, "lines/0/sku"),
        (json!({"from_location": "WH", "to_location": "ST", "lines": [line("A-1", 0)]}), 422, "lines/0/quantity"),
        (
            json!({"from_location": "WH", "to_location": "ST", "lines": [line("A-1", 1), line("A-1", 2)]}),
            422,
            "lines/1/sku",
        ),
        (json!({"from_location": "WH", "to_location": "ST", "lines": []}), 422, "lines"),
        (
            json!({"from_location": "WH", "to_location": "ST", "expected_on": "2027-13-01", "lines": [line("A-1", 1)]}),
            422,
            "expected_on",
        ),
    ] {
        let r = s.post("/v1/transfers", body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{body} {:?}", r.body);
        assert_eq!(fields(&r.body), [field], "{body}");
    }
    assert_eq!(s.all("/v1/transfers").await.len(), 1);

    // A draft's lines change; it receives nothing; nothing has moved.
    let path = format!("/v1/transfers/{id}");
    let r = s.call(&s.admin, Method::PATCH, &path, Some(json!({"lines": [line("A-1", 8), line("B-1", 2)]}))).await;
    assert_eq!((r.status.as_u16(), &r.body["version"], &r.body["lines"][0]["quantity"]), (200, &json!(2), &json!(8)));
    let r = s.post(&format!("{path}/receipts"), json!({"lines": [{"line": 1, "quantity": 1}]})).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("invalid_transition")));
    assert_eq!(on_hand(&s, "A-1").await, [("WH".into(), 10)]);

    // A transfer needing more than is available ships nothing at all, and is cancelled.
    let r = s
        .post(
            "/v1/transfers",
            json!({"from_location": "WH", "to_location": "ST",
        "lines": [line("B-1", 1), line("A-1", 11)]}),
        )
        .await;
    let too_much = format!("/v1/transfers/{}", r.body["id"].as_str().unwrap());
    let r = s.post(&format!("{too_much}/ship"), json!({})).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("insufficient_stock")), "{:?}", r.body);
    assert_eq!((on_hand(&s, "B-1").await, in_transit(&s, "B-1").await), (vec![("WH".into(), 5)], vec![]));
    let r = s.post(&format!("{too_much}/cancel"), json!({})).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (200, &json!("cancelled")));
    assert_eq!(s.post(&format!("{too_much}/ship"), json!({})).await.status, 409);

    // Shipped: the units leave WH's stock for its in_transit bucket, at WH's average cost.
    let r = s.post(&format!("{path}/ship"), json!({})).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (200, &json!("shipped")), "{:?}", r.body);
    assert_eq!(
        (&r.body["lines"][0]["in_transit"], &r.body["lines"][0]["unit_cost"]["amount"]),
        (&json!(8), &json!("2.00"))
    );
    assert_eq!(on_hand(&s, "A-1").await, [("WH".into(), 2)]);
    assert_eq!(in_transit(&s, "A-1").await, [("WH".into(), 8)]);
    let out = &s.ledger("A-1").await[0];
    assert_eq!(
        (&out["reason"], &out["on_hand_delta"], &out["location"]),
        (&json!("transfer_out"), &json!(-8), &json!("WH"))
    );
    assert_eq!(out["reference"], format!("{id}:1"));
    let buckets = s.get("/v1/inventory/A-1/buckets").await.body;
    let moved = buckets["movements"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&moved["bucket"], &moved["delta"], &moved["reference"]),
        (&json!("in_transit"), &json!(8), &json!(format!("{id}:1")))
    );
    assert_eq!(s.post(&format!("{path}/ship"), json!({})).await.status, 409, "it ships once");
    let r = s.call(&s.admin, Method::PATCH, &path, Some(json!({"lines": [line("A-1", 1)]}))).await;
    assert_eq!(r.status, 409, "a shipped transfer's lines stay");
    assert_eq!(s.post(&format!("{path}/cancel"), json!({})).await.status, 409);

    // On its way, it is incoming at ST from the expected day.
    let a = s.get("/v1/inventory/A-1/availability?location=ST&until=2027-01-05").await.body;
    assert_eq!(
        a["locations"][0]["incoming"],
        json!([{"source": format!("{id}:1"), "expected_on": "2027-01-05", "quantity": 8}])
    );

    // No line receives more than is in transit; a refused receipt changes nothing.
    let r = s
        .post(&format!("{path}/receipts"), json!({"lines": [{"line": 2, "quantity": 1}, {"line": 1, "quantity": 9}]}))
        .await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("exceeds_in_transit")), "{:?}", r.body);
    let r = s.post(&format!("{path}/receipts"), json!({"lines": [{"line": 3, "quantity": 1}]})).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(on_hand(&s, "B-1").await, [("WH".into(), 3)]);

    // Received in part: the units go on hand at ST at the cost they left WH with.
    let r = s.post(&format!("{path}/receipts"), json!({"lines": [{"line": 1, "quantity": 5}], "note": "box 1"})).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (201, &json!("partially_received")), "{:?}", r.body);
    assert_eq!((&r.body["lines"][0]["received"], &r.body["lines"][0]["in_transit"]), (&json!(5), &json!(3)));
    assert_eq!(on_hand(&s, "A-1").await, [("ST".into(), 5), ("WH".into(), 2)]);
    assert_eq!(in_transit(&s, "A-1").await, [("WH".into(), 3)]);
    let arrived = &s.ledger("A-1").await[0];
    assert_eq!(
        (&arrived["reason"], &arrived["on_hand_delta"], &arrived["location"]),
        (&json!("transfer_in"), &json!(5), &json!("ST"))
    );
    assert_eq!(r.body["receipts"][0]["lines"][0]["movement_id"], arrived["id"]);
    let stock = s.get("/v1/inventory/A-1").await.body;
    let st = stock["locations"].as_array().unwrap().iter().find(|l| l["location"] == "ST").unwrap().clone();
    assert_eq!((&st["cost"]["unit_cost"]["amount"], &st["cost"]["value"]["amount"]), (&json!("2.00"), &json!("10.00")));

    // Closed: what is still in transit is written off as damaged; nothing more is incoming.
    let r = s.post(&format!("{path}/close"), json!({"reason": "broken"})).await;
    assert_eq!((r.status.as_u16(), fields(&r.body)), (422, vec!["reason".to_owned()]));
    let r = s.post(&format!("{path}/close"), json!({"reason": "damaged"})).await;
    assert_eq!(
        (r.status.as_u16(), &r.body["status"], &r.body["loss_reason"]),
        (200, &json!("received"), &json!("damaged"))
    );
    assert_eq!((&r.body["lines"][0]["lost"], &r.body["lines"][1]["lost"]), (&json!(3), &json!(2)));
    assert!(r.body["closed_at"].is_string());
    assert_eq!(
        (in_transit(&s, "A-1").await, in_transit(&s, "B-1").await),
        (vec![("WH".into(), 0)], vec![("WH".into(), 0)])
    );
    let buckets = s.get("/v1/inventory/B-1/buckets").await.body;
    let last = buckets["movements"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((&last["reason"], &last["delta"]), (&json!("damaged"), &json!(-2)));
    let a = s.get("/v1/inventory/A-1/availability?location=ST").await.body;
    assert_eq!(a["locations"][0]["incoming"], json!([]));
    assert_eq!(s.post(&format!("{path}/close"), json!({})).await.status, 409);
    assert_eq!(s.call(&s.admin, Method::PATCH, &path, Some(json!({"note": "x"}))).await.status, 409);

    // Listed newest first, filtered.
    let numbers: Vec<i64> = s.all("/v1/transfers").await.iter().map(|t| t["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [2, 1]);
    assert_eq!(s.all("/v1/transfers?status=received&from_location=WH&to_location=ST").await.len(), 1);
    assert!(s.all("/v1/transfers?to_location=WH").await.is_empty());
    assert!(s.all("/v1/transfers?from_location=NOWHERE").await.is_empty());
    assert_eq!(s.get("/v1/transfers?status=lost").await.status, 400);
    assert_eq!(s.get("/v1/transfers/tr_01JD8X3Q6Z3M9V8K2N4P6R8T0W").await.status, 404);

    // Every step is an event about the transfer; every unit moved is in a ledger.
    let events = s.events_when(&format!("subject={id}"), 5).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["transfer.created", "transfer.updated", "transfer.shipped", "transfer.received", "transfer.closed"]
    );
    assert_eq!(
        events[4]["data"]["lost"],
        json!([{"line": 1, "sku": "A-1", "quantity": 3}, {"line": 2, "sku": "B-1", "quantity": 2}])
    );
    s.assert_stock_consistent(&["A-1", "B-1"]).await;
}

async fn transfers_never_ship_reserved_stock_and_receipts_are_applied_once(engine: Engine) {
    let s = std::sync::Arc::new(TestServer::start(engine).await);
    setup(&s).await;
    // Seven of WH's ten are promised to an order: a transfer may take three at most.
    let r = s.post("/v1/orders", order_body(&[("A-1", 7)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let draft = |q: i64| json!({"from_location": "WH", "to_location": "ST", "lines": [{"sku": "A-1", "quantity": q}]});
    let r = s.post("/v1/transfers", draft(4)).await;
    let r = s.post(&format!("/v1/transfers/{}/ship", r.body["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("insufficient_stock")));
    let r = s.post("/v1/transfers", draft(3)).await;
    let path = format!("/v1/transfers/{}", r.body["id"].as_str().unwrap());
    // Shipping under a stale version is refused.
    let stale =
        s.call_with(&s.admin, Method::POST, &format!("{path}/ship"), Some(json!({})), &[("If-Match", "\"7\"")]).await;
    assert_eq!(stale.status, 412, "{:?}", stale.body);
    assert_eq!(s.post(&format!("{path}/ship"), json!({})).await.status, 200);
    assert_eq!(s.levels("A-1").await.0, [("WH".into(), 7, 7)]);

    // A keyed receipt sent twice is applied once.
    let receipts = format!("{path}/receipts");
    let key = [("Idempotency-Key", "st-dock-1")];
    let body = json!({"lines": [{"line": 1, "quantity": 1}]});
    let first = s.call_with(&s.admin, Method::POST, &receipts, Some(body.clone()), &key).await;
    let again = s.call_with(&s.admin, Method::POST, &receipts, Some(body), &key).await;
    assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201));
    assert_eq!(again.headers["idempotent-replayed"], "true");

    // Six concurrent receipts of one unit for the two still in transit: two are applied.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (s, receipts) = (s.clone(), receipts.clone());
        tasks.push(tokio::spawn(async move {
            s.post(&receipts, json!({"lines": [{"line": 1, "quantity": 1}]})).await.status.as_u16()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort();
    assert_eq!(codes, [201, 201, 409, 409, 409, 409]);
    let t = s.get(&path).await.body;
    assert_eq!(
        (&t["status"], &t["lines"][0]["received"], t["receipts"].as_array().unwrap().len()),
        (&json!("received"), &json!(3), 3)
    );
    assert_eq!(on_hand(&s, "A-1").await, [("ST".into(), 3), ("WH".into(), 7)]);
    assert_eq!(in_transit(&s, "A-1").await, [("WH".into(), 0)]);

    // Warehouse staff move stock; viewers only look.
    let warehouse = s.key("warehouse", None).await;
    let r = s.call(&warehouse, Method::POST, "/v1/transfers", Some(draft(1))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let viewer = s.key("viewer", None).await;
    assert_eq!(s.call(&viewer, Method::GET, &path, None).await.status, 200);
    assert_eq!(s.call(&viewer, Method::POST, "/v1/transfers", Some(draft(1))).await.status, 403);
    s.assert_stock_consistent(&["A-1"]).await;
}

on_both_engines!(
    transfers_move_stock_through_transit_and_write_off_what_never_arrives,
    transfers_never_ship_reserved_stock_and_receipts_are_applied_once
);
