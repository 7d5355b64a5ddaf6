//! Test helpers: a real server on 127.0.0.1:0 over a fresh database, a client, the `ordo`
//! binary as a child process, and `on_both_engines!`.

use std::path::PathBuf;
use std::sync::Arc;

use ordo_app::kernel::keys::NewKey;
use ordo_app::{Actor, App, SystemClock};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use ordo_store::testing::TestEngine as Engine;
pub use ordo_store::testing::temp_dir;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Declares each listed `async fn name(engine: Engine)` of the calling module as two tests,
/// `sqlite::name` and `postgres::name`; the second runs when a PostgreSQL URL is given, and
/// holds a share of the database while it runs (see [`postgres_shared`]).
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::common::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(engine) = $crate::common::Engine::postgres() {
                        let _shared = $crate::common::postgres_shared().await;
                        super::$name(engine).await
                    }
                }
            )*
        }
    };
}

/// The one PostgreSQL every test of this binary uses, and the outage test stops: tests on
/// PostgreSQL run sharing it, the outage test runs alone.
static POSTGRES: RwLock<()> = RwLock::const_new(());

/// Held by a test on PostgreSQL for as long as it runs: the outage test waits until no such
/// test is running, and none starts until it has brought the database back.
pub async fn postgres_shared() -> RwLockReadGuard<'static, ()> {
    POSTGRES.read().await
}

/// Held by the outage test while it stops and starts PostgreSQL: no other test is using it.
pub async fn postgres_alone() -> RwLockWriteGuard<'static, ()> {
    POSTGRES.write().await
}

pub struct TestServer {
    pub base: String,
    pub admin: String,
    pub client: reqwest::Client,
    /// Where the server's files are; no test reads them yet.
    #[allow(dead_code)]
    pub dir: PathBuf,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

/// An answer as it was sent: its status, headers and the bytes of its body.
pub struct RawReply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Whether the server answered it from a stored response.
    pub fn replayed(&self) -> bool {
        self.headers.get("idempotent-replayed").is_some_and(|v| v == "true")
    }
}

impl TestServer {
    pub async fn start(engine: Engine) -> TestServer {
        Self::start_with(engine, ordo_web::WebConfig::default()).await
    }

    pub async fn start_with(engine: Engine, config: ordo_web::WebConfig) -> TestServer {
        Self::start_app(engine, config, |app| app).await
    }

    /// A server whose `App` is set up further first (a gateway's configuration).
    pub async fn start_app(engine: Engine, config: ordo_web::WebConfig, setup: impl FnOnce(App) -> App) -> TestServer {
        Self::start_served(engine, config, Default::default(), setup).await
    }

    /// A server with its own connection limits (timeouts, the connection cap).
    pub async fn start_served(
        engine: Engine,
        config: ordo_web::WebConfig,
        serve: ordo_web::server::ServeConfig,
        setup: impl FnOnce(App) -> App,
    ) -> TestServer {
        let dir = temp_dir("server");
        let store = ordo_store::open(&engine.fresh_url(&dir), &Default::default()).unwrap();
        // The tests' stand-ins for outside systems listen on loopback.
        let mut app = App::new(store, Arc::new(SystemClock));
        app.targets = ordo_app::ports::target::TargetPolicy::permissive();
        app.webhook_targets = ordo_app::ports::target::TargetPolicy::permissive();
        let app = setup(ordo_connectors::wire(app, &Default::default()));
        let admin = app
            .create_key(&Actor::system(), NewKey { role: Some("admin".into()), channel: None, name: None }, None)
            .await
            .and_then(|o| o.into_fresh())
            .unwrap()
            .secret;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        app.spawn_settler(std::time::Duration::from_millis(50));
        let router = ordo_web::router(ordo_web::AppState::new(app, config));
        tokio::spawn(ordo_web::server::serve(listener, router, serve, std::future::pending()));
        TestServer::attach(format!("http://{addr}"), admin, dir)
    }

    /// A client for a server started some other way (a child process).
    pub fn attach(base: String, admin: String, dir: PathBuf) -> TestServer {
        let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
        TestServer { base, admin, client, dir }
    }

    pub async fn key(&self, role: &str, channel: Option<&str>) -> String {
        let body = json!({"role": role, "channel": channel});
        let r = self.call(&self.admin, Method::POST, "/v1/keys", Some(body)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["secret"].as_str().unwrap().to_owned()
    }

    pub async fn call(&self, key: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_with(key, method, path, body, &[]).await
    }

    pub async fn call_with(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, headers }
    }

