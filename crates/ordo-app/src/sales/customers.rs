//! Customers: one per email address, created directly or inline with an order.

use ordo_domain::catalog::Customer;
use ordo_domain::id::CustomerId;
use ordo_domain::validate::Errors;
use ordo_store::{Page, Tx};
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
    pub version: Option<i64>,
}

/// Finds the customer with this (normalized) email or creates one; a given name or phone
/// updates the stored one. Returns the customer and whether anything was written.
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
        None => {
            let c = Customer {
                id: CustomerId::generate(now as u64, random_u128()),
                email: email.to_owned(),
                name: name.map(str::to_owned),
                phone: phone.map(str::to_owned),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            tx.insert_customer(&c)?;
            emit(
                tx,
                now,
                c.id.as_str(),
                Event::CustomerCreated(CustomerRef { email: c.email.clone(), version: None }),
            )?;
            Ok(c)
        }
    }
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
        let email = e.finish(email)?.unwrap();
        self.write_idem(idem, move |tx, now| {
            if tx.customer_by_email(&email)?.is_some() {
                return Err(AppError::Conflict(format!("a customer with email {email:?} already exists")));
            }
            upsert_by_email(tx, now, &email, name.as_deref(), phone.as_deref())
        })
        .await
    }

    pub async fn get_customer(&self, actor: &Actor, id: &str) -> AppResult<Customer> {
        require(actor, Action::ReadCustomers)?;
        let id = id.to_owned();
        self.store.read(move |tx| tx.customer_by_id(&id)?.ok_or(AppError::NotFound("customer"))).await
    }

    /// Lists customers, newest first; `email` narrows to addresses starting with it.
    pub async fn list_customers(
        &self,
        actor: &Actor,
        page: Page<String>,
        email: Option<String>,
    ) -> AppResult<Vec<Customer>> {
        require(actor, Action::ReadCustomers)?;
        let email = email.map(|e| ordo_domain::catalog::normalize_email(&e));
        self.store.read(move |tx| Ok(tx.list_customers(&page, email.as_deref())?)).await
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
                c.version += 1;
                c.updated_at = now;
                tx.update_customer(&c)?;
                emit(tx, now, c.id.as_str(), Event::customer_updated(&c))?;
                Ok(c)
            })
            .await
    }
}
