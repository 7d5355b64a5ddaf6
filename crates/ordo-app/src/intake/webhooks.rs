//! Orders from the platforms, exactly once and nothing lost. A webhook's signature is checked
//! by the channel's adapter first (a wrong one stores nothing); then every payload gets an
//! entry in the channel's import log with what became of it: a new order (`imported`), a
//! change to one (`updated`, `unchanged`), or a reason it could not become one (`parked`,
//! retryable once the reason is fixed). A delivery id is taken once per channel and an order
//! id once per channel, inside the write that creates the order, so retries and overlapping
//! deliveries create nothing more.

use std::collections::HashMap;

use ordo_domain::channel::{ChannelKind, ImportStatus};
use ordo_domain::order::OrderStatus;
use ordo_store::{ChannelImportRecord, Tx};

use crate::channels::settings::{ChannelSettings, settings_of};
use crate::intake::mapping::{Mapped, map_order, references};
use crate::kernel::events::payloads::{ImportParked, UpdateNotApplied};
use crate::kernel::events::{Event, emit};
use crate::ports::WebhookHeaders;
use crate::ports::channel::{ChannelOrder, Delivery, DeliveryContent};
use crate::sales::edits::{ChangeInput, EditInput};
use crate::{Actor, App, AppError, AppResult, Role, random_u128};

/// What Ordo did with one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub import_id: String,
    pub status: ImportStatus,
    pub order_id: Option<String>,
    pub reason: Option<String>,
    /// The delivery was taken before; this is what became of it then.
    pub duplicate: bool,
}

impl Receipt {
    pub(crate) fn of(r: &ChannelImportRecord, duplicate: bool) -> Receipt {
        Receipt {
            import_id: r.id.clone(),
            status: ImportStatus::parse(&r.status).unwrap_or(ImportStatus::Parked),
            order_id: r.order_id.clone(),
            reason: r.reason.clone(),
            duplicate,
        }
    }
}

/// Who acts for a platform: its kind's name, as a channel key of that channel.
pub(crate) fn platform_actor(kind: ChannelKind, channel: &str) -> Actor {
    Actor { key_id: kind.as_str().to_owned(), role: Role::Channel, channel: Some(channel.to_owned()) }
}

/// An error that says what is wrong with the order itself (it parks the payload), as against
/// one of Ordo's own (storage unavailable), which the platform should retry.
fn reason_for(e: &AppError) -> Option<String> {
    use AppError::*;
    let fields = |f: &[ordo_domain::validate::FieldError]| {
        f.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
    };
    Some(match e {
        Validation(f) | Missing(f) | Conflicting(f) | CurrencyMismatch(f) | OrderCurrency(f) => fields(f),
        InsufficientStock(short) => crate::intake::shortage_text(short),
        NotFound(_) | InvalidTransition(_) | Forbidden(_) | Refused { .. } => e.to_string(),
        _ => return None,
    })
}

/// The import log entry for one payload, before it is written.
pub(crate) struct Entry {
    record: ChannelImportRecord,
    /// Retrying an entry updates it instead of adding one.
    retry: bool,
    /// How many concurrent deliveries of the same order this one lost to.
    races: u8,
}

impl Entry {
    pub(crate) fn new(record: ChannelImportRecord) -> Entry {
        Entry { record, retry: false, races: 0 }
    }

    fn with(mut self, status: ImportStatus, reason: Option<String>, order_id: Option<String>, now: i64) -> Entry {
        self.record.status = status.as_str().to_owned();
        self.record.reason = reason;
        self.record.order_id = order_id;
        self.record.updated_at = now;
        if !self.retry {
            self.record.created_at = now;
        }
        self
    }
}

/// Writes the entry (and, for a parked one, its event); `Ok(Err(first))` when its delivery
/// id was taken before.
fn log_in_tx(tx: &mut dyn Tx, now: i64, entry: &Entry) -> AppResult<Result<(), Box<ChannelImportRecord>>> {
    let r = &entry.record;
    if entry.retry {
        tx.update_channel_import(r)?;
    } else {
        if let Some(d) = &r.delivery_id
            && let Some(first) = tx.channel_import_by_delivery(&r.channel, d)?
        {
            return Ok(Err(Box::new(first)));
        }
        tx.insert_channel_import(r)?;
    }
    if r.status == ImportStatus::Parked.as_str() {
        let parked = ImportParked {
            channel: r.channel.clone(),
            import_id: r.id.clone(),
            external_id: r.external_id.clone(),
            reason: r.reason.clone().unwrap_or_default(),
        };
        emit(tx, now, &r.channel, Event::ChannelImportParked(parked))?;
    }
    Ok(Ok(()))
}

