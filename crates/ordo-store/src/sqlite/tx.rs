//! `Tx`, area by area, over one SQLite connection inside an open transaction (or savepoint).

use ordo_domain::catalog::{Customer, Location, LocationKind, Product};
use ordo_domain::fulfillment::Fulfillment;
use ordo_domain::id::{CustomerId, LocationId, OrderId, ProductId};
use ordo_domain::inventory::{Level, Movement, Reason};
use ordo_domain::order::Order;
use ordo_domain::routing::Site;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::schema::{self, Cell, Kind, TableSpec};
use crate::{
    ApiKeyRecord, BalanceAccount, BalanceEntry, BucketChange, BucketLevel, BucketMovement, CountRequest, EventFilter,
    EventRecord, FulfillmentFilter, IdempotencyRecord, LevelChange, LevelRecord, MovementFilter, NewEvent, OrderFilter,
    OrderRecord, Page, PaymentEntry, PaymentRecord, RuleSetRecord, StoreError, StoreResult,
};
use crate::{
    CatalogStore, CustomerStore, FulfillmentStore, InventoryStore, KeyStore, MaintenanceStore, OrderStore, OutboxStore,
    PaymentStore,
};

pub(crate) struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        SqliteTx { conn }
    }
}

/// Maps driver errors; unique-constraint violations become `Conflict` naming the rule.
fn map_err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            for rule in [
                "products.sku",
                "locations.code",
                "customers.email",
                "orders.channel",
                "api_keys.hash",
                "idempotency_keys.key_id",
            ] {
                if msg.contains(rule) {
                    return StoreError::Conflict(rule);
                }
            }
        }
        if matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked | rusqlite::ErrorCode::DiskFull
        ) {
            return StoreError::Unavailable(e.to_string());
        }
    }
    StoreError::Internal(e.to_string())
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Internal(format!("stored JSON is unreadable: {e}"))
}

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
const PRODUCT_COLS: &str = schema::PRODUCTS.column_list;

const LOCATION_COLS: &str = schema::LOCATIONS.column_list;
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

const CUSTOMER_COLS: &str = schema::CUSTOMERS.column_list;
fn customer_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: CustomerId::from_trusted(r.get(0)?),
        email: r.get(1)?,
        name: r.get(2)?,
        phone: r.get(3)?,
        version: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

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

const MOVEMENT_COLS: &str = schema::INVENTORY_MOVEMENTS.column_list;
fn movement_row(r: &Row<'_>) -> rusqlite::Result<Movement> {
    let reason: String = r.get(9)?;
    let order_id: Option<String> = r.get(11)?;
    Ok(Movement {
        seq: r.get(0)?,
        at: r.get(1)?,
        location_id: LocationId::from_trusted(r.get(2)?),
        location: r.get(3)?,
        sku: r.get(4)?,
        on_hand_delta: r.get(5)?,
        reserved_delta: r.get(6)?,
        on_hand_after: r.get(7)?,
        reserved_after: r.get(8)?,
        reason: Reason::parse(&reason).unwrap_or(Reason::Correction),
        actor: r.get(10)?,
        order_id: order_id.map(OrderId::from_trusted),
        note: r.get(12)?,
    })
}

fn level_row(r: &Row<'_>) -> rusqlite::Result<LevelRecord> {
    Ok(LevelRecord {
        sku: r.get(0)?,
        location_id: LocationId::from_trusted(r.get(1)?),
        on_hand: r.get(2)?,
        reserved: r.get(3)?,
        location: r.get(4)?,
    })
}

fn to_value(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Int(v) => Value::Integer(*v),
        Cell::Real(v) => Value::Real(*v),
        Cell::Text(v) => Value::Text(v.clone()),
        Cell::Bool(v) => Value::Integer(*v as i64),
        Cell::Bytes(v) => Value::Blob(v.clone()),
    }
}

fn payment_row(r: &Row<'_>) -> rusqlite::Result<PaymentRecord> {
    Ok(PaymentRecord {
        id: r.get(0)?,
        order_id: r.get(1)?,
        provider: r.get(2)?,
        currency: r.get(3)?,
        created_at: r.get(4)?,
        body: r.get(5)?,
        reference: r.get(6)?,
    })
}

