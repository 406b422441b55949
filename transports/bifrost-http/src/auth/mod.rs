//! Authentication of the gateway's own routes (Bifrost's `auth_config`).
//!
//! When an admin account is configured and enabled, `/api/*`, `/metrics` and `/ws` need
//! credentials, and so do inference routes unless `disable_auth_on_inference` is set.
//! Accepted credentials: a session token from `POST /api/session/login` (as
//! `Authorization: Bearer <token>` or the `token` cookie), HTTP Basic with the admin's username
//! and password, or `Authorization: Bearer base64(user:pass)`. Always open: `/health`,
//! `/api/session/login`, `/api/session/is-auth-enabled`, `/api/session/setup`, `/api/info`,
//! `/api/oauth/callback`, CORS preflights, and `client.whitelisted_routes` (a trailing `*`
//! matches a prefix).
//!
//! Sessions are kept in memory and, with a config store, in its `config_sessions` table (by the
//! SHA-256 of the token), so they survive restarts and are shared by gateways on one database.

pub mod file_config;
pub mod middleware;
pub mod password;
pub mod routes;
pub mod state;

pub use file_config::AuthFileConfig;
pub use middleware::require_auth;
pub use state::{Admin, AdminSource, AuthState};

/// Name of the session cookie (as in Bifrost).
pub const SESSION_COOKIE: &str = "token";
