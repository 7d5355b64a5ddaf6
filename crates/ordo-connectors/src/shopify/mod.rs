//! Shopify as a sales channel: order webhooks (`orders/create`, `orders/updated`,
//! `orders/paid`, `orders/cancelled`), authenticated by `X-Shopify-Hmac-Sha256` (base64
//! HMAC-SHA256 of the raw body under the app's webhook secret) and identified by
//! `X-Shopify-Webhook-Id`, which retries of one delivery share. The wire format is in
//! `wire.rs`.

pub mod wire;

use ordo_app::ports::WebhookHeaders;
use ordo_app::ports::channel::{ChannelCredentials, Delivery, DeliveryContent, SalesChannel};
use ordo_app::{AppError, AppResult};

use crate::platform::unreadable;
use crate::signing;

/// The order topics Ordo takes; every one carries the whole order.
pub const ORDER_TOPICS: &[&str] = &["orders/create", "orders/updated", "orders/paid", "orders/cancelled"];

pub struct ShopifyChannel;

impl SalesChannel for ShopifyChannel {
    fn kind(&self) -> &'static str {
        "shopify"
    }

    fn webhook(&self, credentials: &ChannelCredentials, headers: &WebhookHeaders, body: &[u8]) -> AppResult<Delivery> {
        let secret = credentials.require_webhook_secret()?;
        if !headers.get("x-shopify-hmac-sha256").is_some_and(|s| signing::verify_base64(s, secret, body)) {
            return Err(AppError::Unauthenticated("the X-Shopify-Hmac-Sha256 signature is missing or wrong".into()));
        }
        let topic = headers.get("x-shopify-topic").unwrap_or_default().to_owned();
        Ok(Delivery {
            id: headers.get("x-shopify-webhook-id").map(str::to_owned),
            content: self.read(&topic, body),
            topic,
        })
    }

    fn read(&self, topic: &str, body: &[u8]) -> DeliveryContent {
        if !ORDER_TOPICS.contains(&topic) {
            return DeliveryContent::Ignored(format!("the Shopify topic {topic:?} carries no order"));
        }
        match serde_json::from_slice::<wire::Order>(body) {
            Ok(order) => DeliveryContent::Order(Box::new(order.into_channel_order())),
            Err(e) => unreadable(body, e),
        }
    }
}
