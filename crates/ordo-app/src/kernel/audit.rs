//! The audit log: every change Ordo records is an event (in the same transaction as the
//! change), written with the key that made it and the client's address (see
//! `ordo_store::origin`); the auditor chains the events in sequence order, each link's hash
//! covering its event and the link before it. `ordo audit verify` walks the chain from the
//! start and names the first entry that no longer matches; `GET /v1/audit` lists entries.
//!
//! Invariants: a link is appended only after every event before it (PostgreSQL's feed holds
//! back events of transactions still running, so a later sequence never passes an earlier
//! one); links are never rewritten. Changing, adding or deleting an event or a link in the
//! database breaks the chain from that entry on. (Rewriting the whole chain after a change is
//! not detected by the chain alone: keep the head hash `verify` prints somewhere else.)

use std::sync::Arc;

use ordo_store::{EventFilter, EventRecord, Page};
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
                let (after, mut previous) = tx.audit_head()?.unwrap_or((0, GENESIS.to_owned()));
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
                    let mut past_to = false;
                    for event in events {
                        if filter.to.is_some_and(|t| event.at >= t) {
                            past_to = true;
                            continue;
                        }
                        if filter.from.is_some_and(|f| event.at < f) {
                            continue;
                        }
                        let hash = tx
                            .audit_links(event.seq - 1, 1)?
                            .into_iter()
                            .find(|(s, _)| *s == event.seq)
                            .map(|(_, h)| h);
                        out.push(AuditEntry { event, hash });
                        if out.len() == limit {
                            return Ok(out);
                        }
                    }
                    // Events come in sequence order, which follows time: one at or after `to`
                    // ends the walk.
                    if !full || past_to {
                        break;
                    }
                    cursor = last;
                }
                Ok::<_, AppError>(out)
            })
            .await
    }

    /// Walks the chain from the start and checks every link against its event.
    pub async fn verify_audit(&self) -> AppResult<AuditVerdict> {
        let head = self.store.read(|tx| Ok::<_, AppError>(tx.audit_head()?)).await?;
        let end = head.as_ref().map_or(0, |(s, _)| *s);
        let mut verdict = AuditVerdict { verified: 0, head: None, unchained: 0, broken: None };
        let mut previous = GENESIS.to_owned();
        let mut cursor = 0;
        loop {
            let (events, links) = self
                .store
                .read(move |tx| {
                    let events =
                        tx.list_events(&Page { after: Some(cursor), limit: BATCH }, &EventFilter::default())?;
                    let links = tx.audit_links(cursor, BATCH)?;
                    Ok::<_, AppError>((events, links))
                })
                .await?;
            if events.is_empty() && links.is_empty() {
                return Ok(verdict);
            }
            let mut links = links.into_iter().peekable();
            let mut last = cursor;
            for event in &events {
                // A link for an event that is not there: the event was deleted.
                if let Some((seq, _)) = links.peek().filter(|(s, _)| *s < event.seq) {
                    verdict.broken = Some((*seq, "its event is missing: it was deleted".into()));
                    return Ok(verdict);
                }
                // Past the head read at the start, everything is counted as not chained yet:
                // the auditor may chain it while the walk goes on.
                if event.seq > end {
                    verdict.unchained += 1;
                    last = event.seq;
                    continue;
                }
                match links.next_if(|(s, _)| *s == event.seq) {
                    Some((seq, hash)) => {
                        if link_hash(&previous, event) != hash {
                            let why = format!(
                                "{} of {} does not match its link: the event or the chain was changed",
                                event.event_type, event.subject
                            );
                            verdict.broken = Some((seq, why));
                            return Ok(verdict);
                        }
                        previous = hash;
                        verdict.verified += 1;
                        verdict.head = Some((seq, previous.clone()));
                    }
                    None if event.seq <= end => {
                        verdict.broken = Some((
                            event.seq,
                            format!(
                                "{} of {} has no link: it was added or its link deleted",
                                event.event_type, event.subject
                            ),
                        ));
                        return Ok(verdict);
                    }
                    None => verdict.unchained += 1,
                }
                last = event.seq;
            }
            if events.len() < BATCH {
                // The feed's end: any link left (up to the head) names an event that is not there.
                if let Some((seq, _)) = links.find(|(s, _)| *s <= end) {
                    verdict.broken = Some((seq, "its event is missing: it was deleted".into()));
                }
                return Ok(verdict);
            }
            cursor = last;
        }
    }
}
