//! Test databases: a SQLite file in a temporary directory, or a schema of its own on the real
//! PostgreSQL (`BIFROST_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped afterwards. Without PostgreSQL the PostgreSQL half of a test prints why and passes,
//! except with `CI=true`, where it fails.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use bifrost_framework::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use bifrost_framework::sqlx::{self, PgPool};
use bifrost_framework::{DbTarget, LogStore, SqlLogStore};

/// Default PostgreSQL for tests.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's database; removed on [`TestDb::close`].
pub struct TestDb {
    pub target: DbTarget,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(PgPool, String)>,
}

impl TestDb {
    /// A fresh database on `backend`, or `None` when PostgreSQL is unreachable outside CI.
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                Some(Self {
                    target: DbTarget::sqlite(dir.path().join("logs.db")),
                    _dir: Some(dir),
                    pg: None,
                })
            }
            Backend::Postgres => {
                let url = std::env::var("BIFROST_TEST_POSTGRES_URL")
                    .ok()
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
                let options = PgConnectOptions::from_str(&url).unwrap();
                let admin = match PgPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options.clone())
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
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&admin)
                    .await
                    .unwrap();
                Some(Self {
                    target: DbTarget::Postgres {
                        options: Box::new(options.options([("search_path", schema.as_str())])),
                        max_connections: 5,
                        max_lifetime: None,
                    },
                    _dir: None,
                    pg: Some((admin, schema)),
                })
            }
        }
    }

    /// Opens the log store on this database.
    pub async fn store(&self) -> Arc<dyn LogStore> {
        Arc::new(SqlLogStore::open(&self.target).await.unwrap())
    }

    /// Drops the PostgreSQL schema.
    pub async fn close(self) {
        if let Some((admin, schema)) = &self.pg {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(admin)
                .await
                .unwrap();
            admin.close().await;
        }
    }
}

/// Runs `body` on a fresh database of `backend`, then removes the database (also when the
/// body panics).
pub async fn with_db<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Arc<dyn LogStore>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures::FutureExt;
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let store = db.store().await;
    let result = std::panic::AssertUnwindSafe(body(store))
        .catch_unwind()
        .await;
    db.close().await;
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

/// Defines `mod $name { sqlite, postgres }` running `$body(store)` on each backend.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::with_db($crate::common::Backend::Sqlite, super::$body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::with_db($crate::common::Backend::Postgres, super::$body).await;
            }
        }
    };
}
