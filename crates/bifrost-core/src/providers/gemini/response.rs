//! Gemini responses → OpenAI-shaped chat completions, embeddings, token counts and model lists.
//!
//! * Text parts are joined into `content`; `thought: true` parts into `reasoning`.
//! * `functionCall` parts become `tool_calls`. Gemini often sends no call id, so one is derived
//!   from the response id, candidate, position and name (stable across a stream's chunks).
//! * Every `thoughtSignature` is kept in `reasoning_details` as a `reasoning.encrypted` entry:
//!   with `id: "tool_call_<call id>"` for a function call's signature, without an id for the
//!   text's. [`super::request`] puts them back on the right parts on the next turn, which thinking
//!   models require for multi-turn tool use.
//! * `finishReason`: `STOP` → `stop` (`tool_calls` when the candidate called functions),
//!   `MAX_TOKENS` → `length`, `SAFETY` / `RECITATION` / `BLOCKLIST` / `PROHIBITED_CONTENT` /
//!   `SPII` / `IMAGE_SAFETY` → `content_filter`, anything else → `stop`; whenever the mapping
//!   loses information the native reason is kept in the choice's `native_finish_reason`.
//! * Usage: `prompt_tokens` = `promptTokenCount` + `toolUsePromptTokenCount`;
//!   `completion_tokens` = `candidatesTokenCount` + `thoughtsTokenCount` (OpenAI counts reasoning
//!   as completion tokens, Gemini reports it apart); `cached_tokens` = `cachedContentTokenCount`;
//!   `reasoning_tokens` = `thoughtsTokenCount`; audio tokens from the per-modality details.
//! * A prompt blocked by `promptFeedback.blockReason` (no candidates) is an error, not an empty
//!   answer.

use serde_json::{Value, json};

use super::request::{TOOL_CALL_SIGNATURE_PREFIX, bare_model};
use super::types::{
    Candidate, ContentEmbedding, CountTokensResponse as NativeCount, GenerateContentResponse,
    ListModelsResponse as NativeModels, LogprobsResult, Part, PromptFeedback, UsageMetadata,
};
use crate::error::{BifrostError, ErrorDetail};
use crate::schemas::{
    ChatChoice, ChatMessage, ChatResponse, CompletionTokensDetails, ContentPart,
    CountTokensResponse, Embedding, EmbeddingResponse, EmbeddingVector, ExtraMap, FunctionCall,
    ListModelsResponse, MessageContent, Model, PromptTokensDetails, ReasoningDetail, Role,
    ToolCall, Usage,
};

/// Facts about the response that the body may not carry.
#[derive(Debug, Clone, Copy)]
pub struct ResponseMeta<'a> {
    /// Completion id when Gemini sent no `responseId`.
    pub fallback_id: &'a str,
    /// Unix seconds, when Gemini sent no `createTime`.
    pub created: u64,
    /// The requested model, when Gemini sent no `modelVersion`.
    pub model: &'a str,
}

/// A stable tool call id for a call Gemini sent without one.
pub fn tool_call_id(response_id: &str, candidate: u32, ordinal: usize, name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let ordinal = ordinal.to_le_bytes();
    let candidate = candidate.to_le_bytes();
    for chunk in [
        response_id.as_bytes(),
        &candidate,
        &ordinal,
        name.as_bytes(),
    ] {
        for &b in chunk {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("call_{h:016x}")
}

/// OpenAI's finish reason for a Gemini one.
pub fn finish_reason(native: &str, called_functions: bool) -> &'static str {
    match native {
        "STOP" | "FINISH_REASON_UNSPECIFIED" | "" if called_functions => "tool_calls",
        "MAX_TOKENS" => "length",
        "SAFETY"
        | "RECITATION"
        | "BLOCKLIST"
        | "PROHIBITED_CONTENT"
        | "SPII"
        | "IMAGE_SAFETY"
        | "IMAGE_PROHIBITED_CONTENT"
        | "IMAGE_RECITATION" => "content_filter",
        _ if called_functions => "tool_calls",
        _ => "stop",
    }
}

/// True when [`finish_reason`] maps `native` without losing information.
pub fn finish_reason_is_exact(native: &str) -> bool {
    matches!(native, "STOP" | "MAX_TOKENS")
}

/// OpenAI usage for Gemini's `usageMetadata` (see the module docs).
pub fn usage(u: &UsageMetadata) -> Usage {
    let thoughts = u.thoughts_token_count.unwrap_or(0);
    let prompt = u.prompt_token_count.unwrap_or(0) + u.tool_use_prompt_token_count.unwrap_or(0);
    let completion = u.candidates_token_count.unwrap_or(0) + thoughts;
    let total = u.total_token_count.unwrap_or(prompt + completion);
    let modality = |details: &Option<Vec<super::types::ModalityTokenCount>>, m: &str| {
        details
            .iter()
            .flatten()
            .find(|d| d.modality == m)
            .map(|d| d.token_count)
    };
    let prompt_audio = modality(&u.prompt_tokens_details, "AUDIO");
    let completion_audio = modality(&u.candidates_tokens_details, "AUDIO");
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: total,
        prompt_tokens_details: (u.cached_content_token_count.is_some() || prompt_audio.is_some())
            .then(|| PromptTokensDetails {
                cached_tokens: u.cached_content_token_count,
                audio_tokens: prompt_audio,
                ..PromptTokensDetails::default()
            }),
        completion_tokens_details: (u.thoughts_token_count.is_some() || completion_audio.is_some())
            .then(|| CompletionTokensDetails {
                reasoning_tokens: u.thoughts_token_count,
                audio_tokens: completion_audio,
                ..CompletionTokensDetails::default()
            }),
        extra: ExtraMap::new(),
    }
}

