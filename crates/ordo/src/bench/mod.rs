//! The load generator (`ordo bench`): sets up its own locations, products and stock through the API,
//! places orders closed-loop or on an open-loop schedule, reports throughput and latency, and checks
//! afterwards that no unit was oversold.
//!
//! Human-readable lines come first; the last line of stdout is one JSON object for scripts.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Args;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

mod hooks;
mod mail;
mod shopify;
mod verdict;
use verdict::{report, verify};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Base URL of a running Ordo server; several, separated by commas, share the orders
    /// round-robin (nodes of one deployment). Setup and checks use the first.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// An admin API key.
    #[arg(long, env = "ORDO_KEY")]
    pub key: String,
    /// Most requests in flight: the number of closed-loop workers, or the open-loop cap.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds of timed load.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// `uniform`: 1 to --lines-max lines over --skus well-stocked SKUs; `flash`: one unit of one hot
    /// SKU per order, with only --stock units to sell; `shopify`: uniform orders as Shopify's
    /// signed `orders/create` webhooks to a channel of kind shopify (stock at the first location).
    #[arg(long, default_value = "uniform", value_parser = ["uniform", "flash", "shopify"])]
    pub scenario: String,
    /// Orders started per second on a fixed schedule (open loop). Without it, each worker sends its
    /// next order as soon as the previous one is answered (closed loop).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Catalogue size of the uniform scenario.
    #[arg(long, default_value_t = 200)]
    pub skus: usize,
    /// Most lines per order in the uniform scenario.
    #[arg(long, default_value_t = 5)]
    pub lines_max: usize,
    /// Units of each SKU at each location in the uniform scenario.
    #[arg(long, default_value_t = 1_000_000)]
    pub stock_per_location: i64,
    /// Units of the hot SKU in the flash scenario, split across 3 locations.
    #[arg(long, default_value_t = 5000)]
    pub stock: i64,
    /// Warehouses to create (at least 3).
    #[arg(long, default_value_t = 4)]
    pub locations: usize,
    /// Size of the customer email pool orders pick from.
    #[arg(long, default_value_t = 1000)]
    pub customers: usize,
    /// Send a unique `Idempotency-Key` header with every order.
    #[arg(long)]
    pub idempotency: bool,
    /// Subscribe this many webhook receivers (in this process) to `order.created` before the
    /// load, and report their deliveries after it (the server must allow private webhook
    /// targets).
    #[arg(long, default_value_t = 0)]
    pub webhook_subscriptions: usize,
    /// Take the server's customer email on this address (start the server with `--smtp-url
    /// smtp://ADDR`), and report after the load how many messages came and how fast.
    #[arg(long)]
    pub smtp_sink: Option<String>,
}

