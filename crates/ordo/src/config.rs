//! Settings, in one place. Each is taken from the first of: a command-line flag, an `ORDO_*`
//! environment variable, the TOML file, the default.
//!
//! | setting | flag | environment | TOML key | default |
//! |---|---|---|---|---|
//! | database URL | `--database` | `ORDO_DATABASE_URL` | `database_url` | `sqlite://data/ordo.db` |
//! | PostgreSQL write connections | `--db-pool` | `ORDO_DB_POOL` | `db_pool` | `8` |
//! | PostgreSQL statement timeout (ms, 0 = none) | `--db-statement-timeout` | `ORDO_DB_STATEMENT_TIMEOUT` | `db_statement_timeout` | `10000` |
//! | PostgreSQL TLS: extra trusted CAs (PEM) | `--db-ca-file` | `ORDO_DB_CA_FILE` | `db_ca_file` | system roots only |
//! | listen address | `--listen` | `ORDO_LISTEN` | `listen` | `127.0.0.1:8080` |
//! | rate limit per key (req/s, 0 = off) | `--rate-limit` | `ORDO_RATE_LIMIT` | `rate_limit` | `10000` |
//! | body limit (bytes) | `--body-limit` | `ORDO_BODY_LIMIT` | `body_limit` | `1048576` |
//! | request timeout (s) | `--request-timeout` | `ORDO_REQUEST_TIMEOUT` | `request_timeout` | `30` |
//! | days idempotency records are kept | `--idempotency-days` | `ORDO_IDEMPOTENCY_DAYS` | `idempotency_days` | `7` |
//! | seconds between scheduled pulls of the channels' platforms (0 = only on demand) | `--channel-pull-seconds` | `ORDO_CHANNEL_PULL_SECONDS` | `channel_pull_seconds` | `300` |
//! | log filter | | `ORDO_LOG` | | `info` |
//! | seconds to send a request head (and to sit idle) | `--header-timeout` | `ORDO_HEADER_TIMEOUT` | | `10` |
//! | seconds to send a request body (408 after) | `--body-timeout` | `ORDO_BODY_TIMEOUT` | | `15` |
//! | connections open at once | `--max-connections` | `ORDO_MAX_CONNECTIONS` | | `10000` |
//! | wrong-key requests per second per client address | `--bad-key-rate` | `ORDO_BAD_KEY_RATE` | | `20` |
//! | nodes sharing the database (each enforces its share of the rate limits) | `--nodes` | `ORDO_NODES` | | `1` |
//! | outbound URLs may reach private addresses and plain `http` | `--allow-private-targets` | `ORDO_ALLOW_PRIVATE_TARGETS` | `allow_private_targets` | `false` |
//! | the same for outbound webhooks only | `--webhooks-allow-private` | `ORDO_WEBHOOKS_ALLOW_PRIVATE` | `webhooks_allow_private` | `false` |
//! | the mail server customer email goes through (none: no email) | `--smtp-url` | `ORDO_SMTP_URL` | | none |
//! | who customer email is from; where answers go | `--mail-from`, `--mail-reply-to` | `ORDO_MAIL_FROM`, `ORDO_MAIL_REPLY_TO` | | `Ordo <orders@localhost>` |
//! | a folder of email templates replacing Ordo's own | `--mail-templates` | `ORDO_MAIL_TEMPLATES` | | Ordo's own |
//! | the merchant's admins, told when a webhook subscription is disabled | `--admin-email` | `ORDO_ADMIN_EMAIL` | | none |
//! | where customers reach the tracking and unsubscribe pages | `--public-url` | `ORDO_PUBLIC_URL` | | the listen address |
//! | the store's name, logo, colour and footer in every message | `--store-name`, `--store-logo-url`, `--store-color`, `--store-footer` | `ORDO_STORE_NAME`, ... | | `Ordo` |
//! | per-role limits on goodwill refunds and credit grants | | | `[limits.ROLE]` | operators 500 units |
//! | keys sealing third-party credentials | | `ORDO_SECRETS_KEY` | | the key file |
//! | the key file when no key is set | | `ORDO_SECRETS_KEY_FILE` | | `secrets.key` beside a SQLite database, else `data/secrets.key` |

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use ordo_app::Role;
use ordo_app::kernel::access::{Cap, Grant, Limits};
use ordo_app::ports::target::TargetPolicy;
use ordo_web::WebConfig;
use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/ordo.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub db_pool: Option<usize>,
    pub db_statement_timeout: Option<u64>,
    pub db_ca_file: Option<std::path::PathBuf>,
    pub listen: Option<String>,
    pub rate_limit: Option<u32>,
    pub body_limit: Option<usize>,
    pub request_timeout: Option<u64>,
    pub idempotency_days: Option<u64>,
    pub allow_private_targets: Option<bool>,
    pub webhooks_allow_private: Option<bool>,
    pub channel_pull_seconds: Option<u64>,
    /// By role: the most one goodwill refund and one credit grant may give (`docs/roles.md`).
    pub limits: Option<std::collections::BTreeMap<String, RoleLimitsFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleLimitsFile {
    pub goodwill_refund: Option<std::collections::BTreeMap<String, String>>,
    pub credit_grant: Option<std::collections::BTreeMap<String, String>>,
}

