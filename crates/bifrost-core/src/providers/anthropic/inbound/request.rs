//! Anthropic Messages API requests (as the Anthropic SDK sends them to the gateway) -> unified
//! chat requests.
//!
//! The unified request keeps everything Anthropic needs, so that when the target is Anthropic
//! [`super::super::request::to_messages_request`] rebuilds the caller's request:
//!
//! | Anthropic | unified |
//! |---|---|
//! | `system` string / text blocks | one `system` message: text, or text parts with `cache_control` |
//! | user `text` blocks | `text` parts (`cache_control`, `citations` kept in the part's extra fields) |
//! | user `image` blocks, `base64` / `url` source | `image_url` parts (`data:` URL / URL) |
//! | user `tool_result` blocks | `tool` messages (`is_error`, `cache_control` kept), before the turn's other blocks |
//! | assistant `thinking` / `redacted_thinking` | `reasoning_details` `reasoning.text` (with signature) / `reasoning.encrypted`, and `reasoning` text |
//! | assistant `tool_use` | `tool_calls` (`input` serialized as `arguments`) |
//! | any other block (`document`, `search_result`, server tool blocks, `image` from a file, ...) | a part of that type carrying the block's fields unchanged |
//! | `tools`: client tools / server tools (`type` set) | `function` tools (`input_schema` as `parameters`) / tools of that type with the native fields |
//! | `tool_choice` `auto` / `any` / `tool` / `none` | `auto` / `required` / named function / `none`; `disable_parallel_tool_use` -> `parallel_tool_calls: false` |
//! | `max_tokens`, `stop_sequences`, `temperature`, `top_p` | `max_completion_tokens`, `stop`, `temperature`, `top_p` |
//! | `thinking` `enabled` | `reasoning.max_tokens` = `budget_tokens` (the native object is kept too) |
//! | `metadata.user_id` | `metadata.user_id` |
//! | `stream` | `stream`, with `stream_options.include_usage` so the final usage arrives |
//! | `fallbacks` (Bifrost's) | `fallbacks` |
//! | `top_k`, `thinking`, `output_config`, `service_tier`, other fields | kept in the extra fields |
//!
//! [`adapt_for_other_provider`] then turns the request into what a provider of another family
//! accepts (see there).

use serde_json::Value;

use super::super::types::{
    Content, ContentBlock, Message, MessagesRequest, Thinking, Tool as NativeTool,
    ToolChoice as NativeToolChoice,
};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPart, ContentPartType, CountTokensRequest, ExtraMap, FileData,
    FunctionCall, FunctionDefinition, JsonSchemaFormat, MessageContent, NamedFunction,
    NamedToolChoice, ReasoningConfig, ReasoningDetail, ResponseFormat, Role, StopSequences,
    StreamOptions, Tool, ToolCall, ToolChoice,
};

/// A `POST /v1/messages/count_tokens` body (a Messages request without `max_tokens`).
#[derive(Debug, Clone, Default, PartialEq, bifrost_derive::DeserializeWithExtra)]
pub struct CountTokensBody {
    /// Model id, optionally `provider/model`.
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// System prompt.
    #[serde(default)]
    pub system: Option<Content>,
    /// Tools.
    #[serde(default)]
    pub tools: Option<Vec<NativeTool>>,
    /// Other fields (`tool_choice`, `thinking`, `mcp_servers`, ...).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn invalid(message: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(message)
}

