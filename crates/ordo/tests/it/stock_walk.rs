//! A seeded random walk over sales (orders placed, cancelled, shipped), purchase orders (sent,
//! received in parts and beyond, closed), losses, finds and counts at two locations: after
//! every step each location's on-hand units are what the accepted steps say (a model kept
//! here, apart from the server), the ledger explains every level, what is still incoming is
//! exactly the open lines of open purchase orders, and every receipt's units are in the
//! ledger under its line's reference. No unit appears or disappears.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::{Engine, Rng, TestServer, order_body};

const SKUS: [&str; 2] = ["X", "Y"];
const LOCATIONS: [&str; 2] = ["A", "B"];

type Model = BTreeMap<(String, String), i64>;

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

/// Incoming stock (availability's) equals the open lines of sent and partly received orders,
/// and each line's receipts are in the ledger under its reference.
async fn check_purchases(s: &TestServer, step: &str) {
    let orders = s.all("/v1/purchase-orders").await;
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
        assert_eq!(incoming, open, "{step}: {sku} incoming");
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

async fn a_random_walk_over_sales_receipts_losses_and_counts_loses_no_unit(engine: Engine) {
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
        let (mut shipped, mut received) = (0, 0);
        for n in 0..70 {
            let step = format!("seed {seed} step {n}");
            let sku = *rng.pick(&SKUS).unwrap();
            let loc = *rng.pick(&LOCATIONS).unwrap();
            let key = (sku.to_owned(), loc.to_owned());
            match rng.below(8) {
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
                    let Some(id) = rng.pick(&orders).cloned() else { continue };
                    let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body;
                    let Some(f) = fs["data"].as_array().unwrap().iter().find(|f| f["status"] == "pending").cloned()
                    else {
                        continue;
                    };
                    let r = s.post(&format!("/v1/fulfillments/{}/ship", f["id"].as_str().unwrap()), json!({})).await;
                    assert!(matches!(r.status.as_u16(), 200 | 409), "{step}: {:?}", r.body);
                    if r.status == 200 {
                        shipped += 1;
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
            if n % 10 == 9 {
                s.assert_stock_consistent(&SKUS).await;
                check_purchases(&s, &step).await;
            }
        }
        s.assert_stock_consistent(&SKUS).await;
        check_purchases(&s, &format!("seed {seed} end")).await;
        assert!(pos.len() > 3 && orders.len() > 3, "seed {seed}: the walk did too little");
        assert!(shipped > 0 && received > 2, "seed {seed}: shipped {shipped}, received {received}");
    }
}

on_both_engines!(a_random_walk_over_sales_receipts_losses_and_counts_loses_no_unit);
