//! The PostgreSQL engine: pools of worker threads, each owning one connection, for writes
//! and for reads. Any number of `ordo serve` processes may share one database.
//!
//! Each write job runs in its own READ COMMITTED transaction. Stock rows are locked in one
//! order (SKU, then location) before they change, so multi-line orders cannot deadlock one
//! another; a deadlock, serialization failure or uniqueness race that still happens is
//! retried here, a few times, and never reaches the client as a 500. A lost connection is
//! reopened on the next job; until the database is back, jobs fail as `Unavailable`.

mod tx;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use postgres::{Client, IsolationLevel, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{Engine, EngineStats, OpenOptions, ReadJob, StoreError, StoreResult, WriteJob};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, include_str!("../../migrations/postgres/0002_routing.sql")),
    (3, include_str!("../../migrations/postgres/0003_capacity.sql")),
    (4, include_str!("../../migrations/postgres/0004_fulfillments.sql")),
    (5, include_str!("../../migrations/postgres/0005_count_requests.sql")),
    (6, include_str!("../../migrations/postgres/0006_carriers.sql")),
    (7, include_str!("../../migrations/postgres/0007_payments.sql")),
    (8, include_str!("../../migrations/postgres/0008_exchange_rates.sql")),
    (9, include_str!("../../migrations/postgres/0009_balances.sql")),
    (10, include_str!("../../migrations/postgres/0010_order_records.sql")),
    (11, include_str!("../../migrations/postgres/0011_stock_buckets.sql")),
    (12, include_str!("../../migrations/postgres/0012_event_versions.sql")),
    (13, include_str!("../../migrations/postgres/0013_balance_codes.sql")),
    (14, include_str!("../../migrations/postgres/0014_idempotency_age.sql")),
    (15, include_str!("../../migrations/postgres/0015_audit.sql")),
    (16, include_str!("../../migrations/postgres/0016_feed_order.sql")),
    (17, include_str!("../../migrations/postgres/0017_channel_intake.sql")),
    (18, include_str!("../../migrations/postgres/0018_channel_listings.sql")),
    (19, include_str!("../../migrations/postgres/0019_webhooks.sql")),
    (20, include_str!("../../migrations/postgres/0020_notifications.sql")),
    (21, include_str!("../../migrations/postgres/0021_customer_notes.sql")),
    (22, include_str!("../../migrations/postgres/0022_purchasing.sql")),
    (23, include_str!("../../migrations/postgres/0023_movement_reference.sql")),
    (24, include_str!("../../migrations/postgres/0024_stock_policies.sql")),
    (25, include_str!("../../migrations/postgres/0025_stock_alerts.sql")),
    (26, include_str!("../../migrations/postgres/0026_transfers.sql")),
    (27, include_str!("../../migrations/postgres/0027_location_buyers.sql")),
    (28, include_str!("../../migrations/postgres/0028_forecasts.sql")),
];

/// Most attempts at one write job before its contention error is returned.
const MAX_ATTEMPTS: u32 = 12;

pub struct PgEngine {
    writes: mpsc::SyncSender<Box<dyn WriteJob>>,
    reads: mpsc::SyncSender<ReadJob>,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    jobs: AtomicU64,
    retries: AtomicU64,
    queued: AtomicU64,
    work_ns: AtomicU64,
    commit_ns: AtomicU64,
}

/// A connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// An outage, described with every cause in the error's chain.
fn unavailable(e: impl std::error::Error) -> StoreError {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    StoreError::Unavailable(text)
}

/// How to reach the database: its settings and the TLS setup used whenever the URL's
/// `sslmode` asks for (`require`) or allows (`prefer`, the default) encryption.
#[derive(Clone)]
struct Target {
    config: postgres::Config,
    tls: MakeRustlsConnect,
}

fn connect(target: &Target) -> StoreResult<Conn> {
    let client = target.config.connect(target.tls.clone()).map_err(unavailable)?;
    Ok(Conn { client, statements: HashMap::new() })
}

