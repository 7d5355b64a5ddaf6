//! BigCommerce as a sales channel. Its webhooks (`store/order/created`,
//! `store/order/updated`, `store/order/statusUpdated`) carry only the order's id, so the
//! adapter reads the order, its `products` and its `shipping_addresses` from the REST v2 API
//! with the store's access token (`X-Auth-Token`), and keeps the three answers together as
//! the order's payload. BigCommerce does not sign its callbacks; the merchant creates the
//! webhook with a header `X-Ordo-Webhook-Secret` carrying the channel's webhook secret
//! (BigCommerce sends a webhook's `headers` with every callback), and a callback without it,
//! or with another value, gets 401. Orders a webhook missed are pulled from
//! `GET /v2/orders?min_date_modified=...`, oldest change first, 50 a page; BigCommerce answers
//! 204 when no order is left. Stock is pushed as the catalog's `inventory_level`, of the
//! product (`PUT /v3/catalog/products/{id}`) or of its variant
//! (`PUT /v3/catalog/products/{id}/variants/{variant_id}`). The wire format is in `wire.rs`.

pub mod wire;

use ordo_app::ports::channel::{
    ChannelCredentials, Delivery, DeliveryContent, PULLED, PullPage, Pulled, SalesChannel, StockTarget,
};
use ordo_app::ports::target::TargetPolicy;
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{AppError, AppResult};

use crate::outbound;
use crate::platform::unreadable;
use crate::signing;

/// The callback scopes that name an order.
pub const ORDER_SCOPES: &[&str] = &["store/order/created", "store/order/updated", "store/order/statusUpdated"];

/// The header a BigCommerce webhook is created with, carrying the channel's webhook secret.
pub const SECRET_HEADER: &str = "x-ordo-webhook-secret";

/// Orders per page of a pull.
const LIMIT: usize = 50;

pub struct BigCommerceChannel {
    pub http: reqwest::Client,
    pub targets: TargetPolicy,
}

/// An order id as a path segment: digits only.
fn order_id(id: &str) -> AppResult<&str> {
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::Upstream(format!("{id:?} is not a BigCommerce order id")));
    }
    Ok(id)
}

impl BigCommerceChannel {
    fn get(&self, token: &str, url: String) -> impl Fn() -> reqwest::RequestBuilder + '_ {
        let token = token.to_owned();
        move || self.http.get(&url).header("x-auth-token", &token).header("accept", "application/json")
    }

    /// The store's API base (`https://api.bigcommerce.com/stores/{store_hash}`) and token.
    fn api<'a>(&self, c: &'a ChannelCredentials) -> AppResult<(&'a str, &'a str)> {
        let base = c.require("api_url", &c.api_url)?;
        let token = c.require("access_token", &c.access_token)?;
        outbound::check_shown(&self.targets, base)?;
        Ok((base.trim_end_matches('/'), token))
    }

    /// A list sub-resource; 204 (nothing) reads as empty.
    async fn list(&self, token: &str, url: String) -> AppResult<Vec<serde_json::Value>> {
        let answer = outbound::send("BigCommerce", self.get(token, url)).await?;
        if answer.status == 204 || answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        answer.json("BigCommerce")
    }

    /// The order's products and shipping addresses, read beside it.
    async fn complete(&self, base: &str, token: &str, order: serde_json::Value) -> AppResult<Pulled> {
        let id = match order.get("id") {
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => return Err(AppError::Upstream("BigCommerce answered an order without an id".into())),
        };
        let id = order_id(&id)?;
        let products = self.list(token, format!("{base}/v2/orders/{id}/products")).await?;
        let shipping_addresses = self.list(token, format!("{base}/v2/orders/{id}/shipping_addresses")).await?;
        let version = order.get("date_modified").and_then(|d| d.as_str()).unwrap_or_default().to_owned();
        let fetched = wire::Fetched { order, products, shipping_addresses };
        let payload = serde_json::to_string(&fetched).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Pulled {
            content: self.read(PULLED, payload.as_bytes()),
            changed_at: ordo_app::kernel::time_fmt::parse_rfc2822(&version),
            version,
            payload,
        })
    }

    async fn set_level(&self, c: &ChannelCredentials, t: &StockTarget, quantity: i64) -> AppResult<()> {
        let (base, token) = self.api(c)?;
        let product = t.product_id.as_deref().unwrap_or_default();
        let url = match &t.variant_id {
            Some(v) => format!("{base}/v3/catalog/products/{product}/variants/{v}"),
            None => format!("{base}/v3/catalog/products/{product}"),
        };
        let body = serde_json::json!({"inventory_level": quantity});
        outbound::send("BigCommerce", || {
            self.http.put(&url).header("x-auth-token", token).header("accept", "application/json").json(&body)
        })
        .await?;
        Ok(())
    }

    async fn fetch_order(&self, c: &ChannelCredentials, id: &str) -> AppResult<Pulled> {
        let (base, token) = self.api(c)?;
        let id = order_id(id)?;
        let answer = outbound::send("BigCommerce", self.get(token, format!("{base}/v2/orders/{id}"))).await?;
        self.complete(base, token, answer.json("BigCommerce")?).await
    }

    async fn page(&self, c: &ChannelCredentials, since: i64, page: Option<&str>) -> AppResult<PullPage> {
        let (base, token) = self.api(c)?;
        let number: u32 = page.and_then(|p| p.parse().ok()).filter(|n| *n >= 1).unwrap_or(1);
        let after = ordo_app::kernel::time_fmt::format_rfc2822(since);
        let query = [
            ("min_date_modified", after),
            ("sort", "date_modified:asc".to_owned()),
            ("limit", LIMIT.to_string()),
            ("page", number.to_string()),
        ];
        let url = format!("{base}/v2/orders");
        let answer = outbound::send("BigCommerce", || {
            self.http.get(&url).header("x-auth-token", token).header("accept", "application/json").query(&query)
        })
        .await?;
        let orders: Vec<serde_json::Value> = if answer.status == 204 || answer.body.iter().all(u8::is_ascii_whitespace)
        {
            Vec::new()
        } else {
            answer.json("BigCommerce")?
        };
        let next = (orders.len() >= LIMIT).then(|| (number + 1).to_string());
        let mut pulled = Vec::with_capacity(orders.len());
        for order in orders {
            pulled.push(self.complete(base, token, order).await?);
        }
        Ok(PullPage { orders: pulled, next })
    }
}

