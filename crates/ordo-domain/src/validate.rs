//! Field-level validation that reports every bad field at once.
//!
//! Field paths are slash-separated JSON-pointer-like paths without the leading slash
//! (`lines/2/quantity`), as the API promises.

use serde::Serialize;

use crate::status::Named;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// What is wrong with the field; not sent (the status says it).
    #[serde(skip)]
    pub kind: FieldKind,
}

/// Why a field is refused: its value is not valid on its face, it names something that does
/// not exist (404), or it is valid but conflicts with what exists (409).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldKind {
    #[default]
    Invalid,
    Missing,
    Conflicting,
}

/// The most units one line may carry, and so the most that one line of a refund, return,
/// claim or edit may name.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// Collects field errors; an empty collection means the input is valid.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Errors(Vec::new())
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into(), kind: FieldKind::Invalid });
    }

    /// The field names something that does not exist (an unknown SKU, location or line).
    pub fn missing(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into(), kind: FieldKind::Missing });
    }

    /// The field is valid but conflicts with what exists (an inactive product, say).
    pub fn conflicting(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into(), kind: FieldKind::Conflicting });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was reported, otherwise every error.
    pub fn finish<T>(self, value: T) -> Result<T, Errors> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    /// Checks a required text of at most `max` characters (counted as sent) that is not blank;
    /// the value kept is trimmed.
    pub fn text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        match value {
            None => {
                self.add(field, "is required");
                None
            }
            Some(v) if v.chars().count() > max => {
                self.add(field, format!("must be at most {max} characters"));
                None
            }
            Some(v) if v.chars().all(is_blank) => {
                self.add(field, "must not be empty");
                None
            }
            Some(v) => Some(v.trim_matches(is_blank).to_owned()),
        }
    }

    /// Checks an optional text; blank strings count as absent.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        match value {
            Some(v) if v.chars().count() > max => self.text(field, Some(v), max),
            Some(v) if v.chars().all(is_blank) => None,
            v => v.and_then(|v| self.text(field, Some(v), max)),
        }
    }

    /// Checks a required whole number of units from `min` (0 or 1) to [`MAX_QUANTITY`].
    pub fn quantity(&mut self, field: &str, value: Option<i64>, min: i64) -> Option<i64> {
        match value {
            None => {
                self.add(field, "is required");
                None
            }
            Some(q) if !(min..=MAX_QUANTITY).contains(&q) => {
                self.add(field, format!("must be between {min} and {MAX_QUANTITY}"));
                None
            }
            Some(q) => Some(q),
        }
    }

    /// Checks a required value from a closed set (a status, a kind, a reason).
    pub fn choice<N: Named>(&mut self, field: &str, value: Option<&str>) -> Option<N> {
        match value {
            None => {
                self.add(field, "is required");
                None
            }
            Some(v) => self.optional_choice(field, Some(v)),
        }
    }

    /// Checks an optional value from a closed set.
    pub fn optional_choice<N: Named>(&mut self, field: &str, value: Option<&str>) -> Option<N> {
        let v = value?;
        let found = N::parse_named(v);
        if found.is_none() {
            self.add(field, format!("must be {}", N::choices_named()));
        }
        found
    }

    /// Checks an identifier-like code: letters, digits, `-`, `_`, `.`, at most `max` long.
    pub fn code(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let v = self.text(field, value, max)?;
        if value.is_some_and(|raw| raw == v)
            && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            Some(v)
        } else {
            self.add(field, "may contain only letters, digits, '-', '_' and '.'");
            None
        }
    }
}

/// Whitespace as the document's `\\S` pattern reads it: Unicode white space and the four
/// ASCII separators (U+001C to U+001F).
pub fn is_blank(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A character no text Ordo takes may hold: a control character other than tab, line feed
/// and carriage return (C0, DEL, C1), or a bidirectional embedding, override or isolate
/// (U+202A–U+202E, U+2066–U+2069), which can make text read differently from what it is.
/// The marks U+200E, U+200F and U+061C stay allowed: right-to-left names need them.
pub fn is_refused_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The refused characters as the inside of a regular-expression character class, for the
/// patterns of the API's document.
pub const REFUSED_CLASS: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069";

/// A minimal, deliberately permissive email check: one `@`, something on both sides, a dot
/// in the domain, no spaces. Deliverability is not this function's business.
pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(is_blank)
        && s.chars().count() <= 254
}

/// A two-letter ISO 3166-1 alpha-2 shape check (upper case letters).
pub fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_reported() {
        let mut e = Errors::new();
        assert_eq!(e.text("name", None, 10), None);
        assert_eq!(e.text("sku", Some("  "), 10), None);
        assert_eq!(e.text("note", Some("abcdefghijk"), 10), None);
        assert_eq!(e.code("code", Some("a b"), 10), None);
        assert_eq!(e.text("ok", Some(" fine "), 10), Some("fine".into()));
        // Length counts what was sent, blanks and all; a code has none around it.
        assert_eq!(e.text("long", Some("    fine  "), 6), None);
        assert_eq!(e.code("padded", Some(" a"), 10), None);
        assert_eq!(e.optional_text("blank", Some("\u{1f} "), 10), None);
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "sku", "note", "code", "long", "padded"]);
    }

    #[test]
    fn quantities_are_whole_and_bounded() {
        let mut e = Errors::new();
        assert_eq!(e.quantity("a", Some(1), 1), Some(1));
        assert_eq!(e.quantity("b", Some(0), 0), Some(0));
        assert_eq!(e.quantity("c", Some(MAX_QUANTITY), 1), Some(MAX_QUANTITY));
        assert_eq!(e.quantity("d", Some(0), 1), None);
        assert_eq!(e.quantity("e", Some(MAX_QUANTITY + 1), 0), None);
        assert_eq!(e.quantity("f", None, 1), None);
        let messages: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.message.as_str())).collect();
        assert_eq!(
            messages,
            [("d", "must be between 1 and 1000000"), ("e", "must be between 0 and 1000000"), ("f", "is required")]
        );
    }

    #[test]
    fn email_plausibility() {
        for ok in ["a@b.co", "first.last+tag@example.com"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.co", "a@.co", "a@b.", "a b@c.de", "a@b@c.de"] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }
}
