//! Unified chat responses -> `GenerateContentResponse`, for callers of the GenAI drop-in routes
//! (whatever provider served them).
//!
//! | unified | Gemini |
//! |---|---|
//! | `choices[i]` | `candidates[i]` (`index`, `content.role: "model"`) |
//! | `reasoning_details` `reasoning.text` / `reasoning` text | `thought: true` parts first |
//! | `content` text, `refusal` | `text` parts; image parts become `inlineData` (`data:` URLs) or `fileData` |
//! | `tool_calls` | `functionCall` parts with the same ids, `arguments` parsed into `args` |
//! | `reasoning_details` signatures | `thoughtSignature` on the function call whose id they name (`tool_call_<id>`), else on the first text part |
//! | `finish_reason` | `finishReason` (see [`finish_reason`]) |
//! | `logprobs` | `logprobsResult` |
//! | `usage` | `usageMetadata` (see [`usage_metadata`]) |
//! | `model`, `id` | `modelVersion`, `responseId` |
//!
//! Signatures are only sent when they are base64 (standard or URL-safe), as the GenAI SDKs
//! decode them.

use base64::Engine as _;
use serde_json::Value;

use super::super::request::TOOL_CALL_SIGNATURE_PREFIX;
use super::super::types::{
    Blob, Candidate, Content, FileData, FunctionCall, GenerateContentResponse, LogprobCandidate,
    LogprobsResult, Part, TopCandidates, UsageMetadata,
};
use crate::schemas::{
    ChatChoice, ChatMessage, ChatResponse, ContentPart, ExtraMap, MessageContent, ReasoningDetail,
    ToolCall, Usage,
};

/// Gemini's finish reasons, passed through when a Gemini provider reported one.
const NATIVE_REASONS: &[&str] = &[
    "STOP",
    "MAX_TOKENS",
    "SAFETY",
    "RECITATION",
    "LANGUAGE",
    "OTHER",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "MALFORMED_FUNCTION_CALL",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION",
    "IMAGE_OTHER",
    "UNEXPECTED_TOOL_CALL",
    "TOO_MANY_TOOL_CALLS",
    "FINISH_REASON_UNSPECIFIED",
];

/// Gemini's `finishReason` for a unified one: a native reason the Gemini provider kept
/// (`native_finish_reason`) as it was; else `stop` / `tool_calls` / `function_call` -> `STOP`,
/// `length` -> `MAX_TOKENS`, `content_filter` -> `SAFETY`, anything else -> `OTHER`.
pub fn finish_reason(finish: &str, extra: &ExtraMap) -> String {
    if let Some(native) = extra
        .get("native_finish_reason")
        .and_then(Value::as_str)
        .filter(|r| NATIVE_REASONS.contains(r))
    {
        return native.to_owned();
    }
    match finish {
        "stop" | "tool_calls" | "function_call" | "end_turn" | "stop_sequence" | "tool_use" => {
            "STOP"
        }
        "length" | "max_tokens" => "MAX_TOKENS",
        "content_filter" | "refusal" => "SAFETY",
        _ => "OTHER",
    }
    .to_owned()
}

/// Gemini's `usageMetadata` for unified usage: `promptTokenCount` = `prompt_tokens`,
/// `thoughtsTokenCount` = `reasoning_tokens`, `candidatesTokenCount` = the completion tokens
/// without them (Gemini counts thinking apart), `cachedContentTokenCount` = `cached_tokens`,
/// `totalTokenCount` = `total_tokens`.
pub fn usage_metadata(u: &Usage) -> UsageMetadata {
    let thoughts = u
        .completion_tokens_details
        .as_ref()
        .and_then(|d| d.reasoning_tokens);
    let cached = u
        .prompt_tokens_details
        .as_ref()
        .and_then(|d| d.cached_tokens);
    UsageMetadata {
        prompt_token_count: Some(u.prompt_tokens),
        candidates_token_count: Some(u.completion_tokens.saturating_sub(thoughts.unwrap_or(0))),
        total_token_count: Some(if u.total_tokens > 0 {
            u.total_tokens
        } else {
            u.prompt_tokens + u.completion_tokens
        }),
        cached_content_token_count: cached,
        thoughts_token_count: thoughts.filter(|t| *t > 0),
        ..UsageMetadata::default()
    }
}

/// True when `s` is base64, standard or URL-safe (what the SDKs accept as a
/// `thoughtSignature`).
pub fn is_base64(s: &str) -> bool {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    !s.is_empty() && (STANDARD.decode(s).is_ok() || URL_SAFE.decode(s).is_ok())
}

