//! Orders a webhook missed, pulled: each channel whose platform can be read (WooCommerce,
//! BigCommerce, Amazon) is asked for the orders changed since its last pull, page by page, on
//! a schedule (the puller worker) and on demand (`POST /v1/channels/{channel}/sync`). Every
//! order pulled is taken as a webhook's would be, under a delivery id made of the platform's
//! order id and version, so an order seen by a webhook and a pull, or by two overlapping
//! pulls, is imported once.
//!
//! Invariant: a channel's pull cursor (the newest change time it took) moves only after every
//! page of a pull was taken; a pull that fails midway is repeated from the same time, and what
//! it took before is recognised.

use std::sync::Arc;
use std::time::Duration;

use ordo_domain::channel::ImportStatus;
use ordo_store::ChannelImportRecord;

use crate::channels::settings::{ChannelSettings, settings_of, valid_channel};
use crate::intake::webhooks::{Entry, Receipt};
use crate::kernel::BoxFuture;
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::ports::channel::{Delivery, PULLED, Pulled};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// How far before its cursor a pull asks from, for changes a platform dates a little late.
const OVERLAP_MS: i64 = 5 * 60 * 1000;

/// The most pages one pull reads; the rest follow in the next.
const MAX_PAGES: usize = 200;

/// What one pull did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub channel: String,
    /// Orders the platform answered with.
    pub pulled: u64,
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub parked: u64,
    pub ignored: u64,
    /// Versions taken before (by a webhook or an earlier pull).
    pub repeats: u64,
    /// The newest change time taken (Unix milliseconds); the next pull starts a little before.
    pub cursor: Option<i64>,
}

impl SyncReport {
    fn count(&mut self, r: &Receipt) {
        if r.duplicate {
            self.repeats += 1;
            return;
        }
        let n = match r.status {
            ImportStatus::Imported => &mut self.imported,
            ImportStatus::Updated => &mut self.updated,
            ImportStatus::Unchanged => &mut self.unchanged,
            ImportStatus::Parked => &mut self.parked,
            ImportStatus::Ignored | ImportStatus::Dismissed => &mut self.ignored,
        };
        *n += 1;
    }
}

fn cursor_key(channel: &str) -> String {
    format!("channel.pull.{channel}")
}

impl App {
    /// Pulls a channel's changed orders now. A keyed request answers a replay with the first
    /// pull's report and pulls no more.
    pub async fn sync_channel(
        &self,
        actor: &Actor,
        channel: &str,
        idem: Option<IdemCtx<SyncReport>>,
    ) -> AppResult<Outcome<SyncReport>> {
        require(actor, Action::WriteOrders)?;
        if !valid_channel(channel) || !actor.sees_channel(channel) {
            return Err(AppError::NotFound("channel"));
        }
        let name = channel.to_owned();
        let settings = self.store.read(move |tx| settings_of(tx, &name)).await?;
        if settings.updated_at.is_none() {
            return Err(AppError::NotFound("channel"));
        }
        if !self.channels.for_kind(settings.kind.as_str()).is_ok_and(|a| a.pulls()) {
            return Err(AppError::Conflict(format!(
                "orders are not pulled from a {} channel; its webhooks bring them",
                settings.kind
            )));
        }
        if let Some(replayed) = self.replay_of(idem.as_ref()).await? {
            return Ok(replayed);
        }
        let report = self.pull_channel(&settings).await?;
        self.answer_idem(idem, report).await
    }

