//! Unified chat responses -> Anthropic `message` objects, for callers of the Anthropic drop-in
//! route (whatever provider served them).
//!
//! | unified | Anthropic |
//! |---|---|
//! | `reasoning_details` `reasoning.text` / `reasoning.encrypted` | `thinking` (with its signature) / `redacted_thinking` blocks, first |
//! | `reasoning` text without details (OpenAI-compatible reasoning models) | one `thinking` block with an empty signature |
//! | `content` (text or text parts), `refusal` | `text` blocks |
//! | `tool_calls` | `tool_use` blocks (`arguments` parsed into `input`) |
//! | `finish_reason` | `stop_reason` (see [`stop_reason`]) |
//! | `usage` | `usage` (see [`to_native_usage`]) |
//! | `id` | `id`, prefixed with `msg_` unless it already is |

use serde_json::Value;

use super::super::types::{ContentBlock, MessagesResponse, NativeUsage};
use crate::schemas::{ChatMessage, ChatResponse, ExtraMap, MessageContent, ToolCall, Usage};

/// An Anthropic message id for a unified response id (`fallback` when it is empty).
pub fn message_id(id: &str, fallback: &str) -> String {
    let id = if id.is_empty() { fallback } else { id };
    if id.starts_with("msg_") {
        id.to_owned()
    } else {
        format!("msg_{id}")
    }
}

/// OpenAI's `finish_reason` -> Anthropic's `stop_reason`.
///
/// `stop` -> `stop_sequence` when a stop sequence matched, else `end_turn` (or `tool_use` when the
/// answer calls tools); `length` -> `max_tokens`; `tool_calls` / `function_call` -> `tool_use`;
/// `content_filter` -> `refusal`; Anthropic's own reasons (`pause_turn`, `refusal`, ...) pass
/// through. No finish reason at all reads as `end_turn` (or `tool_use`).
pub fn stop_reason(finish: Option<&str>, stop_sequence: Option<&str>, has_tools: bool) -> String {
    match finish {
        Some("stop") | None if stop_sequence.is_some() => "stop_sequence",
        Some("stop") | None if has_tools => "tool_use",
        Some("stop") | None => "end_turn",
        Some("length") => "max_tokens",
        Some("tool_calls" | "function_call") => "tool_use",
        Some("content_filter") => "refusal",
        Some(other) => other,
    }
    .to_owned()
}

/// The stop sequence recorded on a choice (`extra.stop_sequence`).
pub fn stop_sequence_of(extra: &ExtraMap) -> Option<String> {
    extra
        .get("stop_sequence")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// OpenAI's usage -> Anthropic's.
///
/// The inverse of the Anthropic provider's mapping: `input_tokens` counts only what was neither
/// read from nor written to the prompt cache (`prompt_tokens - cached - cache_creation`),
/// `cache_read_input_tokens` is `cached_tokens`, `cache_creation_input_tokens` is
/// `cache_creation_tokens`, `output_tokens` is `completion_tokens`.
pub fn to_native_usage(u: &Usage) -> NativeUsage {
    let details = u.prompt_tokens_details.as_ref();
    let read = details.and_then(|d| d.cached_tokens).unwrap_or(0);
    let write = details.and_then(|d| d.cache_creation_tokens).unwrap_or(0);
    NativeUsage {
        input_tokens: Some(u.prompt_tokens.saturating_sub(read + write)),
        output_tokens: Some(u.completion_tokens),
        cache_creation_input_tokens: Some(write),
        cache_read_input_tokens: Some(read),
        service_tier: None,
        extra: ExtraMap::new(),
    }
}

/// OpenAI's service tier name -> Anthropic's (`default` is `standard`).
pub fn service_tier(tier: &str) -> String {
    match tier {
        "default" | "auto" | "flex" => "standard",
        other => other,
    }
    .to_owned()
}

/// A `tool_use` block's `input` from OpenAI `arguments` text (`{}` when it is not JSON).
pub fn tool_input(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(v @ Value::Object(_)) => v,
        _ => Value::Object(ExtraMap::new()),
    }
}

/// The `tool_use` block of a tool call.
pub fn tool_use_block(call: &ToolCall) -> ContentBlock {
    ContentBlock {
        kind: "tool_use".to_owned(),
        id: Some(call.id.clone()),
        name: Some(call.function.name.clone()),
        input: Some(tool_input(&call.function.arguments)),
        ..ContentBlock::default()
    }
}

fn thinking_block(text: String, signature: String) -> ContentBlock {
    ContentBlock {
        kind: "thinking".to_owned(),
        thinking: Some(text),
        signature: Some(signature),
        ..ContentBlock::default()
    }
}

