//! The `ordo` binary: the server, the operator CLI and the load generator.
//!
//! Configuration comes from flags, then `ORDO_*` environment variables, then an optional TOML
//! file (`--config` or `ORDO_CONFIG`), then defaults; `config.rs` documents every setting.

mod background;
mod bench;
mod config;
mod demo;
mod import;
#[cfg(test)]
mod tidy;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use ordo_app::kernel::keys::NewKey;
use ordo_app::{Actor, App, SystemClock};

use crate::config::{FileConfig, Settings};

/// mimalloc rather than the system's allocator: capture and imports allocate small, short-lived
/// values on several threads, where it measured faster (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "ordo", version, about = "Ordo order management system")]
struct Cli {
    /// TOML configuration file; flags and environment variables override it.
    #[arg(long, env = "ORDO_CONFIG", global = true)]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit; with --from, copy a whole database into this one.
    Migrate(MigrateArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Load the demo catalogue, locations, stock, customers and orders into the database.
    Demo(DbArgs),
    /// Place orders against a running server and report throughput and latency.
    Bench(bench::BenchArgs),
    /// Look for card numbers (digit runs that pass the Luhn check) in every table of the
    /// database, the event feed among them, and in the given log files; exits 1 if any is found.
    ScanPan(ScanPanArgs),
    /// Third-party credentials at rest: seal them again with the first key of ORDO_SECRETS_KEY.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// The audit log: check its hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy a running SQLite database consistently into a new file, without stopping writes,
    /// and check the copy (for PostgreSQL, use pg_dump: see the README).
    Backup(BackupArgs),
    /// Check a backup and put it in place as the --database file.
    Restore(RestoreArgs),
    /// Import a CSV file of orders, products, inventory or customers, row by row (or all or
    /// nothing), with a progress bar; exits 1 if any row did not go in.
    Import(import::ImportArgs),
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Seal every stored credential with the first key (put a new key first, rotate, then
    /// drop the old key once no node needs it).
    Rotate(DbArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain from its start, check every entry against its link, and name the first
    /// that does not match (exit 1); prints the head hash to keep elsewhere.
    Verify(DbArgs),
}

#[derive(Args)]
struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The new file to write; it must not exist.
    path: std::path::PathBuf,
}

#[derive(Args)]
struct RestoreArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The backup to restore.
    path: std::path::PathBuf,
    /// Replace an existing database (stop the server that uses it first).
    #[arg(long)]
    replace: bool,
}

#[derive(Args)]
struct ScanPanArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Log files (or any text files) to scan too.
    files: Vec<std::path::PathBuf>,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database URL: `postgres://...`, `sqlite://PATH` or a plain path [default: sqlite://data/ordo.db].
    #[arg(long, env = "ORDO_DATABASE_URL")]
    database: Option<String>,
    /// PostgreSQL connections for writes (reads use half as many, at least 2) [default: 8].
    #[arg(long, env = "ORDO_DB_POOL")]
    db_pool: Option<usize>,
    /// PostgreSQL statement timeout in milliseconds; 0 for none [default: 10000].
    #[arg(long, env = "ORDO_DB_STATEMENT_TIMEOUT")]
    db_statement_timeout: Option<u64>,
    /// PEM file of certificate authorities to trust for PostgreSQL TLS, besides the system's
    /// (TLS itself is chosen with `sslmode=require` in the URL).
    #[arg(long, env = "ORDO_DB_CA_FILE")]
    db_ca_file: Option<std::path::PathBuf>,
}

#[derive(Args)]
struct MigrateArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Copy every row of this database (for example a SQLite file) into the --database one,
    /// which must be empty, and verify row counts and stock totals.
    #[arg(long)]
    from: Option<String>,
}