    /// One pull of a channel whose adapter pulls.
    pub(crate) async fn pull_channel(&self, settings: &ChannelSettings) -> AppResult<SyncReport> {
        let adapter = self.channels.for_kind(settings.kind.as_str())?;
        let key = cursor_key(&settings.channel);
        let read_key = key.clone();
        let cursor = self.store.read(move |tx| Ok::<_, AppError>(tx.worker_cursor(&read_key)?)).await?;
        // Never before the channel's start, and never after now: a platform date in the future
        // must not stop the channel being read.
        let now = self.now();
        let since = (cursor.min(now) - OVERLAP_MS).max(settings.pull_since.unwrap_or(0)).max(0);
        let mut report = SyncReport { channel: settings.channel.clone(), ..Default::default() };
        let (mut page, mut newest) = (None::<String>, cursor);
        for _ in 0..MAX_PAGES {
            let got = adapter.pull(&settings.credentials, since, page.as_deref()).await?;
            for pulled in got.orders {
                report.pulled += 1;
                newest = newest.max(pulled.changed_at.unwrap_or(0));
                let receipt = self.take_pulled(settings, pulled).await?;
                report.count(&receipt);
            }
            match got.next {
                Some(next) if page.as_deref() != Some(next.as_str()) => page = Some(next),
                _ => break,
            }
        }
        let newest = newest.min(now);
        if newest > cursor {
            self.store
                .write(move |tx| {
                    if tx.worker_cursor(&key)? < newest {
                        tx.set_worker_cursor(&key, newest)?;
                    }
                    Ok::<_, AppError>(())
                })
                .await?;
        }
        report.cursor = (newest > 0).then_some(newest);
        tracing::info!(channel = %settings.channel, pulled = report.pulled, imported = report.imported, "channel pulled");
        Ok(report)
    }

    /// Takes one pulled order, unless this version of it was taken before.
    async fn take_pulled(&self, settings: &ChannelSettings, pulled: Pulled) -> AppResult<Receipt> {
        let external = match &pulled.content {
            crate::ports::channel::DeliveryContent::Order(o) => Some(o.external_id.clone()),
            crate::ports::channel::DeliveryContent::Unreadable { external_id, .. } => external_id.clone(),
            _ => None,
        };
        let delivery_id: String =
            format!("pull:{}@{}", external.clone().unwrap_or_default(), pulled.version).chars().take(255).collect();
        let entry = Entry::new(ChannelImportRecord {
            id: format!("imp_{}", ordo_domain::id::encode(self.now() as u64, random_u128())),
            channel: settings.channel.clone(),
            delivery_id: Some(delivery_id.clone()),
            external_id: external,
            topic: PULLED.to_owned(),
            status: ImportStatus::Parked.as_str().to_owned(),
            reason: None,
            order_id: None,
            payload: pulled.payload,
            created_at: 0,
            updated_at: 0,
        });
        // An order's delivery id is looked up with its mappings (`take_order`).
        if !matches!(pulled.content, crate::ports::channel::DeliveryContent::Order(_))
            && let Some(first) = self.seen(&entry).await?
        {
            return Ok(Receipt::of(&first, true));
        }
        let delivery = Delivery { id: Some(delivery_id), topic: PULLED.to_owned(), content: pulled.content };
        self.take(settings, delivery, entry).await
    }

    /// Pulls every channel whose platform can be read, every `every`.
    pub fn spawn_puller(&self, every: Duration) -> WorkerHandle {
        let mut options = WorkerOptions::every(every);
        options.lease = every.max(Duration::from_secs(60));
        self.spawn_worker(Arc::new(Puller), options)
    }
}

/// The scheduled pull of every channel that can be pulled.
struct Puller;

impl Worker for Puller {
    fn name(&self) -> &'static str {
        "channel-puller"
    }

    fn follows_events(&self) -> bool {
        false
    }

    fn before_events<'a>(&'a self, app: &'a App) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let all = app
                .store
                .read(|tx| {
                    let names = tx.channel_names()?;
                    names.iter().map(|n| settings_of(tx, n)).collect::<AppResult<Vec<_>>>()
                })
                .await?;
            for settings in all {
                let pulls = app.channels.for_kind(settings.kind.as_str()).is_ok_and(|a| a.pulls());
                if !pulls || settings.credentials.api_url.is_none() {
                    continue;
                }
                // One channel's platform being down does not keep the others from being read.
                if let Err(e) = app.pull_channel(&settings).await {
                    tracing::warn!(channel = %settings.channel, error = %e, "a channel pull failed; the next pass repeats it");
                }
            }
            Ok(())
        })
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a ordo_store::EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}
