//! Twilio's Messages API on the wire, as documented (API version 2010-04-01): a message is
//! created by a form-encoded `POST` of `To`, `From` (or `MessagingServiceSid`) and `Body` to
//! `/2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth (the account SID and
//! auth token); the answer is the Message resource as JSON (201), or an error object with
//! Twilio's numeric `code`, a `message`, the HTTP `status` and a `more_info` link.

use serde::Deserialize;

/// The parts of a Message resource Ordo reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// `SM...`: the message's id.
    pub sid: String,
    /// `queued`, `accepted`, `sending`, `sent`, `failed`, ...
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub error_code: Option<i64>,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// Twilio's error object.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub more_info: Option<String>,
}

/// The form that creates one message: from a number (`From`), or from a messaging service
/// (`MessagingServiceSid`, whose ids start with `MG`).
pub fn create(to: &str, from: &str, body: &str) -> String {
    let sender = if from.starts_with("MG") { "MessagingServiceSid" } else { "From" };
    crate::outbound::form(&[("To", to.to_owned()), (sender, from.to_owned()), ("Body", body.to_owned())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_answers_read() {
        let created = r#"{"account_sid":"ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","api_version":"2010-04-01","body":"Hi","date_created":"Thu, 24 Aug 2023 05:01:45 +0000","direction":"outbound-api","error_code":null,"error_message":null,"from":"+14155552345","num_segments":"1","price":null,"sid":"SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","status":"queued","to":"+14155552345","uri":"/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages/SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX.json"}"#;
        let m: Message = serde_json::from_str(created).unwrap();
        assert_eq!((m.sid.as_str(), m.status.as_str()), ("SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "queued"));
        let refused = r#"{"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        let e: ApiError = serde_json::from_str(refused).unwrap();
        assert_eq!(e.code, Some(21211));
        assert_eq!(
            create("+4915112345678", "+14155552345", "Ihre Bestellung & mehr"),
            "To=%2B4915112345678&From=%2B14155552345&Body=Ihre%20Bestellung%20%26%20mehr"
        );
        assert_eq!(create("+4915112345678", "MG123", "Hi"), "To=%2B4915112345678&MessagingServiceSid=MG123&Body=Hi");
    }
}
