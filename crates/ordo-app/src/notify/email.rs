//! Email to customers, on the worker runtime, in two steps as webhooks are:
//!
//! - **Queueing** (`notifications.queue`) follows the event feed: each customer-facing step
//!   (see [`called_by`]) becomes one message to the order's email address, in the
//!   customer's language, or a `skipped` entry when the customer turned that kind off. A
//!   message is queued once per step (its `dedupe` key), so a pass that runs twice, or an
//!   event learned twice (delivered by hand and by the carrier), queues nothing twice. Only
//!   steps after mail was first set up are told: turning mail on never mails old orders.
//! - **Sending** (`notifications.send`) takes due messages (held for a while, so that another
//!   node leaves them alone), renders each from the templates with the order as it is now,
//!   hands it to the mail server, and records what came of it. A message the server could
//!   not take is tried again after a minute, then twice as long each time, up to 8 attempts;
//!   one refused for good is `failed` at once. Neither ever blocks an order.
//!
//! At least once, never lost: a message is recorded as sent after the server took it, so a
//! node that dies in between sends it again when its hold runs out (one duplicate at most,
//! with the same `Message-ID`); recording before sending could lose it instead, and a lost
//! shipping notice or refund receipt is worse than a second one.

use std::sync::Arc;
use std::time::Duration;

use ordo_domain::Currency;
use ordo_domain::money::format_minor;
use ordo_store::{EventRecord, NotificationRecord};
use serde_json::json;

use crate::aftersales::returns::Return;
use crate::kernel::BoxFuture;
use crate::kernel::events::payloads::NotificationStep;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{require, visible_order};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::records::{documents_of, locked};
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::money::refunds::Refund;
use crate::notify::brand::Brand;
use crate::notify::messages::{Called, MessageKind, Preferences, called_by};
use crate::notify::pages;
use crate::notify::templates::Rendered;
use crate::ports::mail::{Mail, MailError};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

pub use ordo_domain::notification::NOTIFICATION_STATUSES;

/// How many messages one node hands over at once.
const SENDS_AT_ONCE: usize = 64;

/// Where the worker keeps the time mail was first set up (messages are for steps after it).
const SINCE: &str = "notifications.since";

/// Who the messages are from, and how they look (the store's branding).
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `Name <address>` or a bare address.
    pub from: String,
    pub reply_to: Option<String>,
    pub store_name: String,
    pub logo_url: Option<String>,
    /// The accent colour, `#rrggbb`.
    pub color: Option<String>,
    pub footer: Option<String>,
    /// Where customers reach Ordo's public pages (the tracking and unsubscribe links), e.g.
    /// `https://track.acme.example`; without it messages carry no such links.
    pub public_url: Option<String>,
    /// The merchant's admins: they are told when a webhook subscription is disabled.
    pub admins: Vec<String>,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            from: "Ordo <orders@localhost>".into(),
            reply_to: None,
            store_name: "Ordo".into(),
            logo_url: None,
            color: None,
            footer: None,
            public_url: None,
            admins: Vec::new(),
        }
    }
}

/// How messages are retried; tests shorten it.
#[derive(Debug, Clone, Copy)]
pub struct MailPolicy {
    pub first_retry: Duration,
    pub attempts: i64,
    /// How long a node holds the messages it took (longer than a send may last).
    pub hold: Duration,
    pub batch: usize,
}

impl Default for MailPolicy {
    fn default() -> Self {
        MailPolicy { first_retry: Duration::from_secs(60), attempts: 8, hold: Duration::from_secs(120), batch: 100 }
    }
}

/// A message as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub order_id: String,
    pub kind: String,
    pub transport: String,
    pub recipient: String,
    pub language: String,
    pub about: Option<String>,
    pub event_id: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub subject: Option<String>,
    pub provider_id: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
}

