//! One conformance suite for every storage engine: SQLite always, PostgreSQL when
//! `ORDO_TEST_POSTGRES_URL` is set. Each check states behaviour the use cases rely on.

use ordo_domain::catalog::{Location, LocationKind, Product};
use ordo_domain::id::{LocationId, ProductId};
use ordo_domain::inventory::{Level, Reason};
use ordo_store::testing::{TestEngine, temp_dir};
use ordo_store::{EventFilter, IdempotencyRecord, LevelChange, MovementFilter, NewEvent, Page, Store, StoreError};

fn engines() -> Vec<TestEngine> {
    std::iter::once(TestEngine::Sqlite).chain(TestEngine::postgres()).collect()
}

fn store(engine: &TestEngine) -> Store {
    ordo_store::open(&engine.fresh_url(&temp_dir("store")), &Default::default()).unwrap()
}

fn product(sku: &str) -> Product {
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

fn location(code: &str, n: u128) -> Location {
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

fn change(loc: &Location, sku: &str, on_hand: i64, reserved: i64) -> LevelChange {
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

async fn write<T: Send + 'static>(
    s: &Store,
    f: impl FnMut(&mut dyn ordo_store::Tx) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    s.write(f).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_round_trip_and_unique_rules_are_named() {
    for engine in engines() {
        let s = store(&engine);
        let (p, l) = (product("A-1"), location("WH", 1));
        let (p2, l2) = (p.clone(), l.clone());
        write(&s, move |tx| {
            tx.insert_product(&p2)?;
            tx.insert_location(&l2)
        })
        .await
        .unwrap();
        let again = Product { id: ProductId::generate(2, 2), ..p.clone() };
        let err = write(&s, move |tx| tx.insert_product(&again)).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("products.sku"), "{engine:?}");
        let (got_p, got_l) =
            s.read(|tx| Ok::<_, StoreError>((tx.product_by_sku("A-1")?, tx.location_by_code("WH")?))).await.unwrap();
        assert_eq!(got_p, Some(p), "{engine:?}");
        assert_eq!(got_l, Some(l), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn level_changes_are_guarded_and_ledgered() {
    for engine in engines() {
        let s = store(&engine);
        let l = location("WH", 1);
        let l2 = l.clone();
        write(&s, move |tx| tx.insert_location(&l2)).await.unwrap();
        let steps: Vec<(i64, i64, Result<Level, Level>)> = vec![
            (5, 0, Ok(Level { on_hand: 5, reserved: 0 })),
            (0, 4, Ok(Level { on_hand: 5, reserved: 4 })),
            (0, 2, Err(Level { on_hand: 5, reserved: 4 })),
            (-2, 0, Err(Level { on_hand: 5, reserved: 4 })),
            (-1, -1, Ok(Level { on_hand: 4, reserved: 3 })),
            (0, -4, Err(Level { on_hand: 4, reserved: 3 })),
        ];
        for (on_hand, reserved, expected) in steps {
            let c = change(&l, "X", on_hand, reserved);
            let got = write(&s, move |tx| tx.change_level(&c)).await.unwrap();
            let got = got.map(|m| Level { on_hand: m.on_hand_after, reserved: m.reserved_after });
            assert_eq!(got, expected, "{engine:?}: {on_hand:+} {reserved:+}");
        }
        // A change that would start a row below zero creates nothing.
        let c = change(&l, "NEW", -1, 0);
        assert_eq!(write(&s, move |tx| tx.change_level(&c)).await.unwrap().unwrap_err(), Level::default());
        let ledger =
            s.read(|tx| tx.list_movements(&Page { after: None, limit: 50 }, &MovementFilter::default())).await.unwrap();
        assert_eq!(ledger.len(), 3, "{engine:?}: only applied changes are in the ledger");
        assert!(ledger.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
        let levels = s.read(|tx| tx.levels_for_skus(&["X", "NEW"])).await.unwrap();
        assert_eq!(levels.len(), 1);
        assert_eq!((levels[0].on_hand, levels[0].reserved, levels[0].location.as_str()), (4, 3, "WH"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_leaves_nothing_and_others_in_its_batch_commit() {
    for engine in engines() {
        let s = store(&engine);
        let mut jobs = Vec::new();
        for i in 0..20 {
            let s = s.clone();
            jobs.push(tokio::spawn(async move {
                s.write(move |tx| {
                    tx.insert_product(&product(&format!("P-{i}")))?;
                    if i % 3 == 0 { Err(StoreError::Internal("refused".into())) } else { Ok(()) }
                })
                .await
            }));
        }
        for j in jobs {
            let _ = j.await.unwrap();
        }
        let skus: Vec<String> = s
            .read(|tx| tx.list_products(&Page { after: None, limit: 100 }, None))
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.sku)
            .collect();
        let mut expected: Vec<String> = (0..20).filter(|i| i % 3 != 0).map(|i| format!("P-{i}")).collect();
        expected.sort();
        assert_eq!(skus, expected, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_their_cursors() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            for sku in ["b", "a", "d", "c", "B"] {
                tx.insert_product(&product(sku))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let first = s.read(|tx| tx.list_products(&Page { after: None, limit: 2 }, None)).await.unwrap();
        let after = first.last().unwrap().sku.clone();
        let rest = s.read(move |tx| tx.list_products(&Page { after: Some(after), limit: 10 }, None)).await.unwrap();
        let all: Vec<String> = first.into_iter().chain(rest).map(|p| p.sku).collect();
        assert_eq!(all, ["B", "a", "b", "c", "d"], "{engine:?}: byte order, on every engine");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_idempotency_records_keep_their_order_and_their_bytes() {
    for engine in engines() {
        let s = store(&engine);
        for i in 0..5 {
            write(&s, move |tx| {
                let id = format!("evt_{i}");
                let data = format!("{{\"n\":{i}}}");
                tx.append_event(&NewEvent {
                    id: &id,
                    event_type: "thing.happened",
                    subject: "ord_1",
                    at: i,
                    data: &data,
                })
            })
            .await
            .unwrap();
        }
        // On PostgreSQL the feed holds back events while older transactions (of other tests on
        // the same server) are still in flight; it never skips or reorders them.
        let mut events = Vec::new();
        for _ in 0..200 {
            events =
                s.read(|tx| tx.list_events(&Page { after: None, limit: 10 }, &EventFilter::default())).await.unwrap();
            if events.len() == 5 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(
            events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["evt_0", "evt_1", "evt_2", "evt_3", "evt_4"]
        );
        let second = events[1].seq;
        let later = s
            .read(move |tx| {
                tx.list_events(
                    &Page { after: Some(second), limit: 10 },
                    &EventFilter { subject: Some("ord_1".into()), event_type: None },
                )
            })
            .await
            .unwrap();
        assert_eq!(later.len(), 3, "{engine:?}");

        let record = IdempotencyRecord {
            key_id: "key_1".into(),
            key: "k".into(),
            request_hash: "h".into(),
            status: 201,
            body: vec![0, 159, 146, 150, b'{'],
            created_at: 9,
        };
        let r2 = record.clone();
        write(&s, move |tx| tx.idempotency_put(&r2)).await.unwrap();
        let r3 = record.clone();
        assert_eq!(
            write(&s, move |tx| tx.idempotency_put(&r3)).await.unwrap_err(),
            StoreError::Conflict("idempotency_keys.key_id")
        );
        let got = s.read(|tx| tx.idempotency_get("key_1", "k")).await.unwrap();
        assert_eq!(got, Some(record), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_records_settings_cursors_and_payment_references_round_trip() {
    use ordo_store::{OrderRecord, PaymentRecord};
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
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_buckets_never_go_below_zero_and_keep_a_ledger() {
    use ordo_store::BucketChange;
    for engine in engines() {
        let s = store(&engine);
        let change = |bucket: &str, delta: i64| BucketChange {
            at: 9,
            location_id: "loc_1".into(),
            location: "WH".into(),
            sku: "A-1".into(),
            bucket: bucket.into(),
            delta,
            reason: "returned".into(),
            actor: Some("key_test".into()),
            order_id: Some("ord_1".into()),
            reference: Some("ret_1".into()),
            note: None,
        };
        let (a, b, c, d) =
            (change("quarantine", 3), change("quarantine", -4), change("quarantine", -1), change("disposed", -1));
        let got = write(&s, move |tx| {
            Ok((tx.change_bucket(&a)?, tx.change_bucket(&b)?, tx.change_bucket(&c)?, tx.change_bucket(&d)?))
        })
        .await
        .unwrap();
        assert_eq!(got, (Ok(3), Err(3), Ok(2), Err(0)), "{engine:?}");
        let (levels, ledger) =
            s.read(|tx| Ok::<_, StoreError>((tx.buckets_for_sku("A-1")?, tx.bucket_movements("A-1")?))).await.unwrap();
        assert_eq!(levels.len(), 1, "{engine:?}");
        assert_eq!((levels[0].bucket.as_str(), levels[0].quantity), ("quarantine", 2), "{engine:?}");
        let moves: Vec<(i64, i64)> = ledger.iter().map(|m| (m.change.delta, m.quantity_after)).collect();
        assert_eq!(moves, vec![(3, 3), (-1, 2)], "{engine:?}");
        assert_eq!(ledger[0].change.reference.as_deref(), Some("ret_1"), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_engine_meets_its_fault_only_at_the_armed_event_and_rolls_that_job_back() {
    use ordo_store::faults::{Fault, FaultyEngine};
    for engine in engines() {
        let inner = ordo_store::open_engine(&engine.fresh_url(&temp_dir("faults")), &Default::default()).unwrap();
        let (faulty, switch) = FaultyEngine::new(inner);
        let s = Store::new(std::sync::Arc::new(faulty));
        let job = |sku: &'static str, event_type: &'static str| {
            move |tx: &mut dyn ordo_store::Tx| {
                tx.insert_product(&product(sku))?;
                tx.append_event(&NewEvent { id: sku, event_type, subject: sku, at: 1, data: "{}" })
            }
        };
        write(&s, job("A", "order.created")).await.unwrap();
        *switch.lock().unwrap() = Some(Fault::FailOnEvent("order.created".into()));
        let failed = write(&s, job("B", "order.created")).await.unwrap_err();
        assert_eq!(failed, StoreError::Internal("injected fault".into()), "{engine:?}");
        write(&s, job("C", "order.cancelled")).await.unwrap();
        *switch.lock().unwrap() = Some(Fault::PanicOnEvent("order.created".into()));
        let panicked = write(&s, job("D", "order.created")).await.unwrap_err();
        assert_ne!(panicked, failed, "{engine:?}: the job panicked instead of returning the fault");
        *switch.lock().unwrap() = None;
        write(&s, job("E", "order.created")).await.unwrap();
        let (skus, events) = s
            .read(|tx| {
                let skus: Vec<String> =
                    tx.list_products(&Page { after: None, limit: 10 }, None)?.into_iter().map(|p| p.sku).collect();
                let events = tx.list_events(&Page { after: None, limit: 10 }, &EventFilter::default())?;
                Ok::<_, StoreError>((skus, events.into_iter().map(|e| e.subject).collect::<Vec<_>>()))
            })
            .await
            .unwrap();
        assert_eq!(skus, ["A", "C", "E"], "{engine:?}: the faulted jobs left nothing");
        // The PostgreSQL feed may hold back events of transactions still in flight elsewhere.
        assert!(events.iter().all(|e| ["A", "C", "E"].contains(&e.as_str())), "{engine:?}: {events:?}");
    }
}
