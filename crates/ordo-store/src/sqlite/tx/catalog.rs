//! SQLite: products, locations and their daily load, rule sets and carriers. Statements run in the
//! caller's transaction; nothing here commits.

use ordo_domain::catalog::{Location, LocationKind, Product};
use ordo_domain::id::{LocationId, ProductId};
use ordo_domain::routing::Site;
use rusqlite::{Row, params};

use super::{SqliteTx, Where, json_err, placeholders};
use crate::schema;
use crate::{CatalogStore, Page, RuleSetRecord, StoreResult};

const PRODUCT_COLS: &str = schema::PRODUCTS.column_list;
const LOCATION_COLS: &str = schema::LOCATIONS.column_list;

fn product_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        id: ProductId::from_trusted(r.get(0)?),
        sku: r.get(1)?,
        name: r.get(2)?,
        price: r.get(3)?,
        currency: r.get(4)?,
        weight_grams: r.get(5)?,
        barcode: r.get(6)?,
        active: r.get(7)?,
        version: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

fn location_row(r: &Row<'_>) -> rusqlite::Result<(Location, String)> {
    let kind: String = r.get(3)?;
    Ok((
        Location {
            id: LocationId::from_trusted(r.get(0)?),
            code: r.get(1)?,
            name: r.get(2)?,
            kind: LocationKind::parse(&kind).unwrap_or(LocationKind::Warehouse),
            address: Default::default(),
            latitude: r.get(5)?,
            longitude: r.get(6)?,
            ships_orders: r.get(7)?,
            pickup: r.get(8)?,
            priority: r.get(9)?,
            active: r.get(10)?,
            version: r.get(11)?,
            created_at: r.get(12)?,
            updated_at: r.get(13)?,
            daily_capacity: r.get(14)?,
        },
        r.get(4)?,
    ))
}

fn finish_location((mut l, address): (Location, String)) -> StoreResult<Location> {
    l.address = serde_json::from_str(&address).map_err(json_err)?;
    Ok(l)
}

