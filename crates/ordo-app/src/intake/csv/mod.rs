//! Import files: orders, products, stock and customers from CSV (RFC 4180, a header row naming
//! the columns), from the CLI (`ordo import`) and the API (`POST /v1/imports`, a job). The rows
//! are read into units (`rows.rs`: an order is every row sharing its order number and
//! channel), each unit is checked as the API would check it, and the units are applied in
//! batches of one transaction each. By default each unit stands alone: a bad row is reported
//! with its line, column and reason and the rest go in. `all_or_nothing` applies every unit in
//! one transaction, or none if any row is bad; `dry_run` checks everything and writes nothing.
//!
//! Invariants: an order number is imported once per channel (a file imported again skips the
//! orders it brought before), so a retried import never doubles an order; a product's SKU
//! updates the product it names; stock changes go through the same guarded level change as
//! an adjustment, so an import can never take a level below zero.

pub mod jobs;
pub mod rows;

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ordo_domain::inventory::Reason;
use ordo_store::Tx;
use serde::{Deserialize, Serialize};

use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::sales::orders::CheckedOrder;
use crate::stock::inventory::CheckedChange;
use crate::{Action, Actor, App, AppError, AppResult};
use rows::{Gathered, Row, Unit};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Orders,
    Products,
    Inventory,
    Customers,
}

impl ImportKind {
    pub fn parse(s: &str) -> Option<ImportKind> {
        Some(match s {
            "orders" => ImportKind::Orders,
            "products" => ImportKind::Products,
            "inventory" => ImportKind::Inventory,
            "customers" => ImportKind::Customers,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Orders => "orders",
            ImportKind::Products => "products",
            ImportKind::Inventory => "inventory",
            ImportKind::Customers => "customers",
        }
    }

    /// What a key needs to import this kind.
    pub(crate) fn action(self) -> Action {
        match self {
            ImportKind::Orders => Action::WriteOrders,
            ImportKind::Products => Action::WriteCatalog,
            ImportKind::Inventory => Action::WriteInventory,
            ImportKind::Customers => Action::WriteCustomers,
        }
    }
}

impl std::fmt::Display for ImportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    pub kind: ImportKind,
    pub dry_run: bool,
    pub all_or_nothing: bool,
}

/// A row that did not go in: its line in the file (the header is line 1), the column, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

/// The most row errors a report lists; `failed_rows` counts them all.
pub const MAX_ERRORS: usize = 1000;

/// Units per write transaction.
const BATCH: usize = 500;

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Data rows in the file.
    pub rows: u64,
    /// Orders, products or customers created, stock changes made.
    pub created: u64,
    /// Products or customers changed.
    pub updated: u64,
    /// Orders imported before (by order number and channel), products and customers the file
    /// leaves as they are.
    pub skipped: u64,
    /// Rows that did not go in.
    pub failed_rows: u64,
    /// The first [`MAX_ERRORS`] of them, by line.
    pub errors: Vec<RowError>,
    /// Whether anything was written (false for a dry run, and for an all-or-nothing import with
    /// a bad row).
    pub applied: bool,
}

impl ImportReport {
    /// Records rows that did not go in: every line `errors` name, or `rows` of them when
    /// given (a unit of several rows whose error names one).
    fn fail(&mut self, mut errors: Vec<RowError>) {
        let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        lines.sort_unstable();
        lines.dedup();
        self.failed_rows += lines.len() as u64;
        self.keep(&mut errors);
    }

    fn fail_unit(&mut self, unit: &Unit, mut errors: Vec<RowError>) {
        self.failed_rows += unit.rows();
        self.keep(&mut errors);
    }

    fn keep(&mut self, errors: &mut Vec<RowError>) {
        let room = MAX_ERRORS.saturating_sub(self.errors.len());
        errors.truncate(room);
        self.errors.append(errors);
    }
}

/// How far an import is, for a progress bar or a job's answer.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_read: AtomicU64,
    pub rows_read: AtomicU64,
    /// Rows checked and applied (or refused).
    pub rows_done: AtomicU64,
}

