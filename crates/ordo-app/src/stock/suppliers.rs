//! Suppliers: who stock is bought from, and their terms (lead time, minimum order quantity,
//! pack size, the currency they invoice in). Purchase orders and replenishment suggestions
//! (coming) are made against them. A supplier is archived, never deleted, so that the
//! purchase orders that name it keep their meaning.

use ordo_domain::Currency;
use ordo_domain::validate::{Errors, is_blank};
use ordo_store::{Page, SupplierRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kernel::events::payloads::SupplierRef;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{check_version, require};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::check_email;
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// The longest lead time a supplier may have, in days.
pub const MAX_LEAD_TIME_DAYS: i64 = 730;

pub use ordo_domain::purchasing::SupplierStatus;

/// A supplier with its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    pub id: String,
    pub code: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Days from ordering until the goods arrive.
    pub lead_time_days: i64,
    /// The fewest units of a SKU the supplier takes an order for.
    pub min_order_quantity: i64,
    /// The multiple the supplier ships in.
    pub pack_size: i64,
    /// The currency the supplier invoices in (ISO 4217).
    pub currency: String,
    pub note: Option<String>,
    pub status: SupplierStatus,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Supplier {
    fn to_record(&self) -> AppResult<SupplierRecord> {
        Ok(SupplierRecord {
            id: self.id.clone(),
            code: self.code.clone(),
            status: self.status.as_str().into(),
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            body: serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }

    pub(crate) fn from_record(r: &SupplierRecord) -> AppResult<Supplier> {
        serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("a stored supplier is unreadable: {e}")))
    }
}

/// A new supplier.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    /// A short code, unique among suppliers: letters, digits, `-`, `_` and `.`.
    #[schema(required = true, min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9._-]+$", example = "ACME")]
    pub code: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$",
        example = "Acme Wholesale"
    )]
    pub name: Option<String>,
    /// Where purchase orders are sent.
    #[schema(
        max_length = 254,
        pattern = r"^[^\u0000\s@]+@[^\u0000\s@]+\.[^\u0000\s@]+$",
        example = "orders@acme.example"
    )]
    pub email: Option<String>,
    #[schema(max_length = 40, pattern = r"^[^\u0000]*$")]
    pub phone: Option<String>,
    /// Days from ordering until the goods arrive, 0 to 730.
    #[schema(required = true, minimum = 0, maximum = 730, example = 7)]
    pub lead_time_days: Option<i64>,
    /// The fewest units of a SKU the supplier takes (default 1).
    #[schema(minimum = 1, maximum = 1000000, example = 12)]
    pub min_order_quantity: Option<i64>,
    /// The multiple the supplier ships in (default 1).
    #[schema(minimum = 1, maximum = 1000000, example = 6)]
    pub pack_size: Option<i64>,
    /// The currency the supplier invoices in, ISO 4217.
    #[schema(required = true, example = "EUR", value_type = Option<crate::kernel::schema::CurrencyCode>)]
    pub currency: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

/// Changes to a supplier; absent fields stay as they are (an empty `email`, `phone` or `note`
/// clears it).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierPatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    #[schema(max_length = 254, pattern = r"^$|^[^\u0000\s@]+@[^\u0000\s@]+\.[^\u0000\s@]+$")]
    pub email: Option<String>,
    #[schema(max_length = 40, pattern = r"^[^\u0000]*$")]
    pub phone: Option<String>,
    #[schema(minimum = 0, maximum = 730)]
    pub lead_time_days: Option<i64>,
    #[schema(minimum = 1, maximum = 1000000)]
    pub min_order_quantity: Option<i64>,
    #[schema(minimum = 1, maximum = 1000000)]
    pub pack_size: Option<i64>,
    #[schema(value_type = Option<crate::kernel::schema::CurrencyCode>)]
    pub currency: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
    /// `active` or `archived`.
    #[schema(value_type = Option<crate::kernel::schema::SupplierStatusName>)]
    pub status: Option<String>,
    /// The version the change is based on (or `If-Match`).
    pub version: Option<i64>,
}

/// An optional email address (blank: none), checked and kept as customers' are.
fn email(e: &mut Errors, value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.chars().all(is_blank)).and_then(|v| check_email(e, "email", Some(v)))
}

fn lead_time(e: &mut Errors, value: Option<i64>) -> Option<i64> {
    match value {
        Some(d) if !(0..=MAX_LEAD_TIME_DAYS).contains(&d) => {
            e.add("lead_time_days", format!("must be between 0 and {MAX_LEAD_TIME_DAYS}"));
            None
        }
        other => other,
    }
}

/// An optional ISO 4217 code, checked and kept in its canonical form.
pub(crate) fn check_currency(e: &mut Errors, value: Option<&str>) -> Option<String> {
    let code = value?;
    match Currency::from_code(code) {
        Some(c) => Some(c.code().to_owned()),
        None => {
            e.add("currency", format!("{code:?} is not an ISO 4217 currency code"));
            None
        }
    }
}

fn new_id(now: i64) -> String {
    format!("sup_{}", ordo_domain::id::encode(now.max(0) as u64, random_u128()))
}

