//! Unified (OpenAI-shaped) chat requests -> Anthropic Messages API requests.
//!
//! | unified | Anthropic |
//! |---|---|
//! | `system` / `developer` messages (anywhere) | `system`: a string, or text blocks when there are several or a `cache_control` |
//! | `user` content parts | `text` (with `cache_control` and `citations`), `image` (`data:` URL -> `base64`, `http(s)` URL -> `url`), `document` (`file`) blocks; unknown part types pass through as native blocks |
//! | `assistant` `reasoning_details` | `thinking` (`reasoning.text` + signature) and `redacted_thinking` (`reasoning.encrypted`) blocks, first |
//! | `assistant` `tool_calls` | `tool_use` blocks (arguments parsed into `input`) |
//! | consecutive `tool` messages (and a `user` message right after them) | one `user` turn of `tool_result` blocks (then the user's blocks) |
//! | `tools` (function) | `{name, description, input_schema, strict}`; other tool types pass through |
//! | `tool_choice` auto / none / required / named | `auto` / `none` / `any` / `tool`; `parallel_tool_calls: false` -> `disable_parallel_tool_use` |
//! | `max_completion_tokens`, else `max_tokens`, else [`DEFAULT_MAX_TOKENS`] | `max_tokens` (required by Anthropic) |
//! | `reasoning.max_tokens` | `thinking.budget_tokens` (raised to [`MIN_THINKING_BUDGET`]) |
//! | `reasoning.effort` / `reasoning_effort` | `thinking.budget_tokens` as a share of `max_tokens` (`none` turns thinking off) |
//! | `response_format` `json_schema` | `output_config.format` (Anthropic's native structured output) |
//! | `stop` | `stop_sequences` |
//! | `metadata.user_id`, else `user` | `metadata.user_id` |
//! | `service_tier` `auto`/`priority` / `default`/`flex` | `auto` / `standard_only` |
//! | extra `top_k`, `thinking` (a native object wins over `reasoning`), `output_config` | the same fields |
//! | extra fields in [`FORWARDED_FIELDS`] (`container`, `mcp_servers`, ...) | forwarded as they are |
//!
//! Dropped, because the Messages API has no equivalent: `presence_penalty`, `frequency_penalty`,
//! `logit_bias`, `logprobs`, `top_logprobs`, `seed`, `response_format: json_object`, message
//! `name`s, other `metadata` keys, reasoning text without a signature (Anthropic refuses unsigned
//! thinking blocks) and extra fields not listed in [`FORWARDED_FIELDS`] (Anthropic rejects unknown
//! fields). `n > 1` and audio input are refused with a 400.

use serde_json::{Value, json};

use super::types::{
    Content, ContentBlock, CountTokensRequest as NativeCountTokens, Message, MessagesRequest,
    Metadata, Source, Thinking, Tool as NativeTool, ToolChoice as NativeToolChoice,
};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPart, ContentPartType, CountTokensRequest, ExtraMap,
    MessageContent, ReasoningDetail, Role, Tool, ToolChoice,
};

/// `max_tokens` sent when the caller set no output limit (Anthropic requires one).
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// Anthropic's smallest thinking budget.
pub const MIN_THINKING_BUDGET: u32 = 1024;

/// Extra request fields that are Anthropic request parameters and are forwarded unchanged.
pub const FORWARDED_FIELDS: &[&str] = &[
    "container",
    "context_management",
    "mcp_servers",
    "inference_geo",
    "cache_control",
    "output_format",
];

fn invalid(message: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(message)
}

