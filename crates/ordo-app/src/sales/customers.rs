//! Customers: one per email address, created directly or inline with an order.

use ordo_domain::catalog::Customer;
use ordo_domain::id::CustomerId;
use ordo_domain::validate::Errors;
use ordo_store::{CustomerFilter, Page, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::CustomerRef;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{check_version, require};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{check_email, double_option};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    #[schema(
        required = true,
        example = "ada@example.com",
        max_length = 254,
        pattern = r"^[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]+@[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]([^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*\.)+[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]$"
    )]
    pub email: Option<String>,
    #[schema(max_length = 200, pattern = r"^[^\u0000]*$")]
    pub name: Option<String>,
    #[schema(max_length = 40, pattern = r"^[^\u0000]*$")]
    pub phone: Option<String>,
    /// Labels for support, at most 50 of up to 64 characters each.
    #[schema(value_type = Option<Vec<crate::kernel::schema::CustomerTag>>, max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// Notes for support.
    #[schema(max_length = 5000, pattern = r"^[^\u0000]*$")]
    pub notes: Option<String>,
}

const MAX_TAGS: usize = 50;
const MAX_NOTES: usize = 5000;

/// Checks tags: each trimmed and not blank, at most [`MAX_TAGS`]; a tag repeated (ignoring
/// case) is kept once, where it first came.
fn check_tags(e: &mut Errors, tags: &[String]) -> Vec<String> {
    if tags.len() > MAX_TAGS {
        e.add("tags", format!("must hold at most {MAX_TAGS} tags"));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        if let Some(t) = e.text(&format!("tags/{i}"), Some(t), 64)
            && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase())
        {
            out.push(t);
        }
    }
    out
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[schema(
        max_length = 254,
        pattern = r"^[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]+@[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]([^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*\.)+[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]$"
    )]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, pattern = r"^[^\u0000]*$")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 40, pattern = r"^[^\u0000]*$")]
    pub phone: Option<Option<String>>,
    /// Replaces the tags; `[]` removes them all.
    #[schema(value_type = Option<Vec<crate::kernel::schema::CustomerTag>>, max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// Replaces the notes; `null` removes them.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000, pattern = r"^[^\u0000]*$")]
    pub notes: Option<Option<String>>,
    pub version: Option<i64>,
}

/// What a customer search asks for; every part given must match.
#[derive(Debug, Clone, Default)]
pub struct CustomerSearch {
    /// The email starts with this, ignoring case.
    pub email: Option<String>,
    /// The name holds this, ignoring case.
    pub name: Option<String>,
    /// The phone number holds these digits in a row (anything but digits ignored on both sides).
    pub phone: Option<String>,
    /// One of the tags is this, ignoring case.
    pub tag: Option<String>,
}

/// Finds the customer with this (normalized) email or creates one; a given name or phone
/// updates the stored one.
pub(crate) fn upsert_by_email(
    tx: &mut dyn Tx,
    now: i64,
    email: &str,
    name: Option<&str>,
    phone: Option<&str>,
) -> AppResult<Customer> {
    match tx.customer_by_email(email)? {
        Some(mut c) => {
            let name_changed = name.is_some_and(|n| c.name.as_deref() != Some(n));
            let phone_changed = phone.is_some_and(|p| c.phone.as_deref() != Some(p));
            if name_changed || phone_changed {
                if name_changed {
                    c.name = name.map(str::to_owned);
                }
                if phone_changed {
                    c.phone = phone.map(str::to_owned);
                }
                c.version += 1;
                c.updated_at = now;
                tx.update_customer(&c)?;
                emit(tx, now, c.id.as_str(), Event::customer_updated(&c))?;
            }
            Ok(c)
        }
        None => insert_new(tx, now, email, name, phone, Vec::new(), None),
    }
}

