//! A seeded random walk over sales (orders placed, cancelled, shipped), returns (received into
//! stock or quarantine), purchase orders (sent, received in parts and beyond, closed),
//! transfers (shipped, received in parts, closed with the rest lost), losses, finds and counts
//! at two locations: after every step each location's on-hand units and non-sellable buckets
//! (in transit, quarantine) are what the accepted steps say (a model kept here, apart from the
//! server), the ledger explains every level, what is still incoming is exactly the open lines
//! of open purchase orders and the units of transfers on their way, and every receipt's units
//! are in the ledger under its line's reference. No unit appears or disappears.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::{Engine, Rng, TestServer, order_body};

const SKUS: [&str; 2] = ["X", "Y"];
const LOCATIONS: [&str; 2] = ["A", "B"];

type Model = BTreeMap<(String, String), i64>;
/// Non-sellable units by (SKU, location, bucket).
type Buckets = BTreeMap<(String, String, String), i64>;

async fn on_hand(s: &TestServer) -> Model {
    let mut m = Model::new();
    for sku in SKUS {
        for (loc, on_hand, _) in s.levels(sku).await.0 {
            m.insert((sku.to_owned(), loc), on_hand);
        }
    }
    m
}

async fn check(s: &TestServer, model: &Model, step: &str) {
    let mut got = on_hand(s).await;
    got.retain(|_, v| *v != 0);
    let mut want = model.clone();
    want.retain(|_, v| *v != 0);
    assert_eq!(got, want, "{step}: on hand differs from the accepted steps");
}

async fn check_buckets(s: &TestServer, model: &Buckets, step: &str) {
    let mut got = Buckets::new();
    for sku in SKUS {
        let b = s.get(&format!("/v1/inventory/{sku}/buckets")).await.body;
        for l in b["levels"].as_array().unwrap() {
            let key =
                (sku.to_owned(), l["location"].as_str().unwrap().to_owned(), l["bucket"].as_str().unwrap().to_owned());
            got.insert(key, l["quantity"].as_i64().unwrap());
        }
    }
    got.retain(|_, v| *v != 0);
    let mut want = model.clone();
    want.retain(|_, v| *v != 0);
    assert_eq!(got, want, "{step}: non-sellable stock differs from the accepted steps");
}

/// Incoming stock (availability's) equals the open lines of sent and partly received orders
/// and the units of transfers on their way, and each line's receipts are in the ledger under
/// its reference.
async fn check_purchases(s: &TestServer, step: &str) {
    let orders = s.all("/v1/purchase-orders").await;
    let transfers = s.all("/v1/transfers").await;
    let ledger: Vec<Value> = [s.ledger("X").await, s.ledger("Y").await].concat();
    for sku in SKUS {
        let a = s.get(&format!("/v1/inventory/{sku}/availability?until=2099-01-01")).await.body;
        let incoming: i64 = a["locations"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["incoming"].as_array().unwrap().clone())
            .map(|i| i["quantity"].as_i64().unwrap())
            .sum();
        let open: i64 = orders
            .iter()
            .filter(|o| matches!(o["status"].as_str(), Some("sent" | "partially_received")))
            .flat_map(|o| o["lines"].as_array().unwrap().clone())
            .filter(|l| l["sku"] == sku)
            .map(|l| l["open"].as_i64().unwrap())
            .sum();
        let on_the_way: i64 = transfers
            .iter()
            .flat_map(|t| t["lines"].as_array().unwrap().clone())
            .filter(|l| l["sku"] == sku)
            .map(|l| l["in_transit"].as_i64().unwrap())
            .sum();
        assert_eq!(incoming, open + on_the_way, "{step}: {sku} incoming");
    }
    for t in &transfers {
        for l in t["lines"].as_array().unwrap() {
            let reference = format!("{}:{}", t["id"].as_str().unwrap(), l["line"]);
            let moved: Vec<i64> = ledger
                .iter()
                .filter(|m| m["reference"] == reference.as_str())
                .map(|m| m["on_hand_delta"].as_i64().unwrap())
                .collect();
            let shipped = if t["shipped_at"].is_string() { l["quantity"].as_i64().unwrap() } else { 0 };
            let (out, arrived) =
                (moved.iter().filter(|d| **d < 0).sum::<i64>(), moved.iter().filter(|d| **d > 0).sum::<i64>());
            assert_eq!((out, arrived), (-shipped, l["received"].as_i64().unwrap()), "{step}: {reference}");
            let accounted =
                l["received"].as_i64().unwrap() + l["lost"].as_i64().unwrap() + l["in_transit"].as_i64().unwrap();
            assert_eq!(accounted, shipped, "{step}: {reference} is not all accounted for");
        }
    }
    for o in &orders {
        for l in o["lines"].as_array().unwrap() {
            let reference = format!("{}:{}", o["id"].as_str().unwrap(), l["line"]);
            let in_ledger: i64 = ledger
                .iter()
                .filter(|m| m["reference"] == reference.as_str())
                .map(|m| m["on_hand_delta"].as_i64().unwrap())
                .sum();
            assert_eq!(in_ledger, l["received"].as_i64().unwrap(), "{step}: {reference}");
        }
    }
}

