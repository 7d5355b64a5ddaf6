//! Outbound webhooks as stored: the subscriptions, each event queued for each subscription
//! that wants it, and every attempt to deliver one. Only the trait; the engines implement it.

use crate::{AttemptRecord, DeliveryRecord, Page, StoreResult, WebhookRecord};

/// Which deliveries of a subscription a replay puts back in the queue: one, those in a
/// status, those queued in a time range (inclusive), or several of these at once.
#[derive(Debug, Clone, Default)]
pub struct Requeue {
    pub id: Option<String>,
    pub status: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

super::store_area! {
    list webhook_store;
    /// Outbound webhook subscriptions, their delivery queue and its attempts.
    pub trait WebhookStore {
        /// Saves the subscription whole, replacing the one with its id.
        fn put_webhook(&mut self, w: &WebhookRecord) -> StoreResult<()>;
        fn webhook(&mut self, id: &str) -> StoreResult<Option<WebhookRecord>>;
        /// By id, ascending; `page.after` is the last id already seen.
        fn list_webhooks(&mut self, page: &Page<String>) -> StoreResult<Vec<WebhookRecord>>;
        /// Every active subscription, by id.
        fn active_webhooks(&mut self) -> StoreResult<Vec<WebhookRecord>>;
        /// Deletes the subscription with its deliveries and their attempts; false when none
        /// has the id.
        fn delete_webhook(&mut self, id: &str) -> StoreResult<bool>;
        /// Queues deliveries (their `seq` is given by the store), in a few statements however
        /// many; one for a subscription and event already queued is left out. How many were
        /// queued.
        fn add_webhook_deliveries(&mut self, deliveries: &[DeliveryRecord]) -> StoreResult<usize>;
        /// Takes up to `limit` deliveries due at `now` for active subscriptions and holds them
        /// until `until`: pending ones not held by another node, each the oldest pending
        /// delivery of its subscription about its subject (a later one waits). On PostgreSQL
        /// two nodes taking at once never take the same one. Soonest due first.
        fn claim_webhook_deliveries(&mut self, now: i64, until: i64, limit: usize) -> StoreResult<Vec<DeliveryRecord>>;
        /// Saves where each delivery stands (status, attempts, next try, window, hold, last
        /// answer), in a few statements however many; how many had an id the store knows.
        fn update_webhook_deliveries(&mut self, ds: &[DeliveryRecord]) -> StoreResult<usize>;
        /// Records attempts, in a few statements however many.
        fn add_webhook_attempts(&mut self, attempts: &[AttemptRecord]) -> StoreResult<()>;
        fn webhook_delivery(&mut self, subscription_id: &str, id: &str) -> StoreResult<Option<DeliveryRecord>>;
        /// Newest first (by `seq`, descending); `page.after` is the last `seq` already seen.
        fn list_webhook_deliveries(&mut self, subscription_id: &str, page: &Page<i64>, status: Option<&str>) -> StoreResult<Vec<DeliveryRecord>>;
        /// Which of `subjects` the subscription has a pending delivery about (each once).
        fn pending_webhook_subjects(&mut self, subscription_id: &str, subjects: &[&str]) -> StoreResult<Vec<String>>;
        /// Which of `event_ids` are queued (in any status) for the subscription.
        fn queued_webhook_events(&mut self, subscription_id: &str, event_ids: &[&str]) -> StoreResult<Vec<String>>;
        /// A delivery's attempts, first first.
        fn webhook_attempts(&mut self, delivery_id: &str) -> StoreResult<Vec<AttemptRecord>>;
        /// Puts the subscription's deliveries that `which` names and that are not pending back
        /// in the queue, due at `now` with a new retry window. How many.
        fn requeue_webhook_deliveries(&mut self, subscription_id: &str, which: &Requeue, now: i64) -> StoreResult<usize>;
    }
}
