//! Demand forecasts over HTTP, on a clock the test moves a day at a time: ten weeks of orders
//! shipped with a weekly pattern give a forecast that keeps the pattern and its level, with
//! a backtest that beats "the same as last week"; a location with no demand forecasts none;
//! the horizon and history are brought into range; unknown SKUs and locations are 404. The
//! daily run keeps each SKU's forecast, which answers for the rest of the day; cancelled
//! orders count for nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer, order_body};

const DAY_MS: i64 = 86_400_000;
/// 2026-06-01 (a Monday), midday.
const START: i64 = 1_780_315_200_000;

struct Steps(Arc<AtomicI64>);

impl ordo_app::Clock for Steps {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A server on a clock the test sets, at [`START`].
async fn started(engine: Engine) -> (TestServer, Arc<AtomicI64>) {
    on_clock(engine, false).await
}

/// The same, with the daily forecast run passing often.
async fn with_daily_run(engine: Engine) -> (TestServer, Arc<AtomicI64>) {
    on_clock(engine, true).await
}

async fn on_clock(engine: Engine, daily_run: bool) -> (TestServer, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(START));
    let clock = now.clone();
    let s = TestServer::start_app(engine, Default::default(), move |mut app| {
        app.clock = Arc::new(Steps(clock));
        if daily_run {
            drop(app.spawn_forecasts(std::time::Duration::from_millis(20), std::time::Duration::from_secs(5)));
        }
        app
    })
    .await;
    (s, now)
}

