//! API keys: created with a role (and a channel for channel keys), shown once, stored hashed.

use ordo_domain::id::KeyId;
use ordo_domain::validate::Errors;
use ordo_store::ApiKeyRecord;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::{Action, Actor, App, AppError, AppResult, Role, random_u128};

/// A new API key.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// `admin`, `operator`, `viewer` or `channel`.
    #[schema(required = true, value_type = Option<crate::kernel::schema::Role>)]
    pub role: Option<String>,
    /// Required for (and only for) `channel` keys.
    #[schema(max_length = 64, pattern = r"^[^\u0000]*$")]
    pub channel: Option<String>,
    #[schema(max_length = 100, pattern = r"^[^\u0000]*$")]
    pub name: Option<String>,
}

pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new key's record and its secret, which exists only in this value.
pub struct CreatedKey {
    pub record: ApiKeyRecord,
    pub secret: String,
}

impl App {
    /// Creates a key. With an idempotency key, a retry gets the same key back but not its
    /// secret, which is shown once and never stored: a client that lost the first answer
    /// revokes that key and creates another.
    pub async fn create_key(
        &self,
        actor: &Actor,
        input: NewKey,
        idem: Option<IdemCtx<ApiKeyRecord>>,
    ) -> AppResult<Outcome<CreatedKey>> {
        if !actor.can(Action::ManageKeys) {
            return Err(AppError::Forbidden("only admin keys may manage keys".into()));
        }
        let mut e = Errors::new();
        let role = match input.role.as_deref() {
            None => {
                e.add("role", "is required");
                None
            }
            Some(r) => Role::parse(r).or_else(|| {
                e.add("role", "must be one of admin, operator, warehouse, viewer, channel, metrics");
                None
            }),
        };
        let channel = e.optional_text("channel", input.channel.as_deref(), 64);
        let channel = channel.and_then(|c| {
            if c.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
                Some(c)
            } else {
                e.add("channel", "may contain only letters, digits, '-', '_' and '.'");
                None
            }
        });
        match (role, &channel) {
            (Some(Role::Channel), None) if e.is_empty() => e.add("channel", "is required for channel keys"),
            (Some(r), Some(_)) if r != Role::Channel => e.add("channel", "only channel keys have a channel"),
            _ => {}
        }
        let name = e.optional_text("name", input.name.as_deref(), 100);
        let role = e.finish(role)?.expect("role was checked");

        let now = self.now();
        let secret = format!("ordo_{:032x}{:016x}", random_u128(), random_u128() as u64);
        let record = ApiKeyRecord {
            id: KeyId::generate(now as u64, random_u128()).to_string(),
            hash: hash_secret(&secret),
            prefix: secret[..13].to_owned(),
            role: role.as_str().to_owned(),
            channel,
            name,
            created_at: now,
            revoked_at: None,
        };
        let stored = record.clone();
        let outcome = self
            .write_idem(idem, move |tx, _| {
                tx.insert_api_key(&stored)?;
                Ok(stored.clone())
            })
            .await?;
        Ok(match outcome {
            Outcome::Fresh(record) => {
                tracing::info!(key_id = %record.id, role = %record.role, "API key created");
                Outcome::Fresh(CreatedKey { record, secret })
            }
            Outcome::Replayed { status, body } => Outcome::Replayed { status, body },
        })
    }

    pub async fn list_keys(&self, actor: &Actor) -> AppResult<Vec<ApiKeyRecord>> {
        if !actor.can(Action::ManageKeys) {
            return Err(AppError::Forbidden("only admin keys may manage keys".into()));
        }
        self.store.read(|tx| Ok(tx.list_api_keys()?)).await
    }

    pub async fn revoke_key(&self, actor: &Actor, id: &str, idem: Option<IdemCtx<()>>) -> AppResult<Outcome<()>> {
        if !actor.can(Action::ManageKeys) {
            return Err(AppError::Forbidden("only admin keys may manage keys".into()));
        }
        let id = id.to_owned();
        self.write_idem(
            idem,
            move |tx, now| if tx.revoke_api_key(&id, now)? { Ok(()) } else { Err(AppError::NotFound("key")) },
        )
        .await
    }

    /// The actor a secret belongs to, if it is a live key.
    pub async fn authenticate(&self, secret: &str) -> AppResult<Option<Actor>> {
        let hash = hash_secret(secret);
        let record = self.store.read(move |tx| Ok::<_, AppError>(tx.api_key_by_hash(&hash)?)).await?;
        Ok(record
            .filter(|r| r.revoked_at.is_none())
            .and_then(|r| Some(Actor { key_id: r.id, role: Role::parse(&r.role)?, channel: r.channel })))
    }
}
