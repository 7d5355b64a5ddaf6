//! PostgreSQL: API keys. Statements run in the caller's transaction; nothing here commits.

use postgres::Row;

use super::{PgTx, decode};
use crate::schema;
use crate::{ApiKeyRecord, KeyStore, StoreResult};

const KEY_COLS: &str = schema::API_KEYS.column_list;

fn key(r: &Row) -> StoreResult<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: decode(r.try_get(0))?,
        hash: decode(r.try_get(1))?,
        prefix: decode(r.try_get(2))?,
        role: decode(r.try_get(3))?,
        channel: decode(r.try_get(4))?,
        name: decode(r.try_get(5))?,
        created_at: decode(r.try_get(6))?,
        revoked_at: decode(r.try_get(7))?,
    })
}

impl KeyStore for PgTx<'_, '_> {
    fn insert_api_key(&mut self, k: &ApiKeyRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO api_keys (id, hash, prefix, role, channel, name, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&k.id, &k.hash, &k.prefix, &k.role, &k.channel, &k.name, &k.created_at, &k.revoked_at],
        )?;
        Ok(())
    }

    fn api_key_by_hash(&mut self, hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.query_opt(&format!("SELECT {KEY_COLS} FROM api_keys WHERE hash = $1"), &[&hash])?
            .as_ref()
            .map(key)
            .transpose()
    }

    fn list_api_keys(&mut self) -> StoreResult<Vec<ApiKeyRecord>> {
        self.query(&format!("SELECT {KEY_COLS} FROM api_keys ORDER BY id"), &[])?.iter().map(key).collect()
    }

    fn revoke_api_key(&mut self, id: &str, at: i64) -> StoreResult<bool> {
        Ok(self.exec("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", &[&id, &at])? == 1)
    }
}
