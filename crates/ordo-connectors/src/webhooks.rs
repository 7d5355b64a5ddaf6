//! Outbound webhooks over HTTP: each delivery a `POST` of the event's JSON, signed
//! `Ordo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` and naming
//! the event (`Ordo-Event-Id`, which receivers deduplicate by, and `Ordo-Event-Type`) and the
//! delivery (`Ordo-Delivery-Id`). The receiver's URL is checked against the target policy
//! before each attempt and every address it resolves to when connecting (no DNS rebinding),
//! no redirect is followed, and an attempt lasts at most 10 seconds. The first KiB of the
//! answer is kept for the delivery log.

use std::time::{Duration, Instant};

use ordo_app::kernel::BoxFuture;
use ordo_app::ports::target::TargetPolicy;
use ordo_app::ports::webhook::{Answered, Outgoing, WebhookSender};

use crate::signing::sign_timestamped;

/// How long one attempt may take, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer the delivery log keeps.
const KEPT: usize = 1024;

pub struct HttpWebhookSender {
    http: reqwest::Client,
    targets: TargetPolicy,
}

impl HttpWebhookSender {
    pub fn new(targets: TargetPolicy) -> HttpWebhookSender {
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(crate::outbound::policy_resolver(targets))
            .user_agent(concat!("Ordo-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        HttpWebhookSender { http, targets }
    }
}

fn failed(started: Instant, error: String) -> Answered {
    Answered { status: None, latency_ms: started.elapsed().as_millis() as i64, answer: None, error: Some(error) }
}

impl WebhookSender for HttpWebhookSender {
    fn send<'a>(&'a self, out: Outgoing<'a>) -> BoxFuture<'a, Answered> {
        Box::pin(async move {
            let started = Instant::now();
            if let Err(why) = self.targets.check_webhook_url(out.url) {
                return Ok(failed(started, format!("the URL {why}; Ordo will not connect to it")));
            }
            let sent = self
                .http
                .post(out.url)
                .header("content-type", "application/json")
                .header("ordo-signature", sign_timestamped(out.secret, out.body, out.now_ms))
                .header("ordo-event-id", out.event_id)
                .header("ordo-event-type", out.event_type)
                .header("ordo-delivery-id", out.delivery_id)
                .body(out.body.to_vec())
                .send()
                .await;
            let mut res = match sent {
                Ok(res) => res,
                Err(e) if e.is_timeout() => return Ok(failed(started, "no answer within 10 seconds".into())),
                Err(e) => return Ok(failed(started, format!("could not be reached: {}", e.without_url()))),
            };
            let status = res.status().as_u16();
            let mut kept = Vec::new();
            // The answer is read only as far as the log keeps it.
            while kept.len() < KEPT {
                match res.chunk().await {
                    Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                    Ok(None) | Err(_) => break,
                }
            }
            kept.truncate(KEPT);
            let answer = (!kept.is_empty()).then(|| String::from_utf8_lossy(&kept).into_owned());
            Ok(Answered { status: Some(status), latency_ms: started.elapsed().as_millis() as i64, answer, error: None })
        })
    }
}
