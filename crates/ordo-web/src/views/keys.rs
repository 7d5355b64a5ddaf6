//! How an API key looks on the wire (its secret only once, when created).
//!
//! A view copies and formats; it decides nothing (no business rule here).

use ordo_app::kernel::time_fmt::format_ms;
use ordo_store::ApiKeyRecord;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub role: String,
    pub channel: Option<String>,
    pub name: Option<String>,
    /// The first characters of the secret.
    pub prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// Present only in the response that creates the key; it cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<&ApiKeyRecord> for KeyView {
    fn from(k: &ApiKeyRecord) -> Self {
        KeyView {
            id: k.id.clone(),
            role: k.role.clone(),
            channel: k.channel.clone(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: format_ms(k.created_at),
            revoked_at: k.revoked_at.map(format_ms),
            secret: None,
        }
    }
}
