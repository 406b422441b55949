//! Checks a [`MockerConfig`] and reports the first problem with Bifrost's exact wording.

use std::fmt::Write as _;
use std::time::Duration;

use crate::config::{
    Conditions, DEFAULT_BEHAVIOR_ERROR, DEFAULT_BEHAVIOR_PASSTHROUGH, DEFAULT_BEHAVIOR_SUCCESS,
    ErrorContent, LATENCY_TYPE_FIXED, LATENCY_TYPE_UNIFORM, Latency, MockResponse, MockRule,
    MockerConfig, RESPONSE_TYPE_ERROR, RESPONSE_TYPE_SUCCESS, SuccessContent,
};
use crate::error::ConfigError;

fn fail<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

impl MockerConfig {
    /// Returns the first problem of the configuration, worded as Bifrost words it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.default_behavior.is_empty()
            && ![
                DEFAULT_BEHAVIOR_PASSTHROUGH,
                DEFAULT_BEHAVIOR_ERROR,
                DEFAULT_BEHAVIOR_SUCCESS,
            ]
            .contains(&self.default_behavior.as_str())
        {
            return fail(format!(
                "invalid default_behavior '{}', must be one of: {DEFAULT_BEHAVIOR_PASSTHROUGH}, {DEFAULT_BEHAVIOR_ERROR}, {DEFAULT_BEHAVIOR_SUCCESS}",
                self.default_behavior
            ));
        }
        if let Some(latency) = &self.global_latency {
            validate_latency(latency).map_err(|e| e.wrap("invalid global_latency"))?;
        }
        for (i, rule) in self.rules.iter().enumerate() {
            validate_rule(rule)
                .map_err(|e| e.wrap(format_args!("invalid rule at index {i} ({})", rule.name)))?;
        }
        Ok(())
    }
}

fn validate_rule(rule: &MockRule) -> Result<(), ConfigError> {
    if rule.name.is_empty() {
        return fail("rule name is required");
    }
    if !(-1000..=1000).contains(&rule.priority) {
        return fail(format!(
            "priority {} is out of reasonable range (-1000 to 1000)",
            rule.priority
        ));
    }
    if rule.probability < 0.0 || rule.probability > 1.0 {
        return fail(format!(
            "probability {:.2} must be between 0.0 and 1.0",
            rule.probability
        ));
    }
    if rule.responses.is_empty() {
        return fail("at least one response is required");
    }
    if let Some(latency) = &rule.latency {
        validate_latency(latency).map_err(|e| e.wrap("invalid rule latency"))?;
    }
    validate_conditions(&rule.conditions).map_err(|e| e.wrap("invalid conditions"))?;
    for (i, response) in rule.responses.iter().enumerate() {
        validate_response(response)
            .map_err(|e| e.wrap(format_args!("invalid response at index {i}")))?;
    }
    Ok(())
}

fn validate_latency(latency: &Latency) -> Result<(), ConfigError> {
    match latency.kind.as_str() {
        "" => return fail("latency type is required"),
        LATENCY_TYPE_FIXED | LATENCY_TYPE_UNIFORM => {}
        other => {
            return fail(format!(
                "invalid latency type '{other}', must be one of: {LATENCY_TYPE_FIXED}, {LATENCY_TYPE_UNIFORM}"
            ));
        }
    }
    // "minimum latency cannot be negative" cannot happen here: a negative duration is
    // already rejected when the JSON is parsed.
    if latency.kind == LATENCY_TYPE_UNIFORM && latency.max.0 < latency.min.0 {
        return fail(format!(
            "maximum latency ({}) cannot be less than minimum latency ({})",
            go_duration_string(latency.max.0),
            go_duration_string(latency.min.0)
        ));
    }
    Ok(())
}

fn validate_conditions(conditions: &Conditions) -> Result<(), ConfigError> {
    if let Some(pattern) = &conditions.message_regex
        && let Err(e) = regex::Regex::new(pattern)
    {
        return fail(format!("invalid message regex '{pattern}': {e}"));
    }
    if let Some(size) = &conditions.request_size {
        if size.min < 0 {
            return fail("request size minimum cannot be negative");
        }
        if size.max < size.min {
            return fail(format!(
                "request size maximum ({}) cannot be less than minimum ({})",
                size.max, size.min
            ));
        }
    }
    Ok(())
}

