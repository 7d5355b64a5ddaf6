//! Messages to customers as stored: each queued once per step and transport, claimed by the
//! node that sends it, and what came of it; each customer's preferences; and the links
//! customers open without a key (tracking and unsubscribe pages). Only the trait;
//! the engines implement it.

use crate::{NotificationRecord, StoreResult};

super::store_area! {
    list notification_store;
    /// Customer notifications (their queue and log) and customer preferences.
    pub trait NotificationStore {
        /// Queues messages (their `seq` is given by the store); one whose `dedupe` key is
        /// already queued is left out. How many were queued.
        fn add_notifications(&mut self, messages: &[NotificationRecord]) -> StoreResult<usize>;
        /// Takes up to `limit` pending messages due at `now` and not held by another node,
        /// holding them until `until`; on PostgreSQL two nodes taking at once never take the
        /// same one. Soonest due first.
        fn claim_notifications(&mut self, now: i64, until: i64, limit: usize) -> StoreResult<Vec<NotificationRecord>>;
        /// Saves where a message stands (status, attempts, next try, hold, subject, provider
        /// id, error, when sent); false when none has its id.
        fn update_notification(&mut self, n: &NotificationRecord) -> StoreResult<bool>;
        fn notification(&mut self, id: &str) -> StoreResult<Option<NotificationRecord>>;
        /// An order's messages, first queued first.
        fn order_notifications(&mut self, order_id: &str) -> StoreResult<Vec<NotificationRecord>>;
        /// A customer's preferences (a JSON document), if they were ever set.
        fn customer_preferences(&mut self, customer_id: &str) -> StoreResult<Option<String>>;
        /// Saves a customer's preferences whole.
        fn put_customer_preferences(&mut self, customer_id: &str, body: &str, at: i64) -> StoreResult<()>;
        /// The token of the link for this purpose and subject, made with `token` if there is
        /// none yet (the first one made stays).
        fn add_public_link(&mut self, purpose: &str, subject: &str, token: &str, at: i64) -> StoreResult<String>;
        /// The token of the link for this purpose and subject, if one was made.
        fn public_link(&mut self, purpose: &str, subject: &str) -> StoreResult<Option<String>>;
        /// What a link's token opens: its purpose and subject.
        fn resolve_public_link(&mut self, token: &str) -> StoreResult<Option<(String, String)>>;
    }
}
