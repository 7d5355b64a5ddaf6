//! Request extractors whose every failure is a problem document: JSON bodies, query
//! strings, `If-Match`, the caller and its idempotency key.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use ordo_app::Actor;
use serde::de::DeserializeOwned;

use ordo_domain::validate::is_refused_char;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Converts serde_path_to_error's path (`lines[2].quantity`) into ours (`lines/2/quantity`).
fn slash_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut parts = Vec::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => parts.push(index.to_string()),
            Segment::Map { key } => parts.push(key.clone()),
            Segment::Enum { variant } => parts.push(variant.clone()),
            Segment::Unknown => {}
        }
    }
    parts.join("/")
}

/// Parses JSON text into `T`, naming the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(why) = crate::strict_json::check_syntax(bytes) {
        return Err(ApiError::from(Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {why}"),
        )));
    }
    // No text Ordo takes may hold a control character (PostgreSQL cannot store NUL; the rest
    // break logs, CSV files and terminals) or a bidirectional override: refused, never
    // stripped, wherever it is in the body.
    if may_hold_refused(bytes)
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some((field, c)) = first_refused(&value, &mut Vec::new())
    {
        return Err(ApiError::from(Problem::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            if field.is_empty() { "body" } else { &field },
            format!(
                "must not contain control characters (other than tab, line feed and carriage return) or \
                 bidirectional overrides and isolates; found U+{:04X}",
                c as u32
            ),
        )));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(crate::strict_json::Objects(de)) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = slash_path(err.path());
            let inner = err.into_inner();
            let message = inner.to_string();
            match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    Err(ApiError::from(Problem::new(
                        StatusCode::BAD_REQUEST,
                        "malformed_json",
                        format!("the body is not valid JSON: {message}"),
                    )))
                }
                serde_json::error::Category::Io => Err(ApiError::from(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    "the body could not be read",
                ))),
                serde_json::error::Category::Data => {
                    if let Some(name) = message.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
                        let field = if path.is_empty() {
                            name.to_owned()
                        } else if path.ends_with(name) {
                            path.clone()
                        } else {
                            format!("{path}/{name}")
                        };
                        return Err(ApiError::from(Problem::field(
                            StatusCode::BAD_REQUEST,
                            "unknown_field",
                            &field,
                            format!("unknown field {name:?}"),
                        )));
                    }
                    // The position serde_json appends comes last; a value the client sent may
                    // hold the same words earlier.
                    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
                    let (field, message) = match message.strip_prefix("missing field `") {
                        Some(rest) => {
                            let name = rest.split('`').next().unwrap_or_default();
                            (
                                if path.is_empty() { name.to_owned() } else { format!("{path}/{name}") },
                                "is required".into(),
                            )
                        }
                        None => (if path.is_empty() { "body".to_owned() } else { path }, api_words(message)),
                    };
                    Err(ApiError::from(Problem::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "validation_failed",
                        &field,
                        message,
                    )))
                }
            }
        }
    }
}