/// Translates a Messages API request into a unified chat request (the model is left as the
/// caller wrote it: `claude-...` or `provider/model`).
pub fn to_chat_request(req: MessagesRequest) -> Result<ChatRequest, BifrostError> {
    if req.model.trim().is_empty() {
        return Err(invalid("model: Field required").with_param("model"));
    }
    if req.max_tokens == 0 {
        return Err(
            invalid("max_tokens: Input should be greater than or equal to 1")
                .with_param("max_tokens"),
        );
    }
    let messages = convert_conversation(req.system, req.messages)?;
    let stream = req.stream.unwrap_or(false);
    let mut extra = req.extra;
    // Bifrost's own `fallbacks` (`provider/model` strings) may ride along in the body.
    let fallbacks = extra
        .shift_remove("fallbacks")
        .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok());
    if let Some(k) = req.top_k {
        extra.insert("top_k".to_owned(), Value::from(k));
    }
    if let Some(config) = req.output_config {
        extra.insert("output_config".to_owned(), config);
    }
    if let Some(tier) = req.service_tier {
        extra.insert("service_tier".to_owned(), Value::String(tier));
    }
    let reasoning = req.thinking.as_ref().and_then(reasoning_for);
    if let Some(thinking) = &req.thinking {
        extra.insert("thinking".to_owned(), thinking_value(thinking));
    }
    let (tool_choice, parallel_tool_calls) = match req.tool_choice {
        Some(choice) => convert_tool_choice(choice),
        None => (None, None),
    };
    let metadata = req.metadata.and_then(|m| m.user_id).map(|id| {
        let mut map = ExtraMap::new();
        map.insert("user_id".to_owned(), Value::String(id));
        map
    });
    Ok(ChatRequest {
        model: req.model,
        messages,
        stream: stream.then_some(true),
        stream_options: stream.then(|| StreamOptions {
            include_usage: Some(true),
            extra: ExtraMap::new(),
        }),
        temperature: req.temperature,
        top_p: req.top_p,
        stop: req
            .stop_sequences
            .filter(|s| !s.is_empty())
            .map(StopSequences::Many),
        max_completion_tokens: Some(req.max_tokens),
        tools: req.tools.map(|t| t.into_iter().map(convert_tool).collect()),
        tool_choice,
        parallel_tool_calls,
        reasoning,
        metadata,
        fallbacks,
        extra,
        ..ChatRequest::default()
    })
}

/// Translates a count tokens body into a unified count tokens request. `tool_choice`,
/// `thinking` and other native fields stay in the extra fields, which the Anthropic provider
/// forwards.
pub fn to_count_tokens_request(req: CountTokensBody) -> Result<CountTokensRequest, BifrostError> {
    if req.model.trim().is_empty() {
        return Err(invalid("model: Field required").with_param("model"));
    }
    Ok(CountTokensRequest {
        model: req.model,
        messages: convert_conversation(req.system, req.messages)?,
        tools: req.tools.map(|t| t.into_iter().map(convert_tool).collect()),
        fallbacks: None,
        extra: req.extra,
    })
}

fn thinking_value(thinking: &Thinking) -> Value {
    serde_json::to_value(thinking).unwrap_or(Value::Null)
}

fn reasoning_for(thinking: &Thinking) -> Option<ReasoningConfig> {
    match thinking.kind.as_str() {
        "enabled" => Some(ReasoningConfig {
            max_tokens: thinking.budget_tokens,
            ..ReasoningConfig::default()
        }),
        _ => None,
    }
}

fn convert_tool_choice(choice: NativeToolChoice) -> (Option<ToolChoice>, Option<bool>) {
    let parallel = choice.disable_parallel_tool_use.map(|d| !d);
    let unified = match choice.kind.as_str() {
        "any" => ToolChoice::Mode("required".to_owned()),
        "tool" => ToolChoice::Named(NamedToolChoice {
            kind: "function".to_owned(),
            function: NamedFunction {
                name: choice.name.unwrap_or_default(),
            },
        }),
        other => ToolChoice::Mode(other.to_owned()),
    };
    (Some(unified), parallel.filter(|p| !p))
}

fn convert_tool(tool: NativeTool) -> Tool {
    let is_client_tool = matches!(tool.kind.as_deref(), None | Some("custom"));
    if is_client_tool {
        let mut extra = tool.extra;
        if let Some(cc) = tool.cache_control {
            extra.insert("cache_control".to_owned(), cc);
        }
        return Tool {
            kind: "function".to_owned(),
            function: Some(FunctionDefinition {
                name: tool.name,
                description: tool.description,
                parameters: tool.input_schema,
                strict: tool.strict,
                extra: ExtraMap::new(),
            }),
            extra,
        };
    }
    // A server tool (`web_search_20250305`, `bash_20250124`, ...): its fields as they are.
    let kind = tool.kind.clone().unwrap_or_default();
    let mut extra = match serde_json::to_value(&tool) {
        Ok(Value::Object(map)) => map,
        _ => ExtraMap::new(),
    };
    extra.shift_remove("type");
    Tool {
        kind,
        function: None,
        extra,
    }
}

