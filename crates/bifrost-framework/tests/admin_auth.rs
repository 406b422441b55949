//! The admin account row and login sessions on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bifrost_framework::{AdminCredentials, ConfigStore, SqlConfigStore, StoreError};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

fn admin(name: &str, digest: Option<&str>) -> AdminCredentials {
    AdminCredentials {
        admin_username: name.to_owned(),
        password_hash: HASH.to_owned(),
        is_enabled: true,
        disable_auth_on_inference: false,
        seed_digest: digest.map(str::to_owned),
    }
}

on_both_backends!(admin_account_is_stored_and_replaced, |db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    assert_eq!(store.get_admin_credentials().await.unwrap(), None);
    store
        .set_admin_credentials(&admin("admin", Some("digest")))
        .await
        .unwrap();
    assert_eq!(
        store.get_admin_credentials().await.unwrap(),
        Some(admin("admin", Some("digest")))
    );
    let mut changed = admin("root", None);
    changed.disable_auth_on_inference = true;
    store.set_admin_credentials(&changed).await.unwrap();
    assert_eq!(store.get_admin_credentials().await.unwrap(), Some(changed));
    // Only hashes are accepted, never a password.
    let mut plain = admin("root", None);
    plain.password_hash = "hunter2".to_owned();
    assert!(matches!(
        store.set_admin_credentials(&plain).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.set_admin_credentials(&admin(" ", None)).await,
        Err(StoreError::Invalid(_))
    ));
    let stored = db.raw_column("SELECT password_hash FROM config_auth").await;
    assert_eq!(stored, vec![Some(HASH.to_owned())]);
    store.close().await;
    // Reopening keeps it.
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    assert_eq!(
        store
            .get_admin_credentials()
            .await
            .unwrap()
            .unwrap()
            .admin_username,
        "root"
    );
    store.close().await;
});

on_both_backends!(sessions_expire_and_end, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    store.create_session("live", 2_000).await.unwrap();
    store.create_session("old", 1_000).await.unwrap();
    store.create_session("other", 3_000).await.unwrap();
    assert_eq!(store.session_expires_at("live").await.unwrap(), Some(2_000));
    assert_eq!(store.session_expires_at("nope").await.unwrap(), None);
    assert_eq!(store.delete_expired_sessions(1_500).await.unwrap(), 1);
    assert_eq!(store.session_expires_at("old").await.unwrap(), None);
    store.delete_session("live").await.unwrap();
    assert_eq!(store.session_expires_at("live").await.unwrap(), None);
    assert_eq!(store.delete_all_sessions().await.unwrap(), 1);
    assert_eq!(store.session_expires_at("other").await.unwrap(), None);
    store.close().await;
});
