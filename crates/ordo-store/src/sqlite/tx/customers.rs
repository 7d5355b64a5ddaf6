//! SQLite: customers. Statements run in the caller's transaction; nothing here commits.

use ordo_domain::catalog::Customer;
use ordo_domain::id::CustomerId;
use rusqlite::{Row, params};

use super::{SqliteTx, Where};
use crate::schema;
use crate::tx::customers::{tag_needle, tags_from_json, tags_json};
use crate::{CustomerFilter, CustomerStore, Page, StoreResult};

const CUSTOMER_COLS: &str = schema::CUSTOMERS.column_list;
/// The stored phone number's digits hold the parameter's.
const PHONE_DIGITS: &str = "instr(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), \
     '(', ''), ')', ''), '+', ''), ?) > 0";

fn customer_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: CustomerId::from_trusted(r.get(0)?),
        email: r.get(1)?,
        name: r.get(2)?,
        phone: r.get(3)?,
        version: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        tags: tags_from_json(&r.get::<_, String>(7)?),
        notes: r.get(8)?,
    })
}

impl CustomerStore for SqliteTx<'_> {
    fn insert_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            &format!("INSERT OR FAIL INTO customers ({CUSTOMER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                c.id.as_str(),
                c.email,
                c.name,
                c.phone,
                c.version,
                c.created_at,
                c.updated_at,
                tags_json(&c.tags),
                c.notes
            ],
        )?;
        Ok(())
    }

    fn update_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            "UPDATE customers SET email = ?2, name = ?3, phone = ?4, version = ?5, updated_at = ?6, tags = ?7, notes = ?8 \
             WHERE id = ?1",
            params![c.id.as_str(), c.email, c.name, c.phone, c.version, c.updated_at, tags_json(&c.tags), c.notes],
        )?;
        Ok(())
    }

    fn customer_by_id(&mut self, id: &str) -> StoreResult<Option<Customer>> {
        self.query_one(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE id = ?1"), [id], customer_row)
    }

    fn customer_by_email(&mut self, email: &str) -> StoreResult<Option<Customer>> {
        self.query_one(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE email = ?1"), [email], customer_row)
    }

    fn list_customers(&mut self, page: &Page<String>, filter: &CustomerFilter) -> StoreResult<Vec<Customer>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("id < ?", after.clone());
        }
        if let Some(p) = &filter.email_prefix {
            // A range scan on the unique email index: every email starting with the prefix.
            w.add("email >= ?", p.to_owned());
            w.add("email < ?", format!("{p}\u{10FFFF}"));
        }
        if let Some(n) = &filter.name {
            w.add("instr(ordo_lower(name), ?) > 0", n.clone());
        }
        if let Some(d) = &filter.phone_digits {
            w.add(PHONE_DIGITS, d.clone());
        }
        if let Some(t) = &filter.tag {
            w.add("instr(ordo_lower(tags), ?) > 0", tag_needle(t));
        }
        let sql = format!("SELECT {CUSTOMER_COLS} FROM customers {} ORDER BY id DESC LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), customer_row)
    }
}
