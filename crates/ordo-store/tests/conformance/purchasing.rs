//! Buying stock: suppliers saved whole, found by id and code, listed by code and status, their
//! codes unique; purchase orders numbered from 1 without gaps, saved whole, listed newest first
//! with filters; transfers the same, filtered by source and destination; what an origin brings replaced whole and read by SKU; costs kept per SKU and
//! location.

use ordo_store::{
    CostRecord, IncomingRecord, Page, PurchaseOrderFilter, PurchaseOrderRecord, StoreError, SupplierRecord,
    TransferFilter, TransferRecord,
};

use crate::common::{engines, read, store, write};

fn supplier(id: &str, code: &str, status: &str) -> SupplierRecord {
    SupplierRecord {
        id: id.into(),
        code: code.into(),
        status: status.into(),
        version: 1,
        created_at: 10,
        updated_at: 10,
        body: format!(r#"{{"name":"{code}","lead_time_days":7}}"#),
    }
}

fn po(id: &str, number: i64, supplier: &str, location: &str, status: &str) -> PurchaseOrderRecord {
    PurchaseOrderRecord {
        id: id.into(),
        number,
        supplier_id: supplier.into(),
        location_id: location.into(),
        status: status.into(),
        expected_on: Some("2026-12-24".into()),
        version: 1,
        created_at: 20,
        updated_at: 20,
        body: format!(r#"{{"id":"{id}","lines":[]}}"#),
    }
}

fn incoming(origin: &str, line: i64, sku: &str, location: &str, on: &str, quantity: i64) -> IncomingRecord {
    IncomingRecord {
        origin: origin.into(),
        line,
        sku: sku.into(),
        location_id: location.into(),
        expected_on: on.into(),
        quantity,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppliers_are_saved_whole_found_by_id_and_code_and_listed_by_code() {
    for engine in engines() {
        let s = store(&engine);
        let rows = [supplier("sup_b", "BOLTS", "active"), supplier("sup_a", "ACME", "archived")];
        write(&s, move |tx| rows.iter().try_for_each(|r| tx.put_supplier(r))).await.unwrap();
        let mut changed = supplier("sup_b", "BOLTS-EU", "active");
        changed.version = 2;
        changed.body = r#"{"name":"Bolts Europe"}"#.into();
        let saved = changed.clone();
        write(&s, move |tx| tx.put_supplier(&saved)).await.unwrap();
        // Another supplier may not take a code that is in use; nothing changes.
        let err = write(&s, |tx| tx.put_supplier(&supplier("sup_c", "ACME", "active"))).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("suppliers.code"), "{engine:?}");

        let (by_id, by_code, old_code, missing) = read(&s, |tx| {
            Ok((
                tx.supplier("sup_b")?,
                tx.supplier_by_code("BOLTS-EU")?,
                tx.supplier_by_code("BOLTS")?,
                tx.supplier("sup_c")?,
            ))
        })
        .await;
        assert_eq!(by_id.as_ref(), Some(&changed), "{engine:?}");
        assert_eq!(by_code, Some(changed), "{engine:?}");
        assert_eq!((old_code, missing), (None, None), "{engine:?}");

        let (all, active, after) = read(&s, |tx| {
            let page = |after: Option<&str>| Page { after: after.map(str::to_owned), limit: 10 };
            Ok((
                tx.list_suppliers(&page(None), None)?,
                tx.list_suppliers(&page(None), Some("active"))?,
                tx.list_suppliers(&Page { after: Some("ACME".into()), limit: 1 }, None)?,
            ))
        })
        .await;
        let codes = |v: &[SupplierRecord]| v.iter().map(|r| r.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(&all), ["ACME", "BOLTS-EU"], "{engine:?}");
        assert_eq!(codes(&active), ["BOLTS-EU"], "{engine:?}");
        assert_eq!(codes(&after), ["BOLTS-EU"], "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchase_orders_are_numbered_from_one_saved_whole_and_listed_newest_first() {
    for engine in engines() {
        let s = store(&engine);
        let first = write(&s, |tx| tx.next_purchase_order_number()).await.unwrap();
        assert_eq!(first, 1, "{engine:?}");
        // Each number is taken in the transaction that saves its order.
        for (id, supplier, location, status) in [
            ("po_1", "sup_a", "loc_1", "draft"),
            ("po_2", "sup_b", "loc_1", "sent"),
            ("po_3", "sup_a", "loc_2", "sent"),
        ] {
            write(&s, move |tx| {
                let n = tx.next_purchase_order_number()?;
                tx.put_purchase_order(&po(id, n, supplier, location, status))
            })
            .await
            .unwrap();
        }
        let mut received = po("po_2", 2, "sup_b", "loc_1", "received");
        received.version = 3;
        received.expected_on = None;
        received.body = r#"{"id":"po_2","lines":[{"line":1}]}"#.into();
        let saved = received.clone();
        write(&s, move |tx| tx.put_purchase_order(&saved)).await.unwrap();

        let (got, missing, next) = read(&s, |tx| {
            Ok((tx.purchase_order("po_2")?, tx.purchase_order("po_9")?, tx.next_purchase_order_number()?))
        })
        .await;
        assert_eq!(got, Some(received), "{engine:?}");
        assert_eq!((missing, next), (None, 4), "{engine:?}");

        let list = |filter: PurchaseOrderFilter, after: Option<&str>, limit: usize| {
            let s = s.clone();
            let page = Page { after: after.map(str::to_owned), limit };
            async move {
                read(&s, move |tx| tx.list_purchase_orders(&page, &filter))
                    .await
                    .into_iter()
                    .map(|p| (p.id, p.number))
                    .collect::<Vec<_>>()
            }
        };
        let all = PurchaseOrderFilter::default();
        assert_eq!(list(all.clone(), None, 10).await, [("po_3".into(), 3), ("po_2".into(), 2), ("po_1".into(), 1)]);
        assert_eq!(list(all, Some("po_3"), 1).await, [("po_2".into(), 2)], "{engine:?}");
        let sent = PurchaseOrderFilter { status: Some("sent".into()), ..Default::default() };
        assert_eq!(list(sent, None, 10).await, [("po_3".into(), 3)], "{engine:?}");
        let acme_1 = PurchaseOrderFilter {
            supplier_id: Some("sup_a".into()),
            location_id: Some("loc_1".into()),
            ..Default::default()
        };
        assert_eq!(list(acme_1, None, 10).await, [("po_1".into(), 1)], "{engine:?}");
    }
}

fn transfer(id: &str, number: i64, from: &str, to: &str, status: &str) -> TransferRecord {
    TransferRecord {
        id: id.into(),
        number,
        from_location_id: from.into(),
        to_location_id: to.into(),
        status: status.into(),
        expected_on: Some("2026-12-24".into()),
        version: 1,
        created_at: 20,
        updated_at: 20,
        body: format!(r#"{{"id":"{id}","lines":[]}}"#),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_are_numbered_from_one_saved_whole_and_listed_newest_first() {
    for engine in engines() {
        let s = store(&engine);
        // Purchase order numbers and transfer numbers are counted apart.
        write(&s, |tx| tx.put_purchase_order(&po("po_1", 1, "sup_a", "loc_1", "draft"))).await.unwrap();
        for (id, from, to, status) in [
            ("tr_1", "loc_1", "loc_2", "draft"),
            ("tr_2", "loc_2", "loc_1", "shipped"),
            ("tr_3", "loc_1", "loc_3", "shipped"),
        ] {
            write(&s, move |tx| {
                let n = tx.next_transfer_number()?;
                tx.put_transfer(&transfer(id, n, from, to, status))
            })
            .await
            .unwrap();
        }
        let mut received = transfer("tr_2", 2, "loc_2", "loc_1", "received");
        received.version = 4;
        received.expected_on = None;
        received.body = r#"{"id":"tr_2","lines":[{"line":1}]}"#.into();
        let saved = received.clone();
        write(&s, move |tx| tx.put_transfer(&saved)).await.unwrap();
        let (got, missing, next) =
            read(&s, |tx| Ok((tx.transfer("tr_2")?, tx.transfer("tr_9")?, tx.next_transfer_number()?))).await;
        assert_eq!(got, Some(received), "{engine:?}");
        assert_eq!((missing, next), (None, 4), "{engine:?}");

        let list = |filter: TransferFilter, after: Option<&str>, limit: usize| {
            let s = s.clone();
            let page = Page { after: after.map(str::to_owned), limit };
            async move {
                read(&s, move |tx| tx.list_transfers(&page, &filter))
                    .await
                    .into_iter()
                    .map(|t| t.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(list(TransferFilter::default(), None, 10).await, ["tr_3", "tr_2", "tr_1"], "{engine:?}");
        assert_eq!(list(TransferFilter::default(), Some("tr_3"), 1).await, ["tr_2"], "{engine:?}");
        let shipped = TransferFilter { status: Some("shipped".into()), ..Default::default() };
        assert_eq!(list(shipped, None, 10).await, ["tr_3"], "{engine:?}");
        let from_1 = TransferFilter { from_location_id: Some("loc_1".into()), ..Default::default() };
        assert_eq!(list(from_1, None, 10).await, ["tr_3", "tr_1"], "{engine:?}");
        let to_1 = TransferFilter { to_location_id: Some("loc_1".into()), ..Default::default() };
        assert_eq!(list(to_1, None, 10).await, ["tr_2"], "{engine:?}");
        // A number is given once.
        let twice = write(&s, |tx| tx.put_transfer(&transfer("tr_4", 1, "loc_1", "loc_2", "draft"))).await;
        assert!(twice.is_err(), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_stock_is_replaced_whole_per_origin_and_read_by_sku() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            tx.replace_incoming(
                "po_1",
                &[
                    incoming("po_1", 1, "A", "loc_1", "2026-12-20", 10),
                    incoming("po_1", 2, "B", "loc_1", "2026-12-20", 4),
                ],
            )?;
            tx.replace_incoming("po_2", &[incoming("po_2", 1, "A", "loc_1", "2026-12-10", 3)])
        })
        .await
        .unwrap();
        // A receipt leaves less to come on one line and nothing on the other.
        write(&s, |tx| tx.replace_incoming("po_1", &[incoming("po_1", 1, "A", "loc_1", "2026-12-21", 6)]))
            .await
            .unwrap();
        let (a, b, none) = read(&s, |tx| {
            Ok((tx.incoming_for_skus(&["A", "Z"])?, tx.incoming_for_skus(&["B"])?, tx.incoming_for_skus(&[])?))
        })
        .await;
        assert_eq!(
            a,
            [incoming("po_2", 1, "A", "loc_1", "2026-12-10", 3), incoming("po_1", 1, "A", "loc_1", "2026-12-21", 6)],
            "{engine:?}"
        );
        assert!(b.is_empty() && none.is_empty(), "{engine:?}");
        // A quantity of zero or less is never stored; the whole replacement fails.
        let bad =
            write(&s, |tx| tx.replace_incoming("po_2", &[incoming("po_2", 1, "A", "loc_1", "2026-12-10", 0)])).await;
        assert!(bad.is_err(), "{engine:?}");
        let kept = read(&s, |tx| tx.incoming_for_skus(&["A"])).await;
        assert_eq!(kept.len(), 2, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costs_are_kept_per_sku_and_location() {
    for engine in engines() {
        let s = store(&engine);
        let cost = |sku: &str, location: &str, units, value| CostRecord {
            sku: sku.into(),
            location_id: location.into(),
            currency: "EUR".into(),
            units,
            value,
            updated_at: 30,
        };
        let (a1, a2) = (cost("A", "loc_1", 10, 2500), cost("A", "loc_2", 1, 300));
        let rows = [a1, a2.clone()];
        write(&s, move |tx| rows.iter().try_for_each(|c| tx.put_cost(c))).await.unwrap();
        let big = cost("A", "loc_1", 20, 9_000_000_000_000);
        let saved = big.clone();
        write(&s, move |tx| tx.put_cost(&saved)).await.unwrap();
        let got = read(&s, |tx| Ok((tx.cost("A", "loc_1")?, tx.cost("A", "loc_2")?, tx.cost("B", "loc_1")?))).await;
        assert_eq!(got, (Some(big), Some(a2), None), "{engine:?}");
    }
}
