//! `providers.<name>` of Bifrost's `config.json`: keys, network, concurrency, proxy, custom providers.

use std::time::Duration;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::duration::Millis;
use crate::schemas::ExtraMap;

/// Default per-attempt request timeout (Bifrost: 30 s).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default first retry backoff (Bifrost: 500 ms).
pub const DEFAULT_RETRY_BACKOFF_INITIAL: Duration = Duration::from_millis(500);
/// Default retry backoff cap (Bifrost: 5 s).
pub const DEFAULT_RETRY_BACKOFF_MAX: Duration = Duration::from_secs(5);
/// Default longest silence between two stream chunks (Bifrost: 60 s).
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connection pool size per upstream host (Bifrost: 5000).
pub const DEFAULT_MAX_CONNS_PER_HOST: u32 = 5000;
/// Upper bound of `max_conns_per_host` (Bifrost: 10000).
pub const MAX_CONNS_PER_HOST_LIMIT: u32 = 10_000;
/// Default concurrent upstream calls per provider (Bifrost: 1000).
pub const DEFAULT_CONCURRENCY: u32 = 1000;
/// Default queued requests per provider (Bifrost: 5000).
pub const DEFAULT_BUFFER_SIZE: u32 = 5000;

/// One provider's configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ProviderConfig {
    /// API keys, chosen by weight among those allowed for the model.
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// Base URL, headers, timeouts, retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_config: Option<NetworkConfig>,
    /// Concurrency and queue size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_and_buffer_size: Option<ConcurrencyAndBufferSize>,
    /// Outbound proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_config: Option<ProxyConfig>,
    /// Include the upstream's raw request in `extra_fields.raw_request`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_back_raw_request: Option<bool>,
    /// Include the upstream's raw response in `extra_fields.raw_response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_back_raw_response: Option<bool>,
    /// Keep raw request and response in logs only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_raw_request_response: Option<bool>,
    /// Makes this entry a custom provider built on a base provider type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_provider_config: Option<CustomProviderConfig>,
    /// OpenAI-specific switches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openai_config: Option<OpenAiConfig>,
    /// Fields this build does not know; reported at start-up.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ProviderConfig {
    /// The network configuration, or the defaults.
    pub fn network(&self) -> NetworkConfig {
        self.network_config.clone().unwrap_or_default()
    }

    /// Concurrency and buffer size with defaults applied.
    pub fn concurrency(&self) -> (u32, u32) {
        let c = self.concurrency_and_buffer_size.as_ref();
        let concurrency = c
            .and_then(|c| c.concurrency)
            .filter(|v| *v > 0)
            .unwrap_or(DEFAULT_CONCURRENCY);
        let buffer = c
            .and_then(|c| c.buffer_size)
            .filter(|v| *v > 0)
            .unwrap_or(DEFAULT_BUFFER_SIZE);
        (concurrency, buffer)
    }
}

/// One API key of a provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct KeyConfig {
    /// Stable id (used by `x-bf-api-key-id`, logs and metrics). Derived from the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Unique name (used by `x-bf-api-key`, logs and metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The key, or `env.NAME` to read it from the environment.
    #[serde(default)]
    pub value: String,
    /// Models this key may serve: `["*"]` for all; absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Vec<String>>,
    /// Models this key must never serve (wins over `models`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blacklisted_models: Option<Vec<String>>,
    /// Relative weight in the weighted random choice (default 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Model name -> upstream model or deployment name (a string, or an object with `model_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<IndexMap<String, serde_json::Value>>,
    /// Set false to keep the key configured but unused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The key may be used for batch APIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_for_batch_api: Option<bool>,
    /// Ollama server of this key (`{"url": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ollama_key_config: Option<UrlKeyConfig>,
    /// vLLM server of this key (`{"url": ..., "model_name": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vllm_key_config: Option<UrlKeyConfig>,
    /// SGLang server of this key (`{"url": ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sgl_key_config: Option<UrlKeyConfig>,
    /// Azure endpoint, deployments and API version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_key_config: Option<serde_json::Value>,
    /// AWS region and credentials for Bedrock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bedrock_key_config: Option<serde_json::Value>,
    /// GCP project, region and service account for Vertex AI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertex_key_config: Option<serde_json::Value>,
    /// Fields this build does not know; reported at start-up.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl KeyConfig {
    /// Resolves an alias for `model`: the upstream model or deployment name.
    pub fn alias_for(&self, model: &str) -> Option<String> {
        let v = self.aliases.as_ref()?.get(model)?;
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => o
                .get("model_name")
                .or_else(|| o.get("deployment"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            _ => None,
        }
    }
}