/// TLS as libpq does it: `sslmode=prefer` (the default) and `require` encrypt without
/// checking who answers; `verify-ca` and `verify-full` also check the server's certificate
/// against the system's trusted roots and, when given, the authorities in `ca_file` (PEM).
fn tls(verify: bool, ca_file: Option<&std::path::Path>) -> StoreResult<MakeRustlsConnect> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Internal(format!("TLS setup: {e}")))?;
    let config = if verify {
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        if let Some(path) = ca_file {
            let bad = |e: &dyn std::fmt::Display| {
                StoreError::Unavailable(format!("cannot read the CA file {}: {e}", path.display()))
            };
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(&e))? {
                roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(EncryptOnly(provider))).with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// Accepts any server certificate (still checking the handshake's signatures): the
/// `prefer` and `require` modes, which promise encryption, not identity.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Splits libpq's `sslmode=verify-ca|verify-full` off the URL (the driver knows only
/// `disable`, `prefer` and `require`): the URL to hand on, and whether to verify.
fn split_verify(url: &str) -> (String, bool) {
    for mode in ["sslmode=verify-full", "sslmode=verify-ca"] {
        if url.contains(mode) {
            return (url.replace(mode, "sslmode=require"), true);
        }
    }
    (url.to_owned(), false)
}

fn migrate(client: &mut Client) -> StoreResult<()> {
    let mut tx = client.transaction().map_err(unavailable)?;
    // Nodes starting together take turns; the lock ends with the transaction.
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(7405209130451);
         CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL);",
    )
    .map_err(unavailable)?;
    for (version, sql) in MIGRATIONS {
        let done = tx
            .query_opt("SELECT 1 FROM schema_migrations WHERE version = $1", &[version])
            .map_err(unavailable)?
            .is_some();
        if !done {
            tx.batch_execute(sql).map_err(|e| StoreError::Internal(format!("migration {version}: {e}")))?;
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[version, &now])
                .map_err(unavailable)?;
            tracing::info!(version, "applied PostgreSQL migration");
        }
    }
    tx.commit().map_err(unavailable)
}

fn spawn(name: String, f: impl FnOnce() + Send + 'static) -> StoreResult<()> {
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(f)
        .map(|_| ())
        .map_err(|e| StoreError::Internal(format!("cannot start {name}: {e}")))
}

impl PgEngine {
    pub fn open(url: &str, options: &OpenOptions) -> StoreResult<PgEngine> {
        let (url, verify) = split_verify(url);
        let mut config: postgres::Config =
            url.parse().map_err(|e| StoreError::Unavailable(format!("the PostgreSQL URL is not valid: {e}")))?;
        // No transaction of Ordo's stays open while idle; one that does (a hung client) must
        // not hold back the outbox feed for long.
        let mut session =
            format!("{} -c idle_in_transaction_session_timeout=60000", config.get_options().unwrap_or(""));
        if options.statement_timeout_ms > 0 {
            session.push_str(&format!(" -c statement_timeout={}", options.statement_timeout_ms));
        }
        config.options(&session);
        config.connect_timeout(Duration::from_secs(5));
        if config.get_application_name().is_none() {
            config.application_name("ordo");
        }
        let target = Target { config, tls: tls(verify, options.ca_file.as_deref())? };
        // The driver blocks on its own runtime, which must not happen on a thread that is
        // driving async tasks; the first connection and the migrations get a thread of their own.
        let first = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut first = connect(&target)?;
                    migrate(&mut first.client)?;
                    Ok::<_, StoreError>(first)
                })
                .join()
                .unwrap_or_else(|_| Err(StoreError::Internal("migrations panicked".into())))
        })?;

        let counters = Arc::new(Counters::default());
        let (writes, write_queue) = mpsc::sync_channel::<Box<dyn WriteJob>>(options.queue_capacity);
        let write_queue = Arc::new(Mutex::new(write_queue));
        let mut spare = Some(first);
        for i in 0..options.pool_size.max(1) {
            let (queue, target, counters, conn) = (write_queue.clone(), target.clone(), counters.clone(), spare.take());
            spawn(format!("ordo-pg-writer-{i}"), move || writer_loop(&target, conn, &queue, &counters))?;
        }
        let (reads, read_queue) = mpsc::sync_channel::<ReadJob>(options.queue_capacity);
        let read_queue = Arc::new(Mutex::new(read_queue));
        for i in 0..options.readers.max(1) {
            let (queue, target) = (read_queue.clone(), target.clone());
            spawn(format!("ordo-pg-reader-{i}"), move || reader_loop(&target, &queue))?;
        }
        Ok(PgEngine { writes, reads, counters })
    }
}

