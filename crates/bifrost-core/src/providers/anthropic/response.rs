//! Anthropic Messages API answers -> unified (OpenAI-shaped) responses.
//!
//! | Anthropic | unified |
//! |---|---|
//! | `text` blocks | `message.content` (concatenated) |
//! | `thinking` blocks | `message.reasoning` (concatenated) and `reasoning_details` `reasoning.text` with the signature |
//! | `redacted_thinking` blocks | `reasoning_details` `reasoning.encrypted` with `data` |
//! | `tool_use` blocks | `message.tool_calls` (`input` serialized as `arguments`) |
//! | `stop_reason` | `finish_reason` (see [`finish_reason`]); the matched `stop_sequence` is kept on the choice |
//! | `usage` | `usage` (see [`to_usage`]) |
//! | `usage.service_tier` `standard` | `service_tier` `default` (others unchanged) |
//!
//! Blocks of other types (server tool use and results) are not represented in the chat shape and
//! are dropped; `text` citations are dropped too.

use super::types::{
    ContentBlock, CountTokensResponse as NativeCount, MessagesResponse, ModelList, NativeUsage,
};
use crate::schemas::{
    ChatChoice, ChatMessage, ChatResponse, CountTokensResponse, ExtraMap, FunctionCall,
    ListModelsResponse, MessageContent, Model, PromptTokensDetails, ReasoningDetail, Role,
    ToolCall, Usage,
};

/// Anthropic's `stop_reason` -> OpenAI's `finish_reason`.
///
/// `end_turn` and `stop_sequence` -> `stop`; `max_tokens` and `model_context_window_exceeded`
/// -> `length`; `tool_use` -> `tool_calls`; `refusal` -> `content_filter`. Others (such as
/// `pause_turn`, which asks the caller to send the turn back to continue) pass through unchanged.
pub fn finish_reason(stop_reason: &str) -> String {
    match stop_reason {
        "end_turn" | "stop_sequence" => "stop",
        "max_tokens" | "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        other => other,
    }
    .to_owned()
}

/// Anthropic's usage -> OpenAI's.
///
/// Anthropic's `input_tokens` counts only the tokens after the last cache breakpoint, so
/// `prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens` (every
/// token the prompt had, as OpenAI counts them); `cached_tokens` is the cache read and
/// `cache_creation_tokens` the cache write. `completion_tokens` is `output_tokens` (thinking
/// included).
pub fn to_usage(u: &NativeUsage) -> Usage {
    let input = u.input_tokens.unwrap_or(0);
    let read = u.cache_read_input_tokens.unwrap_or(0);
    let write = u.cache_creation_input_tokens.unwrap_or(0);
    let mut usage = Usage::new(input + read + write, u.output_tokens.unwrap_or(0));
    if u.cache_read_input_tokens.is_some() || u.cache_creation_input_tokens.is_some() {
        usage.prompt_tokens_details = Some(PromptTokensDetails {
            cached_tokens: Some(read),
            cache_creation_tokens: Some(write),
            ..PromptTokensDetails::default()
        });
    }
    usage
}

/// Anthropic's served tier -> OpenAI's name for it.
pub fn service_tier(tier: &str) -> String {
    match tier {
        "standard" => "default",
        other => other,
    }
    .to_owned()
}

/// A `reasoning_details` entry for a thinking or redacted thinking block at reasoning position
/// `index`, or `None` for other blocks.
pub fn reasoning_detail(block: &ContentBlock, index: u32) -> Option<ReasoningDetail> {
    match block.kind.as_str() {
        "thinking" => Some(ReasoningDetail {
            kind: "reasoning.text".to_owned(),
            text: block.thinking.clone(),
            signature: block.signature.clone(),
            index: Some(index),
            ..ReasoningDetail::default()
        }),
        "redacted_thinking" => Some(ReasoningDetail {
            kind: "reasoning.encrypted".to_owned(),
            data: block.data.clone(),
            index: Some(index),
            ..ReasoningDetail::default()
        }),
        _ => None,
    }
}

/// A `tool_use` block's input as OpenAI `arguments` text.
pub fn arguments_text(input: Option<&serde_json::Value>) -> String {
    match input {
        None => "{}".to_owned(),
        Some(v) => v.to_string(),
    }
}

