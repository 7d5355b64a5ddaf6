//! The daily forecast run (`stock::forecast_runs`) over 10,000 SKUs with two years of order
//! history each, on a SQLite store, the way `ordo serve` runs it: on a background runtime of
//! one thread at the lowest CPU priority (`SCHED_IDLE`), three SKUs at a time (one reading, two fitting). Timed
//! alone, then again (the next day) while orders are placed as fast as 64 callers can place
//! them all along: the orders a second before the run (for `CAPTURE_SECONDS`), during it and
//! after it (as long again) are the A/B of capture beside it, before and after so that the
//! store's growth counts on both sides. Capture here is the use case in the same process (no
//! HTTP).
//! Run with `cargo bench -p ordo-app --bench forecast_run` (`FORECAST_SKUS` overrides the
//! count, `CAPTURE_SECONDS` the length of the capture-alone phase, default 20).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ordo_app::kernel::input::{AddressInput, MoneyInput};
use ordo_app::sales::orders::{NewOrder, OrderCustomerInput, OrderLineInput};
use ordo_app::stock::catalog::{NewLocation, NewProduct};
use ordo_app::{Actor, App, Clock};
use ordo_domain::inventory::Reason;
use ordo_store::LevelChange;

const DAY_MS: i64 = 86_400_000;
const HISTORY: i64 = 730;
const CALLERS: usize = 64;

/// The system clock, moved on by whole days when the bench says.
struct Shifted(Arc<AtomicI64>);

impl Clock for Shifted {
    fn now_ms(&self) -> i64 {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        now + self.0.load(Ordering::Relaxed) * DAY_MS
    }
}

