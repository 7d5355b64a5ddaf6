//! Stripe's PaymentIntents API, as documented: form-encoded requests, JSON answers, an
//! `Idempotency-Key` on every call so that a retried call never charges twice, and signed
//! webhooks (`Stripe-Signature: t=...,v1=...`). Ordo never sees a card number: the storefront
//! hands it a payment method token.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::{AppError, AppResult};

/// Where and how to reach Stripe. The keys are credentials: never shown or logged.
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub api_base: String,
    pub webhook_secret: Option<String>,
    /// How long one call may take before it counts as unanswered (and is retried later).
    pub timeout: std::time::Duration,
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig").field("api_base", &self.api_base).finish_non_exhaustive()
    }
}

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

/// `application/x-www-form-urlencoded`, as Stripe's API takes it.
fn form(pairs: &[(&str, String)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

async fn post(
    cfg: &StripeConfig,
    client: &reqwest::Client,
    path: &str,
    pairs: &[(&str, String)],
    key: &str,
) -> AppResult<Value> {
    let res = client
        .post(format!("{}{path}", cfg.api_base.trim_end_matches('/')))
        .bearer_auth(&cfg.secret_key)
        .header("Idempotency-Key", key)
        .timeout(cfg.timeout)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(pairs))
        .send()
        .await
        .map_err(|_| {
            AppError::Unavailable("the card gateway could not be reached; retry with the same Idempotency-Key".into())
        })?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(AppError::Unavailable(format!(
            "the card gateway answered {status}; retry with the same Idempotency-Key"
        )));
    }
    if !status.is_success() {
        let message = body["error"]["message"].as_str().unwrap_or("the card gateway refused the request").to_owned();
        let code = match body["error"]["code"].as_str() {
            Some("card_declined") | Some("insufficient_funds") | Some("expired_card") => "card_declined",
            _ => "gateway_refused",
        };
        return Err(AppError::Refused { code, message });
    }
    Ok(body)
}

fn intent(v: Value) -> AppResult<Intent> {
    serde_json::from_value(v)
        .map_err(|e| AppError::Unavailable(format!("the card gateway's answer was not understood: {e}")))
}

/// Creates and confirms a PaymentIntent: charged at once (`capture_now`), or authorized with
/// manual capture.
#[allow(clippy::too_many_arguments)]
pub async fn authorize(
    cfg: &StripeConfig,
    client: &reqwest::Client,
    amount: i64,
    currency: &str,
    payment_method: &str,
    payment_id: &str,
    order_id: &str,
    capture_now: bool,
    key: &str,
) -> AppResult<Intent> {
    let pairs = [
        ("amount", amount.to_string()),
        ("currency", currency.to_lowercase()),
        ("payment_method", payment_method.to_owned()),
        ("confirm", "true".to_owned()),
        ("capture_method", if capture_now { "automatic" } else { "manual" }.to_owned()),
        ("metadata[ordo_payment_id]", payment_id.to_owned()),
        ("metadata[ordo_order_id]", order_id.to_owned()),
    ];
    intent(post(cfg, client, "/v1/payment_intents", &pairs, key).await?)
}

/// Captures part or all of what is authorized; `last` says no more captures will follow.
pub async fn capture(
    cfg: &StripeConfig,
    client: &reqwest::Client,
    intent_id: &str,
    amount: i64,
    last: bool,
    key: &str,
) -> AppResult<Intent> {
    let pairs = [("amount_to_capture", amount.to_string()), ("final_capture", last.to_string())];
    intent(post(cfg, client, &format!("/v1/payment_intents/{intent_id}/capture"), &pairs, key).await?)
}

pub async fn cancel(cfg: &StripeConfig, client: &reqwest::Client, intent_id: &str, key: &str) -> AppResult<Intent> {
    intent(post(cfg, client, &format!("/v1/payment_intents/{intent_id}/cancel"), &[], key).await?)
}

/// Refunds part of what was captured; returns the refund's id.
pub async fn refund(
    cfg: &StripeConfig,
    client: &reqwest::Client,
    intent_id: &str,
    amount: i64,
    key: &str,
) -> AppResult<String> {
    let pairs = [("payment_intent", intent_id.to_owned()), ("amount", amount.to_string())];
    let v = post(cfg, client, "/v1/refunds", &pairs, key).await?;
    v["id"].as_str().map(str::to_owned).ok_or_else(|| AppError::Unavailable("the refund has no id".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_percent_encoded() {
        assert_eq!(form(&[("metadata[a]", "x y&z".into()), ("n", "5".into())]), "metadata%5Ba%5D=x%20y%26z&n=5");
        let cfg = StripeConfig {
            secret_key: "sk_test_secret".into(),
            api_base: "http://x".into(),
            webhook_secret: None,
            timeout: std::time::Duration::from_secs(1),
        };
        assert!(!format!("{cfg:?}").contains("sk_test_secret"));
    }
}
