//! Handing one email to a mail server: the adapter builds the message (a plain-text and an
//! HTML part, attachments, the headers given) and submits it; the answer is the id the
//! server gave it or why it was not taken. Failing is an answer, not an error: the
//! notification queue decides what follows.

use std::future::Future;
use std::pin::Pin;

/// A file sent with a message (a return label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One message, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// `Name <address>` or a bare address.
    pub from: String,
    pub reply_to: Option<String>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The `Message-ID` (without angle brackets): the same for every attempt at one message,
    /// so that a message sent twice after a crash can be recognised as one.
    pub message_id: String,
    /// Further headers: `List-Unsubscribe`, `List-Unsubscribe-Post`, `Content-Language`.
    pub headers: Vec<(String, String)>,
    pub attachments: Vec<Attachment>,
}

/// Why a message was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailError {
    /// Whether trying again later may help (the server was unreachable or answered 4xx);
    /// a permanent refusal (5xx, a malformed address) is not retried.
    pub transient: bool,
    pub message: String,
}

/// What a send comes to: the server's answer (with the message id) or why it was not taken.
pub type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<String, MailError>> + Send + 'a>>;

pub trait MailSender: Send + Sync {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a>;
}
