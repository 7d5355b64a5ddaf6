//! TLS to PostgreSQL, as libpq does it: `prefer` and `require` encrypt, `verify-full` also
//! checks the server's certificate and refuses one it cannot trust.
//! Runs when the test PostgreSQL has TLS on (`scripts/test.sh` sets `ORDO_TEST_PG_CA_FILE`).

use ordo_store::testing::{TestEngine, temp_dir};
use ordo_store::{OpenOptions, StoreError};

/// Whether every connection Ordo holds in this schema's tests is encrypted, as the server sees it.
fn encrypted_connections(base: &str) -> (i64, i64) {
    let base = base.to_owned();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        let row = c
            .query_one(
                "SELECT COUNT(*) FILTER (WHERE s.ssl), COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                 WHERE a.application_name = 'ordo-tls-test'",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1))
    })
    .join()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_encrypted_and_verify_full_checks_the_certificate() {
    let Some(TestEngine::Postgres(base)) = TestEngine::postgres() else { return };
    let Ok(ca) = std::env::var("ORDO_TEST_PG_CA_FILE") else {
        eprintln!("ORDO_TEST_PG_CA_FILE is not set: the TLS test did not run");
        return;
    };
    let url = TestEngine::Postgres(base.clone()).fresh_url(&temp_dir("tls")) + "&application_name=ordo-tls-test";

    // Without a trusted certificate authority, verify-full refuses the self-signed server.
    let verify = format!("{url}&sslmode=verify-full");
    let refused = ordo_store::open(&verify, &OpenOptions::default());
    assert!(matches!(refused, Err(StoreError::Unavailable(_))), "an untrusted server was accepted");

    // With the server's certificate as the authority it connects, encrypted.
    let options = OpenOptions { ca_file: Some(ca.into()), pool_size: 2, readers: 2, ..OpenOptions::default() };
    let store = ordo_store::open(&verify, &options).unwrap();
    let counts = store.read(|tx| tx.table_counts()).await.unwrap();
    assert!(counts.iter().all(|(_, n)| *n == 0));
    let (tls, all) = encrypted_connections(&base);
    assert!(all > 0 && tls == all, "{tls} of {all} connections are encrypted");

    // `require` encrypts without checking who answers, as libpq does.
    let required = ordo_store::open(&format!("{url}&sslmode=require"), &OpenOptions::default()).unwrap();
    required.read(|tx| tx.table_counts()).await.unwrap();
}