/// Customer email: where it goes, who it is from, and how it looks.
#[derive(Args)]
struct MailArgs {
    /// The mail server customer email goes through: `smtp://host:port` (plain),
    /// `smtp+starttls://user:password@host:587` or `smtps://user:password@host:465`; no
    /// email is sent without it. Give one with a password in the environment, not as a flag.
    #[arg(long, env = "ORDO_SMTP_URL")]
    smtp_url: Option<String>,
    /// Who customer email is from: `Name <address>` [default: Ordo <orders@localhost>].
    #[arg(long, env = "ORDO_MAIL_FROM")]
    mail_from: Option<String>,
    /// Where customers' answers go.
    #[arg(long, env = "ORDO_MAIL_REPLY_TO")]
    mail_reply_to: Option<String>,
    /// A folder of email templates replacing Ordo's own by name (`en/shipped.txt`, ...).
    #[arg(long, env = "ORDO_MAIL_TEMPLATES")]
    mail_templates: Option<std::path::PathBuf>,
    /// The store's name in every message [default: Ordo].
    #[arg(long, env = "ORDO_STORE_NAME")]
    store_name: Option<String>,
    /// The store's logo (an https URL) at the top of every message.
    #[arg(long, env = "ORDO_STORE_LOGO_URL")]
    store_logo_url: Option<String>,
    /// The accent colour of every message, `#rrggbb`.
    #[arg(long, env = "ORDO_STORE_COLOR")]
    store_color: Option<String>,
    /// The footer of every message (the merchant's address, as the law often asks).
    #[arg(long, env = "ORDO_STORE_FOOTER")]
    store_footer: Option<String>,
    /// Where customers reach the tracking and unsubscribe pages this server serves, e.g.
    /// `https://track.acme.example` [default: the address it listens on].
    #[arg(long, env = "ORDO_PUBLIC_URL")]
    public_url: Option<String>,
    /// The merchant's admins, comma-separated: they are emailed when a webhook subscription is
    /// disabled.
    #[arg(long, env = "ORDO_ADMIN_EMAIL", value_delimiter = ',')]
    admin_email: Vec<String>,
}

/// Twilio is configured from the environment only, so that its token never shows in a
/// process listing: `ORDO_TWILIO_ACCOUNT_SID`, `ORDO_TWILIO_AUTH_TOKEN` and `ORDO_TWILIO_FROM`
/// (the sending number) turn text messages on; `ORDO_TWILIO_API_BASE` points elsewhere.
fn twilio_from_env() -> Option<ordo_connectors::twilio::TwilioConfig> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(ordo_connectors::twilio::TwilioConfig {
        account_sid: var("ORDO_TWILIO_ACCOUNT_SID")?,
        auth_token: var("ORDO_TWILIO_AUTH_TOKEN")?,
        from: var("ORDO_TWILIO_FROM")?,
        api_base: var("ORDO_TWILIO_API_BASE").unwrap_or_else(|| "https://api.twilio.com".into()),
    })
}

/// Wires customer email into the app: the templates (checked now, so that a broken one
/// stops the start rather than a customer's message), and the mail server when one is set.
fn wire_mail(mut app: App, args: &MailArgs) -> anyhow::Result<App> {
    let templates = ordo_app::notify::templates::Templates::new(args.mail_templates.clone());
    templates.check(&serde_json::json!({})).map_err(|e| anyhow::anyhow!("a mail template does not render: {e}"))?;
    app.templates = Arc::new(templates);
    if let Some(twilio) = twilio_from_env() {
        app.targets.check_url(&twilio.api_base).map_err(|why| {
            anyhow::anyhow!("ORDO_TWILIO_API_BASE {why} (set allow_private_targets to reach a private address)")
        })?;
        let http = ordo_connectors::outbound::client(app.targets);
        let sender = ordo_connectors::twilio::TwilioSender { http, targets: app.targets, config: twilio };
        tracing::info!("text messages go through Twilio");
        app = app.with_sms(Arc::new(sender));
    }
    let Some(url) = &args.smtp_url else { return Ok(app) };
    let smtp = ordo_connectors::mail::SmtpSettings::from_url(url).map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
    let mailer = ordo_connectors::mail::SmtpMailer::new(&smtp).map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
    let defaults = ordo_app::notify::email::MailSettings::default();
    let settings = ordo_app::notify::email::MailSettings {
        from: args.mail_from.clone().unwrap_or(defaults.from),
        reply_to: args.mail_reply_to.clone(),
        store_name: args.store_name.clone().unwrap_or(defaults.store_name),
        logo_url: args.store_logo_url.clone(),
        color: args.store_color.clone(),
        footer: args.store_footer.clone(),
        public_url: args.public_url.clone(),
        admins: args.admin_email.iter().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect(),
    };
    tracing::info!(host = %smtp.host, port = smtp.port, "customer email goes through this mail server");
    Ok(app.with_mailer(Arc::new(mailer), settings))
}