impl From<NotificationRecord> for Notification {
    fn from(n: NotificationRecord) -> Self {
        let pending = n.status == "pending";
        Notification {
            id: n.id,
            order_id: n.order_id,
            kind: n.kind,
            transport: n.transport,
            recipient: n.recipient,
            language: n.language,
            about: n.about,
            event_id: n.event_id,
            status: n.status,
            attempts: n.attempts,
            subject: n.subject,
            provider_id: n.provider_id,
            error: n.error,
            created_at: n.created_at,
            sent_at: n.sent_at,
            next_attempt_at: pending.then_some(n.next_at),
        }
    }
}

fn new_id(now: i64) -> String {
    format!("ntf_{}", ordo_domain::id::encode(now as u64, random_u128()))
}

/// The links a rendered message carries.
struct Links {
    unsubscribe: Option<String>,
    tracking: Option<String>,
    /// The look and sender of the message's channel (a text starts with its store's name).
    brand: Brand,
}

/// Who one queued message goes to, and how.
struct Addressee<'a> {
    transport: &'static str,
    recipient: &'a str,
    language: &'a str,
    customer_id: Option<String>,
    status: &'static str,
}

/// A message queued for a step, due now; its `dedupe` key is the step's and the addressee's.
fn queued(c: &Called, event_id: &str, to: Addressee<'_>, now: i64) -> NotificationRecord {
    let mut dedupe = format!("{}/{}/{}/{}", c.order_id, c.kind.as_str(), c.once_per, to.transport);
    if !c.kind.to_customer() {
        dedupe = format!("{dedupe}/{}", to.recipient);
    }
    NotificationRecord {
        seq: 0,
        id: new_id(now),
        dedupe,
        order_id: c.order_id.clone(),
        customer_id: to.customer_id,
        kind: c.kind.as_str().into(),
        transport: to.transport.into(),
        recipient: to.recipient.to_owned(),
        language: to.language.to_owned(),
        event_id: Some(event_id.to_owned()),
        about: c.about.clone(),
        status: to.status.into(),
        attempts: 0,
        next_at: now,
        claimed_until: 0,
        subject: None,
        provider_id: None,
        error: None,
        created_at: now,
        sent_at: None,
        updated_at: now,
    }
}

struct Queue;

impl Worker for Queue {
    fn name(&self) -> &'static str {
        "notifications.queue"
    }

    fn background(&self) -> bool {
        true
    }

    fn enabled(&self, app: &App) -> bool {
        app.mailer.is_some() || app.sms.is_some()
    }

    fn wants(&self, event: &EventRecord) -> bool {
        called_by(&event.event_type, &event.id, &event.subject, &serde_json::Value::Null).is_some()
    }

    fn coalesces(&self) -> bool {
        true
    }

    fn before_events<'a>(&'a self, app: &'a App) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let now = app.now();
            app.store
                .write(move |tx| {
                    if tx.worker_cursor(SINCE)? == 0 {
                        tx.set_worker_cursor(SINCE, now)?;
                    }
                    Ok::<_, AppError>(())
                })
                .await
        })
    }

    fn handle<'a>(&'a self, app: &'a App, event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async move { app.queue_notifications(&[event]).await })
    }

    fn handle_all<'a>(&'a self, app: &'a App, events: &'a [&'a EventRecord]) -> BoxFuture<'a, ()> {
        Box::pin(async move { app.queue_notifications(events).await })
    }
}

struct Sending;

impl Worker for Sending {
    fn name(&self) -> &'static str {
        "notifications.send"
    }

    fn background(&self) -> bool {
        true
    }

    fn enabled(&self, app: &App) -> bool {
        app.mailer.is_some() || app.sms.is_some()
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
            while app.send_due_notifications().await? == app.mail_policy.batch {}
            Ok(())
        })
    }
}

/// Where a message stands after an attempt: sent, to be tried again, or failed for good.
fn settle(n: &mut NotificationRecord, answer: Result<String, MailError>, at: i64, policy: MailPolicy) {
    match answer {
        Ok(id) => {
            n.status = "sent".into();
            n.provider_id = Some(id);
            n.sent_at = Some(at);
            n.error = None;
        }
        Err(e) if e.transient && n.attempts < policy.attempts => {
            let wait = policy.first_retry.as_millis() as i64 * (1i64 << (n.attempts - 1).clamp(0, 20));
            n.next_at = at + wait;
            n.error = Some(e.message);
        }
        Err(e) => {
            n.status = "failed".into();
            n.error = Some(e.message);
        }
    }
}

