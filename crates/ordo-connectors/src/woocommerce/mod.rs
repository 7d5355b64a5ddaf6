//! WooCommerce as a sales channel: the `order.created` and `order.updated` webhooks (REST
//! API v3), authenticated by `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body
//! under the webhook's secret), with `X-WC-Webhook-Topic` and `X-WC-Webhook-Delivery-ID`.
//! The ping WooCommerce sends when a webhook is saved (`webhook_id=...`) is taken and
//! ignored. The wire format is in `wire.rs`.

pub mod wire;

use ordo_app::ports::WebhookHeaders;
use ordo_app::ports::channel::{ChannelCredentials, Delivery, DeliveryContent, SalesChannel};
use ordo_app::{AppError, AppResult};

use crate::platform::unreadable;
use crate::signing;

pub const ORDER_TOPICS: &[&str] = &["order.created", "order.updated"];

pub struct WooCommerceChannel;

impl SalesChannel for WooCommerceChannel {
    fn kind(&self) -> &'static str {
        "woocommerce"
    }

    fn webhook(&self, credentials: &ChannelCredentials, headers: &WebhookHeaders, body: &[u8]) -> AppResult<Delivery> {
        let secret = credentials.require_webhook_secret()?;
        if !headers.get("x-wc-webhook-signature").is_some_and(|s| signing::verify_base64(s, secret, body)) {
            return Err(AppError::Unauthenticated("the X-WC-Webhook-Signature is missing or wrong".into()));
        }
        let topic = headers.get("x-wc-webhook-topic").unwrap_or_default().to_owned();
        Ok(Delivery {
            id: headers.get("x-wc-webhook-delivery-id").map(str::to_owned),
            content: self.read(&topic, body),
            topic,
        })
    }

    fn read(&self, topic: &str, body: &[u8]) -> DeliveryContent {
        if body.starts_with(b"webhook_id=") {
            return DeliveryContent::Ignored("WooCommerce's ping for a new webhook".into());
        }
        if !ORDER_TOPICS.contains(&topic) {
            return DeliveryContent::Ignored(format!("the WooCommerce topic {topic:?} carries no order"));
        }
        match serde_json::from_slice::<wire::Order>(body) {
            Ok(order) => DeliveryContent::Order(Box::new(order.into_channel_order())),
            Err(e) => unreadable(body, e),
        }
    }
}
