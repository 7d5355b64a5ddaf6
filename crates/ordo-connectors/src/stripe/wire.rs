//! Stripe's wire format, as its API reference gives it: form-encoded request bodies, the
//! PaymentIntent as Ordo reads it, and webhook events mapped to what changed at the gateway.
//! Conversions only; the adapter is in `mod.rs`.

use ordo_app::ports::payment::{GatewayChange, GatewayPayment, WebhookEvent};
use ordo_app::{AppError, AppResult};
use serde::Deserialize;
use serde_json::Value;

/// A PaymentIntent as Ordo reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Intent {
    pub id: String,
    /// `requires_capture`, `succeeded`, `canceled`, `requires_payment_method`, ...
    pub status: String,
    #[serde(default)]
    pub amount_capturable: i64,
    #[serde(default)]
    pub amount_received: i64,
}

impl From<Intent> for GatewayPayment {
    fn from(i: Intent) -> GatewayPayment {
        GatewayPayment { reference: i.id, received: i.amount_received }
    }
}

/// `application/x-www-form-urlencoded`, as Stripe's API takes it.
pub use crate::outbound::form;

pub fn intent(v: Value) -> AppResult<Intent> {
    serde_json::from_value(v)
        .map_err(|e| AppError::Unavailable(format!("the card gateway's answer was not understood: {e}")))
}

/// A verified webhook's event as the change it reports; `None` for events about no payment.
pub fn webhook_event(body: &[u8]) -> AppResult<Option<WebhookEvent>> {
    let event: Value = serde_json::from_slice(body).map_err(|e| AppError::field("body", e.to_string()))?;
    let object = &event["data"]["object"];
    let name = event["type"].as_str().unwrap_or_default().to_owned();
    let change = match name.as_str() {
        "payment_intent.succeeded" => {
            GatewayChange::Captured { received: object["amount_received"].as_i64().unwrap_or(0) }
        }
        "payment_intent.canceled" => GatewayChange::Voided,
        "payment_intent.payment_failed" => GatewayChange::Failed { amount: object["amount"].as_i64().unwrap_or(0) },
        "charge.refunded" => GatewayChange::Refunded { refunded: object["amount_refunded"].as_i64().unwrap_or(0) },
        _ => return Ok(None),
    };
    // An intent is the object itself; a charge names its intent.
    let reference = match object["object"].as_str() {
        Some("charge") => object["payment_intent"].as_str(),
        _ => object["id"].as_str(),
    };
    Ok(Some(WebhookEvent {
        id: event["id"].as_str().unwrap_or_default().to_owned(),
        name,
        reference: reference.map(str::to_owned),
        payment_id: object["metadata"]["ordo_payment_id"].as_str().map(str::to_owned),
        change,
    }))
}