/// Takes the next job from a queue shared by the pool's threads; `None` once the engine is gone.
fn next<T>(queue: &Mutex<mpsc::Receiver<T>>) -> Option<T> {
    queue.lock().ok()?.recv().ok()
}

/// The connection, reopened if it was lost.
fn ensure<'a>(config: &Target, conn: &'a mut Option<Conn>) -> StoreResult<&'a mut Conn> {
    if conn.as_ref().is_some_and(|c| c.client.is_closed()) {
        *conn = None;
    }
    if conn.is_none() {
        *conn = Some(connect(config)?);
    }
    Ok(conn.as_mut().expect("just connected"))
}

fn writer_loop(
    config: &Target,
    mut conn: Option<Conn>,
    queue: &Mutex<mpsc::Receiver<Box<dyn WriteJob>>>,
    counters: &Counters,
) {
    while let Some(mut job) = next(queue) {
        counters.queued.fetch_sub(1, Ordering::Relaxed);
        counters.jobs.fetch_add(1, Ordering::Relaxed);
        let outcome = run_write(config, &mut conn, job.as_mut(), counters);
        job.finish(outcome);
    }
}

/// How one attempt at a write job ended.
enum Attempt {
    Done(StoreResult<()>),
    Retry,
    /// The transaction could not even begin: the connection is gone. The job has not run.
    Reconnect(StoreError),
}

/// Runs a write job to completion: committed, refused by the job itself, or failed.
fn run_write(config: &Target, conn: &mut Option<Conn>, job: &mut dyn WriteJob, counters: &Counters) -> StoreResult<()> {
    let (mut attempt, mut reconnected) = (0, false);
    loop {
        attempt += 1;
        // The job never ran if there is no connection; it reports the outage.
        let c = ensure(config, conn)?;
        let (outcome, lost) = attempt_write(c, job, counters, attempt < MAX_ATTEMPTS);
        if lost {
            *conn = None;
        }
        match outcome {
            Attempt::Done(r) => return r,
            Attempt::Retry => {
                counters.retries.fetch_add(1, Ordering::Relaxed);
                backoff(attempt);
            }
            // A connection that died while idle (the database restarted) is replaced once.
            Attempt::Reconnect(_) if !reconnected => reconnected = true,
            Attempt::Reconnect(e) => return Err(e),
        }
    }
}

