//! `Tx`, area by area, over one PostgreSQL transaction, with statements prepared once per connection.

use std::collections::HashMap;

use ordo_domain::catalog::{Customer, Location, LocationKind, Product};
use ordo_domain::fulfillment::Fulfillment;
use ordo_domain::id::{CustomerId, LocationId, OrderId, ProductId};
use ordo_domain::inventory::{Level, Movement, Reason};
use ordo_domain::order::Order;
use ordo_domain::routing::Site;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Row, Statement, Transaction};

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

type Param<'a> = &'a (dyn ToSql + Sync);

pub(crate) struct PgTx<'a, 'c> {
    t: &'a mut Transaction<'c>,
    statements: &'a mut HashMap<String, Statement>,
    /// Write transactions lock the stock rows they read; read-only ones cannot.
    write: bool,
    /// Set when the transaction failed in a way that running it again may fix.
    pub(crate) retry_hint: bool,
    pub(crate) connection_lost: bool,
}

/// Errors worth another attempt: contention between transactions, or a uniqueness race
/// whose second attempt finds the row the other transaction wrote.
pub(crate) fn is_retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::UNIQUE_VIOLATION
    )
}

/// The rule a unique constraint stands for, named as the SQLite engine names it.
fn rule(constraint: Option<&str>) -> &'static str {
    match constraint.unwrap_or("") {
        "products_sku_key" => "products.sku",
        "locations_code_key" => "locations.code",
        "customers_email_key" => "customers.email",
        "orders_external_id" => "orders.channel",
        "api_keys_hash_key" => "api_keys.hash",
        "idempotency_keys_pkey" => "idempotency_keys.key_id",
        _ => "a unique rule",
    }
}

impl<'a, 'c> PgTx<'a, 'c> {
    pub(crate) fn new(t: &'a mut Transaction<'c>, statements: &'a mut HashMap<String, Statement>, write: bool) -> Self {
        PgTx { t, statements, write, retry_hint: false, connection_lost: false }
    }

    fn map(&mut self, e: postgres::Error) -> StoreError {
        if is_retryable(&e) {
            self.retry_hint = true;
        }
        if let Some(db) = e.as_db_error() {
            let code = db.code().clone();
            if code == SqlState::UNIQUE_VIOLATION {
                return StoreError::Conflict(rule(db.constraint()));
            }
            if code == SqlState::T_R_SERIALIZATION_FAILURE || code == SqlState::T_R_DEADLOCK_DETECTED {
                return StoreError::Unavailable(format!("contention: {}", db.message()));
            }
            if code == SqlState::QUERY_CANCELED {
                return StoreError::Unavailable("a statement ran past the statement timeout".into());
            }
            if code.code().starts_with("08")
                || code.code().starts_with("57P")
                || code == SqlState::READ_ONLY_SQL_TRANSACTION
            {
                self.connection_lost = true;
                return StoreError::Unavailable(db.message().to_owned());
            }
            return StoreError::Internal(e.to_string());
        }
        // No database error: the connection itself failed.
        self.connection_lost = true;
        StoreError::Unavailable(e.to_string())
    }

    fn prepare(&mut self, sql: &str) -> StoreResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        match self.t.prepare(sql) {
            Ok(s) => {
                self.statements.insert(sql.to_owned(), s.clone());
                Ok(s)
            }
            Err(e) => Err(self.map(e)),
        }
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Vec<Row>> {
        let st = self.prepare(sql)?;
        self.t.query(&st, params).map_err(|e| self.map(e))
    }

    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<Option<Row>> {
        let st = self.prepare(sql)?;
        self.t.query_opt(&st, params).map_err(|e| self.map(e))
    }

    fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> StoreResult<u64> {
        let st = self.prepare(sql)?;
        self.t.execute(&st, params).map_err(|e| self.map(e))
    }
}

fn decode<T>(r: Result<T, postgres::Error>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Internal(format!("unexpected column type: {e}")))
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Internal(format!("stored JSON is unreadable: {e}"))
}

const PRODUCT_COLS: &str = schema::PRODUCTS.column_list;
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

const LOCATION_COLS: &str = schema::LOCATIONS.column_list;
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

const CUSTOMER_COLS: &str = schema::CUSTOMERS.column_list;
fn customer(r: &Row) -> StoreResult<Customer> {
    Ok(Customer {
        id: CustomerId::from_trusted(decode(r.try_get(0))?),
        email: decode(r.try_get(1))?,
        name: decode(r.try_get(2))?,
        phone: decode(r.try_get(3))?,
        version: decode(r.try_get(4))?,
        created_at: decode(r.try_get(5))?,
        updated_at: decode(r.try_get(6))?,
    })
}

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

