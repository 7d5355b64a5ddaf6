//! A sales channel's connection and policies: the platform it is (`kind`) with its sealed
//! credentials, the locations whose stock it sells and the buffer it keeps back, the store
//! of a point of sale; when payments are captured, and which orders are held for
//! review when they are captured (hold rules, evaluated in order; each hold type is placed once).
//!
//! - `at_placement` (the default, as Shopify and Stripe do by default): a card is charged when
//!   the payment is added, and a manual payment is recorded as received unless it says
//!   `captured: false`.
//! - `on_shipment`: a card is authorized when the payment is added and each fulfilment's share
//!   is captured when it ships (by the settler, at the gateway); a manual payment is recorded as
//!   a promise (authorized) unless it says `captured: true`, and captured the same way.

use ordo_domain::channel::ChannelKind;
use ordo_domain::hold::{HoldKind, HoldTrigger};
use ordo_domain::payment::CapturePolicy;
use ordo_domain::returns::RefundReturnsOn;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::channels::branding::{Branding, BrandingInput, check_branding};
use crate::kernel::events::payloads::ChannelUpdated;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::{Action, Actor, App, AppError, AppResult};

/// A rule that holds an order at capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRule {
    /// `total_above` (`amount`), `countries_differ` (shipping and billing), `first_order_above`
    /// (`amount`: a customer's first order) or `blocked_customer` (`emails`).
    pub when: HoldTrigger,
    /// The hold type to place.
    pub hold: HoldKind,
    /// Minor units; the rule applies to orders in `currency` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSettings {
    pub channel: String,
    /// `at_placement` or `on_shipment`.
    pub capture: CapturePolicy,
    #[serde(default)]
    pub hold_rules: Vec<HoldRule>,
    /// Days after delivery (or shipment) within which a return may be requested.
    #[serde(default = "default_window")]
    pub return_window_days: i64,
    /// When a return is refunded: `received` (default) or `approved`.
    #[serde(default = "default_refund_on")]
    pub refund_returns_on: RefundReturnsOn,
    pub updated_at: Option<i64>,
    /// The platform behind the channel; `api` (Ordo's own orders) by default.
    #[serde(default = "default_kind")]
    pub kind: ChannelKind,
    /// Sealed at rest; never in an answer, a log or an event.
    #[serde(default)]
    pub credentials: crate::ports::channel::ChannelCredentials,
    /// The codes of the locations whose stock the channel sells; empty: every location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
    /// Units per SKU kept back from what the channel is told it can sell.
    #[serde(default)]
    pub stock_buffer: i64,
    /// For a point of sale: the code of its store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_location: Option<String>,
    /// Pulls read no order changed before this (Unix milliseconds): the time the channel was
    /// first saved, unless set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_since: Option<i64>,
    /// How the channel's customer messages and tracking page look, and whom messages are from.
    #[serde(default, skip_serializing_if = "Branding::is_empty")]
    pub branding: Branding,
}

fn default_kind() -> ChannelKind {
    ChannelKind::Api
}

fn default_window() -> i64 {
    30
}

fn default_refund_on() -> RefundReturnsOn {
    RefundReturnsOn::Received
}

impl ChannelSettings {
    fn default_for(channel: &str) -> ChannelSettings {
        ChannelSettings {
            channel: channel.to_owned(),
            capture: CapturePolicy::AtPlacement,
            hold_rules: Vec::new(),
            return_window_days: default_window(),
            refund_returns_on: default_refund_on(),
            updated_at: None,
            kind: default_kind(),
            credentials: Default::default(),
            locations: Vec::new(),
            stock_buffer: 0,
            store_location: None,
            pull_since: None,
            branding: Branding::default(),
        }
    }

    pub fn captures_on_shipment(&self) -> bool {
        self.capture == CapturePolicy::OnShipment
    }
}

