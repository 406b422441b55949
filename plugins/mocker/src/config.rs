//! The mocker's configuration, field for field as Bifrost's `config.json` writes it
//! (`plugins[].config` of the `mocker` / `bifrost-mocker` plugin).
//!
//! Enumerated values (`default_behavior`, latency `type`, response `type`) are kept as strings
//! so that a wrong value reaches [`MockerConfig::validate`] and is reported with Bifrost's own
//! message instead of a generic parse error.
//!
//! Two defaults differ from what Bifrost's README promises, because Bifrost's code decides:
//! - a rule whose `enabled` is `false` **or missing** is skipped;
//! - a rule whose `probability` is `0` (or missing) fires **every time**; only a value in
//!   `(0, 1)` makes it fire at random.

use bifrost_core::config::GoDuration;
use serde::{Deserialize, Serialize};

/// `default_behavior`: answer with the upstream when no rule matches.
pub const DEFAULT_BEHAVIOR_PASSTHROUGH: &str = "passthrough";
/// `default_behavior`: answer with `Mock plugin default error` when no rule matches.
pub const DEFAULT_BEHAVIOR_ERROR: &str = "error";
/// `default_behavior`: answer with `Mock plugin default response` when no rule matches.
pub const DEFAULT_BEHAVIOR_SUCCESS: &str = "success";
/// Response `type` of a mocked completion.
pub const RESPONSE_TYPE_SUCCESS: &str = "success";
/// Response `type` of a mocked error.
pub const RESPONSE_TYPE_ERROR: &str = "error";
/// Latency `type`: always wait `min`.
pub const LATENCY_TYPE_FIXED: &str = "fixed";
/// Latency `type`: wait a uniformly random time in `[min, max]`.
pub const LATENCY_TYPE_UNIFORM: &str = "uniform";

/// The whole mocker configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MockerConfig {
    /// Master switch: when false every request passes through untouched.
    #[serde(default)]
    pub enabled: bool,
    /// Latency applied to every rule that has no `latency` of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_latency: Option<Latency>,
    /// Rules, checked by descending `priority`. When `enabled` is true and this is empty, a
    /// catch-all `default-mock` rule is added.
    #[serde(default)]
    pub rules: Vec<MockRule>,
    /// What to do when no rule matches: `passthrough` (also when empty), `error` or `success`.
    #[serde(default)]
    pub default_behavior: String,
}

/// One rule: when its conditions match, answer with one of its responses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MockRule {
    /// Unique name, used in statistics and logs. Required.
    #[serde(default)]
    pub name: String,
    /// The rule is skipped unless this is `true`; a missing `enabled` counts as `false`.
    #[serde(default)]
    pub enabled: bool,
    /// Higher numbers are checked first (-1000..=1000); equal priorities keep file order.
    #[serde(default)]
    pub priority: i64,
    /// What the request must look like; empty conditions match every request.
    #[serde(default)]
    pub conditions: Conditions,
    /// Candidate answers, one picked at random by `weight`. At least one is required.
    #[serde(default)]
    pub responses: Vec<MockResponse>,
    /// Latency for this rule (overrides `global_latency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Chance in `[0, 1]` that a matching rule fires; `0` means always. When it does not fire
    /// the request passes through to the provider (the default behaviour is not applied).
    #[serde(default)]
    pub probability: f64,
}

/// Conditions of a rule; all that are set must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    /// Target provider names (exact match).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<String>,
    /// Model names without the provider prefix (exact match).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// Regular expression searched in the request's text: the messages' text joined by
    /// spaces (chat) or the prompt (text completion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_regex: Option<String>,
    /// Approximate request size in bytes (see the crate docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_size: Option<SizeRange>,
}

/// An inclusive range of request sizes in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeRange {
    /// Smallest matching size.
    #[serde(default)]
    pub min: i64,
    /// Largest matching size (must be set when `min` is: it defaults to 0).
    #[serde(default)]
    pub max: i64,
}

/// One candidate answer of a rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MockResponse {
    /// `success` or `error`. Required.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Relative weight (non-negative); `0` or missing counts as `1.0`.
    #[serde(default)]
    pub weight: f64,
    /// The completion to answer with (required when `type` is `success`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<SuccessContent>,
    /// The error to answer with (required when `type` is `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorContent>,
    /// For errors: `false` stops the request's fallbacks; missing means fallbacks may run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_fallbacks: Option<bool>,
}

