//! API keys: found by the hash of their secret, listed, revoked once.

use ordo_store::{ApiKeyRecord, StoreError};

use crate::common::{engines, read, store, write};

fn key(id: &str, hash: &str, channel: Option<&str>) -> ApiKeyRecord {
    ApiKeyRecord {
        id: id.into(),
        hash: hash.into(),
        prefix: format!("ordo_{id}"),
        role: if channel.is_some() { "channel".into() } else { "admin".into() },
        channel: channel.map(Into::into),
        name: Some(format!("key {id}")),
        created_at: 100,
        revoked_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_found_by_hash_and_listed_by_id() {
    for engine in engines() {
        let s = store(&engine);
        let (b, a) = (key("key_b", "hash_b", Some("web")), key("key_a", "hash_a", None));
        let (b2, a2) = (b.clone(), a.clone());
        write(&s, move |tx| {
            tx.insert_api_key(&b2)?;
            tx.insert_api_key(&a2)
        })
        .await
        .unwrap();
        let taken = key("key_c", "hash_a", None);
        let err = write(&s, move |tx| tx.insert_api_key(&taken)).await.unwrap_err();
        assert_eq!(err, StoreError::Conflict("api_keys.hash"), "{engine:?}: one key per secret");
        let (found, unknown, all) =
            read(&s, |tx| Ok((tx.api_key_by_hash("hash_b")?, tx.api_key_by_hash("hash_x")?, tx.list_api_keys()?)))
                .await;
        assert_eq!(found, Some(b.clone()), "{engine:?}");
        assert_eq!(unknown, None, "{engine:?}");
        assert_eq!(all, [a, b], "{engine:?}: in id order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_revoked_once_and_stays_revoked() {
    for engine in engines() {
        let s = store(&engine);
        write(&s, |tx| {
            tx.insert_api_key(&key("key_a", "hash_a", None))?;
            tx.insert_api_key(&key("key_b", "hash_b", None))
        })
        .await
        .unwrap();
        let revoked = write(&s, |tx| {
            Ok((tx.revoke_api_key("key_a", 500)?, tx.revoke_api_key("key_a", 600)?, tx.revoke_api_key("key_x", 500)?))
        })
        .await
        .unwrap();
        assert_eq!(revoked, (true, false, false), "{engine:?}: only an unrevoked key can be revoked");
        let keys = read(&s, |tx| tx.list_api_keys()).await;
        let at: Vec<Option<i64>> = keys.iter().map(|k| k.revoked_at).collect();
        assert_eq!(at, [Some(500), None], "{engine:?}: the first revocation's time stays");
        let by_hash = read(&s, |tx| tx.api_key_by_hash("hash_a")).await.map(|k| k.revoked_at);
        assert_eq!(by_hash, Some(Some(500)), "{engine:?}: a revoked key is still found, marked revoked");
    }
}