/// Translates a chat request into a Messages API request for `model`.
pub fn to_messages_request(
    req: &ChatRequest,
    model: &str,
    stream: bool,
) -> Result<MessagesRequest, BifrostError> {
    if req.n.is_some_and(|n| n > 1) {
        return Err(invalid(
            "n > 1 is not supported by anthropic: the Messages API returns one choice",
        )
        .with_param("n"));
    }
    let (system, messages) = convert_messages(&req.messages)?;
    let explicit_limit = req.output_token_limit();
    let thinking = thinking_config(req, explicit_limit.unwrap_or(DEFAULT_MAX_TOKENS))?;
    let max_tokens = max_tokens_for(explicit_limit, thinking.as_ref())?;
    let mut out = MessagesRequest {
        model: model.to_owned(),
        max_tokens,
        messages,
        system,
        stop_sequences: req
            .stop
            .as_ref()
            .map(|s| s.to_vec())
            .filter(|s| !s.is_empty()),
        stream: stream.then_some(true),
        temperature: req.temperature,
        top_p: req.top_p,
        top_k: req.extra.get("top_k").and_then(Value::as_u64),
        tools: req.tools.as_deref().map(convert_tools).transpose()?,
        tool_choice: convert_tool_choice(req.tool_choice.as_ref(), req.parallel_tool_calls),
        thinking,
        metadata: metadata(req),
        output_config: output_config(req),
        service_tier: req
            .extra
            .get("service_tier")
            .and_then(Value::as_str)
            .map(map_service_tier),
        extra: ExtraMap::new(),
    };
    for field in FORWARDED_FIELDS {
        if let Some(v) = req.extra.get(*field) {
            out.extra.insert((*field).to_owned(), v.clone());
        }
    }
    Ok(out)
}

/// Translates a count tokens request (messages and tools) for `model`.
pub fn to_count_tokens_request(
    req: &CountTokensRequest,
    model: &str,
) -> Result<NativeCountTokens, BifrostError> {
    let (system, messages) = convert_messages(&req.messages)?;
    let mut extra = ExtraMap::new();
    for field in [
        "tool_choice",
        "thinking",
        "mcp_servers",
        "context_management",
    ] {
        if let Some(v) = req.extra.get(field) {
            extra.insert(field.to_owned(), v.clone());
        }
    }
    Ok(NativeCountTokens {
        model: model.to_owned(),
        messages,
        system,
        tools: req.tools.as_deref().map(convert_tools).transpose()?,
        extra,
    })
}

/// OpenAI service tiers -> Anthropic's `auto` / `standard_only`; native values pass through.
pub fn map_service_tier(tier: &str) -> String {
    match tier {
        "auto" | "priority" => "auto",
        "default" | "flex" | "standard" => "standard_only",
        other => other,
    }
    .to_owned()
}

fn metadata(req: &ChatRequest) -> Option<Metadata> {
    let user_id = req
        .metadata
        .as_ref()
        .and_then(|m| m.get("user_id"))
        .and_then(Value::as_str)
        .or(req.user.as_deref())?;
    Some(Metadata {
        user_id: Some(user_id.to_owned()),
    })
}

fn output_config(req: &ChatRequest) -> Option<Value> {
    let mut config = req
        .extra
        .get("output_config")
        .and_then(Value::as_object)
        .cloned();
    let schema = req
        .response_format
        .as_ref()
        .filter(|f| f.kind == "json_schema")
        .and_then(|f| f.json_schema.as_ref())
        .and_then(|s| s.schema.clone());
    if let Some(schema) = schema {
        config.get_or_insert_with(ExtraMap::new).insert(
            "format".to_owned(),
            json!({"type": "json_schema", "schema": schema}),
        );
    }
    config.map(Value::Object)
}

/// The thinking configuration: a native `thinking` object from the caller wins, then
/// `reasoning.max_tokens`, then an effort level.
fn thinking_config(req: &ChatRequest, max_tokens: u32) -> Result<Option<Thinking>, BifrostError> {
    if let Some(native) = req.extra.get("thinking") {
        let t: Thinking = serde_json::from_value(native.clone()).map_err(|e| {
            invalid(format!(
                "thinking is not a valid Anthropic thinking object: {e}"
            ))
            .with_param("thinking")
        })?;
        return Ok(Some(t));
    }
    let enabled = |budget: u32| Thinking {
        kind: "enabled".to_owned(),
        budget_tokens: Some(budget),
        extra: ExtraMap::new(),
    };
    if let Some(budget) = req.reasoning.as_ref().and_then(|r| r.max_tokens) {
        return Ok(Some(enabled(budget.max(MIN_THINKING_BUDGET))));
    }
    let effort = req
        .reasoning
        .as_ref()
        .and_then(|r| r.effort.as_deref())
        .or(req.reasoning_effort.as_deref());
    let Some(effort) = effort else {
        return Ok(None);
    };
    let share = match effort {
        "none" => return Ok(None),
        "minimal" => 0.025,
        "low" => 0.15,
        "high" => 0.8,
        _ => 0.425,
    };
    if max_tokens <= MIN_THINKING_BUDGET {
        return Err(invalid(format!(
            "reasoning needs max_tokens above {MIN_THINKING_BUDGET} for anthropic (thinking budgets start at {MIN_THINKING_BUDGET} tokens and must stay below max_tokens)"
        ))
        .with_param("max_tokens"));
    }
    let room = f64::from(max_tokens - MIN_THINKING_BUDGET);
    Ok(Some(enabled(MIN_THINKING_BUDGET + (share * room) as u32)))
}