#[derive(Args)]
struct ServeArgs {
    /// Load demo data when the database is empty, and print an admin key.
    #[arg(long)]
    demo: bool,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "ORDO_LISTEN")]
    listen: Option<String>,
    #[command(flatten)]
    db: DbArgs,
    /// Requests per second allowed per API key; 0 disables the limit [default: 10000].
    #[arg(long, env = "ORDO_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long, env = "ORDO_BODY_LIMIT")]
    body_limit: Option<usize>,
    /// Seconds before a request is stopped with 503 [default: 30].
    #[arg(long, env = "ORDO_REQUEST_TIMEOUT")]
    request_timeout: Option<u64>,
    /// Days an idempotency record is kept; a retry later than that is a new request [default: 7].
    #[arg(long, env = "ORDO_IDEMPOTENCY_DAYS")]
    idempotency_days: Option<u64>,
    /// Let carriers' and gateways' URLs reach private and loopback addresses, over plain
    /// http too (for stand-ins and systems inside the merchant's own network).
    #[arg(long, env = "ORDO_ALLOW_PRIVATE_TARGETS")]
    allow_private_targets: bool,
    /// Let outbound webhooks alone reach private and loopback addresses, over plain http too.
    #[arg(long, env = "ORDO_WEBHOOKS_ALLOW_PRIVATE")]
    webhooks_allow_private: bool,
    #[command(flatten)]
    mail: MailArgs,
    /// Seconds between scheduled pulls of the channels whose platforms are pulled
    /// (WooCommerce, BigCommerce, Amazon); 0 pulls only on demand [default: 300].
    #[arg(long, env = "ORDO_CHANNEL_PULL_SECONDS")]
    channel_pull_seconds: Option<u64>,
    /// Seconds a client may take to send a request's head, or sit idle between requests [default: 10].
    #[arg(long, env = "ORDO_HEADER_TIMEOUT")]
    header_timeout: Option<u64>,
    /// Seconds a client may take to send a request's body; slower is a 408 [default: 15].
    #[arg(long, env = "ORDO_BODY_TIMEOUT")]
    body_timeout: Option<u64>,
    /// Connections open at once; more are closed as they arrive [default: 10000].
    #[arg(long, env = "ORDO_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Requests with a missing or wrong key per second from one address (bursts of five
    /// times that); more are 429, valid key or not, until the address waits. 0 = off [default: 20].
    #[arg(long, env = "ORDO_BAD_KEY_RATE")]
    bad_key_rate: Option<u32>,
    /// How many nodes share the database: each enforces its share of --rate-limit and
    /// --bad-key-rate, so that all of them together allow what those say [default: 1].
    #[arg(long, env = "ORDO_NODES")]
    nodes: Option<u32>,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key; its secret is printed alone on the last line.
    Create {
        /// admin, operator, warehouse, viewer, channel or metrics (see docs/roles.md).
        #[arg(long)]
        role: String,
        /// The sales channel of a channel key.
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List keys (never their secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a key by id.
    Revoke {
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORDO_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

fn open_store(settings: &Settings, url: &str) -> anyhow::Result<ordo_store::Store> {
    install_secrets(url)?;
    ordo_store::open(url, &settings.store).with_context(|| format!("opening the database {}", config::redact(url)))
}

/// The keyring third-party credentials are sealed with (`ordo_app::kernel::secrets`), once
/// per process: `ORDO_SECRETS_KEY` (`ID:HEX,...`, the first sealing; every node the same), or
/// else a key file, `ORDO_SECRETS_KEY_FILE` or `secrets.key` beside a SQLite database
/// (`data/secrets.key` for PostgreSQL), made on first start and readable by its owner only.
fn install_secrets(url: &str) -> anyhow::Result<()> {
    use ordo_app::kernel::secrets::{Keyring, install};
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if DONE.get().is_some() {
        return Ok(());
    }
    let spec = match std::env::var("ORDO_SECRETS_KEY").ok().filter(|v| !v.trim().is_empty()) {
        Some(spec) => spec,
        None => {
            let path = match std::env::var_os("ORDO_SECRETS_KEY_FILE") {
                Some(p) => std::path::PathBuf::from(p),
                None => ordo_store::sqlite_path(url)
                    .and_then(|db| db.parent())
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| std::path::PathBuf::from("data"), std::path::Path::to_path_buf)
                    .join("secrets.key"),
            };
            if ordo_store::sqlite_path(url).is_none() {
                tracing::warn!(
                    path = %path.display(),
                    "no ORDO_SECRETS_KEY: carrier credentials are sealed with this node's key file; \
                     give every node that shares the database the same ORDO_SECRETS_KEY"
                );
            }
            read_or_make_key_file(&path)?
        }
    };
    let keyring = Keyring::parse(&spec).map_err(|why| anyhow::anyhow!("ORDO_SECRETS_KEY: {why}"))?;
    install(keyring);
    let _ = DONE.set(());
    Ok(())
}

fn read_or_make_key_file(path: &std::path::Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => return Ok(text.trim().to_owned()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("reading the secrets key file {}", path.display()));
        }
        Err(_) => {}
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let key = ordo_app::kernel::secrets::Keyring::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, format!("{key}\n").as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing the secrets key file {}", path.display()))?;
            tracing::info!(path = %path.display(), "made a secrets key file: back it up with the database");
            Ok(key)
        }
        // Another process made it first: use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?.trim().to_owned())
        }
        Err(e) => Err(e).with_context(|| format!("creating the secrets key file {}", path.display())),
    }
}

