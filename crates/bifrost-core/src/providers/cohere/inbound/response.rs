//! Unified responses -> Cohere v2 responses.
//!
//! | unified | Cohere v2 chat |
//! |---|---|
//! | `reasoning` (with tool calls) | `tool_plan` |
//! | `reasoning` (without tool calls) | a `thinking` content block |
//! | `content` | a `text` content block |
//! | `tool_calls` | `tool_calls` |
//! | `finish_reason` | `finish_reason` (see [`finish_reason`]) |
//! | `usage` | `usage.billed_units` and `usage.tokens` |
//!
//! Embeddings answer as `embeddings_by_type` (`float`, and `base64` when asked); rerank results
//! keep their index and score.

use serde::Serialize;
use serde_json::{Value, json};

use super::super::types::{
    ChatResponse as CohereChat, ContentBlock, FunctionCall, ResponseMessage, ToolCall, Units,
    Usage as CohereUsage,
};
use crate::schemas::{
    ChatMessage, ChatResponse, EmbeddingResponse, EmbeddingVector, RerankResponse, Usage,
};

/// The Cohere `finish_reason` of a unified one: `length` -> `MAX_TOKENS`, `tool_calls` ->
/// `TOOL_CALL`, `error` -> `ERROR`, anything else -> `COMPLETE`.
pub fn finish_reason(finish: Option<&str>) -> &'static str {
    match finish {
        Some("length") => "MAX_TOKENS",
        Some("tool_calls" | "function_call") => "TOOL_CALL",
        Some("error") => "ERROR",
        _ => "COMPLETE",
    }
}

/// Unified usage as Cohere reports it (billed units and tokens alike).
pub fn to_cohere_usage(u: &Usage) -> CohereUsage {
    let units = Units {
        input_tokens: Some(u.prompt_tokens as f64),
        output_tokens: Some(u.completion_tokens as f64),
        search_units: None,
    };
    CohereUsage {
        billed_units: Some(units.clone()),
        tokens: Some(units),
        cached_tokens: (u.cached_tokens() > 0).then(|| u.cached_tokens() as f64),
    }
}

/// The Cohere form of an assistant message.
pub fn to_response_message(msg: &ChatMessage) -> ResponseMessage {
    let calls: Vec<ToolCall> = msg
        .tool_calls
        .iter()
        .flatten()
        .map(|c| ToolCall {
            id: Some(c.id.clone()),
            kind: Some("function".to_owned()),
            function: Some(FunctionCall {
                name: Some(c.function.name.clone()),
                arguments: Some(if c.function.arguments.trim().is_empty() {
                    "{}".to_owned()
                } else {
                    c.function.arguments.clone()
                }),
            }),
        })
        .collect();
    let reasoning = msg.reasoning.clone().filter(|r| !r.is_empty());
    let mut content = Vec::new();
    let mut tool_plan = None;
    match reasoning {
        Some(r) if !calls.is_empty() => tool_plan = Some(r),
        Some(r) => content.push(ContentBlock {
            kind: "thinking".to_owned(),
            thinking: Some(r),
            ..ContentBlock::default()
        }),
        None => {}
    }
    let text = msg.text_content();
    if !text.is_empty() {
        content.push(ContentBlock::text(text));
    }
    ResponseMessage {
        role: "assistant".to_owned(),
        content: (!content.is_empty()).then_some(content),
        tool_plan,
        tool_calls: (!calls.is_empty()).then_some(calls),
        citations: None,
    }
}

/// Translates a unified chat response; `fallback_id` is used when the provider gave no id.
pub fn to_chat_response(resp: &ChatResponse, fallback_id: &str) -> CohereChat {
    let choice = resp.choices.first();
    CohereChat {
        id: if resp.id.is_empty() {
            fallback_id.to_owned()
        } else {
            resp.id.clone()
        },
        finish_reason: Some(
            finish_reason(choice.and_then(|c| c.finish_reason.as_deref())).to_owned(),
        ),
        message: Some(
            choice
                .map(|c| to_response_message(&c.message))
                .unwrap_or_else(|| ResponseMessage {
                    role: "assistant".to_owned(),
                    ..ResponseMessage::default()
                }),
        ),
        usage: Some(resp.usage.as_ref().map(to_cohere_usage).unwrap_or_default()),
        logprobs: None,
    }
}

