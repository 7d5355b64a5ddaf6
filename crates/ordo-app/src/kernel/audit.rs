//! The audit log: every change Ordo records is an event (in the same transaction as the
//! change), written with the key that made it and the client's address (see
//! `ordo_store::origin`); the auditor chains the events in the feed's order, each link's hash
//! covering its event and the link before it. `ordo audit verify` walks the chain from the
//! start and names the first entry that no longer matches; `GET /v1/audit` lists entries.
//!
//! Invariants: a link is appended only after every event before it in the feed (the whole
//! feed only grows at its end: PostgreSQL's holds back events of transactions still running
//! and orders by transaction, so no event ever appears before one already chained); links
//! are never rewritten. Changing, adding or deleting an event or a link in the
//! database breaks the chain from that entry on. (Rewriting the whole chain after a change is
//! not detected by the chain alone: keep the head hash `verify` prints somewhere else.)

use std::sync::Arc;

use ordo_store::{AuditLink, EventFilter, EventRecord, Page};
use sha2::{Digest, Sha256};

use crate::kernel::access::Action;
use crate::kernel::guard::require;
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::{Actor, App, AppError, AppResult};

/// The hash before the first link.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Events one auditor write chains.
const BATCH: usize = 1000;

/// A link's hash: SHA-256 (hex) of the previous hash and the event's fields as one JSON array
/// (sequence, id, type, subject, time, version, actor, address, data).
pub fn link_hash(previous: &str, e: &EventRecord) -> String {
    let fields = serde_json::json!([e.seq, e.id, e.event_type, e.subject, e.at, e.version, e.actor, e.address, e.data]);
    let mut digest = Sha256::new();
    digest.update(previous.as_bytes());
    digest.update(b"\n");
    digest.update(fields.to_string().as_bytes());
    digest.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// One entry of the audit log: an event as recorded, and its link once chained.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub event: EventRecord,
    pub hash: Option<String>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub event_type: Option<String>,
    /// Entries at or after this time (ms), and before `to`.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditVerdict {
    /// Entries whose link matched.
    pub verified: u64,
    /// The last good link: (sequence, hash).
    pub head: Option<(i64, String)>,
    /// Events after the chain's end, not chained yet.
    pub unchained: u64,
    /// The first entry that does not match, and why.
    pub broken: Option<(i64, String)>,
}

/// Appends links for the events not chained yet, a batch per write, until none is left.
struct Auditor;

impl Worker for Auditor {
    fn name(&self) -> &'static str {
        "auditor"
    }

    fn follows_events(&self) -> bool {
        false
    }

    fn before_events<'a>(&'a self, app: &'a App) -> crate::kernel::BoxFuture<'a, ()> {
        Box::pin(async move {
            while app.chain_audit_batch().await? == BATCH {}
            Ok(())
        })
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a EventRecord) -> crate::kernel::BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

impl App {
    /// Chains up to a batch of events after the chain's head, in one write; how many.
    pub async fn chain_audit_batch(&self) -> AppResult<usize> {
        self.store
            .write(|tx| {
                let (after, mut previous) = tx.audit_head()?.map_or((0, GENESIS.to_owned()), |h| (h.seq, h.hash));
                let events = tx.list_events(&Page { after: Some(after), limit: BATCH }, &EventFilter::default())?;
                let links: Vec<(i64, String)> = events
                    .iter()
                    .map(|e| {
                        previous = link_hash(&previous, e);
                        (e.seq, previous.clone())
                    })
                    .collect();
                tx.append_audit(&links)?;
                Ok::<_, AppError>(links.len())
            })
            .await
    }

    /// Runs the auditor every `every` (one node at a time).
    pub fn spawn_auditor(&self, every: std::time::Duration) -> WorkerHandle {
        self.spawn_worker(Arc::new(Auditor), WorkerOptions::every(every))
    }

