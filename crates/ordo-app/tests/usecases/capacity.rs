//! A location's daily capacity is counted inside the write that places an order, so a burst
//! of simultaneous orders never overshoots it; a cancelled order gives its place back.

use ordo_app::sales::orders::CancelInput;
use ordo_app::{Actor, App};
use ordo_domain::order::Order;
use ordo_store::testing::TestEngine;

use crate::support::*;

fn first_location(o: &Order) -> &str {
    &o.lines[0].allocations[0].location
}

async fn place(app: &App) -> Order {
    app.place_order(&Actor::system(), order(&[("X", 1)]), None).await.and_then(|o| o.into_fresh()).unwrap()
}

async fn a_burst_fills_a_capacity_exactly(engine: &TestEngine) {
    let (app, _) = faulty_app(engine);
    // The preferred location takes ten orders a day; the other takes any number.
    location(&app, "CAP", 0, Some(10)).await;
    location(&app, "BIG", 1, None).await;
    product(&app, "X", &["CAP", "BIG"], 1000).await;
    let burst: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { place(&app).await })
        })
        .collect();
    let mut orders = Vec::new();
    for h in burst {
        orders.push(h.await.unwrap());
    }
    let at_cap: Vec<&Order> = orders.iter().filter(|o| first_location(o) == "CAP").collect();
    assert_eq!(at_cap.len(), 10, "{engine:?}: {} of 50 orders went to a location that takes 10", at_cap.len());
    assert_eq!(orders.iter().filter(|o| first_location(o) == "BIG").count(), 40, "{engine:?}");
    assert!(place(&app).await.lines[0].allocations[0].location == "BIG", "{engine:?}: the full location took more");

    // Cancelling one of its orders gives the place back, once.
    let id = at_cap[0].id.to_string();
    app.cancel_order(&Actor::system(), &id, CancelInput::default(), None).await.unwrap();
    assert_eq!(first_location(&place(&app).await), "CAP", "{engine:?}: the cancelled order's place was not given back");
    assert_eq!(first_location(&place(&app).await), "BIG", "{engine:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_orders_put_exactly_ten_at_a_location_that_takes_ten() {
    for engine in engines() {
        a_burst_fills_a_capacity_exactly(&engine).await;
    }
}
