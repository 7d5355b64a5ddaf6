//! Who a write is for and where it came from, carried from a request to the events its
//! transaction appends, without every use case passing it along.
//!
//! A request runs inside [`scope`]; once its caller is known, [`set`] records the key and the
//! client's address there. [`crate::Store::write`] takes what is recorded when a job is
//! submitted and makes it [`current`] on the thread that runs the job, for exactly as long as
//! the job's work runs (again on each retry); the engines write it with every event appended
//! (`events.actor`, `events.address`). A write outside a request (a background worker, the
//! command line) has no origin, and its events none.

use std::cell::RefCell;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// The caller of a request: its key's id and the client's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub actor: String,
    pub address: Option<String>,
}

tokio::task_local! {
    static REQUEST: Arc<Mutex<Option<Origin>>>;
}

thread_local! {
    static CURRENT: RefCell<Option<Origin>> = const { RefCell::new(None) };
}

/// Runs a request's future with room for its origin.
pub async fn scope<F: Future>(work: F) -> F::Output {
    REQUEST.scope(Arc::new(Mutex::new(None)), work).await
}

/// Records the request's origin; outside [`scope`] it does nothing.
pub fn set(origin: Origin) {
    let _ = REQUEST.try_with(|cell| *cell.lock().unwrap_or_else(|e| e.into_inner()) = Some(origin));
}

/// The origin recorded for the request this task serves, if any.
pub fn of_request() -> Option<Origin> {
    REQUEST.try_with(|cell| cell.lock().unwrap_or_else(|e| e.into_inner()).clone()).ok().flatten()
}

/// The origin of the write job this thread is running, if any.
pub fn current() -> Option<Origin> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `work` with `origin` current on this thread, and none after.
pub(crate) fn with<R>(origin: Option<&Origin>, work: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| *c.borrow_mut() = None);
        }
    }
    CURRENT.with(|c| *c.borrow_mut() = origin.cloned());
    let _reset = Reset;
    work()
}
