//! The sales channels Ordo takes orders from, as one trait: read a platform's webhook (its
//! signature checked first) into a platform-neutral order, fetch an order a webhook only
//! names, and pull the orders changed since a time, page by page. One adapter per platform
//! lives in the connectors crate with that platform's wire format beside it; which adapter
//! serves a channel is chosen by the channel's configured `kind`.
//!
//! Amounts stay the decimal strings the platform wrote: the use case converts them into the
//! order's currency by one rule (`Money::parse_rounding`), so no adapter rounds on its own.

use serde::{Deserialize, Serialize};

use crate::kernel::input::AddressInput;
use crate::ports::{GatewayFuture, WebhookHeaders};
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
    /// Where Login with Amazon refreshes tokens (`https://api.amazon.com/auth/o2/token` unless
    /// set).
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The Amazon marketplace the seller's orders are read from (`ATVPDKIKX0DER`).
    #[serde(default, with = "crate::kernel::secrets::sealed_opt", skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
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
            ("token_url", &self.token_url),
            ("marketplace_id", &self.marketplace_id),
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

    /// A credential a pull or a fetch needs, or 409 naming it.
    pub fn require<'a>(&self, name: &str, value: &'a Option<String>) -> AppResult<&'a str> {
        value.as_deref().ok_or_else(|| {
            AppError::Conflict(format!(
                "the channel's credentials have no {name}; set it with PUT /v1/channels/{{channel}}"
            ))
        })
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
    /// The delivery only names an order (BigCommerce's): fetch it by this id.
    Fetch(String),
}

/// The topic under which an order read by a pull or a fetch is kept in the import log; an
/// adapter reads such a payload with `read(PULLED, ...)`.
pub const PULLED: &str = "pull";

/// One order a pull or a fetch read: the payload as the import log keeps it, what it says,
/// and the platform's version of it (its last-modified time as the platform wrote it), so that
/// a later pull of the same version is known for a repeat.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub payload: String,
    pub content: DeliveryContent,
    pub version: String,
    /// When the platform last changed the order (Unix milliseconds), to move the pull on from.
    pub changed_at: Option<i64>,
}

/// One page of a pull, and the page after it, if any.
#[derive(Debug, Clone, Default)]
pub struct PullPage {
    pub orders: Vec<Pulled>,
    /// What the next call passes as `page` (a page number, a `NextToken`); none on the last.
    pub next: Option<String>,
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

/// Where a SKU is listed on a platform, in the platform's ids (kept exactly as strings):
/// Shopify's inventory item and location, WooCommerce's or BigCommerce's product and, for a
/// variation, its variant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockTarget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
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

    /// Whether the platform's orders can be pulled (WooCommerce, BigCommerce, Amazon).
    fn pulls(&self) -> bool {
        false
    }

    /// One page of the orders changed since `since` (Unix milliseconds), from the first page
    /// (`page` none) or the one a previous page named. A platform that asks Ordo to slow down
    /// is waited for, a few times, before this gives up with `AppError::Upstream`.
    fn pull<'a>(
        &'a self,
        _credentials: &'a ChannelCredentials,
        _since: i64,
        _page: Option<&'a str>,
    ) -> GatewayFuture<'a, PullPage> {
        let kind = self.kind();
        Box::pin(async move { Err(AppError::NotImplemented(format!("orders are not pulled from {kind}"))) })
    }

    /// Which ids a listing needs on this platform, if the platform takes stock from Ordo
    /// (`Ok(())` when `target` has them, the missing ones named otherwise); `None` when Ordo
    /// pushes no stock to it.
    fn stock_target(&self, _target: &StockTarget) -> Option<Result<(), String>> {
        None
    }

    /// Sets the listing's quantity on the platform to `quantity`.
    fn push_stock<'a>(
        &'a self,
        _credentials: &'a ChannelCredentials,
        _target: &'a StockTarget,
        _quantity: i64,
    ) -> GatewayFuture<'a, ()> {
        let kind = self.kind();
        Box::pin(async move { Err(AppError::NotImplemented(format!("stock is not pushed to {kind}"))) })
    }

    /// The order a webhook named ([`DeliveryContent::Fetch`]), read from the platform.
    fn fetch<'a>(&'a self, _credentials: &'a ChannelCredentials, _external_id: &'a str) -> GatewayFuture<'a, Pulled> {
        let kind = self.kind();
        Box::pin(async move { Err(AppError::NotImplemented(format!("orders are not fetched from {kind}"))) })
    }
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
