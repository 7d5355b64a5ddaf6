//! PostgreSQL: products, locations and their daily load, rule sets and carriers. Statements run in
//! the caller's transaction; nothing here commits.

use ordo_domain::catalog::{Location, LocationKind, Product};
use ordo_domain::id::{LocationId, ProductId};
use ordo_domain::routing::Site;
use postgres::Row;

use super::{PgTx, Where, decode, json_err};
use crate::schema;
use crate::{CatalogStore, Page, RuleSetRecord, StoreResult};

const PRODUCT_COLS: &str = schema::PRODUCTS.column_list;
const LOCATION_COLS: &str = schema::LOCATIONS.column_list;

fn product(r: &Row) -> StoreResult<Product> {
    Ok(Product {
        id: ProductId::from_trusted(decode(r.try_get(0))?),
        sku: decode(r.try_get(1))?,
        name: decode(r.try_get(2))?,
        price: decode(r.try_get(3))?,
        currency: decode(r.try_get(4))?,
        weight_grams: decode(r.try_get(5))?,
        barcode: decode(r.try_get(6))?,
        active: decode(r.try_get(7))?,
        version: decode(r.try_get(8))?,
        created_at: decode(r.try_get(9))?,
        updated_at: decode(r.try_get(10))?,
    })
}

fn location(r: &Row) -> StoreResult<Location> {
    let kind: String = decode(r.try_get(3))?;
    let address: String = decode(r.try_get(4))?;
    Ok(Location {
        id: LocationId::from_trusted(decode(r.try_get(0))?),
        code: decode(r.try_get(1))?,
        name: decode(r.try_get(2))?,
        kind: LocationKind::parse(&kind).unwrap_or(LocationKind::Warehouse),
        address: serde_json::from_str(&address).map_err(json_err)?,
        latitude: decode(r.try_get(5))?,
        longitude: decode(r.try_get(6))?,
        ships_orders: decode(r.try_get(7))?,
        pickup: decode(r.try_get(8))?,
        priority: decode(r.try_get(9))?,
        active: decode(r.try_get(10))?,
        version: decode(r.try_get(11))?,
        created_at: decode(r.try_get(12))?,
        updated_at: decode(r.try_get(13))?,
        daily_capacity: decode(r.try_get(14))?,
    })
}

impl CatalogStore for PgTx<'_, '_> {
    fn insert_product(&mut self, p: &Product) -> StoreResult<()> {
        self.exec(
            &format!("INSERT INTO products ({PRODUCT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            &[
                &p.id.as_str(),
                &p.sku,
                &p.name,
                &p.price,
                &p.currency,
                &p.weight_grams,
                &p.barcode,
                &p.active,
                &p.version,
                &p.created_at,
                &p.updated_at,
            ],
        )?;
        Ok(())
    }

    fn update_product(&mut self, p: &Product) -> StoreResult<()> {
        self.exec(
            "UPDATE products SET name = $2, price = $3, currency = $4, weight_grams = $5, barcode = $6, active = $7, version = $8, updated_at = $9 WHERE id = $1",
            &[&p.id.as_str(), &p.name, &p.price, &p.currency, &p.weight_grams, &p.barcode, &p.active, &p.version, &p.updated_at],
        )?;
        Ok(())
    }

    fn product_by_sku(&mut self, sku: &str) -> StoreResult<Option<Product>> {
        self.query_opt(&format!("SELECT {PRODUCT_COLS} FROM products WHERE sku = $1"), &[&sku])?
            .as_ref()
            .map(product)
            .transpose()
    }

