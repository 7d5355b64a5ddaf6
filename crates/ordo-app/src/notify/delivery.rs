//! Delivering outbound webhooks, on the worker runtime, in two steps:
//!
//! - **Queueing** (`webhooks.queue`) follows the event feed: each event becomes one delivery
//!   per active subscription that wants it (created before the event); its body is the event's
//!   JSON as `GET /v1/events` shows it, read from the event (kept unchanged) when it is sent or
//!   shown, so that a delivery row stays small. A delivery is queued once per subscription and
//!   event, so a pass that runs twice queues nothing twice.
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

use std::collections::HashMap;
use std::sync::Arc;
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

impl App {
    /// Starts queueing and sending outbound webhooks (sending needs a sender).
    pub fn spawn_webhook_workers(&self, interval: Duration) -> (WorkerHandle, WorkerHandle) {
        let queue = self.spawn_worker(Arc::new(Queue), WorkerOptions::every(interval));
        let send = self.spawn_worker(Arc::new(Dispatch), WorkerOptions::every(interval));
        (queue, send)
    }

    /// One delivery per event and active subscription that wants it, in one write.
    async fn queue_deliveries(&self, events: &[&EventRecord]) -> AppResult<()> {
        let subscriptions = self.store.read(|tx| Ok::<_, AppError>(tx.active_webhooks()?)).await?;
        if subscriptions.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let due = now + self.webhook_policy.settle.as_millis() as i64;
        let mut deliveries = Vec::new();
        for record in &subscriptions {
            let w = Webhook::from_record(record)?;
            for e in events.iter().filter(|e| e.at >= w.created_at && Webhook::wants(&w.events, &e.event_type)) {
                deliveries.push(queued(&w.id, e, now, due));
            }
        }
        if deliveries.is_empty() {
            return Ok(());
        }
        self.store.write(move |tx| Ok::<_, AppError>(tx.add_webhook_deliveries(&deliveries)?)).await?;
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
                let answered = match keyring().open(&sealed) {
                    Ok(secret) => {
                        let out = Outgoing {
                            url: &url,
                            secret: &secret,
                            event_id: &d.event_id,
                            event_type: &d.event_type,
                            delivery_id: &d.id,
                            body: d.body.as_bytes(),
                            now_ms: at,
                        };
                        sender.send(out).await.unwrap_or_else(|e| Answered {
                            status: None,
                            latency_ms: 0,
                            answer: None,
                            error: Some(e.to_string()),
                        })
                    }
                    Err(e) => Answered {
                        status: None,
                        latency_ms: 0,
                        answer: None,
                        error: Some(format!("the signing secret cannot be opened: {e}")),
                    },
                };
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

/// Records each attempt and where its delivery now stands, and each subscription's failure
/// record (disabling one that failed for too long).
fn record_attempts(tx: &mut dyn ordo_store::Tx, sent: &[Sent], policy: DeliveryPolicy, now: i64) -> AppResult<()> {
    let mut outcome: HashMap<&str, bool> = HashMap::new();
    let (mut deliveries, mut attempts) = (Vec::with_capacity(sent.len()), Vec::with_capacity(sent.len()));
    for s in sent {
        let mut d = s.delivery.clone();
        d.attempts += 1;
        d.claimed_until = 0;
        d.updated_at = now;
        d.last_status = s.answered.status.map(i64::from);
        d.last_error = s.answered.error.clone();
        let delivered = s.answered.delivered();
        if delivered {
            d.status = "delivered".into();
        } else {
            let next = s.at + policy.retry_after(d.attempts);
            if next > d.window_from + policy.window.as_millis() as i64 {
                d.status = "dead".into();
            } else {
                d.next_at = next;
            }
        }
        attempts.push(AttemptRecord {
            delivery_id: d.id.clone(),
            n: d.attempts,
            at: s.at,
            status: d.last_status,
            latency_ms: s.answered.latency_ms,
            error: s.answered.error.clone(),
            answer: s.answered.answer.clone(),
        });
        deliveries.push(d);
        // A subscription is failing only while none of its attempts succeeds.
        let ok = outcome.entry(s.delivery.subscription_id.as_str()).or_insert(false);
        *ok |= delivered;
    }
    // A pass's deliveries and attempts in a few statements: the writer is shared with capture.
    tx.update_webhook_deliveries(&deliveries)?;
    tx.add_webhook_attempts(&attempts)?;
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
