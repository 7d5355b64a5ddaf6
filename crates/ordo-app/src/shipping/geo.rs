//! Placing a customer on the map: the address's own coordinates, or the centroid of its
//! postal code from the bundled table (United States ZCTAs; see `data/README.md`).

use std::collections::HashMap;
use std::sync::OnceLock;

use ordo_domain::order::Address;
use ordo_domain::routing::parse_centroids;

static US_CENTROIDS: OnceLock<HashMap<String, (f64, f64)>> = OnceLock::new();

fn us_centroids() -> &'static HashMap<String, (f64, f64)> {
    US_CENTROIDS.get_or_init(|| parse_centroids(include_str!("../../data/us-zcta-centroids.csv")))
}

/// Coordinates of a postal code, when the bundled tables know it.
pub fn postal_centroid(country: &str, postal_code: &str) -> Option<(f64, f64)> {
    match country {
        // ZIP+4 ("02108-1234") shares the five-digit code's area.
        "US" => us_centroids().get(postal_code.trim().get(..5)?).copied(),
        _ => None,
    }
}

/// The address's coordinates, or its postal code's, or none.
pub fn locate(address: &Address) -> Option<(f64, f64)> {
    address
        .latitude
        .zip(address.longitude)
        .or_else(|| postal_centroid(&address.country, address.postal_code.as_deref()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postal_codes_are_placed_and_misses_are_none() {
        let boston = postal_centroid("US", "02108").unwrap();
        assert!((boston.0 - 42.36).abs() < 0.05 && (boston.1 + 71.06).abs() < 0.05, "{boston:?}");
        assert_eq!(postal_centroid("US", "02108-4455"), Some(boston));
        assert_eq!(postal_centroid("US", "00000"), None);
        assert_eq!(postal_centroid("US", "12"), None);
        assert_eq!(postal_centroid("FR", "75001"), None);
        let mut a = Address { country: "US".into(), postal_code: Some("02108".into()), ..Default::default() };
        assert_eq!(locate(&a), Some(boston));
        a.latitude = Some(1.0);
        a.longitude = Some(2.0);
        assert_eq!(locate(&a), Some((1.0, 2.0)));
    }
}
