//! Shared setup of the management API tests: a gateway opened with [`Gateway::open`] (config
//! store on), on SQLite in the app directory or on a database of its own on the test
//! PostgreSQL, that can be stopped and opened again on the same app directory and database.
//!
//! PostgreSQL comes from `BIFROST_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When it cannot be reached, the PostgreSQL half
//! of a test prints why and passes, except with `CI=true`, where it fails.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::str::FromStr;
use std::time::Duration;

use bifrost_framework::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use bifrost_framework::sqlx::{self, ConnectOptions};
use bifrost_http::{Gateway, RunningGateway};
use serde_json::{Value, json};

use crate::common::{TempDir, client};

/// Default PostgreSQL for tests.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Which database the config store of a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A database of the test's own on the test PostgreSQL, dropped by [`PgDb::drop_db`].
#[derive(Debug, Clone)]
pub struct PgDb {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    admin: PgConnectOptions,
}

fn postgres_url() -> String {
    std::env::var("BIFROST_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

impl PgDb {
    /// Creates a fresh database, or `None` (after printing why) when PostgreSQL is not
    /// reachable outside CI.
    pub async fn create() -> Option<Self> {
        let url = postgres_url();
        let admin = PgConnectOptions::from_str(&url).unwrap();
        let pool = match PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(admin.clone())
            .await
        {
            Ok(p) => p,
            Err(e) => {
                if in_ci() {
                    panic!("CI=true and PostgreSQL at {url} is unreachable: {e}");
                }
                eprintln!(
                    "SKIPPED: PostgreSQL at {url} is unreachable ({e}); set BIFROST_TEST_POSTGRES_URL"
                );
                return None;
            }
        };
        let name = format!("bifrost_admin_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
        )))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        let password = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('@'))
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .map(|(_, pw)| pw.to_owned());
        Some(Self {
            name,
            host: admin.get_host().to_owned(),
            port: admin.get_port(),
            user: admin.get_username().to_owned(),
            password,
            admin,
        })
    }

    /// The `config_store` section pointing at this database.
    pub fn config_store(&self) -> Value {
        json!({
            "enabled": true,
            "type": "postgres",
            "config": {
                "host": self.host,
                "port": self.port.to_string(),
                "user": self.user,
                "password": self.password.clone().unwrap_or_default(),
                "db_name": self.name,
                "ssl_mode": "disable",
                "max_open_conns": 10,
            }
        })
    }

    /// Options for a direct connection to this database.
    pub fn options(&self) -> PgConnectOptions {
        self.admin.clone().database(&self.name)
    }

    /// Drops the database (connections still open are terminated).
    pub async fn drop_db(&self) {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(self.admin.clone())
            .await
            .unwrap();
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&pool)
        .await;
        pool.close().await;
    }
}

/// The app directory and database a test's gateway runs on, kept across restarts.
pub struct Site {
    pub db: Db,
    pub dir: TempDir,
    pub pg: Option<PgDb>,
}

impl Site {
    /// A fresh site on `db`; `None` when PostgreSQL is wanted but unreachable outside CI.
    pub async fn new(db: Db) -> Option<Self> {
        let pg = match db {
            Db::Sqlite => None,
            Db::Postgres => Some(PgDb::create().await?),
        };
        Some(Self {
            db,
            dir: TempDir::new(),
            pg,
        })
    }

    /// Writes `config.json`: `config` plus this site's `config_store` section.
    pub fn write_config(&self, config: &Value) {
        let mut config = config.clone();
        if let Some(pg) = &self.pg
            && let Value::Object(map) = &mut config
        {
            map.insert("config_store".to_owned(), pg.config_store());
        }
        self.dir.write_config(&config);
    }

    /// Opens the gateway on this site and serves it.
    pub async fn start(&self) -> Running {
        let gateway = Gateway::open(self.dir.path())
            .await
            .unwrap_or_else(|e| panic!("gateway start: {e}"));
        let running = bifrost_http::spawn(gateway.service.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Running {
            url: running.base_url(),
            client: client(),
            gateway,
            running: Some(running),
        }
    }

    /// Removes what the site created outside the temp dir.
    pub async fn finish(self) {
        if let Some(pg) = &self.pg {
            pg.drop_db().await;
        }
    }

    /// The `config_keys.value` column of `provider`'s keys as stored (what is really in the
    /// database), in key order.
    pub async fn stored_key_values(&self, provider: &str) -> Vec<String> {
        let sql = format!(
            "SELECT value FROM config_keys WHERE provider = '{provider}' ORDER BY position, id"
        );
        match &self.pg {
            Some(pg) => {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(pg.options())
                    .await
                    .unwrap();
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                rows.into_iter().map(|r| r.0).collect()
            }
            None => {
                let opts =
                    bifrost_framework::db::sqlite_options(&self.dir.path().join("config.db"));
                let mut conn = opts.connect().await.unwrap();
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                rows.into_iter().map(|r| r.0).collect()
            }
        }
    }
}

/// A gateway serving on a site.
pub struct Running {
    pub url: String,
    pub client: reqwest::Client,
    pub gateway: Gateway,
    running: Option<RunningGateway>,
}

impl Running {
    /// Stops serving and closes the store.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown(Duration::from_secs(10)).await;
        }
        self.gateway.state.bifrost.shutdown().await;
    }

    pub fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.url))
    }

    /// Sends and returns `(status, JSON body)` (`Value::Null` when the body is not JSON).
    pub async fn send(&self, rb: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = rb.send().await.expect("send to gateway");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.req(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(self.req(reqwest::Method::POST, path).json(body))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(self.req(reqwest::Method::PUT, path).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.req(reqwest::Method::DELETE, path)).await
    }

    /// A one-message chat request; returns `(status, body)`.
    pub async fn chat(&self, model: &str, text: &str) -> (u16, Value) {
        self.post(
            "/v1/chat/completions",
            &crate::common::chat_body(model, text),
        )
        .await
    }
}

/// Runs `test` on SQLite, then on PostgreSQL (when reachable, or always in CI).
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Site) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in [Db::Sqlite, Db::Postgres] {
        let Some(site) = Site::new(db).await else {
            continue;
        };
        eprintln!("--- {db:?}");
        test(site).await;
    }
}

/// The chat answer's text.
pub fn answer_text(body: &Value) -> &str {
    body["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_else(|| panic!("no answer text in {body}"))
}
