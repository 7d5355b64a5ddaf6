//! Transfers: stock moved from one of the merchant's locations to another. A draft's lines
//! (SKU, quantity) may change until it ships; shipping takes every line's units out of the
//! source's stock (ledger reason `transfer_out`) into its `in_transit` bucket, and from then on
//! they count as incoming stock at the destination from the expected date. Receipts move units
//! from the bucket into the destination's stock (reason `transfer_in`), never more than is on
//! the way; closing writes what is still in transit off as lost or damaged. Every ledger entry
//! names its line (`tr_...:LINE`). The destination's moving average cost takes the units in at
//! the source's average when they shipped.

use ordo_domain::Currency;
use ordo_domain::inventory::Reason;
use ordo_domain::purchasing::{PurchaseError, Valuation};
use ordo_domain::status::Lifecycle;
use ordo_domain::transfer::{self, IN_TRANSIT, LossReason, TransferLine};
use ordo_domain::validate::Errors;
use ordo_store::{BucketChange, IncomingRecord, LevelChange, Page, TransferFilter, TransferRecord, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::events::payloads::{LineUnits, TransferClosed, TransferReceived, TransferRef};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{check_version, require};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::time_fmt;
use crate::stock::purchase_orders::{MAX_LINES, Receipt, ReceiptEntry, check_day};
use crate::stock::purchase_receipts::{ReceiptInput, check_receipt_input, value_arrival};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

pub use ordo_domain::transfer::TransferStatus;

const DAY_MS: i64 = 86_400_000;

/// Stock on its way from one location to another, with its lines and receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub id: String,
    /// Sequential and unique, for people (`TR-17`).
    pub number: i64,
    pub from_location_id: String,
    /// The source location's code.
    pub from_location: String,
    pub to_location_id: String,
    /// The destination location's code.
    pub to_location: String,
    /// The day the units are expected at the destination (`YYYY-MM-DD`).
    pub expected_on: String,
    pub note: Option<String>,
    pub status: TransferStatus,
    pub lines: Vec<TransferLine>,
    pub receipts: Vec<Receipt>,
    /// Why what never arrived was written off (set when it is closed with units in transit).
    pub loss_reason: Option<LossReason>,
    pub shipped_at: Option<i64>,
    /// When it became received or cancelled.
    pub closed_at: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Transfer {
    fn to_record(&self) -> AppResult<TransferRecord> {
        Ok(TransferRecord {
            id: self.id.clone(),
            number: self.number,
            from_location_id: self.from_location_id.clone(),
            to_location_id: self.to_location_id.clone(),
            status: self.status.as_str().into(),
            expected_on: Some(self.expected_on.clone()),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            body: serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    fn from_record(r: &TransferRecord) -> AppResult<Transfer> {
        serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("a stored transfer is unreadable: {e}")))
    }

    fn reference(&self) -> TransferRef {
        TransferRef {
            id: self.id.clone(),
            number: self.number,
            from_location: self.from_location.clone(),
            to_location: self.to_location.clone(),
            status: self.status.as_str().into(),
        }
    }

    /// What is on its way, line by line, as incoming stock at the destination.
    fn incoming(&self) -> Vec<IncomingRecord> {
        if !self.status.in_transit() {
            return Vec::new();
        }
        self.lines
            .iter()
            .filter(|l| l.in_transit() > 0)
            .map(|l| IncomingRecord {
                origin: self.id.clone(),
                line: l.line.into(),
                sku: l.sku.clone(),
                location_id: self.to_location_id.clone(),
                expected_on: self.expected_on.clone(),
                quantity: l.in_transit(),
            })
            .collect()
    }

    fn line_ref(&self, line: u32) -> String {
        format!("{}:{line}", self.id)
    }
}

/// One line of a new or changed draft.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferLineInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    #[schema(required = true, minimum = 1, maximum = 1000000, example = 12)]
    pub quantity: Option<i64>,
}

/// A new transfer between two locations, a draft until it ships.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// The code of the location the units leave.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub from_location: Option<String>,
    /// The code of the location they go to; another than `from_location`.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub to_location: Option<String>,
    /// The day the units are expected at the destination, `YYYY-MM-DD` (default: today).
    #[schema(format = Date, example = "2026-12-18")]
    pub expected_on: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    /// 1 to 500 lines, each SKU once.
    #[schema(required = true, min_items = 1, max_items = 500)]
    pub lines: Option<Vec<TransferLineInput>>,
}

