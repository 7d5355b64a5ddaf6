//! SMS through Twilio's Messages API (`wire.rs`), behind the app's `SmsSender` port: one
//! form-encoded `POST` per message with basic auth, through the shared outbound client and
//! its target policy. A 429 or 5xx answer, or none, is worth trying again; any other refusal
//! (an invalid number, an unsubscribed recipient) is not.

pub mod wire;

use ordo_app::ports::mail::MailError;
use ordo_app::ports::sms::{SmsFuture, SmsSender};
use ordo_app::ports::target::TargetPolicy;

use crate::outbound;

/// How to reach Twilio; the token never shows in `Debug` output.
#[derive(Clone)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: String,
    /// The number (E.164) messages come from, or a messaging service (`MG...`).
    pub from: String,
    /// `https://api.twilio.com`, or a stand-in's address.
    pub api_base: String,
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

pub struct TwilioSender {
    pub http: reqwest::Client,
    pub targets: TargetPolicy,
    pub config: TwilioConfig,
}

impl SmsSender for TwilioSender {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> SmsFuture<'a> {
        Box::pin(async move {
            let c = &self.config;
            let url =
                format!("{}/2010-04-01/Accounts/{}/Messages.json", c.api_base.trim_end_matches('/'), c.account_sid);
            let refused = |transient: bool, message: String| MailError { transient, message };
            outbound::check(&self.targets, &url).map_err(|e| refused(false, format!("Twilio: {e}")))?;
            let request = self
                .http
                .post(&url)
                .basic_auth(&c.account_sid, Some(&c.auth_token))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(wire::create(to, &c.from, body));
            let answer = outbound::exchange("Twilio", request).await.map_err(|e| refused(true, e.to_string()))?;
            match answer.status {
                // Taken: Twilio will send it, so it is never tried again (a second text),
                // even when the answer's JSON cannot be read.
                200..=299 => Ok(serde_json::from_slice::<wire::Message>(&answer.body)
                    .map(|m| m.sid)
                    .unwrap_or_else(|_| "unknown (Twilio's answer could not be read)".into())),
                status => {
                    let e: Option<wire::ApiError> = serde_json::from_slice(&answer.body).ok();
                    let said = e
                        .map(|e| format!("{} ({})", e.message.unwrap_or_default(), e.code.unwrap_or_default()))
                        .unwrap_or_default();
                    Err(refused(status == 429 || status >= 500, format!("Twilio answered {status}: {said}")))
                }
            }
        })
    }
}
