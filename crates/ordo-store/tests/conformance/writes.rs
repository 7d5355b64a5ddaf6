//! Write jobs: a failing job rolls back alone, and the fault wrapper fails jobs where it is told to.

use ordo_store::testing::temp_dir;
use ordo_store::{EventFilter, NewEvent, Page, Store, StoreError};

use crate::common::{engines, product, store, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_leaves_nothing_and_others_in_its_batch_commit() {
    for engine in engines() {
        let s = store(&engine);
        let mut jobs = Vec::new();
        for i in 0..20 {
            let s = s.clone();
            jobs.push(tokio::spawn(async move {
                s.write(move |tx| {
                    tx.insert_product(&product(&format!("P-{i}")))?;
                    if i % 3 == 0 { Err(StoreError::Internal("refused".into())) } else { Ok(()) }
                })
                .await
            }));
        }
        for j in jobs {
            let _ = j.await.unwrap();
        }
        let skus: Vec<String> = s
            .read(|tx| tx.list_products(&Page { after: None, limit: 100 }, None))
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.sku)
            .collect();
        let mut expected: Vec<String> = (0..20).filter(|i| i % 3 != 0).map(|i| format!("P-{i}")).collect();
        expected.sort();
        assert_eq!(skus, expected, "{engine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_engine_meets_its_fault_only_at_the_armed_event_and_rolls_that_job_back() {
    use ordo_store::faults::{Fault, FaultyEngine};
    for engine in engines() {
        let inner = ordo_store::open_engine(&engine.fresh_url(&temp_dir("faults")), &Default::default()).unwrap();
        let (faulty, switch) = FaultyEngine::new(inner);
        let s = Store::new(std::sync::Arc::new(faulty));
        let job = |sku: &'static str, event_type: &'static str| {
            move |tx: &mut dyn ordo_store::Tx| {
                tx.insert_product(&product(sku))?;
                tx.append_event(&NewEvent { id: sku, event_type, subject: sku, at: 1, data: "{}", version: 1 })
            }
        };
        write(&s, job("A", "order.created")).await.unwrap();
        *switch.lock().unwrap() = Some(Fault::FailOnEvent("order.created".into()));
        let failed = write(&s, job("B", "order.created")).await.unwrap_err();
        assert_eq!(failed, StoreError::Internal("injected fault".into()), "{engine:?}");
        write(&s, job("C", "order.cancelled")).await.unwrap();
        *switch.lock().unwrap() = Some(Fault::PanicOnEvent("order.created".into()));
        let panicked = write(&s, job("D", "order.created")).await.unwrap_err();
        assert_ne!(panicked, failed, "{engine:?}: the job panicked instead of returning the fault");
        *switch.lock().unwrap() = None;
        write(&s, job("E", "order.created")).await.unwrap();
        let (skus, events) = s
            .read(|tx| {
                let skus: Vec<String> =
                    tx.list_products(&Page { after: None, limit: 10 }, None)?.into_iter().map(|p| p.sku).collect();
                let events = tx.list_events(&Page { after: None, limit: 10 }, &EventFilter::default())?;
                Ok::<_, StoreError>((skus, events.into_iter().map(|e| e.subject).collect::<Vec<_>>()))
            })
            .await
            .unwrap();
        assert_eq!(skus, ["A", "C", "E"], "{engine:?}: the faulted jobs left nothing");
        // The PostgreSQL feed may hold back events of transactions still in flight elsewhere:
        // it is read again until it has caught up.
        let mut events = events;
        for _ in 0..200 {
            if events.len() >= 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            events = s
                .read(|tx| tx.list_events(&Page { after: None, limit: 10 }, &EventFilter::default()))
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.subject)
                .collect();
        }
        assert_eq!(events, ["A", "C", "E"], "{engine:?}: the faulted jobs' events stayed");
    }
}

/// A crash (`Fault::Crash`, SQLite) stands for the process dying while a batch is open: every
/// job of that batch fails and none of it is kept, the batches before it are, and the writer
/// takes nothing more until the store is opened again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_loses_its_whole_open_batch_and_stops_the_writer() {
    use ordo_store::faults::{Fault, FaultyEngine};
    let url = ordo_store::testing::TestEngine::Sqlite.fresh_url(&temp_dir("crash"));
    let inner = ordo_store::open_engine(&url, &Default::default()).unwrap();
    let (faulty, switch) = FaultyEngine::new(inner);
    let s = Store::new(std::sync::Arc::new(faulty));
    let insert = |sku: &'static str| move |tx: &mut dyn ordo_store::Tx| tx.insert_product(&product(sku));
    // The first job holds the writer until the next two are queued behind it, so that they
    // share the next batch.
    let (go, first) = hold_writer(&s, "A").await;
    *switch.lock().unwrap() = Some(Fault::Crash { after: 1 });
    let (b, c) = (s.clone(), s.clone());
    let second = tokio::spawn(async move { write(&b, insert("B")).await });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let third = tokio::spawn(async move { write(&c, insert("C")).await });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    go.send(()).unwrap();
    first.await.unwrap().unwrap();
    let lost = StoreError::Unavailable("the writer stopped".into());
    assert_eq!(second.await.unwrap(), Err(lost.clone()), "the job before the crash in its batch is lost with it");
    assert_eq!(third.await.unwrap(), Err(lost.clone()));
    assert!(write(&s, insert("D")).await.is_err(), "nothing is written after the crash");
    drop(s);
    let reopened = Store::new(ordo_store::open_engine(&url, &Default::default()).unwrap());
    let skus: Vec<String> = reopened
        .read(|tx| tx.list_products(&Page { after: None, limit: 10 }, None))
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.sku)
        .collect();
    assert_eq!(skus, ["A"], "only the batch committed before the crash is kept");
    write(&reopened, insert("E")).await.unwrap();
}