/// `system` and `messages` -> the unified conversation.
fn convert_conversation(
    system: Option<Content>,
    messages: Vec<Message>,
) -> Result<Vec<ChatMessage>, BifrostError> {
    if messages.is_empty() {
        return Err(invalid("messages: at least one message is required").with_param("messages"));
    }
    let mut out = Vec::with_capacity(messages.len() + 1);
    if let Some(system) = system {
        out.extend(system_message(system)?);
    }
    for (i, msg) in messages.into_iter().enumerate() {
        match msg.role.as_str() {
            "user" => user_messages(msg.content, &mut out),
            "assistant" => out.push(assistant_message(msg.content)),
            _ => {
                return Err(invalid(format!(
                    "messages.{i}.role: Input should be 'user' or 'assistant'"
                ))
                .with_param(format!("messages.{i}.role")));
            }
        }
    }
    Ok(out)
}

fn system_message(system: Content) -> Result<Option<ChatMessage>, BifrostError> {
    match system {
        Content::Text(t) if t.is_empty() => Ok(None),
        Content::Text(t) => Ok(Some(ChatMessage::text(Role::System, t))),
        Content::Blocks(blocks) if blocks.is_empty() => Ok(None),
        Content::Blocks(blocks) => {
            let mut parts = Vec::with_capacity(blocks.len());
            for (i, b) in blocks.into_iter().enumerate() {
                if b.kind != "text" {
                    return Err(invalid(format!(
                        "system.{i}: only text blocks are allowed in the system prompt, got {:?}",
                        b.kind
                    ))
                    .with_param("system"));
                }
                parts.push(text_part(b));
            }
            Ok(Some(with_content(
                Role::System,
                MessageContent::Parts(parts),
            )))
        }
    }
}

fn with_content(role: Role, content: MessageContent) -> ChatMessage {
    ChatMessage {
        content: Some(content),
        ..ChatMessage::text(role, String::new())
    }
}

/// A user turn: its `tool_result` blocks become `tool` messages (first, as Anthropic requires
/// them first), the other blocks one `user` message.
fn user_messages(content: Content, out: &mut Vec<ChatMessage>) {
    let blocks = match content {
        Content::Text(t) => {
            out.push(ChatMessage::text(Role::User, t));
            return;
        }
        Content::Blocks(b) => b,
    };
    let mut parts = Vec::new();
    for block in blocks {
        if block.kind == "tool_result" {
            out.push(tool_message(block));
        } else {
            parts.push(to_part(block));
        }
    }
    if !parts.is_empty() {
        out.push(with_content(Role::User, MessageContent::Parts(parts)));
    }
}

fn tool_message(block: ContentBlock) -> ChatMessage {
    let content = match block.content {
        None => MessageContent::Text(String::new()),
        Some(Content::Text(t)) => MessageContent::Text(t),
        Some(Content::Blocks(blocks)) => {
            MessageContent::Parts(blocks.into_iter().map(to_part).collect())
        }
    };
    let mut extra = block.extra;
    if let Some(is_error) = block.is_error {
        extra.insert("is_error".to_owned(), Value::Bool(is_error));
    }
    if let Some(cc) = block.cache_control {
        extra.insert("cache_control".to_owned(), cc);
    }
    ChatMessage {
        tool_call_id: block.tool_use_id,
        extra,
        ..with_content(Role::Tool, content)
    }
}

