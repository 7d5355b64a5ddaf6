//! Signing and signature checks, written once for every connector: HMAC-SHA256, the
//! timestamped `t=<unix seconds>,v1=<hex>` scheme (Stripe's, and Ordo's own for carriers'
//! tracking reports and outbound webhooks) with its tolerance, and plain hex signatures of a
//! body (EasyPost's). Every comparison takes constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old a timestamped signature may be, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `given` (lower-case hex) is the HMAC-SHA256 of `message`, compared in constant
/// time.
pub fn verify_hex(given: &str, secret: &str, message: &[u8]) -> bool {
    let Some(bytes) = unhex(given) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.verify_slice(&bytes).is_ok()
}

/// Whether `given` is `secret`, compared in constant time (a shared secret sent as it is, as
/// BigCommerce's webhook headers carry it).
pub fn same_secret(given: &str, secret: &str) -> bool {
    // Comparing MACs of both under one key takes the same time whatever the texts share.
    let expected = hmac_sha256(b"ordo-same-secret", secret.as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(b"ordo-same-secret").expect("HMAC takes a key of any length");
    mac.update(given.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

/// Lower-case hex only, as every signature Ordo checks is written.
fn unhex(s: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let s = s.as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

/// What is signed in the timestamped scheme: `<t>.<body>`.
fn timestamped(t: i64, body: &[u8]) -> Vec<u8> {
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(body);
    signed
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn sign_timestamped(secret: &str, body: &[u8], now_ms: i64) -> String {
    let t = now_ms.div_euclid(1000);
    format!("t={t},v1={}", hex(&hmac_sha256(secret.as_bytes(), &timestamped(t, body))))
}

/// Checks a timestamped signature at most [`TOLERANCE_SECONDS`] away from now. Any of several
/// `v1` signatures may match (a secret being rolled); all are compared in full.
pub fn verify_timestamped(header: &str, secret: &str, body: &[u8], now_ms: i64) -> bool {
    let mut t: Option<i64> = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now_ms.div_euclid(1000) - t).abs() > TOLERANCE_SECONDS {
        return false;
    }
    let signed = timestamped(t, body);
    signatures.iter().fold(false, |ok, s| ok | verify_hex(s, secret, &signed))
}

/// Base64 (standard alphabet, padded) HMAC-SHA256 of `body`, as Shopify and WooCommerce sign
/// their webhooks.
pub fn sign_base64(secret: &str, body: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret.as_bytes(), body))
}

/// Whether `given` is [`sign_base64`] of `body`, compared in constant time.
pub fn verify_base64(given: &str, secret: &str, body: &[u8]) -> bool {
    use base64::Engine;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(given.trim()) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than the block size is hashed first (RFC 4231, test case 6).
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn timestamped_signatures_are_checked_in_full_and_in_time() {
        let now = 1_795_773_600_000;
        let header = sign_timestamped("s3", b"{}", now);
        assert!(verify_timestamped(&header, "s3", b"{}", now));
        assert!(verify_timestamped(&header, "s3", b"{}", now + TOLERANCE_SECONDS * 1000));
        assert!(!verify_timestamped(&header, "s3", b"{ }", now));
        assert!(!verify_timestamped(&header, "other", b"{}", now));
        assert!(!verify_timestamped(&header, "s3", b"{}", now + (TOLERANCE_SECONDS + 1) * 1000));
        assert!(!verify_timestamped("v1=00", "s3", b"{}", now));
        // A rolled secret: either signature may match.
        let both = format!("{header},v1={}", "0".repeat(64));
        assert!(verify_timestamped(&both, "s3", b"{}", now));
    }

    #[test]
    fn hex_signatures_must_be_whole_and_right() {
        let sig = hex(&hmac_sha256(b"k", b"body"));
        assert!(verify_hex(&sig, "k", b"body"));
        assert!(!verify_hex(&sig[..62], "k", b"body"));
        assert!(!verify_hex(&sig.replace(&sig[..2], "zz"), "k", b"body"));
        assert!(!verify_hex("", "k", b"body"));
        assert!(!verify_hex("é1", "k", b"body"));
        // Exactly as written: lower case, no sign, no spaces.
        assert!(!verify_hex(&sig.to_uppercase(), "k", b"body"));
        assert!(!verify_hex(&format!(" {sig}"), "k", b"body"));
    }
}
