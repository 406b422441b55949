//! One small database layer over SQLite and PostgreSQL.
//!
//! The stores are written once against a pool (`Db`) and a transaction (`Tx`) type: a
//! statement is SQL text with `$1`, `$2`, ... placeholders plus typed arguments, and a row is
//! read by column name. Each call dispatches to the concrete sqlx driver (rewriting the
//! placeholders into SQLite's `?` style there), so every query is runtime-checked and the build
//! never needs a database.

mod connect;
mod migrations;
mod row;
mod stmt;

use sqlx::{AssertSqlSafe, Postgres, Sqlite, Transaction};

pub use connect::{DEFAULT_SQLITE_BUSY_TIMEOUT, DbTarget, sqlite_options};
pub(crate) use migrations::Schema;
pub(crate) use row::DbRow;
pub(crate) use stmt::{Arg, SqlBuilder, Stmt};

use crate::error::StoreResult;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A SQLite file (WAL mode).
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`, as in `config.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A connection pool on either backend.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// `$stmt` as a sqlx query for the driver of `$db` (`sqlite` or `postgres`), arguments bound.
macro_rules! bound_query {
    (sqlite, $stmt:expr) => {{
        let stmt: &Stmt = $stmt;
        bound_query!(@bind stmt, stmt.sqlite_sql())
    }};
    (postgres, $stmt:expr) => {{
        let stmt: &Stmt = $stmt;
        bound_query!(@bind stmt, stmt.sql.clone())
    }};
    (@bind $stmt:ident, $sql:expr) => {{
        let stmt = $stmt;
        let mut q = sqlx::query(AssertSqlSafe($sql));
        for arg in &stmt.args {
            q = match arg {
                Arg::Text(v) => q.bind(v.as_deref()),
                Arg::Int(v) => q.bind(*v),
                Arg::Float(v) => q.bind(*v),
                Arg::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}

impl Db {
    /// The backend of this pool.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(&self, stmt: &Stmt) -> StoreResult<u64> {
        Ok(match self {
            Self::Sqlite(p) => bound_query!(sqlite, stmt).execute(p).await?.rows_affected(),
            Self::Postgres(p) => bound_query!(postgres, stmt)
                .execute(p)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a query; returns every row.
    pub(crate) async fn fetch_all(&self, stmt: &Stmt) -> StoreResult<Vec<DbRow>> {
        Ok(match self {
            Self::Sqlite(p) => bound_query!(sqlite, stmt)
                .fetch_all(p)
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect(),
            Self::Postgres(p) => bound_query!(postgres, stmt)
                .fetch_all(p)
                .await?
                .into_iter()
                .map(DbRow::Postgres)
                .collect(),
        })
    }

    /// Runs a query; returns its first row, if any.
    pub(crate) async fn fetch_optional(&self, stmt: &Stmt) -> StoreResult<Option<DbRow>> {
        Ok(match self {
            Self::Sqlite(p) => bound_query!(sqlite, stmt)
                .fetch_optional(p)
                .await?
                .map(DbRow::Sqlite),
            Self::Postgres(p) => bound_query!(postgres, stmt)
                .fetch_optional(p)
                .await?
                .map(DbRow::Postgres),
        })
    }

    /// Runs a query that returns exactly one row.
    pub(crate) async fn fetch_one(&self, stmt: &Stmt) -> StoreResult<DbRow> {
        Ok(match self {
            Self::Sqlite(p) => DbRow::Sqlite(bound_query!(sqlite, stmt).fetch_one(p).await?),
            Self::Postgres(p) => DbRow::Postgres(bound_query!(postgres, stmt).fetch_one(p).await?),
        })
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// read-then-write transaction waits for other writers (`busy_timeout`) instead of failing
    /// with "database is locked" when it upgrades its lock.
    pub(crate) async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Checks that the database answers.
    pub(crate) async fn ping(&self) -> StoreResult<()> {
        self.fetch_one(&Stmt::new("SELECT 1")).await.map(|_| ())
    }

    /// Closes every connection of the pool (waits for checked-out connections to come back).
    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
        }
    }
}

/// An open transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// The backend of this transaction.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(&mut self, stmt: &Stmt) -> StoreResult<u64> {
        Ok(match self {
            Self::Sqlite(t) => bound_query!(sqlite, stmt)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            Self::Postgres(t) => bound_query!(postgres, stmt)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a query; returns every row.
    pub(crate) async fn fetch_all(&mut self, stmt: &Stmt) -> StoreResult<Vec<DbRow>> {
        Ok(match self {
            Self::Sqlite(t) => bound_query!(sqlite, stmt)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(DbRow::Sqlite)
                .collect(),
            Self::Postgres(t) => bound_query!(postgres, stmt)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(DbRow::Postgres)
                .collect(),
        })
    }

    /// Runs a query; returns its first row, if any.
    pub(crate) async fn fetch_optional(&mut self, stmt: &Stmt) -> StoreResult<Option<DbRow>> {
        Ok(match self {
            Self::Sqlite(t) => bound_query!(sqlite, stmt)
                .fetch_optional(&mut **t)
                .await?
                .map(DbRow::Sqlite),
            Self::Postgres(t) => bound_query!(postgres, stmt)
                .fetch_optional(&mut **t)
                .await?
                .map(DbRow::Postgres),
        })
    }

    /// Makes the transaction's changes durable.
    pub(crate) async fn commit(self) -> StoreResult<()> {
        match self {
            Self::Sqlite(t) => t.commit().await?,
            Self::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