fn order_record_row(r: &Row<'_>) -> rusqlite::Result<OrderRecord> {
    Ok(OrderRecord {
        id: r.get(0)?,
        order_id: r.get(1)?,
        kind: r.get(2)?,
        status: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        body: r.get(6)?,
    })
}

const ORDER_RECORD_COLS: &str = schema::ORDER_RECORDS.column_list;
const PAYMENT_COLS: &str = schema::PAYMENTS.column_list;

/// Builds `(?, ?, ...)` with `n` placeholders.
fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2 + 2);
    s.push('(');
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s.push(')');
    s
}

/// Collects `WHERE` clauses and their parameters for the list queries.
#[derive(Default)]
struct Where {
    clauses: Vec<&'static str>,
    params: Vec<Value>,
}

impl Where {
    fn add(&mut self, clause: &'static str, value: impl Into<Value>) {
        self.clauses.push(clause);
        self.params.push(value.into());
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }
}

impl SqliteTx<'_> {
    fn query_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_err)?;
        let rows = stmt.query_map(params, f).map_err(map_err)?;
        rows.collect::<rusqlite::Result<Vec<T>>>().map_err(map_err)
    }

    fn query_one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Option<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_err)?;
        stmt.query_row(params, f).optional().map_err(map_err)
    }

    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> StoreResult<usize> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(map_err)?;
        stmt.execute(params).map_err(map_err)
    }
}

fn order_from_body(body: String, number: i64) -> StoreResult<Order> {
    let mut o: Order = serde_json::from_str(&body).map_err(json_err)?;
    o.number = number;
    Ok(o)
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
                    l.latitude, l.longitude, l.daily_capacity - COALESCE(d.orders, 0)
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
                })
            },
        )
    }

    fn add_location_load(&mut self, location_id: &str, day: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO location_load (location_id, day, orders) VALUES (?1, ?2, 1)
             ON CONFLICT (location_id, day) DO UPDATE SET orders = orders + 1",
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
}

