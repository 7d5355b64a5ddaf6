//! Who is asking (the API key's role and channel) and what each role may do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Operator,
    Viewer,
    Channel,
    /// Reads `/metrics` and nothing else: for a monitoring system's scraper.
    Metrics,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Operator, Role::Viewer, Role::Channel, Role::Metrics];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
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
            Role::Operator => !matches!(action, ManageKeys | WriteCatalog),
            Role::Viewer => {
                matches!(action, ReadCatalog | ReadInventory | ReadOrders | ReadCustomers | ReadEvents | ReadMetrics)
            }
            Role::Channel => matches!(action, ReadOrders | WriteOrders),
            Role::Metrics => matches!(action, ReadMetrics),
        }
    }
}

/// What a request wants to do, for the role check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadCatalog,
    WriteCatalog,
    ReadInventory,
    WriteInventory,
    ReadOrders,
    WriteOrders,
    ReadCustomers,
    WriteCustomers,
    ReadEvents,
    ManageKeys,
    /// Pick, pack, ship and deliver.
    Fulfil,
    /// Read `/metrics` (counts of requests, workers and the database).
    ReadMetrics,
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

    #[test]
    fn role_table() {
        use Action::*;
        let all = [
            ReadCatalog,
            WriteCatalog,
            ReadInventory,
            WriteInventory,
            ReadOrders,
            WriteOrders,
            ReadCustomers,
            WriteCustomers,
            ReadEvents,
            ManageKeys,
            Fulfil,
            ReadMetrics,
        ];
        let allowed = |r: Role| all.iter().filter(|a| r.allows(**a)).count();
        assert_eq!(allowed(Role::Admin), 12);
        assert_eq!(allowed(Role::Operator), 10);
        assert_eq!(allowed(Role::Viewer), 6);
        assert_eq!(all.iter().filter(|a| Role::Metrics.allows(**a)).collect::<Vec<_>>(), [&ReadMetrics]);
        assert!(!Role::Channel.allows(ReadMetrics));
        assert!(Role::Channel.allows(WriteOrders) && !Role::Channel.allows(ReadInventory));
        assert!(!Role::Viewer.allows(WriteOrders));
        assert!(!Role::Operator.allows(ManageKeys));
    }
}
