//! Token usage, including cached and reasoning token details.

use serde::Serialize;

use super::ExtraMap;

/// Token counts reported for one request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Usage {
    /// Tokens in the prompt (input).
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens generated (output).
    #[serde(default)]
    pub completion_tokens: u64,
    /// `prompt_tokens + completion_tokens` as reported by the provider.
    #[serde(default)]
    pub total_tokens: u64,
    /// Breakdown of the prompt tokens (cached, audio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<PromptTokensDetails>,
    /// Breakdown of the completion tokens (reasoning, audio, predictions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<CompletionTokensDetails>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl Usage {
    /// Builds a usage record from input and output token counts.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            ..Self::default()
        }
    }

    /// Prompt tokens served from the provider's prompt cache (0 when unknown).
    pub fn cached_tokens(&self) -> u64 {
        self.prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .unwrap_or(0)
    }

    /// Completion tokens spent on reasoning (0 when unknown).
    pub fn reasoning_tokens(&self) -> u64 {
        self.completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens)
            .unwrap_or(0)
    }
}

/// Breakdown of prompt tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct PromptTokensDetails {
    /// Tokens read from the provider's prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
    /// Tokens written to the provider's prompt cache (Anthropic-style cache creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_tokens: Option<u64>,
    /// Audio input tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Breakdown of completion tokens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct CompletionTokensDetails {
    /// Tokens spent on hidden reasoning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
    /// Audio output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Predicted-output tokens that appeared in the completion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_prediction_tokens: Option<u64>,
    /// Predicted-output tokens that did not appear in the completion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_prediction_tokens: Option<u64>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}
