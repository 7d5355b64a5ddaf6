//! Stock pushed back to the platforms. A SKU is listed on a channel (its product, variant,
//! inventory item and location in the platform's ids); whenever what the channel may sell of
//! it changes — a sale, a cancellation, a return, an adjustment, a receipt, the channel's
//! locations or buffer — the stock worker pushes the new quantity: the available units (on
//! hand less reserved) at the locations that feed the channel (every location when it names
//! none), less the channel's stock buffer, never below zero.
//!
//! The worker follows the event feed and takes each pass's events together, at most one pass
//! an interval, so a burst of changes to one SKU becomes one push of its latest value. A
//! listing remembers the quantity the platform last accepted, so a value already there is not
//! sent again, and a listing the platform refused is tried again with backoff (2^failures
//! seconds, at most an hour) without holding the others up. The listing's state (last push,
//! pushes, failures, last error) is the channel's sync log.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use ordo_store::{EventRecord, ListingRecord, Page, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::channels::settings::{ChannelSettings, settings_of, valid_channel};
use crate::kernel::BoxFuture;
use crate::kernel::events::payloads::ListingChanged;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::worker::{Worker, WorkerHandle, WorkerOptions};
use crate::ports::channel::StockTarget;
use crate::{Action, Actor, App, AppError, AppResult};

/// Where a SKU is listed on the channel's platform, in the platform's ids.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    /// WooCommerce's or BigCommerce's product id.
    #[schema(example = "93", min_length = 1, max_length = 20, pattern = r"^[0-9]+$")]
    pub product_id: Option<String>,
    /// The variation's (WooCommerce) or variant's (BigCommerce) id, for a variation.
    #[schema(min_length = 1, max_length = 20, pattern = r"^[0-9]+$")]
    pub variant_id: Option<String>,
    /// Shopify's inventory item id (the variant's `inventory_item_id`).
    #[schema(example = "39072856", min_length = 1, max_length = 20, pattern = r"^[0-9]+$")]
    pub inventory_item_id: Option<String>,
    /// Shopify's location id.
    #[schema(example = "655441491", min_length = 1, max_length = 20, pattern = r"^[0-9]+$")]
    pub location_id: Option<String>,
}

/// A listing and its push state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub record: ListingRecord,
    pub target: StockTarget,
}

impl Listing {
    fn of(record: ListingRecord) -> Listing {
        let target = serde_json::from_str(&record.target).unwrap_or_default();
        Listing { record, target }
    }
}

fn id_field(e: &mut ordo_domain::validate::Errors, field: &str, v: &Option<String>) -> Option<String> {
    let v = v.as_deref()?;
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
        e.add(field, "must be the platform's id: 1 to 20 digits");
        return None;
    }
    Some(v.to_owned())
}

/// What the channel may sell of the SKU: available at its feeding locations, less its buffer.
fn quantity_for(settings: &ChannelSettings, levels: &[ordo_store::LevelRecord]) -> i64 {
    let available: i64 = levels
        .iter()
        .filter(|l| settings.locations.is_empty() || settings.locations.contains(&l.location))
        .map(|l| l.level().available().max(0))
        .sum();
    (available - settings.stock_buffer).max(0)
}

/// How long a refused listing waits before it is tried again.
fn backoff_ms(failures: i64) -> i64 {
    1000 * (1i64 << failures.clamp(0, 12)).min(3600)
}

fn listing_visible(actor: &Actor, channel: &str) -> AppResult<()> {
    if !valid_channel(channel) || !actor.sees_channel(channel) {
        return Err(AppError::NotFound("channel"));
    }
    Ok(())
}

impl App {
    /// Lists a SKU on the channel's platform (or changes where), so that its stock is pushed
    /// there; the first push follows at once.
    pub async fn put_listing(
        &self,
        actor: &Actor,
        channel: &str,
        sku: &str,
        input: ListingInput,
    ) -> AppResult<Listing> {
        require(actor, Action::Configure)?;
        listing_visible(actor, channel)?;
        let mut e = ordo_domain::validate::Errors::new();
        let target = StockTarget {
            product_id: id_field(&mut e, "product_id", &input.product_id),
            variant_id: id_field(&mut e, "variant_id", &input.variant_id),
            inventory_item_id: id_field(&mut e, "inventory_item_id", &input.inventory_item_id),
            location_id: id_field(&mut e, "location_id", &input.location_id),
        };
        e.finish(())?;
        let name = channel.to_owned();
        let settings = self.store.read(move |tx| settings_of(tx, &name)).await?;
        let pushes = self.channels.for_kind(settings.kind.as_str()).ok().and_then(|a| a.stock_target(&target));
        match pushes {
            None => {
                return Err(AppError::Conflict(format!(
                    "stock is not pushed to a {} channel; connect it as shopify, woocommerce or bigcommerce",
                    settings.kind
                )));
            }
            Some(Err(missing)) => return Err(AppError::field("listing", missing)),
            Some(Ok(())) => {}
        }
        let body = serde_json::to_string(&target).map_err(|e| AppError::Internal(e.to_string()))?;
        let (channel, sku, who) = (channel.to_owned(), sku.to_owned(), actor.key_id.clone());
        self.write_idem(None, move |tx, now| {
            if tx.product_by_sku(&sku)?.is_none() {
                return Err(AppError::NotFound("product"));
            }
            let record = match tx.channel_listing(&channel, &sku)? {
                Some(old) if old.target == body => ListingRecord { updated_at: now, ..old },
                // A new place on the platform has had nothing pushed to it.
                _ => ListingRecord {
                    channel: channel.clone(),
                    sku: sku.clone(),
                    target: body.clone(),
                    pushed: None,
                    pushed_at: None,
                    pushes: 0,
                    failures: 0,
                    last_error: None,
                    updated_at: now,
                },
            };
            tx.put_channel_listing(&record)?;
            let changed = ListingChanged { channel: channel.clone(), sku: sku.clone(), actor: who.clone() };
            emit(tx, now, &sku, Event::ChannelListingUpdated(changed))?;
            Ok(Listing::of(record))
        })
        .await?
        .into_fresh()
    }