/// Changes to a transfer. `lines` replaces all lines and only while it is a draft;
/// `expected_on` and `note` may change until it is received or cancelled.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferPatch {
    #[schema(format = Date, example = "2026-12-19")]
    pub expected_on: Option<String>,
    /// An empty note clears it.
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    #[schema(min_items = 1, max_items = 500)]
    pub lines: Option<Vec<TransferLineInput>>,
    /// The version the change is based on (or `If-Match`).
    pub version: Option<i64>,
}

/// Closing a transfer whose units have not all arrived.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferCloseInput {
    /// Why the units still in transit never arrived: `lost` or `damaged` (default `lost`).
    #[schema(value_type = Option<crate::kernel::schema::LossReasonName>)]
    pub reason: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

/// Filters of the transfer list.
#[derive(Debug, Clone, Default)]
pub struct TransferQuery {
    pub status: Option<String>,
    pub from_location: Option<String>,
    pub to_location: Option<String>,
}

/// Checked lines of a draft: SKU and quantity, each SKU once.
fn check_lines(e: &mut Errors, lines: Option<&[TransferLineInput]>) -> Vec<(String, i64)> {
    let Some(lines) = lines else {
        e.add("lines", "is required");
        return Vec::new();
    };
    if lines.is_empty() || lines.len() > MAX_LINES {
        e.add("lines", format!("must have 1 to {MAX_LINES} lines"));
        return Vec::new();
    }
    let mut out: Vec<(String, i64)> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let sku = e.text(&format!("lines/{i}/sku"), l.sku.as_deref(), 64);
        let quantity = e.quantity(&format!("lines/{i}/quantity"), l.quantity, 1);
        if let Some(s) = &sku
            && let Some(j) = out.iter().position(|(o, _)| o == s)
        {
            e.add(format!("lines/{i}/sku"), format!("is already on line {}", j + 1));
        }
        // Empty entries keep positions aligned for the duplicate check.
        out.push((sku.unwrap_or_default(), quantity.unwrap_or(0)));
    }
    out
}

/// Lines of a draft whose SKUs all exist (field errors name those that do not).
fn to_lines(tx: &mut dyn Tx, lines: &[(String, i64)]) -> AppResult<Vec<TransferLine>> {
    let skus: Vec<&str> = lines.iter().map(|(sku, _)| sku.as_str()).collect();
    let known = tx.products_by_skus(&skus)?;
    let mut e = Errors::new();
    for (i, sku) in skus.iter().enumerate() {
        if !known.iter().any(|p| p.sku == *sku) {
            e.missing(format!("lines/{i}/sku"), format!("no product has SKU {sku:?}"));
        }
    }
    e.finish(())?;
    Ok(numbered(lines))
}

fn new_id(now: i64) -> String {
    format!("tr_{}", ordo_domain::id::encode(now.max(0) as u64, random_u128()))
}

fn transfer_error(e: PurchaseError) -> AppError {
    match e {
        PurchaseError::Transition(t) => AppError::InvalidTransition(t.to_string()),
        PurchaseError::MoreThanInTransit { line, in_transit } => AppError::Refused {
            code: "exceeds_in_transit",
            message: format!("line {line} has only {in_transit} units in transit"),
        },
        PurchaseError::NoSuchLine(l) => AppError::field("lines", format!("the transfer has no line {l}")),
        other => AppError::field("lines", other.to_string()),
    }
}

fn load(tx: &mut dyn Tx, id: &str) -> AppResult<Transfer> {
    Transfer::from_record(&tx.transfer(id)?.ok_or(AppError::NotFound("transfer"))?)
}

/// Saves a changed transfer with a new version and what it still brings as incoming stock.
fn save(tx: &mut dyn Tx, now: i64, t: &mut Transfer) -> AppResult<()> {
    t.version += 1;
    t.updated_at = now;
    tx.put_transfer(&t.to_record()?)?;
    tx.replace_incoming(&t.id, &t.incoming())?;
    Ok(())
}

