//! PostgreSQL: the channels' import logs and SKU mappings. Statements run in the caller's
//! transaction; nothing here commits.

use postgres::Row;

use super::{PgTx, Where, decode};
use crate::schema;
use crate::{
    ChannelImportRecord, ChannelStore, ImportFilter, ImportJobRecord, ListingRecord, Page, SkuMappingRecord,
    StoreResult,
};

const IMPORT_COLS: &str = schema::CHANNEL_IMPORTS.column_list;
const MAPPING_COLS: &str = schema::CHANNEL_SKU_MAPPINGS.column_list;
const LISTING_COLS: &str = schema::CHANNEL_LISTINGS.column_list;

fn listing(r: &Row) -> StoreResult<ListingRecord> {
    Ok(ListingRecord {
        channel: decode(r.try_get(0))?,
        sku: decode(r.try_get(1))?,
        target: decode(r.try_get(2))?,
        pushed: decode(r.try_get(3))?,
        pushed_at: decode(r.try_get(4))?,
        pushes: decode(r.try_get(5))?,
        failures: decode(r.try_get(6))?,
        last_error: decode(r.try_get(7))?,
        updated_at: decode(r.try_get(8))?,
    })
}

fn import(r: &Row) -> StoreResult<ChannelImportRecord> {
    Ok(ChannelImportRecord {
        id: decode(r.try_get(0))?,
        channel: decode(r.try_get(1))?,
        delivery_id: decode(r.try_get(2))?,
        external_id: decode(r.try_get(3))?,
        topic: decode(r.try_get(4))?,
        status: decode(r.try_get(5))?,
        reason: decode(r.try_get(6))?,
        order_id: decode(r.try_get(7))?,
        payload: decode(r.try_get(8))?,
        created_at: decode(r.try_get(9))?,
        updated_at: decode(r.try_get(10))?,
    })
}

fn mapping(r: &Row) -> StoreResult<SkuMappingRecord> {
    Ok(SkuMappingRecord {
        channel: decode(r.try_get(0))?,
        external: decode(r.try_get(1))?,
        sku: decode(r.try_get(2))?,
        updated_at: decode(r.try_get(3))?,
    })
}