    pub async fn listing(&self, actor: &Actor, channel: &str, sku: &str) -> AppResult<Listing> {
        require(actor, Action::ReadCatalog)?;
        listing_visible(actor, channel)?;
        let (channel, sku) = (channel.to_owned(), sku.to_owned());
        let found = self.store.read(move |tx| Ok::<_, AppError>(tx.channel_listing(&channel, &sku)?)).await?;
        found.map(Listing::of).ok_or(AppError::NotFound("listing"))
    }

    /// The channel's listings by SKU, with what was last pushed to each: its sync log.
    pub async fn listings(&self, actor: &Actor, channel: &str, page: Page<String>) -> AppResult<Vec<Listing>> {
        require(actor, Action::ReadCatalog)?;
        listing_visible(actor, channel)?;
        let channel = channel.to_owned();
        let rows = self.store.read(move |tx| Ok::<_, AppError>(tx.list_channel_listings(&channel, &page)?)).await?;
        Ok(rows.into_iter().map(Listing::of).collect())
    }

    pub async fn delete_listing(&self, actor: &Actor, channel: &str, sku: &str) -> AppResult<()> {
        require(actor, Action::Configure)?;
        listing_visible(actor, channel)?;
        let (channel, sku, who) = (channel.to_owned(), sku.to_owned(), actor.key_id.clone());
        self.write_idem(None, move |tx, now| {
            if !tx.delete_channel_listing(&channel, &sku)? {
                return Err(AppError::NotFound("listing"));
            }
            let changed = ListingChanged { channel: channel.clone(), sku: sku.clone(), actor: who.clone() };
            emit(tx, now, &sku, Event::ChannelListingRemoved(changed))
        })
        .await?
        .into_fresh()
    }

    /// Pushes the stock of every listing whose channel may sell a different quantity than the
    /// platform was last told, as the stock worker does.
    pub fn spawn_stock_sync(&self, every: Duration) -> WorkerHandle {
        let mut options = WorkerOptions::every(every);
        options.batch = 5000;
        self.spawn_worker(Arc::new(StockSync), options)
    }

