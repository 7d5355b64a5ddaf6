//! Amazon as a sales channel, pulled: Amazon sends no order webhooks, so the Selling Partner
//! API's Orders v0 is read on a schedule — `getOrders` (`GET /orders/v0/orders`) with
//! `MarketplaceIds` and `LastUpdatedAfter`, then each `NextToken` page, and `getOrderItems`
//! (`GET /orders/v0/orders/{orderId}/orderItems`, with its own `NextToken`) for each order.
//! Requests carry a Login with Amazon access token in `x-amz-access-token`, refreshed from the
//! seller's refresh token (`POST https://api.amazon.com/auth/o2/token`,
//! `grant_type=refresh_token`) and kept until a minute before it expires. A 429 is waited out
//! with backoff ([`crate::outbound::send`]); a 401 or 403 refreshes the token once. The wire
//! format is in `wire.rs`.

pub mod wire;

use std::collections::HashMap;
use std::sync::Mutex;

use ordo_app::ports::channel::{ChannelCredentials, Delivery, DeliveryContent, PULLED, PullPage, Pulled, SalesChannel};
use ordo_app::ports::target::TargetPolicy;
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{AppError, AppResult};
use serde::Deserialize;

use crate::outbound;
use crate::platform::unreadable;

/// Where Login with Amazon issues access tokens, unless the channel names another.
pub const TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";

/// Orders per page of `getOrders` (Amazon allows 1 to 100).
const PER_PAGE: u32 = 100;

/// The most `getOrderItems` pages read for one order.
const MAX_ITEM_PAGES: usize = 20;

pub struct AmazonChannel {
    pub http: reqwest::Client,
    pub targets: TargetPolicy,
    /// Access tokens by refresh token (hashed), with the time each stops being used.
    tokens: Mutex<HashMap<String, (String, i64)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// An Amazon order id as a path segment (`902-1845936-5435065`).
fn order_id(id: &str) -> AppResult<&str> {
    if id.is_empty() || id.len() > 50 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::Upstream(format!("{id:?} is not an Amazon order id")));
    }
    Ok(id)
}

impl AmazonChannel {
    pub fn new(http: reqwest::Client, targets: TargetPolicy) -> AmazonChannel {
        AmazonChannel { http, targets, tokens: Mutex::new(HashMap::new()) }
    }

    fn cache_key(c: &ChannelCredentials) -> String {
        let refresh = c.refresh_token.as_deref().unwrap_or_default();
        crate::signing::hex(&crate::signing::hmac_sha256(b"ordo-amazon-token", refresh.as_bytes()))
    }

