//! Shared setup of the request-logging tests: a mock upstream, a gateway with request logging
//! on a fresh log database (a SQLite file in the app directory, or a PostgreSQL database of its
//! own, created for the test and dropped afterwards), and helpers to query the log API.
//!
//! PostgreSQL comes from `BIFROST_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When it cannot be reached the PostgreSQL half of
//! a test prints why and passes, except with `CI=true`, where it fails.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bifrost_core::config::ConfigFile;
use bifrost_framework::log_store::{FilterData, LogFilter, LogPage, LogStats};
use bifrost_framework::settings::StoreConfig;
use bifrost_framework::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use bifrost_framework::sqlx::{self, PgPool};
use bifrost_framework::{Backend, LogEntry, LogQuery, LogStore, SqlLogStore, StoreResult};
use bifrost_http::{Gateway, RunningGateway, config_load, logs_setup, spawn};
use bifrost_mock_upstream::MockUpstream;
use bifrost_plugin_logging::{LoggingConfig, RequestLogger};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// Default PostgreSQL for tests.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The log database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A temporary app directory, removed on drop.
pub struct AppDir(std::path::PathBuf);

impl AppDir {
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!("bifrost-logs-it-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for AppDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL database created for one test.
pub struct PgDatabase {
    admin: PgPool,
    pub name: String,
    pub section: Value,
}

impl PgDatabase {
    /// Creates a fresh database, or `None` (after printing why) when PostgreSQL is unreachable
    /// outside CI.
    pub async fn create() -> Option<Self> {
        let url = std::env::var("BIFROST_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        let admin = match PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(PgConnectOptions::from_str(&url).unwrap())
            .await
        {
            Ok(p) => p,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true and PostgreSQL at {url} is unreachable: {e}");
                }
                eprintln!("SKIPPED: PostgreSQL at {url} is unreachable ({e})");
                return None;
            }
        };
        let name = format!("bflogs_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
        )))
        .execute(&admin)
        .await
        .unwrap();
        let u = reqwest::Url::parse(&url).unwrap();
        let section = json!({
            "enabled": true,
            "type": "postgres",
            "config": {
                "host": u.host_str().unwrap_or("127.0.0.1"),
                "port": u.port().unwrap_or(5432).to_string(),
                "user": u.username(),
                "password": u.password().unwrap_or(""),
                "db_name": name,
                "ssl_mode": "disable",
                "max_open_conns": 10,
            }
        });
        Some(Self {
            admin,
            name,
            section,
        })
    }

    pub async fn drop_database(self) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await
        .unwrap();
        self.admin.close().await;
    }
}

/// A key every test provider uses; its value must never appear in a log row.
pub const OPENAI_KEY: &str = "sk-live-OPENAI-SECRET-5521";
pub const GROQ_KEY: &str = "sk-live-GROQ-SECRET-8830";

/// `openai` and `groq`, both served by `mock`, each with one key.
pub fn providers(mock: &MockUpstream) -> Value {
    json!({
        "openai": {
            "keys": [{"id": "key-openai", "name": "openai-primary", "value": OPENAI_KEY, "models": ["*"], "weight": 1.0}],
            "network_config": {"base_url": mock.base_url()},
        },
        "groq": {
            "keys": [{"id": "key-groq", "name": "groq-primary", "value": GROQ_KEY, "models": ["*"], "weight": 1.0}],
            "network_config": {"base_url": mock.base_url()},
        },
    })
}

/// A running gateway with request logging.
pub struct LogGw {
    pub mock: MockUpstream,
    pub running: Option<RunningGateway>,
    pub gateway: Gateway,
    pub client: reqwest::Client,
    pub dir: AppDir,
    pg: Option<PgDatabase>,
}

/// Wraps the opened store (to slow it down, count writes, ...).
pub type WrapStore = Box<dyn FnOnce(Arc<dyn LogStore>) -> Arc<dyn LogStore> + Send>;