/// A money amount in its currency's decimals.
fn amount(minor: i64, currency: &str) -> String {
    format_minor(minor, Currency::from_code(currency).map_or(2, |c| c.exponent()))
}

/// The link a carrier's own tracking page has for a tracking number.
pub fn carrier_tracking_link(carrier: &str, number: &str) -> Option<String> {
    let n: String = number.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if n.is_empty() {
        return None;
    }
    let url = match carrier.to_ascii_lowercase().as_str() {
        "ups" => format!("https://www.ups.com/track?tracknum={n}"),
        "fedex" => format!("https://www.fedex.com/fedextrack/?trknbr={n}"),
        "usps" => format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={n}"),
        "dhl" | "dhl_express" => {
            format!("https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={n}")
        }
        "dhl_paket" | "dhl_de" => {
            format!("https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}")
        }
        "royal_mail" | "royalmail" => format!("https://www.royalmail.com/track-your-item#/tracking-results/{n}"),
        _ => return None,
    };
    Some(url)
}

impl App {
    /// Starts queueing and sending customer email (both need a mail server).
    pub fn spawn_notification_workers(&self, interval: Duration) -> (WorkerHandle, WorkerHandle) {
        let queue = self.spawn_worker(Arc::new(Queue), WorkerOptions::every(interval));
        let send = self.spawn_worker(Arc::new(Sending), WorkerOptions::every(interval));
        (queue, send)
    }

    /// One message per customer-facing step, in one write.
    async fn queue_notifications(&self, events: &[&EventRecord]) -> AppResult<()> {
        let mut called = Vec::new();
        for e in events {
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
            if let Some(c) = called_by(&e.event_type, &e.id, &e.subject, &data) {
                called.push((c, e.id.clone(), e.at));
            }
        }
        if called.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let (mail_on, sms_on) = (self.mailer.is_some(), self.sms.is_some());
        let admins = self.mail.admins.clone();
        self.store
            .write(move |tx| {
                let since = tx.worker_cursor(SINCE)?;
                let mut messages = Vec::new();
                for (c, event_id, at) in &called {
                    if *at < since {
                        continue;
                    }
                    if !c.kind.to_customer() {
                        // The staff's own messages, in English: a low-stock notice to each of the
                        // location's buyers, anything else to each admin.
                        let staff = match (c.kind, c.about.as_deref()) {
                            (MessageKind::LowStock, Some(code)) => match tx.location_by_code(code)? {
                                Some(l) => tx.buyers(l.id.as_str())?.into_iter().map(|b| b.email).collect(),
                                None => Vec::new(),
                            },
                            (MessageKind::LowStock, None) => Vec::new(),
                            _ => admins.clone(),
                        };
                        for person in staff.iter().filter(|_| mail_on) {
                            let to = Addressee {
                                transport: "email",
                                recipient: person,
                                language: "en",
                                customer_id: None,
                                status: "pending",
                            };
                            messages.push(queued(c, event_id, to, now));
                        }
                        continue;
                    }
                    let Some(order) = tx.order_by_id(&c.order_id)? else { continue };
                    // The links the message carries: made once, kept for the order and customer.
                    tx.add_public_link(pages::TRACKING, &c.order_id, &pages::new_token(), now)?;
                    tx.add_public_link(pages::UNSUBSCRIBE, order.customer_id.as_str(), &pages::new_token(), now)?;
                    let prefs = Preferences::parse(tx.customer_preferences(order.customer_id.as_str())?.as_deref());
                    let status = if prefs.wants_email(c.kind) { "pending" } else { "skipped" };
                    // A text too, for the steps the customer asked to be texted about.
                    let texted = sms_on && prefs.sms.iter().any(|k| k == c.kind.as_str());
                    if let Some(phone) = prefs.phone.as_ref().filter(|_| texted) {
                        let to = Addressee {
                            transport: "sms",
                            recipient: phone,
                            language: &prefs.language,
                            customer_id: Some(order.customer_id.to_string()),
                            status: "pending",
                        };
                        messages.push(queued(c, event_id, to, now));
                    }
                    if !mail_on {
                        continue;
                    }
                    let to = Addressee {
                        transport: "email",
                        recipient: &order.email,
                        language: &prefs.language,
                        customer_id: Some(order.customer_id.to_string()),
                        status,
                    };
                    messages.push(queued(c, event_id, to, now));
                }
                Ok::<_, AppError>(tx.add_notifications(&messages)?)
            })
            .await?;
        Ok(())
    }