fn open_app(settings: &Settings) -> anyhow::Result<App> {
    let mut app = App::new(open_store(settings, &settings.database_url)?, Arc::new(SystemClock));
    app.limits = settings.limits.clone();
    app.targets = settings.targets;
    app.webhook_targets = settings.webhook_targets;
    let stripe = stripe_from_env();
    if let Some(s) = &stripe {
        app.targets.check_url(&s.api_base).map_err(|why| {
            anyhow::anyhow!("ORDO_STRIPE_API_BASE {why} (set allow_private_targets to reach a private address)")
        })?;
    }
    Ok(ordo_connectors::wire(app, &ordo_connectors::Connectors { stripe }))
}

/// Stripe is configured from the environment only, so that its secrets never show in a
/// process listing: `ORDO_STRIPE_SECRET_KEY` turns card payments on,
/// `ORDO_STRIPE_WEBHOOK_SECRET` verifies Stripe's webhooks, and `ORDO_STRIPE_API_BASE`
/// (default `https://api.stripe.com`) points at another endpoint.
fn stripe_from_env() -> Option<ordo_connectors::stripe::StripeConfig> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    Some(ordo_connectors::stripe::StripeConfig {
        secret_key: var("ORDO_STRIPE_SECRET_KEY")?,
        api_base: var("ORDO_STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com".to_owned()),
        webhook_secret: var("ORDO_STRIPE_WEBHOOK_SECRET"),
        timeout: std::time::Duration::from_secs(20),
    })
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    let file = FileConfig::load(cli.config.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(*args, &file).await,
            Command::Migrate(args) => {
                let settings = Settings::resolve(&file, &args.db, None, None, None, None, None)?;
                let target = open_store(&settings, &settings.database_url)?;
                println!("migrations applied to {}", settings.redacted_database_url());
                if let Some(from) = &args.from {
                    let source = open_store(&settings, from)?;
                    let report = ordo_store::copy::copy_database(&source, &target).await.with_context(|| {
                        format!("copying {} into {}", config::redact(from), settings.redacted_database_url())
                    })?;
                    for (table, rows) in &report.tables {
                        println!("copied {table}: {rows} rows");
                    }
                    println!(
                        "verified: row counts match, {} units on hand and {} reserved in both",
                        report.on_hand, report.reserved
                    );
                }
                Ok(())
            }
            Command::Keys(cmd) => keys(cmd, &file).await,
            Command::Demo(db) => {
                let settings = Settings::resolve(&file, &db, None, None, None, None, None)?;
                let app = open_app(&settings)?;
                let summary = demo::load(&app).await?;
                println!("{summary}");
                Ok(())
            }
            Command::Bench(args) => bench::run(args).await,
            Command::Secrets(SecretsCommand::Rotate(db)) => {
                let settings = Settings::resolve(&file, &db, None, None, None, None, None)?;
                let app = open_app(&settings)?;
                let n = app.reseal_carrier_credentials().await.map_err(|e| anyhow::anyhow!(describe(e)))?;
                let w = app.reseal_webhook_secrets().await.map_err(|e| anyhow::anyhow!(describe(e)))?;
                let key = ordo_app::kernel::secrets::keyring().sealing_key().unwrap_or("none");
                println!(
                    "sealed the credentials of {n} carriers and the signing secrets of {w} webhook subscriptions with secrets key {key}"
                );
                Ok(())
            }
            Command::Audit(AuditCommand::Verify(db)) => {
                let settings = Settings::resolve(&file, &db, None, None, None, None, None)?;
                let app = open_app(&settings)?;
                let v = app.verify_audit().await.map_err(|e| anyhow::anyhow!(describe(e)))?;
                let head = v.head.as_ref().map_or("none".to_owned(), |(seq, hash)| format!("entry {seq}, hash {hash}"));
                match &v.broken {
                    None => {
                        println!(
                            "audit verify: the chain holds: {} entries verified, head {head}; {} newer events not chained yet",
                            v.verified, v.unchained
                        );
                        Ok(())
                    }
                    Some((seq, why)) => {
                        println!("audit verify: entry {seq} is broken: {why}");
                        println!("audit verify: {} entries before it verified, the last good one {head}", v.verified);
                        anyhow::bail!("the audit chain is broken at entry {seq}")
                    }
                }
            }
            Command::Backup(args) => {
                let settings = Settings::resolve(&file, &args.db, None, None, None, None, None)?;
                let source = sqlite_file(&settings, "backup")?;
                let checked = ordo_store::sqlite::backup::backup(&source, &args.path).map_err(anyhow::Error::msg)?;
                println!("backed up {} to {}", settings.redacted_database_url(), args.path.display());
                println!("{}", copy_figures(&checked));
                Ok(())
            }
            Command::Restore(args) => {
                let settings = Settings::resolve(&file, &args.db, None, None, None, None, None)?;
                let dest = sqlite_file(&settings, "restore")?;
                let checked =
                    ordo_store::sqlite::backup::restore(&args.path, &dest, args.replace).map_err(anyhow::Error::msg)?;
                println!("restored {} to {}", args.path.display(), settings.redacted_database_url());
                println!("{}", copy_figures(&checked));
                Ok(())
            }
            Command::Import(args) => {
                let settings = Settings::resolve(&file, &args.db, None, None, None, None, None)?;
                let app = open_app(&settings)?;
                if !import::run(&app, &args).await? {
                    std::process::exit(1);
                }
                Ok(())
            }
            Command::ScanPan(args) => {
                let settings = Settings::resolve(&file, &args.db, None, None, None, None, None)?;
                let store = open_store(&settings, &settings.database_url)?;
                scan_pan(&store, &args.files).await
            }
        }
    })
}