/// A change of the source's `in_transit` bucket for one line.
fn in_transit_change(t: &Transfer, now: i64, actor: &str, l: (u32, &str), delta: i64, reason: String) -> BucketChange {
    BucketChange {
        at: now,
        location_id: t.from_location_id.clone(),
        location: t.from_location.clone(),
        sku: l.1.to_owned(),
        bucket: IN_TRANSIT.to_owned(),
        delta,
        reason,
        actor: Some(actor.to_owned()),
        order_id: None,
        reference: Some(t.line_ref(l.0)),
        note: t.note.clone(),
    }
}

fn change_in_transit(tx: &mut dyn Tx, change: &BucketChange) -> AppResult<()> {
    match tx.change_bucket(change)? {
        Ok(_) => Ok(()),
        Err(current) => Err(AppError::Internal(format!(
            "the in_transit bucket of {} at {} holds {current}, not the {} a transfer moves",
            change.sku, change.location, -change.delta
        ))),
    }
}

/// Takes every line's units out of the source's stock into its `in_transit` bucket, noting
/// the source's average cost on each line; refused whole when any line has too little
/// available.
fn ship(tx: &mut dyn Tx, now: i64, actor: &str, t: &mut Transfer) -> AppResult<()> {
    let from = ordo_domain::id::LocationId::from_trusted(t.from_location_id.clone());
    // Levels first, in SKU order, then buckets: the order every use case changes stock rows in.
    let mut order: Vec<usize> = (0..t.lines.len()).collect();
    order.sort_by(|a, b| t.lines[*a].sku.cmp(&t.lines[*b].sku));
    for &i in &order {
        let (line, sku, quantity) = (t.lines[i].line, t.lines[i].sku.clone(), t.lines[i].quantity);
        let change = LevelChange {
            at: now,
            location_id: from.clone(),
            location: t.from_location.clone(),
            sku: sku.clone(),
            on_hand_delta: -quantity,
            reserved_delta: 0,
            reason: Reason::TransferOut,
            actor: Some(actor.to_owned()),
            order_id: None,
            note: Some(format!("to {}", t.to_location)),
            reference: Some(t.line_ref(line)),
        };
        let m = match tx.change_level(&change)? {
            Ok(m) => m,
            Err(level) => {
                return Err(AppError::Refused {
                    code: "insufficient_stock",
                    message: format!(
                        "line {line}: {} has {} of {sku} available, the transfer takes {quantity}",
                        t.from_location,
                        level.available()
                    ),
                });
            }
        };
        let cost = tx.cost(&sku, &t.from_location_id)?;
        let l = &mut t.lines[i];
        if let Some(c) = cost {
            let v = Valuation { units: c.units, value_minor: c.value.into() }.sync(m.on_hand_after + quantity);
            l.unit_cost_minor = v.unit_cost_minor();
            l.currency = l.unit_cost_minor.map(|_| c.currency.clone());
        }
        emit(tx, now, &sku, Event::inventory_adjusted(&m))?;
    }
    for &i in &order {
        let (line, sku, quantity) = (t.lines[i].line, t.lines[i].sku.clone(), t.lines[i].quantity);
        let change = in_transit_change(t, now, actor, (line, &sku), quantity, format!("shipped to {}", t.to_location));
        change_in_transit(tx, &change)?;
    }
    Ok(())
}