/// What the read before placing an order found.
enum Step {
    /// The delivery was taken before.
    Duplicate(Box<ChannelImportRecord>),
    /// The order cannot be mapped, for this reason.
    Park(String),
    /// The order exists: apply this version as an update.
    Update(String, Box<Mapped>),
    /// Ordo's checks refused it (parked), or the store failed.
    Refused(AppError),
    Place(Box<(Mapped, crate::sales::orders::CheckedOrder, crate::sales::orders::Prepared)>),
}

/// What the write that places an order found.
enum Placed {
    Order(String),
    /// The delivery was taken before.
    Duplicate(Box<ChannelImportRecord>),
    /// Another delivery created the order a moment ago: apply this one as an update.
    Exists(String),
}

impl App {
    /// The channel's settings, or 401: an unknown channel, or one that takes no webhooks, is
    /// as unknown as a wrong signature.
    async fn connected(&self, channel: &str) -> AppResult<ChannelSettings> {
        let refused = || AppError::Unauthenticated("no channel takes webhooks under this name".into());
        if !crate::channels::settings::valid_channel(channel) {
            return Err(refused());
        }
        let now = self.now();
        let settings = match self.channel_cache.get(channel, now) {
            Some(s) => s,
            None => {
                let name = channel.to_owned();
                let s = self.store.read(move |tx| settings_of(tx, &name)).await?;
                self.channel_cache.put(&s, now);
                s
            }
        };
        if settings.updated_at.is_none() || !settings.kind.takes_webhooks() {
            return Err(refused());
        }
        Ok(settings)
    }

    /// A platform's webhook, exactly as it sent it: checked, logged and applied.
    #[tracing::instrument(skip_all, fields(channel))]
    pub async fn channel_webhook(&self, channel: &str, headers: &WebhookHeaders, body: &[u8]) -> AppResult<Receipt> {
        let settings = self.connected(channel).await?;
        let adapter = self.channels.for_kind(settings.kind.as_str())?;
        let delivery = adapter.webhook(&settings.credentials, headers, body)?;
        let entry = Entry::new(ChannelImportRecord {
            id: format!("imp_{}", ordo_domain::id::encode(self.now() as u64, random_u128())),
            channel: channel.to_owned(),
            delivery_id: delivery.id.clone().filter(|d| !d.is_empty() && d.len() <= 255),
            external_id: None,
            topic: delivery.topic.chars().take(100).collect(),
            status: ImportStatus::Parked.as_str().to_owned(),
            reason: None,
            order_id: None,
            payload: String::from_utf8_lossy(body).into_owned(),
            created_at: 0,
            updated_at: 0,
        });
        // An order's delivery id is looked up with its mappings, in one read (`take_order`).
        if !matches!(delivery.content, DeliveryContent::Order(_))
            && let Some(first) = self.seen(&entry).await?
        {
            return Ok(Receipt::of(&first, true));
        }
        self.take(&settings, delivery, entry).await
    }

    /// Reads a parked payload again (after a mapping or the catalogue was fixed) and applies
    /// it as if it had just arrived.
    pub(crate) async fn retake(&self, settings: &ChannelSettings, record: ChannelImportRecord) -> AppResult<Receipt> {
        let adapter = self.channels.for_kind(settings.kind.as_str()).map_err(|_| {
            AppError::Conflict(format!(
                "the channel is now of kind {}, which reads no platform's payloads; connect it to its platform again to retry",
                settings.kind
            ))
        })?;
        let content = adapter.read(&record.topic, record.payload.as_bytes());
        let delivery = Delivery { id: record.delivery_id.clone(), topic: record.topic.clone(), content };
        self.take(settings, delivery, Entry { record, retry: true, races: 0 }).await
    }

