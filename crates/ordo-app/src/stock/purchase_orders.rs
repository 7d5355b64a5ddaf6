//! Purchase orders: stock bought from a supplier for one location. A draft's lines (SKU,
//! quantity, unit cost) may change until it is sent; once sent, what is still to come counts
//! as incoming stock at its expected date (availability by date reads it), and receipts put
//! units on hand in parts, each line's units with a ledger entry (reason `received`, reference
//! `po_...:LINE`) and into the moving average cost of the SKU at the location. A partly
//! received order may be closed (what never came is recorded as short); a draft or sent one
//! may be cancelled.

use ordo_domain::Currency;
use ordo_domain::purchasing::{self, PurchaseError, PurchaseLine};
use ordo_domain::status::Lifecycle;
use ordo_domain::validate::Errors;
use ordo_store::{IncomingRecord, Page, PurchaseOrderFilter, PurchaseOrderRecord, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::events::payloads::{PurchaseOrderClosed, PurchaseOrderRef, ShortUnits};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{check_version, require};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{MoneyInput, check_money};
use crate::kernel::time_fmt;
use crate::stock::suppliers::{Supplier, SupplierStatus};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

pub use ordo_domain::purchasing::PurchaseOrderStatus;

/// The most lines a purchase order may have.
pub const MAX_LINES: usize = 500;

const DAY_MS: i64 = 86_400_000;

/// A purchase order with its lines and receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub id: String,
    /// Sequential and unique, for people (`PO-1042`).
    pub number: i64,
    pub supplier_id: String,
    pub supplier_code: String,
    pub location_id: String,
    /// The destination location's code.
    pub location: String,
    /// The currency of the unit costs (ISO 4217).
    pub currency: String,
    /// The day the goods are expected (`YYYY-MM-DD`).
    pub expected_on: String,
    pub note: Option<String>,
    pub status: PurchaseOrderStatus,
    pub lines: Vec<PurchaseLine>,
    pub receipts: Vec<Receipt>,
    pub sent_at: Option<i64>,
    /// When it became received or cancelled.
    pub closed_at: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Goods arriving against a purchase order, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// 1-based within the order.
    pub number: u32,
    pub at: i64,
    pub actor: String,
    pub note: Option<String>,
    pub lines: Vec<ReceiptEntry>,
}

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptEntry {
    pub line: u32,
    pub sku: String,
    /// Units put on hand.
    pub quantity: i64,
    /// Of them, units beyond what the line still expected.
    pub over: i64,
    /// The ledger entry that put them on hand.
    pub movement_seq: i64,
    /// False when the units could not be valued at their cost (the location's cost is kept in
    /// another currency and there is no exchange rate for the day): they count at the average.
    pub valued: bool,
}

impl PurchaseOrder {
    /// The order's value at cost: every line's quantity times its unit cost.
    pub fn total_minor(&self) -> i128 {
        self.lines.iter().map(|l| l.quantity as i128 * l.unit_cost_minor as i128).sum()
    }

    /// The value at cost of what has arrived.
    pub fn received_minor(&self) -> i128 {
        self.lines.iter().map(|l| l.received as i128 * l.unit_cost_minor as i128).sum()
    }

