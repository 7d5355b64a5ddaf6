//! Moving up: `ordo migrate --from` copies a SQLite database with its whole history into an
//! empty PostgreSQL one, verifies it, and Ordo carries on from there.

use std::process::Command;

use crate::common::{Engine, ORDO, TestServer, create_admin_key, order_body, postgres_shared, start_server, temp_dir};

fn ordo(args: &[&str]) -> std::process::Output {
    Command::new(ORDO).args(args).env("ORDO_LOG", "warn").output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sqlite_database_moves_into_postgres_with_its_history() {
    let Some(engine) = Engine::postgres() else { return };
    let _shared = postgres_shared().await;
    let dir = temp_dir("move-up");
    let sqlite = dir.join("old.db").to_string_lossy().into_owned();
    let demo = ordo(&["demo", "--database", &sqlite]);
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let pg = engine.fresh_url(&dir);

    let copy = ordo(&["migrate", "--from", &sqlite, "--database", &pg]);
    let out = String::from_utf8_lossy(&copy.stdout);
    assert!(copy.status.success(), "{out}{}", String::from_utf8_lossy(&copy.stderr));
    assert!(out.contains("copied orders: 665 rows") && out.contains("verified: row counts match"), "{out}");

    // A second copy into the now non-empty database is refused and changes nothing.
    let again = ordo(&["migrate", "--from", &sqlite, "--database", &pg]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty destination"));

    // The same orders, stock and ledger are there, and new work continues after them.
    let before = {
        let admin = create_admin_key(&sqlite);
        let (mut child, base) = start_server(&sqlite);
        let s = TestServer::attach(base, admin, dir.clone());
        let orders = s.all_orders().await;
        let levels = s.levels("TENT-2P").await;
        child.kill().unwrap();
        child.wait().unwrap();
        (orders, levels)
    };
    let admin = create_admin_key(&pg);
    let (mut child, base) = start_server(&pg);
    let s = TestServer::attach(base, admin, dir);
    let orders = s.all_orders().await;
    assert_eq!(orders, before.0);
    assert_eq!(s.levels("TENT-2P").await, before.1);
    let skus = ["TENT-2P", "BAG-0C", "LAMP-HEAD", "BOOT-42", "CHAIR-CAMP"];
    s.assert_stock_consistent(&skus).await;
    let highest = orders.iter().map(|o| o["number"].as_i64().unwrap()).max().unwrap();
    let r = s.post("/v1/orders", order_body(&[("SOCK-WOOL", 1)])).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(r.body["number"].as_i64().unwrap() > highest);
    let timeline = s.get(&format!("/v1/orders/{}/events", r.body["id"].as_str().unwrap())).await;
    assert_eq!(timeline.body["data"].as_array().unwrap().len(), 2);
    s.assert_stock_consistent(&["SOCK-WOOL"]).await;
    child.kill().unwrap();
    child.wait().unwrap();
}