/// A `/v2/embed` answer (`embeddings_by_type`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbedAnswer {
    /// Response id.
    pub id: String,
    /// Vectors by type.
    pub embeddings: Value,
    /// The texts embedded.
    pub texts: Vec<String>,
    /// API version and billed units.
    pub meta: Value,
    /// Always `embeddings_by_type`.
    pub response_type: &'static str,
}

/// Translates a unified embedding response for `texts`; `types` are the embedding types asked
/// for (`float` when none).
pub fn to_embed_response(
    resp: &EmbeddingResponse,
    texts: Vec<String>,
    types: &[String],
    id: &str,
) -> EmbedAnswer {
    let floats: Vec<Vec<f32>> = resp
        .data
        .iter()
        .map(|e| e.embedding.to_floats().unwrap_or_default())
        .collect();
    let mut embeddings = serde_json::Map::new();
    let want = |t: &str| types.is_empty() && t == "float" || types.iter().any(|x| x == t);
    if want("float") {
        embeddings.insert("float".to_owned(), json!(floats));
    }
    if want("base64") {
        let b64: Vec<String> = floats
            .iter()
            .map(|f| EmbeddingVector::base64_from_floats(f))
            .collect();
        embeddings.insert("base64".to_owned(), json!(b64));
    }
    let input = resp.usage.as_ref().map_or(0, |u| u.prompt_tokens);
    EmbedAnswer {
        id: id.to_owned(),
        embeddings: Value::Object(embeddings),
        texts,
        meta: json!({"api_version": {"version": "2"}, "billed_units": {"input_tokens": input}}),
        response_type: "embeddings_by_type",
    }
}

/// Translates a unified rerank response.
pub fn to_rerank_response(resp: &RerankResponse, id: &str) -> Value {
    let results: Vec<Value> = resp
        .results
        .iter()
        .map(|r| json!({"index": r.index, "relevance_score": r.relevance_score}))
        .collect();
    json!({
        "id": if resp.id.is_empty() { id } else { resp.id.as_str() },
        "results": results,
        "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::{ChatChoice, Role, ToolCall as UnifiedCall};

    #[test]
    fn a_tool_call_answer_translates() {
        let mut msg = ChatMessage::text(Role::Assistant, "");
        msg.reasoning = Some("I will call the tool.".to_owned());
        msg.tool_calls = Some(vec![UnifiedCall {
            id: "c1".to_owned(),
            kind: "function".to_owned(),
            function: crate::schemas::FunctionCall {
                name: "get_weather".to_owned(),
                arguments: r#"{"location":"Paris"}"#.to_owned(),
            },
            extra: Default::default(),
        }]);
        let resp = ChatResponse {
            id: "x1".to_owned(),
            choices: vec![ChatChoice {
                index: 0,
                message: msg,
                finish_reason: Some("tool_calls".to_owned()),
                logprobs: None,
                extra: Default::default(),
            }],
            usage: Some(Usage::new(10, 5)),
            ..ChatResponse::default()
        };
        let v = serde_json::to_value(to_chat_response(&resp, "fallback")).unwrap();
        assert_eq!(v["id"], "x1");
        assert_eq!(v["finish_reason"], "TOOL_CALL");
        assert_eq!(v["message"]["tool_plan"], "I will call the tool.");
        assert_eq!(
            v["message"]["tool_calls"][0]["function"]["name"],
            "get_weather"
        );
        assert_eq!(v["usage"]["billed_units"]["input_tokens"], 10.0);
        assert_eq!(v["usage"]["tokens"]["output_tokens"], 5.0);
    }
}
