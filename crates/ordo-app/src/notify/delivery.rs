//! Delivering outbound webhooks, on the worker runtime, in two steps:
//!
//! - **Queueing** (`webhooks.queue`) follows the event feed: each event becomes one delivery
//!   per active subscription that wants it (created before the event); its body is the event's
//!   JSON as `GET /v1/events` shows it, read from the event (kept unchanged) when it is sent or
//!   shown, so that a delivery row stays small. A delivery is queued once per subscription and
//!   event, so a pass that runs twice queues nothing twice.
//! - **Sending at once.** Where the feed shows events in the order they committed (SQLite's one
//!   writer), the queueing pass sends a new delivery itself when its subscription is not
//!   failing and has nothing pending about the same object, and stores it with its first
//!   attempt already made: a delivery that succeeds the first time costs the writer one insert
//!   and no claim. Deliveries about one object in one pass go out one after the other; after
//!   one that fails, the rest wait in the queue behind it. The pass waits a short while
//!   ([`DeliveryPolicy::direct_wait`]) for its sends; one not answered by then is stored held
//!   by this node (as a claim is) and its attempt recorded when the answer comes. On
//!   PostgreSQL every delivery goes through the queue (see `settle` below).
//! - **Sending** (`webhooks.send`) takes due deliveries, holding each for a while so that
//!   another node leaves it alone (several nodes send at once; the worker holds no lease),
//!   sends them at once, and records each attempt. Deliveries about one object go out in
//!   order: a later one waits until the earlier one is delivered or dead. A failed attempt is
//!   tried again after 30 s, then twice as long each time (at most 6 hours), with jitter,
//!   until the retry window (72 hours) has passed; then the delivery is dead and waits in
//!   the dead-letter list for a replay. A subscription whose every attempt has failed for 5
//!   days is disabled (`webhook.disabled`).
//!
//! At least once: an attempt is recorded after it was made, so a node that dies in between
//! sends that delivery again when its hold runs out; receivers deduplicate by
//! `Ordo-Event-Id`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ordo_store::{AttemptRecord, DeliveryRecord, EventRecord};

use crate::kernel::BoxFuture;
use crate::kernel::events::payloads::WebhookDisabled;
use crate::kernel::events::{Event, emit};
use crate::kernel::secrets::keyring;
use crate::kernel::time_fmt::format_ms;
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::notify::webhooks::{Webhook, queued};
use crate::ports::webhook::{Answered, Outgoing};
use crate::{App, AppError, AppResult, random_u128};

/// How deliveries are retried; the defaults are what the conventions promise, tests shorten
/// them.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// The wait after the first failed attempt; it doubles after each further one.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// How long after it was queued (or replayed) a delivery is tried before it is dead.
    pub window: Duration,
    /// How long a subscription may fail every attempt before it is disabled.
    pub disable_after: Duration,
    /// How long a node holds the deliveries it took (longer than an attempt may last).
    pub hold: Duration,
    /// The most deliveries one pass takes.
    pub batch: usize,
    /// How long a new delivery waits before its first attempt. On PostgreSQL the feed shows
    /// events in the order of their transactions, and two transactions about one object may
    /// show there in the other order than they committed; a delivery waits this long for an
    /// earlier one about its object to be queued, and then goes after it (deliveries about
    /// one object go out in the order of their events' sequence).
    pub settle: Duration,
    /// How long a queueing pass waits for the deliveries it sends at once (see the module's
    /// doc) before it stores those still unanswered as held.
    pub direct_wait: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            first_retry: Duration::from_secs(30),
            max_retry: Duration::from_secs(6 * 3600),
            window: Duration::from_secs(72 * 3600),
            disable_after: Duration::from_secs(5 * 24 * 3600),
            hold: Duration::from_secs(60),
            batch: 200,
            settle: Duration::from_millis(500),
            direct_wait: Duration::from_secs(1),
        }
    }
}

impl DeliveryPolicy {
    /// The wait after the `attempts`-th failed attempt: doubling from the first retry, at
    /// most the longest, less up to a fifth at random (so receivers that come back are not
    /// met by every retry at once).
    pub fn retry_after(&self, attempts: i64) -> i64 {
        let first = self.first_retry.as_millis() as i64;
        let doubled = first.saturating_mul(1i64 << (attempts - 1).clamp(0, 30));
        let wait = doubled.min(self.max_retry.as_millis() as i64).max(1);
        wait - (random_u128() % (wait as u128 / 5 + 1)) as i64
    }
}