/// Counts the bytes a reader gives.
struct Counting<R> {
    inner: R,
    progress: Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads a whole file into units; the rows that could not be read; the number of data rows.
fn read_units(kind: ImportKind, input: impl Read, progress: &Arc<Progress>) -> (Vec<Unit>, Vec<RowError>, u64) {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_reader(Counting { inner: input, progress: progress.clone() });
    let header = match reader.headers() {
        Ok(names) => rows::header(kind, names),
        Err(e) => Err(RowError { line: 1, column: None, reason: format!("the header cannot be read: {e}") }),
    };
    let header = match header {
        Ok(h) => h,
        Err(e) => return (Vec::new(), vec![e], 0),
    };
    let width = header.len();
    let (mut gathered, mut errors, mut firsts, mut count) = (Gathered::default(), Vec::new(), HashMap::new(), 0u64);
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                count += 1;
                progress.rows_read.fetch_add(1, Ordering::Relaxed);
                let line = record.position().map_or(line, |p| p.line());
                if record.len() > width {
                    errors.push(RowError {
                        line,
                        column: None,
                        reason: format!("has {} fields; the header names {width}", record.len()),
                    });
                    continue;
                }
                if let Err(e) = gathered.add(kind, &Row::new(line, &header, &record), &mut firsts) {
                    errors.push(e);
                }
            }
            Err(e) => {
                count += 1;
                let line = e.position().map_or(line, |p| p.line());
                errors.push(RowError { line, column: None, reason: format!("cannot be read: {e}") });
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    let (units, more) = gathered.finish();
    errors.extend(more);
    (units, errors, count)
}

/// A unit checked as the API checks its request, ready to apply.
enum Checked {
    Order(Box<CheckedOrder>),
    /// The product, and which of its optional fields (weight, barcode, active) the row gives:
    /// an update keeps the others as they are.
    Product(Box<ordo_domain::catalog::Product>, [bool; 3]),
    Stock(CheckedChange, bool),
    Customer {
        email: String,
        name: Option<String>,
        phone: Option<String>,
    },
}

/// What applying a unit did.
enum Applied {
    Created,
    Updated,
    Skipped,
}

/// The errors an API error stands for, at the unit's lines and columns.
fn unit_errors(unit: &Unit, e: &AppError) -> Vec<RowError> {
    use AppError::*;
    let lines = unit.lines();
    let fields = match e {
        Validation(f) | Missing(f) | Conflicting(f) | CurrencyMismatch(f) | OrderCurrency(f) => Some(f),
        _ => None,
    };
    match fields {
        Some(f) => f
            .iter()
            .map(|f| {
                let (line, column) = match unit {
                    Unit::Order { .. } => rows::order_field(&f.field, &lines),
                    _ => (unit.first_line(), f.field.split('/').next().unwrap_or_default().to_owned()),
                };
                RowError { line, column: (!column.is_empty()).then_some(column), reason: f.message.clone() }
            })
            .collect(),
        None => {
            let reason = match e {
                InsufficientStock(short) => crate::intake::shortage_text(short),
                other => other.to_string(),
            };
            vec![RowError { line: unit.first_line(), column: None, reason }]
        }
    }
}

fn check_unit(actor: &Actor, unit: &Unit, now: i64) -> AppResult<Checked> {
    Ok(match unit {
        Unit::Order { input, .. } => Checked::Order(Box::new(crate::sales::orders::check_order(actor, input)?)),
        Unit::Product { input, .. } => {
            let given = [input.weight_grams.is_some(), input.barcode.is_some(), input.active.is_some()];
            Checked::Product(Box::new(crate::stock::catalog::check_new_product(input, now)?), given)
        }
        Unit::Stock { location, sku, delta, on_hand, reason, note, .. } => {
            let mut e = ordo_domain::validate::Errors::new();
            let reason = match (on_hand, Reason::parse(reason).filter(Reason::is_manual)) {
                (Some(_), _) => Some(Reason::Counted),
                (None, Some(r)) => Some(r),
                (None, None) => {
                    e.add("reason", "must be one of received, counted, damaged, correction, lost, found, returned");
                    None
                }
            };
            match (delta, on_hand) {
                (Some(0), _) => e.add("delta", "must not be zero"),
                (Some(d), _) if !(-1_000_000_000..=1_000_000_000).contains(d) => {
                    e.add("delta", "must be between -1000000000 and 1000000000")
                }
                (_, Some(n)) if !(0..=1_000_000_000).contains(n) => {
                    e.add("on_hand", "must be between 0 and 1000000000")
                }
                _ => {}
            }
            let location = e.text("location", Some(location), 32);
            let sku = e.text("sku", Some(sku), 64);
            let note = e.optional_text("note", note.as_deref(), 500);
            let (location, sku, reason) = e.finish((location, sku, reason))?;
            let change = CheckedChange {
                location: location.unwrap_or_default(),
                sku: sku.unwrap_or_default(),
                value: delta.or(*on_hand).unwrap_or_default(),
                reason: reason.unwrap_or(Reason::Received),
                note,
            };
            Checked::Stock(change, on_hand.is_some())
        }
        Unit::Customer { email, name, phone, .. } => {
            let mut e = ordo_domain::validate::Errors::new();
            let email = crate::kernel::input::check_email(&mut e, "email", Some(email.as_str()));
            let name = e.optional_text("name", name.as_deref(), 200);
            let phone = e.optional_text("phone", phone.as_deref(), 40);
            let email = e.finish(email)?;
            Checked::Customer { email: email.unwrap_or_default(), name, phone }
        }
    })
}

/// Applies one checked unit inside the caller's transaction.
fn apply_in_tx(
    tx: &mut dyn Tx,
    now: i64,
    actor: &Actor,
    today: &str,
    c: &Checked,
    cache: &mut crate::sales::orders::PrepareCache,
) -> AppResult<Applied> {
    match c {
        Checked::Order(o) => {
            if let Some(ext) = o.external_id()
                && tx.order_id_by_external_id(o.channel(), ext)?.is_some()
            {
                return Ok(Applied::Skipped);
            }
            let prepared = crate::sales::orders::prepare_cached(tx, today, o, cache)?;
            crate::sales::orders::place_new_in_tx(tx, now, &actor.key_id, o, &prepared)?;
            Ok(Applied::Created)
        }
        Checked::Product(p, [weight, barcode, active]) => match tx.product_by_sku(&p.sku)? {
            None => {
                let p = ordo_domain::catalog::Product { created_at: now, updated_at: now, ..(**p).clone() };
                tx.insert_product(&p)?;
                emit(tx, now, p.id.as_str(), Event::product_created(&p))?;
                Ok(Applied::Created)
            }
            Some(old) => {
                let new = ordo_domain::catalog::Product {
                    id: old.id.clone(),
                    created_at: old.created_at,
                    version: old.version + 1,
                    updated_at: now,
                    weight_grams: if *weight { p.weight_grams } else { old.weight_grams },
                    barcode: if *barcode { p.barcode.clone() } else { old.barcode.clone() },
                    active: if *active { p.active } else { old.active },
                    ..(**p).clone()
                };
                let same = (&old.name, old.price, &old.currency, old.weight_grams, &old.barcode, old.active)
                    == (&new.name, new.price, &new.currency, new.weight_grams, &new.barcode, new.active);
                if same {
                    return Ok(Applied::Skipped);
                }
                tx.update_product(&new)?;
                emit(tx, now, new.id.as_str(), Event::product_updated(&new))?;
                Ok(Applied::Updated)
            }
        },
        Checked::Stock(change, absolute) => {
            crate::stock::inventory::change_in_tx(tx, now, &actor.key_id, change, *absolute)?;
            Ok(Applied::Created)
        }
        Checked::Customer { email, name, phone } => {
            let before = tx.customer_by_email(email)?;
            let after = crate::sales::customers::upsert_by_email(tx, now, email, name.as_deref(), phone.as_deref())?;
            Ok(match before {
                None => Applied::Created,
                Some(b) if b == after => Applied::Skipped,
                Some(_) => Applied::Updated,
            })
        }
    }
}

/// Whether an error is the store's (stop the import) rather than the unit's.
fn is_store_error(e: &AppError) -> bool {
    matches!(e, AppError::Unavailable(_) | AppError::Internal(_))
}

impl App {
    /// Imports a file of `options.kind` as `actor`, reporting progress as it goes.
    pub async fn import_csv<R: Read + Send + 'static>(
        &self,
        actor: &Actor,
        options: ImportOptions,
        input: R,
        progress: Arc<Progress>,
    ) -> AppResult<ImportReport> {
        require(actor, options.kind.action())?;
        let reading = progress.clone();
        let (units, errors, rows) = tokio::task::spawn_blocking(move || read_units(options.kind, input, &reading))
            .await
            .map_err(|e| AppError::Internal(format!("the import reader stopped: {e}")))?;
        let mut report = ImportReport { rows, ..Default::default() };
        progress.rows_done.fetch_add(errors.len() as u64, Ordering::Relaxed);
        report.fail(errors);
        let now = self.now();
        if !options.dry_run && !options.all_or_nothing {
            // Row by row: the units are checked on another thread while the batches before
            // them are written.
            let (sender, mut checked) = tokio::sync::mpsc::channel::<Vec<(Unit, AppResult<Checked>)>>(2);
            let who = actor.clone();
            let checker = tokio::task::spawn_blocking(move || {
                let mut units = units.into_iter().peekable();
                while units.peek().is_some() {
                    let chunk = units.by_ref().take(BATCH).map(|u| {
                        let c = check_unit(&who, &u, now);
                        (u, c)
                    });
                    if sender.blocking_send(chunk.collect()).is_err() {
                        return;
                    }
                }
            });
            while let Some(chunk) = checked.recv().await {
                let (units, ready) = report.keep_checked(chunk, &progress);
                self.apply_batches(actor, &units, &Arc::new(ready), &mut report, &progress).await?;
            }
            checker.await.map_err(|e| AppError::Internal(format!("the import checker stopped: {e}")))?;
            report.errors.sort_by_key(|e| e.line);
            return Ok(report);
        }
        let checked = units.into_iter().map(|u| {
            let c = check_unit(actor, &u, now);
            (u, c)
        });
        let (units, checked) = report.keep_checked(checked, &progress);
        let checked = Arc::new(checked);
        let all_rows: u64 = units.iter().map(Unit::rows).sum();
        if options.dry_run || (options.all_or_nothing && report.failed_rows > 0) {
            for (i, outcome) in self.try_units(actor, checked).await?.into_iter().enumerate() {
                match outcome {
                    Ok(a) => report.count(a),
                    Err(e) => report.fail_unit(&units[i], unit_errors(&units[i], &e)),
                }
            }
            progress.rows_done.fetch_add(all_rows, Ordering::Relaxed);
            report.errors.sort_by_key(|e| e.line);
            if options.all_or_nothing && report.failed_rows > 0 {
                (report.created, report.updated, report.skipped) = (0, 0, 0);
            }
            return Ok(report);
        }
        match self.apply_range(actor, &checked, 0, checked.len()).await {
            Ok(outcomes) => {
                outcomes.into_iter().for_each(|a| report.count(a));
                report.applied = true;
            }
            Err(RangeError::Unit(i, e)) => report.fail_unit(&units[i], unit_errors(&units[i], &e)),
            Err(RangeError::Store(e)) => return Err(e),
        }
        progress.rows_done.fetch_add(all_rows, Ordering::Relaxed);
        report.errors.sort_by_key(|e| e.line);
        Ok(report)
    }

