//! Crashes at scale: a real `ordo serve` under a stream of orders, killed with SIGKILL at a
//! random moment, many times over one database. After each restart every acknowledged order
//! is there exactly once, and the round's stock adds up: reserved is what the round's orders
//! (acknowledged or not) hold, on hand is untouched, and the ledger explains both.
//!
//! `ORDO_CRASH_ROUNDS` sets the kills per engine (100 by default, as CI runs it; the longer run
//! in BENCHMARKS.md uses 1,000). `ORDO_CRASH_SEED` picks the kill moments; a failure prints
//! both, so it can be run again the same way.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Engine, TestServer, create_admin_key, order_body, start_server, temp_dir};

const STOCK: i64 = 1_000_000;

/// The newest orders, page by page, while they hold `sku` (each round orders its own SKU, so
/// the first order of an older round ends the walk).
async fn round_orders(s: &TestServer, sku: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orders?limit=200&cursor={c}"),
            None => "/v1/orders?limit=200".to_owned(),
        };
        let page = s.get(&path).await.body;
        for order in page["data"].as_array().unwrap() {
            if order["lines"][0]["sku"] != sku {
                return out;
            }
            out.push(order.clone());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn a_hundred_sigkills_under_load_lose_nothing_acknowledged(engine: Engine) {
    let rounds: usize = std::env::var("ORDO_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let seed: u64 = std::env::var("ORDO_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let dir = temp_dir("crash");
    let db = engine.fresh_url(&dir);
    let admin = create_admin_key(&db);
    let (mut child, base) = start_server(&db);
    let mut s = Arc::new(TestServer::attach(base, admin.clone(), dir.clone()));
    s.location("A", 1).await;
    let (mut acknowledged, mut unacknowledged, mut rng) = (0usize, 0usize, seed.wrapping_mul(6364136223846793005) | 1);
    let started = Instant::now();
    for round in 0..rounds {
        let context = format!("{engine:?} round {round} of {rounds}, ORDO_CRASH_SEED={seed}");
        let sku = format!("R{round}");
        s.product(&sku, "1.00").await;
        s.stock("A", &sku, STOCK).await;
        // Clients order one or two units each until the server is gone.
        let acked: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
        let mut clients = Vec::new();
        for c in 0..8i64 {
            let (s, acked, sku) = (s.clone(), acked.clone(), sku.clone());
            clients.push(tokio::spawn(async move {
                for n in 0.. {
                    let quantity = 1 + (c + n) % 2;
                    let sent = s
                        .client
                        .post(format!("{}/v1/orders", s.base))
                        .bearer_auth(&s.admin)
                        .json(&order_body(&[(&sku, quantity)]))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 201 => match r.json::<Value>().await {
                            Ok(body) => acked.lock().unwrap().push((body["id"].as_str().unwrap().to_owned(), quantity)),
                            Err(_) => return,
                        },
                        Ok(r) => panic!("unexpected status {}", r.status()),
                        Err(_) => return,
                    }
                }
            }));
        }
        // Killed at a moment the seed picks, 50 to 300 ms into the stream.
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        tokio::time::sleep(Duration::from_millis(50 + (rng >> 33) % 250)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();

        let (next, base) = start_server(&db);
        child = next;
        s = Arc::new(TestServer::attach(base, admin.clone(), dir.clone()));
        // A transaction the killed process had already asked to commit may still finish on
        // PostgreSQL after the restart: read until the round's orders and its stock agree or
        // a few seconds have passed (a reservation without its order never settles).
        // A transaction whose commit the dying server had already sent may still land after
        // the restart: the orders, the level and the ledger are read until one reading of all
        // three agrees, the orders read again around them.
        let mut settled = None;
        for _ in 0..30 {
            let orders = round_orders(&s, &sku).await;
            let held: i64 = orders.iter().map(|o| o["lines"][0]["quantity"].as_i64().unwrap()).sum();
            let (levels, totals) = s.levels(&sku).await;
            let ledger = s.ledger(&sku).await;
            let sums = ledger.iter().fold((0, 0), |(h, r), m| {
                (h + m["on_hand_delta"].as_i64().unwrap(), r + m["reserved_delta"].as_i64().unwrap())
            });
            let again = round_orders(&s, &sku).await.len();
            let stable = again == orders.len() && totals == (STOCK, held) && sums == totals;
            settled = Some((orders, held, levels, totals, sums));
            if stable {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (orders, held, levels, (on_hand, reserved), sums) = settled.unwrap();
        let ids: HashSet<&str> = orders.iter().map(|o| o["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), orders.len(), "{context}: an order is there twice");
        for (id, _) in &acked {
            assert!(ids.contains(id.as_str()), "{context}: acknowledged order {id} was lost");
        }
        assert_eq!((on_hand, reserved), (STOCK, held), "{context}: {levels:?}");
        assert_eq!(sums, (on_hand, reserved), "{context}: the ledger does not explain the level");
        acknowledged += acked.len();
        unacknowledged += orders.len() - acked.len();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let name = if matches!(engine, Engine::Sqlite) { "SQLite" } else { "PostgreSQL" };
    println!(
        "crash test ({name}): {rounds} SIGKILLs in {:.0?}, {acknowledged} orders acknowledged and every one found after its restart, \
         {unacknowledged} committed as the server died (kept, none twice), stock and ledger exact each round (seed {seed})",
        started.elapsed()
    );
}

on_both_engines!(a_hundred_sigkills_under_load_lose_nothing_acknowledged);