/// The event as `GET /v1/events` shows it: the body every delivery of it carries.
pub fn event_body(e: &EventRecord) -> String {
    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "id": e.id,
        "sequence": e.seq,
        "type": e.event_type,
        "subject": e.subject,
        "created_at": format_ms(e.at),
        "data": data,
        "version": e.version,
    })
    .to_string()
}

/// A delivery with its body: the one stored with it, or, for one stored without (every new
/// one), its event as the feed shows it.
pub(crate) fn with_body(mut d: DeliveryRecord) -> DeliveryRecord {
    if let Some(e) = d.event.take()
        && d.body.is_empty()
    {
        d.body = event_body(&e);
    }
    d
}

/// Queues each event for the subscriptions that want it.
struct Queue;

impl Worker for Queue {
    fn name(&self) -> &'static str {
        "webhooks.queue"
    }

    fn background(&self) -> bool {
        true
    }

    fn coalesces(&self) -> bool {
        true
    }

    fn handle<'a>(&'a self, app: &'a App, event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async move { app.queue_deliveries(&[event]).await })
    }

    fn handle_all<'a>(&'a self, app: &'a App, events: &'a [&'a EventRecord]) -> BoxFuture<'a, ()> {
        Box::pin(async move { app.queue_deliveries(events).await })
    }
}

/// Sends what is due.
struct Dispatch;

impl Worker for Dispatch {
    fn name(&self) -> &'static str {
        "webhooks.send"
    }

    fn background(&self) -> bool {
        true
    }

    fn enabled(&self, app: &App) -> bool {
        app.webhook_sender.is_some()
    }

    fn follows_events(&self) -> bool {
        false
    }

    fn leased(&self) -> bool {
        false
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn before_events<'a>(&'a self, app: &'a App) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            // Passes follow each other at once while there is more due than one pass takes.
            while app.send_due_deliveries().await? == app.webhook_policy.batch {}
            Ok(())
        })
    }
}

/// What one attempt came to, to be recorded.
struct Sent {
    delivery: DeliveryRecord,
    answered: Answered,
    at: i64,
}

/// Deliveries a queueing pass sends at once: one subscription's (its URL and sealed secret)
/// about one subject, in event order.
struct Group {
    target: Arc<(String, String)>,
    deliveries: Vec<DeliveryRecord>,
}

/// How far a group's sending has come, shared by its task and the pass: the attempts
/// answered, the delivery being sent, whether the pass has stopped waiting (`cut`; the task
/// sends nothing more), and the answer that came after that.
#[derive(Default)]
struct Progress {
    done: Vec<Sent>,
    sending: Option<usize>,
    cut: bool,
    late: Option<Sent>,
}

impl App {
    /// Starts queueing and sending outbound webhooks (sending needs a sender).
    pub fn spawn_webhook_workers(&self, interval: Duration) -> (WorkerHandle, WorkerHandle) {
        let queue = self.spawn_worker(Arc::new(Queue), WorkerOptions::every(interval));
        let send = self.spawn_worker(Arc::new(Dispatch), WorkerOptions::every(interval));
        (queue, send)
    }

    /// One delivery per event and active subscription that wants it, in one write: sent at
    /// once where it may be (see the module's doc), queued otherwise.
    async fn queue_deliveries(&self, events: &[&EventRecord]) -> AppResult<()> {
        let subscriptions = self.store.read(|tx| Ok::<_, AppError>(tx.active_webhooks()?)).await?;
        if subscriptions.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let due = now + self.webhook_policy.settle.as_millis() as i64;
        let at_once = self.webhook_sender.is_some() && self.store.feed_in_commit_order();
        let (mut deliveries, mut candidates) = (Vec::new(), Vec::new());
        for record in &subscriptions {
            let w = Webhook::from_record(record)?;
            let mine: Vec<DeliveryRecord> = events
                .iter()
                .filter(|e| e.at >= w.created_at && Webhook::wants(&w.events, &e.event_type))
                .map(|e| queued(&w.id, e, now, due))
                .collect();
            if at_once && record.failing_since.is_none() {
                candidates.push((record.clone(), mine));
            } else {
                deliveries.extend(mine);
            }
        }
        let groups = self.direct_groups(candidates, &mut deliveries).await?;
        if groups.is_empty() {
            if !deliveries.is_empty() {
                self.store.write(move |tx| Ok::<_, AppError>(tx.add_webhook_deliveries(&deliveries)?)).await?;
            }
            return Ok(());
        }
        self.send_at_once(groups, events, deliveries).await
    }

