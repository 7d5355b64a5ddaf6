//! Outbound webhook subscriptions: where a merchant's other systems want to hear of changes,
//! and which events each wants (`["*"]` for all). A subscription's signing secret is made by
//! Ordo, shown once (when it is created or rolled), and sealed at rest. Its deliveries can be
//! listed with every attempt, and replayed one by one, all dead ones, or a time range.
//!
//! Subscriptions say what the whole feed says, customers' details included, so only a role
//! that may configure Ordo manages them.

use ordo_store::{DeliveryRecord, Page, Requeue, WebhookRecord};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::WebhookRef;
use crate::kernel::events::{CATALOGUE, Event, emit};
use crate::kernel::guard::{check_version, require};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::secrets::keyring;
use crate::notify::delivery::with_body;
use crate::{Action, Actor, App, AppError, AppResult, random_u128};
use ordo_domain::validate::Errors;

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// `active` or `disabled`.
    pub status: String,
    /// Since when every attempt has failed.
    pub failing_since: Option<i64>,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A subscription with its signing secret, in the one answer that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithSecret {
    pub webhook: Webhook,
    pub secret: String,
}

/// A new subscription.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where deliveries are posted: an `https` URL (plain `http` and private addresses only
    /// where the operator allows private targets), without credentials or a fragment.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 2048,
        pattern = r"^https?://[^\u0000\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000#@/?]+([/?][^\u0000\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000#]*)?$"
    )]
    pub url: Option<String>,
    /// The event types to deliver (see `docs/events.md`), or `["*"]` for every one.
    #[schema(required = true, value_type = Option<Vec<crate::kernel::schema::EventName>>, min_items = 1, max_items = 100)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub description: Option<String>,
}

/// Changes to a subscription; absent fields stay as they are. Setting `status` to `active`
/// again clears the failure record.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[schema(
        min_length = 1,
        max_length = 2048,
        pattern = r"^https?://[^\u0000\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000#@/?]+([/?][^\u0000\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000#]*)?$"
    )]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<crate::kernel::schema::EventName>>, min_items = 1, max_items = 100)]
    pub events: Option<Vec<String>>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub description: Option<String>,
    #[schema(value_type = Option<crate::kernel::schema::WebhookStatus>)]
    pub status: Option<String>,
    /// The version the change is based on (or `If-Match`).
    pub version: Option<i64>,
}

/// Which of a subscription's deliveries to send again: those in a status, those queued in a
/// time range, or both; with neither, the dead ones (the dead-letter list).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayInput {
    /// Only deliveries in this state: `dead` (the dead-letter list) or `delivered`.
    #[schema(value_type = Option<crate::kernel::schema::ReplayStatus>)]
    pub status: Option<String>,
    /// Only deliveries queued at or after this time (RFC 3339).
    #[schema(format = DateTime)]
    pub from: Option<String>,
    /// Only deliveries queued at or before this time (RFC 3339).
    #[schema(format = DateTime)]
    pub to: Option<String>,
}

/// A delivery and, when asked for one by one, its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub record: DeliveryRecord,
    pub attempts: Vec<ordo_store::AttemptRecord>,
}

pub use ordo_domain::webhook::DELIVERY_STATUSES;
use ordo_domain::webhook::{REPLAYABLE, SUBSCRIPTION_STATUSES};

/// How a new secret looks: `whsec_` and 32 random bytes in hex.
fn new_secret() -> String {
    format!("whsec_{:032x}{:032x}", random_u128(), random_u128())
}

fn new_id(prefix: &str, now: i64) -> String {
    format!("{prefix}_{}", ordo_domain::id::encode(now.max(0) as u64, random_u128()))
}