const MOVEMENT_COLS: &str = schema::INVENTORY_MOVEMENTS.column_list;
fn movement(r: &Row) -> StoreResult<Movement> {
    let reason: String = decode(r.try_get(9))?;
    let order_id: Option<String> = decode(r.try_get(11))?;
    Ok(Movement {
        seq: decode(r.try_get(0))?,
        at: decode(r.try_get(1))?,
        location_id: LocationId::from_trusted(decode(r.try_get(2))?),
        location: decode(r.try_get(3))?,
        sku: decode(r.try_get(4))?,
        on_hand_delta: decode(r.try_get(5))?,
        reserved_delta: decode(r.try_get(6))?,
        on_hand_after: decode(r.try_get(7))?,
        reserved_after: decode(r.try_get(8))?,
        reason: Reason::parse(&reason).unwrap_or(Reason::Correction),
        actor: decode(r.try_get(10))?,
        order_id: order_id.map(OrderId::from_trusted),
        note: decode(r.try_get(12))?,
    })
}

fn level_record(r: &Row) -> StoreResult<LevelRecord> {
    Ok(LevelRecord {
        sku: decode(r.try_get(0))?,
        location_id: LocationId::from_trusted(decode(r.try_get(1))?),
        on_hand: decode(r.try_get(2))?,
        reserved: decode(r.try_get(3))?,
        location: decode(r.try_get(4))?,
    })
}

fn order(r: &Row) -> StoreResult<Order> {
    let body: String = decode(r.try_get(0))?;
    let mut o: Order = serde_json::from_str(&body).map_err(json_err)?;
    o.number = decode(r.try_get(1))?;
    Ok(o)
}

fn payment_record(r: &Row) -> StoreResult<PaymentRecord> {
    Ok(PaymentRecord {
        id: decode(r.try_get(0))?,
        order_id: decode(r.try_get(1))?,
        provider: decode(r.try_get(2))?,
        currency: decode(r.try_get(3))?,
        created_at: decode(r.try_get(4))?,
        body: decode(r.try_get(5))?,
        reference: decode(r.try_get(6))?,
    })
}

fn order_record(r: &Row) -> StoreResult<OrderRecord> {
    Ok(OrderRecord {
        id: decode(r.try_get(0))?,
        order_id: decode(r.try_get(1))?,
        kind: decode(r.try_get(2))?,
        status: decode(r.try_get(3))?,
        created_at: decode(r.try_get(4))?,
        updated_at: decode(r.try_get(5))?,
        body: decode(r.try_get(6))?,
    })
}

const ORDER_RECORD_COLS: &str = schema::ORDER_RECORDS.column_list;
const PAYMENT_COLS: &str = schema::PAYMENTS.column_list;

/// A cell as a parameter of the column's type (a NULL still needs one).
fn to_sql(c: &Cell, kind: Kind) -> Box<dyn ToSql + Sync> {
    match (c, kind) {
        (Cell::Int(v), _) => Box::new(*v),
        (Cell::Real(v), _) => Box::new(*v),
        (Cell::Text(v), _) => Box::new(v.clone()),
        (Cell::Bool(v), _) => Box::new(*v),
        (Cell::Bytes(v), _) => Box::new(v.clone()),
        (Cell::Null, Kind::Int) => Box::new(None::<i64>),
        (Cell::Null, Kind::Real) => Box::new(None::<f64>),
        (Cell::Null, Kind::Text) => Box::new(None::<String>),
        (Cell::Null, Kind::Bool) => Box::new(None::<bool>),
        (Cell::Null, Kind::Bytes) => Box::new(None::<Vec<u8>>),
    }
}

/// Builds `WHERE` clauses with numbered placeholders and their parameters.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Where {
    fn add(&mut self, clause: &str, value: impl ToSql + Sync + 'static) {
        self.params.push(Box::new(value));
        self.clauses.push(clause.replace('?', &format!("${}", self.params.len())));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }

    fn params(&self) -> Vec<Param<'_>> {
        self.params.iter().map(|p| p.as_ref() as Param<'_>).collect()
    }
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
                    l.longitude, l.daily_capacity - COALESCE(d.orders, 0)
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
            })
        })
        .collect()
    }

    fn add_location_load(&mut self, location_id: &str, day: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO location_load (location_id, day, orders) VALUES ($1, $2, 1)
             ON CONFLICT (location_id, day) DO UPDATE SET orders = location_load.orders + 1",
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
}

impl InventoryStore for PgTx<'_, '_> {
    fn levels_for_skus(&mut self, skus: &[&str]) -> StoreResult<Vec<LevelRecord>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus: Vec<&str> = skus.to_vec();
        // In a write transaction the rows are locked, always in (SKU, location) order, so that
        // two orders over the same SKUs queue instead of deadlocking; the plan made from them
        // then cannot be overtaken before commit.
        let sql = if self.write {
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id WHERE l.sku = ANY($1)
             ORDER BY l.sku, l.location_id FOR UPDATE OF l"
        } else {
            "SELECT l.sku, l.location_id, l.on_hand, l.reserved, loc.code FROM inventory_levels l
             JOIN locations loc ON loc.id = l.location_id WHERE l.sku = ANY($1)
             ORDER BY l.sku, loc.code COLLATE \"C\""
        };
        let mut rows: Vec<LevelRecord> =
            self.query(sql, &[&skus])?.iter().map(level_record).collect::<StoreResult<_>>()?;
        rows.sort_by(|a, b| a.sku.cmp(&b.sku).then_with(|| a.location.cmp(&b.location)));
        Ok(rows)
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
        if let Some((s, loc)) = &page.after {
            w.params.push(Box::new(s.clone()));
            w.params.push(Box::new(loc.clone()));
            let n = w.params.len();
            w.clauses.push(format!("(l.sku, l.location_id) > (${}, ${})", n - 1, n));
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
        let params = w.params();
        self.query(&sql, &params)?.iter().map(level_record).collect()
    }

