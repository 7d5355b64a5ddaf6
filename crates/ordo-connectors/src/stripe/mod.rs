//! Stripe's PaymentIntents API, as documented: form-encoded requests, JSON answers, an
//! `Idempotency-Key` on every call so that a retried call never charges twice, and signed
//! webhooks (`Stripe-Signature: t=...,v1=...`). Ordo never sees a card number: the storefront
//! hands it a payment method token.

pub mod wire;

use std::fmt;

use ordo_app::ports::payment::{Authorization, GatewayPayment, PaymentGateway, WebhookEvent};
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{AppError, AppResult};
use serde_json::Value;

use crate::signing;
use wire::{form, intent};

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
    // 409: another request with the same idempotency key is still running at Stripe (a second
    // node settling the same thing); like 429 and 5xx, it is answered by asking again later.
    if status.is_server_error() || matches!(status.as_u16(), 409 | 429) {
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

/// Stripe behind [`PaymentGateway`].
pub struct StripeGateway {
    pub config: StripeConfig,
    pub http: reqwest::Client,
}

impl PaymentGateway for StripeGateway {
    fn provider(&self) -> &'static str {
        "stripe"
    }

    /// Creates and confirms a PaymentIntent: charged at once, or authorized with manual capture.
    fn authorize<'a>(&'a self, a: Authorization<'a>, key: &'a str) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move {
            let pairs = [
                ("amount", a.amount.to_string()),
                ("currency", a.currency.to_lowercase()),
                ("payment_method", a.token.to_owned()),
                ("confirm", "true".to_owned()),
                ("capture_method", if a.capture_now { "automatic" } else { "manual" }.to_owned()),
                ("metadata[ordo_payment_id]", a.payment_id.to_owned()),
                ("metadata[ordo_order_id]", a.order_id.to_owned()),
            ];
            let i = intent(post(&self.config, &self.http, "/v1/payment_intents", &pairs, key).await?)?;
            if !matches!(i.status.as_str(), "requires_capture" | "succeeded") {
                return Err(AppError::Refused {
                    code: "card_declined",
                    message: format!("the payment is {}", i.status),
                });
            }
            Ok(i.into())
        })
    }

    fn capture<'a>(
        &'a self,
        reference: &'a str,
        amount: i64,
        last: bool,
        key: &'a str,
    ) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move {
            let pairs = [("amount_to_capture", amount.to_string()), ("final_capture", last.to_string())];
            let path = format!("/v1/payment_intents/{reference}/capture");
            Ok(intent(post(&self.config, &self.http, &path, &pairs, key).await?)?.into())
        })
    }

    fn void<'a>(&'a self, reference: &'a str, key: &'a str) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move {
            let path = format!("/v1/payment_intents/{reference}/cancel");
            Ok(intent(post(&self.config, &self.http, &path, &[], key).await?)?.into())
        })
    }

    fn refund<'a>(&'a self, reference: &'a str, amount: i64, key: &'a str) -> GatewayFuture<'a, String> {
        Box::pin(async move {
            let pairs = [("payment_intent", reference.to_owned()), ("amount", amount.to_string())];
            let v = post(&self.config, &self.http, "/v1/refunds", &pairs, key).await?;
            v["id"].as_str().map(str::to_owned).ok_or_else(|| AppError::Unavailable("the refund has no id".into()))
        })
    }

    /// `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    fn webhook(&self, headers: &WebhookHeaders, body: &[u8], now_ms: i64) -> AppResult<Option<WebhookEvent>> {
        let secret = self
            .config
            .webhook_secret
            .as_deref()
            .ok_or_else(|| AppError::NotImplemented("no Stripe webhook secret is configured".into()))?;
        if !headers.get("stripe-signature").is_some_and(|s| signing::verify_timestamped(s, secret, body, now_ms)) {
            return Err(AppError::Unauthenticated("the Stripe signature is missing, wrong or too old".into()));
        }
        wire::webhook_event(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_percent_encoded() {
        assert_eq!(wire::form(&[("metadata[a]", "x y&z".into()), ("n", "5".into())]), "metadata%5Ba%5D=x%20y%26z&n=5");
        let cfg = StripeConfig {
            secret_key: "sk_test_secret".into(),
            api_base: "http://x".into(),
            webhook_secret: None,
            timeout: std::time::Duration::from_secs(1),
        };
        assert!(!format!("{cfg:?}").contains("sk_test_secret"));
    }
}
