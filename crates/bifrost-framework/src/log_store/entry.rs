//! One request's log record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a request is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStatus {
    /// Started, not finished.
    Processing,
    /// Finished with a response.
    Success,
    /// Finished with an error.
    Error,
}

impl LogStatus {
    /// `processing`, `success` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Success => "success",
            Self::Error => "error",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "processing" => Some(Self::Processing),
            "success" => Some(Self::Success),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

/// Token counts of a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Input tokens.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Input plus output tokens.
    #[serde(default)]
    pub total_tokens: u64,
    /// Input tokens served from the provider's prompt cache.
    #[serde(default)]
    pub cached_tokens: u64,
    /// Output tokens spent on reasoning.
    #[serde(default)]
    pub reasoning_tokens: u64,
}

/// One request, as stored and as returned by the log API (field names follow Bifrost's log
/// JSON: `object`, `latency`, `input_history`, `output_message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Request id (unique; writing an entry with an existing id replaces that row).
    pub id: String,
    /// The request this one is a retry or fallback of.
    #[serde(default)]
    pub parent_request_id: Option<String>,
    /// When the request arrived (stored with millisecond precision).
    pub timestamp: DateTime<Utc>,
    /// Request type (`chat_completion`, `embedding`, ...).
    #[serde(rename = "object")]
    pub object_type: String,
    /// Provider that served (or failed) the request.
    pub provider: String,
    /// Model asked for.
    pub model: String,
    /// Processing, success or error.
    pub status: LogStatus,
    /// Milliseconds from arrival to the end of the response; `None` while processing.
    #[serde(rename = "latency", default)]
    pub latency_ms: Option<f64>,
    /// Token counts.
    #[serde(default)]
    pub token_usage: TokenUsage,
    /// Cost in US dollars, when known.
    #[serde(default)]
    pub cost: Option<f64>,
    /// Id of the provider key used (never the key itself).
    #[serde(default)]
    pub selected_key_id: Option<String>,
    /// Name of the provider key used.
    #[serde(default)]
    pub selected_key_name: Option<String>,
    /// 0 for the primary provider, n for the n-th fallback.
    #[serde(default)]
    pub fallback_index: u32,
    /// Retries made after the first attempt.
    #[serde(default)]
    pub number_of_retries: u32,
    /// True for streamed responses.
    #[serde(default)]
    pub stream: bool,
    /// Why generation stopped (`stop`, `length`, `tool_calls`, ...).
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The error returned, as JSON.
    #[serde(default)]
    pub error_details: Option<Value>,
    /// Input messages; `None` when content logging is disabled.
    #[serde(rename = "input_history", default)]
    pub input: Option<Value>,
    /// Output message; `None` when content logging is disabled.
    #[serde(rename = "output_message", default)]
    pub output: Option<Value>,
    /// The text of `input` and `output`, searched by `content_search`. Filled in from them on
    /// insert when left `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_summary: Option<String>,
    /// Extra attributes (logging headers, dimensions).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Virtual key that authorised the request.
    #[serde(default)]
    pub virtual_key_id: Option<String>,
    /// Its name.
    #[serde(default)]
    pub virtual_key_name: Option<String>,
}

impl LogEntry {
    /// A new entry with the given identity and everything else empty.
    pub fn new(
        id: impl Into<String>,
        timestamp: DateTime<Utc>,
        object_type: impl Into<String>,
        provider: impl Into<String>,
        model: impl Into<String>,
        status: LogStatus,
    ) -> Self {
        Self {
            id: id.into(),
            parent_request_id: None,
            timestamp,
            object_type: object_type.into(),
            provider: provider.into(),
            model: model.into(),
            status,
            latency_ms: None,
            token_usage: TokenUsage::default(),
            cost: None,
            selected_key_id: None,
            selected_key_name: None,
            fallback_index: 0,
            number_of_retries: 0,
            stream: false,
            stop_reason: None,
            error_details: None,
            input: None,
            output: None,
            content_summary: None,
            metadata: None,
            virtual_key_id: None,
            virtual_key_name: None,
        }
    }
}

/// The searchable text of a message document: every `content` / `text` string (including the
/// text parts of multi-part content and `refusal`), joined by newlines.
pub(crate) fn content_text(docs: &[Option<&Value>]) -> Option<String> {
    fn walk(v: &Value, key: Option<&str>, out: &mut Vec<String>) {
        match v {
            Value::String(s)
                if matches!(
                    key,
                    Some("content" | "text" | "refusal" | "input" | "arguments")
                ) && !s.is_empty() =>
            {
                out.push(s.clone());
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, key, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, Some(k), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for doc in docs.iter().flatten() {
        match doc {
            // A bare string (a prompt) is content in itself.
            Value::String(s) if !s.is_empty() => out.push(s.clone()),
            other => walk(other, None, &mut out),
        }
    }
    (!out.is_empty()).then(|| out.join("\n"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn content_text_takes_message_text_only() {
        let input = json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is Rust?"}, {"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}
        ]);
        let output = json!({"role": "assistant", "content": "A language."});
        let text = content_text(&[Some(&input), Some(&output)]).unwrap();
        assert_eq!(text, "Be brief.\nWhat is Rust?\nA language.");
        assert!(!text.contains("role") && !text.contains("http://x"));
        assert_eq!(content_text(&[None, None]), None);
    }

    #[test]
    fn json_field_names_follow_bifrost() {
        let e = LogEntry::new(
            "r1",
            DateTime::from_timestamp_millis(1_700_000_000_123).unwrap(),
            "chat_completion",
            "openai",
            "gpt-4o",
            LogStatus::Success,
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["object"], "chat_completion");
        assert_eq!(v["status"], "success");
        assert_eq!(v["timestamp"], "2023-11-14T22:13:20.123Z");
        assert!(v.get("latency").is_some() && v.get("input_history").is_some());
    }
}
