//! Cohere v2 requests (as Cohere's `ClientV2` sends them to the gateway) -> unified requests.
//!
//! | Cohere v2 chat | unified |
//! |---|---|
//! | `system`, `user`, `assistant`, `tool` messages (string or `text` / `image_url` blocks) | same roles, text or parts |
//! | assistant `tool_calls`, `tool_plan` | `tool_calls`, `reasoning` |
//! | `tool` message `tool_call_id`, content (string, or `text` / `document` blocks) | `tool` message text |
//! | `tools` | `function` tools |
//! | `tool_choice` `REQUIRED` / `NONE` | `required` / `none` |
//! | `response_format` `json_object` (with `json_schema`) | `json_schema` (or `json_object`) |
//! | `max_tokens`, `stop_sequences`, `temperature`, `p`, `seed`, penalties | `max_completion_tokens`, `stop`, `temperature`, `top_p`, `seed`, penalties |
//! | `k`, `documents`, `citation_options`, `safety_mode`, `thinking`, `strict_tools`, `priority` | kept in the extra fields (the Cohere provider sends them on) |
//!
//! Embed: `texts` (or the text of `inputs`) -> `input`, `input_type`, `truncate` and
//! `max_tokens` kept, `output_dimension` -> `dimensions`. Rerank: as is.

use serde::Deserialize;
use serde_json::Value;

use super::super::types::{ChatRequest as CohereChat, Content, Message, ResponseFormat};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPart, EmbeddingRequest, ExtraMap, FunctionCall,
    FunctionDefinition, ImageUrl, JsonSchemaFormat, MessageContent, RerankRequest,
    ResponseFormat as UnifiedFormat, Role, StopSequences, StreamOptions, Tool, ToolCall,
    ToolChoice,
};

/// Cohere fields kept for the Cohere provider.
pub const NATIVE_FIELDS: &[&str] = &[
    "k",
    "documents",
    "citation_options",
    "safety_mode",
    "thinking",
    "strict_tools",
    "priority",
];

fn invalid(message: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(message)
}

