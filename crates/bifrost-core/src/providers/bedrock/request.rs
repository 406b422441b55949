//! OpenAI-shaped chat requests -> Bedrock Converse requests.
//!
//! | OpenAI | Converse |
//! |---|---|
//! | `system` / `developer` messages | `system` text blocks (`cache_control` -> a `cachePoint` after) |
//! | `user` text, `image_url` (data URLs), `file` | `text`, `image` (bytes), `document` blocks |
//! | `assistant` `reasoning_details`, text, `tool_calls` | `reasoningContent`, `text`, `toolUse` blocks |
//! | consecutive `tool` messages | one `user` message of `toolResult` blocks (JSON objects as `json`; `is_error` -> `status: error`) |
//! | `max_completion_tokens` / `max_tokens`, `temperature`, `top_p`, `stop` | `inferenceConfig` |
//! | `tools`, `tool_choice` `auto` / `required` / named | `toolConfig` with `auto` / `any` / `tool` |
//! | `response_format` `json_schema` / `json_object` | a forced tool whose input is the answer |
//! | `reasoning.max_tokens` / `reasoning_effort` (Anthropic models) | `additionalModelRequestFields.thinking` |
//! | extra `additionalModelRequestFields`, `top_k`, `guardrailConfig`, `performanceConfig`, `promptVariables`, `requestMetadata`, `additionalModelResponseFieldPaths`, `serviceTier` / `service_tier` | passed through |
//!
//! Messages of the same role that follow each other are merged, because Converse requires
//! alternating roles. Bedrock cannot fetch images by URL, so `http(s)` image URLs are rejected
//! with a clear error instead of being dropped.

use serde_json::{Map, Value, json};

use super::types::{
    BytesSource, ContentBlock, ConverseRequest, DocumentBlock, ImageBlock, InferenceConfig,
    InputSchema, Message, NamedTool, ReasoningContentBlock, ReasoningText, SystemContentBlock,
    Tool, ToolChoice, ToolConfig, ToolResultBlock, ToolSpec, ToolUseBlock,
};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPart, ContentPartType, ExtraMap, MessageContent, Role,
    ToolChoice as OpenAiToolChoice,
};

/// Name of the forced tool used for `response_format: json_object` (no schema given).
pub const JSON_OBJECT_TOOL: &str = "json_response";

/// What the answer's translation needs to know about how the request was built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConverseOptions {
    /// The forced tool that carries structured output: its input is the answer's content.
    pub structured_tool: Option<String>,
}

fn invalid(message: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(message)
}

/// True for Anthropic models (model ids, inference profiles and ARNs that name them).
pub fn is_anthropic_model(model: &str) -> bool {
    model.contains("anthropic.") || model.contains("claude")
}

/// Builds the Converse request for `req` sent to `model`.
pub fn to_converse_request(
    req: &ChatRequest,
    model: &str,
) -> Result<(ConverseRequest, ConverseOptions), BifrostError> {
    let (system, messages) = convert_messages(&req.messages)?;
    let mut out = ConverseRequest {
        messages,
        system,
        ..ConverseRequest::default()
    };
    let inference = InferenceConfig {
        max_tokens: req.output_token_limit(),
        temperature: req.temperature,
        top_p: req.top_p,
        stop_sequences: req.stop.as_ref().map(|s| s.to_vec()),
    };
    if inference != InferenceConfig::default() {
        out.inference_config = Some(inference);
    }
    let mut opts = ConverseOptions::default();
    out.tool_config = tool_config(req, &out.messages, &mut opts)?;
    out.additional_model_request_fields = additional_fields(req, model, &mut out)?;
    passthrough(&req.extra, &mut out);
    Ok((out, opts))
}

// ---- messages ----------------------------------------------------------------------------

fn convert_messages(
    messages: &[ChatMessage],
) -> Result<(Vec<SystemContentBlock>, Vec<Message>), BifrostError> {
    let mut system = Vec::new();
    let mut out: Vec<Message> = Vec::with_capacity(messages.len());
    for (i, msg) in messages.iter().enumerate() {
        let (role, blocks) = match msg.role {
            Role::System | Role::Developer => {
                system.extend(system_blocks(msg, i)?);
                continue;
            }
            Role::User => ("user", user_blocks(msg, i)?),
            Role::Assistant => ("assistant", assistant_blocks(msg, i)?),
            Role::Tool => ("user", vec![tool_result(msg, i)?]),
            Role::Function => {
                return Err(invalid(format!(
                    "messages[{i}]: role \"function\" is not supported by Bedrock; use tool messages"
                )));
            }
        };
        if blocks.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => out.push(Message {
                role: role.to_owned(),
                content: blocks,
            }),
        }
    }
    Ok((system, out))
}

