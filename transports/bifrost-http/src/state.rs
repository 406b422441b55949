//! Shared state of the HTTP handlers.

use std::sync::Arc;
use std::time::Instant;

use bifrost_core::Bifrost;
use bifrost_core::config::ClientConfig;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// The engine.
    pub bifrost: Arc<Bifrost>,
    /// The `client` section of the configuration.
    pub client: ClientConfig,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Headers every inference request must carry.
    pub required_headers: Vec<String>,
    /// When the gateway started.
    pub started_at: Instant,
    /// The metrics behind `GET /metrics` (none when the telemetry plugin is disabled).
    pub telemetry: Option<bifrost_plugin_telemetry::Telemetry>,
    /// The request logger behind `/api/logs` and `/ws` (none when logging is off).
    pub logs: Option<bifrost_plugin_logging::RequestLogger>,
}

impl AppState {
    /// State for `bifrost` with the given client settings.
    pub fn new(bifrost: Arc<Bifrost>, client: ClientConfig) -> Self {
        Self {
            body_limit: client.max_request_body_bytes(),
            required_headers: client.required_headers.clone().unwrap_or_default(),
            bifrost,
            client,
            started_at: Instant::now(),
            telemetry: None,
            logs: None,
        }
    }
}
