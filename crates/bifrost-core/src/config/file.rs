//! The whole `config.json` file.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::validate::ConfigProblem;
use super::{ClientConfig, EngineConfig, ProviderConfig};
use crate::schemas::ExtraMap;

/// One entry of `plugins[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginConfig {
    /// Plugin name (`mocker`, `telemetry`, ...).
    pub name: String,
    /// Whether the plugin runs.
    #[serde(default)]
    pub enabled: bool,
    /// Path of a dynamic plugin (not supported by this build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Plugin version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<serde_json::Value>,
    /// Plugin-specific configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
    /// `pre_builtin` or `post_builtin` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// Order within the placement group (lower first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i64>,
}

/// Bifrost's `config.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ConfigFile {
    /// JSON schema URL (ignored).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// 2 (default): `models: []` allows nothing; 1: legacy, allows everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
    /// Gateway-wide switches.
    #[serde(default)]
    pub client: ClientConfig,
    /// Providers by name.
    #[serde(default)]
    pub providers: IndexMap<String, ProviderConfig>,
    /// Plugins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Vec<PluginConfig>>,
    /// Sections this build does not act on; reported at start-up.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ConfigFile {
    /// Parses `config.json`. The error names the JSON path of the bad value and why.
    pub fn parse(bytes: &[u8]) -> Result<Self, ConfigProblem> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            ConfigProblem::error(
                // A syntax error before any field is entered has no useful path ("." or "?").
                if path == "." || path == "?" {
                    "$".to_owned()
                } else {
                    path
                },
                format!("{inner}"),
            )
        })
    }

    /// The engine's part of the configuration.
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            providers: self.providers.clone(),
            drop_excess_requests: self.client.drop_excess_requests.unwrap_or(false),
            version: self.version.unwrap_or(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_path() {
        let err = ConfigFile::parse(
            br#"{"providers":{"openai":{"keys":[{"value":"k","weight":"heavy"}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "providers.openai.keys[0].weight");
        assert!(err.message.contains("invalid type"), "{}", err.message);
        let err = ConfigFile::parse(b"{ not json").unwrap_err();
        assert_eq!(err.path, "$");
        assert!(
            err.message.contains("key must be a string"),
            "{}",
            err.message
        );
    }

    #[test]
    fn reads_a_bifrost_example() {
        let cfg = ConfigFile::parse(
            br#"{"$schema":"https://www.getbifrost.ai/schema","client":{"drop_excess_requests":true,"initial_pool_size":300,"enable_logging":true},
            "providers":{"openai":{"keys":[{"name":"oa-1","value":"env.OPENAI_KEY_1","models":["*"],"weight":2.0}],
              "network_config":{"default_request_timeout_in_seconds":120,"max_retries":3,"retry_backoff_initial":"500ms","retry_backoff_max":5000,
                "extra_headers":{"OpenAI-Organization":"org-x"}},
              "concurrency_and_buffer_size":{"concurrency":1000,"buffer_size":5000},"proxy_config":{"type":"environment"},"send_back_raw_response":false}},
            "governance":{"virtual_keys":[]}}"#,
        )
        .unwrap();
        let engine = cfg.engine_config();
        assert!(engine.drop_excess_requests);
        let net = engine.providers["openai"].network();
        assert_eq!(net.max_retries(), 3);
        assert_eq!(net.backoff_max(), std::time::Duration::from_secs(5));
        assert!(cfg.extra.contains_key("governance"));
        assert!(cfg.client.extra.contains_key("enable_logging"));
    }
}
