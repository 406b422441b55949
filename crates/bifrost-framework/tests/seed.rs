//! `source_of_truth: "split"` seeding from config.json, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bifrost_core::config::ConfigFile;
use bifrost_core::config::KeyConfig;
use bifrost_framework::{ConfigStore, SqlConfigStore, StoreError};

fn file(json: &str) -> ConfigFile {
    ConfigFile::parse(json.as_bytes()).unwrap()
}

const V1: &str = r#"{
  "client": {"drop_excess_requests": false, "max_request_body_size_mb": 10},
  "providers": {
    "openai": {
      "keys": [
        {"name": "oa-1", "value": "sk-file-key-one-0123456789", "models": ["gpt-4o"], "weight": 1.0},
        {"value": "env.OPENAI_KEY_2", "weight": 0.5}
      ],
      "network_config": {"max_retries": 1}
    },
    "anthropic": {"keys": [{"name": "an-1", "value": "sk-ant-file-key"}]}
  },
  "plugins": [{"name": "mocker", "enabled": true, "config": {"rules": []}}]
}"#;

fn labels(v: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = v.iter().map(String::as_str).collect();
    v.sort_unstable();
    v
}

on_both_backends!(first_seed_inserts_everything, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    let report = store.seed_from_file(&file(V1)).await.unwrap();
    assert_eq!(
        labels(&report.inserted),
        [
            "client",
            "key anthropic/an-1",
            "key openai/oa-1",
            "key openai/openai-key-1",
            "plugin mocker",
            "provider anthropic",
            "provider openai",
        ]
    );
    assert!(report.updated.is_empty() && report.unchanged.is_empty());

    let openai = store.get_provider("openai").await.unwrap().unwrap();
    assert_eq!(openai.network().max_retries(), 1);
    let names: Vec<_> = openai
        .keys
        .iter()
        .map(|k| (k.id.clone().unwrap(), k.name.clone().unwrap()))
        .collect();
    // Ids and names derived the way the engine derives them.
    assert_eq!(
        names,
        [
            ("oa-1".to_owned(), "oa-1".to_owned()),
            ("openai-key-1".to_owned(), "openai-key-1".to_owned())
        ]
    );
    assert_eq!(openai.keys[1].value, "env.OPENAI_KEY_2");
    assert_eq!(
        store
            .get_client_config()
            .await
            .unwrap()
            .unwrap()
            .max_request_body_size_mb,
        Some(10)
    );
    assert!(store.get_plugin("mocker").await.unwrap().unwrap().enabled);

    // The same file again changes nothing.
    let report = store.seed_from_file(&file(V1)).await.unwrap();
    assert!(
        report.inserted.is_empty() && report.updated.is_empty(),
        "{report:?}"
    );
    assert_eq!(report.unchanged.len(), 7);
    store.close().await;
});

