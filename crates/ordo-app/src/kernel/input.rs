//! Request bodies as clients send them, and their validation into checked values.
//!
//! Fields are optional at the type level so that one pass can report every missing or bad
//! field at once; the schema still marks them required. Unknown fields are refused.

use ordo_domain::Money;
use ordo_domain::money::{Currency, MoneyError};
use ordo_domain::order::Address;
use ordo_domain::validate::{Errors, is_country_code, is_plausible_email};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An amount of money: a decimal string in the currency's precision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    /// Decimal string, e.g. `"19.99"`; at most as many decimals as the currency has.
    #[schema(required = true, example = "19.99")]
    pub amount: Option<String>,
    /// ISO 4217 code, e.g. `"USD"`.
    #[schema(required = true, example = "USD")]
    pub currency: Option<String>,
}

/// Checks a money field; `expected` enforces the currency (an order's currency).
pub fn check_money(e: &mut Errors, field: &str, m: &MoneyInput, expected: Option<Currency>) -> Option<Money> {
    let code = match m.currency.as_deref() {
        None => {
            e.add(format!("{field}/currency"), "is required");
            None
        }
        Some(c) => match Currency::from_code(c) {
            Some(cur) => Some(cur),
            None => {
                e.add(format!("{field}/currency"), format!("{c:?} is not an ISO 4217 currency code"));
                None
            }
        },
    };
    let amount = match m.amount.as_deref() {
        None => {
            e.add(format!("{field}/amount"), "is required");
            return None;
        }
        Some(a) => a,
    };
    let currency = code?;
    if let Some(exp) = expected
        && exp != currency
    {
        e.add(format!("{field}/currency"), format!("must be {exp}, the order's currency"));
        return None;
    }
    match Money::parse(amount, currency) {
        Ok(m) if m.is_negative() => {
            e.add(format!("{field}/amount"), "must not be negative");
            None
        }
        Ok(m) => Some(m),
        Err(MoneyError::TooManyDecimals { currency, exponent }) => {
            e.add(format!("{field}/amount"), format!("{currency} allows at most {exponent} decimal places"));
            None
        }
        Err(MoneyError::Overflow) => {
            e.add(format!("{field}/amount"), "is too large");
            None
        }
        Err(_) => {
            e.add(format!("{field}/amount"), format!("{amount:?} is not a decimal amount such as \"19.99\""));
            None
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    /// Recipient name.
    pub name: Option<String>,
    #[schema(required = true)]
    pub line1: Option<String>,
    pub line2: Option<String>,
    #[schema(required = true)]
    pub city: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `"US"`.
    #[schema(required = true, example = "US")]
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

pub fn check_coordinates(e: &mut Errors, field: &str, lat: Option<f64>, lon: Option<f64>) {
    if let Some(l) = lat
        && !(-90.0..=90.0).contains(&l)
    {
        e.add(format!("{field}latitude"), "must be between -90 and 90");
    }
    if let Some(l) = lon
        && !(-180.0..=180.0).contains(&l)
    {
        e.add(format!("{field}longitude"), "must be between -180 and 180");
    }
    if lat.is_some() != lon.is_some() {
        e.add(
            format!("{field}{}", if lat.is_some() { "longitude" } else { "latitude" }),
            "latitude and longitude go together",
        );
    }
}

pub fn check_address(e: &mut Errors, field: &str, a: &AddressInput) -> Address {
    let line1 = e.text(&format!("{field}/line1"), a.line1.as_deref(), 200);
    let city = e.text(&format!("{field}/city"), a.city.as_deref(), 100);
    let country = e.text(&format!("{field}/country"), a.country.as_deref(), 2).map(|c| c.to_uppercase());
    if let Some(c) = &country
        && !is_country_code(c)
    {
        e.add(format!("{field}/country"), "must be an ISO 3166-1 alpha-2 code such as \"US\"");
    }
    check_coordinates(e, &format!("{field}/"), a.latitude, a.longitude);
    Address {
        name: e.optional_text(&format!("{field}/name"), a.name.as_deref(), 200),
        line1: line1.unwrap_or_default(),
        line2: e.optional_text(&format!("{field}/line2"), a.line2.as_deref(), 200),
        city: city.unwrap_or_default(),
        region: e.optional_text(&format!("{field}/region"), a.region.as_deref(), 100),
        postal_code: e.optional_text(&format!("{field}/postal_code"), a.postal_code.as_deref(), 20),
        country: country.unwrap_or_default(),
        latitude: a.latitude,
        longitude: a.longitude,
    }
}

pub fn check_email(e: &mut Errors, field: &str, email: Option<&str>) -> Option<String> {
    let v = e.text(field, email, 254)?;
    if is_plausible_email(&v) {
        Some(ordo_domain::catalog::normalize_email(&v))
    } else {
        e.add(field, "is not an email address");
        None
    }
}

/// A new catalogue product.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    /// Stock-keeping unit: letters, digits, `-`, `_`, `.`; unique.
    #[schema(required = true, example = "TSHIRT-RED-M")]
    pub sku: Option<String>,
    #[schema(required = true, example = "Red T-shirt, M")]
    pub name: Option<String>,
    #[schema(required = true)]
    pub price: Option<MoneyInput>,
    pub weight_grams: Option<i64>,
    /// GTIN/EAN/UPC or any scannable code.
    pub barcode: Option<String>,
    /// Defaults to true.
    pub active: Option<bool>,
}

/// Changes to a product; absent fields stay as they are, `null` clears optional ones.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub price: Option<MoneyInput>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub weight_grams: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
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
    #[schema(required = true, example = "NYC-WH")]
    pub code: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    /// `warehouse` or `store`.
    #[schema(required = true, example = "warehouse")]
    pub kind: Option<String>,
    #[schema(required = true)]
    pub address: Option<AddressInput>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Whether orders may be shipped from here. Defaults to true for warehouses, false for stores.
    pub ships_orders: Option<bool>,
    /// Whether customers may collect orders here. Defaults to true for stores.
    pub pickup: Option<bool>,
    /// Lower is preferred when several locations could serve an order. Defaults to 100.
    pub priority: Option<i64>,
    /// Orders routing may assign to it per day (UTC); absent for no limit.
    pub daily_capacity: Option<i64>,
    pub active: Option<bool>,
}

/// Changes to a location; the code cannot change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub address: Option<AddressInput>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub longitude: Option<Option<f64>>,
    pub ships_orders: Option<bool>,
    pub pickup: Option<bool>,
    pub priority: Option<i64>,
    /// `null` removes the limit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub daily_capacity: Option<Option<i64>>,
    pub active: Option<bool>,
    pub version: Option<i64>,
}