/// How a test wants its logger.
pub enum LoggerSetup {
    /// As `config.json` says (through `logs_setup::attach`).
    FromConfig,
    /// A logger of the test's own on the configured database (`wrap` may wrap the store).
    Custom {
        config: LoggingConfig,
        wrap: WrapStore,
    },
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Starts a mock and a gateway on `db`; `config` gets the mock and returns `config.json`
/// (its `logs_store` is set here). `None` when PostgreSQL is unavailable outside CI.
pub async fn start(
    db: Db,
    setup: LoggerSetup,
    config: impl FnOnce(&MockUpstream) -> Value,
) -> Option<LogGw> {
    let mock = MockUpstream::start().await.unwrap();
    let dir = AppDir::new();
    let pg = match db {
        Db::Sqlite => None,
        Db::Postgres => Some(PgDatabase::create().await?),
    };
    let mut cfg = config(&mock);
    if let Some(pg) = &pg {
        cfg["logs_store"] = pg.section.clone();
    }
    let file = ConfigFile::parse(&serde_json::to_vec(&cfg).unwrap()).unwrap();
    let mut loaded = config_load::from_file(file, None, &dir.path().join("config.json")).unwrap();
    match setup {
        LoggerSetup::FromConfig => logs_setup::attach(&mut loaded, dir.path()).await.unwrap(),
        LoggerSetup::Custom { config, wrap } => {
            let section = cfg.get("logs_store").cloned();
            let store_config = match section {
                Some(s) => StoreConfig::from_json(&s, "logs_store").unwrap(),
                None => StoreConfig::default(),
            };
            let target = store_config.target(dir.path(), "logs.db").unwrap();
            let store: Arc<dyn LogStore> = Arc::new(SqlLogStore::open(&target).await.unwrap());
            let logger = RequestLogger::start(wrap(store), config);
            logs_setup::register(&mut loaded, logger).unwrap();
        }
    }
    let gateway = Gateway::from_loaded(loaded);
    let running = spawn(
        gateway.service.clone(),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    Some(LogGw {
        mock,
        running: Some(running),
        gateway,
        client: client(),
        dir,
        pg,
    })
}

impl LogGw {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.as_ref().unwrap().base_url())
    }

    pub fn addr(&self) -> SocketAddr {
        self.running.as_ref().unwrap().addr()
    }

    pub fn logger(&self) -> &RequestLogger {
        self.gateway.state.logs.as_ref().expect("logging is on")
    }

    /// POSTs a chat request; returns status and JSON body (or the raw text as a JSON string).
    pub async fn chat(&self, body: &Value, request_id: Option<&str>) -> (u16, Value) {
        match request_id {
            Some(id) => self.chat_with(body, &[("x-request-id", id)]).await,
            None => self.chat_with(body, &[]).await,
        }
    }

    /// POSTs a chat request with extra headers.
    pub async fn chat_with(&self, body: &Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut req = self
            .client
            .post(self.url("/v1/chat/completions"))
            .json(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    /// GETs a log API path; returns status and JSON.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self.client.get(self.url(path)).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// Waits until every entry queued so far is stored.
    pub async fn flush(&self) {
        self.logger().flush().await;
    }

    /// Stops the gateway and the logger, and drops the test database.
    pub async fn close(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown(Duration::from_secs(10)).await;
        }
        if let Some(l) = &self.gateway.state.logs {
            l.shutdown().await;
        }
        if let Some(pg) = self.pg.take() {
            // Close the gateway's pool first so the database can be dropped.
            drop(self.gateway);
            pg.drop_database().await;
        }
    }
}

/// A one-message chat body.
pub fn chat_body(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}]})
}

/// A streamed chat body that asks for usage.
pub fn stream_body(model: &str, text: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": text}], "stream": true,
           "stream_options": {"include_usage": true}})
}

/// A store whose writes wait for permits and count the entries written.
#[derive(Debug)]
pub struct GatedStore {
    pub inner: Arc<dyn LogStore>,
    pub gate: Arc<Semaphore>,
    pub written: Arc<std::sync::atomic::AtomicU64>,
}

#[async_trait]
impl LogStore for GatedStore {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }
    async fn ping(&self) -> StoreResult<()> {
        self.inner.ping().await
    }
    async fn insert_batch(&self, entries: &[LogEntry]) -> StoreResult<u64> {
        self.gate.acquire().await.unwrap().forget();
        let n = self.inner.insert_batch(entries).await?;
        self.written
            .fetch_add(entries.len() as u64, std::sync::atomic::Ordering::SeqCst);
        Ok(n)
    }
    async fn get(&self, id: &str) -> StoreResult<Option<LogEntry>> {
        self.inner.get(id).await
    }
    async fn search(&self, query: &LogQuery) -> StoreResult<LogPage> {
        self.inner.search(query).await
    }
    async fn stats(&self, filter: &LogFilter) -> StoreResult<LogStats> {
        self.inner.stats(filter).await
    }
    async fn filter_data(&self) -> StoreResult<FilterData> {
        self.inner.filter_data().await
    }
    async fn delete_older_than(&self, cutoff: chrono::DateTime<chrono::Utc>) -> StoreResult<u64> {
        self.inner.delete_older_than(cutoff).await
    }
    async fn count(&self) -> StoreResult<u64> {
        self.inner.count().await
    }
}

/// Defines `mod $name { sqlite, postgres }` running `$body(Db)` on each backend.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::logging_support::Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::logging_support::Db::Postgres).await;
            }
        }
    };
}
