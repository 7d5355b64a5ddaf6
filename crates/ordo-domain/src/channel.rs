//! Sales channels as Ordo connects them: the kind of platform a channel is, what became of
//! each payload it sent, and where an imported order came from.

use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// The platform behind a channel. `api` (the default) is a channel that posts Ordo's own
    /// orders; the others send their platform's payloads, which Ordo maps.
    pub enum ChannelKind {
        Api = "api",
        Shopify = "shopify",
        WooCommerce = "woocommerce",
        BigCommerce = "bigcommerce",
        Amazon = "amazon",
        Pos = "pos",
    }
}

impl ChannelKind {
    /// Whether the platform sends webhooks to `POST /v1/channels/{channel}/webhooks`.
    pub fn takes_webhooks(self) -> bool {
        matches!(self, ChannelKind::Shopify | ChannelKind::WooCommerce | ChannelKind::BigCommerce)
    }
}

crate::named_enum! {
    /// What became of one payload a channel sent.
    pub enum ImportStatus {
        /// It created an order.
        Imported = "imported",
        /// It changed an order it had created before.
        Updated = "updated",
        /// It named an order already imported and changed nothing Ordo keeps.
        Unchanged = "unchanged",
        /// It could not become an order (the reason says why); retry it once that is fixed.
        Parked = "parked",
        /// An operator set a parked payload aside.
        Dismissed = "dismissed",
        /// It is about nothing Ordo takes (another topic, a test ping).
        Ignored = "ignored",
    }
}

impl ImportStatus {
    /// Only a parked payload may be retried or dismissed.
    pub fn can_retry(self) -> bool {
        self == ImportStatus::Parked
    }
}

/// Where an order taken from a platform came from, as the platform says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSource {
    /// The platform's order number as its customers see it (`#1001`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// When the platform took the order (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<i64>,
    /// Tax the prices already contain (platforms whose prices include tax), in minor units;
    /// it is part of the lines' amounts, not added to the total.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tax_included: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}
