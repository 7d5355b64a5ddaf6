//! The sales channels Ordo takes orders from, as one trait: read a platform's webhook (its
//! signature checked first) into a platform-neutral order. One adapter per platform lives in
//! the connectors crate with that platform's wire format beside it; which adapter serves a
//! channel is chosen by the channel's configured `kind`.
//!
//! Amounts stay the decimal strings the platform wrote: the use case converts them into the
//! order's currency by one rule (`Money::parse_rounding`), so no adapter rounds on its own.

use serde::{Deserialize, Serialize};

use crate::kernel::input::AddressInput;
use crate::ports::WebhookHeaders;
use crate::{AppError, AppResult};

/// A channel's credentials for its platform, sealed at rest and never shown: what signs its
/// webhooks and what Ordo reads orders and writes stock with.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCredentials {
    /// The secret the platform signs its webhooks with.
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// The platform's API base, e.g. `https://shop.myshopify.com/admin/api/2024-10`.
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// Shopify's Admin API access token, BigCommerce's `X-Auth-Token`.
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// WooCommerce's REST consumer key and secret.
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub consumer_secret: Option<String>,
    /// Login with Amazon: the app's client id and secret and the seller's refresh token.
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl ChannelCredentials {
    /// The names of the credentials that are set, for answers that may say so and no more.
    pub fn names_set(&self) -> Vec<&'static str> {
        [
            ("webhook_secret", &self.webhook_secret),
            ("api_url", &self.api_url),
            ("access_token", &self.access_token),
            ("consumer_key", &self.consumer_key),
            ("consumer_secret", &self.consumer_secret),
            ("client_id", &self.client_id),
            ("client_secret", &self.client_secret),
            ("refresh_token", &self.refresh_token),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(n, _)| n)
        .collect()
    }

    /// The webhook secret, or 401: a channel without one takes no webhooks.
    pub fn require_webhook_secret(&self) -> AppResult<&str> {
        self.webhook_secret
            .as_deref()
            .ok_or_else(|| AppError::Unauthenticated("this channel has no webhook secret".into()))
    }
}

impl std::fmt::Debug for ChannelCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelCredentials").field("set", &self.names_set()).finish()
    }
}

/// One line of a platform's order. Amounts are the platform's decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelLine {
    /// The platform's SKU, when the line has one.
    pub sku: Option<String>,
    /// The platform's product and variant ids, exactly as strings.
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub name: Option<String>,
    pub quantity: i64,
    /// The price of one unit before discounts.
    pub unit_price: String,
    /// Discounts taken off this line in all (not per unit).
    pub discount: Option<String>,
}

/// An order as a platform sent it, in platform-neutral terms.
#[derive(Debug, Clone, Default)]
pub struct ChannelOrder {
    /// The platform's order id, exactly as a string.
    pub external_id: String,
    /// The order number as the platform's customers see it (`#1001`).
    pub number: Option<String>,
    /// When the platform took it and last changed it (Unix milliseconds).
    pub placed_at: Option<i64>,
    pub currency: String,
    pub email: Option<String>,
    pub customer_name: Option<String>,
    pub phone: Option<String>,
    pub shipping_address: Option<AddressInput>,
    pub billing_address: Option<AddressInput>,
    pub lines: Vec<ChannelLine>,
    /// Shipping charged, after shipping discounts.
    pub shipping: Option<String>,
    /// Tax in all; contained in the prices when `taxes_included`.
    pub tax: Option<String>,
    pub taxes_included: bool,
    /// Every discount in all, the lines' included.
    pub discount: Option<String>,
    /// What the platform says the customer pays in all: the lines, less discounts, plus
    /// shipping and (unless included) tax.
    pub total: Option<String>,
    /// What the customer has paid at the platform.
    pub paid: Option<String>,
    pub note: Option<String>,
    /// The platform cancelled the order; the reason it gives.
    pub cancelled: Option<String>,
}

/// What one webhook delivery carries.
#[derive(Debug, Clone)]
pub enum DeliveryContent {
    /// An order, new or changed.
    Order(Box<ChannelOrder>),
    /// Nothing Ordo takes (another topic, a ping); says what it was.
    Ignored(String),
    /// The signature holds but the body cannot be read as an order: why, and the platform's
    /// order id when it could still be found.
    Unreadable { reason: String, external_id: Option<String> },
}

/// One webhook delivery, its signature checked.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The platform's id for the delivery (retries carry the same), when it sends one.
    pub id: Option<String>,
    /// The platform's topic, e.g. `orders/create`.
    pub topic: String,
    pub content: DeliveryContent,
}

pub trait SalesChannel: Send + Sync {
    /// The channel kind this adapter serves (`shopify`).
    fn kind(&self) -> &'static str;
    /// Checks the delivery's signature against the channel's webhook secret (401,
    /// `AppError::Unauthenticated`, when it fails) and reads it.
    fn webhook(&self, credentials: &ChannelCredentials, headers: &WebhookHeaders, body: &[u8]) -> AppResult<Delivery>;
    /// Reads a payload of this topic again, as kept in the import log (no signature: it was
    /// checked when it arrived).
    fn read(&self, topic: &str, body: &[u8]) -> DeliveryContent;
}

/// The channel adapters this process has, by kind.
#[derive(Clone, Default)]
pub struct SalesChannels(Vec<std::sync::Arc<dyn SalesChannel>>);

impl SalesChannels {
    pub fn add(&mut self, adapter: std::sync::Arc<dyn SalesChannel>) {
        self.0.retain(|a| a.kind() != adapter.kind());
        self.0.push(adapter);
    }

    /// The adapter for a kind, or 501: this process has none.
    pub fn for_kind(&self, kind: &str) -> AppResult<&dyn SalesChannel> {
        self.0.iter().find(|a| a.kind() == kind).map(|a| a.as_ref()).ok_or_else(|| {
            AppError::NotImplemented(format!("channels of kind {kind:?} are not available in this installation"))
        })
    }
}
