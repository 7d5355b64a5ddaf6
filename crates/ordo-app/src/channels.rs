//! Policies per sales channel. Today: when payments are captured.
//!
//! - `at_placement` (the default, as Shopify and Stripe do by default): a card is charged when
//!   the payment is added, and a manual payment is recorded as received unless it says
//!   `captured: false`.
//! - `on_shipment`: a card is authorized when the payment is added and each fulfilment's share
//!   is captured when it ships (by the settler, at the gateway); a manual payment is recorded as
//!   a promise (authorized) unless it says `captured: true`, and captured the same way.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::catalog::require;
use crate::events::emit;
use crate::{Action, Actor, App, AppError, AppResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSettings {
    pub channel: String,
    /// `at_placement` or `on_shipment`.
    pub capture: String,
    pub updated_at: Option<i64>,
}

impl ChannelSettings {
    fn default_for(channel: &str) -> ChannelSettings {
        ChannelSettings { channel: channel.to_owned(), capture: "at_placement".into(), updated_at: None }
    }

    pub fn captures_on_shipment(&self) -> bool {
        self.capture == "on_shipment"
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSettingsInput {
    /// `at_placement` or `on_shipment`.
    #[schema(required = true, example = "on_shipment")]
    pub capture: Option<String>,
}

/// A channel's settings, or the defaults when none were saved.
pub(crate) fn settings_of(tx: &mut dyn ordo_store::Tx, channel: &str) -> AppResult<ChannelSettings> {
    match tx.channel_settings(channel)? {
        Some(body) => serde_json::from_str(&body).map_err(|e| AppError::Internal(format!("stored channel: {e}"))),
        None => Ok(ChannelSettings::default_for(channel)),
    }
}

fn valid_channel(name: &str) -> bool {
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
        require(actor, Action::WriteCatalog)?;
        if !valid_channel(channel) {
            return Err(AppError::field("channel", "must be 1 to 64 letters, digits, '-', '_' or '.'"));
        }
        let capture = match input.capture.as_deref() {
            Some(c @ ("at_placement" | "on_shipment")) => c.to_owned(),
            Some(_) => return Err(AppError::field("capture", "must be at_placement or on_shipment")),
            None => return Err(AppError::field("capture", "is required")),
        };
        let (channel, clock) = (channel.to_owned(), self.clock.clone());
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let settings =
                    ChannelSettings { channel: channel.clone(), capture: capture.clone(), updated_at: Some(now) };
                let body = serde_json::to_string(&settings).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.put_channel_settings(&channel, &body, now)?;
                emit(tx, now, "channel.updated", &channel, &json!({"channel": channel, "capture": capture}))?;
                Ok(settings)
            })
            .await
    }
}
