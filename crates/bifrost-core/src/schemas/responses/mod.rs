//! OpenAI's Responses API (`POST /v1/responses`): request, response, items and stream events.
//!
//! Providers that serve the API natively (OpenAI, OpenRouter, xAI) receive the request as the
//! caller sent it, unknown fields included; every other provider is reached through chat
//! completions (see `providers::common::responses`).

mod items;
mod response;
mod stream;

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

pub use self::items::*;
pub use self::response::*;
pub use self::stream::*;
use super::ExtraMap;

/// A `POST /v1/responses` request.
///
/// `model` is `provider/model` when it reaches the engine; the engine replaces it with the bare
/// model name before a provider sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesRequest {
    /// `provider/model` from the caller, the bare model name once dispatched.
    #[serde(default)]
    pub model: String,
    /// Text, or a list of input items. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<ResponsesInput>,
    /// A system (developer) message put before the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Tools the model may call: function tools and hosted tools (kept verbatim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<ResponsesTool>>,
    /// How the model chooses tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ResponsesToolChoice>,
    /// Allow several tool calls in one turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Output token limit (includes reasoning tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Output format (`text.format`) and verbosity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<ResponsesTextConfig>,
    /// Reasoning effort and summary settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ResponsesReasoningConfig>,
    /// Continue the conversation of a stored response (native providers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// Store the response upstream for later retrieval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// Stream the answer as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Request metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ExtraMap>,
    /// `auto` or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<String>,
    /// End-user identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Extra output to include (`reasoning.encrypted_content`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
    /// Bifrost fallbacks (`provider/model` strings), tried in order. Never sent upstream.
    #[serde(default, skip_serializing)]
    pub fallbacks: Option<Vec<String>>,
    /// Fields this type does not know, forwarded unchanged to native upstreams.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ResponsesRequest {
    /// True when the caller asked for a streamed answer.
    pub fn is_stream(&self) -> bool {
        self.stream.unwrap_or(false)
    }

    /// True when `include` asks for `value` (e.g. `reasoning.encrypted_content`).
    pub fn includes(&self, value: &str) -> bool {
        self.include
            .as_ref()
            .is_some_and(|list| list.iter().any(|v| v == value))
    }
}

/// `input`: a string, or a list of items.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ResponsesInput {
    /// One user message.
    Text(String),
    /// Messages, function calls and their outputs, reasoning, ...
    Items(Vec<ResponsesItem>),
}

impl ResponsesInput {
    /// True for an empty string or an empty list.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Text(s) => s.is_empty(),
            Self::Items(items) => items.is_empty(),
        }
    }
}

// Hand-written so that a string or an array is told apart without serde's untagged buffering.
impl<'de> Deserialize<'de> for ResponsesInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InputVisitor;
        impl<'de> Visitor<'de> for InputVisitor {
            type Value = ResponsesInput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of input items")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ResponsesInput::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ResponsesInput::Text(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(ResponsesInput::Items(items))
            }
        }
        deserializer.deserialize_any(InputVisitor)
    }
}

/// A tool of a Responses request.
///
/// Function tools are flat (`{"type":"function","name":...,"parameters":...}`); hosted tools
/// (`web_search`, `file_search`, `mcp`, ...) keep their settings in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesTool {
    /// `function`, `custom`, `web_search`, `file_search`, `mcp`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Function name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the function does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// Enforce the schema exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ResponsesTool {
    /// A function tool.
    pub fn function(name: impl Into<String>, parameters: Option<serde_json::Value>) -> Self {
        Self {
            kind: "function".to_owned(),
            name: Some(name.into()),
            description: None,
            parameters,
            strict: None,
            extra: ExtraMap::new(),
        }
    }
}

/// `tool_choice`: a mode, or a specific tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResponsesToolChoice {
    /// `none`, `auto` or `required`.
    Mode(String),
    /// `{"type":"function","name":...}`, `{"type":"allowed_tools",...}`, a hosted tool type.
    Tool(ResponsesToolChoiceObject),
}

/// A structured `tool_choice`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesToolChoiceObject {
    /// `function`, `allowed_tools`, `custom`, `mcp`, or a hosted tool type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The function (or custom tool) to call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this type does not know (`mode`, `tools`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `text`: output format and verbosity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesTextConfig {
    /// `text`, `json_object` or `json_schema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ResponsesTextFormat>,
    /// `low`, `medium` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `text.format`. For `json_schema`, the schema's fields sit beside `type` (unlike chat).
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesTextFormat {
    /// `text`, `json_object` or `json_schema`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Schema name (`json_schema`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The JSON Schema (`json_schema`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// What the schema is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enforce the schema exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `reasoning`: effort and summary settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesReasoningConfig {
    /// `none`, `minimal`, `low`, `medium`, `high` or `xhigh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// `auto`, `concise` or `detailed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Thinking token budget (Bifrost's extension, used by providers with budgets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Fields this type does not know (`generate_summary`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_with_every_known_field_round_trips() {
        let body = serde_json::json!({
            "model": "openai/gpt-4.1",
            "input": [
                {"role": "user", "content": "What is the weather?"},
                {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}
            ],
            "instructions": "be brief",
            "tools": [
                {"type": "function", "name": "get_weather", "parameters": {"type": "object"}, "strict": true},
                {"type": "web_search", "search_context_size": "low"}
            ],
            "tool_choice": {"type": "function", "name": "get_weather"},
            "parallel_tool_calls": false,
            "max_output_tokens": 100,
            "temperature": 0.5,
            "top_p": 0.9,
            "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}, "strict": true}, "verbosity": "low"},
            "reasoning": {"effort": "low", "summary": "auto"},
            "previous_response_id": "resp_0",
            "store": false,
            "stream": true,
            "metadata": {"k": "v"},
            "truncation": "auto",
            "user": "u1",
            "include": ["reasoning.encrypted_content"],
            "prompt_cache_key": "pk",
            "background": false
        });
        let mut with_fallbacks = body.clone();
        with_fallbacks["fallbacks"] = serde_json::json!(["groq/llama"]);
        let req: ResponsesRequest = serde_json::from_value(with_fallbacks).unwrap();
        assert_eq!(
            req.fallbacks.as_deref(),
            Some(&["groq/llama".to_owned()][..])
        );
        assert!(req.is_stream());
        assert!(req.includes("reasoning.encrypted_content"));
        assert_eq!(req.extra.get("prompt_cache_key").unwrap(), "pk");
        let Some(ResponsesInput::Items(items)) = &req.input else {
            panic!("expected items")
        };
        assert_eq!(items.len(), 3);
        assert_eq!(serde_json::to_value(&req).unwrap(), body);
    }

    #[test]
    fn input_string_and_tool_choice_mode() {
        let req: ResponsesRequest =
            serde_json::from_str(r#"{"model":"m","input":"hello","tool_choice":"required"}"#)
                .unwrap();
        assert_eq!(req.input, Some(ResponsesInput::Text("hello".into())));
        assert_eq!(
            req.tool_choice,
            Some(ResponsesToolChoice::Mode("required".into()))
        );
        assert!(!req.is_stream());
    }

    #[test]
    fn invalid_input_is_rejected() {
        let err = serde_json::from_str::<ResponsesRequest>(r#"{"model":"m","input":5}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a string or an array of input items"), "{err}");
    }
}