/// A seeded day's demand of one of four shapes (weekly, trending, intermittent, none).
fn demand(n: u64, day: i64) -> i64 {
    let mut x = (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (day as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let u = (x >> 11) as f64 / (1u64 << 53) as f64;
    let pattern = [0.8, 0.9, 0.9, 1.0, 1.1, 1.5, 1.3];
    let v = match n % 4 {
        0 => 20.0 * pattern[day.rem_euclid(7) as usize] + 6.0 * (u - 0.5),
        1 => 5.0 + 0.02 * day as f64 + 4.0 * (u - 0.5),
        2 if u < 0.1 => 1.0 + 40.0 * u,
        _ => 0.0,
    };
    v.round().max(0.0) as i64
}

fn sku(n: usize) -> String {
    format!("SKU-{n:05}")
}

/// One warehouse, the products, a big stock of each and two years of orders: one reservation
/// a day per SKU with that day's units, written straight to the ledger.
async fn seed(app: &App, skus: usize) {
    let system = Actor::system();
    let location = NewLocation {
        code: Some("WH".into()),
        name: Some("Warehouse".into()),
        kind: Some("warehouse".into()),
        address: Some(AddressInput {
            line1: Some("1 Dock Rd".into()),
            city: Some("Newark".into()),
            postal_code: Some("07105".into()),
            country: Some("US".into()),
            ..Default::default()
        }),
        latitude: None,
        longitude: None,
        ships_orders: None,
        pickup: None,
        priority: None,
        daily_capacity: None,
        active: None,
    };
    let wh = app.create_location(&system, location, None).await.unwrap().into_fresh().unwrap();
    for n in 0..skus {
        let product = NewProduct {
            sku: Some(sku(n)),
            name: Some(format!("Product {n}")),
            price: Some(MoneyInput { amount: Some("10.00".into()), currency: Some("USD".into()) }),
            weight_grams: Some(100),
            barcode: None,
            active: None,
        };
        app.create_product(&system, product, None).await.unwrap();
    }
    let today = app.now().div_euclid(DAY_MS);
    let mut rows = 0u64;
    let started = Instant::now();
    for chunk in (0..skus).collect::<Vec<_>>().chunks(50) {
        let (chunk, id) = (chunk.to_vec(), wh.id.clone());
        let written = app
            .store
            .write(move |tx| {
                let mut rows = 0u64;
                for &n in &chunk {
                    let change =
                        |at: i64, on_hand: i64, reserved: i64, reason: Reason, order: Option<String>| LevelChange {
                            at,
                            location_id: id.clone(),
                            location: "WH".into(),
                            sku: sku(n),
                            on_hand_delta: on_hand,
                            reserved_delta: reserved,
                            reason,
                            actor: None,
                            order_id: order,
                            note: None,
                            reference: None,
                        };
                    let first = (today - HISTORY - 1) * DAY_MS;
                    tx.change_level(&change(first, 1_000_000_000, 0, Reason::Received, None))?.unwrap();
                    for d in 0..HISTORY {
                        let units = demand(n as u64, d);
                        if units > 0 {
                            let at = (today - HISTORY + d) * DAY_MS + 43_200_000;
                            let order = Some(format!("ord_bench{n}x{d}"));
                            tx.change_level(&change(at, 0, units, Reason::Reserved, order))?.unwrap();
                            rows += 1;
                        }
                    }
                }
                Ok::<_, ordo_app::AppError>(rows)
            })
            .await
            .unwrap();
        rows += written;
    }
    println!("seeded {skus} SKUs, {rows} days of orders in the ledger, in {:.1} s", started.elapsed().as_secs_f64());
}

/// Places orders from [`CALLERS`] tasks until `stop`, counting them in `placed`.
async fn capture(app: &App, stop: Arc<AtomicBool>, placed: Arc<AtomicU64>, skus: usize) {
    let tasks: Vec<_> = (0..CALLERS)
        .map(|c| {
            let (app, stop, placed) = (app.clone(), stop.clone(), placed.clone());
            tokio::spawn(async move {
                let mut i = c;
                while !stop.load(Ordering::Relaxed) {
                    i += CALLERS;
                    let line = OrderLineInput {
                        sku: Some(sku(i * 7919 % skus)),
                        quantity: Some(1),
                        unit_price: Some(MoneyInput { amount: Some("10.00".into()), currency: Some("USD".into()) }),
                    };
                    let order = NewOrder {
                        channel: Some("web".into()),
                        external_id: None,
                        customer_id: None,
                        customer: Some(OrderCustomerInput {
                            email: Some("a@example.com".into()),
                            name: None,
                            phone: None,
                        }),
                        currency: Some("USD".into()),
                        lines: Some(vec![line]),
                        shipping_address: None,
                        billing_address: None,
                        shipping: None,
                        tax: None,
                        discount: None,
                        note: None,
                        promised_by: None,
                        shipping_service: None,
                        pickup_location: None,
                    };
                    if app.place_order(&Actor::system(), order, None).await.is_ok() {
                        placed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// The orders placed over `seconds` from now, a second.
async fn rate_over(placed: &AtomicU64, seconds: u64) -> f64 {
    let (started, before) = (Instant::now(), placed.load(Ordering::Relaxed));
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    (placed.load(Ordering::Relaxed) - before) as f64 / started.elapsed().as_secs_f64()
}

/// Whether the last SKU's kept forecast was made on the clock's day (the run goes by SKU).
async fn run_done(app: &App, last: String) -> bool {
    let today = app.now().div_euclid(DAY_MS);
    let kept = app.store.read(move |tx| Ok::<_, ordo_app::AppError>(tx.forecast(&last)?)).await.unwrap();
    kept.is_some_and(|k| k.computed_at.div_euclid(DAY_MS) == today)
}

/// Runs the daily run to its end on `background`; the time it took.
async fn daily_run(app: &App, skus: usize) -> Duration {
    let started = Instant::now();
    let worker = app.spawn_forecasts(Duration::from_millis(100), Duration::from_secs(20));
    while !run_done(app, sku(skus - 1)).await {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = started.elapsed();
    worker.stop().await;
    took
}

fn lowest_priority() {
    use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
    let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    let _ = thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        ThreadPriority::Min,
        policy,
    );
}

fn main() {
    let skus: usize = std::env::var("FORECAST_SKUS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let alone: u64 = std::env::var("CAPTURE_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("ordo-bench-forecast-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let background = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("ordo-background")
        .on_thread_start(lowest_priority)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = ordo_store::open(&url, &Default::default()).unwrap();
        let days = Arc::new(AtomicI64::new(0));
        let mut app = App::new(store, Arc::new(Shifted(days.clone())));
        app.background = Some(background.handle().clone());
        seed(&app, skus).await;

        let took = daily_run(&app, skus).await;
        println!("daily run alone: {skus} SKUs in {:.1} s", took.as_secs_f64());

        // The next day: orders placed all along, the run in the middle.
        days.fetch_add(1, Ordering::Relaxed);
        let (stop, placed) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
        let placing = tokio::spawn({
            let (app, stop, placed) = (app.clone(), stop.clone(), placed.clone());
            async move { capture(&app, stop, placed, skus).await }
        });
        let before = rate_over(&placed, alone).await;
        let (started, at_start) = (Instant::now(), placed.load(Ordering::Relaxed));
        let took = daily_run(&app, skus).await;
        let during = (placed.load(Ordering::Relaxed) - at_start) as f64 / started.elapsed().as_secs_f64();
        let after = rate_over(&placed, alone).await;
        stop.store(true, Ordering::Relaxed);
        placing.await.unwrap();
        let without = (before + after) / 2.0;
        println!(
            "daily run beside capture: {skus} SKUs in {:.1} s; capture {before:.0} orders/s before, {during:.0} during, {after:.0} after ({:+.1} % during against before and after)",
            took.as_secs_f64(),
            (during / without - 1.0) * 100.0
        );
    });
    background.shutdown_background();
    let _ = std::fs::remove_dir_all(&dir);
}
