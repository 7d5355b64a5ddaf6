//! A runtime for work that may wait while the machine is busy: one thread, and its blocking
//! threads, at the lowest CPU priority.

/// The runtime of the workers that tell others of what happened (webhook delivery, customer
/// messages): one thread, and its blocking threads, at the lowest CPU priority (nice 19), so
/// that while orders keep both cores busy they wait, and they catch up as soon as the
/// machine has time; an idle or lightly loaded server sends at once.
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

/// Puts the calling thread alone at the lowest scheduling priority (Linux keeps a nice value
/// per thread); where that cannot be done, the thread runs as every other.
pub(crate) fn lowest_priority() {
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19) {
        tracing::debug!(error = %e, "the background thread keeps its priority");
    }
}
