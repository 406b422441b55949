//! Converse requests (as boto3's `bedrock-runtime` client sends them to the gateway) -> unified
//! chat requests.
//!
//! | Converse | unified |
//! |---|---|
//! | `system` text blocks (`cachePoint` after one) | one `system` message of text parts (`cache_control` on the part before the cache point) |
//! | user `text`, `image` (bytes), `document` (bytes) | `text`, `image_url` (`data:` URL), `file` (`file_data` as a `data:` URL) parts |
//! | user `toolResult` | a `tool` message (text; `json` content serialized), before the turn's other blocks |
//! | assistant `text`, `toolUse`, `reasoningContent` | `content`, `tool_calls`, `reasoning_details` (`reasoning.text` with signature / `reasoning.encrypted`) |
//! | `inferenceConfig` | `max_completion_tokens`, `temperature`, `top_p`, `stop` |
//! | `toolConfig.tools` / `toolChoice` `auto` / `any` / `tool` | `function` tools / `auto` / `required` / named function |
//! | `additionalModelRequestFields`, `guardrailConfig`, `performanceConfig`, `promptVariables`, `requestMetadata`, `additionalModelResponseFieldPaths`, `serviceTier` | kept in the extra fields under the same names (the Bedrock provider sends them on) |
//!
//! [`adapt_for_other_provider`] drops the Bedrock-only fields for providers of other families.

use serde_json::Value;

use super::super::types::{
    ContentBlock, ConverseRequest, Message, SystemContentBlock, ToolChoice as NativeToolChoice,
};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPart, ContentPartType, ExtraMap, FileData, FunctionCall,
    FunctionDefinition, MessageContent, NamedFunction, NamedToolChoice, ReasoningDetail, Role,
    StopSequences, StreamOptions, Tool, ToolCall, ToolChoice,
};

/// Converse fields carried to the Bedrock provider unchanged.
pub const NATIVE_FIELDS: &[&str] = &[
    "additionalModelRequestFields",
    "guardrailConfig",
    "performanceConfig",
    "promptVariables",
    "requestMetadata",
    "additionalModelResponseFieldPaths",
    "serviceTier",
];

fn invalid(message: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(message)
}

fn cache_control() -> Value {
    serde_json::json!({"type": "ephemeral"})
}

