//! Planning stock: policies replaced per SKU and location and removed, the reorder point never
//! below the safety stock; alerts opened once per kind, SKU and location, ended, and listed
//! newest first with filters, and read by id; a location's buyers replaced whole; forecasts
//! replaced per SKU and listed by SKU without their bodies.

use ordo_store::{AlertFilter, AlertRecord, BuyerRecord, ForecastRecord, Page, PolicyRecord, StoreError};

use crate::common::{engines, read, store, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_policies_are_kept_replaced_and_removed() {
    for engine in engines() {
        let s = store(&engine);
        let policy = |sku: &str, location: &str, safety_stock, reorder_point| PolicyRecord {
            sku: sku.into(),
            location_id: location.into(),
            safety_stock,
            reorder_point,
            source: "manual".into(),
            updated_at: 40,
        };
        let rows = [policy("A", "loc_2", 1, 4), policy("A", "loc_1", 5, 12), policy("B", "loc_1", 0, 3)];
        write(&s, move |tx| rows.iter().try_for_each(|p| tx.put_policy(p))).await.unwrap();
        let replaced = PolicyRecord { source: "computed".into(), ..policy("A", "loc_1", 7, 20) };
        let saved = replaced.clone();
        write(&s, move |tx| tx.put_policy(&saved)).await.unwrap();
        let (a, none) = read(&s, |tx| Ok((tx.policies_for_skus(&["A", "Z"])?, tx.policies_for_skus(&[])?))).await;
        assert_eq!(a, [replaced, policy("A", "loc_2", 1, 4)], "{engine:?}: by SKU and location");
        assert!(none.is_empty());
        // A reorder point below the safety stock is never stored.
        let bad = policy("C", "loc_1", 5, 4);
        assert!(write(&s, move |tx| tx.put_policy(&bad)).await.is_err(), "{engine:?}");
        let (gone, again) =
            write(&s, |tx| Ok((tx.delete_policy("A", "loc_2")?, tx.delete_policy("A", "loc_2")?))).await.unwrap();
        assert_eq!((gone, again), (true, false), "{engine:?}");
        let left = read(&s, |tx| tx.policies_for_skus(&["A", "B", "C"])).await;
        assert_eq!(
            left.iter().map(|p| (p.sku.as_str(), p.location_id.as_str())).collect::<Vec<_>>(),
            [("A", "loc_1"), ("B", "loc_1")]
        );
    }
}

fn alert(id: &str, kind: &str, sku: &str, location: &str, ended_at: Option<i64>) -> AlertRecord {
    AlertRecord {
        id: id.into(),
        kind: kind.into(),
        sku: sku.into(),
        location_id: location.into(),
        started_at: 50,
        ended_at,
        available: 2,
        reorder_point: (kind == "low_stock").then_some(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_open_once_end_and_list_newest_first() {
    for engine in engines() {
        let s = store(&engine);
        let rows = [
            alert("alr_1", "low_stock", "A", "loc_1", Some(60)),
            alert("alr_2", "low_stock", "A", "loc_1", None),
            alert("alr_3", "stock_out", "A", "loc_1", None),
            alert("alr_4", "low_stock", "B", "loc_2", None),
        ];
        write(&s, move |tx| rows.iter().try_for_each(|a| tx.put_alert(a))).await.unwrap();
        // A second open alert of a kind for the same SKU and location is refused.
        let twice = alert("alr_5", "low_stock", "A", "loc_1", None);
        let refused = write(&s, move |tx| tx.put_alert(&twice)).await;
        assert_eq!(refused, Err(StoreError::Conflict("stock_alerts.kind")), "{engine:?}");
        let open = read(&s, |tx| tx.open_alerts_for_skus(&["A", "Z"])).await;
        assert_eq!(open.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["alr_2", "alr_3"], "{engine:?}");
        assert!(read(&s, |tx| tx.open_alerts_for_skus(&[])).await.is_empty());
        // Ended, it is replaced whole and no longer open.
        let ended = alert("alr_2", "low_stock", "A", "loc_1", Some(70));
        let saved = ended.clone();
        write(&s, move |tx| tx.put_alert(&saved)).await.unwrap();
        let page = |after: Option<&str>, limit| Page { after: after.map(str::to_owned), limit };
        let f = |open, kind: Option<&str>, sku: Option<&str>, location: Option<&str>| AlertFilter {
            open,
            kind: kind.map(str::to_owned),
            sku: sku.map(str::to_owned),
            location_id: location.map(str::to_owned),
        };
        let ids = |rows: Vec<AlertRecord>| rows.into_iter().map(|a| a.id).collect::<Vec<_>>();
        let cases = [
            (page(None, 10), f(None, None, None, None), vec!["alr_4", "alr_3", "alr_2", "alr_1"]),
            (page(Some("alr_3"), 10), f(None, None, None, None), vec!["alr_2", "alr_1"]),
            (page(None, 1), f(None, None, None, None), vec!["alr_4"]),
            (page(None, 10), f(Some(true), None, None, None), vec!["alr_4", "alr_3"]),
            (page(None, 10), f(Some(false), None, None, None), vec!["alr_2", "alr_1"]),
            (page(None, 10), f(None, Some("low_stock"), Some("A"), None), vec!["alr_2", "alr_1"]),
            (page(None, 10), f(None, None, None, Some("loc_2")), vec!["alr_4"]),
        ];
        for (p, filter, expected) in cases {
            let got = read(&s, move |tx| tx.list_alerts(&p, &filter)).await;
            assert_eq!(ids(got), expected, "{engine:?}");
        }
        let got = read(&s, |tx| tx.list_alerts(&Page { after: None, limit: 10 }, &AlertFilter::default())).await;
        assert_eq!(got.iter().find(|a| a.id == "alr_2"), Some(&ended));
        let (one, none) = read(&s, |tx| Ok((tx.alert("alr_2")?, tx.alert("alr_9")?))).await;
        assert_eq!((one, none), (Some(ended), None), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locations_buyers_are_replaced_whole() {
    for engine in engines() {
        let s = store(&engine);
        fn buyer(location: &str, email: &str, name: Option<&str>) -> BuyerRecord {
            BuyerRecord { location_id: location.into(), email: email.into(), name: name.map(str::to_owned) }
        }
        let first = [buyer("loc_1", "zed@example.com", None), buyer("loc_1", "ann@example.com", Some("Ann"))];
        write(&s, move |tx| {
            tx.put_buyers("loc_1", &first)?;
            tx.put_buyers("loc_2", &[buyer("loc_2", "bo@example.com", None)])
        })
        .await
        .unwrap();
        let got = read(&s, |tx| tx.buyers("loc_1")).await;
        let emails: Vec<&str> = got.iter().map(|b| b.email.as_str()).collect();
        assert_eq!(emails, ["ann@example.com", "zed@example.com"], "{engine:?}");
        assert_eq!(got[0].name.as_deref(), Some("Ann"));
        // Replaced, the old list is gone; another location's stays.
        write(&s, |tx| tx.put_buyers("loc_1", &[buyer("loc_1", "cy@example.com", None)])).await.unwrap();
        write(&s, |tx| tx.put_buyers("loc_2", &[])).await.unwrap();
        let (one, two) = read(&s, |tx| Ok((tx.buyers("loc_1")?, tx.buyers("loc_2")?))).await;
        assert_eq!((one.len(), one[0].email.as_str(), two.len()), (1, "cy@example.com", 0), "{engine:?}");
        // The same address twice is refused, and nothing changes.
        let twice = [buyer("loc_1", "a@example.com", None), buyer("loc_1", "a@example.com", None)];
        assert!(write(&s, move |tx| tx.put_buyers("loc_1", &twice)).await.is_err(), "{engine:?}");
        assert_eq!(read(&s, |tx| tx.buyers("loc_1")).await.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forecasts_are_replaced_per_sku_and_listed_by_sku() {
    for engine in engines() {
        let s = store(&engine);
        let f = |sku: &str, at: i64, mase: Option<f64>| ForecastRecord {
            sku: sku.into(),
            computed_at: at,
            model: "mstl_ets".into(),
            mase,
            bias: Some(-0.25),
            units: at * 2,
            body: format!("{{\"sku\":\"{sku}\",\"at\":{at}}}"),
        };
        let (b, a, c) = (f("B", 10, Some(0.8)), f("A", 11, None), f("C", 12, Some(1.5)));
        write(&s, move |tx| {
            tx.put_forecast(&b)?;
            tx.put_forecast(&a)?;
            tx.put_forecast(&c)
        })
        .await
        .unwrap();
        let newer = f("B", 20, Some(0.7));
        let kept = newer.clone();
        write(&s, move |tx| tx.put_forecast(&newer)).await.unwrap();
        let (got, none) = read(&s, |tx| Ok((tx.forecast("B")?, tx.forecast("Z")?))).await;
        assert_eq!((got, none), (Some(kept), None), "{engine:?}");
        let first = read(&s, |tx| tx.list_forecasts(&Page { after: None, limit: 2 })).await;
        let skus: Vec<&str> = first.iter().map(|f| f.sku.as_str()).collect();
        assert_eq!(skus, ["A", "B"], "{engine:?}");
        assert_eq!(
            (first[1].computed_at, first[1].mase, first[1].units, first[1].body.as_str()),
            (20, Some(0.7), 40, ""),
            "{engine:?}"
        );
        let rest = read(&s, |tx| tx.list_forecasts(&Page { after: Some("B".into()), limit: 2 })).await;
        assert_eq!(rest.iter().map(|f| f.sku.as_str()).collect::<Vec<_>>(), ["C"], "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planning_settings_are_one_document_replaced_whole() {
    for engine in engines() {
        let s = store(&engine);
        assert_eq!(read(&s, |tx| tx.planning_settings()).await, None, "{engine:?}");
        write(&s, |tx| tx.put_planning_settings("{\"a\":1}", 10)).await.unwrap();
        write(&s, |tx| tx.put_planning_settings("{\"a\":2}", 20)).await.unwrap();
        assert_eq!(read(&s, |tx| tx.planning_settings()).await.as_deref(), Some("{\"a\":2}"), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_count_of_each_sku_and_location_is_kept() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            tx.put_last_count("B", "loc_1", 10)?;
            tx.put_last_count("A", "loc_2", 11)?;
            tx.put_last_count("A", "loc_1", 12)?;
            tx.put_last_count("B", "loc_1", 30)
        })
        .await
        .unwrap();
        let got = read(&s, |tx| tx.last_counts()).await;
        let expected = [("A", "loc_1", 12), ("A", "loc_2", 11), ("B", "loc_1", 30)];
        let got: Vec<(&str, &str, i64)> = got.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), *c)).collect();
        assert_eq!(got, expected, "{engine:?}");
    }
}