    pub(crate) async fn take(
        &self,
        settings: &ChannelSettings,
        delivery: Delivery,
        mut entry: Entry,
    ) -> AppResult<Receipt> {
        let content = match delivery.content {
            DeliveryContent::Fetch(id) => {
                entry.record.external_id = Some(id.clone());
                let adapter = self.channels.for_kind(settings.kind.as_str())?;
                match adapter.fetch(&settings.credentials, &id).await {
                    // The order as read is what the log keeps, so a retry needs no fetch.
                    Ok(pulled) => {
                        entry.record.payload = pulled.payload;
                        pulled.content
                    }
                    Err(e) => {
                        let reason = format!("the order could not be read from {}: {e}", settings.kind);
                        return self.park(entry, reason).await;
                    }
                }
            }
            content => content,
        };
        match content {
            DeliveryContent::Fetch(id) => {
                let reason = format!("the platform answered order {id} with another order to fetch");
                self.park(entry, reason).await
            }
            DeliveryContent::Ignored(what) => {
                let entry = entry.with(ImportStatus::Ignored, Some(what), None, self.now());
                self.log(entry).await
            }
            DeliveryContent::Unreadable { reason, external_id } => {
                entry.record.external_id = external_id;
                let entry = entry.with(ImportStatus::Parked, Some(reason), None, self.now());
                self.log(entry).await
            }
            DeliveryContent::Order(order) => {
                entry.record.external_id = Some(order.external_id.clone());
                self.take_order(settings, &order, entry).await
            }
        }
    }

    async fn log(&self, entry: Entry) -> AppResult<Receipt> {
        let written = self
            .store
            .write(move |tx| {
                let now = entry.record.updated_at;
                log_in_tx(tx, now, &entry).map(|r| r.map(|()| Box::new(entry.record.clone())))
            })
            .await?;
        Ok(match written {
            Ok(record) => Receipt::of(&record, false),
            Err(first) => Receipt::of(&first, true),
        })
    }

    async fn park(&self, entry: Entry, reason: String) -> AppResult<Receipt> {
        tracing::info!(channel = %entry.record.channel, import = %entry.record.id, %reason, "channel payload parked");
        let entry = entry.with(ImportStatus::Parked, Some(reason), None, self.now());
        self.log(entry).await
    }

