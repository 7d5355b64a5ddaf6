//! The one policy every outbound URL goes through (carriers, payment gateways, and next
//! sales channels and webhooks): `https` only, no user name or password in the URL, and no
//! loopback, private, link-local, shared, multicast, reserved or cloud-metadata address —
//! checked on the URL when it is saved, and again on every resolved address when a connection
//! is made (the connectors' resolver calls [`TargetPolicy::allows_ip`]), so a name that later
//! resolves to an internal address is still refused. Adapters follow no redirects.
//!
//! An operator may allow private targets (`allow_private_targets`) for stand-ins and systems
//! inside their own network; then plain `http` and any address are allowed too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether outbound connections may reach private addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    pub allow_private: bool,
}

/// Host names that always mean this machine or a cloud's metadata service.
const INTERNAL_NAMES: [&str; 4] = ["localhost", "metadata.google.internal", "metadata", "instance-data"];

impl TargetPolicy {
    /// A policy that allows private targets (for tests and stand-ins).
    pub fn permissive() -> TargetPolicy {
        TargetPolicy { allow_private: true }
    }

    /// Reads and checks an outbound URL; the error says what is wrong, for a 422.
    pub fn check_url(&self, raw: &str) -> Result<url::Url, String> {
        self.check(raw, false)
    }

    /// The same for a webhook receiver's URL, which may carry a query (receivers often take
    /// a token there).
    pub fn check_webhook_url(&self, raw: &str) -> Result<url::Url, String> {
        self.check(raw, true)
    }

    fn check(&self, raw: &str, query: bool) -> Result<url::Url, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("is not a URL ({e})"))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            "http" => return Err("must be an https URL".into()),
            other => return Err(format!("must be an https URL, not {other}")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password; give credentials in their own fields".into());
        }
        if url.fragment().is_some() {
            return Err("must not carry a fragment".into());
        }
        if url.query().is_some() && !query {
            return Err("must not carry a query".into());
        }
        let host = match url.host() {
            Some(h) => h,
            None => return Err("must name a host".into()),
        };
        if self.allow_private {
            return Ok(url);
        }
        match host {
            url::Host::Ipv4(ip) if !is_public(IpAddr::V4(ip)) => {
                Err(format!("must not point at {ip}, a private address"))
            }
            url::Host::Ipv6(ip) if !is_public(IpAddr::V6(ip)) => {
                Err(format!("must not point at {ip}, a private address"))
            }
            url::Host::Domain(name) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let internal = INTERNAL_NAMES.iter().any(|n| name == *n || name.ends_with(&format!(".{n}")))
                    || name.ends_with(".internal")
                    || name.ends_with(".local")
                    || !name.contains('.');
                if internal { Err(format!("must not point at {name}, an internal name")) } else { Ok(url) }
            }
            _ => Ok(url),
        }
    }

    /// Whether a connection may be made to `ip` (asked for every resolved address).
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local (cloud
/// metadata lives at 169.254.169.254), shared (carrier-grade NAT), unspecified, broadcast,
/// multicast, documentation, benchmarking or reserved; IPv6 forms that carry an IPv4 address
/// are judged by that address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) and the deprecated IPv4-compatible form (::a.b.c.d).
            if (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]) || s[..6] == [0, 0, 0, 0, 0, 0] {
                let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return v6 != Ipv6Addr::UNSPECIFIED && v6 != Ipv6Addr::LOCALHOST && is_public_v4(v4);
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x2002)) // 6to4, which can wrap any IPv4 address
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_urls_without_credentials_pass() {
        let strict = TargetPolicy::default();
        for ok in
            ["https://api.easypost.com", "https://api.stripe.com/", "https://8.8.8.8/x", "https://[2606:4700::1111]"]
        {
            assert!(strict.check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.easypost.com",
            "ftp://api.easypost.com",
            "https://127.0.0.1",
            "https://127.0.0.1:18399@evil.example",
            "http://127.0.0.1:18399@evil.example",
            "https://user:pw@api.easypost.com",
            "https://user@api.easypost.com",
            "https://10.1.2.3",
            "https://172.16.0.1",
            "https://192.168.1.1",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1",
            "https://0.0.0.0",
            "https://[::1]",
            "https://[::ffff:127.0.0.1]",
            "https://[fd00::1]",
            "https://[fe80::1]",
            "https://[64:ff9b::a9fe:a9fe]",
            "https://localhost",
            "https://api.localhost",
            "https://metadata.google.internal",
            "https://intranet",
            "https://printer.local",
            "https://2130706433",
            "https://0x7f.1",
            "https://api.easypost.com/?x=1",
            "not a url",
        ] {
            assert!(strict.check_url(bad).is_err(), "{bad}");
        }
        let open = TargetPolicy::permissive();
        assert!(open.check_url("http://127.0.0.1:18399").is_ok());
        assert!(open.check_url("http://127.0.0.1:18399@evil.example").is_err(), "credentials are never allowed");
        // A webhook receiver may take a token in the query; never a fragment.
        assert!(strict.check_webhook_url("https://hooks.example.com/in?token=abc").is_ok());
        assert!(strict.check_webhook_url("https://hooks.example.com/in#x").is_err());
        assert!(strict.check_webhook_url("https://10.0.0.1/in?token=abc").is_err());
    }

    #[test]
    fn resolved_addresses_are_judged_too() {
        let strict = TargetPolicy::default();
        assert!(strict.allows_ip("93.184.216.34".parse().unwrap()));
        for ip in ["127.0.0.53", "10.0.0.1", "169.254.169.254", "::1", "::ffff:10.0.0.1", "fc00::1", "224.0.0.1"] {
            assert!(!strict.allows_ip(ip.parse().unwrap()), "{ip}");
        }
        assert!(TargetPolicy::permissive().allows_ip("127.0.0.1".parse().unwrap()));
    }
}
