//! How carriers look on the wire: their services' rate cards, and a service's quote.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

#[derive(Debug, Serialize, ToSchema)]
pub struct BracketView {
    pub max_grams: i64,
    pub price: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneView {
    pub name: String,
    pub max_distance_km: Option<f64>,
    pub countries: Vec<String>,
    pub transit_days: i64,
    pub base: MoneyView,
    pub brackets: Vec<BracketView>,
    pub per_kg: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    pub code: String,
    pub name: String,
    pub currency: String,
    pub cutoff_hour: i64,
    pub max_weight_grams: i64,
    pub zones: Vec<ZoneView>,
}

/// A carrier and its services' rate cards (its webhook secret is never shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierView {
    pub code: String,
    pub name: String,
    pub has_webhook_secret: bool,
    /// A disabled carrier quotes and labels nothing.
    pub enabled: bool,
    /// `easypost` for carriers reached through EasyPost's API; absent for rate cards.
    pub api: Option<String>,
    pub services: Vec<ServiceView>,
}

impl From<&ordo_app::shipping::carriers::Carrier> for CarrierView {
    fn from(c: &ordo_app::shipping::carriers::Carrier) -> Self {
        CarrierView {
            code: c.code.clone(),
            name: c.name.clone(),
            has_webhook_secret: c.webhook_secret.is_some(),
            enabled: !c.disabled,
            api: c.api.as_ref().map(|a| a.kind.clone()),
            services: c
                .services
                .iter()
                .map(|s| {
                    let m = |minor: i64| MoneyView::new(minor, &s.currency);
                    ServiceView {
                        code: s.code.clone(),
                        name: s.name.clone(),
                        currency: s.currency.clone(),
                        cutoff_hour: s.cutoff_hour,
                        max_weight_grams: s.max_weight_grams,
                        zones: s
                            .zones
                            .iter()
                            .map(|z| ZoneView {
                                name: z.name.clone(),
                                max_distance_km: z.max_distance_km,
                                countries: z.countries.clone(),
                                transit_days: z.transit_days,
                                base: m(z.base),
                                brackets: z
                                    .brackets
                                    .iter()
                                    .map(|b| BracketView { max_grams: b.max_grams, price: m(b.price) })
                                    .collect(),
                                per_kg: m(z.per_kg),
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

/// What a service would charge for a parcel, and when it would arrive.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    pub carrier: String,
    pub service: String,
    pub service_name: String,
    pub price: MoneyView,
    pub zone: String,
    pub transit_days: i64,
    /// The end of the expected delivery day (UTC).
    pub delivers_by: String,
}

impl From<&ordo_domain::shipping::Quote> for QuoteView {
    fn from(q: &ordo_domain::shipping::Quote) -> Self {
        QuoteView {
            carrier: q.carrier.clone(),
            service: q.service.clone(),
            service_name: q.service_name.clone(),
            price: MoneyView::new(q.price, &q.currency),
            zone: q.zone.clone(),
            transit_days: q.transit_days,
            delivers_by: format_ms(q.delivers_by),
        }
    }
}
