//! Who is asking (the API key's role and channel), what each role may do, and the limits a
//! role's money-giving actions are held to. The table is documented in `docs/roles.md`; a
//! test reads that table and compares it, cell by cell, with [`Role::allows`].

use std::collections::BTreeMap;

use ordo_domain::Money;
use ordo_domain::money::Currency;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, keys and settings included.
    Admin,
    /// Runs the business day to day: orders, customers, payments, refunds, returns,
    /// fulfilment, stock; grants credit and goodwill up to its limits.
    Operator,
    /// Warehouse and store staff: picks, packs, ships, counts stock, receives returns.
    Warehouse,
    /// Reads what operators read; changes nothing.
    Viewer,
    /// A sales channel's integration, seeing only its own channel's orders: places, edits and
    /// cancels them, takes their payments up to what is due and opens returns.
    Channel,
    /// Reads `/metrics` and nothing else: for a monitoring system's scraper.
    Metrics,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Operator, Role::Warehouse, Role::Viewer, Role::Channel, Role::Metrics];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Warehouse => "warehouse",
            Role::Viewer => "viewer",
            Role::Channel => "channel",
            Role::Metrics => "metrics",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn allows(&self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => true,
            Role::Operator => !matches!(action, ManageKeys | WriteCatalog | Configure | ReadAudit),
            Role::Warehouse => {
                matches!(action, ReadCatalog | ReadInventory | WriteInventory | ReadOrders | Fulfil | ReceiveReturns)
            }
            Role::Viewer => {
                matches!(action, ReadCatalog | ReadInventory | ReadOrders | ReadCustomers | ReadEvents | ReadMetrics)
            }
            Role::Channel => matches!(action, ReadOrders | WriteOrders | TakePayments | RequestReturns),
            Role::Metrics => matches!(action, ReadMetrics),
        }
    }
}

/// What a request wants to do, for the role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Products, variants and prices.
    ReadCatalog,
    WriteCatalog,
    /// Channel settings, carriers, routing rules and exchange rates.
    Configure,
    ReadInventory,
    /// Adjust and count stock, move it between buckets.
    WriteInventory,
    /// Orders, their payments, refunds, returns, holds, fulfilments and timelines.
    ReadOrders,
    /// Place, edit and cancel orders; place and release holds.
    WriteOrders,
    /// Record payments (never above what is due, unless an admin says overpayment), capture
    /// and void them.
    TakePayments,
    /// Give money back: refunds (goodwill amounts up to the role's limit), refunds of a
    /// payment, carrier claims.
    Refund,
    /// Open a return for an order's delivered lines.
    RequestReturns,
    /// Approve, reject and close returns, buy their labels.
    ApproveReturns,
    /// Receive returned parcels and grade what is in them.
    ReceiveReturns,
    /// Issue gift cards and put store credit on a customer (up to the role's limit).
    GrantCredit,
    ReadCustomers,
    WriteCustomers,
    ReadEvents,
    ManageKeys,
    /// Pick, pack, ship and deliver.
    Fulfil,
    /// Read `/metrics` (counts of requests, workers and the database).
    ReadMetrics,
    /// Read the audit log.
    ReadAudit,
    /// Manage suppliers and buy stock from them.
    Purchase,
}

impl Action {
    pub const ALL: [Action; 21] = [
        Action::ReadCatalog,
        Action::WriteCatalog,
        Action::Configure,
        Action::ReadInventory,
        Action::WriteInventory,
        Action::ReadOrders,
        Action::WriteOrders,
        Action::TakePayments,
        Action::Refund,
        Action::RequestReturns,
        Action::ApproveReturns,
        Action::ReceiveReturns,
        Action::GrantCredit,
        Action::ReadCustomers,
        Action::WriteCustomers,
        Action::ReadEvents,
        Action::ManageKeys,
        Action::Fulfil,
        Action::ReadMetrics,
        Action::ReadAudit,
        Action::Purchase,
    ];