/// `max_tokens`: the caller's limit (which must exceed the thinking budget), or the default,
/// raised above the budget when the caller set none.
fn max_tokens_for(explicit: Option<u32>, thinking: Option<&Thinking>) -> Result<u32, BifrostError> {
    let budget = thinking
        .filter(|t| t.kind == "enabled")
        .and_then(|t| t.budget_tokens);
    match (explicit, budget) {
        (Some(limit), Some(b)) if limit <= b => Err(invalid(format!(
            "max_tokens ({limit}) must be greater than the thinking budget ({b}) for anthropic"
        ))
        .with_param("max_tokens")),
        (Some(limit), _) => Ok(limit),
        (None, Some(b)) if b >= DEFAULT_MAX_TOKENS => Ok(b.saturating_add(DEFAULT_MAX_TOKENS)),
        (None, _) => Ok(DEFAULT_MAX_TOKENS),
    }
}

fn convert_tools(tools: &[Tool]) -> Result<Vec<NativeTool>, BifrostError> {
    tools.iter().map(convert_tool).collect()
}

fn convert_tool(tool: &Tool) -> Result<NativeTool, BifrostError> {
    if tool.kind == "function"
        && let Some(f) = &tool.function
    {
        return Ok(NativeTool {
            kind: None,
            name: f.name.clone(),
            description: f.description.clone(),
            input_schema: Some(
                f.parameters
                    .clone()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            ),
            strict: f.strict,
            cache_control: tool.extra.get("cache_control").cloned(),
            extra: ExtraMap::new(),
        });
    }
    // Anthropic server tools (`{"type":"web_search_20250305","name":"web_search",...}`).
    let value = serde_json::to_value(tool)
        .map_err(|e| BifrostError::internal(format!("cannot serialize a tool: {e}")))?;
    serde_json::from_value(value).map_err(|_| {
        invalid(format!(
            "tool of type {:?} needs a function definition or an Anthropic tool name",
            tool.kind
        ))
        .with_param("tools")
    })
}

fn convert_tool_choice(
    choice: Option<&ToolChoice>,
    parallel: Option<bool>,
) -> Option<NativeToolChoice> {
    let disable_parallel = (parallel == Some(false)).then_some(true);
    let (kind, name) = match choice {
        None if disable_parallel.is_some() => ("auto".to_owned(), None),
        None => return None,
        Some(ToolChoice::Mode(mode)) => match mode.as_str() {
            "required" => ("any".to_owned(), None),
            other => (other.to_owned(), None),
        },
        Some(ToolChoice::Named(named)) => ("tool".to_owned(), Some(named.function.name.clone())),
    };
    Some(NativeToolChoice {
        // `none` takes no other field.
        disable_parallel_tool_use: disable_parallel.filter(|_| kind != "none"),
        kind,
        name,
    })
}