fn has_cache_control(extra: &ExtraMap) -> bool {
    extra.get("cache_control").is_some_and(|v| !v.is_null())
}

fn system_blocks(msg: &ChatMessage, i: usize) -> Result<Vec<SystemContentBlock>, BifrostError> {
    let text = |t: &str| SystemContentBlock {
        text: Some(t.to_owned()),
        ..SystemContentBlock::default()
    };
    let mut out = Vec::new();
    match &msg.content {
        None => {}
        Some(MessageContent::Text(t)) if t.is_empty() => {}
        Some(MessageContent::Text(t)) => out.push(text(t)),
        Some(MessageContent::Parts(parts)) => {
            for part in parts {
                match (&part.kind, &part.text) {
                    (ContentPartType::Text, Some(t)) => {
                        if !t.is_empty() {
                            out.push(text(t));
                        }
                        if has_cache_control(&part.extra) {
                            out.push(SystemContentBlock {
                                cache_point: Some(Default::default()),
                                ..SystemContentBlock::default()
                            });
                        }
                    }
                    _ => {
                        return Err(invalid(format!(
                            "messages[{i}]: system messages sent to Bedrock may only contain text"
                        )));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn push_text(out: &mut Vec<ContentBlock>, text: &str) {
    // Bedrock rejects blank text blocks.
    if !text.is_empty() {
        out.push(ContentBlock::text(text));
    }
}

fn user_blocks(msg: &ChatMessage, i: usize) -> Result<Vec<ContentBlock>, BifrostError> {
    let mut out = Vec::new();
    match &msg.content {
        None => {}
        Some(MessageContent::Text(t)) => push_text(&mut out, t),
        Some(MessageContent::Parts(parts)) => {
            for (j, part) in parts.iter().enumerate() {
                part_blocks(part, &format!("messages[{i}].content[{j}]"), &mut out)?;
            }
        }
    }
    Ok(out)
}

fn part_blocks(
    part: &ContentPart,
    path: &str,
    out: &mut Vec<ContentBlock>,
) -> Result<(), BifrostError> {
    match &part.kind {
        ContentPartType::Text => push_text(out, part.text.as_deref().unwrap_or_default()),
        ContentPartType::Refusal => push_text(out, part.refusal.as_deref().unwrap_or_default()),
        ContentPartType::ImageUrl => {
            let url = part
                .image_url
                .as_ref()
                .ok_or_else(|| invalid(format!("{path}: image_url part without image_url")))?;
            let Some((media, data)) = url.as_data_url() else {
                return Err(invalid(format!(
                    "{path}: Bedrock does not fetch images by URL; send the image inline as a \
                     data URL (data:image/png;base64,...)"
                ))
                .with_code("unsupported_image_url"));
            };
            out.push(ContentBlock {
                image: Some(ImageBlock {
                    format: image_format(media, path)?.to_owned(),
                    source: BytesSource {
                        bytes: Some(data.to_owned()),
                        ..BytesSource::default()
                    },
                }),
                ..ContentBlock::default()
            });
        }
        ContentPartType::File => out.push(document_block(part, path)?),
        ContentPartType::InputAudio => {
            return Err(invalid(format!(
                "{path}: audio input is not supported by the Bedrock Converse API"
            )));
        }
        ContentPartType::Other(kind) => {
            return Err(invalid(format!(
                "{path}: content part type {kind:?} is not supported by Bedrock"
            )));
        }
    }
    if has_cache_control(&part.extra) {
        out.push(ContentBlock::cache_point());
    }
    Ok(())
}

fn image_format(media: &str, path: &str) -> Result<&'static str, BifrostError> {
    Ok(match media {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpeg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        other => {
            return Err(invalid(format!(
                "{path}: image type {other:?} is not supported by Bedrock (png, jpeg, gif, webp)"
            )));
        }
    })
}

const DOCUMENT_FORMATS: &[&str] = &[
    "pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md",
];

fn document_format(media: Option<&str>, filename: Option<&str>) -> &'static str {
    let by_media = media.and_then(|m| {
        Some(match m {
            "application/pdf" => "pdf",
            "text/csv" => "csv",
            "application/msword" => "doc",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
            "application/vnd.ms-excel" => "xls",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
            "text/html" => "html",
            "text/plain" => "txt",
            "text/markdown" => "md",
            _ => return None,
        })
    });
    let by_name = || {
        let ext = filename?.rsplit_once('.')?.1.to_ascii_lowercase();
        DOCUMENT_FORMATS.iter().copied().find(|f| *f == ext)
    };
    by_media.or_else(by_name).unwrap_or("pdf")
}

/// A document name Bedrock accepts: letters, digits, single spaces, hyphens, parentheses and
/// square brackets.
fn document_name(filename: Option<&str>) -> String {
    let stem = filename
        .map(|f| f.rsplit_once('.').map_or(f, |(stem, _)| stem))
        .unwrap_or_default();
    let mut name = String::with_capacity(stem.len());
    for c in stem.chars() {
        let c = if c.is_ascii_alphanumeric() || "-()[] ".contains(c) {
            c
        } else {
            '_'
        };
        if !(c == ' ' && name.ends_with(' ')) {
            name.push(c);
        }
    }
    let name = name.trim().to_owned();
    if name.is_empty() {
        "document".to_owned()
    } else {
        name
    }
}

fn document_block(part: &ContentPart, path: &str) -> Result<ContentBlock, BifrostError> {
    let file = part
        .file
        .as_ref()
        .ok_or_else(|| invalid(format!("{path}: file part without file")))?;
    let Some(data) = file.file_data.as_deref() else {
        return Err(invalid(format!(
            "{path}: Bedrock needs the file's content inline (file_data); uploaded file ids are not supported"
        )));
    };
    let (media, bytes) = match data.strip_prefix("data:").and_then(|r| r.split_once(',')) {
        Some((meta, b64)) => (Some(meta.trim_end_matches(";base64")), b64),
        None => (None, data),
    };
    Ok(ContentBlock {
        document: Some(DocumentBlock {
            format: document_format(media, file.filename.as_deref()).to_owned(),
            name: document_name(file.filename.as_deref()),
            source: BytesSource {
                bytes: Some(bytes.to_owned()),
                ..BytesSource::default()
            },
        }),
        ..ContentBlock::default()
    })
}

fn assistant_blocks(msg: &ChatMessage, i: usize) -> Result<Vec<ContentBlock>, BifrostError> {
    let mut out = Vec::new();
    // Reasoning goes first: models that verify it (Anthropic) expect it before the answer.
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
        out.push(ContentBlock {
            reasoning_content: Some(block),
            ..ContentBlock::default()
        });
    }
    match &msg.content {
        None => {}
        Some(MessageContent::Text(t)) => push_text(&mut out, t),
        Some(MessageContent::Parts(parts)) => {
            for (j, part) in parts.iter().enumerate() {
                part_blocks(part, &format!("messages[{i}].content[{j}]"), &mut out)?;
            }
        }
    }
    for (j, call) in msg.tool_calls.iter().flatten().enumerate() {
        let args = call.function.arguments.trim();
        let input = if args.is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(args).map_err(|e| {
                invalid(format!(
                    "messages[{i}].tool_calls[{j}].function.arguments is not valid JSON: {e}"
                ))
            })?
        };
        out.push(ContentBlock {
            tool_use: Some(ToolUseBlock {
                tool_use_id: call.id.clone(),
                name: call.function.name.clone(),
                input,
            }),
            ..ContentBlock::default()
        });
    }
    Ok(out)
}

fn tool_result(msg: &ChatMessage, i: usize) -> Result<ContentBlock, BifrostError> {
    let id = msg
        .tool_call_id
        .clone()
        .ok_or_else(|| invalid(format!("messages[{i}]: tool message without tool_call_id")))?;
    let mut content = Vec::new();
    match &msg.content {
        None => {}
        Some(MessageContent::Text(t)) => match serde_json::from_str::<Value>(t) {
            Ok(v @ Value::Object(_)) => content.push(ContentBlock {
                json: Some(v),
                ..ContentBlock::default()
            }),
            _ => push_text(&mut content, t),
        },
        Some(MessageContent::Parts(parts)) => {
            for (j, part) in parts.iter().enumerate() {
                part_blocks(part, &format!("messages[{i}].content[{j}]"), &mut content)?;
            }
        }
    }
    Ok(ContentBlock {
        tool_result: Some(ToolResultBlock {
            tool_use_id: id,
            content,
            // Drop-in routes mark failed tool runs with `is_error` (Anthropic's and Bedrock's own).
            status: (msg.extra.get("is_error") == Some(&Value::Bool(true)))
                .then(|| "error".to_owned()),
        }),
        ..ContentBlock::default()
    })
}

// ---- tools -------------------------------------------------------------------------------

fn empty_object_schema() -> Value {
    json!({"type": "object", "properties": {}})
}

fn tool_spec(tool: &crate::schemas::Tool, i: usize) -> Result<Tool, BifrostError> {
    let function = match (tool.kind.as_str(), &tool.function) {
        ("function", Some(f)) => f,
        _ => {
            return Err(invalid(format!(
                "tools[{i}]: only function tools are supported by Bedrock"
            )));
        }
    };
    Ok(Tool {
        tool_spec: Some(ToolSpec {
            name: function.name.clone(),
            description: function.description.clone(),
            input_schema: InputSchema {
                json: function
                    .parameters
                    .clone()
                    .unwrap_or_else(empty_object_schema),
            },
        }),
        cache_point: None,
    })
}

/// The forced tool that carries `response_format`, if any: (name, description, schema).
fn structured_output(req: &ChatRequest) -> Option<(String, Option<String>, Value)> {
    let format = req.response_format.as_ref()?;
    match format.kind.as_str() {
        "json_schema" => {
            let schema = format.json_schema.as_ref()?;
            Some((
                schema.name.clone(),
                schema.description.clone(),
                schema
                    .schema
                    .clone()
                    .unwrap_or_else(|| json!({"type": "object"})),
            ))
        }
        "json_object" => Some((JSON_OBJECT_TOOL.to_owned(), None, json!({"type": "object"}))),
        _ => None,
    }
}

fn history_has_tools(messages: &[Message]) -> bool {
    messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| b.tool_use.is_some() || b.tool_result.is_some())
}

fn tool_config(
    req: &ChatRequest,
    messages: &[Message],
    opts: &mut ConverseOptions,
) -> Result<Option<ToolConfig>, BifrostError> {
    let mut tools = req
        .tools
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| tool_spec(t, i))
        .collect::<Result<Vec<_>, _>>()?;
    let mut choice = match &req.tool_choice {
        None => None,
        Some(OpenAiToolChoice::Mode(mode)) => match mode.as_str() {
            "auto" => Some(ToolChoice {
                auto: Some(Map::new()),
                ..ToolChoice::default()
            }),
            "required" => Some(ToolChoice {
                any: Some(Map::new()),
                ..ToolChoice::default()
            }),
            "none" => {
                // Converse has no "none": offer no tools, unless the history holds tool calls,
                // which Bedrock only accepts with the tools defined.
                if !history_has_tools(messages) {
                    tools.clear();
                }
                None
            }
            other => {
                return Err(invalid(format!(
                    "tool_choice {other:?} is not one of none, auto, required"
                )));
            }
        },
        Some(OpenAiToolChoice::Named(named)) => Some(ToolChoice {
            tool: Some(NamedTool {
                name: named.function.name.clone(),
            }),
            ..ToolChoice::default()
        }),
    };
    if let Some((name, description, schema)) = structured_output(req) {
        tools.insert(
            0,
            Tool {
                tool_spec: Some(ToolSpec {
                    name: name.clone(),
                    description: Some(description.unwrap_or_else(|| {
                        "Answer with a JSON document matching this schema".to_owned()
                    })),
                    input_schema: InputSchema { json: schema },
                }),
                cache_point: None,
            },
        );
        choice = Some(ToolChoice {
            tool: Some(NamedTool { name: name.clone() }),
            ..ToolChoice::default()
        });
        opts.structured_tool = Some(name);
    }
    if tools.is_empty() && history_has_tools(messages) {
        // Bedrock rejects toolUse/toolResult blocks without a toolConfig: declare the tools the
        // history used.
        let mut names: Vec<&str> = Vec::new();
        for block in messages.iter().flat_map(|m| &m.content) {
            if let Some(t) = &block.tool_use
                && !names.contains(&t.name.as_str())
            {
                names.push(&t.name);
            }
        }
        tools = names
            .into_iter()
            .map(|name| Tool {
                tool_spec: Some(ToolSpec {
                    name: name.to_owned(),
                    description: None,
                    input_schema: InputSchema {
                        json: empty_object_schema(),
                    },
                }),
                cache_point: None,
            })
            .collect();
        choice = None;
    }
    if tools.is_empty() {
        return Ok(None);
    }
    Ok(Some(ToolConfig {
        tools,
        tool_choice: choice,
    }))
}