/// The id of the tool call a reasoning detail signs, if it signs one.
pub fn signed_call(detail: &ReasoningDetail) -> Option<&str> {
    detail
        .extra
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| id.strip_prefix(TOOL_CALL_SIGNATURE_PREFIX))
}

/// A usable signature of a detail that signs no tool call.
pub fn text_signature(detail: &ReasoningDetail) -> Option<&str> {
    if signed_call(detail).is_some() || detail.kind == "reasoning.text" {
        return None;
    }
    detail.signature.as_deref().filter(|s| is_base64(s))
}

/// A `functionCall` part for a tool call.
pub fn call_part(call: &ToolCall, signature: Option<&str>) -> Part {
    let args = match serde_json::from_str::<Value>(&call.function.arguments) {
        Ok(v @ Value::Object(_)) => v,
        _ => Value::Object(ExtraMap::new()),
    };
    Part {
        function_call: Some(FunctionCall {
            id: Some(call.id.clone()).filter(|id| !id.is_empty()),
            name: call.function.name.clone(),
            args: Some(args),
            extra: ExtraMap::new(),
        }),
        thought_signature: signature.filter(|s| is_base64(s)).map(str::to_owned),
        ..Part::default()
    }
}

/// A thought part.
pub fn thought_part(text: &str, signature: Option<&str>) -> Part {
    Part {
        text: Some(text.to_owned()),
        thought: Some(true),
        thought_signature: signature.filter(|s| is_base64(s)).map(str::to_owned),
        ..Part::default()
    }
}

/// An image content part as `inlineData` (a `data:` URL) or `fileData` (any other URL).
pub fn media_part(part: &ContentPart) -> Option<Part> {
    let image = part.image_url.as_ref()?;
    if let Some((mime, data)) = image.as_data_url() {
        return Some(Part {
            inline_data: Some(Blob {
                mime_type: mime.to_owned(),
                data: data.to_owned(),
                extra: ExtraMap::new(),
            }),
            ..Part::default()
        });
    }
    Some(Part {
        file_data: Some(FileData {
            mime_type: super::super::media::mime_from_extension(&image.url).map(str::to_owned),
            file_uri: image.url.clone(),
            extra: ExtraMap::new(),
        }),
        ..Part::default()
    })
}

/// The parts of an assistant message, in Gemini's order: thoughts, text, function calls.
pub fn message_parts(msg: &ChatMessage) -> Vec<Part> {
    let details = msg.reasoning_details.as_deref().unwrap_or_default();
    let mut parts = Vec::new();
    let thoughts: Vec<&ReasoningDetail> = details
        .iter()
        .filter(|d| d.kind == "reasoning.text" && d.text.as_deref().is_some_and(|t| !t.is_empty()))
        .collect();
    if thoughts.is_empty() {
        if let Some(r) = msg.reasoning.as_deref().filter(|r| !r.is_empty()) {
            parts.push(thought_part(r, None));
        }
    } else {
        for d in thoughts {
            parts.push(thought_part(
                d.text.as_deref().unwrap_or_default(),
                d.signature.as_deref(),
            ));
        }
    }
    let first_text = parts.len();
    match &msg.content {
        Some(MessageContent::Text(t)) if !t.is_empty() => parts.push(Part::text(t.clone())),
        Some(MessageContent::Parts(content)) => {
            for p in content {
                if let Some(t) = p.text.as_deref().or(p.refusal.as_deref()) {
                    if !t.is_empty() {
                        parts.push(Part::text(t));
                    }
                } else if let Some(media) = media_part(p) {
                    parts.push(media);
                }
            }
        }
        _ => {}
    }
    if let Some(refusal) = msg.refusal.as_deref().filter(|r| !r.is_empty()) {
        parts.push(Part::text(refusal));
    }
    if let Some(sig) = details.iter().find_map(text_signature) {
        match parts.get_mut(first_text) {
            Some(p) if p.thought_signature.is_none() => p.thought_signature = Some(sig.to_owned()),
            Some(_) => {}
            None => match parts.last_mut() {
                Some(p) if p.thought_signature.is_none() => {
                    p.thought_signature = Some(sig.to_owned());
                }
                _ => parts.push(Part {
                    text: Some(String::new()),
                    thought_signature: Some(sig.to_owned()),
                    ..Part::default()
                }),
            },
        }
    }
    for call in msg.tool_calls.iter().flatten() {
        let sig = details
            .iter()
            .find(|d| signed_call(d) == Some(call.id.as_str()))
            .and_then(|d| d.signature.as_deref());
        parts.push(call_part(call, sig));
    }
    parts
}