/// A deserializer's complaint in the API's words: what the field must be and what it got,
/// never the name of a Rust type (`expected i64`, `expected struct NewOrder`).
fn api_words(message: &str) -> String {
    fn expected(what: &str) -> String {
        let what = what.trim();
        let integer = ["i8", "i16", "i32", "i64", "i128", "isize"];
        let whole = ["u8", "u16", "u32", "u64", "u128", "usize"];
        if integer.contains(&what) {
            "an integer".into()
        } else if whole.contains(&what) {
            "a whole number, zero or more".into()
        } else if what == "f32" || what == "f64" {
            "a number".into()
        } else if what == "a sequence" {
            "an array".into()
        } else if what == "a map" || what.starts_with("struct ") {
            "an object".into()
        } else if what == "a boolean" {
            "true or false".into()
        } else if what.starts_with("a ") || what.starts_with("an ") || what.starts_with("one of") {
            what.replace('`', "")
        } else {
            "a valid value".into()
        }
    }
    // Only serde's own word for what it found is translated; a value the client sent is kept
    // as sent.
    fn got(what: &str) -> String {
        let what = what.trim();
        let kinds = [
            ("floating point", "number"),
            ("integer", "integer"),
            ("boolean", "boolean"),
            ("map", "an object"),
            ("sequence", "an array"),
            ("unit value", "null"),
        ];
        for (serde, ours) in kinds {
            if let Some(value) = what.strip_prefix(serde) {
                let value = value.trim();
                let value = value.strip_prefix('`').and_then(|v| v.strip_suffix('`')).unwrap_or(value);
                return if value.is_empty() { ours.to_owned() } else { format!("{ours} {value}") };
            }
        }
        what.to_owned()
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((what, exp)) = rest.rsplit_once(", expected ")
        {
            return format!("must be {} (got {})", expected(exp), got(what));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((value, exp)) = rest.split_once("`, expected ")
    {
        return format!("must be {} (got {value:?})", exp.replace('`', ""));
    }
    if message.starts_with("invalid length") {
        return "has the wrong number of items".into();
    }
    message.to_owned()
}

/// Whether JSON text may hold a refused character ([`is_refused_char`]): raw (DEL, C1 and the
/// bidirectional controls may appear unescaped) or as a `\\u` escape. A yes is checked on the
/// parsed value; a no is certain.
fn may_hold_refused(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'u')
                    && let Some(hex) = bytes.get(i + 2..i + 6)
                    && let Some(code) = std::str::from_utf8(hex).ok().and_then(|h| u32::from_str_radix(h, 16).ok())
                    && char::from_u32(code).is_some_and(is_refused_char)
                {
                    return true;
                }
                i += 2;
            }
            0x7f => return true,
            0xc2 if bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => return true,
            0xe2 if matches!(bytes.get(i + 1..i + 3), Some([0x80, 0xaa..=0xae] | [0x81, 0xa6..=0xa9])) => return true,
            _ => i += 1,
        }
    }
    false
}

/// The path of the first text (a value or a key) holding a refused character, and the character.
fn first_refused(value: &serde_json::Value, path: &mut Vec<String>) -> Option<(String, char)> {
    use serde_json::Value;
    let found = |text: &str| text.chars().find(|c| is_refused_char(*c));
    match value {
        Value::String(text) => found(text).map(|c| (path.join("/"), c)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(i.to_string());
            let hit = first_refused(item, path);
            path.pop();
            hit
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            path.push(key.clone());
            let hit = found(key).map(|c| (path.join("/"), c)).or_else(|| first_refused(item, path));
            path.pop();
            hit
        }),
        _ => None,
    }
}

/// Refuses a path or query that would decode to a NUL character.
fn refuse_nul(text: &str, what: &str) -> Result<(), ApiError> {
    if text.contains("%00") {
        return Err(ApiError::from(Problem::new(
            StatusCode::BAD_REQUEST,
            if what == "path" { "invalid_path" } else { "invalid_query" },
            format!("the {what} must not contain NUL characters"),
        )));
    }
    Ok(())
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.and_then(|c| c.split(';').next()).map(str::trim).is_some_and(|mime| {
        let mime = mime.to_ascii_lowercase();
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
    })
}

/// The body's bytes, at most the configured limit (or a 413 problem document), received
/// within the body timeout (or a 408).
async fn read_bytes(req: Request, state: &AppState) -> Result<axum::body::Bytes, ApiError> {
    let read = axum::body::to_bytes(req.into_body(), state.config.body_limit);
    match tokio::time::timeout(state.config.body_timeout, read).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::from(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than the limit of {} bytes", state.config.body_limit),
        ))),
        Err(_) => Err(ApiError::from(Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!("the body did not arrive within {} seconds", state.config.body_timeout.as_secs()),
        ))),
    }
}

async fn read_body(req: Request, state: &AppState, optional: bool) -> Result<Option<axum::body::Bytes>, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = read_bytes(req, state).await?;
    if optional && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json(content_type.as_deref()) {
        return Err(ApiError::from(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        )));
    }
    Ok(Some(bytes))
}

/// A body taken as it is (a CSV, a webhook whose signature covers its exact bytes), within the
/// same size limit as JSON bodies.
pub struct RawBody(pub axum::body::Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(RawBody(read_bytes(req, state).await?))
    }
}

/// A required JSON body.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = read_body(req, state, false).await?.unwrap_or_default();
        Ok(JsonBody(parse_json(&bytes)?))
    }
}

/// A JSON object that may be left out; an empty body means `T::default()`.
pub struct OptionalJsonBody<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match read_body(req, state, true).await? {
            None => Ok(OptionalJsonBody(T::default())),
            Some(bytes) => Ok(OptionalJsonBody(parse_json(&bytes)?)),
        }
    }
}

