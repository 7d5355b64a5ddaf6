//! EasyPost's v2 shipments API behind [`CarrierGateway`]: `POST /v2/shipments` rates a
//! shipment, `POST /v2/shipments/{id}/buy` buys one of its rates, and tracker webhooks come
//! signed `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256(secret, body)>`. The wire shapes
//! and their mapping are in `wire.rs`.

pub mod wire;

use ordo_app::ports::carrier::{Carrier, CarrierApi, CarrierGateway, Offer, Purchase, Shipment, TrackingReport};
use ordo_app::ports::target::TargetPolicy;
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{AppError, AppResult};
use serde_json::json;

use crate::signing;

pub struct EasyPostGateway {
    pub http: reqwest::Client,
    pub targets: TargetPolicy,
}

fn api(carrier: &Carrier) -> AppResult<&CarrierApi> {
    carrier.api.as_ref().ok_or_else(|| AppError::Internal(format!("carrier {} has no EasyPost account", carrier.code)))
}

impl EasyPostGateway {
    /// The URL of an API path (`/shipments`), under the account's base URL, which may be
    /// given with or without EasyPost's `/v2`; checked against the target policy.
    fn url(&self, api: &CarrierApi, path: &str) -> AppResult<String> {
        let base = api.base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v2").unwrap_or(base);
        let url = format!("{base}/v2{path}");
        crate::outbound::check(&self.targets, &url)?;
        Ok(url)
    }
}

impl CarrierGateway for EasyPostGateway {
    fn kind(&self) -> &'static str {
        "easypost"
    }

    fn needs_api(&self) -> bool {
        true
    }

    fn rates<'a>(&'a self, carrier: &'a Carrier, shipment: &'a Shipment) -> GatewayFuture<'a, Vec<Offer>> {
        Box::pin(async move {
            let api = api(carrier)?;
            let url = self.url(api, "/shipments")?;
            let body = wire::shipment_request(shipment);
            let res = self.http.post(&url).basic_auth(&api.api_key, Some("")).json(&body).send().await;
            let created: wire::ShipmentResponse = wire::read(res).await?;
            Ok(created
                .rates
                .into_iter()
                .filter_map(|r| {
                    let quote = wire::quote(&carrier.code, &r, shipment.parcel.now)?;
                    Some(Offer { quote, reference: Some((created.id.clone(), r.id)) })
                })
                .collect())
        })
    }

    fn buy<'a>(&'a self, carrier: &'a Carrier, offer: &'a Offer) -> GatewayFuture<'a, Purchase> {
        Box::pin(async move {
            let api = api(carrier)?;
            let (shipment, rate) =
                offer.reference.clone().ok_or_else(|| AppError::Internal("an EasyPost offer without ids".into()))?;
            let url = self.url(api, &format!("/shipments/{shipment}/buy"))?;
            let res = self
                .http
                .post(&url)
                .basic_auth(&api.api_key, Some(""))
                .json(&json!({"rate": {"id": rate}}))
                .send()
                .await;
            let bought: wire::BoughtShipment = wire::read(res).await?;
            Ok(Purchase { tracking_number: bought.tracking_code, label_url: bought.postage_label.map(|l| l.label_url) })
        })
    }

    fn tracking(
        &self,
        _carrier: &Carrier,
        secret: &str,
        headers: &WebhookHeaders,
        body: &[u8],
        _now_ms: i64,
    ) -> AppResult<TrackingReport> {
        let signed = headers
            .get("x-hmac-signature")
            .and_then(|h| h.trim().strip_prefix("hmac-sha256-hex="))
            .is_some_and(|given| signing::verify_hex(given, secret, body));
        if !signed {
            return Err(AppError::Unauthenticated("the signature is missing, wrong or too old".into()));
        }
        let event: wire::Event = serde_json::from_slice(body).map_err(|e| AppError::field("body", e.to_string()))?;
        Ok(event.report())
    }
}