    fn change_level(&mut self, c: &LevelChange) -> StoreResult<Result<Movement, Level>> {
        let loc = c.location_id.as_str();
        let order_id = c.order_id.as_deref();
        let movement = |seq: i64, next: Level| Movement {
            seq,
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
        };
        // The common case in one round trip: a guarded update of the existing row (it changes
        // only if the result stays valid) and its ledger entry, or nothing at all.
        let done = self.query_opt(
            "WITH changed AS (
                UPDATE inventory_levels SET on_hand = on_hand + $3, reserved = reserved + $4, updated_at = $5
                WHERE sku = $1 AND location_id = $2
                  AND on_hand + $3 >= 0 AND reserved + $4 >= 0 AND reserved + $4 <= on_hand + $3
                RETURNING on_hand, reserved)
             INSERT INTO inventory_movements (at, location_id, location, sku, on_hand_delta, reserved_delta,
                 on_hand_after, reserved_after, reason, actor, order_id, note)
             SELECT $5, $2, $6, $1, $3, $4, changed.on_hand, changed.reserved, $7, $8, $9, $10 FROM changed
             RETURNING seq, on_hand_after, reserved_after",
            &[
                &c.sku,
                &loc,
                &c.on_hand_delta,
                &c.reserved_delta,
                &c.at,
                &c.location,
                &c.reason.as_str(),
                &c.actor,
                &order_id,
                &c.note,
            ],
        )?;
        if let Some(r) = done {
            let next = Level { on_hand: decode(r.try_get(1))?, reserved: decode(r.try_get(2))? };
            return Ok(Ok(movement(decode(r.try_get(0))?, next)));
        }
        let current = self.query_opt(
            "SELECT on_hand, reserved FROM inventory_levels WHERE sku = $1 AND location_id = $2",
            &[&c.sku, &loc],
        )?;
        if let Some(r) = current {
            // The row exists, so the guard refused the change.
            return Ok(Err(Level { on_hand: decode(r.try_get(0))?, reserved: decode(r.try_get(1))? }));
        }
        let Ok(next) = Level::default().apply(c.on_hand_delta, c.reserved_delta) else {
            return Ok(Err(Level::default()));
        };
        let inserted = self.exec(
            "INSERT INTO inventory_levels (sku, location_id, on_hand, reserved, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (sku, location_id) DO NOTHING",
            &[&c.sku, &loc, &next.on_hand, &next.reserved, &c.at],
        )?;
        if inserted == 0 {
            // Another transaction created the row in the meantime: run again and meet it.
            self.retry_hint = true;
            return Err(StoreError::Unavailable("contention: the stock row was created concurrently".into()));
        }
        let row = self.query_opt(
            &format!(
                "INSERT INTO inventory_movements ({MOVEMENT_COLS}) VALUES (DEFAULT, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING seq"
            ),
            &[
                &c.at,
                &loc,
                &c.location,
                &c.sku,
                &c.on_hand_delta,
                &c.reserved_delta,
                &next.on_hand,
                &next.reserved,
                &c.reason.as_str(),
                &c.actor,
                &order_id,
                &c.note,
            ],
        )?;
        match row {
            Some(r) => Ok(Ok(movement(decode(r.try_get(0))?, next))),
            None => Err(StoreError::Internal("the ledger insert returned no sequence".into())),
        }
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
        let params = w.params();
        self.query(&sql, &params)?.iter().map(movement).collect()
    }

    fn request_count(&mut self, r: &CountRequest) -> StoreResult<()> {
        self.exec(
            "INSERT INTO count_requests (sku, location_id, location, requested_at, reason) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (sku, location_id) DO UPDATE SET requested_at = excluded.requested_at, reason = excluded.reason",
            &[&r.sku, &r.location_id, &r.location, &r.requested_at, &r.reason],
        )?;
        Ok(())
    }

    fn clear_count_request(&mut self, sku: &str, location_id: &str) -> StoreResult<()> {
        self.exec("DELETE FROM count_requests WHERE sku = $1 AND location_id = $2", &[&sku, &location_id])?;
        Ok(())
    }

    fn count_requests(&mut self, location_id: Option<&str>) -> StoreResult<Vec<CountRequest>> {
        self.query(
            "SELECT sku, location_id, location, requested_at, reason FROM count_requests
             WHERE $1::TEXT IS NULL OR location_id = $1 ORDER BY requested_at, sku",
            &[&location_id],
        )?
        .iter()
        .map(|r| {
            Ok(CountRequest {
                sku: decode(r.try_get(0))?,
                location_id: decode(r.try_get(1))?,
                location: decode(r.try_get(2))?,
                requested_at: decode(r.try_get(3))?,
                reason: decode(r.try_get(4))?,
            })
        })
        .collect()
    }

    fn change_bucket(&mut self, c: &BucketChange) -> StoreResult<Result<i64, i64>> {
        // Adding upserts; taking away is a guarded update, so the CHECK is never hit (an error
        // would abort the whole transaction).
        let row = if c.delta >= 0 {
            self.query_opt(
                "INSERT INTO stock_buckets (sku, location_id, bucket, quantity, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (sku, location_id, bucket) DO UPDATE
                   SET quantity = stock_buckets.quantity + excluded.quantity, updated_at = excluded.updated_at
                 RETURNING quantity",
                &[&c.sku, &c.location_id, &c.bucket, &c.delta, &c.at],
            )?
        } else {
            self.query_opt(
                "UPDATE stock_buckets SET quantity = quantity + $4, updated_at = $5
                 WHERE sku = $1 AND location_id = $2 AND bucket = $3 AND quantity + $4 >= 0
                 RETURNING quantity",
                &[&c.sku, &c.location_id, &c.bucket, &c.delta, &c.at],
            )?
        };
        let after: i64 = match row {
            Some(r) => decode(r.try_get(0))?,
            None => {
                let current = self
                    .query_opt(
                        "SELECT quantity FROM stock_buckets WHERE sku = $1 AND location_id = $2 AND bucket = $3",
                        &[&c.sku, &c.location_id, &c.bucket],
                    )?
                    .map(|r| decode(r.try_get(0)))
                    .transpose()?
                    .unwrap_or(0);
                return Ok(Err(current));
            }
        };
        self.exec(
            "INSERT INTO bucket_movements (at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[&c.at, &c.location_id, &c.location, &c.sku, &c.bucket, &c.delta, &after, &c.reason, &c.actor, &c.order_id, &c.reference, &c.note],
        )?;
        Ok(Ok(after))
    }

    fn buckets_for_sku(&mut self, sku: &str) -> StoreResult<Vec<BucketLevel>> {
        self.query(
            "SELECT sku, location_id, bucket, quantity FROM stock_buckets WHERE sku = $1 ORDER BY location_id, bucket",
            &[&sku],
        )?
        .iter()
        .map(|r| {
            Ok(BucketLevel {
                sku: decode(r.try_get(0))?,
                location_id: decode(r.try_get(1))?,
                bucket: decode(r.try_get(2))?,
                quantity: decode(r.try_get(3))?,
            })
        })
        .collect()
    }

    fn bucket_movements(&mut self, sku: &str) -> StoreResult<Vec<BucketMovement>> {
        self.query(
            "SELECT seq, at, location_id, location, sku, bucket, delta, quantity_after, reason, actor, order_id, reference, note
             FROM bucket_movements WHERE sku = $1 ORDER BY seq",
            &[&sku],
        )?
        .iter()
        .map(|r| {
            Ok(BucketMovement {
                seq: decode(r.try_get(0))?,
                change: BucketChange {
                    at: decode(r.try_get(1))?,
                    location_id: decode(r.try_get(2))?,
                    location: decode(r.try_get(3))?,
                    sku: decode(r.try_get(4))?,
                    bucket: decode(r.try_get(5))?,
                    delta: decode(r.try_get(6))?,
                    reason: decode(r.try_get(8))?,
                    actor: decode(r.try_get(9))?,
                    order_id: decode(r.try_get(10))?,
                    reference: decode(r.try_get(11))?,
                    note: decode(r.try_get(12))?,
                },
                quantity_after: decode(r.try_get(7))?,
            })
        })
        .collect()
    }
}