/// A channel's whole settings; what is left out takes its default.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSettingsInput {
    /// `at_placement` (default) or `on_shipment`.
    #[schema(example = "on_shipment", value_type = Option<crate::kernel::schema::CapturePolicy>)]
    pub capture: Option<String>,
    /// Rules that hold an order for review when it is captured; default none.
    #[schema(max_items = 50)]
    pub hold_rules: Option<Vec<HoldRuleInput>>,
    /// Days after delivery (or shipment) within which returns are accepted; default 30.
    #[schema(example = 30, minimum = 0, maximum = 3650)]
    pub return_window_days: Option<i64>,
    /// When a return is refunded: `received` (default) or `approved`.
    #[schema(value_type = Option<crate::kernel::schema::RefundReturnsOn>)]
    pub refund_returns_on: Option<String>,
    /// The platform behind the channel: `api` (the default: orders posted to `/v1/orders`),
    /// `shopify`, `woocommerce`, `bigcommerce`, `amazon` or `pos`.
    #[schema(example = "shopify", value_type = Option<crate::kernel::schema::ChannelKind>)]
    pub kind: Option<String>,
    /// Write-only: replaces the stored credentials when given, keeps them when left out, and
    /// is never shown (answers list which are set).
    pub credentials: Option<CredentialsInput>,
    /// The codes of the locations whose stock the channel sells; default every location.
    #[schema(max_items = 100)]
    pub locations: Option<Vec<String>>,
    /// Units per SKU kept back from what the channel is told it can sell; default 0.
    #[schema(example = 2, minimum = 0, maximum = 1000000)]
    pub stock_buffer: Option<i64>,
    /// For `pos`: the code of the store the till is in (required for that kind).
    #[schema(example = "STORE-1", max_length = 32, pattern = r"^[^\u0000]*$")]
    pub store_location: Option<String>,
    /// Pulls read orders changed from this time on (RFC 3339); by default the time the channel
    /// was first saved, so that connecting a store does not bring in its whole history.
    #[schema(example = "2026-11-01T00:00:00Z", format = DateTime)]
    pub pull_since: Option<String>,
    /// The channel's look and sender in customer messages and on its tracking page; each part
    /// left out comes from Ordo's own settings.
    pub branding: Option<BrandingInput>,
}

/// A channel's credentials for its platform: each is optional, and which a kind needs is
/// in the README (Shopify: `webhook_secret`, `api_url`, `access_token`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialsInput {
    /// The secret the platform signs webhooks with.
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*$")]
    pub webhook_secret: Option<String>,
    /// The platform's API base URL (`https` only).
    #[schema(
        example = "https://example.myshopify.com/admin/api/2024-10",
        max_length = 500,
        pattern = r"^https?://([a-z0-9]+\.)*[a-z][a-z0-9]*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]*)*$"
    )]
    pub api_url: Option<String>,
    #[schema(min_length = 1, max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub access_token: Option<String>,
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*$")]
    pub consumer_key: Option<String>,
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*$")]
    pub consumer_secret: Option<String>,
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*$")]
    pub client_id: Option<String>,
    #[schema(min_length = 1, max_length = 500, pattern = r"^[^\u0000]*$")]
    pub client_secret: Option<String>,
    #[schema(min_length = 1, max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub refresh_token: Option<String>,
    /// Where Login with Amazon refreshes tokens; `https://api.amazon.com/auth/o2/token` unless
    /// set.
    #[schema(
        example = "https://api.amazon.com/auth/o2/token",
        max_length = 500,
        pattern = r"^https?://([a-z0-9]+\.)*[a-z][a-z0-9]*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]*)*$"
    )]
    pub token_url: Option<String>,
    /// The Amazon marketplace whose orders are read.
    #[schema(example = "ATVPDKIKX0DER", min_length = 1, max_length = 32, pattern = r"^[A-Z0-9]+$")]
    pub marketplace_id: Option<String>,
}

