//! Receiving returns changes stock rows in the order every use case does — sellable levels in
//! (SKU, location) order, then non-sellable buckets — whatever order the units are listed in,
//! so that concurrent receipts and bucket moves queue on PostgreSQL instead of deadlocking.

use ordo_app::aftersales::returns::{ReceiveInput, ReturnInput, ReturnLineInput, ReturnStepInput, UnitInput};
use ordo_app::shipping::fulfillments::FulfillmentInput;
use ordo_app::{Actor, App};
use ordo_domain::fulfillment::FulfillmentAction;
use ordo_store::testing::TestEngine;

use crate::support::*;

/// Places an order for one A and one B, ships it, and has a return of both approved, its
/// lines listed in `skus` order. Returns the return's id and its units in that order.
async fn approved_return(app: &App, skus: [&str; 2]) -> (String, Vec<UnitInput>) {
    let sys = Actor::system();
    let o = app.place_order(&sys, order(&[("A", 1), ("B", 1)]), None).await.and_then(|o| o.into_fresh()).unwrap();
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
        .request_return(&sys, o.id.as_str(), ReturnInput { lines: Some(lines), ..Default::default() }, None)
        .await
        .and_then(|o| o.into_fresh())
        .unwrap();
    app.approve_return(&sys, &ret.id, ReturnStepInput::default(), None).await.unwrap();
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
                app.receive_return(&Actor::system(), &id, input, None).await
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

/// A shipped order for two units of B with a return of both approved: its id and line.
async fn approved_return_of_two(app: &App) -> (String, String) {
    let sys = Actor::system();
    let o = app.place_order(&sys, order(&[("B", 2)]), None).await.and_then(|o| o.into_fresh()).unwrap();
    for f in app.order_fulfillments(&sys, o.id.as_str()).await.unwrap() {
        for action in [FulfillmentAction::StartPicking, FulfillmentAction::Pack, FulfillmentAction::Ship] {
            app.fulfillment_action(&sys, f.id.as_str(), action, FulfillmentInput::default(), None).await.unwrap();
        }
    }
    let line = o.lines[0].id.to_string();
    let lines = vec![ReturnLineInput {
        line_id: Some(line.clone()),
        quantity: Some(2),
        reason: Some("damaged".into()),
        note: None,
    }];
    let ret = app
        .request_return(&sys, o.id.as_str(), ReturnInput { lines: Some(lines), ..Default::default() }, None)
        .await
        .and_then(|o| o.into_fresh())
        .unwrap();
    app.approve_return(&sys, &ret.id, ReturnStepInput::default(), None).await.unwrap();
    (ret.id, line)
}

async fn receipts_and_bucket_moves_never_deadlock(engine: &TestEngine) {
    let (app, _) = faulty_app(engine);
    location(&app, "WH", 0, None).await;
    product(&app, "B", &["WH"], 200).await;
    let units = |line: &str, disposition: &str| UnitInput {
        line_id: Some(line.to_owned()),
        quantity: Some(1),
        condition: None,
        disposition: Some(disposition.into()),
    };
    let receive = |id: String, units: Vec<UnitInput>| {
        let app = app.clone();
        tokio::spawn(async move {
            let input = ReceiveInput { location: Some("WH".into()), units: Some(units), ..Default::default() };
            app.receive_return(&Actor::system(), &id, input, None).await
        })
    };
    // Units in quarantine for the moves to take back into stock.
    let (seed, line) = approved_return_of_two(&app).await;
    receive(seed, vec![units(&line, "damaged"), units(&line, "damaged")]).await.unwrap().unwrap();
    let retries_before = app.store.stats().write_retries;
    for _ in 0..10 {
        // A receipt that restocks one unit of B and quarantines the other, beside a move of
        // one quarantined unit of B back into stock: both change B's level and its bucket.
        let (ret, line) = approved_return_of_two(&app).await;
        let received = receive(ret, vec![units(&line, "damaged"), units(&line, "restock")]);
        let mover = app.clone();
        let moved = tokio::spawn(async move {
            let input = ordo_app::stock::inventory::BucketMoveInput {
                sku: Some("B".into()),
                location: Some("WH".into()),
                from: Some("quarantine".into()),
                to: Some("stock".into()),
                quantity: Some(1),
                note: None,
            };
            mover.move_bucket(&Actor::system(), input, None).await
        });
        let (received, moved) = (received.await.unwrap(), moved.await.unwrap());
        assert!(received.is_ok() && moved.is_ok(), "{engine:?}: {:?} {:?}", received.err(), moved.err());
    }
    assert_eq!(app.store.stats().write_retries, retries_before, "{engine:?}: a receipt and a move deadlocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_receipt_and_a_bucket_move_on_one_sku_run_concurrently_without_a_deadlock() {
    for engine in engines() {
        receipts_and_bucket_moves_never_deadlock(&engine).await;
    }
}
