//! Products and locations: create, read, list and versioned updates.

use ordo_domain::catalog::{Location, LocationKind, Product};
use ordo_domain::id::{LocationId, ProductId};
use ordo_domain::validate::Errors;
use ordo_store::Page;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::LocationRef;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::{check_version, require};
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{AddressInput, MoneyInput, check_address, check_coordinates, check_money, double_option};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// A new catalogue product.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    /// Stock-keeping unit: letters, digits, `-`, `_`, `.`; unique.
    #[schema(
        required = true,
        example = "TSHIRT-RED-M",
        min_length = 1,
        max_length = 64,
        pattern = r"^[A-Za-z0-9._-]+$"
    )]
    pub sku: Option<String>,
    #[schema(
        required = true,
        example = "Red T-shirt, M",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    #[schema(required = true)]
    pub price: Option<MoneyInput>,
    #[schema(minimum = 0, maximum = 10000000)]
    pub weight_grams: Option<i64>,
    /// GTIN/EAN/UPC or any scannable code.
    #[schema(max_length = 64, pattern = r"^[^\u0000]*$")]
    pub barcode: Option<String>,
    /// Defaults to true.
    pub active: Option<bool>,
}

/// Changes to a product; absent fields stay as they are, `null` clears optional ones.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    pub price: Option<MoneyInput>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000000)]
    pub weight_grams: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 64, pattern = r"^[^\u0000]*$")]
    pub barcode: Option<Option<String>>,
    pub active: Option<bool>,
    /// The version the change is based on; a stale one is refused with 412 (as `If-Match`).
    pub version: Option<i64>,
}

/// A new stock location.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLocation {
    /// Short unique code used to refer to the location everywhere, e.g. `"NYC-WH"`.
    #[schema(required = true, example = "NYC-WH", min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9._-]+$")]
    pub code: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    /// `warehouse` or `store`.
    #[schema(required = true, example = "warehouse", value_type = Option<crate::kernel::schema::LocationKind>)]
    pub kind: Option<String>,
    #[schema(required = true)]
    pub address: Option<AddressInput>,
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: Option<f64>,
    /// Whether orders may be shipped from here. Defaults to true for warehouses, false for stores.
    pub ships_orders: Option<bool>,
    /// Whether customers may collect orders here. Defaults to true for stores.
    pub pickup: Option<bool>,
    /// Lower is preferred when several locations could serve an order. Defaults to 100.
    #[schema(minimum = 0, maximum = 1000000)]
    pub priority: Option<i64>,
    /// Orders routing may assign to it per day (UTC); absent for no limit.
    #[schema(minimum = 0, maximum = 10000000)]
    pub daily_capacity: Option<i64>,
    pub active: Option<bool>,
}

/// Changes to a location; the code cannot change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationPatch {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    #[schema(value_type = Option<crate::kernel::schema::LocationKind>)]
    pub kind: Option<String>,
    pub address: Option<AddressInput>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, minimum = -90, maximum = 90)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, minimum = -180, maximum = 180)]
    pub longitude: Option<Option<f64>>,
    pub ships_orders: Option<bool>,
    pub pickup: Option<bool>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub priority: Option<i64>,
    /// `null` removes the limit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000000)]
    pub daily_capacity: Option<Option<i64>>,
    pub active: Option<bool>,
    pub version: Option<i64>,
}

fn check_weight(e: &mut Errors, w: Option<i64>) {
    if let Some(w) = w
        && !(0..=10_000_000).contains(&w)
    {
        e.add("weight_grams", "must be between 0 and 10000000");
    }
}

