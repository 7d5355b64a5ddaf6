//! Stock: adjustments and counts of on-hand units, levels per location, and the ledger.

use ordo_domain::catalog::Location;
use ordo_domain::inventory::{Level, Movement, Reason};
use ordo_domain::validate::Errors;
use ordo_store::{LevelChange, LevelRecord, MovementFilter, Page, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::BucketMoved;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::{Action, Actor, App, AppError, AppResult};

/// A signed change of on-hand stock.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    /// Location code.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub location: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    /// Units to add (positive) or remove (negative); not zero.
    #[schema(required = true, example = 25, minimum = -1000000000, maximum = 1000000000)]
    pub delta: Option<i64>,
    /// `received`, `counted`, `damaged`, `correction`, `lost`, `found` or `returned`.
    #[schema(required = true, example = "received", value_type = Option<crate::kernel::schema::AdjustmentReason>)]
    pub reason: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

/// An absolute count of on-hand stock, recorded in the ledger as the difference.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub location: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    /// The counted number of units on hand.
    #[schema(required = true, minimum = 0, maximum = 1000000000)]
    pub on_hand: Option<i64>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

/// The result of an adjustment or count: the ledger entry and the level after it.
#[derive(Debug, Clone)]
pub struct Adjusted {
    pub movement: Movement,
    pub level: Level,
}

/// Levels of one SKU at each location that holds a record of it, with totals, and the value
/// at cost of what each location holds (`costs[i]` for `levels[i]`; none before any receipt
/// with a cost).
#[derive(Debug, Clone)]
pub struct SkuStock {
    pub sku: String,
    pub levels: Vec<LevelRecord>,
    pub totals: Level,
    pub costs: Vec<Option<StockValue>>,
}

/// Units on hand valued at the moving average cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockValue {
    pub currency: String,
    /// The average cost of one unit, rounded to the currency's minor unit.
    pub unit_cost_minor: i64,
    /// The value of the units on hand, in minor units.
    pub value_minor: i128,
}

pub(crate) struct CheckedChange {
    pub(crate) location: String,
    pub(crate) sku: String,
    /// For adjustments the delta; for counts the counted on-hand.
    pub(crate) value: i64,
    pub(crate) reason: Reason,
    pub(crate) note: Option<String>,
}

fn lookup(tx: &mut dyn Tx, location: &str, sku: &str) -> AppResult<Location> {
    let loc = tx.location_by_code(location)?;
    let product = tx.product_by_sku(sku)?;
    let mut e = Errors::new();
    if loc.is_none() {
        e.missing("location", format!("no location has code {location:?}"));
    }
    if product.is_none() {
        e.missing("sku", format!("no product has SKU {sku:?}"));
    }
    e.finish(())?;
    Ok(loc.expect("checked"))
}

/// Applies an adjustment (`absolute` false: `c.value` is added to on hand) or a count
/// (`absolute`: on hand becomes `c.value`) inside the caller's transaction.
pub(crate) fn change_in_tx(
    tx: &mut dyn Tx,
    now: i64,
    actor_id: &str,
    c: &CheckedChange,
    absolute: bool,
) -> AppResult<Adjusted> {
    let loc = lookup(tx, &c.location, &c.sku)?;
    let delta = if absolute {
        let current = tx.levels_for_skus(&[c.sku.as_str()])?;
        let on_hand = current.iter().find(|l| l.location_id == loc.id).map_or(0, |l| l.on_hand);
        c.value - on_hand
    } else {
        c.value
    };
    let change = LevelChange {
        at: now,
        location_id: loc.id.clone(),
        location: loc.code.clone(),
        sku: c.sku.clone(),
        on_hand_delta: delta,
        reserved_delta: 0,
        reason: c.reason,
        actor: Some(actor_id.to_owned()),
        order_id: None,
        note: c.note.clone(),
        reference: None,
    };
    let movement = match tx.change_level(&change)? {
        Ok(m) => m,
        Err(current) => {
            return Err(AppError::InsufficientStock(vec![ordo_domain::allocation::Short {
                sku: c.sku.clone(),
                requested: -delta,
                available: current.available(),
            }]));
        }
    };
    if absolute {
        // A count answers any request to count this stock, and is when it was last counted.
        tx.clear_count_request(&c.sku, loc.id.as_str())?;
        tx.put_last_count(&c.sku, loc.id.as_str(), now)?;
    }
    let level = Level { on_hand: movement.on_hand_after, reserved: movement.reserved_after };
    emit(tx, now, &c.sku, Event::inventory_adjusted(&movement))?;
    Ok(Adjusted { movement, level })
}

