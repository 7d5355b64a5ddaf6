//! The rows of an import file, read into what each becomes: an order (the rows sharing an
//! order number and channel, one line each), a product, a stock change or a customer. A row
//! that cannot be read is an error naming its line, its column and why; the columns a kind
//! takes are fixed, and a file whose header names another is refused before any row.

use std::collections::HashMap;

use crate::intake::csv::{ImportKind, RowError};
use crate::kernel::input::{AddressInput, MoneyInput};
use crate::sales::orders::{NewOrder, OrderCustomerInput, OrderLineInput};
use crate::stock::catalog::NewProduct;

/// The columns of each kind, the required ones first.
pub fn columns(kind: ImportKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        ImportKind::Orders => (
            &["order_number", "email", "currency", "sku", "quantity", "unit_price"],
            &[
                "channel",
                "name",
                "phone",
                "shipping",
                "tax",
                "discount",
                "ship_name",
                "ship_line1",
                "ship_line2",
                "ship_city",
                "ship_region",
                "ship_postal_code",
                "ship_country",
                "note",
            ],
        ),
        ImportKind::Products => (&["sku", "name", "price", "currency"], &["weight_grams", "barcode", "active"]),
        ImportKind::Inventory => (&["location", "sku"], &["delta", "on_hand", "reason", "note"]),
        ImportKind::Customers => (&["email"], &["name", "phone"]),
    }
}

/// The channel of imported orders whose file names none.
pub const DEFAULT_CHANNEL: &str = "csv";

/// What one unit of work is, with the lines of the rows it came from.
#[derive(Debug, Clone)]
pub enum Unit {
    Order {
        lines: Vec<u64>,
        input: Box<NewOrder>,
    },
    Product {
        line: u64,
        input: NewProduct,
    },
    /// `delta` adds to on hand, `on_hand` sets it (a count).
    Stock {
        line: u64,
        location: String,
        sku: String,
        delta: Option<i64>,
        on_hand: Option<i64>,
        reason: String,
        note: Option<String>,
    },
    Customer {
        line: u64,
        email: String,
        name: Option<String>,
        phone: Option<String>,
    },
}

impl Unit {
    pub fn lines(&self) -> Vec<u64> {
        match self {
            Unit::Order { lines, .. } => lines.clone(),
            Unit::Product { line, .. } | Unit::Stock { line, .. } | Unit::Customer { line, .. } => vec![*line],
        }
    }

    pub fn first_line(&self) -> u64 {
        self.lines().first().copied().unwrap_or(0)
    }

    /// How many rows of the file it stands for.
    pub fn rows(&self) -> u64 {
        match self {
            Unit::Order { lines, .. } => lines.len() as u64,
            _ => 1,
        }
    }
}

/// One row, by column name.
pub struct Row<'a> {
    pub line: u64,
    header: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    pub fn new(line: u64, header: &'a HashMap<String, usize>, record: &'a csv::StringRecord) -> Row<'a> {
        Row { line, header, record }
    }

    /// The column's text, trimmed; none when empty or absent.
    pub fn get(&self, column: &str) -> Option<String> {
        let i = *self.header.get(column)?;
        self.record.get(i).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    fn error(&self, column: &str, reason: impl Into<String>) -> RowError {
        RowError { line: self.line, column: Some(column.to_owned()), reason: reason.into() }
    }

    fn required(&self, column: &str) -> Result<String, RowError> {
        self.get(column).ok_or_else(|| self.error(column, "is required"))
    }

    fn integer(&self, column: &str) -> Result<Option<i64>, RowError> {
        match self.get(column) {
            None => Ok(None),
            Some(v) => {
                v.parse::<i64>().map(Some).map_err(|_| self.error(column, format!("{v:?} is not a whole number")))
            }
        }
    }

    fn money(&self, column: &str, currency: &str) -> Option<MoneyInput> {
        self.get(column).map(|amount| MoneyInput { amount: Some(amount), currency: Some(currency.to_owned()) })
    }
}