/// A signed change of on-hand stock.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    /// Location code.
    #[schema(required = true)]
    pub location: Option<String>,
    #[schema(required = true)]
    pub sku: Option<String>,
    /// Units to add (positive) or remove (negative); not zero.
    #[schema(required = true, example = 25)]
    pub delta: Option<i64>,
    /// `received`, `counted`, `damaged`, `correction`, `lost`, `found` or `returned`.
    #[schema(required = true, example = "received")]
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// An absolute count of on-hand stock, recorded in the ledger as the difference.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    #[schema(required = true)]
    pub location: Option<String>,
    #[schema(required = true)]
    pub sku: Option<String>,
    /// The counted number of units on hand.
    #[schema(required = true)]
    pub on_hand: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    #[schema(required = true, example = "ada@example.com")]
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub email: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    pub version: Option<i64>,
}

/// The customer of an order, given inline: found by email, created if new.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderCustomerInput {
    #[schema(required = true)]
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    #[schema(required = true)]
    pub sku: Option<String>,
    #[schema(required = true, minimum = 1, example = 2)]
    pub quantity: Option<i64>,
    /// Price of one unit, in the order's currency.
    #[schema(required = true)]
    pub unit_price: Option<MoneyInput>,
}

/// A new order from a sales channel.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// Sales channel name, e.g. `"web"`. Defaults to a channel key's own channel.
    #[schema(example = "web")]
    pub channel: Option<String>,
    /// The channel's own order id; unique per channel.
    pub external_id: Option<String>,
    /// An existing customer's id; or give `customer` inline.
    pub customer_id: Option<String>,
    pub customer: Option<OrderCustomerInput>,
    #[schema(required = true, example = "USD")]
    pub currency: Option<String>,
    #[schema(required = true)]
    pub lines: Option<Vec<OrderLineInput>>,
    pub shipping_address: Option<AddressInput>,
    /// Where the payer is billed (hold rules compare its country with the shipping address's).
    pub billing_address: Option<AddressInput>,
    /// Shipping charged to the customer.
    pub shipping: Option<MoneyInput>,
    pub tax: Option<MoneyInput>,
    pub discount: Option<MoneyInput>,
    pub note: Option<String>,
    /// The latest delivery promised to the customer (RFC 3339); rate shopping meets it.
    pub promised_by: Option<String>,
    /// A shipping service the customer chose, as `CARRIER/service`.
    #[schema(example = "ACME/ground")]
    pub shipping_service: Option<String>,
    /// Click and collect: the code of the store where the customer collects the order.
    pub pickup_location: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// Why the order is cancelled, e.g. `"customer_request"`.
    pub reason: Option<String>,
}

/// A new API key.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// `admin`, `operator`, `viewer` or `channel`.
    #[schema(required = true)]
    pub role: Option<String>,
    /// Required for (and only for) `channel` keys.
    pub channel: Option<String>,
    pub name: Option<String>,
}

/// A routing rule set.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetInput {
    /// Unique name; `default` replaces the built-in default for channels that name none.
    #[schema(required = true, example = "nearest-first")]
    pub name: Option<String>,
    /// In order of precedence: `shipments`, `distance`, `priority`, `capacity`. Stock
    /// availability always comes first.
    #[schema(required = true, example = json!(["shipments", "distance", "priority"]))]
    pub criteria: Option<Vec<String>>,
    /// Most locations one order may be split over, 1 to 10 (default 5; 1 forbids splits).
    pub max_shipments: Option<i64>,
    /// In a split, each shipment must carry at least this much (orders in other currencies
    /// are not held to it).
    pub min_shipment_value: Option<MoneyInput>,
    /// Only locations in the destination's country are eligible (default false).
    pub same_country_only: Option<bool>,
    /// Sales channels whose orders this rule set routes; a channel belongs to one rule set.
    pub channels: Option<Vec<String>>,
}

/// What to simulate: a rule set (by name, or given inline) against one order or the last N.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateInput {
    /// A stored rule set's name; or give `rules`.
    pub rule_set: Option<String>,
    pub rules: Option<RuleSetInput>,
    /// One order to route again; or give `last`.
    pub order_id: Option<String>,
    /// The last N orders (1 to 500) that still hold reservations.
    pub last: Option<i64>,
}
