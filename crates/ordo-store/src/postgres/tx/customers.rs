//! PostgreSQL: customers. Statements run in the caller's transaction; nothing here commits.

use ordo_domain::catalog::Customer;
use ordo_domain::id::CustomerId;
use postgres::Row;

use super::{PgTx, Where, decode};
use crate::schema;
use crate::tx::customers::{tag_needle, tags_from_json, tags_json};
use crate::{CustomerFilter, CustomerStore, Page, StoreResult};

const CUSTOMER_COLS: &str = schema::CUSTOMERS.column_list;
/// The stored phone number's digits hold the parameter's.
const PHONE_DIGITS: &str = "strpos(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), \
     '(', ''), ')', ''), '+', ''), ?) > 0";

fn customer(r: &Row) -> StoreResult<Customer> {
    Ok(Customer {
        id: CustomerId::from_trusted(decode(r.try_get(0))?),
        email: decode(r.try_get(1))?,
        name: decode(r.try_get(2))?,
        phone: decode(r.try_get(3))?,
        version: decode(r.try_get(4))?,
        created_at: decode(r.try_get(5))?,
        updated_at: decode(r.try_get(6))?,
        tags: tags_from_json(&decode::<String>(r.try_get(7))?),
        notes: decode(r.try_get(8))?,
    })
}

impl CustomerStore for PgTx<'_, '_> {
    fn insert_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            &format!("INSERT INTO customers ({CUSTOMER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
            &[
                &c.id.as_str(),
                &c.email,
                &c.name,
                &c.phone,
                &c.version,
                &c.created_at,
                &c.updated_at,
                &tags_json(&c.tags),
                &c.notes,
            ],
        )?;
        Ok(())
    }

    fn update_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            "UPDATE customers SET email = $2, name = $3, phone = $4, version = $5, updated_at = $6, tags = $7, notes = $8 \
             WHERE id = $1",
            &[&c.id.as_str(), &c.email, &c.name, &c.phone, &c.version, &c.updated_at, &tags_json(&c.tags), &c.notes],
        )?;
        Ok(())
    }

    fn customer_by_id(&mut self, id: &str) -> StoreResult<Option<Customer>> {
        self.query_opt(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE id = $1"), &[&id])?
            .as_ref()
            .map(customer)
            .transpose()
    }

    fn customer_by_email(&mut self, email: &str) -> StoreResult<Option<Customer>> {
        self.query_opt(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE email = $1"), &[&email])?
            .as_ref()
            .map(customer)
            .transpose()
    }

    fn list_customers(&mut self, page: &Page<String>, filter: &CustomerFilter) -> StoreResult<Vec<Customer>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("id < ?", after.clone());
        }
        if let Some(p) = &filter.email_prefix {
            w.add("email >= ?", p.to_owned());
            w.add("email < ?", format!("{p}\u{10FFFF}"));
        }
        if let Some(n) = &filter.name {
            w.add("strpos(lower(name), ?) > 0", n.clone());
        }
        if let Some(d) = &filter.phone_digits {
            w.add(PHONE_DIGITS, d.clone());
        }
        if let Some(t) = &filter.tag {
            w.add("strpos(lower(tags), ?) > 0", tag_needle(t));
        }
        let sql = format!("SELECT {CUSTOMER_COLS} FROM customers {} ORDER BY id DESC LIMIT {}", w.sql(), page.limit);
        let params = w.params();
        self.query(&sql, &params)?.iter().map(customer).collect()
    }
}
