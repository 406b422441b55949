//! The `response` object and its usage.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ResponsesItem;
use crate::schemas::{CompletionTokensDetails, ExtraFields, ExtraMap, PromptTokensDetails, Usage};

/// A response (`object: "response"`), complete or as carried by lifecycle stream events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesResponse {
    /// Response id (`resp_...`).
    #[serde(default)]
    pub id: String,
    /// Always `response`.
    #[serde(default = "response_object")]
    pub object: String,
    /// Unix seconds.
    #[serde(default, deserialize_with = "unix_seconds")]
    pub created_at: u64,
    /// `completed`, `incomplete`, `failed`, `in_progress`, `queued` or `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Reasoning, messages and function calls, in the order the model produced them.
    #[serde(default)]
    pub output: Vec<ResponsesItem>,
    /// Token usage (absent while in progress).
    #[serde(default)]
    pub usage: Option<ResponsesUsage>,
    /// Why the response is incomplete (`{"reason":"max_output_tokens"}`).
    #[serde(default)]
    pub incomplete_details: Option<serde_json::Value>,
    /// The error of a failed response.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// Bifrost's metadata: provider, request type, requested model, latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know (the request's echoed parameters, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn response_object() -> String {
    "response".to_owned()
}

/// Accepts integer or floating-point unix seconds.
fn unix_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    Ok(n.as_u64()
        .or_else(|| n.as_f64().map(|f| f.max(0.0) as u64))
        .unwrap_or(0))
}

impl ResponsesResponse {
    /// The concatenated text of every `output_text` part of the output messages.
    pub fn output_text(&self) -> String {
        let mut out = String::new();
        for item in &self.output {
            if let Some(m) = item.as_message()
                && let super::ResponsesMessageContent::Parts(parts) = &m.content
            {
                for p in parts.iter().filter(|p| p.kind == "output_text") {
                    out.push_str(p.text.as_deref().unwrap_or(""));
                }
            }
        }
        out
    }

    /// The unified usage, if reported.
    pub fn unified_usage(&self) -> Option<&Usage> {
        self.usage.as_ref().map(|u| &u.0)
    }
}

/// Usage in the Responses shape (`input_tokens`, `output_tokens`, details), held as the unified
/// [`Usage`] so that plugins see the same numbers for every request type.
///
/// `input_tokens` is `prompt_tokens`, `output_tokens` is `completion_tokens`;
/// `input_tokens_details` and `output_tokens_details` map onto the prompt and completion
/// details (unknown detail fields are kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponsesUsage(pub Usage);

impl From<Usage> for ResponsesUsage {
    fn from(u: Usage) -> Self {
        Self(u)
    }
}

#[derive(Serialize)]
struct UsageOut<'a> {
    input_tokens: u64,
    input_tokens_details: InputDetailsOut<'a>,
    output_tokens: u64,
    output_tokens_details: OutputDetailsOut<'a>,
    total_tokens: u64,
    #[serde(flatten)]
    extra: &'a ExtraMap,
}

#[derive(Serialize)]
struct InputDetailsOut<'a> {
    cached_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_creation_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio_tokens: Option<u64>,
    #[serde(flatten)]
    extra: Option<&'a ExtraMap>,
}

#[derive(Serialize)]
struct OutputDetailsOut<'a> {
    reasoning_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    audio_tokens: Option<u64>,
    #[serde(flatten)]
    extra: Option<&'a ExtraMap>,
}

impl Serialize for ResponsesUsage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let u = &self.0;
        let p = u.prompt_tokens_details.as_ref();
        let c = u.completion_tokens_details.as_ref();
        UsageOut {
            input_tokens: u.prompt_tokens,
            input_tokens_details: InputDetailsOut {
                cached_tokens: u.cached_tokens(),
                cache_creation_tokens: p.and_then(|d| d.cache_creation_tokens),
                audio_tokens: p.and_then(|d| d.audio_tokens),
                extra: p.map(|d| &d.extra),
            },
            output_tokens: u.completion_tokens,
            output_tokens_details: OutputDetailsOut {
                reasoning_tokens: u.reasoning_tokens(),
                audio_tokens: c.and_then(|d| d.audio_tokens),
                extra: c.map(|d| &d.extra),
            },
            total_tokens: u.total_tokens,
            extra: &u.extra,
        }
        .serialize(s)
    }
}

#[derive(Deserialize)]
struct UsageIn {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    input_tokens_details: Option<PromptTokensDetails>,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    output_tokens_details: Option<CompletionTokensDetails>,
    #[serde(default)]
    total_tokens: Option<u64>,
    #[serde(flatten)]
    extra: ExtraMap,
}

impl<'de> Deserialize<'de> for ResponsesUsage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let u = UsageIn::deserialize(d)?;
        Ok(Self(Usage {
            prompt_tokens: u.input_tokens,
            completion_tokens: u.output_tokens,
            total_tokens: u.total_tokens.unwrap_or(u.input_tokens + u.output_tokens),
            prompt_tokens_details: u.input_tokens_details,
            completion_tokens_details: u.output_tokens_details,
            extra: u.extra,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_maps_onto_the_unified_shape_and_back() {
        let wire = serde_json::json!({
            "input_tokens": 12,
            "input_tokens_details": {"cached_tokens": 4, "cache_write_tokens": 0},
            "output_tokens": 30,
            "output_tokens_details": {"reasoning_tokens": 10},
            "total_tokens": 42
        });
        let usage: ResponsesUsage = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(usage.0.prompt_tokens, 12);
        assert_eq!(usage.0.completion_tokens, 30);
        assert_eq!(usage.0.cached_tokens(), 4);
        assert_eq!(usage.0.reasoning_tokens(), 10);
        assert_eq!(serde_json::to_value(&usage).unwrap(), wire);
    }

    #[test]
    fn usage_details_are_always_written() {
        let usage = ResponsesUsage(Usage::new(3, 5));
        assert_eq!(
            serde_json::to_value(&usage).unwrap(),
            serde_json::json!({
                "input_tokens": 3,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 5,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 8
            })
        );
    }

    #[test]
    fn response_keeps_unknown_fields_and_reads_output_text() {
        let wire = serde_json::json!({
            "id": "resp_1",
            "object": "response",
            "created_at": 1_741_476_542.0,
            "status": "completed",
            "model": "gpt-4.1",
            "output": [
                {"type": "reasoning", "id": "rs_1", "summary": []},
                {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                 "content": [{"type": "output_text", "text": "Hello", "annotations": []},
                             {"type": "output_text", "text": " world", "annotations": []}]}
            ],
            "usage": {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}},
            "incomplete_details": null,
            "error": null,
            "parallel_tool_calls": true,
            "tools": [],
            "service_tier": "default"
        });
        let r: ResponsesResponse = serde_json::from_value(wire).unwrap();
        assert_eq!(r.created_at, 1_741_476_542);
        assert_eq!(r.output_text(), "Hello world");
        assert_eq!(r.unified_usage().unwrap().total_tokens, 3);
        assert_eq!(r.extra["service_tier"], "default");
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(back["parallel_tool_calls"], true);
        assert_eq!(back["created_at"], 1_741_476_542);
        assert!(back["error"].is_null());
    }
}
