//! How long demand forecasts take for 10,000 SKUs with two years of daily history each: the
//! model alone, on synthetic series of four shapes (weekly-seasonal, trending, intermittent,
//! none), on one thread and on two. A forecast (`forecast_model::predict`, 28 days: what
//! replenishment does per SKU) and a forecast with its 28-day backtest (what
//! `GET /v1/forecasts/{sku}` does per series) are timed apart.
//! Run with `cargo bench -p ordo-app --bench forecasts` (`FORECAST_SKUS` overrides the count).

use std::time::{Duration, Instant};

use ordo_app::stock::forecast_model::{backtest, predict};

const HISTORY: usize = 730;

/// A seeded series of one of four shapes.
fn series(n: u64) -> Vec<f64> {
    let mut state = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let pattern = [0.8, 0.9, 0.9, 1.0, 1.1, 1.5, 1.3];
    (0..HISTORY)
        .map(|d| match n % 4 {
            0 => (20.0 * pattern[d % 7] + 6.0 * (uniform() - 0.5)).round().max(0.0),
            1 => (5.0 + 0.02 * d as f64 + 4.0 * (uniform() - 0.5)).round().max(0.0),
            // Intermittent: a sale about one day in ten.
            2 if uniform() < 0.1 => (1.0 + 4.0 * uniform()).round(),
            _ => 0.0,
        })
        .collect()
}

/// Forecasts (and backtests, when asked) each series; the time taken and a checksum.
fn run(all: &[Vec<f64>], with_backtest: bool) -> (Duration, f64) {
    let started = Instant::now();
    let mut sum = 0.0;
    for y in all {
        sum += predict(y, 28).point.iter().sum::<f64>();
        if with_backtest {
            sum += backtest(y, 28).map_or(0.0, |b| b.error_sd);
        }
    }
    (started.elapsed(), sum)
}

/// Both halves of `all` at once on two threads: the wall time.
fn run_two(all: &[Vec<f64>], with_backtest: bool) -> Duration {
    let started = Instant::now();
    let half = all.len() / 2;
    std::thread::scope(|s| {
        let a = s.spawn(|| run(&all[..half], with_backtest));
        let b = s.spawn(|| run(&all[half..], with_backtest));
        let _ = (a.join(), b.join());
    });
    started.elapsed()
}

fn main() {
    let skus: usize = std::env::var("FORECAST_SKUS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let all: Vec<Vec<f64>> = (0..skus as u64).map(series).collect();
    for (with_backtest, what) in [(false, "forecast"), (true, "forecast and backtest")] {
        let (one, check) = run(&all, with_backtest);
        let two = run_two(&all, with_backtest);
        println!(
            "{what}: {skus} SKUs x {HISTORY} days: one thread {:.1} s ({:.2} ms per SKU), two threads {:.1} s (checksum {check:.0})",
            one.as_secs_f64(),
            one.as_secs_f64() * 1000.0 / skus as f64,
            two.as_secs_f64()
        );
    }
    // Per shape, forecast only, on 400 SKUs, so that the slow kind shows.
    for (shape, name) in ["weekly", "trending", "intermittent", "none"].iter().enumerate() {
        let some: Vec<Vec<f64>> = (0..400u64).map(|i| series(i * 4 + shape as u64)).collect();
        let (t, _) = run(&some, false);
        println!("  {name}: {:.2} ms per SKU", t.as_secs_f64() * 1000.0 / 400.0);
    }
}