impl CustomerStore for PgTx<'_, '_> {
    fn insert_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            &format!("INSERT INTO customers ({CUSTOMER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[&c.id.as_str(), &c.email, &c.name, &c.phone, &c.version, &c.created_at, &c.updated_at],
        )?;
        Ok(())
    }

    fn update_customer(&mut self, c: &Customer) -> StoreResult<()> {
        self.exec(
            "UPDATE customers SET email = $2, name = $3, phone = $4, version = $5, updated_at = $6 WHERE id = $1",
            &[&c.id.as_str(), &c.email, &c.name, &c.phone, &c.version, &c.updated_at],
        )?;
        Ok(())
    }

    fn customer_by_id(&mut self, id: &str) -> StoreResult<Option<Customer>> {
        self.query_opt(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE id = $1"), &[&id])?
            .as_ref()
            .map(customer)
            .transpose()
    }

    fn customer_by_email(&mut self, email: &str) -> StoreResult<Option<Customer>> {
        self.query_opt(&format!("SELECT {CUSTOMER_COLS} FROM customers WHERE email = $1"), &[&email])?
            .as_ref()
            .map(customer)
            .transpose()
    }

    fn list_customers(&mut self, page: &Page<String>, email_prefix: Option<&str>) -> StoreResult<Vec<Customer>> {
        let mut w = Where::default();
        if let Some(after) = &page.after {
            w.add("id < ?", after.clone());
        }
        if let Some(p) = email_prefix {
            w.add("email >= ?", p.to_owned());
            w.add("email < ?", format!("{p}\u{10FFFF}"));
        }
        let sql = format!("SELECT {CUSTOMER_COLS} FROM customers {} ORDER BY id DESC LIMIT {}", w.sql(), page.limit);
        let params = w.params();
        self.query(&sql, &params)?.iter().map(customer).collect()
    }
}