impl App {
    pub async fn adjust_inventory(
        &self,
        actor: &Actor,
        input: AdjustmentInput,
        idem: Option<IdemCtx<Adjusted>>,
    ) -> AppResult<Outcome<Adjusted>> {
        require(actor, Action::WriteInventory)?;
        let mut e = Errors::new();
        let location = e.text("location", input.location.as_deref(), 32);
        let sku = e.text("sku", input.sku.as_deref(), 64);
        match input.delta {
            None => e.add("delta", "is required"),
            Some(0) => e.add("delta", "must not be zero"),
            Some(d) if !(-1_000_000_000..=1_000_000_000).contains(&d) => {
                e.add("delta", "must be between -1000000000 and 1000000000")
            }
            _ => {}
        }
        let reason = match input.reason.as_deref() {
            None => {
                e.add("reason", "is required");
                None
            }
            Some(r) => match Reason::parse(r).filter(Reason::is_manual) {
                Some(r) => Some(r),
                None => {
                    e.add("reason", "must be one of received, counted, damaged, correction, lost, found, returned");
                    None
                }
            },
        };
        let note = e.optional_text("note", input.note.as_deref(), 500);
        let (location, sku, reason) = e.finish((location, sku, reason))?;
        let change = CheckedChange {
            location: location.unwrap(),
            sku: sku.unwrap(),
            value: input.delta.unwrap(),
            reason: reason.unwrap(),
            note,
        };
        self.apply_change(actor, change, false, idem).await
    }

    pub async fn count_inventory(
        &self,
        actor: &Actor,
        input: CountInput,
        idem: Option<IdemCtx<Adjusted>>,
    ) -> AppResult<Outcome<Adjusted>> {
        require(actor, Action::WriteInventory)?;
        let mut e = Errors::new();
        let location = e.text("location", input.location.as_deref(), 32);
        let sku = e.text("sku", input.sku.as_deref(), 64);
        match input.on_hand {
            None => e.add("on_hand", "is required"),
            Some(n) if !(0..=1_000_000_000).contains(&n) => e.add("on_hand", "must be between 0 and 1000000000"),
            _ => {}
        }
        let note = e.optional_text("note", input.note.as_deref(), 500);
        let (location, sku) = e.finish((location, sku))?;
        let change = CheckedChange {
            location: location.unwrap(),
            sku: sku.unwrap(),
            value: input.on_hand.unwrap(),
            reason: Reason::Counted,
            note,
        };
        self.apply_change(actor, change, true, idem).await
    }

    async fn apply_change(
        &self,
        actor: &Actor,
        c: CheckedChange,
        absolute: bool,
        idem: Option<IdemCtx<Adjusted>>,
    ) -> AppResult<Outcome<Adjusted>> {
        let actor_id = actor.key_id.clone();
        self.write_idem(idem, move |tx, now| change_in_tx(tx, now, &actor_id, &c, absolute)).await
    }

    pub async fn sku_stock(&self, actor: &Actor, sku: &str) -> AppResult<SkuStock> {
        require(actor, Action::ReadInventory)?;
        let sku = sku.to_owned();
        self.store
            .read(move |tx| {
                if tx.product_by_sku(&sku)?.is_none() {
                    return Err(AppError::NotFound("product"));
                }
                let levels = tx.levels_for_skus(&[sku.as_str()])?;
                let totals = levels.iter().fold(Level::default(), |t, l| Level {
                    on_hand: t.on_hand + l.on_hand,
                    reserved: t.reserved + l.reserved,
                });
                let mut costs = Vec::with_capacity(levels.len());
                for l in &levels {
                    costs.push(tx.cost(&sku, l.location_id.as_str())?.and_then(|c| {
                        let v = ordo_domain::purchasing::Valuation { units: c.units, value_minor: c.value.into() }
                            .sync(l.on_hand);
                        let unit = v.average(0)?.parse().ok()?;
                        Some(StockValue { currency: c.currency, unit_cost_minor: unit, value_minor: v.value_minor })
                    }));
                }
                Ok(SkuStock { sku, levels, totals, costs })
            })
            .await
    }

