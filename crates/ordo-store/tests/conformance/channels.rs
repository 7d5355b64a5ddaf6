//! The channels' import logs and SKU mappings: one entry per delivery id and channel, found
//! by id and by delivery, listed newest first with filters; mappings replaced, found in bulk,
//! listed in order and deleted once.

use ordo_store::{ChannelImportRecord, ImportFilter, ListingRecord, Page, SkuMappingRecord, StoreError};

use crate::common::{engines, read, store, write};

fn entry(id: &str, channel: &str, delivery: Option<&str>, external: &str, status: &str) -> ChannelImportRecord {
    ChannelImportRecord {
        id: id.into(),
        channel: channel.into(),
        delivery_id: delivery.map(Into::into),
        external_id: Some(external.into()),
        topic: "orders/create".into(),
        status: status.into(),
        reason: None,
        order_id: None,
        payload: format!("{{\"id\":{external}}}"),
        created_at: 10,
        updated_at: 10,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_recorded_once_per_channel_and_entries_are_listed_newest_first() {
    for engine in engines() {
        let s = store(&engine);
        let a = entry("imp_a", "shop", Some("d1"), "820982911946154508", "imported");
        let b = entry("imp_b", "shop", None, "2", "parked");
        let c = entry("imp_c", "shop", None, "3", "parked");
        let other = entry("imp_d", "woo", Some("d1"), "1", "imported");
        let rows = [a.clone(), b.clone(), c.clone(), other.clone()];
        write(&s, move |tx| rows.iter().try_for_each(|r| tx.insert_channel_import(r))).await.unwrap();
        let again = entry("imp_e", "shop", Some("d1"), "1", "imported");
        let err = write(&s, move |tx| tx.insert_channel_import(&again)).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("channel_imports.channel"), "{engine:?}: one entry per delivery");

        let (by_id, wrong_channel, by_delivery, unknown) = read(&s, |tx| {
            Ok((
                tx.channel_import("shop", "imp_a")?,
                tx.channel_import("woo", "imp_a")?,
                tx.channel_import_by_delivery("woo", "d1")?,
                tx.channel_import_by_delivery("shop", "d9")?,
            ))
        })
        .await;
        assert_eq!(by_id, Some(a.clone()), "{engine:?}: the payload and the id come back exactly");
        assert_eq!(wrong_channel, None, "{engine:?}: another channel's entry is not found");
        assert_eq!(by_delivery, Some(other), "{engine:?}");
        assert_eq!(unknown, None, "{engine:?}");

        let page = |after: Option<&str>, limit| Page { after: after.map(Into::into), limit };
        let (all, second, parked, of_external) = read(&s, move |tx| {
            let parked = ImportFilter { status: Some("parked".into()), ..Default::default() };
            let of_external = ImportFilter { external_id: Some("2".into()), ..Default::default() };
            Ok((
                tx.list_channel_imports("shop", &page(None, 10), &Default::default())?,
                tx.list_channel_imports("shop", &page(Some("imp_c"), 1), &Default::default())?,
                tx.list_channel_imports("shop", &page(None, 10), &parked)?,
                tx.list_channel_imports("shop", &page(None, 10), &of_external)?,
            ))
        })
        .await;
        assert_eq!(all, [c.clone(), b.clone(), a.clone()], "{engine:?}: newest first, this channel only");
        assert_eq!(second, std::slice::from_ref(&b), "{engine:?}: after a cursor");
        assert_eq!(parked, [c.clone(), b.clone()], "{engine:?}");
        assert_eq!(of_external, std::slice::from_ref(&b), "{engine:?}");

        let mut done = b.clone();
        done.status = "imported".into();
        done.order_id = Some("ord_1".into());
        done.updated_at = 20;
        let mut missing = done.clone();
        missing.id = "imp_x".into();
        let (d, m) = (done.clone(), missing);
        let changed = write(&s, move |tx| Ok((tx.update_channel_import(&d)?, tx.update_channel_import(&m)?))).await;
        assert_eq!(changed.unwrap(), (true, false), "{engine:?}");
        let (now, of_order) = read(&s, |tx| {
            let f = ImportFilter { order_id: Some("ord_1".into()), ..Default::default() };
            Ok((
                tx.channel_import("shop", "imp_b")?,
                tx.list_channel_imports("shop", &Page { after: None, limit: 5 }, &f)?,
            ))
        })
        .await;
        assert_eq!(now, Some(done.clone()), "{engine:?}: status, order and time changed, the payload kept");
        assert_eq!(of_order, [done], "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sku_mappings_are_replaced_found_listed_and_deleted() {
    for engine in engines() {
        let s = store(&engine);
        let m = |channel: &str, external: &str, sku: &str, at| SkuMappingRecord {
            channel: channel.into(),
            external: external.into(),
            sku: sku.into(),
            updated_at: at,
        };
        let (first, second, other) =
            (m("shop", "808950810", "OLD", 1), m("shop", "632910392", "IPOD", 2), m("woo", "808950810", "W", 3));
        let rows = [first, second.clone(), other];
        write(&s, move |tx| rows.iter().try_for_each(|r| tx.put_sku_mapping(r))).await.unwrap();
        let replaced = m("shop", "808950810", "IPOD-PINK", 5);
        let r = replaced.clone();
        write(&s, move |tx| tx.put_sku_mapping(&r)).await.unwrap();

        let (mut found, none, listed, after) = read(&s, |tx| {
            Ok((
                tx.sku_mappings_for("shop", &["808950810", "632910392", "nothing"])?,
                tx.sku_mappings_for("shop", &[])?,
                tx.list_sku_mappings("shop", &Page { after: None, limit: 10 })?,
                tx.list_sku_mappings("shop", &Page { after: Some("632910392".into()), limit: 10 })?,
            ))
        })
        .await;
        found.sort_by(|a, b| a.external.cmp(&b.external));
        assert_eq!(found, [second.clone(), replaced.clone()], "{engine:?}: the newest mapping wins");
        assert!(none.is_empty(), "{engine:?}");
        assert_eq!(listed, [second.clone(), replaced.clone()], "{engine:?}: by external, this channel only");
        assert_eq!(after, [replaced], "{engine:?}");

        let deleted = write(&s, |tx| {
            Ok((tx.delete_sku_mapping("shop", "808950810")?, tx.delete_sku_mapping("shop", "808950810")?))
        })
        .await;
        assert_eq!(deleted.unwrap(), (true, false), "{engine:?}: deleted once");
        let left = read(&s, |tx| tx.list_sku_mappings("shop", &Page { after: None, limit: 10 })).await;
        assert_eq!(left, [second], "{engine:?}");
    }
}

fn listing(channel: &str, sku: &str, pushed: Option<i64>) -> ListingRecord {
    ListingRecord {
        channel: channel.into(),
        sku: sku.into(),
        target: format!("{{\"product_id\":\"{sku}\"}}"),
        pushed,
        pushed_at: pushed.map(|_| 20),
        pushes: i64::from(pushed.is_some()),
        failures: 0,
        last_error: None,
        updated_at: 10,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_are_saved_whole_found_by_sku_across_channels_listed_and_deleted() {
    for engine in engines() {
        let s = store(&engine);
        let rows = [listing("shop", "B", None), listing("shop", "A", Some(3)), listing("woo", "A", None)];
        write(&s, move |tx| rows.iter().try_for_each(|r| tx.put_channel_listing(r))).await.unwrap();
        // Saving again replaces the whole row: a refused push is recorded.
        let mut failed = listing("shop", "B", None);
        (failed.failures, failed.last_error, failed.updated_at) = (2, Some("Shopify answered 500".into()), 30);
        let f2 = failed.clone();
        write(&s, move |tx| tx.put_channel_listing(&f2)).await.unwrap();
        let (one, none, by_sku, page) = read(&s, |tx| {
            Ok((
                tx.channel_listing("shop", "B")?,
                tx.channel_listing("shop", "C")?,
                tx.listings_for_skus(&["A", "Z"])?,
                tx.list_channel_listings("shop", &Page { after: Some("A".into()), limit: 10 })?,
            ))
        })
        .await;
        assert_eq!(one, Some(failed.clone()), "{engine:?}");
        assert_eq!(none, None, "{engine:?}");
        assert_eq!(by_sku, [listing("shop", "A", Some(3)), listing("woo", "A", None)], "{engine:?}");
        assert_eq!(page, [failed], "{engine:?}: after A");
        assert!(read(&s, |tx| tx.listings_for_skus(&[])).await.is_empty());
        let failing = read(&s, |tx| tx.failing_channel_listings(10)).await;
        assert_eq!(
            failing.iter().map(|l| l.sku.as_str()).collect::<Vec<_>>(),
            ["B"],
            "{engine:?}: only the refused one"
        );
        let deleted =
            write(&s, |tx| Ok((tx.delete_channel_listing("shop", "A")?, tx.delete_channel_listing("shop", "A")?)))
                .await;
        assert_eq!(deleted.unwrap(), (true, false), "{engine:?}: deleted once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_jobs_are_saved_whole_and_found_by_id() {
    for engine in engines() {
        let s = store(&engine);
        let job = ordo_store::ImportJobRecord {
            id: "imj_1".into(),
            body: "{\"status\":\"running\"}".into(),
            created_at: 5,
            updated_at: 5,
        };
        let j = job.clone();
        write(&s, move |tx| tx.put_import_job(&j)).await.unwrap();
        let done = ordo_store::ImportJobRecord { body: "{\"status\":\"done\"}".into(), updated_at: 9, ..job.clone() };
        let d = done.clone();
        write(&s, move |tx| tx.put_import_job(&d)).await.unwrap();
        let (found, none) = read(&s, |tx| Ok((tx.import_job("imj_1")?, tx.import_job("imj_2")?))).await;
        assert_eq!((found, none), (Some(done), None), "{engine:?}");
    }
}
