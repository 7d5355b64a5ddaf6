//! Sending one text message: the adapter hands the body to the SMS provider for the number
//! given (E.164); the answer is the provider's message id or why it was not taken (transient
//! or not), as for email.

use std::future::Future;
use std::pin::Pin;

use crate::ports::mail::MailError;

/// What a send comes to: the provider's message id, or why not.
pub type SmsFuture<'a> = Pin<Box<dyn Future<Output = Result<String, MailError>> + Send + 'a>>;

pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> SmsFuture<'a>;
}