fn validate_response(response: &MockResponse) -> Result<(), ConfigError> {
    match response.kind.as_str() {
        "" => return fail("response type is required"),
        RESPONSE_TYPE_SUCCESS | RESPONSE_TYPE_ERROR => {}
        other => {
            return fail(format!(
                "invalid response type '{other}', must be one of: {RESPONSE_TYPE_SUCCESS}, {RESPONSE_TYPE_ERROR}"
            ));
        }
    }
    if response.weight < 0.0 {
        return fail("response weight cannot be negative");
    }
    if response.kind == RESPONSE_TYPE_SUCCESS {
        let Some(content) = &response.content else {
            return fail("success response must have content");
        };
        validate_success(content).map_err(|e| e.wrap("invalid success content"))?;
    } else {
        let Some(error) = &response.error else {
            return fail("error response must have error content");
        };
        validate_error(error).map_err(|e| e.wrap("invalid error content"))?;
    }
    Ok(())
}

fn validate_success(content: &SuccessContent) -> Result<(), ConfigError> {
    if content.message.is_empty()
        && content
            .message_template
            .as_deref()
            .is_none_or(str::is_empty)
    {
        return fail("either message or message_template is required");
    }
    if let Some(usage) = &content.usage
        && (usage.prompt_tokens < 0 || usage.completion_tokens < 0 || usage.total_tokens < 0)
    {
        return fail("token counts cannot be negative");
    }
    Ok(())
}

fn validate_error(error: &ErrorContent) -> Result<(), ConfigError> {
    if error.message.is_empty() {
        return fail("error message is required");
    }
    if let Some(status) = error.status_code
        && !(100..=599).contains(&status)
    {
        return fail(format!(
            "status code {status} is out of valid HTTP range (100-599)"
        ));
    }
    Ok(())
}

/// Formats a duration as Go's `time.Duration.String` does (`0s`, `250ms`, `1.5s`, `1m30s`).
pub(crate) fn go_duration_string(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", decimal(nanos, 1_000));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", decimal(nanos, 1_000_000));
    }
    let secs = nanos / 1_000_000_000;
    let (hours, minutes) = (secs / 3600, (secs / 60) % 60);
    let mut out = String::new();
    if hours > 0 {
        let _ = write!(out, "{hours}h");
    }
    if hours > 0 || minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    let rest = nanos - (hours * 3600 + minutes * 60) * 1_000_000_000;
    let _ = write!(out, "{}s", decimal(rest, 1_000_000_000));
    out
}

