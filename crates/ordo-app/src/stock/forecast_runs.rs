//! The daily forecast run: once a day (the first passes after midnight UTC), every active
//! SKU's forecast is worked out with the default history for the longest horizon and kept
//! with its backtest, so that reading a forecast, and a buyer's list of them, costs no fitting.
//!
//! It runs on the background runtime (the lowest CPU priority) when there is one, so orders
//! come first; one node at a time (under the worker lease). A pass works for a few seconds at
//! most, three SKUs at a time (one reading while two fit, on both cores when the machine is
//! idle), and keeps what it made
//! sixteen SKUs at a time; a SKU whose kept forecast was made today is passed over, so a
//! restarted or taken-over run continues where the last one stopped. When the run ends, the
//! day's cycle counts are asked for (`cycle_counts`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ordo_store::{EventRecord, Page};

use crate::kernel::BoxFuture;
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::stock::demand::DAY_MS;
use crate::stock::forecasts::{DEFAULT_HISTORY, MAX_HORIZON, SkuForecast};
use crate::{App, AppError, AppResult};

/// SKUs read per page, fitted at once, and kept per write (short writes, so that orders
/// waiting for the writer do not wait long).
const PAGE: usize = 64;
const AT_ONCE: usize = 3;
const PER_WRITE: usize = 16;

/// How far today's run has got.
#[derive(Debug, Default)]
struct Progress {
    /// The day (number since the epoch) the run is for, and the last SKU it has done.
    day: i64,
    after: Option<String>,
    /// The last day whose run finished, and whose cycle counts were asked for.
    finished: i64,
    scheduled: i64,
}

/// The forecast worker.
struct Forecaster {
    progress: Mutex<Progress>,
    /// The longest a pass works.
    budget: Duration,
}

impl Forecaster {
    /// Where today's run stands: none when it has finished.
    fn next(&self, today: i64) -> Option<Option<String>> {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        if p.finished >= today {
            return None;
        }
        if p.day != today {
            *p = Progress { day: today, after: None, finished: p.finished, scheduled: p.scheduled };
        }
        Some(p.after.clone())
    }

    /// Whether today's run has finished and its cycle counts are still to ask for.
    fn to_schedule(&self, today: i64) -> bool {
        let p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        p.finished >= today && p.scheduled < today
    }

    fn advance(&self, today: i64, last: Option<String>, done: bool) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        if p.day == today {
            p.after = last;
            if done {
                p.finished = today;
            }
        }
    }

    /// One page of today's run; whether the run finished with it.
    async fn work_page(&self, app: &App, today: i64, after: Option<String>) -> AppResult<bool> {
        let (skus, kept) = app
            .store
            .read(move |tx| {
                let products = tx.list_products(&Page { after: after.clone(), limit: PAGE }, Some(true))?;
                // The kept forecasts from the same place on: those of the same SKUs, unless
                // many of removed ones come between (then some are made again; no harm).
                let kept = tx.list_forecasts(&Page { after, limit: PAGE * 2 })?;
                Ok::<_, AppError>((products.into_iter().map(|p| p.sku).collect::<Vec<_>>(), kept))
            })
            .await?;
        let fresh = |sku: &String| kept.iter().any(|k| &k.sku == sku && k.computed_at.div_euclid(DAY_MS) == today);
        let due: Vec<&String> = skus.iter().filter(|s| !fresh(s)).collect();
        let mut made: Vec<SkuForecast> = Vec::with_capacity(due.len());
        // Up to AT_ONCE SKUs in work at any time: one reading its ledger while others fit.
        let mut working = tokio::task::JoinSet::new();
        let mut waiting = due.into_iter();
        loop {
            while working.len() < AT_ONCE {
                let Some(sku) = waiting.next() else { break };
                let (app, sku) = (app.clone(), sku.clone());
                working.spawn(async move { app.work_out_forecast(&sku, None, MAX_HORIZON, DEFAULT_HISTORY).await });
            }
            let Some(finished) = working.join_next().await else { break };
            match finished {
                Ok(Ok(f)) => made.push(f),
                // A SKU removed meanwhile has nothing to forecast.
                Ok(Err(AppError::NotFound(_))) => {}
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(AppError::Internal(format!("a forecast stopped: {e}"))),
            }
            if made.len() >= PER_WRITE {
                app.keep_forecasts(std::mem::take(&mut made)).await?;
            }
        }
        if !made.is_empty() {
            app.keep_forecasts(made).await?;
        }
        let done = skus.len() < PAGE;
        self.advance(today, skus.last().cloned(), done);
        Ok(done)
    }
}

impl Worker for Forecaster {
    fn name(&self) -> &'static str {
        "forecasts"
    }

    fn follows_events(&self) -> bool {
        false
    }

    fn background(&self) -> bool {
        true
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn before_events<'a>(&'a self, app: &'a App) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let started = Instant::now();
            let today = app.now().div_euclid(DAY_MS);
            while let Some(after) = self.next(today) {
                if self.work_page(app, today, after).await? || started.elapsed() >= self.budget {
                    break;
                }
            }
            if self.to_schedule(today) {
                // The SKUs are classed afresh: today's cycle counts (once a day, also when a
                // pass fails after asking; while they are turned off, asked again each pass).
                if let Some(asked) = app.schedule_cycle_counts().await? {
                    tracing::info!(asked, "cycle counts asked for");
                    self.progress.lock().unwrap_or_else(|e| e.into_inner()).scheduled = today;
                }
            }
            Ok(())
        })
    }
}

impl App {
    /// Works out and keeps every active SKU's forecast once a day; between passes of at most
    /// `budget` it pauses `every`.
    pub fn spawn_forecasts(&self, every: Duration, budget: Duration) -> WorkerHandle {
        let mut options = WorkerOptions::every(every);
        options.lease = budget * 3 + Duration::from_secs(10);
        let worker = Forecaster { progress: Mutex::new(Progress::default()), budget };
        self.spawn_worker(Arc::new(worker), options)
    }
}
