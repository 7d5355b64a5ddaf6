//! Shipping: carrier services priced by rate cards, quotes for a parcel, and rate shopping
//! for the cheapest service that arrives by the promised date.
//!
//! A service's rate card has zones (by great-circle distance from the shipping location, or
//! by destination country), each with transit days, a base price, weight brackets and a
//! price per kilogram beyond the last bracket. Parcels handed over after the daily pickup
//! cut-off leave the next day. Weekends and holidays are not modelled.

use serde::{Deserialize, Serialize};

use crate::routing::distance_km;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bracket {
    /// Parcels up to this weight pay `price` on top of the zone's base.
    pub max_grams: i64,
    pub price: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub name: String,
    /// The zone covers destinations up to this far (km) from the shipping location.
    pub max_distance_km: Option<f64>,
    /// The zone covers these destinations: countries (ISO 3166-1 alpha-2, `US`) or regions
    /// within them (ISO 3166-2 style, `US-CA`); empty for any.
    #[serde(default)]
    pub countries: Vec<String>,
    pub transit_days: i64,
    /// Minor units of the service's currency.
    pub base: i64,
    #[serde(default)]
    pub brackets: Vec<Bracket>,
    /// Per started kilogram beyond the last bracket (or from zero without brackets).
    pub per_kg: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub currency: String,
    /// Parcels handed over before this UTC hour leave the same day.
    pub cutoff_hour: i64,
    pub max_weight_grams: i64,
    /// Zones in order; the first that covers a destination prices it.
    pub zones: Vec<Zone>,
}

/// What a quote is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Parcel {
    pub origin: Option<(f64, f64)>,
    pub destination: Option<(f64, f64)>,
    pub destination_country: String,
    /// The destination's region code within its country (`CA` for California), if known.
    pub destination_region: Option<String>,
    pub weight_grams: i64,
    /// Unix milliseconds.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub carrier: String,
    pub service: String,
    pub service_name: String,
    /// Minor units of `currency`.
    pub price: i64,
    pub currency: String,
    pub zone: String,
    pub transit_days: i64,
    /// Unix milliseconds of the end (UTC) of the expected delivery day.
    pub delivers_by: i64,
}

const DAY_MS: i64 = 86_400_000;

/// The quote of one service for a parcel, or `None` when the service cannot carry it.
pub fn quote(carrier: &str, service: &Service, parcel: &Parcel) -> Option<Quote> {
    if parcel.weight_grams <= 0 || parcel.weight_grams > service.max_weight_grams {
        return None;
    }
    let distance = parcel.origin.zip(parcel.destination).map(|(a, b)| distance_km(a, b));
    let zone = service.zones.iter().find(|z| {
        let region =
            parcel.destination_region.as_ref().map(|r| format!("{}-{}", parcel.destination_country, r.to_uppercase()));
        let country_ok = z.countries.is_empty()
            || z.countries.iter().any(|c| *c == parcel.destination_country || Some(c) == region.as_ref());
        let distance_ok = match (z.max_distance_km, distance) {
            (None, _) => true,
            (Some(max), Some(d)) => d <= max,
            // A distance zone cannot price a destination that could not be placed.
            (Some(_), None) => false,
        };
        country_ok && distance_ok
    })?;
    let kg_above = |grams: i64| (grams + 999) / 1000;
    let weight_price = match zone.brackets.iter().find(|b| parcel.weight_grams <= b.max_grams) {
        Some(b) => b.price,
        None => match zone.brackets.last() {
            Some(last) => {
                last.price.checked_add(zone.per_kg.checked_mul(kg_above(parcel.weight_grams - last.max_grams))?)?
            }
            None => zone.per_kg.checked_mul(kg_above(parcel.weight_grams))?,
        },
    };
    let day = parcel.now.div_euclid(DAY_MS);
    let hour = parcel.now.rem_euclid(DAY_MS) / 3_600_000;
    let ships_on = if hour < service.cutoff_hour { day } else { day + 1 };
    Some(Quote {
        carrier: carrier.to_owned(),
        service: service.code.clone(),
        service_name: service.name.clone(),
        price: zone.base.checked_add(weight_price)?,
        currency: service.currency.clone(),
        zone: zone.name.clone(),
        transit_days: zone.transit_days,
        delivers_by: (ships_on + zone.transit_days + 1) * DAY_MS - 1,
    })
}

