//! Credentials at rest: carriers' API keys and webhook secrets are stored sealed with the
//! configured key, never in plain text; `ordo secrets rotate` seals them with a new key that
//! alone then opens them; without a configured key, a key file is made beside the database.

use serde_json::json;

use crate::common::{TestServer, create_admin_key, ordo_cli, start_server_with, temp_dir};
use crate::shipping::track;

const A: &str = "a:1111111111111111111111111111111111111111111111111111111111111111";
const B: &str = "b:2222222222222222222222222222222222222222222222222222222222222222";

fn ordo(args: &[&str], key: Option<&str>) -> (bool, String) {
    match key {
        Some(k) => ordo_cli(args, &[("ORDO_SECRETS_KEY", k)]),
        None => ordo_cli(args, &[]),
    }
}

fn stored_carriers(db: &str) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut rows = conn.prepare("SELECT body FROM carriers").unwrap();
    rows.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_credentials_are_sealed_at_rest_and_rotate_to_a_new_key() {
    let dir = temp_dir("secrets");
    let db = dir.join("ordo.db").to_string_lossy().into_owned();
    let (ok, out) = ordo(&["demo", "--database", &db], Some(A));
    assert!(ok, "{out}");
    let admin = create_admin_key(&db);
    let (mut child, base) = start_server_with(&db, &["--allow-private-targets"], &[("ORDO_SECRETS_KEY", A)]);
    let s = TestServer::attach(base, admin.clone(), dir.clone());
    let api = json!({"kind": "easypost", "base_url": "http://127.0.0.1:9", "api_key": "EZTK_live_do_not_store"});
    let made = s
        .post("/v1/carriers", json!({"code": "EP", "name": "EasyPost", "webhook_secret": "ep-hook-secret", "api": api}))
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    assert!(!made.body.to_string().contains("EZTK_live") && !made.body.to_string().contains("ep-hook-secret"));
    // The demo carrier's secret still verifies its tracking reports: an unknown parcel is a
    // 404, not a refused signature.
    let report = json!({"tracking_number": "PARCELCO000", "status": "in_transit"});
    assert_eq!(track(&s, "PARCELCO", report.clone(), "demo-parcelco-secret").await.status, 404);
    child.kill().unwrap();
    child.wait().unwrap();

    let stored = stored_carriers(&db);
    for secret in ["EZTK_live_do_not_store", "ep-hook-secret", "demo-parcelco-secret"] {
        assert!(!stored.contains(secret), "{secret} is stored in plain text: {stored}");
    }
    let sealed = stored.matches("enc1:a:").count();
    assert!(sealed >= 3, "{stored}");

    // Rotation: the new key first, every credential sealed with it, then the old key dropped.
    let (ok, out) = ordo(&["secrets", "rotate", "--database", &db], Some(&format!("{B},{A}")));
    assert!(
        ok && out.contains("3 carriers and the signing secrets of 0 webhook subscriptions with secrets key b"),
        "{out}"
    );
    let stored = stored_carriers(&db);
    assert!(stored.matches("enc1:b:").count() == sealed && !stored.contains("enc1:a:"), "{stored}");
    let (mut child, base) = start_server_with(&db, &[], &[("ORDO_SECRETS_KEY", B)]);
    let s = TestServer::attach(base, admin, dir.clone());
    assert_eq!(track(&s, "PARCELCO", report.clone(), "demo-parcelco-secret").await.status, 404);
    assert_eq!(track(&s, "PARCELCO", report, "wrong").await.status, 401);
    assert_eq!(s.get("/v1/carriers/EP").await.body["code"], "EP");
    child.kill().unwrap();
    child.wait().unwrap();
    let (ok, out) = ordo(&["secrets", "rotate", "--database", &db], Some(A));
    assert!(!ok && out.contains("secrets key b, which is not configured"), "{out}");

    // No key configured: a key file beside the database, readable by its owner only, made
    // once and used from then on.
    let other = dir.join("own").join("ordo.db").to_string_lossy().into_owned();
    let (ok, out) = ordo(&["demo", "--database", &other], None);
    assert!(ok, "{out}");
    let file = dir.join("own").join("secrets.key");
    let key = std::fs::read_to_string(&file).unwrap();
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions()) & 0o777,
        0o600
    );
    let id = key.split(':').next().unwrap();
    assert!(stored_carriers(&other).contains(&format!("enc1:{id}:")));
    let (ok, out) = ordo(&["secrets", "rotate", "--database", &other], None);
    assert!(ok, "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), key);
}