/// The error for a prompt Gemini refused to answer.
pub fn prompt_blocked(provider: &str, feedback: &PromptFeedback) -> BifrostError {
    let reason = feedback.block_reason.as_deref().unwrap_or("OTHER");
    let mut message = format!("{provider} blocked the prompt (blockReason {reason})");
    if let Some(m) = feedback.block_reason_message.as_deref() {
        message.push_str(": ");
        message.push_str(m);
    }
    BifrostError::upstream(
        400,
        ErrorDetail {
            kind: Some("content_filter".to_owned()),
            code: Some(reason.to_ascii_lowercase()),
            message,
            ..ErrorDetail::default()
        },
    )
}

/// What the parts of one candidate turn into.
#[derive(Debug, Default)]
pub(crate) struct Converted {
    pub text: String,
    pub reasoning: String,
    pub details: Vec<ReasoningDetail>,
    pub calls: Vec<ToolCall>,
    pub media: Vec<ContentPart>,
}

fn signature_detail(sig: &str, call_id: Option<&str>, index: usize) -> ReasoningDetail {
    let mut extra = ExtraMap::new();
    extra.insert("format".to_owned(), json!("google-gemini-v1"));
    if let Some(id) = call_id {
        extra.insert(
            "id".to_owned(),
            Value::String(format!("{TOOL_CALL_SIGNATURE_PREFIX}{id}")),
        );
    }
    ReasoningDetail {
        kind: "reasoning.encrypted".to_owned(),
        signature: Some(sig.to_owned()),
        index: Some(index as u32),
        extra,
        ..ReasoningDetail::default()
    }
}

/// Converts parts. `next_call` numbers the candidate's function calls (continued across stream
/// chunks); `details_base` numbers the reasoning details.
pub(crate) fn convert_parts(
    parts: &[Part],
    response_id: &str,
    candidate: u32,
    next_call: &mut usize,
    details_base: usize,
) -> Converted {
    let mut out = Converted::default();
    for part in parts {
        let sig = part.thought_signature.as_deref().filter(|s| !s.is_empty());
        if let Some(fc) = &part.function_call {
            let ordinal = *next_call;
            *next_call += 1;
            let id = fc
                .id
                .clone()
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| tool_call_id(response_id, candidate, ordinal, &fc.name));
            if let Some(sig) = sig {
                out.details.push(signature_detail(
                    sig,
                    Some(&id),
                    details_base + out.details.len(),
                ));
            }
            let arguments = match &fc.args {
                Some(args) => args.to_string(),
                None => "{}".to_owned(),
            };
            out.calls.push(ToolCall {
                id,
                kind: "function".to_owned(),
                function: FunctionCall {
                    name: fc.name.clone(),
                    arguments,
                },
                extra: ExtraMap::new(),
            });
            continue;
        }
        if let Some(sig) = sig {
            out.details.push(signature_detail(
                sig,
                None,
                details_base + out.details.len(),
            ));
        }
        if let Some(text) = &part.text {
            if part.is_thought() {
                out.reasoning.push_str(text);
            } else {
                out.text.push_str(text);
            }
        } else if let Some(blob) = &part.inline_data {
            out.media.push(ContentPart::image(format!(
                "data:{};base64,{}",
                blob.mime_type, blob.data
            )));
        } else if let Some(file) = &part.file_data {
            out.media.push(ContentPart::image(file.file_uri.clone()));
        } else if let Some(code) = &part.executable_code {
            let lang = code
                .get("language")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let src = code.get("code").and_then(Value::as_str).unwrap_or("");
            out.text.push_str(&format!("\n```{lang}\n{src}\n```\n"));
        } else if let Some(result) = &part.code_execution_result {
            let output = result.get("output").and_then(Value::as_str).unwrap_or("");
            out.text.push_str(&format!("\n```\n{output}\n```\n"));
        }
    }
    out
}

