//! Backups: `ordo backup` copies a SQLite database while orders keep arriving, and the copy
//! holds every order acknowledged before it began; `ordo restore` checks a copy and puts it
//! in place, refusing a damaged one or an occupied destination.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{TestServer, create_admin_key, order_body, ordo_cli, start_server, temp_dir};

fn ordo(args: &[&str]) -> (bool, String) {
    ordo_cli(args, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_restores_every_order_acknowledged_before_it() {
    let dir = temp_dir("backup");
    let db = dir.join("live.db").to_string_lossy().into_owned();
    let (ok, out) = ordo(&["demo", "--database", &db]);
    assert!(ok, "{out}");
    let admin = create_admin_key(&db);
    let (mut child, base) = start_server(&db);
    let s = Arc::new(TestServer::attach(base, admin.clone(), dir.clone()));

    let skus = ["SOCK-WOOL", "LAMP-HEAD", "BAG-0C", "TENT-2P"];
    for location in s.all("/v1/locations").await {
        for sku in skus {
            s.stock(location["code"].as_str().unwrap(), sku, 100_000).await;
        }
    }
    // Four clients place orders until told to stop; each acknowledged id is kept.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (s, acked, stop) = (s.clone(), acked.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = s.post("/v1/orders", order_body(&[(skus[(c + n) % skus.len()], 1)])).await;
                assert_eq!(r.status, 201, "{:?}", r.body);
                acked.lock().unwrap().push(r.body["id"].as_str().unwrap().to_owned());
                n += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before: Vec<String> = acked.lock().unwrap().clone();
    let copy = dir.join("copy.db").to_string_lossy().into_owned();
    let started = Instant::now();
    let (ok, out) = {
        let (db, copy) = (db.clone(), copy.clone());
        tokio::task::spawn_blocking(move || ordo(&["backup", "--database", &db, &copy])).await.unwrap()
    };
    let took = started.elapsed();
    assert!(ok, "{out}");
    assert!(out.contains("checked: integrity ok") && out.contains(" orders, "), "{out}");
    // Writes went on while the copy was taken, and after.
    let during = acked.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let after = acked.lock().unwrap().len();
    assert!(after > during && during >= before.len(), "orders kept arriving: {} {during} {after}", before.len());
    child.kill().unwrap();
    child.wait().unwrap();

    // A backup never overwrites; a restore never lands on a database without --replace,
    // and a damaged copy is refused with the destination untouched.
    let (ok, out) = ordo(&["backup", "--database", &db, &copy]);
    assert!(!ok && out.contains("exists already"), "{out}");
    let (ok, out) = ordo(&["restore", "--database", &db, &copy]);
    assert!(!ok && out.contains("--replace"), "{out}");
    let damaged = dir.join("damaged.db");
    let mut bytes = std::fs::read(&copy).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&damaged, &bytes).unwrap();
    let restored = dir.join("restored.db").to_string_lossy().into_owned();
    let (ok, out) = ordo(&["restore", "--database", &restored, damaged.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(!std::path::Path::new(&restored).exists(), "a refused restore writes nothing");
    let (ok, out) = ordo(&["backup", "--database", "postgres://localhost/ordo", dir.join("pg.db").to_str().unwrap()]);
    assert!(!ok && out.contains("pg_dump"), "{out}");

    let (ok, out) = ordo(&["restore", "--database", &restored, &copy]);
    assert!(ok, "{out}");
    let (mut child, base) = start_server(&restored);
    let s = TestServer::attach(base, admin, dir.clone());
    let orders: std::collections::HashSet<String> =
        s.all_orders().await.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    let missing: Vec<&String> = before.iter().filter(|id| !orders.contains(*id)).collect();
    assert!(missing.is_empty(), "{} of {} acknowledged orders missing from the backup", missing.len(), before.len());
    s.assert_stock_consistent(&skus).await;
    println!(
        "backup under load: {} orders acknowledged before it began, all restored; the copy took {took:?}, and {} more orders arrived during and after it",
        before.len(),
        after - before.len()
    );
    // The restored database takes new orders after the restored ones.
    assert_eq!(s.post("/v1/orders", order_body(&[("SOCK-WOOL", 1)])).await.status, 201);
    child.kill().unwrap();
    child.wait().unwrap();
}
