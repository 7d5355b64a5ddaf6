//! Card numbers (primary account numbers) in text: Ordo never stores one, so it looks for
//! them in what it is sent and in what it keeps.
//!
//! A run of 13 to 19 digits, optionally grouped by single spaces or hyphens, not touching
//! another letter or digit (a run inside a hash or an id is not a number), whose first digit is that of a card network (2 to 6: Mastercard, Visa,
//! American Express, Discover, JCB, UnionPay, Maestro) and which passes the Luhn check, is
//! taken for a card number. Millisecond timestamps (which start with 1) and ids that mix
//! letters and digits are not.

/// Where a card-number-like run is, as byte offsets into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
}

/// The fewest and most digits a card number has.
const DIGITS: std::ops::RangeInclusive<usize> = 13..=19;

/// Every card-number-like run in `text`.
pub fn find(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        // A run of digits with single separators between them.
        let start = i;
        let mut digits: Vec<u8> = Vec::new();
        let mut end = i;
        let mut j = i;
        while j < bytes.len() {
            let b = bytes[j];
            if b.is_ascii_digit() {
                digits.push(b - b'0');
                j += 1;
                end = j;
            } else if (b == b' ' || b == b'-') && j + 1 < bytes.len() && bytes[j + 1].is_ascii_digit() && end == j {
                j += 1;
            } else {
                break;
            }
        }
        // A number is a word of its own: a run inside a hash or an id is not one.
        let bounded = bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
        if let Some(len) = card_like(&digits).filter(|_| bounded) {
            // The run's end after `len` digits.
            let mut k = start;
            let mut n = 0;
            while n < len {
                if bytes[k].is_ascii_digit() {
                    n += 1;
                }
                k += 1;
            }
            found.push(Found { start, end: k });
        }
        i = end.max(i + 1);
    }
    found
}

/// Whether `text` holds a card-number-like run.
pub fn contains(text: &str) -> bool {
    !find(text).is_empty()
}

/// The run's digits with all but the last four masked, for a report that must not repeat
/// what it found.
pub fn masked(text: &str, found: Found) -> String {
    let digits: Vec<char> = text[found.start..found.end].chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().saturating_sub(4);
    digits.iter().enumerate().map(|(i, c)| if i < keep { '*' } else { *c }).collect()
}

/// `text` with every card-number-like run masked.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for found in find(text) {
        out.push_str(&text[at..found.start]);
        out.push_str(&masked(text, found));
        at = found.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A whole run is a card number if its length is one and it passes Luhn; a longer grouped
/// run is tried no further (a card number written inside a longer number is not one).
fn card_like(digits: &[u8]) -> Option<usize> {
    let len = digits.len();
    (DIGITS.contains(&len) && (2..=6).contains(&digits[0]) && luhn(digits)).then_some(len)
}

/// The Luhn (mod 10) check every card number passes.
pub fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = d as u32;
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn luhn_accepts_published_test_cards_and_refuses_a_changed_digit() {
        // The networks' published test numbers.
        for card in [
            "4242424242424242",
            "4111111111111111",
            "5555555555554444",
            "378282246310005",
            "6011111111111117",
            "2223003122003222",
            "3566002020360505",
            "6200000000000005",
        ] {
            assert!(luhn(&digits(card)), "{card}");
            assert!(contains(card), "{card}");
        }
        assert!(!luhn(&digits("4242424242424241")));
        assert!(!contains("4242424242424241"));
    }

    #[test]
    fn finds_card_numbers_written_as_people_write_them() {
        let text = "card 4242 4242 4242 4242, backup 5555-5555-5555-4444.";
        let found = find(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(&text[found[0].start..found[0].end], "4242 4242 4242 4242");
        assert_eq!(masked(text, found[0]), "************4242");
        assert_eq!(&text[found[1].start..found[1].end], "5555-5555-5555-4444");
        assert_eq!(redact(text), "card ************4242, backup ************4444.");
        assert!(contains("{\"note\":\"4111111111111111\"}"));
        assert!(contains("pm_4242424242424242"), "a number behind letters is still a card number");
    }

    #[test]
    fn leaves_timestamps_ids_and_longer_numbers_alone() {
        for text in [
            "1764700000000",                  // a millisecond timestamp
            "created_at 1764700000003 ms",    // another, that passes Luhn
            "ord_01M8VR3SAQSZZ28EBNNFCBQ8VA", // an id
            "PARCELCO901025255831",           // a tracking number
            "42424242424242424242424",        // longer than any card number
            "4242 4242  4242 4242",           // a double space is not a grouping
            "424242424242",                   // too short
            "0000000000000000",               // no network's first digit
        ] {
            assert!(!contains(text), "{text}");
        }
        assert!(luhn(&digits("1764700000003")));
    }
}
