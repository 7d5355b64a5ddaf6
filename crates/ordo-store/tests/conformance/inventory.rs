//! Stock: levels and their ledger, count requests, non-sellable buckets.

use ordo_domain::catalog::Location;
use ordo_domain::inventory::Level;
use ordo_store::{LevelRecord, MovementFilter, Page, StoreError};

use crate::common::{change, engines, location, read, store, write};

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
        for (i, (on_hand, reserved, expected)) in steps.into_iter().enumerate() {
            let c =
                ordo_store::LevelChange { reference: Some(format!("po_1:{i}")), ..change(&l, "X", on_hand, reserved) };
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
        // The reference is kept both when the change creates the row and when it updates it.
        let refs: Vec<_> = ledger.iter().map(|m| m.reference.as_deref()).collect();
        assert_eq!(refs, [Some("po_1:4"), Some("po_1:1"), Some("po_1:0")], "{engine:?}");
        let levels = s.read(|tx| tx.levels_for_skus(&["X", "NEW"])).await.unwrap();
        assert_eq!(levels.len(), 1);
        assert_eq!((levels[0].on_hand, levels[0].reserved, levels[0].location.as_str()), (4, 3, "WH"));
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

/// Locations whose id order is the reverse of their code order, to tell the two apart.
fn two_locations() -> (Location, Location) {
    (location("Z-WH", 1), location("A-WH", 2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn levels_for_skus_come_in_sku_then_location_code_order_in_reads_and_in_writes() {
    for engine in engines() {
        let s = store(&engine);
        let (z, a) = two_locations();
        write(&s, move |tx| {
            tx.insert_location(&z)?;
            tx.insert_location(&a)?;
            for (loc, sku) in [(&z, "B"), (&a, "B"), (&z, "A"), (&a, "C")] {
                tx.change_level(&change(loc, sku, 4, 1))?.unwrap();
            }
            Ok(())
        })
        .await
        .unwrap();
        let order = |levels: Vec<LevelRecord>| {
            levels.into_iter().map(|l| (l.sku, l.location, l.on_hand, l.reserved)).collect::<Vec<_>>()
        };
        let expected = [
            ("A".to_owned(), "Z-WH".to_owned(), 4, 1),
            ("B".to_owned(), "A-WH".to_owned(), 4, 1),
            ("B".to_owned(), "Z-WH".to_owned(), 4, 1),
        ];
        let in_read = read(&s, |tx| tx.levels_for_skus(&["B", "A", "NONE"])).await;
        assert_eq!(order(in_read), expected, "{engine:?}");
        let in_write = write(&s, |tx| tx.levels_for_skus(&["A", "B"])).await.unwrap();
        assert_eq!(order(in_write), expected, "{engine:?}: a write transaction (which locks them) agrees");
        assert_eq!(read(&s, |tx| tx.levels_for_skus(&[])).await, [], "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn levels_list_by_sku_then_location_id_page_by_page_and_filter() {
    for engine in engines() {
        let s = store(&engine);
        let (z, a) = two_locations();
        let (z2, a2) = (z.clone(), a.clone());
        write(&s, move |tx| {
            tx.insert_location(&z2)?;
            tx.insert_location(&a2)?;
            for loc in [&z2, &a2] {
                for sku in ["B", "A"] {
                    tx.change_level(&change(loc, sku, 2, 0))?.unwrap();
                }
            }
            Ok(())
        })
        .await
        .unwrap();
        let keys = |levels: Vec<LevelRecord>| {
            levels.into_iter().map(|l| (l.sku, l.location_id.as_str().to_owned())).collect::<Vec<_>>()
        };
        let (zi, ai) = (z.id.as_str().to_owned(), a.id.as_str().to_owned());
        let first = read(&s, |tx| tx.list_levels(&Page { after: None, limit: 3 }, None, None)).await;
        let first = keys(first);
        assert_eq!(
            first,
            [("A".into(), zi.clone()), ("A".into(), ai.clone()), ("B".into(), zi.clone())],
            "{engine:?}: by SKU, then location id"
        );
        let after = first[2].clone();
        let rest = read(&s, move |tx| tx.list_levels(&Page { after: Some(after), limit: 3 }, None, None)).await;
        assert_eq!(keys(rest), [("B".into(), ai.clone())], "{engine:?}");
        let a_id = ai.clone();
        let at_a = read(&s, move |tx| tx.list_levels(&Page { after: None, limit: 9 }, None, Some(&a_id))).await;
        assert_eq!(keys(at_a), [("A".into(), ai.clone()), ("B".into(), ai.clone())], "{engine:?}");
        let b_after = Some(("B".to_owned(), zi.clone()));
        let b = read(&s, move |tx| tx.list_levels(&Page { after: b_after, limit: 9 }, Some("B"), None)).await;
        assert_eq!(keys(b), [("B".into(), ai)], "{engine:?}: a filter and a cursor together");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_lists_newest_first_and_filters_by_sku_location_order_and_time() {
    for engine in engines() {
        let s = store(&engine);
        let (z, a) = two_locations();
        let (z2, a2) = (z.clone(), a.clone());
        write(&s, move |tx| {
            tx.insert_location(&z2)?;
            tx.insert_location(&a2)?;
            for (i, (loc, sku)) in [(&z2, "A"), (&a2, "A"), (&z2, "B"), (&z2, "A")].into_iter().enumerate() {
                let mut c = change(loc, sku, 3, 0);
                c.at = 100 + 10 * i as i64;
                c.order_id = (i == 1).then(|| "ord_1".to_owned());
                tx.change_level(&c)?.unwrap();
            }
            Ok(())
        })
        .await
        .unwrap();
        let list = |after: Option<i64>, f: MovementFilter| {
            let s = s.clone();
            async move {
                let got = read(&s, move |tx| tx.list_movements(&Page { after, limit: 10 }, &f)).await;
                got.into_iter().map(|m| m.at).collect::<Vec<_>>()
            }
        };
        assert_eq!(list(None, MovementFilter::default()).await, [130, 120, 110, 100], "{engine:?}");
        let all = read(&s, |tx| tx.list_movements(&Page { after: None, limit: 2 }, &MovementFilter::default())).await;
        assert_eq!(all.iter().map(|m| m.at).collect::<Vec<_>>(), [130, 120], "{engine:?}: the limit");
        assert_eq!(list(Some(all[1].seq), MovementFilter::default()).await, [110, 100], "{engine:?}: the cursor");
        let sku = MovementFilter { sku: Some("A".into()), ..Default::default() };
        assert_eq!(list(None, sku).await, [130, 110, 100], "{engine:?}");
        let at = MovementFilter { location_id: Some(a.id.as_str().into()), ..Default::default() };
        assert_eq!(list(None, at).await, [110], "{engine:?}");
        let for_order = MovementFilter { order_id: Some("ord_1".into()), ..Default::default() };
        assert_eq!(list(None, for_order).await, [110], "{engine:?}");
        let window = MovementFilter { after_time: Some(110), before_time: Some(130), ..Default::default() };
        assert_eq!(list(None, window).await, [120, 110], "{engine:?}: from after_time, up to before before_time");
        let first = all[0].clone();
        assert_eq!((first.sku.as_str(), first.location.as_str(), first.on_hand_after), ("A", "Z-WH", 6), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_requests_are_refreshed_listed_oldest_first_and_cleared() {
    use ordo_store::CountRequest;
    for engine in engines() {
        let s = store(&engine);
        let request = |sku: &str, loc: &str, at: i64, reason: Option<&str>| CountRequest {
            sku: sku.into(),
            location_id: loc.into(),
            location: loc.to_uppercase(),
            requested_at: at,
            reason: reason.map(Into::into),
        };
        write(&s, move |tx| {
            tx.request_count(&request("A", "loc_1", 50, None))?;
            tx.request_count(&request("B", "loc_1", 30, None))?;
            tx.request_count(&request("A", "loc_2", 40, None))?;
            tx.request_count(&request("A", "loc_1", 10, Some("damaged")))
        })
        .await
        .unwrap();
        let all = read(&s, |tx| tx.count_requests(None)).await;
        assert_eq!(
            all,
            [
                request("A", "loc_1", 10, Some("damaged")),
                request("B", "loc_1", 30, None),
                request("A", "loc_2", 40, None)
            ],
            "{engine:?}: a second request refreshes the first; oldest first"
        );
        write(&s, |tx| {
            tx.clear_count_request("B", "loc_1")?;
            tx.clear_count_request("Z", "loc_9")
        })
        .await
        .unwrap();
        let at_one = read(&s, |tx| tx.count_requests(Some("loc_1"))).await;
        assert_eq!(at_one, [request("A", "loc_1", 10, Some("damaged"))], "{engine:?}");
    }
}