// ---- model-specific fields ---------------------------------------------------------------

fn thinking_budget(req: &ChatRequest) -> Option<u32> {
    if let Some(n) = req.reasoning.as_ref().and_then(|r| r.max_tokens) {
        return Some(n);
    }
    let effort = req
        .reasoning_effort
        .as_deref()
        .or_else(|| req.reasoning.as_ref().and_then(|r| r.effort.as_deref()))?;
    match effort {
        "minimal" | "low" => Some(1024),
        "medium" => Some(4096),
        "high" => Some(16384),
        _ => None,
    }
}

fn additional_fields(
    req: &ChatRequest,
    model: &str,
    out: &mut ConverseRequest,
) -> Result<Option<Value>, BifrostError> {
    let mut fields = match req.extra.get("additionalModelRequestFields") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(invalid("additionalModelRequestFields must be an object")),
    };
    if let Some(top_k) = req.extra.get("top_k")
        && !fields.contains_key("top_k")
    {
        fields.insert("top_k".to_owned(), top_k.clone());
    }
    if is_anthropic_model(model)
        && !fields.contains_key("thinking")
        && let Some(budget) = thinking_budget(req)
    {
        fields.insert(
            "thinking".to_owned(),
            json!({"type": "enabled", "budget_tokens": budget}),
        );
        // Anthropic requires max_tokens above the thinking budget.
        let config = out.inference_config.get_or_insert_with(Default::default);
        if config.max_tokens.is_none() {
            config.max_tokens = Some(budget.saturating_add(4096));
        }
    }
    Ok((!fields.is_empty()).then_some(Value::Object(fields)))
}