/// Reads the header: the column names by position, or the error that refuses the file.
pub fn header(kind: ImportKind, names: &csv::StringRecord) -> Result<HashMap<String, usize>, RowError> {
    let (required, optional) = columns(kind);
    let mut found = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            return Err(RowError {
                line: 1,
                column: Some(name.clone()),
                reason: format!(
                    "is not a column of a {kind} file; it takes {}",
                    [required, optional].concat().join(", ")
                ),
            });
        }
        if found.insert(name.clone(), i).is_some() {
            return Err(RowError { line: 1, column: Some(name), reason: "is named twice".into() });
        }
    }
    if let Some(missing) = required.iter().find(|c| !found.contains_key(**c)) {
        return Err(RowError { line: 1, column: Some((*missing).to_owned()), reason: "is a required column".into() });
    }
    if kind == ImportKind::Inventory && !found.contains_key("delta") && !found.contains_key("on_hand") {
        return Err(RowError {
            line: 1,
            column: Some("delta".into()),
            reason: "an inventory file gives delta (added to on hand) or on_hand (counted)".into(),
        });
    }
    Ok(found)
}

/// The orders being gathered: units by (channel, order number), in the file's order.
#[derive(Default)]
pub struct Gathered {
    pub units: Vec<Unit>,
    orders: HashMap<(String, String), usize>,
    /// Orders with a bad row, and the first such row: none of their rows goes in.
    broken: HashMap<(String, String), u64>,
}

/// The order-level columns, which every row of an order repeats or leaves empty.
const ORDER_COLUMNS: &[&str] = &[
    "email",
    "currency",
    "name",
    "phone",
    "shipping",
    "tax",
    "discount",
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
    "note",
];

impl Gathered {
    /// Adds one row of `kind`; the row's error when it cannot be read.
    pub fn add(
        &mut self,
        kind: ImportKind,
        row: &Row<'_>,
        firsts: &mut HashMap<usize, Vec<Option<String>>>,
    ) -> Result<(), RowError> {
        match kind {
            ImportKind::Orders => self.add_order_row(row, firsts),
            ImportKind::Products => {
                let currency = row.required("currency")?;
                let active = match row.get("active").map(|a| a.to_ascii_lowercase()) {
                    None => None,
                    Some(a) if a == "true" || a == "yes" || a == "1" => Some(true),
                    Some(a) if a == "false" || a == "no" || a == "0" => Some(false),
                    Some(a) => return Err(row.error("active", format!("{a:?} is not true or false"))),
                };
                let input = NewProduct {
                    sku: Some(row.required("sku")?),
                    name: Some(row.required("name")?),
                    price: Some(MoneyInput { amount: Some(row.required("price")?), currency: Some(currency) }),
                    weight_grams: row.integer("weight_grams")?,
                    barcode: row.get("barcode"),
                    active,
                };
                self.units.push(Unit::Product { line: row.line, input });
                Ok(())
            }
            ImportKind::Inventory => {
                let (delta, on_hand) = (row.integer("delta")?, row.integer("on_hand")?);
                match (delta, on_hand) {
                    (None, None) => return Err(row.error("delta", "give delta or on_hand")),
                    (Some(_), Some(_)) => return Err(row.error("on_hand", "give delta or on_hand, not both")),
                    _ => {}
                }
                self.units.push(Unit::Stock {
                    line: row.line,
                    location: row.required("location")?,
                    sku: row.required("sku")?,
                    delta,
                    on_hand,
                    reason: row.get("reason").unwrap_or_else(|| "received".into()),
                    note: row.get("note"),
                });
                Ok(())
            }
            ImportKind::Customers => {
                self.units.push(Unit::Customer {
                    line: row.line,
                    email: row.required("email")?,
                    name: row.get("name"),
                    phone: row.get("phone"),
                });
                Ok(())
            }
        }
    }

    /// The units read, less the orders with a bad row, whose other rows are reported too.
    pub fn finish(mut self) -> (Vec<Unit>, Vec<RowError>) {
        if self.broken.is_empty() {
            return (self.units, Vec::new());
        }
        let broken: HashMap<usize, ((String, String), u64)> = self
            .broken
            .iter()
            .filter_map(|(key, line)| self.orders.get(key).map(|i| (*i, (key.clone(), *line))))
            .collect();
        let mut errors = Vec::new();
        let units = std::mem::take(&mut self.units)
            .into_iter()
            .enumerate()
            .filter_map(|(i, unit)| match broken.get(&i) {
                None => Some(unit),
                Some(((_, number), bad)) => {
                    for line in unit.lines() {
                        let reason = format!("order {number:?} is not imported: its row on line {bad} is bad");
                        errors.push(RowError { line, column: None, reason });
                    }
                    None
                }
            })
            .collect();
        (units, errors)
    }

