//! Opening connection pools: SQLite tuned for crash safety, PostgreSQL from typed options.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::Db;
use crate::error::{StoreError, StoreResult};

/// How long a SQLite writer waits for another writer before giving up.
pub const DEFAULT_SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections kept by a SQLite pool: WAL lets readers run beside the one writer.
const SQLITE_MAX_CONNECTIONS: u32 = 8;

/// Where a store keeps its data.
#[derive(Debug, Clone)]
pub enum DbTarget {
    /// A SQLite file, created (with its directory) when missing.
    Sqlite {
        /// Path of the database file.
        path: PathBuf,
    },
    /// A PostgreSQL database.
    Postgres {
        /// Host, port, user, password, database, TLS mode and session options.
        options: Box<PgConnectOptions>,
        /// Largest number of open connections (`max_open_conns`).
        max_connections: u32,
        /// Connections older than this are closed and replaced (`conn_max_lifetime`).
        max_lifetime: Option<Duration>,
    },
}

impl DbTarget {
    /// A SQLite file at `path`.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Self::Sqlite { path: path.into() }
    }

    /// A PostgreSQL database from a `postgres://` URL, with a pool of up to 10 connections.
    pub fn postgres_url(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Config {
            path: "postgres url".to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self::Postgres {
            options: Box::new(options),
            max_connections: 10,
            max_lifetime: None,
        })
    }

    /// Opens the pool.
    pub(crate) async fn connect(&self) -> StoreResult<Db> {
        match self {
            Self::Sqlite { path } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Io(format!("cannot create directory {}: {e}", dir.display()))
                    })?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(SQLITE_MAX_CONNECTIONS)
                    .connect_with(sqlite_options(path))
                    .await?;
                Ok(Db::Sqlite(pool))
            }
            Self::Postgres {
                options,
                max_connections,
                max_lifetime,
            } => {
                let pool = PgPoolOptions::new()
                    .max_connections((*max_connections).max(1))
                    .max_lifetime(*max_lifetime)
                    .connect_with((**options).clone())
                    .await?;
                Ok(Db::Postgres(pool))
            }
        }
    }
}

/// Connection options for a SQLite store file.
///
/// WAL journal with `synchronous=NORMAL`: a committed transaction survives a process crash
/// (`kill -9`), and a power cut can at worst lose the last transactions, never corrupt the file.
/// `busy_timeout` makes a second writer wait instead of failing; foreign keys are enforced.
pub fn sqlite_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(DEFAULT_SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true)
}