impl MockResponse {
    /// A success response with a fixed message and weight 1.
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            kind: RESPONSE_TYPE_SUCCESS.to_owned(),
            weight: 1.0,
            content: Some(SuccessContent {
                message: message.into(),
                ..SuccessContent::default()
            }),
            ..Self::default()
        }
    }

    /// An error response with a message and an optional HTTP status, weight 1.
    pub fn error(message: impl Into<String>, status_code: Option<i64>) -> Self {
        Self {
            kind: RESPONSE_TYPE_ERROR.to_owned(),
            weight: 1.0,
            error: Some(ErrorContent {
                message: message.into(),
                status_code,
                ..ErrorContent::default()
            }),
            ..Self::default()
        }
    }
}

/// The completion a success response produces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SuccessContent {
    /// Fixed assistant text.
    #[serde(default)]
    pub message: String,
    /// Replaces `model` in the answer (default: the requested model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Token counts; a zero count gets a default (prompt 10, completion 20, total the sum of
    /// the configured prompt and completion counts). Missing: 10 / 20 / 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<MockUsage>,
    /// Finish reason (default `stop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Assistant text with `{{provider}}`, `{{model}}` and `{{faker.*}}` placeholders;
    /// wins over `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_template: Option<String>,
    /// Extra values copied into `extra_fields.raw_response` (with `"mock_rule": "success"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Token counts of a mocked completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MockUsage {
    /// Prompt tokens (0 -> 10).
    #[serde(default)]
    pub prompt_tokens: i64,
    /// Completion tokens (0 -> 20).
    #[serde(default)]
    pub completion_tokens: i64,
    /// Total tokens (0 -> the configured prompt + completion counts).
    #[serde(default)]
    pub total_tokens: i64,
}

/// The error an error response produces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorContent {
    /// Error message. Required.
    #[serde(default)]
    pub message: String,
    /// `error.type` (e.g. `rate_limit`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `error.code` (e.g. `"429"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// HTTP status (100..=599); missing answers 400, as Bifrost's HTTP transport does for
    /// errors that carry no status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
}

/// Simulated latency, slept before the mocked answer.
///
/// `min` and `max` are Go `time.Duration`s: an integer is **nanoseconds** (`100000000` is
/// 100 ms, `100` is 100 ns); a duration string such as `"100ms"` or `"1.5s"` is accepted too.
/// A negative value is rejected when the configuration is parsed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Shortest (for `fixed`: the only) delay.
    #[serde(default)]
    pub min: GoDuration,
    /// Longest delay (`uniform` only).
    #[serde(default)]
    pub max: GoDuration,
    /// `fixed` or `uniform`. Required.
    #[serde(rename = "type", default)]
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn parses_bifrost_example_config() {
        let json = serde_json::json!({
            "enabled": true,
            "default_behavior": "passthrough",
            "global_latency": {"type": "uniform", "min": 100_000_000, "max": "250ms"},
            "rules": [{
                "name": "test", "enabled": true, "priority": 1, "conditions": {},
                "probability": 1.0,
                "responses": [{"type": "success", "weight": 1.0,
                               "content": {"message": "Mock response"}}]
            }]
        });
        let cfg: MockerConfig = serde_json::from_value(json).unwrap();
        let lat = cfg.global_latency.as_ref().unwrap();
        assert_eq!(lat.min.0, Duration::from_millis(100));
        assert_eq!(lat.max.0, Duration::from_millis(250));
        assert_eq!(lat.kind, "uniform");
        assert_eq!(cfg.rules[0].responses[0].kind, "success");
        assert_eq!(
            cfg.rules[0].responses[0].content.as_ref().unwrap().message,
            "Mock response"
        );
    }

    #[test]
    fn missing_enabled_and_probability_default_to_zero_values() {
        let rule: MockRule = serde_json::from_value(serde_json::json!({"name": "r"})).unwrap();
        assert!(!rule.enabled);
        assert_eq!(rule.probability, 0.0);
        assert_eq!(rule.priority, 0);
    }

    #[test]
    fn negative_latency_is_rejected_while_parsing() {
        let err =
            serde_json::from_value::<Latency>(serde_json::json!({"type": "fixed", "min": -1}))
                .unwrap_err()
                .to_string();
        assert!(err.contains("cannot be negative"), "{err}");
    }
}