on_both_backends!(api_edits_survive_reseed_of_unchanged_file, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    store.seed_from_file(&file(V1)).await.unwrap();

    // Edit through the API: a key's models and value, a provider's network, the client, a plugin.
    let edited = KeyConfig {
        value: "sk-rotated-by-admin-0987654321".into(),
        models: Some(vec!["gpt-4o".into(), "o3".into()]),
        ..Default::default()
    };
    store.update_key("openai", "oa-1", &edited).await.unwrap();
    let mut p = store.get_provider("openai").await.unwrap().unwrap();
    p.network_config.as_mut().unwrap().max_retries = Some(7);
    store.update_provider("openai", &p).await.unwrap();
    let mut c = store.get_client_config().await.unwrap().unwrap();
    c.max_request_body_size_mb = Some(99);
    store.set_client_config(&c).await.unwrap();
    let mut m = store.get_plugin("mocker").await.unwrap().unwrap();
    m.enabled = false;
    store.update_plugin(&m).await.unwrap();
    // And add a key and a provider that the file does not know.
    store
        .create_key(
            "openai",
            &KeyConfig {
                name: Some("api-only".into()),
                value: "sk-api-only-123".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .create_provider("groq", &Default::default())
        .await
        .unwrap();

    let report = store.seed_from_file(&file(V1)).await.unwrap();
    assert!(
        report.inserted.is_empty() && report.updated.is_empty(),
        "{report:?}"
    );

    let openai = store.get_provider("openai").await.unwrap().unwrap();
    let oa1 = openai
        .keys
        .iter()
        .find(|k| k.name.as_deref() == Some("oa-1"))
        .unwrap();
    assert_eq!(oa1.value, "sk-rotated-by-admin-0987654321");
    assert_eq!(oa1.models.as_deref().unwrap(), ["gpt-4o", "o3"]);
    assert_eq!(openai.network().max_retries(), 7);
    assert_eq!(
        store
            .get_client_config()
            .await
            .unwrap()
            .unwrap()
            .max_request_body_size_mb,
        Some(99)
    );
    assert!(!store.get_plugin("mocker").await.unwrap().unwrap().enabled);
    assert!(
        openai
            .keys
            .iter()
            .any(|k| k.name.as_deref() == Some("api-only")),
        "rows not in the file are kept"
    );
    assert!(store.get_provider("groq").await.unwrap().is_some());
    store.close().await;
});

on_both_backends!(changed_file_rows_update_the_store, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    store.seed_from_file(&file(V1)).await.unwrap();
    // An API edit to a row whose file entry then changes: the file wins for that row only.
    store
        .update_key(
            "openai",
            "oa-1",
            &KeyConfig {
                value: "sk-admin-value-xxxxxxxx".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .update_key(
            "anthropic",
            "an-1",
            &KeyConfig {
                value: "sk-ant-admin-value".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let v2 = V1
        .replace(r#""models": ["gpt-4o"], "weight": 1.0"#, r#""models": ["gpt-4o", "gpt-4.1"], "weight": 3.0"#)
        .replace(r#""max_retries": 1"#, r#""max_retries": 2"#)
        .replace(r#""max_request_body_size_mb": 10"#, r#""max_request_body_size_mb": 20"#)
        .replace(
            r#"{"name": "an-1", "value": "sk-ant-file-key"}"#,
            r#"{"name": "an-1", "value": "sk-ant-file-key"}, {"name": "an-2", "value": "sk-ant-second"}"#,
        );
    let report = store.seed_from_file(&file(&v2)).await.unwrap();
    assert_eq!(
        labels(&report.updated),
        ["client", "key openai/oa-1", "provider openai"]
    );
    assert_eq!(labels(&report.inserted), ["key anthropic/an-2"]);
    assert_eq!(
        labels(&report.unchanged),
        [
            "key anthropic/an-1",
            "key openai/openai-key-1",
            "plugin mocker",
            "provider anthropic"
        ]
    );

    let openai = store.get_provider("openai").await.unwrap().unwrap();
    assert_eq!(openai.network().max_retries(), 2);
    assert_eq!(
        openai.keys[0].value, "sk-file-key-one-0123456789",
        "file content replaced the API edit"
    );
    assert_eq!(openai.keys[0].weight, Some(3.0));
    assert_eq!(
        openai.keys[0].models.as_deref().unwrap(),
        ["gpt-4o", "gpt-4.1"]
    );
    let anthropic = store.get_provider("anthropic").await.unwrap().unwrap();
    assert_eq!(
        anthropic.keys[0].value, "sk-ant-admin-value",
        "unchanged file row keeps the API edit"
    );
    assert_eq!(anthropic.keys[1].name.as_deref(), Some("an-2"));
    assert_eq!(
        store
            .get_client_config()
            .await
            .unwrap()
            .unwrap()
            .max_request_body_size_mb,
        Some(20)
    );

    // Key order or whitespace in the file is not a change.
    let reordered = v2.replace(
        r#"{"name": "oa-1", "value": "sk-file-key-one-0123456789", "models""#,
        r#"{"value": "sk-file-key-one-0123456789", "name": "oa-1", "models""#,
    );
    assert_ne!(reordered, v2);
    let report = store.seed_from_file(&file(&reordered)).await.unwrap();
    assert!(
        report.updated.is_empty() && report.inserted.is_empty(),
        "{report:?}"
    );
    store.close().await;
});

on_both_backends!(
    api_deletions_of_file_rows_stick_until_the_file_changes,
    |_db, target| {
        let store = SqlConfigStore::open(&target, None).await.unwrap();
        store.seed_from_file(&file(V1)).await.unwrap();
        store.delete_key("openai", "oa-1").await.unwrap();
        store.delete_provider("anthropic").await.unwrap();
        store.delete_plugin("mocker").await.unwrap();

        let report = store.seed_from_file(&file(V1)).await.unwrap();
        assert_eq!(
            labels(&report.skipped_deleted),
            ["key openai/oa-1", "plugin mocker", "provider anthropic"]
        );
        assert!(report.inserted.is_empty(), "{report:?}");
        assert!(store.get_key("openai", "oa-1").await.unwrap().is_none());
        assert!(store.get_provider("anthropic").await.unwrap().is_none());

        // Re-created through the API: an unchanged file does not overwrite it either.
        store
            .create_key(
                "openai",
                &KeyConfig {
                    id: Some("oa-1".into()),
                    name: Some("oa-1".into()),
                    value: "sk-recreated-by-admin".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let report = store.seed_from_file(&file(V1)).await.unwrap();
        assert!(
            report.unchanged.contains(&"key openai/oa-1".to_owned()),
            "{report:?}"
        );
        assert_eq!(
            store
                .get_key("openai", "oa-1")
                .await
                .unwrap()
                .unwrap()
                .value,
            "sk-recreated-by-admin"
        );

        // A changed file entry comes back.
        let v2 = V1
            .replace(
                r#""value": "sk-ant-file-key""#,
                r#""value": "sk-ant-new-file-key""#,
            )
            .replace(
                r#""anthropic": {"keys""#,
                r#""anthropic": {"send_back_raw_response": true, "keys""#,
            );
        let report = store.seed_from_file(&file(&v2)).await.unwrap();
        assert_eq!(
            labels(&report.inserted),
            ["key anthropic/an-1", "provider anthropic"]
        );
        assert_eq!(
            store.get_provider("anthropic").await.unwrap().unwrap().keys[0].value,
            "sk-ant-new-file-key"
        );
        store.close().await;
    }
);

on_both_backends!(
    file_keys_match_api_keys_by_name_and_masks_are_refused,
    |_db, target| {
        let store = SqlConfigStore::open(&target, None).await.unwrap();
        // A provider and key created through the API before the file named them.
        store
            .create_provider("anthropic", &Default::default())
            .await
            .unwrap();
        let api = store
            .create_key(
                "anthropic",
                &KeyConfig {
                    name: Some("an-1".into()),
                    value: "sk-api-made".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let report = store.seed_from_file(&file(V1)).await.unwrap();
        assert!(
            report.updated.contains(&"key anthropic/an-1".to_owned()),
            "{report:?}"
        );
        let keys = store.list_keys("anthropic").await.unwrap();
        assert_eq!(keys.len(), 1, "matched by name, not duplicated");
        assert_eq!(keys[0].id, api.id, "the stored id is kept");
        assert_eq!(keys[0].value, "sk-ant-file-key");

        let masked = V1
            .replace("sk-file-key-one-0123456789", "sk-f********6789")
            .replace(
                r#""max_request_body_size_mb": 10"#,
                r#""max_request_body_size_mb": 77"#,
            );
        let err = store.seed_from_file(&file(&masked)).await.unwrap_err();
        match err {
            StoreError::MaskedSecret { field } => {
                assert_eq!(field, "providers.openai.keys[0].value")
            }
            other => panic!("{other}"),
        }
        // The failed seed wrote nothing, not even the client change that came before the key.
        assert_eq!(
            store
                .get_key("openai", "oa-1")
                .await
                .unwrap()
                .unwrap()
                .value,
            "sk-file-key-one-0123456789"
        );
        assert_eq!(
            store
                .get_client_config()
                .await
                .unwrap()
                .unwrap()
                .max_request_body_size_mb,
            Some(10)
        );
        store.close().await;
    }
);
