//! Third-party credentials at rest (carriers' API keys and webhook secrets today; channel
//! tokens and webhook secrets next): sealed with ChaCha20-Poly1305 under a key from the
//! configuration before they are stored, opened when they are read, and never in an answer,
//! a log or an event.
//!
//! The keyring is installed once, at start (`ordo serve` reads `ORDO_SECRETS_KEY`, or keeps a
//! key file beside a SQLite database); its first key seals, every key opens, so a key is
//! rotated by putting the new one first and running `ordo secrets rotate`, which seals every
//! stored credential again. A stored value reads `enc1:<key id>:<hex nonce><hex ciphertext>`;
//! a value stored before encryption existed is read as it is and sealed by the next rotation.
//! A process that installs no keyring (tests, tools) seals with a key of its own, made at
//! random on first use and lost when it ends.

use std::sync::OnceLock;

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

const PREFIX: &str = "enc1:";

/// The keys credentials are sealed and opened with; the first seals.
pub struct Keyring {
    keys: Vec<(String, LessSafeKey)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("keys", &self.keys.iter().map(|(id, _)| id).collect::<Vec<_>>()).finish()
    }
}

fn key_of(bytes: &[u8]) -> Result<LessSafeKey, String> {
    UnboundKey::new(&CHACHA20_POLY1305, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| "a secrets key is 32 bytes, written as 64 hex digits".to_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

impl Keyring {
    /// Reads `ID:HEX,ID:HEX...` (or one bare `HEX`, id `k1`): each key 32 bytes as 64 hex
    /// digits, ids of letters and digits; the first seals.
    pub fn parse(spec: &str) -> Result<Keyring, String> {
        let mut keys = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, material) = part.split_once(':').unwrap_or(("k1", part));
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!("the secrets key id {id:?} must be letters and digits"));
            }
            if keys.iter().any(|(k, _)| k == id) {
                return Err(format!("the secrets key id {id} is given twice"));
            }
            let bytes = unhex(material).filter(|b| b.len() == 32).ok_or_else(|| {
                format!("the secrets key {id} must be 32 bytes as 64 hex digits (e.g. `openssl rand -hex 32`)")
            })?;
            keys.push((id.to_owned(), key_of(&bytes)?));
        }
        if keys.is_empty() {
            return Err("no secrets key given".into());
        }
        Ok(Keyring { keys })
    }

    /// A keyring that seals nothing: credentials cannot be stored until a key is configured.
    pub fn none() -> Keyring {
        Keyring { keys: Vec::new() }
    }

    /// A new random key, as the text [`Keyring::parse`] reads (for a key file), its id drawn
    /// from the key itself so that two machines' keys never share one.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        SystemRandom::new().fill(&mut bytes).expect("the system's random source");
        let print = ring::digest::digest(&ring::digest::SHA256, &bytes);
        format!("k{}:{}", &hex(print.as_ref())[..8], hex(&bytes))
    }

    fn ephemeral() -> Keyring {
        Keyring::parse(&Keyring::generate()).expect("a generated key")
    }

    /// The id of the key that seals.
    pub fn sealing_key(&self) -> Option<&str> {
        self.keys.first().map(|(id, _)| id.as_str())
    }

    /// Whether credentials can be sealed.
    pub fn can_seal(&self) -> bool {
        !self.keys.is_empty()
    }

    pub fn seal(&self, plain: &str) -> Result<String, String> {
        let (id, key) = self
            .keys
            .first()
            .ok_or("no secrets key is configured: set ORDO_SECRETS_KEY (every node the same) to store credentials")?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| "the system's random source failed".to_owned())?;
        let mut sealed = plain.as_bytes().to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(id.as_bytes()), &mut sealed)
            .map_err(|_| "sealing failed".to_owned())?;
        Ok(format!("{PREFIX}{id}:{}{}", hex(&nonce), hex(&sealed)))
    }

    pub fn open(&self, stored: &str) -> Result<String, String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            // Stored before credentials were sealed.
            return Ok(stored.to_owned());
        };
        let (id, body) = rest.split_once(':').ok_or("a sealed credential without its key id")?;
        let (_, key) = self.keys.iter().find(|(k, _)| k == id).ok_or_else(|| {
            format!("a credential is sealed with secrets key {id}, which is not configured (ORDO_SECRETS_KEY)")
        })?;
        let bytes = unhex(body).filter(|b| b.len() > NONCE_LEN).ok_or("a sealed credential that is not hex")?;
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "a sealed credential's nonce".to_owned())?;
        let mut sealed = sealed.to_vec();
        let plain = key.open_in_place(nonce, Aad::from(id.as_bytes()), &mut sealed).map_err(|_| {
            format!("a credential sealed with secrets key {id} does not open: the key or the value changed")
        })?;
        String::from_utf8(plain.to_vec()).map_err(|_| "a sealed credential that is not text".to_owned())
    }
}

