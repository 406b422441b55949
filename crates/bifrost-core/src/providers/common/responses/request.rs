//! Responses API request -> chat completion request.
//!
//! | Responses                          | Chat                                                    |
//! |------------------------------------|---------------------------------------------------------|
//! | `instructions`                     | a leading `system` message                              |
//! | `input` string                     | one `user` message                                      |
//! | `message` items                    | messages (`developer` becomes `system`); `input_text` / `output_text` -> `text`, `input_image` -> `image_url`, `input_file` -> `file`, `refusal` -> the message's `refusal` |
//! | `function_call` items              | `tool_calls` of an assistant message (consecutive calls and the text before them share one message) |
//! | `function_call_output` items       | `tool` messages                                         |
//! | `reasoning` items                  | `reasoning` / `reasoning_details` of the next assistant message, when signed or encrypted |
//! | function `tools`, `tool_choice`    | function tools and choice; hosted tools are left out (chat cannot run them) |
//! | `max_output_tokens`                | `max_completion_tokens`                                 |
//! | `text.format`                      | `response_format` (`json_schema` fields nested under `json_schema`) |
//! | `text.verbosity`                   | `verbosity`                                             |
//! | `reasoning.effort` / `.max_tokens` | `reasoning_effort` / `reasoning.max_tokens`             |
//! | `temperature`, `top_p`, `parallel_tool_calls`, `user`, `metadata`, unknown fields | unchanged |
//!
//! `previous_response_id` cannot be honoured over chat (the provider stores nothing) and is
//! refused; `store`, `include`, `truncation` and the Responses-only fields below are dropped.

use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPart, ContentPartType, ExtraMap, FileData, FunctionCall,
    FunctionDefinition, JsonSchemaFormat, MessageContent, NamedFunction, NamedToolChoice,
    ReasoningConfig, ReasoningDetail, ResponseFormat, ResponsesContentPart, ResponsesInput,
    ResponsesItem, ResponsesMessage, ResponsesMessageContent, ResponsesReasoningItem,
    ResponsesRequest, ResponsesTextFormat, ResponsesTool, ResponsesToolChoice, Role, StreamOptions,
    Tool, ToolCall, ToolChoice,
};

/// Responses-only request fields that mean nothing to a chat completion endpoint.
const RESPONSES_ONLY: &[&str] = &[
    "background",
    "conversation",
    "context_management",
    "max_tool_calls",
    "prompt",
    "prompt_cache_retention",
    "stream_options",
    "top_logprobs",
];