impl InventoryStore for SqliteTx<'_> {
    fn levels_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<LevelRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id WHERE l.sku IN {} ORDER BY l.sku, loc.code",
            placeholders(skus.len())
        );
        self.query_all(&sql, rusqlite::params_from_iter(skus), level_row)
    }

    fn list_levels(
        &mut self,
        page: &Page<(String, String)>,
        sku: Option<&str>,
        location_id: Option<&str>,
    ) -> StoreResult<Vec<LevelRecord>> {
        let mut w = Where::default();
        if let Some(s) = sku {
            w.add("l.sku = ?", s.to_owned());
        }
        if let Some((sku, loc)) = &page.after {
            w.clauses.push("(l.sku, l.location_id) > (?, ?)");
            w.params.push(Value::from(sku.clone()));
            w.params.push(Value::from(loc.clone()));
        }
        if let Some(loc) = location_id {
            w.add("l.location_id = ?", loc.to_owned());
        }
        let sql = format!(
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id {} ORDER BY l.sku, l.location_id LIMIT {}",
            w.sql(),
            page.limit
        );
        self.query_all(&sql, rusqlite::params_from_iter(w.params), level_row)
    }

    fn change_level(&mut self, c: &LevelChange) -> StoreResult<Result<Movement, Level>> {
        // One guarded statement: the level changes only if the result stays valid.
        let updated = self.query_one(
            "UPDATE inventory_levels SET on_hand = on_hand + ?3, reserved = reserved + ?4, updated_at = ?5
             WHERE sku = ?1 AND location_id = ?2
               AND on_hand + ?3 >= 0 AND reserved + ?4 >= 0 AND reserved + ?4 <= on_hand + ?3
             RETURNING on_hand, reserved",
            params![c.sku, c.location_id.as_str(), c.on_hand_delta, c.reserved_delta, c.at],
            |r| Ok(Level { on_hand: r.get(0)?, reserved: r.get(1)? }),
        )?;
        let next = match updated {
            Some(level) => level,
            None => {
                let current = self.query_one(
                    "SELECT on_hand, reserved FROM inventory_levels WHERE sku = ?1 AND location_id = ?2",
                    params![c.sku, c.location_id.as_str()],
                    |r| Ok(Level { on_hand: r.get(0)?, reserved: r.get(1)? }),
                )?;
                match current {
                    // The row exists, so the guard refused the change.
                    Some(level) => return Ok(Err(level)),
                    None => match Level::default().apply(c.on_hand_delta, c.reserved_delta) {
                        Ok(level) => {
                            self.exec(
                                "INSERT INTO inventory_levels (sku, location_id, on_hand, reserved, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                                params![c.sku, c.location_id.as_str(), level.on_hand, level.reserved, c.at],
                            )?;
                            level
                        }
                        Err(_) => return Ok(Err(Level::default())),
                    },
                }
            }
        };
        self.exec(
            &format!("INSERT INTO inventory_movements ({MOVEMENT_COLS}) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                c.at, c.location_id.as_str(), c.location, c.sku, c.on_hand_delta, c.reserved_delta, next.on_hand, next.reserved,
                c.reason.as_str(), c.actor, c.order_id, c.note
            ],
        )?;
        Ok(Ok(Movement {
            seq: self.conn.last_insert_rowid(),
            at: c.at,
            location_id: c.location_id.clone(),
            location: c.location.clone(),
            sku: c.sku.clone(),
            on_hand_delta: c.on_hand_delta,
            reserved_delta: c.reserved_delta,
            on_hand_after: next.on_hand,
            reserved_after: next.reserved,
            reason: c.reason,
            actor: c.actor.clone(),
            order_id: c.order_id.clone().map(OrderId::from_trusted),
            note: c.note.clone(),
        }))
    }

    fn list_movements(&mut self, page: &Page<i64>, f: &MovementFilter) -> StoreResult<Vec<Movement>> {
        let mut w = Where::default();
        if let Some(after) = page.after {
            w.add("seq < ?", after);
        }
        if let Some(sku) = &f.sku {
            w.add("sku = ?", sku.clone());
        }
        if let Some(loc) = &f.location_id {
            w.add("location_id = ?", loc.clone());
        }
        if let Some(o) = &f.order_id {
            w.add("order_id = ?", o.clone());
        }
        if let Some(t) = f.after_time {
            w.add("at >= ?", t);
        }
        if let Some(t) = f.before_time {
            w.add("at < ?", t);
        }
        let sql = format!(
            "SELECT {MOVEMENT_COLS} FROM inventory_movements {} ORDER BY seq DESC LIMIT {}",
            w.sql(),
            page.limit
        );
        self.query_all(&sql, rusqlite::params_from_iter(w.params), movement_row)
    }

    fn request_count(&mut self, r: &CountRequest) -> StoreResult<()> {
        self.exec(
            "INSERT INTO count_requests (sku, location_id, location, requested_at, reason) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (sku, location_id) DO UPDATE SET requested_at = excluded.requested_at, reason = excluded.reason",
            params![r.sku, r.location_id, r.location, r.requested_at, r.reason],
        )?;
        Ok(())
    }

    fn clear_count_request(&mut self, sku: &str, location_id: &str) -> StoreResult<()> {
        self.exec("DELETE FROM count_requests WHERE sku = ?1 AND location_id = ?2", [sku, location_id])?;
        Ok(())
    }

    fn count_requests(&mut self, location_id: Option<&str>) -> StoreResult<Vec<CountRequest>> {
        self.query_all(
            "SELECT sku, location_id, location, requested_at, reason FROM count_requests
             WHERE ?1 IS NULL OR location_id = ?1 ORDER BY requested_at, sku",
            [location_id],
            |r| {
                Ok(CountRequest {
                    sku: r.get(0)?,
                    location_id: r.get(1)?,
                    location: r.get(2)?,
                    requested_at: r.get(3)?,
                    reason: r.get(4)?,
                })
            },
        )
    }

    fn change_bucket(&mut self, c: &BucketChange) -> StoreResult<Result<i64, i64>> {
        let current: i64 = self
            .query_one(
                "SELECT quantity FROM stock_buckets WHERE sku = ?1 AND location_id = ?2 AND bucket = ?3",
                params![c.sku, c.location_id, c.bucket],
                |r| r.get(0),
            )?
            .unwrap_or(0);
        let after = match current.checked_add(c.delta) {
            Some(a) if a >= 0 => a,
            _ => return Ok(Err(current)),
        };
        self.exec(
            "INSERT INTO stock_buckets (sku, location_id, bucket, quantity, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (sku, location_id, bucket) DO UPDATE SET quantity = excluded.quantity, updated_at = excluded.updated_at",
            params![c.sku, c.location_id, c.bucket, after, c.at],
        )?;
        self.exec(
            "INSERT INTO bucket_movements (at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![c.at, c.location_id, c.location, c.sku, c.bucket, c.delta, after, c.reason, c.actor, c.order_id, c.reference, c.note],
        )?;
        Ok(Ok(after))
    }

    fn buckets_for_sku(&mut self, sku: &str) -> StoreResult<Vec<BucketLevel>> {
        self.query_all(
            "SELECT sku, location_id, bucket, quantity FROM stock_buckets WHERE sku = ?1 ORDER BY location_id, bucket",
            [sku],
            |r| Ok(BucketLevel { sku: r.get(0)?, location_id: r.get(1)?, bucket: r.get(2)?, quantity: r.get(3)? }),
        )
    }

    fn bucket_movements(&mut self, sku: &str) -> StoreResult<Vec<BucketMovement>> {
        self.query_all(
            "SELECT seq, at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note
             FROM bucket_movements WHERE sku = ?1 ORDER BY seq",
            [sku],
            |r| {
                Ok(BucketMovement {
                    seq: r.get(0)?,
                    change: BucketChange {
                        at: r.get(1)?,
                        location_id: r.get(2)?,
                        location: r.get(3)?,
                        sku: r.get(4)?,
                        bucket: r.get(5)?,
                        delta: r.get(6)?,
                        reason: r.get(8)?,
                        actor: r.get(9)?,
                        order_id: r.get(10)?,
                        reference: r.get(11)?,
                        note: r.get(12)?,
                    },
                    quantity_after: r.get(7)?,
                })
            },
        )
    }
}

