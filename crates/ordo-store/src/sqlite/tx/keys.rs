//! SQLite: API keys. Statements run in the caller's transaction; nothing here commits.

use rusqlite::{Row, params};

use super::SqliteTx;
use crate::schema;
use crate::{ApiKeyRecord, KeyStore, StoreResult};

const KEY_COLS: &str = schema::API_KEYS.column_list;

fn key_row(r: &Row<'_>) -> rusqlite::Result<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: r.get(0)?,
        hash: r.get(1)?,
        prefix: r.get(2)?,
        role: r.get(3)?,
        channel: r.get(4)?,
        name: r.get(5)?,
        created_at: r.get(6)?,
        revoked_at: r.get(7)?,
    })
}

impl KeyStore for SqliteTx<'_> {
    fn insert_api_key(&mut self, k: &ApiKeyRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO api_keys (id, hash, prefix, role, channel, name, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![k.id, k.hash, k.prefix, k.role, k.channel, k.name, k.created_at, k.revoked_at],
        )?;
        Ok(())
    }

    fn api_key_by_hash(&mut self, hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.query_one(&format!("SELECT {KEY_COLS} FROM api_keys WHERE hash = ?1"), [hash], key_row)
    }

    fn list_api_keys(&mut self) -> StoreResult<Vec<ApiKeyRecord>> {
        self.query_all(&format!("SELECT {KEY_COLS} FROM api_keys ORDER BY id"), [], key_row)
    }

    fn revoke_api_key(&mut self, id: &str, at: i64) -> StoreResult<bool> {
        Ok(self.exec("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, at])? == 1)
    }
}