    /// Pushes each listing's quantity where it differs from what the platform accepted last.
    /// Refusals are recorded on the listing; they do not fail the pass.
    async fn push_listings(&self, listings: Vec<ListingRecord>) -> AppResult<()> {
        if listings.is_empty() {
            return Ok(());
        }
        let skus: Vec<String> = listings.iter().map(|l| l.sku.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let channels: BTreeSet<String> = listings.iter().map(|l| l.channel.clone()).collect();
        let (levels, settings) = self
            .store
            .read(move |tx| {
                let refs: Vec<&str> = skus.iter().map(String::as_str).collect();
                let levels = tx.levels_for_skus(&refs)?;
                let settings = channels
                    .iter()
                    .map(|c| settings_of(tx, c).map(|s| (c.clone(), s)))
                    .collect::<AppResult<BTreeMap<_, _>>>()?;
                Ok::<_, AppError>((levels, settings))
            })
            .await?;
        for listing in listings {
            let Some(s) = settings.get(&listing.channel) else { continue };
            let mine: Vec<ordo_store::LevelRecord> = levels.iter().filter(|l| l.sku == listing.sku).cloned().collect();
            let quantity = quantity_for(s, &mine);
            if listing.pushed == Some(quantity) && listing.last_error.is_none() {
                continue;
            }
            let target: StockTarget = serde_json::from_str(&listing.target).unwrap_or_default();
            // A listing saved for another kind of platform (the channel changed) is refused here,
            // not sent to a URL it does not fit.
            // A channel that is no longer a platform that takes stock records the refusal, so
            // the listing is tried again with backoff rather than starving the retries.
            let adapter = self.channels.for_kind(s.kind.as_str()).ok();
            let result = match adapter.map(|a| (a, a.stock_target(&target))) {
                Some((a, Some(Ok(())))) => a.push_stock(&s.credentials, &target, quantity).await,
                Some((_, Some(Err(missing)))) => {
                    Err(AppError::Conflict(format!("the listing does not fit the channel: {missing}")))
                }
                _ => Err(AppError::Conflict(format!("stock is not pushed to a {} channel", s.kind))),
            };
            if let Err(e) = &result {
                tracing::warn!(channel = %listing.channel, sku = %listing.sku, error = %e, "a stock push was refused");
            }
            let now = self.now();
            let sent = listing.target.clone();
            self.store
                .write(move |tx| {
                    // The listing as it is now: moved or removed meanwhile, the result is moot.
                    let Some(mut l) = tx.channel_listing(&listing.channel, &listing.sku)? else { return Ok(()) };
                    if l.target != sent {
                        return Ok(());
                    }
                    match &result {
                        Ok(()) => {
                            (l.pushed, l.pushed_at, l.last_error) = (Some(quantity), Some(now), None);
                            (l.pushes, l.failures) = (l.pushes + 1, 0);
                        }
                        Err(e) => (l.failures, l.last_error) = (l.failures + 1, Some(e.to_string())),
                    }
                    l.updated_at = now;
                    tx.put_channel_listing(&l)?;
                    Ok::<_, AppError>(())
                })
                .await?;
        }
        Ok(())
    }
}

/// The SKUs a batch of events may have changed the sellable stock of, and the channels whose
/// settings changed (all their listings).
fn touched(tx: &mut dyn Tx, events: &[&EventRecord]) -> AppResult<Vec<ListingRecord>> {
    // Most installations list nothing: then no order needs reading.
    let mut listed = false;
    for c in tx.channel_names()? {
        if !tx.list_channel_listings(&c, &Page { after: None, limit: 1 })?.is_empty() {
            listed = true;
            break;
        }
    }
    if !listed {
        return Ok(Vec::new());
    }
    let (mut listed_skus, mut channels, mut moving) = (BTreeSet::new(), BTreeSet::new(), Vec::new());
    for e in events {
        match e.event_type.as_str() {
            "channel.listing_updated" => {
                listed_skus.insert(e.subject.clone());
            }
            "channel.updated" => {
                channels.insert(e.subject.clone());
            }
            _ => moving.push(*e),
        }
    }
    let mut skus = crate::stock::alerts::skus_moved(tx, moving)?;
    skus.extend(listed_skus);
    let refs: Vec<&str> = skus.iter().map(String::as_str).collect();
    let mut listings = tx.listings_for_skus(&refs)?;
    for c in &channels {
        let mut after = None;
        loop {
            let page = tx.list_channel_listings(c, &Page { after: after.clone(), limit: 1000 })?;
            let Some(last) = page.last().map(|l| l.sku.clone()) else { break };
            listings.extend(page.into_iter().filter(|l| !skus.contains(&l.sku)));
            after = Some(last);
        }
    }
    Ok(listings)
}

/// The stock worker.
struct StockSync;

impl Worker for StockSync {
    fn name(&self) -> &'static str {
        "channel-stock"
    }

    fn wants(&self, e: &EventRecord) -> bool {
        let t = e.event_type.as_str();
        ["inventory.", "order.", "fulfillment.", "return."].iter().any(|p| t.starts_with(p))
            || matches!(t, "channel.listing_updated" | "channel.updated")
    }

    fn coalesces(&self) -> bool {
        true
    }

    fn paced(&self) -> bool {
        true
    }

    /// Listings a platform refused before, once their backoff is over.
    fn before_events<'a>(&'a self, app: &'a App) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let now = app.now();
            let failing = app.store.read(|tx| Ok::<_, AppError>(tx.failing_channel_listings(100)?)).await?;
            let due: Vec<ListingRecord> =
                failing.into_iter().filter(|l| l.updated_at + backoff_ms(l.failures) <= now).collect();
            app.push_listings(due).await
        })
    }

    fn handle<'a>(&'a self, _app: &'a App, _event: &'a EventRecord) -> BoxFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn handle_all<'a>(&'a self, app: &'a App, events: &'a [&'a EventRecord]) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let events: Vec<EventRecord> = events.iter().map(|e| (*e).clone()).collect();
            let listings = app
                .store
                .read(move |tx| {
                    let refs: Vec<&EventRecord> = events.iter().collect();
                    touched(tx, &refs)
                })
                .await?;
            app.push_listings(listings).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!((backoff_ms(0), backoff_ms(1), backoff_ms(5)), (1000, 2000, 32_000));
        assert_eq!((backoff_ms(12), backoff_ms(40)), (3_600_000, 3_600_000));
    }
}
