//! Customer email and public page templates: Jinja (minijinja), read at run time. Ordo's own
//! are built in (`crates/ordo-app/templates/mail/<language>/`, `templates/pages/`); a
//! merchant's folder (`--mail-templates`) holding files of the same names (`en/shipped.txt`,
//! `pages/de/track.html`) replaces them one by one, without a rebuild.
//!
//! Each message is `<language>/<kind>.txt`: a `subject` block and a `body` block, extending
//! `<language>/layout.txt` (greeting and footer). Its HTML part is `<language>/<kind>.html`
//! where the folder has one, and otherwise `<language>/layout.html` around the text body
//! (escaped, paragraph by paragraph and line by line, links made clickable), in the channel's colours.

use std::path::PathBuf;

use minijinja::{Environment, Value};

use crate::notify::messages::{LANGUAGES, MessageKind};

/// The built-in templates, by name: the same files in every language.
macro_rules! builtin {
    ($($file:literal),*) => {
        const BUILTIN: &[&[(&str, &str)]] = &[
            &[$((concat!("en/", $file), include_str!(concat!("../../templates/mail/en/", $file)))),*],
            &[$((concat!("de/", $file), include_str!(concat!("../../templates/mail/de/", $file)))),*],
        ];
    };
}

/// The pages customers open without a key: one layout, each page in every language.
const PAGES: &[(&str, &str)] = &[
    ("pages/layout.html", include_str!("../../templates/pages/layout.html")),
    ("pages/en/track.html", include_str!("../../templates/pages/en/track.html")),
    ("pages/en/unsubscribe.html", include_str!("../../templates/pages/en/unsubscribe.html")),
    ("pages/de/track.html", include_str!("../../templates/pages/de/track.html")),
    ("pages/de/unsubscribe.html", include_str!("../../templates/pages/de/unsubscribe.html")),
];

builtin!(
    "layout.txt",
    "layout.html",
    "order_confirmation.txt",
    "order_changed.txt",
    "payment_required.txt",
    "shipped.txt",
    "out_for_delivery.txt",
    "delivered.txt",
    "ready_for_pickup.txt",
    "picked_up.txt",
    "cancelled.txt",
    "return_approved.txt",
    "return_label.txt",
    "return_received.txt",
    "refund_issued.txt",
    "webhook_disabled.txt",
    "low_stock.txt"
);

/// One message, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The templates in use: a merchant's folder first, then Ordo's own.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new(None)
    }
}

/// Escapes text for HTML and makes its `http(s)://` words links.
fn linkify(text: &str) -> Value {
    let mut out = String::with_capacity(text.len() + 32);
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let escaped = escape(word);
        if word.starts_with("https://") || word.starts_with("http://") {
            out.push_str(&format!("<a href=\"{escaped}\">{escaped}</a>"));
        } else {
            out.push_str(&escaped);
        }
    }
    Value::from_safe_string(out)
}

/// minijinja's own escape writes `/` as `&#x2f;`; a link's text and `href` stay readable in
/// a message's source with `/` left as it is (it needs no escaping in HTML).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A colour the layout may put in a style attribute: `#` and 3 or 6 hex digits, or the
/// default.
fn colour(value: &str) -> String {
    let hex = value.strip_prefix('#').unwrap_or("");
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        value.to_owned()
    } else {
        "#1f2937".to_owned()
    }
}