/// Places an order of `lines` and ships its (first) fulfilment now; the fulfilment.
async fn shipped_order(s: &TestServer, lines: &[(&str, i64)]) -> Value {
    let r = s.post("/v1/orders", order_body(lines)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap();
    let f = s.get(&format!("/v1/orders/{id}/fulfillments")).await.body["data"][0].clone();
    assert_eq!(s.post(&format!("/v1/fulfillments/{}/ship", f["id"].as_str().unwrap()), json!({})).await.status, 200);
    f
}

fn units(v: &Value) -> Vec<f64> {
    v["days"].as_array().unwrap().iter().map(|d| d["units"].as_f64().unwrap()).collect()
}

async fn a_weekly_pattern_of_shipments_is_forecast_with_its_shape(engine: Engine) {
    let (s, now) = started(engine).await;
    s.location("WH", 1).await;
    s.location("ST", 2).await;
    s.product("A-1", "10.00").await;
    s.stock("WH", "A-1", 5000).await;
    // Ten weeks: quiet early in the week, busy on the sixth day.
    let pattern = [2i64, 3, 3, 4, 5, 9, 6];
    let mut shipped = 0;
    for day in 0..70 {
        now.store(START + day * DAY_MS, Ordering::SeqCst);
        let quantity = pattern[day as usize % 7];
        shipped_order(&s, &[("A-1", quantity)]).await;
        shipped += quantity;
    }
    // An order placed today is not history yet.
    now.store(START + 70 * DAY_MS, Ordering::SeqCst);
    s.post("/v1/orders", order_body(&[("A-1", 50)])).await;

    let r = s.get("/v1/forecasts/A-1?days=14&history=70").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let f = &r.body;
    assert_eq!((&f["sku"], &f["demand"], &f["level"]), (&json!("A-1"), &json!("ordered"), &json!(0.8)));
    assert_eq!((&f["history_from"], &f["history_until"]), (&json!("2026-06-01"), &json!("2026-08-09")));
    assert_eq!((&f["from"], &f["until"]), (&json!("2026-08-10"), &json!("2026-08-23")));
    let locations: Vec<&str> =
        f["locations"].as_array().unwrap().iter().map(|l| l["location"].as_str().unwrap()).collect();
    assert_eq!(locations, ["WH"]);
    let total = &f["total"];
    assert_eq!(
        (&total["model"], &total["history_units"], &total["demand_days"]),
        (&json!("mstl_ets"), &json!(shipped), &json!(70))
    );
    let days = units(total);
    assert_eq!(days.len(), 14);
    // The busy day stays busy, the quiet day quiet; two weeks hold about two weeks' units.
    assert!(days[5] > 2.0 * days[0], "{days:?}");
    let weeks: f64 = days.iter().sum();
    let expected = 2.0 * pattern.iter().sum::<i64>() as f64;
    assert!((weeks - expected).abs() < 0.15 * expected, "{weeks} against {expected}");
    assert!((total["units"].as_f64().unwrap() - weeks).abs() < 0.1);
    assert_eq!(f["wide_level"], 0.95);
    for d in total["days"].as_array().unwrap() {
        let at = |k: &str| d[k].as_f64().unwrap();
        let (lo, mid, hi) = (at("lower"), at("units"), at("upper"));
        assert!(0.0 <= at("lower_95") && at("lower_95") <= lo && lo <= mid && mid <= hi && hi <= at("upper_95"), "{d}");
    }
    let b = &total["backtest"];
    assert_eq!((&b["days"], &b["model"]), (&json!(28), &json!("mstl_ets")));
    assert!(b["mase"].as_f64().unwrap() < 1.0, "{b}");
    assert!(b["coverage"].as_f64().unwrap() >= 0.5, "{b}");
    assert!(b["bias"].as_f64().unwrap().abs() < 1.0, "{b}");

    // A location without demand forecasts none; the one asked for is the total.
    let st = s.get("/v1/forecasts/A-1?location=ST").await.body;
    assert_eq!(
        (&st["total"]["model"], &st["total"]["units"], &st["locations"][0]["location"]),
        (&json!("none"), &json!(0.0), &json!("ST"))
    );
    let wh = s.get("/v1/forecasts/A-1?location=WH&days=14&history=70").await.body;
    assert_eq!((units(&wh["total"]), &wh["total"]["location"]), (days.clone(), &Value::Null));
    // Out-of-range numbers are brought into range; unknown things are not found.
    let wide = s.get("/v1/forecasts/A-1?days=500&history=3").await.body;
    assert_eq!((wide["total"]["days"].as_array().unwrap().len(), &wide["history_from"]), (90, &json!("2026-07-27")));
    assert_eq!(wide["total"]["backtest"], Value::Null, "two weeks are too few to hold four out");
    for (path, status) in
        [("/v1/forecasts/NOPE", 404), ("/v1/forecasts/A-1?location=NOWHERE", 404), ("/v1/forecasts/A-1?days=soon", 400)]
    {
        assert_eq!(s.get(path).await.status.as_u16(), status, "{path}");
    }
}

async fn replenishment_suggests_whole_packs_before_stock_runs_out_and_drafts_them(engine: Engine) {
    let (s, now) = started(engine).await;
    s.location("WH", 1).await;
    for sku in ["A-1", "B-1", "C-1"] {
        s.product(sku, "10.00").await;
    }
    let r = s
        .post(
            "/v1/suppliers",
            json!({"code": "ACME", "name": "Acme", "lead_time_days": 7, "min_order_quantity": 12, "pack_size": 6, "currency": "EUR"}),
        )
        .await;
    let supplier = r.body["id"].as_str().unwrap().to_owned();
    let cost = |a: &str| json!({"amount": a, "currency": "EUR"});
    let r = s
        .post(
            "/v1/purchase-orders",
            json!({"supplier_id": supplier, "location": "WH", "lines": [
                {"sku": "A-1", "quantity": 300, "unit_cost": cost("2.50")}, {"sku": "B-1", "quantity": 40, "unit_cost": cost("4.00")}]}),
        )
        .await;
    let po = format!("/v1/purchase-orders/{}", r.body["id"].as_str().unwrap());
    s.post(&format!("{po}/send"), json!({})).await;
    s.post(&format!("{po}/receipts"), json!({"lines": [{"line": 1, "quantity": 300}, {"line": 2, "quantity": 40}]}))
        .await;
    s.stock("WH", "C-1", 3).await;
    // Eight weeks of five A-1 a day, and one C-1 a week.
    for day in 0..56 {
        now.store(START + day * DAY_MS, Ordering::SeqCst);
        let mut lines = vec![("A-1", 5)];
        if day % 7 == 3 && day < 21 {
            lines.push(("C-1", 1));
        }
        shipped_order(&s, &lines).await;
    }
    now.store(START + 56 * DAY_MS, Ordering::SeqCst);

    // 20 A-1 left against 35 due over the lead time: order up to three weeks' demand, in packs.
    let r = s.get("/v1/replenishment/suggestions?location=WH").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let items = r.body["data"].as_array().unwrap().clone();
    let skus: Vec<&str> = items.iter().map(|i| i["sku"].as_str().unwrap()).collect();
    assert_eq!(skus, ["A-1", "B-1", "C-1"]);
    let a = &items[0];
    assert_eq!(
        (&a["supplier_code"], &a["lead_time_days"], &a["unit_cost"]),
        (&json!("ACME"), &json!(7), &cost("2.50"))
    );
    assert_eq!((&a["on_hand"], &a["position"]), (&json!(20), &json!(20)));
    assert!((a["daily_demand"].as_f64().unwrap() - 5.0).abs() < 0.3, "{a}");
    let (rop, quantity) = (a["reorder_point"].as_i64().unwrap(), a["quantity"].as_i64().unwrap());
    assert!((35..=40).contains(&rop), "{a}");
    assert!(quantity % 6 == 0 && (84..=96).contains(&quantity), "{a}");
    let b = &items[1];
    assert_eq!((&b["quantity"], &b["model"]), (&json!(0), &json!("none")), "{b}");
    let bought: Vec<Value> = s.all(&format!("/v1/replenishment/suggestions?location=WH&supplier_id={supplier}")).await;
    let skus: Vec<&str> = bought.iter().map(|i| i["sku"].as_str().unwrap()).collect();
    assert_eq!(skus, ["A-1", "B-1"], "only what was bought from the supplier");
    // A page the filter thinned out still leads on to the next.
    let page = s.get(&format!("/v1/replenishment/suggestions?location=WH&supplier_id={supplier}&limit=3")).await.body;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let rest = format!("/v1/replenishment/suggestions?location=WH&cursor={}", page["next_cursor"].as_str().unwrap());
    assert_eq!(
        (s.get(&rest).await.body["data"].as_array().unwrap().len(), &s.get(&rest).await.body["next_cursor"]),
        (0, &Value::Null)
    );
    let c = &items[2];
    assert_eq!(
        (&c["supplier_id"], &c["lead_time_days"]),
        (&Value::Null, &json!(7)),
        "never bought here: 7 days assumed"
    );
    // A manual policy's safety stock is the one used; the computed one is still shown.
    let policy = json!({"safety_stock": 30, "reorder_point": 40});
    s.call(&s.admin, reqwest::Method::PUT, "/v1/inventory/A-1/policies/WH", Some(policy)).await;
    let a = s.get("/v1/replenishment/suggestions?location=WH&service_level=0.99&limit=1").await.body;
    assert_eq!((&a["data"][0]["safety_stock"], &a["data"][0]["manual_policy"]), (&json!(30), &json!(true)));
    assert!(a["data"][0]["quantity"].as_i64().unwrap() >= quantity + 24, "{a}");
    let next = a["next_cursor"].as_str().unwrap();
    assert_eq!(
        s.get(&format!("/v1/replenishment/suggestions?location=WH&cursor={next}")).await.body["data"][0]["sku"],
        "B-1"
    );

    // Accepted: one draft for the supplier; what has nothing to order or no supplier is skipped.
    let accept = json!({"location": "WH", "skus": ["A-1", "B-1", "C-1", "A-1"]});
    let viewer = s.key("viewer", None).await;
    assert_eq!(
        s.call(&viewer, reqwest::Method::POST, "/v1/replenishment/suggestions/accept", Some(accept.clone()))
            .await
            .status,
        403
    );
    let r = s.post("/v1/replenishment/suggestions/accept", accept).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let drafts = r.body["purchase_orders"].as_array().unwrap();
    assert_eq!(drafts.len(), 1);
    let d = &drafts[0];
    assert_eq!((&d["status"], &d["supplier_code"], &d["location"]), (&json!("draft"), &json!("ACME"), &json!("WH")));
    assert_eq!((&d["lines"][0]["sku"], &d["lines"][0]["unit_cost"]), (&json!("A-1"), &cost("2.50")));
    assert_eq!(d["lines"].as_array().unwrap().len(), 1);
    assert_eq!(d["expected_on"], "2026-08-03", "today plus the lead time");
    let skipped: Vec<&str> = r.body["skipped"].as_array().unwrap().iter().map(|x| x["sku"].as_str().unwrap()).collect();
    assert_eq!(skipped, ["B-1", "C-1"]);
    assert_eq!(s.all("/v1/purchase-orders?status=draft").await.len(), 1);
    // Bad requests draft nothing.
    for (body, status) in [
        (json!({"location": "WH", "skus": ["NOPE"]}), 404),
        (json!({"location": "NOWHERE", "skus": ["A-1"]}), 404),
        (json!({"location": "WH", "skus": []}), 422),
    ] {
        assert_eq!(
            s.post("/v1/replenishment/suggestions/accept", body.clone()).await.status.as_u16(),
            status,
            "{body}"
        );
    }
    assert_eq!(s.all("/v1/purchase-orders?status=draft").await.len(), 1);
    // Computed policies: a manual one is kept; without it, the computed one is stored.
    let compute = json!({"location": "WH", "skus": ["A-1", "B-1"]});
    let r = s.post("/v1/replenishment/policies", compute.clone()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!((&r.body["skipped"][0]["sku"], &r.body["policies"][0]["sku"]), (&json!("A-1"), &json!("B-1")));
    assert_eq!(s.call(&s.admin, reqwest::Method::DELETE, "/v1/inventory/A-1/policies/WH", None).await.status, 204);
    let suggested = s.get("/v1/replenishment/suggestions?location=WH&limit=1").await.body["data"][0].clone();
    let r = s.post("/v1/replenishment/policies", compute).await;
    let stored = &r.body["policies"][0];
    assert_eq!((&stored["sku"], &stored["source"]), (&json!("A-1"), &json!("computed")), "{:?}", r.body);
    assert_eq!(
        (&stored["safety_stock"], &stored["reorder_point"]),
        (&suggested["computed_safety_stock"], &suggested["reorder_point"])
    );
    let listed = s.get("/v1/inventory/A-1/policies").await.body;
    assert_eq!(listed["data"][0]["source"], "computed");
    let set = s.events_when("type=inventory.policy_set", 3).await;
    assert!(set.iter().any(|e| e["data"]["sku"] == "A-1" && e["data"]["source"] == "computed"), "{set:?}");
    assert_eq!(s.get("/v1/replenishment/suggestions").await.status, 400);
    assert_eq!(s.get("/v1/replenishment/suggestions?location=NOWHERE").await.status, 404);
}

async fn a_location_short_of_stock_is_offered_what_another_can_spare(engine: Engine) {
    let (s, now) = started(engine).await;
    // The store sells; the warehouse holds plenty and sells nothing.
    s.location("ST", 1).await;
    s.location("WH", 2).await;
    s.product("A-1", "10.00").await;
    let r = s
        .post(
            "/v1/suppliers",
            json!({"code": "ACME", "name": "Acme", "lead_time_days": 7, "pack_size": 6, "currency": "EUR"}),
        )
        .await;
    let supplier = r.body["id"].as_str().unwrap().to_owned();
    for (location, quantity) in [("ST", 300), ("WH", 400)] {
        let line = json!({"sku": "A-1", "quantity": quantity, "unit_cost": {"amount": "2.50", "currency": "EUR"}});
        let r = s
            .post("/v1/purchase-orders", json!({"supplier_id": supplier, "location": location, "lines": [line]}))
            .await;
        let po = format!("/v1/purchase-orders/{}", r.body["id"].as_str().unwrap());
        s.post(&format!("{po}/send"), json!({})).await;
        s.post(&format!("{po}/receipts"), json!({"lines": [{"line": 1, "quantity": quantity}]})).await;
    }
    for day in 0..56 {
        now.store(START + day * DAY_MS, Ordering::SeqCst);
        let f = shipped_order(&s, &[("A-1", 5)]).await;
        assert_eq!(f["location"], "ST");
    }
    now.store(START + 56 * DAY_MS, Ordering::SeqCst);

    // ST has 20 against a target of about three weeks' demand: the warehouse covers all of it.
    let st = s.get("/v1/replenishment/suggestions?location=ST").await.body["data"][0].clone();
    let (position, target) = (st["position"].as_i64().unwrap(), st["target"].as_i64().unwrap());
    assert_eq!(position, 20, "{st}");
    assert!(st["quantity"].as_i64().unwrap() > 0 && target > position, "{st}");
    assert_eq!(st["transfers"], json!([{"from_location": "WH", "quantity": target - position}]), "{st}");
    assert_eq!(st["quantity_after_transfers"], 0);
    // The warehouse needs nothing and is offered nothing.
    let wh = s.get("/v1/replenishment/suggestions?location=WH").await.body["data"][0].clone();
    assert_eq!((&wh["quantity"], &wh["transfers"]), (&json!(0), &json!([])), "{wh}");

    // Accepted with rebalancing: one draft transfer from WH and nothing bought.
    let r = s
        .post("/v1/replenishment/suggestions/accept", json!({"location": "ST", "skus": ["A-1"], "rebalance": true}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (r.body["purchase_orders"].as_array().unwrap().len(), r.body["transfers"].as_array().unwrap().len()),
        (0, 1)
    );
    let t = &r.body["transfers"][0];
    assert_eq!((&t["from_location"], &t["to_location"], &t["status"]), (&json!("WH"), &json!("ST"), &json!("draft")));
    assert_eq!(t["lines"][0]["quantity"], target - position);
    // Without it, everything is bought.
    let r = s.post("/v1/replenishment/suggestions/accept", json!({"location": "ST", "skus": ["A-1"]})).await;
    assert_eq!(
        (r.body["purchase_orders"].as_array().unwrap().len(), r.body["transfers"].as_array().unwrap().len()),
        (1, 0)
    );
    assert_eq!(r.body["purchase_orders"][0]["lines"][0]["quantity"], st["quantity"]);
}

async fn forecasts_are_kept_once_a_day_and_cancelled_orders_count_for_nothing(engine: Engine) {
    let (s, now) = with_daily_run(engine).await;
    s.location("WH", 1).await;
    s.product("A-1", "10.00").await;
    s.product("B-2", "10.00").await;
    s.stock("WH", "A-1", 5000).await;
    // Eight weeks of two to four a day, and each week an order of 40 cancelled the day after.
    for day in 0..56 {
        now.store(START + day * DAY_MS, Ordering::SeqCst);
        assert_eq!(s.post("/v1/orders", order_body(&[("A-1", 2 + day % 3)])).await.status, 201);
        if day % 7 == 1 {
            let big = s.post("/v1/orders", order_body(&[("A-1", 40)])).await;
            now.store(START + (day + 1) * DAY_MS - 60_000, Ordering::SeqCst);
            let id = big.body["id"].as_str().unwrap();
            assert_eq!(s.post(&format!("/v1/orders/{id}/cancel"), json!({})).await.status, 200);
        }
    }
    let today = START + 56 * DAY_MS;
    now.store(today, Ordering::SeqCst);
    // Today's run keeps both SKUs' forecasts.
    let mut kept = Value::Null;
    for _ in 0..600 {
        kept = s.get("/v1/forecasts").await.body;
        let fresh = kept["data"].as_array().unwrap().iter().filter(|f| f["computed_at"] == "2026-07-27T12:00:00.000Z");
        if fresh.count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let list = kept["data"].as_array().unwrap();
    let skus: Vec<&str> = list.iter().map(|f| f["sku"].as_str().unwrap()).collect();
    assert_eq!(skus, ["A-1", "B-2"], "{kept}");
    assert_eq!((&list[1]["model"], &list[1]["mase"]), (&json!("none"), &Value::Null));
    assert!(list[0]["mase"].is_number() && list[0]["bias"].is_number(), "{kept}");

    // Later the same day the kept one answers, for any horizon up to 90 days and any location.
    now.store(today + 3_600_000, Ordering::SeqCst);
    let f = s.get("/v1/forecasts/A-1").await.body;
    assert_eq!(
        (&f["computed_at"], &f["history_from"], &f["until"]),
        (&json!("2026-07-27T12:00:00.000Z"), &json!("2025-07-28"), &json!("2026-08-23"))
    );
    // The cancelled orders count for nothing.
    assert_eq!((&f["total"]["history_units"], &f["total"]["demand_days"]), (&json!(167), &json!(56)), "{f}");
    assert_eq!(f["total"]["backtest"]["days"], 28);
    let long = s.get("/v1/forecasts/A-1?days=90&location=WH").await.body;
    assert_eq!((&long["computed_at"], long["total"]["days"].as_array().unwrap().len()), (&f["computed_at"], 90));
    assert_eq!(long["total"]["days"].as_array().unwrap()[..28], f["total"]["days"].as_array().unwrap()[..]);
    // Another history is worked out now, and kept nowhere.
    let other = s.get("/v1/forecasts/A-1?history=28").await.body;
    assert_eq!(
        (&other["computed_at"], &other["total"]["history_units"]),
        (&json!("2026-07-27T13:00:00.000Z"), &json!(84))
    );
    // A refresh works it out now and keeps it.
    let r = s.post("/v1/forecasts/A-1/refresh", json!({})).await;
    assert_eq!(r.body["total"]["days"].as_array().unwrap().len(), 28);
    assert_eq!((r.status.as_u16(), &r.body["computed_at"]), (200, &json!("2026-07-27T13:00:00.000Z")), "{:?}", r.body);
    assert_eq!(s.get("/v1/forecasts/A-1").await.body["computed_at"], "2026-07-27T13:00:00.000Z");
    assert_eq!(s.post("/v1/forecasts/NOPE/refresh", json!({})).await.status, 404);
    // A page at a time.
    let first = s.get("/v1/forecasts?limit=1").await.body;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = s.get(&format!("/v1/forecasts?limit=1&cursor={cursor}")).await.body;
    assert_eq!((&first["data"][0]["sku"], &rest["data"][0]["sku"]), (&json!("A-1"), &json!("B-2")));
}

async fn skus_are_classed_by_sales_value_and_each_class_sets_its_service_level(engine: Engine) {
    let (s, now) = started(engine).await;
    s.location("WH", 1).await;
    for sku in ["A-1", "B-2", "C-3", "D-4"] {
        s.product(sku, "10.00").await;
        s.stock("WH", sku, 1000).await;
    }
    // Two weeks: five, ten or fifteen of A-1 a day, one of B-2, one of C-3 every other day,
    // no D-4.
    for day in 0..14 {
        now.store(START + day * DAY_MS, Ordering::SeqCst);
        let mut lines = vec![("A-1", 5 + 5 * (day % 3)), ("B-2", 1)];
        if day % 2 == 0 {
            lines.push(("C-3", 1));
        }
        assert_eq!(s.post("/v1/orders", order_body(&lines)).await.status, 201);
    }
    now.store(START + 14 * DAY_MS, Ordering::SeqCst);
    // Nothing is classed before it has a kept forecast.
    assert_eq!(s.get("/v1/inventory/classes").await.body["data"], json!([]));
    for sku in ["A-1", "B-2", "C-3", "D-4"] {
        assert_eq!(s.post(&format!("/v1/forecasts/{sku}/refresh"), json!({})).await.status, 200);
    }
    // 1,350.00 of 1,560.00 is 87 %: A-1 alone is A; B-2 takes it to 96 %: B; the rest C.
    let classes = s.get("/v1/inventory/classes").await.body;
    let got: Vec<(&str, &str, i64)> = classes["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["sku"].as_str().unwrap(), c["class"].as_str().unwrap(), c["units"].as_i64().unwrap()))
        .collect();
    assert_eq!(got, [("A-1", "a", 135), ("B-2", "b", 14), ("C-3", "c", 7), ("D-4", "c", 0)], "{classes}");
    assert_eq!(classes["data"][0]["value"], json!({"amount": "1350.00", "currency": "USD"}));

    // The defaults, then the class's service level sizes each suggestion's safety stock.
    let defaults = s.get("/v1/planning/settings").await.body;
    assert_eq!(
        (&defaults["a_share"], &defaults["service_level_a"], &defaults["count_every_days_c"]),
        (&json!(0.8), &json!(0.98), &json!(365))
    );
    let r = s
        .call(
            &s.admin,
            Method::PUT,
            "/v1/planning/settings",
            Some(json!({"service_level_a": 0.99, "service_level_c": 0.8})),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), &r.body["service_level_a"], &r.body["service_level_b"]),
        (200, &json!(0.99), &json!(0.95)),
        "{:?}",
        r.body
    );
    let levels = |body: &Value| -> Vec<(String, Value, f64)> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["sku"].as_str().unwrap().to_owned(), x["class"].clone(), x["service_level"].as_f64().unwrap()))
            .collect()
    };
    let by_class = levels(&s.get("/v1/replenishment/suggestions?location=WH").await.body);
    assert_eq!(
        by_class,
        [
            ("A-1".to_owned(), json!("a"), 0.99),
            ("B-2".to_owned(), json!("b"), 0.95),
            ("C-3".to_owned(), json!("c"), 0.8),
            ("D-4".to_owned(), json!("c"), 0.8)
        ]
    );
    let asked = levels(&s.get("/v1/replenishment/suggestions?location=WH&service_level=0.9").await.body);
    assert!(asked.iter().all(|(_, _, l)| *l == 0.9), "{asked:?}");
    // A higher service level holds more safety stock.
    let a_99 = s.get("/v1/replenishment/suggestions?location=WH").await.body["data"][0]["computed_safety_stock"]
        .as_i64()
        .unwrap();
    let a_90 = s.get("/v1/replenishment/suggestions?location=WH&service_level=0.9").await.body["data"][0]["computed_safety_stock"].as_i64().unwrap();
    assert!(a_99 > a_90, "{a_99} against {a_90}");

    // Bad settings are refused whole and change nothing; the same again records nothing.
    for (bad, status) in [
        (json!({"a_share": 0.0, "b_share": 0.2}), 422),
        (json!({"service_level_b": 1.5}), 422),
        (json!({"count_every_days_a": 0}), 422),
        (json!({"extra": 1}), 400),
    ] {
        let r = s.call(&s.admin, Method::PUT, "/v1/planning/settings", Some(bad.clone())).await;
        assert_eq!(r.status.as_u16(), status, "{bad}: {:?}", r.body);
    }
    assert_eq!(s.get("/v1/planning/settings").await.body["service_level_a"], 0.99);
    s.call(
        &s.admin,
        Method::PUT,
        "/v1/planning/settings",
        Some(json!({"service_level_a": 0.99, "service_level_c": 0.8})),
    )
    .await;
    let events = s.get("/v1/events?type=planning.settings_updated").await.body;
    assert_eq!(events["data"].as_array().unwrap().len(), 1, "{events}");
}