fn passthrough(extra: &ExtraMap, out: &mut ConverseRequest) {
    let get = |k: &str| extra.get(k).filter(|v| !v.is_null()).cloned();
    out.guardrail_config = get("guardrailConfig");
    out.performance_config = get("performanceConfig");
    out.prompt_variables = get("promptVariables");
    out.request_metadata = get("requestMetadata");
    out.additional_model_response_field_paths =
        get("additionalModelResponseFieldPaths").and_then(|v| serde_json::from_value(v).ok());
    out.service_tier = get("serviceTier").or_else(|| match extra.get("service_tier") {
        Some(Value::String(tier)) => Some(json!({"type": tier})),
        _ => None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_names_are_sanitized() {
        assert_eq!(
            document_name(Some("Q3 report (final).pdf")),
            "Q3 report (final)"
        );
        assert_eq!(document_name(Some("a.b.c/../x.txt")), "a_b_c____x");
        assert_eq!(document_name(Some("  ")), "document");
        assert_eq!(document_name(None), "document");
        assert_eq!(document_format(None, Some("notes.MD")), "md");
        assert_eq!(document_format(Some("text/csv"), Some("x.pdf")), "csv");
    }

    #[test]
    fn same_role_messages_are_merged() {
        let req: ChatRequest = serde_json::from_value(json!({
            "model": "m",
            "messages": [
                {"role": "user", "content": "a"},
                {"role": "user", "content": "b"},
                {"role": "assistant", "content": "c"}
            ]
        }))
        .unwrap();
        let (out, _) = to_converse_request(&req, "amazon.nova-pro-v1:0").unwrap();
        assert_eq!(out.messages.len(), 2);
        assert_eq!(out.messages[0].content.len(), 2);
    }

    #[test]
    fn image_urls_are_rejected_with_a_clear_error() {
        let req: ChatRequest = serde_json::from_value(json!({
            "model": "m",
            "messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
            ]}]
        }))
        .unwrap();
        let err = to_converse_request(&req, "m").unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("data URL"), "{}", err.message());
    }
}