fn content_text(content: &Option<Content>) -> String {
    match content {
        None => String::new(),
        Some(Content::Text(t)) => t.clone(),
        Some(Content::Blocks(blocks)) => blocks
            .iter()
            .filter_map(|b| {
                b.text.clone().or_else(|| {
                    b.document
                        .as_ref()
                        .map(|d| match d.get("data").unwrap_or(d) {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                })
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn content(content: Option<Content>, i: usize) -> Result<Option<MessageContent>, BifrostError> {
    Ok(match content {
        None => None,
        Some(Content::Text(t)) => Some(MessageContent::Text(t)),
        Some(Content::Blocks(blocks)) => {
            let mut parts = Vec::with_capacity(blocks.len());
            for (j, block) in blocks.into_iter().enumerate() {
                match block.kind.as_str() {
                    "text" => parts.push(ContentPart::text(block.text.unwrap_or_default())),
                    "image_url" => {
                        let url = match &block.image_url {
                            Some(Value::String(u)) => u.clone(),
                            Some(v) => v
                                .get("url")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            None => String::new(),
                        };
                        let mut part = ContentPart::image(url);
                        if let Some(detail) = block
                            .image_url
                            .as_ref()
                            .and_then(|v| v.get("detail"))
                            .and_then(Value::as_str)
                            && let Some(ImageUrl { detail: d, .. }) = part.image_url.as_mut()
                        {
                            *d = Some(detail.to_owned());
                        }
                        parts.push(part);
                    }
                    // Thinking blocks of earlier turns are not sent back to the model.
                    "thinking" => {}
                    other => {
                        return Err(invalid(format!(
                            "messages[{i}].content[{j}]: content type {other:?} is not supported"
                        )));
                    }
                }
            }
            Some(MessageContent::Parts(parts))
        }
    })
}

fn convert_message(msg: Message, i: usize) -> Result<ChatMessage, BifrostError> {
    let role = match msg.role.as_str() {
        "system" => Role::System,
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "tool" => Role::Tool,
        other => {
            return Err(invalid(format!(
                "messages[{i}].role: {other:?} is not one of system, user, assistant, tool"
            )));
        }
    };
    let mut out = ChatMessage::text(role, String::new());
    out.content = if role == Role::Tool {
        Some(MessageContent::Text(content_text(&msg.content)))
    } else {
        content(msg.content, i)?
    };
    out.tool_call_id = msg.tool_call_id;
    if let Some(calls) = msg.tool_calls.filter(|c| !c.is_empty()) {
        out.tool_calls = Some(
            calls
                .into_iter()
                .enumerate()
                .map(|(j, c)| {
                    let f = c.function.unwrap_or_default();
                    ToolCall {
                        id: c.id.unwrap_or_else(|| format!("call_{i}_{j}")),
                        kind: "function".to_owned(),
                        function: FunctionCall {
                            name: f.name.unwrap_or_default(),
                            arguments: f.arguments.unwrap_or_else(|| "{}".to_owned()),
                        },
                        extra: ExtraMap::new(),
                    }
                })
                .collect(),
        );
    }
    out.reasoning = msg.tool_plan.filter(|p| !p.is_empty());
    Ok(out)
}

fn response_format(format: ResponseFormat) -> Option<UnifiedFormat> {
    match format.kind.as_str() {
        "json_object" => Some(match format.json_schema {
            Some(schema) => UnifiedFormat {
                kind: "json_schema".to_owned(),
                json_schema: Some(JsonSchemaFormat {
                    name: "response".to_owned(),
                    description: None,
                    schema: Some(schema),
                    strict: None,
                    extra: ExtraMap::new(),
                }),
                extra: ExtraMap::new(),
            },
            None => UnifiedFormat {
                kind: "json_object".to_owned(),
                json_schema: None,
                extra: ExtraMap::new(),
            },
        }),
        _ => None,
    }
}

/// Translates a `/v2/chat` request (the model is left as the caller wrote it).
pub fn to_chat_request(req: CohereChat) -> Result<ChatRequest, BifrostError> {
    if req.model.trim().is_empty() {
        return Err(invalid("model is required").with_param("model"));
    }
    if req.messages.is_empty() {
        return Err(invalid("messages: at least one message is required").with_param("messages"));
    }
    let messages = req
        .messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| convert_message(m, i))
        .collect::<Result<Vec<_>, _>>()?;
    let stream = req.stream.unwrap_or(false);
    let tools = req.tools.map(|tools| {
        tools
            .into_iter()
            .map(|t| Tool {
                kind: "function".to_owned(),
                function: Some(FunctionDefinition {
                    name: t.function.name,
                    description: t.function.description,
                    parameters: t.function.parameters,
                    strict: None,
                    extra: ExtraMap::new(),
                }),
                extra: ExtraMap::new(),
            })
            .collect::<Vec<_>>()
    });
    let tool_choice = match req.tool_choice.as_deref().map(str::to_ascii_uppercase) {
        Some(c) if c == "REQUIRED" => Some(ToolChoice::Mode("required".to_owned())),
        Some(c) if c == "NONE" => Some(ToolChoice::Mode("none".to_owned())),
        _ => None,
    };
    let mut extra = ExtraMap::new();
    let native = [
        ("k", req.k),
        ("documents", req.documents),
        ("citation_options", req.citation_options),
        ("safety_mode", req.safety_mode),
        ("thinking", req.thinking),
        ("strict_tools", req.strict_tools.map(Value::Bool)),
        ("priority", req.priority),
    ];
    for (name, value) in native {
        if let Some(v) = value.filter(|v| !v.is_null()) {
            extra.insert(name.to_owned(), v);
        }
    }
    Ok(ChatRequest {
        model: req.model,
        messages,
        stream: stream.then_some(true),
        stream_options: stream.then(|| StreamOptions {
            include_usage: Some(true),
            extra: ExtraMap::new(),
        }),
        temperature: req.temperature,
        top_p: req.p,
        stop: req
            .stop_sequences
            .filter(|s| !s.is_empty())
            .map(StopSequences::Many),
        max_completion_tokens: req.max_tokens,
        presence_penalty: req.presence_penalty,
        frequency_penalty: req.frequency_penalty,
        seed: req.seed,
        logprobs: req.logprobs,
        tools: tools.filter(|t| !t.is_empty()),
        tool_choice,
        response_format: req.response_format.and_then(response_format),
        extra,
        ..ChatRequest::default()
    })
}

/// Turns a request built by [`to_chat_request`] into what a provider of another family
/// accepts: the Cohere-only fields are dropped, except `k` (sent as `top_k`).
pub fn adapt_for_other_provider(req: &mut ChatRequest) {
    let k = req.extra.get("k").cloned();
    for name in NATIVE_FIELDS {
        req.extra.shift_remove(*name);
    }
    if let Some(k) = k {
        req.extra.insert("top_k".to_owned(), k);
    }
}

/// A `/v2/embed` body (the fields the gateway reads; `embedding_types` defaults to `float`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct EmbedBody {
    /// Model id, optionally `provider/model`.
    #[serde(default)]
    pub model: String,
    /// The texts to embed.
    #[serde(default)]
    pub texts: Option<Vec<String>>,
    /// Mixed inputs (`{"content": [{"type": "text", "text": ...}]}`); their text is embedded.
    #[serde(default)]
    pub inputs: Option<Vec<Value>>,
    /// `search_document`, `search_query`, `classification` or `clustering`.
    #[serde(default)]
    pub input_type: Option<String>,
    /// `float`, `int8`, `uint8`, `binary`, `ubinary`, `base64`.
    #[serde(default)]
    pub embedding_types: Option<Vec<String>>,
    /// Output dimensions.
    #[serde(default)]
    pub output_dimension: Option<u32>,
    /// Truncation (`NONE`, `START`, `END`).
    #[serde(default)]
    pub truncate: Option<String>,
    /// Per-input token limit.
    #[serde(default)]
    pub max_tokens: Option<u32>,
}

fn input_text(input: &Value) -> String {
    input
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The embedding types the gateway answers with (the others are refused).
pub const EMBEDDING_TYPES: &[&str] = &["float", "base64"];

/// Translates a `/v2/embed` request.
pub fn to_embedding_request(body: EmbedBody) -> Result<EmbeddingRequest, BifrostError> {
    if body.model.trim().is_empty() {
        return Err(invalid("model is required").with_param("model"));
    }
    for t in body.embedding_types.iter().flatten() {
        if !EMBEDDING_TYPES.contains(&t.as_str()) {
            return Err(invalid(format!(
                "embedding_types: {t:?} is not served by this gateway (float, base64)"
            )));
        }
    }
    let texts: Vec<String> = match (body.texts, body.inputs) {
        (Some(t), _) if !t.is_empty() => t,
        (_, Some(inputs)) if !inputs.is_empty() => inputs.iter().map(input_text).collect(),
        _ => return Err(invalid("texts: at least one text is required").with_param("texts")),
    };
    let mut extra = ExtraMap::new();
    if let Some(t) = body.input_type {
        extra.insert("input_type".to_owned(), Value::String(t));
    }
    if let Some(t) = body.truncate {
        extra.insert("truncate".to_owned(), Value::String(t));
    }
    if let Some(n) = body.max_tokens {
        extra.insert("max_tokens".to_owned(), Value::from(n));
    }
    Ok(EmbeddingRequest {
        model: body.model,
        input: Value::from(texts),
        dimensions: body.output_dimension,
        extra,
        ..EmbeddingRequest::default()
    })
}

/// Drops the Cohere-only embedding fields for providers of other families.
pub fn adapt_embedding_for_other_provider(req: &mut EmbeddingRequest) {
    req.extra.clear();
}

/// A `/v2/rerank` body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RerankBody {
    /// Model id, optionally `provider/model`.
    #[serde(default)]
    pub model: String,
    /// The query.
    #[serde(default)]
    pub query: String,
    /// The documents (strings).
    #[serde(default)]
    pub documents: Vec<Value>,
    /// How many results to return.
    #[serde(default)]
    pub top_n: Option<u32>,
    /// Token limit per document.
    #[serde(default)]
    pub max_tokens_per_doc: Option<u32>,
}

/// Translates a `/v2/rerank` request.
pub fn to_rerank_request(body: RerankBody) -> Result<RerankRequest, BifrostError> {
    if body.model.trim().is_empty() {
        return Err(invalid("model is required").with_param("model"));
    }
    if body.query.is_empty() {
        return Err(invalid("query is required").with_param("query"));
    }
    if body.documents.is_empty() {
        return Err(invalid("documents: at least one document is required").with_param("documents"));
    }
    Ok(RerankRequest {
        model: body.model,
        query: body.query,
        documents: body.documents,
        top_n: body.top_n,
        max_tokens_per_doc: body.max_tokens_per_doc,
        ..RerankRequest::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chat_with_tools_translates() {
        let req: CohereChat = serde_json::from_value(json!({
            "model": "openai/gpt-4o",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
                {"role": "assistant", "tool_plan": "I will look it up.", "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "c1", "content": [{"type": "document", "document": {"data": "{\"temp\":21}"}}]}
            ],
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
            "tool_choice": "REQUIRED",
            "max_tokens": 20, "p": 0.9, "k": 5, "stream": true
        }))
        .unwrap();
        let mut chat = to_chat_request(req).unwrap();
        let v = serde_json::to_value(&chat).unwrap();
        assert_eq!(
            v["messages"][0],
            json!({"role": "system", "content": "Be brief."})
        );
        assert_eq!(v["messages"][1]["content"][0]["text"], "Weather?");
        assert_eq!(v["messages"][2]["reasoning"], "I will look it up.");
        assert_eq!(
            v["messages"][2]["tool_calls"][0]["function"]["name"],
            "get_weather"
        );
        assert_eq!(v["messages"][3]["content"], "{\"temp\":21}");
        assert_eq!(v["tool_choice"], "required");
        assert_eq!(v["top_p"], 0.9);
        assert_eq!(v["max_completion_tokens"], 20);
        assert_eq!(v["k"], 5);
        assert_eq!(v["stream_options"]["include_usage"], true);
        adapt_for_other_provider(&mut chat);
        let v = serde_json::to_value(&chat).unwrap();
        assert_eq!(v["top_k"], 5);
        assert!(v.get("k").is_none());
    }

    #[test]
    fn embed_and_rerank_translate() {
        let body: EmbedBody = serde_json::from_value(json!({
            "model": "embed-english-v3.0", "texts": ["a", "b"], "input_type": "search_query",
            "embedding_types": ["float"]
        }))
        .unwrap();
        let e = to_embedding_request(body).unwrap();
        assert_eq!(e.input, json!(["a", "b"]));
        assert_eq!(e.extra["input_type"], "search_query");
        let bad: EmbedBody = serde_json::from_value(json!({
            "model": "m", "texts": ["a"], "embedding_types": ["int8"]
        }))
        .unwrap();
        assert_eq!(to_embedding_request(bad).unwrap_err().status(), 400);
        let r: RerankBody = serde_json::from_value(json!({
            "model": "rerank-v3.5", "query": "q", "documents": ["x", "y"], "top_n": 1
        }))
        .unwrap();
        let r = to_rerank_request(r).unwrap();
        assert_eq!(r.documents.len(), 2);
        assert_eq!(r.top_n, Some(1));
    }
}
