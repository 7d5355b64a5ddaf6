//! Carriers and their services' rate cards, rates for a fulfilment, buying its label with
//! rate shopping, and carriers' tracking reports (signed webhooks).

use ordo_domain::fulfillment::{
    Fulfillment, FulfillmentAction, FulfillmentStatus, OrderFulfillmentStatus, TrackingEvent,
};
use ordo_domain::shipping::{Bracket, Parcel, Quote, Service, Zone, shop};
use ordo_domain::validate::Errors;
use ordo_store::{RuleSetRecord, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::{CarrierCreated, CarrierUpdated, LabelPurchased, TrackingUpdate};
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::input::{MoneyInput, check_money};
use crate::ports::WebhookHeaders;
pub use crate::ports::carrier::{Carrier, CarrierApi, Offer, Purchase, ReportedStatus, Shipment, TrackingReport};
use crate::ports::target::TargetPolicy;
use crate::shipping::fulfillments::visible;
use crate::{Action, Actor, App, AppError, AppResult};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierInput {
    /// Short code, e.g. `ACME`; tracking numbers it issues start with it.
    #[schema(required = true, min_length = 1, max_length = 16, pattern = r"^[A-Za-z0-9._-]+$")]
    pub code: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    /// Shared secret the carrier signs tracking webhooks with (HMAC-SHA256).
    #[schema(max_length = 256, pattern = r"^[^\u0000]*$")]
    pub webhook_secret: Option<String>,
    /// Rate-card services (for carriers priced by Ordo itself).
    pub services: Option<Vec<ServiceInput>>,
    /// An external carrier API instead of rate cards.
    pub api: Option<CarrierApiInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierApiInput {
    /// The integration that reaches it: `easypost`.
    #[schema(required = true, value_type = Option<CarrierApiKind>)]
    pub kind: Option<String>,
    /// The API's base URL, e.g. `https://api.easypost.com`.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = r"^[\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*https?://([a-z0-9]+\.)*[a-z][a-z0-9]*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]*)*$"
    )]
    pub base_url: Option<String>,
    /// The API key; never shown again.
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub api_key: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    #[schema(required = true, example = "ground", min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9._-]+$")]
    pub code: Option<String>,
    #[schema(
        required = true,
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    /// Parcels handed over before this UTC hour leave the same day (0 to 24).
    #[schema(required = true, minimum = 0, maximum = 24)]
    pub cutoff_hour: Option<i64>,
    #[schema(required = true, minimum = 1, maximum = 1000000)]
    pub max_weight_grams: Option<i64>,
    /// In order; the first that covers a destination prices it.
    #[schema(required = true, min_items = 1)]
    pub zones: Option<Vec<ZoneInput>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub name: Option<String>,
    /// Destinations up to this far from the shipping location.
    #[schema(exclusive_minimum = 0)]
    pub max_distance_km: Option<f64>,
    /// Destination countries (`US`) or regions (`US-CA`); absent or empty for any.
    pub countries: Option<Vec<String>>,
    #[schema(required = true, minimum = 0, maximum = 60)]
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
    /// Parcels up to this weight; brackets apply from the lightest up (of two with the same
    /// limit, the first listed).
    #[schema(required = true, minimum = 1, maximum = 1000000)]
    pub max_grams: Option<i64>,
    #[schema(required = true)]
    pub price: Option<MoneyInput>,
}

crate::kernel::schema::word_types! {
    /// A carrier API Ordo reaches.
    CarrierApiKind = crate::ports::carrier::CARRIER_APIS.iter().copied();
}

/// Checks a new carrier; `api_kinds` are the integrations this installation has.
fn check_carrier(input: &CarrierInput, api_kinds: &[&str], targets: &TargetPolicy) -> AppResult<Carrier> {
    let mut e = Errors::new();
    let code = e.code("code", input.code.as_deref(), 16);
    let name = e.text("name", input.name.as_deref(), 100);
    let secret = e.optional_text("webhook_secret", input.webhook_secret.as_deref(), 256);
    let mut services = Vec::new();
    let api = input.api.as_ref().map(|a| {
        let kind = match a.kind.as_deref() {
            Some(k) if api_kinds.contains(&k) => k.to_owned(),
            _ => {
                let why = match api_kinds {
                    [] => "names no carrier API this installation has".to_owned(),
                    kinds => format!("must be {}", ordo_domain::status::either(kinds.iter().copied())),
                };
                e.add("api/kind", why);
                String::new()
            }
        };
        let base_url = e.text("api/base_url", a.base_url.as_deref(), 200).unwrap_or_default();
        if !base_url.is_empty()
            && let Err(why) = targets.check_url(&base_url)
        {
            e.add("api/base_url", why);
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
                        if !(1..=1_000_000).contains(&max) {
                            e.add(zat(&format!("brackets/{k}/max_grams")), "must be between 1 and 1000000");
                        }
                        brackets.push(Bracket { max_grams: max, price });
                    }
                    // Brackets apply from the lightest up; of two with the same limit, the
                    // first listed.
                    brackets.sort_by_key(|b| b.max_grams);
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
        disabled: false,
        version: 1,
    })
}