    /// The action's name in `docs/roles.md`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::ReadCatalog => "read_catalog",
            Action::WriteCatalog => "write_catalog",
            Action::Configure => "configure",
            Action::ReadInventory => "read_inventory",
            Action::WriteInventory => "write_inventory",
            Action::ReadOrders => "read_orders",
            Action::WriteOrders => "write_orders",
            Action::TakePayments => "take_payments",
            Action::Refund => "refund",
            Action::RequestReturns => "request_returns",
            Action::ApproveReturns => "approve_returns",
            Action::ReceiveReturns => "receive_returns",
            Action::GrantCredit => "grant_credit",
            Action::ReadCustomers => "read_customers",
            Action::WriteCustomers => "write_customers",
            Action::ReadEvents => "read_events",
            Action::ManageKeys => "manage_keys",
            Action::Fulfil => "fulfil",
            Action::ReadMetrics => "read_metrics",
            Action::ReadAudit => "read_audit",
            Action::Purchase => "purchase",
        }
    }
}

/// A money-giving action whose size a role's limit bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    /// The goodwill amount of a refund (tied to no line and no shipping charge).
    GoodwillRefund,
    /// A gift card issued, or store credit put on a customer.
    Credit,
}

impl Grant {
    fn as_str(&self) -> &'static str {
        match self {
            Grant::GoodwillRefund => "goodwill refund",
            Grant::Credit => "credit grant",
        }
    }
}

/// The most one action may give, per currency: `per_currency` names some, `whole_units` (a
/// number of the currency's major units) covers the rest; with neither, nothing may be given
/// in that currency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cap {
    pub whole_units: Option<u64>,
    /// Minor units, by currency code.
    pub per_currency: BTreeMap<String, i64>,
}

impl Cap {
    /// The cap in `currency`'s minor units, if there is one.
    pub fn minor_in(&self, currency: Currency) -> Option<i64> {
        if let Some(m) = self.per_currency.get(currency.code()) {
            return Some(*m);
        }
        let units = i64::try_from(self.whole_units?).ok()?;
        Some(units.saturating_mul(10i64.pow(currency.exponent() as u32)))
    }

    /// Reads a cap as the settings write it: `{"*" = "500", "JPY" = "50000", "EUR" = "450.00"}`.
    pub fn parse(entries: &BTreeMap<String, String>) -> Result<Cap, String> {
        let mut cap = Cap::default();
        for (code, amount) in entries {
            if code == "*" {
                let units = amount
                    .parse::<u64>()
                    .map_err(|_| format!("the default limit {amount:?} must be a whole number of units"))?;
                cap.whole_units = Some(units);
            } else {
                let m = Money::parse_with_code(amount, code).map_err(|e| format!("limit in {code}: {e}"))?;
                if m.is_negative() {
                    return Err(format!("the limit in {code} must not be negative"));
                }
                cap.per_currency.insert(code.clone(), m.minor());
            }
        }
        Ok(cap)
    }
}

/// What each role may give in one action. A role with no entry for a grant is not limited
/// (it may still be unable to act at all, by the role table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub caps: BTreeMap<(Role, Grant), Cap>,
}

/// The operator's default cap on one goodwill refund and one credit grant, in major units of
/// any currency.
pub const OPERATOR_DEFAULT_CAP: u64 = 500;

impl Default for Limits {
    /// Operators may give up to [`OPERATOR_DEFAULT_CAP`] units per goodwill refund and per
    /// credit grant; admins are not limited.
    fn default() -> Limits {
        let cap = Cap { whole_units: Some(OPERATOR_DEFAULT_CAP), per_currency: BTreeMap::new() };
        let mut caps = BTreeMap::new();
        caps.insert((Role::Operator, Grant::GoodwillRefund), cap.clone());
        caps.insert((Role::Operator, Grant::Credit), cap);
        Limits { caps }
    }
}

impl Limits {
    /// No role is limited.
    pub fn none() -> Limits {
        Limits { caps: BTreeMap::new() }
    }

    pub fn set(&mut self, role: Role, grant: Grant, cap: Option<Cap>) {
        match cap {
            Some(cap) => self.caps.insert((role, grant), cap),
            None => self.caps.remove(&(role, grant)),
        };
    }

