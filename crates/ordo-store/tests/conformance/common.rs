//! What every conformance test needs: the engines to run on, a fresh store, and records to
//! put in it. No checks here.

use ordo_domain::catalog::{Location, LocationKind, Product};
use ordo_domain::id::{LocationId, ProductId};
use ordo_domain::inventory::Reason;
use ordo_store::testing::{TestEngine, temp_dir};
use ordo_store::{LevelChange, Store, StoreError};

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
    }
}

pub async fn write<T: Send + 'static>(
    s: &Store,
    f: impl FnMut(&mut dyn ordo_store::Tx) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    s.write(f).await
}