/// Requests in flight while setting up; enough to be quick without competing with anything.
const SETUP_PARALLELISM: usize = 16;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    validate(&args)?;
    let flash = args.scenario == "flash";
    let urls: Vec<String> =
        args.url.split(',').map(|u| u.trim().trim_end_matches('/').to_owned()).filter(|u| !u.is_empty()).collect();
    let first = urls.first().cloned().unwrap_or_default();
    let api = Arc::new(Api::new(&first, &args.key, args.concurrency)?);
    let clock = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let prefix = format!("B{}", clock.as_millis());
    let seed = clock.as_nanos() as u64;

    let mode = match args.rate {
        Some(r) => format!("open loop at {r} orders/s, at most {} in flight", args.concurrency),
        None => format!("closed loop with {} workers", args.concurrency),
    };
    println!("ordo bench: scenario {}, {mode}, {} s against {}", args.scenario, args.duration, api.base);

    let setup_started = Instant::now();
    let work = setup(&api, &args, &prefix, flash).await.context("setting up the benchmark data")?;
    println!(
        "setup: prefix {prefix}, {} locations, {} products, {} stock adjustments in {:.2} s",
        work.locations.len(),
        work.skus.len(),
        work.adjustments,
        setup_started.elapsed().as_secs_f64()
    );

    let receiver = match args.webhook_subscriptions {
        0 => None,
        n => {
            let r = hooks::Receiver::start().await?;
            r.subscribe(&api, n, &prefix).await?;
            println!("webhooks: {n} subscriptions to order.created, delivered to this process");
            Some(r)
        }
    };
    let sink = match &args.smtp_sink {
        Some(addr) => {
            println!("mail: taking the server's email on {addr}");
            Some(mail::Sink::start(addr).await?)
        }
        None => None,
    };
    let orders_urls = match &work.shopify {
        Some((channel, _)) => urls.iter().map(|u| format!("{u}/v1/channels/{channel}/webhooks")).collect(),
        None => urls.iter().map(|u| format!("{u}/v1/orders")).collect(),
    };
    let ctx = Arc::new(Ctx { client: api.client.clone(), orders_urls, next_url: AtomicUsize::new(0), work });
    let duration = Duration::from_secs(args.duration);
    let started = Instant::now();
    let stats = match args.rate {
        Some(rate) => open_loop(&ctx, rate, duration, args.concurrency, seed).await?,
        None => closed_loop(&ctx, duration, args.concurrency, seed).await?,
    };
    let elapsed = started.elapsed().as_secs_f64();
    let load_end = Instant::now();
    if let Some(sink) = &sink {
        let m = sink.settle(load_end, Duration::from_secs(120)).await;
        println!(
            "mail: {} messages for {} accepted orders, {:.0}/s from first to last (busiest second {}), the last {:.1} s after the load",
            m.messages, stats.accepted, m.rate, m.peak, m.drained_after
        );
    }
    if let Some(r) = &receiver {
        let d = r.settle(args.webhook_subscriptions, stats.accepted, load_end, Duration::from_secs(120)).await;
        println!(
            "webhooks: {} deliveries to {} subscriptions, {:.0}/s from first to last (busiest second {}), \
             the last {:.1} s after the load; {} events twice, {} of the accepted orders' events missing",
            d.received, d.subscriptions, d.rate, d.peak, d.drained_after, d.duplicates, d.missing
        );
        if d.duplicates > 0 || d.missing != 0 {
            bail!("webhooks: {} duplicates and {} missing deliveries", d.duplicates, d.missing);
        }
    }

    let verdict = verify(&api, &ctx.work, &stats).await;
    report(&args, &ctx.work, &stats, elapsed, &verdict);
    verdict.map(|_| ())
}

fn validate(args: &BenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || u32::try_from(args.concurrency).is_err() {
        bail!("--concurrency must be between 1 and {}", u32::MAX);
    }
    if args.duration == 0 {
        bail!("--duration must be at least 1 second");
    }
    if let Some(r) = args.rate
        && !(r.is_finite() && r > 0.0)
    {
        bail!("--rate must be a positive number of orders per second");
    }
    if args.skus == 0 || args.skus > 9999 {
        bail!("--skus must be between 1 and 9999");
    }
    if args.lines_max == 0 {
        bail!("--lines-max must be at least 1");
    }
    if !(3..=99).contains(&args.locations) {
        bail!("--locations must be between 3 and 99");
    }
    if args.stock <= 0 || args.stock_per_location <= 0 {
        bail!("--stock and --stock-per-location must be positive");
    }
    if args.customers == 0 {
        bail!("--customers must be at least 1");
    }
    Ok(())
}

