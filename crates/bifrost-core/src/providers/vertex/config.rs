//! A key's `vertex_key_config` (`project_id`, `project_number`, `region`, `auth_credentials`,
//! `deployments`; every value may be `env.NAME`) and the URLs built from it.
//!
//! Host: `https://{region}-aiplatform.googleapis.com`, or `https://aiplatform.googleapis.com`
//! for the `global` region and the `us` / `eu` multi-regions. `network_config.base_url`, when
//! set, replaces that scheme and host (for proxies and tests); the paths stay the same.

use std::collections::HashMap;

use serde::Deserialize;

use crate::config::resolve_env_ref;

/// The parsed `vertex_key_config` of one key. `Debug` never prints the credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct VertexKeyConfig {
    /// GCP project id.
    pub project_id: String,
    /// GCP project number (fine-tuned model endpoints).
    pub project_number: Option<String>,
    /// Region (`us-central1`, `europe-west4`, `global`, ...).
    pub region: String,
    /// Service-account JSON (raw, base64 or `env.NAME`), if any.
    pub auth_credentials: Option<String>,
    /// Model name -> deployed model name.
    pub deployments: HashMap<String, String>,
}

impl std::fmt::Debug for VertexKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VertexKeyConfig")
            .field("project_id", &self.project_id)
            .field("project_number", &self.project_number)
            .field("region", &self.region)
            .field(
                "auth_credentials",
                &self.auth_credentials.as_ref().map(|_| "<redacted>"),
            )
            .field("deployments", &self.deployments)
            .finish()
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    project_number: Option<serde_json::Value>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    auth_credentials: Option<String>,
    #[serde(default)]
    deployments: Option<HashMap<String, String>>,
}

fn resolved(field: &str, value: Option<String>) -> Result<Option<String>, String> {
    match value.filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => resolve_env_ref(v.trim())
            .map(Some)
            .map_err(|e| format!("vertex_key_config.{field}: {e}")),
    }
}

impl VertexKeyConfig {
    /// Parses a key's `vertex_key_config`.
    pub fn parse(value: Option<&serde_json::Value>) -> Result<Self, String> {
        let value = value.ok_or_else(|| {
            "the key has no vertex_key_config (project_id, region and auth_credentials are needed)"
                .to_owned()
        })?;
        let raw: Raw = serde_json::from_value(value.clone())
            .map_err(|e| format!("vertex_key_config is invalid: {e}"))?;
        let project_number = match raw.project_number {
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::String(s)) => resolved("project_number", Some(s))?,
            _ => None,
        };
        let project_id = resolved("project_id", raw.project_id)?
            .ok_or_else(|| "vertex_key_config.project_id is not set".to_owned())?;
        let region = resolved("region", raw.region)?
            .ok_or_else(|| "vertex_key_config.region is not set".to_owned())?;
        Ok(Self {
            project_id,
            project_number,
            region,
            // Resolved later (it may be large and is parsed by the token source).
            auth_credentials: raw.auth_credentials.filter(|c| !c.trim().is_empty()),
            deployments: raw.deployments.unwrap_or_default(),
        })
    }

    /// The deployed name of `model`.
    pub fn deployment<'a>(&'a self, model: &'a str) -> &'a str {
        self.deployments.get(model).map_or(model, String::as_str)
    }

    /// `https://{host}` for the region, or the configured base URL.
    pub fn origin(&self, base_url: Option<&str>) -> String {
        if let Some(base) = base_url {
            return base.to_owned();
        }
        match self.region.as_str() {
            "global" | "us" | "eu" => "https://aiplatform.googleapis.com".to_owned(),
            r => format!("https://{r}-aiplatform.googleapis.com"),
        }
    }

    /// `{origin}/v1/projects/{project}/locations/{region}/publishers/{publisher}/models/{model}:{method}`.
    pub fn model_url(
        &self,
        base_url: Option<&str>,
        publisher: &str,
        model: &str,
        method: &str,
    ) -> String {
        format!(
            "{}/v1/projects/{}/locations/{}/publishers/{publisher}/models/{model}:{method}",
            self.origin(base_url),
            self.project_id,
            self.region
        )
    }

    /// `{origin}/v1beta1/publishers/{publisher}/models` (Model Garden listing).
    pub fn publisher_models_url(&self, base_url: Option<&str>, publisher: &str) -> String {
        format!(
            "{}/v1beta1/publishers/{publisher}/models",
            self.origin(base_url)
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_and_builds_urls() {
        let c = VertexKeyConfig::parse(Some(&json!({
            "project_id": "proj", "region": "us-central1", "project_number": 1234,
            "auth_credentials": "{}", "deployments": {"flash": "gemini-2.0-flash-001"}
        })))
        .unwrap();
        assert_eq!(c.project_number.as_deref(), Some("1234"));
        assert_eq!(c.deployment("flash"), "gemini-2.0-flash-001");
        assert_eq!(
            c.model_url(None, "google", "gemini-2.0-flash", "generateContent"),
            "https://us-central1-aiplatform.googleapis.com/v1/projects/proj/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent"
        );
        let g = VertexKeyConfig {
            region: "global".into(),
            ..c.clone()
        };
        assert_eq!(
            g.model_url(None, "anthropic", "claude", "rawPredict"),
            "https://aiplatform.googleapis.com/v1/projects/proj/locations/global/publishers/anthropic/models/claude:rawPredict"
        );
        assert!(
            c.model_url(Some("http://127.0.0.1:9"), "google", "m", "predict")
                .starts_with("http://127.0.0.1:9/v1/projects/proj/locations/us-central1/")
        );
        assert!(
            VertexKeyConfig::parse(Some(&json!({"region": "x"})))
                .unwrap_err()
                .contains("project_id")
        );
        assert!(VertexKeyConfig::parse(None).is_err());
        let secret = VertexKeyConfig {
            auth_credentials: Some("-----BEGIN PRIVATE KEY-----".into()),
            ..c
        };
        assert!(!format!("{secret:?}").contains("PRIVATE"));
    }
}
