//! Secrets at rest on SQLite and PostgreSQL: what the database really holds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bifrost_core::config::file::PluginConfig;
use bifrost_core::config::{ConfigFile, KeyConfig, ProviderConfig, ProxyConfig, ProxyType};
use bifrost_framework::{ConfigStore, SqlConfigStore, StoreError};
use serde_json::json;

const SECRET: &str = "sk-live-secret-0123456789abcdef";
const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const PASSPHRASE: &str = "a long passphrase for the config store";

fn provider() -> ProviderConfig {
    ProviderConfig {
        keys: vec![
            KeyConfig {
                name: Some("live".into()),
                value: SECRET.into(),
                ..Default::default()
            },
            KeyConfig {
                name: Some("from-env".into()),
                value: "env.OPENAI_API_KEY".into(),
                ..Default::default()
            },
            KeyConfig {
                name: Some("aws".into()),
                value: String::new(),
                bedrock_key_config: Some(
                    json!({"access_key": "AKIAIOSFODNN7EXAMPLE", "secret_key": AWS_SECRET, "region": "us-east-1"}),
                ),
                ..Default::default()
            },
        ],
        proxy_config: Some(ProxyConfig {
            kind: ProxyType::Http,
            url: Some("http://proxy:3128".into()),
            password: Some("proxy-pass-abcdef".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn plugin() -> PluginConfig {
    PluginConfig {
        name: "otel".into(),
        enabled: true,
        config: Some(json!({"headers": {"authorization": "Bearer plugin-token-123"}})),
        ..Default::default()
    }
}

on_both_backends!(secrets_are_encrypted_at_rest, |db, target| {
    let store = SqlConfigStore::open(&target, Some(PASSPHRASE))
        .await
        .unwrap();
    assert!(store.is_encrypted());
    store.create_provider("openai", &provider()).await.unwrap();
    store.create_plugin(&plugin()).await.unwrap();

    let values = db
        .raw_column("SELECT value FROM config_keys ORDER BY position")
        .await;
    let live = values[0].clone().unwrap();
    assert!(live.starts_with("enc:v1:"), "{live}");
    assert!(!live.contains(SECRET));
    assert_eq!(
        values[1].as_deref(),
        Some("env.OPENAI_API_KEY"),
        "references stay references"
    );
    assert_eq!(values[2].as_deref(), Some(""), "empty values stay empty");

    let aws = db
        .raw_column("SELECT config_json FROM config_keys WHERE name = 'aws'")
        .await;
    let aws: serde_json::Value = serde_json::from_str(aws[0].as_deref().unwrap()).unwrap();
    let block = &aws["bedrock_key_config"];
    assert!(block["secret_key"].as_str().unwrap().starts_with("enc:v1:"));
    assert!(block["access_key"].as_str().unwrap().starts_with("enc:v1:"));
    assert_eq!(block["region"], "us-east-1");

    let prov = db
        .raw_column("SELECT config_json FROM config_providers")
        .await;
    let prov = prov[0].as_deref().unwrap();
    assert!(
        !prov.contains("proxy-pass-abcdef") && prov.contains("enc:v1:"),
        "{prov}"
    );
    let plug = db
        .raw_column("SELECT config_json FROM config_plugins")
        .await;
    let plug = plug[0].as_deref().unwrap();
    assert!(
        !plug.contains("plugin-token-123") && plug.contains("enc:v1:"),
        "{plug}"
    );

    // No secret appears anywhere in the database, in any table.
    for sql in [
        "SELECT config_json FROM config_providers",
        "SELECT value FROM config_keys",
        "SELECT config_json FROM config_keys",
        "SELECT config_json FROM config_plugins",
        "SELECT value FROM config_meta",
    ] {
        for v in db.raw_column(sql).await.into_iter().flatten() {
            for secret in [
                SECRET,
                AWS_SECRET,
                "proxy-pass-abcdef",
                "plugin-token-123",
                PASSPHRASE,
            ] {
                assert!(!v.contains(secret), "{sql}: {v}");
            }
        }
    }

    // Reads decrypt.
    let p = store.get_provider("openai").await.unwrap().unwrap();
    assert_eq!(
        p,
        ProviderConfig {
            keys: p.keys.clone(),
            ..provider()
        }
    );
    assert_eq!(p.keys[0].value, SECRET);
    assert_eq!(
        p.keys[2].bedrock_key_config.as_ref().unwrap()["secret_key"],
        AWS_SECRET
    );
    assert_eq!(store.get_plugin("otel").await.unwrap().unwrap(), plugin());
    store.close().await;

    // The same passphrase opens it again; another one and none are refused.
    let again = SqlConfigStore::open(&target, Some(PASSPHRASE))
        .await
        .unwrap();
    assert_eq!(again.list_keys("openai").await.unwrap()[0].value, SECRET);
    again.close().await;
    let err = SqlConfigStore::open(&target, Some("not the passphrase"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongEncryptionKey), "{err}");
    let err = SqlConfigStore::open(&target, None).await.unwrap_err();
    assert!(matches!(err, StoreError::EncryptionKeyRequired), "{err}");
    assert!(!format!("{err} {err:?}").contains(PASSPHRASE));
});

on_both_backends!(
    enabling_encryption_seals_existing_plaintext,
    |db, target| {
        let plain = SqlConfigStore::open(&target, None).await.unwrap();
        assert!(!plain.is_encrypted());
        plain.create_provider("openai", &provider()).await.unwrap();
        plain.create_plugin(&plugin()).await.unwrap();
        let file = ConfigFile {
            providers: [(
                "groq".to_owned(),
                ProviderConfig {
                    keys: vec![KeyConfig {
                        name: Some("g".into()),
                        value: "gsk-file-secret-999".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        plain.seed_from_file(&file).await.unwrap();
        let raw = db
            .raw_column("SELECT value FROM config_keys WHERE name = 'live'")
            .await;
        assert_eq!(raw[0].as_deref(), Some(SECRET), "no key: plaintext");
        plain.close().await;

        let enc = SqlConfigStore::open(&target, Some(PASSPHRASE))
            .await
            .unwrap();
        for v in db
            .raw_column("SELECT value FROM config_keys")
            .await
            .into_iter()
            .flatten()
        {
            assert!(
                v.is_empty() || v.starts_with("enc:v1:") || v.starts_with("env."),
                "{v}"
            );
        }
        let prov = db
            .raw_column("SELECT config_json FROM config_providers WHERE name = 'openai'")
            .await;
        assert!(!prov[0].as_deref().unwrap().contains("proxy-pass-abcdef"));
        let plug = db
            .raw_column("SELECT config_json FROM config_plugins")
            .await;
        assert!(!plug[0].as_deref().unwrap().contains("plugin-token-123"));
        assert_eq!(enc.list_keys("openai").await.unwrap()[0].value, SECRET);
        assert_eq!(enc.get_plugin("otel").await.unwrap().unwrap(), plugin());

        // The file was seeded without a key; seeding the same file with one sees no change.
        let report = enc.seed_from_file(&file).await.unwrap();
        assert!(
            report.updated.is_empty() && report.inserted.is_empty(),
            "{report:?}"
        );
        assert!(
            report.unchanged.contains(&"key groq/g".to_owned()),
            "{report:?}"
        );
        let hashes = db
            .raw_column("SELECT config_hash FROM config_keys WHERE name = 'g'")
            .await;
        assert!(
            hashes[0].as_deref().unwrap().starts_with("hmac:"),
            "hash moved to the keyed scheme"
        );
        let report = enc.seed_from_file(&file).await.unwrap();
        assert!(
            report.updated.is_empty() && report.inserted.is_empty(),
            "{report:?}"
        );

        // Opening again does not rewrite sealed rows (their ciphertext stays byte-identical).
        let before = db
            .raw_column("SELECT value FROM config_keys ORDER BY provider, id")
            .await;
        enc.close().await;
        let enc = SqlConfigStore::open(&target, Some(PASSPHRASE))
            .await
            .unwrap();
        let after = db
            .raw_column("SELECT value FROM config_keys ORDER BY provider, id")
            .await;
        assert_eq!(before, after);
        enc.close().await;
    }
);