    /// A POST with an `Idempotency-Key`, its body sent exactly as given with `content_type`.
    pub async fn post_keyed(&self, path: &str, content_type: &str, body: &str, key: &str) -> RawReply {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.admin)
            .header("content-type", content_type)
            .header("idempotency-key", key)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        RawReply { status, headers, body: res.bytes().await.unwrap().to_vec() }
    }

    /// A request with a body sent exactly as given, as `application/json`.
    pub async fn raw(&self, method: Method, path: &str, body: &str) -> Reply {
        let res = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.admin)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, headers }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(&self.admin, Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(&self.admin, Method::POST, path, Some(body)).await
    }

    pub async fn location(&self, code: &str, priority: i64) {
        let r = self
            .post(
                "/v1/locations",
                json!({"code": code, "name": format!("{code} warehouse"), "kind": "warehouse",
                       "address": {"line1": "1 Dock Rd", "city": "Newark", "region": "NJ", "postal_code": "07105", "country": "US"},
                       "latitude": 40.7, "longitude": -74.1, "ships_orders": true, "pickup": false, "priority": priority}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }

    pub async fn product(&self, sku: &str, price: &str) {
        let r = self
            .post("/v1/products", json!({"sku": sku, "name": format!("Product {sku}"), "price": {"amount": price, "currency": "USD"}, "weight_grams": 500}))
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }

    pub async fn stock(&self, location: &str, sku: &str, delta: i64) {
        let r = self
            .post(
                "/v1/inventory/adjustments",
                json!({"location": location, "sku": sku, "delta": delta, "reason": "received"}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }

    /// (on_hand, reserved) per location code, and totals, from the API.
    pub async fn levels(&self, sku: &str) -> (Vec<(String, i64, i64)>, (i64, i64)) {
        let r = self.get(&format!("/v1/inventory/{sku}")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let locs = r.body["locations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["location"].as_str().unwrap().to_owned(),
                    l["on_hand"].as_i64().unwrap(),
                    l["reserved"].as_i64().unwrap(),
                )
            })
            .collect();
        let t = &r.body["totals"];
        (locs, (t["on_hand"].as_i64().unwrap(), t["reserved"].as_i64().unwrap()))
    }

    /// Every item of a list endpoint, following its cursors (`path` may carry a query).
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match &cursor {
                Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
                None => format!("{path}{sep}limit=200"),
            };
            let r = self.get(&page).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            out.extend(r.body["data"].as_array().unwrap().iter().cloned());
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// Every ledger entry for a SKU, newest first.
    pub async fn ledger(&self, sku: &str) -> Vec<Value> {
        self.all(&format!("/v1/inventory/movements?sku={sku}")).await
    }

    /// The events `/v1/events?{query}` lists once there are at least `at_least` (or after ten
    /// seconds): on PostgreSQL the feed shows a transaction's events once every earlier one has
    /// ended, which may be a moment after its answer.
    pub async fn events_when(&self, query: &str, at_least: usize) -> Vec<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = self.all(&format!("/v1/events?{query}")).await;
            if found.len() >= at_least || std::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Every order (all statuses), newest first.
    pub async fn all_orders(&self) -> Vec<Value> {
        self.all("/v1/orders").await
    }

    /// Every fulfilment, oldest first.
    pub async fn all_fulfillments(&self) -> Vec<Value> {
        self.all("/v1/fulfillments").await
    }

    /// Checks, for each SKU, that the levels, the ledger, the orders and their fulfilments
    /// agree: ledger deltas sum to each level; reserved equals what live orders' unshipped
    /// fulfilments hold; every live order's allocations are covered by its fulfilments.
    pub async fn assert_stock_consistent(&self, skus: &[&str]) {
        let fulfillments = self.all_fulfillments().await;
        let orders = self.all_orders().await;
        for sku in skus {
            let (locs, totals) = self.levels(sku).await;
            let ledger = self.ledger(sku).await;
            for (loc, on_hand, reserved) in &locs {
                assert!(*reserved <= *on_hand && *reserved >= 0, "{sku}@{loc}: reserved {reserved} on hand {on_hand}");
                let entries = ledger.iter().filter(|m| m["location"] == loc.as_str());
                let (dh, dr) = entries.fold((0, 0), |(h, r), m| {
                    (h + m["on_hand_delta"].as_i64().unwrap(), r + m["reserved_delta"].as_i64().unwrap())
                });
                assert_eq!((dh, dr), (*on_hand, *reserved), "{sku}@{loc}: ledger does not explain the level");
                let held: i64 = fulfillments
                    .iter()
                    .filter(|f| {
                        f["location"] == loc.as_str()
                            && matches!(
                                f["status"].as_str(),
                                Some("pending" | "picking" | "packed" | "ready_for_pickup")
                            )
                    })
                    .flat_map(|f| f["lines"].as_array().unwrap().iter())
                    .filter(|l| l["sku"] == *sku)
                    .map(|l| l["quantity"].as_i64().unwrap())
                    .sum();
                assert_eq!(held, *reserved, "{sku}@{loc}: reservations do not match unshipped fulfilments");
                let allocated: i64 = orders
                    .iter()
                    .filter(|o| o["status"] == "allocated")
                    .flat_map(|o| o["lines"].as_array().unwrap().iter())
                    .filter(|l| l["sku"] == *sku)
                    .flat_map(|l| l["allocations"].as_array().unwrap().iter())
                    .filter(|a| a["location"] == loc.as_str())
                    .map(|a| a["quantity"].as_i64().unwrap())
                    .sum();
                let planned: i64 = fulfillments
                    .iter()
                    .filter(|f| {
                        f["location"] == loc.as_str() && !matches!(f["status"].as_str(), Some("cancelled" | "rejected"))
                    })
                    .flat_map(|f| f["lines"].as_array().unwrap().iter())
                    .filter(|l| l["sku"] == *sku)
                    .map(|l| l["quantity"].as_i64().unwrap())
                    .sum();
                assert_eq!(allocated, planned, "{sku}@{loc}: live orders' allocations and their fulfilments differ");
            }
            assert_eq!(totals.0, locs.iter().map(|l| l.1).sum::<i64>());
            assert_eq!(totals.1, locs.iter().map(|l| l.2).sum::<i64>());
        }
    }
}

/// A small seeded generator (SplitMix64) for the random walks: the same seed, the same walk.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }

    /// One of `items`, none of none.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len() as u64) as usize])
    }
}