/// A query string, refused with 400 when it does not fit `T`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        refuse_nul(query, "query")?;
        serde_urlencoded_de(query).map(Query).map_err(|message| {
            // axum names the parameter first (`limit: ...`): it becomes the problem's field.
            let named = message.split_once(": ").filter(|(p, _)| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
            });
            ApiError::from(match named {
                Some((param, why)) => Problem::field(StatusCode::BAD_REQUEST, "invalid_query", param, api_words(why)),
                None => Problem::new(StatusCode::BAD_REQUEST, "invalid_query", message),
            })
        })
    }
}

fn serde_urlencoded_de<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{query}").parse().map_err(|_| "the query string is malformed".to_owned())?,
    )
    .map(|q| q.0)
    .map_err(|e| {
        let text = e.body_text();
        text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text).to_owned()
    })
}

/// The `If-Match` version, if sent: `"3"`, `W/"3"` or `3` (up to 18 digits); `*` matches any.
/// [`IF_MATCH_PATTERN`] says the same to the document.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        let text = value.to_str().unwrap_or("");
        if text == "*" {
            return Ok(IfMatch(None));
        }
        let quoted = text.strip_prefix("W/").unwrap_or(text);
        let bare = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(text);
        match bare.len() {
            1..=18 if bare.bytes().all(|b| b.is_ascii_digit()) => Ok(IfMatch(bare.parse().ok())),
            _ => Err(ApiError::from(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_header",
                "If-Match must carry the resource's version, e.g. \"3\"",
            ))),
        }
    }
}

pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})$"#;

/// The authenticated caller, put in place by the authentication layer.
pub struct Caller(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Actor>().cloned().map(Caller).ok_or_else(|| {
            ApiError::from(Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "send an API key as a Bearer token"))
        })
    }
}

/// Path parameters, refused with a problem document when they cannot be decoded.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        refuse_nul(parts.uri.path(), "path")?;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(ApiError::from(Problem::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{api_words, first_refused, may_hold_refused};

    #[test]
    fn complaints_speak_the_api_s_language() {
        for (serde, ours) in [
            ("invalid type: string \"x\", expected i64", "must be an integer (got string \"x\")"),
            ("invalid type: sequence, expected struct NewOrder", "must be an object (got an array)"),
            ("invalid type: map, expected a string", "must be a string (got an object)"),
            ("invalid type: null, expected a sequence", "must be an array (got null)"),
            ("invalid value: integer `-1`, expected usize", "must be a whole number, zero or more (got integer -1)"),
            ("invalid type: floating point `1.5`, expected i64", "must be an integer (got number 1.5)"),
            ("invalid type: boolean `true`, expected an object", "must be an object (got boolean true)"),
            ("unknown variant `x`, expected `a` or `b`", "must be a or b (got \"x\")"),
            // The client's own text is never rewritten.
            (
                "invalid type: string \"roadmap sequence\", expected i64",
                "must be an integer (got string \"roadmap sequence\")",
            ),
        ] {
            assert_eq!(api_words(serde), ours, "{serde}");
        }
    }

    #[test]
    fn refused_characters_are_found_raw_or_escaped_and_escaped_backslashes_are_not() {
        for body in [
            r#"{"a": "x\u0000y"}"#,
            r#"{"a": "\\\u0000"}"#,
            r#"{"a": "\u0001"}"#,
            r#"{"a": "\u202E"}"#,
            r#"{"a": "\u202e"}"#,
            "{\"a\": \"\u{7f}\"}",
            "{\"a\": \"\u{85}\"}",
            "{\"a\": \"\u{2066}\"}",
        ] {
            assert!(may_hold_refused(body.as_bytes()), "{body}");
        }
        for body in [
            r#"{"a": "x\\u0000y"}"#,
            r#"{"a": "tab\tnew\nline\r"}"#,
            r#"{"a": "\u200f\u00e9"}"#,
            "{\"a\": \"\u{200f}é€\"}",
            r#"\"#,
        ] {
            assert!(!may_hold_refused(body.as_bytes()), "{body}");
        }
        let value = serde_json::json!({"lines": [{"note": "ok"}, {"note": "a\u{202e}b"}]});
        assert_eq!(first_refused(&value, &mut Vec::new()), Some(("lines/1/note".into(), '\u{202e}')));
        let key = serde_json::json!({"rates": {"U\u{1}SD": "1"}});
        assert_eq!(first_refused(&key, &mut Vec::new()), Some(("rates/U\u{1}SD".into(), '\u{1}')));
    }
}
