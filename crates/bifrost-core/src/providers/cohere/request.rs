//! OpenAI-shaped requests -> Cohere v2 requests.
//!
//! | OpenAI | Cohere v2 chat |
//! |---|---|
//! | `system` / `developer`, `user`, `assistant`, `tool` messages | same roles (`developer` -> `system`) |
//! | text and `image_url` parts | `text` and `image_url` blocks |
//! | assistant `tool_calls` (+ `reasoning` as the plan) | `tool_calls` (+ `tool_plan`) |
//! | `tool` message `tool_call_id` | `tool_call_id` |
//! | `tools` (function) | `tools` (`strict` dropped) |
//! | `tool_choice` `none` / `required` / named | `NONE` / `REQUIRED` / `REQUIRED` with only that tool |
//! | `response_format` `json_object` / `json_schema` | `{"type": "json_object", "json_schema"?}` |
//! | `max_completion_tokens` / `max_tokens`, `stop`, `top_p` | `max_tokens`, `stop_sequences`, `p` |
//! | `reasoning.max_tokens` / `reasoning_effort` | `thinking` |
//! | extra `documents`, `citation_options`, `safety_mode`, `k`, `thinking`, `strict_tools`, `priority` | passed through |
//!
//! Embeddings ask for `float` vectors (base64 is encoded here, exactly as OpenAI does);
//! `input_type` defaults to `search_document`. Rerank documents are sent as text: strings as
//! they are, objects by their `text` field, other JSON as its serialization.

use serde_json::{Value, json};

use super::types::{
    ChatRequest as CohereChat, Content, ContentBlock, EmbedRequest, FunctionCall,
    FunctionDefinition, Message, RerankRequest as CohereRerank, ResponseFormat, Tool, ToolCall,
};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPartType, EmbeddingRequest, MessageContent, RerankRequest,
    Role, ToolChoice,
};

fn invalid(message: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(message)
}

fn content(msg: &ChatMessage, i: usize) -> Result<Option<Content>, BifrostError> {
    Ok(match &msg.content {
        None => None,
        Some(MessageContent::Text(t)) => Some(Content::Text(t.clone())),
        Some(MessageContent::Parts(parts)) => {
            let mut blocks = Vec::with_capacity(parts.len());
            for (j, part) in parts.iter().enumerate() {
                match &part.kind {
                    ContentPartType::Text => {
                        blocks.push(ContentBlock::text(part.text.clone().unwrap_or_default()));
                    }
                    ContentPartType::Refusal => {
                        blocks.push(ContentBlock::text(part.refusal.clone().unwrap_or_default()));
                    }
                    ContentPartType::ImageUrl => {
                        let image = part.image_url.as_ref().ok_or_else(|| {
                            invalid(format!("messages[{i}].content[{j}]: image_url missing"))
                        })?;
                        let mut url = json!({"url": image.url});
                        if let Some(detail) = &image.detail {
                            url["detail"] = json!(detail);
                        }
                        blocks.push(ContentBlock {
                            kind: "image_url".to_owned(),
                            image_url: Some(url),
                            ..ContentBlock::default()
                        });
                    }
                    other => {
                        return Err(invalid(format!(
                            "messages[{i}].content[{j}]: content part type {:?} is not supported by Cohere",
                            serde_json::to_value(other).unwrap_or_default()
                        )));
                    }
                }
            }
            Some(Content::Blocks(blocks))
        }
    })
}

fn message(msg: &ChatMessage, i: usize) -> Result<Message, BifrostError> {
    let role = match msg.role {
        Role::System | Role::Developer => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
        Role::Function => {
            return Err(invalid(format!(
                "messages[{i}]: role \"function\" is not supported by Cohere; use tool messages"
            )));
        }
    };
    let mut out = Message {
        role: role.to_owned(),
        content: content(msg, i)?,
        ..Message::default()
    };
    match msg.role {
        Role::Assistant => {
            if let Some(calls) = msg.tool_calls.as_ref().filter(|c| !c.is_empty()) {
                out.tool_calls = Some(
                    calls
                        .iter()
                        .map(|c| ToolCall {
                            id: Some(c.id.clone()),
                            kind: Some("function".to_owned()),
                            function: Some(FunctionCall {
                                name: Some(c.function.name.clone()),
                                arguments: Some(c.function.arguments.clone()),
                            }),
                        })
                        .collect(),
                );
                out.tool_plan = msg.reasoning.clone();
                if matches!(&out.content, Some(Content::Text(t)) if t.is_empty()) {
                    out.content = None;
                }
            }
        }
        Role::Tool => {
            out.tool_call_id = Some(msg.tool_call_id.clone().ok_or_else(|| {
                invalid(format!("messages[{i}]: tool message without tool_call_id"))
            })?);
        }
        _ => {}
    }
    Ok(out)
}