/// The content blocks of an assistant message, in Anthropic's order: thinking, text, tool use.
pub fn content_blocks(msg: &ChatMessage) -> Vec<ContentBlock> {
    let mut blocks = Vec::new();
    match &msg.reasoning_details {
        Some(details) if !details.is_empty() => {
            for d in details {
                match d.kind.as_str() {
                    "reasoning.encrypted" => blocks.push(ContentBlock {
                        kind: "redacted_thinking".to_owned(),
                        data: Some(d.data.clone().unwrap_or_default()),
                        ..ContentBlock::default()
                    }),
                    _ => {
                        let text = d.text.clone().or_else(|| d.summary.clone());
                        blocks.push(thinking_block(
                            text.unwrap_or_default(),
                            d.signature.clone().unwrap_or_default(),
                        ));
                    }
                }
            }
        }
        _ => {
            if let Some(r) = msg.reasoning.as_deref().filter(|r| !r.is_empty()) {
                blocks.push(thinking_block(r.to_owned(), String::new()));
            }
        }
    }
    match &msg.content {
        Some(MessageContent::Text(t)) if !t.is_empty() => blocks.push(ContentBlock::text(t)),
        Some(MessageContent::Parts(parts)) => {
            for p in parts {
                if let Some(t) = p.text.as_deref().or(p.refusal.as_deref())
                    && !t.is_empty()
                {
                    blocks.push(ContentBlock::text(t));
                }
            }
        }
        _ => {}
    }
    if let Some(refusal) = msg.refusal.as_deref().filter(|r| !r.is_empty()) {
        blocks.push(ContentBlock::text(refusal));
    }
    blocks.extend(msg.tool_calls.iter().flatten().map(tool_use_block));
    blocks
}

/// Translates a chat completion into an Anthropic `message` (`fallback_id` names it when the
/// response has no id).
pub fn to_message(resp: ChatResponse, fallback_id: &str) -> MessagesResponse {
    let choice = resp.choices.into_iter().next();
    let (content, finish, stop_sequence) = match &choice {
        Some(c) => (
            content_blocks(&c.message),
            c.finish_reason.as_deref(),
            stop_sequence_of(&c.extra),
        ),
        None => (Vec::new(), None, None),
    };
    let has_tools = content.iter().any(|b| b.kind == "tool_use");
    let reason = stop_reason(finish, stop_sequence.as_deref(), has_tools);
    let mut usage = resp.usage.as_ref().map(to_native_usage).unwrap_or_default();
    usage.service_tier = resp.service_tier.as_deref().map(service_tier);
    MessagesResponse {
        id: message_id(&resp.id, fallback_id),
        kind: "message".to_owned(),
        role: "assistant".to_owned(),
        model: resp.model,
        content,
        stop_sequence: stop_sequence.filter(|_| reason == "stop_sequence"),
        stop_reason: Some(reason),
        usage,
        extra: ExtraMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::PromptTokensDetails;

    #[test]
    fn stop_reasons_map_back() {
        assert_eq!(stop_reason(Some("stop"), None, false), "end_turn");
        assert_eq!(
            stop_reason(Some("stop"), Some("###"), false),
            "stop_sequence"
        );
        assert_eq!(stop_reason(Some("length"), None, false), "max_tokens");
        assert_eq!(stop_reason(Some("tool_calls"), None, true), "tool_use");
        assert_eq!(stop_reason(Some("content_filter"), None, false), "refusal");
        assert_eq!(stop_reason(Some("pause_turn"), None, false), "pause_turn");
        assert_eq!(stop_reason(None, None, true), "tool_use");
    }

    #[test]
    fn usage_splits_cached_tokens_back_out() {
        let mut u = Usage::new(1110, 5);
        u.prompt_tokens_details = Some(PromptTokensDetails {
            cached_tokens: Some(1000),
            cache_creation_tokens: Some(100),
            ..PromptTokensDetails::default()
        });
        let n = to_native_usage(&u);
        assert_eq!(n.input_tokens, Some(10));
        assert_eq!(n.cache_read_input_tokens, Some(1000));
        assert_eq!(n.cache_creation_input_tokens, Some(100));
        assert_eq!(n.output_tokens, Some(5));
    }

    #[test]
    fn ids_and_tool_inputs() {
        assert_eq!(message_id("chatcmpl-1", "x"), "msg_chatcmpl-1");
        assert_eq!(message_id("msg_01", "x"), "msg_01");
        assert_eq!(message_id("", "req-1"), "msg_req-1");
        assert_eq!(tool_input(r#"{"a":1}"#)["a"], 1);
        assert_eq!(tool_input("not json"), serde_json::json!({}));
    }
}