async fn cycle_counts_are_asked_for_each_day_by_class(engine: Engine) {
    let (s, now) = with_daily_run(engine).await;
    s.location("WH", 1).await;
    for sku in ["A-1", "B-2", "C-3", "D-4", "E-5"] {
        s.product(sku, "10.00").await;
        s.stock("WH", sku, 1000).await;
    }
    // A-1 sells most (A); B-2 next (B); C-3, D-4 and E-5 little or nothing (C).
    // Cycle counts off while the history is made, on from day 14.
    let mut settings =
        json!({"count_every_days_a": 1, "count_every_days_b": 7, "count_every_days_c": 2, "cycle_counts": false});
    assert_eq!(s.call(&s.admin, Method::PUT, "/v1/planning/settings", Some(settings.clone())).await.status, 200);
    for day in 0..14 {
        now.store(START + day * DAY_MS, Ordering::SeqCst);
        let lines = [("A-1", 20), ("B-2", 2), ("C-3", 1)];
        assert_eq!(s.post("/v1/orders", order_body(&lines)).await.status, 201);
    }
    let requests = |body: Value| -> Vec<(String, String)> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["sku"].as_str().unwrap().to_owned(), r["reason"].as_str().unwrap_or("").to_owned()))
            .collect()
    };
    // The next day's run: never counted, each class asks for its share (A: all of one, B:
    // one in seven, rounded up, C: three every two days, two today, oldest first by SKU).
    let mut asked = Vec::new();
    for day in [14, 15] {
        now.store(START + day * DAY_MS, Ordering::SeqCst);
        if day == 14 {
            settings["cycle_counts"] = json!(true);
            assert_eq!(
                s.call(&s.admin, Method::PUT, "/v1/planning/settings", Some(settings.clone())).await.status,
                200
            );
        }
        // The day's requests are written together, once its run has classed every SKU; they
        // are blind (the list shows no quantity).
        let mut body = Value::Null;
        for _ in 0..600 {
            body = s.get("/v1/inventory/count-requests?location=WH").await.body;
            if !body["data"].as_array().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(body["data"][0].get("on_hand").is_none() && body["data"][0].get("expected").is_none(), "{body}");
        let got = requests(body);
        asked.push(got.clone());
        for (sku, _) in &got {
            let count = json!({"location": "WH", "sku": sku, "on_hand": 1000});
            assert_eq!(s.post("/v1/inventory/counts", count).await.status.as_u16(), 201);
        }
        assert_eq!(s.get("/v1/inventory/count-requests?location=WH").await.body["data"], json!([]));
    }
    let skus = |day: &Vec<(String, String)>| day.iter().map(|(s, r)| format!("{s}:{r}")).collect::<Vec<_>>();
    assert_eq!(
        skus(&asked[0]),
        ["A-1:cycle_count", "B-2:cycle_count", "C-3:cycle_count", "D-4:cycle_count"],
        "{asked:?}"
    );
    // The day after: A-1 again (every day), B-2 not (counted within seven days), the C SKU
    // not yet counted (E-5), and no other C (two a day's quota, but C-3 and D-4 are not due).
    assert_eq!(skus(&asked[1]), ["A-1:cycle_count", "E-5:cycle_count"], "{asked:?}");
}

on_both_engines!(
    cycle_counts_are_asked_for_each_day_by_class,
    skus_are_classed_by_sales_value_and_each_class_sets_its_service_level,
    forecasts_are_kept_once_a_day_and_cancelled_orders_count_for_nothing,
    a_weekly_pattern_of_shipments_is_forecast_with_its_shape,
    replenishment_suggests_whole_packs_before_stock_runs_out_and_drafts_them,
    a_location_short_of_stock_is_offered_what_another_can_spare
);