fn check_credentials(
    e: &mut ordo_domain::validate::Errors,
    targets: &crate::ports::target::TargetPolicy,
    c: &CredentialsInput,
) -> crate::ports::channel::ChannelCredentials {
    let mut secret = |name: &str, v: &Option<String>, max: usize| -> Option<String> {
        let v = v.as_deref()?;
        if v.is_empty() || v.chars().count() > max || v.contains('\0') {
            e.add(format!("credentials/{name}"), format!("must be 1 to {max} characters"));
            return None;
        }
        Some(v.to_owned())
    };
    let creds = crate::ports::channel::ChannelCredentials {
        webhook_secret: secret("webhook_secret", &c.webhook_secret, 500),
        api_url: secret("api_url", &c.api_url, 500),
        access_token: secret("access_token", &c.access_token, 2000),
        consumer_key: secret("consumer_key", &c.consumer_key, 500),
        consumer_secret: secret("consumer_secret", &c.consumer_secret, 500),
        client_id: secret("client_id", &c.client_id, 500),
        client_secret: secret("client_secret", &c.client_secret, 500),
        refresh_token: secret("refresh_token", &c.refresh_token, 2000),
        token_url: secret("token_url", &c.token_url, 500),
        marketplace_id: secret("marketplace_id", &c.marketplace_id, 32),
    };
    for (name, url) in [("api_url", &creds.api_url), ("token_url", &creds.token_url)] {
        if let Some(url) = url
            && let Err(why) = targets.check_url(url)
        {
            e.add(format!("credentials/{name}"), why);
        }
    }
    if let Some(m) = &creds.marketplace_id
        && !m.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        e.add("credentials/marketplace_id", "must be upper-case letters and digits, such as ATVPDKIKX0DER");
    }
    creds
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRuleInput {
    /// `total_above`, `countries_differ`, `first_order_above` or `blocked_customer`.
    #[schema(required = true, example = "total_above", value_type = Option<crate::kernel::schema::HoldTrigger>)]
    pub when: Option<String>,
    /// `fraud_review`, `address_check`, `payment_review` or `manual`.
    #[schema(required = true, example = "fraud_review", value_type = Option<crate::kernel::schema::HoldKind>)]
    pub hold: Option<String>,
    /// For `total_above` and `first_order_above`: orders in this currency above it are held.
    pub amount: Option<crate::kernel::input::MoneyInput>,
    /// For `blocked_customer`: the customers' emails.
    #[schema(max_items = 1000)]
    pub emails: Option<Vec<String>>,
}

fn check_rules(e: &mut ordo_domain::validate::Errors, rules: &[HoldRuleInput]) -> Vec<HoldRule> {
    let mut out = Vec::new();
    if rules.len() > 50 {
        e.add("hold_rules", "at most 50 rules");
        return out;
    }
    for (i, r) in rules.iter().enumerate() {
        let f = |name: &str| format!("hold_rules/{i}/{name}");
        let hold: Option<HoldKind> = e.choice(&f("hold"), r.hold.as_deref());
        let amount = r.amount.as_ref().and_then(|m| crate::kernel::input::check_money(e, &f("amount"), m, None));
        let when: Option<HoldTrigger> = e.choice(&f("when"), r.when.as_deref());
        match when {
            Some(w) if w.needs_amount() && r.amount.is_none() => e.add(f("amount"), "is required for this rule"),
            Some(HoldTrigger::BlockedCustomer) if r.emails.as_ref().is_none_or(|v| v.is_empty()) => {
                e.add(f("emails"), "is required for this rule")
            }
            _ => {}
        }
        let raw = r.emails.iter().flatten();
        let too_long_or_blank =
            raw.clone().any(|m| m.chars().count() > 254 || m.chars().all(ordo_domain::validate::is_blank));
        let emails: Vec<String> = raw.map(|m| m.trim().to_lowercase()).collect();
        if emails.len() > 1000 || too_long_or_blank {
            e.add(f("emails"), "at most 1000 emails, none empty");
        }
        if let (Some(hold), Some(when)) = (hold, when) {
            out.push(HoldRule {
                when,
                hold,
                amount: amount.map(|m| m.minor()),
                currency: amount.map(|m| m.currency().code().to_owned()),
                emails,
            });
        }
    }
    out
}

/// A channel's settings, or the defaults when none were saved.
pub(crate) fn settings_of(tx: &mut dyn ordo_store::Tx, channel: &str) -> AppResult<ChannelSettings> {
    match tx.channel_settings(channel)? {
        Some(body) => serde_json::from_str(&body).map_err(|e| AppError::Internal(format!("stored channel: {e}"))),
        None => Ok(ChannelSettings::default_for(channel)),
    }
}

