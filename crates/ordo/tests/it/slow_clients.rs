//! Slow and idle clients are cut off, and cannot crowd out the ones being served: a request
//! head not sent in time closes the connection, a body not sent in time is a 408, more
//! connections than allowed are closed on arrival, and 2,000 idle connections do not stop a
//! normal client.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{Engine, TestServer};

fn addr(s: &TestServer) -> String {
    s.base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or `within` passes); what it sent.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

async fn slow_heads_and_bodies_are_cut_off(engine: Engine) {
    let serve = ordo_web::server::ServeConfig { header_timeout: Duration::from_secs(1), ..Default::default() };
    let web = ordo_web::WebConfig { body_timeout: Duration::from_secs(1), ..Default::default() };
    let s = TestServer::start_served(engine, web, serve, |app| app).await;
    // Nothing sent at all.
    let mut silent = TcpStream::connect(addr(&s)).await.unwrap();
    let started = Instant::now();
    assert!(until_closed(&mut silent, Duration::from_secs(5)).await.is_some(), "a silent connection is closed");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    // Part of a request head.
    let mut partial = TcpStream::connect(addr(&s)).await.unwrap();
    partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    assert!(until_closed(&mut partial, Duration::from_secs(5)).await.is_some(), "a partial head is cut off");
    // Idle after one answered request.
    let mut idle = TcpStream::connect(addr(&s)).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answered = until_closed(&mut idle, Duration::from_secs(5)).await.expect("closed once idle");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    // A body that never arrives in full: 408 with a problem document.
    let mut slow = TcpStream::connect(addr(&s)).await.unwrap();
    let head = format!(
        "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\":",
        s.admin
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let answer = until_closed(&mut slow, Duration::from_secs(8)).await.expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout") && answer.contains("application/problem+json"), "{answer}");
    assert_eq!(s.get("/v1/customers").await.body["data"], serde_json::json!([]), "nothing was created");
}

async fn idle_connections_do_not_crowd_out_a_normal_client(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut idle = Vec::new();
    for _ in 0..2000 {
        idle.push(TcpStream::connect(addr(&s)).await.unwrap());
    }
    let started = Instant::now();
    let r = s.get("/v1/orders?limit=1").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "served in {:?} beside 2000 idle connections",
        started.elapsed()
    );
    println!("2000 idle connections open; a normal request answered in {:?}", started.elapsed());
    drop(idle);
}

async fn connections_above_the_cap_are_closed_on_arrival(engine: Engine) {
    let serve = ordo_web::server::ServeConfig { max_connections: 20, ..Default::default() };
    let s = TestServer::start_served(engine, Default::default(), serve, |app| app).await;
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut c = TcpStream::connect(addr(&s)).await.unwrap();
        // Each is really being served (a request answered), so it holds its place.
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        held.push(c);
    }
    let mut extra = TcpStream::connect(addr(&s)).await.unwrap();
    let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let got = until_closed(&mut extra, Duration::from_secs(3)).await.expect("closed at once");
    assert_eq!(got, "", "the 21st connection is closed unanswered");
    drop(held);
    // Places free again once the others have gone.
    let mut ok = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if s.get("/healthz").await.status == 200 {
            ok = true;
            break;
        }
    }
    assert!(ok, "served again after the held connections closed");
}

/// Guessing keys is slowed per client address: after the burst of failures every request
/// from that address is a 429, even with a valid key, until it has waited.
async fn wrong_keys_are_rate_limited_per_address(engine: Engine) {
    let web = ordo_web::WebConfig { bad_key_rate_per_s: 2, ..Default::default() };
    let s = TestServer::start_served(engine, web, Default::default(), |app| app).await;
    for i in 0..10 {
        let r = s.call(&format!("ordo_guess_{i}"), reqwest::Method::GET, "/v1/orders", None).await;
        assert_eq!(r.status, 401, "attempt {i}: {:?}", r.body);
    }
    let r = s.call("ordo_guess_x", reqwest::Method::GET, "/v1/orders", None).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (429, Some("rate_limited")), "{:?}", r.body);
    let r = s.get("/v1/orders").await;
    assert_eq!(r.status, 429, "a valid key from a guessing address waits too: {:?}", r.body);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(s.get("/v1/orders").await.status, 200, "after waiting, the address is served again");
    println!("10 wrong keys answered 401, the 11th 429; served again after 1.1 s");
}

on_both_engines!(
    wrong_keys_are_rate_limited_per_address,
    slow_heads_and_bodies_are_cut_off,
    idle_connections_do_not_crowd_out_a_normal_client,
    connections_above_the_cap_are_closed_on_arrival
);
