//! The audit log: every change with the key that made it and the client's address, chained
//! by hash; `GET /v1/audit` lists and filters it for admins, and `ordo audit verify` finds the
//! first entry changed in the database behind Ordo's back.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{
    Engine, TestServer, create_admin_key, demo_database, order_body, ordo_cli, start_server, temp_dir,
};

/// Polls the audit log until every entry in it is chained; its entries.
async fn chained(s: &TestServer, query: &str) -> Vec<Value> {
    for _ in 0..200 {
        let path = if query.is_empty() { "/v1/audit".to_owned() } else { format!("/v1/audit?{query}") };
        let entries = s.all(&path).await;
        if !entries.is_empty() && entries.iter().all(|e| e["hash"].is_string()) {
            return entries;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the audit log was never chained: {:?}", s.get(&format!("/v1/audit?{query}")).await.body);
}

async fn every_change_is_in_the_audit_log_with_its_key_and_address(engine: Engine) {
    let s = TestServer::start_app(engine, ordo_web::WebConfig::default(), |app| {
        std::mem::forget(app.spawn_auditor(std::time::Duration::from_millis(50)));
        app
    })
    .await;
    s.location("A", 1).await;
    s.product("X", "10.00").await;
    s.stock("A", "X", 10).await;
    let made = s.post("/v1/keys", json!({"role": "operator", "name": "desk"})).await;
    let (operator_id, operator) =
        (made.body["id"].as_str().unwrap().to_owned(), made.body["secret"].as_str().unwrap().to_owned());
    let customer =
        s.post("/v1/customers", json!({"email": "audit@example.com"})).await.body["id"].as_str().unwrap().to_owned();
    let grant = s
        .call(
            &operator,
            Method::POST,
            &format!("/v1/customers/{customer}/store-credit"),
            Some(json!({"amount": {"amount": "25.00", "currency": "USD"}})),
        )
        .await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    let order = s.post("/v1/orders", order_body(&[("X", 1)])).await;
    assert_eq!(order.status, 201);

    // The operator's grant: its key, its address, the change, and a link.
    let grants = chained(&s, &format!("actor={operator_id}")).await;
    assert_eq!(grants.len(), 1, "{grants:?}");
    let g = &grants[0];
    assert_eq!((g["action"].as_str(), g["object"].is_string()), (Some("balance.changed"), true), "{g}");
    assert_eq!(g["address"], "127.0.0.1");
    assert_eq!(g["hash"].as_str().unwrap().len(), 64);
    assert_eq!(g["change"]["amount"], 2500, "{g}");

    // Everything the admin did is there too, in order, each with its own link; filters by
    // object and action narrow it; only admins read it.
    let all = chained(&s, "").await;
    let sequences: Vec<i64> = all.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let order_id = order.body["id"].as_str().unwrap();
    let about = s.all(&format!("/v1/audit?object={order_id}")).await;
    assert!(!about.is_empty() && about.iter().all(|e| e["object"] == order_id), "{about:?}");
    let created = s.all(&format!("/v1/audit?object={order_id}&action=order.created")).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert!(created[0]["actor"].as_str().unwrap().starts_with("key_") && created[0]["actor"] != operator_id.as_str());
    let page = s.get("/v1/audit?limit=2").await.body;
    let next = s.get(&format!("/v1/audit?limit=2&cursor={}", page["next_cursor"].as_str().unwrap())).await.body;
    assert!(next["data"][0]["sequence"].as_i64() > page["data"][1]["sequence"].as_i64());
    let future = s.get("/v1/audit?from=2999-01-01T00:00:00Z").await.body;
    assert_eq!(future["data"].as_array().unwrap().len(), 0);
    assert_eq!(s.call(&operator, Method::GET, "/v1/audit", None).await.status, 403);
    assert_eq!(s.get("/v1/audit?from=yesterday").await.status, 400);
}

on_both_engines!(every_change_is_in_the_audit_log_with_its_key_and_address);

fn verify(db: &str) -> (bool, String) {
    ordo_cli(&["audit", "verify", "--database", db], &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_the_first_entry_changed_in_the_database() {
    let dir = temp_dir("audit-verify");
    let db = demo_database(&dir);
    let admin = create_admin_key(&db);
    let (mut child, base) = start_server(&db);
    let s = TestServer::attach(base, admin, dir.clone());
    for _ in 0..5 {
        assert_eq!(s.post("/v1/orders", order_body(&[("SOCK-WOOL", 1)])).await.status, 201);
    }
    let entries = chained(&s, "").await;
    child.kill().unwrap();
    child.wait().unwrap();
    let (ok, out) = verify(&db);
    assert!(ok, "{out}");
    assert!(out.contains("the chain holds") && out.contains(&format!("{} entries verified", entries.len())), "{out}");
    println!("audit verify: {} entries verified", entries.len());

    // One event's payload edited in place (a digit changed: the first entry from the middle on
    // whose payload has a 1): verify names exactly that entry.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let data =
        |seq: i64| -> String { conn.query_row("SELECT data FROM events WHERE seq = ?1", [seq], |r| r.get(0)).unwrap() };
    let target = entries[entries.len() / 2..]
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .find(|seq| data(*seq).contains('1'))
        .expect("a payload with a 1 in it");
    let original = data(target);
    conn.execute("UPDATE events SET data = ?1 WHERE seq = ?2", (original.replacen('1', "2", 1), target)).unwrap();
    let (ok, out) = verify(&db);
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("entry {target} is broken")), "{out}");
    // Put back, the chain holds again; a deleted link or a deleted event is found too.
    conn.execute("UPDATE events SET data = ?1 WHERE seq = ?2", (&original, target)).unwrap();
    assert!(verify(&db).0);
    conn.execute("DELETE FROM audit_chain WHERE seq = ?1", [target]).unwrap();
    let (ok, out) = verify(&db);
    assert!(!ok && out.contains(&format!("entry {target} is broken")), "{out}");
    let later = entries[entries.len() - 2]["sequence"].as_i64().unwrap();
    conn.execute("DELETE FROM events WHERE seq = ?1", [later]).unwrap();
    let (ok, out) = verify(&db);
    assert!(!ok && out.contains(&format!("entry {target} is broken")), "the first break is named first: {out}");
}