pub(crate) fn valid_channel(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl App {
    pub async fn channel_settings(&self, actor: &Actor, channel: &str) -> AppResult<ChannelSettings> {
        require(actor, Action::ReadCatalog)?;
        if !valid_channel(channel) || !actor.sees_channel(channel) {
            return Err(AppError::NotFound("channel"));
        }
        let channel = channel.to_owned();
        self.store.read(move |tx| settings_of(tx, &channel)).await
    }

    pub async fn put_channel_settings(
        &self,
        actor: &Actor,
        channel: &str,
        input: ChannelSettingsInput,
    ) -> AppResult<ChannelSettings> {
        require(actor, Action::Configure)?;
        if !valid_channel(channel) {
            return Err(AppError::field("channel", "must be 1 to 64 letters, digits, '-', '_' or '.'"));
        }
        let mut e = ordo_domain::validate::Errors::new();
        let capture = e.optional_choice("capture", input.capture.as_deref()).unwrap_or(CapturePolicy::AtPlacement);
        let hold_rules = check_rules(&mut e, input.hold_rules.as_deref().unwrap_or_default());
        let return_window_days = input.return_window_days.unwrap_or_else(default_window);
        if !(0..=3650).contains(&return_window_days) {
            e.add("return_window_days", "must be between 0 and 3650");
        }
        let refund_returns_on = e
            .optional_choice("refund_returns_on", input.refund_returns_on.as_deref())
            .unwrap_or_else(default_refund_on);
        let kind = e.optional_choice("kind", input.kind.as_deref()).unwrap_or_else(default_kind);
        let credentials = input.credentials.as_ref().map(|c| check_credentials(&mut e, &self.targets, c));
        let locations: Vec<String> = input.locations.clone().unwrap_or_default();
        if locations.len() > 100 {
            e.add("locations", "at most 100 locations");
        }
        for (i, code) in locations.iter().enumerate() {
            if code.is_empty() || code.chars().count() > 32 || code.contains('\0') {
                e.add(format!("locations/{i}"), "must be a location code of 1 to 32 characters");
            }
        }
        let stock_buffer = input.stock_buffer.unwrap_or(0);
        if !(0..=1_000_000).contains(&stock_buffer) {
            e.add("stock_buffer", "must be between 0 and 1000000");
        }
        let store_location = e.optional_text("store_location", input.store_location.as_deref(), 32);
        let pull_since = match input.pull_since.as_deref() {
            None => None,
            Some(t) => {
                let at = crate::kernel::time_fmt::parse_rfc3339(t);
                if at.is_none() {
                    e.add("pull_since", "must be an RFC 3339 time such as 2026-11-01T00:00:00Z");
                }
                at
            }
        };
        let branding = input.branding.as_ref().map(|b| check_branding(&mut e, b)).unwrap_or_default();
        if kind == ChannelKind::Pos && store_location.is_none() {
            e.add("store_location", "is required for a pos channel");
        }
        e.finish(())?;
        let (channel, clock, cached) = (channel.to_owned(), self.clock.clone(), channel.to_owned());
        let saved = self
            .store
            .write(move |tx| {
                let now = clock.now_ms();
                let mut e = ordo_domain::validate::Errors::new();
                for (i, code) in locations.iter().enumerate() {
                    if tx.location_by_code(code)?.is_none() {
                        e.missing(format!("locations/{i}"), "no location has this code");
                    }
                }
                if let Some(code) = &store_location
                    && tx.location_by_code(code)?.is_none()
                {
                    e.missing("store_location", "no location has this code");
                }
                e.finish(())?;
                let stored = settings_of(tx, &channel)?;
                let credentials = match &credentials {
                    Some(given) => given.clone(),
                    None => stored.credentials,
                };
                let pull_since = pull_since.or(stored.pull_since).or(Some(now));
                let settings = ChannelSettings {
                    channel: channel.clone(),
                    capture,
                    hold_rules: hold_rules.clone(),
                    return_window_days,
                    refund_returns_on,
                    updated_at: Some(now),
                    kind,
                    credentials,
                    locations: locations.clone(),
                    stock_buffer,
                    store_location: store_location.clone(),
                    pull_since,
                    branding: branding.clone(),
                };
                let body = serde_json::to_string(&settings).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.put_channel_settings(&channel, &body, now)?;
                emit(
                    tx,
                    now,
                    &channel,
                    Event::ChannelUpdated(ChannelUpdated {
                        channel: channel.clone(),
                        capture: capture.to_string(),
                        hold_rules: hold_rules.len(),
                        kind: kind.to_string(),
                    }),
                )?;
                Ok(settings)
            })
            .await;
        // This node reads the new settings at once; the others within a second.
        self.channel_cache.forget(&cached);
        saved
    }
}

/// Channel settings as read for webhooks, each kept a second on this node, so that a burst of
/// deliveries reads its channel's settings once a second rather than once a delivery.
#[derive(Clone, Default)]
pub struct SettingsCache(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (i64, ChannelSettings)>>>);

/// How long cached settings are used.
const CACHED_MS: i64 = 1000;

impl SettingsCache {
    pub(crate) fn get(&self, channel: &str, now: i64) -> Option<ChannelSettings> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(channel).filter(|(at, _)| now - at < CACHED_MS && now >= *at).map(|(_, s)| s.clone())
    }

    pub(crate) fn put(&self, settings: &ChannelSettings, now: i64) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(settings.channel.clone(), (now, settings.clone()));
    }

    pub(crate) fn forget(&self, channel: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(channel);
    }
}
