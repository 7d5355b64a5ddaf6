//! What every conformance test needs: the engines to run on, a fresh store, and records to
//! put in it. No checks here.

use ordo_domain::catalog::{Customer, Location, LocationKind, Product};
use ordo_domain::fulfillment::{Fulfillment, FulfillmentLine, FulfillmentStatus};
use ordo_domain::id::{CustomerId, FulfillmentId, LineId, LocationId, OrderId, ProductId};
use ordo_domain::inventory::Reason;
use ordo_domain::order::{Address, Allocation, Line, Order, OrderStatus, Totals};
use ordo_store::testing::{TestEngine, temp_dir};
use ordo_store::{LevelChange, Store, StoreError, Tx};

pub fn engines() -> Vec<TestEngine> {
    std::iter::once(TestEngine::Sqlite).chain(TestEngine::postgres()).collect()
}

pub fn store(engine: &TestEngine) -> Store {
    ordo_store::open(&engine.fresh_url(&temp_dir("store")), &Default::default()).unwrap()
}

pub fn product(sku: &str) -> Product {
    Product {
        id: ProductId::generate(1, sku.bytes().fold(17u128, |h, b| h * 131 + u128::from(b))),
        sku: sku.into(),
        name: format!("Product {sku}"),
        price: 1999,
        currency: "USD".into(),
        weight_grams: Some(100),
        barcode: None,
        active: true,
        version: 1,
        created_at: 1,
        updated_at: 1,
    }
}

pub fn location(code: &str, n: u128) -> Location {
    Location {
        id: LocationId::generate(1, n),
        code: code.into(),
        name: code.into(),
        kind: LocationKind::Warehouse,
        address: Default::default(),
        latitude: Some(1.5),
        longitude: None,
        ships_orders: true,
        pickup: false,
        priority: 3,
        daily_capacity: None,
        active: true,
        version: 1,
        created_at: 1,
        updated_at: 1,
    }
}

pub fn change(loc: &Location, sku: &str, on_hand: i64, reserved: i64) -> LevelChange {
    LevelChange {
        at: 5,
        location_id: loc.id.clone(),
        location: loc.code.clone(),
        sku: sku.into(),
        on_hand_delta: on_hand,
        reserved_delta: reserved,
        reason: if reserved != 0 { Reason::Reserved } else { Reason::Received },
        actor: Some("key_test".into()),
        order_id: None,
        note: None,
        reference: None,
    }
}

pub async fn write<T: Send + 'static>(
    s: &Store,
    f: impl FnMut(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    s.write(f).await
}

pub async fn read<T: Send + 'static>(
    s: &Store,
    f: impl FnOnce(&mut dyn Tx) -> Result<T, StoreError> + Send + 'static,
) -> T {
    s.read(f).await.unwrap()
}

/// Every (source, target) pair of engines, for checks that must hold across engines (copies).
pub fn engine_pairs() -> Vec<(TestEngine, TestEngine)> {
    let all = engines();
    all.iter().flat_map(|a| all.iter().map(move |b| (a.clone(), b.clone()))).collect()
}

pub fn customer(n: u128, email: &str) -> Customer {
    Customer {
        id: CustomerId::generate(1, n),
        email: email.into(),
        name: Some(format!("Customer {n}")),
        phone: None,
        tags: Vec::new(),
        notes: None,
        version: 1,
        created_at: 10,
        updated_at: 10,
    }
}

/// An allocated order of one line at `loc`; `n` makes its ids unique.
pub fn order(number: i64, n: u128, loc: &Location, customer: &str, created_at: i64) -> Order {
    let line = Line {
        id: LineId::generate(1, n),
        sku: "A-1".into(),
        name: "Product A-1".into(),
        quantity: 2,
        unit_price: 1999,
        allocations: vec![Allocation { location_id: loc.id.clone(), location: loc.code.clone(), quantity: 2 }],
    };
    Order {
        id: OrderId::generate(created_at as u64, n),
        number,
        channel: "web".into(),
        external_id: None,
        customer_id: CustomerId::from_trusted(customer.into()),
        email: "ann@example.com".into(),
        currency: "USD".into(),
        status: OrderStatus::Allocated,
        lines: vec![line],
        shipping_address: Some(Address {
            line1: "1 Dock".into(),
            city: "Newark".into(),
            country: "US".into(),
            latitude: Some(40.5),
            ..Default::default()
        }),
        billing_address: None,
        replaces: None,
        totals: Totals { subtotal: 3998, shipping: 500, tax: 0, discount: 0, total: 4498 },
        note: Some("leave at the door".into()),
        cancel_reason: None,
        created_at,
        updated_at: created_at,
        cancelled_at: None,
        version: 1,
        promised_by: None,
        shipping_service: None,
        pickup_location: None,
        routing: None,
        capacity_counted: Vec::new(),
        source: None,
    }
}

/// A pending fulfilment of `order`'s first line at its location.
pub fn fulfillment(n: u128, order: &Order, loc: &Location) -> Fulfillment {
    let line = &order.lines[0];
    Fulfillment {
        id: FulfillmentId::generate(order.created_at as u64, n),
        order_id: order.id.clone(),
        location_id: loc.id.clone(),
        location: loc.code.clone(),
        status: FulfillmentStatus::Pending,
        lines: vec![FulfillmentLine { line_id: line.id.clone(), sku: line.sku.clone(), quantity: line.quantity }],
        parcels: Vec::new(),
        carrier: None,
        service: None,
        tracking_number: None,
        created_at: order.created_at,
        updated_at: order.created_at,
        shipped_at: None,
        delivered_at: None,
        version: 1,
        pickup: false,
        label_url: None,
        shipping_quote: None,
        tracking_events: Vec::new(),
    }
}
