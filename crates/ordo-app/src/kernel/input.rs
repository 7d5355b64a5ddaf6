//! The pieces every area's request bodies share (money, addresses, emails, coordinates, the
//! absent-or-null distinction) and their validation into checked values. Each area's request
//! types live beside the use cases that take them.
//!
//! Fields are optional at the type level so that one pass can report every missing or bad
//! field at once; the schema still marks them required. Unknown fields are refused.

use ordo_domain::Money;
use ordo_domain::money::{Currency, MoneyError};
use ordo_domain::order::Address;
use ordo_domain::validate::{Errors, is_country_code, is_plausible_email};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::kernel::schema::AMOUNT_DIGITS;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An amount of money: a decimal string in the currency's precision.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    /// Decimal string, e.g. `"19.99"`; at most as many decimals as the currency has.
    pub amount: Option<String>,
    /// ISO 4217 code, e.g. `"USD"`.
    pub currency: Option<String>,
}

impl PartialSchema for MoneyInput {
    fn schema() -> RefOr<Schema> {
        crate::kernel::schema::money().into()
    }
}

impl ToSchema for MoneyInput {}

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
        e.conflicting(format!("{field}/currency"), format!("must be {exp}, the order's currency"));
        return None;
    }
    match Money::parse(amount, currency) {
        Ok(m) if m.is_negative() => {
            e.add(format!("{field}/amount"), "must not be negative");
            None
        }
        Ok(_) if whole_digits(amount) > AMOUNT_DIGITS - currency.exponent() as usize => {
            let limit = Money::from_minor(10i64.pow(AMOUNT_DIGITS as u32) - 1, currency);
            e.add(format!("{field}/amount"), format!("must be at most {} {currency}", limit.amount_string()));
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

/// An amount that must be more than zero (`PositiveMoneyInput` in the document), in any
/// currency.
pub fn check_positive(e: &mut Errors, field: &str, m: &MoneyInput) -> Option<Money> {
    match check_money(e, field, m, None) {
        Some(v) if v.minor() > 0 => Some(v),
        Some(_) => {
            e.add(format!("{field}/amount"), "must be positive");
            None
        }
        None => None,
    }
}

/// A required amount that must be more than zero.
pub fn require_positive(e: &mut Errors, field: &str, m: &Option<MoneyInput>) -> Option<Money> {
    match m {
        None => {
            e.add(field, "is required");
            None
        }
        Some(m) => check_positive(e, field, m),
    }
}

/// Significant digits before the decimal point.
fn whole_digits(amount: &str) -> usize {
    amount.split('.').next().unwrap_or("").trim_start_matches('0').len()
}

/// A postal address.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    /// Recipient name.
    #[schema(max_length = 200, pattern = r"^[^\u0000]*$")]
    pub name: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub line1: Option<String>,
    #[schema(max_length = 200, pattern = r"^[^\u0000]*$")]
    pub line2: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub city: Option<String>,
    /// State, province or region.
    #[schema(max_length = 100, pattern = r"^[^\u0000]*$")]
    pub region: Option<String>,
    #[schema(max_length = 20, pattern = r"^[^\u0000]*$")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `"US"`.
    #[schema(required = true, example = "US", pattern = r"^[A-Za-z]{2}$")]
    pub country: Option<String>,
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
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
    let country = e.text(&format!("{field}/country"), a.country.as_deref(), 2).map(|c| c.to_ascii_uppercase());
    if let Some(c) = &country
        && (a.country.as_deref().map(str::len) != Some(c.len()) || !is_country_code(c))
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
    if email == Some(v.as_str()) && is_plausible_email(&v) {
        Some(ordo_domain::catalog::normalize_email(&v))
    } else {
        e.add(field, "is not an email address");
        None
    }
}

/// An amount for a message, in its currency's decimals: `100015.01 USD`.
pub fn money_text(minor: i64, currency: &str) -> String {
    match Currency::from_code(currency) {
        Some(c) => format!("{} {}", Money::from_minor(minor, c).amount_string(), c.code()),
        None => format!("{minor} (minor units of {currency})"),
    }
}

/// What a payment field is told when it holds a card number: Ordo never takes one.
pub const NO_CARD_NUMBERS: &str = "looks like a card number: Ordo never accepts card numbers; collect the card \
with the gateway's tokenisation (for Stripe, Elements or the Payment Element) and send its token (pm_...)";

/// Refuses each field whose text looks like a card number ([`ordo_domain::pan`]).
pub fn refuse_card_numbers<'a>(e: &mut Errors, fields: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) {
    for (field, value) in fields {
        if value.is_some_and(ordo_domain::pan::contains) {
            e.add(field, NO_CARD_NUMBERS);
        }
    }
}