/// Translates a Messages API answer; `created` is the Unix time to report (Anthropic sends none).
pub fn to_chat_response(msg: MessagesResponse, created: u64) -> ChatResponse {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut details = Vec::new();
    let mut tool_calls = Vec::new();
    for block in &msg.content {
        match block.kind.as_str() {
            "text" => text.push_str(block.text.as_deref().unwrap_or_default()),
            "thinking" | "redacted_thinking" => {
                if let Some(t) = &block.thinking {
                    reasoning.push_str(t);
                }
                details.extend(reasoning_detail(block, details.len() as u32));
            }
            "tool_use" => tool_calls.push(ToolCall {
                id: block.id.clone().unwrap_or_default(),
                kind: "function".to_owned(),
                function: FunctionCall {
                    name: block.name.clone().unwrap_or_default(),
                    arguments: arguments_text(block.input.as_ref()),
                },
                extra: ExtraMap::new(),
            }),
            _ => {}
        }
    }
    let has_tools = !tool_calls.is_empty();
    let message = ChatMessage {
        role: Role::Assistant,
        content: (!text.is_empty() || !has_tools).then_some(MessageContent::Text(text)),
        name: None,
        tool_calls: has_tools.then_some(tool_calls),
        tool_call_id: None,
        refusal: None,
        reasoning: (!reasoning.is_empty()).then_some(reasoning),
        reasoning_details: (!details.is_empty()).then_some(details),
        extra: ExtraMap::new(),
    };
    let mut choice_extra = ExtraMap::new();
    if let Some(seq) = &msg.stop_sequence {
        choice_extra.insert(
            "stop_sequence".to_owned(),
            serde_json::Value::String(seq.clone()),
        );
    }
    ChatResponse {
        id: msg.id,
        object: "chat.completion".to_owned(),
        created,
        model: msg.model,
        choices: vec![ChatChoice {
            index: 0,
            message,
            finish_reason: msg.stop_reason.as_deref().map(finish_reason),
            logprobs: None,
            extra: choice_extra,
        }],
        usage: Some(to_usage(&msg.usage)),
        system_fingerprint: None,
        service_tier: msg.usage.service_tier.as_deref().map(service_tier),
        extra_fields: None,
        extra: ExtraMap::new(),
    }
}

/// Translates a count tokens answer.
pub fn to_count_tokens(resp: NativeCount) -> CountTokensResponse {
    CountTokensResponse {
        object: "response.input_tokens".to_owned(),
        input_tokens: resp.input_tokens,
        extra_fields: None,
        extra: resp.extra,
    }
}

/// Translates a page of models: `created_at` (RFC 3339) becomes `created` (Unix seconds),
/// `owned_by` is `anthropic`, and the other fields (`display_name`, `created_at`, limits,
/// capabilities) are kept.
pub fn to_models(list: ModelList) -> ListModelsResponse {
    let data = list
        .data
        .into_iter()
        .map(|m| {
            let created = m
                .created_at
                .as_deref()
                .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            let mut extra = m.extra;
            if let Some(at) = m.created_at {
                extra.insert("created_at".to_owned(), serde_json::Value::String(at));
            }
            Model {
                id: m.id,
                object: "model".to_owned(),
                created,
                owned_by: "anthropic".to_owned(),
                extra,
            }
        })
        .collect();
    ListModelsResponse {
        object: "list".to_owned(),
        data,
        extra_fields: None,
        extra: ExtraMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons() {
        for (native, unified) in [
            ("end_turn", "stop"),
            ("stop_sequence", "stop"),
            ("max_tokens", "length"),
            ("tool_use", "tool_calls"),
            ("refusal", "content_filter"),
            ("pause_turn", "pause_turn"),
        ] {
            assert_eq!(finish_reason(native), unified);
        }
    }

    #[test]
    fn usage_counts_cached_prompt_tokens() {
        let u = to_usage(&NativeUsage {
            input_tokens: Some(10),
            output_tokens: Some(5),
            cache_creation_input_tokens: Some(100),
            cache_read_input_tokens: Some(1000),
            ..NativeUsage::default()
        });
        assert_eq!(u.prompt_tokens, 1110);
        assert_eq!(u.total_tokens, 1115);
        assert_eq!(u.cached_tokens(), 1000);
        assert_eq!(
            u.prompt_tokens_details.unwrap().cache_creation_tokens,
            Some(100)
        );
    }
}