impl FileConfig {
    /// The role limits: the defaults, with what the file sets in their place.
    pub fn limits(&self) -> anyhow::Result<Limits> {
        let mut limits = Limits::default();
        for (name, set) in self.limits.iter().flatten() {
            let role = Role::parse(name).with_context(|| format!("[limits.{name}]: there is no role {name:?}"))?;
            for (grant, entries) in [(Grant::GoodwillRefund, &set.goodwill_refund), (Grant::Credit, &set.credit_grant)]
            {
                if let Some(entries) = entries {
                    let cap = Cap::parse(entries).map_err(|e| anyhow::anyhow!("[limits.{name}]: {e}"))?;
                    limits.set(role, grant, Some(cap));
                }
            }
        }
        Ok(limits)
    }

    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else { return Ok(FileConfig::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

pub struct Settings {
    pub database_url: String,
    pub store: ordo_store::OpenOptions,
    pub listen: String,
    pub web: WebConfig,
    /// How long an idempotency record is kept before it is purged.
    pub idempotency_keep: Duration,
    pub limits: Limits,
    pub targets: TargetPolicy,
    /// Where outbound webhooks may go: the same, or private targets for webhooks alone.
    pub webhook_targets: TargetPolicy,
    /// How often the channels that can be pulled are; zero pulls only on demand.
    pub channel_pull: Duration,
}

impl Settings {
    pub fn resolve(
        file: &FileConfig,
        db: &crate::DbArgs,
        listen: Option<String>,
        rate_limit: Option<u32>,
        body_limit: Option<usize>,
        request_timeout: Option<u64>,
        idempotency_days: Option<u64>,
    ) -> anyhow::Result<Settings> {
        let defaults = WebConfig::default();
        let rate = rate_limit.or(file.rate_limit).unwrap_or(defaults.rate_limit_per_s);
        let web = WebConfig {
            body_limit: body_limit.or(file.body_limit).unwrap_or(defaults.body_limit),
            request_timeout: request_timeout
                .or(file.request_timeout)
                .map(Duration::from_secs)
                .unwrap_or(defaults.request_timeout),
            rate_limit_per_s: rate,
            rate_limit_burst: rate.saturating_mul(2),
            key_cache_ttl: defaults.key_cache_ttl,
            body_timeout: defaults.body_timeout,
            bad_key_rate_per_s: defaults.bad_key_rate_per_s,
        };
        anyhow::ensure!(web.body_limit >= 1024, "the body limit must be at least 1024 bytes");
        anyhow::ensure!(!web.request_timeout.is_zero(), "the request timeout must be at least one second");
        let mut store = ordo_store::OpenOptions::default();
        store.pool_size = db.db_pool.or(file.db_pool).unwrap_or(store.pool_size);
        store.readers = (store.pool_size / 2).max(2);
        store.statement_timeout_ms =
            db.db_statement_timeout.or(file.db_statement_timeout).unwrap_or(store.statement_timeout_ms);
        store.ca_file = db.db_ca_file.clone().or_else(|| file.db_ca_file.clone());
        anyhow::ensure!((1..=256).contains(&store.pool_size), "the database pool size must be between 1 and 256");
        let days = idempotency_days.or(file.idempotency_days).unwrap_or(7);
        anyhow::ensure!((1..=3650).contains(&days), "idempotency records must be kept 1 to 3650 days");
        Ok(Settings {
            database_url: db
                .database
                .clone()
                .or_else(|| file.database_url.clone())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            store,
            listen: listen.or_else(|| file.listen.clone()).unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            web,
            idempotency_keep: Duration::from_secs(days * 86_400),
            limits: file.limits()?,
            targets: TargetPolicy { allow_private: file.allow_private_targets.unwrap_or(false) },
            webhook_targets: TargetPolicy {
                allow_private: file.allow_private_targets.unwrap_or(false)
                    || file.webhooks_allow_private.unwrap_or(false),
            },
            channel_pull: Duration::from_secs(file.channel_pull_seconds.unwrap_or(300)),
        })
    }

    /// The database URL with any password replaced, for logs and messages.
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }
}

pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://ordo:s3cret@db:5432/ordo"), "postgres://ordo:***@db:5432/ordo");
        assert_eq!(redact("sqlite://data/ordo.db"), "sqlite://data/ordo.db");
    }

    #[test]
    fn role_limits_come_from_the_file() {
        let file: FileConfig = toml::from_str(
            "[limits.operator]\ngoodwill_refund = { \"*\" = \"100\", JPY = \"15000\" }\n[limits.admin]\ncredit_grant = {}",
        )
        .unwrap();
        let limits = file.limits().unwrap();
        let usd = ordo_domain::money::Currency::from_code("USD").unwrap();
        let m = |minor| ordo_domain::Money::from_minor(minor, usd);
        assert!(limits.check(Role::Operator, Grant::GoodwillRefund, m(10_000)).is_ok());
        assert!(limits.check(Role::Operator, Grant::GoodwillRefund, m(10_001)).is_err());
        // The operator's credit limit keeps its default; the admin may grant nothing.
        assert!(limits.check(Role::Operator, Grant::Credit, m(50_000)).is_ok());
        assert!(limits.check(Role::Operator, Grant::Credit, m(50_001)).is_err());
        assert!(limits.check(Role::Admin, Grant::Credit, m(1)).is_err());
        for bad in [
            "[limits.boss]\ncredit_grant = {}",
            "[limits.operator]\ncredit_grant = { \"*\" = \"1.5\" }",
            "[limits.operator]\nrefund = {}",
        ] {
            let parsed = toml::from_str::<FileConfig>(bad);
            assert!(parsed.is_err() || parsed.unwrap().limits().is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: FileConfig = toml::from_str("listen = \"0.0.0.0:9000\"\nrate_limit = 5").unwrap();
        let none = crate::DbArgs { database: None, db_pool: None, db_statement_timeout: None, db_ca_file: None };
        let s = Settings::resolve(&file, &none, None, None, None, None, None).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.web.rate_limit_per_s, 5);
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        let s = Settings::resolve(&file, &none, Some("127.0.0.1:1".into()), None, None, None, None).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
        assert!(toml::from_str::<FileConfig>("listen_typo = 1").is_err());
    }
}