fn tools(req: &ChatRequest) -> Result<Option<Vec<Tool>>, BifrostError> {
    let Some(tools) = &req.tools else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(tools.len());
    for (i, tool) in tools.iter().enumerate() {
        let Some(function) = tool.function.as_ref().filter(|_| tool.kind == "function") else {
            return Err(invalid(format!(
                "tools[{i}]: only function tools are supported by Cohere"
            )));
        };
        out.push(Tool {
            kind: "function".to_owned(),
            function: FunctionDefinition {
                name: function.name.clone(),
                description: function.description.clone(),
                parameters: function.parameters.clone(),
            },
        });
    }
    Ok(Some(out))
}

fn response_format(req: &ChatRequest) -> Option<ResponseFormat> {
    let format = req.response_format.as_ref()?;
    match format.kind.as_str() {
        "json_object" => Some(ResponseFormat {
            kind: "json_object".to_owned(),
            json_schema: None,
        }),
        "json_schema" => Some(ResponseFormat {
            kind: "json_object".to_owned(),
            json_schema: format.json_schema.as_ref().and_then(|s| s.schema.clone()),
        }),
        _ => None,
    }
}

fn thinking(req: &ChatRequest) -> Option<Value> {
    if let Some(budget) = req.reasoning.as_ref().and_then(|r| r.max_tokens) {
        return Some(json!({"type": "enabled", "token_budget": budget}));
    }
    let effort = req
        .reasoning_effort
        .as_deref()
        .or_else(|| req.reasoning.as_ref().and_then(|r| r.effort.as_deref()))?;
    Some(match effort {
        "none" => json!({"type": "disabled"}),
        _ => json!({"type": "enabled"}),
    })
}

/// Builds the `/v2/chat` body for `req` sent to `model`.
pub fn to_chat_request(
    req: &ChatRequest,
    model: &str,
    stream: bool,
) -> Result<CohereChat, BifrostError> {
    let messages = req
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| message(m, i))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tools = tools(req)?;
    let tool_choice = match &req.tool_choice {
        None => None,
        Some(ToolChoice::Mode(mode)) => match mode.as_str() {
            "auto" => None,
            "none" => Some("NONE".to_owned()),
            "required" => Some("REQUIRED".to_owned()),
            other => {
                return Err(invalid(format!(
                    "tool_choice {other:?} is not one of none, auto, required"
                )));
            }
        },
        Some(ToolChoice::Named(named)) => {
            // Cohere cannot name a tool: offer only that one and require a call.
            if let Some(list) = tools.as_mut() {
                list.retain(|t| t.function.name == named.function.name);
                if list.is_empty() {
                    return Err(invalid(format!(
                        "tool_choice names {:?}, which is not among the tools",
                        named.function.name
                    )));
                }
            }
            Some("REQUIRED".to_owned())
        }
    };
    let extra = |k: &str| req.extra.get(k).filter(|v| !v.is_null()).cloned();
    Ok(CohereChat {
        model: model.to_owned(),
        messages,
        stream: stream.then_some(true),
        tools,
        tool_choice,
        strict_tools: extra("strict_tools").and_then(|v| v.as_bool()),
        documents: extra("documents"),
        citation_options: extra("citation_options"),
        response_format: response_format(req),
        safety_mode: extra("safety_mode"),
        max_tokens: req.output_token_limit(),
        stop_sequences: req.stop.as_ref().map(|s| s.to_vec()),
        temperature: req.temperature,
        seed: req.seed,
        frequency_penalty: req.frequency_penalty,
        presence_penalty: req.presence_penalty,
        k: extra("k").or_else(|| extra("top_k")),
        p: req.top_p,
        logprobs: req.logprobs,
        thinking: extra("thinking").or_else(|| thinking(req)),
        priority: extra("priority"),
    })
}

/// Builds the `/v2/embed` body.
pub fn to_embed_request(req: &EmbeddingRequest, model: &str) -> Result<EmbedRequest, BifrostError> {
    let texts: Vec<String> = match &req.input {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                invalid("Cohere embeddings take text input: a string or an array of strings")
            })?,
        _ => Vec::new(),
    };
    if texts.is_empty() {
        return Err(invalid("input is required for embeddings"));
    }
    let string = |k: &str| req.extra.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(EmbedRequest {
        model: model.to_owned(),
        input_type: string("input_type").unwrap_or_else(|| "search_document".to_owned()),
        texts,
        embedding_types: vec!["float".to_owned()],
        output_dimension: req.dimensions,
        max_tokens: req
            .extra
            .get("max_tokens")
            .and_then(Value::as_u64)
            .map(|v| v.min(u64::from(u32::MAX)) as u32),
        truncate: string("truncate"),
    })
}

/// The text Cohere ranks for one document.
pub fn document_text(doc: &Value) -> String {
    match doc {
        Value::String(s) => s.clone(),
        Value::Object(o) => match o.get("text").and_then(Value::as_str) {
            Some(t) => t.to_owned(),
            None => doc.to_string(),
        },
        other => other.to_string(),
    }
}

/// Builds the `/v2/rerank` body.
pub fn to_rerank_request(req: &RerankRequest, model: &str) -> CohereRerank {
    CohereRerank {
        model: model.to_owned(),
        query: req.query.clone(),
        documents: req.documents.iter().map(document_text).collect(),
        top_n: req.top_n,
        max_tokens_per_doc: req.max_tokens_per_doc,
    }
}
