//! Unified chat responses -> Converse responses.
//!
//! | unified | Converse |
//! |---|---|
//! | `reasoning_details` (`reasoning.text` / `reasoning.encrypted`), or `reasoning` text | `reasoningContent` blocks, first |
//! | `content` | a `text` block |
//! | `tool_calls` | `toolUse` blocks (arguments parsed as the input) |
//! | `finish_reason` | `stopReason` (see [`stop_reason`]) |
//! | `usage` | `usage` (cache reads and writes split out, see [`to_token_usage`]) |

use serde_json::{Value, json};

use super::super::types::{
    ContentBlock, ConverseOutput, ConverseResponse, Message, ReasoningContentBlock, ReasoningText,
    TokenUsage, ToolUseBlock,
};
use crate::schemas::{ChatMessage, ChatResponse, Usage};

/// The Converse `stopReason` of a unified `finish_reason`: `length` -> `max_tokens`,
/// `tool_calls` / `function_call` -> `tool_use`, `content_filter` -> `content_filtered`, a
/// stop sequence -> `stop_sequence`, anything else -> `end_turn`.
pub fn stop_reason(finish: Option<&str>, stopped_by_sequence: bool) -> &'static str {
    match finish {
        Some("length") => "max_tokens",
        Some("tool_calls" | "function_call") => "tool_use",
        Some("content_filter") => "content_filtered",
        _ if stopped_by_sequence => "stop_sequence",
        _ => "end_turn",
    }
}

/// Unified usage in Converse's shape: `inputTokens` excludes cache reads and writes, which are
/// reported apart.
pub fn to_token_usage(u: &Usage) -> TokenUsage {
    let details = u.prompt_tokens_details.as_ref();
    let read = details.and_then(|d| d.cached_tokens);
    let write = details.and_then(|d| d.cache_creation_tokens);
    let input = u
        .prompt_tokens
        .saturating_sub(read.unwrap_or(0))
        .saturating_sub(write.unwrap_or(0));
    TokenUsage {
        input_tokens: input,
        output_tokens: u.completion_tokens,
        total_tokens: u.prompt_tokens + u.completion_tokens,
        cache_read_input_tokens: read.filter(|n| *n > 0),
        cache_write_input_tokens: write.filter(|n| *n > 0),
    }
}

/// A tool call's arguments as a JSON value (an object when they do not parse).
pub fn tool_input(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(v) => v,
        Err(_) if arguments.trim().is_empty() => json!({}),
        Err(_) => json!({ "input": arguments }),
    }
}

/// The content blocks of an assistant message.
pub fn content_blocks(msg: &ChatMessage) -> Vec<ContentBlock> {
    let mut out = Vec::new();
    let mut has_details = false;
    for detail in msg.reasoning_details.iter().flatten() {
        let block = match (detail.kind.as_str(), &detail.text, &detail.data) {
            ("reasoning.text", Some(text), _) => ReasoningContentBlock {
                reasoning_text: Some(ReasoningText {
                    text: text.clone(),
                    signature: detail.signature.clone(),
                }),
                redacted_content: None,
            },
            ("reasoning.encrypted", _, Some(data)) => ReasoningContentBlock {
                reasoning_text: None,
                redacted_content: Some(data.clone()),
            },
            _ => continue,
        };
        has_details = true;
        out.push(ContentBlock {
            reasoning_content: Some(block),
            ..ContentBlock::default()
        });
    }
    if !has_details && let Some(r) = msg.reasoning.as_deref().filter(|r| !r.is_empty()) {
        out.push(ContentBlock {
            reasoning_content: Some(ReasoningContentBlock {
                reasoning_text: Some(ReasoningText {
                    text: r.to_owned(),
                    signature: None,
                }),
                redacted_content: None,
            }),
            ..ContentBlock::default()
        });
    }
    let text = msg.text_content();
    if !text.is_empty() {
        out.push(ContentBlock::text(text));
    } else if let Some(refusal) = msg.refusal.as_deref().filter(|r| !r.is_empty()) {
        out.push(ContentBlock::text(refusal));
    }
    for call in msg.tool_calls.iter().flatten() {
        out.push(ContentBlock {
            tool_use: Some(ToolUseBlock {
                tool_use_id: call.id.clone(),
                name: call.function.name.clone(),
                input: tool_input(&call.function.arguments),
            }),
            ..ContentBlock::default()
        });
    }
    out
}

/// True when the answer stopped at one of the caller's stop sequences (providers that report
/// it put `stop_sequence` in the response's extra fields).
fn stopped_by_sequence(resp: &ChatResponse) -> bool {
    resp.extra
        .get("stop_sequence")
        .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
}

/// Translates a unified chat response; `latency_ms` goes to `metrics.latencyMs`.
pub fn to_converse_response(resp: &ChatResponse, latency_ms: u64) -> ConverseResponse {
    let choice = resp.choices.first();
    let content = choice
        .map(|c| content_blocks(&c.message))
        .unwrap_or_default();
    let finish = choice.and_then(|c| c.finish_reason.as_deref());
    ConverseResponse {
        output: ConverseOutput {
            message: Some(Message {
                role: "assistant".to_owned(),
                content,
            }),
        },
        stop_reason: stop_reason(finish, stopped_by_sequence(resp)).to_owned(),
        usage: Some(resp.usage.as_ref().map(to_token_usage).unwrap_or_default()),
        metrics: Some(json!({ "latencyMs": latency_ms })),
        ..ConverseResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::{ChatChoice, FunctionCall, PromptTokensDetails, Role, ToolCall};

    #[test]
    fn text_tools_and_usage_translate() {
        let mut msg = ChatMessage::text(Role::Assistant, "Let me check.");
        msg.tool_calls = Some(vec![ToolCall {
            id: "call_1".to_owned(),
            kind: "function".to_owned(),
            function: FunctionCall {
                name: "get_weather".to_owned(),
                arguments: r#"{"location":"Paris"}"#.to_owned(),
            },
            extra: Default::default(),
        }]);
        let mut usage = Usage::new(10, 4);
        usage.prompt_tokens_details = Some(PromptTokensDetails {
            cached_tokens: Some(3),
            ..PromptTokensDetails::default()
        });
        let resp = ChatResponse {
            choices: vec![ChatChoice {
                index: 0,
                message: msg,
                finish_reason: Some("tool_calls".to_owned()),
                logprobs: None,
                extra: Default::default(),
            }],
            usage: Some(usage),
            ..ChatResponse::default()
        };
        let out = serde_json::to_value(to_converse_response(&resp, 12)).unwrap();
        assert_eq!(
            out,
            json!({
                "output": {"message": {"role": "assistant", "content": [
                    {"text": "Let me check."},
                    {"toolUse": {"toolUseId": "call_1", "name": "get_weather", "input": {"location": "Paris"}}}
                ]}},
                "stopReason": "tool_use",
                "usage": {"inputTokens": 7, "outputTokens": 4, "totalTokens": 14, "cacheReadInputTokens": 3},
                "metrics": {"latencyMs": 12}
            })
        );
    }

    #[test]
    fn stop_reasons() {
        assert_eq!(stop_reason(Some("stop"), false), "end_turn");
        assert_eq!(stop_reason(Some("stop"), true), "stop_sequence");
        assert_eq!(stop_reason(Some("length"), false), "max_tokens");
        assert_eq!(
            stop_reason(Some("content_filter"), false),
            "content_filtered"
        );
    }
}