/// Splits a conversation into Anthropic's `system` and `messages`.
pub fn convert_messages(
    messages: &[ChatMessage],
) -> Result<(Option<Content>, Vec<Message>), BifrostError> {
    let mut system: Vec<ContentBlock> = Vec::new();
    let mut out: Vec<Message> = Vec::with_capacity(messages.len());
    let mut i = 0;
    while i < messages.len() {
        let msg = &messages[i];
        match msg.role {
            Role::System | Role::Developer => system.extend(system_blocks(msg)?),
            Role::User => out.push(Message {
                role: "user".to_owned(),
                content: user_content(msg)?,
            }),
            Role::Assistant => {
                if let Some(content) = assistant_content(msg)? {
                    out.push(Message {
                        role: "assistant".to_owned(),
                        content,
                    });
                }
            }
            Role::Tool => {
                let mut results = Vec::new();
                while let Some(tool_msg) = messages.get(i).filter(|m| m.role == Role::Tool) {
                    results.push(tool_result(tool_msg)?);
                    i += 1;
                }
                // A user message right after the results belongs to the same user turn.
                if let Some(next) = messages.get(i).filter(|m| m.role == Role::User) {
                    let blocks = user_content(next)?.into_blocks().into_iter();
                    results.extend(
                        blocks.filter(|b| b.kind != "text" || b.text.as_deref() != Some("")),
                    );
                    i += 1;
                }
                out.push(Message {
                    role: "user".to_owned(),
                    content: Content::Blocks(results),
                });
                continue;
            }
            Role::Function => {
                return Err(invalid(
                    "legacy function messages are not supported by anthropic: use tool messages with tool_call_id",
                ));
            }
        }
        i += 1;
    }
    let system = match system.len() {
        0 => None,
        1 if system[0].cache_control.is_none() => {
            system.pop().and_then(|b| b.text).map(Content::Text)
        }
        _ => Some(Content::Blocks(system)),
    };
    Ok((system, out))
}

fn message_cache_control(msg: &ChatMessage) -> Option<Value> {
    msg.extra.get("cache_control").cloned()
}

fn system_blocks(msg: &ChatMessage) -> Result<Vec<ContentBlock>, BifrostError> {
    match &msg.content {
        None => Ok(Vec::new()),
        Some(MessageContent::Text(t)) if t.is_empty() => Ok(Vec::new()),
        Some(MessageContent::Text(t)) => Ok(vec![ContentBlock {
            cache_control: message_cache_control(msg),
            ..ContentBlock::text(t.clone())
        }]),
        Some(MessageContent::Parts(parts)) => parts
            .iter()
            .filter(|p| p.text.as_deref().is_none_or(|t| !t.is_empty()))
            .map(|p| match (&p.kind, &p.text) {
                (ContentPartType::Text, Some(t)) => Ok(ContentBlock {
                    cache_control: p.extra.get("cache_control").cloned(),
                    ..ContentBlock::text(t.clone())
                }),
                _ => Err(invalid(
                    "system and developer messages may contain only text parts for anthropic",
                )),
            })
            .collect(),
    }
}

fn user_content(msg: &ChatMessage) -> Result<Content, BifrostError> {
    match &msg.content {
        None => Ok(Content::Text(String::new())),
        Some(MessageContent::Text(t)) => Ok(match message_cache_control(msg) {
            Some(cc) => Content::Blocks(vec![ContentBlock {
                cache_control: Some(cc),
                ..ContentBlock::text(t.clone())
            }]),
            None => Content::Text(t.clone()),
        }),
        Some(MessageContent::Parts(parts)) => Ok(Content::Blocks(
            parts.iter().map(convert_part).collect::<Result<_, _>>()?,
        )),
    }
}

/// One content part -> one content block.
fn convert_part(part: &ContentPart) -> Result<ContentBlock, BifrostError> {
    let cache_control = part.extra.get("cache_control").cloned();
    let block = match &part.kind {
        ContentPartType::Text => {
            let mut block = ContentBlock::text(part.text.clone().unwrap_or_default());
            // Citations of a replayed assistant text block (the drop-in route keeps them).
            if let Some(citations) = part.extra.get("citations") {
                block
                    .extra
                    .insert("citations".to_owned(), citations.clone());
            }
            block
        }
        ContentPartType::Refusal => ContentBlock::text(
            part.refusal
                .clone()
                .or(part.text.clone())
                .unwrap_or_default(),
        ),
        ContentPartType::ImageUrl => {
            let image = part
                .image_url
                .as_ref()
                .ok_or_else(|| invalid("an image_url part needs image_url.url"))?;
            let source = match image.as_data_url() {
                Some((media, data)) => Source {
                    kind: "base64".to_owned(),
                    media_type: Some(media.to_owned()),
                    data: Some(data.to_owned()),
                    ..Source::default()
                },
                None => Source {
                    kind: "url".to_owned(),
                    url: Some(image.url.clone()),
                    ..Source::default()
                },
            };
            ContentBlock {
                kind: "image".to_owned(),
                source: Some(source),
                ..ContentBlock::default()
            }
        }
        ContentPartType::File => file_block(part)?,
        ContentPartType::InputAudio => {
            return Err(invalid("audio input is not supported by anthropic"));
        }
        ContentPartType::Other(_) => {
            // A native Anthropic block (document, search_result, ...): forwarded as it is.
            let value = serde_json::to_value(part)
                .map_err(|e| BifrostError::internal(format!("cannot serialize a part: {e}")))?;
            return serde_json::from_value(value)
                .map_err(|e| invalid(format!("content part is not a valid Anthropic block: {e}")));
        }
    };
    Ok(ContentBlock {
        cache_control,
        ..block
    })
}