/// The HTTP client used for setup and verification (and shared, pool included, with the load).
struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn new(url: &str, key: &str, concurrency: usize) -> anyhow::Result<Api> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}")).context("the API key is not a valid header")?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(concurrency.max(SETUP_PARALLELISM))
            .tcp_nodelay(true)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .context("building the HTTP client")?;
        Ok(Api { client, base: url.trim_end_matches('/').to_owned() })
    }

    /// Sends a setup or verification request, retrying briefly when the server asks to slow down.
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> anyhow::Result<Vec<u8>> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            let mut req = self.client.request(method.clone(), &url);
            if let Some(b) = body {
                req = req.header(CONTENT_TYPE, "application/json").body(serde_json::to_vec(b)?);
            }
            let resp = req.send().await.with_context(|| format!("{method} {url}"))?;
            let status = resp.status();
            let bytes = resp.bytes().await.with_context(|| format!("{method} {url}: reading the response"))?;
            if status.is_success() {
                return Ok(bytes.to_vec());
            }
            if matches!(status.as_u16(), 429 | 503) && attempt < 10 {
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                continue;
            }
            bail!("{method} {url}: {status}: {}", String::from_utf8_lossy(&bytes));
        }
    }

    /// POSTs every body to `path` with a few requests in flight; the first failure stops the lot.
    async fn post_all(self: &Arc<Self>, path: &'static str, bodies: Vec<Value>) -> anyhow::Result<()> {
        let bodies = Arc::new(bodies);
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..SETUP_PARALLELISM.min(bodies.len()) {
            let (api, bodies, next) = (self.clone(), bodies.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { return anyhow::Ok(()) };
                    if let Err(e) = api.send(reqwest::Method::POST, path, Some(body)).await {
                        next.store(usize::MAX / 2, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }));
        }
        let mut first_error = None;
        for t in tasks {
            if let Err(e) = t.await? {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// What orders look like, and the names the setup created.
struct Workload {
    prefix: String,
    skus: Vec<String>,
    prices: Vec<String>,
    sku_index: HashMap<String, usize>,
    locations: Vec<String>,
    location_index: HashMap<String, usize>,
    lines_max: usize,
    quantity_max: u64,
    customers: usize,
    idempotency: bool,
    /// Units stocked per SKU in total (the flash sale's limit).
    stocked: Vec<i64>,
    adjustments: usize,
    /// The Shopify channel orders arrive on as webhooks, and its webhook secret.
    shopify: Option<(String, String)>,
}

impl Workload {
    /// The body of a random order: Ordo's own, or Shopify's `orders/create` payload with its
    /// lines (SKU index, quantity) when orders arrive as webhooks.
    fn order(&self, rng: &mut Rng) -> (String, Vec<(usize, i64)>) {
        if self.shopify.is_none() {
            return (self.order_body(rng), Vec::new());
        }
        shopify::order(self, rng)
    }

    /// The JSON body of a random order; SKUs, emails and prices need no escaping.
    fn order_body(&self, rng: &mut Rng) -> String {
        let lines = rng.range(1, self.lines_max.min(self.skus.len()) as u64) as usize;
        let mut picked: Vec<usize> = Vec::with_capacity(lines);
        while picked.len() < lines {
            let i = rng.range(0, self.skus.len() as u64 - 1) as usize;
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
        let customer = rng.range(0, self.customers as u64 - 1);
        let mut s = String::with_capacity(256 + 96 * lines);
        let _ = write!(
            s,
            r#"{{"channel":"bench","customer":{{"email":"c{customer}@bench.example","name":"Bench Customer {customer}"}},"currency":"USD","lines":["#
        );
        for (n, &i) in picked.iter().enumerate() {
            let quantity = rng.range(1, self.quantity_max);
            let _ = write!(
                s,
                r#"{}{{"sku":"{}","quantity":{quantity},"unit_price":{{"amount":"{}","currency":"USD"}}}}"#,
                if n == 0 { "" } else { "," },
                self.skus[i],
                self.prices[i]
            );
        }
        let _ = write!(
            s,
            r#"],"shipping_address":{{"line1":"{} Bench Ave","city":"New York","region":"NY","country":"US","postal_code":"10001"}}}}"#,
            customer + 1
        );
        s
    }
}

async fn setup(api: &Arc<Api>, args: &BenchArgs, prefix: &str, flash: bool) -> anyhow::Result<Workload> {
    let shopify = args.scenario == "shopify";
    const SITES: [(&str, &str, &str, f64, f64); 4] = [
        ("Newark", "NJ", "07102", 40.7357, -74.1724),
        ("Chicago", "IL", "60607", 41.8781, -87.6298),
        ("Dallas", "TX", "75201", 32.7767, -96.7970),
        ("Reno", "NV", "89501", 39.5296, -119.8138),
    ];
    let locations: Vec<String> = (1..=args.locations).map(|i| format!("{prefix}-WH{i}")).collect();
    let bodies = locations
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let (city, region, postal_code, lat, lon) = SITES[i % SITES.len()];
            json!({
                "code": code, "name": format!("Bench warehouse {} ({city})", i + 1), "kind": "warehouse",
                "address": {"line1": format!("{} Main St", i + 1), "city": city, "region": region,
                    "postal_code": postal_code, "country": "US"},
                "latitude": lat, "longitude": lon, "ships_orders": true, "priority": i + 1,
            })
        })
        .collect();
    api.post_all("/v1/locations", bodies).await?;

    let (skus, prices): (Vec<String>, Vec<String>) = if flash {
        (vec![format!("{prefix}-HOT")], vec!["49.99".to_owned()])
    } else {
        (1..=args.skus).map(|i| (format!("{prefix}-SKU-{i:04}"), format!("{}.99", 4 + i % 96))).unzip()
    };
    let bodies = skus
        .iter()
        .zip(&prices)
        .map(|(sku, price)| {
            json!({"sku": sku, "name": format!("Bench product {sku}"),
                "price": {"amount": price, "currency": "USD"}, "weight_grams": 250})
        })
        .collect();
    api.post_all("/v1/products", bodies).await?;

    // Flash stock goes to the first three locations only, so allocation has to split across them.
    let mut adjustments = Vec::new();
    let mut stocked = vec![0i64; skus.len()];
    for (s, sku) in skus.iter().enumerate() {
        for (l, location) in locations.iter().enumerate() {
            let delta = if flash {
                if l >= 3 { 0 } else { args.stock / 3 + i64::from((l as i64) < args.stock % 3) }
            } else if shopify {
                // One location, so that every webhook's allocation is known to the checks.
                if l == 0 { args.stock_per_location } else { 0 }
            } else {
                args.stock_per_location
            };
            if delta > 0 {
                stocked[s] += delta;
                adjustments.push(json!({"location": location, "sku": sku, "delta": delta, "reason": "received"}));
            }
        }
    }
    let adjustment_count = adjustments.len();
    api.post_all("/v1/inventory/adjustments", adjustments).await?;
    let channel = format!("{}-shop", prefix.to_ascii_lowercase());
    if shopify {
        let body = json!({"kind": "shopify", "credentials": {"webhook_secret": shopify::SECRET}});
        api.send(reqwest::Method::PUT, &format!("/v1/channels/{channel}"), Some(&body)).await?;
    }

    Ok(Workload {
        prefix: prefix.to_owned(),
        sku_index: skus.iter().enumerate().map(|(i, s)| (s.clone(), i)).collect(),
        location_index: locations.iter().enumerate().map(|(i, l)| (l.clone(), i)).collect(),
        skus,
        prices,
        locations,
        lines_max: if flash { 1 } else { args.lines_max },
        quantity_max: if flash { 1 } else { 3 },
        customers: args.customers,
        idempotency: args.idempotency,
        stocked,
        adjustments: adjustment_count,
        shopify: shopify.then(|| (channel, shopify::SECRET.to_owned())),
    })
}

struct Ctx {
    client: reqwest::Client,
    orders_urls: Vec<String>,
    next_url: AtomicUsize,
    work: Workload,
}

#[derive(Deserialize)]
struct Placed {
    lines: Vec<PlacedLine>,
}

#[derive(Deserialize)]
struct PlacedLine {
    sku: String,
    quantity: i64,
    #[serde(default)]
    allocations: Vec<Allocation>,
}

#[derive(Deserialize)]
struct Allocation {
    location: String,
    quantity: i64,
}

#[derive(Deserialize)]
struct ProblemCode {
    #[serde(default)]
    code: String,
}

enum Outcome {
    Accepted(Duration, Placed),
    Rejected(Duration),
    Failed(String),
}

/// Sends one order as the scenario does: Ordo's own, or a platform's webhook.
async fn send_order(ctx: &Ctx, rng: &mut Rng, key: Option<String>, started: Instant) -> Outcome {
    let (body, lines) = ctx.work.order(rng);
    if ctx.work.shopify.is_some() {
        shopify::deliver(ctx, body, lines, started).await
    } else {
        place(ctx, body, key, started).await
    }
}

/// Places one order; `started` is when it was due, which is earlier than now when the load is open-loop.
async fn place(ctx: &Ctx, body: String, idempotency_key: Option<String>, started: Instant) -> Outcome {
    let n = ctx.next_url.fetch_add(1, Ordering::Relaxed) % ctx.orders_urls.len();
    let mut req = ctx.client.post(&ctx.orders_urls[n]).header(CONTENT_TYPE, "application/json").body(body);
    if let Some(k) = idempotency_key {
        req = req.header("Idempotency-Key", k);
    }
    let (status, bytes) = match exchange(req).await {
        Ok(answer) => answer,
        Err(kind) => return Outcome::Failed(kind),
    };
    let latency = started.elapsed();
    match status {
        201 => match serde_json::from_slice::<Placed>(&bytes) {
            Ok(p) => Outcome::Accepted(latency, p),
            Err(_) => Outcome::Failed("201 with an unreadable body".to_owned()),
        },
        409 => match serde_json::from_slice::<ProblemCode>(&bytes) {
            Ok(p) if p.code == "insufficient_stock" => Outcome::Rejected(latency),
            Ok(p) => Outcome::Failed(format!("409 {}", p.code)),
            Err(_) => Outcome::Failed("409 with an unreadable body".to_owned()),
        },
        s => Outcome::Failed(format!("HTTP {s}")),
    }
}

/// Sends a request and reads its answer: the status and the body, or what went wrong.
async fn exchange(req: reqwest::RequestBuilder) -> Result<(u16, axum::body::Bytes), String> {
    let resp = req.send().await.map_err(|e| transport_error(&e))?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.map_err(|e| transport_error(&e))?;
    Ok((status, bytes))
}

fn transport_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".to_owned()
    } else if e.is_connect() {
        "connect failed".to_owned()
    } else {
        "transport error".to_owned()
    }
}

