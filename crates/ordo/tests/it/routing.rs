//! Routing over HTTP: the nearest location with stock wins, rule sets per channel change the
//! outcome, every decision explains itself, and simulations reserve nothing.

use crate::common::{Engine, TestServer, order_body};
use serde_json::{Value, json};

/// Newark, Reno and Chicago warehouses; Boston and Seattle customers.
async fn three_warehouses(s: &TestServer) {
    for (code, lat, lon, priority) in [("NJ", 40.73, -74.17, 3), ("NV", 39.53, -119.81, 1), ("IL", 41.88, -87.63, 2)] {
        let r = s
            .post(
                "/v1/locations",
                json!({"code": code, "name": code, "kind": "warehouse",
                       "address": {"line1": "1 Dock Rd", "city": "X", "country": "US"},
                       "latitude": lat, "longitude": lon, "priority": priority}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
}

fn to(mut body: Value, postal: &str, at: Option<(f64, f64)>) -> Value {
    body["shipping_address"] =
        json!({"line1": "1 Main St", "city": "Somewhere", "postal_code": postal, "country": "US"});
    if let Some((lat, lon)) = at {
        body["shipping_address"]["latitude"] = json!(lat);
        body["shipping_address"]["longitude"] = json!(lon);
    }
    body
}

fn locations(order: &Value) -> Vec<String> {
    let mut out: Vec<String> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["allocations"].as_array().unwrap().iter().map(|a| a["location"].as_str().unwrap().to_owned()))
        .collect();
    out.dedup();
    out
}

async fn nearest_warehouse_with_stock_wins_and_the_decision_explains_itself(engine: Engine) {
    let s = TestServer::start(engine).await;
    three_warehouses(&s).await;
    s.product("X", "10.00").await;
    for loc in ["NJ", "NV", "IL"] {
        s.stock(loc, "X", 2).await;
    }
    // Boston, placed by its postal code alone: Newark is nearest.
    let r = s.post("/v1/orders", to(order_body(&[("X", 1)]), "02108", None)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(locations(&r.body), ["NJ"]);
    let why = s.get(&format!("/v1/orders/{}/routing", r.body["id"].as_str().unwrap())).await;
    assert_eq!(why.status, 200, "{:?}", why.body);
    assert_eq!(why.body["deciding_criterion"], "distance");
    assert_eq!(why.body["destination_placed"], true);
    assert_eq!(why.body["rule_set"], "default");
    assert_eq!(why.body["candidates"][0]["locations"], json!(["NJ"]));
    assert!(why.body["candidates"].as_array().unwrap().len() >= 3);
    assert!(why.body["reason"].as_str().unwrap().starts_with("shorter distance"));

    // Seattle, by coordinates: Reno.
    let r = s.post("/v1/orders", to(order_body(&[("X", 1)]), "98101", Some((47.61, -122.33)))).await;
    assert_eq!(locations(&r.body), ["NV"]);

    // Newark now has 1 left: an order for 2 to Boston goes to the next nearest, Chicago.
    let r = s.post("/v1/orders", to(order_body(&[("X", 2)]), "02108", None)).await;
    assert_eq!(locations(&r.body), ["IL"]);

    // An address that cannot be placed is routed on the other criteria, and says so.
    let r = s.post("/v1/orders", to(order_body(&[("X", 1)]), "00000", None)).await;
    assert_eq!(r.status, 201);
    let why = s.get(&format!("/v1/orders/{}/routing", r.body["id"].as_str().unwrap())).await;
    assert_eq!(why.body["destination_placed"], false);
    s.assert_stock_consistent(&["X"]).await;
}

async fn rule_sets_are_chosen_per_channel_and_can_be_simulated_first(engine: Engine) {
    let s = TestServer::start(engine).await;
    three_warehouses(&s).await;
    s.product("X", "10.00").await;
    for loc in ["NJ", "NV", "IL"] {
        s.stock(loc, "X", 50).await;
    }
    let mut placed = Vec::new();
    for _ in 0..3 {
        let r = s.post("/v1/orders", to(order_body(&[("X", 1)]), "02108", None)).await;
        assert_eq!(locations(&r.body), ["NJ"]);
        placed.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let before = s.levels("X").await;

    // Try "priority first" on the last orders before switching it on: all would move to Reno.
    let rules = json!({"name": "priority-first", "criteria": ["priority", "distance"], "channels": ["web"]});
    let sim = s.post("/v1/routing/simulate", json!({"rules": rules, "last": 10})).await;
    assert_eq!(sim.status, 200, "{:?}", sim.body);
    assert_eq!(sim.body["orders"], 3);
    assert_eq!(sim.body["changed"], 3);
    assert_eq!(sim.body["results"][0]["simulated"]["locations"], json!(["NV"]));
    assert_eq!(sim.body["results"][0]["current"]["locations"], json!(["NJ"]));
    assert!(sim.body["distance_km_simulated"].as_f64().unwrap() > sim.body["distance_km_now"].as_f64().unwrap());
    assert_eq!(s.levels("X").await, before, "a simulation reserves nothing");

    // Switch it on for the web channel.
    let r = s.post("/v1/routing/rule-sets", rules.clone()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["version"], 1);
    let r = s.post("/v1/orders", to(order_body(&[("X", 1)]), "02108", None)).await;
    assert_eq!(locations(&r.body), ["NV"]);
    let why = s.get(&format!("/v1/orders/{}/routing", r.body["id"].as_str().unwrap())).await;
    assert_eq!(why.body["rule_set"], "priority-first");
    assert_eq!(why.body["deciding_criterion"], "priority");
    // Other channels keep the default.
    let mut pos = to(order_body(&[("X", 1)]), "02108", None);
    pos["channel"] = json!("pos");
    assert_eq!(locations(&s.post("/v1/orders", pos).await.body), ["NJ"]);

    // One channel, one rule set; a stale version is refused; names are unique.
    let clash =
        s.post("/v1/routing/rule-sets", json!({"name": "other", "criteria": ["distance"], "channels": ["web"]})).await;
    assert_eq!((clash.status.as_u16(), clash.body["code"].as_str()), (409, Some("conflict")));
    let dup = s.post("/v1/routing/rule-sets", rules).await;
    assert_eq!(dup.status, 409);
    let replaced = s
        .call_with(
            &s.admin,
            reqwest::Method::PUT,
            "/v1/routing/rule-sets/priority-first",
            Some(json!({"criteria": ["distance"], "max_shipments": 1, "channels": ["web"]})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["version"], 2);
    let stale = s
        .call_with(
            &s.admin,
            reqwest::Method::PUT,
            "/v1/routing/rule-sets/priority-first",
            Some(json!({"criteria": ["priority"]})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, 412);
    let bad = s
        .post(
            "/v1/routing/rule-sets",
            json!({"name": "x y", "criteria": ["speed", "distance", "distance"], "max_shipments": 0}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let mut fields: Vec<&str> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["criteria/0", "criteria/2", "max_shipments", "name"]);

    let default = s.get("/v1/routing/rule-sets/default").await;
    assert_eq!(default.body["criteria"], json!(["shipments", "distance", "priority"]));
    assert_eq!(s.get("/v1/routing/rule-sets").await.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(s.get("/v1/routing/rule-sets/nope").await.status, 404);
    let one = s.post("/v1/routing/simulate", json!({"rule_set": "priority-first", "order_id": placed[0]})).await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.body["orders"], 1);
    let neither = s.post("/v1/routing/simulate", json!({})).await;
    assert_eq!(neither.status, 422);
    s.assert_stock_consistent(&["X"]).await;
}

async fn a_location_at_its_daily_capacity_takes_no_more_orders_today(engine: Engine) {
    let s = TestServer::start(engine).await;
    three_warehouses(&s).await;
    s.product("X", "10.00").await;
    for loc in ["NJ", "NV", "IL"] {
        s.stock(loc, "X", 50).await;
    }
    let r = s.call(&s.admin, reqwest::Method::PATCH, "/v1/locations/NJ", Some(json!({"daily_capacity": 2}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["daily_capacity"], 2);
    let mut got = Vec::new();
    for _ in 0..3 {
        let r = s.post("/v1/orders", to(order_body(&[("X", 1)]), "02108", None)).await;
        got.push(locations(&r.body)[0].clone());
    }
    assert_eq!(got, ["NJ", "NJ", "IL"]);
    // Lifting the limit puts Newark back in play.
    let r = s.call(&s.admin, reqwest::Method::PATCH, "/v1/locations/NJ", Some(json!({"daily_capacity": null}))).await;
    assert_eq!(r.body["daily_capacity"], serde_json::Value::Null);
    let r = s.post("/v1/orders", to(order_body(&[("X", 1)]), "02108", None)).await;
    assert_eq!(locations(&r.body), ["NJ"]);
    let bad = s.call(&s.admin, reqwest::Method::PATCH, "/v1/locations/NJ", Some(json!({"daily_capacity": -1}))).await;
    assert_eq!(bad.status, 422);
}

on_both_engines!(
    a_location_at_its_daily_capacity_takes_no_more_orders_today,
    nearest_warehouse_with_stock_wins_and_the_decision_explains_itself,
    rule_sets_are_chosen_per_channel_and_can_be_simulated_first,
);