/// OpenAI `logprobs` for Gemini's `logprobsResult`.
pub fn logprobs(result: &LogprobsResult) -> Value {
    let content: Vec<Value> = result
        .chosen_candidates
        .iter()
        .enumerate()
        .map(|(i, chosen)| {
            let top: Vec<Value> = result
                .top_candidates
                .get(i)
                .map(|t| {
                    t.candidates
                        .iter()
                        .map(|c| json!({"token": c.token, "logprob": c.log_probability, "bytes": null}))
                        .collect()
                })
                .unwrap_or_default();
            json!({"token": chosen.token, "logprob": chosen.log_probability, "bytes": null, "top_logprobs": top})
        })
        .collect();
    json!({ "content": content })
}

fn choice(c: &Candidate, position: usize, response_id: &str) -> ChatChoice {
    let index = c.index.unwrap_or(position as u32);
    let mut next_call = 0;
    let converted = c
        .content
        .as_ref()
        .map(|content| convert_parts(&content.parts, response_id, index, &mut next_call, 0))
        .unwrap_or_default();
    let native = c.finish_reason.as_deref().unwrap_or("");
    let called = !converted.calls.is_empty();
    let content = if converted.media.is_empty() {
        (!converted.text.is_empty() || !called).then_some(MessageContent::Text(converted.text))
    } else {
        let mut parts = Vec::with_capacity(converted.media.len() + 1);
        if !converted.text.is_empty() {
            parts.push(ContentPart::text(converted.text));
        }
        parts.extend(converted.media);
        Some(MessageContent::Parts(parts))
    };
    let mut extra = ExtraMap::new();
    if !native.is_empty() && !finish_reason_is_exact(native) {
        extra.insert("native_finish_reason".to_owned(), json!(native));
    }
    ChatChoice {
        index,
        message: ChatMessage {
            role: Role::Assistant,
            content,
            name: None,
            tool_calls: called.then_some(converted.calls),
            tool_call_id: None,
            refusal: None,
            reasoning: (!converted.reasoning.is_empty()).then_some(converted.reasoning),
            reasoning_details: (!converted.details.is_empty()).then_some(converted.details),
            extra: ExtraMap::new(),
        },
        finish_reason: Some(finish_reason(native, called).to_owned()),
        logprobs: c.logprobs_result.as_ref().map(logprobs),
        extra,
    }
}

/// Parses an RFC 3339 UTC timestamp (`2025-01-01T12:00:00.123456Z`) into unix seconds.
pub fn rfc3339_seconds(ts: &str) -> Option<u64> {
    let (date, time) = ts.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches('Z');
    let time = time.split(['+', '.']).next()?;
    let mut t = time.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

/// Translates a `generateContent` response.
pub fn chat_response(
    provider: &str,
    resp: GenerateContentResponse,
    meta: ResponseMeta<'_>,
) -> Result<ChatResponse, BifrostError> {
    if resp.candidates.is_empty()
        && let Some(feedback) = resp
            .prompt_feedback
            .as_ref()
            .filter(|f| f.block_reason.is_some())
    {
        return Err(prompt_blocked(provider, feedback));
    }
    let id = resp
        .response_id
        .clone()
        .unwrap_or_else(|| meta.fallback_id.to_owned());
    let choices = resp
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| choice(c, i, &id))
        .collect();
    Ok(ChatResponse {
        id,
        object: "chat.completion".to_owned(),
        created: resp
            .create_time
            .as_deref()
            .and_then(rfc3339_seconds)
            .unwrap_or(meta.created),
        model: resp
            .model_version
            .clone()
            .unwrap_or_else(|| meta.model.to_owned()),
        choices,
        usage: resp.usage_metadata.as_ref().map(usage),
        system_fingerprint: None,
        service_tier: None,
        extra_fields: None,
        extra: ExtraMap::new(),
    })
}

