//! Receiving goods against a purchase order: each receipt puts every line's units on hand at
//! the order's location with a ledger entry (reason `received`, reference `po_...:LINE`),
//! values them into the moving average cost of the SKU at the location, and takes them out
//! of what is still expected. A receipt is all or nothing.

use ordo_domain::Currency;
use ordo_domain::inventory::Reason;
use ordo_domain::purchasing::{self, PurchaseOrderStatus, ReceiptLine, Valuation};
use ordo_domain::validate::Errors;
use ordo_store::{CostRecord, LevelChange, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::{PurchaseOrderReceived, ReceivedUnits};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::rates::RateBook;
use crate::kernel::time_fmt;
use crate::stock::purchase_orders::{
    MAX_LINES, PurchaseOrder, Receipt, ReceiptEntry, load, purchase_error, save, stored_currency,
};
use crate::{Action, Actor, App, AppError, AppResult};

/// The most lines one receipt may name.
pub const MAX_RECEIPT_LINES: usize = 500;

/// One line of a receipt.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    /// The purchase order line's number.
    #[schema(required = true, minimum = 1, maximum = 500)]
    pub line: Option<i64>,
    /// Units that arrived; more than the line still expects is an over-receipt, recorded. A
    /// line named twice in one receipt receives both quantities.
    #[schema(required = true, minimum = 1, maximum = 1000000, example = 24)]
    pub quantity: Option<i64>,
}

/// Goods that arrived against a sent purchase order.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    #[schema(required = true, min_items = 1, max_items = 500)]
    pub lines: Option<Vec<ReceiptLineInput>>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

/// A receipt's lines and note, checked for their form (which lines exist is the order's or
/// the transfer's to say); a line named more than once receives the sum of its quantities.
pub(crate) fn check_receipt_input(input: &ReceiptInput) -> AppResult<(Vec<ReceiptLine>, Option<String>)> {
    let mut e = Errors::new();
    let mut receipt = Vec::new();
    match input.lines.as_deref() {
        None => e.add("lines", "is required"),
        Some(ls) if ls.is_empty() || ls.len() > MAX_RECEIPT_LINES => {
            e.add("lines", format!("must have 1 to {MAX_RECEIPT_LINES} lines"))
        }
        Some(ls) => {
            for (i, l) in ls.iter().enumerate() {
                let line = match l.line {
                    None => {
                        e.add(format!("lines/{i}/line"), "is required");
                        None
                    }
                    Some(n) if !(1..=MAX_LINES as i64).contains(&n) => {
                        e.add(format!("lines/{i}/line"), format!("must be between 1 and {MAX_LINES}"));
                        None
                    }
                    Some(n) => Some(n as u32),
                };
                let quantity = e.quantity(&format!("lines/{i}/quantity"), l.quantity, 1);
                // A line named twice (two boxes of it) receives both quantities.
                if let (Some(line), Some(quantity)) = (line, quantity) {
                    match receipt.iter_mut().find(|r: &&mut ReceiptLine| r.line == line) {
                        Some(r) => r.quantity += quantity,
                        None => receipt.push(ReceiptLine { line, quantity }),
                    }
                }
            }
        }
    }
    let note = e.optional_text("note", input.note.as_deref(), 500);
    Ok(e.finish((receipt, note))?)
}

/// Keeps the moving average cost of `sku` at a location where `on_hand_before` units were as
/// `quantity` units arrive at `cost` (a unit cost in minor units of a currency; none when they
/// come without one). The cost is kept in the currency of the first receipt, and a receipt in
/// another is converted at the day's exchange rate. Returns whether the units could be valued
/// at their cost; those that could not come in at the average.
pub(crate) fn value_arrival(
    tx: &mut dyn Tx,
    now: i64,
    location_id: &str,
    on_hand_before: i64,
    (sku, quantity): (&str, i64),
    cost: Option<(i64, Currency)>,
) -> AppResult<bool> {
    let current = tx.cost(sku, location_id)?;
    let Some((unit_cost_minor, currency)) = cost else {
        if let Some(c) = current {
            let before = Valuation { units: c.units, value_minor: c.value.into() };
            let after = before.sync(on_hand_before.saturating_add(quantity));
            put_valuation(tx, now, (sku, location_id), &c.currency, after)?;
        }
        return Ok(false);
    };
    let kept = current.as_ref().and_then(|c| Currency::from_code(&c.currency)).unwrap_or(currency);
    let before = current
        .as_ref()
        .map_or(Valuation::EMPTY, |c| Valuation { units: c.units, value_minor: c.value.into() })
        .sync(on_hand_before);
    let cost = if kept == currency {
        Some(i128::from(unit_cost_minor))
    } else {
        let day = time_fmt::day(now);
        RateBook::read(tx, [day.clone()])?.convert(&day, unit_cost_minor.into(), currency, kept)
    };
    let (after, valued) = match cost.and_then(|c| i64::try_from(c).ok()).and_then(|c| before.receive(quantity, c)) {
        Some(v) => (v, true),
        // Without a cost the units come in at the average, as found units do.
        None => (before.sync(on_hand_before.saturating_add(quantity)), false),
    };
    put_valuation(tx, now, (sku, location_id), kept.code(), after)?;
    Ok(valued)
}

