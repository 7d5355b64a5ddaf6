//! What leaves a transaction for the outside world: outbox events, the background workers'
//! positions in that feed, and idempotency records of answered requests. Only the trait; the
//! engines implement it.

use crate::{AuditLink, EventRecord, IdempotencyRecord, NewEvent, Page, StoreResult};

super::store_area! {
    list outbox_store;
    /// Outbox events, worker cursors and idempotency records.
    pub trait OutboxStore {
        /// Appends an event with the origin of the job it is written in ([`crate::origin::current`]).
        fn append_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()>;
        /// Events after the event with sequence `page.after`, in the feed's order. One subject's
        /// events come in sequence order. The whole feed (no subject) comes in commit order and
        /// only grows at its end, so a cursor never passes an event that becomes visible later:
        /// on SQLite that is sequence order; on PostgreSQL, where a sequence number is taken
        /// before commit, it is the order of the writing transactions' ids, then sequence, and
        /// events of transactions older than any still running are all it shows.
        fn list_events(&mut self, page: &Page<i64>, filter: &EventFilter) -> StoreResult<Vec<EventRecord>>;

        // The audit log's hash chain over the events (see `ordo-app`'s `kernel::audit`).
        /// The last link; `None` before the first.
        fn audit_head(&mut self) -> StoreResult<Option<AuditLink>>;
        /// Appends links (event sequence, hash), in the feed's order, after the head.
        fn append_audit(&mut self, links: &[(i64, String)]) -> StoreResult<()>;
        /// Links after chain position `after`, in chain order, at most `limit`.
        fn audit_links(&mut self, after: i64, limit: usize) -> StoreResult<Vec<AuditLink>>;
        /// The hashes of the links of these events (event sequence, hash), for those chained.
        fn audit_hashes(&mut self, seqs: &[i64]) -> StoreResult<Vec<(i64, String)>>;

        // Background workers' positions.
        /// The last event sequence a worker has handled; 0 before its first.
        fn worker_cursor(&mut self, name: &str) -> StoreResult<i64>;
        fn set_worker_cursor(&mut self, name: &str, position: i64) -> StoreResult<()>;
        /// Sets the cursor to `new` only if it is `expected` (0 when it was never set); whether
        /// it did.
        fn swap_worker_cursor(&mut self, name: &str, expected: i64, new: i64) -> StoreResult<bool>;

        // Idempotency records.
        fn idempotency_get(&mut self, key_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>>;
        fn idempotency_put(&mut self, r: &IdempotencyRecord) -> StoreResult<()>;
        /// Replaces the stored answer (status and body) of the record with `r`'s key and request
        /// hash, keeping when it was made; whether there was one.
        fn idempotency_update(&mut self, r: &IdempotencyRecord) -> StoreResult<bool>;
        /// Deletes up to `limit` records made before `before` (ms), oldest first; how many.
        fn idempotency_purge(&mut self, before: i64, limit: usize) -> StoreResult<usize>;
    }
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub subject: Option<String>,
    pub event_type: Option<String>,
    /// The key that made the change (`events.actor`).
    pub actor: Option<String>,
}