/// The SQLite file of the configured database; PostgreSQL is backed up with its own tools.
fn sqlite_file(settings: &Settings, what: &str) -> anyhow::Result<std::path::PathBuf> {
    match ordo_store::sqlite_path(&settings.database_url) {
        Some(path) => Ok(path.to_owned()),
        None => anyhow::bail!(
            "ordo {what} copies SQLite databases; for PostgreSQL use pg_dump --format=custom and pg_restore (see the README)"
        ),
    }
}

/// A checked copy in one line: its schema, its orders and events, its stock.
fn copy_figures(c: &ordo_store::sqlite::backup::CopyCheck) -> String {
    format!(
        "checked: integrity ok, schema version {}, {} tables, {} orders, {} events, {} units on hand and {} reserved",
        c.schema_version,
        c.tables.len(),
        c.rows("orders"),
        c.rows("events"),
        c.on_hand,
        c.reserved
    )
}

/// `ordo scan-pan`: every finding on a line of its own (masked), then one line of figures.
async fn scan_pan(store: &ordo_store::Store, files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let report = ordo_store::scan::scan_database(store).await.context("scanning the database")?;
    let mut found = report.findings.len();
    for f in &report.findings {
        println!("card number {} in {} column {} of row {}", f.masked, f.table, f.column, f.key);
    }
    let mut lines = 0u64;
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        for (n, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            lines += 1;
            for hit in ordo_domain::pan::find(line) {
                found += 1;
                println!("card number {} in {} line {}", ordo_domain::pan::masked(line, hit), path.display(), n + 1);
            }
        }
    }
    println!(
        "scan-pan: {} tables, {} rows, {} text values, {} files, {} lines: {}",
        report.tables,
        report.rows,
        report.values,
        files.len(),
        lines,
        if found == 0 { "no card numbers".to_owned() } else { format!("{found} card numbers") }
    );
    if found > 0 {
        anyhow::bail!("card numbers found");
    }
    Ok(())
}

