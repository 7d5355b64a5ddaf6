//! Receiving returns changes stock rows in (SKU, location) order, whatever order the units
//! are listed in, so that concurrent receipts queue on PostgreSQL instead of deadlocking.

use ordo_app::aftersales::returns::{ReceiveInput, ReturnInput, ReturnLineInput, ReturnStepInput, UnitInput};
use ordo_app::kernel::idempotency::Outcome;
use ordo_app::shipping::fulfillments::FulfillmentInput;
use ordo_app::{Actor, App};
use ordo_domain::fulfillment::FulfillmentAction;
use ordo_store::testing::TestEngine;

use crate::support::*;

/// Places an order for one A and one B, ships it, and has a return of both approved, its
/// lines listed in `skus` order. Returns the return's id and its units in that order.
async fn approved_return(app: &App, skus: [&str; 2]) -> (String, Vec<UnitInput>) {
    let sys = Actor::system();
    let Outcome::Fresh(o) = app.place_order(&sys, order(&[("A", 1), ("B", 1)]), None).await.unwrap() else {
        unreachable!("no idempotency key was sent")
    };
    for f in app.order_fulfillments(&sys, o.id.as_str()).await.unwrap() {
        for action in [FulfillmentAction::StartPicking, FulfillmentAction::Pack, FulfillmentAction::Ship] {
            app.fulfillment_action(&sys, f.id.as_str(), action, FulfillmentInput::default(), None).await.unwrap();
        }
    }
    let line = |sku: &str| o.lines.iter().find(|l| l.sku == sku).unwrap().id.to_string();
    let lines = skus
        .iter()
        .map(|s| ReturnLineInput {
            line_id: Some(line(s)),
            quantity: Some(1),
            reason: Some("no_longer_needed".into()),
            note: None,
        })
        .collect();
    let ret = app
        .request_return(&sys, o.id.as_str(), ReturnInput { lines: Some(lines), ..Default::default() })
        .await
        .unwrap();
    app.approve_return(&sys, &ret.id, ReturnStepInput::default()).await.unwrap();
    let units = skus
        .iter()
        .map(|s| UnitInput {
            line_id: Some(line(s)),
            quantity: Some(1),
            condition: None,
            disposition: Some("restock".into()),
        })
        .collect();
    (ret.id, units)
}

async fn receipts_in_opposite_orders_never_deadlock(engine: &TestEngine) {
    let (app, _) = faulty_app(engine);
    location(&app, "WH", 0, None).await;
    product(&app, "A", &["WH"], 100).await;
    product(&app, "B", &["WH"], 100).await;
    let retries_before = app.store.stats().write_retries;
    for _ in 0..12 {
        let (first, first_units) = approved_return(&app, ["A", "B"]).await;
        let (second, second_units) = approved_return(&app, ["B", "A"]).await;
        let receive = |id: String, units: Vec<UnitInput>| {
            let app = app.clone();
            tokio::spawn(async move {
                let input = ReceiveInput { location: Some("WH".into()), units: Some(units), ..Default::default() };
                app.receive_return(&Actor::system(), &id, input).await
            })
        };
        let (a, b) = (receive(first, first_units), receive(second, second_units));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert!(a.is_ok() && b.is_ok(), "{engine:?}: {:?} {:?}", a.err(), b.err());
    }
    // A deadlock is retried inside the engine and would not reach the caller; the retry
    // counter shows whether one happened.
    assert_eq!(app.store.stats().write_retries, retries_before, "{engine:?}: concurrent receipts deadlocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_returns_listed_in_opposite_orders_are_received_concurrently_without_a_deadlock() {
    for engine in engines() {
        receipts_in_opposite_orders_never_deadlock(&engine).await;
    }
}
