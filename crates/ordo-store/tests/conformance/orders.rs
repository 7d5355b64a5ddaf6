//! Orders, order records and channel settings.

use ordo_store::StoreError;

use crate::common::{engines, store, write};

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
