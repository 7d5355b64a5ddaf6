//! API keys as stored: looked up by the hash of their secret, listed, revoked.
//! Only the trait; the engines implement it, and no secret is ever stored.

use crate::{ApiKeyRecord, StoreResult};

super::store_area! {
    list key_store;
    /// API keys.
    pub trait KeyStore {
        fn insert_api_key(&mut self, key: &ApiKeyRecord) -> StoreResult<()>;
        fn api_key_by_hash(&mut self, hash: &str) -> StoreResult<Option<ApiKeyRecord>>;
        fn list_api_keys(&mut self) -> StoreResult<Vec<ApiKeyRecord>>;
        /// Returns false when no unrevoked key has this id.
        fn revoke_api_key(&mut self, id: &str, at: i64) -> StoreResult<bool>;
    }
}