/// Counts of one worker, or of the whole run once merged.
struct Stats {
    latencies_us: Vec<u32>,
    accepted: u64,
    rejected: u64,
    errors: u64,
    dropped: u64,
    error_kinds: HashMap<String, u64>,
    /// Accepted units per SKU, from the order lines.
    units: Vec<i64>,
    /// Accepted units per SKU and location (`sku * locations + location`), from the allocations.
    allocated: Vec<i64>,
    /// Units on lines or allocations naming a SKU or location this run did not create.
    strays: i64,
    locations: usize,
}

impl Stats {
    fn new(work: &Workload) -> Stats {
        Stats {
            latencies_us: Vec::new(),
            accepted: 0,
            rejected: 0,
            errors: 0,
            dropped: 0,
            error_kinds: HashMap::new(),
            units: vec![0; work.skus.len()],
            allocated: vec![0; work.skus.len() * work.locations.len()],
            strays: 0,
            locations: work.locations.len(),
        }
    }

    fn record(&mut self, work: &Workload, outcome: Outcome) {
        let micros = |d: Duration| u32::try_from(d.as_micros()).unwrap_or(u32::MAX);
        match outcome {
            Outcome::Accepted(latency, placed) => {
                self.accepted += 1;
                self.latencies_us.push(micros(latency));
                for line in placed.lines {
                    let Some(&s) = work.sku_index.get(&line.sku) else {
                        self.strays += line.quantity;
                        continue;
                    };
                    self.units[s] += line.quantity;
                    for a in line.allocations {
                        match work.location_index.get(&a.location) {
                            Some(&l) => self.allocated[s * self.locations + l] += a.quantity,
                            None => self.strays += a.quantity,
                        }
                    }
                }
            }
            Outcome::Rejected(latency) => {
                self.rejected += 1;
                self.latencies_us.push(micros(latency));
            }
            Outcome::Failed(kind) => {
                self.errors += 1;
                *self.error_kinds.entry(kind).or_default() += 1;
            }
        }
    }