static KEYRING: OnceLock<Keyring> = OnceLock::new();

/// Installs the process's keyring; only the first call counts (whether it did).
pub fn install(keyring: Keyring) -> bool {
    KEYRING.set(keyring).is_ok()
}

/// The process's keyring (a random one of its own if none was installed).
pub fn keyring() -> &'static Keyring {
    KEYRING.get_or_init(Keyring::ephemeral)
}

/// `#[serde(with = "sealed")]` for a credential: sealed when stored, opened when read.
pub mod sealed {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(plain: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::keyring().seal(plain).map_err(serde::ser::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        super::keyring().open(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The same for an optional credential.
pub mod sealed_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(plain: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match plain {
            Some(p) => super::sealed::serialize(p, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|v| super::keyring().open(&v).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "a:0000000000000000000000000000000000000000000000000000000000000001";
    const B: &str = "b:0000000000000000000000000000000000000000000000000000000000000002";

    #[test]
    fn sealed_values_open_with_any_key_of_the_ring_and_never_show_the_secret() {
        let old = Keyring::parse(A).unwrap();
        let sealed = old.seal("sk_live_secret").unwrap();
        assert!(sealed.starts_with("enc1:a:") && !sealed.contains("sk_live_secret"), "{sealed}");
        assert_ne!(old.seal("sk_live_secret").unwrap(), sealed, "a fresh nonce each time");
        assert_eq!(old.open(&sealed).unwrap(), "sk_live_secret");
        // Rotation: the new key first seals, the old one still opens.
        let both = Keyring::parse(&format!("{B},{A}")).unwrap();
        assert_eq!(both.open(&sealed).unwrap(), "sk_live_secret");
        assert!(both.seal("x").unwrap().starts_with("enc1:b:"));
        // Without the key that sealed it, or with a changed byte, nothing opens.
        assert!(Keyring::parse(B).unwrap().open(&sealed).unwrap_err().contains("not configured"));
        let mut tampered = sealed.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == '0' { '1' } else { '0' });
        assert!(old.open(&tampered).unwrap_err().contains("does not open"));
        // A value stored before sealing is read as it is.
        assert_eq!(old.open("plain-old").unwrap(), "plain-old");
        assert!(!Keyring::none().can_seal() && Keyring::none().seal("x").is_err());
    }

    #[test]
    fn key_specs_are_checked() {
        for bad in [
            "",
            "a:00",
            "a:zz00000000000000000000000000000000000000000000000000000000000000",
            "a-b:00",
            &format!("{A},{A}"),
        ] {
            assert!(Keyring::parse(bad).is_err(), "{bad}");
        }
        assert!(Keyring::parse(&Keyring::generate()).is_ok());
        let bare = &A[2..];
        assert!(Keyring::parse(bare).unwrap().seal("x").unwrap().starts_with("enc1:k1:"));
    }
}
