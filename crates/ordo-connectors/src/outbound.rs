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
        .dns_resolver(Arc::new(PolicyResolver { policy }))
        .build()
        .unwrap_or_default()
}

/// Refuses a URL the policy does not allow, before anything is sent to it (a carrier saved
/// before the policy existed, a gateway base from the environment).
pub fn check(policy: &TargetPolicy, url: &str) -> AppResult<()> {
    policy
        .check_url(url)
        .map(|_| ())
        .map_err(|why| AppError::Unavailable(format!("the outbound URL {why}; Ordo will not connect to it")))
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