    fn merge(&mut self, other: Stats) {
        self.latencies_us.extend_from_slice(&other.latencies_us);
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        self.errors += other.errors;
        self.dropped += other.dropped;
        for (k, n) in other.error_kinds {
            *self.error_kinds.entry(k).or_default() += n;
        }
        for (a, b) in self.units.iter_mut().zip(other.units) {
            *a += b;
        }
        for (a, b) in self.allocated.iter_mut().zip(other.allocated) {
            *a += b;
        }
        self.strays += other.strays;
    }
}

async fn closed_loop(ctx: &Arc<Ctx>, duration: Duration, workers: usize, seed: u64) -> anyhow::Result<Stats> {
    let end = Instant::now() + duration;
    let mut tasks = Vec::with_capacity(workers);
    for w in 0..workers {
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(seed ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut stats = Stats::new(&ctx.work);
            let mut seq = 0u64;
            while Instant::now() < end {
                seq += 1;
                let key = ctx.work.idempotency.then(|| format!("{}-{w}-{seq}", ctx.work.prefix));
                let outcome = send_order(&ctx, &mut rng, key, Instant::now()).await;
                stats.record(&ctx.work, outcome);
            }
            stats
        }));
    }
    let mut total = Stats::new(&ctx.work);
    for t in tasks {
        total.merge(t.await.context("a load worker failed")?);
    }
    Ok(total)
}