    async fn take_order(&self, settings: &ChannelSettings, order: &ChannelOrder, entry: Entry) -> AppResult<Receipt> {
        let channel = settings.channel.clone();
        let actor = platform_actor(settings.kind, &channel);
        // One read finds an earlier delivery, the mappings and an order already imported, and
        // reads what placing the order needs.
        let (name, theirs, who) = (channel.clone(), order.clone(), actor.clone());
        let delivery = entry.record.delivery_id.clone().filter(|_| !entry.retry);
        let today = crate::kernel::time_fmt::day(self.now());
        let step = self
            .store
            .read(move |tx| {
                if let Some(d) = &delivery
                    && let Some(first) = tx.channel_import_by_delivery(&name, d)?
                {
                    return Ok::<_, AppError>(Step::Duplicate(Box::new(first)));
                }
                let refs: Vec<&str> = theirs.lines.iter().flat_map(references).collect();
                let skus: HashMap<String, String> =
                    tx.sku_mappings_for(&name, &refs)?.into_iter().map(|m| (m.external, m.sku)).collect();
                let mapped = match map_order(&name, &theirs, &skus) {
                    Ok(m) => m,
                    Err(reason) => return Ok(Step::Park(reason)),
                };
                if let Some(id) = tx.order_id_by_external_id(&name, &theirs.external_id)? {
                    return Ok(Step::Update(id, Box::new(mapped)));
                }
                let mut checked = match crate::sales::orders::check_order(&who, &mapped.input) {
                    Ok(c) => c,
                    Err(e) => return Ok(Step::Refused(e)),
                };
                checked.source = Some(mapped.source.clone());
                Ok(match crate::sales::orders::prepare_in_tx(tx, &today, &checked) {
                    Ok(prepared) => Step::Place(Box::new((mapped, checked, prepared))),
                    Err(e) => Step::Refused(e),
                })
            })
            .await?;
        let (mapped, checked, prepared) = match step {
            Step::Duplicate(first) => return Ok(Receipt::of(&first, true)),
            Step::Park(reason) => return self.park(entry, reason).await,
            Step::Update(id, mapped) => return self.update_from_platform(settings, &actor, &id, &mapped, entry).await,
            Step::Refused(e) => return self.park_or_fail(entry, e).await,
            Step::Place(ready) => *ready,
        };
        let now = self.now();
        let entry = entry.with(ImportStatus::Imported, rounded_note(&mapped), None, now);
        let (platform, paid, cancelled) = (settings.kind.as_str(), mapped.paid, mapped.cancelled.clone());
        let (who, record, retry) = (actor.clone(), entry.record.clone(), entry.retry);
        let placed = self
            .store
            .write(move |tx| {
                if let Some(d) = record.delivery_id.as_deref().filter(|_| !retry)
                    && let Some(first) = tx.channel_import_by_delivery(&record.channel, d)?
                {
                    return Ok(Placed::Duplicate(Box::new(first)));
                }
                let external = record.external_id.as_deref().unwrap_or_default();
                if let Some(id) = tx.order_id_by_external_id(&record.channel, external)? {
                    return Ok(Placed::Exists(id));
                }
                let order = crate::sales::orders::place_new_in_tx(tx, now, &who.key_id, &checked, &prepared)?;
                if paid > 0 {
                    crate::money::platform::record_platform_payment(tx, now, &who, &order, platform, paid)?;
                }
                if let Some(reason) = &cancelled {
                    crate::sales::orders::cancel_in_tx(tx, now, &who, order.id.as_str(), Some(reason.clone()))?;
                }
                let mut record = record.clone();
                record.order_id = Some(order.id.to_string());
                log_in_tx(tx, now, &Entry { record, retry, races: 0 })?
                    .map_err(|_| AppError::Conflict("taken".into()))?;
                Ok::<_, AppError>(Placed::Order(order.id.to_string()))
            })
            .await;
        match placed {
            Ok(Placed::Order(id)) => {
                tracing::info!(channel = %channel, order = %id, "platform order imported");
                Ok(Receipt {
                    import_id: entry.record.id,
                    status: ImportStatus::Imported,
                    order_id: Some(id),
                    reason: entry.record.reason,
                    duplicate: false,
                })
            }
            Ok(Placed::Duplicate(first)) => Ok(Receipt::of(&first, true)),
            Ok(Placed::Exists(id)) => self.update_from_platform(settings, &actor, &id, &mapped, entry).await,
            // A delivery or an order taken by a concurrent write: read again what it became.
            Err(AppError::Conflict(_)) if entry.races < 3 => {
                let entry = Entry { races: entry.races + 1, ..entry };
                Box::pin(self.after_race(settings, order, entry)).await
            }
            Err(e) => self.park_or_fail(entry, e).await,
        }
    }

    /// After losing a race to another delivery of the same order: the delivery is a
    /// duplicate, or the order exists and this delivery is an update.
    async fn after_race(&self, settings: &ChannelSettings, order: &ChannelOrder, entry: Entry) -> AppResult<Receipt> {
        // `take_order` reads again whether the delivery was taken and whether the order exists.
        self.take_order(settings, order, entry).await
    }

    /// The entry an earlier delivery with this one's id left, if any (a retried entry is its
    /// own and has none before it).
    pub(crate) async fn seen(&self, entry: &Entry) -> AppResult<Option<ChannelImportRecord>> {
        let Some(d) = entry.record.delivery_id.clone().filter(|_| !entry.retry) else { return Ok(None) };
        let channel = entry.record.channel.clone();
        self.store.read(move |tx| Ok(tx.channel_import_by_delivery(&channel, &d)?)).await
    }

    async fn park_or_fail(&self, entry: Entry, e: AppError) -> AppResult<Receipt> {
        match reason_for(&e) {
            Some(reason) => self.park(entry, reason).await,
            None => Err(e),
        }
    }

