//! EasyPost's wire format (API v2), as its documentation gives it: shipments with rates, buying
//! a rate, and tracker events, and their mapping to Ordo's quotes and tracking reports.
//! Conversions only; the adapter is in `mod.rs`.

use ordo_domain::shipping::Quote;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use ordo_app::ports::carrier::{ReportedStatus, Shipment, TrackingReport};
use ordo_app::{AppError, AppResult};

fn address(name: &str, a: &ordo_domain::order::Address) -> Value {
    json!({
        "name": a.name.clone().unwrap_or_else(|| name.to_owned()),
        "street1": a.line1,
        "street2": a.line2,
        "city": a.city,
        "state": a.region,
        "zip": a.postal_code,
        "country": a.country,
    })
}

/// The body of `POST /v2/shipments`; EasyPost weighs parcels in ounces.
pub fn shipment_request(s: &Shipment) -> Value {
    let ounces = (s.parcel.weight_grams as f64 / 28.349523125 * 10.0).ceil() / 10.0;
    json!({"shipment": {
        "to_address": address("", &s.to),
        "from_address": address(&s.from_name, &s.from),
        "parcel": {"weight": ounces},
    }})
}

#[derive(Debug, Deserialize)]
pub struct ShipmentResponse {
    pub id: String,
    #[serde(default)]
    pub rates: Vec<Rate>,
}

#[derive(Debug, Deserialize)]
pub struct Rate {
    pub id: String,
    pub carrier: String,
    pub service: String,
    /// A decimal string, e.g. `"7.58"`.
    pub rate: String,
    pub currency: String,
    pub delivery_days: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct BoughtShipment {
    pub tracking_code: String,
    pub postage_label: Option<PostageLabel>,
}

#[derive(Debug, Deserialize)]
pub struct PostageLabel {
    pub label_url: String,
}

/// An EasyPost rate as an Ordo quote of the carrier `code` (EasyPost's own carrier and
/// service make the service name); `None` for a rate Ordo cannot read.
pub fn quote(code: &str, r: &Rate, now: i64) -> Option<Quote> {
    let price = ordo_domain::Money::parse_with_code(&r.rate, &r.currency).ok()?;
    let days = r.delivery_days.unwrap_or(7).clamp(0, 60);
    Some(Quote {
        carrier: code.to_owned(),
        service: format!("{}-{}", r.carrier, r.service).to_lowercase(),
        service_name: format!("{} {}", r.carrier, r.service),
        price: price.minor(),
        currency: r.currency.clone(),
        zone: "carrier".to_owned(),
        transit_days: days,
        delivers_by: (now.div_euclid(86_400_000) + days + 1) * 86_400_000 - 1,
    })
}

/// Reads a JSON answer, turning transport failures and error statuses into `Unavailable`
/// (the carrier could not be reached) or `Conflict` (it refused), never into a 500.
pub async fn read<T: for<'de> Deserialize<'de>>(res: Result<reqwest::Response, reqwest::Error>) -> AppResult<T> {
    let res = res.map_err(|e| AppError::Unavailable(format!("the carrier could not be reached: {e}")))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| AppError::Unavailable(format!("the carrier's answer was cut off: {e}")))?;
    if status.is_server_error() {
        return Err(AppError::Unavailable(format!("the carrier answered {status}")));
    }
    if !status.is_success() {
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| status.to_string());
        return Err(AppError::Conflict(format!("the carrier refused: {message}")));
    }
    serde_json::from_str(&text)
        .map_err(|e| AppError::Unavailable(format!("the carrier's answer was not understood: {e}")))
}

/// An EasyPost webhook event (`tracker.created`, `tracker.updated`).
#[derive(Debug, Deserialize, Serialize)]
pub struct Event {
    pub description: String,
    pub result: Tracker,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct Tracker {
    pub tracking_code: String,
    /// `pre_transit`, `in_transit`, `out_for_delivery`, `delivered`, `return_to_sender`,
    /// `failure`, `unknown`, ...
    pub status: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Event {
    /// The event as Ordo's tracking report.
    pub fn report(self) -> TrackingReport {
        TrackingReport {
            status: match tracking_status(&self.result.status) {
                Some(s) => ReportedStatus::Reported(s.to_owned()),
                None => ReportedStatus::NotFollowed,
            },
            tracking_number: Some(self.result.tracking_code),
            occurred_at: self.result.updated_at,
            description: Some(self.description),
        }
    }
}

/// EasyPost's tracker status in Ordo's words; `None` for states Ordo does not track.
pub fn tracking_status(status: &str) -> Option<&'static str> {
    match status {
        "in_transit" => Some("in_transit"),
        "out_for_delivery" => Some("out_for_delivery"),
        "delivered" => Some("delivered"),
        "return_to_sender" | "failure" | "error" | "cancelled" => Some("exception"),
        _ => None,
    }
}
