//! Carriers and their services' rate cards, rates for a fulfilment, buying its label with
//! rate shopping, and carriers' tracking reports (signed webhooks).

use ordo_domain::fulfillment::{
    Fulfillment, FulfillmentAction, FulfillmentStatus, OrderFulfillmentStatus, TrackingEvent,
};
use ordo_domain::shipping::{Bracket, Parcel, Quote, Service, Zone, quote, shop};
use ordo_domain::validate::Errors;
use ordo_store::{RuleSetRecord, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::kernel::events::emit;
use crate::kernel::input::{MoneyInput, check_money};
use crate::shipping::fulfillments::visible;
use crate::stock::catalog::require;
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// A carrier as stored. Its webhook secret verifies its tracking reports and is never shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carrier {
    pub code: String,
    pub name: String,
    pub webhook_secret: Option<String>,
    /// Rate-card services, for the built-in carrier kind.
    pub services: Vec<Service>,
    /// An external carrier API this carrier is reached through; `None` for rate cards.
    #[serde(default)]
    pub api: Option<CarrierApi>,
    #[serde(default)]
    pub version: i64,
}

/// How to reach an external carrier API. The key is a credential: never shown or logged.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierApi {
    /// `easypost`: EasyPost's shipments API (v2).
    pub kind: String,
    pub base_url: String,
    pub api_key: String,
}