impl Webhook {
    pub(crate) fn from_record(r: &WebhookRecord) -> AppResult<Webhook> {
        let events: Vec<String> = serde_json::from_str(&r.events)
            .map_err(|e| AppError::Internal(format!("a stored subscription's events are unreadable: {e}")))?;
        Ok(Webhook {
            id: r.id.clone(),
            url: r.url.clone(),
            events,
            description: r.description.clone(),
            status: r.status.clone(),
            failing_since: r.failing_since,
            disabled_reason: r.disabled_reason.clone(),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }

    /// Whether the subscription wants events of this type.
    pub fn wants(events: &[String], event_type: &str) -> bool {
        events.iter().any(|e| e == "*" || e == event_type)
    }
}

/// The stored form of a subscription, its secret sealed.
pub(crate) fn to_record(w: &Webhook, sealed_secret: String) -> WebhookRecord {
    WebhookRecord {
        id: w.id.clone(),
        url: w.url.clone(),
        events: serde_json::to_string(&w.events).unwrap_or_else(|_| "[]".into()),
        description: w.description.clone(),
        secret: sealed_secret,
        status: w.status.clone(),
        failing_since: w.failing_since,
        disabled_reason: w.disabled_reason.clone(),
        version: w.version,
        created_at: w.created_at,
        updated_at: w.updated_at,
    }
}

fn seal(secret: &str) -> AppResult<String> {
    keyring().seal(secret).map_err(|e| AppError::Internal(format!("cannot seal the signing secret: {e}")))
}

/// Checks the event list: each a catalogue type or `*` (alone), none twice.
fn check_events(e: &mut Errors, events: Option<&Vec<String>>) -> Option<Vec<String>> {
    let Some(list) = events else {
        e.add("events", "is required");
        return None;
    };
    if list.is_empty() || list.len() > 100 {
        e.add("events", "must list 1 to 100 event types, or [\"*\"]");
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for (i, name) in list.iter().enumerate() {
        if name != "*" && !CATALOGUE.iter().any(|spec| spec.name == name) {
            e.add(format!("events/{i}"), "is not an event type (see docs/events.md), nor \"*\"");
        } else if !out.contains(name) {
            out.push(name.clone());
        }
    }
    // "*" already means every type: the others beside it add nothing.
    if out.iter().any(|n| n == "*") {
        out = vec!["*".to_owned()];
    }
    Some(out)
}

impl App {
    fn check_url(&self, e: &mut Errors, field: &str, url: Option<&str>) -> Option<String> {
        let Some(url) = url else {
            e.add(field, "is required");
            return None;
        };
        if url.is_empty() || url.chars().count() > 2048 || url.chars().any(ordo_domain::validate::is_blank) {
            e.add(field, "must be 1 to 2048 characters, without white space");
            return None;
        }
        let url = url.to_owned();
        match self.webhook_targets.check_webhook_url(&url) {
            Ok(_) => Some(url),
            Err(why) => {
                e.add(field, why);
                None
            }
        }
    }

    /// Creates a subscription; the answer carries its signing secret, shown only here (a keyed
    /// request's stored answer leaves it out).
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        input: WebhookInput,
        idem: Option<IdemCtx<WithSecret>>,
    ) -> AppResult<Outcome<WithSecret>> {
        require(actor, Action::Configure)?;
        let mut e = Errors::new();
        let url = self.check_url(&mut e, "url", input.url.as_deref());
        let events = check_events(&mut e, input.events.as_ref());
        let description = e.optional_text("description", input.description.as_deref(), 500);
        let (url, events) = e.finish((url, events))?;
        let now = self.now();
        let webhook = Webhook {
            id: new_id("whk", now),
            url: url.expect("checked"),
            events: events.expect("checked"),
            description,
            status: "active".into(),
            failing_since: None,
            disabled_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let secret = new_secret();
        let record = to_record(&webhook, seal(&secret)?);
        let created = WithSecret { webhook, secret };
        self.write_idem(idem, move |tx, _| {
            tx.put_webhook(&record)?;
            let id = record.id.clone();
            emit(tx, now, &id, Event::WebhookCreated(WebhookRef { id: id.clone(), status: "active".into() }))?;
            Ok(created.clone())
        })
        .await
    }

    /// Subscriptions by id.
    pub async fn list_webhooks(&self, actor: &Actor, page: Page<String>) -> AppResult<Vec<Webhook>> {
        require(actor, Action::Configure)?;
        let records = self.store.read(move |tx| Ok::<_, AppError>(tx.list_webhooks(&page)?)).await?;
        records.iter().map(Webhook::from_record).collect()
    }

    pub async fn get_webhook(&self, actor: &Actor, id: &str) -> AppResult<Webhook> {
        require(actor, Action::Configure)?;
        let id = id.to_owned();
        let record = self.store.read(move |tx| Ok::<_, AppError>(tx.webhook(&id)?)).await?;
        Webhook::from_record(&record.ok_or(AppError::NotFound("webhook"))?)
    }

    /// Changes a subscription's URL, events, description or status.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: &str,
        patch: WebhookPatch,
        if_match: Option<i64>,
    ) -> AppResult<Webhook> {
        require(actor, Action::Configure)?;
        let mut e = Errors::new();
        let url = patch.url.as_deref().map(|u| self.check_url(&mut e, "url", Some(u)));
        let events = patch.events.as_ref().map(|list| check_events(&mut e, Some(list)));
        let description = patch.description.as_deref().map(|d| e.optional_text("description", Some(d), 500));
        let status = match patch.status.as_deref() {
            None => None,
            Some(s) if SUBSCRIPTION_STATUSES.contains(&s) => Some(s.to_owned()),
            Some(_) => {
                e.add("status", "must be active or disabled");
                None
            }
        };
        e.finish(())?;
        let (expected, id, now) = (if_match.or(patch.version), id.to_owned(), self.now());
        self.store
            .write(move |tx| {
                let record = tx.webhook(&id)?.ok_or(AppError::NotFound("webhook"))?;
                check_version(expected, record.version)?;
                let mut w = Webhook::from_record(&record)?;
                if let Some(Some(u)) = &url {
                    w.url = u.clone();
                }
                if let Some(Some(list)) = &events {
                    w.events = list.clone();
                }
                if let Some(d) = &description {
                    w.description = d.clone();
                }
                if let Some(s) = &status {
                    if s == "active" && w.status != "active" {
                        w.failing_since = None;
                        w.disabled_reason = None;
                    } else if s == "disabled" && w.status != "disabled" {
                        w.disabled_reason = Some("disabled by an operator".into());
                    }
                    w.status = s.clone();
                }
                w.version += 1;
                w.updated_at = now;
                tx.put_webhook(&to_record(&w, record.secret.clone()))?;
                updated(tx, now, &w)?;
                Ok(w)
            })
            .await
    }

    /// Makes a new signing secret (the old one stops signing at once) and shows it once.
    pub async fn roll_webhook_secret(
        &self,
        actor: &Actor,
        id: &str,
        idem: Option<IdemCtx<WithSecret>>,
    ) -> AppResult<Outcome<WithSecret>> {
        require(actor, Action::Configure)?;
        let (id, secret) = (id.to_owned(), new_secret());
        let sealed = seal(&secret)?;
        self.write_idem(idem, move |tx, now| {
            let record = tx.webhook(&id)?.ok_or(AppError::NotFound("webhook"))?;
            let mut w = Webhook::from_record(&record)?;
            w.version += 1;
            w.updated_at = now;
            tx.put_webhook(&to_record(&w, sealed.clone()))?;
            updated(tx, now, &w)?;
            Ok(WithSecret { webhook: w, secret: secret.clone() })
        })
        .await
    }

    /// Deletes a subscription with its delivery log; nothing more is sent to it.
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> AppResult<()> {
        require(actor, Action::Configure)?;
        let (id, now) = (id.to_owned(), self.now());
        self.store
            .write(move |tx| {
                if !tx.delete_webhook(&id)? {
                    return Err(AppError::NotFound("webhook"));
                }
                emit(tx, now, &id, Event::WebhookDeleted(WebhookRef { id: id.clone(), status: "deleted".into() }))
            })
            .await
    }

    /// Seals every subscription's signing secret again with the first key of the ring (after
    /// a key was put first); how many.
    pub async fn reseal_webhook_secrets(&self) -> AppResult<usize> {
        self.store
            .write(|tx| {
                let mut n = 0;
                let mut page = Page { after: None, limit: 500 };
                loop {
                    let records = tx.list_webhooks(&page)?;
                    for r in &records {
                        let plain = keyring()
                            .open(&r.secret)
                            .map_err(|e| AppError::Internal(format!("opening the secret of {}: {e}", r.id)))?;
                        tx.put_webhook(&WebhookRecord { secret: seal(&plain)?, ..r.clone() })?;
                        n += 1;
                    }
                    match records.last() {
                        Some(last) if records.len() == page.limit => page.after = Some(last.id.clone()),
                        _ => return Ok::<_, AppError>(n),
                    }
                }
            })
            .await
    }

    /// A subscription's deliveries, newest first, optionally in one status.
    pub async fn list_webhook_deliveries(
        &self,
        actor: &Actor,
        id: &str,
        page: Page<i64>,
        status: Option<String>,
    ) -> AppResult<Vec<DeliveryRecord>> {
        require(actor, Action::Configure)?;
        if let Some(s) = &status
            && !DELIVERY_STATUSES.contains(&s.as_str())
        {
            let mut e = Errors::new();
            e.add("status", "must be pending, delivered or dead");
            e.finish(())?;
        }
        let id = id.to_owned();
        self.store
            .read(move |tx| {
                tx.webhook(&id)?.ok_or(AppError::NotFound("webhook"))?;
                Ok(tx.list_webhook_deliveries(&id, &page, status.as_deref())?.into_iter().map(with_body).collect())
            })
            .await
    }

    /// One delivery with every attempt.
    pub async fn get_webhook_delivery(&self, actor: &Actor, id: &str, delivery: &str) -> AppResult<Delivery> {
        require(actor, Action::Configure)?;
        let (id, delivery) = (id.to_owned(), delivery.to_owned());
        self.store
            .read(move |tx| {
                let record = tx.webhook_delivery(&id, &delivery)?.ok_or(AppError::NotFound("delivery"))?;
                let attempts = tx.webhook_attempts(&record.id)?;
                Ok(Delivery { record: with_body(record), attempts })
            })
            .await
    }

    /// Sends one delivery again (delivered or dead), due at once with a new retry window; a
    /// pending one is left as it is.
    pub async fn replay_webhook_delivery(
        &self,
        actor: &Actor,
        id: &str,
        delivery: &str,
        idem: Option<IdemCtx<Delivery>>,
    ) -> AppResult<Outcome<Delivery>> {
        require(actor, Action::Configure)?;
        let (id, delivery) = (id.to_owned(), delivery.to_owned());
        self.write_idem(idem, move |tx, now| {
            let which = Requeue { id: Some(delivery.clone()), ..Default::default() };
            tx.requeue_webhook_deliveries(&id, &which, now)?;
            let record = tx.webhook_delivery(&id, &delivery)?.ok_or(AppError::NotFound("delivery"))?;
            let attempts = tx.webhook_attempts(&record.id)?;
            Ok(Delivery { record: with_body(record), attempts })
        })
        .await
    }

    /// Sends again every delivery of the subscription that the input names (a status, a
    /// time range, or both); how many were put back in the queue.
    pub async fn replay_webhook_deliveries(
        &self,
        actor: &Actor,
        id: &str,
        input: ReplayInput,
        idem: Option<IdemCtx<usize>>,
    ) -> AppResult<Outcome<usize>> {
        require(actor, Action::Configure)?;
        let mut e = Errors::new();
        let status = match input.status.as_deref() {
            None => None,
            Some(s) if REPLAYABLE.contains(&s) => Some(s.to_owned()),
            Some(_) => {
                e.add("status", "must be dead or delivered");
                None
            }
        };
        let from = input.from.as_deref().and_then(|t| time_field(&mut e, "from", t));
        let to = input.to.as_deref().and_then(|t| time_field(&mut e, "to", t));
        // With no criterion, the dead-letter list.
        let status = match (status, &input.status, &input.from, &input.to) {
            (None, None, None, None) => Some("dead".to_owned()),
            (status, ..) => status,
        };
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            e.add("to", "must not be before from");
        }
        e.finish(())?;
        let id = id.to_owned();
        self.write_idem(idem, move |tx, now| {
            tx.webhook(&id)?.ok_or(AppError::NotFound("webhook"))?;
            let which = Requeue { id: None, status: status.clone(), from, to };
            Ok(tx.requeue_webhook_deliveries(&id, &which, now)?)
        })
        .await
    }
}

/// `webhook.updated`, for every change of a subscription.
fn updated(tx: &mut dyn ordo_store::Tx, now: i64, w: &Webhook) -> AppResult<()> {
    emit(tx, now, &w.id, Event::WebhookUpdated(WebhookRef { id: w.id.clone(), status: w.status.clone() }))
}

fn time_field(e: &mut Errors, field: &str, text: &str) -> Option<i64> {
    match crate::kernel::time_fmt::parse_rfc3339(text) {
        Some(ms) => Some(ms),
        None => {
            e.add(field, "must be a time in RFC 3339 form, e.g. 2026-12-01T09:30:00Z");
            None
        }
    }
}

/// A delivery's record as the delivery worker makes it for a new event.
/// `due` is when its first attempt may be made.
/// A new delivery of an event to a subscription, stored without its body (the event's, read
/// with the delivery: see [`with_body`]).
pub(crate) fn queued(subscription: &str, event: &ordo_store::EventRecord, now: i64, due: i64) -> DeliveryRecord {
    DeliveryRecord {
        seq: 0,
        id: new_id("whd", now),
        subscription_id: subscription.to_owned(),
        event_id: event.id.clone(),
        event_seq: event.seq,
        event_type: event.event_type.clone(),
        subject: event.subject.clone(),
        body: String::new(),
        event: None,
        status: "pending".into(),
        attempts: 0,
        next_at: due,
        window_from: now,
        claimed_until: 0,
        last_status: None,
        last_error: None,
        created_at: now,
        updated_at: now,
    }
}