impl CustomerStore for SqliteTx<'_> {
    fn insert_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            &format!("INSERT INTO customers ({CUSTOMER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![c.id.as_str(), c.email, c.name, c.phone, c.version, c.created_at, c.updated_at],
        )?;
        Ok(())
    }

    fn update_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            "UPDATE customers SET email = ?2, name = ?3, phone = ?4, version = ?5, updated_at = ?6 WHERE id = ?1",
            params![c.id.as_str(), c.email, c.name, c.phone, c.version, c.updated_at],
        )?;
        Ok(())
    }

    fn customer_by_id(&mut self, id: &str) -> StoreResult<Option<Customer>> {
        self.query_one(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE id = ?1"), [id], customer_row)
    }

    fn customer_by_email(&mut self, email: &str) -> StoreResult<Option<Customer>> {
        self.query_one(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE email = ?1"), [email], customer_row)
    }

    fn list_customers(&mut self, page: &Page<String>, email_prefix: Option<&str>) -> StoreResult<Vec<Customer>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("id < ?", after.clone());
        }
        if let Some(p) = email_prefix {
            // A range scan on the unique email index: every email starting with the prefix.
            w.add("email >= ?", p.to_owned());
            w.add("email < ?", format!("{p}\u{10FFFF}"));
        }
        let sql = format!("SELECT {CUSTOMER_COLS} FROM customers {} ORDER BY id DESC LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), customer_row)
    }
}