/// Saves a new draft from one location to another with `lines`, expected on `expected` (a day
/// number; default today).
pub(crate) fn draft(
    tx: &mut dyn Tx,
    now: i64,
    (source, destination): (&ordo_domain::catalog::Location, &ordo_domain::catalog::Location),
    expected: Option<i64>,
    note: Option<String>,
    lines: Vec<TransferLine>,
) -> AppResult<Transfer> {
    let t = Transfer {
        id: new_id(now),
        number: tx.next_transfer_number()?,
        from_location_id: source.id.to_string(),
        from_location: source.code.clone(),
        to_location_id: destination.id.to_string(),
        to_location: destination.code.clone(),
        expected_on: time_fmt::day(expected.unwrap_or(now.div_euclid(DAY_MS)) * DAY_MS),
        note,
        status: TransferStatus::Draft,
        lines,
        receipts: Vec::new(),
        loss_reason: None,
        shipped_at: None,
        closed_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    tx.put_transfer(&t.to_record()?)?;
    emit(tx, now, &t.id, Event::TransferCreated(t.reference()))?;
    Ok(t)
}

/// Lines of SKU and quantity, numbered from 1 (for drafts whose SKUs are known to exist).
pub(crate) fn numbered(lines: &[(String, i64)]) -> Vec<TransferLine> {
    lines
        .iter()
        .enumerate()
        .map(|(i, (sku, quantity))| TransferLine {
            line: i as u32 + 1,
            sku: sku.clone(),
            quantity: *quantity,
            received: 0,
            lost: 0,
            unit_cost_minor: None,
            currency: None,
        })
        .collect()
}

/// A step of a transfer that takes no input of its own.
#[derive(Debug, Clone, Copy)]
enum Step {
    Ship,
    Cancel,
}

impl App {
    /// Drafts a transfer between two locations.
    pub async fn create_transfer(
        &self,
        actor: &Actor,
        input: TransferInput,
        idem: Option<IdemCtx<Transfer>>,
    ) -> AppResult<Outcome<Transfer>> {
        require(actor, Action::WriteInventory)?;
        let mut e = Errors::new();
        let from = e.text("from_location", input.from_location.as_deref(), 32);
        let to = e.text("to_location", input.to_location.as_deref(), 32);
        if from.is_some() && from == to {
            e.add("to_location", "must be another location than from_location");
        }
        let expected = input.expected_on.as_deref().and_then(|d| check_day(&mut e, "expected_on", d));
        let note = e.optional_text("note", input.note.as_deref(), 500);
        let lines = check_lines(&mut e, input.lines.as_deref());
        e.finish(())?;
        let (from, to) = (from.expect("checked"), to.expect("checked"));
        self.write_idem(idem, move |tx, now| {
            let (source, destination) = (tx.location_by_code(&from)?, tx.location_by_code(&to)?);
            let mut e = Errors::new();
            if source.is_none() {
                e.missing("from_location", format!("no location has code {from:?}"));
            }
            if destination.is_none() {
                e.missing("to_location", format!("no location has code {to:?}"));
            }
            e.finish(())?;
            let (source, destination) = (source.expect("checked"), destination.expect("checked"));
            let lines = to_lines(tx, &lines)?;
            draft(tx, now, (&source, &destination), expected, note.clone(), lines)
        })
        .await
    }

    /// Transfers newest first, filtered by status, source and destination.
    pub async fn list_transfers(
        &self,
        actor: &Actor,
        page: Page<String>,
        q: TransferQuery,
    ) -> AppResult<Vec<Transfer>> {
        require(actor, Action::ReadInventory)?;
        let mut e = Errors::new();
        let status: Option<TransferStatus> = e.optional_choice("status", q.status.as_deref());
        let _ = e.optional_text("from_location", q.from_location.as_deref(), 32);
        let _ = e.optional_text("to_location", q.to_location.as_deref(), 32);
        e.finish(())?;
        self.store
            .read(move |tx| {
                let mut ids = [None, None];
                for (id, code) in ids.iter_mut().zip([&q.from_location, &q.to_location]) {
                    if let Some(code) = code {
                        match tx.location_by_code(code)? {
                            Some(l) => *id = Some(l.id.to_string()),
                            // No such location sends or receives no transfer.
                            None => return Ok(Vec::new()),
                        }
                    }
                }
                let [from_location_id, to_location_id] = ids;
                let filter =
                    TransferFilter { status: status.map(|s| s.as_str().to_owned()), from_location_id, to_location_id };
                tx.list_transfers(&page, &filter)?.iter().map(Transfer::from_record).collect()
            })
            .await
    }

    pub async fn get_transfer(&self, actor: &Actor, id: &str) -> AppResult<Transfer> {
        require(actor, Action::ReadInventory)?;
        let id = id.to_owned();
        self.store.read(move |tx| load(tx, &id)).await
    }

    /// Changes a transfer's expected date or note (until it is received or cancelled), or
    /// replaces a draft's lines. A change that changes nothing keeps the version.
    pub async fn update_transfer(
        &self,
        actor: &Actor,
        id: &str,
        patch: TransferPatch,
        if_match: Option<i64>,
    ) -> AppResult<Transfer> {
        require(actor, Action::WriteInventory)?;
        let mut e = Errors::new();
        let expected = patch.expected_on.as_deref().and_then(|d| check_day(&mut e, "expected_on", d));
        let note = patch.note.as_deref().map(|n| e.optional_text("note", Some(n), 500));
        let lines = patch.lines.as_deref().map(|ls| check_lines(&mut e, Some(ls)));
        e.finish(())?;
        let (expected_version, id, now) = (if_match.or(patch.version), id.to_owned(), self.now());
        self.store
            .write(move |tx| {
                let current = load(tx, &id)?;
                check_version(expected_version, current.version)?;
                let mut t = current.clone();
                if matches!(t.status, TransferStatus::Received | TransferStatus::Cancelled) {
                    return Err(AppError::InvalidTransition(format!("a {} transfer cannot be changed", t.status)));
                }
                if let Some(lines) = &lines {
                    if t.status != TransferStatus::Draft {
                        return Err(AppError::InvalidTransition("only a draft transfer's lines can be changed".into()));
                    }
                    t.lines = to_lines(tx, lines)?;
                }
                if let Some(day) = expected {
                    t.expected_on = time_fmt::day(day * DAY_MS);
                }
                if let Some(n) = &note {
                    t.note = n.clone();
                }
                if t == current {
                    return Ok(t);
                }
                save(tx, now, &mut t)?;
                emit(tx, now, &t.id, Event::TransferUpdated(t.reference()))?;
                Ok::<_, AppError>(t)
            })
            .await
    }

    /// Ships a draft: every line's units leave the source's stock for its `in_transit`
    /// bucket, all or none.
    pub async fn ship_transfer(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
        idem: Option<IdemCtx<Transfer>>,
    ) -> AppResult<Outcome<Transfer>> {
        self.step_transfer(actor, id, if_match, idem, Step::Ship).await
    }

    /// Cancels a draft transfer; nothing has moved.
    pub async fn cancel_transfer(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
        idem: Option<IdemCtx<Transfer>>,
    ) -> AppResult<Outcome<Transfer>> {
        self.step_transfer(actor, id, if_match, idem, Step::Cancel).await
    }

    async fn step_transfer(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
        idem: Option<IdemCtx<Transfer>>,
        step: Step,
    ) -> AppResult<Outcome<Transfer>> {
        require(actor, Action::WriteInventory)?;
        let (id, actor_id) = (id.to_owned(), actor.key_id.clone());
        self.write_idem(idem, move |tx, now| {
            let mut t = load(tx, &id)?;
            check_version(if_match, t.version)?;
            let to = match step {
                Step::Ship => TransferStatus::Shipped,
                Step::Cancel => TransferStatus::Cancelled,
            };
            t.status = t.status.become_(to).map_err(|e| transfer_error(e.into()))?;
            match step {
                Step::Ship => {
                    ship(tx, now, &actor_id, &mut t)?;
                    t.shipped_at = Some(now);
                }
                Step::Cancel => t.closed_at = Some(now),
            }
            save(tx, now, &mut t)?;
            let event = match step {
                Step::Ship => Event::TransferShipped(t.reference()),
                Step::Cancel => Event::TransferCancelled(t.reference()),
            };
            emit(tx, now, &t.id, event)?;
            Ok(t)
        })
        .await
    }

    /// Receives units of a shipped transfer at the destination: each line's units leave the
    /// source's `in_transit` bucket and go on hand at the destination (reason `transfer_in`),
    /// valued at the source's average cost. No line may receive more than is in transit;
    /// nothing changes when any line is refused.
    pub async fn receive_transfer(
        &self,
        actor: &Actor,
        id: &str,
        input: ReceiptInput,
        idem: Option<IdemCtx<Transfer>>,
    ) -> AppResult<Outcome<Transfer>> {
        require(actor, Action::WriteInventory)?;
        let (receipt, note) = check_receipt_input(&input)?;
        let (id, actor_id) = (id.to_owned(), actor.key_id.clone());
        self.write_idem(idem, move |tx, now| {
            let mut t = load(tx, &id)?;
            let (status, arrived) = transfer::receive(t.status, &mut t.lines, &receipt).map_err(transfer_error)?;
            t.status = status;
            if status == TransferStatus::Received {
                t.closed_at = Some(now);
            }
            let to = ordo_domain::id::LocationId::from_trusted(t.to_location_id.clone());
            let mut entries = Vec::with_capacity(arrived.len());
            for (line, sku, quantity) in &arrived {
                let change = LevelChange {
                    at: now,
                    location_id: to.clone(),
                    location: t.to_location.clone(),
                    sku: sku.clone(),
                    on_hand_delta: *quantity,
                    reserved_delta: 0,
                    reason: Reason::TransferIn,
                    actor: Some(actor_id.clone()),
                    order_id: None,
                    note: note.clone().or_else(|| Some(format!("from {}", t.from_location))),
                    reference: Some(t.line_ref(*line)),
                };
                let m = tx.change_level(&change)?.map_err(|_| AppError::Internal("adding stock was refused".into()))?;
                let l = t.lines.iter().find(|l| l.line == *line).expect("received lines exist");
                let cost = l.unit_cost_minor.zip(l.currency.as_deref().and_then(Currency::from_code));
                let valued =
                    value_arrival(tx, now, &t.to_location_id, m.on_hand_after - quantity, (sku, *quantity), cost)?;
                emit(tx, now, sku, Event::inventory_adjusted(&m))?;
                entries.push(ReceiptEntry {
                    line: *line,
                    sku: sku.clone(),
                    quantity: *quantity,
                    over: 0,
                    movement_seq: m.seq,
                    valued,
                });
            }
            for (line, sku, quantity) in &arrived {
                let reason = format!("received at {}", t.to_location);
                change_in_transit(tx, &in_transit_change(&t, now, &actor_id, (*line, sku), -quantity, reason))?;
            }
            let number = t.receipts.len() as u32 + 1;
            t.receipts.push(Receipt { number, at: now, actor: actor_id.clone(), note: note.clone(), lines: entries });
            save(tx, now, &mut t)?;
            let r = t.reference();
            let lines = arrived.into_iter().map(|(line, sku, quantity)| LineUnits { line, sku, quantity }).collect();
            let received = TransferReceived {
                id: r.id,
                number: r.number,
                from_location: r.from_location,
                to_location: r.to_location,
                status: r.status,
                receipt: number,
                lines,
            };
            emit(tx, now, &t.id, Event::TransferReceived(received))?;
            Ok(t)
        })
        .await
    }

    /// Closes a shipped transfer: what is still in transit never arrives and is written off
    /// from the source's `in_transit` bucket as lost or damaged, line by line.
    pub async fn close_transfer(
        &self,
        actor: &Actor,
        id: &str,
        input: TransferCloseInput,
        if_match: Option<i64>,
        idem: Option<IdemCtx<Transfer>>,
    ) -> AppResult<Outcome<Transfer>> {
        require(actor, Action::WriteInventory)?;
        let mut e = Errors::new();
        let reason: Option<LossReason> = e.optional_choice("reason", input.reason.as_deref());
        let note = e.optional_text("note", input.note.as_deref(), 500);
        e.finish(())?;
        let reason = reason.unwrap_or(LossReason::Lost);
        let (id, actor_id) = (id.to_owned(), actor.key_id.clone());
        self.write_idem(idem, move |tx, now| {
            let mut t = load(tx, &id)?;
            check_version(if_match, t.version)?;
            let (status, lost) = transfer::close(t.status, &mut t.lines).map_err(transfer_error)?;
            t.status = status;
            t.closed_at = Some(now);
            if !lost.is_empty() {
                t.loss_reason = Some(reason);
            }
            if let Some(n) = &note {
                t.note = Some(n.clone());
            }
            let mut units = Vec::with_capacity(lost.len());
            for (line, quantity) in lost {
                let sku = t.lines.iter().find(|l| l.line == line).map(|l| l.sku.clone()).unwrap_or_default();
                let change = in_transit_change(&t, now, &actor_id, (line, &sku), -quantity, reason.as_str().to_owned());
                change_in_transit(tx, &change)?;
                units.push(LineUnits { line, sku, quantity });
            }
            save(tx, now, &mut t)?;
            let r = t.reference();
            let closed = TransferClosed {
                id: r.id,
                number: r.number,
                from_location: r.from_location,
                to_location: r.to_location,
                status: r.status,
                reason: reason.as_str().into(),
                lost: units,
            };
            emit(tx, now, &t.id, Event::TransferClosed(closed))?;
            Ok(t)
        })
        .await
    }
}
