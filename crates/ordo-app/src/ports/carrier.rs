//! The flows every carrier integration has: rate a shipment, buy a label for one of the
//! rates, and read the carrier's signed tracking reports. Which adapter serves a carrier is
//! chosen by the carrier's configured kind (`rate_card` for carriers Ordo prices from rate
//! cards, `easypost`, ...), never by code that names an adapter.

use ordo_domain::order::Address;
use ordo_domain::shipping::{Parcel, Quote, Service};
use serde::{Deserialize, Serialize};

use crate::ports::{GatewayFuture, WebhookHeaders};
use crate::{AppError, AppResult};

/// The kind of a carrier priced by its own rate cards.
/// The carrier APIs Ordo's connectors implement: what the document offers as a carrier's
/// `api.kind`. Wiring registers an adapter for each (a test holds it to that).
pub const CARRIER_APIS: &[&str] = &["easypost"];

pub const RATE_CARD: &str = "rate_card";

/// A carrier as stored. Its webhook secret verifies its tracking reports and is never shown
/// (nor printed by `Debug`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Carrier {
    pub code: String,
    pub name: String,
    /// Sealed at rest (`kernel::secrets`).
    #[serde(default, with = "crate::kernel::secrets::sealed_opt")]
    pub webhook_secret: Option<String>,
    /// Rate-card services, for carriers Ordo prices itself.
    pub services: Vec<Service>,
    /// An external carrier API this carrier is reached through; `None` for rate cards.
    #[serde(default)]
    pub api: Option<CarrierApi>,
    /// A disabled carrier quotes and labels nothing; tracking reports for parcels it already
    /// carries are still taken.
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub version: i64,
}

impl std::fmt::Debug for Carrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Carrier")
            .field("code", &self.code)
            .field("name", &self.name)
            .field("webhook_secret", &self.webhook_secret.as_ref().map(|_| "(set)"))
            .field("services", &self.services)
            .field("api", &self.api)
            .field("disabled", &self.disabled)
            .field("version", &self.version)
            .finish()
    }
}

impl Carrier {
    /// The adapter kind that serves this carrier.
    pub fn kind(&self) -> &str {
        self.api.as_ref().map_or(RATE_CARD, |a| a.kind.as_str())
    }
}

/// How to reach an external carrier API. The key is a credential: never shown or logged.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierApi {
    /// The adapter kind, e.g. `easypost`.
    pub kind: String,
    pub base_url: String,
    /// Sealed at rest (`kernel::secrets`).
    #[serde(with = "crate::kernel::secrets::sealed")]
    pub api_key: String,
}

impl std::fmt::Debug for CarrierApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierApi").field("kind", &self.kind).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// Everything a carrier needs to quote and label a parcel.
#[derive(Debug, Clone)]
pub struct Shipment {
    pub from_name: String,
    pub from: Address,
    pub to: Address,
    pub parcel: Parcel,
}

/// A quote with what the carrier needs to buy it again.
#[derive(Debug, Clone)]
pub struct Offer {
    pub quote: Quote,
    /// The carrier API's own ids (shipment, rate); empty for rate cards.
    pub reference: Option<(String, String)>,
}

/// A bought label.
#[derive(Debug, Clone)]
pub struct Purchase {
    pub tracking_number: String,
    pub label_url: Option<String>,
}

/// A tracking report as an adapter read it from the carrier's webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingReport {
    pub tracking_number: Option<String>,
    pub status: ReportedStatus,
    /// RFC 3339, when the carrier says.
    pub occurred_at: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportedStatus {
    /// A status in Ordo's words (`in_transit`, `out_for_delivery`, `delivered`, `exception`),
    /// still to be checked.
    Reported(String),
    /// A state Ordo does not follow (a carrier's `pre_transit`): accepted and ignored.
    NotFollowed,
}

pub trait CarrierGateway: Send + Sync {
    /// The configured kind this adapter serves.
    fn kind(&self) -> &'static str;
    /// Whether carriers of this kind are reached through an API (and so need `api`), or are
    /// priced from their rate cards.
    fn needs_api(&self) -> bool;
    fn rates<'a>(&'a self, carrier: &'a Carrier, shipment: &'a Shipment) -> GatewayFuture<'a, Vec<Offer>>;
    fn buy<'a>(&'a self, carrier: &'a Carrier, offer: &'a Offer) -> GatewayFuture<'a, Purchase>;
    /// Verifies a tracking webhook with the carrier's secret and reads it.
    fn tracking(
        &self,
        carrier: &Carrier,
        secret: &str,
        headers: &WebhookHeaders,
        body: &[u8],
        now_ms: i64,
    ) -> AppResult<TrackingReport>;
}

/// The carrier adapters this process has, by kind.
#[derive(Clone, Default)]
pub struct CarrierGateways(Vec<std::sync::Arc<dyn CarrierGateway>>);

impl CarrierGateways {
    pub fn add(&mut self, gateway: std::sync::Arc<dyn CarrierGateway>) {
        self.0.retain(|g| g.kind() != gateway.kind());
        self.0.push(gateway);
    }

    /// The adapter for a carrier's kind, or 501: this process was not built or configured
    /// with it.
    pub fn for_carrier(&self, carrier: &Carrier) -> AppResult<&dyn CarrierGateway> {
        let kind = carrier.kind();
        self.0.iter().find(|g| g.kind() == kind).map(|g| g.as_ref()).ok_or_else(|| {
            AppError::NotImplemented(format!("carriers of kind {kind:?} are not available in this installation"))
        })
    }

    /// The kinds reached through an API, for validating a carrier's `api.kind`: those of
    /// [`CARRIER_APIS`] this process was given.
    pub fn api_kinds(&self) -> Vec<&'static str> {
        self.0.iter().filter(|g| g.needs_api()).map(|g| g.kind()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_a_credential() {
        let c = Carrier {
            code: "ups".into(),
            name: "UPS".into(),
            webhook_secret: Some("whsec_do_not_print".into()),
            services: Vec::new(),
            api: Some(CarrierApi {
                kind: "easypost".into(),
                base_url: "https://api.easypost.com".into(),
                api_key: "EZAK_do_not_print".into(),
            }),
            disabled: false,
            version: 1,
        };
        let printed = format!("{c:?} {c:#?}");
        assert!(!printed.contains("do_not_print"), "{printed}");
        assert!(printed.contains("ups") && printed.contains("(set)"), "{printed}");
    }
}
