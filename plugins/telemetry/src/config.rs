//! The telemetry plugin's configuration: Bifrost's `telemetry` plugin `config` object plus
//! `client.prometheus_labels`.

use serde::Deserialize;
use serde_json::Value;

use crate::cap::DEFAULT_VALUE_LIMIT;
use crate::families::RESERVED_LABELS;
use crate::metrics::MAX_CUSTOM_LABELS;

/// `plugins[] {"name": "telemetry", "config": {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TelemetryConfig {
    /// Custom label names, added to `client.prometheus_labels`.
    #[serde(default)]
    pub custom_labels: Vec<String>,
    /// Whether `GET /metrics` is served (default true).
    #[serde(default)]
    pub metrics_enabled: Option<bool>,
    /// Bifrost's per-component overhead histogram (not exported by this build).
    #[serde(default)]
    pub overhead_breakdown_enabled: Option<bool>,
    /// Bifrost's `user_id` / `user_name` labels (no user identity exists in this build).
    #[serde(default)]
    pub user_labels_enabled: Option<bool>,
    /// Bifrost's Prometheus push gateway settings (not supported: scrape `/metrics`).
    #[serde(default)]
    pub push_gateway: Option<Value>,
    /// Distinct values kept per caller-controlled label before `other` (default 500).
    #[serde(default)]
    pub max_label_values: Option<usize>,
    /// Settings this build does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A setting that is ignored or adjusted, named by its path relative to the plugin's `config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// Field path (`custom_labels[2]`, `push_gateway`, ...).
    pub field: String,
    /// What happens and why.
    pub message: String,
}

impl ConfigWarning {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The `config` object does not have the expected shape.
    #[error("invalid telemetry plugin config: {0}")]
    Config(#[from] serde_json::Error),
    /// Prometheus refused a metric.
    #[error("cannot register metrics: {0}")]
    Registry(#[from] prometheus::Error),
}

impl TelemetryConfig {
    /// Parses the plugin's `config` (`null` means defaults).
    pub fn from_json(value: &Value) -> Result<Self, TelemetryError> {
        if value.is_null() {
            return Ok(Self::default());
        }
        Ok(serde_json::from_value(value.clone())?)
    }

    /// Whether `/metrics` is served.
    pub fn metrics_enabled(&self) -> bool {
        self.metrics_enabled.unwrap_or(true)
    }

    /// Distinct values kept per caller-controlled label.
    pub fn value_limit(&self) -> usize {
        self.max_label_values
            .filter(|n| *n > 0)
            .unwrap_or(DEFAULT_VALUE_LIMIT)
    }

    /// Settings that are accepted but have no effect.
    pub fn warnings(&self) -> Vec<ConfigWarning> {
        let mut out = Vec::new();
        if self.overhead_breakdown_enabled == Some(true) {
            out.push(ConfigWarning::new(
                "overhead_breakdown_enabled",
                "bifrost_overhead_component_microseconds is not exported by this build; bifrost_overhead_latency_microseconds is",
            ));
        }
        if self.user_labels_enabled == Some(true) {
            out.push(ConfigWarning::new(
                "user_labels_enabled",
                "no user identity exists in this build yet; user_id/user_name labels are not added",
            ));
        }
        let push_enabled = self
            .push_gateway
            .as_ref()
            .and_then(|p| p.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if push_enabled {
            out.push(ConfigWarning::new(
                "push_gateway",
                "the Prometheus push gateway is not supported by this build; scrape GET /metrics instead",
            ));
        }
        for key in self.extra.keys() {
            out.push(ConfigWarning::new(key, "unknown setting; ignored"));
        }
        out
    }
}

fn valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with("__")
}

/// Checks custom label names (`client.prometheus_labels` then the plugin's `custom_labels`):
/// keeps valid, new, non-reserved names up to [`MAX_CUSTOM_LABELS`]; warns about the rest.
/// Each input is `(path, names)`, the path used to name the warnings.
pub fn custom_labels(sources: &[(&str, &[String])]) -> (Vec<String>, Vec<ConfigWarning>) {
    let mut kept: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    for (path, names) in sources {
        for (i, name) in names.iter().enumerate() {
            let field = format!("{path}[{i}]");
            let name = name.trim();
            if !valid_label_name(name) {
                warnings.push(ConfigWarning::new(
                    field,
                    format!("{name:?} is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*); ignored"),
                ));
            } else if RESERVED_LABELS.contains(&name) {
                warnings.push(ConfigWarning::new(
                    field,
                    format!("{name:?} is already a built-in label; ignored"),
                ));
            } else if kept.iter().any(|k| k == name) {
                continue;
            } else if kept.len() >= MAX_CUSTOM_LABELS {
                warnings.push(ConfigWarning::new(
                    field,
                    format!(
                        "at most {MAX_CUSTOM_LABELS} custom labels are supported; {name:?} ignored"
                    ),
                ));
            } else {
                kept.push(name.to_owned());
            }
        }
    }
    (kept, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bifrost_config() {
        let cfg = TelemetryConfig::from_json(&serde_json::json!({
            "custom_labels": ["env"],
            "metrics_enabled": false,
            "push_gateway": {"enabled": true, "push_gateway_url": "http://pgw:9091"},
            "colour": 1
        }))
        .unwrap();
        assert!(!cfg.metrics_enabled());
        assert_eq!(cfg.custom_labels, ["env"]);
        let fields: Vec<_> = cfg.warnings().into_iter().map(|w| w.field).collect();
        assert_eq!(fields, ["push_gateway", "colour"]);
        assert!(
            TelemetryConfig::from_json(&Value::Null)
                .unwrap()
                .metrics_enabled()
        );
    }

    #[test]
    fn custom_labels_are_checked() {
        let client = vec![
            "team".to_owned(),
            "bad-name".to_owned(),
            "provider".to_owned(),
        ];
        let plugin = vec!["team".to_owned(), "env".to_owned()];
        let (kept, warnings) = custom_labels(&[
            ("client.prometheus_labels", &client),
            ("custom_labels", &plugin),
        ]);
        assert_eq!(kept, ["team", "env"]);
        let fields: Vec<_> = warnings.into_iter().map(|w| w.field).collect();
        assert_eq!(
            fields,
            ["client.prometheus_labels[1]", "client.prometheus_labels[2]"]
        );
    }
}