impl std::fmt::Debug for CarrierApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarrierApi").field("kind", &self.kind).field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierInput {
    /// Short code, e.g. `ACME`; tracking numbers it issues start with it.
    #[schema(required = true)]
    pub code: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    /// Shared secret the carrier signs tracking webhooks with (HMAC-SHA256).
    pub webhook_secret: Option<String>,
    /// Rate-card services (for carriers priced by Ordo itself).
    pub services: Option<Vec<ServiceInput>>,
    /// An external carrier API instead of rate cards.
    pub api: Option<CarrierApiInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierApiInput {
    /// `easypost`.
    #[schema(required = true, example = "easypost")]
    pub kind: Option<String>,
    /// The API's base URL, e.g. `https://api.easypost.com`.
    #[schema(required = true)]
    pub base_url: Option<String>,
    /// The API key; never shown again.
    #[schema(required = true)]
    pub api_key: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    #[schema(required = true, example = "ground")]
    pub code: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    /// Parcels handed over before this UTC hour leave the same day (0 to 24).
    #[schema(required = true)]
    pub cutoff_hour: Option<i64>,
    #[schema(required = true)]
    pub max_weight_grams: Option<i64>,
    /// In order; the first that covers a destination prices it.
    #[schema(required = true)]
    pub zones: Option<Vec<ZoneInput>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    #[schema(required = true)]
    pub name: Option<String>,
    /// Destinations up to this far from the shipping location.
    pub max_distance_km: Option<f64>,
    /// Destination countries (`US`) or regions (`US-CA`); absent or empty for any.
    pub countries: Option<Vec<String>>,
    #[schema(required = true)]
    pub transit_days: Option<i64>,
    #[schema(required = true)]
    pub base: Option<MoneyInput>,
    /// Weight brackets, ascending: the price on top of the base for parcels up to `max_grams`.
    pub brackets: Option<Vec<BracketInput>>,
    /// Per started kilogram beyond the last bracket.
    #[schema(required = true)]
    pub per_kg: Option<MoneyInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BracketInput {
    #[schema(required = true)]
    pub max_grams: Option<i64>,
    #[schema(required = true)]
    pub price: Option<MoneyInput>,
}

fn check_carrier(input: &CarrierInput) -> AppResult<Carrier> {
    let mut e = Errors::new();
    let code = e.code("code", input.code.as_deref(), 16);
    let name = e.text("name", input.name.as_deref(), 100);
    let secret = e.optional_text("webhook_secret", input.webhook_secret.as_deref(), 256);
    let mut services = Vec::new();
    let api = input.api.as_ref().map(|a| {
        let kind = match a.kind.as_deref() {
            Some("easypost") => "easypost".to_owned(),
            _ => {
                e.add("api/kind", "must be easypost");
                String::new()
            }
        };
        let base_url = e.text("api/base_url", a.base_url.as_deref(), 200).unwrap_or_default();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            e.add("api/base_url", "must be an http or https URL");
        }
        let api_key = e.text("api/api_key", a.api_key.as_deref(), 200).unwrap_or_default();
        CarrierApi { kind, base_url: base_url.trim_end_matches('/').to_owned(), api_key }
    });
    match &input.services {
        None if api.is_some() => {}
        None => e.add("services", "is required (or give api)"),
        Some(_) if api.is_some() => e.add("services", "an API carrier prices its own services"),
        Some(list) if list.is_empty() => e.add("services", "must list at least one service"),
        Some(list) => {
            for (i, s) in list.iter().enumerate() {
                let at = |f: &str| format!("services/{i}/{f}");
                let scode = e.code(&at("code"), s.code.as_deref(), 32);
                let sname = e.text(&at("name"), s.name.as_deref(), 100);
                let cutoff = s.cutoff_hour.unwrap_or(-1);
                if !(0..=24).contains(&cutoff) {
                    e.add(at("cutoff_hour"), "must be an hour from 0 to 24");
                }
                let max_weight = s.max_weight_grams.unwrap_or(0);
                if !(1..=1_000_000).contains(&max_weight) {
                    e.add(at("max_weight_grams"), "must be between 1 and 1000000");
                }
                let mut currency: Option<ordo_domain::Currency> = None;
                let mut zones = Vec::new();
                for (j, z) in s.zones.iter().flatten().enumerate() {
                    let zat = |f: &str| format!("services/{i}/zones/{j}/{f}");
                    let zname = e.text(&zat("name"), z.name.as_deref(), 64).unwrap_or_default();
                    let mut money = |field: &str, m: &Option<MoneyInput>, e: &mut Errors| -> i64 {
                        let Some(m) = m else {
                            e.add(zat(field), "is required");
                            return 0;
                        };
                        match check_money(e, &zat(field), m, currency) {
                            Some(v) => {
                                currency = Some(v.currency());
                                v.minor()
                            }
                            None => 0,
                        }
                    };
                    let base = money("base", &z.base, &mut e);
                    let per_kg = money("per_kg", &z.per_kg, &mut e);
                    let mut brackets = Vec::new();
                    for (k, b) in z.brackets.iter().flatten().enumerate() {
                        let price = money(&format!("brackets/{k}/price"), &b.price, &mut e);
                        let max = b.max_grams.unwrap_or(0);
                        if max <= brackets.last().map_or(0, |x: &Bracket| x.max_grams) {
                            e.add(zat(&format!("brackets/{k}/max_grams")), "must be positive and ascending");
                        }
                        brackets.push(Bracket { max_grams: max, price });
                    }
                    let days = z.transit_days.unwrap_or(-1);
                    if !(0..=60).contains(&days) {
                        e.add(zat("transit_days"), "must be between 0 and 60");
                    }
                    if z.max_distance_km.is_some_and(|d| !(d > 0.0 && d.is_finite())) {
                        e.add(zat("max_distance_km"), "must be a positive number");
                    }
                    zones.push(Zone {
                        name: zname,
                        max_distance_km: z.max_distance_km,
                        countries: z.countries.clone().unwrap_or_default().iter().map(|c| c.to_uppercase()).collect(),
                        transit_days: days,
                        base,
                        brackets,
                        per_kg,
                    });
                }
                if zones.is_empty() {
                    e.add(at("zones"), "must list at least one zone");
                }
                if let (Some(code), Some(name)) = (scode, sname) {
                    if services.iter().any(|x: &Service| x.code == code) {
                        e.add(at("code"), "is listed twice");
                    }
                    services.push(Service {
                        code,
                        name,
                        currency: currency.map(|c| c.code().to_owned()).unwrap_or_default(),
                        cutoff_hour: cutoff,
                        max_weight_grams: max_weight,
                        zones,
                    });
                }
            }
        }
    }
    let (code, name) = e.finish((code, name))?;
    Ok(Carrier {
        code: code.expect("checked"),
        name: name.expect("checked"),
        webhook_secret: secret,
        services,
        api,
        version: 1,
    })
}

