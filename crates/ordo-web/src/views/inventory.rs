//! How stock looks on the wire: levels, the movement ledger, adjustments, count requests and
//! the non-sellable buckets.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_app::stock::inventory::{Adjusted, SkuStock};
use ordo_domain::inventory::Movement;
use ordo_store::LevelRecord;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// Units at one location, or totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelView {
    /// Location code (absent in totals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    /// The units on hand at the moving average cost of the location's receipts (in one
    /// location's view; absent before any receipt with a cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<StockValueView>,
}

/// Units on hand valued at cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockValueView {
    /// The moving average cost of one unit (rounded to the currency's minor unit).
    pub unit_cost: MoneyView,
    /// What the units on hand are worth at that cost.
    pub value: MoneyView,
}

impl From<&LevelRecord> for LevelView {
    fn from(l: &LevelRecord) -> Self {
        LevelView {
            location: Some(l.location.clone()),
            sku: Some(l.sku.clone()),
            on_hand: l.on_hand,
            reserved: l.reserved,
            available: l.level().available(),
            cost: None,
        }
    }
}

/// One SKU's stock across locations.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkuStockView {
    pub sku: String,
    pub locations: Vec<LevelView>,
    pub totals: LevelView,
}

impl From<&SkuStock> for SkuStockView {
    fn from(s: &SkuStock) -> Self {
        SkuStockView {
            sku: s.sku.clone(),
            locations: s
                .levels
                .iter()
                .zip(&s.costs)
                .map(|(l, c)| LevelView {
                    sku: None,
                    cost: c.as_ref().map(|c| StockValueView {
                        unit_cost: MoneyView::new(c.unit_cost_minor, &c.currency),
                        value: MoneyView::wide(c.value_minor, &c.currency),
                    }),
                    ..LevelView::from(l)
                })
                .collect(),
            totals: LevelView {
                location: None,
                sku: None,
                on_hand: s.totals.on_hand,
                reserved: s.totals.reserved,
                available: s.totals.available(),
                cost: None,
            },
        }
    }
}

/// An inventory ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementView {
    #[schema(example = "mov_42")]
    pub id: String,
    pub at: String,
    pub location: String,
    pub sku: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub available_after: i64,
    /// `received`, `counted`, `damaged`, `correction`, `lost`, `found`, `returned`, `reserved`,
    /// `released`, `shipped` (reserved units leaving with a shipment), `picked_up` (reserved
    /// units collected by the customer at the location), `transfer_out` (units leaving with a
    /// transfer) or `transfer_in` (units of a transfer arriving).
    pub reason: String,
    /// The API key that caused the movement.
    pub actor: Option<String>,
    pub order_id: Option<String>,
    pub note: Option<String>,
    /// What else the entry answers: the purchase order line a receipt was for
    /// (`po_...:LINE`).
    #[schema(example = "po_01J0000000000000000000000:1")]
    pub reference: Option<String>,
}

impl From<&Movement> for MovementView {
    fn from(m: &Movement) -> Self {
        MovementView {
            id: format!("mov_{}", m.seq),
            at: format_ms(m.at),
            location: m.location.clone(),
            sku: m.sku.clone(),
            on_hand_delta: m.on_hand_delta,
            reserved_delta: m.reserved_delta,
            on_hand_after: m.on_hand_after,
            reserved_after: m.reserved_after,
            available_after: m.on_hand_after - m.reserved_after,
            reason: m.reason.as_str().to_owned(),
            actor: m.actor.clone(),
            order_id: m.order_id.as_ref().map(|o| o.to_string()),
            note: m.note.clone(),
            reference: m.reference.clone(),
        }
    }
}

/// The result of an adjustment or a count.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentView {
    pub movement: MovementView,
    pub level: LevelView,
}

