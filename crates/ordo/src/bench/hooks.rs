//! The load generator's webhook receiver (`--webhook-subscriptions N`): a local HTTP server
//! that takes Ordo's deliveries, and N subscriptions to `order.created` pointing at it. After
//! the load it waits for the deliveries to stop coming and reports how many arrived, how fast,
//! and whether each accepted order's event arrived exactly once per subscription. The server
//! must allow private webhook targets (`--webhooks-allow-private`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::json;

use super::Api;

/// What the receiver took: each (subscription's URL path, event id) and when.
#[derive(Default)]
struct Taken {
    by_event: HashMap<(String, String), u32>,
    /// Receipt times, in arrival order.
    at: Vec<Instant>,
}

pub struct Receiver {
    taken: Arc<Mutex<Taken>>,
    base: String,
}

async fn take(
    State(t): State<Arc<Mutex<Taken>>>,
    axum::extract::Path(sub): axum::extract::Path<String>,
    headers: HeaderMap,
) -> &'static str {
    let id = headers.get("ordo-event-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
    *t.by_event.entry((sub, id)).or_default() += 1;
    t.at.push(Instant::now());
    "ok"
}

/// What the deliveries came to.
pub struct Delivered {
    pub subscriptions: usize,
    pub received: usize,
    /// Deliveries per second from the first to the last, and in the busiest second.
    pub rate: f64,
    pub peak: usize,
    /// Seconds from the end of the load until the last delivery.
    pub drained_after: f64,
    /// Events delivered more than once to a subscription, and accepted orders' events not
    /// delivered.
    pub duplicates: usize,
    pub missing: i64,
}

impl Receiver {
    /// Starts the receiver on a thread of its own at the lowest CPU priority: it stands in for
    /// a receiver on another machine, so that its work takes no share of the cores from the
    /// load or the server while they are busy.
    pub async fn start() -> anyhow::Result<Receiver> {
        let taken: Arc<Mutex<Taken>> = Arc::default();
        let router = axum::Router::new().route("/hooks/{sub}", axum::routing::post(take)).with_state(taken.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding the webhook receiver")?;
        listener.set_nonblocking(true)?;
        let base = format!("http://{}", listener.local_addr()?);
        std::thread::Builder::new().name("bench-receiver".into()).spawn(move || {
            crate::background::lowest_priority();
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                    let _ = axum::serve(listener, router).await;
                }
            });
        })?;
        Ok(Receiver { taken, base })
    }

    /// Makes `n` subscriptions to `order.created`, each to a path of its own.
    pub async fn subscribe(&self, api: &Api, n: usize, prefix: &str) -> anyhow::Result<()> {
        for i in 0..n {
            let body = json!({"url": format!("{}/hooks/{prefix}-{i}", self.base), "events": ["order.created"],
                "description": format!("ordo bench {prefix}")});
            api.send(reqwest::Method::POST, "/v1/webhooks", Some(&body)).await.context("subscribing the receiver")?;
        }
        Ok(())
    }

    /// Waits (at most `patience`) until `expected` deliveries arrived or none came for 3 s.
    pub async fn settle(
        &self,
        subscriptions: usize,
        accepted: u64,
        load_end: Instant,
        patience: Duration,
    ) -> Delivered {
        let expected = accepted as usize * subscriptions;
        let deadline = Instant::now() + patience;
        let mut seen = 0;
        let mut quiet_since = Instant::now();
        loop {
            let now_seen = self.taken.lock().map(|t| t.at.len()).unwrap_or(0);
            if now_seen != seen {
                seen = now_seen;
                quiet_since = Instant::now();
            }
            if seen >= expected || quiet_since.elapsed() > Duration::from_secs(3) || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let t = self.taken.lock().unwrap_or_else(|e| e.into_inner());
        let (first, last) = (t.at.first().copied(), t.at.last().copied());
        let span = match (first, last) {
            (Some(a), Some(b)) => b.duration_since(a).as_secs_f64().max(0.001),
            _ => 1.0,
        };
        let mut per_second: HashMap<u64, usize> = HashMap::new();
        if let Some(a) = first {
            for at in &t.at {
                *per_second.entry(at.duration_since(a).as_secs()).or_default() += 1;
            }
        }
        Delivered {
            subscriptions,
            received: t.at.len(),
            rate: t.at.len() as f64 / span,
            peak: per_second.values().copied().max().unwrap_or(0),
            drained_after: last.map_or(0.0, |l| l.saturating_duration_since(load_end).as_secs_f64()),
            duplicates: t.by_event.values().filter(|n| **n > 1).count(),
            missing: expected as i64 - t.by_event.len() as i64,
        }
    }
}