/// Every carrier that can be read. One whose credentials do not open (a node started with
/// another secrets key) is left out with an error in the log, so the others still quote,
/// label and track.
pub(crate) fn load_carriers(tx: &mut dyn Tx) -> AppResult<Vec<Carrier>> {
    Ok(tx
        .carriers()?
        .iter()
        .filter_map(|record| {
            parse_carrier(record)
                .inspect_err(|e| tracing::error!(carrier = %record.name, error = ?e, "a stored carrier cannot be read"))
                .ok()
        })
        .collect())
}

/// The carrier a stored record holds, at the record's version.
fn parse_carrier(record: &RuleSetRecord) -> AppResult<Carrier> {
    let mut c: Carrier = serde_json::from_str(&record.body)
        .map_err(|e| AppError::Internal(format!("stored carrier {:?}: {e}", record.name)))?;
    c.version = record.version;
    Ok(c)
}

/// A carrier's tracking report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub tracking_number: Option<String>,
    /// `in_transit`, `out_for_delivery`, `delivered` or `exception`.
    #[schema(required = true, value_type = Option<crate::kernel::schema::TrackingStatus>)]
    pub status: Option<String>,
    /// RFC 3339; defaults to when the report arrives.
    #[schema(format = DateTime)]
    pub occurred_at: Option<String>,
    #[schema(max_length = 500, pattern = r"^[^\u0000]*$")]
    pub description: Option<String>,
}

/// The label choice for a fulfilment.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelInput {
    /// A service to use instead of rate shopping, as `CARRIER/service`.
    #[schema(pattern = r"^[^/\u0000]*/[^\u0000]*$")]
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

/// Every carrier's offers for a shipment, external APIs asked over the network.
pub(crate) async fn all_offers(app: &App, carriers: &[Carrier], shipment: &Shipment) -> AppResult<Vec<Offer>> {
    let mut offers = Vec::new();
    for c in carriers.iter().filter(|c| !c.disabled) {
        let gateway = match app.carriers.for_carrier(c) {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(carrier = %c.code, error = %e, "carrier has no adapter here");
                continue;
            }
        };
        match gateway.rates(c, shipment).await {
            Ok(o) => offers.extend(o),
            // One carrier being down must not stop shipping with the others.
            Err(e) => tracing::warn!(carrier = %c.code, error = %e, "carrier rates unavailable"),
        }
    }
    Ok(offers)
}

/// Buys the label of the chosen offer from the carrier that made it.
pub(crate) async fn buy_offer(
    app: &App,
    carriers: &[Carrier],
    offers: &[Offer],
    chosen: &Quote,
) -> AppResult<Purchase> {
    let offer = offers
        .iter()
        .find(|o| o.quote == *chosen)
        .ok_or_else(|| AppError::Internal("the chosen quote has no offer".into()))?;
    let carrier = carriers.iter().find(|c| c.code == chosen.carrier).ok_or(AppError::NotFound("carrier"))?;
    app.carriers.for_carrier(carrier)?.buy(carrier, offer).await
}

impl App {
    pub async fn create_carrier(
        &self,
        actor: &Actor,
        input: CarrierInput,
        idem: Option<IdemCtx<Carrier>>,
    ) -> AppResult<Outcome<Carrier>> {
        require(actor, Action::Configure)?;
        let carrier = check_carrier(&input, &self.carriers.api_kinds(), &self.targets)?;
        self.write_idem(idem, move |tx, now| {
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
            emit(tx, now, &carrier.code, Event::CarrierCreated(CarrierCreated { code: carrier.code.clone() }))?;
            Ok(carrier.clone())
        })
        .await
    }