fn file_block(part: &ContentPart) -> Result<ContentBlock, BifrostError> {
    let file = part
        .file
        .as_ref()
        .ok_or_else(|| invalid("a file part needs file.file_data or file.file_id"))?;
    let source = if let Some(data) = &file.file_data {
        let (media, data) = data
            .strip_prefix("data:")
            .and_then(|rest| rest.split_once(','))
            .and_then(|(meta, d)| meta.strip_suffix(";base64").map(|m| (m, d)))
            .unwrap_or(("application/pdf", data.as_str()));
        Source {
            kind: "base64".to_owned(),
            media_type: Some(media.to_owned()),
            data: Some(data.to_owned()),
            ..Source::default()
        }
    } else if let Some(id) = &file.file_id {
        Source {
            kind: "file".to_owned(),
            file_id: Some(id.clone()),
            ..Source::default()
        }
    } else {
        return Err(invalid("a file part needs file.file_data or file.file_id"));
    };
    let mut extra = ExtraMap::new();
    if let Some(name) = &file.filename {
        extra.insert("title".to_owned(), Value::String(name.clone()));
    }
    Ok(ContentBlock {
        kind: "document".to_owned(),
        source: Some(source),
        extra,
        ..ContentBlock::default()
    })
}

fn reasoning_block(detail: &ReasoningDetail) -> Option<ContentBlock> {
    match detail.kind.as_str() {
        // Anthropic verifies the signature: unsigned text cannot be replayed.
        "reasoning.text" => detail.signature.as_ref().map(|sig| ContentBlock {
            kind: "thinking".to_owned(),
            thinking: Some(detail.text.clone().unwrap_or_default()),
            signature: Some(sig.clone()),
            ..ContentBlock::default()
        }),
        "reasoning.encrypted" => detail.data.as_ref().map(|data| ContentBlock {
            kind: "redacted_thinking".to_owned(),
            data: Some(data.clone()),
            ..ContentBlock::default()
        }),
        _ => None,
    }
}

fn assistant_content(msg: &ChatMessage) -> Result<Option<Content>, BifrostError> {
    let mut blocks: Vec<ContentBlock> = msg
        .reasoning_details
        .iter()
        .flatten()
        .filter_map(reasoning_block)
        .collect();
    let has_tools = msg.tool_calls.as_ref().is_some_and(|c| !c.is_empty());
    match &msg.content {
        Some(MessageContent::Text(t)) if blocks.is_empty() && !has_tools => {
            return Ok(match message_cache_control(msg) {
                Some(cc) => Some(Content::Blocks(vec![ContentBlock {
                    cache_control: Some(cc),
                    ..ContentBlock::text(t.clone())
                }])),
                None if t.is_empty() => None,
                None => Some(Content::Text(t.clone())),
            });
        }
        Some(MessageContent::Text(t)) if !t.is_empty() => blocks.push(ContentBlock {
            cache_control: message_cache_control(msg),
            ..ContentBlock::text(t.clone())
        }),
        Some(MessageContent::Parts(parts)) => {
            for p in parts {
                if p.kind == ContentPartType::Text && p.text.as_deref().is_none_or(str::is_empty) {
                    continue;
                }
                blocks.push(convert_part(p)?);
            }
        }
        _ => {}
    }
    for call in msg.tool_calls.iter().flatten() {
        let args = call.function.arguments.trim();
        let input = if args.is_empty() {
            json!({})
        } else {
            serde_json::from_str(args).map_err(|e| {
                invalid(format!(
                    "tool call {} has arguments that are not valid JSON ({e}); anthropic needs a JSON object",
                    call.id
                ))
            })?
        };
        blocks.push(ContentBlock {
            kind: "tool_use".to_owned(),
            id: Some(call.id.clone()),
            name: Some(call.function.name.clone()),
            input: Some(input),
            cache_control: call.extra.get("cache_control").cloned(),
            ..ContentBlock::default()
        });
    }
    Ok((!blocks.is_empty()).then_some(Content::Blocks(blocks)))
}