    /// The candidates to send at once, by subscription and subject in event order (at most
    /// a sending pass's batch of groups); those already queued are left out, and those whose
    /// subject has a delivery pending, or beyond the batch, are queued (into `deliveries`).
    async fn direct_groups(
        &self,
        candidates: Vec<(ordo_store::WebhookRecord, Vec<DeliveryRecord>)>,
        deliveries: &mut Vec<DeliveryRecord>,
    ) -> AppResult<Vec<Group>> {
        let asked: Vec<(String, Vec<String>, Vec<String>)> = candidates
            .iter()
            .filter(|(_, ds)| !ds.is_empty())
            .map(|(w, ds)| {
                let subjects = ds.iter().map(|d| d.subject.clone()).collect();
                (w.id.clone(), subjects, ds.iter().map(|d| d.event_id.clone()).collect())
            })
            .collect();
        if asked.is_empty() {
            return Ok(Vec::new());
        }
        let mut backlog: HashMap<String, (HashSet<String>, HashSet<String>)> = self
            .store
            .read(move |tx| {
                let mut found = HashMap::new();
                for (id, subjects, event_ids) in &asked {
                    let subjects: Vec<&str> = subjects.iter().map(String::as_str).collect();
                    let event_ids: Vec<&str> = event_ids.iter().map(String::as_str).collect();
                    let pending = tx.pending_webhook_subjects(id, &subjects)?.into_iter().collect();
                    let known = tx.queued_webhook_events(id, &event_ids)?.into_iter().collect();
                    found.insert(id.clone(), (pending, known));
                }
                Ok::<_, AppError>(found)
            })
            .await?;
        let mut groups: Vec<Group> = Vec::new();
        for (record, ds) in candidates {
            let Some((pending, known)) = backlog.remove(&record.id) else { continue };
            let target = Arc::new((record.url.clone(), record.secret.clone()));
            let mut by_subject: HashMap<String, usize> = HashMap::new();
            for d in ds.into_iter().filter(|d| !known.contains(&d.event_id)) {
                if pending.contains(&d.subject) {
                    deliveries.push(d);
                    continue;
                }
                let at = *by_subject.entry(d.subject.clone()).or_insert_with(|| {
                    groups.push(Group { target: target.clone(), deliveries: Vec::new() });
                    groups.len() - 1
                });
                groups[at].deliveries.push(d);
            }
        }
        // No more sends at once than a sending pass makes; the rest go through the queue.
        if groups.len() > self.webhook_policy.batch {
            for g in groups.split_off(self.webhook_policy.batch) {
                deliveries.extend(g.deliveries);
            }
        }
        Ok(groups)
    }

    /// Sends each group's deliveries one after the other (groups at once), waits for them a
    /// while, and stores every delivery of the pass in one write: those answered with their
    /// attempt, the one a group is still sending held by this node, the rest queued. What
    /// is still being sent is recorded when its answer comes.
    async fn send_at_once(
        &self,
        groups: Vec<Group>,
        events: &[&EventRecord],
        mut deliveries: Vec<DeliveryRecord>,
    ) -> AppResult<()> {
        let Some(sender) = self.webhook_sender.clone() else { return Ok(()) };
        let policy = self.webhook_policy;
        let bodies: HashMap<i64, Arc<str>> = events.iter().map(|e| (e.seq, Arc::from(event_body(e)))).collect();
        let (finished, mut finishing) = tokio::sync::mpsc::channel::<()>(groups.len().max(1));
        let mut running = Vec::with_capacity(groups.len());
        for group in &groups {
            let progress = Arc::new(Mutex::new(Progress::default()));
            let (target, ds) = (group.target.clone(), group.deliveries.clone());
            let (sender, clock, finished, mine) =
                (sender.clone(), self.clock.clone(), finished.clone(), progress.clone());
            let bodies: Vec<Arc<str>> =
                ds.iter().map(|d| bodies.get(&d.event_seq).cloned().unwrap_or_else(|| Arc::from(""))).collect();
            let task = tokio::spawn(async move {
                for (i, (d, body)) in ds.into_iter().zip(bodies).enumerate() {
                    {
                        let mut p = mine.lock().unwrap_or_else(|e| e.into_inner());
                        if p.cut {
                            break;
                        }
                        p.sending = Some(i);
                    }
                    let at = clock.now_ms();
                    let answered = attempt(sender.as_ref(), &target, &d, body.as_bytes(), at).await;
                    let delivered = answered.delivered();
                    let mut p = mine.lock().unwrap_or_else(|e| e.into_inner());
                    p.sending = None;
                    let sent = Sent { delivery: d, answered, at };
                    if p.cut {
                        p.late = Some(sent);
                        break;
                    }
                    p.done.push(sent);
                    if !delivered {
                        break;
                    }
                }
                let _ = finished.send(()).await;
            });
            running.push((progress, task));
        }
        drop(finished);
        let deadline = tokio::time::Instant::now() + policy.direct_wait;
        let mut left = groups.len();
        while left > 0 {
            match tokio::time::timeout_at(deadline, finishing.recv()).await {
                Ok(Some(())) => left -= 1,
                Ok(None) | Err(_) => break,
            }
        }
        let now = self.now();
        let until = now + policy.hold.as_millis() as i64;
        let (mut attempts, mut outcome, mut held) = (Vec::new(), HashMap::<String, bool>::new(), false);
        for (group, (progress, _)) in groups.iter().zip(&running) {
            let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
            p.cut = true;
            for s in &p.done {
                let (d, a) = settled(s, policy, now);
                *outcome.entry(d.subscription_id.clone()).or_insert(false) |= d.status == "delivered";
                deliveries.push(d);
                attempts.push(a);
            }
            let mut rest = p.done.len();
            if let Some(i) = p.sending {
                deliveries.push(DeliveryRecord { claimed_until: until, next_at: now, ..group.deliveries[i].clone() });
                held = true;
                rest = i + 1;
            }
            deliveries.extend(group.deliveries[rest..].iter().cloned());
        }
        self.store
            .write(move |tx| {
                tx.add_webhook_deliveries(&deliveries)?;
                tx.add_webhook_attempts(&attempts)?;
                let outcome = outcome.iter().map(|(id, ok)| (id.as_str(), *ok)).collect();
                mark_subscriptions(tx, outcome, policy, now)
            })
            .await?;
        if held {
            // The answers still to come, recorded when they come (or, if this node stops
            // first, sent again when the hold runs out).
            let app = self.clone();
            tokio::spawn(async move {
                let mut late = Vec::new();
                for (progress, task) in running {
                    let _ = task.await;
                    if let Some(s) = progress.lock().unwrap_or_else(|e| e.into_inner()).late.take() {
                        late.push(s);
                    }
                }
                let now = app.now();
                if let Err(e) = app.store.write(move |tx| record_attempts(tx, &late, policy, now)).await {
                    tracing::warn!(error = %e, "late webhook answers were not recorded; they are sent again");
                }
            });
        }
        Ok(())
    }

