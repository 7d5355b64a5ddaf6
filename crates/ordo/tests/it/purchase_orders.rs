//! Purchase orders over HTTP: drafted with lines and costs, bad input refused with nothing
//! stored, sent, received in parts (each receipt a ledger entry referencing its line, the
//! moving average cost kept), over-receipts recorded, closed with what never came as short,
//! cancelled, concurrent receipts serialised, keyed receipts applied once, and the roles that
//! buy and receive.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer};

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (the civil calendar).
fn days(date: &str) -> i64 {
    let p: Vec<i64> = date[..10].split('-').map(|x| x.parse().unwrap()).collect();
    let (y, m, d) = (if p[1] <= 2 { p[0] - 1 } else { p[0] }, p[1], p[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

async fn setup(s: &TestServer) -> String {
    s.location("WH", 1).await;
    s.product("A-1", "9.00").await;
    s.product("B-1", "30.00").await;
    let r =
        s.post("/v1/suppliers", json!({"code": "ACME", "name": "Acme", "lead_time_days": 7, "currency": "EUR"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn cost(amount: &str) -> Value {
    json!({"amount": amount, "currency": "EUR"})
}

/// The location's cost view of a SKU at WH: (unit cost, value).
async fn cost_at(s: &TestServer, sku: &str) -> (Value, Value) {
    let r = s.get(&format!("/v1/inventory/{sku}")).await;
    let wh = r.body["locations"].as_array().unwrap().iter().find(|l| l["location"] == "WH").unwrap().clone();
    (wh["cost"]["unit_cost"]["amount"].clone(), wh["cost"]["value"]["amount"].clone())
}

async fn purchase_orders_are_drafted_sent_received_and_closed(engine: Engine) {
    let s = TestServer::start(engine).await;
    let supplier = setup(&s).await;
    let body = json!({"supplier_id": supplier, "location": "WH", "note": "first order",
        "lines": [{"sku": "A-1", "quantity": 10, "unit_cost": cost("2.00")},
                  {"sku": "B-1", "quantity": 5, "unit_cost": cost("10.00")}]});
    let r = s.post("/v1/purchase-orders", body.clone()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let po = r.body.clone();
    let id = po["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("po_"), "{id}");
    assert_eq!((&po["number"], &po["status"], &po["currency"]), (&json!(1), &json!("draft"), &json!("EUR")));
    assert_eq!((&po["supplier_code"], &po["location"]), (&json!("ACME"), &json!("WH")));
    assert_eq!(po["total"], json!({"amount": "70.00", "currency": "EUR"}));
    assert_eq!(
        po["lines"][1],
        json!({"line": 2, "sku": "B-1", "quantity": 5, "unit_cost": cost("10.00"),
        "received": 0, "over_received": 0, "short": 0, "open": 5})
    );
    // Expected by default after the supplier's lead time.
    let expected = po["expected_on"].as_str().unwrap();
    assert_eq!(days(expected) - days(po["created_at"].as_str().unwrap()), 7, "{expected}");

    // Bad input is refused field by field, and nothing is stored.
    let bad = [
        (
            json!({"supplier_id": supplier, "location": "WH", "lines": [{"sku": "NOPE", "quantity": 1, "unit_cost": cost("1.00")}]}),
            404,
            "lines/0/sku",
        ),
        (
            json!({"supplier_id": "sup_01JD8X3Q6Z3M9V8K2N4P6R8T0W", "location": "WH", "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("1.00")}]}),
            404,
            "supplier_id",
        ),
        (
            json!({"supplier_id": supplier, "location": "XX", "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("1.00")}]}),
            404,
            "location",
        ),
        (
            json!({"supplier_id": supplier, "location": "WH", "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": {"amount": "1.00", "currency": "USD"}}]}),
            409,
            "lines/0/unit_cost/currency",
        ),
        (
            json!({"supplier_id": supplier, "location": "WH", "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("1.001")}]}),
            422,
            "lines/0/unit_cost/amount",
        ),
        (
            json!({"supplier_id": supplier, "location": "WH", "lines": [{"sku": "A-1", "quantity": 0, "unit_cost": cost("1.00")}]}),
            422,
            "lines/0/quantity",
        ),
        (
            json!({"supplier_id": supplier, "location": "WH", "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("1.00")}, {"sku": "A-1", "quantity": 2, "unit_cost": cost("1.00")}]}),
            422,
            "lines/1/sku",
        ),
        (json!({"supplier_id": supplier, "location": "WH", "lines": []}), 422, "lines"),
        (
            json!({"supplier_id": supplier, "location": "WH", "expected_on": "2026-02-30", "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("1.00")}]}),
            422,
            "expected_on",
        ),
        (
            json!({"location": "WH", "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("1.00")}]}),
            422,
            "supplier_id",
        ),
    ];
    for (body, status, field) in bad {
        let r = s.post("/v1/purchase-orders", body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{body} {:?}", r.body);
        let fields: Vec<&str> =
            r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, [field], "{body}");
    }
    assert_eq!(s.all("/v1/purchase-orders").await.len(), 1);

    // A draft's lines change; sent, they no longer do.
    let path = format!("/v1/purchase-orders/{id}");
    let r = s
        .call(
            &s.admin,
            Method::PATCH,
            &path,
            Some(json!({"lines": [{"sku": "A-1", "quantity": 10, "unit_cost": cost("2.00")},
            {"sku": "B-1", "quantity": 4, "unit_cost": cost("10.00")}]})),
        )
        .await;
    assert_eq!((r.status.as_u16(), &r.body["version"], &r.body["lines"][1]["quantity"]), (200, &json!(2), &json!(4)));
    let r = s.post(&format!("{path}/receipts"), json!({"lines": [{"line": 1, "quantity": 1}]})).await;
    assert_eq!(
        (r.status.as_u16(), r.body["code"].as_str()),
        (409, Some("invalid_transition")),
        "a draft receives nothing"
    );
    let r = s.post(&format!("{path}/send"), json!({})).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (200, &json!("sent")), "{:?}", r.body);
    assert!(r.body["sent_at"].is_string());
    assert_eq!(s.post(&format!("{path}/send"), json!({})).await.status, 409);
    let r = s
        .call(
            &s.admin,
            Method::PATCH,
            &path,
            Some(json!({"lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("2.00")}]})),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let r = s.call(&s.admin, Method::PATCH, &path, Some(json!({"expected_on": "2027-01-04"}))).await;
    assert_eq!((r.status.as_u16(), &r.body["expected_on"]), (200, &json!("2027-01-04")));

    // A bad receipt changes nothing.
    for bad in [
        json!({"lines": [{"line": 9, "quantity": 1}]}),
        json!({"lines": [{"line": 1, "quantity": 0}]}),
        json!({"lines": []}),
    ] {
        let r = s.post(&format!("{path}/receipts"), bad.clone()).await;
        assert_eq!(r.status, 422, "{bad} {:?}", r.body);
    }
    assert!(s.ledger("A-1").await.is_empty());

    // Received in parts: the ledger names the line, the cost follows the receipts.
    // Two boxes of one line in one receipt: both count, in one ledger entry.
    let two_boxes = json!({"lines": [{"line": 1, "quantity": 3}, {"line": 1, "quantity": 1}], "note": "pallet 1"});
    let r = s.post(&format!("{path}/receipts"), two_boxes).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (201, &json!("partially_received")), "{:?}", r.body);
    assert_eq!(r.body["lines"][0]["open"], 6);
    let ledger = s.ledger("A-1").await;
    assert_eq!(ledger.len(), 1);
    assert_eq!((&ledger[0]["reason"], &ledger[0]["on_hand_delta"]), (&json!("received"), &json!(4)));
    assert_eq!(ledger[0]["reference"], format!("{id}:1"));
    assert_eq!(r.body["receipts"][0]["lines"][0]["movement_id"], ledger[0]["id"]);
    assert_eq!(cost_at(&s, "A-1").await, (json!("2.00"), json!("8.00")));
    // Cancelling is for orders nothing arrived against.
    assert_eq!(s.post(&format!("{path}/cancel"), json!({})).await.status, 409);

    // One more than still expected is an over-receipt, recorded; the order is received.
    let r = s
        .post(&format!("{path}/receipts"), json!({"lines": [{"line": 1, "quantity": 7}, {"line": 2, "quantity": 4}]}))
        .await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (201, &json!("received")), "{:?}", r.body);
    assert_eq!((&r.body["lines"][0]["received"], &r.body["lines"][0]["over_received"]), (&json!(11), &json!(1)));
    assert_eq!((&r.body["receipts"][1]["number"], &r.body["receipts"][1]["lines"][0]["over"]), (&json!(2), &json!(1)));
    assert_eq!(r.body["received_total"]["amount"], "62.00");
    assert!(r.body["closed_at"].is_string());
    let r = s.post(&format!("{path}/receipts"), json!({"lines": [{"line": 1, "quantity": 1}]})).await;
    assert_eq!(r.status, 409, "a received order takes nothing more");
    assert_eq!(s.levels("A-1").await.1, (11, 0));

    // A second order at another cost moves the average; closed early, the rest is short.
    let r = s
        .post(
            "/v1/purchase-orders",
            json!({"supplier_id": supplier, "location": "WH", "expected_on": "2027-01-10",
                   "lines": [{"sku": "A-1", "quantity": 10, "unit_cost": cost("3.00")}]}),
        )
        .await;
    assert_eq!((r.status.as_u16(), &r.body["number"]), (201, &json!(2)), "{:?}", r.body);
    let second = format!("/v1/purchase-orders/{}", r.body["id"].as_str().unwrap());
    assert_eq!(s.post(&format!("{second}/close"), json!({})).await.status, 409, "a draft is cancelled, not closed");
    s.post(&format!("{second}/send"), json!({})).await;
    let r = s.post(&format!("{second}/receipts"), json!({"lines": [{"line": 1, "quantity": 5}]})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // 11 units at 2.00 and 5 at 3.00: 37.00 for 16 units, 2.3125 each.
    assert_eq!(cost_at(&s, "A-1").await, (json!("2.31"), json!("37.00")));
    let r = s.post(&format!("{second}/close"), json!({})).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (200, &json!("received")), "{:?}", r.body);
    assert_eq!((&r.body["lines"][0]["short"], &r.body["lines"][0]["open"]), (&json!(5), &json!(0)));

    // Units leaving take the average with them.
    s.post("/v1/inventory/adjustments", json!({"location": "WH", "sku": "A-1", "delta": -6, "reason": "damaged"}))
        .await;
    assert_eq!(cost_at(&s, "A-1").await, (json!("2.31"), json!("23.13")));

    // A third is cancelled once sent.
    let r = s
        .post("/v1/purchase-orders", json!({"supplier_id": supplier, "location": "WH", "lines": [{"sku": "B-1", "quantity": 1, "unit_cost": cost("0")}]}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let third = format!("/v1/purchase-orders/{}", r.body["id"].as_str().unwrap());
    s.post(&format!("{third}/send"), json!({})).await;
    let r = s.post(&format!("{third}/cancel"), json!({})).await;
    assert_eq!((r.status.as_u16(), &r.body["status"]), (200, &json!("cancelled")));
    assert_eq!(s.call(&s.admin, Method::PATCH, &third, Some(json!({"note": "x"}))).await.status, 409);

    // Listed newest first, filtered.
    let all = s.all("/v1/purchase-orders").await;
    let numbers: Vec<i64> = all.iter().map(|p| p["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(s.all("/v1/purchase-orders?status=cancelled").await.len(), 1);
    assert_eq!(s.all(&format!("/v1/purchase-orders?supplier_id={supplier}&location=WH")).await.len(), 3);
    assert!(s.all("/v1/purchase-orders?location=NOWHERE").await.is_empty());
    assert_eq!(s.get("/v1/purchase-orders?status=lost").await.status, 400);
    assert_eq!(s.get("/v1/purchase-orders/po_01JD8X3Q6Z3M9V8K2N4P6R8T0W").await.status, 404);

    // Every step is an event about the order.
    let events = s.events_when(&format!("subject={id}"), 6).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "purchase_order.created",
            "purchase_order.updated",
            "purchase_order.sent",
            "purchase_order.updated",
            "purchase_order.received",
            "purchase_order.received"
        ]
    );
    s.assert_stock_consistent(&["A-1", "B-1"]).await;
}

async fn receipts_are_applied_once_and_serialised(engine: Engine) {
    let s = std::sync::Arc::new(TestServer::start(engine).await);
    let supplier = setup(&s).await;
    let r = s
        .post(
            "/v1/purchase-orders",
            json!({"supplier_id": supplier, "location": "WH",
                   "lines": [{"sku": "A-1", "quantity": 40, "unit_cost": cost("1.50")}]}),
        )
        .await;
    let path = format!("/v1/purchase-orders/{}", r.body["id"].as_str().unwrap());
    s.post(&format!("{path}/send"), json!({})).await;

    // A keyed receipt sent twice is applied once.
    let receipts = format!("{path}/receipts");
    let body = json!({"lines": [{"line": 1, "quantity": 2}]});
    let key = [("Idempotency-Key", "dock-7-pallet-1")];
    let first = s.call_with(&s.admin, Method::POST, &receipts, Some(body.clone()), &key).await;
    let again = s.call_with(&s.admin, Method::POST, &receipts, Some(body), &key).await;
    assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201));
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(s.levels("A-1").await.1, (2, 0));

    // Concurrent receipts are each applied in full, one after the other.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (s, receipts) = (s.clone(), receipts.clone());
        tasks.push(tokio::spawn(async move {
            s.post(&receipts, json!({"lines": [{"line": 1, "quantity": 3}]})).await.status.as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let po = s.get(&path).await.body;
    assert_eq!((&po["lines"][0]["received"], &po["receipts"].as_array().unwrap().len()), (&json!(26), &9));
    assert_eq!(s.levels("A-1").await.1, (26, 0));
    assert_eq!(cost_at(&s, "A-1").await, (json!("1.50"), json!("39.00")));

    // Warehouse staff receive but do not buy; viewers do neither.
    let warehouse = s.key("warehouse", None).await;
    let r = s.call(&warehouse, Method::POST, &receipts, Some(json!({"lines": [{"line": 1, "quantity": 1}]}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = s
        .call(
            &warehouse,
            Method::POST,
            "/v1/purchase-orders",
            Some(json!({"supplier_id": supplier, "location": "WH",
            "lines": [{"sku": "A-1", "quantity": 1, "unit_cost": cost("1.00")}]})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(s.call(&warehouse, Method::POST, &format!("{path}/close"), Some(json!({}))).await.status, 403);
    let viewer = s.key("viewer", None).await;
    assert_eq!(s.call(&viewer, Method::GET, &path, None).await.status, 200);
    let r = s.call(&viewer, Method::POST, &receipts, Some(json!({"lines": [{"line": 1, "quantity": 1}]}))).await;
    assert_eq!(r.status, 403);
    s.assert_stock_consistent(&["A-1"]).await;
}

async fn availability_by_date_counts_what_purchase_orders_bring(engine: Engine) {
    let s = TestServer::start(engine).await;
    let supplier = setup(&s).await;
    s.location("ST", 2).await;
    s.stock("WH", "A-1", 10).await;
    let draft = |location: &str, quantity: i64| {
        json!({"supplier_id": supplier, "location": location,
               "lines": [{"sku": "A-1", "quantity": quantity, "unit_cost": cost("1.00")}]})
    };
    // A draft brings nothing yet.
    let r = s.post("/v1/purchase-orders", draft("WH", 20)).await;
    let (to_wh, expected) =
        (r.body["id"].as_str().unwrap().to_owned(), r.body["expected_on"].as_str().unwrap().to_owned());
    let a = s.get(&format!("/v1/inventory/A-1/availability?until={expected}")).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(days(a.body["until"].as_str().unwrap()) - days(a.body["from"].as_str().unwrap()), 7);
    let wh = &a.body["locations"][0];
    assert_eq!((&wh["location"], &wh["on_hand"], &wh["incoming"]), (&json!("WH"), &json!(10), &json!([])));
    assert!(wh["days"].as_array().unwrap().iter().all(|d| d["available"] == 10), "{wh}");

    // Sent, its units count from the expected day on; elsewhere, a location that only expects.
    s.post(&format!("/v1/purchase-orders/{to_wh}/send"), json!({})).await;
    let r = s.post("/v1/purchase-orders", draft("ST", 4)).await;
    let to_st = r.body["id"].as_str().unwrap().to_owned();
    s.post(&format!("/v1/purchase-orders/{to_st}/send"), json!({})).await;
    s.post("/v1/orders", crate::common::order_body(&[("A-1", 3)])).await;
    let a = s.get(&format!("/v1/inventory/A-1/availability?until={expected}")).await.body;
    let wh = &a["locations"][0];
    assert_eq!(wh["incoming"], json!([{"source": format!("{to_wh}:1"), "expected_on": expected, "quantity": 20}]));
    let avail: Vec<i64> = wh["days"].as_array().unwrap().iter().map(|d| d["available"].as_i64().unwrap()).collect();
    assert_eq!(avail, [7, 7, 7, 7, 7, 7, 7, 27], "10 on hand, 3 reserved, 20 on the eighth day");
    let st = &a["locations"][1];
    assert_eq!((&st["location"], &st["on_hand"]), (&json!("ST"), &json!(0)));
    let totals: Vec<i64> = a["totals"].as_array().unwrap().iter().map(|d| d["available"].as_i64().unwrap()).collect();
    assert_eq!(totals, [7, 7, 7, 7, 7, 7, 7, 31]);

    // A receipt moves units from incoming to on hand; the rest still comes on its day.
    s.post(&format!("/v1/purchase-orders/{to_wh}/receipts"), json!({"lines": [{"line": 1, "quantity": 5}]})).await;
    let a = s.get(&format!("/v1/inventory/A-1/availability?location=WH&until={expected}")).await.body;
    assert_eq!(a["locations"].as_array().unwrap().len(), 1);
    let avail: Vec<i64> =
        a["locations"][0]["days"].as_array().unwrap().iter().map(|d| d["available"].as_i64().unwrap()).collect();
    assert_eq!(avail, [12, 12, 12, 12, 12, 12, 12, 27]);
    // Closed, nothing more is expected.
    s.post(&format!("/v1/purchase-orders/{to_wh}/close"), json!({})).await;
    let a = s.get("/v1/inventory/A-1/availability?location=WH").await.body;
    assert_eq!(a["locations"][0]["incoming"], json!([]));
    assert_eq!(a["totals"].as_array().unwrap().len(), 31, "30 days on by default");

    // The range is capped, like a page: from today, at most 366 days on.
    let past = s.get("/v1/inventory/A-1/availability?until=1999-01-01").await.body;
    assert_eq!((past["until"].as_str(), past["totals"].as_array().unwrap().len()), (past["from"].as_str(), 1));
    let far = s.get("/v1/inventory/A-1/availability?until=2999-01-01").await.body;
    assert_eq!(far["totals"].as_array().unwrap().len(), 367);
    for (query, status) in [("until=soon", 400), ("until=2027-02-30", 400), ("location=NOWHERE", 404)] {
        let r = s.get(&format!("/v1/inventory/A-1/availability?{query}")).await;
        assert_eq!(r.status.as_u16(), status, "{query} {:?}", r.body);
    }
    assert_eq!(s.get("/v1/inventory/NOPE/availability").await.status, 404);
}

async fn safety_stock_is_held_back_from_what_may_be_promised(engine: Engine) {
    let s = TestServer::start(engine).await;
    setup(&s).await;
    s.stock("WH", "A-1", 10).await;
    let path = "/v1/inventory/A-1/policies/WH";
    let r = s.call(&s.admin, Method::PUT, path, Some(json!({"safety_stock": 3, "reorder_point": 8}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!((&r.body["location"], &r.body["source"]), (&json!("WH"), &json!("manual")));
    let listed = s.get("/v1/inventory/A-1/policies").await.body;
    assert_eq!((&listed["data"][0]["safety_stock"], &listed["data"][0]["reorder_point"]), (&json!(3), &json!(8)));
    let a = s.get("/v1/inventory/A-1/availability?location=WH").await.body;
    assert_eq!((&a["locations"][0]["safety_stock"], &a["totals"][0]["available"]), (&json!(3), &json!(7)));

    // The same policy again changes nothing and records nothing.
    s.call(&s.admin, Method::PUT, path, Some(json!({"safety_stock": 3, "reorder_point": 8}))).await;
    let events = s.events_when("type=inventory.policy_set", 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["data"]["reorder_point"], 8);

    // Bad policies are refused and change nothing.
    for (body, status, fields) in [
        (json!({"safety_stock": 9, "reorder_point": 8}), 422, vec!["reorder_point"]),
        (json!({"safety_stock": -1, "reorder_point": 1000001}), 422, vec!["safety_stock", "reorder_point"]),
        (json!({"safety_stock": 1}), 422, vec!["reorder_point"]),
    ] {
        let r = s.call(&s.admin, Method::PUT, path, Some(body.clone())).await;
        assert_eq!(r.status.as_u16(), status, "{body} {:?}", r.body);
        let got: Vec<&str> =
            r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(got, fields, "{body}");
    }
    let ok = json!({"safety_stock": 1, "reorder_point": 2});
    assert_eq!(s.call(&s.admin, Method::PUT, "/v1/inventory/A-1/policies/NOWHERE", Some(ok.clone())).await.status, 404);
    assert_eq!(s.call(&s.admin, Method::PUT, "/v1/inventory/NOPE/policies/WH", Some(ok.clone())).await.status, 404);
    let viewer = s.key("viewer", None).await;
    assert_eq!(s.call(&viewer, Method::PUT, path, Some(ok)).await.status, 403);
    assert_eq!(s.get("/v1/inventory/A-1/policies").await.body["data"][0]["safety_stock"], 3);

    // Removed, nothing is held back.
    assert_eq!(s.call(&s.admin, Method::DELETE, path, None).await.status, 204);
    assert_eq!(s.call(&s.admin, Method::DELETE, path, None).await.status, 404);
    let a = s.get("/v1/inventory/A-1/availability?location=WH").await.body;
    assert_eq!((&a["locations"][0]["safety_stock"], &a["totals"][0]["available"]), (&json!(0), &json!(10)));
    assert_eq!(s.get("/v1/inventory/A-1/policies").await.body["data"], json!([]));
    let types: Vec<String> = s
        .events_when("subject=A-1&type=inventory.policy_set", 1)
        .await
        .into_iter()
        .chain(s.events_when("subject=A-1&type=inventory.policy_removed", 1).await)
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["inventory.policy_set", "inventory.policy_removed"]);
}

async fn receipts_in_another_currency_are_valued_at_the_days_rate(engine: Engine) {
    let s = TestServer::start(engine).await;
    let euro = setup(&s).await;
    let r = s
        .post("/v1/suppliers", json!({"code": "BOLTS", "name": "Bolts", "lead_time_days": 2, "currency": "USD"}))
        .await;
    let dollar = r.body["id"].as_str().unwrap().to_owned();
    // Sends a purchase order of 10 × A-1 at `unit_cost` and receives it whole: the receipt line.
    let bought = |supplier: String, unit_cost: Value| {
        let s = &s;
        async move {
            let body = json!({"supplier_id": supplier, "location": "WH", "lines": [{"sku": "A-1", "quantity": 10, "unit_cost": unit_cost}]});
            let po = s.post("/v1/purchase-orders", body).await.body;
            let path = format!("/v1/purchase-orders/{}", po["id"].as_str().unwrap());
            assert_eq!(s.post(&format!("{path}/send"), json!({})).await.status, 200);
            let r = s.post(&format!("{path}/receipts"), json!({"lines": [{"line": 1, "quantity": 10}]})).await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            (r.body["receipts"][0]["lines"][0].clone(), po["created_at"].as_str().unwrap()[..10].to_owned())
        }
    };
    // The first receipt sets the currency the cost is kept in.
    let (line, today) = bought(euro, cost("2.00")).await;
    assert_eq!(line["valued"], true);
    assert_eq!(cost_at(&s, "A-1").await, (json!("2.00"), json!("20.00")));
    let r = s.get("/v1/inventory/A-1").await.body;
    assert_eq!(r["locations"][0]["cost"]["value"]["currency"], "EUR");
    // In dollars with no rate for the day: the units come in at the average, marked as such.
    let (line, _) = bought(dollar.clone(), json!({"amount": "1.00", "currency": "USD"})).await;
    assert_eq!(line["valued"], false);
    assert_eq!(cost_at(&s, "A-1").await, (json!("2.00"), json!("40.00")));
    // With the day's rate (1 EUR = 1.25 USD), 5.00 USD is 4.00 EUR a unit.
    let rates = json!({"date": today, "base": "EUR", "rates": {"USD": "1.25"}});
    assert_eq!(s.post("/v1/exchange-rates", rates).await.status, 201);
    let (line, _) = bought(dollar, json!({"amount": "5.00", "currency": "USD"})).await;
    assert_eq!(line["valued"], true);
    assert_eq!(cost_at(&s, "A-1").await, (json!("2.67"), json!("80.00")));
}

on_both_engines!(
    receipts_in_another_currency_are_valued_at_the_days_rate,
    safety_stock_is_held_back_from_what_may_be_promised,
    purchase_orders_are_drafted_sent_received_and_closed,
    receipts_are_applied_once_and_serialised,
    availability_by_date_counts_what_purchase_orders_bring
);