impl ChannelStore for PgTx<'_, '_> {
    fn insert_channel_import(&mut self, i: &ChannelImportRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO channel_imports ({IMPORT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            &[
                &i.id,
                &i.channel,
                &i.delivery_id,
                &i.external_id,
                &i.topic,
                &i.status,
                &i.reason,
                &i.order_id,
                &i.payload,
                &i.created_at,
                &i.updated_at,
            ],
        )?;
        Ok(())
    }

    fn update_channel_import(&mut self, i: &ChannelImportRecord) -> StoreResult<bool> {
        Ok(self.exec(
            "UPDATE channel_imports SET status = $2, reason = $3, order_id = $4, updated_at = $5 WHERE id = $1",
            &[&i.id, &i.status, &i.reason, &i.order_id, &i.updated_at],
        )? == 1)
    }

    fn channel_import(&mut self, channel: &str, id: &str) -> StoreResult<Option<ChannelImportRecord>> {
        self.query_opt(
            &format!("SELECT {IMPORT_COLS} FROM channel_imports WHERE channel = $1 AND id = $2"),
            &[&channel, &id],
        )?
        .as_ref()
        .map(import)
        .transpose()
    }

    fn channel_import_by_delivery(
        &mut self,
        channel: &str,
        delivery_id: &str,
    ) -> StoreResult<Option<ChannelImportRecord>> {
        self.query_opt(
            &format!("SELECT {IMPORT_COLS} FROM channel_imports WHERE channel = $1 AND delivery_id = $2"),
            &[&channel, &delivery_id],
        )?
        .as_ref()
        .map(import)
        .transpose()
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
        let params = w.params();
        self.query(&sql, &params)?.iter().map(import).collect()
    }

    fn put_sku_mapping(&mut self, m: &SkuMappingRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO channel_sku_mappings (channel, external, sku, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (channel, external) DO UPDATE SET sku = excluded.sku, updated_at = excluded.updated_at",
            &[&m.channel, &m.external, &m.sku, &m.updated_at],
        )?;
        Ok(())
    }

    fn delete_sku_mapping(&mut self, channel: &str, external: &str) -> StoreResult<bool> {
        Ok(self
            .exec("DELETE FROM channel_sku_mappings WHERE channel = $1 AND external = $2", &[&channel, &external])?
            == 1)
    }

    fn sku_mappings_for(&mut self, channel: &str, externals: &[&str]) -> StoreResult<Vec<SkuMappingRecord>> {
        if externals.is_empty() {
            return Ok(Vec::new());
        }
        let externals: Vec<&str> = externals.to_vec();
        self.query(
            &format!("SELECT {MAPPING_COLS} FROM channel_sku_mappings WHERE channel = $1 AND external = ANY($2)"),
            &[&channel, &externals],
        )?
        .iter()
        .map(mapping)
        .collect()
    }

    fn list_sku_mappings(&mut self, channel: &str, page: &Page<String>) -> StoreResult<Vec<SkuMappingRecord>> {
        let after = page.after.clone().unwrap_or_default();
        let sql = format!(
            "SELECT {MAPPING_COLS} FROM channel_sku_mappings WHERE channel = $1 AND external > $2 ORDER BY external LIMIT {}",
            page.limit
        );
        self.query(&sql, &[&channel, &after])?.iter().map(mapping).collect()
    }

    fn put_channel_listing(&mut self, l: &ListingRecord) -> StoreResult<()> {
        self.exec(
            &format!(
                "INSERT INTO channel_listings ({LISTING_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (channel, sku) DO UPDATE SET target = excluded.target, pushed = excluded.pushed,
                 pushed_at = excluded.pushed_at, pushes = excluded.pushes, failures = excluded.failures,
                 last_error = excluded.last_error, updated_at = excluded.updated_at"
            ),
            &[
                &l.channel,
                &l.sku,
                &l.target,
                &l.pushed,
                &l.pushed_at,
                &l.pushes,
                &l.failures,
                &l.last_error,
                &l.updated_at,
            ],
        )?;
        Ok(())
    }

    fn channel_listing(&mut self, channel: &str, sku: &str) -> StoreResult<Option<ListingRecord>> {
        self.query_opt(
            &format!("SELECT {LISTING_COLS} FROM channel_listings WHERE channel = $1 AND sku = $2"),
            &[&channel, &sku],
        )?
        .map(|r| listing(&r))
        .transpose()
    }

    fn delete_channel_listing(&mut self, channel: &str, sku: &str) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM channel_listings WHERE channel = $1 AND sku = $2", &[&channel, &sku])? == 1)
    }

    fn list_channel_listings(&mut self, channel: &str, page: &Page<String>) -> StoreResult<Vec<ListingRecord>> {
        let after = page.after.clone().unwrap_or_default();
        let sql = format!(
            "SELECT {LISTING_COLS} FROM channel_listings WHERE channel = $1 AND sku > $2 ORDER BY sku LIMIT {}",
            page.limit
        );
        self.query(&sql, &[&channel, &after])?.iter().map(listing).collect()
    }

    fn listings_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<ListingRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus: Vec<&str> = skus.to_vec();
        self.query(
            &format!("SELECT {LISTING_COLS} FROM channel_listings WHERE sku = ANY($1) ORDER BY channel, sku"),
            &[&skus],
        )?
        .iter()
        .map(listing)
        .collect()
    }

    fn failing_channel_listings(&mut self, limit: usize) -> StoreResult<Vec<ListingRecord>> {
        let sql = format!(
            "SELECT {LISTING_COLS} FROM channel_listings WHERE last_error IS NOT NULL ORDER BY updated_at, channel, sku LIMIT {limit}"
        );
        self.query(&sql, &[])?.iter().map(listing).collect()
    }

    fn put_import_job(&mut self, j: &ImportJobRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO import_jobs (id, body, created_at, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&j.id, &j.body, &j.created_at, &j.updated_at],
        )?;
        Ok(())
    }

    fn import_job(&mut self, id: &str) -> StoreResult<Option<ImportJobRecord>> {
        self.query_opt("SELECT id, body, created_at, updated_at FROM import_jobs WHERE id = $1", &[&id])?
            .map(|r| {
                Ok(ImportJobRecord {
                    id: decode(r.try_get(0))?,
                    body: decode(r.try_get(1))?,
                    created_at: decode(r.try_get(2))?,
                    updated_at: decode(r.try_get(3))?,
                })
            })
            .transpose()
    }
}