fn load_carriers(tx: &mut dyn Tx) -> AppResult<Vec<Carrier>> {
    tx.carriers()?
        .iter()
        .map(|r| {
            let mut c: Carrier = serde_json::from_str(&r.body)
                .map_err(|e| AppError::Internal(format!("stored carrier {:?}: {e}", r.name)))?;
            c.version = r.version;
            Ok(c)
        })
        .collect()
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new().chain_update(&inner).chain_update(message).finalize();
    Sha256::new().chain_update(&outer).chain_update(inner_hash).finalize().into()
}

/// Checks `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, at most five minutes old.
pub fn verify_signature(header: &str, secret: &str, body: &[u8], now_ms: i64) -> bool {
    let mut t: Option<i64> = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse().ok(),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now_ms / 1000 - t).abs() > 300 {
        return false;
    }
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(body);
    let expected: String = hmac_sha256(secret.as_bytes(), &signed).iter().map(|b| format!("{b:02x}")).collect();
    // Compared in full, whatever matches first, so timing says nothing about the secret.
    signatures.iter().fold(false, |ok, s| {
        ok | (s.len() == expected.len() && s.bytes().zip(expected.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0)
    })
}

/// The signature headers a tracking webhook may carry: Ordo's own scheme
/// (`Ordo-Signature`) or EasyPost's (`X-Hmac-Signature`).
#[derive(Debug, Clone, Default)]
pub struct WebhookSignatures {
    pub ordo: Option<String>,
    pub easypost: Option<String>,
}

/// A carrier's tracking report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingInput {
    #[schema(required = true)]
    pub tracking_number: Option<String>,
    /// `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    #[schema(required = true)]
    pub status: Option<String>,
    /// RFC 3339; defaults to when the report arrives.
    pub occurred_at: Option<String>,
    pub description: Option<String>,
}

/// The label choice for a fulfilment.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelInput {
    /// A service to use instead of rate shopping, as `CARRIER/service`.
    pub service: Option<String>,
}

fn shipment_of(tx: &mut dyn Tx, f: &Fulfillment, order: &ordo_domain::order::Order, now: i64) -> AppResult<Shipment> {
    let location = tx.location_by_code(&f.location)?.ok_or(AppError::NotFound("location"))?;
    let to = order
        .shipping_address
        .clone()
        .ok_or_else(|| AppError::InvalidTransition("the order has no shipping address".into()))?;
    let weight: i64 = if f.parcels.is_empty() {
        let skus: Vec<&str> = f.lines.iter().map(|l| l.sku.as_str()).collect();
        let products = tx.products_by_skus(&skus)?;
        f.lines
            .iter()
            .map(|l| products.iter().find(|p| p.sku == l.sku).and_then(|p| p.weight_grams).unwrap_or(0) * l.quantity)
            .sum()
    } else {
        f.parcels.iter().map(|p| p.weight_grams).sum()
    };
    Ok(Shipment {
        from_name: location.name.clone(),
        parcel: Parcel {
            origin: location.latitude.zip(location.longitude),
            destination: crate::shipping::geo::locate(&to),
            destination_country: to.country.clone(),
            destination_region: to.region.clone(),
            weight_grams: weight.max(1),
            now,
        },
        from: location.address,
        to,
    })
}

/// Everything a carrier needs to quote and label a parcel.
#[derive(Debug, Clone)]
pub struct Shipment {
    pub from_name: String,
    pub from: ordo_domain::order::Address,
    pub to: ordo_domain::order::Address,
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

/// The flows every carrier integration has: rate a shipment and buy a label for one rate.
pub trait CarrierGateway {
    fn rates(&self, shipment: &Shipment) -> impl std::future::Future<Output = AppResult<Vec<Offer>>> + Send;
    fn buy(&self, offer: &Offer) -> impl std::future::Future<Output = AppResult<Purchase>> + Send;
}

/// The built-in carrier: priced by its rate cards; Ordo issues its tracking numbers.
pub struct RateCardGateway<'a>(pub &'a Carrier);