    /// Takes what is due, sends it, records every attempt; how many were taken.
    async fn send_due_deliveries(&self) -> AppResult<usize> {
        let Some(sender) = self.webhook_sender.clone() else { return Ok(0) };
        let policy = self.webhook_policy;
        let now = self.now();
        let until = now + policy.hold.as_millis() as i64;
        let batch = policy.batch;
        let (taken, subscriptions) = self
            .store
            .write(move |tx| {
                let taken: Vec<DeliveryRecord> =
                    tx.claim_webhook_deliveries(now, until, batch)?.into_iter().map(with_body).collect();
                let mut subscriptions = HashMap::new();
                for d in &taken {
                    if !subscriptions.contains_key(&d.subscription_id)
                        && let Some(w) = tx.webhook(&d.subscription_id)?
                    {
                        subscriptions.insert(d.subscription_id.clone(), w);
                    }
                }
                Ok::<_, AppError>((taken, subscriptions))
            })
            .await?;
        let count = taken.len();
        if count == 0 {
            return Ok(0);
        }
        let mut sends = tokio::task::JoinSet::new();
        for d in taken {
            let Some(w) = subscriptions.get(&d.subscription_id) else { continue };
            let (url, sealed, sender, clock) = (w.url.clone(), w.secret.clone(), sender.clone(), self.clock.clone());
            sends.spawn(async move {
                let at = clock.now_ms();
                let answered = attempt(sender.as_ref(), &(url, sealed), &d, d.body.as_bytes(), at).await;
                Sent { delivery: d, answered, at }
            });
        }
        let mut sent = Vec::with_capacity(count);
        while let Some(done) = sends.join_next().await {
            match done {
                Ok(s) => sent.push(s),
                // A send that panicked is retried when its hold runs out.
                Err(e) => tracing::error!(error = %e, "a webhook send stopped"),
            }
        }
        let now = self.now();
        self.store.write(move |tx| record_attempts(tx, &sent, policy, now)).await?;
        Ok(count)
    }
}

