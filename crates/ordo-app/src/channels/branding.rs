//! A channel's own look and sender for customer messages and its tracking page: the store's
//! name, logo, colour and footer, and the from and reply-to addresses. What a channel leaves
//! out comes from the settings Ordo was started with (`--store-name`, `--mail-from`, ...), so
//! a merchant with two shops on one Ordo sends each shop's customers that shop's mail.

use ordo_domain::validate::Errors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A channel's branding as stored; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// `Name <address>` or a bare address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

impl Branding {
    pub fn is_empty(&self) -> bool {
        *self == Branding::default()
    }
}

// The patterns of `BrandingInput` say what these check (a test compares them on samples; a
// pattern's `\u0000` stands for every character a body refuses, as everywhere in the document):
// an address is one `@` and a domain of two or more dot-separated labels, none of `@ < > "`,
// spaces or control characters; a sender is an address, or a name (something besides
// spaces, none of `< > "` or control characters), a space and the address in angle brackets;
// a logo is `http://` or `https://` and more, none of `< > "`, spaces or control characters.

fn address_char(c: char) -> bool {
    !matches!(c, '@' | '<' | '>' | '"') && c > ' '
}

/// Whether `s` is an address as the pattern says.
fn is_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && local.chars().all(address_char)
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(address_char))
}

/// Whether `s` is a logo's address as the pattern says, at most 500 characters.
fn is_logo_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    s.chars().count() <= 500
        && rest.is_some_and(|r| !r.is_empty() && r.chars().all(|c| !matches!(c, '<' | '>' | '"') && c > ' '))
}

/// Whether `s` is a sender as the pattern says.
fn is_mailbox(s: &str) -> bool {
    if is_address(s) {
        return true;
    }
    let Some(inner) = s.strip_suffix('>') else { return false };
    let Some((name, address)) = inner.split_once('<') else { return false };
    let Some(name) = name.strip_suffix(' ') else { return false };
    name.chars().all(|c| !matches!(c, '<' | '>' | '"') && c >= ' ')
        && name.chars().any(|c| c > ' ')
        && is_address(address)
}

/// A channel's branding as given; what is left out comes from Ordo's own settings.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandingInput {
    /// The store's name, as messages and the tracking page show it.
    #[schema(example = "Acme Outdoor", max_length = 100, pattern = r"^[^\u0000]*$")]
    pub store_name: Option<String>,
    /// The logo's address (`https`, or `http`).
    #[schema(
        example = "https://acme.example/logo.png",
        max_length = 500,
        pattern = r#"^https?://[^<>"\u0000\t\n\r ]+$"#
    )]
    pub logo_url: Option<String>,
    /// The accent colour.
    #[schema(example = "#0a7f3f", pattern = r"^#[0-9a-fA-F]{6}$")]
    pub color: Option<String>,
    /// A line under every message (the store's address, a note).
    #[schema(max_length = 1000, pattern = r"^[^\u0000]*$")]
    pub footer: Option<String>,
    /// Who messages are from: `Name <address>` or a bare address.
    #[schema(
        example = "Acme Outdoor <orders@acme.example>",
        max_length = 320,
        pattern = r#"^([^@<>"\u0000\t\n\r ]+@[^@<>"\u0000\t\n\r .]+(\.[^@<>"\u0000\t\n\r .]+)+|[^<>"\u0000\t\n\r]*[^<>"\u0000\t\n\r ][^<>"\u0000\t\n\r]* <[^@<>"\u0000\t\n\r ]+@[^@<>"\u0000\t\n\r .]+(\.[^@<>"\u0000\t\n\r .]+)+>)$"#
    )]
    pub from: Option<String>,
    /// Where customers' answers go.
    #[schema(
        example = "help@acme.example",
        max_length = 254,
        pattern = r#"^[^@<>"\u0000\t\n\r ]+@[^@<>"\u0000\t\n\r .]+(\.[^@<>"\u0000\t\n\r .]+)+$"#
    )]
    pub reply_to: Option<String>,
}

/// Checks a channel's branding; blank parts count as left out.
pub(crate) fn check_branding(e: &mut Errors, b: &BrandingInput) -> Branding {
    let store_name = e.optional_text("branding/store_name", b.store_name.as_deref(), 100);
    let logo_url = b.logo_url.clone();
    if let Some(u) = &logo_url
        && !is_logo_url(u)
    {
        e.add("branding/logo_url", "must be an http or https address of at most 500 characters");
    }
    let color = b.color.clone();
    if let Some(c) = &color
        && !(c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        e.add("branding/color", "must be a colour as #rrggbb");
    }
    let footer = e.optional_text("branding/footer", b.footer.as_deref(), 1000);
    let from = b.from.clone();
    if let Some(f) = &from
        && (f.chars().count() > 320 || !is_mailbox(f))
    {
        e.add("branding/from", "must be an address, or a name and an address as \"Acme <orders@acme.example>\"");
    }
    let reply_to = b.reply_to.clone();
    if let Some(r) = &reply_to
        && (r.chars().count() > 254 || !is_address(r))
    {
        e.add("branding/reply_to", "must be an email address");
    }
    Branding { store_name, logo_url, color, footer, from, reply_to }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern the document gives a field of `BrandingInput`.
    fn pattern(field: &str) -> regex::Regex {
        let schema = serde_json::to_value(<BrandingInput as utoipa::PartialSchema>::schema()).unwrap();
        regex::Regex::new(schema["properties"][field]["pattern"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn senders_addresses_and_logos_are_checked_as_the_document_says() {
        let (address, sender, logo) = (pattern("reply_to"), pattern("from"), pattern("logo_url"));
        let samples = [
            "orders@acme.example",
            "Acme Outdoor <orders@acme.example>",
            "Müller & Söhne, Berlin <a@b.de>",
            " x <a@b.de>",
            "",
            "Acme",
            "<orders@acme.example>",
            " <a@b.de>",
            "Acme <orders@acme>",
            "A\"c <a@b.de>",
            "A <a@b.de",
            "a@b.de>",
            "a@b..de",
            "a@.b.de",
            "a b@c.de",
            "a@b@c.de",
            "A\t<a@b.de>",
            "A  <a@b.de>",
            "https://acme.example/logo.png",
            "http://x",
            "https://",
            " https://acme.example/logo.png",
            "ftp://acme.example/logo.png",
            "https://acme.example/a b.png",
        ];
        for s in samples {
            assert_eq!(is_address(s), address.is_match(s), "address {s:?}");
            assert_eq!(is_mailbox(s), sender.is_match(s), "sender {s:?}");
            assert_eq!(is_logo_url(s), logo.is_match(s), "logo {s:?}");
        }
        assert!(is_mailbox("Acme Outdoor <orders@acme.example>") && !is_mailbox("Acme"));
        assert!(is_logo_url("https://acme.example/logo.png") && !is_logo_url("javascript:alert(1)"));
    }
}
