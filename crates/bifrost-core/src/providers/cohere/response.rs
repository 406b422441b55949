//! Cohere v2 answers -> OpenAI-shaped responses.
//!
//! | Cohere | OpenAI |
//! |---|---|
//! | `message.content` `text` blocks | `content` (concatenated) |
//! | `message.content` `thinking` blocks, else `tool_plan` | `reasoning` |
//! | `message.tool_calls` | `tool_calls` |
//! | `message.citations` | `citations` on the message (kept verbatim) |
//! | `finish_reason` | `finish_reason` (see [`finish_reason`]) |
//! | `usage.tokens` (else `usage.billed_units`), `cached_tokens` | `usage` (see [`to_usage`]) |

use super::types::{
    ChatResponse as CohereChat, EmbedResponse, ModelList, RerankResponse as CohereRerank,
    Usage as CohereUsage,
};
use crate::schemas::{
    ChatChoice, ChatMessage, ChatResponse, Embedding, EmbeddingRequest, EmbeddingResponse,
    EmbeddingVector, ExtraMap, FunctionCall, ListModelsResponse, MessageContent, Model,
    PromptTokensDetails, RerankRequest, RerankResponse, RerankResult, Role, ToolCall, Usage,
};

/// Maps a Cohere `finish_reason` to OpenAI's: `COMPLETE` / `STOP_SEQUENCE` -> `stop`,
/// `MAX_TOKENS` -> `length`, `TOOL_CALL` -> `tool_calls`, `ERROR` / `TIMEOUT` -> `error`.
pub fn finish_reason(reason: &str) -> &'static str {
    match reason {
        "MAX_TOKENS" => "length",
        "TOOL_CALL" => "tool_calls",
        "ERROR" | "TIMEOUT" => "error",
        _ => "stop",
    }
}

fn count(v: Option<f64>) -> u64 {
    v.filter(|n| n.is_finite() && *n > 0.0)
        .map_or(0, |n| n.round() as u64)
}

/// Cohere usage in OpenAI's shape: actual tokens when reported, else billed units.
pub fn to_usage(u: &CohereUsage) -> Usage {
    let units = u.tokens.as_ref().or(u.billed_units.as_ref());
    let mut usage = Usage::new(
        count(units.and_then(|t| t.input_tokens)),
        count(units.and_then(|t| t.output_tokens)),
    );
    if let Some(cached) = u.cached_tokens {
        usage.prompt_tokens_details = Some(PromptTokensDetails {
            cached_tokens: Some(count(Some(cached))),
            ..PromptTokensDetails::default()
        });
    }
    usage
}

/// Translates a chat answer.
pub fn to_chat_response(resp: CohereChat, model: &str, created: u64) -> ChatResponse {
    let mut text = String::new();
    let mut has_text = false;
    let mut thinking = String::new();
    let mut calls = Vec::new();
    let mut extra = ExtraMap::new();
    let mut plan = None;
    if let Some(message) = resp.message {
        for block in message.content.iter().flatten() {
            match block.kind.as_str() {
                "text" => {
                    text.push_str(block.text.as_deref().unwrap_or_default());
                    has_text = true;
                }
                "thinking" => thinking.push_str(block.thinking.as_deref().unwrap_or_default()),
                _ => {}
            }
        }
        for (i, call) in message.tool_calls.into_iter().flatten().enumerate() {
            let function = call.function.unwrap_or_default();
            calls.push(ToolCall {
                id: call.id.unwrap_or_else(|| format!("call_{i}")),
                kind: "function".to_owned(),
                function: FunctionCall {
                    name: function.name.unwrap_or_default(),
                    arguments: function.arguments.unwrap_or_else(|| "{}".to_owned()),
                },
                extra: ExtraMap::new(),
            });
        }
        plan = message.tool_plan.filter(|p| !p.is_empty());
        if let Some(citations) = message.citations.filter(|c| !c.is_null()) {
            extra.insert("citations".to_owned(), citations);
        }
    }
    let reasoning = if thinking.is_empty() {
        plan
    } else {
        Some(thinking)
    };
    let message = ChatMessage {
        role: Role::Assistant,
        content: (has_text || calls.is_empty()).then_some(MessageContent::Text(text)),
        name: None,
        tool_calls: (!calls.is_empty()).then_some(calls),
        tool_call_id: None,
        refusal: None,
        reasoning,
        reasoning_details: None,
        extra,
    };
    ChatResponse {
        id: resp.id,
        object: "chat.completion".to_owned(),
        created,
        model: model.to_owned(),
        choices: vec![ChatChoice {
            index: 0,
            message,
            finish_reason: Some(
                finish_reason(resp.finish_reason.as_deref().unwrap_or("COMPLETE")).to_owned(),
            ),
            logprobs: None,
            extra: ExtraMap::new(),
        }],
        usage: resp.usage.as_ref().map(to_usage),
        ..ChatResponse::default()
    }
}

