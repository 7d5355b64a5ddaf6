//! The outbox: events, worker cursors, idempotency records.

use ordo_store::{EventFilter, IdempotencyRecord, NewEvent, Page, StoreError};

use crate::common::{engines, store, write};

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
