//! Configuration store CRUD on SQLite and PostgreSQL: providers, keys, client, plugins, and
//! the rule that a masked value never replaces a stored secret.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bifrost_core::config::file::PluginConfig;
use bifrost_core::config::{
    ClientConfig, KeyConfig, NetworkConfig, ProviderConfig, ProxyConfig, ProxyType,
};
use bifrost_framework::secrets::{mask_key, mask_provider};
use bifrost_framework::{ConfigStore, SqlConfigStore, StoreError};
use serde_json::json;

const OA_KEY: &str = "sk-proj-0123456789abcdefghijklmnop";

fn openai() -> ProviderConfig {
    ProviderConfig {
        keys: vec![
            KeyConfig {
                name: Some("oa-1".into()),
                value: OA_KEY.into(),
                models: Some(vec!["gpt-4o".into(), "gpt-4o-mini".into()]),
                weight: Some(2.0),
                ..Default::default()
            },
            KeyConfig {
                id: Some("k2".into()),
                name: Some("oa-2".into()),
                value: "env.OPENAI_KEY_2".into(),
                ..Default::default()
            },
        ],
        network_config: Some(NetworkConfig {
            base_url: Some("https://api.openai.com".into()),
            max_retries: Some(3),
            ..Default::default()
        }),
        proxy_config: Some(ProxyConfig {
            kind: ProxyType::Http,
            url: Some("http://proxy:3128".into()),
            username: Some("u".into()),
            password: Some("proxy-password-123456".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

on_both_backends!(provider_crud_round_trip, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    assert!(store.list_providers().await.unwrap().is_empty());

    let created = store.create_provider("openai", &openai()).await.unwrap();
    assert_eq!(created.keys.len(), 2);
    let k1 = &created.keys[0];
    assert_eq!(k1.name.as_deref(), Some("oa-1"));
    assert!(
        !k1.id.as_deref().unwrap().is_empty(),
        "a key without id gets one"
    );
    assert_eq!(k1.value, OA_KEY);
    assert_eq!(k1.models.as_deref().unwrap(), ["gpt-4o", "gpt-4o-mini"]);
    assert_eq!(k1.weight, Some(2.0));
    assert_eq!(created.keys[1].id.as_deref(), Some("k2"));
    assert_eq!(created.keys[1].value, "env.OPENAI_KEY_2");
    assert_eq!(created.network_config, openai().network_config);
    assert_eq!(created.proxy_config, openai().proxy_config);

    // Unknown fields survive the round trip.
    let mut extra = openai();
    extra.keys.clear();
    extra.extra.insert("future_field".into(), json!({"x": 1}));
    store.create_provider("groq", &extra).await.unwrap();
    let groq = store.get_provider("groq").await.unwrap().unwrap();
    assert_eq!(groq.extra["future_field"], json!({"x": 1}));
    assert!(groq.keys.is_empty());

    let all = store.list_providers().await.unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["groq", "openai"]);
    assert_eq!(all["openai"], created);

    let err = store
        .create_provider("openai", &openai())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let err = store.create_provider(" ", &openai()).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");

    // Update replaces provider settings and leaves keys alone.
    let mut upd = openai();
    upd.keys.clear();
    upd.network_config = Some(NetworkConfig {
        default_request_timeout_in_seconds: Some(120),
        ..Default::default()
    });
    upd.send_back_raw_response = Some(true);
    let updated = store.update_provider("openai", &upd).await.unwrap();
    assert_eq!(
        updated
            .network_config
            .as_ref()
            .unwrap()
            .default_request_timeout_in_seconds,
        Some(120)
    );
    assert_eq!(updated.network_config.as_ref().unwrap().base_url, None);
    assert_eq!(updated.send_back_raw_response, Some(true));
    assert_eq!(updated.keys, created.keys);

    assert!(
        store
            .update_provider("nope", &upd)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        store
            .delete_provider("nope")
            .await
            .unwrap_err()
            .is_not_found()
    );

    store.delete_provider("openai").await.unwrap();
    assert!(store.get_provider("openai").await.unwrap().is_none());
    assert!(
        store.list_all_keys().await.unwrap().is_empty(),
        "keys go with the provider"
    );
    assert!(store.list_keys("openai").await.unwrap_err().is_not_found());
    store.close().await;
});

on_both_backends!(key_crud_round_trip, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    let mut p = openai();
    p.keys.truncate(1);
    store.create_provider("openai", &p).await.unwrap();

    let new = KeyConfig {
        name: Some("azure-style".into()),
        value: "secret-value-0123456789".into(),
        models: Some(vec!["*".into()]),
        aliases: Some(
            [("gpt-4o".to_owned(), json!("my-deployment"))]
                .into_iter()
                .collect(),
        ),
        azure_key_config: Some(
            json!({"endpoint": "https://x.openai.azure.com", "client_secret": "azure-client-secret-xyz"}),
        ),
        ..Default::default()
    };
    let created = store.create_key("openai", &new).await.unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(created.name.as_deref(), Some("azure-style"));
    assert_eq!(
        created.alias_for("gpt-4o").as_deref(),
        Some("my-deployment")
    );
    assert_eq!(
        created.azure_key_config.as_ref().unwrap()["client_secret"],
        "azure-client-secret-xyz"
    );

    let keys = store.list_keys("openai").await.unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| k.name.clone().unwrap())
            .collect::<Vec<_>>(),
        ["oa-1", "azure-style"],
        "new keys go to the end"
    );
    assert_eq!(
        store.get_key("openai", &id).await.unwrap().unwrap(),
        created
    );
    assert!(store.get_key("openai", "missing").await.unwrap().is_none());

    let all = store.list_all_keys().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|k| k.provider == "openai"));

    // Same name again: conflict, nothing written.
    let dup = KeyConfig {
        name: Some("oa-1".into()),
        value: "sk-other".into(),
        ..Default::default()
    };
    assert!(matches!(
        store.create_key("openai", &dup).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    let dup_id = KeyConfig {
        id: Some(id.clone()),
        name: Some("fresh".into()),
        value: "sk-other".into(),
        ..Default::default()
    };
    assert!(matches!(
        store.create_key("openai", &dup_id).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    assert!(
        store
            .create_key("nope", &new)
            .await
            .unwrap_err()
            .is_not_found()
    );

    // Update: PUT semantics, but the name stays when it is not sent (Bifrost #6416).
    let upd = KeyConfig {
        value: "secret-value-NEW-0123456789".into(),
        models: Some(vec!["gpt-4o".into()]),
        weight: Some(0.5),
        ..Default::default()
    };
    let updated = store.update_key("openai", &id, &upd).await.unwrap();
    assert_eq!(updated.name.as_deref(), Some("azure-style"));
    assert_eq!(updated.id.as_deref(), Some(id.as_str()));
    assert_eq!(updated.value, "secret-value-NEW-0123456789");
    assert_eq!(updated.models.as_deref().unwrap(), ["gpt-4o"]);
    assert_eq!(updated.weight, Some(0.5));
    assert_eq!(updated.aliases, None, "fields not sent are unset");
    assert_eq!(
        store.get_key("openai", &id).await.unwrap().unwrap(),
        updated
    );

    // Renaming onto another key's name is a conflict.
    let clash = KeyConfig {
        name: Some("oa-1".into()),
        ..Default::default()
    };
    assert!(matches!(
        store.update_key("openai", &id, &clash).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    assert!(
        store
            .update_key("openai", "missing", &upd)
            .await
            .unwrap_err()
            .is_not_found()
    );

    store.delete_key("openai", &id).await.unwrap();
    assert!(store.get_key("openai", &id).await.unwrap().is_none());
    assert!(
        store
            .delete_key("openai", &id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(store.list_keys("openai").await.unwrap().len(), 1);
    store.close().await;
});

on_both_backends!(masked_values_never_overwrite_real_secrets, |_db, target| {
    let store = SqlConfigStore::open(&target, Some("masking-test-passphrase"))
        .await
        .unwrap();
    let stored = store.create_provider("openai", &openai()).await.unwrap();
    let shown = mask_provider(&stored);
    let shown_text = serde_json::to_string(&shown).unwrap();
    assert!(!shown_text.contains(OA_KEY) && !shown_text.contains("proxy-password-123456"));
    assert!(
        shown_text.contains("env.OPENAI_KEY_2"),
        "references are shown as they are"
    );

    // The UI sends back exactly what it was shown.
    let k1 = &shown.keys[0];
    assert_eq!(k1.value, "sk-p********mnop");
    let id = k1.id.clone().unwrap();
    let after = store.update_key("openai", &id, k1).await.unwrap();
    assert_eq!(after.value, OA_KEY);
    // A generic mask, an empty value, and a mask of some other key: all keep the secret.
    for v in ["********", "", "sk-z********zzzz"] {
        let k = KeyConfig {
            value: v.into(),
            ..k1.clone()
        };
        assert_eq!(
            store.update_key("openai", &id, &k).await.unwrap().value,
            OA_KEY
        );
    }
    let mut p = shown.clone();
    p.keys.clear();
    let after = store.update_provider("openai", &p).await.unwrap();
    assert_eq!(
        after.proxy_config.unwrap().password.as_deref(),
        Some("proxy-password-123456")
    );

    // A real new value is taken.
    let k = KeyConfig {
        value: "sk-rotated-9876543210zyxwvu".into(),
        ..k1.clone()
    };
    assert_eq!(
        store.update_key("openai", &id, &k).await.unwrap().value,
        "sk-rotated-9876543210zyxwvu"
    );

    // A mask can never become a key: not on create, not as a provider's first key.
    let masked = KeyConfig {
        name: Some("m".into()),
        value: "sk-a********wxyz".into(),
        ..Default::default()
    };
    assert!(matches!(
        store.create_key("openai", &masked).await.unwrap_err(),
        StoreError::MaskedSecret { .. }
    ));
    let mut p = openai();
    p.keys = vec![masked.clone()];
    assert!(matches!(
        store.create_provider("other", &p).await.unwrap_err(),
        StoreError::MaskedSecret { .. }
    ));
    assert!(
        store.get_provider("other").await.unwrap().is_none(),
        "nothing half-created"
    );
    let enc = KeyConfig {
        value: "enc:v1:AAAA".into(),
        ..k1.clone()
    };
    assert!(matches!(
        store.update_key("openai", &id, &enc).await.unwrap_err(),
        StoreError::Invalid(_)
    ));

    // Masked keys display the same after all of this.
    let key = store.get_key("openai", &id).await.unwrap().unwrap();
    assert_eq!(mask_key(&key).value, "sk-r********xwvu");
    store.close().await;
});

on_both_backends!(client_and_plugin_crud, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    assert_eq!(store.get_client_config().await.unwrap(), None);
    let client = ClientConfig {
        drop_excess_requests: Some(true),
        allowed_origins: Some(vec!["https://app.example".into()]),
        extra: [("enable_logging".to_owned(), json!(true))]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    store.set_client_config(&client).await.unwrap();
    assert_eq!(store.get_client_config().await.unwrap().unwrap(), client);
    let client2 = ClientConfig {
        max_request_body_size_mb: Some(5),
        ..Default::default()
    };
    store.set_client_config(&client2).await.unwrap();
    assert_eq!(store.get_client_config().await.unwrap().unwrap(), client2);

    let mocker = PluginConfig {
        name: "mocker".into(),
        enabled: true,
        config: Some(json!({"rules": [{"name": "r1", "enabled": true}]})),
        placement: Some("pre_builtin".into()),
        order: Some(3),
        ..Default::default()
    };
    assert_eq!(store.create_plugin(&mocker).await.unwrap(), mocker);
    assert!(matches!(
        store.create_plugin(&mocker).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    let tele = PluginConfig {
        name: "telemetry".into(),
        enabled: false,
        ..Default::default()
    };
    store.create_plugin(&tele).await.unwrap();
    assert_eq!(
        store.list_plugins().await.unwrap(),
        vec![mocker.clone(), tele.clone()]
    );

    let off = PluginConfig {
        enabled: false,
        config: None,
        ..mocker.clone()
    };
    assert_eq!(store.update_plugin(&off).await.unwrap(), off);
    assert_eq!(store.get_plugin("mocker").await.unwrap().unwrap(), off);
    let ghost = PluginConfig {
        name: "ghost".into(),
        ..Default::default()
    };
    assert!(
        store
            .update_plugin(&ghost)
            .await
            .unwrap_err()
            .is_not_found()
    );
    store.delete_plugin("mocker").await.unwrap();
    assert!(store.get_plugin("mocker").await.unwrap().is_none());
    assert!(
        store
            .delete_plugin("mocker")
            .await
            .unwrap_err()
            .is_not_found()
    );

    let loaded = store.load().await.unwrap();
    assert_eq!(loaded.client, Some(client2));
    assert_eq!(loaded.plugins, vec![tele]);
    assert!(loaded.providers.is_empty());
    store.ping().await.unwrap();
    store.close().await;
});

on_both_backends!(reopening_keeps_everything, |_db, target| {
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    let created = store.create_provider("openai", &openai()).await.unwrap();
    store.close().await;
    // Migrations are idempotent; the data is still there.
    let store = SqlConfigStore::open(&target, None).await.unwrap();
    assert_eq!(
        store.get_provider("openai").await.unwrap().unwrap(),
        created
    );
    store.close().await;
});