    /// The facts a message shows: the store, the customer, the order as it is now, and the
    /// fulfilment, return or refund it is about; and the look and sender of its channel.
    pub(crate) async fn message_context(
        &self,
        kind: MessageKind,
        order_id: &str,
        about: Option<&str>,
    ) -> AppResult<(serde_json::Value, Brand)> {
        match kind {
            MessageKind::WebhookDisabled => return self.admin_context(order_id).await,
            MessageKind::LowStock => return self.low_stock_context(order_id).await,
            _ => {}
        }
        let (id, about) = (order_id.to_owned(), about.map(str::to_owned));
        let (order, customer, fulfillment, ret, refund, links, branding) = self
            .store
            .read(move |tx| {
                let order = tx.order_by_id(&id)?.ok_or(AppError::NotFound("order"))?;
                let customer = tx.customer_by_id(order.customer_id.as_str())?;
                let branding = crate::channels::settings::settings_of(tx, &order.channel)?.branding;
                let links = (
                    tx.public_link(pages::TRACKING, &id)?,
                    tx.public_link(pages::UNSUBSCRIBE, order.customer_id.as_str())?,
                );
                let (mut fulfillment, mut ret, mut refund) = (None, None, None);
                if let Some(a) = &about {
                    if a.starts_with("ful_") {
                        fulfillment = tx.fulfillment_by_id(a)?.filter(|f| f.order_id == order.id);
                    } else if a.starts_with("ret_") {
                        ret = locked::<Return>(tx, a).ok().filter(|r| r.order_id == id);
                    } else {
                        refund = locked::<Refund>(tx, a).ok().filter(|r| r.order_id == id);
                    }
                }
                Ok::<_, AppError>((order, customer, fulfillment, ret, refund, links, branding))
            })
            .await?;
        let cur = order.currency.clone();
        let name = customer.as_ref().and_then(|c| c.name.clone());
        let first_name = name.as_deref().and_then(|n| n.split_whitespace().next()).map(str::to_owned);
        let line_name = |line_id: &str| {
            order.lines.iter().find(|l| l.id.as_str() == line_id).map(|l| l.name.clone()).unwrap_or_default()
        };
        let mut order_json = json!({
            "id": order.id.as_str(),
            "number": order.number,
            "currency": cur,
            "total": amount(order.totals.total, &cur),
            "cancel_reason": order.cancel_reason,
            "lines": order.lines.iter().map(|l| json!({
                "sku": l.sku, "name": l.name, "quantity": l.quantity,
                "amount": l.subtotal().map(|m| amount(m, &cur)),
            })).collect::<Vec<_>>(),
        });
        if kind == MessageKind::PaymentRequired {
            let paid = self.order_payments(&Actor::system(), order_id).await?;
            order_json["balance_due"] = json!(amount(paid.summary.balance_due, &cur));
        }
        let fulfillment = fulfillment.map(|f| {
            let link = match (&f.carrier, &f.tracking_number) {
                (Some(c), Some(n)) => carrier_tracking_link(c, n),
                _ => None,
            };
            json!({
                "id": f.id.as_str(), "location": f.location, "carrier": f.carrier, "service": f.service,
                "tracking_number": f.tracking_number, "tracking_link": link, "pickup": f.pickup,
                "lines": f.lines.iter().map(|l| json!({"sku": l.sku, "quantity": l.quantity})).collect::<Vec<_>>(),
            })
        });
        let ret = ret.map(|r| {
            json!({
                "id": r.id,
                "lines": r.lines.iter().map(|l| json!({"sku": l.sku, "name": line_name(&l.line_id), "quantity": l.quantity})).collect::<Vec<_>>(),
                "label": r.label.as_ref().map(|l| json!({"carrier": l.carrier, "tracking_number": l.tracking_number})),
            })
        });
        let refund =
            refund.map(|r| json!({"id": r.id, "amount": amount(r.amount, &r.currency), "currency": r.currency}));
        let s = &self.mail;
        let base = s.public_url.as_deref().map(|u| u.trim_end_matches('/'));
        let url = |path: &str, token: &Option<String>| base.zip(token.as_ref()).map(|(b, t)| format!("{b}/{path}/{t}"));
        let tracking_url = url("track", &links.0);
        let unsubscribe_url = if kind.optional() { url("u", &links.1) } else { None };
        let brand = Brand::of(s, &branding);
        let facts = json!({
            "tracking_url": tracking_url,
            "unsubscribe_url": unsubscribe_url,
            "kind": kind.as_str(),
            "optional": kind.optional(),
            "store": brand.store_json(),
            "customer": {"name": name, "first_name": first_name},
            "order": order_json,
            "fulfillment": fulfillment,
            "return": ret,
            "refund": refund,
        });
        Ok((facts, brand))
    }