/// A new customer, stored, with its `customer.created` event.
fn insert_new(
    tx: &mut dyn Tx,
    now: i64,
    email: &str,
    name: Option<&str>,
    phone: Option<&str>,
    tags: Vec<String>,
    notes: Option<String>,
) -> AppResult<Customer> {
    let c = Customer {
        id: CustomerId::generate(now as u64, random_u128()),
        email: email.to_owned(),
        name: name.map(str::to_owned),
        phone: phone.map(str::to_owned),
        tags,
        notes,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    tx.insert_customer(&c)?;
    emit(tx, now, c.id.as_str(), Event::CustomerCreated(CustomerRef { email: c.email.clone(), version: None }))?;
    Ok(c)
}

impl App {
    pub async fn create_customer(
        &self,
        actor: &Actor,
        input: NewCustomer,
        idem: Option<IdemCtx<Customer>>,
    ) -> AppResult<Outcome<Customer>> {
        require(actor, Action::WriteCustomers)?;
        let mut e = Errors::new();
        let email = check_email(&mut e, "email", input.email.as_deref());
        let name = e.optional_text("name", input.name.as_deref(), 200);
        let phone = e.optional_text("phone", input.phone.as_deref(), 40);
        let tags = check_tags(&mut e, input.tags.as_deref().unwrap_or_default());
        let notes = e.optional_text("notes", input.notes.as_deref(), MAX_NOTES);
        let email = e.finish(email)?.unwrap();
        self.write_idem(idem, move |tx, now| {
            if tx.customer_by_email(&email)?.is_some() {
                return Err(AppError::Conflict(format!("a customer with email {email:?} already exists")));
            }
            insert_new(tx, now, &email, name.as_deref(), phone.as_deref(), tags.clone(), notes.clone())
        })
        .await
    }

    pub async fn get_customer(&self, actor: &Actor, id: &str) -> AppResult<Customer> {
        require(actor, Action::ReadCustomers)?;
        let id = id.to_owned();
        self.store.read(move |tx| tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))).await
    }

    /// Lists customers, newest first, narrowed by the search (every part given must match).
    pub async fn list_customers(
        &self,
        actor: &Actor,
        page: Page<String>,
        search: CustomerSearch,
    ) -> AppResult<Vec<Customer>> {
        require(actor, Action::ReadCustomers)?;
        let mut e = Errors::new();
        let phone_digits = search.phone.as_deref().map(|p| {
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() {
                e.add("phone", "must hold at least one digit");
            }
            digits
        });
        for (field, value, max) in [("name", &search.name, 200), ("phone", &search.phone, 40), ("tag", &search.tag, 64)]
        {
            match value.as_deref() {
                Some(v) if v.chars().count() > max => e.add(field, format!("must be at most {max} characters")),
                Some(v) if field != "phone" && v.chars().all(ordo_domain::validate::is_blank) => {
                    e.add(field, "must not be empty")
                }
                _ => {}
            }
        }
        e.finish(())?;
        let filter = CustomerFilter {
            email_prefix: search.email.map(|e| ordo_domain::catalog::normalize_email(&e)),
            name: search.name.map(|n| n.trim().to_lowercase()),
            phone_digits,
            tag: search.tag.map(|t| t.trim().to_lowercase()),
        };
        self.store.read(move |tx| Ok(tx.list_customers(&page, &filter)?)).await
    }

    pub async fn update_customer(
        &self,
        actor: &Actor,
        id: &str,
        patch: CustomerPatch,
        if_match: Option<i64>,
    ) -> AppResult<Customer> {
        require(actor, Action::WriteCustomers)?;
        let mut e = Errors::new();
        let email = patch.email.as_deref().map(|m| check_email(&mut e, "email", Some(m)));
        let name = patch.name.clone().map(|n| e.optional_text("name", n.as_deref(), 200));
        let phone = patch.phone.clone().map(|p| e.optional_text("phone", p.as_deref(), 40));
        let tags = patch.tags.as_deref().map(|t| check_tags(&mut e, t));
        let notes = patch.notes.clone().map(|n| e.optional_text("notes", n.as_deref(), MAX_NOTES));
        e.finish(())?;
        let expected = if_match.or(patch.version);
        let id = id.to_owned();
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let mut c = tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))?;
                check_version(expected, c.version)?;
                let now = clock.now_ms();
                if let Some(Some(m)) = &email
                    && *m != c.email
                {
                    if tx.customer_by_email(m)?.is_some() {
                        return Err(AppError::Conflict(format!("a customer with email {m:?} already exists")));
                    }
                    c.email = m.clone();
                }
                if let Some(n) = &name {
                    c.name = n.clone();
                }
                if let Some(p) = &phone {
                    c.phone = p.clone();
                }
                if let Some(t) = &tags {
                    c.tags = t.clone();
                }
                if let Some(n) = &notes {
                    c.notes = n.clone();
                }
                c.version += 1;
                c.updated_at = now;
                tx.update_customer(&c)?;
                emit(tx, now, c.id.as_str(), Event::customer_updated(&c))?;
                Ok(c)
            })
            .await
    }
}
