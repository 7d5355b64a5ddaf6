//! Webhooks sent at once by the queueing pass (SQLite, whose feed is in commit order): a
//! delivery sent just before the process died, its record lost with the crash, is sent again
//! after the restart with the same event id and recorded once; a pass sends at most a batch
//! at once and the rest go out through the queue, each once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ordo_app::kernel::BoxFuture;
use ordo_app::kernel::idempotency::Outcome;
use ordo_app::notify::webhooks::WebhookInput;
use ordo_app::ports::webhook::{Answered, Outgoing, WebhookSender};
use ordo_app::{Actor, App, AppError};
use ordo_store::Page;
use ordo_store::faults::Fault;
use ordo_store::testing::{TestEngine, temp_dir};

use crate::support::*;

/// Answers 200 to everything and notes each event id it was given; the first time, it
/// first arms a crash (the process dies while the receiver answers).
#[derive(Default)]
struct StandIn {
    calls: Mutex<Vec<String>>,
    crash_first: Mutex<Option<Arc<Mutex<Option<Fault>>>>>,
    /// How long each answer takes, and the most requests it had open at once.
    pause: Duration,
    open: AtomicUsize,
    most_open: AtomicUsize,
}

impl WebhookSender for StandIn {
    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Answered> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(out.event_id.to_owned());
            let open = self.open.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_open.fetch_max(open, Ordering::SeqCst);
            tokio::time::sleep(self.pause).await;
            self.open.fetch_sub(1, Ordering::SeqCst);
            if let Some(switch) = self.crash_first.lock().unwrap().take() {
                *switch.lock().unwrap() = Some(Fault::Crash { after: 0 });
            }
            Ok(Answered { status: Some(200), latency_ms: 1, answer: Some("thanks".into()), error: None })
        })
    }
}

fn calls(s: &StandIn) -> Vec<String> {
    s.calls.lock().unwrap().clone()
}

async fn stored(app: &App, id: &str) -> Vec<ordo_store::DeliveryRecord> {
    let page = Page { after: None, limit: 100 };
    app.list_webhook_deliveries(&Actor::system(), id, page, None).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delivery_sent_just_before_a_crash_is_sent_again_after_the_restart_and_recorded_once() {
    let url = TestEngine::Sqlite.fresh_url(&temp_dir("webhook-crash"));
    let sender = Arc::new(StandIn::default());
    let (app, switch) = faulty_app_at(&url);
    let app = app.with_webhook_sender(sender.clone());
    let input = WebhookInput {
        url: Some("https://93.184.216.34/hooks".into()),
        events: Some(vec!["product.created".into()]),
        description: None,
    };
    let Outcome::Fresh(created) = app.create_webhook(&Actor::system(), input, None).await.unwrap() else {
        panic!("a new subscription")
    };
    let id = created.webhook.id;
    *sender.crash_first.lock().unwrap() = Some(switch);
    product(&app, "HOOK-1", &[], 0).await;

    let (queue, send) = app.spawn_webhook_workers(Duration::from_millis(20));
    eventually("the delivery is sent", || !calls(&sender).is_empty()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The receiver has it; the record of it died with the process.
    assert_eq!(calls(&sender).len(), 1);
    assert!(stored(&app, &id).await.is_empty(), "a delivery was recorded after the crash");
    queue.stop().await;
    send.stop().await;
    drop(app);

    let (app, _) = faulty_app_at(&url);
    let app = app.with_webhook_sender(sender.clone());
    let (queue, send) = app.spawn_webhook_workers(Duration::from_millis(20));
    eventually("the delivery is sent again", || calls(&sender).len() >= 2).await;
    for _ in 0..500 {
        if !stored(&app, &id).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let seen = calls(&sender);
    assert_eq!(seen.len(), 2, "sent once before the crash and once after: {seen:?}");
    assert_eq!(seen[0], seen[1], "the same event id both times");
    let log = stored(&app, &id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!((log[0].status.as_str(), log[0].attempts, log[0].event_id.as_str()), ("delivered", 1, seen[0].as_str()));
    let attempts = app.store.read({
        let d = log[0].id.clone();
        move |tx| Ok::<_, AppError>(tx.webhook_attempts(&d)?)
    });
    let attempts = attempts.await.unwrap();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!((attempts[0].status, attempts[0].answer.as_deref()), (Some(200), Some("thanks")));
    queue.stop().await;
    send.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pass_sends_at_most_a_batch_at_once_and_the_rest_go_out_through_the_queue_once() {
    for engine in engines() {
        let sender = Arc::new(StandIn { pause: Duration::from_millis(30), ..Default::default() });
        let (app, _) = faulty_app(&engine);
        let mut app = app.with_webhook_sender(sender.clone());
        app.webhook_policy.batch = 2;
        app.webhook_policy.settle = Duration::from_millis(10);
        let input = WebhookInput {
            url: Some("https://93.184.216.34/hooks".into()),
            events: Some(vec!["product.created".into()]),
            description: None,
        };
        let Outcome::Fresh(created) = app.create_webhook(&Actor::system(), input, None).await.unwrap() else {
            panic!("a new subscription")
        };
        for i in 0..7 {
            product(&app, &format!("HOOK-B{i}"), &[], 0).await;
        }
        let (queue, send) = app.spawn_webhook_workers(Duration::from_millis(20));
        eventually("every product's event is sent", || calls(&sender).len() >= 7).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut seen = calls(&sender);
        seen.sort();
        seen.dedup();
        assert_eq!((seen.len(), calls(&sender).len()), (7, 7), "{engine:?}: each event once");
        let most = sender.most_open.load(Ordering::SeqCst);
        assert!(most <= 2, "{engine:?}: {most} sends at once, more than the batch of 2");
        let log = stored(&app, &created.webhook.id).await;
        assert_eq!(log.len(), 7, "{engine:?}");
        assert!(log.iter().all(|d| d.status == "delivered" && d.attempts == 1), "{engine:?}: {log:?}");
        queue.stop().await;
        send.stop().await;
    }
}
