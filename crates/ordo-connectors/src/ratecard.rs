//! The carriers Ordo prices itself, from their services' rate cards, behind
//! [`CarrierGateway`]: quotes come from the domain's rate-card pricing, Ordo issues the
//! tracking numbers, and the carrier's tracking reports come as Ordo's documented JSON
//! signed `Ordo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use ordo_app::ports::carrier::{
    Carrier, CarrierGateway, Offer, Purchase, RATE_CARD, ReportedStatus, Shipment, TrackingReport,
};
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::shipping::carriers::TrackingInput;
use ordo_app::{AppError, AppResult, random_u128};
use ordo_domain::shipping::quote;

use crate::signing;

pub struct RateCardGateway;

impl CarrierGateway for RateCardGateway {
    fn kind(&self) -> &'static str {
        RATE_CARD
    }

    fn needs_api(&self) -> bool {
        false
    }

    fn rates<'a>(&'a self, carrier: &'a Carrier, shipment: &'a Shipment) -> GatewayFuture<'a, Vec<Offer>> {
        let offers = carrier
            .services
            .iter()
            .filter_map(|s| quote(&carrier.code, s, &shipment.parcel))
            .map(|quote| Offer { quote, reference: None })
            .collect();
        Box::pin(async move { Ok(offers) })
    }

    fn buy<'a>(&'a self, _carrier: &'a Carrier, offer: &'a Offer) -> GatewayFuture<'a, Purchase> {
        let tracking_number = format!("{}{:012}", offer.quote.carrier, random_u128() % 1_000_000_000_000);
        Box::pin(async move { Ok(Purchase { tracking_number, label_url: None }) })
    }

    fn tracking(
        &self,
        _carrier: &Carrier,
        secret: &str,
        headers: &WebhookHeaders,
        body: &[u8],
        now_ms: i64,
    ) -> AppResult<TrackingReport> {
        if !headers.get("ordo-signature").is_some_and(|s| signing::verify_timestamped(s, secret, body, now_ms)) {
            return Err(AppError::Unauthenticated("the signature is missing, wrong or too old".into()));
        }
        let input: TrackingInput = serde_json::from_slice(body).map_err(|e| AppError::field("body", e.to_string()))?;
        Ok(TrackingReport {
            tracking_number: input.tracking_number,
            status: ReportedStatus::Reported(input.status.unwrap_or_default()),
            occurred_at: input.occurred_at,
            description: input.description,
        })
    }
}