impl OrderStore for PgTx<'_, '_> {
    fn next_order_number(&mut self) -> StoreResult<i64> {
        let row = self.query_opt("SELECT nextval('order_numbers')", &[])?;
        match row {
            Some(r) => decode(r.try_get(0)),
            None => Err(StoreError::Internal("the order number sequence returned nothing".into())),
        }
    }

    fn insert_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "INSERT INTO orders (number, id, channel, external_id, customer_id, status, created_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&o.number, &o.id.as_str(), &o.channel, &o.external_id, &o.customer_id.as_str(), &o.status.as_str(), &o.created_at, &body],
        )?;
        Ok(())
    }

    fn update_order(&mut self, o: &Order) -> StoreResult<()> {
        let body = serde_json::to_string(o).map_err(json_err)?;
        self.exec(
            "UPDATE orders SET status = $2, body = $3 WHERE id = $1",
            &[&o.id.as_str(), &o.status.as_str(), &body],
        )?;
        Ok(())
    }

    fn order_by_id(&mut self, id: &str) -> StoreResult<Option<Order>> {
        // A write transaction locks the order, so changes to one order happen one at a time.
        let sql = if self.write {
            "SELECT body, number FROM orders WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT body, number FROM orders WHERE id = $1"
        };
        self.query_opt(sql, &[&id])?.as_ref().map(order).transpose()
    }

    fn order_id_by_external_id(&mut self, channel: &str, external_id: &str) -> StoreResult<Option<String>> {
        match self
            .query_opt("SELECT id FROM orders WHERE channel = $1 AND external_id = $2", &[&channel, &external_id])?
        {
            Some(r) => Ok(Some(decode(r.try_get(0))?)),
            None => Ok(None),
        }
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
        let params = w.params();
        self.query(&sql, &params)?.iter().map(order).collect()
    }

    fn insert_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO order_records (id, order_id, kind, status, created_at, updated_at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&r.id, &r.order_id, &r.kind, &r.status, &r.created_at, &r.updated_at, &r.body],
        )?;
        Ok(())
    }

    fn update_order_record(&mut self, r: &OrderRecord) -> StoreResult<()> {
        self.exec(
            "UPDATE order_records SET status = $2, updated_at = $3, body = $4 WHERE id = $1",
            &[&r.id, &r.status, &r.updated_at, &r.body],
        )?;
        Ok(())
    }

    fn order_record(&mut self, id: &str) -> StoreResult<Option<OrderRecord>> {
        self.query_opt(&format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE id = $1"), &[&id])?
            .as_ref()
            .map(order_record)
            .transpose()
    }

    fn order_records(&mut self, order_id: &str, kind: &str) -> StoreResult<Vec<OrderRecord>> {
        self.query(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE order_id = $1 AND kind = $2 ORDER BY id"),
            &[&order_id, &kind],
        )?
        .iter()
        .map(order_record)
        .collect()
    }

    fn order_records_in_status(
        &mut self,
        kind: &str,
        status: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<OrderRecord>> {
        self.query(
            &format!("SELECT {ORDER_RECORD_COLS} FROM order_records WHERE kind = $1 AND status = $2 AND id > $3 ORDER BY id LIMIT $4"),
            &[&kind, &status, &after.unwrap_or(""), &(limit as i64)],
        )?
        .iter()
        .map(order_record)
        .collect()
    }

    fn channel_settings(&mut self, channel: &str) -> StoreResult<Option<String>> {
        self.query_opt("SELECT body FROM channel_settings WHERE channel = $1", &[&channel])?
            .map(|r| decode(r.try_get(0)))
            .transpose()
    }

    fn put_channel_settings(&mut self, channel: &str, body: &str, at: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO channel_settings (channel, body, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (channel) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            &[&channel, &body, &at],
        )?;
        Ok(())
    }
}

impl FulfillmentStore for PgTx<'_, '_> {
    fn insert_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()> {
        let body = serde_json::to_string(f).map_err(json_err)?;
        self.exec(
            "INSERT INTO fulfillments (id, order_id, location_id, status, created_at, body, tracking_number)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &f.id.as_str(),
                &f.order_id.as_str(),
                &f.location_id.as_str(),
                &f.status.as_str(),
                &f.created_at,
                &body,
                &f.tracking_number,
            ],
        )?;
        Ok(())
    }

    fn update_fulfillment(&mut self, f: &Fulfillment) -> StoreResult<()> {
        let body = serde_json::to_string(f).map_err(json_err)?;
        self.exec(
            "UPDATE fulfillments SET status = $2, body = $3, tracking_number = $4 WHERE id = $1",
            &[&f.id.as_str(), &f.status.as_str(), &body, &f.tracking_number],
        )?;
        Ok(())
    }

    fn fulfillment_by_id(&mut self, id: &str) -> StoreResult<Option<Fulfillment>> {
        let sql = if self.write {
            "SELECT body FROM fulfillments WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT body FROM fulfillments WHERE id = $1"
        };
        match self.query_opt(sql, &[&id])? {
            Some(r) => Ok(Some(serde_json::from_str(&decode::<String>(r.try_get(0))?).map_err(json_err)?)),
            None => Ok(None),
        }
    }

    fn fulfillments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<Fulfillment>> {
        self.query("SELECT body FROM fulfillments WHERE order_id = $1 ORDER BY id", &[&order_id])?
            .iter()
            .map(|r| serde_json::from_str(&decode::<String>(r.try_get(0))?).map_err(json_err))
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
        let params = w.params();
        self.query(&sql, &params)?
            .iter()
            .map(|r| serde_json::from_str(&decode::<String>(r.try_get(0))?).map_err(json_err))
            .collect()
    }

    fn fulfillments_by_tracking(&mut self, tracking_number: &str) -> StoreResult<Vec<Fulfillment>> {
        let sql = if self.write {
            "SELECT body FROM fulfillments WHERE tracking_number = $1 ORDER BY id FOR UPDATE"
        } else {
            "SELECT body FROM fulfillments WHERE tracking_number = $1 ORDER BY id"
        };
        self.query(sql, &[&tracking_number])?
            .iter()
            .map(|r| serde_json::from_str(&decode::<String>(r.try_get(0))?).map_err(json_err))
            .collect()
    }
}

