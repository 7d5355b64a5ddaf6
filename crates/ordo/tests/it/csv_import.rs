//! CSV import from the CLI (`ordo import`) and the API (`POST /v1/imports`, a job read back
//! from `GET /v1/imports/{id}`): a hundred thousand order rows go in with progress and exactly
//! once; a file with three bad rows reports exactly those rows, with their lines and columns,
//! and the rest goes in (or nothing, all or nothing; or nothing at all, a dry run).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Engine, TestServer, create_admin_key, demo_database, ordo_cli, start_server, temp_dir};

/// The units one order of the big file asks of each SKU: line `l` of order `o` is
/// `IMP-{(o*4+l) % 10}`, quantity `1 + l % 2`.
fn big_orders(orders: usize) -> (String, [i64; 10]) {
    let mut csv = String::from(
        "order_number,channel,email,name,currency,sku,quantity,unit_price,shipping,ship_line1,ship_city,ship_region,ship_postal_code,ship_country\n",
    );
    let mut wanted = [0i64; 10];
    for o in 0..orders {
        for l in 0..4 {
            let (sku, quantity) = ((o * 4 + l) % 10, 1 + (l % 2) as i64);
            wanted[sku] += quantity;
            let shipping = if l == 0 { "4.99" } else { "" };
            writeln!(
                csv,
                "LEG-{o},legacy,buyer{}@example.com,Buyer {},USD,IMP-{sku},{quantity},12.50,{shipping},1 Main St,Boston,MA,02108,US",
                o % 5000,
                o % 5000
            )
            .unwrap();
        }
    }
    (csv, wanted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_order_rows_import_from_the_cli_with_progress_and_exactly_once() {
    let dir = temp_dir("csv-cli");
    let db = demo_database(&dir);
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let mut products = String::from("sku,name,price,currency,weight_grams\n");
    let mut stock = String::from("location,sku,delta,reason\n");
    for i in 0..10 {
        writeln!(products, "IMP-{i},Imported {i},12.50,USD,300").unwrap();
        writeln!(stock, "NJ-WH,IMP-{i},1000000,received").unwrap();
    }
    let (ok, out) = ordo_cli(&["import", "products", &file("products.csv", &products), "--database", &db], &[]);
    assert!(ok && out.contains("10 rows") && out.contains("10 created"), "{out}");
    let (ok, out) = ordo_cli(&["import", "inventory", &file("stock.csv", &stock), "--database", &db], &[]);
    assert!(ok && out.contains("10 created"), "{out}");

    let (orders, wanted) = big_orders(25_000);
    let path = file("orders.csv", &orders);
    let (ok, out) = ordo_cli(&["import", "orders", &path, "--database", &db], &[]);
    assert!(ok, "{out}");
    assert!(out.contains("imported orders: 100000 rows"), "{out}");
    assert!(out.contains("25000 created, 0 updated, 0 skipped, 0 rows failed"), "{out}");
    assert!(out.contains("progress: ") && out.contains("rows read"), "the progress is shown as it goes: {out}");
    // Again: every order was imported before, so nothing more is.
    let (ok, again) = ordo_cli(&["import", "orders", &path, "--database", &db], &[]);
    assert!(ok && again.contains("0 created, 0 updated, 25000 skipped"), "{again}");

    // Every order's lines reserve their units, once.
    let admin = create_admin_key(&db);
    let (mut server, base) = start_server(&db);
    let s = TestServer::attach(base, admin, dir.clone());
    for (i, want) in wanted.iter().enumerate() {
        let (_, (on_hand, reserved)) = s.levels(&format!("IMP-{i}")).await;
        assert_eq!((on_hand, reserved), (1_000_000, *want), "IMP-{i}");
    }
    let page = s.get("/v1/orders?channel=legacy&limit=1").await.body;
    let o = &page["data"][0];
    assert_eq!(o["lines"].as_array().map(Vec::len), Some(4), "four rows, one order: {o}");
    assert_eq!(o["totals"]["shipping"]["amount"], "4.99");
    s.assert_stock_consistent(&["IMP-0", "IMP-5"]).await;
    server.kill().ok();
}

const BAD: &str = "order_number,email,currency,sku,quantity,unit_price,ship_line1,ship_city,ship_country
W-1,ann@example.com,USD,A,1,10.00,1 Main St,Boston,US
W-2,bob@example.com,USD,NOPE,1,10.00,1 Main St,Boston,US
W-3,cy@example.com,USD,A,2,10.00,2 Main St,Boston,US
W-4,dee@example.com,USD,B,two,4.00,3 Main St,Boston,US
W-5,,USD,B,1,4.00,4 Main St,Boston,US
W-3,cy@example.com,USD,B,1,4.00,,,
";

async fn upload(s: &TestServer, query: &str, body: &str, content_type: &str, key: &str) -> (u16, Value) {
    let r = s.post_keyed(&format!("/v1/imports?{query}"), content_type, body, key).await;
    (r.status.as_u16(), serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

/// Reads the job until it is done (bounded).
async fn finished(s: &TestServer, job: &Value) -> Value {
    let id = job["id"].as_str().unwrap_or_else(|| panic!("{job}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = s.get(&format!("/v1/imports/{id}")).await.body;
        if got["status"] != "running" {
            return got;
        }
        assert!(Instant::now() < deadline, "the import did not finish: {got}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn errors(report: &Value) -> Vec<(i64, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap_or("-").to_owned()))
        .collect()
}

async fn an_uploaded_file_with_three_bad_rows_reports_exactly_those_rows(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("WH", 1).await;
    s.product("A", "10.00").await;
    s.product("B", "4.00").await;
    s.stock("WH", "A", 50).await;
    s.stock("WH", "B", 50).await;

    // Refused before any job: no kind, another content type, a role that may not.
    let (status, _) = upload(&s, "dry_run=true", BAD, "text/csv", "k0").await;
    assert_eq!(status, 400);
    let (status, _) = upload(&s, "kind=orders", BAD, "application/json", "k1").await;
    assert_eq!(status, 415);
    let viewer = s.key("viewer", None).await;
    let r = s
        .client
        .post(format!("{}/v1/imports?kind=orders", s.base))
        .bearer_auth(&viewer)
        .header("content-type", "text/csv")
        .body(BAD)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // A dry run checks every row and writes nothing.
    let (status, job) = upload(&s, "kind=orders&dry_run=true", BAD, "text/csv", "k2").await;
    assert_eq!(status, 202, "{job}");
    let done = finished(&s, &job).await;
    assert_eq!((done["status"].as_str(), done["report"]["applied"].as_bool()), (Some("done"), Some(false)), "{done}");
    assert_eq!(done["report"]["created"], 2, "{done}");
    assert_eq!(s.all_orders().await.len(), 0);
    // All or nothing: a bad row, so nothing.
    let (_, job) = upload(&s, "kind=orders&all_or_nothing=true", BAD, "text/csv", "k3").await;
    let done = finished(&s, &job).await;
    assert_eq!((done["report"]["applied"].as_bool(), done["report"]["failed_rows"].as_i64()), (Some(false), Some(3)));
    assert_eq!(s.all_orders().await.len(), 0);

    // Row by row: exactly the three bad rows are reported, the rest goes in.
    let (status, job) = upload(&s, "kind=orders", BAD, "text/csv", "k4").await;
    assert_eq!(
        (status, job["kind"].as_str(), job["bytes"].as_u64()),
        (202, Some("orders"), Some(BAD.len() as u64)),
        "{job}"
    );
    let done = finished(&s, &job).await;
    let report = &done["report"];
    assert_eq!(
        [&report["rows"], &report["created"], &report["failed_rows"], &report["applied"]],
        [&json!(6), &json!(2), &json!(3), &json!(true)],
        "{done}"
    );
    assert_eq!(errors(report), vec![(3, "sku".into()), (5, "quantity".into()), (6, "email".into())], "{report}");
    assert!(report["errors"][0]["reason"].as_str().unwrap().contains("NOPE"), "{report}");
    let orders = s.all_orders().await;
    let mut got: Vec<(String, usize)> = orders
        .iter()
        .map(|o| (o["external_id"].as_str().unwrap().to_owned(), o["lines"].as_array().unwrap().len()))
        .collect();
    got.sort();
    assert_eq!(got, vec![("W-1".into(), 1), ("W-3".into(), 2)], "W-3's two rows are one order");
    assert_eq!(orders[0]["channel"], "csv");
    // The same upload under the same key is the same job; a new key skips what went in.
    let (_, replay) = upload(&s, "kind=orders", BAD, "text/csv", "k4").await;
    assert_eq!(replay["id"], job["id"]);
    let (_, again) = upload(&s, "kind=orders", BAD, "text/csv", "k5").await;
    let again = finished(&s, &again).await;
    assert_eq!(
        (again["report"]["skipped"].as_i64(), again["report"]["created"].as_i64()),
        (Some(2), Some(0)),
        "{again}"
    );
    let (_, (_, reserved)) = s.levels("A").await;
    assert_eq!(reserved, 3);
    s.assert_stock_consistent(&["A", "B"]).await;
    assert_eq!(s.get("/v1/imports/imj_none").await.status, 404);
}

async fn products_stock_and_customers_import_and_update(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.location("WH", 1).await;
    s.product("A", "10.00").await;
    let products = "sku,name,price,currency,weight_grams,active\nA,Renamed,11.00,USD,250,true\nC,New one,3.00,EUR,,\nD,Bad,1.234,USD,,\n";
    let (_, job) = upload(&s, "kind=products", products, "text/csv", "p1").await;
    let done = finished(&s, &job).await;
    let r = &done["report"];
    assert_eq!([&r["created"], &r["updated"], &r["failed_rows"]], [&json!(1), &json!(1), &json!(1)], "{done}");
    assert_eq!(errors(r), vec![(4, "price".into())]);
    let a = s.get("/v1/products/A").await.body;
    assert_eq!((a["name"].as_str(), a["price"]["amount"].as_str()), (Some("Renamed"), Some("11.00")));
    assert_eq!(s.get("/v1/products/C").await.body["price"]["currency"], "EUR");
    // A file without a column leaves that field of the products it updates as it was.
    let (_, job) =
        upload(&s, "kind=products", "sku,name,price,currency\nA,Renamed again,11.00,USD\n", "text/csv", "p2").await;
    assert_eq!(finished(&s, &job).await["report"]["updated"], 1);
    let a = s.get("/v1/products/A").await.body;
    assert_eq!((a["name"].as_str(), a["weight_grams"].as_i64()), (Some("Renamed again"), Some(250)), "{a}");

    let stock = "location,sku,on_hand,delta\nWH,A,40,\nWH,C,,7\nWH,A,,-100\nXX,A,,1\n";
    let (_, job) = upload(&s, "kind=inventory", stock, "text/csv", "i1").await;
    let done = finished(&s, &job).await;
    assert_eq!(errors(&done["report"]), vec![(4, "-".into()), (5, "location".into())], "{done}");
    assert_eq!(s.levels("A").await.1, (40, 0), "counted to 40; taking 100 away would go below zero");
    assert_eq!(s.levels("C").await.1, (7, 0));

    let customers = "email,name,phone\nzoe@example.com,Zoe,+1 555 0100\nnot-an-email,X,\n";
    let (_, job) = upload(&s, "kind=customers", customers, "text/csv", "c1").await;
    let done = finished(&s, &job).await;
    assert_eq!(
        (done["report"]["created"].as_i64(), errors(&done["report"])),
        (Some(1), vec![(3, "email".into())]),
        "{done}"
    );
    let found = s.get("/v1/customers?email=zoe@example.com").await.body;
    assert_eq!(found["data"][0]["name"], "Zoe", "{found}");

    // An order's own columns come on its first row: a later row cannot add shipping.
    let late = "order_number,email,currency,sku,quantity,unit_price,shipping\nL-1,ann@example.com,USD,A,1,11.00,\nL-1,ann@example.com,USD,C,1,3.00,4.99\n";
    let (_, job) = upload(&s, "kind=orders", late, "text/csv", "o1").await;
    let done = finished(&s, &job).await;
    assert_eq!(errors(&done["report"]), vec![(2, "-".into()), (3, "shipping".into())], "{done}");
    assert_eq!(done["report"]["failed_rows"], 2, "{done}");

    // A header that names a column no kind has refuses the file before any row.
    let (_, job) = upload(&s, "kind=customers", "email,shoe_size\na@example.com,9\n", "text/csv", "c2").await;
    let done = finished(&s, &job).await;
    assert_eq!((done["report"]["rows"].as_i64(), errors(&done["report"])), (Some(0), vec![(1, "shoe_size".into())]));
    let _ = Method::GET;
}

on_both_engines!(
    an_uploaded_file_with_three_bad_rows_reports_exactly_those_rows,
    products_stock_and_customers_import_and_update,
);
