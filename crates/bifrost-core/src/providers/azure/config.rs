//! `azure_key_config` of a key, and the URLs it leads to.
//!
//! * **v1 API** (default): `{endpoint}/openai/v1/{chat/completions|completions|embeddings|models}`;
//!   the request body's `model` is the deployment name (the key's `aliases`, else the model).
//! * **Legacy deployments API**, used when `deployments` or `api_version` is set:
//!   `{endpoint}/openai/deployments/{deployment}/{operation}?api-version={api_version}`
//!   (`{endpoint}/openai/models?api-version=...` for model listing); the deployment is
//!   `deployments[model]`, else the model name; `api_version` defaults to `2024-10-21`.

use indexmap::IndexMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::config::resolve_env_ref;
use crate::error::{BifrostError, ErrorKind};
use crate::key::Key;
use crate::schemas::RequestType;

/// The api-version of the legacy deployments API when the key names none.
pub const DEFAULT_API_VERSION: &str = "2024-10-21";

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `azure_key_config` as written in `config.json`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AzureKeyConfig {
    /// Resource endpoint (`https://<resource>.openai.azure.com`), or `env.NAME`.
    #[serde(default)]
    pub endpoint: String,
    /// Model name -> deployment name (selects the legacy API).
    #[serde(default)]
    pub deployments: Option<IndexMap<String, String>>,
    /// api-version of the legacy API (selects the legacy API), or `env.NAME`.
    #[serde(default)]
    pub api_version: Option<String>,
}

/// A key's Azure target, resolved once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureTarget {
    /// Endpoint without trailing `/`.
    pub endpoint: String,
    /// `Some(api_version)` for the legacy deployments API, `None` for the v1 API.
    pub legacy_api_version: Option<String>,
    /// Model name -> deployment name.
    pub deployments: IndexMap<String, String>,
}

fn not_configured(message: String) -> BifrostError {
    BifrostError::new(ErrorKind::ProviderNotConfigured, message).with_code("invalid_key_config")
}

impl AzureTarget {
    /// Resolves `key`'s `azure_key_config`.
    pub fn resolve(key: &Key) -> Result<Self, BifrostError> {
        let Some(raw) = &key.config.azure_key_config else {
            return Err(not_configured(format!(
                "key {:?}: azure_key_config.endpoint is required",
                key.name
            )));
        };
        let config: AzureKeyConfig = serde_json::from_value(raw.clone()).map_err(|e| {
            not_configured(format!(
                "key {:?}: azure_key_config is invalid: {e}",
                key.name
            ))
        })?;
        let endpoint = resolve_env_ref(config.endpoint.trim())
            .map_err(|e| not_configured(format!("azure_key_config.endpoint: {e}")))?;
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        if endpoint.is_empty() {
            return Err(not_configured(format!(
                "key {:?}: azure_key_config.endpoint is required",
                key.name
            )));
        }
        let api_version = match config.api_version.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Some(
                resolve_env_ref(v)
                    .map_err(|e| not_configured(format!("azure_key_config.api_version: {e}")))?,
            ),
            _ => None,
        };
        let legacy = api_version.is_some() || config.deployments.is_some();
        Ok(Self {
            endpoint,
            legacy_api_version: legacy
                .then(|| api_version.unwrap_or_else(|| DEFAULT_API_VERSION.to_owned())),
            deployments: config.deployments.unwrap_or_default(),
        })
    }

    /// The deployment serving `model`.
    pub fn deployment<'a>(&'a self, model: &'a str) -> &'a str {
        self.deployments
            .get(model)
            .map(String::as_str)
            .unwrap_or(model)
    }

    /// The URL of `rt` for `model`.
    pub fn url(&self, rt: RequestType, model: &str) -> Option<String> {
        let operation = match rt {
            RequestType::ChatCompletion | RequestType::ChatCompletionStream => "chat/completions",
            RequestType::TextCompletion | RequestType::TextCompletionStream => "completions",
            RequestType::Embedding => "embeddings",
            RequestType::ListModels => "models",
            RequestType::Responses | RequestType::ResponsesStream => "responses",
            _ => return None,
        };
        let endpoint = &self.endpoint;
        Some(match (&self.legacy_api_version, rt) {
            (None, _) => format!("{endpoint}/openai/v1/{operation}"),
            // Resource-level operations: the deployment is named by the body's `model`.
            (
                Some(version),
                RequestType::ListModels | RequestType::Responses | RequestType::ResponsesStream,
            ) => {
                format!("{endpoint}/openai/{operation}?api-version={version}")
            }
            (Some(version), _) => {
                let deployment = utf8_percent_encode(self.deployment(model), SEGMENT);
                format!(
                    "{endpoint}/openai/deployments/{deployment}/{operation}?api-version={version}"
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::{KeyConfig, SecretString};

    fn key(config: serde_json::Value) -> Key {
        Key {
            id: Arc::from("k"),
            name: Arc::from("k"),
            value: SecretString::new("azure-key"),
            weight: 1.0,
            config: Arc::new(KeyConfig {
                azure_key_config: Some(config),
                ..KeyConfig::default()
            }),
        }
    }

    #[test]
    fn v1_and_legacy_urls() {
        let v1 = AzureTarget::resolve(&key(
            serde_json::json!({"endpoint": "https://res.openai.azure.com/"}),
        ))
        .unwrap();
        assert_eq!(
            v1.url(RequestType::ChatCompletion, "gpt-4o").unwrap(),
            "https://res.openai.azure.com/openai/v1/chat/completions"
        );
        assert_eq!(
            v1.url(RequestType::ListModels, "*").unwrap(),
            "https://res.openai.azure.com/openai/v1/models"
        );
        let legacy = AzureTarget::resolve(&key(serde_json::json!({
            "endpoint": "https://res.openai.azure.com",
            "deployments": {"gpt-4o": "prod-4o"}
        })))
        .unwrap();
        assert_eq!(
            legacy.url(RequestType::Embedding, "gpt-4o").unwrap(),
            "https://res.openai.azure.com/openai/deployments/prod-4o/embeddings?api-version=2024-10-21"
        );
        assert_eq!(
            legacy.url(RequestType::TextCompletion, "other").unwrap(),
            "https://res.openai.azure.com/openai/deployments/other/completions?api-version=2024-10-21"
        );
        let versioned = AzureTarget::resolve(&key(serde_json::json!({
            "endpoint": "https://res.openai.azure.com", "api_version": "2025-01-01-preview"
        })))
        .unwrap();
        assert_eq!(
            versioned.url(RequestType::ListModels, "*").unwrap(),
            "https://res.openai.azure.com/openai/models?api-version=2025-01-01-preview"
        );
        assert!(AzureTarget::resolve(&key(serde_json::json!({}))).is_err());
    }
}
