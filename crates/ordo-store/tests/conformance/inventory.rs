//! Stock: levels and their ledger, count requests, non-sellable buckets.

use ordo_domain::inventory::Level;
use ordo_store::{MovementFilter, Page, StoreError};

use crate::common::{change, engines, location, store, write};

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