async fn a_random_walk_over_sales_returns_receipts_transfers_losses_and_counts_loses_no_unit(engine: Engine) {
    for seed in [11u64, 2026] {
        let s = TestServer::start(engine.clone()).await;
        for (i, loc) in LOCATIONS.iter().enumerate() {
            s.location(loc, i as i64 + 1).await;
        }
        for sku in SKUS {
            s.product(sku, "10.00").await;
        }
        let r = s
            .post("/v1/suppliers", json!({"code": "S", "name": "Supplier", "lead_time_days": 3, "currency": "USD"}))
            .await;
        let supplier = r.body["id"].as_str().unwrap().to_owned();
        let mut model = Model::new();
        for sku in SKUS {
            s.stock("A", sku, 8).await;
            model.insert((sku.to_owned(), "A".to_owned()), 8);
        }
        let (mut rng, mut orders, mut pos) = (Rng(seed), Vec::<String>::new(), Vec::<String>::new());
        let (mut transfers, mut sold, mut buckets) =
            (Vec::<String>::new(), Vec::<(String, String)>::new(), Buckets::new());
        let (mut shipped, mut received, mut moved, mut returned) = (0, 0, 0, 0);
        for n in 0..120 {
            let step = format!("seed {seed} step {n}");
            let sku = *rng.pick(&SKUS).unwrap();
            let loc = *rng.pick(&LOCATIONS).unwrap();
            let key = (sku.to_owned(), loc.to_owned());
            match rng.below(11) {
                0 => {
                    let r = s.post("/v1/orders", order_body(&[(sku, 1 + rng.below(4) as i64)])).await;
                    assert!(matches!(r.status.as_u16(), 201 | 409), "{step}: {:?}", r.body);
                    if r.status == 201 {
                        orders.push(r.body["id"].as_str().unwrap().to_owned());
                    }
                }
                1 => {
                    if let Some(id) = rng.pick(&orders) {
                        let r = s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await;
                        assert!(matches!(r.status.as_u16(), 200 | 409), "{step}: {:?}", r.body);
                    }
                }
                2 => {
                    // The newest order with a fulfilment still to ship, of the last few.
                    let mut found = None;
                    for id in orders.iter().rev().take(4) {
                        let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body;
                        if let Some(f) = fs["data"].as_array().unwrap().iter().find(|f| f["status"] == "pending") {
                            found = Some((id.clone(), f.clone()));
                            break;
                        }
                    }
                    let Some((id, f)) = found else { continue };
                    let r = s.post(&format!("/v1/fulfillments/{}/ship", f["id"].as_str().unwrap()), json!({})).await;
                    assert!(matches!(r.status.as_u16(), 200 | 409), "{step}: {:?}", r.body);
                    if r.status == 200 {
                        shipped += 1;
                        sold.push((id.clone(), f["lines"][0]["line_id"].as_str().unwrap().to_owned()));
                        for l in f["lines"].as_array().unwrap() {
                            let k = (l["sku"].as_str().unwrap().to_owned(), f["location"].as_str().unwrap().to_owned());
                            *model.entry(k).or_default() -= l["quantity"].as_i64().unwrap();
                        }
                    }
                }
                3 => {
                    let lines: Vec<Value> = SKUS
                        .iter()
                        .map(|k| json!({"sku": k, "quantity": 5 + rng.below(15), "unit_cost": {"amount": "2.00", "currency": "USD"}}))
                        .collect();
                    let r = s
                        .post("/v1/purchase-orders", json!({"supplier_id": supplier, "location": loc, "lines": lines}))
                        .await;
                    assert_eq!(r.status, 201, "{step}: {:?}", r.body);
                    let id = r.body["id"].as_str().unwrap().to_owned();
                    assert_eq!(s.post(&format!("/v1/purchase-orders/{id}/send"), json!({})).await.status, 200);
                    pos.push(id);
                }
                4 => {
                    let Some(id) = rng.pick(&pos).cloned() else { continue };
                    let po = s.get(&format!("/v1/purchase-orders/{id}")).await.body;
                    let line = rng.below(2) as usize;
                    let open = po["lines"][line]["open"].as_i64().unwrap();
                    let quantity = 1 + rng.below(open as u64 + 2) as i64;
                    let body = json!({"lines": [{"line": line + 1, "quantity": quantity}]});
                    let r = s.post(&format!("/v1/purchase-orders/{id}/receipts"), body).await;
                    assert!(matches!(r.status.as_u16(), 201 | 409), "{step}: {:?}", r.body);
                    if r.status == 201 {
                        received += 1;
                        let k = (
                            po["lines"][line]["sku"].as_str().unwrap().to_owned(),
                            po["location"].as_str().unwrap().to_owned(),
                        );
                        *model.entry(k).or_default() += quantity;
                    }
                }
                5 => {
                    if let Some(id) = rng.pick(&pos) {
                        let r = s.post(&format!("/v1/purchase-orders/{id}/close"), json!({})).await;
                        assert!(matches!(r.status.as_u16(), 200 | 409), "{step}: {:?}", r.body);
                    }
                }
                6 => {
                    let delta = [-3i64, -2, -1, 1, 2, 3][rng.below(6) as usize];
                    let reason = if delta > 0 { "found" } else { ["lost", "damaged"][rng.below(2) as usize] };
                    let body = json!({"location": loc, "sku": sku, "delta": delta, "reason": reason});
                    let r = s.post("/v1/inventory/adjustments", body).await;
                    assert!(matches!(r.status.as_u16(), 201 | 409), "{step}: {:?}", r.body);
                    if r.status == 201 {
                        *model.entry(key).or_default() += delta;
                    }
                }
                7 => {
                    // A transfer of one SKU to the other location, shipped at once.
                    let to = LOCATIONS.iter().find(|l| **l != loc).unwrap();
                    let quantity = 1 + rng.below(5) as i64;
                    let body =
                        json!({"from_location": loc, "to_location": to, "lines": [{"sku": sku, "quantity": quantity}]});
                    let r = s.post("/v1/transfers", body).await;
                    assert_eq!(r.status, 201, "{step}: {:?}", r.body);
                    let id = r.body["id"].as_str().unwrap().to_owned();
                    let r = s.post(&format!("/v1/transfers/{id}/ship"), json!({})).await;
                    assert!(matches!(r.status.as_u16(), 200 | 409), "{step}: {:?}", r.body);
                    if r.status == 200 {
                        *model.entry(key).or_default() -= quantity;
                        *buckets.entry((sku.to_owned(), loc.to_owned(), "in_transit".into())).or_default() += quantity;
                        transfers.push(id);
                    }
                }
                8 => {
                    // Part of a transfer arrives (or more than is on its way, refused); or it is
                    // closed and the rest is lost.
                    let Some(id) = rng.pick(&transfers).cloned() else { continue };
                    let t = s.get(&format!("/v1/transfers/{id}")).await.body;
                    let (from, to, sku) = (
                        t["from_location"].as_str().unwrap().to_owned(),
                        t["to_location"].as_str().unwrap().to_owned(),
                        t["lines"][0]["sku"].as_str().unwrap().to_owned(),
                    );
                    let on_the_way = t["lines"][0]["in_transit"].as_i64().unwrap();
                    let transit = (sku.clone(), from, "in_transit".to_owned());
                    if rng.below(4) == 0 {
                        let r = s.post(&format!("/v1/transfers/{id}/close"), json!({"reason": "lost"})).await;
                        assert!(matches!(r.status.as_u16(), 200 | 409), "{step}: {:?}", r.body);
                        if r.status == 200 {
                            *buckets.entry(transit).or_default() -= on_the_way;
                            transfers.retain(|t| *t != id);
                        }
                        continue;
                    }
                    if on_the_way == 0 {
                        transfers.retain(|t| *t != id);
                        continue;
                    }
                    // Now and then more than is on its way, which is refused.
                    let quantity =
                        if rng.below(5) == 0 { on_the_way + 1 } else { 1 + rng.below(on_the_way as u64) as i64 };
                    let r = s
                        .post(
                            &format!("/v1/transfers/{id}/receipts"),
                            json!({"lines": [{"line": 1, "quantity": quantity}]}),
                        )
                        .await;
                    assert!(matches!(r.status.as_u16(), 201 | 409), "{step}: {:?}", r.body);
                    assert_eq!(
                        r.status == 201,
                        quantity <= on_the_way,
                        "{step}: {quantity} of {on_the_way} {:?}",
                        r.body
                    );
                    if r.status == 201 {
                        moved += 1;
                        *buckets.entry(transit).or_default() -= quantity;
                        *model.entry((sku, to)).or_default() += quantity;
                    }
                }
                9 => {
                    // A unit of a shipped order comes back, into stock or quarantine.
                    let Some((order, line)) = rng.pick(&sold).cloned() else { continue };
                    let body = json!({"lines": [{"line_id": line, "quantity": 1, "reason": "damaged"}]});
                    let r = s.post(&format!("/v1/orders/{order}/returns"), body).await;
                    assert!(matches!(r.status.as_u16(), 201 | 409 | 422), "{step}: {:?}", r.body);
                    if r.status != 201 {
                        continue;
                    }
                    let ret = r.body["id"].as_str().unwrap().to_owned();
                    let returned_sku = r.body["lines"][0]["sku"].as_str().unwrap().to_owned();
                    assert_eq!(s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await.status, 200, "{step}");
                    let disposition = ["restock", "damaged"][rng.below(2) as usize];
                    let units =
                        json!([{"line_id": line, "quantity": 1, "condition": "new", "disposition": disposition}]);
                    let r =
                        s.post(&format!("/v1/returns/{ret}/receive"), json!({"location": loc, "units": units})).await;
                    assert_eq!(r.status, 200, "{step}: {:?}", r.body);
                    returned += 1;
                    if disposition == "restock" {
                        *model.entry((returned_sku, loc.to_owned())).or_default() += 1;
                    } else {
                        *buckets.entry((returned_sku, loc.to_owned(), "quarantine".into())).or_default() += 1;
                    }
                }
                _ => {
                    let counted = model.get(&key).copied().unwrap_or(0) + rng.below(5) as i64 - 2;
                    let body = json!({"location": loc, "sku": sku, "on_hand": counted.max(0)});
                    let r = s.post("/v1/inventory/counts", body).await;
                    assert!(matches!(r.status.as_u16(), 201 | 409), "{step}: {:?}", r.body);
                    if r.status == 201 {
                        model.insert(key, counted.max(0));
                    }
                }
            }
            check(&s, &model, &step).await;
            check_buckets(&s, &buckets, &step).await;
            if n % 10 == 9 {
                s.assert_stock_consistent(&SKUS).await;
                check_purchases(&s, &step).await;
            }
        }
        s.assert_stock_consistent(&SKUS).await;
        check_purchases(&s, &format!("seed {seed} end")).await;
        assert!(pos.len() > 3 && orders.len() > 3, "seed {seed}: the walk did too little");
        assert!(shipped > 0 && received > 2, "seed {seed}: shipped {shipped}, received {received}");
        assert!(moved > 1 && returned > 0, "seed {seed}: transfer receipts {moved}, returns {returned}");
    }
}

on_both_engines!(a_random_walk_over_sales_returns_receipts_transfers_losses_and_counts_loses_no_unit);