    /// Each unit's outcome when applied in turn over the current data, in one transaction that
    /// is then rolled back (a dry run).
    async fn try_units(&self, actor: &Actor, units: Arc<Vec<Checked>>) -> AppResult<Vec<AppResult<Applied>>> {
        let outcomes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (who, today, sink) = (actor.clone(), crate::kernel::time_fmt::day(self.now()), outcomes.clone());
        let clock = self.clock.clone();
        let rolled_back = self
            .store
            .write(move |tx| {
                let now = clock.now_ms();
                let mut cache = Default::default();
                let all: Vec<AppResult<Applied>> =
                    units.iter().map(|c| apply_in_tx(tx, now, &who, &today, c, &mut cache)).collect();
                *sink.lock().unwrap_or_else(|e| e.into_inner()) = all;
                Err::<(), _>(AppError::Conflict("a dry run writes nothing".into()))
            })
            .await;
        match rolled_back {
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
            Ok(()) => return Err(AppError::Internal("a dry run committed".into())),
        }
        let mut all = outcomes.lock().unwrap_or_else(|e| e.into_inner());
        Ok(std::mem::take(&mut *all))
    }

    /// Units in batches of one transaction each; a unit that fails is reported and left out,
    /// and the batch goes in without it.
    async fn apply_batches(
        &self,
        actor: &Actor,
        units: &[Unit],
        checked: &Arc<Vec<Checked>>,
        report: &mut ImportReport,
        progress: &Progress,
    ) -> AppResult<()> {
        let (mut start, mut pending) = (0usize, None::<(usize, AppError)>);
        while start < units.len() {
            let end = match &pending {
                Some((at, _)) => *at,
                None => (start + BATCH).min(units.len()),
            };
            if start == end {
                let (at, e) = pending.take().expect("a pending failure ends this range");
                report.fail_unit(&units[at], unit_errors(&units[at], &e));
                progress.rows_done.fetch_add(units[at].rows(), Ordering::Relaxed);
                start = at + 1;
                continue;
            }
            match self.apply_range(actor, checked, start, end).await {
                Ok(outcomes) => {
                    outcomes.into_iter().for_each(|a| report.count(a));
                    report.applied = true;
                    progress.rows_done.fetch_add(units[start..end].iter().map(Unit::rows).sum(), Ordering::Relaxed);
                    start = end;
                }
                // Apply what comes before the failing unit, then report it.
                Err(RangeError::Unit(i, e)) => pending = Some((i, e)),
                Err(RangeError::Store(e)) => return Err(e),
            }
        }
        Ok(())
    }

