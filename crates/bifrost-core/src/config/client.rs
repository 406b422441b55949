//! The `client` section of `config.json`: gateway-wide switches.

use serde::{Deserialize, Serialize};

use crate::schemas::ExtraMap;

/// Default request body limit in MiB (Bifrost: 100).
pub const DEFAULT_MAX_REQUEST_BODY_SIZE_MB: u64 = 100;

/// `client`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ClientConfig {
    /// Reject at once (429) when a provider's queue is full instead of waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_excess_requests: Option<bool>,
    /// Accepted for compatibility; Bifrost pre-allocates Go object pools with it, this gateway
    /// allocates on demand and ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_pool_size: Option<u64>,
    /// Largest accepted request body, in MiB (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_request_body_size_mb: Option<u64>,
    /// CORS origins allowed (`["*"]` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    /// Extra request headers allowed by CORS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_headers: Option<Vec<String>>,
    /// Headers every inference request must carry (400 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_headers: Option<Vec<String>>,
    /// Which `x-bf-eh-*` headers are forwarded upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_filter_config: Option<HeaderFilterConfig>,
    /// Custom Prometheus label names; each request fills them from `x-bf-dim-<label>` headers
    /// (legacy `x-bf-prom-<label>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_labels: Option<Vec<String>>,
    /// Fields this build does not act on; reported at start-up.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ClientConfig {
    /// The request body limit in bytes.
    pub fn max_request_body_bytes(&self) -> usize {
        let mb = self
            .max_request_body_size_mb
            .filter(|m| *m > 0)
            .unwrap_or(DEFAULT_MAX_REQUEST_BODY_SIZE_MB);
        usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    }
}

/// Allow and deny lists for `x-bf-eh-*` header forwarding (names without the prefix, any case).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeaderFilterConfig {
    /// When not empty, only these headers are forwarded.
    #[serde(default)]
    pub allowlist: Vec<String>,
    /// Never forwarded (wins over the allow list).
    #[serde(default)]
    pub denylist: Vec<String>,
}

impl HeaderFilterConfig {
    /// Whether header `name` (without the `x-bf-eh-` prefix) may be forwarded.
    pub fn allows(&self, name: &str) -> bool {
        if self.denylist.iter().any(|d| d.eq_ignore_ascii_case(name)) {
            return false;
        }
        self.allowlist.is_empty() || self.allowlist.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}