fn assistant_message(content: Content) -> ChatMessage {
    let blocks = match content {
        Content::Text(t) => return ChatMessage::text(Role::Assistant, t),
        Content::Blocks(b) => b,
    };
    let mut parts = Vec::new();
    let mut details = Vec::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    for block in blocks {
        match block.kind.as_str() {
            "thinking" => {
                let text = block.thinking.unwrap_or_default();
                reasoning.push_str(&text);
                details.push(ReasoningDetail {
                    kind: "reasoning.text".to_owned(),
                    text: Some(text),
                    signature: block.signature,
                    index: Some(details.len() as u32),
                    ..ReasoningDetail::default()
                });
            }
            "redacted_thinking" => details.push(ReasoningDetail {
                kind: "reasoning.encrypted".to_owned(),
                data: block.data,
                index: Some(details.len() as u32),
                ..ReasoningDetail::default()
            }),
            "tool_use" => {
                let mut extra = ExtraMap::new();
                if let Some(cc) = block.cache_control {
                    extra.insert("cache_control".to_owned(), cc);
                }
                calls.push(ToolCall {
                    id: block.id.unwrap_or_default(),
                    kind: "function".to_owned(),
                    function: FunctionCall {
                        name: block.name.unwrap_or_default(),
                        arguments: block
                            .input
                            .map_or_else(|| "{}".to_owned(), |v| v.to_string()),
                    },
                    extra,
                });
            }
            _ => parts.push(to_part(block)),
        }
    }
    ChatMessage {
        role: Role::Assistant,
        content: (!parts.is_empty()).then_some(MessageContent::Parts(parts)),
        name: None,
        tool_calls: (!calls.is_empty()).then_some(calls),
        tool_call_id: None,
        refusal: None,
        reasoning: (!reasoning.is_empty()).then_some(reasoning),
        reasoning_details: (!details.is_empty()).then_some(details),
        extra: ExtraMap::new(),
    }
}

fn text_part(block: ContentBlock) -> ContentPart {
    let mut part = ContentPart::text(block.text.unwrap_or_default());
    part.extra = block.extra;
    if let Some(cc) = block.cache_control {
        part.extra.insert("cache_control".to_owned(), cc);
    }
    part
}

/// One content block -> one content part.
fn to_part(block: ContentBlock) -> ContentPart {
    match block.kind.as_str() {
        "text" => text_part(block),
        "image" => match &block.source {
            Some(s) if s.kind == "base64" && s.data.is_some() && s.extra.is_empty() => {
                let media = s.media_type.as_deref().unwrap_or("image/png");
                let url = format!("data:{media};base64,{}", s.data.as_deref().unwrap_or(""));
                image_part(url, block)
            }
            Some(s) if s.kind == "url" && s.url.is_some() && s.extra.is_empty() => {
                let url = s.url.clone().unwrap_or_default();
                image_part(url, block)
            }
            _ => native_part(block),
        },
        _ => native_part(block),
    }
}

fn image_part(url: String, block: ContentBlock) -> ContentPart {
    let mut part = ContentPart::image(url);
    part.extra = block.extra;
    if let Some(cc) = block.cache_control {
        part.extra.insert("cache_control".to_owned(), cc);
    }
    part
}

/// A block the unified shape has no part type for: a part of the block's own type whose extra
/// fields are the block's fields, so it serializes back to the very same block.
fn native_part(block: ContentBlock) -> ContentPart {
    let kind = block.kind.clone();
    let mut extra = match serde_json::to_value(&block) {
        Ok(Value::Object(map)) => map,
        _ => ExtraMap::new(),
    };
    extra.shift_remove("type");
    ContentPart {
        kind: ContentPartType::Other(kind),
        text: None,
        image_url: None,
        input_audio: None,
        file: None,
        refusal: None,
        extra,
    }
}

/// Anthropic-only request fields that no other provider family accepts.
const ANTHROPIC_ONLY_FIELDS: &[&str] = &["cache_control", "is_error", "citations"];

