//! The worker runtime: every event handled in commit order and at least once, a failed event
//! offered again after a pause, a pass that panics met as a failed pass, one node at a time
//! by a lease, a clean stop, and a telling worker on the background runtime when there is one.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ordo_app::kernel::BoxFuture;
use ordo_app::kernel::worker::{Worker, WorkerOptions};
use ordo_app::{App, AppError};
use ordo_store::EventRecord;
use ordo_store::testing::TestEngine;

use crate::support::*;

/// Records what it saw; fails the first `failures` times it is offered event `fail_on`.
struct Recorder {
    name: &'static str,
    seen: Mutex<Vec<(i64, String)>>,
    fail_on: Option<String>,
    failures: Mutex<u32>,
    /// The one event type it acts on, when it acts on one only.
    only: Option<&'static str>,
}

impl Recorder {
    fn new(name: &'static str, fail_on: Option<&str>, failures: u32) -> Arc<Recorder> {
        Arc::new(Recorder {
            name,
            seen: Mutex::new(Vec::new()),
            fail_on: fail_on.map(str::to_owned),
            failures: Mutex::new(failures),
            only: None,
        })
    }

    fn types(&self) -> Vec<String> {
        self.seen.lock().unwrap().iter().map(|(_, t)| t.clone()).collect()
    }
}

impl Worker for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    fn wants(&self, event: &EventRecord) -> bool {
        self.only.is_none_or(|t| t == event.event_type)
    }

    fn handle<'a>(&'a self, _app: &'a App, event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if self.fail_on.as_deref() == Some(event.event_type.as_str()) {
                let mut left = self.failures.lock().unwrap();
                if *left > 0 {
                    *left -= 1;
                    return Err(AppError::Unavailable("the outside system is down".into()));
                }
            }
            self.seen.lock().unwrap().push((event.seq, event.event_type.clone()));
            Ok(())
        })
    }
}

fn fast() -> WorkerOptions {
    WorkerOptions {
        interval: Duration::from_millis(20),
        batch: 3,
        lease: Duration::from_millis(300),
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(80),
    }
}