impl OrderStore for SqliteTx<'_> {
    fn next_order_number(&mut self) -> StoreResult<i64> {
        Ok(self.query_one("SELECT COALESCE(MAX(number), 1000) + 1 FROM orders", [], |r| r.get(0))?.unwrap_or(1001))
    }

    fn insert_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "INSERT INTO orders (number, id, channel, external_id, customer_id, status, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![o.number, o.id.as_str(), o.channel, o.external_id, o.customer_id.as_str(), o.status.as_str(), o.created_at, body],
        )?;
        Ok(())
    }

    fn update_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "UPDATE orders SET status = ?2, body = ?3 WHERE id = ?1",
            params![o.id.as_str(), o.status.as_str(), body],
        )?;
        Ok(())
    }

    fn order_by_id(&mut self, id: &str) -> StoreResult<Option<Order>> {
        self.query_one("SELECT body, number FROM orders WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .map(|(b, n)| order_from_body(b, n))
            .transpose()
    }

    fn order_id_by_external_id(&mut self, channel: &str, external_id: &str) -> StoreResult<Option<String>> {
        self.query_one("SELECT id FROM orders WHERE channel = ?1 AND external_id = ?2", [channel, external_id], |r| {
            r.get(0)
        })
    }

    fn list_orders(&mut self, page: &Page<i64>, f: &OrderFilter) -> StoreResult<Vec<Order>> {
        let mut w = Where::default();
        if let Some(after) = page.after {
            w.add("number < ?", after);
        }
        if let Some(s) = f.status {
            w.add("status = ?", s.as_str().to_owned());
        }
        if let Some(c) = &f.channel {
            w.add("channel = ?", c.clone());
        }
        if let Some(c) = &f.customer_id {
            w.add("customer_id = ?", c.clone());
        }
        if let Some(t) = f.created_after {
            w.add("created_at >= ?", t);
        }
        if let Some(t) = f.created_before {
            w.add("created_at < ?", t);
        }
        let sql = format!("SELECT body, number FROM orders {} ORDER BY number DESC LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), |r| Ok((r.get(0)?, r.get(1)?)))?
            .into_iter()
            .map(|(b, n)| order_from_body(b, n))
            .collect()
    }

    fn insert_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO order_records (id, order_id, kind, status, created_at, updated_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![r.id, r.order_id, r.kind, r.status, r.created_at, r.updated_at, r.body],
        )?;
        Ok(())
    }

    fn update_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "UPDATE order_records SET status = ?2, updated_at = ?3, body = ?4 WHERE id = ?1",
            params![r.id, r.status, r.updated_at, r.body],
        )?;
        Ok(())
    }

    fn order_record(&mut self, id: &str) -> StoreResult<Option<OrderRecord>> {
        self.query_one(&format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE id = ?1"), [id], order_record_row)
    }

    fn order_records(&mut self, order_id: &str, kind: &str) -> StoreResult<Vec<OrderRecord>> {
        self.query_all(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE order_id = ?1 AND kind = ?2 ORDER BY id"),
            [order_id, kind],
            order_record_row,
        )
    }

    fn order_records_in_status(
        &mut self,
        kind: &str,
        status: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<OrderRecord>> {
        self.query_all(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE kind = ?1 AND status = ?2 AND id > ?3 ORDER BY id LIMIT ?4"),
            params![kind, status, after.unwrap_or(""), limit as i64],
            order_record_row,
        )
    }

    fn channel_settings(&mut self, channel: &str) -> StoreResult<Option<String>> {
        self.query_one("SELECT body FROM channel_settings WHERE channel = ?1", [channel], |r| r.get(0))
    }

    fn put_channel_settings(&mut self, channel: &str, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO channel_settings (channel, body, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (channel) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            params![channel, body, at],
        )?;
        Ok(())
    }
}

impl FulfillmentStore for SqliteTx<'_> {
    fn insert_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()> {
        let body = serde_json::to_string(f).map_err(json_err)?;
        self.exec(
            "INSERT INTO fulfillments (id, order_id, location_id, status, created_at, body, tracking_number)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                f.id.as_str(),
                f.order_id.as_str(),
                f.location_id.as_str(),
                f.status.as_str(),
                f.created_at,
                body,
                f.tracking_number
            ],
        )?;
        Ok(())
    }

    fn update_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()> {
        let body = serde_json::to_string(f).map_err(json_err)?;
        self.exec(
            "UPDATE fulfillments SET status = ?2, body = ?3, tracking_number = ?4 WHERE id = ?1",
            params![f.id.as_str(), f.status.as_str(), body, f.tracking_number],
        )?;
        Ok(())
    }

    fn fulfillment_by_id(&mut self, id: &str) -> StoreResult<Option<Fulfillment>> {
        self.query_one("SELECT body FROM fulfillments WHERE id = ?1", [id], |r| r.get::<_, String>(0))?
            .map(|b| serde_json::from_str(&b).map_err(json_err))
            .transpose()
    }

    fn fulfillments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<Fulfillment>> {
        self.query_all("SELECT body FROM fulfillments WHERE order_id = ?1 ORDER BY id", [order_id], |r| {
            r.get::<_, String>(0)
        })?
        .into_iter()
        .map(|b| serde_json::from_str(&b).map_err(json_err))
        .collect()
    }

    fn list_fulfillments(&mut self, page: &Page<String>, f: &FulfillmentFilter) -> StoreResult<Vec<Fulfillment>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("id > ?", after.clone());
        }
        if let Some(l) = &f.location_id {
            w.add("location_id = ?", l.clone());
        }
        if let Some(st) = f.status {
            w.add("status = ?", st.as_str().to_owned());
        }
        if let Some(o) = &f.order_id {
            w.add("order_id = ?", o.clone());
        }
        let sql = format!("SELECT body FROM fulfillments {} ORDER BY id LIMIT {}", w.sql(), page.limit);
        self.query_all(&sql, rusqlite::params_from_iter(w.params), |r| r.get::<_, String>(0))?
            .into_iter()
            .map(|b| serde_json::from_str(&b).map_err(json_err))
            .collect()
    }

    fn fulfillments_by_tracking(&mut self, tracking_number: &str) -> StoreResult<Vec<Fulfillment>> {
        self.query_all(
            "SELECT body FROM fulfillments WHERE tracking_number = ?1 ORDER BY id",
            [tracking_number],
            |r| r.get::<_, String>(0),
        )?
        .into_iter()
        .map(|b| serde_json::from_str(&b).map_err(json_err))
        .collect()
    }
}