/// Adapts a request built by [`to_chat_request`] for a provider of another family (OpenAI,
/// Groq, ...):
///
/// * the extra fields (`top_k`, `thinking`, `output_config`, `service_tier`, `container`, ...)
///   are dropped; `output_config.format` `json_schema` becomes `response_format`;
/// * `thinking` becomes `reasoning_effort` (`low` up to 4,096 budget tokens, `medium` up to
///   16,384, `high` above) instead of Anthropic's budget;
/// * `metadata.user_id` becomes `user`;
/// * `cache_control`, `citations` and `is_error` are removed, thinking blocks (whose signatures
///   only Anthropic can verify) are dropped from the history;
/// * `document` blocks become `file` parts (base64 PDF) or text parts (plain text); tool results
///   become text; server tools and other native blocks are dropped.
pub fn adapt_for_other_provider(req: &mut ChatRequest) {
    let format = req
        .extra
        .get("output_config")
        .and_then(|c| c.get("format"))
        .or_else(|| req.extra.get("output_format"))
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
        .and_then(|f| f.get("schema"))
        .cloned();
    if let Some(schema) = format {
        req.response_format = Some(ResponseFormat {
            kind: "json_schema".to_owned(),
            json_schema: Some(JsonSchemaFormat {
                name: "output".to_owned(),
                description: None,
                schema: Some(schema),
                strict: None,
                extra: ExtraMap::new(),
            }),
            extra: ExtraMap::new(),
        });
    }
    if let Some(budget) = req.reasoning.take().and_then(|r| r.max_tokens) {
        let effort = match budget {
            0..=4096 => "low",
            4097..=16384 => "medium",
            _ => "high",
        };
        req.reasoning_effort = Some(effort.to_owned());
    }
    req.extra.clear();
    if let Some(user) = req
        .metadata
        .take()
        .and_then(|mut m| m.shift_remove("user_id"))
        .and_then(|v| v.as_str().map(str::to_owned))
    {
        req.user = Some(user);
    }
    if let Some(tools) = &mut req.tools {
        tools.retain(|t| t.kind == "function");
        for t in tools.iter_mut() {
            t.extra.clear();
        }
        if tools.is_empty() {
            req.tools = None;
            req.tool_choice = None;
            req.parallel_tool_calls = None;
        }
    }
    for msg in &mut req.messages {
        adapt_message(msg);
    }
    req.messages
        .retain(|m| m.role != Role::Assistant || m.content.is_some() || m.tool_calls.is_some());
}

fn adapt_message(msg: &mut ChatMessage) {
    msg.reasoning = None;
    msg.reasoning_details = None;
    for key in ANTHROPIC_ONLY_FIELDS {
        msg.extra.shift_remove(*key);
    }
    for call in msg.tool_calls.iter_mut().flatten() {
        call.extra.clear();
    }
    if !matches!(msg.content, Some(MessageContent::Parts(_))) {
        return;
    }
    let Some(MessageContent::Parts(parts)) = msg.content.take() else {
        return;
    };
    let kept: Vec<ContentPart> = parts.into_iter().filter_map(adapt_part).collect();
    msg.content = if matches!(msg.role, Role::Tool | Role::System) {
        // Tool results and system prompts are plain text for the OpenAI family.
        let texts: Vec<String> = kept.into_iter().filter_map(|p| p.text).collect();
        Some(MessageContent::Text(texts.join("\n")))
    } else if kept.is_empty() {
        (msg.role != Role::Assistant).then(|| MessageContent::Text(String::new()))
    } else {
        Some(MessageContent::Parts(kept))
    };
}

fn adapt_part(mut part: ContentPart) -> Option<ContentPart> {
    match &part.kind {
        ContentPartType::Text | ContentPartType::ImageUrl => {
            for key in ANTHROPIC_ONLY_FIELDS {
                part.extra.shift_remove(*key);
            }
            Some(part)
        }
        ContentPartType::Other(kind) if kind == "document" => document_part(&part.extra),
        _ => None,
    }
}

/// A `document` block as a `file` part (base64 data) or a text part (plain text source).
fn document_part(block: &ExtraMap) -> Option<ContentPart> {
    let source = block.get("source")?;
    let kind = source.get("type").and_then(Value::as_str)?;
    let data = source.get("data").and_then(Value::as_str)?;
    match kind {
        "base64" => {
            let media = source
                .get("media_type")
                .and_then(Value::as_str)
                .unwrap_or("application/pdf");
            let title = block.get("title").and_then(Value::as_str);
            Some(ContentPart {
                kind: ContentPartType::File,
                text: None,
                image_url: None,
                input_audio: None,
                file: Some(FileData {
                    file_data: Some(format!("data:{media};base64,{data}")),
                    file_id: None,
                    filename: Some(title.unwrap_or("document.pdf").to_owned()),
                    extra: ExtraMap::new(),
                }),
                refusal: None,
                extra: ExtraMap::new(),
            })
        }
        "text" => Some(ContentPart::text(data)),
        _ => None,
    }
}
