//! `config` of a PostgreSQL store.

use std::fmt;
use std::time::Duration;

use bifrost_core::config::GoDuration;
use serde::{Deserialize, Deserializer};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use super::resolve_with;
use crate::db::DbTarget;
use crate::error::{StoreError, StoreResult};

/// Default `max_open_conns` (Bifrost: 50).
pub const DEFAULT_MAX_OPEN_CONNS: u32 = 50;

/// `{host, port, user, password, db_name, ssl_mode, max_idle_conns, max_open_conns,
/// conn_max_lifetime}`. Every string may be an `env.NAME` reference.
/// Other fields Bifrost accepts here (materialized-view tuning of its PostgreSQL log store) are
/// ignored.
#[derive(Clone, Default, PartialEq, Deserialize)]
pub struct PostgresStoreConfig {
    /// Server host (default `localhost`).
    #[serde(default)]
    pub host: String,
    /// Server port, as a string like Bifrost's (a number is accepted too; default 5432).
    #[serde(default, deserialize_with = "string_or_number")]
    pub port: String,
    /// User name.
    #[serde(default)]
    pub user: String,
    /// Password, or `env.NAME`.
    #[serde(default)]
    pub password: String,
    /// Database name.
    #[serde(default)]
    pub db_name: String,
    /// `disable`, `allow`, `prefer` (default), `require`, `verify-ca` or `verify-full`.
    #[serde(default)]
    pub ssl_mode: String,
    /// Accepted for compatibility; the pool closes idle connections after its idle timeout
    /// instead of keeping a fixed number.
    #[serde(default)]
    pub max_idle_conns: Option<u32>,
    /// Most connections open at once (default 50).
    #[serde(default)]
    pub max_open_conns: Option<u32>,
    /// Connections older than this are replaced: nanoseconds or a duration string (`"1h"`).
    #[serde(default)]
    pub conn_max_lifetime: Option<GoDuration>,
    /// Bifrost's `password_command`; not supported here (rejected with a clear error).
    #[serde(default)]
    pub password_command: Option<serde_json::Value>,
}

impl fmt::Debug for PostgresStoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStoreConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field(
                "password",
                &if self.password.is_empty() {
                    ""
                } else {
                    "********"
                },
            )
            .field("db_name", &self.db_name)
            .field("ssl_mode", &self.ssl_mode)
            .field("max_idle_conns", &self.max_idle_conns)
            .field("max_open_conns", &self.max_open_conns)
            .field("conn_max_lifetime", &self.conn_max_lifetime)
            .field("password_command", &self.password_command.is_some())
            .finish()
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Port {
        S(String),
        N(u64),
    }
    Ok(match Option::<Port>::deserialize(d)? {
        None => String::new(),
        Some(Port::S(s)) => s,
        Some(Port::N(n)) => n.to_string(),
    })
}

impl PostgresStoreConfig {
    /// Connection options and pool limits, with `env.` references resolved through `env`.
    pub(crate) fn target(&self, env: &impl Fn(&str) -> Option<String>) -> StoreResult<DbTarget> {
        let field = |name: &str, value: &str| -> StoreResult<String> {
            resolve_with(value, env).map_err(|message| StoreError::Config {
                path: format!("config.{name}"),
                message,
            })
        };
        if self.password_command.is_some() {
            return Err(StoreError::Config {
                path: "config.password_command".to_owned(),
                message:
                    "password_command is not supported; use `password` with an env.NAME reference"
                        .to_owned(),
            });
        }
        let host = field("host", &self.host)?;
        let port = field("port", &self.port)?;
        let user = field("user", &self.user)?;
        let password = field("password", &self.password)?;
        let db_name = field("db_name", &self.db_name)?;
        let ssl_mode = field("ssl_mode", &self.ssl_mode)?;

        let mut options = PgConnectOptions::new_without_pgpass().host(if host.is_empty() {
            "localhost"
        } else {
            &host
        });
        if !port.is_empty() {
            let port: u16 = port.trim().parse().map_err(|_| StoreError::Config {
                path: "config.port".to_owned(),
                message: format!("\"{port}\" is not a port number"),
            })?;
            options = options.port(port);
        }
        if !user.is_empty() {
            options = options.username(&user);
        }
        if !password.is_empty() {
            options = options.password(&password);
        }
        if !db_name.is_empty() {
            options = options.database(&db_name);
        }
        let ssl = match ssl_mode.as_str() {
            "" | "prefer" => PgSslMode::Prefer,
            "disable" => PgSslMode::Disable,
            "allow" => PgSslMode::Allow,
            "require" => PgSslMode::Require,
            "verify-ca" => PgSslMode::VerifyCa,
            "verify-full" => PgSslMode::VerifyFull,
            other => {
                return Err(StoreError::Config {
                    path: "config.ssl_mode".to_owned(),
                    message: format!(
                        "\"{other}\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
                    ),
                });
            }
        };
        options = options.ssl_mode(ssl).application_name("bifrost");
        Ok(DbTarget::Postgres {
            options: Box::new(options),
            max_connections: self
                .max_open_conns
                .filter(|n| *n > 0)
                .unwrap_or(DEFAULT_MAX_OPEN_CONNS),
            max_lifetime: self
                .conn_max_lifetime
                .map(|d| d.0)
                .filter(|d| *d > Duration::ZERO),
        })
    }
}
