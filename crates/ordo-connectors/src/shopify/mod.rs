//! Shopify as a sales channel: order webhooks (`orders/create`, `orders/updated`,
//! `orders/paid`, `orders/cancelled`), authenticated by `X-Shopify-Hmac-Sha256` (base64
//! HMAC-SHA256 of the raw body under the app's webhook secret) and identified by
//! `X-Shopify-Webhook-Id`, which retries of one delivery share. Stock is pushed with the
//! Admin REST API's `POST inventory_levels/set.json` (the inventory item's `available` at a
//! location), authenticated by `X-Shopify-Access-Token`. The wire format is in `wire.rs`.

pub mod wire;

use ordo_app::ports::channel::{ChannelCredentials, Delivery, DeliveryContent, SalesChannel, StockTarget};
use ordo_app::ports::target::TargetPolicy;
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{AppError, AppResult};

use crate::outbound;
use crate::platform::{json_id, unreadable};
use crate::signing;

/// The order topics Ordo takes; every one carries the whole order.
pub const ORDER_TOPICS: &[&str] = &["orders/create", "orders/updated", "orders/paid", "orders/cancelled"];

pub struct ShopifyChannel {
    pub http: reqwest::Client,
    pub targets: TargetPolicy,
}

impl ShopifyChannel {
    async fn set_level(&self, c: &ChannelCredentials, t: &StockTarget, quantity: i64) -> AppResult<()> {
        let base = c.require("api_url", &c.api_url)?;
        let token = c.require("access_token", &c.access_token)?;
        outbound::check_shown(&self.targets, base)?;
        let body = serde_json::json!({
            "location_id": json_id(t.location_id.as_deref())?,
            "inventory_item_id": json_id(t.inventory_item_id.as_deref())?,
            "available": quantity,
        });
        let url = format!("{}/inventory_levels/set.json", base.trim_end_matches('/'));
        outbound::send("Shopify", || self.http.post(&url).header("x-shopify-access-token", token).json(&body)).await?;
        Ok(())
    }
}

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

    fn stock_target(&self, t: &StockTarget) -> Option<Result<(), String>> {
        Some(match (&t.inventory_item_id, &t.location_id) {
            (Some(_), Some(_)) => Ok(()),
            _ => Err("a Shopify listing names its inventory_item_id and location_id".into()),
        })
    }

    fn push_stock<'a>(&'a self, c: &'a ChannelCredentials, t: &'a StockTarget, quantity: i64) -> GatewayFuture<'a, ()> {
        Box::pin(self.set_level(c, t, quantity))
    }
}
