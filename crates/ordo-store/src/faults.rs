//! Fault injection for tests: an engine wrapper whose transactions fail or panic at a chosen
//! outbox event, to prove that a use case failing half-way leaves nothing behind.
//! Never used outside tests.

use std::sync::{Arc, Mutex};

// The method lists name these types; the pass-through below is expanded here.
use ordo_domain::catalog::{Customer, Location, Product};
use ordo_domain::fulfillment::Fulfillment;
use ordo_domain::inventory::{Level, Movement};
use ordo_domain::order::Order;
use ordo_domain::routing::Site;

use crate::schema::{Cell, TableSpec};
use crate::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `append_event` of this event type returns an error.
    FailOnEvent(String),
    /// `append_event` of this event type panics.
    PanicOnEvent(String),
    /// The process dies after this many more write jobs: the next one after them stops the
    /// SQLite writer with its batch open (see [`WriteJob::crashed`]), so every job of that
    /// batch fails and none of it is kept; later writes fail until the store is reopened.
    Crash { after: u64 },
}

/// Wraps an engine; while a fault is armed, write transactions meet it.
pub struct FaultyEngine {
    inner: Arc<dyn Engine>,
    fault: Arc<Mutex<Option<Fault>>>,
}

impl FaultyEngine {
    pub fn new(inner: Arc<dyn Engine>) -> (FaultyEngine, Arc<Mutex<Option<Fault>>>) {
        let fault = Arc::new(Mutex::new(None));
        (FaultyEngine { inner, fault: fault.clone() }, fault)
    }
}

struct FaultyJob {
    job: Box<dyn WriteJob>,
    fault: Option<Fault>,
}

impl WriteJob for FaultyJob {
    fn run(&mut self, tx: &mut dyn Tx) -> bool {
        if self.crashed() {
            return false;
        }
        self.job.run(&mut FaultyTx { inner: tx, fault: self.fault.clone() })
    }

    fn finish(self: Box<Self>, outcome: StoreResult<()>) {
        self.job.finish(outcome)
    }

    fn crashed(&self) -> bool {
        self.fault == Some(Fault::Crash { after: 0 })
    }
}

impl Engine for FaultyEngine {
    fn submit(&self, job: Box<dyn WriteJob>) -> StoreResult<()> {
        let fault = match self.fault.lock() {
            Ok(mut armed) => {
                let fault = armed.clone();
                // A crash counts down one job per submission; the job it reaches crashes.
                if let Some(Fault::Crash { after }) = armed.as_mut() {
                    match after.checked_sub(1) {
                        Some(left) => *after = left,
                        None => *armed = None,
                    }
                }
                match fault {
                    Some(Fault::Crash { after }) if after > 0 => None,
                    other => other,
                }
            }
            Err(_) => None,
        };
        self.inner.submit(Box::new(FaultyJob { job, fault }))
    }

    fn read(&self, job: ReadJob) -> StoreResult<()> {
        self.inner.read(job)
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn stats(&self) -> EngineStats {
        self.inner.stats()
    }

    fn feed_in_commit_order(&self) -> bool {
        self.inner.feed_in_commit_order()
    }
}

struct FaultyTx<'a> {
    inner: &'a mut dyn Tx,
    fault: Option<Fault>,
}

impl FaultyTx<'_> {
    /// The one intercepted call: the armed fault meets the event type it names.
    fn append_event_or_fault(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        match &self.fault {
            Some(Fault::FailOnEvent(t)) if t == e.event_type => Err(StoreError::Internal("injected fault".into())),
            Some(Fault::PanicOnEvent(t)) if t == e.event_type => panic!("injected panic"),
            _ => self.inner.append_event(e),
        }
    }
}

/// Implements one area for `FaultyTx` from the area's method list (see `tx/mod.rs`): every
/// method passes straight through to the wrapped transaction, except `append_event`.
macro_rules! pass_through {
    ($area:ident { $($methods:tt)* }) => {
        impl $area for FaultyTx<'_> {
            pass_through!(@methods $($methods)*);
        }
    };
    (@methods) => {};
    (@methods $(#[$meta:meta])* fn append_event(&mut self, $arg:ident: $ty:ty) -> $ret:ty; $($rest:tt)*) => {
        fn append_event(&mut self, $arg: $ty) -> $ret {
            self.append_event_or_fault($arg)
        }
        pass_through!(@methods $($rest)*);
    };
    (@methods $(#[$meta:meta])* fn $name:ident(&mut self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty; $($rest:tt)*) => {
        fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            self.inner.$name($($arg),*)
        }
        pass_through!(@methods $($rest)*);
    };
}

crate::tx::keys::key_store!(pass_through);
crate::tx::catalog::catalog_store!(pass_through);
crate::tx::inventory::inventory_store!(pass_through);
crate::tx::customers::customer_store!(pass_through);
crate::tx::orders::order_store!(pass_through);
crate::tx::fulfillments::fulfillment_store!(pass_through);
crate::tx::payments::payment_store!(pass_through);
crate::tx::outbox::outbox_store!(pass_through);
crate::tx::maintenance::maintenance_store!(pass_through);
crate::tx::channels::channel_store!(pass_through);
crate::tx::webhooks::webhook_store!(pass_through);
crate::tx::notifications::notification_store!(pass_through);
crate::tx::purchasing::purchasing_store!(pass_through);
crate::tx::planning::planning_store!(pass_through);