    pub async fn list_levels(
        &self,
        actor: &Actor,
        page: Page<(String, String)>,
        sku: Option<String>,
        location: Option<String>,
    ) -> AppResult<Vec<LevelRecord>> {
        require(actor, Action::ReadInventory)?;
        self.store
            .read(move |tx| {
                let location_id = match &location {
                    Some(code) => Some(tx.location_by_code(code)?.ok_or(AppError::NotFound("location"))?.id),
                    None => None,
                };
                Ok(tx.list_levels(&page, sku.as_deref(), location_id.as_ref().map(|l| l.as_str()))?)
            })
            .await
    }

    pub async fn list_movements(
        &self,
        actor: &Actor,
        page: Page<i64>,
        mut filter: MovementFilter,
        location: Option<String>,
    ) -> AppResult<Vec<Movement>> {
        require(actor, Action::ReadInventory)?;
        self.store
            .read(move |tx| {
                if let Some(code) = &location {
                    filter.location_id =
                        Some(tx.location_by_code(code)?.ok_or(AppError::NotFound("location"))?.id.to_string());
                }
                Ok(tx.list_movements(&page, &filter)?)
            })
            .await
    }
}

impl App {
    /// Stock that locations could not find or found damaged, waiting to be counted.
    pub async fn count_requests(
        &self,
        actor: &Actor,
        location: Option<String>,
    ) -> AppResult<Vec<ordo_store::CountRequest>> {
        require(actor, Action::ReadInventory)?;
        self.store
            .read(move |tx| {
                let location_id = match &location {
                    Some(code) => {
                        Some(tx.location_by_code(code)?.ok_or(AppError::NotFound("location"))?.id.to_string())
                    }
                    None => None,
                };
                Ok(tx.count_requests(location_id.as_deref())?)
            })
            .await
    }
}

/// A SKU's non-sellable stock: per location and bucket, and the ledger that explains it.
#[derive(Debug, Clone)]
pub struct Buckets {
    pub sku: String,
    /// (location code, bucket, quantity).
    pub levels: Vec<(String, String, i64)>,
    pub movements: Vec<ordo_store::BucketMovement>,
}

/// A SKU's buckets as this transaction sees them.
fn buckets_of(tx: &mut dyn Tx, sku: &str) -> AppResult<Buckets> {
    tx.product_by_sku(sku)?.ok_or(AppError::NotFound("product"))?;
    let locations = tx.all_locations()?;
    let levels = tx
        .buckets_for_sku(sku)?
        .into_iter()
        .map(|b| {
            let code = locations
                .iter()
                .find(|l| l.id.as_str() == b.location_id)
                .map_or(b.location_id.clone(), |l| l.code.clone());
            (code, b.bucket, b.quantity)
        })
        .collect();
    Ok(Buckets { sku: sku.to_owned(), levels, movements: tx.bucket_movements(sku)? })
}

impl App {
    pub async fn sku_buckets(&self, actor: &Actor, sku: &str) -> AppResult<Buckets> {
        require(actor, Action::ReadInventory)?;
        let sku = sku.to_owned();
        self.store.read(move |tx| buckets_of(tx, &sku)).await
    }
}

pub use ordo_domain::inventory::BUCKETS;

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketMoveInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    /// The location code.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub location: Option<String>,
    /// The bucket the units leave: `quarantine`, `refurbish`, `return_to_vendor` or `disposed`.
    #[schema(required = true, example = "refurbish", value_type = Option<crate::kernel::schema::Bucket>)]
    pub from: Option<String>,
    /// Another bucket, `stock` (sellable again, at the same location) or `out` (they leave:
    /// sent to the vendor, destroyed).
    #[schema(required = true, example = "stock", value_type = Option<crate::kernel::schema::BucketTarget>)]
    pub to: Option<String>,
    #[schema(required = true, minimum = 1, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

