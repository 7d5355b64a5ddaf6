//! WooCommerce as a sales channel: the `order.created` and `order.updated` webhooks (REST
//! API v3), authenticated by `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body
//! under the webhook's secret), with `X-WC-Webhook-Topic` and `X-WC-Webhook-Delivery-ID`.
//! The ping WooCommerce sends when a webhook is saved (`webhook_id=...`) is taken and
//! ignored. Orders a webhook missed are pulled from `GET /wp-json/wc/v3/orders` with
//! `modified_after` (GMT), oldest change first, page by page as the `X-WP-TotalPages` header
//! and the `Link` header's `rel="next"` say, authenticated with the REST consumer key and
//! secret (HTTP Basic over HTTPS). Stock is pushed as the product's (or the variation's)
//! `stock_quantity` with `PUT /wp-json/wc/v3/products/{id}` (or
//! `.../products/{id}/variations/{variation_id}`). The wire format is in `wire.rs`.

pub mod wire;

use ordo_app::kernel::time_fmt;
use ordo_app::ports::channel::{
    ChannelCredentials, Delivery, DeliveryContent, PULLED, PullPage, Pulled, SalesChannel, StockTarget,
};
use ordo_app::ports::target::TargetPolicy;
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{AppError, AppResult};

use crate::outbound;
use crate::platform::unreadable;
use crate::signing;

pub const ORDER_TOPICS: &[&str] = &["order.created", "order.updated", PULLED];

/// Orders per page of a pull (WooCommerce allows at most 100).
const PER_PAGE: u32 = 100;

pub struct WooCommerceChannel {
    pub http: reqwest::Client,
    pub targets: TargetPolicy,
}

/// Whether the answer names a page after this one.
fn has_next(answer: &outbound::Answer, page: u32) -> bool {
    let total = answer.header("x-wp-totalpages").and_then(|t| t.trim().parse::<u32>().ok());
    let linked = answer.header("link").is_some_and(|l| l.split(',').any(|part| part.contains("rel=\"next\"")));
    total.map_or(linked, |t| page < t)
}

impl WooCommerceChannel {
    async fn set_stock(&self, c: &ChannelCredentials, t: &StockTarget, quantity: i64) -> AppResult<()> {
        let base = c.require("api_url", &c.api_url)?;
        let key = c.require("consumer_key", &c.consumer_key)?;
        let secret = c.require("consumer_secret", &c.consumer_secret)?;
        outbound::check_shown(&self.targets, base)?;
        let product = t.product_id.as_deref().unwrap_or_default();
        let url = match &t.variant_id {
            Some(v) => format!("{}/wp-json/wc/v3/products/{product}/variations/{v}", base.trim_end_matches('/')),
            None => format!("{}/wp-json/wc/v3/products/{product}", base.trim_end_matches('/')),
        };
        let body = serde_json::json!({"manage_stock": true, "stock_quantity": quantity});
        outbound::send("WooCommerce", || self.http.put(&url).basic_auth(key, Some(secret)).json(&body)).await?;
        Ok(())
    }

    async fn page(&self, c: &ChannelCredentials, since: i64, page: Option<&str>) -> AppResult<PullPage> {
        let base = c.require("api_url", &c.api_url)?;
        let key = c.require("consumer_key", &c.consumer_key)?;
        let secret = c.require("consumer_secret", &c.consumer_secret)?;
        outbound::check_shown(&self.targets, base)?;
        let number: u32 = page.and_then(|p| p.parse().ok()).filter(|n| *n >= 1).unwrap_or(1);
        let url = format!("{}/wp-json/wc/v3/orders", base.trim_end_matches('/'));
        let after = time_fmt::format_ms(since)[..19].to_owned();
        let query = [
            ("modified_after", after),
            ("dates_are_gmt", "true".to_owned()),
            ("orderby", "modified".to_owned()),
            ("order", "asc".to_owned()),
            ("per_page", PER_PAGE.to_string()),
            ("page", number.to_string()),
        ];
        let answer =
            outbound::send("WooCommerce", || self.http.get(&url).basic_auth(key, Some(secret)).query(&query)).await?;
        let orders: Vec<serde_json::Value> = answer.json("WooCommerce")?;
        let next = (has_next(&answer, number) && !orders.is_empty()).then(|| (number + 1).to_string());
        let orders = orders
            .into_iter()
            .map(|order| {
                let payload = order.to_string();
                let modified = order.get("date_modified_gmt").and_then(|d| d.as_str()).unwrap_or_default().to_owned();
                Pulled {
                    content: self.read(PULLED, payload.as_bytes()),
                    changed_at: time_fmt::parse_rfc3339(&format!("{modified}Z")),
                    version: modified,
                    payload,
                }
            })
            .collect();
        Ok(PullPage { orders, next })
    }
}

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

    fn pulls(&self) -> bool {
        true
    }

    fn pull<'a>(&'a self, c: &'a ChannelCredentials, since: i64, page: Option<&'a str>) -> GatewayFuture<'a, PullPage> {
        Box::pin(self.page(c, since, page))
    }

    fn stock_target(&self, t: &StockTarget) -> Option<Result<(), String>> {
        Some(t.product_id.as_ref().map(|_| ()).ok_or_else(|| "a WooCommerce listing names its product_id".into()))
    }

    fn push_stock<'a>(&'a self, c: &'a ChannelCredentials, t: &'a StockTarget, quantity: i64) -> GatewayFuture<'a, ()> {
        Box::pin(self.set_stock(c, t, quantity))
    }
}