    fn products_by_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<Product>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus: Vec<&str> = skus.to_vec();
        self.query(&format!("SELECT {PRODUCT_COLS} FROM products WHERE sku = ANY($1)"), &[&skus])?
            .iter()
            .map(product)
            .collect()
    }

    fn list_products(&mut self, page: &Page<String>, active: Option<bool>) -> StoreResult<Vec<Product>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("sku > ?", after.clone());
        }
        if let Some(a) = active {
            w.add("active = ?", a);
        }
        let sql = format!("SELECT {PRODUCT_COLS} FROM products {} ORDER BY sku LIMIT {}", w.sql(), page.limit);
        let params = w.params();
        self.query(&sql, &params)?.iter().map(product).collect()
    }

    fn insert_location(&mut self, l: &Location) -> StoreResult<()> {
        let address = serde_json::to_string(&l.address).map_err(json_err)?;
        self.exec(
            &format!(
                "INSERT INTO locations ({LOCATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            ),
            &[
                &l.id.as_str(),
                &l.code,
                &l.name,
                &l.kind.as_str(),
                &address,
                &l.latitude,
                &l.longitude,
                &l.ships_orders,
                &l.pickup,
                &l.priority,
                &l.active,
                &l.version,
                &l.created_at,
                &l.updated_at,
                &l.daily_capacity,
            ],
        )?;
        Ok(())
    }

    fn update_location(&mut self, l: &Location) -> StoreResult<()> {
        let address = serde_json::to_string(&l.address).map_err(json_err)?;
        self.exec(
            "UPDATE locations SET name = $2, kind = $3, address = $4, latitude = $5, longitude = $6, ships_orders = $7, pickup = $8,
             priority = $9, active = $10, version = $11, updated_at = $12, daily_capacity = $13 WHERE id = $1",
            &[
                &l.id.as_str(),
                &l.name,
                &l.kind.as_str(),
                &address,
                &l.latitude,
                &l.longitude,
                &l.ships_orders,
                &l.pickup,
                &l.priority,
                &l.active,
                &l.version,
                &l.updated_at,
                &l.daily_capacity,
            ],
        )?;
        Ok(())
    }

    fn location_by_code(&mut self, code: &str) -> StoreResult<Option<Location>> {
        self.query_opt(&format!("SELECT {LOCATION_COLS} FROM locations WHERE code = $1"), &[&code])?
            .as_ref()
            .map(location)
            .transpose()
    }

    fn all_locations(&mut self) -> StoreResult<Vec<Location>> {
        self.query(&format!("SELECT {LOCATION_COLS} FROM locations ORDER BY code COLLATE \"C\""), &[])?
            .iter()
            .map(location)
            .collect()
    }

    fn routing_sites(&mut self, day: &str) -> StoreResult<Vec<Site>> {
        self.query(
            "SELECT l.id, l.code, l.priority, l.ships_orders, l.pickup, l.active, l.address::json->>'country', l.latitude,
                    l.longitude, l.daily_capacity - COALESCE(d.orders, 0), l.daily_capacity
             FROM locations l LEFT JOIN location_load d ON d.location_id = l.id AND d.day = $1",
            &[&day],
        )?
        .iter()
        .map(|r| {
            let (lat, lon): (Option<f64>, Option<f64>) = (decode(r.try_get(7))?, decode(r.try_get(8))?);
            Ok(Site {
                id: LocationId::from_trusted(decode(r.try_get(0))?),
                code: decode(r.try_get(1))?,
                priority: decode(r.try_get(2))?,
                ships_orders: decode(r.try_get(3))?,
                pickup: decode(r.try_get(4))?,
                active: decode(r.try_get(5))?,
                country: decode::<Option<String>>(r.try_get(6))?.unwrap_or_default(),
                coordinates: lat.zip(lon),
                remaining_capacity: decode(r.try_get(9))?,
                daily_capacity: decode(r.try_get(10))?,
            })
        })
        .collect()
    }

    fn take_location_load(&mut self, location_id: &str, day: &str, capacity: i64) -> StoreResult<bool> {
        // The first order of a day inserts its row unguarded, so no capacity must mean no row.
        if capacity < 1 {
            return Ok(false);
        }
        // A concurrent taker of the same row waits for it, and the guard then sees its count.
        let counted = self.exec(
            "INSERT INTO location_load (location_id, day, orders) VALUES ($1, $2, 1)
             ON CONFLICT (location_id, day) DO UPDATE SET orders = location_load.orders + 1
             WHERE location_load.orders < $3",
            &[&location_id, &day, &capacity],
        )?;
        Ok(counted == 1)
    }

    fn release_location_load(&mut self, location_id: &str, day: &str) -> StoreResult<()> {
        self.exec(
            "UPDATE location_load SET orders = orders - 1 WHERE location_id = $1 AND day = $2 AND orders > 0",
            &[&location_id, &day],
        )?;
        Ok(())
    }

    fn rule_sets(&mut self) -> StoreResult<Vec<RuleSetRecord>> {
        self.query("SELECT name, body, version, created_at, updated_at FROM routing_rule_sets ORDER BY name", &[])?
            .iter()
            .map(|r| {
                Ok(RuleSetRecord {
                    name: decode(r.try_get(0))?,
                    body: decode(r.try_get(1))?,
                    version: decode(r.try_get(2))?,
                    created_at: decode(r.try_get(3))?,
                    updated_at: decode(r.try_get(4))?,
                })
            })
            .collect()
    }

    fn put_rule_set(&mut self, r: &RuleSetRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO routing_rule_sets (name, body, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at",
            &[&r.name, &r.body, &r.version, &r.created_at, &r.updated_at],
        )?;
        Ok(())
    }

    fn carriers(&mut self) -> StoreResult<Vec<RuleSetRecord>> {
        self.query("SELECT code, body, version, created_at, updated_at FROM carriers ORDER BY code", &[])?
            .iter()
            .map(|r| {
                Ok(RuleSetRecord {
                    name: decode(r.try_get(0))?,
                    body: decode(r.try_get(1))?,
                    version: decode(r.try_get(2))?,
                    created_at: decode(r.try_get(3))?,
                    updated_at: decode(r.try_get(4))?,
                })
            })
            .collect()
    }

    fn put_carrier(&mut self, c: &RuleSetRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO carriers (code, body, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at",
            &[&c.name, &c.body, &c.version, &c.created_at, &c.updated_at],
        )?;
        Ok(())
    }

    fn delete_carrier(&mut self, code: &str) -> StoreResult<bool> {
        Ok(self.exec("DELETE FROM carriers WHERE code = $1", &[&code])? == 1)
    }
}