impl PaymentStore for PgTx<'_, '_> {
    fn insert_payment(&mut self, p: &PaymentRecord) -> StoreResult<()> {
        self.exec(
            "INSERT INTO payments (id, order_id, provider, currency, created_at, body, reference)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&p.id, &p.order_id, &p.provider, &p.currency, &p.created_at, &p.body, &p.reference],
        )?;
        Ok(())
    }

    fn payments_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentRecord>> {
        self.query(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE order_id = $1 ORDER BY id"), &[&order_id])?
            .iter()
            .map(payment_record)
            .collect()
    }

    fn payment_by_id(&mut self, id: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_opt(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE id = $1"), &[&id])?
            .as_ref()
            .map(payment_record)
            .transpose()
    }

    fn payment_by_reference(&mut self, reference: &str) -> StoreResult<Option<PaymentRecord>> {
        self.query_opt(&format!("SELECT {PAYMENT_COLS} FROM payments WHERE reference = $1"), &[&reference])?
            .as_ref()
            .map(payment_record)
            .transpose()
    }

    fn append_payment_entry(&mut self, e: &PaymentEntry) -> StoreResult<i64> {
        let row = self.query_opt(
            "INSERT INTO payment_entries (payment_id, order_id, kind, amount, at, actor, reason, reference)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
            &[&e.payment_id, &e.order_id, &e.kind, &e.amount, &e.at, &e.actor, &e.reason, &e.reference],
        )?;
        match row {
            Some(r) => decode(r.try_get(0)),
            None => Err(StoreError::Internal("the payment entry insert returned no sequence".into())),
        }
    }

    fn payment_entries_for_order(&mut self, order_id: &str) -> StoreResult<Vec<PaymentEntry>> {
        self.query(
            "SELECT seq, payment_id, order_id, kind, amount, at, actor, reason, reference FROM payment_entries
             WHERE order_id = $1 ORDER BY seq",
            &[&order_id],
        )?
        .iter()
        .map(|r| {
            Ok(PaymentEntry {
                seq: decode(r.try_get(0))?,
                payment_id: decode(r.try_get(1))?,
                order_id: decode(r.try_get(2))?,
                kind: decode(r.try_get(3))?,
                amount: decode(r.try_get(4))?,
                at: decode(r.try_get(5))?,
                actor: decode(r.try_get(6))?,
                reason: decode(r.try_get(7))?,
                reference: decode(r.try_get(8))?,
            })
        })
        .collect()
    }

    fn put_exchange_rate(&mut self, date: &str, currency: &str, base: &str, rate: &str) -> StoreResult<()> {
        self.exec(
            "INSERT INTO exchange_rates (date, currency, base, rate) VALUES ($1, $2, $3, $4)
             ON CONFLICT (currency, date) DO UPDATE SET base = excluded.base, rate = excluded.rate",
            &[&date, &currency, &base, &rate],
        )?;
        Ok(())
    }

    fn exchange_rates_on(&mut self, date: &str) -> StoreResult<Vec<(String, String, String, String)>> {
        self.query(
            "SELECT e.currency, e.date, e.base, e.rate FROM exchange_rates e
             WHERE e.date = (SELECT MAX(x.date) FROM exchange_rates x WHERE x.currency = e.currency AND x.date <= $1)
             ORDER BY e.currency",
            &[&date],
        )?
        .iter()
        .map(|r| Ok((decode(r.try_get(0))?, decode(r.try_get(1))?, decode(r.try_get(2))?, decode(r.try_get(3))?)))
        .collect()
    }

    fn insert_balance_account(&mut self, a: &BalanceAccount) -> StoreResult<()> {
        self.exec(
            "INSERT INTO balance_accounts (id, kind, code, currency, balance, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&a.id, &a.kind, &a.code, &a.currency, &a.balance, &a.created_at],
        )?;
        Ok(())
    }

    fn balance_account(&mut self, kind: &str, code: &str) -> StoreResult<Option<BalanceAccount>> {
        let row = self.query_opt(
            "SELECT id, kind, code, currency, balance, created_at FROM balance_accounts WHERE kind = $1 AND code = $2",
            &[&kind, &code],
        )?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(BalanceAccount {
                id: decode(r.try_get(0))?,
                kind: decode(r.try_get(1))?,
                code: decode(r.try_get(2))?,
                currency: decode(r.try_get(3))?,
                balance: decode(r.try_get(4))?,
                created_at: decode(r.try_get(5))?,
            })),
        }
    }

