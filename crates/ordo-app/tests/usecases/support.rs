//! What the use-case tests share: apps over a fresh database on each engine (optionally
//! behind the fault-injecting wrapper), a catalogue with stock, and orders to place.

use std::sync::{Arc, Mutex};

use ordo_app::kernel::input::*;
use ordo_app::sales::orders::{NewOrder, OrderCustomerInput, OrderLineInput};
use ordo_app::stock::catalog::{NewLocation, NewProduct};
use ordo_app::stock::inventory::AdjustmentInput;
use ordo_app::{Actor, App, AppError, SystemClock};
use ordo_store::Store;
use ordo_store::faults::{Fault, FaultyEngine};
use ordo_store::testing::{TestEngine, temp_dir};

/// The engines these tests run on: SQLite, and PostgreSQL when its URL is given.
pub fn engines() -> Vec<TestEngine> {
    std::iter::once(TestEngine::Sqlite).chain(TestEngine::postgres()).collect()
}

pub fn faulty_app(engine: &TestEngine) -> (App, Arc<Mutex<Option<Fault>>>) {
    faulty_app_at(&engine.fresh_url(&temp_dir("app")))
}

/// An app over the database at `url` (a restart when one was open there before).
pub fn faulty_app_at(url: &str) -> (App, Arc<Mutex<Option<Fault>>>) {
    let inner = ordo_store::open_engine(url, &Default::default()).unwrap();
    let (faulty, switch) = FaultyEngine::new(inner);
    (App::new(Store::new(Arc::new(faulty)), Arc::new(SystemClock)), switch)
}

pub fn money(a: &str) -> Option<MoneyInput> {
    Some(MoneyInput { amount: Some(a.into()), currency: Some("USD".into()) })
}

/// A warehouse in Newark; `priority` orders it among locations, `capacity` is its daily one.
pub async fn location(app: &App, code: &str, priority: i64, capacity: Option<i64>) {
    let l = NewLocation {
        code: Some(code.to_string()),
        name: Some(code.to_string()),
        kind: Some("warehouse".into()),
        address: Some(AddressInput {
            line1: Some("1 Dock".into()),
            city: Some("Newark".into()),
            country: Some("US".into()),
            ..Default::default()
        }),
        latitude: None,
        longitude: None,
        ships_orders: Some(true),
        pickup: None,
        priority: Some(priority),
        daily_capacity: capacity,
        active: None,
    };
    app.create_location(&Actor::system(), l, None).await.unwrap();
}

/// A product priced 1.00 with `units` in stock at each of `locations`.
pub async fn product(app: &App, sku: &str, locations: &[&str], units: i64) {
    let p = NewProduct {
        sku: Some(sku.to_string()),
        name: Some(sku.to_string()),
        price: money("1.00"),
        weight_grams: None,
        barcode: None,
        active: None,
    };
    app.create_product(&Actor::system(), p, None).await.unwrap();
    for code in locations {
        adjust(app, code, sku, units).await.unwrap();
    }
}

/// Locations in priority order, and products with `units` of each at every location.
pub async fn setup(app: &App, locations: &[&str], skus: &[&str], units: i64) {
    for (i, code) in locations.iter().enumerate() {
        location(app, code, i as i64, None).await;
    }
    for sku in skus {
        product(app, sku, locations, units).await;
    }
}

pub async fn adjust(app: &App, location: &str, sku: &str, delta: i64) -> Result<(), AppError> {
    let a = AdjustmentInput {
        location: Some(location.into()),
        sku: Some(sku.into()),
        delta: Some(delta),
        reason: Some(if delta > 0 { "received" } else { "damaged" }.into()),
        note: None,
    };
    app.adjust_inventory(&Actor::system(), a, None).await.map(|_| ())
}

pub fn order(lines: &[(&str, i64)]) -> NewOrder {
    NewOrder {
        channel: Some("web".into()),
        external_id: None,
        customer_id: None,
        customer: Some(OrderCustomerInput { email: Some("a@example.com".into()), name: None, phone: None }),
        currency: Some("USD".into()),
        lines: Some(
            lines
                .iter()
                .map(|(s, q)| OrderLineInput {
                    sku: Some(s.to_string()),
                    quantity: Some(*q),
                    unit_price: money("1.00"),
                })
                .collect(),
        ),
        shipping_address: None,
        billing_address: None,
        shipping: None,
        tax: None,
        discount: None,
        note: None,
        promised_by: None,
        shipping_service: None,
        pickup_location: None,
    }
}

/// Waits (bounded) until `done` holds.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}
