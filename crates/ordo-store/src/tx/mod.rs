//! The storage trait, split by area: one trait per file here, and `Tx`, which is all of them.
//! Use cases hold `&mut dyn Tx`; engines implement each area; nothing engine-specific (SQL,
//! driver errors, connection types) appears in these signatures.
//!
//! A new method is declared in its area's file, implemented in `sqlite/tx/<area>.rs` and
//! `postgres/tx/<area>.rs`, and tested in `tests/conformance/<area>.rs` (the workspace's tidy
//! test fails until it is). The fault wrapper follows the declaration by itself; a new table goes in `schema.rs`
//! (the suite fails until it does).

pub mod catalog;
pub mod channels;
pub mod customers;
pub mod fulfillments;
pub mod inventory;
pub mod keys;
pub mod maintenance;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod planning;
pub mod purchasing;
pub mod webhooks;

pub use catalog::CatalogStore;
pub use channels::{ChannelStore, ImportFilter};
pub use customers::{CustomerFilter, CustomerStore, tag_needle, tags_from_json, tags_json};
pub use fulfillments::{FulfillmentFilter, FulfillmentStore};
pub use inventory::{InventoryStore, MovementFilter};
pub use keys::KeyStore;
pub use maintenance::MaintenanceStore;
pub use notifications::NotificationStore;
pub use orders::{OrderFilter, OrderStore};
pub use outbox::{EventFilter, OutboxStore};
pub use payments::PaymentStore;
pub use planning::{AlertFilter, PlanningStore};
pub use purchasing::{PurchaseOrderFilter, PurchasingStore, TransferFilter};
pub use webhooks::{Requeue, WebhookStore};

/// The operations use cases may perform inside one transaction: every area's.
///
/// Every method sees the transaction's own earlier writes. Implement the area traits; `Tx`
/// comes with them.
pub trait Tx:
    KeyStore
    + CatalogStore
    + InventoryStore
    + CustomerStore
    + OrderStore
    + FulfillmentStore
    + PaymentStore
    + OutboxStore
    + MaintenanceStore
    + ChannelStore
    + WebhookStore
    + NotificationStore
    + PurchasingStore
    + PlanningStore
{
}

impl<T> Tx for T where
    T: KeyStore
        + CatalogStore
        + InventoryStore
        + CustomerStore
        + OrderStore
        + FulfillmentStore
        + PaymentStore
        + OutboxStore
        + MaintenanceStore
        + ChannelStore
        + WebhookStore
        + NotificationStore
        + PurchasingStore
        + PlanningStore
        + ?Sized
{
}

/// A cursor page request: rows strictly after `after` in the list's order, at most `limit`.
#[derive(Debug, Clone)]
pub struct Page<C> {
    pub after: Option<C>,
    pub limit: usize,
}

/// Declares an area trait from its method list, and a macro (`list`) that hands the same list
/// to another macro, so code that must cover every method (the fault wrapper's pass-through)
/// is generated from it instead of being kept in step by hand.
macro_rules! store_area {
    (list $list:ident; $(#[$doc:meta])* pub trait $name:ident { $($methods:tt)* }) => {
        $(#[$doc])*
        pub trait $name {
            $($methods)*
        }

        /// Calls `$then! { Trait { methods } }` with this area's methods, as declared.
        macro_rules! $list {
            ($then:ident) => {
                $then! { $name { $($methods)* } }
            };
        }
        pub(crate) use $list;
    };
}
use store_area;