    fn change_balance(&mut self, e: &BalanceEntry) -> StoreResult<Result<i64, i64>> {
        let updated = self.query_opt(
            "UPDATE balance_accounts SET balance = balance + $2 WHERE id = $1 AND balance + $2 >= 0 RETURNING balance",
            &[&e.account_id, &e.amount],
        )?;
        let balance: i64 = match updated {
            Some(r) => decode(r.try_get(0))?,
            None => {
                let current = self.query_opt("SELECT balance FROM balance_accounts WHERE id = $1", &[&e.account_id])?;
                return Ok(Err(match current {
                    Some(r) => decode(r.try_get(0))?,
                    None => 0,
                }));
            }
        };
        self.exec(
            "INSERT INTO balance_entries (account_id, amount, balance_after, at, reason, order_id, payment_id, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&e.account_id, &e.amount, &balance, &e.at, &e.reason, &e.order_id, &e.payment_id, &e.actor],
        )?;
        Ok(Ok(balance))
    }

    fn balance_entries(&mut self, account_id: &str) -> StoreResult<Vec<BalanceEntry>> {
        self.query(
            "SELECT seq, account_id, amount, balance_after, at, reason, order_id, payment_id, actor FROM balance_entries
             WHERE account_id = $1 ORDER BY seq",
            &[&account_id],
        )?
        .iter()
        .map(|r| {
            Ok(BalanceEntry {
                seq: decode(r.try_get(0))?,
                account_id: decode(r.try_get(1))?,
                amount: decode(r.try_get(2))?,
                balance_after: decode(r.try_get(3))?,
                at: decode(r.try_get(4))?,
                reason: decode(r.try_get(5))?,
                order_id: decode(r.try_get(6))?,
                payment_id: decode(r.try_get(7))?,
                actor: decode(r.try_get(8))?,
            })
        })
        .collect()
    }
}

impl OutboxStore for PgTx<'_, '_> {
    fn worker_cursor(&mut self, name: &str) -> StoreResult<i64> {
        Ok(self
            .query_opt("SELECT position FROM worker_cursors WHERE name = $1", &[&name])?
            .map(|r| decode(r.try_get(0)))
            .transpose()?
            .unwrap_or(0))
    }

    fn swap_worker_cursor(&mut self, name: &str, expected: i64, new: i64) -> StoreResult<bool> {
        self.exec(
            "INSERT INTO worker_cursors (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
            &[&name],
        )?;
        let n = self.exec(
            "UPDATE worker_cursors SET position = $3 WHERE name = $1 AND position = $2",
            &[&name, &expected, &new],
        )?;
        Ok(n == 1)
    }

    fn set_worker_cursor(&mut self, name: &str, position: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO worker_cursors (name, position) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            &[&name, &position],
        )?;
        Ok(())
    }

    fn append_event(&mut self, e: &NewEvent<'_>) -> StoreResult<()> {
        self.exec(
            "INSERT INTO events (id, type, subject, at, data) VALUES ($1, $2, $3, $4, $5)",
            &[&e.id, &e.event_type, &e.subject, &e.at, &e.data],
        )?;
        Ok(())
    }

    fn list_events(&mut self, page: &Page<i64>, f: &EventFilter) -> StoreResult<Vec<EventRecord>> {
        let mut w = Where::default();
        if let Some(after) = page.after {
            w.add("seq > ?", after);
        }
        match &f.subject {
            // One object's events are written one transaction at a time (the object's row is
            // locked), so their sequence is their commit order.
            Some(s) => w.add("subject = ?", s.clone()),
            // The whole feed holds back events of transactions still in flight: a sequence
            // number is taken before commit, so a later one may become visible first.
            None => w.clauses.push("txid < pg_snapshot_xmin(pg_current_snapshot())".to_owned()),
        }
        if let Some(t) = &f.event_type {
            w.add("type = ?", t.clone());
        }
        let sql = format!(
            "SELECT seq, id, type, subject, at, data FROM events {} ORDER BY seq LIMIT {}",
            w.sql(),
            page.limit
        );
        let params = w.params();
        self.query(&sql, &params)?
            .iter()
            .map(|r| {
                Ok(EventRecord {
                    seq: decode(r.try_get(0))?,
                    id: decode(r.try_get(1))?,
                    event_type: decode(r.try_get(2))?,
                    subject: decode(r.try_get(3))?,
                    at: decode(r.try_get(4))?,
                    data: decode(r.try_get(5))?,
                })
            })
            .collect()
    }

    fn idempotency_get(&mut self, key_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        let row = self.query_opt(
            "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE key_id = $1 AND idem_key = $2",
            &[&key_id, &key],
        )?;
        match row {
            None => Ok(None),
            Some(r) => {
                let status: i64 = decode(r.try_get(1))?;
                Ok(Some(IdempotencyRecord {
                    key_id: key_id.to_owned(),
                    key: key.to_owned(),
                    request_hash: decode(r.try_get(0))?,
                    status: u16::try_from(status).unwrap_or(200),
                    body: decode(r.try_get(2))?,
                    created_at: decode(r.try_get(3))?,
                }))
            }
        }
    }

    fn idempotency_put(&mut self, r: &IdempotencyRecord) -> StoreResult<()> {
        let status = i64::from(r.status);
        self.exec(
            "INSERT INTO idempotency_keys (key_id, idem_key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&r.key_id, &r.key, &r.request_hash, &status, &r.body, &r.created_at],
        )?;
        Ok(())
    }
}

