//! Orders, order records and channel settings.

use ordo_domain::catalog::Location;
use ordo_domain::order::{Order, OrderStatus};
use ordo_store::testing::TestEngine;
use ordo_store::{OrderFilter, OrderRecord, Page, Store, StoreError};

use crate::common::{engines, location, order, read, store, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_records_settings_cursors_and_payment_references_round_trip() {
    use ordo_store::PaymentRecord;
    for engine in engines() {
        let s = store(&engine);
        let record = |id: &str, order: &str, status: &str| OrderRecord {
            id: id.into(),
            order_id: order.into(),
            kind: "refund".into(),
            status: status.into(),
            created_at: 1,
            updated_at: 1,
            body: format!("{{\"id\":\"{id}\"}}"),
        };
        let (a, b, c) = (
            record("ref_1", "ord_1", "pending"),
            record("ref_2", "ord_1", "succeeded"),
            record("ref_3", "ord_2", "pending"),
        );
        let rows = [a.clone(), b.clone(), c.clone()];
        write(&s, move |tx| {
            for r in &rows {
                tx.insert_order_record(r)?;
            }
            tx.insert_payment(&PaymentRecord {
                id: "pay_1".into(),
                order_id: "ord_1".into(),
                provider: "stripe".into(),
                currency: "USD".into(),
                created_at: 1,
                body: "{}".into(),
                reference: Some("pi_9".into()),
            })?;
            tx.put_channel_settings("web", "{\"capture\":\"at_placement\"}", 3)?;
            tx.put_channel_settings("web", "{\"capture\":\"on_shipment\"}", 4)?;
            tx.set_worker_cursor("settler", 7)?;
            tx.set_worker_cursor("settler", 9)
        })
        .await
        .unwrap();
        // A lease changes hands only from the value the taker saw.
        let swaps = write(&s, |tx| {
            Ok((
                tx.swap_worker_cursor("lease", 0, 100)?,
                tx.swap_worker_cursor("lease", 0, 200)?,
                tx.swap_worker_cursor("lease", 100, 300)?,
                tx.worker_cursor("lease")?,
            ))
        })
        .await
        .unwrap();
        assert_eq!(swaps, (true, false, true, 300), "{engine:?}");
        let done = OrderRecord { status: "succeeded".into(), updated_at: 5, body: "{}".into(), ..a.clone() };
        let d2 = done.clone();
        write(&s, move |tx| tx.update_order_record(&d2)).await.unwrap();
        let got = s
            .read(|tx| {
                Ok::<_, StoreError>((
                    tx.order_records("ord_1", "refund")?,
                    tx.order_records_in_status("refund", "pending", None, 10)?,
                    tx.order_record("ref_1")?,
                    tx.channel_settings("web")?,
                    tx.channel_settings("store")?,
                    (tx.worker_cursor("settler")?, tx.worker_cursor("other")?),
                    tx.payment_by_reference("pi_9")?.map(|p| p.id),
                    tx.payment_by_reference("pi_0")?,
                    tx.channel_names()?,
                ))
            })
            .await
            .unwrap();
        assert_eq!(got.0, vec![done.clone(), b], "{engine:?}");
        assert_eq!(got.1, vec![c], "{engine:?}");
        assert_eq!(got.2, Some(done), "{engine:?}");
        assert_eq!(got.3.as_deref(), Some("{\"capture\":\"on_shipment\"}"), "{engine:?}");
        assert_eq!((got.4, got.5), (None, (9, 0)), "{engine:?}");
        assert_eq!((got.6.as_deref(), got.7), (Some("pay_1"), None), "{engine:?}");
        assert_eq!(got.8, vec!["web".to_owned()], "{engine:?}: each channel once");
    }
}

/// A store with one location and a customer, and the location.
async fn order_store(engine: &TestEngine) -> (Store, Location) {
    let s = store(engine);
    let loc = location("WH", 1);
    let l2 = loc.clone();
    write(&s, move |tx| tx.insert_location(&l2)).await.unwrap();
    (s, loc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_round_trip_and_an_external_id_is_used_once_per_channel() {
    for engine in engines() {
        let (s, loc) = order_store(&engine).await;
        let mut first = order(1001, 1, &loc, "cus_1", 100);
        first.external_id = Some("EXT-1".into());
        let mut pos = order(1002, 2, &loc, "cus_1", 100);
        (pos.channel, pos.external_id) = ("pos".into(), Some("EXT-1".into()));
        let (plain_a, plain_b) = (order(1003, 3, &loc, "cus_1", 100), order(1004, 4, &loc, "cus_1", 100));
        let rows = [first.clone(), pos.clone(), plain_a, plain_b];
        write(&s, move |tx| rows.iter().try_for_each(|o| tx.insert_order(o))).await.unwrap();
        let mut again = order(1005, 5, &loc, "cus_1", 100);
        again.external_id = Some("EXT-1".into());
        let err = write(&s, move |tx| tx.insert_order(&again)).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("orders.channel"), "{engine:?}: one order per channel and external id");

        let id = first.id.as_str().to_owned();
        let got = read(&s, move |tx| {
            Ok((
                tx.order_by_id(&id)?,
                tx.order_by_id("ord_none")?,
                tx.order_id_by_external_id("web", "EXT-1")?,
                tx.order_id_by_external_id("pos", "EXT-1")?,
                tx.order_id_by_external_id("web", "EXT-2")?,
            ))
        })
        .await;
        assert_eq!((got.0, got.1), (Some(first.clone()), None), "{engine:?}");
        assert_eq!(got.2.as_deref(), Some(first.id.as_str()), "{engine:?}");
        assert_eq!(got.3.as_deref(), Some(pos.id.as_str()), "{engine:?}");
        assert_eq!(got.4, None, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_numbers_start_at_1001_and_each_order_that_takes_one_gets_a_higher_one() {
    for engine in engines() {
        let (s, loc) = order_store(&engine).await;
        let mut numbers = Vec::new();
        for i in 0..3 {
            let loc = loc.clone();
            numbers.push(
                write(&s, move |tx| {
                    let number = tx.next_order_number()?;
                    tx.insert_order(&order(number, i, &loc, "cus_1", 100))?;
                    Ok(number)
                })
                .await
                .unwrap(),
            );
        }
        assert_eq!(numbers[0], 1001, "{engine:?}");
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{engine:?}: {numbers:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_updated_order_replaces_its_status_and_document() {
    for engine in engines() {
        let (s, loc) = order_store(&engine).await;
        let o = order(1001, 1, &loc, "cus_1", 100);
        let o2 = o.clone();
        write(&s, move |tx| tx.insert_order(&o2)).await.unwrap();
        let cancelled = Order {
            status: OrderStatus::Cancelled,
            cancel_reason: Some("customer".into()),
            cancelled_at: Some(200),
            updated_at: 200,
            version: 2,
            note: None,
            ..o.clone()
        };
        let c2 = cancelled.clone();
        write(&s, move |tx| tx.update_order(&c2)).await.unwrap();
        let id = o.id.as_str().to_owned();
        let (got, by_status) = read(&s, move |tx| {
            let filter = OrderFilter { status: Some(OrderStatus::Cancelled), ..Default::default() };
            Ok((tx.order_by_id(&id)?, tx.list_orders(&Page { after: None, limit: 10 }, &filter)?))
        })
        .await;
        assert_eq!(got, Some(cancelled.clone()), "{engine:?}");
        assert_eq!(by_status, [cancelled], "{engine:?}: the status filter sees the new status");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_list_newest_number_first_with_every_filter_and_the_cursor() {
    for engine in engines() {
        let (s, loc) = order_store(&engine).await;
        let mut rows = Vec::new();
        for (i, (channel, customer, at)) in
            [("web", "cus_1", 100), ("pos", "cus_2", 200), ("web", "cus_2", 300), ("web", "cus_1", 400)]
                .into_iter()
                .enumerate()
        {
            let mut o = order(1001 + i as i64, i as u128 + 1, &loc, customer, at);
            o.channel = channel.into();
            if i == 2 {
                o.status = OrderStatus::Cancelled;
            }
            rows.push(o);
        }
        write(&s, move |tx| rows.iter().try_for_each(|o| tx.insert_order(o))).await.unwrap();
        let list = |after: Option<i64>, limit: usize, f: OrderFilter| {
            let s = s.clone();
            async move {
                let got = read(&s, move |tx| tx.list_orders(&Page { after, limit }, &f)).await;
                got.into_iter().map(|o| o.number).collect::<Vec<_>>()
            }
        };
        let all = OrderFilter::default();
        assert_eq!(list(None, 10, all.clone()).await, [1004, 1003, 1002, 1001], "{engine:?}");
        assert_eq!(list(None, 2, all.clone()).await, [1004, 1003], "{engine:?}");
        assert_eq!(list(Some(1003), 10, all).await, [1002, 1001], "{engine:?}: after the cursor");
        let web = OrderFilter { channel: Some("web".into()), ..Default::default() };
        assert_eq!(list(None, 10, web).await, [1004, 1003, 1001], "{engine:?}");
        let cus_2 = OrderFilter { customer_id: Some("cus_2".into()), ..Default::default() };
        assert_eq!(list(None, 10, cus_2).await, [1003, 1002], "{engine:?}");
        let open = OrderFilter { status: Some(OrderStatus::Allocated), ..Default::default() };
        assert_eq!(list(None, 10, open).await, [1004, 1002, 1001], "{engine:?}");
        let window = OrderFilter { created_after: Some(200), created_before: Some(400), ..Default::default() };
        assert_eq!(list(None, 10, window).await, [1003, 1002], "{engine:?}: from created_after, before created_before");
        let both = OrderFilter { channel: Some("web".into()), customer_id: Some("cus_1".into()), ..Default::default() };
        assert_eq!(list(Some(1004), 10, both).await, [1001], "{engine:?}: filters and cursor together");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_work_queue_pages_through_one_kind_of_record_in_one_status_oldest_first() {
    for engine in engines() {
        let s = store(&engine);
        let record = |id: &str, kind: &str, status: &str| OrderRecord {
            id: id.into(),
            order_id: "ord_1".into(),
            kind: kind.into(),
            status: status.into(),
            created_at: 1,
            updated_at: 1,
            body: "{}".into(),
        };
        let rows = [
            record("rec_5", "refund", "pending"),
            record("rec_1", "refund", "pending"),
            record("rec_3", "hold", "pending"),
            record("rec_2", "refund", "succeeded"),
            record("rec_4", "refund", "pending"),
        ];
        write(&s, move |tx| rows.iter().try_for_each(|r| tx.insert_order_record(r))).await.unwrap();
        let page = |after: Option<&'static str>| {
            let s = s.clone();
            async move {
                let got = read(&s, move |tx| tx.order_records_in_status("refund", "pending", after, 2)).await;
                got.into_iter().map(|r| r.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(page(None).await, ["rec_1", "rec_4"], "{engine:?}");
        assert_eq!(page(Some("rec_4")).await, ["rec_5"], "{engine:?}");
        assert_eq!(page(Some("rec_5")).await, Vec::<String>::new(), "{engine:?}");
        let holds = read(&s, |tx| tx.order_records("ord_1", "hold")).await;
        assert_eq!(holds, [record("rec_3", "hold", "pending")], "{engine:?}: one kind only");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_one_order_read_under_its_lock_lose_nothing() {
    for engine in engines() {
        let (s, loc) = order_store(&engine).await;
        let o = order(1001, 1, &loc, "cus_1", 100);
        let (o2, id) = (o.clone(), o.id.as_str().to_owned());
        write(&s, move |tx| tx.insert_order(&o2)).await.unwrap();
        let jobs: Vec<_> = (0..20)
            .map(|_| {
                let (s, id) = (s.clone(), id.clone());
                tokio::spawn(async move {
                    write(&s, move |tx| {
                        let mut o = tx.order_by_id(&id)?.expect("the order exists");
                        o.version += 1;
                        tx.update_order(&o)
                    })
                    .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        let id = o.id.as_str().to_owned();
        let version = read(&s, move |tx| tx.order_by_id(&id)).await.map(|o| o.version);
        assert_eq!(version, Some(21), "{engine:?}: every edit saw the one before it");
    }
}
