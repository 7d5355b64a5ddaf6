//! Customers as stored: by id, by email, listed and searched. Only the trait; the engines
//! implement it.

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
        /// Newest first; every `Some` of the filter must match.
        fn list_customers(&mut self, page: &Page<String>, filter: &CustomerFilter) -> StoreResult<Vec<Customer>>;
    }
}

/// Which customers a list holds; every `Some` must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// The email starts with this (stored emails are lower-case).
    pub email_prefix: Option<String>,
    /// The name holds this, lower-cased (matched against the lower-cased name).
    pub name: Option<String>,
    /// The phone number's digits hold these digits in a row (spaces, dashes, dots,
    /// parentheses and `+` ignored in the stored number).
    pub phone_digits: Option<String>,
    /// One of the tags is this, ignoring case (given lower-cased).
    pub tag: Option<String>,
}

/// A customer's tags as stored: a JSON array of strings.
pub fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).expect("strings serialize")
}

/// Tags as stored back into a list; a damaged value reads as no tags.
pub fn tags_from_json(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// The text a tag filter looks for in the stored (lower-cased) JSON array: the tag quoted.
pub fn tag_needle(tag: &str) -> String {
    serde_json::to_string(tag).expect("strings serialize")
}