async fn events_in_order_once_and_again_after_a_failure(engine: &TestEngine) {
    let (app, _) = faulty_app(engine);
    // Two locations and two products: eight events (created, adjusted ...).
    setup(&app, &["L1", "L2"], &["A", "B"], 3).await;
    // On PostgreSQL the feed holds back events while other tests' transactions are in flight.
    let mut expected: Vec<String> = Vec::new();
    for _ in 0..500 {
        let page = ordo_store::Page { after: None, limit: 100 };
        let feed = app.store.read(move |tx| Ok::<_, AppError>(tx.list_events(&page, &Default::default())?)).await;
        expected = feed.unwrap().into_iter().map(|e| e.event_type).collect();
        if expected.len() == 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(expected.len(), 8, "{expected:?}");
    // The first adjustment fails twice; the worker stops there, pauses, and offers it again.
    let w = Recorder::new("recorder", Some("inventory.adjusted"), 2);
    let handle = app.spawn_worker(w.clone(), fast());
    eventually("every event is handled", || w.seen.lock().unwrap().len() == expected.len()).await;
    assert_eq!(w.types(), expected, "{engine:?}: events out of order, skipped or repeated");
    let seqs: Vec<i64> = w.seen.lock().unwrap().iter().map(|(s, _)| *s).collect();
    assert!(seqs.windows(2).all(|p| p[0] < p[1]), "{engine:?}: {seqs:?}");
    // Stopping waits for the pass in progress, so its counts are complete.
    handle.stop().await;
    let stats = app.workers.snapshot().into_iter().find(|(n, _)| *n == "recorder").unwrap().1;
    assert_eq!(stats.failures.load(Ordering::Relaxed), 2, "{engine:?}");
    assert_eq!(stats.events.load(Ordering::Relaxed), expected.len() as u64, "{engine:?}");
    assert_eq!(stats.cursor.load(Ordering::Relaxed), *seqs.last().unwrap(), "{engine:?}");

    // A new runtime (a restart) continues after the stored cursor: only the new event.
    adjust(&app, "L1", "A", 1).await.unwrap();
    let again = Recorder::new("recorder", None, 0);
    let handle = app.spawn_worker(again.clone(), fast());
    eventually("the new event is handled", || !again.seen.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(again.types(), ["inventory.adjusted"], "{engine:?}: a restart handled old events again");
    handle.stop().await;
}

async fn one_node_works_at_a_time(engine: &TestEngine) {
    let (app, _) = faulty_app(engine);
    setup(&app, &["L1"], &["A"], 1).await;
    // Two nodes: two runtimes of the same worker over one database.
    let (first, second) = (Recorder::new("leased", None, 0), Recorder::new("leased", None, 0));
    // A lease long enough that a busy machine's pauses never let it lapse while its holder runs.
    let leased = WorkerOptions { lease: Duration::from_secs(2), ..fast() };
    let one = app.spawn_worker(first.clone(), leased);
    eventually("the first node handles the events", || first.seen.lock().unwrap().len() == 3).await;
    let two = app.spawn_worker(second.clone(), leased);
    adjust(&app, "L1", "A", 1).await.unwrap();
    eventually("the new event is handled", || first.seen.lock().unwrap().len() == 4).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(second.seen.lock().unwrap().is_empty(), "{engine:?}: two nodes worked at once");
    // When the first stops it gives the lease up, and the second takes over.
    one.stop().await;
    adjust(&app, "L1", "A", 1).await.unwrap();
    eventually("the second node takes over", || second.seen.lock().unwrap().len() == 1).await;
    assert_eq!(first.seen.lock().unwrap().len(), 4, "{engine:?}");
    two.stop().await;
}

async fn events_it_does_not_want_are_passed_over(engine: &TestEngine) {
    let (app, _) = faulty_app(engine);
    setup(&app, &["L1", "L2"], &["A"], 1).await;
    let w = Arc::new(Recorder {
        only: Some("location.created"),
        ..Arc::into_inner(Recorder::new("picky", None, 0)).unwrap()
    });
    let handle = app.spawn_worker(w.clone(), fast());
    eventually("the wanted events are handled", || w.seen.lock().unwrap().len() == 2).await;
    // The cursor moves past the events it passed over too (five in all).
    let cursor =
        || app.workers.snapshot().into_iter().find(|(n, _)| *n == "picky").unwrap().1.cursor.load(Ordering::Relaxed);
    eventually("the cursor passes every event", || cursor() >= 5).await;
    handle.stop().await;
    assert_eq!(w.types(), ["location.created", "location.created"], "{engine:?}");
    let stored = app.store.read(|tx| Ok::<_, AppError>(tx.worker_cursor("picky")?)).await.unwrap();
    assert_eq!(stored, cursor(), "{engine:?}: the stored cursor lags the events passed over");
}

/// Panics the first time it is offered an event, then records what it sees.
struct PanicsOnce {
    panicked: Mutex<bool>,
    seen: Mutex<usize>,
}

impl Worker for PanicsOnce {
    fn name(&self) -> &'static str {
        "panics-once"
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let first = !std::mem::replace(&mut *self.panicked.lock().unwrap(), true);
            if first {
                panic!("a worker's bug");
            }
            *self.seen.lock().unwrap() += 1;
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pass_that_panics_fails_that_pass_not_the_worker() {
    for engine in engines() {
        let (app, _) = faulty_app(&engine);
        setup(&app, &["L1"], &["A"], 1).await;
        let w = Arc::new(PanicsOnce { panicked: Mutex::new(false), seen: Mutex::new(0) });
        let handle = app.spawn_worker(w.clone(), fast());
        eventually("the events are handled after the panic", || *w.seen.lock().unwrap() == 3).await;
        let stats = app.workers.snapshot().into_iter().find(|(n, _)| *n == "panics-once").unwrap().1;
        assert_eq!(stats.failures.load(Ordering::Relaxed), 1, "{engine:?}: the panic counts as one failed pass");
        handle.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_passes_over_the_events_it_does_not_want() {
    for engine in engines() {
        events_it_does_not_want_are_passed_over(&engine).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_handles_every_event_in_order_and_a_failed_one_again() {
    for engine in engines() {
        events_in_order_once_and_again_after_a_failure(&engine).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runtimes_of_one_worker_never_work_at_the_same_time() {
    for engine in engines() {
        one_node_works_at_a_time(&engine).await;
    }
}

/// Idempotency records older than the kept span are purged by a worker on a timer, which
/// follows no events and so keeps no cursor; newer records stay.
async fn idempotency_records_are_purged_once_they_are_old(engine: &TestEngine) {
    let (app, _) = faulty_app(engine);
    let now = app.now();
    let day = 86_400_000;
    for (key, at) in [("old", now - 8 * day), ("older", now - 30 * day), ("new", now - day)] {
        let r = ordo_store::IdempotencyRecord {
            key_id: "key_1".into(),
            key: key.into(),
            request_hash: "h".into(),
            status: 201,
            body: b"{}".to_vec(),
            created_at: at,
        };
        app.store.write(move |tx| Ok::<_, AppError>(tx.idempotency_put(&r)?)).await.unwrap();
    }
    let present = |key: &'static str| {
        let app = app.clone();
        async move { app.store.read(move |tx| Ok::<_, AppError>(tx.idempotency_get("key_1", key)?)).await.unwrap() }
    };
    let worker = app.spawn_idempotency_purge(Duration::from_secs(7 * 86_400), Duration::from_millis(20));
    for _ in 0..500 {
        if present("old").await.is_none() && present("older").await.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    worker.stop().await;
    assert!(present("old").await.is_none() && present("older").await.is_none(), "{engine:?}: old records stay");
    assert!(present("new").await.is_some(), "{engine:?}: a record within the span was purged");
    let cursor = app.store.read(|tx| Ok::<_, AppError>(tx.worker_cursor("idempotency.purge")?)).await.unwrap();
    assert_eq!(cursor, 0, "{engine:?}: the purge keeps no cursor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn old_idempotency_records_are_purged() {
    for engine in engines() {
        idempotency_records_are_purged_once_they_are_old(&engine).await;
    }
}

/// Records the name of the thread each pass's event was handled on.
struct ThreadNames {
    name: &'static str,
    background: bool,
    threads: Mutex<Vec<String>>,
}

impl Worker for ThreadNames {
    fn name(&self) -> &'static str {
        self.name
    }

    fn background(&self) -> bool {
        self.background
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let thread = std::thread::current().name().unwrap_or("").to_owned();
            self.threads.lock().unwrap().push(thread);
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_worker_runs_on_the_background_runtime_and_no_other_does() {
    let engine = engines().remove(0);
    let (mut app, _) = faulty_app(&engine);
    setup(&app, &["L1"], &["A"], 1).await;
    let background = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("test-background")
        .enable_all()
        .build()
        .unwrap();
    app.background = Some(background.handle().clone());
    let telling = Arc::new(ThreadNames { name: "telling", background: true, threads: Mutex::default() });
    let other = Arc::new(ThreadNames { name: "other", background: false, threads: Mutex::default() });
    let (one, two) = (app.spawn_worker(telling.clone(), fast()), app.spawn_worker(other.clone(), fast()));
    eventually("both handle the events", || {
        !telling.threads.lock().unwrap().is_empty() && !other.threads.lock().unwrap().is_empty()
    })
    .await;
    one.stop().await;
    two.stop().await;
    let telling = telling.threads.lock().unwrap().clone();
    let other = other.threads.lock().unwrap().clone();
    assert!(telling.iter().all(|t| t == "test-background"), "{telling:?}");
    assert!(other.iter().all(|t| t != "test-background"), "{other:?}");
    background.shutdown_background();
}
