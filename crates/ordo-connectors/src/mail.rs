//! Customer email over SMTP (lettre): one pooled connection per mail server, plain, STARTTLS
//! or TLS as the server URL says, with credentials from configuration. A message goes out as
//! `multipart/alternative` (plain text, then HTML), inside `multipart/mixed` when it has
//! attachments, with the `Message-ID` Ordo gives it, so that a message sent again after a
//! crash is recognisably the same one.
//!
//! Server URLs: `smtp://host:port` (plain, for a relay on the same machine or a test
//! listener), `smtp+starttls://user:password@host:587`, `smtps://user:password@host:465`.

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use ordo_app::ports::mail::{Mail, MailError, MailFuture, MailSender};

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Plain,
    StartTls,
    Tls,
}

/// Where mail goes, read from a server URL.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    // The password never goes into a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl SmtpSettings {
    /// Reads `smtp://`, `smtp+starttls://` or `smtps://` URLs; the error says what is wrong
    /// without repeating the URL (it may hold a password).
    pub fn from_url(raw: &str) -> Result<SmtpSettings, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("the SMTP URL cannot be read: {e}"))?;
        let (security, default_port) = match url.scheme() {
            "smtp" => (Security::Plain, 25),
            "smtp+starttls" => (Security::StartTls, 587),
            "smtps" => (Security::Tls, 465),
            other => return Err(format!("the SMTP URL's scheme must be smtp, smtp+starttls or smtps, not {other}")),
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or("the SMTP URL names no host")?.to_owned();
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let username = (!url.username().is_empty()).then(|| decode(url.username()));
        let password = url.password().map(decode);
        Ok(SmtpSettings { host, port: url.port().unwrap_or(default_port), security, username, password })
    }
}

/// The SMTP adapter.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(settings: &SmtpSettings) -> Result<SmtpMailer, String> {
        let host = settings.host.as_str();
        let builder = match settings.security {
            Security::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("STARTTLS to {host}: {e}"))?,
            Security::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| format!("TLS to {host}: {e}"))?
            }
        };
        // As many connections as Ordo sends messages at once.
        let pool = lettre::transport::smtp::PoolConfig::new().max_size(64);
        let mut builder = builder.port(settings.port).timeout(Some(Duration::from_secs(30))).pool_config(pool);
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpMailer { transport: builder.build() })
    }
}

fn refused(message: String) -> MailError {
    MailError { transient: false, message }
}

/// The message as it goes on the wire.
pub fn build_message(mail: &Mail) -> Result<Message, MailError> {
    // `Name <address>` is split here, so that a name with a comma or a dot in it is quoted
    // on the wire rather than refused by the parser.
    let mailbox = |field: &str, value: &str| {
        let bad = |e: String| refused(format!("the {field} address {value:?} is not valid: {e}"));
        match value.strip_suffix('>').and_then(|v| v.split_once(" <")) {
            Some((name, address)) => {
                let address = address.parse::<lettre::Address>().map_err(|e| bad(e.to_string()))?;
                Ok(Mailbox::new(Some(name.trim().to_owned()), address))
            }
            None => value.parse::<Mailbox>().map_err(|e| bad(e.to_string())),
        }
    };
    let mut b = Message::builder()
        .from(mailbox("from", &mail.from)?)
        .to(mailbox("to", &mail.to)?)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}>", mail.message_id)));
    if let Some(r) = &mail.reply_to {
        b = b.reply_to(mailbox("reply-to", r)?);
    }
    for (name, value) in &mail.headers {
        let name = HeaderName::new_from_ascii(name.clone()).map_err(|_| refused(format!("bad header name {name}")))?;
        b = b.raw_header(HeaderValue::new(name, value.clone()));
    }
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(header::ContentType::TEXT_PLAIN).body(mail.text.clone()))
        .singlepart(SinglePart::builder().header(header::ContentType::TEXT_HTML).body(mail.html.clone()));
    let body = if mail.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for a in &mail.attachments {
            let kind = header::ContentType::parse(&a.content_type)
                .map_err(|e| refused(format!("attachment {}: {e}", a.filename)))?;
            mixed = mixed.singlepart(Attachment::new(a.filename.clone()).body(a.bytes.clone(), kind));
        }
        mixed
    };
    b.multipart(body).map_err(|e| refused(format!("the message cannot be built: {e}")))
}

impl MailSender for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            let message = build_message(mail)?;
            match self.transport.send(message).await {
                Ok(answer) => {
                    let said: Vec<&str> = answer.message().collect();
                    Ok(format!("<{}> {}", mail.message_id, said.join(" ")).trim().to_owned())
                }
                Err(e) => Err(MailError { transient: !e.is_permanent(), message: format!("the mail server: {e}") }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_say_how_to_connect_and_keep_their_password_out_of_logs() {
        let s = SmtpSettings::from_url("smtp+starttls://orders%40acme.example:p%40ss@mail.acme.example").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.security), ("mail.acme.example", 587, Security::StartTls));
        assert_eq!((s.username.as_deref(), s.password.as_deref()), (Some("orders@acme.example"), Some("p@ss")));
        assert!(!format!("{s:?}").contains("p@ss"));
        assert_eq!(SmtpSettings::from_url("smtps://mail.example").unwrap().port, 465);
        assert_eq!(SmtpSettings::from_url("smtp://127.0.0.1:2525").unwrap().security, Security::Plain);
        let e = SmtpSettings::from_url("http://user:secret@mail.example").unwrap_err();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn a_message_has_both_parts_its_headers_and_its_id() {
        let mail = Mail {
            from: "Acme <orders@acme.example>".into(),
            reply_to: Some("help@acme.example".into()),
            to: "ada@example.com".into(),
            subject: "Your order 1042 is on its way".into(),
            text: "Hello Ada".into(),
            html: "<p>Hello Ada</p>".into(),
            message_id: "ntf_1@ordo".into(),
            headers: vec![("Content-Language".into(), "de".into())],
            attachments: vec![ordo_app::ports::mail::Attachment {
                filename: "label.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.4".to_vec(),
            }],
        };
        let wire = String::from_utf8(build_message(&mail).unwrap().formatted()).unwrap();
        for part in [
            "Message-ID: <ntf_1@ordo>",
            "Content-Language: de",
            "Reply-To: help@acme.example",
            "text/plain",
            "text/html",
            "multipart/alternative",
            "multipart/mixed",
            "label.pdf",
        ] {
            assert!(wire.contains(part), "{part} missing from\n{wire}");
        }
        let quoted = Mail { from: "Müller, Söhne & Co. <orders@acme.example>".into(), ..mail.clone() };
        let wire = String::from_utf8(build_message(&quoted).unwrap().formatted()).unwrap();
        let from = wire.lines().find(|l| l.starts_with("From: ")).unwrap();
        assert!(from.ends_with("<orders@acme.example>") && from.len() > "From: <orders@acme.example>".len(), "{from}");
        let bad = Mail { to: "not an address".into(), ..mail };
        assert!(!build_message(&bad).unwrap_err().transient, "a bad address is not tried again");
    }
}
