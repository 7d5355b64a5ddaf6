//! Several `ordo serve` processes on one PostgreSQL database: stock, idempotency and
//! acknowledged orders hold across nodes, and one node's death does not stop the other.
//! These run when `ORDO_TEST_POSTGRES_URL` is set (`scripts/test.sh` sets it).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Engine, TestServer, create_admin_key, order_body, postgres_shared, start_server_with, temp_dir};
use reqwest::Method;
use tokio::sync::RwLockReadGuard;

struct Nodes {
    a: Arc<TestServer>,
    b: Arc<TestServer>,
    children: Vec<std::process::Child>,
    /// The nodes' share of PostgreSQL, given back once they are stopped.
    _shared: RwLockReadGuard<'static, ()>,
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn two_nodes(label: &str) -> Option<Nodes> {
    two_nodes_with(label, &[]).await
}

async fn two_nodes_with(label: &str, flags: &[&str]) -> Option<Nodes> {
    let engine = Engine::postgres()?;
    let shared = postgres_shared().await;
    let dir = temp_dir(label);
    let url = engine.fresh_url(&dir);
    let admin = create_admin_key(&url);
    let (child_a, base_a) = start_server_with(&url, flags, &[]);
    let (child_b, base_b) = start_server_with(&url, flags, &[]);
    Some(Nodes {
        a: Arc::new(TestServer::attach(base_a, admin.clone(), dir.clone())),
        b: Arc::new(TestServer::attach(base_b, admin, dir)),
        children: vec![child_a, child_b],
        _shared: shared,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_sell_exactly_the_fifty_units_in_stock() {
    let Some(n) = two_nodes("two-nodes-stock").await else { return };
    n.a.location("A", 1).await;
    n.b.location("B", 2).await;
    n.a.product("HOT", "5.00").await;
    n.a.product("SIDE", "1.00").await;
    n.a.stock("A", "HOT", 30).await;
    n.b.stock("B", "HOT", 20).await;
    n.a.stock("A", "SIDE", 1000).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let node = if i % 2 == 0 { n.a.clone() } else { n.b.clone() };
        // Some orders lock two SKUs, in either line order, to exercise ordered locking.
        let lines: Vec<(&str, i64)> = match i % 3 {
            0 => vec![("HOT", 1)],
            1 => vec![("SIDE", 1), ("HOT", 1)],
            _ => vec![("HOT", 1), ("SIDE", 2)],
        };
        tasks.push(tokio::spawn(async move { node.post("/v1/orders", order_body(&lines)).await }));
    }
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match r.status.as_u16() {
            201 => created += 1,
            409 => {
                assert_eq!(r.body["code"], "insufficient_stock", "{:?}", r.body);
                refused += 1;
            }
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert_eq!((created, refused), (50, 150));
    assert_eq!(n.b.levels("HOT").await.1, (50, 50));
    n.b.assert_stock_consistent(&["HOT", "SIDE"]).await;
    n.a.assert_stock_consistent(&["HOT", "SIDE"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idempotency_key_used_on_one_node_and_then_the_other_gives_one_order() {
    let Some(n) = two_nodes("two-nodes-idem").await else { return };
    n.a.location("A", 1).await;
    n.a.product("X", "5.00").await;
    n.a.stock("A", "X", 100).await;
    let h = [("Idempotency-Key", "across-nodes")];
    let first = n.a.call_with(&n.a.admin, Method::POST, "/v1/orders", Some(order_body(&[("X", 1)])), &h).await;
    let second = n.b.call_with(&n.b.admin, Method::POST, "/v1/orders", Some(order_body(&[("X", 1)])), &h).await;
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    assert_eq!(first.body, second.body);

    // The same key sent through both nodes at once still makes one order.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let node = if i % 2 == 0 { n.a.clone() } else { n.b.clone() };
        tasks.push(tokio::spawn(async move {
            node.call_with(
                &node.admin,
                Method::POST,
                "/v1/orders",
                Some(order_body(&[("X", 2)])),
                &[("Idempotency-Key", "racing")],
            )
            .await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        match r.status.as_u16() {
            201 => {
                ids.insert(r.body["id"].as_str().unwrap().to_owned());
            }
            409 => assert_eq!(r.body["code"], "idempotency_key_in_use"),
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(n.b.all_orders().await.len(), 2);
    assert_eq!(n.a.levels("X").await.1, (100, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_one_node_mid_load_loses_no_acknowledged_order() {
    let Some(mut n) = two_nodes("two-nodes-kill").await else { return };
    n.a.location("A", 1).await;
    n.a.product("X", "1.00").await;
    n.a.stock("A", "X", 1_000_000).await;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut workers = Vec::new();
    for w in 0..8 {
        let node = if w % 2 == 0 { n.a.clone() } else { n.b.clone() };
        let (acked, done) = (acked.clone(), done.clone());
        workers.push(tokio::spawn(async move {
            let mut b_failures = 0;
            while Instant::now() < deadline && !done.load(std::sync::atomic::Ordering::Relaxed) {
                let sent = node
                    .client
                    .post(format!("{}/v1/orders", node.base))
                    .bearer_auth(&node.admin)
                    .json(&order_body(&[("X", 1)]))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        let Ok(body) = r.json::<serde_json::Value>().await else { break };
                        acked.lock().unwrap().push(body["id"].as_str().unwrap().to_owned());
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    // The node was killed: this worker stops.
                    Err(_) if w % 2 == 0 => break,
                    Err(e) => {
                        b_failures += 1;
                        assert!(b_failures < 3, "the surviving node failed: {e}");
                    }
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut a = n.children.remove(0);
    a.kill().unwrap();
    a.wait().unwrap();
    let killed_at = acked.lock().unwrap().len();
    // The other node keeps taking orders.
    while acked.lock().unwrap().len() < killed_at + 100 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= killed_at + 100, "the surviving node stopped serving");
    for id in &acked {
        assert_eq!(n.b.get(&format!("/v1/orders/{id}")).await.status, 200, "acknowledged order {id} was lost");
    }
    n.b.assert_stock_consistent(&["X"]).await;
}

/// With `--nodes 2`, each node enforces half of a key's rate limit, so the two together allow
/// what one node would; a key revoked through one node is refused by the other within the
/// key cache's two seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limits_and_revocation_hold_across_nodes() {
    let Some(n) = two_nodes_with("two-nodes-limits", &["--rate-limit", "20", "--nodes", "2"]).await else { return };
    let made = n.a.post("/v1/keys", serde_json::json!({"role": "viewer"})).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let (id, key) = (made.body["id"].as_str().unwrap().to_owned(), made.body["secret"].as_str().unwrap().to_owned());
    // 120 requests at once, half to each node: 20/s with bursts of 40 in all, not per node.
    let started = Instant::now();
    let mut calls = Vec::new();
    for i in 0..120 {
        let (node, key) = (if i % 2 == 0 { n.a.clone() } else { n.b.clone() }, key.clone());
        calls.push(tokio::spawn(
            async move { node.call(&key, Method::GET, "/v1/products", None).await.status.as_u16() },
        ));
    }
    let mut statuses = Vec::new();
    for c in calls {
        statuses.push(c.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(ok + limited, 120, "{statuses:?}");
    let allowed = 40.0 + 20.0 * elapsed + 2.0;
    assert!(
        ok >= 20 && (ok as f64) <= allowed,
        "{ok} served in {elapsed:.2}s across two nodes; at most {allowed:.0} allowed"
    );
    println!(
        "rate limit across two nodes: {ok} of 120 served in {elapsed:.2}s (a limit of 20/s, bursts of 40, in all)"
    );

    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(n.b.call(&key, Method::GET, "/v1/products", None).await.status, 200);
    let revoked = n.a.call(&n.a.admin, Method::POST, &format!("/v1/keys/{id}/revoke"), None).await;
    assert_eq!(revoked.status, 204, "{:?}", revoked.body);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let status = n.b.call(&key, Method::GET, "/v1/products", None).await.status;
        if status == 401 {
            break;
        }
        assert!(Instant::now() < deadline, "the other node still takes the revoked key: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Two nodes send webhooks together: a thousand events reach a receiver that always answers
/// 200 each exactly once, in order per object, though both nodes take deliveries at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_deliver_a_thousand_webhooks_each_once_in_order() {
    use axum::extract::State;
    use axum::http::HeaderMap;
    use serde_json::{Value, json};

    type Taken = Arc<Mutex<Vec<(String, String, i64)>>>;
    async fn take(State(t): State<Taken>, headers: HeaderMap, body: String) -> &'static str {
        let e: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let id = headers.get("ordo-event-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let subject = e["subject"].as_str().unwrap_or("").to_owned();
        t.lock().unwrap().push((id, subject, e["sequence"].as_i64().unwrap_or(0)));
        "ok"
    }
    let Some(n) = two_nodes_with("two-nodes-webhooks", &["--webhooks-allow-private"]).await else { return };
    let taken: Taken = Arc::default();
    let router = axum::Router::new().route("/in", axum::routing::post(take)).with_state(taken.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/in", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    n.a.location("HOOKS", 1).await;
    for i in 0..20 {
        n.a.product(&format!("H-{i}"), "1.00").await;
    }
    let r = n.a.post("/v1/webhooks", json!({"url": url, "events": ["inventory.adjusted"]})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    // A thousand adjustments, half through each node, 20 SKUs (the events' subjects).
    let mut tasks = Vec::new();
    for chunk in 0..10 {
        let node = if chunk % 2 == 0 { n.a.clone() } else { n.b.clone() };
        tasks.push(tokio::spawn(async move {
            for i in 0..100 {
                node.stock("HOOKS", &format!("H-{}", (chunk * 100 + i) % 20), 1).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while taken.lock().unwrap().len() < 1000 {
        assert!(Instant::now() < deadline, "{} of 1000 delivered", taken.lock().unwrap().len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing more arrives: each event was delivered once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let taken = taken.lock().unwrap().clone();
    assert_eq!(taken.len(), 1000, "each event delivered exactly once");
    let ids: std::collections::HashSet<&str> = taken.iter().map(|(id, ..)| id.as_str()).collect();
    assert_eq!(ids.len(), 1000, "no event twice");
    let mut last: std::collections::HashMap<&str, i64> = Default::default();
    for (_, subject, sequence) in &taken {
        let before = last.insert(subject.as_str(), *sequence).unwrap_or(0);
        assert!(*sequence > before, "{subject}: event {sequence} arrived after {before}");
    }
}