/// Translates a Responses request into the chat request that serves it.
pub fn to_chat_request(req: &ResponsesRequest) -> Result<ChatRequest, BifrostError> {
    if req.previous_response_id.is_some() {
        return Err(BifrostError::invalid_request(
            "previous_response_id needs a provider that stores responses (the Responses API served natively); for this provider send the earlier turns in input instead",
        )
        .with_param("previous_response_id"));
    }
    let mut messages = Vec::new();
    if let Some(instructions) = req.instructions.as_deref().filter(|s| !s.is_empty()) {
        messages.push(ChatMessage::text(Role::System, instructions));
    }
    match &req.input {
        Some(ResponsesInput::Text(text)) => messages.push(ChatMessage::text(Role::User, text)),
        Some(ResponsesInput::Items(items)) => push_items(items, &mut messages),
        None => {}
    }
    let tools = chat_tools(req.tools.as_deref());
    let tool_choice = tools
        .as_deref()
        .and_then(|t| chat_tool_choice(req.tool_choice.as_ref(), t));
    let mut extra: ExtraMap = req
        .extra
        .iter()
        .filter(|(k, _)| !RESPONSES_ONLY.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let text = req.text.as_ref();
    if let Some(verbosity) = text.and_then(|t| t.verbosity.as_ref()) {
        extra.insert("verbosity".to_owned(), verbosity.clone().into());
    }
    let reasoning = req.reasoning.as_ref();
    let stream = req.is_stream();
    Ok(ChatRequest {
        model: req.model.clone(),
        messages,
        stream: stream.then_some(true),
        stream_options: stream.then(|| StreamOptions {
            include_usage: Some(true),
            extra: ExtraMap::new(),
        }),
        temperature: req.temperature,
        top_p: req.top_p,
        max_completion_tokens: req.max_output_tokens,
        user: req.user.clone(),
        parallel_tool_calls: tools.as_ref().and(req.parallel_tool_calls),
        tools,
        tool_choice,
        response_format: text
            .and_then(|t| t.format.as_ref())
            .and_then(chat_response_format),
        reasoning_effort: reasoning.and_then(|r| r.effort.clone()),
        reasoning: reasoning
            .and_then(|r| r.max_tokens)
            .map(|max| ReasoningConfig {
                effort: None,
                max_tokens: Some(max),
                extra: ExtraMap::new(),
            }),
        metadata: req.metadata.clone(),
        extra,
        ..ChatRequest::default()
    })
}

fn push_items(items: &[ResponsesItem], messages: &mut Vec<ChatMessage>) {
    // Reasoning items precede the assistant turn they belong to.
    let mut pending_reasoning: Option<(Option<String>, Vec<ReasoningDetail>)> = None;
    for item in items {
        if let Some(m) = item.as_message() {
            let mut msg = chat_message(m);
            if msg.role == Role::Assistant {
                attach_reasoning(&mut msg, pending_reasoning.take());
            }
            messages.push(msg);
            continue;
        }
        match item {
            ResponsesItem::FunctionCall(call) => {
                let tool_call = ToolCall {
                    id: call.call_id.clone(),
                    kind: "function".to_owned(),
                    function: FunctionCall {
                        name: call.name.clone(),
                        arguments: if call.arguments.is_empty() {
                            "{}".to_owned()
                        } else {
                            call.arguments.clone()
                        },
                    },
                    extra: ExtraMap::new(),
                };
                match messages.last_mut() {
                    Some(last) if last.role == Role::Assistant && pending_reasoning.is_none() => {
                        last.tool_calls.get_or_insert_with(Vec::new).push(tool_call);
                    }
                    _ => {
                        let mut msg = ChatMessage {
                            content: None,
                            tool_calls: Some(vec![tool_call]),
                            ..ChatMessage::text(Role::Assistant, "")
                        };
                        attach_reasoning(&mut msg, pending_reasoning.take());
                        messages.push(msg);
                    }
                }
            }
            ResponsesItem::FunctionCallOutput(out) => {
                messages.push(ChatMessage {
                    tool_call_id: Some(out.call_id.clone()),
                    content: Some(chat_content(&out.output, false)),
                    ..ChatMessage::text(Role::Tool, "")
                });
            }
            ResponsesItem::Reasoning(r) => {
                let (text, mut details) = pending_reasoning.take().unwrap_or_default();
                let (more_text, more) = reasoning_details(r);
                details.extend(more);
                let text = match (text, more_text) {
                    (Some(a), Some(b)) => Some(format!("{a}\n\n{b}")),
                    (a, b) => a.or(b),
                };
                pending_reasoning = Some((text, details));
            }
            other => {
                tracing::debug!(
                    item_type = other.kind(),
                    "input item has no chat completion equivalent; left out"
                );
            }
        }
    }
}

/// Puts replayable reasoning (signed or encrypted, which some providers verify on the next
/// turn) on an assistant message. Plain reasoning text is left out: chat providers do not take
/// earlier turns' thinking as input.
fn attach_reasoning(
    msg: &mut ChatMessage,
    reasoning: Option<(Option<String>, Vec<ReasoningDetail>)>,
) {
    let Some((text, details)) = reasoning else {
        return;
    };
    if details
        .iter()
        .any(|d| d.signature.is_some() || d.data.is_some())
    {
        msg.reasoning = text;
        msg.reasoning_details = Some(details);
    }
}

/// The visible reasoning text of an item and its replayable details.
fn reasoning_details(r: &ResponsesReasoningItem) -> (Option<String>, Vec<ReasoningDetail>) {
    // Details kept verbatim by an earlier translation take precedence: they carry signatures.
    if let Some(kept) = r.extra.get("reasoning_details")
        && let Ok(details) = serde_json::from_value::<Vec<ReasoningDetail>>(kept.clone())
    {
        let text = r.summary_text();
        return ((!text.is_empty()).then_some(text), details);
    }
    let mut details = Vec::new();
    let summary = r.summary_text();
    for part in r.content.iter().flatten() {
        if let Some(text) = &part.text {
            details.push(ReasoningDetail {
                kind: "reasoning.text".to_owned(),
                text: Some(text.clone()),
                signature: part
                    .extra
                    .get("signature")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
                ..ReasoningDetail::default()
            });
        }
    }
    if !summary.is_empty() {
        details.push(ReasoningDetail {
            kind: "reasoning.summary".to_owned(),
            summary: Some(summary.clone()),
            ..ReasoningDetail::default()
        });
    }
    if let Some(data) = &r.encrypted_content {
        details.push(ReasoningDetail {
            kind: "reasoning.encrypted".to_owned(),
            data: Some(data.clone()),
            ..ReasoningDetail::default()
        });
    }
    let text = if summary.is_empty() {
        let visible: String = r
            .content
            .iter()
            .flatten()
            .filter_map(|p| p.text.as_deref())
            .collect();
        (!visible.is_empty()).then_some(visible)
    } else {
        Some(summary)
    };
    (text, details)
}

fn chat_role(role: &str) -> Role {
    match role {
        "assistant" => Role::Assistant,
        // Chat-only providers rarely know `developer`.
        "system" | "developer" => Role::System,
        _ => Role::User,
    }
}

fn chat_message(m: &ResponsesMessage) -> ChatMessage {
    let role = chat_role(&m.role);
    let mut msg = ChatMessage::text(role, "");
    if role == Role::Assistant {
        // Assistant history is text (plus an optional refusal) for chat providers.
        let mut text = String::new();
        let mut refusal = None;
        match &m.content {
            ResponsesMessageContent::Text(t) => text.push_str(t),
            ResponsesMessageContent::Parts(parts) => {
                for p in parts {
                    if p.kind == "refusal" {
                        refusal = p.refusal.clone();
                    } else if let Some(t) = &p.text {
                        text.push_str(t);
                    }
                }
            }
        }
        msg.content = (!text.is_empty() || refusal.is_none()).then_some(MessageContent::Text(text));
        msg.refusal = refusal;
        return msg;
    }
    msg.content = Some(chat_content(&m.content, true));
    msg
}

/// Content for a chat message: a single text part collapses to a string.
fn chat_content(content: &ResponsesMessageContent, allow_media: bool) -> MessageContent {
    let parts = match content {
        ResponsesMessageContent::Text(t) => return MessageContent::Text(t.clone()),
        ResponsesMessageContent::Parts(parts) => parts,
    };
    let converted: Vec<ContentPart> = parts.iter().filter_map(chat_part).collect();
    let only_text = converted.iter().all(|p| p.kind == ContentPartType::Text);
    if only_text && (converted.len() == 1 || !allow_media) {
        let text: String = converted.iter().filter_map(|p| p.text.as_deref()).collect();
        return MessageContent::Text(text);
    }
    MessageContent::Parts(converted)
}

fn chat_part(p: &ResponsesContentPart) -> Option<ContentPart> {
    match p.kind.as_str() {
        "input_text" | "output_text" | "text" | "summary_text" | "reasoning_text" => {
            p.text.as_ref().map(|t| ContentPart::text(t.clone()))
        }
        "input_image" => {
            if let Some(url) = &p.image_url {
                let mut part = ContentPart::image(url.clone());
                if let Some(img) = part.image_url.as_mut() {
                    img.detail.clone_from(&p.detail);
                }
                Some(part)
            } else {
                p.file_id
                    .as_ref()
                    .map(|id| file_part(Some(id.clone()), None, None))
            }
        }
        "input_file" => {
            let mut part = file_part(p.file_id.clone(), p.file_data.clone(), p.filename.clone());
            if let (Some(url), Some(file)) = (&p.file_url, part.file.as_mut()) {
                file.extra.insert("file_url".to_owned(), url.clone().into());
            }
            Some(part)
        }
        "input_audio" => {
            let audio = p.extra.get("input_audio")?;
            let mut part = ContentPart::text("");
            part.kind = ContentPartType::InputAudio;
            part.text = None;
            part.input_audio = serde_json::from_value(audio.clone()).ok();
            part.input_audio.is_some().then_some(part)
        }
        "refusal" => p.refusal.as_ref().map(|t| ContentPart::text(t.clone())),
        _ => {
            tracing::debug!(part_type = %p.kind, "content part has no chat equivalent; left out");
            None
        }
    }
}

fn file_part(
    file_id: Option<String>,
    file_data: Option<String>,
    filename: Option<String>,
) -> ContentPart {
    let mut part = ContentPart::text("");
    part.kind = ContentPartType::File;
    part.text = None;
    part.file = Some(FileData {
        file_data,
        file_id,
        filename,
        extra: ExtraMap::new(),
    });
    part
}

fn chat_tools(tools: Option<&[ResponsesTool]>) -> Option<Vec<Tool>> {
    let out: Vec<Tool> = tools?
        .iter()
        .filter(|t| t.kind == "function")
        .filter_map(|t| {
            let name = t.name.as_deref().filter(|n| !n.trim().is_empty())?;
            Some(Tool {
                kind: "function".to_owned(),
                function: Some(FunctionDefinition {
                    name: name.to_owned(),
                    description: t.description.clone(),
                    parameters: t.parameters.clone(),
                    strict: t.strict,
                    extra: ExtraMap::new(),
                }),
                extra: ExtraMap::new(),
            })
        })
        .collect();
    for t in tools?.iter().filter(|t| t.kind != "function") {
        tracing::debug!(tool_type = %t.kind, "hosted tool has no chat completion equivalent; left out");
    }
    (!out.is_empty()).then_some(out)
}

fn chat_tool_choice(choice: Option<&ResponsesToolChoice>, tools: &[Tool]) -> Option<ToolChoice> {
    match choice? {
        ResponsesToolChoice::Mode(mode) => Some(ToolChoice::Mode(mode.clone())),
        ResponsesToolChoice::Tool(t) if t.kind == "function" => {
            let name = t.name.as_deref()?;
            let known = tools
                .iter()
                .any(|tool| tool.function.as_ref().is_some_and(|f| f.name == name));
            known.then(|| {
                ToolChoice::Named(NamedToolChoice {
                    kind: "function".to_owned(),
                    function: NamedFunction {
                        name: name.to_owned(),
                    },
                })
            })
        }
        ResponsesToolChoice::Tool(t) if t.kind == "allowed_tools" => t
            .extra
            .get("mode")
            .and_then(serde_json::Value::as_str)
            .map(|m| ToolChoice::Mode(m.to_owned())),
        ResponsesToolChoice::Tool(_) => None,
    }
}

fn chat_response_format(format: &ResponsesTextFormat) -> Option<ResponseFormat> {
    match format.kind.as_str() {
        "json_object" => Some(ResponseFormat {
            kind: "json_object".to_owned(),
            json_schema: None,
            extra: ExtraMap::new(),
        }),
        "json_schema" => Some(ResponseFormat {
            kind: "json_schema".to_owned(),
            json_schema: Some(JsonSchemaFormat {
                name: format.name.clone().unwrap_or_else(|| "response".to_owned()),
                description: format.description.clone(),
                schema: format.schema.clone(),
                strict: format.strict,
                extra: ExtraMap::new(),
            }),
            extra: ExtraMap::new(),
        }),
        // Plain text is the default; nothing to ask for.
        _ => None,
    }
}