impl From<&Adjusted> for AdjustmentView {
    fn from(a: &Adjusted) -> Self {
        AdjustmentView {
            movement: MovementView::from(&a.movement),
            level: LevelView {
                location: Some(a.movement.location.clone()),
                sku: Some(a.movement.sku.clone()),
                on_hand: a.level.on_hand,
                reserved: a.level.reserved,
                available: a.level.available(),
                cost: None,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketLevelView {
    pub location: String,
    /// `quarantine`, `refurbish`, `return_to_vendor`, `disposed`, or `in_transit` (units of
    /// shipped transfers, at their source).
    pub bucket: String,
    pub quantity: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BucketMovementView {
    pub sequence: i64,
    pub at: String,
    pub location: String,
    pub bucket: String,
    pub delta: i64,
    pub quantity_after: i64,
    pub reason: String,
    pub actor: Option<String>,
    pub order_id: Option<String>,
    /// What moved it (a return, a transfer's line `tr_...:LINE`).
    pub reference: Option<String>,
    pub note: Option<String>,
}

/// A SKU's stock that is not sellable, and its ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketsView {
    pub sku: String,
    pub levels: Vec<BucketLevelView>,
    pub movements: Vec<BucketMovementView>,
}

impl From<&ordo_app::stock::inventory::Buckets> for BucketsView {
    fn from(b: &ordo_app::stock::inventory::Buckets) -> BucketsView {
        BucketsView {
            sku: b.sku.clone(),
            levels: b
                .levels
                .iter()
                .map(|(location, bucket, quantity)| BucketLevelView {
                    location: location.clone(),
                    bucket: bucket.clone(),
                    quantity: *quantity,
                })
                .collect(),
            movements: b
                .movements
                .iter()
                .map(|m| BucketMovementView {
                    sequence: m.seq,
                    at: format_ms(m.change.at),
                    location: m.change.location.clone(),
                    bucket: m.change.bucket.clone(),
                    delta: m.change.delta,
                    quantity_after: m.quantity_after,
                    reason: m.change.reason.clone(),
                    actor: m.change.actor.clone(),
                    order_id: m.change.order_id.clone(),
                    reference: m.change.reference.clone(),
                    note: m.change.note.clone(),
                })
                .collect(),
        }
    }
}

/// A request to count stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountRequestView {
    pub sku: String,
    /// Location code.
    pub location: String,
    pub requested_at: String,
    pub reason: Option<String>,
}

/// One SKU's availability on each day, per location and in total.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityView {
    pub sku: String,
    /// Today (UTC), the first day answered.
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub until: String,
    pub locations: Vec<LocationAvailabilityView>,
    /// The sum over the locations listed.
    pub totals: Vec<DayQuantityView>,
}

/// What one location may promise of a SKU.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationAvailabilityView {
    pub location: String,
    pub on_hand: i64,
    pub reserved: i64,
    /// Held back from what may be promised.
    pub safety_stock: i64,
    /// Open purchase order lines still to come here.
    pub incoming: Vec<IncomingView>,
    /// On hand, less reserved and safety stock, plus what is expected by each day.
    pub days: Vec<DayQuantityView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncomingView {
    /// What brings it: a purchase order line, `po_...:LINE`.
    #[schema(example = "po_01JD8X3Q6Z3M9V8K2N4P6R8T0W:1")]
    pub source: String,
    #[schema(format = Date)]
    pub expected_on: String,
    pub quantity: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayQuantityView {
    #[schema(format = Date)]
    pub date: String,
    /// May be negative: more is promised than there will be.
    pub available: i64,
}

fn day_views(days: &[(String, i64)]) -> Vec<DayQuantityView> {
    days.iter().map(|(date, available)| DayQuantityView { date: date.clone(), available: *available }).collect()
}

impl From<&ordo_app::stock::availability::Availability> for AvailabilityView {
    fn from(a: &ordo_app::stock::availability::Availability) -> Self {
        AvailabilityView {
            sku: a.sku.clone(),
            from: a.from.clone(),
            until: a.until.clone(),
            locations: a
                .locations
                .iter()
                .map(|l| LocationAvailabilityView {
                    location: l.location.clone(),
                    on_hand: l.on_hand,
                    reserved: l.reserved,
                    safety_stock: l.safety_stock,
                    incoming: l
                        .incoming
                        .iter()
                        .map(|i| IncomingView {
                            source: format!("{}:{}", i.origin, i.line),
                            expected_on: i.expected_on.clone(),
                            quantity: i.quantity,
                        })
                        .collect(),
                    days: day_views(&l.days),
                })
                .collect(),
            totals: day_views(&a.totals),
        }
    }
}

/// A SKU's safety stock and reorder point at one location.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockPolicyView {
    pub sku: String,
    pub location: String,
    /// Units held back from what may be promised.
    pub safety_stock: i64,
    /// Available units at or below which stock is low.
    pub reorder_point: i64,
    /// `manual` (set through the API) or `computed` (from a forecast).
    pub source: String,
    pub updated_at: String,
}

impl From<&ordo_app::stock::policies::StockPolicy> for StockPolicyView {
    fn from(p: &ordo_app::stock::policies::StockPolicy) -> Self {
        StockPolicyView {
            sku: p.sku.clone(),
            location: p.location.clone(),
            safety_stock: p.safety_stock,
            reorder_point: p.reorder_point,
            source: p.source.clone(),
            updated_at: format_ms(p.updated_at),
        }
    }
}

/// A SKU's stock policies, one per location that has one.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockPoliciesView {
    pub data: Vec<StockPolicyView>,
}

/// Stock that ran low or out at a location.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockAlertView {
    #[schema(example = "alr_01JD8X3Q6Z3M9V8K2N4P6R8T0W")]
    pub id: String,
    /// `low_stock` (available at or below the reorder point) or `stock_out` (none available).
    pub kind: String,
    pub sku: String,
    pub location: String,
    /// `open` or `ended`.
    pub status: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// Units available (on hand less reserved) when it started.
    pub available: i64,
    /// The reorder point crossed (low stock).
    pub reorder_point: Option<i64>,
}

impl From<&ordo_app::stock::alerts::StockAlert> for StockAlertView {
    fn from(a: &ordo_app::stock::alerts::StockAlert) -> Self {
        let r = &a.record;
        StockAlertView {
            id: r.id.clone(),
            kind: r.kind.clone(),
            sku: r.sku.clone(),
            location: a.location.clone(),
            status: if r.ended_at.is_some() { "ended" } else { "open" }.into(),
            started_at: format_ms(r.started_at),
            ended_at: r.ended_at.map(format_ms),
            available: r.available,
            reorder_point: r.reorder_point,
        }
    }
}