/// Translates a Converse request for `model` (the path's model id, `provider/model` or bare).
pub fn to_chat_request(
    req: ConverseRequest,
    model: &str,
    stream: bool,
) -> Result<ChatRequest, BifrostError> {
    if model.trim().is_empty() {
        return Err(invalid("modelId is required").with_param("modelId"));
    }
    if req.messages.is_empty() {
        return Err(invalid(
            "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        ));
    }
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = system_message(&req.system) {
        messages.push(system);
    }
    for (i, msg) in req.messages.into_iter().enumerate() {
        convert_message(msg, i, &mut messages)?;
    }
    let mut extra = ExtraMap::new();
    let native = [
        (
            "additionalModelRequestFields",
            req.additional_model_request_fields,
        ),
        ("guardrailConfig", req.guardrail_config),
        ("performanceConfig", req.performance_config),
        ("promptVariables", req.prompt_variables),
        ("requestMetadata", req.request_metadata),
        ("serviceTier", req.service_tier),
        (
            "additionalModelResponseFieldPaths",
            req.additional_model_response_field_paths
                .map(|p| Value::from(p.into_iter().map(Value::String).collect::<Vec<_>>())),
        ),
    ];
    for (name, value) in native {
        if let Some(v) = value.filter(|v| !v.is_null()) {
            extra.insert(name.to_owned(), v);
        }
    }
    let config = req.inference_config.unwrap_or_default();
    let (tools, tool_choice) = match req.tool_config {
        Some(tc) => {
            let tools: Vec<Tool> = tc
                .tools
                .into_iter()
                .filter_map(|t| t.tool_spec)
                .map(|spec| Tool {
                    kind: "function".to_owned(),
                    function: Some(FunctionDefinition {
                        name: spec.name,
                        description: spec.description,
                        parameters: Some(spec.input_schema.json),
                        strict: None,
                        extra: ExtraMap::new(),
                    }),
                    extra: ExtraMap::new(),
                })
                .collect();
            let choice = tc.tool_choice.and_then(convert_tool_choice);
            ((!tools.is_empty()).then_some(tools), choice)
        }
        None => (None, None),
    };
    Ok(ChatRequest {
        model: model.to_owned(),
        messages,
        stream: stream.then_some(true),
        stream_options: stream.then(|| StreamOptions {
            include_usage: Some(true),
            extra: ExtraMap::new(),
        }),
        temperature: config.temperature,
        top_p: config.top_p,
        stop: config
            .stop_sequences
            .filter(|s| !s.is_empty())
            .map(StopSequences::Many),
        max_completion_tokens: config.max_tokens,
        tools,
        tool_choice,
        extra,
        ..ChatRequest::default()
    })
}

fn convert_tool_choice(choice: NativeToolChoice) -> Option<ToolChoice> {
    if let Some(tool) = choice.tool {
        return Some(ToolChoice::Named(NamedToolChoice {
            kind: "function".to_owned(),
            function: NamedFunction { name: tool.name },
        }));
    }
    if choice.any.is_some() {
        return Some(ToolChoice::Mode("required".to_owned()));
    }
    choice.auto.map(|_| ToolChoice::Mode("auto".to_owned()))
}

/// Marks the last part as the end of a cached prefix.
fn mark_cache_point(parts: &mut [ContentPart]) {
    if let Some(last) = parts.last_mut() {
        last.extra
            .insert("cache_control".to_owned(), cache_control());
    }
}

fn system_message(blocks: &[SystemContentBlock]) -> Option<ChatMessage> {
    let mut parts: Vec<ContentPart> = Vec::new();
    let mut cached = false;
    for block in blocks {
        if let Some(t) = &block.text {
            parts.push(ContentPart::text(t.clone()));
        }
        if block.cache_point.is_some() {
            mark_cache_point(&mut parts);
            cached = true;
        }
    }
    if parts.is_empty() {
        return None;
    }
    let content = if cached {
        MessageContent::Parts(parts)
    } else {
        MessageContent::Text(
            parts
                .into_iter()
                .filter_map(|p| p.text)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let mut msg = ChatMessage::text(Role::System, String::new());
    msg.content = Some(content);
    Some(msg)
}

fn media_part(block: &ContentBlock, path: &str) -> Result<Option<ContentPart>, BifrostError> {
    if let Some(image) = &block.image {
        let Some(bytes) = &image.source.bytes else {
            return Err(invalid(format!(
                "{path}.image.source: only inline bytes are supported"
            )));
        };
        let format = if image.format == "jpg" {
            "jpeg"
        } else {
            image.format.as_str()
        };
        return Ok(Some(ContentPart::image(format!(
            "data:image/{format};base64,{bytes}"
        ))));
    }
    if let Some(doc) = &block.document {
        let data = match (&doc.source.bytes, &doc.source.text) {
            (Some(bytes), _) => format!("data:{};base64,{bytes}", document_media(&doc.format)),
            (None, Some(text)) => {
                return Ok(Some(ContentPart::text(text.clone())));
            }
            (None, None) => {
                return Err(invalid(format!(
                    "{path}.document.source: only inline bytes or text are supported"
                )));
            }
        };
        let mut part = ContentPart::text(String::new());
        part.kind = ContentPartType::File;
        part.text = None;
        part.file = Some(FileData {
            file_data: Some(data),
            file_id: None,
            filename: Some(format!("{}.{}", doc.name, doc.format)),
            extra: ExtraMap::new(),
        });
        return Ok(Some(part));
    }
    Ok(None)
}

fn document_media(format: &str) -> &'static str {
    match format {
        "csv" => "text/csv",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html" => "text/html",
        "txt" => "text/plain",
        "md" => "text/markdown",
        _ => "application/pdf",
    }
}

/// The text of a tool result's content (`json` blocks serialized).
fn tool_result_text(blocks: &[ContentBlock]) -> String {
    let mut out = String::new();
    for block in blocks {
        if let Some(t) = &block.text {
            out.push_str(t);
        } else if let Some(v) = &block.json {
            out.push_str(&v.to_string());
        }
    }
    out
}

fn convert_message(msg: Message, i: usize, out: &mut Vec<ChatMessage>) -> Result<(), BifrostError> {
    match msg.role.as_str() {
        "user" => {
            let mut parts: Vec<ContentPart> = Vec::new();
            for (j, block) in msg.content.iter().enumerate() {
                let path = format!("messages.{i}.content.{j}");
                if let Some(result) = &block.tool_result {
                    let mut tool = ChatMessage::text(Role::Tool, tool_result_text(&result.content));
                    tool.tool_call_id = Some(result.tool_use_id.clone());
                    if result.status.as_deref() == Some("error") {
                        tool.extra.insert("is_error".to_owned(), Value::Bool(true));
                    }
                    out.push(tool);
                } else if let Some(t) = &block.text {
                    parts.push(ContentPart::text(t.clone()));
                } else if block.cache_point.is_some() {
                    mark_cache_point(&mut parts);
                } else if let Some(part) = media_part(block, &path)? {
                    parts.push(part);
                }
            }
            if parts.is_empty() {
                return Ok(());
            }
            let simple = parts
                .iter()
                .all(|p| p.kind == ContentPartType::Text && p.extra.is_empty());
            let content = if simple {
                MessageContent::Text(parts.into_iter().filter_map(|p| p.text).collect())
            } else {
                MessageContent::Parts(parts)
            };
            let mut user = ChatMessage::text(Role::User, String::new());
            user.content = Some(content);
            out.push(user);
        }
        "assistant" => {
            let mut text = String::new();
            let mut calls = Vec::new();
            let mut details = Vec::new();
            let mut reasoning = String::new();
            for block in &msg.content {
                if let Some(t) = &block.text {
                    text.push_str(t);
                }
                if let Some(tool) = &block.tool_use {
                    calls.push(ToolCall {
                        id: tool.tool_use_id.clone(),
                        kind: "function".to_owned(),
                        function: FunctionCall {
                            name: tool.name.clone(),
                            arguments: match &tool.input {
                                Value::Null => "{}".to_owned(),
                                v => v.to_string(),
                            },
                        },
                        extra: ExtraMap::new(),
                    });
                }
                if let Some(r) = &block.reasoning_content {
                    let index = Some(details.len() as u32);
                    if let Some(rt) = &r.reasoning_text {
                        reasoning.push_str(&rt.text);
                        details.push(ReasoningDetail {
                            kind: "reasoning.text".to_owned(),
                            text: Some(rt.text.clone()),
                            signature: rt.signature.clone(),
                            index,
                            ..ReasoningDetail::default()
                        });
                    } else if let Some(data) = &r.redacted_content {
                        details.push(ReasoningDetail {
                            kind: "reasoning.encrypted".to_owned(),
                            data: Some(data.clone()),
                            index,
                            ..ReasoningDetail::default()
                        });
                    }
                }
            }
            let mut assistant = ChatMessage::text(Role::Assistant, text);
            if !calls.is_empty() {
                assistant.tool_calls = Some(calls);
            }
            if !details.is_empty() {
                assistant.reasoning_details = Some(details);
                if !reasoning.is_empty() {
                    assistant.reasoning = Some(reasoning);
                }
            }
            out.push(assistant);
        }
        other => {
            return Err(invalid(format!(
                "messages.{i}.role: {other:?} is not one of user, assistant"
            )));
        }
    }
    Ok(())
}

/// Turns a request built by [`to_chat_request`] into what a provider of another family accepts:
/// the Bedrock-only fields are dropped, except `top_k` of `additionalModelRequestFields`, and
/// reasoning blocks (whose signatures only the model that wrote them can verify) leave the
/// history.
pub fn adapt_for_other_provider(req: &mut ChatRequest) {
    let top_k = req
        .extra
        .get("additionalModelRequestFields")
        .and_then(|f| f.get("top_k"))
        .cloned();
    for name in NATIVE_FIELDS {
        req.extra.shift_remove(*name);
    }
    if let Some(k) = top_k {
        req.extra.insert("top_k".to_owned(), k);
    }
    for msg in &mut req.messages {
        msg.reasoning_details = None;
        msg.reasoning = None;
        msg.extra.shift_remove("is_error");
        if let Some(MessageContent::Parts(parts)) = &mut msg.content {
            for part in parts {
                part.extra.shift_remove("cache_control");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> ConverseRequest {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_conversation_with_tools_translates() {
        let req = parse(json!({
            "system": [{"text": "Be brief."}],
            "messages": [
                {"role": "user", "content": [{"text": "Weather in Paris?"}]},
                {"role": "assistant", "content": [
                    {"text": "Checking."},
                    {"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"location": "Paris"}}}
                ]},
                {"role": "user", "content": [
                    {"toolResult": {"toolUseId": "t1", "content": [{"json": {"temp": 21}}]}},
                    {"toolResult": {"toolUseId": "t2", "content": [{"text": "boom"}], "status": "error"}},
                    {"text": "Thanks"}
                ]}
            ],
            "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "stopSequences": ["END"]},
            "toolConfig": {
                "tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}}],
                "toolChoice": {"any": {}}
            },
            "additionalModelRequestFields": {"top_k": 5}
        }));
        let chat = to_chat_request(req, "openai/gpt-4o", false).unwrap();
        let v = serde_json::to_value(&chat).unwrap();
        assert_eq!(
            v["messages"][0],
            json!({"role": "system", "content": "Be brief."})
        );
        assert_eq!(
            v["messages"][2]["tool_calls"][0]["function"]["arguments"],
            r#"{"location":"Paris"}"#
        );
        assert_eq!(
            v["messages"][3],
            json!({"role": "tool", "content": "{\"temp\":21}", "tool_call_id": "t1"})
        );
        assert_eq!(v["messages"][4]["is_error"], true);
        assert_eq!(
            v["messages"][5],
            json!({"role": "user", "content": "Thanks"})
        );
        // Back to Bedrock, the failed result keeps its status.
        let (native, _) =
            crate::providers::bedrock::request::to_converse_request(&chat, "anthropic.claude")
                .unwrap();
        let back = serde_json::to_value(&native).unwrap();
        let results = &back["messages"][2]["content"];
        assert_eq!(results[1]["toolResult"]["status"], "error");
        assert!(results[0]["toolResult"].get("status").is_none());
        assert_eq!(v["max_completion_tokens"], 100);
        assert_eq!(v["stop"], json!(["END"]));
        assert_eq!(v["tool_choice"], "required");
        assert_eq!(v["tools"][0]["function"]["name"], "get_weather");
        let mut chat = chat;
        adapt_for_other_provider(&mut chat);
        let v = serde_json::to_value(&chat).unwrap();
        assert_eq!(v["top_k"], 5);
        assert!(v.get("additionalModelRequestFields").is_none());
    }

    #[test]
    fn images_and_cache_points_become_parts() {
        let req = parse(json!({
            "system": [{"text": "sys"}, {"cachePoint": {"type": "default"}}],
            "messages": [{"role": "user", "content": [
                {"text": "what is this"},
                {"image": {"format": "png", "source": {"bytes": "AAAA"}}}
            ]}]
        }));
        let chat = to_chat_request(req, "m", true).unwrap();
        let v = serde_json::to_value(&chat).unwrap();
        assert_eq!(
            v["messages"][0]["content"][0]["cache_control"]["type"],
            "ephemeral"
        );
        assert_eq!(
            v["messages"][1]["content"][1]["image_url"]["url"],
            "data:image/png;base64,AAAA"
        );
        assert_eq!(v["stream"], true);
        assert_eq!(v["stream_options"]["include_usage"], true);
    }

    #[test]
    fn bad_roles_and_empty_conversations_are_rejected() {
        let err = to_chat_request(parse(json!({"messages": []})), "m", false).unwrap_err();
        assert_eq!(err.status(), 400);
        let err = to_chat_request(
            parse(json!({"messages": [{"role": "system", "content": [{"text": "x"}]}]})),
            "m",
            false,
        )
        .unwrap_err();
        assert!(err.message().contains("role"), "{}", err.message());
    }
}