impl MaintenanceStore for PgTx<'_, '_> {
    fn stock_totals(&mut self) -> StoreResult<(i64, i64)> {
        let row = self.query_opt(
            "SELECT COALESCE(SUM(on_hand), 0)::BIGINT, COALESCE(SUM(reserved), 0)::BIGINT FROM inventory_levels",
            &[],
        )?;
        match row {
            Some(r) => Ok((decode(r.try_get(0))?, decode(r.try_get(1))?)),
            None => Ok((0, 0)),
        }
    }

    fn export_rows(&mut self, table: &TableSpec, after: &[Cell], limit: usize) -> StoreResult<Vec<Vec<Cell>>> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let keys = cols[..table.key_len].join(", ");
        let filter = if after.is_empty() {
            String::new()
        } else {
            let ps: Vec<String> = (1..=table.key_len).map(|i| format!("${i}")).collect();
            format!("WHERE ({keys}) > ({})", ps.join(", "))
        };
        let sql = format!("SELECT {} FROM {} {filter} ORDER BY {keys} LIMIT {limit}", cols.join(", "), table.name);
        let kinds: Vec<Kind> = table.columns[..table.key_len].iter().map(|(_, k)| *k).collect();
        let boxed: Vec<Box<dyn ToSql + Sync>> = after.iter().zip(kinds).map(|(c, k)| to_sql(c, k)).collect();
        let params: Vec<Param<'_>> = boxed.iter().map(|p| p.as_ref() as Param<'_>).collect();
        let rows = self.query(&sql, &params)?;
        rows.iter()
            .map(|r| {
                table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, kind))| {
                        Ok(match kind {
                            Kind::Int => decode(r.try_get::<_, Option<i64>>(i))?.map_or(Cell::Null, Cell::Int),
                            Kind::Real => decode(r.try_get::<_, Option<f64>>(i))?.map_or(Cell::Null, Cell::Real),
                            Kind::Text => decode(r.try_get::<_, Option<String>>(i))?.map_or(Cell::Null, Cell::Text),
                            Kind::Bool => decode(r.try_get::<_, Option<bool>>(i))?.map_or(Cell::Null, Cell::Bool),
                            Kind::Bytes => decode(r.try_get::<_, Option<Vec<u8>>>(i))?.map_or(Cell::Null, Cell::Bytes),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    fn import_rows(&mut self, table: &TableSpec, rows: &[Vec<Cell>]) -> StoreResult<()> {
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let ps: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES ({})", table.name, cols.join(", "), ps.join(", "));
        for row in rows {
            let boxed: Vec<Box<dyn ToSql + Sync>> =
                row.iter().zip(table.columns.iter()).map(|(c, (_, k))| to_sql(c, *k)).collect();
            let params: Vec<Param<'_>> = boxed.iter().map(|p| p.as_ref() as Param<'_>).collect();
            self.exec(&sql, &params)?;
        }
        Ok(())
    }

    fn after_import(&mut self) -> StoreResult<()> {
        // Order numbers come from a sequence of their own, starting at 1001.
        self.query_opt(
            "SELECT setval('order_numbers', GREATEST(1001, (SELECT COALESCE(MAX(number), 0) + 1 FROM orders)), false)",
            &[],
        )?;
        for table in schema::TABLES.iter().filter(|t| t.numbered) {
            let (name, key) = (table.name, table.columns[0].0);
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{name}', '{key}'), (SELECT COALESCE(MAX({key}), 0) + 1 FROM {name}), false)"
            );
            self.query_opt(&sql, &[])?;
        }
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
            let row = self.query_opt(&format!("SELECT COUNT(*) FROM {table}"), &[])?;
            let n: i64 = match row {
                Some(r) => decode(r.try_get(0))?,
                None => 0,
            };
            out.push((table.to_owned(), n));
        }
        Ok(out)
    }
}
