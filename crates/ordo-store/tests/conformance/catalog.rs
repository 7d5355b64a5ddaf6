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
            tx.take_location_load(&id, "2024-05-02", i64::MAX).map(drop)?;
            tx.take_location_load(&id, "2024-05-02", i64::MAX).map(drop)?;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_update_replaces_what_it_says_and_lookups_by_sku_find_each_once() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            for sku in ["A-1", "B-2", "C-3"] {
                tx.insert_product(&product(sku))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let changed = Product {
            name: "Renamed".into(),
            price: 2500,
            currency: "EUR".into(),
            weight_grams: None,
            barcode: Some("4006381333931".into()),
            active: false,
            version: 2,
            updated_at: 9,
            ..product("B-2")
        };
        let c2 = changed.clone();
        write(&s, move |tx| tx.update_product(&c2)).await.unwrap();
        let (one, mut some, none, inactive) = read(&s, |tx| {
            Ok((
                tx.product_by_sku("B-2")?,
                tx.products_by_skus(&["C-3", "A-1", "ZZZ", "A-1"])?,
                tx.products_by_skus(&[])?,
                tx.list_products(&Page { after: None, limit: 10 }, Some(false))?,
            ))
        })
        .await;
        assert_eq!(one, Some(changed.clone()), "{engine:?}");
        some.sort_by(|a, b| a.sku.cmp(&b.sku));
        assert_eq!(some, [product("A-1"), product("C-3")], "{engine:?}: each known SKU once, unknown ones skipped");
        assert_eq!(none, [], "{engine:?}");
        assert_eq!(inactive, [changed], "{engine:?}: the active filter");
        let active = read(&s, |tx| tx.list_products(&Page { after: None, limit: 10 }, Some(true))).await;
        assert_eq!(active.iter().map(|p| p.sku.as_str()).collect::<Vec<_>>(), ["A-1", "C-3"], "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locations_update_in_place_list_in_code_order_and_keep_codes_unique() {
    use ordo_domain::catalog::LocationKind;
    use ordo_domain::order::Address;
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            for (i, code) in ["b", "C", "A"].into_iter().enumerate() {
                tx.insert_location(&location(code, i as u128))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let taken = location("C", 9);
        assert_eq!(
            write(&s, move |tx| tx.insert_location(&taken)).await.unwrap_err(),
            StoreError::Conflict("locations.code"),
            "{engine:?}"
        );
        let changed = ordo_domain::catalog::Location {
            name: "Store C".into(),
            kind: LocationKind::Store,
            address: Address {
                line1: "2 Main St".into(),
                city: "Lyon".into(),
                country: "FR".into(),
                postal_code: Some("69001".into()),
                ..Default::default()
            },
            latitude: Some(45.76),
            longitude: Some(4.83),
            ships_orders: false,
            pickup: true,
            priority: 7,
            daily_capacity: Some(40),
            active: false,
            version: 2,
            updated_at: 30,
            ..location("C", 1)
        };
        let c2 = changed.clone();
        write(&s, move |tx| tx.update_location(&c2)).await.unwrap();
        let (one, all) = read(&s, |tx| Ok((tx.location_by_code("C")?, tx.all_locations()?))).await;
        assert_eq!(one, Some(changed.clone()), "{engine:?}");
        assert_eq!(all.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(), ["A", "C", "b"], "{engine:?}: byte order");
        assert_eq!(all[1], changed, "{engine:?}");
        assert_eq!(read(&s, |tx| tx.location_by_code("c")).await, None, "{engine:?}: codes are exact");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_sites_describe_every_location_with_the_capacity_left_that_day() {
    for engine in engines() {
        let s = store(&engine);
        let mut wh = location("WH", 1);
        wh.address.country = "DE".into();
        (wh.latitude, wh.longitude, wh.daily_capacity) = (Some(52.5), Some(13.4), Some(5));
        let mut shop = location("SHOP", 2);
        (shop.pickup, shop.ships_orders, shop.active, shop.priority) = (true, false, false, 1);
        let (w2, s2) = (wh.clone(), shop.clone());
        write(&s, move |tx| {
            tx.insert_location(&w2)?;
            tx.insert_location(&s2)?;
            tx.take_location_load(w2.id.as_str(), "2024-05-01", i64::MAX).map(drop)?;
            tx.take_location_load(w2.id.as_str(), "2024-05-01", i64::MAX).map(drop)?;
            tx.take_location_load(s2.id.as_str(), "2024-05-01", i64::MAX).map(drop)
        })
        .await
        .unwrap();
        let mut sites = read(&s, |tx| tx.routing_sites("2024-05-01")).await;
        sites.sort_by(|a, b| a.code.cmp(&b.code));
        let got: Vec<_> = sites
            .iter()
            .map(|x| {
                (x.id.clone(), x.code.as_str(), x.priority, x.ships_orders, x.pickup, x.active, x.country.as_str())
            })
            .collect();
        assert_eq!(
            got,
            [(shop.id.clone(), "SHOP", 1, false, true, false, ""), (wh.id.clone(), "WH", 3, true, false, true, "DE")],
            "{engine:?}: inactive locations are listed too, for routing to explain"
        );
        assert_eq!((sites[0].coordinates, sites[1].coordinates), (None, Some((52.5, 13.4))), "{engine:?}");
        assert_eq!(
            (sites[0].remaining_capacity, sites[1].remaining_capacity),
            (None, Some(3)),
            "{engine:?}: 5 a day, 2 counted; no capacity means no limit"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_sets_and_carriers_are_replaced_by_name_and_keep_their_creation_time() {
    use ordo_store::RuleSetRecord;
    for engine in engines() {
        let s = store(&engine);
        let doc = |name: &str, version: i64, at: i64| RuleSetRecord {
            name: name.into(),
            body: format!("{{\"v\":{version}}}"),
            version,
            created_at: at,
            updated_at: at,
        };
        write(&s, move |tx| {
            for name in ["b", "B", "a"] {
                tx.put_rule_set(&doc(name, 1, 10))?;
                tx.put_carrier(&doc(&name.to_uppercase(), 1, 10))?;
            }
            tx.put_rule_set(&doc("a", 2, 20))?;
            tx.put_carrier(&doc("A", 2, 20))
        })
        .await
        .unwrap();
        let (rules, carriers) = read(&s, |tx| Ok((tx.rule_sets()?, tx.carriers()?))).await;
        let replaced = RuleSetRecord { created_at: 10, ..doc("a", 2, 20) };
        assert_eq!(rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["B", "a", "b"], "{engine:?}");
        assert_eq!(rules[1], replaced, "{engine:?}: body, version and update time replaced; creation kept");
        assert_eq!(carriers.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["A", "B"], "{engine:?}");
        assert_eq!(carriers[0], RuleSetRecord { name: "A".into(), ..replaced }, "{engine:?}");
        let deleted =
            write(&s, |tx| Ok((tx.delete_carrier("A")?, tx.delete_carrier("A")?, tx.delete_carrier("a")?))).await;
        assert_eq!(deleted.unwrap(), (true, false, false), "{engine:?}: deleted once, by its exact code");
        let left = read(&s, |tx| tx.carriers()).await;
        assert_eq!(left.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["B"], "{engine:?}");
    }
}