    pub async fn list_carriers(&self, actor: &Actor) -> AppResult<Vec<Carrier>> {
        require(actor, Action::ReadCatalog)?;
        self.store.read(load_carriers).await
    }

    pub async fn get_carrier(&self, actor: &Actor, code: &str) -> AppResult<Carrier> {
        require(actor, Action::ReadCatalog)?;
        let code = code.to_owned();
        self.store
            .read(move |tx| {
                load_carriers(tx)?.into_iter().find(|c| c.code == code).ok_or(AppError::NotFound("carrier"))
            })
            .await
    }

    /// Disables a carrier (it quotes and labels nothing) or enables it again; doing what is
    /// already so changes nothing and answers the carrier as it is.
    pub async fn set_carrier_enabled(
        &self,
        actor: &Actor,
        code: &str,
        enabled: bool,
        idem: Option<IdemCtx<Carrier>>,
    ) -> AppResult<Outcome<Carrier>> {
        require(actor, Action::Configure)?;
        let (code, who) = (code.to_owned(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let record = tx.carriers()?.into_iter().find(|c| c.name == code).ok_or(AppError::NotFound("carrier"))?;
            let mut carrier = parse_carrier(&record)?;
            if carrier.disabled != enabled {
                return Ok(carrier);
            }
            carrier.disabled = !enabled;
            carrier.version = record.version + 1;
            let body = serde_json::to_string(&carrier).map_err(|e| AppError::Internal(e.to_string()))?;
            tx.put_carrier(&RuleSetRecord { body, version: carrier.version, updated_at: now, ..record })?;
            let payload = CarrierUpdated { code: carrier.code.clone(), enabled, actor: who.key_id.clone() };
            emit(tx, now, &carrier.code, Event::CarrierUpdated(payload))?;
            Ok(carrier)
        })
        .await
    }

    /// Seals every stored carrier credential again with the keyring's sealing key (after a
    /// new key was put first, or to seal values stored before sealing existed); how many
    /// carriers. Versions stay: nothing a client sees changes.
    pub async fn reseal_carrier_credentials(&self) -> AppResult<usize> {
        self.store
            .write(|tx| {
                let records = tx.carriers()?;
                for record in &records {
                    let body = serde_json::to_string(&parse_carrier(record)?)
                        .map_err(|e| AppError::Internal(format!("sealing carrier {:?}: {e}", record.name)))?;
                    tx.put_carrier(&RuleSetRecord { body, ..record.clone() })?;
                }
                Ok::<_, AppError>(records.len())
            })
            .await
    }

    /// Deletes a carrier: it quotes, labels and tracks nothing more, and its code is free
    /// again. Labels already bought keep their carrier's code and tracking number.
    pub async fn delete_carrier(&self, actor: &Actor, code: &str) -> AppResult<()> {
        require(actor, Action::Configure)?;
        let code = code.to_owned();
        self.write_idem(None, move |tx, now| {
            if !tx.delete_carrier(&code)? {
                return Err(AppError::NotFound("carrier"));
            }
            emit(tx, now, &code, Event::CarrierDeleted(CarrierCreated { code: code.clone() }))
        })
        .await?
        .into_fresh()
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
            all_offers(self, &carriers, &shipment).await?.into_iter().map(|o| o.quote).collect();
        quotes.sort_by(|a, b| a.price.cmp(&b.price).then(a.delivers_by.cmp(&b.delivers_by)));
        Ok(quotes)
    }

