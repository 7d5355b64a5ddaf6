//! How long availability by date takes for one SKU held at 50 locations, each expecting three
//! purchase order lines, over the next 30 days: the whole use case on a SQLite store (its read
//! transaction, the levels and incoming stock, the sums per day).
//! Run with `cargo bench -p ordo-app --bench availability`; it prints the median of many runs.

use std::sync::Arc;
use std::time::Instant;

use ordo_app::kernel::input::{AddressInput, MoneyInput};
use ordo_app::stock::catalog::{NewLocation, NewProduct};
use ordo_app::stock::inventory::AdjustmentInput;
use ordo_app::stock::purchase_orders::{PurchaseLineInput, PurchaseOrderInput};
use ordo_app::stock::suppliers::SupplierInput;
use ordo_app::{Actor, App, SystemClock};

const LOCATIONS: usize = 50;

async fn seed(app: &App) {
    let system = Actor::system();
    let usd = |amount: &str| Some(MoneyInput { amount: Some(amount.into()), currency: Some("USD".into()) });
    let product = NewProduct {
        sku: Some("HOT".into()),
        name: Some("Hot seller".into()),
        price: usd("10.00"),
        weight_grams: Some(100),
        barcode: None,
        active: None,
    };
    app.create_product(&system, product, None).await.unwrap();
    let supplier = SupplierInput {
        code: Some("SUP".into()),
        name: Some("Supplier".into()),
        lead_time_days: Some(3),
        currency: Some("USD".into()),
        ..Default::default()
    };
    let supplier = app.create_supplier(&system, supplier, None).await.unwrap().into_fresh().unwrap().id;
    for i in 0..LOCATIONS {
        let code = format!("L{i:02}");
        let location = NewLocation {
            code: Some(code.clone()),
            name: Some(format!("Location {i}")),
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
        app.create_location(&system, location, None).await.unwrap();
        let stock = AdjustmentInput {
            location: Some(code.clone()),
            sku: Some("HOT".into()),
            delta: Some(20 + i as i64),
            reason: Some("received".into()),
            note: None,
        };
        app.adjust_inventory(&system, stock, None).await.unwrap();
        for week in 0..3 {
            let order = PurchaseOrderInput {
                supplier_id: Some(supplier.clone()),
                location: Some(code.clone()),
                currency: None,
                expected_on: Some(ordo_app::kernel::time_fmt::day(app.now() + (2 + 7 * week) * 86_400_000)),
                note: None,
                lines: Some(vec![PurchaseLineInput {
                    sku: Some("HOT".into()),
                    quantity: Some(12),
                    unit_cost: usd("4.00"),
                }]),
            };
            let po = app.create_purchase_order(&system, order, None).await.unwrap().into_fresh().unwrap();
            app.send_purchase_order(&system, &po.id, None, None).await.unwrap();
        }
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("ordo-bench-availability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let store = ordo_store::open(&url, &Default::default()).unwrap();
        let app = App::new(store, Arc::new(SystemClock));
        seed(&app).await;
        let system = Actor::system();
        let until = Some(ordo_app::kernel::time_fmt::day(app.now() + 30 * 86_400_000));
        let once = app.availability(&system, "HOT", until.clone(), None).await.unwrap();
        assert_eq!(once.locations.len(), LOCATIONS);
        assert!(once.locations.iter().all(|l| l.incoming.len() == 3 && l.days.len() == 31));
        for _ in 0..200 {
            app.availability(&system, "HOT", until.clone(), None).await.unwrap();
        }
        let mut samples: Vec<f64> = Vec::with_capacity(501);
        for _ in 0..501 {
            let start = Instant::now();
            std::hint::black_box(app.availability(&system, "HOT", until.clone(), None).await.unwrap());
            samples.push(start.elapsed().as_secs_f64() * 1e6);
        }
        samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "availability, 1 SKU x {LOCATIONS} locations x 3 incoming lines, 31 days: median {:.0} µs, p90 {:.0} µs, p99 {:.0} µs (min {:.0})",
            samples[250], samples[450], samples[495], samples[0]
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
}
