//! The catalogue: products, locations and their daily load, routing rule sets, carriers.

use ordo_domain::catalog::Product;
use ordo_domain::id::ProductId;
use ordo_store::testing::TestEngine;
use ordo_store::{Page, Store, StoreError};

use crate::common::{engines, location, product, read, store, write};

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

/// What routing sees of `code` on `day`: the orders it may still take.
async fn remaining(s: &Store, code: &'static str, day: &'static str) -> Option<i64> {
    let sites = read(s, move |tx| tx.routing_sites(day)).await;
    sites.into_iter().find(|site| site.code == code).and_then(|site| site.remaining_capacity)
}

/// A store with location `WH` (daily capacity `capacity`) and `OTHER` (none); returns WH's id.
async fn capacity_store(engine: &TestEngine, capacity: i64) -> (Store, String) {
    let s = store(engine);
    let mut wh = location("WH", 1);
    wh.daily_capacity = Some(capacity);
    let id = wh.id.as_str().to_owned();
    write(&s, move |tx| {
        tx.insert_location(&wh)?;
        tx.insert_location(&location("OTHER", 2))
    })
    .await
    .unwrap();
    (s, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_location_takes_no_more_orders() {
    for engine in engines() {
        let (s, wh) = capacity_store(&engine, 3).await;
        let id = wh.clone();
        let taken = write(&s, move |tx| {
            (0..4).map(|_| tx.take_location_load(&id, "2024-05-01", 3)).collect::<Result<Vec<_>, _>>()
        })
        .await
        .unwrap();
        assert_eq!(taken, [true, true, true, false], "{engine:?}");
        assert_eq!(remaining(&s, "WH", "2024-05-01").await, Some(0), "{engine:?}: routing sees it full");
        assert_eq!(remaining(&s, "WH", "2024-05-02").await, Some(3), "{engine:?}: the next day is untouched");
        assert_eq!(remaining(&s, "OTHER", "2024-05-01").await, None, "{engine:?}: no capacity, no limit");
        // An order counted without the guard still counts; the guard then refuses the next.
        let id = wh.clone();
        let after_add = write(&s, move |tx| {
            tx.add_location_load(&id, "2024-05-02")?;
            tx.add_location_load(&id, "2024-05-02")?;
            tx.take_location_load(&id, "2024-05-02", 3)
        })
        .await
        .unwrap();
        assert!(after_add, "{engine:?}: two counted, one place left");
        assert_eq!(remaining(&s, "WH", "2024-05-02").await, Some(0), "{engine:?}");
        let id = wh.clone();
        assert!(!write(&s, move |tx| tx.take_location_load(&id, "2024-05-03", 0)).await.unwrap(), "{engine:?}");
        assert_eq!(remaining(&s, "WH", "2024-05-03").await, Some(3), "{engine:?}: a refusal counts nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_order_frees_its_place_and_the_count_never_goes_below_zero() {
    for engine in engines() {
        let (s, wh) = capacity_store(&engine, 2).await;
        let id = wh.clone();
        let steps = write(&s, move |tx| {
            let full = (tx.take_location_load(&id, "2024-05-01", 2)?, tx.take_location_load(&id, "2024-05-01", 2)?);
            tx.release_location_load(&id, "2024-05-01")?;
            let again = (tx.take_location_load(&id, "2024-05-01", 2)?, tx.take_location_load(&id, "2024-05-01", 2)?);
            Ok((full, again))
        })
        .await
        .unwrap();
        assert_eq!(steps, ((true, true), (true, false)), "{engine:?}");
        let id = wh.clone();
        write(&s, move |tx| {
            for _ in 0..5 {
                tx.release_location_load(&id, "2024-05-01")?;
                tx.release_location_load(&id, "2024-05-09")?;
            }
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(remaining(&s, "WH", "2024-05-01").await, Some(2), "{engine:?}: released to zero, not below");
        assert_eq!(remaining(&s, "WH", "2024-05-09").await, Some(2), "{engine:?}: a day never counted stays empty");
        let id = wh.clone();
        let taken = write(&s, move |tx| {
            (0..3).map(|_| tx.take_location_load(&id, "2024-05-01", 2)).collect::<Result<Vec<_>, _>>()
        })
        .await
        .unwrap();
        assert_eq!(taken, [true, true, false], "{engine:?}: extra releases freed no extra places");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_takers_of_ten_places_count_exactly_ten() {
    for engine in engines() {
        let (s, wh) = capacity_store(&engine, 10).await;
        let jobs: Vec<_> = (0..50)
            .map(|_| {
                let (s, id) = (s.clone(), wh.clone());
                tokio::spawn(async move { s.write(move |tx| tx.take_location_load(&id, "2024-05-01", 10)).await })
            })
            .collect();
        let mut counted = 0;
        for job in jobs {
            counted += usize::from(job.await.unwrap().unwrap());
        }
        assert_eq!(counted, 10, "{engine:?}");
        assert_eq!(remaining(&s, "WH", "2024-05-01").await, Some(0), "{engine:?}");
    }
}