    /// What the admins' message about a disabled subscription shows.
    async fn admin_context(&self, webhook_id: &str) -> AppResult<(serde_json::Value, Brand)> {
        let id = webhook_id.to_owned();
        let w = self
            .store
            .read(move |tx| Ok::<_, AppError>(tx.webhook(&id)?))
            .await?
            .ok_or(AppError::NotFound("webhook"))?;
        let brand = Brand::default_of(&self.mail);
        let facts = json!({
            "kind": MessageKind::WebhookDisabled.as_str(),
            "optional": false,
            "store": brand.store_json(),
            "customer": {"first_name": null},
            "webhook": {
                "id": w.id,
                "description": w.description,
                "failing_since": w.failing_since.map(crate::kernel::time_fmt::format_ms),
                "reason": w.disabled_reason,
            },
        });
        Ok((facts, brand))
    }

    /// Renders one message for an order (a preview, or a message about to go).
    pub(crate) async fn render_message(
        &self,
        kind: MessageKind,
        order_id: &str,
        about: Option<&str>,
        language: &str,
    ) -> AppResult<Rendered> {
        let (ctx, _) = self.message_context(kind, order_id, about).await?;
        self.templates.render(kind, language, &ctx).map_err(|e| AppError::Internal(format!("a mail template: {e}")))
    }

    /// Renders one message to send, with the links it carries: its unsubscribe link (for the
    /// headers) and the order's tracking page (for a text).
    async fn render_with_links(
        &self,
        kind: MessageKind,
        order_id: &str,
        about: Option<&str>,
        language: &str,
    ) -> AppResult<(Rendered, Links)> {
        let (ctx, brand) = self.message_context(kind, order_id, about).await?;
        let link = |name: &str| ctx[name].as_str().map(str::to_owned);
        let links = Links { unsubscribe: link("unsubscribe_url"), tracking: link("tracking_url"), brand };
        let r = self
            .templates
            .render(kind, language, &ctx)
            .map_err(|e| AppError::Internal(format!("a mail template: {e}")))?;
        Ok((r, links))
    }

