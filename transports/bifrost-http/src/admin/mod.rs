//! The management API (`/api/*`): providers and keys, client settings, models, version, and
//! the session routes of [`crate::auth`].
//!
//! Changes are written to the config store and then published to the engine as a new
//! snapshot; requests in flight finish on the snapshot they started with. With the config
//! store disabled (file-only mode) reads answer from the configuration in effect and changes
//! are refused with 409 `config_store_disabled`.

pub mod control;
pub mod json;
pub mod keys;
pub mod models;
pub mod providers;
pub mod settings;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::routes as session;
use crate::state::AppState;

pub use control::ConfigControl;

/// The `/api/*` routes of this module.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/providers",
            get(providers::list).post(providers::create),
        )
        .route(
            "/api/providers/{provider}",
            get(providers::get_one)
                .put(providers::update)
                .delete(providers::delete),
        )
        .route(
            "/api/providers/{provider}/keys",
            get(keys::list).post(keys::create),
        )
        .route(
            "/api/providers/{provider}/keys/{key_id}",
            get(keys::get_one).put(keys::update).delete(keys::delete),
        )
        .route("/api/keys", get(keys::all))
        .route("/api/models", get(models::list))
        .route(
            "/api/config",
            get(settings::get_config).put(settings::put_config),
        )
        .route("/api/version", get(settings::version))
        .route("/api/session/login", post(session::login))
        .route("/api/session/logout", post(session::logout))
        .route(
            "/api/session/is-auth-enabled",
            get(session::is_auth_enabled),
        )
        .route("/api/session/setup", post(session::setup))
}