async fn keys(cmd: KeysCommand, file: &FileConfig) -> anyhow::Result<()> {
    let db = match &cmd {
        KeysCommand::Create { db, .. } | KeysCommand::List { db } | KeysCommand::Revoke { db, .. } => db.clone(),
    };
    let settings = Settings::resolve(file, &db, None, None, None, None, None)?;
    let app = open_app(&settings)?;
    let system = Actor::system();
    match cmd {
        KeysCommand::Create { role, channel, name, .. } => {
            let created = app
                .create_key(&system, NewKey { role: Some(role), channel, name }, None)
                .await
                .and_then(|o| o.into_fresh())
                .map_err(|e| anyhow::anyhow!(describe(e)))?;
            println!("created {} key {}", created.record.role, created.record.id);
            println!("{}", created.secret);
        }
        KeysCommand::List { .. } => {
            for k in app.list_keys(&system).await.map_err(|e| anyhow::anyhow!(describe(e)))? {
                let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                println!("{}\t{}\t{}\t{}…\t{}", k.id, k.role, k.channel.unwrap_or_default(), k.prefix, state);
            }
        }
        KeysCommand::Revoke { id, .. } => {
            app.revoke_key(&system, &id, None).await.map_err(|e| anyhow::anyhow!(describe(e)))?;
            println!("revoked {id}");
        }
    }
    Ok(())
}

/// A CLI-friendly sentence for an application error, with every bad field.
fn describe(e: ordo_app::AppError) -> String {
    match &e {
        ordo_app::AppError::Validation(fields) => {
            fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        }
        // The operator at the command line is told what an API client never is.
        ordo_app::AppError::Internal(why) => why.clone(),
        _ => e.to_string(),
    }
}