    /// Takes what is due, sends it, records what came of each; how many were taken.
    async fn send_due_notifications(&self) -> AppResult<usize> {
        if self.mailer.is_none() && self.sms.is_none() {
            return Ok(0);
        }
        let policy = self.mail_policy;
        let now = self.now();
        let until = now + policy.hold.as_millis() as i64;
        let batch = policy.batch;
        let taken = self.store.write(move |tx| Ok::<_, AppError>(tx.claim_notifications(now, until, batch)?)).await?;
        let count = taken.len();
        // Several at once: a mail server's answer to each message takes a round trip or more
        // (and a local one a delayed acknowledgement), so one at a time would cap the rate.
        let mut sends = tokio::task::JoinSet::new();
        let gate = Arc::new(tokio::sync::Semaphore::new(SENDS_AT_ONCE));
        for n in taken {
            let (app, gate) = (self.clone(), gate.clone());
            sends.spawn(async move {
                let _turn = gate.acquire_owned().await;
                app.attempt(n, policy).await
            });
        }
        let mut done = Vec::with_capacity(count);
        while let Some(sent) = sends.join_next().await {
            match sent {
                Ok(n) => done.push(n),
                // A send that panicked is tried again when its hold runs out.
                Err(e) => tracing::error!(error = %e, "a message send stopped"),
            }
        }
        if !done.is_empty() {
            self.store
                .write(move |tx| {
                    for n in &done {
                        tx.update_notification(n)?;
                        let step = || NotificationStep {
                            id: n.id.clone(),
                            order_id: n.order_id.clone(),
                            kind: n.kind.clone(),
                            transport: n.transport.clone(),
                            attempts: n.attempts,
                            error: n.error.clone(),
                        };
                        match n.status.as_str() {
                            "sent" => emit(tx, n.updated_at, &n.order_id, Event::NotificationSent(step()))?,
                            "failed" => emit(tx, n.updated_at, &n.order_id, Event::NotificationFailed(step()))?,
                            _ => {}
                        }
                    }
                    Ok::<_, AppError>(())
                })
                .await?;
        }
        Ok(count)
    }

    /// One attempt at one message: rendered from the order as it is now, handed to the mail
    /// server or SMS provider, and where it stands after.
    async fn attempt(&self, mut n: NotificationRecord, policy: MailPolicy) -> NotificationRecord {
        let kind = MessageKind::parse(&n.kind);
        let rendered = match kind {
            Some(k) => self.render_with_links(k, &n.order_id, n.about.as_deref(), &n.language).await,
            None => Err(AppError::Internal(format!("no such kind of message: {}", n.kind))),
        };
        let at = self.now();
        n.attempts += 1;
        n.claimed_until = 0;
        n.updated_at = at;
        match rendered {
            Err(e) => {
                // The order or a template is broken: trying again will not help.
                n.status = "failed".into();
                n.error = Some(format!("{e}"));
            }
            Ok((r, links)) if n.transport == "sms" => {
                // A text is the subject and the order's tracking page, in the store's name.
                let mut text = format!("{}: {}", links.brand.name, r.subject);
                if let Some(l) = links.tracking {
                    text.push(' ');
                    text.push_str(&l);
                }
                n.subject = Some(r.subject);
                let answer = match &self.sms {
                    Some(sms) => sms.send(&n.recipient, &text).await,
                    None => Err(MailError { transient: false, message: "SMS is not configured".into() }),
                };
                settle(&mut n, answer, at, policy);
            }
            Ok((r, Links { unsubscribe, brand, .. })) => {
                let mut headers = vec![("Content-Language".to_owned(), n.language.clone())];
                if let Some(u) = unsubscribe {
                    // RFC 8058: mail clients offer one click, which POSTs to the link.
                    headers.push(("List-Unsubscribe".into(), format!("<{u}>")));
                    headers.push(("List-Unsubscribe-Post".into(), "List-Unsubscribe=One-Click".into()));
                }
                let mail = Mail {
                    from: brand.from,
                    reply_to: brand.reply_to,
                    to: n.recipient.clone(),
                    subject: r.subject.clone(),
                    text: r.text,
                    html: r.html,
                    message_id: format!("{}@ordo", n.id),
                    headers,
                    attachments: self.attachments(kind, n.about.as_deref()).await,
                };
                n.subject = Some(r.subject);
                let answer = match &self.mailer {
                    Some(mailer) => mailer.send(&mail).await,
                    None => Err(MailError { transient: false, message: "email is not configured".into() }),
                };
                settle(&mut n, answer, at, policy);
            }
        }
        n
    }

