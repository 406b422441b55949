//! Bedrock Converse answers -> OpenAI-shaped chat completions.
//!
//! | Converse | OpenAI |
//! |---|---|
//! | `text` blocks | `content` (concatenated) |
//! | `toolUse` blocks | `tool_calls` (input serialized as the arguments string) |
//! | `toolUse` of the structured-output tool | `content` (the input as JSON text) |
//! | `reasoningContent.reasoningText` | `reasoning` + `reasoning_details` `reasoning.text` (with signature) |
//! | `reasoningContent.redactedContent` | `reasoning_details` `reasoning.encrypted` |
//! | `stopReason` | `finish_reason` (see [`finish_reason`]) |
//! | `usage` incl. `cacheReadInputTokens` / `cacheWriteInputTokens` | `usage` (see [`to_usage`]) |

use serde_json::Value;

use super::request::ConverseOptions;
use super::types::{ContentBlock, ConverseResponse, TokenUsage};
use crate::schemas::{
    ChatChoice, ChatMessage, ChatResponse, ExtraMap, FunctionCall, MessageContent,
    PromptTokensDetails, ReasoningDetail, Role, ToolCall, Usage,
};

/// Maps a Converse `stopReason` to an OpenAI `finish_reason`.
///
/// `end_turn` / `stop_sequence` -> `stop`, `max_tokens` / `model_context_window_exceeded` ->
/// `length`, `tool_use` -> `tool_calls`, `guardrail_intervened` / `content_filtered` ->
/// `content_filter`; anything else -> `stop`.
pub fn finish_reason(stop_reason: &str) -> &'static str {
    match stop_reason {
        "max_tokens" | "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "guardrail_intervened" | "content_filtered" => "content_filter",
        _ => "stop",
    }
}

/// The finish reason, taking structured output into account (its forced tool call is the
/// answer, not a tool call for the caller to run).
pub fn finish_reason_for(stop_reason: &str, opts: &ConverseOptions) -> &'static str {
    match finish_reason(stop_reason) {
        "tool_calls" if opts.structured_tool.is_some() => "stop",
        other => other,
    }
}

/// Converse token counts in OpenAI's shape: cache reads and writes are part of the prompt
/// (`prompt_tokens_details.cached_tokens` / `cache_creation_tokens` say how many).
pub fn to_usage(u: &TokenUsage) -> Usage {
    let read = u.cache_read_input_tokens.unwrap_or(0);
    let write = u.cache_write_input_tokens.unwrap_or(0);
    let mut usage = Usage::new(u.input_tokens + read + write, u.output_tokens);
    if u.cache_read_input_tokens.is_some() || u.cache_write_input_tokens.is_some() {
        usage.prompt_tokens_details = Some(PromptTokensDetails {
            cached_tokens: Some(read),
            cache_creation_tokens: Some(write),
            ..PromptTokensDetails::default()
        });
    }
    usage
}

/// What the blocks of an assistant message amount to.
#[derive(Debug, Default)]
struct Collected {
    text: String,
    has_text: bool,
    reasoning: String,
    details: Vec<ReasoningDetail>,
    calls: Vec<ToolCall>,
}

fn collect(blocks: &[ContentBlock], opts: &ConverseOptions) -> Collected {
    let mut c = Collected::default();
    for block in blocks {
        if let Some(t) = &block.text {
            c.text.push_str(t);
            c.has_text = true;
        }
        if let Some(tool) = &block.tool_use {
            let arguments = match &tool.input {
                Value::Null => "{}".to_owned(),
                v => v.to_string(),
            };
            if opts.structured_tool.as_deref() == Some(tool.name.as_str()) {
                c.text.push_str(&arguments);
                c.has_text = true;
            } else {
                c.calls.push(ToolCall {
                    id: tool.tool_use_id.clone(),
                    kind: "function".to_owned(),
                    function: FunctionCall {
                        name: tool.name.clone(),
                        arguments,
                    },
                    extra: ExtraMap::new(),
                });
            }
        }
        if let Some(r) = &block.reasoning_content {
            let index = Some(c.details.len() as u32);
            if let Some(rt) = &r.reasoning_text {
                c.reasoning.push_str(&rt.text);
                c.details.push(ReasoningDetail {
                    kind: "reasoning.text".to_owned(),
                    text: Some(rt.text.clone()),
                    signature: rt.signature.clone(),
                    index,
                    ..ReasoningDetail::default()
                });
            } else if let Some(data) = &r.redacted_content {
                c.details.push(ReasoningDetail {
                    kind: "reasoning.encrypted".to_owned(),
                    data: Some(data.clone()),
                    index,
                    ..ReasoningDetail::default()
                });
            }
        }
    }
    c
}

/// Translates a Converse answer. `id` and `created` identify the completion (Converse has no
/// id of its own; the AWS request id is used when there is one).
pub fn to_chat_response(
    resp: ConverseResponse,
    model: &str,
    id: String,
    created: u64,
    opts: &ConverseOptions,
) -> ChatResponse {
    let blocks = resp
        .output
        .message
        .as_ref()
        .map(|m| m.content.as_slice())
        .unwrap_or_default();
    let c = collect(blocks, opts);
    let message = ChatMessage {
        role: Role::Assistant,
        content: (c.has_text || c.calls.is_empty()).then_some(MessageContent::Text(c.text)),
        name: None,
        tool_calls: (!c.calls.is_empty()).then_some(c.calls),
        tool_call_id: None,
        refusal: None,
        reasoning: (!c.reasoning.is_empty()).then_some(c.reasoning),
        reasoning_details: (!c.details.is_empty()).then_some(c.details),
        extra: ExtraMap::new(),
    };
    let mut extra = ExtraMap::new();
    if let Some(fields) = resp.additional_model_response_fields {
        extra.insert("additionalModelResponseFields".to_owned(), fields);
    }
    if let Some(trace) = resp.trace {
        extra.insert("trace".to_owned(), trace);
    }
    ChatResponse {
        id,
        object: "chat.completion".to_owned(),
        created,
        model: model.to_owned(),
        choices: vec![ChatChoice {
            index: 0,
            message,
            finish_reason: Some(finish_reason_for(&resp.stop_reason, opts).to_owned()),
            logprobs: None,
            extra: ExtraMap::new(),
        }],
        usage: resp.usage.as_ref().map(to_usage),
        system_fingerprint: None,
        service_tier: resp
            .service_tier
            .as_ref()
            .and_then(|t| t.get("type"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        extra_fields: None,
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_map_to_finish_reasons() {
        for (native, openai) in [
            ("end_turn", "stop"),
            ("stop_sequence", "stop"),
            ("max_tokens", "length"),
            ("tool_use", "tool_calls"),
            ("guardrail_intervened", "content_filter"),
            ("content_filtered", "content_filter"),
            ("something_new", "stop"),
        ] {
            assert_eq!(finish_reason(native), openai, "{native}");
        }
        let structured = ConverseOptions {
            structured_tool: Some("x".into()),
        };
        assert_eq!(finish_reason_for("tool_use", &structured), "stop");
    }

    #[test]
    fn cache_tokens_count_as_prompt_tokens() {
        let u = to_usage(&TokenUsage {
            input_tokens: 10,
            output_tokens: 5,
            total_tokens: 115,
            cache_read_input_tokens: Some(60),
            cache_write_input_tokens: Some(40),
        });
        assert_eq!(u.prompt_tokens, 110);
        assert_eq!(u.total_tokens, 115);
        assert_eq!(u.cached_tokens(), 60);
        assert_eq!(
            u.prompt_tokens_details.unwrap().cache_creation_tokens,
            Some(40)
        );
    }
}