impl CatalogStore for SqliteTx<'_> {
    fn insert_product(&mut self, p: &Product) -> StoreResult<()> {
        self.exec(
            &format!("INSERT INTO products ({PRODUCT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
            params![
                p.id.as_str(),
                p.sku,
                p.name,
                p.price,
                p.currency,
                p.weight_grams,
                p.barcode,
                p.active,
                p.version,
                p.created_at,
                p.updated_at
            ],
        )?;
        Ok(())
    }

    fn update_product(&mut self, p: &Product) -> StoreResult<()> {
        self.exec(
            "UPDATE products SET name = ?2, price = ?3, currency = ?4, weight_grams = ?5, barcode = ?6, active = ?7, version = ?8, updated_at = ?9 WHERE id = ?1",
            params![p.id.as_str(), p.name, p.price, p.currency, p.weight_grams, p.barcode, p.active, p.version, p.updated_at],
        )?;
        Ok(())
    }

    fn product_by_sku(&mut self, sku: &str) -> StoreResult<Option<Product>> {
        self.query_one(&format!("SELECT {PRODUCT_COLS} FROM products WHERE sku = ?1"), [sku], product_row)
    }

    fn products_by_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<Product>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {PRODUCT_COLS} FROM products WHERE sku IN {}", placeholders(skus.len()));
        self.query_all(&sql, rusqlite::params_from_iter(skus), product_row)
    }

    fn list_products(&mut self, page: &Page<String>, active: Option<bool>) -> StoreResult<Vec<Product>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("sku > ?", after.clone());
        }
        if let Some(a) = active {
            w.add("active = ?", a as i64);
        }
        let sql = format!("SELECT {PRODUCT_COLS} FROM products {} ORDER BY sku LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), product_row)
    }

    fn insert_location(&mut self, l: &Location) -> StoreResult<()> {
        let address = serde_json::to_string(&l.address).map_err(json_err)?;
        self.exec(
            &format!(
                "INSERT INTO locations ({LOCATION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            ),
            params![
                l.id.as_str(), l.code, l.name, l.kind.as_str(), address, l.latitude, l.longitude, l.ships_orders, l.pickup,
                l.priority, l.active, l.version, l.created_at, l.updated_at, l.daily_capacity
            ],
        )?;
        Ok(())
    }

    fn update_location(&mut self, l: &Location) -> StoreResult<()> {
        let address = serde_json::to_string(&l.address).map_err(json_err)?;
        self.exec(
            "UPDATE locations SET name = ?2, kind = ?3, address = ?4, latitude = ?5, longitude = ?6, ships_orders = ?7, pickup = ?8,
             priority = ?9, active = ?10, version = ?11, updated_at = ?12, daily_capacity = ?13 WHERE id = ?1",
            params![
                l.id.as_str(), l.name, l.kind.as_str(), address, l.latitude, l.longitude, l.ships_orders, l.pickup, l.priority,
                l.active, l.version, l.updated_at, l.daily_capacity
            ],
        )?;
        Ok(())
    }

    fn location_by_code(&mut self, code: &str) -> StoreResult<Option<Location>> {
        self.query_one(&format!("SELECT {LOCATION_COLS} FROM locations WHERE code = ?1"), [code], location_row)?
            .map(finish_location)
            .transpose()
    }

    fn all_locations(&mut self) -> StoreResult<Vec<Location>> {
        self.query_all(&format!("SELECT {LOCATION_COLS} FROM locations ORDER BY code"), [], location_row)?
            .into_iter()
            .map(finish_location)
            .collect()
    }

    fn routing_sites(&mut self, day: &str) -> StoreResult<Vec<Site>> {
        self.query_all(
            "SELECT l.id, l.code, l.priority, l.ships_orders, l.pickup, l.active, json_extract(l.address, '$.country'),
                    l.latitude, l.longitude, l.daily_capacity - COALESCE(d.orders, 0), l.daily_capacity
             FROM locations l LEFT JOIN location_load d ON d.location_id = l.id AND d.day = ?1",
            [day],
            |r| {
                let (lat, lon): (Option<f64>, Option<f64>) = (r.get(7)?, r.get(8)?);
                Ok(Site {
                    id: LocationId::from_trusted(r.get(0)?),
                    code: r.get(1)?,
                    priority: r.get(2)?,
                    ships_orders: r.get(3)?,
                    pickup: r.get(4)?,
                    active: r.get(5)?,
                    country: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                    coordinates: lat.zip(lon),
                    remaining_capacity: r.get(9)?,
                    daily_capacity: r.get(10)?,
                })
            },
        )
    }

    fn take_location_load(&mut self, location_id: &str, day: &str, capacity: i64) -> StoreResult<bool> {
        // The first order of a day inserts its row unguarded, so no capacity must mean no row.
        if capacity < 1 {
            return Ok(false);
        }
        let counted = self.exec(
            "INSERT OR FAIL INTO location_load (location_id, day, orders) VALUES (?1, ?2, 1)
             ON CONFLICT (location_id, day) DO UPDATE SET orders = orders + 1 WHERE orders < ?3",
            params![location_id, day, capacity],
        )?;
        Ok(counted == 1)
    }

    fn release_location_load(&mut self, location_id: &str, day: &str) -> StoreResult<()> {
        self.exec(
            "UPDATE OR FAIL location_load SET orders = orders - 1 WHERE location_id = ?1 AND day = ?2 AND orders > 0",
            [location_id, day],
        )?;
        Ok(())
    }

    fn rule_sets(&mut self) -> StoreResult<Vec<RuleSetRecord>> {
        self.query_all(
            "SELECT name, body, version, created_at, updated_at FROM routing_rule_sets ORDER BY name",
            [],
            |r| {
                Ok(RuleSetRecord {
                    name: r.get(0)?,
                    body: r.get(1)?,
                    version: r.get(2)?,
                    created_at: r.get(3)?,
                    updated_at: r.get(4)?,
                })
            },
        )
    }

    fn put_rule_set(&mut self, r: &RuleSetRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO routing_rule_sets (name, body, version, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at",
            params![r.name, r.body, r.version, r.created_at, r.updated_at],
        )?;
        Ok(())
    }

    fn carriers(&mut self) -> StoreResult<Vec<RuleSetRecord>> {
        self.query_all("SELECT code, body, version, created_at, updated_at FROM carriers ORDER BY code", [], |r| {
            Ok(RuleSetRecord {
                name: r.get(0)?,
                body: r.get(1)?,
                version: r.get(2)?,
                created_at: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })
    }

    fn put_carrier(&mut self, c: &RuleSetRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO carriers (code, body, version, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (code) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at",
            params![c.name, c.body, c.version, c.created_at, c.updated_at],
        )?;
        Ok(())
    }

    fn delete_carrier(&mut self, code: &str) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM carriers WHERE code = ?1", params![code])? == 1)
    }
}
