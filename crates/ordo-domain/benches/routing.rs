//! How long one routing decision takes: an order of 5 lines over 50 locations.
//! Run with `cargo bench -p ordo-domain --bench routing`; it prints the median of many runs.

use std::hint::black_box;
use std::time::Instant;

use ordo_domain::allocation::StockSnapshot;
use ordo_domain::id::LocationId;
use ordo_domain::routing::{Destination, RouteLine, RuleSet, Site, route};

fn scenario(spread: bool) -> (Vec<RouteLine>, StockSnapshot, Vec<Site>) {
    let sites: Vec<Site> = (0..50)
        .map(|i| Site {
            id: LocationId::generate(1, i as u128),
            code: format!("L{i:02}"),
            priority: (i % 7) as i64,
            ships_orders: true,
            pickup: false,
            active: true,
            country: "US".into(),
            coordinates: Some((25.0 + (i as f64 * 0.47) % 23.0, -123.0 + (i as f64 * 1.31) % 52.0)),
            remaining_capacity: if i % 5 == 0 { Some(100) } else { None },
            daily_capacity: if i % 5 == 0 { Some(100) } else { None },
        })
        .collect();
    let skus: Vec<String> = (0..5).map(|k| format!("SKU-{k}")).collect();
    let mut stock = StockSnapshot::new();
    for (i, s) in sites.iter().enumerate() {
        for (k, sku) in skus.iter().enumerate() {
            // With `spread`, no location holds every SKU, so the engine must build splits.
            let n = if spread && (i + k) % 3 == 0 { 0 } else { 3 + ((i * 7 + k * 3) % 5) as i64 };
            stock.set(&s.id, sku, n);
        }
    }
    let lines = skus.iter().map(|s| RouteLine { sku: s.clone(), quantity: 2, unit_price: 1999 }).collect();
    (lines, stock, sites)
}

fn measure(name: &str, spread: bool) {
    let (lines, stock, sites) = scenario(spread);
    let rules = RuleSet::default_rules();
    let dest = Destination { coordinates: Some((42.36, -71.06)), country: Some("US".into()), pickup: false };
    // Warm up, then time batches and keep the median per decision.
    for _ in 0..1000 {
        black_box(route(&lines, &stock, &sites, &dest, &rules).unwrap());
    }
    let mut samples: Vec<f64> = (0..51)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..200 {
                black_box(route(black_box(&lines), &stock, &sites, &dest, &rules).unwrap());
            }
            start.elapsed().as_secs_f64() * 1e6 / 200.0
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("{name}: median {:.1} µs per decision (min {:.1}, max {:.1})", samples[25], samples[0], samples[50]);
}

fn main() {
    measure("route 5 lines over 50 locations, single-location plans exist", false);
    measure("route 5 lines over 50 locations, splits needed", true);
}