    fn to_record(&self) -> AppResult<PurchaseOrderRecord> {
        Ok(PurchaseOrderRecord {
            id: self.id.clone(),
            number: self.number,
            supplier_id: self.supplier_id.clone(),
            location_id: self.location_id.clone(),
            status: self.status.as_str().into(),
            expected_on: Some(self.expected_on.clone()),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            body: serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    fn from_record(r: &PurchaseOrderRecord) -> AppResult<PurchaseOrder> {
        serde_json::from_str(&r.body)
            .map_err(|e| AppError::Internal(format!("a stored purchase order is unreadable: {e}")))
    }

    pub(crate) fn reference(&self) -> PurchaseOrderRef {
        PurchaseOrderRef {
            id: self.id.clone(),
            number: self.number,
            supplier_id: self.supplier_id.clone(),
            location: self.location.clone(),
            status: self.status.as_str().into(),
        }
    }

    /// What is still to come, line by line, as incoming stock (none once it is not open).
    fn incoming(&self) -> Vec<IncomingRecord> {
        if !self.status.is_open() {
            return Vec::new();
        }
        self.lines
            .iter()
            .filter(|l| l.open() > 0)
            .map(|l| IncomingRecord {
                origin: self.id.clone(),
                line: l.line.into(),
                sku: l.sku.clone(),
                location_id: self.location_id.clone(),
                expected_on: self.expected_on.clone(),
                quantity: l.open(),
            })
            .collect()
    }
}

/// One line of a new or changed draft.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseLineInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
    #[schema(required = true, minimum = 1, maximum = 1000000, example = 48)]
    pub quantity: Option<i64>,
    /// The cost of one unit, in the purchase order's currency (zero for free goods).
    #[schema(required = true)]
    pub unit_cost: Option<MoneyInput>,
}

/// A new purchase order, a draft until it is sent.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderInput {
    /// The supplier's id; it must be active.
    #[schema(required = true, pattern = r"^sup_[0-9A-HJKMNP-TV-Z]{26}$")]
    pub supplier_id: Option<String>,
    /// The code of the location the goods go to.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 32,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub location: Option<String>,
    /// The currency of the unit costs (default: the supplier's).
    #[schema(value_type = Option<crate::kernel::schema::CurrencyCode>)]
    pub currency: Option<String>,
    /// The day the goods are expected, `YYYY-MM-DD` (default: today plus the supplier's lead
    /// time).
    #[schema(format = Date, example = "2026-12-20")]
    pub expected_on: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    /// 1 to 500 lines, each SKU once.
    #[schema(required = true, min_items = 1, max_items = 500)]
    pub lines: Option<Vec<PurchaseLineInput>>,
}

/// Changes to a purchase order. `lines` replaces all lines and only while it is a draft;
/// `expected_on` and `note` may change until it is received or cancelled.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderPatch {
    #[schema(format = Date, example = "2026-12-22")]
    pub expected_on: Option<String>,
    /// An empty note clears it.
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    #[schema(min_items = 1, max_items = 500)]
    pub lines: Option<Vec<PurchaseLineInput>>,
    /// The version the change is based on (or `If-Match`).
    pub version: Option<i64>,
}

/// Filters of the purchase order list.
#[derive(Debug, Clone, Default)]
pub struct PurchaseOrderQuery {
    pub status: Option<String>,
    pub supplier_id: Option<String>,
    pub location: Option<String>,
}

/// A day as `YYYY-MM-DD`, checked; its Unix day number (negative before 1970).
pub(crate) fn check_day(e: &mut Errors, field: &str, value: &str) -> Option<i64> {
    match (value.len() == 10).then(|| time_fmt::parse_rfc3339(&format!("{value}T00:00:00Z"))).flatten() {
        Some(ms) => Some(ms.div_euclid(DAY_MS)),
        None => {
            e.add(field, "must be a date, YYYY-MM-DD");
            None
        }
    }
}

/// Checked lines of a draft: the SKU's text, quantity and unit cost in `currency`.
fn check_lines(
    e: &mut Errors,
    lines: Option<&[PurchaseLineInput]>,
    currency: Option<Currency>,
) -> Vec<(String, i64, i64)> {
    let Some(lines) = lines else {
        e.add("lines", "is required");
        return Vec::new();
    };
    if lines.is_empty() || lines.len() > MAX_LINES {
        e.add("lines", format!("must have 1 to {MAX_LINES} lines"));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let at = |f: &str| format!("lines/{i}/{f}");
        let sku = e.text(&at("sku"), l.sku.as_deref(), 64);
        let quantity = e.quantity(&at("quantity"), l.quantity, 1);
        let cost = match &l.unit_cost {
            None => {
                e.add(at("unit_cost"), "is required");
                None
            }
            Some(m) => check_cost(e, &at("unit_cost"), m, currency),
        };
        if let Some(s) = &sku
            && let Some(j) = out.iter().position(|(o, _, _): &(String, i64, i64)| o == s)
        {
            e.add(at("sku"), format!("is already on line {}", j + 1));
        }
        if let (Some(s), Some(q), Some(c)) = (sku, quantity, cost) {
            out.push((s, q, c));
        } else {
            // Keeps positions aligned for the duplicate check.
            out.push((String::new(), 0, 0));
        }
    }
    out
}

/// A unit cost in the order's currency (once that is known).
fn check_cost(e: &mut Errors, field: &str, m: &MoneyInput, currency: Option<Currency>) -> Option<i64> {
    let money = check_money(e, field, m, currency)?;
    if let Some(c) = currency
        && money.currency() != c
    {
        return None;
    }
    Some(money.minor())
}

