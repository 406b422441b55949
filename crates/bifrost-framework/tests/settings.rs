//! The store sections of config.json, and opening stores from them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use bifrost_core::config::ConfigFile;
use bifrost_framework::settings::{SourceOfTruth, StoreBackendConfig, StoreConfig, StoresConfig};
use bifrost_framework::sqlx::postgres::PgSslMode;
use bifrost_framework::{DbTarget, StoreError, open_config_store, open_log_store};
use serde_json::json;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn file(v: serde_json::Value) -> ConfigFile {
    ConfigFile::parse(v.to_string().as_bytes()).unwrap()
}

#[test]
fn omitted_sections_mean_default_sqlite_and_no_logs() {
    let s = StoresConfig::from_file_with_env(&file(json!({})), env(&[])).unwrap();
    assert_eq!(s.config_store, StoreConfig::default());
    assert!(s.config_store.enabled);
    assert!(s.logs_store.is_none());
    assert!(s.encryption_key.is_none());
    assert_eq!(s.source_of_truth, SourceOfTruth::Split);
    match s
        .config_store
        .target(Path::new("/app"), "config.db")
        .unwrap()
    {
        DbTarget::Sqlite { path } => assert_eq!(path, Path::new("/app/config.db")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sqlite_paths_are_relative_to_the_app_dir() {
    let s = StoresConfig::from_file_with_env(
        &file(json!({
            "config_store": {"enabled": true, "type": "sqlite", "config": {"path": "./data/config.db"}},
            "logs_store": {"enabled": false, "type": "sqlite", "config": {"path": "/var/lib/logs.db"}, "retention_days": 30}
        })),
        env(&[]),
    )
    .unwrap();
    match s
        .config_store
        .target(Path::new("/app"), "config.db")
        .unwrap()
    {
        DbTarget::Sqlite { path } => assert_eq!(path, Path::new("/app/./data/config.db")),
        other => panic!("{other:?}"),
    }
    let logs = s.logs_store.unwrap();
    assert!(!logs.enabled);
    assert_eq!(logs.retention_days, Some(30));
    match logs.target(Path::new("/app"), "logs.db").unwrap() {
        DbTarget::Sqlite { path } => assert_eq!(path, Path::new("/var/lib/logs.db")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn postgres_settings_resolve_env_references() {
    let f = file(json!({
        "config_store": {"enabled": true, "type": "postgres", "config": {
            "host": "db.internal", "port": "6432", "user": "bifrost", "password": "env.PG_PASSWORD",
            "db_name": "env.PG_DB", "ssl_mode": "require", "max_idle_conns": 5, "max_open_conns": 20,
            "conn_max_lifetime": "30m", "matview_refresh_interval": "1m"
        }}
    }));
    let s = StoresConfig::from_file_with_env(&f, env(&[])).unwrap();
    let StoreBackendConfig::Postgres(pg) = &s.config_store.backend else {
        panic!()
    };
    assert_eq!(pg.port, "6432");
    let debug = format!("{pg:?}");
    assert!(
        debug.contains("********") && !debug.contains("PG_PASSWORD"),
        "{debug}"
    );

    let target = s
        .config_store
        .target_with_env(
            Path::new("/app"),
            "config.db",
            env(&[("PG_PASSWORD", "s3cret"), ("PG_DB", "gateway")]),
        )
        .unwrap();
    let DbTarget::Postgres {
        options,
        max_connections,
        max_lifetime,
    } = target
    else {
        panic!()
    };
    assert_eq!(options.get_host(), "db.internal");
    assert_eq!(options.get_port(), 6432);
    assert_eq!(options.get_username(), "bifrost");
    assert_eq!(options.get_database(), Some("gateway"));
    assert!(matches!(options.get_ssl_mode(), PgSslMode::Require));
    assert_eq!(max_connections, 20);
    assert_eq!(max_lifetime, Some(std::time::Duration::from_secs(1800)));

    let err = s
        .config_store
        .target_with_env(Path::new("/app"), "config.db", env(&[]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "config.password: environment variable PG_PASSWORD is not set"
    );

    // A number is accepted for the port too.
    let f = file(json!({"logs_store": {"type": "postgres", "config": {"port": 5433}}}));
    let s = StoresConfig::from_file_with_env(&f, env(&[])).unwrap();
    let target = s
        .logs_store
        .unwrap()
        .target_with_env(Path::new("/"), "logs.db", env(&[]))
        .unwrap();
    let DbTarget::Postgres {
        options,
        max_connections,
        ..
    } = target
    else {
        panic!()
    };
    assert_eq!((options.get_port(), max_connections), (5433, 50));
}

#[test]
fn bad_sections_name_the_path() {
    let cases = [
        (
            json!({"config_store": {"type": "clickhouse"}}),
            "config_store.type",
        ),
        (
            json!({"config_store": {"type": "oracle"}}),
            "config_store.type",
        ),
        (
            json!({"config_store": {"enabled": "yes"}}),
            "config_store.enabled",
        ),
        (
            json!({"logs_store": {"type": "postgres", "config": {"max_open_conns": "many"}}}),
            "logs_store.config.max_open_conns",
        ),
        (
            json!({"logs_store": {"retention_days": -1}}),
            "logs_store.retention_days",
        ),
        (json!({"source_of_truth": "db"}), "source_of_truth"),
        (json!({"encryption_key": 5}), "encryption_key"),
    ];
    for (v, path) in cases {
        match StoresConfig::from_file_with_env(&file(v.clone()), env(&[])) {
            Err(StoreError::Config { path: p, .. }) => assert_eq!(p, path, "{v}"),
            other => panic!("{v}: {other:?}"),
        }
    }
    let f =
        file(json!({"config_store": {"type": "postgres", "config": {"ssl_mode": "sometimes"}}}));
    let s = StoresConfig::from_file_with_env(&f, env(&[])).unwrap();
    let err = s
        .config_store
        .target_with_env(Path::new("/"), "c", env(&[]))
        .unwrap_err();
    assert!(err.to_string().starts_with("config.ssl_mode"), "{err}");
}

#[test]
fn encryption_key_from_file_then_environment() {
    let from_file = StoresConfig::from_file_with_env(
        &file(json!({"encryption_key": "env.MY_KEY", "source_of_truth": "config.json"})),
        env(&[
            ("MY_KEY", "file-ref-key"),
            ("BIFROST_ENCRYPTION_KEY", "env-key"),
        ]),
    )
    .unwrap();
    assert_eq!(from_file.encryption_key.unwrap().expose(), "file-ref-key");
    assert_eq!(from_file.source_of_truth, SourceOfTruth::ConfigJson);
    let from_env = StoresConfig::from_file_with_env(
        &file(json!({})),
        env(&[("BIFROST_ENCRYPTION_KEY", "env-key")]),
    )
    .unwrap();
    let key = from_env.encryption_key.unwrap();
    assert_eq!(key.expose(), "env-key");
    assert!(!format!("{key:?}").contains("env-key"));
    let err =
        StoresConfig::from_file_with_env(&file(json!({"encryption_key": "env.MISSING"})), env(&[]))
            .unwrap_err();
    assert!(
        matches!(err, StoreError::Config { ref path, .. } if path == "encryption_key"),
        "{err}"
    );
}

#[tokio::test]
async fn opening_default_stores_in_the_app_dir() {
    let dir = tempfile::tempdir().unwrap();
    let s = StoresConfig::from_file_with_env(
        &file(json!({"logs_store": {"enabled": true, "type": "sqlite"}})),
        env(&[]),
    )
    .unwrap();
    let config = open_config_store(&s.config_store, dir.path(), Some("app-dir-key"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(config.backend(), bifrost_framework::Backend::Sqlite);
    config.ping().await.unwrap();
    let logs = open_log_store(s.logs_store.as_ref().unwrap(), dir.path())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logs.count().await.unwrap(), 0);
    assert!(dir.path().join("config.db").exists());
    assert!(dir.path().join("logs.db").exists());

    let off = StoreConfig {
        enabled: false,
        ..Default::default()
    };
    assert!(
        open_config_store(&off, dir.path(), None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(open_log_store(&off, dir.path()).await.unwrap().is_none());
}