    fn add_order_row(
        &mut self,
        row: &Row<'_>,
        firsts: &mut HashMap<usize, Vec<Option<String>>>,
    ) -> Result<(), RowError> {
        let number = row.required("order_number")?;
        let channel = row.get("channel").unwrap_or_else(|| DEFAULT_CHANNEL.to_owned());
        let key = (channel.clone(), number.clone());
        let added = self.add_order_line(row, firsts, channel, number);
        if added.is_err() {
            self.broken.entry(key).or_insert(row.line);
        }
        added
    }

    fn add_order_line(
        &mut self,
        row: &Row<'_>,
        firsts: &mut HashMap<usize, Vec<Option<String>>>,
        channel: String,
        number: String,
    ) -> Result<(), RowError> {
        let line = OrderLineInput {
            sku: Some(row.required("sku")?),
            quantity: Some(row.integer("quantity")?.ok_or_else(|| row.error("quantity", "is required"))?),
            unit_price: None,
        };
        let values: Vec<Option<String>> = ORDER_COLUMNS.iter().map(|c| row.get(c)).collect();
        let key = (channel.clone(), number.clone());
        match self.orders.get(&key).copied() {
            Some(i) => {
                // A later row of the order: its order-level columns repeat the first's or are empty.
                let first = firsts.get(&i).cloned().unwrap_or_default();
                for (c, (mine, theirs)) in ORDER_COLUMNS.iter().zip(values.iter().zip(first.iter())) {
                    match (mine, theirs) {
                        (Some(m), Some(t)) if m != t => {
                            return Err(row.error(c, format!("{m:?} differs from {t:?} on the order's first row")));
                        }
                        // The first row's value is the order's: a later one would be lost.
                        (Some(m), None) => {
                            return Err(row.error(c, format!("{m:?} is given here but not on the order's first row")));
                        }
                        _ => {}
                    }
                }
                let currency = first[1].clone().unwrap_or_default();
                let line = OrderLineInput { unit_price: row.money("unit_price", &currency), ..line };
                let Unit::Order { lines, input } = &mut self.units[i] else { unreachable!("orders hold orders") };
                lines.push(row.line);
                input.lines.get_or_insert_with(Vec::new).push(line);
            }
            None => {
                let currency = row.required("currency")?;
                let address = AddressInput {
                    name: row.get("ship_name"),
                    line1: row.get("ship_line1"),
                    line2: row.get("ship_line2"),
                    city: row.get("ship_city"),
                    region: row.get("ship_region"),
                    postal_code: row.get("ship_postal_code"),
                    country: row.get("ship_country"),
                    latitude: None,
                    longitude: None,
                };
                let given =
                    [&address.line1, &address.city, &address.country, &address.postal_code].iter().any(|v| v.is_some());
                let input = NewOrder {
                    channel: Some(channel),
                    external_id: Some(number),
                    customer_id: None,
                    customer: Some(OrderCustomerInput {
                        email: Some(row.required("email")?),
                        name: row.get("name"),
                        phone: row.get("phone"),
                    }),
                    currency: Some(currency.clone()),
                    lines: Some(vec![OrderLineInput { unit_price: row.money("unit_price", &currency), ..line }]),
                    shipping_address: given.then_some(address),
                    billing_address: None,
                    shipping: row.money("shipping", &currency),
                    tax: row.money("tax", &currency),
                    discount: row.money("discount", &currency),
                    note: row.get("note"),
                    promised_by: None,
                    shipping_service: None,
                    pickup_location: None,
                };
                self.orders.insert(key, self.units.len());
                firsts.insert(self.units.len(), values);
                self.units.push(Unit::Order { lines: vec![row.line], input: Box::new(input) });
            }
        }
        Ok(())
    }
}

/// The column an order's field error points at, and the line of the row it came from.
pub fn order_field(field: &str, lines: &[u64]) -> (u64, String) {
    let first = lines.first().copied().unwrap_or(0);
    let mut parts = field.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("lines"), Some(i), Some(f)) => {
            let line = i.parse::<usize>().ok().and_then(|i| lines.get(i).copied()).unwrap_or(first);
            (line, f.to_owned())
        }
        (Some("shipping_address"), Some(f), _) => (first, format!("ship_{f}")),
        (Some("customer"), Some(f), _) => (first, if f == "email" { "email".into() } else { f.to_owned() }),
        (Some("external_id"), _, _) => (first, "order_number".into()),
        (Some(f), _, _) => (first, f.to_owned()),
        _ => (first, String::new()),
    }
}