/// A currency code as stored (checked when it was written).
pub(crate) fn stored_currency(code: &str) -> AppResult<Currency> {
    Currency::from_code(code).ok_or_else(|| AppError::Internal(format!("a stored currency {code:?} is unknown")))
}

fn new_id(now: i64) -> String {
    format!("po_{}", ordo_domain::id::encode(now.max(0) as u64, random_u128()))
}

pub(crate) fn purchase_error(e: PurchaseError) -> AppError {
    match e {
        PurchaseError::Transition(t) => AppError::InvalidTransition(t.to_string()),
        PurchaseError::NoSuchLine(l) => AppError::field("lines", format!("the purchase order has no line {l}")),
        other => AppError::field("lines", other.to_string()),
    }
}

/// The products of `skus` that do not exist, as field errors.
fn require_products(tx: &mut dyn Tx, lines: &[(String, i64, i64)]) -> AppResult<()> {
    let skus: Vec<&str> = lines.iter().map(|(sku, _, _)| sku.as_str()).collect();
    let known = tx.products_by_skus(&skus)?;
    let mut e = Errors::new();
    for (i, sku) in skus.iter().enumerate() {
        if !known.iter().any(|p| p.sku == *sku) {
            e.missing(format!("lines/{i}/sku"), format!("no product has SKU {sku:?}"));
        }
    }
    Ok(e.finish(())?)
}

fn to_lines(lines: &[(String, i64, i64)]) -> Vec<PurchaseLine> {
    lines
        .iter()
        .enumerate()
        .map(|(i, (sku, quantity, cost))| PurchaseLine {
            line: i as u32 + 1,
            sku: sku.clone(),
            quantity: *quantity,
            unit_cost_minor: *cost,
            received: 0,
            short: 0,
        })
        .collect()
}

pub(crate) fn load(tx: &mut dyn Tx, id: &str) -> AppResult<PurchaseOrder> {
    PurchaseOrder::from_record(&tx.purchase_order(id)?.ok_or(AppError::NotFound("purchase order"))?)
}

/// Saves a changed order with a new version and what it still brings as incoming stock.
pub(crate) fn save(tx: &mut dyn Tx, now: i64, po: &mut PurchaseOrder) -> AppResult<()> {
    po.version += 1;
    po.updated_at = now;
    tx.put_purchase_order(&po.to_record()?)?;
    tx.replace_incoming(&po.id, &po.incoming())?;
    Ok(())
}