    /// An order's messages, first queued first.
    pub async fn order_notifications(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Notification>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                visible_order(tx, &who, &id)?;
                Ok(tx.order_notifications(&id)?.into_iter().map(Notification::from).collect())
            })
            .await
    }

    /// Sends one of an order's messages again, as a new message (by the same transport, to
    /// the order's address as it is now).
    pub async fn resend_notification(
        &self,
        actor: &Actor,
        order_id: &str,
        id: &str,
        idem: Option<IdemCtx<Notification>>,
    ) -> AppResult<Outcome<Notification>> {
        require(actor, Action::WriteOrders)?;
        if self.mailer.is_none() && self.sms.is_none() {
            return Err(AppError::NotImplemented(
                "sending messages needs a mail server (--smtp-url) or Twilio to be configured".into(),
            ));
        }
        let (order_id, id, who) = (order_id.to_owned(), id.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let order = visible_order(tx, &who, &order_id)?;
            let old =
                tx.notification(&id)?.filter(|n| n.order_id == order_id).ok_or(AppError::NotFound("notification"))?;
            // A text goes to the customer's phone as it is now, an email to the order's address.
            let recipient = if old.transport == "sms" {
                let prefs = Preferences::parse(tx.customer_preferences(order.customer_id.as_str())?.as_deref());
                prefs.phone.ok_or_else(|| AppError::Refused {
                    code: "no_phone",
                    message: "the customer has no phone number to text any more".into(),
                })?
            } else {
                order.email.clone()
            };
            let fresh = new_id(now);
            let n = NotificationRecord {
                seq: 0,
                id: fresh.clone(),
                dedupe: format!("resend/{fresh}"),
                recipient,
                event_id: None,
                status: "pending".into(),
                attempts: 0,
                next_at: now,
                claimed_until: 0,
                subject: None,
                provider_id: None,
                error: None,
                created_at: now,
                sent_at: None,
                updated_at: now,
                ..old
            };
            tx.add_notifications(std::slice::from_ref(&n))?;
            let stored =
                tx.notification(&fresh)?.ok_or_else(|| AppError::Internal("the resend was not kept".into()))?;
            Ok(Notification::from(stored))
        })
        .await
    }

    /// One message rendered for a real order, as it would go now.
    pub async fn preview_message(
        &self,
        actor: &Actor,
        kind: &str,
        order_id: &str,
        language: Option<&str>,
    ) -> AppResult<Rendered> {
        require(actor, Action::ReadOrders)?;
        let kind = MessageKind::parse(kind).filter(|k| k.to_customer()).ok_or(AppError::NotFound("kind of message"))?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        let (order, prefs, about) = self
            .store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                let prefs = Preferences::parse(tx.customer_preferences(order.customer_id.as_str())?.as_deref());
                // The latest fulfilment, return or refund a message of this kind would show.
                let about = match kind {
                    MessageKind::Shipped
                    | MessageKind::OutForDelivery
                    | MessageKind::Delivered
                    | MessageKind::ReadyForPickup
                    | MessageKind::PickedUp => {
                        tx.fulfillments_for_order(&id)?.into_iter().last().map(|f| f.id.to_string())
                    }
                    MessageKind::ReturnApproved | MessageKind::ReturnLabel | MessageKind::ReturnReceived => {
                        documents_of::<Return>(tx, &id)?.into_iter().last().map(|r| r.id)
                    }
                    MessageKind::RefundIssued => documents_of::<Refund>(tx, &id)?.into_iter().last().map(|r| r.id),
                    _ => None,
                };
                Ok::<_, AppError>((order, prefs, about))
            })
            .await?;
        let language = language.unwrap_or(&prefs.language).to_owned();
        self.render_message(kind, order.id.as_str(), about.as_deref(), &language).await
    }
}
