//! The outbox: events, worker cursors, idempotency records.

use ordo_store::{AuditLink, EventFilter, IdempotencyRecord, NewEvent, Page, StoreError};

use crate::common::{engines, read, store, write};

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
                    version: 1 + i % 2,
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
        assert_eq!(events.iter().map(|e| e.version).collect::<Vec<_>>(), [1, 2, 1, 2, 1], "{engine:?}");
        let second = events[1].seq;
        let later = s
            .read(move |tx| {
                tx.list_events(
                    &Page { after: Some(second), limit: 10 },
                    &EventFilter { subject: Some("ord_1".into()), event_type: None, actor: None },
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
        assert_eq!(got, Some(record.clone()), "{engine:?}");

        // A request whose work went on after its first transaction replaces its answer; the
        // same key with another request's hash, or a key never stored, changes nothing.
        let last =
            IdempotencyRecord { status: 200, body: b"{\"done\":true}".to_vec(), created_at: 99, ..record.clone() };
        let (l2, other, unknown) = (
            last.clone(),
            IdempotencyRecord { request_hash: "other".into(), body: b"{}".to_vec(), ..record.clone() },
            IdempotencyRecord { key: "never".into(), ..record.clone() },
        );
        assert!(write(&s, move |tx| tx.idempotency_update(&l2)).await.unwrap(), "{engine:?}");
        assert!(!write(&s, move |tx| tx.idempotency_update(&other)).await.unwrap(), "{engine:?}");
        assert!(!write(&s, move |tx| tx.idempotency_update(&unknown)).await.unwrap(), "{engine:?}");
        let got = s.read(|tx| tx.idempotency_get("key_1", "k")).await.unwrap();
        assert_eq!(got, Some(IdempotencyRecord { created_at: 9, ..last }), "{engine:?}");
        assert_eq!(s.read(|tx| tx.idempotency_get("key_1", "never")).await.unwrap(), None, "{engine:?}");

        // Purging takes the records made before a time, oldest first, up to a limit.
        for (key, at) in [("a", 10), ("b", 20), ("c", 30), ("d", 40)] {
            let r = IdempotencyRecord { key: key.into(), created_at: at, ..record.clone() };
            write(&s, move |tx| tx.idempotency_put(&r)).await.unwrap();
        }
        assert_eq!(write(&s, |tx| tx.idempotency_purge(31, 2)).await.unwrap(), 2, "{engine:?}");
        let store = &s;
        let left =
            |key: &'static str| async move { store.read(move |tx| tx.idempotency_get("key_1", key)).await.unwrap() };
        assert!(left("k").await.is_none() && left("a").await.is_none(), "{engine:?}: the oldest go first");
        assert!(left("b").await.is_some(), "{engine:?}: the limit holds");
        assert_eq!(write(&s, |tx| tx.idempotency_purge(31, 100)).await.unwrap(), 2, "{engine:?}");
        assert!(left("d").await.is_some(), "{engine:?}: newer records stay");
        assert_eq!(write(&s, |tx| tx.idempotency_purge(31, 100)).await.unwrap(), 0, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_filters_by_event_type_alone_or_with_a_subject() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            for (id, event_type, subject) in [
                ("evt_1", "order.created", "ord_1"),
                ("evt_2", "order.cancelled", "ord_1"),
                ("evt_3", "order.created", "ord_2"),
                ("evt_4", "stock.changed", "A-1"),
            ] {
                tx.append_event(&NewEvent { id, event_type, subject, at: 1, data: "{}", version: 1 })?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let filter = |event_type: &str, subject: Option<&str>| EventFilter {
            subject: subject.map(Into::into),
            event_type: Some(event_type.into()),
            actor: None,
        };
        let f = filter("order.created", Some("ord_1"));
        let one = read(&s, move |tx| tx.list_events(&Page { after: None, limit: 10 }, &f)).await;
        assert_eq!(one.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["evt_1"], "{engine:?}");
        // The whole feed on PostgreSQL waits for older transactions still in flight elsewhere.
        let mut created = Vec::new();
        for _ in 0..200 {
            let f = filter("order.created", None);
            created = read(&s, move |tx| tx.list_events(&Page { after: None, limit: 10 }, &f)).await;
            if created.len() == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(created.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["evt_1", "evt_3"], "{engine:?}");
        assert_eq!(created[1].subject, "ord_2", "{engine:?}");
    }
}

/// An event carries the origin of the request its write was submitted for, and none outside
/// one; the audit chain's links come back in sequence order after any point, and the head is
/// the last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_carry_their_origin_and_the_audit_chain_keeps_its_links() {
    use ordo_store::origin::{Origin, scope, set};
    for engine in engines() {
        let s = store(&engine);
        let append = |id: &'static str| {
            move |tx: &mut dyn ordo_store::Tx| {
                tx.append_event(&NewEvent {
                    id,
                    event_type: "thing.happened",
                    subject: id,
                    at: 1,
                    data: "{}",
                    version: 1,
                })
            }
        };
        let origin = Origin { actor: "key_1".into(), address: Some("192.0.2.7".into()) };
        let from_request = {
            let (s, origin) = (s.clone(), origin.clone());
            scope(async move {
                set(origin);
                write(&s, append("evt_a")).await
            })
        };
        from_request.await.unwrap();
        write(&s, append("evt_b")).await.unwrap();
        let filter = |id: &str| EventFilter { subject: Some(id.into()), event_type: None, actor: None };
        let (fa, fb) = (filter("evt_a"), filter("evt_b"));
        let a = read(&s, move |tx| tx.list_events(&Page { after: None, limit: 10 }, &fa)).await;
        let b = read(&s, move |tx| tx.list_events(&Page { after: None, limit: 10 }, &fb)).await;
        assert_eq!((a[0].actor.as_deref(), a[0].address.as_deref()), (Some("key_1"), Some("192.0.2.7")), "{engine:?}");
        assert_eq!((b[0].actor.clone(), b[0].address.clone()), (None, None), "{engine:?}: no request, no origin");
        let by_actor = EventFilter { subject: None, event_type: None, actor: Some("key_1".into()) };
        for _ in 0..200 {
            let by = by_actor.clone();
            if read(&s, move |tx| tx.list_events(&Page { after: None, limit: 10 }, &by)).await.len() == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let by = by_actor.clone();
        let mine = read(&s, move |tx| tx.list_events(&Page { after: None, limit: 10 }, &by)).await;
        assert_eq!(mine.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["evt_a"], "{engine:?}");

        assert_eq!(read(&s, |tx| tx.audit_head()).await, None, "{engine:?}");
        write(&s, |tx| tx.append_audit(&[(1, "h1".into()), (3, "h3".into())])).await.unwrap();
        // The chain follows the feed, whose order need not be the sequence's.
        write(&s, |tx| tx.append_audit(&[(2, "h2".into())])).await.unwrap();
        let link = |position: i64, seq: i64, hash: &str| AuditLink { position, seq, hash: hash.to_owned() };
        assert_eq!(read(&s, |tx| tx.audit_head()).await, Some(link(3, 2, "h2")), "{engine:?}");
        let after_one = read(&s, |tx| tx.audit_links(1, 10)).await;
        assert_eq!(after_one, [link(2, 3, "h3"), link(3, 2, "h2")], "{engine:?}");
        assert_eq!(read(&s, |tx| tx.audit_links(0, 1)).await, [link(1, 1, "h1")], "{engine:?}");
        let mut hashes = read(&s, |tx| tx.audit_hashes(&[2, 3, 9])).await;
        hashes.sort();
        assert_eq!(hashes, [(2, "h2".to_owned()), (3, "h3".to_owned())], "{engine:?}");
        // A link is never written twice.
        assert!(write(&s, |tx| tx.append_audit(&[(3, "again".into())])).await.is_err(), "{engine:?}");
    }
}

/// On PostgreSQL a transaction's id is taken at its first write and an event's sequence when
/// it is written, so a transaction that started writing later can hold a smaller sequence and
/// commit after one with a larger. The whole feed still never shows an event before one a
/// cursor has passed: after reading past the first to commit, the other comes next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_late_is_never_passed_by_a_cursor() {
    use std::sync::mpsc;
    for engine in engines() {
        let s = store(&engine);
        let mark = format!("late.{}", std::process::id());
        let event = |tx: &mut dyn ordo_store::Tx, id: &str, mark: &str| {
            tx.append_event(&NewEvent { id, event_type: mark, subject: id, at: 1, data: "{}", version: 1 })
        };
        let (a_started, wait_a_started) = mpsc::channel::<()>();
        let (b_wrote, wait_b_wrote) = mpsc::channel::<()>();
        let (b_may_commit, wait_b_may_commit) = mpsc::channel::<()>();
        let (wait_a, wait_b) = (
            std::sync::Arc::new(std::sync::Mutex::new(wait_b_wrote)),
            std::sync::Arc::new(std::sync::Mutex::new((wait_a_started, wait_b_may_commit))),
        );
        // On SQLite writes take turns (one writer): there is nothing to interleave.
        if !matches!(engine, ordo_store::testing::TestEngine::Postgres(_)) {
            continue;
        }
        let a = {
            let (s, mark, wait) = (s.clone(), mark.clone(), wait_a.clone());
            tokio::spawn(async move {
                write(&s, move |tx| {
                    // The first write gives the transaction its id.
                    tx.set_worker_cursor(&format!("{mark}.a"), 1)?;
                    let _ = a_started.send(());
                    let _ = wait.lock().unwrap().recv();
                    event(tx, "evt_late_a", &mark)
                })
                .await
            })
        };
        let b = {
            let (s, mark, wait) = (s.clone(), mark.clone(), wait_b.clone());
            tokio::spawn(async move {
                write(&s, move |tx| {
                    let waits = wait.lock().unwrap();
                    let _ = waits.0.recv();
                    event(tx, "evt_late_b", &mark)?;
                    let _ = b_wrote.send(());
                    let _ = waits.1.recv();
                    Ok::<_, StoreError>(())
                })
                .await
            })
        };
        a.await.unwrap().unwrap();
        let filter = EventFilter { subject: None, event_type: Some(mark.clone()), actor: None };
        let feed = |after: Option<i64>| {
            let (s, filter) = (s.clone(), filter.clone());
            async move { s.read(move |tx| tx.list_events(&Page { after, limit: 10 }, &filter)).await.unwrap() }
        };
        let mut first = Vec::new();
        for _ in 0..300 {
            first = feed(None).await;
            if !first.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // The transaction that wrote its event first is still open: only the other shows.
        assert_eq!(first.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["evt_late_a"], "{engine:?}");
        let _ = b_may_commit.send(());
        b.await.unwrap().unwrap();
        let cursor = first[0].seq;
        let mut rest = Vec::new();
        for _ in 0..300 {
            rest = feed(Some(cursor)).await;
            if !rest.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let ids: Vec<&str> = first.iter().chain(&rest).map(|e| e.id.as_str()).take(2).collect();
        assert_eq!(ids, ["evt_late_a", "evt_late_b"], "{engine:?}: the cursor passed the late event");
        assert!(rest[0].seq < cursor, "{engine:?}: the late event holds the smaller sequence");
    }
}