impl App {
    /// Adds a supplier; its code must be new.
    pub async fn create_supplier(
        &self,
        actor: &Actor,
        input: SupplierInput,
        idem: Option<IdemCtx<Supplier>>,
    ) -> AppResult<Outcome<Supplier>> {
        require(actor, Action::Purchase)?;
        let mut e = Errors::new();
        let code = e.code("code", input.code.as_deref(), 32);
        let name = e.text("name", input.name.as_deref(), 200);
        let mail = email(&mut e, input.email.as_deref());
        let phone = e.optional_text("phone", input.phone.as_deref(), 40);
        if input.lead_time_days.is_none() {
            e.add("lead_time_days", "is required");
        }
        let lead_time_days = lead_time(&mut e, input.lead_time_days);
        let min_order_quantity = e.quantity("min_order_quantity", Some(input.min_order_quantity.unwrap_or(1)), 1);
        let pack_size = e.quantity("pack_size", Some(input.pack_size.unwrap_or(1)), 1);
        if input.currency.is_none() {
            e.add("currency", "is required");
        }
        let currency = check_currency(&mut e, input.currency.as_deref());
        let note = e.optional_text("note", input.note.as_deref(), 500);
        e.finish(())?;
        let draft = Supplier {
            id: String::new(),
            code: code.expect("checked"),
            name: name.expect("checked"),
            email: mail,
            phone,
            lead_time_days: lead_time_days.expect("checked"),
            min_order_quantity: min_order_quantity.expect("checked"),
            pack_size: pack_size.expect("checked"),
            currency: currency.expect("checked"),
            note,
            status: SupplierStatus::Active,
            version: 1,
            created_at: 0,
            updated_at: 0,
        };
        self.write_idem(idem, move |tx, now| {
            if tx.supplier_by_code(&draft.code)?.is_some() {
                return Err(AppError::Conflict(format!("a supplier with code {:?} already exists", draft.code)));
            }
            let s = Supplier { id: new_id(now), created_at: now, updated_at: now, ..draft.clone() };
            tx.put_supplier(&s.to_record()?)?;
            emit(tx, now, &s.id, Event::SupplierCreated(SupplierRef { id: s.id.clone(), code: s.code.clone() }))?;
            Ok(s)
        })
        .await
    }

    /// Suppliers by code, of one status or all.
    pub async fn list_suppliers(
        &self,
        actor: &Actor,
        page: Page<String>,
        status: Option<String>,
    ) -> AppResult<Vec<Supplier>> {
        require(actor, Action::ReadInventory)?;
        let mut e = Errors::new();
        let status: Option<SupplierStatus> = e.optional_choice("status", status.as_deref());
        e.finish(())?;
        self.store
            .read(move |tx| {
                tx.list_suppliers(&page, status.map(SupplierStatus::as_str))?
                    .iter()
                    .map(Supplier::from_record)
                    .collect()
            })
            .await
    }

    pub async fn get_supplier(&self, actor: &Actor, id: &str) -> AppResult<Supplier> {
        require(actor, Action::ReadInventory)?;
        let id = id.to_owned();
        self.store
            .read(move |tx| Supplier::from_record(&tx.supplier(&id)?.ok_or(AppError::NotFound("supplier"))?))
            .await
    }

    /// Changes a supplier's name, contact, terms, note or status (`If-Match` or `version`
    /// guards against a change made meanwhile). A change that changes nothing answers the
    /// supplier as it is, with no new version.
    pub async fn update_supplier(
        &self,
        actor: &Actor,
        id: &str,
        patch: SupplierPatch,
        if_match: Option<i64>,
    ) -> AppResult<Supplier> {
        require(actor, Action::Purchase)?;
        let mut e = Errors::new();
        let name = patch.name.as_deref().and_then(|n| e.text("name", Some(n), 200));
        let mail = patch.email.as_deref().map(|m| email(&mut e, Some(m)));
        let phone = patch.phone.as_deref().map(|p| e.optional_text("phone", Some(p), 40));
        let lead_time_days = lead_time(&mut e, patch.lead_time_days);
        let min_order_quantity = patch.min_order_quantity.and_then(|q| e.quantity("min_order_quantity", Some(q), 1));
        let pack_size = patch.pack_size.and_then(|q| e.quantity("pack_size", Some(q), 1));
        let currency = check_currency(&mut e, patch.currency.as_deref());
        let note = patch.note.as_deref().map(|n| e.optional_text("note", Some(n), 500));
        let status: Option<SupplierStatus> = e.optional_choice("status", patch.status.as_deref());
        e.finish(())?;
        let (expected, id, now) = (if_match.or(patch.version), id.to_owned(), self.now());
        self.store
            .write(move |tx| {
                let found = tx.supplier(&id)?.ok_or(AppError::NotFound("supplier"))?;
                let current = Supplier::from_record(&found)?;
                check_version(expected, current.version)?;
                let mut s = current.clone();
                if let Some(n) = &name {
                    s.name = n.clone();
                }
                if let Some(m) = &mail {
                    s.email = m.clone();
                }
                if let Some(p) = &phone {
                    s.phone = p.clone();
                }
                s.lead_time_days = lead_time_days.unwrap_or(s.lead_time_days);
                s.min_order_quantity = min_order_quantity.unwrap_or(s.min_order_quantity);
                s.pack_size = pack_size.unwrap_or(s.pack_size);
                if let Some(c) = &currency {
                    s.currency = c.clone();
                }
                if let Some(n) = &note {
                    s.note = n.clone();
                }
                s.status = status.unwrap_or(s.status);
                if s == current {
                    return Ok(s);
                }
                s.version += 1;
                s.updated_at = now;
                tx.put_supplier(&s.to_record()?)?;
                emit(tx, now, &s.id, Event::SupplierUpdated(SupplierRef { id: s.id.clone(), code: s.code.clone() }))?;
                Ok::<_, AppError>(s)
            })
            .await
    }
}