/// Translates embeddings (in input order) into OpenAI's list, base64-encoded when asked.
pub fn embedding_response(
    embeddings: Vec<ContentEmbedding>,
    usage_metadata: Option<&UsageMetadata>,
    model: &str,
    base64: bool,
) -> EmbeddingResponse {
    let data = embeddings
        .into_iter()
        .enumerate()
        .map(|(i, e)| Embedding {
            object: "embedding".to_owned(),
            index: i as u32,
            embedding: if base64 {
                let floats: Vec<f32> = e.values.iter().map(|v| *v as f32).collect();
                EmbeddingVector::Base64(EmbeddingVector::base64_from_floats(&floats))
            } else {
                EmbeddingVector::Float(e.values)
            },
            extra: ExtraMap::new(),
        })
        .collect();
    EmbeddingResponse {
        object: "list".to_owned(),
        data,
        model: model.to_owned(),
        usage: usage_metadata.map(|u| {
            let prompt = u.prompt_token_count.unwrap_or(0);
            Usage::new(prompt, 0)
        }),
        extra_fields: None,
        extra: ExtraMap::new(),
    }
}

/// Translates a `countTokens` response.
pub fn count_tokens_response(native: NativeCount) -> CountTokensResponse {
    let mut extra = ExtraMap::new();
    if let Some(cached) = native.cached_content_token_count {
        extra.insert("cached_tokens".to_owned(), json!(cached));
    }
    if let Some(chars) = native.total_billable_characters {
        extra.insert("total_billable_characters".to_owned(), json!(chars));
    }
    CountTokensResponse {
        object: "response.input_tokens".to_owned(),
        input_tokens: native.total_tokens,
        extra_fields: None,
        extra,
    }
}

/// Translates `GET /models` (ids lose their `models/` prefix).
pub fn list_models_response(native: NativeModels) -> ListModelsResponse {
    let data = native
        .models
        .into_iter()
        .map(|m| {
            let mut extra = ExtraMap::new();
            if let Some(v) = m.display_name {
                extra.insert("name".to_owned(), json!(v));
            }
            if let Some(v) = m.description {
                extra.insert("description".to_owned(), json!(v));
            }
            if let Some(v) = m.input_token_limit {
                extra.insert("context_length".to_owned(), json!(v));
            }
            if let Some(v) = m.output_token_limit {
                extra.insert("max_output_tokens".to_owned(), json!(v));
            }
            if let Some(v) = m.supported_generation_methods {
                extra.insert("supported_methods".to_owned(), json!(v));
            }
            Model {
                id: bare_model(&m.name).to_owned(),
                object: "model".to_owned(),
                created: 0,
                owned_by: "google".to_owned(),
                extra,
            }
        })
        .collect();
    let mut extra = ExtraMap::new();
    if let Some(token) = native.next_page_token.filter(|t| !t.is_empty()) {
        extra.insert("next_page_token".to_owned(), json!(token));
    }
    ListModelsResponse {
        object: "list".to_owned(),
        data,
        extra_fields: None,
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_map() {
        assert_eq!(finish_reason("STOP", false), "stop");
        assert_eq!(finish_reason("STOP", true), "tool_calls");
        assert_eq!(finish_reason("MAX_TOKENS", true), "length");
        for r in [
            "SAFETY",
            "RECITATION",
            "BLOCKLIST",
            "PROHIBITED_CONTENT",
            "SPII",
        ] {
            assert_eq!(finish_reason(r, false), "content_filter");
        }
        assert_eq!(finish_reason("OTHER", false), "stop");
        assert_eq!(finish_reason("MALFORMED_FUNCTION_CALL", false), "stop");
    }

    #[test]
    fn usage_counts_thoughts_as_completion() {
        let u = usage(&UsageMetadata {
            prompt_token_count: Some(10),
            candidates_token_count: Some(5),
            thoughts_token_count: Some(7),
            cached_content_token_count: Some(4),
            total_token_count: Some(22),
            ..UsageMetadata::default()
        });
        assert_eq!(
            (u.prompt_tokens, u.completion_tokens, u.total_tokens),
            (10, 12, 22)
        );
        assert_eq!(u.cached_tokens(), 4);
        assert_eq!(u.reasoning_tokens(), 7);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(tool_call_id("r", 0, 0, "f"), tool_call_id("r", 0, 0, "f"));
        assert_ne!(tool_call_id("r", 0, 0, "f"), tool_call_id("r", 0, 1, "f"));
        assert!(tool_call_id("r", 0, 0, "f").starts_with("call_"));
    }

    #[test]
    fn parses_timestamps() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_seconds("2025-03-01T12:30:15.123456Z"),
            Some(1_740_832_215)
        );
        assert_eq!(rfc3339_seconds("garbage"), None);
    }
}
