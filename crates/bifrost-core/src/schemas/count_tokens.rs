//! Token counting (Anthropic `count_tokens`, Gemini `countTokens`, OpenAI `input_tokens`).

use serde::Serialize;

use super::{ChatMessage, ExtraFields, ExtraMap, Tool};

/// Count the input tokens a chat request would use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct CountTokensRequest {
    /// `provider/model` from the caller, the bare model name once dispatched.
    pub model: String,
    /// The conversation to count.
    #[serde(default)]
    pub messages: Vec<ChatMessage>,
    /// Tools that would be sent along.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Bifrost fallbacks. Never sent upstream.
    #[serde(default, skip_serializing)]
    pub fallbacks: Option<Vec<String>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// The token count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct CountTokensResponse {
    /// Always `response.input_tokens`.
    #[serde(default = "input_tokens_object")]
    pub object: String,
    /// Input tokens.
    pub input_tokens: u64,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn input_tokens_object() -> String {
    "response.input_tokens".to_owned()
}
