//! The HTTP client every connector shares, held to the outbound target policy
//! ([`TargetPolicy`]): a URL is checked before each request, every address a host name
//! resolves to is checked before a connection is made (so a name that points at an internal
//! address is refused at connect time, however it resolved when it was saved), and no
//! redirect is followed. Connect and request times are bounded, so an outside system that
//! hangs never holds a request or a worker for long.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ordo_app::ports::target::TargetPolicy;
use ordo_app::{AppError, AppResult};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The shared client, for `policy`.
pub fn client(policy: TargetPolicy) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(policy_resolver(policy))
        .build()
        .unwrap_or_default()
}

/// The resolver every outbound client uses: the system's, keeping only allowed addresses.
pub fn policy_resolver(policy: TargetPolicy) -> Arc<impl Resolve + 'static> {
    Arc::new(PolicyResolver { policy })
}

/// Refuses a URL the policy does not allow, before anything is sent to it (a carrier saved
/// before the policy existed, a gateway base from the environment).
pub fn check(policy: &TargetPolicy, url: &str) -> AppResult<()> {
    policy
        .check_url(url)
        .map(|_| ())
        .map_err(|why| AppError::Unavailable(format!("the outbound URL {why}; Ordo will not connect to it")))
}

/// The most of an answer Ordo reads; a longer one is an error, not a stalled worker.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// How many times an outside system's "slow down" (429) is waited out before a call gives up,
/// and the longest one wait lasts.
const RATE_LIMIT_TRIES: u32 = 5;
const MAX_WAIT: Duration = Duration::from_secs(30);

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as `T`, or an error naming the system and what it sent instead.
    pub fn json<T: serde::de::DeserializeOwned>(&self, system: &str) -> AppResult<T> {
        serde_json::from_slice(&self.body)
            .map_err(|e| AppError::Upstream(format!("{system} answered with JSON Ordo cannot read: {e}")))
    }
}

/// How long to wait after a 429: the `Retry-After` seconds the system sent, else 1, 2, 4 ...
/// seconds, at most [`MAX_WAIT`].
fn wait_after_429(headers: &reqwest::header::HeaderMap, attempt: u32) -> Duration {
    let said = headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok());
    let wait = match said {
        // Clamped before it becomes a duration: a huge number would overflow one.
        Some(s) if s.is_finite() && s >= 0.0 => Duration::from_secs_f64(s.min(MAX_WAIT.as_secs_f64())),
        _ => Duration::from_secs(1 << attempt.min(5)),
    };
    wait.min(MAX_WAIT)
}

/// Sends a request (`build` makes it afresh for each try), waiting out 429 answers, and reads
/// the answer. A status other than 2xx is an error naming `system` and the status; neither the
/// URL nor the body is repeated in it, as either may carry a credential.
pub async fn send(system: &str, build: impl Fn() -> reqwest::RequestBuilder) -> AppResult<Answer> {
    let mut attempt = 0;
    loop {
        let answer = read(system, build()).await?;
        if answer.status == 429 && attempt + 1 < RATE_LIMIT_TRIES {
            let wait = wait_after_429(&answer.headers, attempt);
            tracing::info!(system, wait_ms = wait.as_millis() as u64, "asked to slow down; waiting");
            tokio::time::sleep(wait).await;
            attempt += 1;
            continue;
        }
        return match answer.status {
            200..=299 => Ok(answer),
            401 | 403 => Err(AppError::Upstream(format!(
                "{system} refused Ordo's credentials ({}); check the channel's credentials",
                answer.status
            ))),
            404 => Err(AppError::Upstream(format!("{system} has no such resource (404)"))),
            429 => Err(AppError::Upstream(format!("{system} kept asking Ordo to slow down (429); try again later"))),
            s => Err(AppError::Upstream(format!("{system} answered {s}"))),
        };
    }
}

/// A body in `application/x-www-form-urlencoded` (RFC 3986's unreserved characters kept,
/// every other byte percent-encoded), as Stripe's and Twilio's APIs take it.
pub fn form(pairs: &[(&str, String)]) -> String {
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

/// Sends one request and reads the answer whatever its status (bounded in size); an error
/// only when no answer came.
pub async fn exchange(system: &str, request: reqwest::RequestBuilder) -> AppResult<Answer> {
    read(system, request).await
}

async fn read(system: &str, request: reqwest::RequestBuilder) -> AppResult<Answer> {
    let unreachable =
        |e: reqwest::Error| AppError::Upstream(format!("{system} could not be reached: {}", e.without_url()));
    let mut res = request.send().await.map_err(unreachable)?;
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(AppError::Upstream(format!("{system} answered with more than {MAX_ANSWER} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { status, headers, body })
}

/// [`check`] for a call whose failure is shown to the merchant (a channel's pull): the
/// refusal names the URL's problem, never the URL.
pub fn check_shown(policy: &TargetPolicy, url: &str) -> AppResult<()> {
    check(policy, url).map_err(|e| match e {
        AppError::Unavailable(why) => AppError::Upstream(why),
        e => e,
    })
}

/// Resolves with the system's resolver, then keeps only the addresses the policy allows.
struct PolicyResolver {
    policy: TargetPolicy,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found.iter().copied().filter(|a| policy.allows_ip(a.ip())).collect();
            if allowed.is_empty() {
                let why = if found.is_empty() {
                    format!("{host} does not resolve")
                } else {
                    format!("{host} resolves only to addresses outbound connections may not reach")
                };
                return Err(why.into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name that resolves to loopback is refused when the connection is made, though the
    /// URL itself names no address.
    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_at_connect_time() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ =
                    s.write_all(b"HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/\r\ncontent-length: 0\r\n\r\n").await;
            }
        });
        // `localhost` resolves to 127.0.0.1 (and ::1): every address is refused.
        let url = format!("http://localhost:{port}/");
        let strict = client(TargetPolicy::default());
        let err = strict.get(&url).send().await.expect_err("refused");
        assert!(format!("{err:?}").contains("outbound connections may not reach"), "{err:?}");
        // Allowed, the same request connects, and the redirect is answered, not followed.
        let open = client(TargetPolicy::permissive());
        let res = open.get(&url).send().await.expect("connects");
        assert_eq!(res.status().as_u16(), 302);
    }
}