pub fn order_body(lines: &[(&str, i64)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(sku, q)| json!({"sku": sku, "quantity": q, "unit_price": {"amount": "10.00", "currency": "USD"}}))
        .collect();
    json!({
        "channel": "web",
        "customer": {"email": "buyer@example.com", "name": "Buyer"},
        "currency": "USD",
        "lines": lines,
        "shipping_address": {"name": "Buyer", "line1": "1 Main St", "city": "Boston", "region": "MA", "postal_code": "02108", "country": "US"}
    })
}

pub const ORDO: &str = env!("CARGO_BIN_EXE_ordo");

/// Runs an `ordo` command with more environment variables: whether it succeeded, and what it
/// printed (standard output, then standard error).
pub fn ordo_cli(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(ORDO).args(args).env("ORDO_LOG", "warn").envs(env.iter().copied()).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A SQLite database in `dir` loaded with the demo data (`ordo demo`), and its path.
pub fn demo_database(dir: &std::path::Path) -> String {
    let db = dir.join("ordo.db").to_string_lossy().into_owned();
    let (ok, out) = ordo_cli(&["demo", "--database", &db], &[]);
    assert!(ok, "{out}");
    db
}

pub fn create_admin_key(db: &str) -> String {
    let out = Command::new(ORDO)
        .args(["keys", "create", "--role", "admin", "--database"])
        .arg(db)
        .env("ORDO_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_owned()
}

/// Starts `ordo serve` on a free port and returns it with its base URL.
pub fn start_server(db: &str) -> (Child, String) {
    start_server_with(db, &[], &[])
}

/// Starts `ordo serve` with more flags and environment variables.
pub fn start_server_with(db: &str, flags: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(ORDO)
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(db)
        .args(flags)
        .envs(env.iter().copied())
        .env("ORDO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    // Keep draining, so the server's later output never meets a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let base =
        line.split_whitespace().find(|w| w.starts_with("http://")).expect("the server prints its address").to_owned();
    (child, base)
}
