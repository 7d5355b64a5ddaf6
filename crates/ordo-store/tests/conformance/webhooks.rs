//! Outbound webhooks: subscriptions saved whole, listed and deleted with their deliveries;
//! a delivery queued once per subscription and event; a claim takes only what is due, for
//! active subscriptions, the oldest pending one per subject, and never what another claim
//! holds; attempts kept in order; replays put back exactly what they name; the subjects a
//! subscription has pending and the events it has queued, told for a pass that sends at once.

use ordo_store::{AttemptRecord, DeliveryRecord, Page, Requeue, WebhookRecord};

use crate::common::{engines, read, store, write};

fn subscription(id: &str, status: &str) -> WebhookRecord {
    WebhookRecord {
        id: id.into(),
        url: "https://example.com/hooks".into(),
        events: r#"["order.created"]"#.into(),
        description: Some("ERP".into()),
        secret: "enc1:k1:00".into(),
        status: status.into(),
        failing_since: None,
        disabled_reason: None,
        version: 1,
        created_at: 5,
        updated_at: 5,
    }
}

fn delivery(id: &str, subscription: &str, event: &str, subject: &str, next_at: i64) -> DeliveryRecord {
    DeliveryRecord {
        seq: 0,
        id: id.into(),
        subscription_id: subscription.into(),
        event_id: event.into(),
        event_seq: event.trim_start_matches("evt_").parse().unwrap_or(0),
        event_type: "order.created".into(),
        subject: subject.into(),
        body: format!("{{\"id\":\"{event}\"}}"),
        event: None,
        status: "pending".into(),
        attempts: 0,
        next_at,
        window_from: next_at,
        claimed_until: 0,
        last_status: None,
        last_error: None,
        created_at: next_at,
        updated_at: next_at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_saved_whole_listed_in_order_and_deleted_with_their_deliveries() {
    for engine in engines() {
        let s = store(&engine);
        let (a, b) = (subscription("whk_a", "active"), subscription("whk_b", "disabled"));
        let rows = [b.clone(), a.clone()];
        write(&s, move |tx| rows.iter().try_for_each(|w| tx.put_webhook(w))).await.unwrap();
        let mut changed = a.clone();
        changed.url = "https://erp.example.com/in".into();
        changed.failing_since = Some(77);
        changed.version = 2;
        let saved = changed.clone();
        write(&s, move |tx| tx.put_webhook(&saved)).await.unwrap();
        let (one, all, after_a, active, none) = read(&s, |tx| {
            Ok((
                tx.webhook("whk_a")?,
                tx.list_webhooks(&Page { after: None, limit: 10 })?,
                tx.list_webhooks(&Page { after: Some("whk_a".into()), limit: 10 })?,
                tx.active_webhooks()?,
                tx.webhook("whk_z")?,
            ))
        })
        .await;
        assert_eq!(one, Some(changed.clone()), "{engine:?}: replaced whole");
        assert_eq!(all, vec![changed.clone(), b.clone()], "{engine:?}: by id");
        assert_eq!(after_a, vec![b.clone()], "{engine:?}");
        assert_eq!(active, vec![changed], "{engine:?}: only active ones");
        assert_eq!(none, None, "{engine:?}");

        let queued =
            [delivery("whd_1", "whk_a", "evt_1", "ord_1", 10), delivery("whd_2", "whk_b", "evt_1", "ord_1", 10)];
        write(&s, move |tx| tx.add_webhook_deliveries(&queued)).await.unwrap();
        let attempt = AttemptRecord {
            delivery_id: "whd_1".into(),
            n: 1,
            at: 11,
            status: Some(500),
            latency_ms: 3,
            error: None,
            answer: Some("oops".into()),
        };
        write(&s, move |tx| tx.add_webhook_attempts(std::slice::from_ref(&attempt))).await.unwrap();
        let (gone, again) =
            write(&s, |tx| Ok::<_, ordo_store::StoreError>((tx.delete_webhook("whk_a")?, tx.delete_webhook("whk_a")?)))
                .await
                .unwrap();
        assert!(gone && !again, "{engine:?}: deleted once");
        let (left, attempts, other) = read(&s, |tx| {
            Ok((
                tx.webhook_delivery("whk_a", "whd_1")?,
                tx.webhook_attempts("whd_1")?,
                tx.webhook_delivery("whk_b", "whd_2")?,
            ))
        })
        .await;
        assert_eq!((left, attempts.len()), (None, 0), "{engine:?}: its deliveries and attempts went with it");
        assert!(other.is_some(), "{engine:?}: another subscription's stay");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_take_what_is_due_in_order_per_subject_and_never_twice() {
    for engine in engines() {
        let s = store(&engine);
        let subs = [subscription("whk_a", "active"), subscription("whk_off", "disabled")];
        write(&s, move |tx| subs.iter().try_for_each(|w| tx.put_webhook(w))).await.unwrap();
        let queued = [
            delivery("whd_1", "whk_a", "evt_1", "ord_1", 10),
            delivery("whd_2", "whk_a", "evt_2", "ord_1", 10),
            delivery("whd_3", "whk_a", "evt_3", "ord_2", 10),
            delivery("whd_4", "whk_a", "evt_4", "ord_3", 500),
            delivery("whd_5", "whk_off", "evt_1", "ord_4", 10),
            // The same event for the same subscription again: left out.
            delivery("whd_6", "whk_a", "evt_1", "ord_1", 10),
        ];
        let added = write(&s, move |tx| tx.add_webhook_deliveries(&queued)).await.unwrap();
        assert_eq!(added, 5, "{engine:?}: one delivery per subscription and event");

        let first = write(&s, |tx| tx.claim_webhook_deliveries(100, 200, 10)).await.unwrap();
        let ids: Vec<&str> = first.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["whd_1", "whd_3"], "{engine:?}: due, active, the first per subject");
        assert!(first.iter().all(|d| d.claimed_until == 200 && d.seq > 0), "{engine:?}");
        let held = write(&s, |tx| tx.claim_webhook_deliveries(150, 250, 10)).await.unwrap();
        assert!(held.is_empty(), "{engine:?}: a held delivery is not taken again, and the next waits");

        // The first is delivered: the next about its subject becomes due.
        let mut done = first[0].clone();
        done.status = "delivered".into();
        done.attempts = 1;
        done.claimed_until = 0;
        done.last_status = Some(200);
        done.updated_at = 160;
        let saved = done.clone();
        assert_eq!(write(&s, move |tx| tx.update_webhook_deliveries(std::slice::from_ref(&saved))).await.unwrap(), 1);
        let next = write(&s, |tx| tx.claim_webhook_deliveries(160, 260, 10)).await.unwrap();
        assert_eq!(next.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["whd_2"], "{engine:?}");
        // A hold that ran out (a node that died) lets another take it.
        let expired = write(&s, |tx| tx.claim_webhook_deliveries(300, 400, 10)).await.unwrap();
        let mut ids: Vec<&str> = expired.iter().map(|d| d.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["whd_2", "whd_3"], "{engine:?}");

        let attempts = [
            AttemptRecord {
                delivery_id: "whd_1".into(),
                n: 2,
                at: 20,
                status: None,
                latency_ms: 10_000,
                error: Some("timed out".into()),
                answer: None,
            },
            AttemptRecord {
                delivery_id: "whd_1".into(),
                n: 1,
                at: 11,
                status: Some(500),
                latency_ms: 3,
                error: None,
                answer: Some("oops".into()),
            },
        ];
        write(&s, move |tx| tx.add_webhook_attempts(&attempts)).await.unwrap();
        let (listed, older, delivered, one, attempts) = read(&s, |tx| {
            Ok((
                tx.list_webhook_deliveries("whk_a", &Page { after: None, limit: 2 }, None)?,
                tx.list_webhook_deliveries("whk_a", &Page { after: None, limit: 10 }, None)?,
                tx.list_webhook_deliveries("whk_a", &Page { after: None, limit: 10 }, Some("delivered"))?,
                tx.webhook_delivery("whk_a", "whd_1")?,
                tx.webhook_attempts("whd_1")?,
            ))
        })
        .await;
        assert_eq!(listed.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["whd_4", "whd_3"], "{engine:?}");
        let cursor = older[1].seq;
        let rest =
            read(&s, move |tx| tx.list_webhook_deliveries("whk_a", &Page { after: Some(cursor), limit: 10 }, None))
                .await;
        assert_eq!(rest.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["whd_2", "whd_1"], "{engine:?}");
        assert_eq!(delivered, vec![done.clone()], "{engine:?}");
        assert_eq!(one, Some(done), "{engine:?}");
        assert_eq!(attempts.iter().map(|a| a.n).collect::<Vec<_>>(), [1, 2], "{engine:?}: first first");
        assert_eq!(attempts[1].error.as_deref(), Some("timed out"), "{engine:?}");

        // Replays: one by id, and the dead ones; pending ones are left as they are.
        let mut dead = next[0].clone();
        dead.status = "dead".into();
        dead.claimed_until = 0;
        let saved = dead.clone();
        assert_eq!(write(&s, move |tx| tx.update_webhook_deliveries(std::slice::from_ref(&saved))).await.unwrap(), 1);
        let by_id = Requeue { id: Some("whd_1".into()), ..Default::default() };
        let dead_ones = Requeue { status: Some("dead".into()), ..Default::default() };
        let in_range = Requeue { from: Some(0), to: Some(1000), ..Default::default() };
        let (one, dead_count, range) = write(&s, move |tx| {
            Ok::<_, ordo_store::StoreError>((
                tx.requeue_webhook_deliveries("whk_a", &by_id, 900)?,
                tx.requeue_webhook_deliveries("whk_a", &dead_ones, 900)?,
                tx.requeue_webhook_deliveries("whk_a", &in_range, 900)?,
            ))
        })
        .await
        .unwrap();
        assert_eq!((one, dead_count, range), (1, 1, 0), "{engine:?}: each names what it puts back");
        // Queued out of order (a feed in transaction order can show an object's later event
        // first): the earlier event still goes first.
        let late =
            [delivery("whd_8", "whk_a", "evt_90", "ord_9", 10), delivery("whd_7", "whk_a", "evt_80", "ord_9", 10)];
        write(&s, move |tx| tx.add_webhook_deliveries(&late)).await.unwrap();
        let taken = write(&s, |tx| tx.claim_webhook_deliveries(5000, 6000, 10)).await.unwrap();
        let about: Vec<&str> = taken.iter().filter(|d| d.subject == "ord_9").map(|d| d.id.as_str()).collect();
        assert_eq!(about, ["whd_7"], "{engine:?}: by the events' sequence");
        let back = read(&s, |tx| tx.webhook_delivery("whk_a", "whd_2")).await.unwrap();
        assert_eq!((back.status.as_str(), back.next_at, back.window_from), ("pending", 900, 900), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_deliveries_and_attempts_are_queued_and_saved_in_a_few_statements_and_none_lost() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| tx.put_webhook(&subscription("whk_a", "active"))).await.unwrap();
        // 150 deliveries: pieces of several sizes; one already queued is left out.
        let queued: Vec<DeliveryRecord> = (1..=150)
            .map(|n| delivery(&format!("whd_{n}"), "whk_a", &format!("evt_{n}"), &format!("ord_{}", n % 7), 10))
            .collect();
        let first = queued[..1].to_vec();
        assert_eq!(write(&s, move |tx| tx.add_webhook_deliveries(&first)).await.unwrap(), 1, "{engine:?}");
        let all = queued.clone();
        assert_eq!(write(&s, move |tx| tx.add_webhook_deliveries(&all)).await.unwrap(), 149, "{engine:?}");
        let listed = read(&s, |tx| tx.list_webhook_deliveries("whk_a", &Page { after: None, limit: 500 }, None)).await;
        assert_eq!(listed.len(), 150, "{engine:?}");
        let seqs: std::collections::BTreeSet<i64> = listed.iter().map(|d| d.seq).collect();
        assert_eq!(seqs.len(), 150, "{engine:?}: each its own sequence");
        assert_eq!(listed.iter().find(|d| d.id == "whd_77").map(|d| d.body.clone()), Some(queued[76].body.clone()));

        // Each saved as given: a different status, answer and next try per row.
        let changed: Vec<DeliveryRecord> = listed
            .iter()
            .map(|d| {
                let n: i64 = d.id.trim_start_matches("whd_").parse().unwrap();
                let mut d = d.clone();
                d.attempts = 1;
                d.updated_at = 20 + n;
                if n % 3 == 0 {
                    d.next_at = 1000 + n;
                    d.last_status = Some(503);
                    d.last_error = Some(format!("busy {n}"));
                } else {
                    d.status = "delivered".into();
                    d.last_status = Some(200);
                }
                d
            })
            .collect();
        let mut given = changed.clone();
        given.push(DeliveryRecord { id: "whd_none".into(), ..changed[0].clone() });
        assert_eq!(write(&s, move |tx| tx.update_webhook_deliveries(&given)).await.unwrap(), 150, "{engine:?}");
        let attempts: Vec<AttemptRecord> = changed
            .iter()
            .map(|d| AttemptRecord {
                delivery_id: d.id.clone(),
                n: 1,
                at: d.updated_at,
                status: d.last_status,
                latency_ms: 5,
                error: d.last_error.clone(),
                answer: Some("ok".into()),
            })
            .collect();
        write(&s, move |tx| tx.add_webhook_attempts(&attempts)).await.unwrap();
        let (saved, one) = read(&s, |tx| {
            Ok((
                tx.list_webhook_deliveries("whk_a", &Page { after: None, limit: 500 }, None)?,
                tx.webhook_attempts("whd_99")?,
            ))
        })
        .await;
        let by_id = |list: &[DeliveryRecord]| {
            let mut l = list.to_vec();
            l.sort_by_key(|d| d.seq);
            l
        };
        assert_eq!(by_id(&saved), by_id(&changed), "{engine:?}");
        assert_eq!((one.len(), one[0].status, one[0].error.as_deref()), (1, Some(503), Some("busy 99")), "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_stored_without_its_body_is_read_with_its_event() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            tx.put_webhook(&subscription("whk_a", "active"))?;
            tx.append_event(&ordo_store::NewEvent {
                id: "evt_x",
                event_type: "order.created",
                subject: "ord_x",
                at: 5,
                data: "{\"number\":7}",
                version: 1,
            })
        })
        .await
        .unwrap();
        let about = ordo_store::EventFilter { subject: Some("ord_x".into()), ..Default::default() };
        let event = read(&s, move |tx| tx.list_events(&Page { after: None, limit: 10 }, &about)).await;
        let event = event.into_iter().find(|e| e.id == "evt_x").unwrap();
        let seq = event.seq;
        let bare = DeliveryRecord {
            body: String::new(),
            event_seq: seq,
            ..delivery("whd_bare", "whk_a", "evt_x", "ord_x", 10)
        };
        let kept = delivery("whd_kept", "whk_a", "evt_kept", "ord_y", 10);
        let rows = [bare.clone(), kept.clone()];
        write(&s, move |tx| tx.add_webhook_deliveries(&rows)).await.unwrap();
        let (one, listed, claimed) = write(&s, |tx| {
            Ok::<_, ordo_store::StoreError>((
                tx.webhook_delivery("whk_a", "whd_bare")?,
                tx.list_webhook_deliveries("whk_a", &Page { after: None, limit: 10 }, None)?,
                tx.claim_webhook_deliveries(20, 30, 10)?,
            ))
        })
        .await
        .unwrap();
        let one = one.unwrap();
        assert_eq!((one.body.as_str(), one.event.as_ref().map(|e| e.id.as_str())), ("", Some("evt_x")), "{engine:?}");
        assert_eq!(one.event.as_ref().map(|e| (e.seq, e.data.as_str(), e.at)), Some((seq, "{\"number\":7}", 5)));
        for list in [&listed, &claimed] {
            let by_id = |id: &str| list.iter().find(|d| d.id == id).cloned().unwrap();
            assert_eq!(by_id("whd_bare").event.map(|e| e.id), Some("evt_x".into()), "{engine:?}");
            assert_eq!((by_id("whd_kept").event, by_id("whd_kept").body), (None, kept.body.clone()), "{engine:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subjects_pending_and_the_events_queued_are_told_per_subscription() {
    for engine in engines() {
        let s = store(&engine);
        let mut delivered = delivery("whd_3", "whk_a", "evt_3", "ord_2", 10);
        delivered.status = "delivered".into();
        let rows = vec![
            delivery("whd_1", "whk_a", "evt_1", "ord_1", 10),
            delivery("whd_2", "whk_a", "evt_2", "ord_1", 10),
            delivered,
            delivery("whd_4", "whk_b", "evt_4", "ord_3", 10),
        ];
        write(&s, move |tx| {
            tx.put_webhook(&subscription("whk_a", "active"))?;
            tx.put_webhook(&subscription("whk_b", "active"))?;
            tx.add_webhook_deliveries(&rows)
        })
        .await
        .unwrap();
        let (pending, none, other, queued, nothing) = read(&s, |tx| {
            Ok((
                tx.pending_webhook_subjects("whk_a", &["ord_1", "ord_2", "ord_3", "ord_9"])?,
                tx.pending_webhook_subjects("whk_a", &[])?,
                tx.pending_webhook_subjects("whk_b", &["ord_1", "ord_3"])?,
                tx.queued_webhook_events("whk_a", &["evt_1", "evt_3", "evt_4", "evt_9"])?,
                tx.queued_webhook_events("whk_b", &[])?,
            ))
        })
        .await;
        // One subject with two pending deliveries is told once; a delivered one is not pending.
        assert_eq!(pending, ["ord_1"], "{engine:?}");
        assert!(none.is_empty() && nothing.is_empty(), "{engine:?}");
        assert_eq!(other, ["ord_3"], "{engine:?}: another subscription's");
        let mut queued = queued;
        queued.sort();
        assert_eq!(queued, ["evt_1", "evt_3"], "{engine:?}: queued in any status, this subscription's only");
    }
}