    /// An access token: the one kept, unless `fresh` or about to expire, else a new one.
    async fn token(&self, c: &ChannelCredentials, fresh: bool) -> AppResult<String> {
        let key = Self::cache_key(c);
        if !fresh
            && let Some((token, until)) = self.tokens.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && *until > now_ms()
        {
            return Ok(token.clone());
        }
        let url = c.token_url.as_deref().unwrap_or(TOKEN_URL);
        outbound::check_shown(&self.targets, url)?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", c.require("refresh_token", &c.refresh_token)?),
            ("client_id", c.require("client_id", &c.client_id)?),
            ("client_secret", c.require("client_secret", &c.client_secret)?),
        ];
        let answer = outbound::send("Login with Amazon", || self.http.post(url).form(&form)).await?;
        let t: TokenAnswer = answer.json("Login with Amazon")?;
        let until = now_ms().saturating_add(t.expires_in.unwrap_or(3600).clamp(60, 86_400).saturating_sub(60) * 1000);
        self.tokens.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (t.access_token.clone(), until));
        Ok(t.access_token)
    }

    /// A GET to the Selling Partner API, its token refreshed once if Amazon refuses it.
    async fn get(&self, c: &ChannelCredentials, url: &str, query: &[(&str, String)]) -> AppResult<outbound::Answer> {
        let mut fresh = false;
        loop {
            let token = self.token(c, fresh).await?;
            let sent = outbound::send("Amazon", || {
                self.http
                    .get(url)
                    .header("x-amz-access-token", &token)
                    .header("accept", "application/json")
                    .query(query)
            })
            .await;
            match sent {
                Err(AppError::Upstream(why)) if !fresh && why.contains("refused Ordo's credentials") => fresh = true,
                other => return other,
            }
        }
    }

    fn base<'a>(&self, c: &'a ChannelCredentials) -> AppResult<&'a str> {
        let base = c.require("api_url", &c.api_url)?;
        outbound::check_shown(&self.targets, base)?;
        Ok(base.trim_end_matches('/'))
    }

    async fn items(&self, c: &ChannelCredentials, id: &str) -> AppResult<Vec<serde_json::Value>> {
        let url = format!("{}/orders/v0/orders/{}/orderItems", self.base(c)?, order_id(id)?);
        let (mut items, mut next) = (Vec::new(), None::<String>);
        for _ in 0..MAX_ITEM_PAGES {
            let query: Vec<(&str, String)> = next.iter().map(|t| ("NextToken", t.clone())).collect();
            let page: wire::ItemsAnswer = self.get(c, &url, &query).await?.json("Amazon")?;
            items.extend(page.payload.order_items);
            match page.payload.next_token.filter(|t| !t.is_empty()) {
                Some(t) => next = Some(t),
                None => break,
            }
        }
        Ok(items)
    }

    async fn page(&self, c: &ChannelCredentials, since: i64, page: Option<&str>) -> AppResult<PullPage> {
        let url = format!("{}/orders/v0/orders", self.base(c)?);
        let marketplace = c.require("marketplace_id", &c.marketplace_id)?.to_owned();
        let query: Vec<(&str, String)> = match page {
            Some(token) => vec![("MarketplaceIds", marketplace), ("NextToken", token.to_owned())],
            None => vec![
                ("MarketplaceIds", marketplace),
                ("LastUpdatedAfter", ordo_app::kernel::time_fmt::format_ms(since)[..19].to_owned() + "Z"),
                ("MaxResultsPerPage", PER_PAGE.to_string()),
            ],
        };
        let answer: wire::OrdersAnswer = self.get(c, &url, &query).await?.json("Amazon")?;
        let mut pulled = Vec::with_capacity(answer.payload.orders.len());
        for order in answer.payload.orders {
            let id = order.get("AmazonOrderId").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let version = order.get("LastUpdateDate").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let items = self.items(c, &id).await?;
            let fetched = wire::Fetched { order, items };
            let payload = serde_json::to_string(&fetched).map_err(|e| AppError::Internal(e.to_string()))?;
            pulled.push(Pulled {
                content: self.read(PULLED, payload.as_bytes()),
                changed_at: ordo_app::kernel::time_fmt::parse_rfc3339(&version),
                version,
                payload,
            });
        }
        Ok(PullPage { orders: pulled, next: answer.payload.next_token.filter(|t| !t.is_empty()) })
    }
}

impl SalesChannel for AmazonChannel {
    fn kind(&self) -> &'static str {
        "amazon"
    }

    fn webhook(&self, _: &ChannelCredentials, _: &WebhookHeaders, _: &[u8]) -> AppResult<Delivery> {
        Err(AppError::Unauthenticated("Amazon sends no order webhooks; its orders are pulled".into()))
    }

    fn read(&self, _topic: &str, body: &[u8]) -> DeliveryContent {
        let fetched = match serde_json::from_slice::<wire::Fetched>(body) {
            Ok(f) => f,
            Err(e) => return unreadable(body, e),
        };
        let order = match serde_json::from_value::<wire::Order>(fetched.order) {
            Ok(o) => o,
            Err(e) => return unreadable(body, e),
        };
        if let Some(why) = order.not_taken() {
            return DeliveryContent::Ignored(why);
        }
        match fetched.items.into_iter().map(serde_json::from_value).collect::<Result<Vec<wire::Item>, _>>() {
            Ok(items) => DeliveryContent::Order(Box::new(order.into_channel_order(items))),
            Err(e) => DeliveryContent::Unreadable {
                reason: format!("the order's items are not what getOrderItems sends: {e}"),
                external_id: Some(order.amazon_order_id),
            },
        }
    }

    fn pulls(&self) -> bool {
        true
    }

    fn pull<'a>(&'a self, c: &'a ChannelCredentials, since: i64, page: Option<&'a str>) -> GatewayFuture<'a, PullPage> {
        Box::pin(self.page(c, since, page))
    }
}