/// Gemini's `logprobsResult` for OpenAI-style `logprobs` (`{"content": [{token, logprob,
/// top_logprobs}]}`).
pub fn logprobs_result(logprobs: &Value) -> Option<LogprobsResult> {
    let content = logprobs.get("content")?.as_array()?;
    let candidate = |v: &Value| LogprobCandidate {
        token: v
            .get("token")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        log_probability: v.get("logprob").and_then(Value::as_f64).unwrap_or_default(),
    };
    Some(LogprobsResult {
        chosen_candidates: content.iter().map(candidate).collect(),
        top_candidates: content
            .iter()
            .map(|c| TopCandidates {
                candidates: c
                    .get("top_logprobs")
                    .and_then(Value::as_array)
                    .map(|t| t.iter().map(candidate).collect())
                    .unwrap_or_default(),
            })
            .collect(),
    })
}

fn candidate(choice: &ChatChoice) -> Candidate {
    let parts = message_parts(&choice.message);
    Candidate {
        content: Some(Content {
            role: Some("model".to_owned()),
            parts,
            extra: ExtraMap::new(),
        }),
        finish_reason: Some(finish_reason(
            choice.finish_reason.as_deref().unwrap_or("stop"),
            &choice.extra,
        )),
        index: Some(choice.index),
        finish_message: None,
        logprobs_result: choice.logprobs.as_ref().and_then(logprobs_result),
        extra: ExtraMap::new(),
    }
}

/// Translates a chat completion into a `GenerateContentResponse`.
pub fn to_response(resp: &ChatResponse) -> GenerateContentResponse {
    GenerateContentResponse {
        candidates: resp.choices.iter().map(candidate).collect(),
        prompt_feedback: None,
        usage_metadata: resp.usage.as_ref().map(usage_metadata),
        model_version: Some(resp.model.clone()).filter(|m| !m.is_empty()),
        response_id: Some(resp.id.clone()).filter(|id| !id.is_empty()),
        create_time: None,
        extra: ExtraMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finish_reasons_map_back() {
        let none = ExtraMap::new();
        assert_eq!(finish_reason("stop", &none), "STOP");
        assert_eq!(finish_reason("tool_calls", &none), "STOP");
        assert_eq!(finish_reason("length", &none), "MAX_TOKENS");
        assert_eq!(finish_reason("content_filter", &none), "SAFETY");
        assert_eq!(finish_reason("weird", &none), "OTHER");
        let mut native = ExtraMap::new();
        native.insert("native_finish_reason".into(), json!("RECITATION"));
        assert_eq!(finish_reason("content_filter", &native), "RECITATION");
    }

    #[test]
    fn responses_carry_thoughts_calls_and_signatures() {
        let resp: ChatResponse = serde_json::from_value(json!({
            "id": "resp-1", "model": "gemini-2.5-flash", "created": 0,
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": "Let me check.", "reasoning": "hmm",
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}],
                "reasoning_details": [
                    {"type": "reasoning.encrypted", "signature": "dGV4dA==", "index": 0},
                    {"type": "reasoning.encrypted", "signature": "c2ln", "id": "tool_call_call_1", "index": 1}
                ]
            }}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 12, "total_tokens": 22,
                "prompt_tokens_details": {"cached_tokens": 4},
                "completion_tokens_details": {"reasoning_tokens": 7}}
        }))
        .unwrap();
        let out = serde_json::to_value(to_response(&resp)).unwrap();
        assert_eq!(
            out,
            json!({
                "candidates": [{
                    "content": {"role": "model", "parts": [
                        {"text": "hmm", "thought": true},
                        {"text": "Let me check.", "thoughtSignature": "dGV4dA=="},
                        {"functionCall": {"id": "call_1", "name": "f", "args": {"a": 1}}, "thoughtSignature": "c2ln"}
                    ]},
                    "finishReason": "STOP",
                    "index": 0
                }],
                "usageMetadata": {
                    "promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 22,
                    "cachedContentTokenCount": 4, "thoughtsTokenCount": 7
                },
                "modelVersion": "gemini-2.5-flash",
                "responseId": "resp-1"
            })
        );
    }
}
