//! Test support shared by every crate's tests: a fresh, empty database on each engine.
//! SQLite always; PostgreSQL when `ORDO_TEST_POSTGRES_URL` names a database, in which each
//! test gets a schema of its own. Never used outside tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}_{nanos}_{n}", std::process::id())
}

/// A fresh, empty directory under the system's temporary directory.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordo-test-{label}-{}", unique()));
    std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
    dir
}

/// The storage engine a test runs against.
#[derive(Debug, Clone)]
pub enum TestEngine {
    Sqlite,
    /// The base URL of a PostgreSQL database.
    Postgres(String),
}

impl TestEngine {
    /// PostgreSQL, when `ORDO_TEST_POSTGRES_URL` names one (`scripts/test.sh` starts one).
    pub fn postgres() -> Option<TestEngine> {
        match std::env::var("ORDO_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(TestEngine::Postgres(url)),
            _ => {
                eprintln!("ORDO_TEST_POSTGRES_URL is not set: the PostgreSQL variant of this test did not run");
                None
            }
        }
    }

    /// A database URL with nothing in it yet; SQLite files go in `dir`.
    pub fn fresh_url(&self, dir: &Path) -> String {
        match self {
            TestEngine::Sqlite => dir.join("ordo.db").to_string_lossy().into_owned(),
            TestEngine::Postgres(base) => {
                let schema = format!("t_{}", unique());
                let (url, create) = (base.clone(), format!("CREATE SCHEMA {schema}"));
                // The driver blocks on a runtime of its own, so it runs on a plain thread.
                std::thread::spawn(move || {
                    let mut c =
                        postgres::Client::connect(&url, postgres::NoTls).expect("the test PostgreSQL is reachable");
                    c.batch_execute(&create).expect("a test schema can be created");
                })
                .join()
                .expect("creating the test schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}options=-csearch_path%3D{schema}")
            }
        }
    }
}
