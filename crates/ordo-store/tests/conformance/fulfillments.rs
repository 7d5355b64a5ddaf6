//! Fulfilments: found by id, by order and by tracking number, listed as a location's work
//! queue, and locked while a write transaction changes them.

use ordo_domain::fulfillment::{Fulfillment, FulfillmentStatus};
use ordo_domain::order::Order;
use ordo_store::testing::TestEngine;
use ordo_store::{FulfillmentFilter, Page, Store};

use crate::common::{engines, fulfillment, location, order, read, store, write};

/// Two orders, the first split over two locations: (store, [f1, f2, f3]) with f1 and f2 of the
/// first order (at WH and SHOP) and f3 of the second (at WH), created in that order.
async fn three_fulfillments(engine: &TestEngine) -> (Store, [Fulfillment; 3]) {
    let s = store(engine);
    let (wh, shop) = (location("WH", 1), location("SHOP", 2));
    let (a, b): (Order, Order) = (order(1001, 1, &wh, "cus_1", 100), order(1002, 2, &wh, "cus_1", 200));
    let fs = [fulfillment(1, &a, &wh), fulfillment(2, &a, &shop), fulfillment(3, &b, &wh)];
    let rows = fs.clone();
    write(&s, move |tx| rows.iter().try_for_each(|f| tx.insert_fulfillment(f))).await.unwrap();
    (s, fs)
}

fn ids(fs: &[Fulfillment]) -> Vec<&str> {
    fs.iter().map(|f| f.id.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fulfillments_round_trip_and_are_found_by_order_and_by_tracking_number() {
    for engine in engines() {
        let (s, [f1, f2, f3]) = three_fulfillments(&engine).await;
        let shipped = Fulfillment {
            status: FulfillmentStatus::Shipped,
            carrier: Some("UPS".into()),
            tracking_number: Some("1Z999".into()),
            shipped_at: Some(300),
            updated_at: 300,
            version: 2,
            ..f1.clone()
        };
        let mut also = f3.clone();
        also.tracking_number = Some("1Z999".into());
        let (s2, a2) = (shipped.clone(), also.clone());
        write(&s, move |tx| {
            tx.update_fulfillment(&s2)?;
            tx.update_fulfillment(&a2)
        })
        .await
        .unwrap();
        let (id, order_id) = (f1.id.as_str().to_owned(), f1.order_id.as_str().to_owned());
        let got = read(&s, move |tx| {
            Ok((
                tx.fulfillment_by_id(&id)?,
                tx.fulfillment_by_id("ful_none")?,
                tx.fulfillments_for_order(&order_id)?,
                tx.fulfillments_by_tracking("1Z999")?,
                tx.fulfillments_by_tracking("1Z000")?,
            ))
        })
        .await;
        assert_eq!((got.0, got.1), (Some(shipped.clone()), None), "{engine:?}");
        assert_eq!(got.2, [shipped.clone(), f2], "{engine:?}: an order's fulfilments, oldest first");
        assert_eq!(got.3, [shipped.clone(), also.clone()], "{engine:?}: one tracking number, two fulfilments");
        assert_eq!(got.4, [], "{engine:?}");
        let in_write = write(&s, |tx| tx.fulfillments_by_tracking("1Z999")).await.unwrap();
        assert_eq!(in_write, [shipped, also], "{engine:?}: a write transaction (which locks them) agrees");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_work_queue_of_fulfillments_filters_by_location_status_and_order_oldest_first() {
    for engine in engines() {
        let (s, [f1, f2, f3]) = three_fulfillments(&engine).await;
        let mut packed = f3.clone();
        packed.status = FulfillmentStatus::Packed;
        let p2 = packed.clone();
        write(&s, move |tx| tx.update_fulfillment(&p2)).await.unwrap();
        let list = |after: Option<String>, limit: usize, f: FulfillmentFilter| {
            let s = s.clone();
            async move { read(&s, move |tx| tx.list_fulfillments(&Page { after, limit }, &f)).await }
        };
        let all = list(None, 10, FulfillmentFilter::default()).await;
        assert_eq!(ids(&all), ids(&[f1.clone(), f2.clone(), packed.clone()]), "{engine:?}: oldest first");
        let rest = list(Some(f1.id.as_str().into()), 1, FulfillmentFilter::default()).await;
        assert_eq!(ids(&rest), [f2.id.as_str()], "{engine:?}: after the cursor, up to the limit");
        let at_wh = FulfillmentFilter { location_id: Some(f1.location_id.as_str().into()), ..Default::default() };
        assert_eq!(ids(&list(None, 10, at_wh.clone()).await), [f1.id.as_str(), f3.id.as_str()], "{engine:?}");
        let pending_at_wh = FulfillmentFilter { status: Some(FulfillmentStatus::Pending), ..at_wh };
        assert_eq!(ids(&list(None, 10, pending_at_wh).await), [f1.id.as_str()], "{engine:?}");
        let of_order = FulfillmentFilter { order_id: Some(f3.order_id.as_str().into()), ..Default::default() };
        assert_eq!(list(None, 10, of_order).await, [packed], "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_of_one_fulfillment_read_under_its_lock_lose_nothing() {
    for engine in engines() {
        let (s, [f1, ..]) = three_fulfillments(&engine).await;
        let jobs: Vec<_> = (0..20)
            .map(|_| {
                let (s, id) = (s.clone(), f1.id.as_str().to_owned());
                tokio::spawn(async move {
                    write(&s, move |tx| {
                        let mut f = tx.fulfillment_by_id(&id)?.expect("the fulfilment exists");
                        f.version += 1;
                        tx.update_fulfillment(&f)
                    })
                    .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        let id = f1.id.as_str().to_owned();
        let version = read(&s, move |tx| tx.fulfillment_by_id(&id)).await.map(|f| f.version);
        assert_eq!(version, Some(21), "{engine:?}: every change saw the one before it");
    }
}
