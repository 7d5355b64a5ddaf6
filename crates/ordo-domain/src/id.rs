//! Typed, prefixed, time-ordered identifiers (`ord_01JD...`).
//!
//! An id is 48 bits of Unix milliseconds followed by 80 random bits, written in Crockford
//! base32, so ids sort by creation time and index well. The caller supplies the time and the
//! randomness; this module reads neither a clock nor an entropy source.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Encodes `unix_ms` and `random` as a 26-character sortable string.
pub fn encode(unix_ms: u64, random: u128) -> String {
    let value: u128 = ((unix_ms as u128 & 0xFFFF_FFFF_FFFF) << 80) | (random & ((1u128 << 80) - 1));
    let mut out = [0u8; 26];
    for (i, slot) in out.iter_mut().enumerate() {
        let digit = (value >> (125 - 5 * i)) & 31;
        *slot = ALPHABET[digit as usize];
    }
    String::from_utf8(out.to_vec()).expect("alphabet is ASCII")
}

#[doc(hidden)]
pub fn is_body(s: &str) -> bool {
    s.len() == 26 && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// Declares a typed id; used here and by modules that own their own id types.
#[macro_export]
macro_rules! typed_id_pub {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate(unix_ms: u64, random: u128) -> Self {
                $name(format!("{}_{}", $prefix, $crate::id::encode(unix_ms, random)))
            }

            /// Accepts only a well-formed id with this type's prefix.
            pub fn parse(s: &str) -> Option<Self> {
                let body = s.strip_prefix($prefix)?.strip_prefix('_')?;
                $crate::id::is_body(body).then(|| $name(s.to_owned()))
            }

            /// Wraps a value read back from storage, trusted to be well formed.
            pub fn from_trusted(s: String) -> Self {
                $name(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id_pub!(/// An order.
    OrderId, "ord");
typed_id_pub!(/// An order line.
    LineId, "lin");
typed_id_pub!(/// A customer.
    CustomerId, "cus");
typed_id_pub!(/// A stock location (warehouse or store).
    LocationId, "loc");
typed_id_pub!(/// A catalogue product (one SKU).
    ProductId, "prd");
typed_id_pub!(/// An outbox event.
    EventId, "evt");
typed_id_pub!(/// An API key.
    KeyId, "key");
typed_id_pub!(/// A fulfilment: one location's part of an order.
    FulfillmentId, "ful");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_round_trip() {
        let a = OrderId::generate(1_700_000_000_000, u128::MAX);
        let b = OrderId::generate(1_700_000_000_001, 0);
        assert!(a < b);
        assert!(a.as_str().starts_with("ord_"));
        assert_eq!(a.as_str().len(), 4 + 26);
        assert_eq!(OrderId::parse(a.as_str()), Some(a.clone()));
        assert_eq!(CustomerId::parse(a.as_str()), None);
        assert_eq!(OrderId::parse("ord_short"), None);
        assert_eq!(OrderId::parse("ord_0000000000000000000000000u"), None);
    }
}