impl PaymentStore for SqliteTx<'_> {
    fn insert_payment(&mut self, p: &PaymentRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO payments (id, order_id, provider, currency, created_at, body, reference)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![p.id, p.order_id, p.provider, p.currency, p.created_at, p.body, p.reference],
        )?;
        Ok(())
    }

    fn payments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentRecord>> {
        self.query_all(
            &format!("SELECT {PAYMENT_COLS} FROM payments WHERE order_id = ?1 ORDER BY id"),
            [order_id],
            payment_row,
        )
    }

    fn payment_by_id(&mut self, id: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_one(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE id = ?1"), [id], payment_row)
    }

    fn payment_by_reference(&mut self, reference: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_one(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE reference = ?1"), [reference], payment_row)
    }

    fn append_payment_entry(&mut self, e: &PaymentEntry) -> StoreResult<i64> {
        self.exec(
            "INSERT INTO payment_entries (payment_id, order_id, kind, amount, at, actor, reason, reference)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.payment_id, e.order_id, e.kind, e.amount, e.at, e.actor, e.reason, e.reference],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn payment_entries_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentEntry>> {
        self.query_all(
            "SELECT seq, payment_id, order_id, kind, amount, at, actor, reason, reference FROM payment_entries
             WHERE order_id = ?1 ORDER BY seq",
            [order_id],
            |r| {
                Ok(PaymentEntry {
                    seq: r.get(0)?,
                    payment_id: r.get(1)?,
                    order_id: r.get(2)?,
                    kind: r.get(3)?,
                    amount: r.get(4)?,
                    at: r.get(5)?,
                    actor: r.get(6)?,
                    reason: r.get(7)?,
                    reference: r.get(8)?,
                })
            },
        )
    }

    fn put_exchange_rate(&mut self, date: &str, currency: &str, base: &str, rate: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO exchange_rates (date, currency, base, rate) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (currency, date) DO UPDATE SET base = excluded.base, rate = excluded.rate",
            [date, currency, base, rate],
        )?;
        Ok(())
    }

    fn exchange_rates_on(&mut self, date: &str) -> StoreResult<Vec<(String, String, String, String)>> {
        self.query_all(
            "SELECT e.currency, e.date, e.base, e.rate FROM exchange_rates e
             WHERE e.date = (SELECT MAX(x.date) FROM exchange_rates x WHERE x.currency = e.currency AND x.date <= ?1)
             ORDER BY e.currency",
            [date],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    fn insert_balance_account(&mut self, a: &BalanceAccount) -> StoreResult<()> {
        self.exec(
            "INSERT INTO balance_accounts (id, kind, code, currency, balance, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a.id, a.kind, a.code, a.currency, a.balance, a.created_at],
        )?;
        Ok(())
    }

    fn balance_account(&mut self, kind: &str, code: &str) -> StoreResult<Option<BalanceAccount>> {
        self.query_one(
            "SELECT id, kind, code, currency, balance, created_at FROM balance_accounts WHERE kind = ?1 AND code = ?2",
            [kind, code],
            |r| {
                Ok(BalanceAccount {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    code: r.get(2)?,
                    currency: r.get(3)?,
                    balance: r.get(4)?,
                    created_at: r.get(5)?,
                })
            },
        )
    }

    fn change_balance(&mut self, e: &BalanceEntry) -> StoreResult<Result<i64, i64>> {
        let updated: Option<i64> = self.query_one(
            "UPDATE balance_accounts SET balance = balance + ?2 WHERE id = ?1 AND balance + ?2 >= 0 RETURNING balance",
            params![e.account_id, e.amount],
            |r| r.get(0),
        )?;
        let Some(balance) = updated else {
            let current: Option<i64> =
                self.query_one("SELECT balance FROM balance_accounts WHERE id = ?1", [&e.account_id], |r| r.get(0))?;
            return Ok(Err(current.unwrap_or(0)));
        };
        self.exec(
            "INSERT INTO balance_entries (account_id, amount, balance_after, at, reason, order_id, payment_id, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.account_id, e.amount, balance, e.at, e.reason, e.order_id, e.payment_id, e.actor],
        )?;
        Ok(Ok(balance))
    }

    fn balance_entries(&mut self, account_id: &str) -> StoreResult<Vec<BalanceEntry>> {
        self.query_all(
            "SELECT seq, account_id, amount, balance_after, at, reason, order_id, payment_id, actor FROM balance_entries
             WHERE account_id = ?1 ORDER BY seq",
            [account_id],
            |r| {
                Ok(BalanceEntry {
                    seq: r.get(0)?,
                    account_id: r.get(1)?,
                    amount: r.get(2)?,
                    balance_after: r.get(3)?,
                    at: r.get(4)?,
                    reason: r.get(5)?,
                    order_id: r.get(6)?,
                    payment_id: r.get(7)?,
                    actor: r.get(8)?,
                })
            },
        )
    }
}

impl OutboxStore for SqliteTx<'_> {
    fn worker_cursor(&mut self, name: &str) -> StoreResult<i64> {
        Ok(self.query_one("SELECT position FROM worker_cursors WHERE name = ?1", [name], |r| r.get(0))?.unwrap_or(0))
    }

    fn swap_worker_cursor(&mut self, name: &str, expected: i64, new: i64) -> StoreResult<bool> {
        self.exec("INSERT INTO worker_cursors (name, position) VALUES (?1, 0) ON CONFLICT (name) DO NOTHING", [name])?;
        let n = self.exec(
            "UPDATE worker_cursors SET position = ?3 WHERE name = ?1 AND position = ?2",
            params![name, expected, new],
        )?;
        Ok(n == 1)
    }

    fn set_worker_cursor(&mut self, name: &str, position: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO worker_cursors (name, position) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            params![name, position],
        )?;
        Ok(())
    }

    fn append_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        self.exec(
            "INSERT INTO events (id, type, subject, at, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.id, e.event_type, e.subject, e.at, e.data],
        )?;
        Ok(())
    }

    fn list_events(&mut self, page: &Page<i64>, f: &EventFilter) -> StoreResult<Vec<EventRecord>> {
        let mut w = Where::default();
        if let Some(after) = page.after {
            w.add("seq > ?", after);
        }
        if let Some(s) = &f.subject {
            w.add("subject = ?", s.clone());
        }
        if let Some(t) = &f.event_type {
            w.add("type = ?", t.clone());
        }
        let sql = format!(
            "SELECT seq, id, type, subject, at, data FROM events {} ORDER BY seq LIMIT {}",
            w.sql(),
            page.limit
        );
        self.query_all(&sql, rusqlite::params_from_iter(w.params), |r| {
            Ok(EventRecord {
                seq: r.get(0)?,
                id: r.get(1)?,
                event_type: r.get(2)?,
                subject: r.get(3)?,
                at: r.get(4)?,
                data: r.get(5)?,
            })
        })
    }

    fn idempotency_get(&mut self, key_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        self.query_one(
            "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE key_id = ?1 AND idem_key = ?2",
            [key_id, key],
            |r| {
                Ok(IdempotencyRecord {
                    key_id: key_id.to_owned(),
                    key: key.to_owned(),
                    request_hash: r.get(0)?,
                    status: r.get(1)?,
                    body: r.get(2)?,
                    created_at: r.get(3)?,
                })
            },
        )
    }

    fn idempotency_put(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO idempotency_keys (key_id, idem_key, request_hash, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.key_id, r.key, r.request_hash, r.status, r.body, r.created_at],
        )?;
        Ok(())
    }
}

