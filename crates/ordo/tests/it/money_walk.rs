//! A seeded random walk over refunds, edits, returns, claims and payment refunds on one order:
//! whatever is accepted or refused, the server never fails, money never goes below zero or
//! beyond what was captured, the summary always matches the ledger, and stock stays explained.

use crate::common::{Engine, Rng, TestServer, order_body};
use serde_json::{Value, json};

fn cents(v: &Value) -> i64 {
    let s = v["amount"].as_str().unwrap();
    let (whole, frac) = s.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

fn usd(c: u64) -> Value {
    json!({"amount": format!("{}.{:02}", c / 100, c % 100), "currency": "USD"})
}

async fn check(s: &TestServer, id: &str, step: &str) {
    let p = s.get(&format!("/v1/orders/{id}/payments")).await.body;
    let sum = &p["summary"];
    let (captured, refunded, total) = (cents(&sum["captured"]), cents(&sum["refunded"]), cents(&sum["total"]));
    assert!(refunded <= captured && refunded >= 0, "{step}: {sum:?}");
    assert_eq!(cents(&sum["net_paid"]), captured - refunded, "{step}");
    assert_eq!(cents(&sum["balance_due"]), (total - captured).max(0), "{step}");
    let ledger: i64 =
        p["ledger"].as_array().unwrap().iter().filter(|e| e["kind"] == "refunded").map(|e| cents(&e["amount"])).sum();
    assert_eq!(ledger, refunded, "{step}: the ledger and the summary disagree");
    for pay in p["payments"].as_array().unwrap() {
        assert!(cents(&pay["refunded"]) <= cents(&pay["captured"]), "{step}: {pay:?}");
        assert!(cents(&pay["captured"]) + cents(&pay["voided"]) <= cents(&pay["authorized"]), "{step}: {pay:?}");
    }
    // Refund records never give back more than the ledger shows.
    let refunds = s.get(&format!("/v1/orders/{id}/refunds")).await.body;
    let recorded: i64 = refunds
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["allocations"].as_array().unwrap().clone())
        .filter(|a| a["status"] == "succeeded")
        .map(|a| cents(&a["amount"]))
        .sum();
    assert!(recorded <= refunded, "{step}: refunds {recorded} > ledger {refunded}");
}

async fn a_random_walk_after_the_order_keeps_money_and_stock_exact(engine: Engine) {
    for seed in [7u64, 2026] {
        let s = TestServer::start(engine.clone()).await;
        s.location("A", 1).await;
        s.location("B", 2).await;
        s.product("X", "10.00").await;
        s.product("Y", "3.33").await;
        s.stock("A", "X", 100).await;
        s.stock("B", "Y", 100).await;
        let mut body = order_body(&[("X", 5), ("Y", 3)]);
        body["lines"][1]["unit_price"] = json!({"amount": "3.33", "currency": "USD"});
        body["shipping"] = json!({"amount": "4.99", "currency": "USD"});
        body["tax"] = json!({"amount": "1.23", "currency": "USD"});
        body["discount"] = json!({"amount": "0.50", "currency": "USD"});
        let o = s.post("/v1/orders", body).await.body;
        let id = o["id"].as_str().unwrap().to_owned();
        let lines: Vec<String> =
            o["lines"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect();
        let total = o["totals"]["total"].clone();
        assert_eq!(
            s.post(&format!("/v1/orders/{id}/payments"), json!({"provider": "manual", "amount": total})).await.status,
            201
        );
        // X ships from A; Y stays open at B.
        let fs = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"].as_array().unwrap().clone();
        let at_a = fs.iter().find(|f| f["location"] == "A").unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(s.post(&format!("/v1/fulfillments/{at_a}/ship"), json!({})).await.status, 200);
        let pay =
            s.get(&format!("/v1/orders/{id}/payments")).await.body["payments"][0]["id"].as_str().unwrap().to_owned();

        let mut rng = Rng(seed);
        let mut accepted = 0;
        for step in 0..40 {
            let line = &lines[rng.below(2) as usize];
            let (what, path, body) = match rng.below(6) {
                0 => (
                    "line refund",
                    format!("/v1/orders/{id}/refunds"),
                    json!({"lines": [{"line_id": line, "quantity": 1 + rng.below(2)}]}),
                ),
                1 => ("goodwill", format!("/v1/orders/{id}/refunds"), json!({"amount": usd(1 + rng.below(500))})),
                2 => (
                    "edit",
                    format!("/v1/orders/{id}/edits"),
                    json!({"changes": [{"type": "set_quantity", "line_id": line, "quantity": rng.below(4)}]}),
                ),
                3 => (
                    "claim",
                    format!("/v1/orders/{id}/claims"),
                    json!({"type": "damaged", "lines": [{"line_id": line, "quantity": 1}], "resolution": "refund"}),
                ),
                4 => {
                    ("payment refund", format!("/v1/payments/{pay}/refund"), json!({"amount": usd(1 + rng.below(300))}))
                }
                _ => {
                    let r = s
                        .post(
                            &format!("/v1/orders/{id}/returns"),
                            json!({"lines": [{"line_id": line, "quantity": 1, "reason": "other"}]}),
                        )
                        .await;
                    assert!(r.status.as_u16() < 500, "return: {:?}", r.body);
                    if r.status == 201 {
                        let ret = r.body["id"].as_str().unwrap().to_owned();
                        assert_eq!(s.post(&format!("/v1/returns/{ret}/approve"), json!({})).await.status, 200);
                        let disposition = if rng.below(2) == 0 { "restock" } else { "damaged" };
                        let units = json!([{"line_id": line, "quantity": 1, "disposition": disposition}]);
                        let got = s
                            .post(&format!("/v1/returns/{ret}/receive"), json!({"location": "A", "units": units}))
                            .await;
                        assert_eq!(got.status, 200, "{:?}", got.body);
                        accepted += 1;
                    }
                    check(&s, &id, &format!("seed {seed} step {step} return")).await;
                    continue;
                }
            };
            let r = s.post(&path, body.clone()).await;
            assert!(r.status.as_u16() < 500, "seed {seed} step {step} {what} {body}: {:?}", r.body);
            if r.status.is_success() {
                accepted += 1;
            }
            check(&s, &id, &format!("seed {seed} step {step} {what} ({})", r.status)).await;
        }
        // The walk did things, not only meet refusals.
        assert!(accepted >= 8, "seed {seed}: only {accepted} operations were accepted");
        s.assert_stock_consistent(&["X", "Y"]).await;
    }
}

on_both_engines!(a_random_walk_after_the_order_keeps_money_and_stock_exact);