async fn serve(args: ServeArgs, file: &FileConfig) -> anyhow::Result<()> {
    let mut settings = Settings::resolve(
        file,
        &args.db,
        args.listen,
        args.rate_limit,
        args.body_limit,
        args.request_timeout,
        args.idempotency_days,
    )?;
    settings.targets.allow_private |= args.allow_private_targets;
    settings.webhook_targets.allow_private |=
        settings.targets.allow_private || args.allow_private_targets || args.webhooks_allow_private;
    if let Some(seconds) = args.channel_pull_seconds {
        settings.channel_pull = std::time::Duration::from_secs(seconds);
    }
    let mut conns = ordo_web::server::ServeConfig::default();
    if let Some(s) = args.header_timeout {
        anyhow::ensure!(s >= 1, "the header timeout must be at least one second");
        conns.header_timeout = std::time::Duration::from_secs(s);
    }
    if let Some(s) = args.body_timeout {
        anyhow::ensure!(s >= 1, "the body timeout must be at least one second");
        settings.web.body_timeout = std::time::Duration::from_secs(s);
    }
    if let Some(n) = args.bad_key_rate {
        settings.web.bad_key_rate_per_s = n;
    }
    if let Some(n) = args.max_connections {
        anyhow::ensure!(n >= 1, "at least one connection must be allowed");
        conns.max_connections = n;
    }
    if let Some(nodes) = args.nodes {
        anyhow::ensure!(nodes >= 1, "--nodes counts the nodes: at least 1");
        settings.web.split_limits(nodes);
    }
    let app = wire_mail(open_app(&settings)?, &args.mail)?;
    let addr: SocketAddr =
        settings.listen.parse().with_context(|| format!("--listen {:?} is not an address", settings.listen))?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    let mut app = app;
    if app.mail.public_url.is_none() {
        let mut mail = (*app.mail).clone();
        mail.public_url = Some(format!("http://{local}"));
        app.mail = Arc::new(mail);
    }

    if args.demo {
        let summary = demo::load_if_empty(&app).await?;
        let key = app
            .create_key(
                &Actor::system(),
                NewKey { role: Some("admin".into()), channel: None, name: Some("demo".into()) },
                None,
            )
            .await
            .and_then(|o| o.into_fresh())
            .map_err(|e| anyhow::anyhow!(describe(e)))?;
        banner(&format!(
            "Ordo is running on http://{local} with {summary}\nAPI docs:   http://{local}/docs\nAdmin key:  {}\n\
             Try:        curl -H 'Authorization: Bearer {}' http://{local}/v1/orders?limit=5",
            key.secret, key.secret
        ));
    } else {
        banner(&format!(
            "Ordo is running on http://{local} (docs: http://{local}/docs)\nCreate a key with: ordo keys create --role admin"
        ));
    }

    // Captures, voids and refunds at the card gateway what shipping and cancelling asked for.
    let _settler = app.spawn_settler(std::time::Duration::from_secs(1));
    // Forgets idempotency records once they are older than configured, every ten minutes.
    let _purge = app.spawn_idempotency_purge(settings.idempotency_keep, std::time::Duration::from_secs(600));
    // Chains every change into the audit log's hash chain, about every second.
    let _auditor = app.spawn_auditor(std::time::Duration::from_secs(1));
    // Opens and ends low-stock and stock-out alerts as stock changes, about every second.
    let _alerts = app.spawn_stock_alerts(std::time::Duration::from_secs(1));
    // Pushes each listed SKU's stock to its channel's platform, at most once a second.
    let _stock = app.spawn_stock_sync(std::time::Duration::from_secs(1));
    // Pulls the orders webhooks missed from the channels whose platforms can be read.
    let _puller = (!settings.channel_pull.is_zero()).then(|| app.spawn_puller(settings.channel_pull));
    // Telling others (webhooks, customer messages) runs at the lowest CPU priority.
    let background = background::Background::start()?;
    app.background = Some(background.handle());
    // Queues each change for the webhook subscriptions that want it, and sends what is due.
    let _webhooks = app.spawn_webhook_workers(std::time::Duration::from_millis(250));
    // Queues a message to the customer for each step of their order, and sends what is due.
    let _mail = app.spawn_notification_workers(std::time::Duration::from_millis(250));
    // Works out and keeps every SKU's demand forecast once a day, in passes of up to 20 s.
    let _forecasts = app.spawn_forecasts(std::time::Duration::from_secs(2), std::time::Duration::from_secs(20));
    let state = ordo_web::AppState::new(app, settings.web.clone());
    let router = ordo_web::router(state);
    tracing::info!(%local, database = %settings.redacted_database_url(), "serving");
    ordo_web::server::serve(listener, router, conns, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Prints the start-up banner; a closed standard output must not stop the server.
fn banner(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
