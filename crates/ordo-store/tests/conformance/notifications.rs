//! Customer notifications: a message queued once per `dedupe` key; a claim takes only pending
//! messages that are due and not held, soonest first, and never what another claim holds; a
//! message's outcome saved and read back, alone and in its order's log; preferences saved
//! whole and replaced; a public link made once per purpose and subject, and opened by its token.

use ordo_store::NotificationRecord;

use crate::common::{engines, read, store, write};

fn message(id: &str, dedupe: &str, order: &str, next_at: i64) -> NotificationRecord {
    NotificationRecord {
        seq: 0,
        id: id.into(),
        dedupe: dedupe.into(),
        order_id: order.into(),
        customer_id: Some("cus_1".into()),
        kind: "shipped".into(),
        transport: "email".into(),
        recipient: "ada@example.com".into(),
        language: "en".into(),
        event_id: Some(format!("evt_{dedupe}")),
        about: Some("ful_1".into()),
        status: "pending".into(),
        attempts: 0,
        next_at,
        claimed_until: 0,
        subject: None,
        provider_id: None,
        error: None,
        created_at: next_at,
        sent_at: None,
        updated_at: next_at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_queue_once_per_step_and_claims_take_what_is_due_once() {
    for engine in engines() {
        let s = store(&engine);
        let queued = vec![
            message("ntf_1", "a", "ord_1", 10),
            message("ntf_2", "b", "ord_1", 20),
            message("ntf_3", "c", "ord_2", 500),
            // The same step again: left out.
            message("ntf_4", "a", "ord_1", 10),
        ];
        let added = write(&s, move |tx| tx.add_notifications(&queued)).await.unwrap();
        assert_eq!(added, 3, "{engine:?}: the repeated step was left out");
        let again = write(&s, |tx| tx.add_notifications(&[message("ntf_5", "b", "ord_1", 20)])).await.unwrap();
        assert_eq!(again, 0, "{engine:?}: a second pass queues nothing twice");

        let first = write(&s, |tx| tx.claim_notifications(100, 160, 10)).await.unwrap();
        let ids: Vec<&str> = first.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["ntf_1", "ntf_2"], "{engine:?}: due ones, soonest first; not one due later");
        assert!(first.iter().all(|n| n.claimed_until == 160), "{engine:?}: held until the time given");
        let held = write(&s, |tx| tx.claim_notifications(120, 180, 10)).await.unwrap();
        assert!(held.is_empty(), "{engine:?}: another claim holds them");
        let expired = write(&s, |tx| tx.claim_notifications(170, 230, 1)).await.unwrap();
        assert_eq!(expired.len(), 1, "{engine:?}: a hold that ran out is taken again, up to the limit");
        assert_eq!(expired[0].id, "ntf_1", "{engine:?}");

        let mut sent = expired[0].clone();
        sent.status = "sent".into();
        sent.attempts = 1;
        sent.subject = Some("Your order has shipped".into());
        sent.provider_id = Some("<m1@example.com>".into());
        sent.sent_at = Some(171);
        sent.updated_at = 171;
        let saved = sent.clone();
        let (updated, missing) = write(&s, move |tx| {
            let missing = NotificationRecord { id: "ntf_none".into(), ..saved.clone() };
            Ok::<_, ordo_store::StoreError>((tx.update_notification(&saved)?, tx.update_notification(&missing)?))
        })
        .await
        .unwrap();
        assert!(updated && !missing, "{engine:?}: only an existing message is updated");
        let later = write(&s, |tx| tx.claim_notifications(10_000, 10_060, 10)).await.unwrap();
        let ids: Vec<&str> = later.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["ntf_2", "ntf_3"], "{engine:?}: a sent message is never taken again");

        let (one, log, other, none) = read(&s, |tx| {
            Ok((
                tx.notification("ntf_1")?,
                tx.order_notifications("ord_1")?,
                tx.order_notifications("ord_2")?,
                tx.notification("ntf_4")?,
            ))
        })
        .await;
        let one = one.expect("stored");
        assert_eq!(one, sent, "{engine:?}: read back as saved");
        assert!(one.seq > 0, "{engine:?}: numbered by the store");
        let ids: Vec<&str> = log.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["ntf_1", "ntf_2"], "{engine:?}: the order's log, first queued first");
        assert_eq!(other.len(), 1, "{engine:?}");
        assert_eq!(none, None, "{engine:?}: the left-out duplicate was never stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_are_saved_whole_and_replaced() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| tx.put_customer_preferences("cus_1", r#"{"language":"de"}"#, 5)).await.unwrap();
        write(&s, |tx| tx.put_customer_preferences("cus_1", r#"{"language":"en","off":["shipped"]}"#, 6))
            .await
            .unwrap();
        let (got, none) =
            read(&s, |tx| Ok((tx.customer_preferences("cus_1")?, tx.customer_preferences("cus_2")?))).await;
        assert_eq!(got.as_deref(), Some(r#"{"language":"en","off":["shipped"]}"#), "{engine:?}: replaced whole");
        assert_eq!(none, None, "{engine:?}: a customer who never set any has none");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_link_is_made_once_per_purpose_and_subject_and_opens_by_its_token() {
    for engine in engines() {
        let s = store(&engine);
        let (first, again, other) = write(&s, |tx| {
            Ok::<_, ordo_store::StoreError>((
                tx.add_public_link("tracking", "ord_1", "t1", 5)?,
                tx.add_public_link("tracking", "ord_1", "t2", 6)?,
                tx.add_public_link("unsubscribe", "ord_1", "t3", 6)?,
            ))
        })
        .await
        .unwrap();
        assert_eq!(
            (first.as_str(), again.as_str(), other.as_str()),
            ("t1", "t1", "t3"),
            "{engine:?}: the first one stays"
        );
        let (opened, none, found, missing) = read(&s, |tx| {
            Ok((
                tx.resolve_public_link("t1")?,
                tx.resolve_public_link("t2")?,
                tx.public_link("tracking", "ord_1")?,
                tx.public_link("tracking", "ord_2")?,
            ))
        })
        .await;
        assert_eq!(opened, Some(("tracking".into(), "ord_1".into())), "{engine:?}");
        assert_eq!((found.as_deref(), missing), (Some("t1"), None), "{engine:?}");
        assert_eq!(none, None, "{engine:?}: the token that lost is no link");
    }
}
