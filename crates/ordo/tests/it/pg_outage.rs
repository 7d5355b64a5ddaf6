//! Losing PostgreSQL: requests fail cleanly with 503 and a problem document, `/readyz` says
//! so, and the server serves again once the database is back, without a restart.
//! Runs when the test environment says how to stop and start the database
//! (`ORDO_TEST_PG_STOP`, `ORDO_TEST_PG_START`, set by `scripts/test.sh`). It takes the shared
//! database away from everything else for a moment, so it waits until no other test is on
//! PostgreSQL and holds the others back until the database is up again.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Engine, TestServer, create_admin_key, order_body, postgres_alone, start_server, temp_dir};

fn run(command: &str) {
    let status = Command::new("sh").arg("-c").arg(command).status().unwrap();
    assert!(status.success(), "{command} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_fail_with_503_while_postgres_is_down_and_succeed_once_it_is_back() {
    let Some(engine) = Engine::postgres() else { return };
    let (Ok(stop), Ok(start)) = (std::env::var("ORDO_TEST_PG_STOP"), std::env::var("ORDO_TEST_PG_START")) else {
        eprintln!("ORDO_TEST_PG_STOP/START are not set: the outage test did not run");
        return;
    };
    let _alone = postgres_alone().await;
    let dir = temp_dir("outage");
    let url = engine.fresh_url(&dir);
    let admin = create_admin_key(&url);
    let (mut child, base) = start_server(&url);
    let s = TestServer::attach(base, admin, dir);
    s.location("A", 1).await;
    s.product("X", "1.00").await;
    s.stock("A", "X", 100).await;
    assert_eq!(s.post("/v1/orders", order_body(&[("X", 1)])).await.status, 201);

    run(&stop);
    let outage = async {
        for path in ["/v1/orders", "/v1/inventory/X"] {
            let r = s.get(path).await;
            assert_eq!(r.status, 503, "GET {path}: {:?}", r.body);
            assert_eq!(r.headers["content-type"], "application/problem+json");
        }
        let r = s.post("/v1/orders", order_body(&[("X", 1)])).await;
        assert_eq!(r.status, 503, "{:?}", r.body);
        assert_eq!(r.body["code"], "service_unavailable");
        assert!(r.headers.get("retry-after").is_some());
        let ready = s.client.get(format!("{}/readyz", s.base)).send().await.unwrap();
        assert_eq!(ready.status(), 503);
        assert_eq!(s.client.get(format!("{}/healthz", s.base)).send().await.unwrap().status(), 200);
    };
    // Whatever the assertions say, the database comes back for the tests that follow.
    let checked = tokio::time::timeout(Duration::from_secs(60), outage).await;
    run(&start);
    checked.expect("requests during the outage were answered in time");

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = s.post("/v1/orders", order_body(&[("X", 1)])).await;
        if r.status == 201 {
            break;
        }
        assert_eq!(r.status, 503, "{:?}", r.body);
        assert!(Instant::now() < deadline, "the server did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = s.client.get(format!("{}/readyz", s.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(s.levels("X").await.1, (100, 2));
    s.assert_stock_consistent(&["X"]).await;
    child.kill().unwrap();
    child.wait().unwrap();
}