fn put_valuation(
    tx: &mut dyn Tx,
    now: i64,
    (sku, location_id): (&str, &str),
    currency: &str,
    v: Valuation,
) -> AppResult<()> {
    let value =
        i64::try_from(v.value_minor).map_err(|_| AppError::field("lines", "the stock's value is out of range"))?;
    tx.put_cost(&CostRecord {
        sku: sku.to_owned(),
        location_id: location_id.to_owned(),
        currency: currency.to_owned(),
        units: v.units,
        value,
        updated_at: now,
    })?;
    Ok(())
}

impl App {
    /// Receives goods against a sent order: each line's units go on hand at the order's
    /// location with a ledger entry (reason `received`, reference `po_...:LINE`), into the
    /// moving average cost, and out of what is still expected. Nothing changes when any line
    /// is refused.
    pub async fn receive_purchase_order(
        &self,
        actor: &Actor,
        id: &str,
        input: ReceiptInput,
        idem: Option<IdemCtx<PurchaseOrder>>,
    ) -> AppResult<Outcome<PurchaseOrder>> {
        require(actor, Action::WriteInventory)?;
        let (receipt, note) = check_receipt_input(&input)?;
        let (id, actor_id) = (id.to_owned(), actor.key_id.clone());
        self.write_idem(idem, move |tx, now| {
            let mut po = load(tx, &id)?;
            let (status, arrived) = purchasing::receive(po.status, &mut po.lines, &receipt).map_err(purchase_error)?;
            po.status = status;
            if status == PurchaseOrderStatus::Received {
                po.closed_at = Some(now);
            }
            let currency = stored_currency(&po.currency)?;
            let location_id = ordo_domain::id::LocationId::from_trusted(po.location_id.clone());
            let mut entries = Vec::with_capacity(arrived.len());
            for a in &arrived {
                let change = LevelChange {
                    at: now,
                    location_id: location_id.clone(),
                    location: po.location.clone(),
                    sku: a.sku.clone(),
                    on_hand_delta: a.quantity,
                    reserved_delta: 0,
                    reason: Reason::Received,
                    actor: Some(actor_id.clone()),
                    order_id: None,
                    note: note.clone(),
                    reference: Some(format!("{}:{}", po.id, a.line)),
                };
                let m = tx.change_level(&change)?.map_err(|_| AppError::Internal("adding stock was refused".into()))?;
                let before = m.on_hand_after - a.quantity;
                let cost = Some((a.unit_cost_minor, currency));
                let valued = value_arrival(tx, now, &po.location_id, before, (&a.sku, a.quantity), cost)?;
                emit(tx, now, &a.sku, Event::inventory_adjusted(&m))?;
                entries.push(ReceiptEntry {
                    line: a.line,
                    sku: a.sku.clone(),
                    quantity: a.quantity,
                    over: a.over,
                    movement_seq: m.seq,
                    valued,
                });
            }
            let number = po.receipts.len() as u32 + 1;
            po.receipts.push(Receipt { number, at: now, actor: actor_id.clone(), note: note.clone(), lines: entries });
            save(tx, now, &mut po)?;
            let lines = arrived
                .iter()
                .map(|a| ReceivedUnits { line: a.line, sku: a.sku.clone(), quantity: a.quantity, over: a.over })
                .collect();
            let r = po.reference();
            let received = PurchaseOrderReceived {
                id: r.id,
                number: r.number,
                supplier_id: r.supplier_id,
                location: r.location,
                status: r.status,
                receipt: number,
                lines,
            };
            emit(tx, now, &po.id, Event::PurchaseOrderReceived(received))?;
            Ok(po)
        })
        .await
    }
}