/// Picks the service for a parcel: the one asked for, else the cheapest that arrives by
/// `promised_by` (the fastest breaks ties), else, with no promise, the cheapest.
pub fn shop(
    quotes: &[Quote],
    promised_by: Option<i64>,
    requested: Option<(&str, &str)>,
) -> Result<Quote, &'static str> {
    if let Some((carrier, service)) = requested {
        return quotes
            .iter()
            .find(|q| q.carrier == carrier && q.service == service)
            .cloned()
            .ok_or("the requested service cannot carry this parcel");
    }
    quotes
        .iter()
        .filter(|q| promised_by.is_none_or(|p| q.delivers_by <= p))
        .min_by(|a, b| {
            a.price
                .cmp(&b.price)
                .then(a.delivers_by.cmp(&b.delivers_by))
                .then_with(|| (&a.carrier, &a.service).cmp(&(&b.carrier, &b.service)))
        })
        .cloned()
        .ok_or("no service arrives by the promised date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, cutoff: i64, zones: Vec<Zone>) -> Service {
        Service {
            code: code.into(),
            name: code.into(),
            currency: "USD".into(),
            cutoff_hour: cutoff,
            max_weight_grams: 30_000,
            zones,
        }
    }

    fn zone(name: &str, max_km: Option<f64>, days: i64, base: i64, per_kg: i64) -> Zone {
        Zone {
            name: name.into(),
            max_distance_km: max_km,
            countries: vec!["US".into()],
            transit_days: days,
            base,
            brackets: vec![Bracket { max_grams: 500, price: 0 }, Bracket { max_grams: 2000, price: 150 }],
            per_kg,
        }
    }

    const NEWARK: (f64, f64) = (40.73, -74.17);
    const BOSTON: (f64, f64) = (42.36, -71.06);
    const SEATTLE: (f64, f64) = (47.61, -122.33);
    // 2026-11-27 10:00 UTC.
    const MORNING: i64 = 1_795_773_600_000;

    fn parcel(to: (f64, f64), grams: i64, now: i64) -> Parcel {
        Parcel {
            origin: Some(NEWARK),
            destination: Some(to),
            destination_country: "US".into(),
            destination_region: Some("MA".into()),
            weight_grams: grams,
            now,
        }
    }

    #[test]
    fn zones_brackets_and_per_kg_price_a_parcel() {
        let ground =
            service("ground", 16, vec![zone("local", Some(500.0), 2, 700, 120), zone("national", None, 5, 1100, 180)]);
        let q = quote("ACME", &ground, &parcel(BOSTON, 400, MORNING)).unwrap();
        assert_eq!((q.zone.as_str(), q.price, q.transit_days), ("local", 700, 2));
        assert_eq!(quote("ACME", &ground, &parcel(BOSTON, 1500, MORNING)).unwrap().price, 850);
        // 3.2 kg: the last bracket (2 kg) plus two started kilograms.
        assert_eq!(quote("ACME", &ground, &parcel(BOSTON, 3200, MORNING)).unwrap().price, 700 + 150 + 240);
        let far = quote("ACME", &ground, &parcel(SEATTLE, 400, MORNING)).unwrap();
        assert_eq!((far.zone.as_str(), far.price), ("national", 1100));
        assert_eq!(quote("ACME", &ground, &parcel(BOSTON, 40_000, MORNING)), None);
        let mut abroad = parcel(BOSTON, 400, MORNING);
        abroad.destination_country = "CA".into();
        assert_eq!(quote("ACME", &ground, &abroad), None);
        // A zone for one region: Massachusetts, but not New York.
        let regional =
            service("ground", 16, vec![Zone { countries: vec!["US-MA".into()], ..zone("ma", None, 1, 500, 100) }]);
        assert_eq!(quote("ACME", &regional, &parcel(BOSTON, 400, MORNING)).unwrap().zone, "ma");
        let mut new_york = parcel(BOSTON, 400, MORNING);
        new_york.destination_region = Some("NY".into());
        assert_eq!(quote("ACME", &regional, &new_york), None);
    }

    #[test]
    fn the_pickup_cut_off_moves_the_delivery_day() {
        let ground = service("ground", 16, vec![zone("local", Some(500.0), 2, 700, 120)]);
        let before = quote("ACME", &ground, &parcel(BOSTON, 400, MORNING)).unwrap();
        let after = quote("ACME", &ground, &parcel(BOSTON, 400, MORNING + 7 * 3_600_000)).unwrap();
        assert_eq!(after.delivers_by - before.delivers_by, DAY_MS);
        // Sent on the 27th before the cut-off, two days in transit: by the end of the 29th.
        assert_eq!(before.delivers_by, 1_795_996_799_999);
    }

    #[test]
    fn rate_shopping_picks_the_cheapest_service_that_arrives_in_time() {
        let ground = service("ground", 16, vec![zone("any", None, 5, 900, 100)]);
        let express = service("express", 16, vec![zone("any", None, 1, 2500, 300)]);
        let p = parcel(SEATTLE, 1000, MORNING);
        let quotes = vec![quote("ACME", &ground, &p).unwrap(), quote("ZIP", &express, &p).unwrap()];
        assert_eq!(shop(&quotes, None, None).unwrap().service, "ground");
        let in_two_days = MORNING + 2 * DAY_MS;
        assert_eq!(shop(&quotes, Some(in_two_days), None).unwrap().service, "express");
        assert!(shop(&quotes, Some(MORNING), None).is_err());
        assert_eq!(shop(&quotes, Some(in_two_days), Some(("ACME", "ground"))).unwrap().service, "ground");
        assert!(shop(&quotes, None, Some(("ACME", "express"))).is_err());
    }
}