    /// Refuses (403 `limit_exceeded`) an amount above the role's cap.
    pub fn check(&self, role: Role, grant: Grant, amount: Money) -> crate::AppResult<()> {
        let Some(cap) = self.caps.get(&(role, grant)) else { return Ok(()) };
        let most = cap.minor_in(amount.currency()).unwrap_or(0);
        if amount.minor() <= most {
            return Ok(());
        }
        let most = Money::from_minor(most, amount.currency());
        Err(crate::AppError::Limited(format!(
            "a {} key may give at most {} {} in one {}; ask an admin",
            role.as_str(),
            most.amount_string(),
            most.currency().code(),
            grant.as_str()
        )))
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub key_id: String,
    pub role: Role,
    /// Set for `channel` keys: the only sales channel they may see and write.
    pub channel: Option<String>,
}

impl Actor {
    /// The actor the CLI and the demo loader act as.
    pub fn system() -> Actor {
        Actor { key_id: "system".into(), role: Role::Admin, channel: None }
    }

    pub fn can(&self, action: Action) -> bool {
        self.role.allows(action)
    }

    /// Whether this actor may see objects of `channel`.
    pub fn sees_channel(&self, channel: &str) -> bool {
        self.channel.as_deref().is_none_or(|c| c == channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented table, read cell by cell: every role, every action, nothing else.
    #[test]
    fn the_role_table_is_the_documented_one() {
        let doc = include_str!("../../../../docs/roles.md");
        let mut lines = doc.lines().skip_while(|l| !l.starts_with("| action |"));
        let header: Vec<&str> = lines.next().expect("the table").split('|').map(str::trim).collect();
        let roles: Vec<Role> = header[2..header.len() - 1].iter().map(|r| Role::parse(r).expect(r)).collect();
        assert_eq!(roles, Role::ALL, "the table's columns are every role, in order");
        let mut seen = Vec::new();
        for row in lines.skip(1).take_while(|l| l.starts_with('|')) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let name = cells[1].trim_matches('`');
            let action = Action::ALL.into_iter().find(|a| a.as_str() == name).unwrap_or_else(|| panic!("{name}"));
            for (role, cell) in roles.iter().zip(&cells[2..cells.len() - 1]) {
                let documented = match *cell {
                    "yes" => true,
                    "" | "-" => false,
                    other => other.starts_with("up to"),
                };
                assert_eq!(role.allows(action), documented, "{} / {name}: the table says {cell:?}", role.as_str());
            }
            seen.push(action);
        }
        assert_eq!(seen, Action::ALL, "the table's rows are every action, in order");
    }

    #[test]
    fn caps_are_per_currency_with_a_default_in_whole_units() {
        let entries: BTreeMap<String, String> =
            [("*", "500"), ("JPY", "50000"), ("EUR", "450.50")].map(|(k, v)| (k.into(), v.into())).into();
        let cap = Cap::parse(&entries).unwrap();
        let usd = Currency::from_code("USD").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        let eur = Currency::from_code("EUR").unwrap();
        assert_eq!(
            (cap.minor_in(usd), cap.minor_in(jpy), cap.minor_in(eur)),
            (Some(50_000), Some(50_000), Some(45_050))
        );
        let mut limits = Limits::none();
        limits.set(Role::Operator, Grant::Credit, Some(cap));
        assert!(limits.check(Role::Operator, Grant::Credit, Money::from_minor(50_000, usd)).is_ok());
        assert!(limits.check(Role::Operator, Grant::Credit, Money::from_minor(50_001, usd)).is_err());
        assert!(limits.check(Role::Admin, Grant::Credit, Money::from_minor(i64::MAX, usd)).is_ok());
        assert!(limits.check(Role::Operator, Grant::GoodwillRefund, Money::from_minor(i64::MAX, usd)).is_ok());
        // Only the named currencies, when there is no default: nothing in the others.
        let only_eur: BTreeMap<String, String> = [("EUR".to_owned(), "10".to_owned())].into();
        limits.set(Role::Operator, Grant::Credit, Some(Cap::parse(&only_eur).unwrap()));
        assert!(limits.check(Role::Operator, Grant::Credit, Money::from_minor(1, usd)).is_err());
        for bad in [("*", "1.5"), ("*", "-1"), ("USD", "-1.00"), ("XYZ", "1"), ("JPY", "1.5")] {
            let entries: BTreeMap<String, String> = [(bad.0.to_owned(), bad.1.to_owned())].into();
            assert!(Cap::parse(&entries).is_err(), "{bad:?}");
        }
    }
}
