//! Durability: a server killed with SIGKILL in the middle of a stream of orders loses none
//! that it acknowledged, and its stock still adds up after a restart.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Engine, ORDO, TestServer, create_admin_key, order_body, start_server, temp_dir};

async fn every_acknowledged_order_survives_a_sigkill(engine: Engine) {
    let dir = temp_dir("durability");
    let db = engine.fresh_url(&dir);
    let admin = create_admin_key(&db);
    let (mut child, base) = start_server(&db);
    let s = Arc::new(TestServer::attach(base, admin.clone(), dir.clone()));
    s.location("A", 1).await;
    s.location("B", 2).await;
    s.product("X", "1.00").await;
    s.product("Y", "1.00").await;
    for loc in ["A", "B"] {
        s.stock(loc, "X", 100_000).await;
        s.stock(loc, "Y", 100_000).await;
    }

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut workers = Vec::new();
    for w in 0..16 {
        let (s, acked) = (s.clone(), acknowledged.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let lines: &[(&str, i64)] = if (w + n).is_multiple_of(2) { &[("X", 1), ("Y", 2)] } else { &[("X", 3)] };
                n += 1;
                let sent = s
                    .client
                    .post(format!("{}/v1/orders", s.base))
                    .bearer_auth(&s.admin)
                    .json(&order_body(lines))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        let body: serde_json::Value = match r.json().await {
                            Ok(b) => b,
                            Err(_) => break,
                        };
                        acked.lock().unwrap().push(body["id"].as_str().unwrap().to_owned());
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break,
                }
            }
        }));
    }
    // Let a stream build up, then kill the server in the middle of it.
    while acknowledged.lock().unwrap().len() < 300 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 300, "only {} orders before the deadline", acked.len());

    let (mut child, base) = start_server(&db);
    let s = TestServer::attach(base, admin, dir);
    for id in &acked {
        let r = s.get(&format!("/v1/orders/{id}")).await;
        assert_eq!(r.status, 200, "acknowledged order {id} was lost");
    }
    let all = s.all_orders().await;
    assert!(all.len() >= acked.len());
    s.assert_stock_consistent(&["X", "Y"]).await;
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn the_cli_prints_the_new_key_alone_on_its_last_line() {
    let dir = temp_dir("cli");
    let db = dir.join("ordo.db").to_string_lossy().into_owned();
    let key = create_admin_key(&db);
    assert!(key.starts_with("ordo_") && !key.contains(' '));
    let out =
        Command::new(ORDO).args(["keys", "list", "--database"]).arg(&db).env("ORDO_LOG", "warn").output().unwrap();
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.contains("admin") && !listing.contains(&key), "keys list never shows secrets");
    let bad = Command::new(ORDO)
        .args(["keys", "create", "--role", "channel", "--database"])
        .arg(&db)
        .env("ORDO_LOG", "warn")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("channel"));
}

on_both_engines!(every_acknowledged_order_survives_a_sigkill);