/// Writes a product of `sku` in a job that holds the writer until the sender is used, so that
/// the jobs queued meanwhile share the next batch; returns the sender and the held job.
async fn hold_writer(
    s: &Store,
    sku: &'static str,
) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<Result<(), StoreError>>) {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let wait = std::sync::Arc::new(std::sync::Mutex::new(wait));
    let s = s.clone();
    let held = tokio::spawn(async move {
        write(&s, move |tx| {
            let _ = wait.lock().unwrap().recv();
            tx.insert_product(&product(sku))
        })
        .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    (go, held)
}

/// Queues twelve jobs writing `P-{round}-{i}` behind a held writer (jobs 1, 5 and 9 fail after
/// writing, job 6 panics after writing), releases it, and returns each job's outcome (the
/// number of products its run saw) and how many times the jobs ran.
async fn failing_batch(s: &Store, round: usize, hold: &'static str) -> (Vec<Result<usize, StoreError>>, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (go, held) = hold_writer(s, hold).await;
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let mut jobs = Vec::new();
    for i in 0..12 {
        let (s, runs) = (s.clone(), runs.clone());
        jobs.push(tokio::spawn(async move {
            s.write(move |tx| {
                runs.fetch_add(1, Ordering::Relaxed);
                let sku = format!("P-{round}-{i:02}");
                tx.insert_product(&product(&sku))?;
                tx.append_event(&NewEvent {
                    id: &sku,
                    event_type: "product.created",
                    subject: &sku,
                    at: 1,
                    data: "{}",
                    version: 1,
                })?;
                if i == 6 {
                    panic!("a job that panics after writing");
                }
                if i % 4 == 1 {
                    return Err(StoreError::Internal("refused after writing".into()));
                }
                // What this run saw: the products written before it in this transaction.
                Ok(tx.list_products(&Page { after: None, limit: 100 }, None)?.len())
            })
            .await
        }));
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    go.send(()).unwrap();
    held.await.unwrap().unwrap();
    let mut outcomes = Vec::new();
    for j in jobs {
        outcomes.push(j.await.unwrap());
    }
    (outcomes, runs.load(Ordering::Relaxed))
}

/// SQLite runs a batch without savepoints; when a job in it fails (an error after it wrote, or
/// a panic), the batch is rolled back and run again with one savepoint per job: the failed
/// jobs leave nothing, every other job of the batch commits once, with what its last run saw.
/// The batch after one with failures has savepoints from the start, so it runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_failed_jobs_runs_again_and_keeps_exactly_the_others() {
    let s = store(&ordo_store::testing::TestEngine::Sqlite);
    let kept: Vec<usize> = (0..12).filter(|i| *i != 6 && i % 4 != 1).collect();
    let mut expected_skus = Vec::new();
    for (round, hold) in [(1, "HOLD-1"), (2, "HOLD-2")] {
        let before = s.stats();
        let (outcomes, runs) = failing_batch(&s, round, hold).await;
        let written_before = expected_skus.len() + 1;
        for (i, outcome) in outcomes.iter().enumerate() {
            match outcome {
                Ok(seen) => {
                    assert!(kept.contains(&i), "round {round}: job {i} should have failed");
                    // What was there, the holding job, then the kept jobs queued up to this one.
                    let expected = written_before + kept.iter().filter(|k| **k <= i).count();
                    assert_eq!(*seen, expected, "round {round}: job {i} answered from its last run");
                }
                Err(_) => assert!(!kept.contains(&i), "round {round}: job {i} should have been kept"),
            }
        }
        let after = s.stats();
        assert_eq!(after.write_jobs - before.write_jobs, 13, "round {round}: every job was answered once");
        if round == 1 {
            assert!(runs > 12, "the first batch with failures ran again ({runs} runs)");
        } else {
            assert_eq!(runs, 12, "the batch after one with failures had savepoints from the start");
        }
        expected_skus.push(hold.to_owned());
        expected_skus.extend(kept.iter().map(|i| format!("P-{round}-{i:02}")));
    }
    let (skus, events) = s
        .read(|tx| {
            let skus: Vec<String> =
                tx.list_products(&Page { after: None, limit: 100 }, None)?.into_iter().map(|p| p.sku).collect();
            let events = tx.list_events(&Page { after: None, limit: 100 }, &EventFilter::default())?;
            Ok::<_, StoreError>((skus, events.into_iter().map(|e| e.subject).collect::<Vec<_>>()))
        })
        .await
        .unwrap();
    let expected_events: Vec<String> = expected_skus.iter().filter(|s| s.starts_with("P-")).cloned().collect();
    assert_eq!(events, expected_events, "each kept job's event once, in order; none of the failed jobs'");
    expected_skus.sort();
    assert_eq!(skus, expected_skus);
    // A batch that follows, all of whose jobs succeed, commits as usual.
    write(&s, |tx| tx.insert_product(&product("AFTER"))).await.unwrap();
}