/// Saves a new draft for `supplier` to `loc` with checked `lines` (SKU, quantity, unit cost in
/// `currency`), expected on `expected` (a day number; default today plus the lead time).
#[allow(clippy::too_many_arguments)]
pub(crate) fn draft(
    tx: &mut dyn Tx,
    now: i64,
    supplier: &Supplier,
    loc: &ordo_domain::catalog::Location,
    currency: Currency,
    expected: Option<i64>,
    note: Option<String>,
    lines: &[(String, i64, i64)],
) -> AppResult<PurchaseOrder> {
    let expected_day = expected.unwrap_or(now.div_euclid(DAY_MS) + supplier.lead_time_days);
    let number = tx.next_purchase_order_number()?;
    let po = PurchaseOrder {
        id: new_id(now),
        number,
        supplier_id: supplier.id.clone(),
        supplier_code: supplier.code.clone(),
        location_id: loc.id.to_string(),
        location: loc.code.clone(),
        currency: currency.code().to_owned(),
        expected_on: time_fmt::day(expected_day * DAY_MS),
        note,
        status: PurchaseOrderStatus::Draft,
        lines: to_lines(lines),
        receipts: Vec::new(),
        sent_at: None,
        closed_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    tx.put_purchase_order(&po.to_record()?)?;
    emit(tx, now, &po.id, Event::PurchaseOrderCreated(po.reference()))?;
    Ok(po)
}

/// A step of a purchase order that takes no input of its own.
#[derive(Debug, Clone, Copy)]
enum Step {
    Send,
    Cancel,
}

impl App {
    /// Drafts a purchase order with its lines.
    pub async fn create_purchase_order(
        &self,
        actor: &Actor,
        input: PurchaseOrderInput,
        idem: Option<IdemCtx<PurchaseOrder>>,
    ) -> AppResult<Outcome<PurchaseOrder>> {
        require(actor, Action::Purchase)?;
        let mut e = Errors::new();
        let supplier_id = e.text("supplier_id", input.supplier_id.as_deref(), 40);
        let location = e.text("location", input.location.as_deref(), 32);
        let currency = crate::stock::suppliers::check_currency(&mut e, input.currency.as_deref())
            .and_then(|c| Currency::from_code(&c));
        let expected = input.expected_on.as_deref().and_then(|d| check_day(&mut e, "expected_on", d));
        let note = e.optional_text("note", input.note.as_deref(), 500);
        // Costs are checked for their form here and for the currency once the supplier's is known.
        let _ = check_lines(&mut e, input.lines.as_deref(), None);
        e.finish(())?;
        let (supplier_id, location) = (supplier_id.expect("checked"), location.expect("checked"));
        let lines_in = input.lines.clone().unwrap_or_default();
        self.write_idem(idem, move |tx, now| {
            let supplier = tx.supplier(&supplier_id)?;
            let loc = tx.location_by_code(&location)?;
            let mut e = Errors::new();
            if supplier.is_none() {
                e.missing("supplier_id", format!("no supplier has id {supplier_id:?}"));
            }
            if loc.is_none() {
                e.missing("location", format!("no location has code {location:?}"));
            }
            e.finish(())?;
            let supplier = Supplier::from_record(&supplier.expect("checked"))?;
            let loc = loc.expect("checked");
            if supplier.status != SupplierStatus::Active {
                let mut e = Errors::new();
                e.conflicting("supplier_id", "the supplier is archived and takes no new purchase orders");
                return Err(e.into());
            }
            let currency = match currency {
                Some(c) => c,
                None => stored_currency(&supplier.currency)?,
            };
            let mut e = Errors::new();
            let lines = check_lines(&mut e, Some(&lines_in), Some(currency));
            e.finish(())?;
            require_products(tx, &lines)?;
            draft(tx, now, &supplier, &loc, currency, expected, note.clone(), &lines)
        })
        .await
    }

    /// Purchase orders newest first, filtered by status, supplier and location.
    pub async fn list_purchase_orders(
        &self,
        actor: &Actor,
        page: Page<String>,
        q: PurchaseOrderQuery,
    ) -> AppResult<Vec<PurchaseOrder>> {
        require(actor, Action::ReadInventory)?;
        let mut e = Errors::new();
        let status: Option<PurchaseOrderStatus> = e.optional_choice("status", q.status.as_deref());
        // A filter longer than any value it could match is refused.
        let _ = e.optional_text("supplier_id", q.supplier_id.as_deref(), 40);
        let _ = e.optional_text("location", q.location.as_deref(), 32);
        e.finish(())?;
        self.store
            .read(move |tx| {
                let location_id = match &q.location {
                    None => None,
                    Some(code) => match tx.location_by_code(code)? {
                        Some(l) => Some(l.id.to_string()),
                        // No such location holds no purchase order.
                        None => return Ok(Vec::new()),
                    },
                };
                let filter = PurchaseOrderFilter {
                    status: status.map(|s| s.as_str().to_owned()),
                    supplier_id: q.supplier_id.clone(),
                    location_id,
                };
                tx.list_purchase_orders(&page, &filter)?.iter().map(PurchaseOrder::from_record).collect()
            })
            .await
    }

    pub async fn get_purchase_order(&self, actor: &Actor, id: &str) -> AppResult<PurchaseOrder> {
        require(actor, Action::ReadInventory)?;
        let id = id.to_owned();
        self.store.read(move |tx| load(tx, &id)).await
    }

    /// Changes a purchase order's expected date or note (until it is received or cancelled),
    /// or replaces a draft's lines. A change that changes nothing keeps the version.
    pub async fn update_purchase_order(
        &self,
        actor: &Actor,
        id: &str,
        patch: PurchaseOrderPatch,
        if_match: Option<i64>,
    ) -> AppResult<PurchaseOrder> {
        require(actor, Action::Purchase)?;
        let mut e = Errors::new();
        let expected = patch.expected_on.as_deref().and_then(|d| check_day(&mut e, "expected_on", d));
        let note = patch.note.as_deref().map(|n| e.optional_text("note", Some(n), 500));
        if let Some(lines) = &patch.lines {
            let _ = check_lines(&mut e, Some(lines), None);
        }
        e.finish(())?;
        let (expected_version, id, now) = (if_match.or(patch.version), id.to_owned(), self.now());
        self.store
            .write(move |tx| {
                let current = load(tx, &id)?;
                check_version(expected_version, current.version)?;
                let mut po = current.clone();
                if matches!(po.status, PurchaseOrderStatus::Received | PurchaseOrderStatus::Cancelled) {
                    return Err(AppError::InvalidTransition(format!(
                        "a {} purchase order cannot be changed",
                        po.status.as_str()
                    )));
                }
                if let Some(lines) = &patch.lines {
                    if !po.status.lines_editable() {
                        return Err(AppError::InvalidTransition(
                            "only a draft purchase order's lines can be changed".into(),
                        ));
                    }
                    let mut e = Errors::new();
                    let currency = Currency::from_code(&po.currency);
                    let lines = check_lines(&mut e, Some(lines), currency);
                    e.finish(())?;
                    require_products(tx, &lines)?;
                    po.lines = to_lines(&lines);
                }
                if let Some(day) = expected {
                    po.expected_on = time_fmt::day(day * DAY_MS);
                }
                if let Some(n) = &note {
                    po.note = n.clone();
                }
                if po == current {
                    return Ok(po);
                }
                save(tx, now, &mut po)?;
                emit(tx, now, &po.id, Event::PurchaseOrderUpdated(po.reference()))?;
                Ok::<_, AppError>(po)
            })
            .await
    }

    /// Sends a draft to the supplier: from now on its lines count as incoming stock.
    pub async fn send_purchase_order(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
        idem: Option<IdemCtx<PurchaseOrder>>,
    ) -> AppResult<Outcome<PurchaseOrder>> {
        self.step_purchase_order(actor, id, if_match, idem, Step::Send).await
    }

    /// Cancels a draft or a sent order with nothing received: nothing more is expected.
    pub async fn cancel_purchase_order(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
        idem: Option<IdemCtx<PurchaseOrder>>,
    ) -> AppResult<Outcome<PurchaseOrder>> {
        self.step_purchase_order(actor, id, if_match, idem, Step::Cancel).await
    }

    async fn step_purchase_order(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
        idem: Option<IdemCtx<PurchaseOrder>>,
        step: Step,
    ) -> AppResult<Outcome<PurchaseOrder>> {
        require(actor, Action::Purchase)?;
        let id = id.to_owned();
        self.write_idem(idem, move |tx, now| {
            let mut po = load(tx, &id)?;
            check_version(if_match, po.version)?;
            let to = match step {
                Step::Send => PurchaseOrderStatus::Sent,
                Step::Cancel => PurchaseOrderStatus::Cancelled,
            };
            po.status = po.status.become_(to).map_err(|t| purchase_error(t.into()))?;
            match step {
                Step::Send => po.sent_at = Some(now),
                Step::Cancel => po.closed_at = Some(now),
            }
            save(tx, now, &mut po)?;
            let event = match step {
                Step::Send => Event::PurchaseOrderSent(po.reference()),
                Step::Cancel => Event::PurchaseOrderCancelled(po.reference()),
            };
            emit(tx, now, &po.id, event)?;
            Ok(po)
        })
        .await
    }

    /// Closes a partly received order: what is still open will not come (recorded as short).
    pub async fn close_purchase_order(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
        idem: Option<IdemCtx<PurchaseOrder>>,
    ) -> AppResult<Outcome<PurchaseOrder>> {
        require(actor, Action::Purchase)?;
        let id = id.to_owned();
        self.write_idem(idem, move |tx, now| {
            let mut po = load(tx, &id)?;
            check_version(if_match, po.version)?;
            let (status, short) = purchasing::close(po.status, &mut po.lines).map_err(purchase_error)?;
            po.status = status;
            po.closed_at = Some(now);
            save(tx, now, &mut po)?;
            let short = short
                .into_iter()
                .map(|(line, quantity)| {
                    let sku = po.lines.iter().find(|l| l.line == line).map(|l| l.sku.clone()).unwrap_or_default();
                    ShortUnits { line, sku, quantity }
                })
                .collect();
            let r = po.reference();
            let closed = PurchaseOrderClosed {
                id: r.id,
                number: r.number,
                supplier_id: r.supplier_id,
                location: r.location,
                status: r.status,
                short,
            };
            emit(tx, now, &po.id, Event::PurchaseOrderClosed(closed))?;
            Ok(po)
        })
        .await
    }
}
