//! SQLite: the channels' import logs and SKU mappings. Statements run in the caller's
//! transaction; nothing here commits.

use rusqlite::{Row, params};

use super::{SqliteTx, Where, placeholders};
use crate::schema;
use crate::{
    ChannelImportRecord, ChannelStore, ImportFilter, ImportJobRecord, ListingRecord, Page, SkuMappingRecord,
    StoreResult,
};

const IMPORT_COLS: &str = schema::CHANNEL_IMPORTS.column_list;
const MAPPING_COLS: &str = schema::CHANNEL_SKU_MAPPINGS.column_list;
const LISTING_COLS: &str = schema::CHANNEL_LISTINGS.column_list;

fn listing_row(r: &Row<'_>) -> rusqlite::Result<ListingRecord> {
    Ok(ListingRecord {
        channel: r.get(0)?,
        sku: r.get(1)?,
        target: r.get(2)?,
        pushed: r.get(3)?,
        pushed_at: r.get(4)?,
        pushes: r.get(5)?,
        failures: r.get(6)?,
        last_error: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

fn import_row(r: &Row<'_>) -> rusqlite::Result<ChannelImportRecord> {
    Ok(ChannelImportRecord {
        id: r.get(0)?,
        channel: r.get(1)?,
        delivery_id: r.get(2)?,
        external_id: r.get(3)?,
        topic: r.get(4)?,
        status: r.get(5)?,
        reason: r.get(6)?,
        order_id: r.get(7)?,
        payload: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

fn mapping_row(r: &Row<'_>) -> rusqlite::Result<SkuMappingRecord> {
    Ok(SkuMappingRecord { channel: r.get(0)?, external: r.get(1)?, sku: r.get(2)?, updated_at: r.get(3)? })
}

impl ChannelStore for SqliteTx<'_> {
    fn insert_channel_import(&mut self, i: &ChannelImportRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT OR FAIL INTO channel_imports ({IMPORT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ),
            params![
                i.id,
                i.channel,
                i.delivery_id,
                i.external_id,
                i.topic,
                i.status,
                i.reason,
                i.order_id,
                i.payload,
                i.created_at,
                i.updated_at
            ],
        )?;
        Ok(())
    }

    fn update_channel_import(&mut self, i: &ChannelImportRecord) -> StoreResult<bool> {
        Ok(self.exec(
            "UPDATE channel_imports SET status = ?2, reason = ?3, order_id = ?4, updated_at = ?5 WHERE id = ?1",
            params![i.id, i.status, i.reason, i.order_id, i.updated_at],
        )? == 1)
    }

    fn channel_import(&mut self, channel: &str, id: &str) -> StoreResult<Option<ChannelImportRecord>> {
        self.query_one(
            &format!("SELECT {IMPORT_COLS} FROM channel_imports WHERE channel = ?1 AND id = ?2"),
            [channel, id],
            import_row,
        )
    }

    fn channel_import_by_delivery(
        &mut self,
        channel: &str,
        delivery_id: &str,
    ) -> StoreResult<Option<ChannelImportRecord>> {
        self.query_one(
            &format!("SELECT {IMPORT_COLS} FROM channel_imports WHERE channel = ?1 AND delivery_id = ?2"),
            [channel, delivery_id],
            import_row,
        )
    }

    fn list_channel_imports(
        &mut self,
        channel: &str,
        page: &Page<String>,
        f: &ImportFilter,
    ) -> StoreResult<Vec<ChannelImportRecord>> {
        let mut w = Where::default();
        w.add("channel = ?", channel.to_owned());
        if let Some(after) = &page.after {
            w.add("id < ?", after.clone());
        }
        if let Some(s) = &f.status {
            w.add("status = ?", s.clone());
        }
        if let Some(e) = &f.external_id {
            w.add("external_id = ?", e.clone());
        }
        if let Some(o) = &f.order_id {
            w.add("order_id = ?", o.clone());
        }
        let sql =
            format!("SELECT {IMPORT_COLS} FROM channel_imports {} ORDER BY id DESC LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), import_row)
    }

    fn put_sku_mapping(&mut self, m: &SkuMappingRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO channel_sku_mappings (channel, external, sku, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (channel, external) DO UPDATE SET sku = excluded.sku, updated_at = excluded.updated_at",
            params![m.channel, m.external, m.sku, m.updated_at],
        )?;
        Ok(())
    }

    fn delete_sku_mapping(&mut self, channel: &str, external: &str) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM channel_sku_mappings WHERE channel = ?1 AND external = ?2", [channel, external])?
            == 1)
    }

    fn sku_mappings_for(&mut self, channel: &str, externals: &[&str]) -> StoreResult<Vec<SkuMappingRecord>> {
        if externals.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {MAPPING_COLS} FROM channel_sku_mappings WHERE channel = ? AND external IN {}",
            placeholders(externals.len())
        );
        self.query_all(&sql, rusqlite::params_from_iter(std::iter::once(&channel).chain(externals)), mapping_row)
    }

    fn list_sku_mappings(&mut self, channel: &str, page: &Page<String>) -> StoreResult<Vec<SkuMappingRecord>> {
        let after = page.after.clone().unwrap_or_default();
        self.query_all(
            &format!(
                "SELECT {MAPPING_COLS} FROM channel_sku_mappings WHERE channel = ?1 AND external > ?2 ORDER BY external LIMIT {}",
                page.limit
            ),
            params![channel, after],
            mapping_row,
        )
    }

    fn put_channel_listing(&mut self, l: &ListingRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO channel_listings ({LISTING_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (channel, sku) DO UPDATE SET target = excluded.target, pushed = excluded.pushed,
                 pushed_at = excluded.pushed_at, pushes = excluded.pushes, failures = excluded.failures,
                 last_error = excluded.last_error, updated_at = excluded.updated_at"
            ),
            params![
                l.channel,
                l.sku,
                l.target,
                l.pushed,
                l.pushed_at,
                l.pushes,
                l.failures,
                l.last_error,
                l.updated_at
            ],
        )?;
        Ok(())
    }

    fn channel_listing(&mut self, channel: &str, sku: &str) -> StoreResult<Option<ListingRecord>> {
        self.query_one(
            &format!("SELECT {LISTING_COLS} FROM channel_listings WHERE channel = ?1 AND sku = ?2"),
            [channel, sku],
            listing_row,
        )
    }

    fn delete_channel_listing(&mut self, channel: &str, sku: &str) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM channel_listings WHERE channel = ?1 AND sku = ?2", [channel, sku])? == 1)
    }

    fn list_channel_listings(&mut self, channel: &str, page: &Page<String>) -> StoreResult<Vec<ListingRecord>> {
        let after = page.after.clone().unwrap_or_default();
        self.query_all(
            &format!(
                "SELECT {LISTING_COLS} FROM channel_listings WHERE channel = ?1 AND sku > ?2 ORDER BY sku LIMIT {}",
                page.limit
            ),
            params![channel, after],
            listing_row,
        )
    }

    fn listings_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<ListingRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {LISTING_COLS} FROM channel_listings WHERE sku IN {} ORDER BY channel, sku",
            placeholders(skus.len())
        );
        self.query_all(&sql, rusqlite::params_from_iter(skus), listing_row)
    }

    fn failing_channel_listings(&mut self, limit: usize) -> StoreResult<Vec<ListingRecord>> {
        self.query_all(
            &format!(
                "SELECT {LISTING_COLS} FROM channel_listings WHERE last_error IS NOT NULL ORDER BY updated_at, channel, sku LIMIT {limit}"
            ),
            [],
            listing_row,
        )
    }

    fn put_import_job(&mut self, j: &ImportJobRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO import_jobs (id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![j.id, j.body, j.created_at, j.updated_at],
        )?;
        Ok(())
    }

    fn import_job(&mut self, id: &str) -> StoreResult<Option<ImportJobRecord>> {
        self.query_one("SELECT id, body, created_at, updated_at FROM import_jobs WHERE id = ?1", [id], |r| {
            Ok(ImportJobRecord { id: r.get(0)?, body: r.get(1)?, created_at: r.get(2)?, updated_at: r.get(3)? })
        })
    }
}