/// One attempt to send a delivery to a subscription's URL, signed with its (sealed) secret.
async fn attempt(
    sender: &dyn crate::ports::webhook::WebhookSender,
    target: &(String, String),
    d: &DeliveryRecord,
    body: &[u8],
    at: i64,
) -> Answered {
    let failed = |error: String| Answered { status: None, latency_ms: 0, answer: None, error: Some(error) };
    match keyring().open(&target.1) {
        Ok(secret) => {
            let out = Outgoing {
                url: &target.0,
                secret: &secret,
                event_id: &d.event_id,
                event_type: &d.event_type,
                delivery_id: &d.id,
                body,
                now_ms: at,
            };
            sender.send(out).await.unwrap_or_else(|e| failed(e.to_string()))
        }
        Err(e) => failed(format!("the signing secret cannot be opened: {e}")),
    }
}

/// Where a delivery stands after an attempt (delivered, to be tried again, or dead), and the
/// attempt as recorded.
fn settled(s: &Sent, policy: DeliveryPolicy, now: i64) -> (DeliveryRecord, AttemptRecord) {
    let mut d = s.delivery.clone();
    d.attempts += 1;
    d.claimed_until = 0;
    d.updated_at = now;
    d.last_status = s.answered.status.map(i64::from);
    d.last_error = s.answered.error.clone();
    if s.answered.delivered() {
        d.status = "delivered".into();
    } else {
        let next = s.at + policy.retry_after(d.attempts);
        if next > d.window_from + policy.window.as_millis() as i64 {
            d.status = "dead".into();
        } else {
            d.next_at = next;
        }
    }
    let attempt = AttemptRecord {
        delivery_id: d.id.clone(),
        n: d.attempts,
        at: s.at,
        status: d.last_status,
        latency_ms: s.answered.latency_ms,
        error: s.answered.error.clone(),
        answer: s.answered.answer.clone(),
    };
    (d, attempt)
}

/// Records each attempt and where its delivery now stands, and each subscription's failure
/// record (disabling one that failed for too long).
fn record_attempts(tx: &mut dyn ordo_store::Tx, sent: &[Sent], policy: DeliveryPolicy, now: i64) -> AppResult<()> {
    let mut outcome: HashMap<&str, bool> = HashMap::new();
    let (mut deliveries, mut attempts) = (Vec::with_capacity(sent.len()), Vec::with_capacity(sent.len()));
    for s in sent {
        let (d, a) = settled(s, policy, now);
        // A subscription is failing only while none of its attempts succeeds.
        *outcome.entry(s.delivery.subscription_id.as_str()).or_insert(false) |= d.status == "delivered";
        deliveries.push(d);
        attempts.push(a);
    }
    // A pass's deliveries and attempts in a few statements: the writer is shared with capture.
    tx.update_webhook_deliveries(&deliveries)?;
    tx.add_webhook_attempts(&attempts)?;
    mark_subscriptions(tx, outcome, policy, now)
}

/// Each subscription's failure record after a pass's attempts (`true`: one of them
/// succeeded): cleared, started, or, when it has failed for too long, the subscription
/// disabled.
fn mark_subscriptions(
    tx: &mut dyn ordo_store::Tx,
    outcome: HashMap<&str, bool>,
    policy: DeliveryPolicy,
    now: i64,
) -> AppResult<()> {
    for (id, ok) in outcome {
        let Some(mut w) = tx.webhook(id)? else { continue };
        match (ok, w.failing_since) {
            (true, Some(_)) => w.failing_since = None,
            (false, None) => w.failing_since = Some(now),
            (false, Some(since)) if w.status == "active" && now - since >= policy.disable_after.as_millis() as i64 => {
                let reason = format!("every attempt failed since {}", format_ms(since));
                w.status = "disabled".into();
                w.disabled_reason = Some(reason.clone());
                w.version += 1;
                w.updated_at = now;
                let payload = WebhookDisabled { id: w.id.clone(), failing_since: format_ms(since), reason };
                emit(tx, now, id, Event::WebhookDisabled(payload))?;
                tracing::warn!(webhook = id, "a webhook subscription failed for too long and was disabled");
            }
            _ => continue,
        }
        tx.put_webhook(&w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_the_first_with_jitter_and_stop_growing_at_the_longest() {
        let p = DeliveryPolicy::default();
        for _ in 0..200 {
            let first = p.retry_after(1);
            assert!((24_000..=30_000).contains(&first), "{first}");
            let fourth = p.retry_after(4);
            assert!((192_000..=240_000).contains(&fourth), "{fourth}");
            let late = p.retry_after(40);
            assert!((17_280_000..=21_600_000).contains(&late), "{late}");
        }
        // Within the 72-hour window there are many attempts: 30 s, 1, 2, 4 ... minutes, then
        // every 6 hours at most.
        let (mut at, mut n) = (0i64, 0);
        while at <= p.window.as_millis() as i64 {
            n += 1;
            at += p.retry_after(n);
        }
        assert!(n >= 20, "{n} attempts in the window");
    }
}