    /// Buys the fulfilment's label: the service asked for, or the cheapest that arrives by
    /// the order's promised date. Carriers are asked outside any transaction; the purchase is
    /// recorded afterwards, and refused if the fulfilment changed meanwhile. A keyed request
    /// that already finished is replayed before any carrier is asked.
    pub async fn buy_label(
        &self,
        actor: &Actor,
        id: &str,
        input: LabelInput,
        idem: Option<IdemCtx<Fulfillment>>,
    ) -> AppResult<Outcome<Fulfillment>> {
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
        self.store.read(move |tx| crate::kernel::guard::ensure_not_held(tx, &order_id)).await?;
        let offers = all_offers(self, &carriers, &shipment).await?;
        let quotes: Vec<Quote> = offers.iter().map(|o| o.quote.clone()).collect();
        let asked = requested.or_else(|| {
            order.shipping_service.as_deref().and_then(|s| s.split_once('/')).map(|(c, v)| (c.to_owned(), v.to_owned()))
        });
        let chosen = shop(&quotes, order.promised_by, asked.as_ref().map(|(c, v)| (c.as_str(), v.as_str())))
            .map_err(|why| AppError::Conflict(format!("no shipping label can be bought: {why}")))?;
        if let Some(replay) = self.replay_of(idem.as_ref()).await? {
            return Ok(replay);
        }
        let purchase = buy_offer(self, &carriers, &offers, &chosen).await?;
        let (id, version, who) = (f.id.to_string(), f.version, actor.clone());
        self.write_idem(idem, move |tx, now| {
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
                f.order_id.as_str(),
                Event::FulfillmentLabelPurchased(LabelPurchased {
                    id: f.id.to_string(),
                    carrier: chosen.carrier.clone(),
                    service: chosen.service.clone(),
                    tracking_number: purchase.tracking_number.clone(),
                    price: chosen.price,
                    currency: chosen.currency.clone(),
                    actor: who.key_id.clone(),
                }),
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
        headers: &WebhookHeaders,
        body: &[u8],
    ) -> AppResult<Fulfillment> {
        let now = self.now();
        let code = carrier.to_owned();
        let carriers = self.store.read(load_carriers).await?;
        let c = carriers.into_iter().find(|c| c.code == code).ok_or(AppError::NotFound("carrier"))?;
        let secret =
            c.webhook_secret.clone().ok_or_else(|| AppError::Forbidden("this carrier has no webhook secret".into()))?;
        let report = self.carriers.for_carrier(&c)?.tracking(&c, &secret, headers, body, now)?;
        let mut e = Errors::new();
        let tracking = e.text("tracking_number", report.tracking_number.as_deref(), 64);
        // `Some(None)`: a state Ordo does not follow (a carrier's pre_transit), accepted and ignored.
        let status = match &report.status {
            ReportedStatus::Reported(s)
                if matches!(s.as_str(), "in_transit" | "out_for_delivery" | "delivered" | "exception") =>
            {
                Some(Some(s.clone()))
            }
            ReportedStatus::NotFollowed => Some(None),
            ReportedStatus::Reported(_) => {
                e.add("status", "must be in_transit, out_for_delivery, delivered or exception");
                None
            }
        };
        let occurred_at = match report.occurred_at.as_deref() {
            None => now,
            Some(t) => crate::kernel::time_fmt::parse_rfc3339(t).unwrap_or_else(|| {
                e.add("occurred_at", "must be an RFC 3339 timestamp");
                now
            }),
        };
        let description = e.optional_text("description", report.description.as_deref(), 500);
        let (tracking, status) = e.finish((tracking, status))?;
        let (tracking, status) = (tracking.expect("checked"), status.expect("checked"));
        self.write_idem(None, move |tx, now| {
            let mut f = tx
                .fulfillments_by_tracking(&tracking)?
                .into_iter()
                .find(|f| f.carrier.as_deref() == Some(code.as_str()))
                .ok_or(AppError::NotFound("shipment with this tracking number"))?;
            let Some(status) = status.clone() else { return Ok(f) };
            if f.tracking_events.iter().any(|t| t.status == status && t.occurred_at == occurred_at) {
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
            let update = TrackingUpdate {
                fulfillment_id: f.id.to_string(),
                order_id: f.order_id.to_string(),
                tracking_number: tracking.clone(),
                status: status.clone(),
                occurred_at: crate::kernel::time_fmt::format_ms(occurred_at),
                description: description.clone(),
                actor: code.clone(),
            };
            let event = match status.as_str() {
                "in_transit" => Event::ShipmentInTransit(update),
                "out_for_delivery" => Event::ShipmentOutForDelivery(update),
                "delivered" => Event::ShipmentDelivered(update),
                _ => Event::ShipmentException(update),
            };
            emit(tx, now, f.order_id.as_str(), event)?;
            if status == "delivered" {
                let all = tx.fulfillments_for_order(f.order_id.as_str())?;
                if crate::shipping::fulfillments::order_status(&all) == OrderFulfillmentStatus::Delivered {
                    let order = tx.order_by_id(f.order_id.as_str())?.ok_or(AppError::NotFound("order"))?;
                    emit(tx, now, f.order_id.as_str(), Event::order_delivered(&order, &code))?;
                }
            }
            Ok(f)
        })
        .await?
        .into_fresh()
    }
}
