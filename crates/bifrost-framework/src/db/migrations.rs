//! Embedded schema migrations, one set per store and backend.
//!
//! The SQL files live in `migrations/<backend>/<store>/` and are compiled into the binary with
//! `include_str!`. Each store records its applied versions in its own table, so the config store
//! and the log store can share one PostgreSQL database.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::{Backend, Db};
use crate::error::StoreResult;

/// Which store's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    /// Providers, keys, client config, plugins.
    Config,
    /// Request logs.
    Logs,
}

/// `(version, description, sql)` of every migration, in order.
type MigrationFile = (i64, &'static str, &'static str);

const SQLITE_CONFIG: &[MigrationFile] = &[
    (
        1,
        "config store",
        include_str!("../../migrations/sqlite/config/0001_config_store.sql"),
    ),
    (
        2,
        "admin auth",
        include_str!("../../migrations/sqlite/config/0002_admin_auth.sql"),
    ),
];
const SQLITE_LOGS: &[MigrationFile] = &[(
    1,
    "log store",
    include_str!("../../migrations/sqlite/logs/0001_log_store.sql"),
)];
const POSTGRES_CONFIG: &[MigrationFile] = &[
    (
        1,
        "config store",
        include_str!("../../migrations/postgres/config/0001_config_store.sql"),
    ),
    (
        2,
        "admin auth",
        include_str!("../../migrations/postgres/config/0002_admin_auth.sql"),
    ),
];
const POSTGRES_LOGS: &[MigrationFile] = &[(
    1,
    "log store",
    include_str!("../../migrations/postgres/logs/0001_log_store.sql"),
)];

impl Schema {
    fn files(self, backend: Backend) -> &'static [MigrationFile] {
        match (backend, self) {
            (Backend::Sqlite, Self::Config) => SQLITE_CONFIG,
            (Backend::Sqlite, Self::Logs) => SQLITE_LOGS,
            (Backend::Postgres, Self::Config) => POSTGRES_CONFIG,
            (Backend::Postgres, Self::Logs) => POSTGRES_LOGS,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Config => "_bifrost_config_migrations",
            Self::Logs => "_bifrost_logs_migrations",
        }
    }

    fn migrator(self, backend: Backend) -> Migrator {
        let migrations = self
            .files(backend)
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        let mut m = Migrator::with_migrations(migrations);
        // The table is ours from the first release on, so nothing was ever recorded elsewhere.
        m.dangerous_set_table_name(self.table());
        m
    }

    /// Brings the store's tables up to date.
    pub(crate) async fn migrate(self, db: &Db) -> StoreResult<()> {
        let m = self.migrator(db.backend());
        match db {
            Db::Sqlite(p) => m.run(p).await?,
            Db::Postgres(p) => m.run(p).await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.sql` file on disk is registered above, with the version its name starts with.
    #[test]
    fn every_migration_file_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for (backend, dir) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            for (schema, sub) in [(Schema::Config, "config"), (Schema::Logs, "logs")] {
                let mut on_disk: Vec<(i64, String)> = std::fs::read_dir(root.join(dir).join(sub))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .filter(|n| n.ends_with(".sql"))
                    .map(|n| (n[..4].parse::<i64>().unwrap(), n))
                    .collect();
                on_disk.sort();
                let registered: Vec<i64> = schema.files(backend).iter().map(|f| f.0).collect();
                let versions: Vec<i64> = on_disk.iter().map(|f| f.0).collect();
                assert_eq!(registered, versions, "{dir}/{sub}: {on_disk:?}");
            }
        }
    }
}