impl SalesChannel for BigCommerceChannel {
    fn kind(&self) -> &'static str {
        "bigcommerce"
    }

    fn webhook(&self, credentials: &ChannelCredentials, headers: &WebhookHeaders, body: &[u8]) -> AppResult<Delivery> {
        let secret = credentials.require_webhook_secret()?;
        if !headers.get(SECRET_HEADER).is_some_and(|given| signing::same_secret(given, secret)) {
            return Err(AppError::Unauthenticated(
                "the X-Ordo-Webhook-Secret header is missing or not the channel's webhook secret".into(),
            ));
        }
        let callback = serde_json::from_slice::<wire::Callback>(body).ok();
        let topic = callback.as_ref().map(|c| c.scope.clone()).unwrap_or_default();
        // Retries of one callback repeat its scope, order and time.
        let id = callback.as_ref().map(|c| format!("{}:{}:{}", c.scope, c.data.id.0, c.created_at.unwrap_or(0)));
        Ok(Delivery { id, content: self.read(&topic, body), topic })
    }

    fn read(&self, topic: &str, body: &[u8]) -> DeliveryContent {
        if let Ok(fetched) = serde_json::from_slice::<wire::Fetched>(body) {
            let order = serde_json::from_value::<wire::Order>(fetched.order);
            let products: Result<Vec<wire::Product>, _> =
                fetched.products.into_iter().map(serde_json::from_value).collect();
            let addresses: Result<Vec<wire::Address>, _> =
                fetched.shipping_addresses.into_iter().map(serde_json::from_value).collect();
            return match (order, products, addresses) {
                (Ok(o), Ok(p), Ok(a)) => DeliveryContent::Order(Box::new(o.into_channel_order(p, a))),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => unreadable(body, e),
            };
        }
        if !ORDER_SCOPES.contains(&topic) {
            return DeliveryContent::Ignored(format!("the BigCommerce scope {topic:?} carries no order"));
        }
        match serde_json::from_slice::<wire::Callback>(body) {
            Ok(c) if c.data.kind.as_deref().is_none_or(|k| k == "order") => DeliveryContent::Fetch(c.data.id.0),
            Ok(c) => DeliveryContent::Ignored(format!("a BigCommerce callback about a {:?}", c.data.kind)),
            Err(e) => unreadable(body, e),
        }
    }

    fn pulls(&self) -> bool {
        true
    }

    fn pull<'a>(&'a self, c: &'a ChannelCredentials, since: i64, page: Option<&'a str>) -> GatewayFuture<'a, PullPage> {
        Box::pin(self.page(c, since, page))
    }

    fn fetch<'a>(&'a self, c: &'a ChannelCredentials, external_id: &'a str) -> GatewayFuture<'a, Pulled> {
        Box::pin(self.fetch_order(c, external_id))
    }

    fn stock_target(&self, t: &StockTarget) -> Option<Result<(), String>> {
        Some(t.product_id.as_ref().map(|_| ()).ok_or_else(|| "a BigCommerce listing names its product_id".into()))
    }

    fn push_stock<'a>(&'a self, c: &'a ChannelCredentials, t: &'a StockTarget, quantity: i64) -> GatewayFuture<'a, ()> {
        Box::pin(self.set_level(c, t, quantity))
    }
}