    /// Applies a platform's later version of an order Ordo holds: a cancellation, a new
    /// shipping address, more paid. What Ordo cannot apply (changed lines, a change after
    /// shipment) is named on the order's timeline and in the import log.
    async fn update_from_platform(
        &self,
        settings: &ChannelSettings,
        actor: &Actor,
        order_id: &str,
        mapped: &Mapped,
        entry: Entry,
    ) -> AppResult<Receipt> {
        let current = self.get_order(actor, order_id).await?;
        let (mut applied, mut refused) = (Vec::<String>::new(), Vec::<String>::new());
        if current.status == OrderStatus::Cancelled {
            if mapped.cancelled.is_none() {
                refused.push("the platform has the order open, but it is cancelled in Ordo".into());
            }
        } else if let Some(reason) = &mapped.cancelled {
            let (who, id, reason) = (actor.clone(), order_id.to_owned(), reason.clone());
            match self.cancel_order(&who, &id, crate::sales::orders::CancelInput { reason: Some(reason) }, None).await {
                Ok(_) => applied.push("cancelled".into()),
                Err(e) => refused.push(format!("cancellation: {}", reason_for(&e).unwrap_or_else(|| e.to_string()))),
            }
        } else {
            let mut ours: Vec<(String, i64)> = current.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect();
            let mut theirs = mapped.lines.clone();
            ours.sort();
            theirs.sort();
            if ours != theirs {
                let show =
                    |v: &[(String, i64)]| v.iter().map(|(s, q)| format!("{q} × {s}")).collect::<Vec<_>>().join(", ");
                refused.push(format!(
                    "lines: the platform now has {}, Ordo keeps {} (edit the order to follow)",
                    show(&theirs),
                    show(&ours)
                ));
            }
            if let Some(address) = mapped.input.shipping_address.clone() {
                let mut e = ordo_domain::validate::Errors::new();
                let new = crate::kernel::input::check_address(&mut e, "shipping_address", &address);
                let same = current.shipping_address.as_ref().is_some_and(|a| {
                    (&a.name, &a.line1, &a.line2, &a.city, &a.region, &a.postal_code, &a.country)
                        == (&new.name, &new.line1, &new.line2, &new.city, &new.region, &new.postal_code, &new.country)
                });
                if !same && e.is_empty() {
                    let change = ChangeInput {
                        kind: Some("set_shipping_address".into()),
                        address: Some(address),
                        ..Default::default()
                    };
                    let edit = EditInput {
                        changes: Some(vec![change]),
                        reason: Some(format!("changed at {}", settings.kind)),
                        ..Default::default()
                    };
                    match self.edit_order(actor, order_id, edit, None).await {
                        Ok(_) => applied.push("shipping address".into()),
                        Err(e) => refused
                            .push(format!("shipping address: {}", reason_for(&e).unwrap_or_else(|| e.to_string()))),
                    }
                } else if !same {
                    refused.push(format!("shipping address: {}", reason_for(&AppError::from(e)).unwrap_or_default()));
                }
            }
        }
        let now = self.now();
        let status =
            if applied.is_empty() && refused.is_empty() { ImportStatus::Unchanged } else { ImportStatus::Updated };
        let reason = (!refused.is_empty()).then(|| format!("not applied: {}", refused.join("; ")));
        let entry = entry.with(status, reason, Some(order_id.to_owned()), now);
        let (who, paid, platform) = (actor.clone(), mapped.paid, settings.kind.as_str());
        let written = self
            .store
            .write(move |tx| {
                let r = &entry.record;
                if let Err(first) = log_in_tx(tx, now, &entry)? {
                    return Ok(Err(first));
                }
                let id = r.order_id.clone().unwrap_or_default();
                let order = tx.order_by_id(&id)?.ok_or(AppError::NotFound("order"))?;
                let more = paid - crate::money::platform::paid_at_platform(tx, &id)?;
                if more > 0 && order.status != OrderStatus::Cancelled {
                    crate::money::platform::record_platform_payment(tx, now, &who, &order, platform, more)?;
                }
                if !refused.is_empty() {
                    let payload = UpdateNotApplied {
                        order_id: id.clone(),
                        channel: r.channel.clone(),
                        import_id: r.id.clone(),
                        changes: refused.clone(),
                        actor: who.key_id.clone(),
                    };
                    emit(tx, now, &id, Event::OrderChannelUpdateNotApplied(payload))?;
                }
                Ok::<_, AppError>(Ok(Box::new(r.clone())))
            })
            .await?;
        Ok(match written {
            Ok(record) => Receipt::of(&record, false),
            Err(first) => Receipt::of(&first, true),
        })
    }
}

/// Which amounts were rounded into the currency's precision, for the import log.
fn rounded_note(m: &Mapped) -> Option<String> {
    (!m.rounded.is_empty()).then(|| format!("rounded half away from zero: {}", m.rounded.join(", ")))
}