fn tool_result(msg: &ChatMessage) -> Result<ContentBlock, BifrostError> {
    let id = msg
        .tool_call_id
        .clone()
        .ok_or_else(|| invalid("a tool message needs tool_call_id").with_param("tool_call_id"))?;
    let mut cache_control = message_cache_control(msg);
    let content = match &msg.content {
        None => None,
        Some(MessageContent::Text(t)) if t.is_empty() => None,
        Some(MessageContent::Text(t)) => Some(Content::Text(t.clone())),
        Some(MessageContent::Parts(parts)) => {
            let mut blocks = Vec::with_capacity(parts.len());
            for p in parts {
                let mut b = convert_part(p)?;
                // Anthropic accepts cache_control on the tool_result, not inside its content.
                if let Some(cc) = b.cache_control.take() {
                    cache_control.get_or_insert(cc);
                }
                blocks.push(b);
            }
            Some(Content::Blocks(blocks))
        }
    };
    Ok(ContentBlock {
        kind: "tool_result".to_owned(),
        tool_use_id: Some(id),
        content,
        is_error: msg.extra.get("is_error").and_then(Value::as_bool),
        cache_control,
        ..ContentBlock::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(v: Value) -> ChatRequest {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn max_tokens_default_and_thinking_budget() {
        let r = req(json!({"model":"m","messages":[{"role":"user","content":"hi"}]}));
        assert_eq!(
            to_messages_request(&r, "m", false).unwrap().max_tokens,
            4096
        );
        let r = req(
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],
            "reasoning":{"max_tokens":500}}),
        );
        let out = to_messages_request(&r, "m", false).unwrap();
        assert_eq!(out.thinking.unwrap().budget_tokens, Some(1024));
        let r = req(
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],
            "reasoning":{"max_tokens":8000}}),
        );
        assert_eq!(
            to_messages_request(&r, "m", false).unwrap().max_tokens,
            12096
        );
        let r = req(
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],
            "max_tokens":2000,"reasoning":{"max_tokens":3000}}),
        );
        let err = to_messages_request(&r, "m", false).unwrap_err();
        assert_eq!(err.status(), 400);
        let r = req(
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],
            "max_completion_tokens":2048,"reasoning_effort":"high"}),
        );
        let t = to_messages_request(&r, "m", false)
            .unwrap()
            .thinking
            .unwrap();
        assert_eq!(t.budget_tokens, Some(1024 + 819));
        let r = req(
            json!({"model":"m","messages":[{"role":"user","content":"hi"}],
            "reasoning_effort":"none"}),
        );
        assert!(
            to_messages_request(&r, "m", false)
                .unwrap()
                .thinking
                .is_none()
        );
    }

    #[test]
    fn refuses_what_cannot_be_translated() {
        let r = req(json!({"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]}));
        assert!(to_messages_request(&r, "m", false).is_err());
        let r = req(
            json!({"model":"m","messages":[{"role":"assistant","content":null,
            "tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}),
        );
        let err = to_messages_request(&r, "m", false).unwrap_err();
        assert!(
            err.message().contains("not valid JSON"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn tool_choice_forms() {
        let none =
            convert_tool_choice(Some(&ToolChoice::Mode("none".into())), Some(false)).unwrap();
        assert_eq!(none.kind, "none");
        assert_eq!(none.disable_parallel_tool_use, None);
        let auto = convert_tool_choice(None, Some(false)).unwrap();
        assert_eq!(
            (auto.kind.as_str(), auto.disable_parallel_tool_use),
            ("auto", Some(true))
        );
        assert!(convert_tool_choice(None, None).is_none());
        let any = convert_tool_choice(Some(&ToolChoice::Mode("required".into())), None).unwrap();
        assert_eq!(any.kind, "any");
    }

    #[test]
    fn service_tiers() {
        assert_eq!(map_service_tier("priority"), "auto");
        assert_eq!(map_service_tier("default"), "standard_only");
        assert_eq!(map_service_tier("standard_only"), "standard_only");
    }
}