impl Templates {
    /// Ordo's templates, with those in `folder` (if given) in their place.
    pub fn new(folder: Option<PathBuf>) -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_keep_trailing_newline(true);
        env.add_filter("linkify", |s: String| linkify(&s));
        env.add_filter("colour", |s: String| colour(&s));
        env.set_loader(move |name| {
            if name.contains("..") || name.starts_with('/') {
                return Ok(None);
            }
            if let Some(dir) = &folder {
                match std::fs::read_to_string(dir.join(name)) {
                    Ok(text) => return Ok(Some(text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read the template {name}: {e}"),
                        ));
                    }
                }
            }
            Ok(BUILTIN
                .iter()
                .flat_map(|l| l.iter())
                .chain(PAGES)
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned()))
        });
        Templates { env }
    }

    /// Checks that every message renders in every built-in language (a folder's mistakes
    /// show when the server starts, not when a customer is due a message).
    pub fn check(&self, sample: &serde_json::Value) -> Result<(), String> {
        for lang in LANGUAGES {
            for kind in MessageKind::ALL {
                self.render(kind, lang, sample).map_err(|e| format!("{lang}/{}: {e}", kind.as_str()))?;
            }
        }
        for lang in LANGUAGES {
            for name in ["track", "unsubscribe"] {
                self.page(name, lang, &serde_json::json!({"page": {}}))
                    .map_err(|e| format!("pages/{lang}/{name}: {e}"))?;
            }
        }
        Ok(())
    }

    /// Renders a public page (`pages/<language>/<name>.html`, English when the language has
    /// none); the layout reads the language as `lang`.
    pub fn page(&self, name: &str, language: &str, ctx: &serde_json::Value) -> Result<String, String> {
        let lang =
            if self.env.get_template(&format!("pages/{language}/{name}.html")).is_ok() { language } else { "en" };
        let tmpl = self.env.get_template(&format!("pages/{lang}/{name}.html")).map_err(|e| e.to_string())?;
        let ctx = Value::from_serialize(ctx);
        tmpl.render(minijinja::context! { lang => lang, ..ctx }).map_err(|e| e.to_string())
    }

    /// Renders one message; `language` falls back to English when it has no templates.
    pub fn render(&self, kind: MessageKind, language: &str, ctx: &serde_json::Value) -> Result<Rendered, String> {
        let lang =
            if self.env.get_template(&format!("{language}/{}.txt", kind.as_str())).is_ok() { language } else { "en" };
        let name = format!("{lang}/{}.txt", kind.as_str());
        let tmpl = self.env.get_template(&name).map_err(|e| e.to_string())?;
        let ctx = Value::from_serialize(ctx);
        let text = tmpl.render(&ctx).map_err(|e| e.to_string())?;
        // The blocks alone, for the subject and the HTML part's paragraphs.
        #[allow(deprecated)]
        let mut state = tmpl.eval_to_state(&ctx).map_err(|e| e.to_string())?;
        let subject = state.render_block("subject").map_err(|e| e.to_string())?;
        let body = state.render_block("body").map_err(|e| e.to_string())?;
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        let html = match self.env.get_template(&format!("{lang}/{}.html", kind.as_str())) {
            Ok(own) => own.render(&ctx).map_err(|e| e.to_string())?,
            Err(_) => {
                let paragraphs: Vec<Vec<&str>> = body
                    .split("\n\n")
                    .map(|p| p.trim().lines().collect::<Vec<_>>())
                    .filter(|p| !p.is_empty())
                    .collect();
                let layout = self.env.get_template(&format!("{lang}/layout.html")).map_err(|e| e.to_string())?;
                let extra = minijinja::context! { subject => subject.clone(), paragraphs => paragraphs };
                layout.render(minijinja::context! { ..ctx.clone(), ..extra }).map_err(|e| e.to_string())?
            }
        };
        Ok(Rendered { subject, text: text.trim().to_owned() + "\n", html })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "store": {"name": "Acme <Shop>", "color": "#0a7", "footer": "Acme Ltd, 1 Dock St"},
            "customer": {"first_name": "Ada"},
            "order": {"number": 1042, "total": "45.00", "currency": "EUR", "lines": [{"name": "Mug", "sku": "MUG", "quantity": 2}]},
            "fulfillment": {"carrier": "UPS", "tracking_number": "1Z999", "tracking_link": "https://www.ups.com/track?tracknum=1Z999"},
            "refund": {"amount": "12.50", "currency": "EUR"},
            "unsubscribe_url": "https://shop.example.com/u/abc",
        })
    }

    #[test]
    fn every_message_renders_in_every_language_with_both_parts() {
        let t = Templates::default();
        t.check(&sample()).unwrap();
        let en = t.render(MessageKind::Shipped, "en", &sample()).unwrap();
        let de = t.render(MessageKind::Shipped, "de", &sample()).unwrap();
        assert!(en.subject.contains("1042") && de.subject.contains("1042"), "{en:?} {de:?}");
        assert_ne!(en.subject, de.subject, "each language its own words");
        assert!(en.text.contains("https://www.ups.com/track?tracknum=1Z999"), "{}", en.text);
        assert!(en.html.contains("<a href=\"https://www.ups.com/track?tracknum=1Z999\">"), "{}", en.html);
        assert!(en.html.contains("Acme &lt;Shop&gt;"), "the store's name is escaped: {}", en.html);
        assert!(!en.html.contains("<Shop>"));
        let fr = t.render(MessageKind::Shipped, "fr", &sample()).unwrap();
        assert_eq!(fr, en, "a language without templates falls back to English");
    }

    #[test]
    fn a_merchant_folder_replaces_a_template_and_keeps_the_rest() {
        let dir = std::env::temp_dir().join(format!("ordo-mail-{}", crate::random_u128()));
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::write(
            dir.join("en/shipped.txt"),
            "{% extends \"en/layout.txt\" %}{% block subject %}On its way, {{ customer.first_name }}{% endblock %}{% block body %}Parcel {{ fulfillment.tracking_number }}.{% endblock %}",
        )
        .unwrap();
        std::fs::write(dir.join("en/shipped.html"), "<p>{{ fulfillment.tracking_number }}</p>").unwrap();
        let t = Templates::new(Some(dir.clone()));
        let got = t.render(MessageKind::Shipped, "en", &sample()).unwrap();
        assert_eq!(got.subject, "On its way, Ada");
        assert!(got.text.starts_with("Hello Ada,") && got.text.contains("Parcel 1Z999."), "{}", got.text);
        assert_eq!(got.html, "<p>1Z999</p>");
        let other = t.render(MessageKind::Delivered, "en", &sample()).unwrap();
        assert_eq!(other, Templates::default().render(MessageKind::Delivered, "en", &sample()).unwrap());
        assert_eq!(colour("red;background:url(x)"), "#1f2937", "no style injection through a colour");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