impl MaintenanceStore for SqliteTx<'_> {
    fn stock_totals(&mut self) -> StoreResult<(i64, i64)> {
        Ok(self
            .query_one("SELECT COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0) FROM inventory_levels", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .unwrap_or((0, 0)))
    }

    fn export_rows(&mut self, table: &TableSpec, after: &[Cell], limit: usize) -> StoreResult<Vec<Vec<Cell>>> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let keys = cols[..table.key_len].join(", ");
        let filter = if after.is_empty() {
            String::new()
        } else {
            format!("WHERE ({keys}) > ({})", vec!["?"; table.key_len].join(", "))
        };
        let sql = format!("SELECT {} FROM {} {filter} ORDER BY {keys} LIMIT {limit}", cols.join(", "), table.name);
        let params: Vec<Value> = after.iter().map(to_value).collect();
        self.query_all(&sql, rusqlite::params_from_iter(params), |r| {
            table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| {
                    Ok(match kind {
                        Kind::Int => r.get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
                        Kind::Real => r.get::<_, Option<f64>>(i)?.map_or(Cell::Null, Cell::Real),
                        Kind::Text => r.get::<_, Option<String>>(i)?.map_or(Cell::Null, Cell::Text),
                        Kind::Bool => r.get::<_, Option<bool>>(i)?.map_or(Cell::Null, Cell::Bool),
                        Kind::Bytes => r.get::<_, Option<Vec<u8>>>(i)?.map_or(Cell::Null, Cell::Bytes),
                    })
                })
                .collect()
        })
    }

    fn import_rows(&mut self, table: &TableSpec, rows: &[Vec<Cell>]) -> StoreResult<()> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES {}", table.name, cols.join(", "), placeholders(cols.len()));
        for row in rows {
            let params: Vec<Value> = row.iter().map(to_value).collect();
            self.exec(&sql, rusqlite::params_from_iter(params))?;
        }
        Ok(())
    }

    fn after_import(&mut self) -> StoreResult<()> {
        // Row ids and the order number continue from the largest value present.
        Ok(())
    }

    fn table_counts(&mut self) -> StoreResult<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for table in [
            "api_keys",
            "products",
            "locations",
            "inventory_levels",
            "inventory_movements",
            "customers",
            "orders",
            "events",
            "routing_rule_sets",
            "fulfillments",
            "count_requests",
            "carriers",
            "payments",
            "payment_entries",
            "exchange_rates",
            "balance_accounts",
            "balance_entries",
            "order_records",
            "channel_settings",
            "worker_cursors",
            "stock_buckets",
            "bucket_movements",
        ] {
            let n: i64 = self.query_one(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?.unwrap_or(0);
            out.push((table.to_owned(), n));
        }
        Ok(out)
    }
}