/// `value / unit` in decimal, without trailing zeros (`decimal(1500, 1000) == "1.5"`).
fn decimal(value: u128, unit: u128) -> String {
    let (whole, frac) = (value / unit, value % unit);
    if frac == 0 {
        return whole.to_string();
    }
    let width = unit.ilog10() as usize;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(config: serde_json::Value) -> String {
        let config: MockerConfig = serde_json::from_value(config).unwrap();
        config.validate().unwrap_err().to_string()
    }

    fn rule(fields: serde_json::Value) -> serde_json::Value {
        let mut base = json!({
            "name": "r1", "enabled": true,
            "responses": [{"type": "success", "content": {"message": "hi"}}]
        });
        for (k, v) in fields.as_object().unwrap() {
            base[k] = v.clone();
        }
        json!({"enabled": true, "rules": [base]})
    }

    #[test]
    fn accepts_a_valid_config_and_empty_rules() {
        let cfg: MockerConfig = serde_json::from_value(rule(json!({}))).unwrap();
        assert_eq!(cfg.validate(), Ok(()));
        assert_eq!(MockerConfig::default().validate(), Ok(()));
    }

    #[test]
    fn top_level_messages() {
        assert_eq!(
            check(json!({"default_behavior": "mock"})),
            "invalid default_behavior 'mock', must be one of: passthrough, error, success"
        );
        assert_eq!(
            check(json!({"global_latency": {"min": 1}})),
            "invalid global_latency: latency type is required"
        );
        assert_eq!(
            check(json!({"global_latency": {"type": "normal"}})),
            "invalid global_latency: invalid latency type 'normal', must be one of: fixed, uniform"
        );
        assert_eq!(
            check(json!({"global_latency": {"type": "uniform", "min": "1.5s", "max": "250ms"}})),
            "invalid global_latency: maximum latency (250ms) cannot be less than minimum latency (1.5s)"
        );
    }

    #[test]
    fn rule_messages() {
        let cases = [
            (
                json!({"name": ""}),
                "invalid rule at index 0 (): rule name is required",
            ),
            (
                json!({"priority": 1001}),
                "invalid rule at index 0 (r1): priority 1001 is out of reasonable range (-1000 to 1000)",
            ),
            (
                json!({"probability": 1.5}),
                "invalid rule at index 0 (r1): probability 1.50 must be between 0.0 and 1.0",
            ),
            (
                json!({"responses": []}),
                "invalid rule at index 0 (r1): at least one response is required",
            ),
            (
                json!({"latency": {"type": ""}}),
                "invalid rule at index 0 (r1): invalid rule latency: latency type is required",
            ),
            (
                json!({"conditions": {"request_size": {"min": -1, "max": 5}}}),
                "invalid rule at index 0 (r1): invalid conditions: request size minimum cannot be negative",
            ),
            (
                json!({"conditions": {"request_size": {"min": 10}}}),
                "invalid rule at index 0 (r1): invalid conditions: request size maximum (0) cannot be less than minimum (10)",
            ),
        ];
        for (fields, expected) in cases {
            assert_eq!(check(rule(fields)), expected);
        }
        let bad_regex = check(rule(json!({"conditions": {"message_regex": "(unclosed"}})));
        assert!(
            bad_regex.starts_with(
                "invalid rule at index 0 (r1): invalid conditions: invalid message regex '(unclosed': "
            ),
            "{bad_regex}"
        );
    }

    #[test]
    fn response_messages() {
        let prefix = "invalid rule at index 0 (r1): invalid response at index 0: ";
        let cases = [
            (json!({}), "response type is required"),
            (
                json!({"type": "maybe"}),
                "invalid response type 'maybe', must be one of: success, error",
            ),
            (
                json!({"type": "success", "weight": -1, "content": {"message": "x"}}),
                "response weight cannot be negative",
            ),
            (
                json!({"type": "success"}),
                "success response must have content",
            ),
            (
                json!({"type": "success", "content": {"message_template": ""}}),
                "invalid success content: either message or message_template is required",
            ),
            (
                json!({"type": "success", "content": {"message": "x", "usage": {"prompt_tokens": -1}}}),
                "invalid success content: token counts cannot be negative",
            ),
            (
                json!({"type": "error"}),
                "error response must have error content",
            ),
            (
                json!({"type": "error", "error": {"message": ""}}),
                "invalid error content: error message is required",
            ),
            (
                json!({"type": "error", "error": {"message": "x", "status_code": 600}}),
                "invalid error content: status code 600 is out of valid HTTP range (100-599)",
            ),
        ];
        for (response, expected) in cases {
            assert_eq!(
                check(rule(json!({"responses": [response]}))),
                format!("{prefix}{expected}")
            );
        }
    }

    #[test]
    fn reports_the_index_of_the_failing_rule() {
        let mut cfg = rule(json!({}));
        cfg["rules"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "second", "responses": []}));
        assert_eq!(
            check(cfg),
            "invalid rule at index 1 (second): at least one response is required"
        );
    }

    #[test]
    fn formats_durations_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(100), "100ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_micros(1_250), "1.25ms"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_millis(3_723_500), "1h2m3.5s"),
        ];
        for (d, expected) in cases {
            assert_eq!(go_duration_string(d), expected);
        }
    }
}
