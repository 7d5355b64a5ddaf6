//! A runtime for work that may wait while the machine is busy: one thread, and its blocking
//! threads, at the lowest CPU priority.

/// The runtime of the workers that tell others of what happened (webhook delivery, customer
/// messages): one thread, and its blocking threads, at the lowest CPU priority (see
/// [`lowest_priority`]), so that while orders keep both cores busy they wait, and they catch up
/// as soon as the machine has time; an idle or lightly loaded server sends at once.
pub struct Background(Option<tokio::runtime::Runtime>);

impl Background {
    pub fn start() -> anyhow::Result<Background> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ordo-background")
            .on_thread_start(lowest_priority)
            .enable_all()
            .build()?;
        Ok(Background(Some(runtime)))
    }

    pub fn handle(&self) -> tokio::runtime::Handle {
        self.0.as_ref().expect("running").handle().clone()
    }
}

impl Drop for Background {
    /// A runtime dropped inside another waits for nothing: its work is told again after a
    /// restart (at least once).
    fn drop(&mut self) {
        if let Some(r) = self.0.take() {
            r.shutdown_background();
        }
    }
}

/// Puts the calling thread at the lowest scheduling priority there is: on Linux the idle
/// policy (`SCHED_IDLE`, which any ordinary thread that wakes up preempts at once; a thread
/// that is merely niced keeps its core for the rest of its time slice, and the store's writer
/// waited behind it after its commits: see BENCHMARKS.md), elsewhere the highest nice value. Where neither can be done, the thread runs as every other.
pub(crate) fn lowest_priority() {
    #[cfg(unix)]
    {
        use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let policy = NormalThreadSchedulePolicy::Idle;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let policy = NormalThreadSchedulePolicy::Other;
        let me = thread_priority::thread_native_id();
        let policy = ThreadSchedulePolicy::Normal(policy);
        if let Err(e) = thread_priority::set_thread_priority_and_policy(me, ThreadPriority::Min, policy) {
            tracing::debug!(error = ?e, "the background thread keeps its priority");
        }
    }
}