async fn open_loop(ctx: &Arc<Ctx>, rate: f64, duration: Duration, cap: usize, seed: u64) -> anyhow::Result<Stats> {
    let start = Instant::now();
    let slots = (rate * duration.as_secs_f64()).round() as u64;
    let due_at = |slot: u64| start + Duration::from_secs_f64(slot as f64 / rate);
    let in_flight = Arc::new(Semaphore::new(cap));
    let shared = Arc::new(Mutex::new(Stats::new(&ctx.work)));
    let mut dropped = 0u64;
    let mut next = 0u64;
    // Start every slot that is due, then sleep until the next one; a late wake-up starts the missed
    // slots at once, and their latency still counts from when they were due.
    while next < slots {
        let due = ((start.elapsed().as_secs_f64() * rate) as u64 + 1).min(slots);
        for slot in next..due {
            let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                dropped += 1;
                continue;
            };
            let (ctx, shared) = (ctx.clone(), shared.clone());
            let scheduled = due_at(slot);
            tokio::spawn(async move {
                let mut rng = Rng::new(seed ^ slot.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let key = ctx.work.idempotency.then(|| format!("{}-{slot}", ctx.work.prefix));
                let outcome = send_order(&ctx, &mut rng, key, scheduled).await;
                shared.lock().unwrap_or_else(|e| e.into_inner()).record(&ctx.work, outcome);
                drop(permit);
            });
        }
        next = next.max(due);
        if next < slots {
            tokio::time::sleep_until(due_at(next).into()).await;
        }
    }
    // Every permit back means every started request has been answered.
    let _all = in_flight.acquire_many(cap as u32).await.context("waiting for requests in flight")?;
    let mut stats = std::mem::replace(&mut *shared.lock().unwrap_or_else(|e| e.into_inner()), Stats::new(&ctx.work));
    stats.dropped = dropped;
    Ok(stats)
}

