//! Test harness: every store test runs on SQLite (a temporary directory) and on the real
//! PostgreSQL, each PostgreSQL test in a schema of its own that is dropped afterwards.
//!
//! PostgreSQL comes from `BIFROST_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When it cannot be reached the PostgreSQL half
//! of a test prints why and passes, except with `CI=true`, where it fails.

#![allow(dead_code)]

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::str::FromStr;
use std::time::Duration;

use bifrost_framework::DbTarget;
use bifrost_framework::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use bifrost_framework::sqlx::sqlite::SqlitePoolOptions;
use bifrost_framework::sqlx::{self, PgPool, Row};
use futures::FutureExt;

/// Default PostgreSQL for tests.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// One test's database.
pub struct TestDb {
    /// Where the stores under test keep their data.
    pub target: DbTarget,
    dir: Option<tempfile::TempDir>,
    pg: Option<(PgPool, String)>,
}

impl TestDb {
    /// A SQLite file in a fresh temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            target: DbTarget::sqlite(dir.path().join("store.db")),
            dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh schema on the test PostgreSQL, or `None` (after printing why) when it is not
    /// reachable outside CI.
    pub async fn postgres() -> Option<Self> {
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
                eprintln!(
                    "SKIPPED: PostgreSQL at {url} is unreachable ({e}); set BIFROST_TEST_POSTGRES_URL"
                );
                return None;
            }
        };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .unwrap();
        let target = DbTarget::Postgres {
            options: Box::new(options.options([("search_path", schema.as_str())])),
            max_connections: 5,
            max_lifetime: None,
        };
        Some(Self {
            target,
            dir: None,
            pg: Some((admin, schema)),
        })
    }

    /// The SQLite file, for SQLite tests.
    pub fn sqlite_path(&self) -> std::path::PathBuf {
        match &self.target {
            DbTarget::Sqlite { path } => path.clone(),
            DbTarget::Postgres { .. } => panic!("not a SQLite test"),
        }
    }

    /// The first column of every row of `sql`, as text (NULL as `None`), read with a
    /// connection of its own: what is really stored.
    pub async fn raw_column(&self, sql: &str) -> Vec<Option<String>> {
        match &self.target {
            DbTarget::Sqlite { path } => {
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(bifrost_framework::db::sqlite_options(path))
                    .await
                    .unwrap();
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                let out = rows.iter().map(|r| r.get::<Option<String>, _>(0)).collect();
                pool.close().await;
                out
            }
            DbTarget::Postgres { options, .. } => {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with((**options).clone())
                    .await
                    .unwrap();
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                let out = rows.iter().map(|r| r.get::<Option<String>, _>(0)).collect();
                pool.close().await;
                out
            }
        }
    }

    /// Runs `test`, then removes the database (also when the test panics).
    pub async fn run<F: Future<Output = ()>>(self, test: impl FnOnce(DbTarget) -> F) {
        let result = AssertUnwindSafe(test(self.target.clone()))
            .catch_unwind()
            .await;
        if let Some((admin, schema)) = &self.pg {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(admin)
                .await
                .unwrap();
            admin.close().await;
        }
        drop(self.dir);
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
    }
}

/// Defines `mod $name { sqlite, postgres }`: the same test body on both backends. The body is
/// an async closure taking `(db: &TestDb, target: DbTarget)`.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* $name:ident, |$db:ident, $target:ident| $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: &$crate::common::TestDb, $target: bifrost_framework::DbTarget) $body

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite();
                run(db).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::common::TestDb::postgres().await else {
                    return;
                };
                run(db).await;
            }

            async fn run(db: $crate::common::TestDb) {
                let target = db.target.clone();
                let result = {
                    use futures::FutureExt;
                    std::panic::AssertUnwindSafe(body(&db, target)).catch_unwind().await
                };
                db.run(|_| async {}).await;
                if let Err(panic) = result {
                    std::panic::resume_unwind(panic);
                }
            }
        }
    };
}
