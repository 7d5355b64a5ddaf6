//! What the sales platform adapters share: ids read exactly as strings (Shopify's exceed
//! 2^53, so a float would corrupt them), amounts kept as the platform's decimal text, and
//! a body that is not the JSON a topic promises turned into a reason for the import log.

use ordo_app::ports::channel::{ChannelLine, DeliveryContent};
use serde::{Deserialize, Deserializer};

/// An id a platform writes as a JSON number or string, kept as the exact digits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an id (an integer or a string)")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// An id that is absent, null, empty or zero (WooCommerce's "no variation") reads as none.
pub fn id_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Id>::deserialize(d)?.map(|i| i.0).filter(|i| !i.is_empty() && i != "0"))
}

/// An amount a platform writes as a decimal string (or, rarely, a JSON number: its text is
/// kept exactly as written, never read through a float).
pub fn amount_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// A platform id (digits) as an exact JSON number, for bodies that take ids as numbers.
pub fn json_id(id: Option<&str>) -> ordo_app::AppResult<serde_json::Value> {
    id.and_then(|i| i.parse::<u64>().ok())
        .map(|n| serde_json::Value::Number(n.into()))
        .ok_or_else(|| ordo_app::AppError::Upstream(format!("{id:?} is not a platform id")))
}

/// Text that is absent, null or only white space reads as none.
pub fn text(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Joins a first and a last name, either of which may be missing.
pub fn full_name(first: &Option<String>, last: &Option<String>) -> Option<String> {
    let parts: Vec<String> = [text(first), text(last)].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A body that could not be read as the topic's order: the reason, and the order's id when
/// the body is JSON with an `id` at its top.
pub fn unreadable(body: &[u8], e: impl std::fmt::Display) -> DeliveryContent {
    let external_id = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| match v.get("id") {
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        _ => None,
    });
    DeliveryContent::Unreadable { reason: format!("the body is not an order this topic sends: {e}"), external_id }
}

/// A decimal text as an integer and its number of decimals (`"-12.50"` is (-1250, 2)).
fn decimal(s: &str) -> Option<(i128, u32)> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) || frac.len() > 18 {
        return None;
    }
    let v: i128 = format!("{int}{frac}").parse().ok()?;
    Some((if negative { -v } else { v }, frac.len() as u32))
}

fn decimal_text(v: i128, scale: u32) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let digits = format!("{:0>width$}", v.unsigned_abs(), width = scale as usize + 1);
    let (int, frac) = digits.split_at(digits.len() - scale as usize);
    if scale == 0 { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") }
}

/// The exact sum of decimal texts, at the most decimals any of them has; none when one is
/// not a decimal or there are none.
pub fn sum(parts: &[&str]) -> Option<String> {
    let read: Vec<(i128, u32)> = parts.iter().map(|p| decimal(p)).collect::<Option<_>>()?;
    let scale = read.iter().map(|(_, s)| *s).max()?;
    let total = read.iter().try_fold(0i128, |acc, (v, s)| acc.checked_add(v.checked_mul(10i128.pow(scale - s))?))?;
    Some(decimal_text(total, scale))
}

/// `a - b`, exactly, as decimal text.
pub fn difference(a: &str, b: &str) -> Option<String> {
    let negated = match b.trim().strip_prefix('-') {
        Some(rest) => rest.to_owned(),
        None => format!("-{}", b.trim()),
    };
    sum(&[a, &negated])
}

/// Whether two decimal texts are the same amount (`"11.01"` and `"11.010"` are).
pub fn same_amount(a: &str, b: &str) -> bool {
    difference(a, b).is_some_and(|d| d.trim_start_matches('-').bytes().all(|c| c == b'0' || c == b'.'))
}

/// A price for `n` units split into unit prices at the price's decimals, exactly: one part
/// when it divides, else the units that carry one more of the smallest unit (the remainder)
/// and the rest (`"10.00"` for 3 is 1 at 3.34 and 2 at 3.33). None when `a` is not a decimal
/// or `n` is not positive.
pub fn split_price(a: &str, n: i64) -> Option<Vec<(i64, String)>> {
    let (v, scale) = decimal(a)?;
    if n <= 0 {
        return None;
    }
    let q = i128::from(n);
    let (base, remainder) = (v.div_euclid(q), v.rem_euclid(q));
    let mut parts = Vec::with_capacity(2);
    if remainder > 0 {
        parts.push((remainder as i64, decimal_text(base + 1, scale)));
    }
    if remainder < q {
        parts.push((n - remainder as i64, decimal_text(base, scale)));
    }
    Some(parts)
}

/// A line whose platform gives the price of all its units (`price`), as lines with unit
/// prices ([`split_price`]: one, or two of the same SKU when the price does not divide); the
/// line's discount goes with the first. A price that is not a decimal stays as it is, for the
/// mapping to refuse with its reason.
pub fn lines_priced_in_all(line: ChannelLine, price: &str) -> Vec<ChannelLine> {
    let parts = split_price(price, line.quantity).unwrap_or_else(|| vec![(line.quantity, price.to_owned())]);
    parts
        .into_iter()
        .enumerate()
        .map(|(k, (quantity, unit_price))| ChannelLine {
            quantity,
            unit_price,
            discount: if k == 0 { line.discount.clone() } else { None },
            ..line.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_price_splits_into_unit_prices_that_add_up_exactly() {
        let split = |a: &str, n| super::split_price(a, n).unwrap();
        assert_eq!(split("10.00", 3), [(1, "3.34".to_owned()), (2, "3.33".to_owned())]);
        assert_eq!(split("10.00", 4), [(4, "2.50".to_owned())]);
        assert_eq!(split("0.01", 2), [(1, "0.01".to_owned()), (1, "0.00".to_owned())]);
        assert_eq!(split("25", 1), [(1, "25".to_owned())]);
        assert_eq!(super::split_price("x", 2), None);
        assert_eq!(super::split_price("1.00", 0), None);
        for (price, n) in [("99.99", 7), ("1234.5678", 9), ("0.05", 3)] {
            let parts = split(price, n);
            assert_eq!(parts.iter().map(|(q, _)| q).sum::<i64>(), n);
            let total: Vec<String> =
                parts.iter().flat_map(|(q, u)| std::iter::repeat_n(u.clone(), *q as usize)).collect();
            let refs: Vec<&str> = total.iter().map(String::as_str).collect();
            assert!(super::same_amount(&super::sum(&refs).unwrap(), price), "{price} / {n}");
        }
    }

    #[test]
    fn decimal_texts_add_exactly() {
        assert_eq!(super::sum(&["0.45", "0.9", "10"]).as_deref(), Some("11.35"));
        assert_eq!(super::sum(&["199.0000", "-0.0050"]).as_deref(), Some("198.9950"));
        assert_eq!(super::difference("388.00", "398.00").as_deref(), Some("-10.00"));
        assert_eq!(super::sum(&["0.05", "-0.05"]).as_deref(), Some("0.00"));
        assert_eq!(super::sum(&[]), None);
        assert_eq!(super::sum(&["1e3"]), None);
        assert!(super::same_amount("11.01", "11.010") && !super::same_amount("11.01", "11.02"));
        let id: super::Id = serde_json::from_str("820982911946154508").unwrap();
        assert_eq!(id.0, "820982911946154508", "ids above 2^53 keep every digit");
    }
}