/// SplitMix64: tiny, fast and good enough to pick SKUs and quantities.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`, by multiply-shift (bias is negligible for the small spans used here).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        let span = u128::from(hi - lo) + 1;
        lo + ((u128::from(self.next_u64()) * span) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::verdict::percentile_ms;
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let samples: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&samples, 50.0), 50.0);
        assert_eq!(percentile_ms(&samples, 95.0), 95.0);
        assert_eq!(percentile_ms(&samples, 99.0), 99.0);
        assert_eq!(percentile_ms(&samples, 100.0), 100.0);
        assert_eq!(percentile_ms(&[1500], 99.0), 1.5);
        assert_eq!(percentile_ms(&[], 50.0), 0.0);
    }

    #[test]
    fn range_stays_within_its_bounds_and_reaches_both_ends() {
        let mut rng = Rng::new(42);
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            let x = rng.range(3, 7);
            assert!((3..=7).contains(&x));
            seen[(x - 3) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 1500), "{seen:?}");
        assert_eq!(rng.range(9, 9), 9);
        let _ = rng.range(0, u64::MAX);
    }

    /// A workload of these SKUs at one location, with up to 5 lines of up to 3 units.
    fn test_workload(skus: Vec<String>, prices: Vec<String>, shopify: Option<(String, String)>) -> Workload {
        Workload {
            prefix: "T".to_owned(),
            prices,
            sku_index: skus.iter().enumerate().map(|(i, s)| (s.clone(), i)).collect(),
            stocked: vec![0; skus.len()],
            skus,
            locations: vec!["T-WH1".to_owned()],
            location_index: HashMap::new(),
            lines_max: 5,
            quantity_max: 3,
            customers: 10,
            idempotency: false,
            adjustments: 0,
            shopify,
        }
    }

    /// The Shopify scenario's payloads are what Shopify's adapter reads into an order whose
    /// totals add up, so every delivery can be imported.
    #[test]
    fn shopify_payloads_map_into_orders_that_add_up() {
        use ordo_app::ports::channel::{DeliveryContent, SalesChannel};
        let skus: Vec<String> = (0..6).map(|i| format!("T-SKU-{i}")).collect();
        let prices = skus.iter().enumerate().map(|(i, _)| format!("{}.99", 4 + i)).collect();
        let work = test_workload(skus, prices, Some(("t-shop".into(), "secret".into())));
        let adapter = ordo_connectors::shopify::ShopifyChannel {
            http: reqwest::Client::new(),
            targets: ordo_app::ports::target::TargetPolicy::default(),
        };
        let mut rng = Rng::new(11);
        for _ in 0..100 {
            let (body, lines) = work.order(&mut rng);
            let DeliveryContent::Order(order) = adapter.read("orders/create", body.as_bytes()) else {
                panic!("{body}")
            };
            let mapped = ordo_app::intake::mapping::map_order("t-shop", &order, &HashMap::new()).expect(&body);
            let want: Vec<(String, i64)> = lines.iter().map(|(i, q)| (work.skus[*i].clone(), *q)).collect();
            assert_eq!(mapped.lines, want);
            assert!(mapped.paid > 0);
        }
    }

    #[test]
    fn orders_are_valid_json_with_distinct_skus_within_the_limits() {
        let skus: Vec<String> = (0..6).map(|i| format!("T-SKU-{i}")).collect();
        let prices = skus.iter().map(|_| "9.99".to_owned()).collect();
        let work = test_workload(skus, prices, None);
        let mut rng = Rng::new(7);
        for _ in 0..200 {
            let order: Value = serde_json::from_str(&work.order_body(&mut rng)).unwrap();
            let lines = order["lines"].as_array().unwrap();
            assert!((1..=5).contains(&lines.len()));
            let mut skus: Vec<&str> = lines.iter().map(|l| l["sku"].as_str().unwrap()).collect();
            skus.sort_unstable();
            skus.dedup();
            assert_eq!(skus.len(), lines.len());
            assert!(lines.iter().all(|l| (1..=3).contains(&l["quantity"].as_i64().unwrap())));
            assert!(order["customer"]["email"].as_str().unwrap().ends_with("@bench.example"));
        }
    }
}