    /// Entries after sequence `after`, oldest first, with the filter's conditions.
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        after: Option<i64>,
        limit: usize,
    ) -> AppResult<Vec<AuditEntry>> {
        require(actor, Action::ReadAudit)?;
        self.store
            .read(move |tx| {
                let feed = EventFilter {
                    subject: filter.subject.clone(),
                    event_type: filter.event_type.clone(),
                    actor: filter.actor.clone(),
                };
                let mut out = Vec::new();
                let mut cursor = after.unwrap_or(0);
                // Time bounds are applied to pages of the feed, so a narrow window over a long
                // history reads on until the page is full or the feed ends.
                loop {
                    let events = tx.list_events(&Page { after: Some(cursor), limit: limit.max(1) }, &feed)?;
                    let Some(last) = events.last().map(|e| e.seq) else { break };
                    let full = events.len() == limit.max(1);
                    let past_to = filter.to.is_some_and(|t| events.iter().any(|e| e.at >= t));
                    let kept: Vec<EventRecord> = events
                        .into_iter()
                        .filter(|e| filter.to.is_none_or(|t| e.at < t) && filter.from.is_none_or(|f| e.at >= f))
                        .take(limit - out.len())
                        .collect();
                    let seqs: Vec<i64> = kept.iter().map(|e| e.seq).collect();
                    let hashes: std::collections::HashMap<i64, String> = tx.audit_hashes(&seqs)?.into_iter().collect();
                    out.extend(kept.into_iter().map(|event| {
                        let hash = hashes.get(&event.seq).cloned();
                        AuditEntry { event, hash }
                    }));
                    // Events come in the feed's order, which follows time: one at or after `to`
                    // ends the walk.
                    if out.len() == limit || !full || past_to {
                        break;
                    }
                    cursor = last;
                }
                Ok::<_, AppError>(out)
            })
            .await
    }

    /// Walks the chain from the start and checks every link against its event, the links in
    /// chain order beside the events in the feed's order.
    pub async fn verify_audit(&self) -> AppResult<AuditVerdict> {
        let head = self.store.read(|tx| Ok::<_, AppError>(tx.audit_head()?)).await?;
        let end = head.as_ref().map_or(0, |h| h.position);
        let mut verdict = AuditVerdict { verified: 0, head: None, unchained: 0, broken: None };
        let mut previous = GENESIS.to_owned();
        let (mut events, mut links) = (Feed::<EventRecord>::default(), Feed::<AuditLink>::default());
        loop {
            if events.wants_more() {
                let after = events.cursor;
                let page = self
                    .store
                    .read(move |tx| {
                        Ok::<_, AppError>(
                            tx.list_events(&Page { after: Some(after), limit: BATCH }, &EventFilter::default())?,
                        )
                    })
                    .await?;
                events.cursor = page.last().map_or(after, |e| e.seq);
                events.refill(page);
            }
            if links.wants_more() {
                let after = links.cursor;
                // Links past the head read at the start are left out: the auditor may chain
                // more while the walk goes on, and what is past the head counts as unchained.
                let page = self
                    .store
                    .read(move |tx| Ok::<_, AppError>(tx.audit_links(after, BATCH)?))
                    .await?
                    .into_iter()
                    .filter(|l| l.position <= end)
                    .collect::<Vec<_>>();
                links.cursor = page.last().map_or(after, |l| l.position);
                links.refill(page);
            }
            match (links.items.front(), events.items.front()) {
                (None, None) => return Ok(verdict),
                // The chain's end: what follows in the feed is not chained yet.
                (None, Some(_)) => {
                    verdict.unchained += events.items.len() as u64;
                    events.items.clear();
                }
                (Some(link), None) => {
                    verdict.broken = Some((link.seq, "its event is missing: it was deleted".into()));
                    return Ok(verdict);
                }
                (Some(link), Some(event)) if link.seq == event.seq => {
                    if link_hash(&previous, event) != link.hash {
                        let why = format!(
                            "{} of {} does not match its link: the event or the chain was changed",
                            event.event_type, event.subject
                        );
                        verdict.broken = Some((link.seq, why));
                        return Ok(verdict);
                    }
                    previous = link.hash.clone();
                    verdict.verified += 1;
                    verdict.head = Some((link.seq, previous.clone()));
                    links.items.pop_front();
                    events.items.pop_front();
                }
                // The link names a later event of the feed: the events before it have no link.
                (Some(link), Some(event)) if events.items.iter().any(|e| e.seq == link.seq) => {
                    let why = format!(
                        "{} of {} has no link: it was added or its link deleted",
                        event.event_type, event.subject
                    );
                    verdict.broken = Some((event.seq, why));
                    return Ok(verdict);
                }
                (Some(link), Some(_)) => {
                    verdict.broken = Some((link.seq, "its event is missing: it was deleted".into()));
                    return Ok(verdict);
                }
            }
        }
    }
}

/// A page-at-a-time reader of the feed or the chain, for `verify`.
struct Feed<T> {
    items: std::collections::VecDeque<T>,
    /// Where the next page starts.
    cursor: i64,
    /// The last page was short: nothing more to read.
    done: bool,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Self { items: std::collections::VecDeque::new(), cursor: 0, done: false }
    }
}

impl<T> Feed<T> {
    /// Fewer than a page left in hand and more to read. (A page's worth in hand lets a link be
    /// looked for among the events that follow.)
    fn wants_more(&self) -> bool {
        !self.done && self.items.len() < BATCH
    }

    fn refill(&mut self, page: Vec<T>) {
        self.done = page.len() < BATCH;
        self.items.extend(page);
    }
}