/// A new product as given, checked (its id and times from `now`).
pub(crate) fn check_new_product(input: &NewProduct, now: i64) -> AppResult<Product> {
    let mut e = Errors::new();
    let sku = e.code("sku", input.sku.as_deref(), 64);
    let name = e.text("name", input.name.as_deref(), 200);
    let price = match &input.price {
        Some(p) => check_money(&mut e, "price", p, None),
        None => {
            e.add("price", "is required");
            None
        }
    };
    check_weight(&mut e, input.weight_grams);
    let barcode = e.optional_text("barcode", input.barcode.as_deref(), 64);
    let (sku, name, price) = e.finish((sku, name, price))?;
    let (sku, name, price) = (sku.unwrap(), name.unwrap(), price.unwrap());
    Ok(Product {
        id: ProductId::generate(now as u64, random_u128()),
        sku,
        name,
        price: price.minor(),
        currency: price.currency().code().to_owned(),
        weight_grams: input.weight_grams,
        barcode,
        active: input.active.unwrap_or(true),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

impl App {
    pub async fn create_product(
        &self,
        actor: &Actor,
        input: NewProduct,
        idem: Option<IdemCtx<Product>>,
    ) -> AppResult<Outcome<Product>> {
        require(actor, Action::WriteCatalog)?;
        let product = check_new_product(&input, self.now())?;
        self.write_idem(idem, move |tx, now| {
            if tx.product_by_sku(&product.sku)?.is_some() {
                return Err(AppError::Conflict(format!("a product with SKU {:?} already exists", product.sku)));
            }
            tx.insert_product(&product)?;
            emit(tx, now, product.id.as_str(), Event::product_created(&product))?;
            Ok(product.clone())
        })
        .await
    }

    pub async fn get_product(&self, actor: &Actor, sku: &str) -> AppResult<Product> {
        require(actor, Action::ReadCatalog)?;
        let sku = sku.to_owned();
        self.store.read(move |tx| tx.product_by_sku(&sku)?.ok_or(AppError::NotFound("product"))).await
    }

    pub async fn list_products(
        &self,
        actor: &Actor,
        page: Page<String>,
        active: Option<bool>,
    ) -> AppResult<Vec<Product>> {
        require(actor, Action::ReadCatalog)?;
        self.store.read(move |tx| Ok(tx.list_products(&page, active)?)).await
    }

    pub async fn update_product(
        &self,
        actor: &Actor,
        sku: &str,
        patch: ProductPatch,
        if_match: Option<i64>,
    ) -> AppResult<Product> {
        require(actor, Action::WriteCatalog)?;
        let mut e = Errors::new();
        let name = patch.name.as_deref().map(|n| e.text("name", Some(n), 200));
        let price = patch.price.as_ref().map(|p| check_money(&mut e, "price", p, None));
        check_weight(&mut e, patch.weight_grams.flatten());
        let barcode = patch.barcode.clone().map(|b| e.optional_text("barcode", b.as_deref(), 64));
        e.finish(())?;
        let expected = if_match.or(patch.version);
        let sku = sku.to_owned();
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let mut p = tx.product_by_sku(&sku)?.ok_or(AppError::NotFound("product"))?;
                check_version(expected, p.version)?;
                let now = clock.now_ms();
                if let Some(Some(n)) = &name {
                    p.name = n.clone();
                }
                if let Some(Some(m)) = price {
                    p.price = m.minor();
                    p.currency = m.currency().code().to_owned();
                }
                if let Some(w) = patch.weight_grams {
                    p.weight_grams = w;
                }
                if let Some(b) = &barcode {
                    p.barcode = b.clone();
                }
                if let Some(a) = patch.active {
                    p.active = a;
                }
                p.version += 1;
                p.updated_at = now;
                tx.update_product(&p)?;
                emit(tx, now, p.id.as_str(), Event::product_updated(&p))?;
                Ok(p)
            })
            .await
    }

    pub async fn create_location(
        &self,
        actor: &Actor,
        input: NewLocation,
        idem: Option<IdemCtx<Location>>,
    ) -> AppResult<Outcome<Location>> {
        require(actor, Action::WriteCatalog)?;
        let mut e = Errors::new();
        let code = e.code("code", input.code.as_deref(), 32);
        let name = e.text("name", input.name.as_deref(), 200);
        let kind = parse_kind(&mut e, input.kind.as_deref(), true);
        let address = match &input.address {
            Some(a) => Some(check_address(&mut e, "address", a)),
            None => {
                e.add("address", "is required");
                None
            }
        };
        let (latitude, longitude) = (
            input.latitude.or(input.address.as_ref().and_then(|a| a.latitude)),
            input.longitude.or(input.address.as_ref().and_then(|a| a.longitude)),
        );
        check_coordinates(&mut e, "", input.latitude, input.longitude);
        check_priority(&mut e, input.priority);
        check_capacity(&mut e, input.daily_capacity);
        let (code, name, kind, address) = e.finish((code, name, kind, address))?;
        let kind = kind.unwrap();
        let now = self.now();
        let location = Location {
            id: LocationId::generate(now as u64, random_u128()),
            code: code.unwrap(),
            name: name.unwrap(),
            kind,
            address: address.unwrap(),
            latitude,
            longitude,
            ships_orders: input.ships_orders.unwrap_or(kind == LocationKind::Warehouse),
            pickup: input.pickup.unwrap_or(kind == LocationKind::Store),
            priority: input.priority.unwrap_or(100),
            daily_capacity: input.daily_capacity,
            active: input.active.unwrap_or(true),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.write_idem(idem, move |tx, now| {
            if tx.location_by_code(&location.code)?.is_some() {
                return Err(AppError::Conflict(format!("a location with code {:?} already exists", location.code)));
            }
            tx.insert_location(&location)?;
            emit(
                tx,
                now,
                location.id.as_str(),
                Event::LocationCreated(LocationRef { code: location.code.clone(), version: None }),
            )?;
            Ok(location.clone())
        })
        .await
    }

    pub async fn get_location(&self, actor: &Actor, code: &str) -> AppResult<Location> {
        require(actor, Action::ReadCatalog)?;
        let code = code.to_owned();
        self.store.read(move |tx| tx.location_by_code(&code)?.ok_or(AppError::NotFound("location"))).await
    }

    pub async fn list_locations(&self, actor: &Actor) -> AppResult<Vec<Location>> {
        require(actor, Action::ReadCatalog)?;
        self.store.read(|tx| Ok(tx.all_locations()?)).await
    }

    pub async fn update_location(
        &self,
        actor: &Actor,
        code: &str,
        patch: LocationPatch,
        if_match: Option<i64>,
    ) -> AppResult<Location> {
        require(actor, Action::WriteCatalog)?;
        let mut e = Errors::new();
        let name = patch.name.as_deref().map(|n| e.text("name", Some(n), 200));
        let kind = patch.kind.as_deref().map(|k| parse_kind(&mut e, Some(k), true));
        let address = patch.address.as_ref().map(|a| check_address(&mut e, "address", a));
        check_coordinates(&mut e, "", patch.latitude.flatten(), patch.longitude.flatten());
        check_priority(&mut e, patch.priority);
        check_capacity(&mut e, patch.daily_capacity.flatten());
        e.finish(())?;
        let expected = if_match.or(patch.version);
        let code = code.to_owned();
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let mut l = tx.location_by_code(&code)?.ok_or(AppError::NotFound("location"))?;
                check_version(expected, l.version)?;
                let now = clock.now_ms();
                if let Some(Some(n)) = &name {
                    l.name = n.clone();
                }
                if let Some(Some(k)) = kind {
                    l.kind = k;
                }
                if let Some(a) = &address {
                    l.address = a.clone();
                }
                if let Some(v) = patch.latitude {
                    l.latitude = v;
                }
                if let Some(v) = patch.longitude {
                    l.longitude = v;
                }
                if let Some(v) = patch.ships_orders {
                    l.ships_orders = v;
                }
                if let Some(v) = patch.pickup {
                    l.pickup = v;
                }
                if let Some(v) = patch.priority {
                    l.priority = v;
                }
                if let Some(v) = patch.active {
                    l.active = v;
                }
                if let Some(v) = patch.daily_capacity {
                    l.daily_capacity = v;
                }
                l.version += 1;
                l.updated_at = now;
                tx.update_location(&l)?;
                emit(
                    tx,
                    now,
                    l.id.as_str(),
                    Event::LocationUpdated(LocationRef { code: l.code.clone(), version: Some(l.version) }),
                )?;
                Ok(l)
            })
            .await
    }
}

fn parse_kind(e: &mut Errors, kind: Option<&str>, required: bool) -> Option<LocationKind> {
    match kind {
        None if required => {
            e.add("kind", "is required");
            None
        }
        None => None,
        Some(k) => LocationKind::parse(k).or_else(|| {
            e.add("kind", "must be warehouse or store");
            None
        }),
    }
}

fn check_priority(e: &mut Errors, p: Option<i64>) {
    if let Some(p) = p
        && !(0..=1_000_000).contains(&p)
    {
        e.add("priority", "must be between 0 and 1000000");
    }
}

fn check_capacity(e: &mut Errors, c: Option<i64>) {
    if let Some(c) = c
        && !(0..=10_000_000).contains(&c)
    {
        e.add("daily_capacity", "must be between 0 and 10000000");
    }
}
