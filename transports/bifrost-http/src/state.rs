//! Shared state of the HTTP handlers.
//!
//! New subsystems add a field here and set it in [`crate::server::Gateway`] (the request log
//! store, for one, hangs off this struct next to [`AppState::config_store`]).

use std::sync::Arc;
use std::time::Instant;

use bifrost_core::Bifrost;
use bifrost_core::config::ClientConfig;
use bifrost_framework::ConfigStore;

use crate::admin::ConfigControl;
use crate::auth::AuthState;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// The engine.
    pub bifrost: Arc<Bifrost>,
    /// The `client` section of the configuration, as it was at start-up.
    pub client: ClientConfig,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Headers every inference request must carry.
    pub required_headers: Vec<String>,
    /// When the gateway started.
    pub started_at: Instant,
    /// The metrics behind `GET /metrics` (none when the telemetry plugin is disabled).
    pub telemetry: Option<bifrost_plugin_telemetry::Telemetry>,
    /// The configuration store (none in file-only mode).
    pub config_store: Option<Arc<dyn ConfigStore>>,
    /// Applies management API changes (store, then engine snapshot).
    pub control: Arc<ConfigControl>,
    /// Authentication of the gateway's own routes.
    pub auth: Arc<AuthState>,
    /// The request logger behind `/api/logs` and `/ws` (none when logging is off).
    pub logs: Option<bifrost_plugin_logging::RequestLogger>,
}

impl AppState {
    /// State for `bifrost` with the given client settings, no store and auth off.
    pub fn new(bifrost: Arc<Bifrost>, client: ClientConfig) -> Self {
        let version = bifrost.config().version;
        Self {
            body_limit: client.max_request_body_bytes(),
            required_headers: client.required_headers.clone().unwrap_or_default(),
            control: Arc::new(ConfigControl::new(None, client.clone(), version)),
            bifrost,
            client,
            started_at: Instant::now(),
            telemetry: None,
            config_store: None,
            auth: Arc::new(AuthState::open()),
            logs: None,
        }
    }
}