impl CarrierGateway for RateCardGateway<'_> {
    async fn rates(&self, shipment: &Shipment) -> AppResult<Vec<Offer>> {
        Ok(self
            .0
            .services
            .iter()
            .filter_map(|s| quote(&self.0.code, s, &shipment.parcel))
            .map(|quote| Offer { quote, reference: None })
            .collect())
    }

    async fn buy(&self, offer: &Offer) -> AppResult<Purchase> {
        Ok(Purchase {
            tracking_number: format!("{}{:012}", offer.quote.carrier, random_u128() % 1_000_000_000_000),
            label_url: None,
        })
    }
}

/// EasyPost's v2 shipments API: `POST /v2/shipments` rates a shipment, `POST
/// /v2/shipments/{id}/buy` buys one of its rates. The wire shapes are in `easypost.rs`.
pub struct EasyPostGateway<'a> {
    pub carrier: &'a Carrier,
    pub api: &'a CarrierApi,
    pub client: &'a reqwest::Client,
}

impl CarrierGateway for EasyPostGateway<'_> {
    async fn rates(&self, shipment: &Shipment) -> AppResult<Vec<Offer>> {
        let body = crate::easypost::shipment_request(shipment);
        let url = format!("{}/v2/shipments", self.api.base_url);
        let res = self.client.post(&url).basic_auth(&self.api.api_key, Some("")).json(&body).send().await;
        let created: crate::easypost::ShipmentResponse = crate::easypost::read(res).await?;
        Ok(created
            .rates
            .into_iter()
            .filter_map(|r| {
                let quote = crate::easypost::quote(&self.carrier.code, &r, shipment.parcel.now)?;
                Some(Offer { quote, reference: Some((created.id.clone(), r.id)) })
            })
            .collect())
    }

    async fn buy(&self, offer: &Offer) -> AppResult<Purchase> {
        let (shipment, rate) =
            offer.reference.clone().ok_or_else(|| AppError::Internal("an EasyPost offer without ids".into()))?;
        let url = format!("{}/v2/shipments/{shipment}/buy", self.api.base_url);
        let res = self
            .client
            .post(&url)
            .basic_auth(&self.api.api_key, Some(""))
            .json(&json!({"rate": {"id": rate}}))
            .send()
            .await;
        let bought: crate::easypost::BoughtShipment = crate::easypost::read(res).await?;
        Ok(Purchase { tracking_number: bought.tracking_code, label_url: bought.postage_label.map(|l| l.label_url) })
    }
}

/// Every carrier's offers for a shipment, external APIs asked over the network.
async fn all_offers(carriers: &[Carrier], shipment: &Shipment, client: &reqwest::Client) -> AppResult<Vec<Offer>> {
    let mut offers = Vec::new();
    for c in carriers {
        match &c.api {
            None => offers.extend(RateCardGateway(c).rates(shipment).await?),
            Some(api) => match (EasyPostGateway { carrier: c, api, client }).rates(shipment).await {
                Ok(o) => offers.extend(o),
                // One carrier being down must not stop shipping with the others.
                Err(e) => tracing::warn!(carrier = %c.code, error = %e, "carrier rates unavailable"),
            },
        }
    }
    Ok(offers)
}