/// Translates an embed answer; fails when it carries no float vectors.
pub fn to_embedding_response(
    resp: EmbedResponse,
    model: &str,
    req: &EmbeddingRequest,
) -> Result<EmbeddingResponse, &'static str> {
    let vectors = resp.embeddings.float.ok_or("embeddings.float is missing")?;
    let base64 = req.encoding_format.as_deref() == Some("base64");
    let tokens = resp.meta.as_ref().map_or(0, |m| {
        count(
            m.tokens
                .as_ref()
                .and_then(|t| t.input_tokens)
                .or_else(|| m.billed_units.as_ref().and_then(|b| b.input_tokens)),
        )
    });
    Ok(EmbeddingResponse {
        object: "list".to_owned(),
        data: vectors
            .into_iter()
            .enumerate()
            .map(|(i, v)| Embedding {
                object: "embedding".to_owned(),
                index: i as u32,
                embedding: if base64 {
                    let floats: Vec<f32> = v.iter().map(|x| *x as f32).collect();
                    EmbeddingVector::Base64(EmbeddingVector::base64_from_floats(&floats))
                } else {
                    EmbeddingVector::Float(v)
                },
                extra: ExtraMap::new(),
            })
            .collect(),
        model: model.to_owned(),
        usage: Some(Usage::new(tokens, 0)),
        extra_fields: None,
        extra: ExtraMap::new(),
    })
}

/// Translates a rerank answer; documents are attached from the request when asked for.
pub fn to_rerank_response(resp: CohereRerank, model: &str, req: &RerankRequest) -> RerankResponse {
    let with_docs = req.return_documents.unwrap_or(false);
    let mut extra = ExtraMap::new();
    let mut usage = None;
    if let Some(meta) = resp.meta.filter(|m| !m.is_null()) {
        let number = |path: &str| meta.pointer(path).and_then(serde_json::Value::as_f64);
        let search_units = number("/billed_units/search_units");
        let input = number("/tokens/input_tokens");
        if search_units.is_some() || input.is_some() {
            let mut u = Usage::new(count(input), 0);
            if let Some(units) = search_units {
                u.extra.insert(
                    "search_units".to_owned(),
                    serde_json::json!(count(Some(units))),
                );
            }
            usage = Some(u);
        }
        extra.insert("meta".to_owned(), meta);
    }
    RerankResponse {
        id: resp.id.unwrap_or_default(),
        results: resp
            .results
            .into_iter()
            .map(|r| RerankResult {
                index: r.index,
                relevance_score: r.relevance_score,
                document: with_docs
                    .then(|| req.documents.get(r.index as usize).cloned())
                    .flatten(),
            })
            .collect(),
        model: model.to_owned(),
        usage,
        extra_fields: None,
        extra,
    }
}

/// Translates the model list.
pub fn to_models(list: ModelList) -> ListModelsResponse {
    let mut extra = ExtraMap::new();
    if let Some(token) = list.next_page_token.filter(|t| !t.is_empty()) {
        extra.insert("next_page_token".to_owned(), token.into());
    }
    ListModelsResponse {
        object: "list".to_owned(),
        data: list
            .models
            .into_iter()
            .map(|m| {
                let mut extra = m.extra;
                extra.insert("endpoints".to_owned(), m.endpoints.into());
                if let Some(len) = m.context_length {
                    extra.insert("context_length".to_owned(), count(Some(len)).into());
                }
                Model {
                    id: m.name,
                    object: "model".to_owned(),
                    created: 0,
                    owned_by: "cohere".to_owned(),
                    extra,
                }
            })
            .collect(),
        extra_fields: None,
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_map() {
        for (native, openai) in [
            ("COMPLETE", "stop"),
            ("STOP_SEQUENCE", "stop"),
            ("MAX_TOKENS", "length"),
            ("TOOL_CALL", "tool_calls"),
            ("ERROR", "error"),
            ("TIMEOUT", "error"),
        ] {
            assert_eq!(finish_reason(native), openai);
        }
    }
}
