//! Shared server state: the application, configuration, and per-process helpers (key cache,
//! rate limiter, in-flight idempotency keys, metrics) that never decide anything durable.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ordo_app::{Actor, App};

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Requests running longer are answered with 503 `timeout`.
    pub request_timeout: Duration,
    /// A body not received in full within this time is answered with 408 `body_timeout`.
    pub body_timeout: Duration,
    /// Requests per second per API key; 0 turns the limit off.
    pub rate_limit_per_s: u32,
    /// Requests a key may send in a burst above the steady rate.
    pub rate_limit_burst: u32,
    /// How long a verified key is trusted before it is looked up again.
    pub key_cache_ttl: Duration,
    /// Requests with a missing or wrong key allowed per second from one client address
    /// (bursts of five times that); above it, every request from there is a 429 until the
    /// address has waited, valid key or not, so that guessing keys gets nowhere. 0 = off.
    pub bad_key_rate_per_s: u32,
}

impl WebConfig {
    /// This node's share of the per-key and per-address limits when `nodes` share them: each
    /// limit divided among the nodes (rounded up, and never to zero, which would turn it off),
    /// so that together they allow what one node would.
    pub fn split_limits(&mut self, nodes: u32) {
        let share = |limit: u32| if limit == 0 { 0 } else { limit.div_ceil(nodes.max(1)).max(1) };
        self.rate_limit_per_s = share(self.rate_limit_per_s);
        self.rate_limit_burst = share(self.rate_limit_burst);
        self.bad_key_rate_per_s = share(self.bad_key_rate_per_s);
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(15),
            rate_limit_per_s: 10_000,
            rate_limit_burst: 20_000,
            key_cache_ttl: Duration::from_secs(2),
            bad_key_rate_per_s: 20,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub keys: Arc<KeyCache>,
    pub limiter: Arc<RateLimiter>,
    /// Failed authentications, by client address.
    pub bad_keys: Arc<RateLimiter>,
    pub in_flight: Arc<Mutex<HashSet<(String, String)>>>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState {
            app,
            keys: Arc::new(KeyCache::new(config.key_cache_ttl)),
            limiter: Arc::new(RateLimiter::new(config.rate_limit_per_s, config.rate_limit_burst)),
            bad_keys: Arc::new(RateLimiter::new(
                config.bad_key_rate_per_s,
                config.bad_key_rate_per_s.saturating_mul(5),
            )),
            config: Arc::new(config),
            in_flight: Arc::new(Mutex::new(HashSet::new())),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// Verified keys by secret hash, for a short time, so each request need not read the key
/// table. A revocation through this process clears the cache at once; through another
/// process it takes effect within the TTL.
pub struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Actor, Instant)>>,
}

impl KeyCache {
    fn new(ttl: Duration) -> KeyCache {
        KeyCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, hash: &str) -> Option<Actor> {
        let entries = self.entries.lock().ok()?;
        entries.get(hash).filter(|(_, at)| at.elapsed() < self.ttl).map(|(a, _)| a.clone())
    }

    pub fn put(&self, hash: String, actor: Actor) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.clear();
            }
            entries.insert(hash, (actor, Instant::now()));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

/// A token bucket per key.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    fn new(rate: u32, burst: u32) -> RateLimiter {
        RateLimiter { rate: rate as f64, burst: burst.max(rate).max(1) as f64, buckets: Mutex::new(HashMap::new()) }
    }

    /// `Ok` if the key may send a request now, otherwise the seconds to wait.
    pub fn check(&self, key_id: &str) -> Result<(), u64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // Forget whoever has been quiet long enough to be full again.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (t, at)| *t + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, last) = buckets.entry(key_id.to_owned()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }

    /// The seconds to wait if `key` has nothing left now, without taking anything.
    pub fn exhausted(&self, key: &str) -> Option<u64> {
        if self.rate <= 0.0 {
            return None;
        }
        let buckets = self.buckets.lock().ok()?;
        let (tokens, last) = buckets.get(key)?;
        let tokens = (*tokens + last.elapsed().as_secs_f64() * self.rate).min(self.burst);
        (tokens < 1.0).then(|| ((1.0 - tokens) / self.rate).ceil().max(1.0) as u64)
    }
}

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub requests: [AtomicU64; 6],
    pub duration_us_total: AtomicU64,
    pub orders_created: AtomicU64,
    pub orders_rejected_stock: AtomicU64,
}

impl Metrics {
    pub fn record(&self, status: u16, elapsed: Duration) {
        let class = (status / 100).clamp(1, 5) as usize;
        self.requests[class].fetch_add(1, Ordering::Relaxed);
        self.duration_us_total.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }
}