impl App {
    pub async fn create_carrier(&self, actor: &Actor, input: CarrierInput) -> AppResult<Carrier> {
        require(actor, Action::WriteCatalog)?;
        let carrier = check_carrier(&input)?;
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                if load_carriers(tx)?.iter().any(|c| c.code == carrier.code) {
                    return Err(AppError::Conflict(format!("a carrier with code {:?} already exists", carrier.code)));
                }
                let body = serde_json::to_string(&carrier).map_err(|e| AppError::Internal(e.to_string()))?;
                tx.put_carrier(&RuleSetRecord {
                    name: carrier.code.clone(),
                    body,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                })?;
                emit(tx, now, "carrier.created", &carrier.code, &json!({"code": carrier.code}))?;
                Ok(carrier.clone())
            })
            .await
    }

    pub async fn list_carriers(&self, actor: &Actor) -> AppResult<Vec<Carrier>> {
        require(actor, Action::ReadCatalog)?;
        self.store.read(load_carriers).await
    }

    /// What rating a fulfilment needs, read in one snapshot.
    async fn shipping_context(
        &self,
        actor: &Actor,
        id: &str,
    ) -> AppResult<(Fulfillment, ordo_domain::order::Order, Shipment, Vec<Carrier>)> {
        let (id, who, now) = (id.to_owned(), actor.clone(), self.now());
        self.store
            .read(move |tx| {
                let (f, order) = visible(tx, &who, &id)?;
                let shipment = shipment_of(tx, &f, &order, now)?;
                Ok((f, order, shipment, load_carriers(tx)?))
            })
            .await
    }

    /// Every service's quote for the fulfilment's parcel, cheapest first.
    pub async fn fulfillment_rates(&self, actor: &Actor, id: &str) -> AppResult<Vec<Quote>> {
        require(actor, Action::Fulfil)?;
        let (_, _, shipment, carriers) = self.shipping_context(actor, id).await?;
        let mut quotes: Vec<Quote> =
            all_offers(&carriers, &shipment, &self.http).await?.into_iter().map(|o| o.quote).collect();
        quotes.sort_by(|a, b| a.price.cmp(&b.price).then(a.delivers_by.cmp(&b.delivers_by)));
        Ok(quotes)
    }

    /// Buys the fulfilment's label: the service asked for, or the cheapest that arrives by
    /// the order's promised date. Carriers are asked outside any transaction; the purchase is
    /// recorded afterwards, and refused if the fulfilment changed meanwhile.
    pub async fn buy_label(&self, actor: &Actor, id: &str, input: LabelInput) -> AppResult<Fulfillment> {
        require(actor, Action::Fulfil)?;
        let requested = match input.service.as_deref() {
            Some(s) => Some(
                s.split_once('/')
                    .map(|(c, v)| (c.to_owned(), v.to_owned()))
                    .ok_or_else(|| AppError::field("service", "must be CARRIER/service, e.g. \"ACME/ground\""))?,
            ),
            None => None,
        };
        let (f, order, shipment, carriers) = self.shipping_context(actor, id).await?;
        if !f.status.holds_reservation() {
            return Err(AppError::InvalidTransition(format!(
                "a fulfilment that is {} cannot get a label",
                f.status.as_str()
            )));
        }
        if f.pickup {
            return Err(AppError::InvalidTransition("a click-and-collect fulfilment is not shipped".into()));
        }
        // A held order gets no label: buying one would spend money on a parcel that may not go.
        let order_id = order.id.to_string();
        self.store.read(move |tx| crate::sales::holds::ensure_not_held(tx, &order_id)).await?;
        let offers = all_offers(&carriers, &shipment, &self.http).await?;
        let quotes: Vec<Quote> = offers.iter().map(|o| o.quote.clone()).collect();
        let asked = requested.or_else(|| {
            order.shipping_service.as_deref().and_then(|s| s.split_once('/')).map(|(c, v)| (c.to_owned(), v.to_owned()))
        });
        let chosen = shop(&quotes, order.promised_by, asked.as_ref().map(|(c, v)| (c.as_str(), v.as_str())))
            .map_err(|why| AppError::Conflict(format!("no shipping label can be bought: {why}")))?;
        let offer = offers
            .iter()
            .find(|o| o.quote == chosen)
            .ok_or_else(|| AppError::Internal("the chosen quote has no offer".into()))?;
        let carrier = carriers.iter().find(|c| c.code == chosen.carrier).ok_or(AppError::NotFound("carrier"))?;
        let purchase = match &carrier.api {
            None => RateCardGateway(carrier).buy(offer).await?,
            Some(api) => EasyPostGateway { carrier, api, client: &self.http }.buy(offer).await?,
        };
        let (id, version, who) = (f.id.to_string(), f.version, actor.clone());
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let (mut f, _) = visible(tx, &who, &id)?;
                if f.version != version {
                    return Err(AppError::Conflict("the fulfilment changed while its label was bought; retry".into()));
                }
                f.carrier = Some(chosen.carrier.clone());
                f.service = Some(chosen.service_name.clone());
                f.tracking_number = Some(purchase.tracking_number.clone());
                f.label_url = purchase.label_url.clone();
                f.shipping_quote = Some(chosen.clone());
                f.updated_at = now;
                f.version += 1;
                tx.update_fulfillment(&f)?;
                emit(
                    tx,
                    now,
                    "fulfillment.label_purchased",
                    f.order_id.as_str(),
                    &json!({"id": f.id, "carrier": chosen.carrier, "service": chosen.service,
                            "tracking_number": purchase.tracking_number, "price": chosen.price, "currency": chosen.currency}),
                )?;
                Ok(f)
            })
            .await
    }

    /// A carrier's signed tracking report. An unknown tracking number or a bad signature is
    /// refused and changes nothing; a report already recorded changes nothing again.
    pub async fn carrier_tracking(
        &self,
        carrier: &str,
        signatures: &WebhookSignatures,
        body: &[u8],
    ) -> AppResult<Fulfillment> {
        let now = self.now();
        let code = carrier.to_owned();
        let carriers = self.store.read(load_carriers).await?;
        let c = carriers.into_iter().find(|c| c.code == code).ok_or(AppError::NotFound("carrier"))?;
        let secret =
            c.webhook_secret.clone().ok_or_else(|| AppError::Forbidden("this carrier has no webhook secret".into()))?;
        let easypost = c.api.as_ref().is_some_and(|a| a.kind == "easypost");
        let verified = if easypost {
            signatures.easypost.as_deref().is_some_and(|s| crate::easypost::verify_signature(s, &secret, body))
        } else {
            signatures.ordo.as_deref().is_some_and(|s| verify_signature(s, &secret, body, now))
        };
        if !verified {
            return Err(AppError::Unauthenticated("the signature is missing, wrong or too old".into()));
        }
        let input: TrackingInput = if easypost {
            let event: crate::easypost::Event =
                serde_json::from_slice(body).map_err(|e| AppError::field("body", e.to_string()))?;
            TrackingInput {
                tracking_number: Some(event.result.tracking_code),
                status: Some(crate::easypost::tracking_status(&event.result.status).unwrap_or("unknown").to_owned()),
                occurred_at: event.result.updated_at,
                description: Some(event.description),
            }
        } else {
            serde_json::from_slice(body).map_err(|e| AppError::field("body", e.to_string()))?
        };
        let mut e = Errors::new();
        let tracking = e.text("tracking_number", input.tracking_number.as_deref(), 64);
        let status = match input.status.as_deref() {
            Some(s @ ("in_transit" | "out_for_delivery" | "delivered" | "exception")) => Some(s.to_owned()),
            // EasyPost reports states Ordo does not follow (pre_transit, unknown): accepted, ignored.
            Some("unknown") if easypost => Some("unknown".to_owned()),
            _ => {
                e.add("status", "must be in_transit, out_for_delivery, delivered or exception");
                None
            }
        };
        let occurred_at = match input.occurred_at.as_deref() {
            None => now,
            Some(t) => crate::kernel::time_fmt::parse_rfc3339(t).unwrap_or_else(|| {
                e.add("occurred_at", "must be an RFC 3339 timestamp");
                now
            }),
        };
        let description = e.optional_text("description", input.description.as_deref(), 500);
        let (tracking, status) = e.finish((tracking, status))?;
        let (tracking, status) = (tracking.expect("checked"), status.expect("checked"));
        self.write_idem(None, move |tx, now| {
            let mut f = tx
                .fulfillments_by_tracking(&tracking)?
                .into_iter()
                .find(|f| f.carrier.as_deref() == Some(code.as_str()))
                .ok_or(AppError::NotFound("shipment with this tracking number"))?;
            if status == "unknown"
                || f.tracking_events.iter().any(|t| t.status == status && t.occurred_at == occurred_at)
            {
                return Ok(f);
            }
            if !matches!(f.status, FulfillmentStatus::Shipped | FulfillmentStatus::Delivered) {
                return Err(AppError::InvalidTransition(format!(
                    "the fulfilment is {}; it has not shipped",
                    f.status.as_str()
                )));
            }
            f.tracking_events.push(TrackingEvent {
                status: status.clone(),
                occurred_at,
                description: description.clone(),
            });
            if status == "delivered" && f.status == FulfillmentStatus::Shipped {
                f.status = f.status.apply(FulfillmentAction::Deliver).map_err(AppError::InvalidTransition)?;
                f.delivered_at = Some(occurred_at);
            }
            f.updated_at = now;
            f.version += 1;
            tx.update_fulfillment(&f)?;
            emit(
                tx,
                now,
                &format!("shipment.{status}"),
                f.order_id.as_str(),
                &json!({"fulfillment_id": f.id, "order_id": f.order_id, "tracking_number": tracking, "status": status,
                        "occurred_at": crate::kernel::time_fmt::format_ms(occurred_at), "description": description}),
            )?;
            if status == "delivered" {
                let all = tx.fulfillments_for_order(f.order_id.as_str())?;
                if crate::shipping::fulfillments::order_status(&all) == OrderFulfillmentStatus::Delivered {
                    emit(tx, now, "order.delivered", f.order_id.as_str(), &json!({"id": f.order_id}))?;
                }
            }
            Ok(f)
        })
        .await
        .map(|o| match o {
            crate::kernel::idempotency::Outcome::Fresh(f) => Ok(f),
            crate::kernel::idempotency::Outcome::Replayed { .. } => Err(AppError::Internal("no key was sent".into())),
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_and_signatures_are_checked() {
        let mac: String =
            hmac_sha256(b"Jefe", b"what do ya want for nothing?").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let now = 1_795_773_600_000;
        let t = now / 1000;
        let sign = |secret: &str, t: i64, body: &[u8]| {
            let mut m = format!("{t}.").into_bytes();
            m.extend_from_slice(body);
            let hex: String = hmac_sha256(secret.as_bytes(), &m).iter().map(|b| format!("{b:02x}")).collect();
            format!("t={t},v1={hex}")
        };
        assert!(verify_signature(&sign("s3", t, b"{}"), "s3", b"{}", now));
        assert!(!verify_signature(&sign("s3", t, b"{}"), "s3", b"{ }", now));
        assert!(!verify_signature(&sign("other", t, b"{}"), "s3", b"{}", now));
        assert!(!verify_signature(&sign("s3", t - 301, b"{}"), "s3", b"{}", now));
        assert!(!verify_signature("v1=00", "s3", b"{}", now));
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLabelInput {
    /// Where the parcel goes back to (a location code); default the location the order
    /// shipped from.
    pub location: Option<String>,
}

impl App {
    /// Buys a prepaid return label, the cheapest service from the customer's address to the
    /// receiving location, through the same carrier integrations as outbound labels.
    pub async fn buy_return_label(
        &self,
        actor: &Actor,
        return_id: &str,
        input: ReturnLabelInput,
    ) -> AppResult<crate::aftersales::returns::Return> {
        require(actor, Action::WriteOrders)?;
        let (id, who, now, asked) = (return_id.to_owned(), actor.clone(), self.now(), input.location.clone());
        let (ret, shipment, location, carriers) = self
            .store
            .read(move |tx| {
                let (ret, order) = crate::aftersales::returns::load(tx, &who, &id)?;
                if !matches!(ret.status.as_str(), "requested" | "approved") {
                    return Err(AppError::InvalidTransition(format!("a {} return gets no label", ret.status)));
                }
                let from = order
                    .shipping_address
                    .clone()
                    .ok_or_else(|| AppError::InvalidTransition("the order has no address to collect from".into()))?;
                let code = match asked {
                    Some(code) => code,
                    None => tx
                        .fulfillments_for_order(order.id.as_str())?
                        .into_iter()
                        .find(|f| f.shipped_at.is_some())
                        .map(|f| f.location)
                        .ok_or_else(|| AppError::field("location", "is required: nothing of the order shipped"))?,
                };
                let location = tx
                    .location_by_code(&code)?
                    .ok_or_else(|| AppError::field("location", "no location has this code"))?;
                let skus: Vec<&str> = ret.lines.iter().map(|l| l.sku.as_str()).collect();
                let products = tx.products_by_skus(&skus)?;
                let weight: i64 = ret
                    .lines
                    .iter()
                    .map(|l| {
                        products.iter().find(|p| p.sku == l.sku).and_then(|p| p.weight_grams).unwrap_or(0) * l.quantity
                    })
                    .sum();
                let shipment = Shipment {
                    from_name: from.name.clone().unwrap_or_else(|| order.email.clone()),
                    parcel: Parcel {
                        origin: crate::shipping::geo::locate(&from),
                        destination: location.latitude.zip(location.longitude),
                        destination_country: location.address.country.clone(),
                        destination_region: location.address.region.clone(),
                        weight_grams: weight.max(1),
                        now,
                    },
                    from,
                    to: location.address.clone(),
                };
                Ok((ret, shipment, location.code, load_carriers(tx)?))
            })
            .await?;
        if ret.label.is_some() {
            return Ok(ret);
        }
        let offers = all_offers(&carriers, &shipment, &self.http).await?;
        let quotes: Vec<Quote> = offers.iter().map(|o| o.quote.clone()).collect();
        let chosen = shop(&quotes, None, None)
            .map_err(|why| AppError::Conflict(format!("no return label can be bought: {why}")))?;
        let offer = offers
            .iter()
            .find(|o| o.quote == chosen)
            .ok_or_else(|| AppError::Internal("the chosen quote has no offer".into()))?;
        let carrier = carriers.iter().find(|c| c.code == chosen.carrier).ok_or(AppError::NotFound("carrier"))?;
        let purchase = match &carrier.api {
            None => RateCardGateway(carrier).buy(offer).await?,
            Some(api) => EasyPostGateway { carrier, api, client: &self.http }.buy(offer).await?,
        };
        let label = crate::aftersales::returns::ReturnLabel {
            carrier: chosen.carrier.clone(),
            service: chosen.service_name.clone(),
            tracking_number: purchase.tracking_number,
            location,
            price: chosen.price,
            currency: chosen.currency.clone(),
            weight_grams: shipment.parcel.weight_grams,
        };
        let (id, who, clock) = (ret.id.clone(), actor.clone(), self.clock.clone());
        self.store
            .write(move |tx| {
                let now = clock.now_ms();
                let (mut ret, _) = crate::aftersales::returns::load(tx, &who, &id)?;
                if ret.label.is_some() {
                    return Err(AppError::Conflict("a label was bought for this return meanwhile".into()));
                }
                ret.label = Some(label.clone());
                ret.updated_at = now;
                tx.update_order_record(&ret.to_record()?)?;
                emit(
                    tx,
                    now,
                    "return.label_purchased",
                    &ret.order_id,
                    &json!({"return_id": ret.id, "carrier": label.carrier, "tracking_number": label.tracking_number,
                            "actor": who.key_id}),
                )?;
                Ok(ret)
            })
            .await
    }

    /// A return's label, from the customer to the receiving location.
    pub async fn return_label(&self, actor: &Actor, return_id: &str) -> AppResult<crate::shipping::documents::Label> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (return_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let (ret, order) = crate::aftersales::returns::load(tx, &who, &id)?;
                let label = ret.label.ok_or(AppError::NotFound("return label"))?;
                let to = tx.location_by_code(&label.location)?.ok_or(AppError::NotFound("location"))?;
                let from = order.shipping_address.clone().unwrap_or_default();
                Ok(crate::shipping::documents::Label {
                    from_name: from.name.clone().unwrap_or_else(|| order.email.clone()),
                    from,
                    to: to.address,
                    carrier: label.carrier,
                    service: label.service,
                    weight_grams: label.weight_grams,
                    tracking_number: label.tracking_number,
                    order_number: order.number,
                })
            })
            .await
    }
}
