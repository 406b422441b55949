//! The admin account row and the login sessions.

use super::codec::now_ms;
use super::store::SqlConfigStore;
use crate::db::{DbRow, Stmt};
use crate::error::{StoreError, StoreResult};

/// The admin account of the dashboard and the management API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminCredentials {
    /// Login name.
    pub admin_username: String,
    /// Argon2id PHC string of the password (never the password itself).
    pub password_hash: String,
    /// Whether the gateway asks for credentials.
    pub is_enabled: bool,
    /// When true, inference routes stay open while the admin routes need credentials.
    pub disable_auth_on_inference: bool,
    /// Identifies the `config.json` `auth_config` this row was last seeded from; `None` when it
    /// was set through the API.
    pub seed_digest: Option<String>,
}

fn decode(row: &DbRow) -> StoreResult<AdminCredentials> {
    Ok(AdminCredentials {
        admin_username: row.get("admin_username")?,
        password_hash: row.get("password_hash")?,
        is_enabled: row.get("is_enabled")?,
        disable_auth_on_inference: row.get("disable_auth_on_inference")?,
        seed_digest: row.get("seed_digest")?,
    })
}

impl SqlConfigStore {
    pub(super) async fn auth_get(&self) -> StoreResult<Option<AdminCredentials>> {
        self.db
            .fetch_optional(&Stmt::new(
                "SELECT admin_username, password_hash, is_enabled, disable_auth_on_inference, seed_digest \
                 FROM config_auth WHERE id = 1",
            ))
            .await?
            .map(|r| decode(&r))
            .transpose()
    }

    pub(super) async fn auth_set(&self, auth: &AdminCredentials) -> StoreResult<()> {
        if auth.admin_username.trim().is_empty() {
            return Err(StoreError::Invalid(
                "admin_username must not be empty".to_owned(),
            ));
        }
        if !auth.password_hash.starts_with("$argon2") {
            return Err(StoreError::Invalid(
                "password_hash must be an Argon2 PHC string".to_owned(),
            ));
        }
        self.db
            .execute(
                &Stmt::new(
                    "INSERT INTO config_auth (id, admin_username, password_hash, is_enabled, disable_auth_on_inference, seed_digest, updated_at) \
                     VALUES (1, $1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (id) DO UPDATE SET admin_username = excluded.admin_username, password_hash = excluded.password_hash, \
                     is_enabled = excluded.is_enabled, disable_auth_on_inference = excluded.disable_auth_on_inference, \
                     seed_digest = excluded.seed_digest, updated_at = excluded.updated_at",
                )
                .bind(auth.admin_username.as_str())
                .bind(auth.password_hash.as_str())
                .bind(auth.is_enabled)
                .bind(auth.disable_auth_on_inference)
                .bind(auth.seed_digest.clone())
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }

    pub(super) async fn session_create(
        &self,
        token_hash: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        self.db
            .execute(
                &Stmt::new(
                    "INSERT INTO config_sessions (token_hash, expires_at, created_at) VALUES ($1, $2, $3)",
                )
                .bind(token_hash)
                .bind(expires_at)
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }

    pub(super) async fn session_expiry(&self, token_hash: &str) -> StoreResult<Option<i64>> {
        self.db
            .fetch_optional(
                &Stmt::new("SELECT expires_at FROM config_sessions WHERE token_hash = $1")
                    .bind(token_hash),
            )
            .await?
            .map(|r| r.get::<i64>("expires_at"))
            .transpose()
    }

    pub(super) async fn session_delete(&self, token_hash: &str) -> StoreResult<()> {
        self.db
            .execute(
                &Stmt::new("DELETE FROM config_sessions WHERE token_hash = $1").bind(token_hash),
            )
            .await?;
        Ok(())
    }

    pub(super) async fn sessions_delete_expired(&self, now: i64) -> StoreResult<u64> {
        self.db
            .execute(&Stmt::new("DELETE FROM config_sessions WHERE expires_at <= $1").bind(now))
            .await
    }

    pub(super) async fn sessions_delete_all(&self) -> StoreResult<u64> {
        self.db
            .execute(&Stmt::new("DELETE FROM config_sessions"))
            .await
    }
}