impl App {
    /// Moves non-sellable units: between buckets, back into sellable stock, or out of the
    /// business; both sides are written to their ledgers in one transaction.
    pub async fn move_bucket(
        &self,
        actor: &Actor,
        input: BucketMoveInput,
        idem: Option<IdemCtx<Buckets>>,
    ) -> AppResult<Outcome<Buckets>> {
        require(actor, Action::WriteInventory)?;
        let mut e = Errors::new();
        let sku = e.text("sku", input.sku.as_deref(), 64);
        let location = e.text("location", input.location.as_deref(), 32);
        let from = match input.from.as_deref() {
            Some(b) if BUCKETS.contains(&b) => Some(b.to_owned()),
            _ => {
                e.add("from", format!("must be one of {}", BUCKETS.join(", ")));
                None
            }
        };
        let to = match input.to.as_deref() {
            Some(b) if BUCKETS.contains(&b) || b == "stock" || b == "out" => Some(b.to_owned()),
            _ => {
                e.add("to", format!("must be stock, out or one of {}", BUCKETS.join(", ")));
                None
            }
        };
        if from.is_some() && from == to {
            e.add("to", "must differ from from");
        }
        let quantity = match input.quantity {
            Some(q) if (1..=1_000_000_000).contains(&q) => Some(q),
            _ => {
                e.add("quantity", "must be between 1 and 1000000000");
                None
            }
        };
        let note = e.optional_text("note", input.note.as_deref(), 500);
        let (sku, location, from, to, quantity) = e.finish((sku, location, from, to, quantity))?;
        let (sku, location, from, to, quantity) = (
            sku.expect("checked"),
            location.expect("checked"),
            from.expect("checked"),
            to.expect("checked"),
            quantity.expect("checked"),
        );
        // The SKU's buckets after the move are read back in the same transaction.
        let who = actor.clone();
        self.write_idem(idem, move |tx, now| {
            tx.product_by_sku(&sku)?.ok_or_else(|| AppError::missing("sku", "no product has this SKU"))?;
            let loc = tx
                .location_by_code(&location)?
                .ok_or_else(|| AppError::missing("location", "no location has this code"))?;
            let change = |bucket: &str, delta: i64, reason: &str| ordo_store::BucketChange {
                at: now,
                location_id: loc.id.to_string(),
                location: loc.code.clone(),
                sku: sku.clone(),
                bucket: bucket.to_owned(),
                delta,
                reason: reason.to_owned(),
                actor: Some(who.key_id.clone()),
                order_id: None,
                reference: None,
                note: note.clone(),
            };
            // Stock rows change in the order every use case changes them: the sellable
            // level first, then buckets by name.
            let take_from = |tx: &mut dyn ordo_store::Tx| -> AppResult<()> {
                match tx.change_bucket(&change(&from, -quantity, &format!("moved to {to}")))? {
                    Ok(_) => Ok(()),
                    Err(current) => Err(AppError::Refused {
                        code: "insufficient_stock",
                        message: format!("the {from} bucket holds {current} of {sku} at {location}"),
                    }),
                }
            };
            match to.as_str() {
                "out" => take_from(tx)?,
                "stock" => {
                    let level = LevelChange {
                        at: now,
                        location_id: loc.id.clone(),
                        location: loc.code.clone(),
                        sku: sku.clone(),
                        on_hand_delta: quantity,
                        reserved_delta: 0,
                        reason: Reason::Returned,
                        actor: Some(who.key_id.clone()),
                        order_id: None,
                        note: Some(note.clone().unwrap_or_else(|| format!("from the {from} bucket"))),
                        reference: None,
                    };
                    if let Err(level) = tx.change_level(&level)? {
                        return Err(AppError::Internal(format!("restocking {sku} does not fit level {level:?}")));
                    }
                    // Refused, this rolls the restock back with the rest of the write.
                    take_from(tx)?;
                }
                bucket => {
                    let put_into = |tx: &mut dyn ordo_store::Tx| -> AppResult<()> {
                        match tx.change_bucket(&change(bucket, quantity, &format!("moved from {from}")))? {
                            Ok(_) => Ok(()),
                            Err(current) => Err(AppError::Internal(format!(
                                "the {bucket} bucket refused {quantity} (at {current})"
                            ))),
                        }
                    };
                    if from.as_str() < bucket {
                        take_from(tx)?;
                        put_into(tx)?;
                    } else {
                        put_into(tx)?;
                        take_from(tx)?;
                    }
                }
            }
            emit(
                tx,
                now,
                &sku,
                Event::InventoryBucketMoved(BucketMoved {
                    sku: sku.clone(),
                    location: loc.code.clone(),
                    from: from.to_string(),
                    to: to.to_string(),
                    quantity,
                    actor: who.key_id.clone(),
                }),
            )?;
            buckets_of(tx, &sku)
        })
        .await
    }
}
