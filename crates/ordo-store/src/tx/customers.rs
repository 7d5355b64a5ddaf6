//! Customers as stored: by id, by email, listed. Only the trait; the engines implement it.

use ordo_domain::catalog::Customer;

use crate::{Page, StoreResult};

super::store_area! {
    list customer_store;
    /// Customers.
    pub trait CustomerStore {
        fn insert_customer(&mut self, c: &Customer) -> StoreResult<()>;
        fn update_customer(&mut self, c: &Customer) -> StoreResult<()>;
        fn customer_by_id(&mut self, id: &str) -> StoreResult<Option<Customer>>;
        fn customer_by_email(&mut self, email: &str) -> StoreResult<Option<Customer>>;
        fn list_customers(&mut self, page: &Page<String>, email_prefix: Option<&str>) -> StoreResult<Vec<Customer>>;
    }
}