/// One transaction of a write job; also says whether the connection was lost.
fn attempt_write(c: &mut Conn, job: &mut dyn WriteJob, counters: &Counters, may_retry: bool) -> (Attempt, bool) {
    let started = Instant::now();
    let mut transaction = match c.client.transaction() {
        Ok(t) => t,
        Err(e) => return (Attempt::Reconnect(unavailable(e)), true),
    };
    let mut tx = tx::PgTx::new(&mut transaction, &mut c.statements, true);
    let keep = catch_unwind(AssertUnwindSafe(|| job.run(&mut tx))).unwrap_or_else(|_| {
        tracing::error!("a write job panicked; its transaction is rolled back");
        false
    });
    let (retry, lost) = (tx.retry_hint, tx.connection_lost);
    let worked = Instant::now();
    counters.work_ns.fetch_add((worked - started).as_nanos() as u64, Ordering::Relaxed);
    if !keep {
        let _ = transaction.rollback();
        if retry && !lost && may_retry {
            return (Attempt::Retry, false);
        }
        // The job keeps its own error; the outcome only matters for jobs that succeeded.
        return (Attempt::Done(Ok(())), lost);
    }
    let committed = transaction.commit();
    counters.commit_ns.fetch_add(worked.elapsed().as_nanos() as u64, Ordering::Relaxed);
    match committed {
        Ok(()) => (Attempt::Done(Ok(())), false),
        Err(e) if tx::is_retryable(&e) && may_retry => (Attempt::Retry, false),
        Err(e) => {
            tracing::warn!(error = %e, "commit failed");
            let lost = c.client.is_closed();
            (Attempt::Done(Err(unavailable(e))), lost)
        }
    }
}

/// A short, growing, jittered pause between attempts, so that contenders spread out.
fn backoff(attempt: u32) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let jitter = u64::from(nanos) % 500;
    std::thread::sleep(Duration::from_micros(u64::from(attempt.min(8)) * 250 + jitter));
}

fn reader_loop(config: &Target, queue: &Mutex<mpsc::Receiver<ReadJob>>) {
    let mut conn: Option<Conn> = None;
    while let Some(job) = next(queue) {
        // A connection that died while idle (the database restarted) is replaced once; a job
        // that still cannot run is dropped, and its caller sees the store as unavailable.
        let mut job = Some(job);
        for _ in 0..2 {
            let Ok(c) = ensure(config, &mut conn) else { break };
            let (ran, lost) = run_read(c, &mut job);
            if lost {
                conn = None;
            }
            if ran {
                break;
            }
        }
    }
}

/// Runs a read job in a read-only snapshot. Returns whether it ran (it does not when the
/// transaction cannot begin) and whether the connection was lost.
fn run_read(c: &mut Conn, job: &mut Option<ReadJob>) -> (bool, bool) {
    let started = c.client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start();
    let mut transaction = match started {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "cannot begin a read transaction");
            return (false, true);
        }
    };
    let Some(job) = job.take() else { return (true, false) };
    let mut tx = tx::PgTx::new(&mut transaction, &mut c.statements, false);
    if catch_unwind(AssertUnwindSafe(|| job(&mut tx))).is_err() {
        tracing::error!("a read job panicked");
    }
    let lost = tx.connection_lost;
    let _ = transaction.commit();
    (true, lost)
}

impl Engine for PgEngine {
    fn submit(&self, job: Box<dyn WriteJob>) -> StoreResult<()> {
        self.counters.queued.fetch_add(1, Ordering::Relaxed);
        self.writes.try_send(job).map_err(|e| {
            self.counters.queued.fetch_sub(1, Ordering::Relaxed);
            match e {
                mpsc::TrySendError::Full(_) => StoreError::Unavailable("the write queue is full".into()),
                mpsc::TrySendError::Disconnected(_) => StoreError::Unavailable("the writers stopped".into()),
            }
        })
    }

    fn read(&self, job: ReadJob) -> StoreResult<()> {
        self.reads.try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => StoreError::Unavailable("the read queue is full".into()),
            mpsc::TrySendError::Disconnected(_) => StoreError::Unavailable("the readers stopped".into()),
        })
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn stats(&self) -> EngineStats {
        let jobs = self.counters.jobs.load(Ordering::Relaxed);
        EngineStats {
            // Every job is its own transaction here.
            write_batches: jobs,
            write_jobs: jobs,
            write_queue_depth: self.counters.queued.load(Ordering::Relaxed),
            write_work_seconds: self.counters.work_ns.load(Ordering::Relaxed) as f64 / 1e9,
            write_commit_seconds: self.counters.commit_ns.load(Ordering::Relaxed) as f64 / 1e9,
            write_retries: self.counters.retries.load(Ordering::Relaxed),
        }
    }
}
