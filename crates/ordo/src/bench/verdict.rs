//! After a run: what the server's stock says compared with what the load generator saw
//! accepted (nothing oversold, every allocation accounted for), and the one-line report.

use super::*;

#[derive(Deserialize)]
struct SkuStock {
    locations: Vec<Level>,
    totals: Level,
}

#[derive(Deserialize)]
struct Level {
    #[serde(default)]
    location: Option<String>,
    on_hand: i64,
    reserved: i64,
}

/// What the server's stock says after the run, compared with what the bench saw accepted.
pub(super) struct Verdict {
    /// Units reserved beyond on-hand anywhere, plus any difference between a SKU's reserved total
    /// and the units of its accepted orders.
    oversold_units: i64,
    /// Differences between the per-location allocations of accepted orders and reservations there.
    allocation_mismatch_units: i64,
    accepted_units: i64,
    stock: i64,
}

pub(super) async fn verify(api: &Api, work: &Workload, stats: &Stats) -> anyhow::Result<Verdict> {
    let mut v = Verdict {
        oversold_units: stats.strays,
        allocation_mismatch_units: 0,
        accepted_units: stats.units.iter().sum(),
        stock: work.stocked.iter().sum(),
    };
    for (s, sku) in work.skus.iter().enumerate() {
        let bytes = api.send(reqwest::Method::GET, &format!("/v1/inventory/{sku}"), None).await?;
        let stock: SkuStock = serde_json::from_slice(&bytes).with_context(|| format!("reading the stock of {sku}"))?;
        let mut seen = vec![0i64; work.locations.len()];
        for level in &stock.locations {
            v.oversold_units += (level.reserved - level.on_hand).max(0);
            match level.location.as_ref().and_then(|l| work.location_index.get(l)) {
                Some(&l) => seen[l] = level.reserved,
                None => v.allocation_mismatch_units += level.reserved,
            }
        }
        v.oversold_units += (stock.totals.reserved - stats.units[s]).abs();
        for (l, reserved) in seen.iter().enumerate() {
            v.allocation_mismatch_units += (reserved - stats.allocated[s * work.locations.len() + l]).abs();
        }
    }
    Ok(v)
}

/// Nearest-rank percentile of ascending microsecond samples, in milliseconds; 0 when there are none.
pub(super) fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    f64::from(sorted_us[rank.clamp(1, sorted_us.len()) - 1]) / 1000.0
}

pub(super) fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

pub(super) fn report(
    args: &BenchArgs,
    work: &Workload,
    stats: &Stats,
    elapsed: f64,
    verdict: &anyhow::Result<Verdict>,
) {
    let mut latencies = stats.latencies_us.clone();
    latencies.sort_unstable();
    let (p50, p95, p99) =
        (percentile_ms(&latencies, 50.0), percentile_ms(&latencies, 95.0), percentile_ms(&latencies, 99.0));
    let max = latencies.last().map_or(0.0, |&m| f64::from(m) / 1000.0);
    let orders_per_s = if elapsed > 0.0 { stats.accepted as f64 / elapsed } else { 0.0 };

    let requests = stats.accepted + stats.rejected + stats.errors;
    println!(
        "run: {requests} requests in {elapsed:.2} s: {} accepted, {} rejected (insufficient stock), {} errors{}",
        stats.accepted,
        stats.rejected,
        stats.errors,
        if args.rate.is_some() {
            format!(", {} dropped (over the concurrency cap)", stats.dropped)
        } else {
            String::new()
        }
    );
    if !stats.error_kinds.is_empty() {
        let mut kinds: Vec<_> = stats.error_kinds.iter().collect();
        kinds.sort();
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        println!("errors: {}", kinds.join(", "));
    }
    println!("throughput: {orders_per_s:.1} accepted orders/s");
    println!("latency ms (accepted and rejected): p50 {p50:.2}, p95 {p95:.2}, p99 {p99:.2}, max {max:.2}");

    let mut out = json!({
        "scenario": args.scenario,
        "mode": if args.rate.is_some() { "open" } else { "closed" },
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "elapsed_s": round(elapsed, 3),
        "rate": args.rate,
        "orders_per_s": round(orders_per_s, 1),
        "p50_ms": round(p50, 3),
        "p95_ms": round(p95, 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(max, 3),
        "accepted": stats.accepted,
        "rejected": stats.rejected,
        "errors": stats.errors,
        "dropped": stats.dropped,
        "skus": work.skus.len(),
        "locations": work.locations.len(),
    });
    match verdict {
        Ok(v) => {
            println!(
                "verify: {} SKUs checked, {} accepted units, {} oversold units, {} allocation mismatch units{}",
                work.skus.len(),
                v.accepted_units,
                v.oversold_units,
                v.allocation_mismatch_units,
                if v.oversold_units == 0 && v.allocation_mismatch_units == 0 { " (ok)" } else { " (FAILED)" }
            );
            if args.scenario == "flash" {
                let sold_out = v.accepted_units == v.stock;
                println!(
                    "flash: accepted units {} {} stock {}{}",
                    v.accepted_units,
                    if sold_out { "==" } else { "!=" },
                    v.stock,
                    if sold_out { " (sold out)" } else { " (did not sell out)" }
                );
                out["sold_out"] = json!(sold_out);
            }
            out["oversold_units"] = json!(v.oversold_units);
            out["allocation_mismatch_units"] = json!(v.allocation_mismatch_units);
            out["accepted_units"] = json!(v.accepted_units);
            out["stock"] = json!(v.stock);
            out["verified"] = json!(true);
        }
        Err(e) => {
            println!("verify: could not read the stock back: {e:#}");
            out["oversold_units"] = Value::Null;
            out["verified"] = json!(false);
        }
    }
    println!("{out}");
}