    /// Applies `units[start..end]` in one transaction; the index of the unit that failed.
    async fn apply_range(
        &self,
        actor: &Actor,
        units: &Arc<Vec<Checked>>,
        start: usize,
        end: usize,
    ) -> Result<Vec<Applied>, RangeError> {
        let failed = Arc::new(std::sync::Mutex::new(None::<usize>));
        let (who, today, at) = (actor.clone(), crate::kernel::time_fmt::day(self.now()), failed.clone());
        let (batch, clock) = (units.clone(), self.clock.clone());
        let written = self
            .store
            .write(move |tx| {
                let now = clock.now_ms();
                let (mut out, mut cache) = (Vec::with_capacity(end - start), Default::default());
                for (i, c) in batch[start..end].iter().enumerate() {
                    match apply_in_tx(tx, now, &who, &today, c, &mut cache) {
                        Ok(a) => out.push(a),
                        Err(e) => {
                            *at.lock().unwrap_or_else(|p| p.into_inner()) = Some(start + i);
                            return Err(e);
                        }
                    }
                }
                Ok(out)
            })
            .await;
        match written {
            Ok(out) => Ok(out),
            Err(e) => match failed.lock().unwrap_or_else(|p| p.into_inner()).take() {
                Some(i) if !is_store_error(&e) => Err(RangeError::Unit(i, e)),
                _ => Err(RangeError::Store(e)),
            },
        }
    }
}

enum RangeError {
    /// The unit at this index of the range failed; nothing of the range was written.
    Unit(usize, AppError),
    /// The store failed.
    Store(AppError),
}

impl ImportReport {
    /// The units that passed their checks, each with what was checked; the others are
    /// reported as failed (and done, for the progress).
    fn keep_checked(
        &mut self,
        checked: impl IntoIterator<Item = (Unit, AppResult<Checked>)>,
        progress: &Progress,
    ) -> (Vec<Unit>, Vec<Checked>) {
        let (mut units, mut ready) = (Vec::new(), Vec::new());
        for (unit, c) in checked {
            match c {
                Ok(c) => {
                    units.push(unit);
                    ready.push(c);
                }
                Err(e) => {
                    progress.rows_done.fetch_add(unit.rows(), Ordering::Relaxed);
                    self.fail_unit(&unit, unit_errors(&unit, &e));
                }
            }
        }
        (units, ready)
    }

    fn count(&mut self, a: Applied) {
        match a {
            Applied::Created => self.created += 1,
            Applied::Updated => self.updated += 1,
            Applied::Skipped => self.skipped += 1,
        }
    }
}