/// A key config that names a server URL (Ollama, vLLM, SGLang).
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct UrlKeyConfig {
    /// Server base URL, e.g. `http://localhost:11434`.
    #[serde(default)]
    pub url: String,
    /// The model the server serves (vLLM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// Fields this build does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `network_config`: where and how the provider is called.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct NetworkConfig {
    /// Replaces the provider's default base URL (trailing `/` trimmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Headers added to every upstream request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_headers: Option<IndexMap<String, String>>,
    /// Per-attempt timeout in seconds (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_request_timeout_in_seconds: Option<u64>,
    /// Retries after the first attempt (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// First backoff: integer milliseconds or a duration string (default 500 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_backoff_initial: Option<Millis>,
    /// Backoff cap: integer milliseconds or a duration string (default 5 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_backoff_max: Option<Millis>,
    /// Accept any TLS certificate from the upstream (for self-signed test servers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    /// Extra CA certificate(s) in PEM, or `env.NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_pem: Option<String>,
    /// Longest silence between two stream chunks, in seconds (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_idle_timeout_in_seconds: Option<u64>,
    /// Connection pool size per upstream host (default 5000, at most 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_conns_per_host: Option<u32>,
    /// Speak HTTP/2 to the upstream without negotiation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_http2: Option<bool>,
    /// Anthropic beta header prefixes to allow (true) or strip (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta_header_overrides: Option<IndexMap<String, bool>>,
    /// Idle keep-alive of pooled connections, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive_timeout_in_seconds: Option<u64>,
    /// Fields this build does not know; reported at start-up.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl NetworkConfig {
    /// Per-attempt timeout.
    pub fn request_timeout(&self) -> Duration {
        self.default_request_timeout_in_seconds
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT)
    }

    /// Longest silence between stream chunks.
    pub fn stream_idle_timeout(&self) -> Duration {
        self.stream_idle_timeout_in_seconds
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_STREAM_IDLE_TIMEOUT)
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries.unwrap_or(0)
    }

    /// First backoff.
    pub fn backoff_initial(&self) -> Duration {
        self.retry_backoff_initial
            .map(|m| m.0)
            .filter(|d| !d.is_zero())
            .unwrap_or(DEFAULT_RETRY_BACKOFF_INITIAL)
    }

    /// Backoff cap.
    pub fn backoff_max(&self) -> Duration {
        self.retry_backoff_max
            .map(|m| m.0)
            .filter(|d| !d.is_zero())
            .unwrap_or(DEFAULT_RETRY_BACKOFF_MAX)
    }

    /// Connection pool size per host, clamped to Bifrost's bounds.
    pub fn max_conns_per_host(&self) -> u32 {
        self.max_conns_per_host
            .filter(|v| *v > 0)
            .unwrap_or(DEFAULT_MAX_CONNS_PER_HOST)
            .min(MAX_CONNS_PER_HOST_LIMIT)
    }

    /// The base URL with trailing slashes removed.
    pub fn trimmed_base_url(&self) -> Option<&str> {
        self.base_url
            .as_deref()
            .map(|u| u.trim_end_matches('/'))
            .filter(|u| !u.is_empty())
    }
}

/// `concurrency_and_buffer_size`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConcurrencyAndBufferSize {
    /// Concurrent upstream calls (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// Requests that may wait for a free slot (default 5000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_size: Option<u32>,
}

/// Kind of outbound proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyType {
    /// No proxy.
    #[default]
    None,
    /// An HTTP(S) proxy at `url`.
    Http,
    /// A SOCKS5 proxy at `url`.
    Socks5,
    /// `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` from the environment.
    Environment,
}

/// `proxy_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProxyConfig {
    /// Kind of proxy.
    #[serde(rename = "type", default)]
    pub kind: ProxyType,
    /// Proxy URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Proxy user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Proxy password, or `env.NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// CA certificate of a TLS-intercepting proxy, in PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_pem: Option<String>,
}

/// `custom_provider_config`: a named provider built on a base provider type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomProviderConfig {
    /// The wire format: `openai` (and, as they land, the other base types).
    #[serde(default)]
    pub base_provider_type: String,
    /// The provider needs no key.
    #[serde(default)]
    pub is_key_less: bool,
    /// Request types allowed (`{"chat_completion": true, ...}`); absent allows all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_requests: Option<IndexMap<String, bool>>,
    /// Request type -> path (or full URL) replacing the default path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_path_overrides: Option<IndexMap<String, String>>,
}

/// `openai_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenAiConfig {
    /// Force `store: false` on requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_store: Option<bool>,
}
