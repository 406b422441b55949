//! OpenAI-shaped requests → Gemini's `generateContent`, `countTokens` and embedding bodies.
//!
//! | OpenAI | Gemini |
//! |---|---|
//! | `system` / `developer` messages | `systemInstruction` (a conversation of only system messages becomes one user turn) |
//! | `user` | `user` turn: text, `inlineData` (data: URLs, audio, inline files), `fileData` (http(s)/gs:// URLs, file ids) |
//! | `assistant` | `model` turn: text, `functionCall` parts; signatures from `reasoning_details` go back as `thoughtSignature` |
//! | consecutive `tool` messages | one `user` turn of `functionResponse` parts, names looked up from the earlier tool calls |
//! | `tools` (functions) | `tools[0].functionDeclarations`, parameters cleaned by [`super::schema`] |
//! | `tool_choice` auto / none / required / named | `functionCallingConfig.mode` AUTO / NONE / ANY / ANY + `allowedFunctionNames` |
//! | `temperature`, `top_p`, `seed`, `presence_penalty`, `frequency_penalty` | same-named `generationConfig` fields |
//! | `top_k` (extra) | `topK` |
//! | `max_completion_tokens` / `max_tokens` | `maxOutputTokens` (Gemini's limit excludes thinking tokens) |
//! | `stop` | `stopSequences` |
//! | `n` | `candidateCount` |
//! | `logprobs` / `top_logprobs` | `responseLogprobs` / `logprobs` |
//! | `response_format` json_object / json_schema | `responseMimeType: application/json` (+ `responseSchema`) |
//! | `reasoning_effort` / `reasoning.effort` / `reasoning.max_tokens` | `thinkingConfig` (see [`thinking_config`]) |
//! | extra `safety_settings`, `cached_content`, `labels` (Vertex), `generationConfig` | passed through |
//!
//! `parallel_tool_calls`, `user`, `metadata`, `logit_bias` and other extra fields have no Gemini
//! counterpart and are not sent (Gemini rejects unknown fields).
//!
//! A request that arrived in Gemini's own shape (the `/genai` routes) carries what the unified
//! shape cannot express (original model turns, part fields, tools, tool config, generation
//! settings); it is restored here as long as the unified fields still agree with it (see
//! [`super::native`]).

use std::collections::HashMap;

use serde_json::Value;

use super::media::{audio_part, file_part, image_part};
use super::native;
use super::schema::{clean_schema, is_empty_object};
use super::types::{
    BatchEmbedContentsRequest, Content, CountTokensRequest as NativeCountTokens,
    EmbedContentRequest, FunctionCall, FunctionCallingConfig, FunctionDeclaration,
    FunctionResponse, GenerateContentRequest, GenerationConfig, Part, ThinkingConfig, Tool,
    ToolConfig,
};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPartType, CountTokensRequest, EmbeddingRequest, ExtraMap,
    MessageContent, Role, Tool as OpenAiTool, ToolChoice,
};

/// The placeholder Google documents for function calls that have no real thought signature
/// (e.g. a conversation written by the caller), so that thinking models accept them.
pub const SKIP_SIGNATURE: &str = "skip_thought_signature_validator";

/// Prefix of the `reasoning_details[].id` that carries a tool call's thought signature.
pub const TOOL_CALL_SIGNATURE_PREFIX: &str = "tool_call_";

/// Which API the body is for (a few fields exist on one only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Generative Language API (`generativelanguage.googleapis.com`).
    Gemini,
    /// Vertex AI.
    Vertex,
}

/// `models/{model}` for a bare model name; tuned-model paths (`tunedModels/x`) are kept.
pub fn model_resource(model: &str) -> String {
    if model.contains('/') {
        model.to_owned()
    } else {
        format!("models/{model}")
    }
}

/// The bare model id of `models/{id}` or `publishers/google/models/{id}`.
pub fn bare_model(model: &str) -> &str {
    model.rsplit('/').next().unwrap_or(model)
}

fn invalid(msg: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(msg).with_param("messages")
}

/// Translates a chat request.
pub fn chat_request(
    req: &ChatRequest,
    dialect: Dialect,
) -> Result<GenerateContentRequest, BifrostError> {
    let (contents, system_instruction) = convert_messages(&req.messages)?;
    let tools = match native::tools(req) {
        Some(native) => Some(native),
        None => convert_tools(req.tools.as_deref())?,
    };
    let tool_config = match (native::tool_config(req), &tools, &req.tool_choice) {
        (Some(native), _, _) => Some(native),
        (None, Some(_), Some(choice)) => Some(tool_config(choice)?),
        _ => None,
    };
    let extra = &req.extra;
    let mut out = GenerateContentRequest {
        contents,
        system_instruction,
        tools,
        tool_config,
        generation_config: generation_config(req)?,
        safety_settings: pick(extra, &["safety_settings", "safetySettings"]).cloned(),
        cached_content: pick(extra, &["cached_content", "cachedContent"])
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..GenerateContentRequest::default()
    };
    if dialect == Dialect::Vertex {
        out.labels = extra.get("labels").cloned();
    }
    if let Some(Value::Object(fields)) = extra.get(native::REQUEST_FIELDS) {
        for (k, v) in fields {
            out.extra.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Ok(out)
}

fn pick<'a>(extra: &'a ExtraMap, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| extra.get(*n))
        .filter(|v| !v.is_null())
}

/// Translates the conversation: `(contents, systemInstruction)`.
pub fn convert_messages(
    messages: &[ChatMessage],
) -> Result<(Vec<Content>, Option<Content>), BifrostError> {
    if messages.is_empty() {
        return Err(invalid("messages must not be empty"));
    }
    let is_system = |m: &ChatMessage| matches!(m.role, Role::System | Role::Developer);
    if messages.iter().all(is_system) {
        // Gemini needs at least one turn: OpenAI accepts a lone system prompt, so send it as one.
        let parts = messages
            .iter()
            .flat_map(|m| text_parts(m.content.as_ref()))
            .collect::<Vec<_>>();
        return Ok((vec![turn("user", parts)], None));
    }
    let mut system: Vec<Part> = Vec::new();
    let mut contents: Vec<Content> = Vec::with_capacity(messages.len());
    let mut call_names: HashMap<&str, &str> = HashMap::new();
    let mut responses: Vec<Part> = Vec::new();
    for msg in messages {
        let continues_turn = msg.role == Role::User && native::is_same_turn(&msg.extra);
        if !matches!(msg.role, Role::Tool | Role::Function)
            && !responses.is_empty()
            && !continues_turn
        {
            contents.push(turn("user", std::mem::take(&mut responses)));
        }
        match msg.role {
            Role::System | Role::Developer => system.extend(text_parts(msg.content.as_ref())),
            Role::User => {
                let parts = user_parts(msg.content.as_ref())?;
                if continues_turn && !responses.is_empty() {
                    responses.extend(parts);
                    contents.push(turn("user", std::mem::take(&mut responses)));
                } else if !parts.is_empty() {
                    contents.push(turn("user", parts));
                }
            }
            Role::Assistant => {
                for call in msg.tool_calls.iter().flatten() {
                    call_names.insert(call.id.as_str(), call.function.name.as_str());
                }
                let parts = assistant_parts(msg)?;
                if !parts.is_empty() {
                    contents.push(turn("model", parts));
                }
            }
            Role::Tool | Role::Function => responses.push(function_response(msg, &call_names)),
        }
    }
    if !responses.is_empty() {
        contents.push(turn("user", responses));
    }
    let system = (!system.is_empty()).then_some(Content {
        role: None,
        parts: system,
        extra: ExtraMap::new(),
    });
    Ok((contents, system))
}

fn turn(role: &str, parts: Vec<Part>) -> Content {
    Content {
        role: Some(role.to_owned()),
        parts,
        extra: ExtraMap::new(),
    }
}

/// The text of system messages (non-text parts are not allowed in `systemInstruction`).
fn text_parts(content: Option<&MessageContent>) -> Vec<Part> {
    match content {
        Some(MessageContent::Text(t)) if !t.is_empty() => vec![Part::text(t.clone())],
        Some(MessageContent::Parts(parts)) => parts
            .iter()
            .filter_map(|p| {
                let text = p.text.as_deref().filter(|t| !t.is_empty())?;
                let mut part = Part::text(text);
                native::apply_part_fields(&mut part, &p.extra);
                Some(part)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn user_parts(content: Option<&MessageContent>) -> Result<Vec<Part>, BifrostError> {
    let parts = match content {
        None => return Ok(Vec::new()),
        Some(MessageContent::Text(t)) if t.is_empty() => return Ok(Vec::new()),
        Some(MessageContent::Text(t)) => return Ok(vec![Part::text(t.clone())]),
        Some(MessageContent::Parts(parts)) => parts,
    };
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let before = out.len();
        match &part.kind {
            ContentPartType::Text | ContentPartType::Refusal => {
                if let Some(t) = part
                    .text
                    .as_deref()
                    .or(part.refusal.as_deref())
                    .filter(|t| !t.is_empty())
                {
                    out.push(Part::text(t));
                }
            }
            ContentPartType::Other(kind) if kind == native::PART_KIND => {
                let native = native::native_part(&part.extra)
                    .ok_or_else(|| invalid("a gemini content part must be a valid Gemini part"))?;
                out.push(native);
                continue;
            }
            ContentPartType::ImageUrl => {
                let url = part
                    .image_url
                    .as_ref()
                    .map(|i| i.url.as_str())
                    .ok_or_else(|| invalid("an image_url part needs image_url.url"))?;
                out.push(image_part(url)?);
            }
            ContentPartType::InputAudio => {
                let audio = part
                    .input_audio
                    .as_ref()
                    .ok_or_else(|| invalid("an input_audio part needs input_audio.data"))?;
                out.push(audio_part(audio));
            }
            ContentPartType::File => {
                let file = part
                    .file
                    .as_ref()
                    .ok_or_else(|| invalid("a file part needs a file object"))?;
                out.push(file_part(file)?);
            }
            ContentPartType::Other(kind) => {
                return Err(invalid(format!(
                    "content part type {kind:?} has no Gemini equivalent"
                )));
            }
        }
        if let Some(added) = out.get_mut(before) {
            native::apply_part_fields(added, &part.extra);
        }
    }
    Ok(out)
}

/// Signatures in `reasoning_details`: `(tool call id -> signature, signature of the text)`.
fn signatures(msg: &ChatMessage) -> (HashMap<&str, &str>, Option<&str>) {
    let mut by_call = HashMap::new();
    let mut text = None;
    for d in msg.reasoning_details.iter().flatten() {
        let Some(sig) = d.signature.as_deref().filter(|s| !s.is_empty()) else {
            continue;
        };
        match d
            .extra
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| id.strip_prefix(TOOL_CALL_SIGNATURE_PREFIX))
        {
            Some(call) => {
                by_call.insert(call, sig);
            }
            None if d.kind == "reasoning.encrypted" => text = Some(sig),
            None => {}
        }
    }
    (by_call, text)
}

fn assistant_parts(msg: &ChatMessage) -> Result<Vec<Part>, BifrostError> {
    if let Some(parts) = native::assistant_parts(msg) {
        return Ok(parts);
    }
    let (call_sigs, text_sig) = signatures(msg);
    let mut parts = Vec::new();
    let text = msg
        .content
        .as_ref()
        .map(MessageContent::to_text)
        .unwrap_or_default();
    let text = if text.is_empty() {
        msg.refusal.clone().unwrap_or_default()
    } else {
        text
    };
    if !text.is_empty() {
        parts.push(Part {
            text: Some(text),
            thought_signature: text_sig.map(str::to_owned),
            ..Part::default()
        });
    }
    for call in msg.tool_calls.iter().flatten() {
        let args = if call.function.arguments.trim().is_empty() {
            Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_str::<Value>(&call.function.arguments).map_err(|e| {
                invalid(format!(
                    "tool call {} has arguments that are not valid JSON: {e}",
                    call.id
                ))
            })?
        };
        let sig = call_sigs
            .get(call.id.as_str())
            .copied()
            .unwrap_or(SKIP_SIGNATURE);
        parts.push(Part {
            function_call: Some(FunctionCall {
                id: Some(call.id.clone()).filter(|id| !id.is_empty()),
                name: call.function.name.clone(),
                args: Some(args),
                extra: ExtraMap::new(),
            }),
            thought_signature: Some(sig.to_owned()),
            ..Part::default()
        });
    }
    Ok(parts)
}

fn function_response(msg: &ChatMessage, call_names: &HashMap<&str, &str>) -> Part {
    let id = msg.tool_call_id.as_deref().filter(|id| !id.is_empty());
    let name = id
        .and_then(|id| call_names.get(id).copied())
        .or(msg.name.as_deref())
        .or(id)
        .unwrap_or("function");
    let text = msg.text_content();
    let response = match serde_json::from_str::<Value>(&text) {
        Ok(obj @ Value::Object(_)) => obj,
        _ => serde_json::json!({ "content": text }),
    };
    let mut part = Part {
        function_response: Some(FunctionResponse {
            id: id
                .filter(|_| !native::has_no_id(&msg.extra))
                .map(str::to_owned),
            name: name.to_owned(),
            response,
            extra: ExtraMap::new(),
        }),
        ..Part::default()
    };
    native::apply_part_fields(&mut part, &msg.extra);
    part
}

/// Function tools → one `Tool` with every declaration; built-in Gemini tools (type
/// [`native::PART_KIND`]) follow as they are.
pub fn convert_tools(tools: Option<&[OpenAiTool]>) -> Result<Option<Vec<Tool>>, BifrostError> {
    let Some(tools) = tools.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let mut decls = Vec::with_capacity(tools.len());
    let mut builtin = Vec::new();
    for tool in tools {
        if tool.kind == native::PART_KIND {
            builtin.push(Tool {
                function_declarations: None,
                extra: tool.extra.clone(),
            });
            continue;
        }
        if tool.kind != "function" {
            return Err(BifrostError::invalid_request(format!(
                "tool type {:?} has no Gemini equivalent (only function tools are translated)",
                tool.kind
            ))
            .with_param("tools"));
        }
        let f = tool.function.as_ref().ok_or_else(|| {
            BifrostError::invalid_request("a function tool needs a function object")
                .with_param("tools")
        })?;
        let parameters = f
            .parameters
            .as_ref()
            .filter(|p| !is_empty_object(p))
            .map(clean_schema);
        decls.push(FunctionDeclaration {
            name: f.name.clone(),
            description: f.description.clone(),
            parameters,
            ..FunctionDeclaration::default()
        });
    }
    let mut out = Vec::with_capacity(1 + builtin.len());
    if !decls.is_empty() {
        out.push(Tool {
            function_declarations: Some(decls),
            extra: ExtraMap::new(),
        });
    }
    out.extend(builtin);
    Ok(Some(out))
}

fn tool_config(choice: &ToolChoice) -> Result<ToolConfig, BifrostError> {
    let (mode, names) = match choice {
        ToolChoice::Mode(m) => match m.as_str() {
            "auto" => ("AUTO", None),
            "none" => ("NONE", None),
            "required" => ("ANY", None),
            other => {
                return Err(BifrostError::invalid_request(format!(
                    "tool_choice {other:?} is not one of auto, none, required"
                ))
                .with_param("tool_choice"));
            }
        },
        ToolChoice::Named(n) => ("ANY", Some(vec![n.function.name.clone()])),
    };
    Ok(ToolConfig {
        function_calling_config: Some(FunctionCallingConfig {
            mode: mode.to_owned(),
            allowed_function_names: names,
            extra: ExtraMap::new(),
        }),
        extra: ExtraMap::new(),
    })
}

/// Thinking settings from `reasoning_effort`, `reasoning.effort` and `reasoning.max_tokens`.
///
/// Gemini 3 models take a `thinkingLevel`: `minimal`/`low` → `low`, `medium`/`high` → `high`.
/// Earlier models take a `thinkingBudget`: `reasoning.max_tokens` as given, else `none` → 0
/// (thinking off), `minimal` → 128, `low` → 1024, `medium` → 8192, `high` → 24576. Thought
/// summaries are requested whenever thinking is on, so they come back as `reasoning`.
pub fn thinking_config(req: &ChatRequest) -> Option<ThinkingConfig> {
    let reasoning = req.reasoning.as_ref();
    let effort = req
        .reasoning_effort
        .as_deref()
        .or(reasoning.and_then(|r| r.effort.as_deref()));
    let budget = reasoning.and_then(|r| r.max_tokens);
    if effort.is_none() && budget.is_none() {
        return None;
    }
    if effort == Some("none") || budget == Some(0) {
        return Some(ThinkingConfig {
            thinking_budget: Some(0),
            ..ThinkingConfig::default()
        });
    }
    if budget.is_none() && req.model.contains("gemini-3") {
        let level = match effort {
            Some("minimal" | "low") => "low",
            _ => "high",
        };
        return Some(ThinkingConfig {
            include_thoughts: Some(true),
            thinking_level: Some(level.to_owned()),
            ..ThinkingConfig::default()
        });
    }
    let budget = budget.map(i64::from).unwrap_or(match effort {
        Some("minimal") => 128,
        Some("low") => 1024,
        Some("high") => 24576,
        _ => 8192,
    });
    Some(ThinkingConfig {
        include_thoughts: Some(true),
        thinking_budget: Some(budget),
        ..ThinkingConfig::default()
    })
}

fn generation_config(req: &ChatRequest) -> Result<Option<GenerationConfig>, BifrostError> {
    let extra = &req.extra;
    let mut cfg = GenerationConfig {
        temperature: req.temperature,
        top_p: req.top_p,
        top_k: pick(extra, &["top_k", "topK"]).and_then(|v| v.as_number().cloned()),
        max_output_tokens: req.output_token_limit(),
        stop_sequences: req.stop.as_ref().map(|s| s.to_vec()),
        candidate_count: req.n,
        seed: req.seed,
        presence_penalty: req.presence_penalty,
        frequency_penalty: req.frequency_penalty,
        response_logprobs: req.logprobs,
        logprobs: req.top_logprobs,
        thinking_config: thinking_config(req),
        ..GenerationConfig::default()
    };
    if let Some(format) = &req.response_format {
        match format.kind.as_str() {
            "text" => {}
            "json_object" => cfg.response_mime_type = Some("application/json".to_owned()),
            "json_schema" => {
                cfg.response_mime_type = Some("application/json".to_owned());
                cfg.response_schema = format
                    .json_schema
                    .as_ref()
                    .and_then(|s| s.schema.as_ref())
                    .map(clean_schema);
            }
            other => {
                return Err(BifrostError::invalid_request(format!(
                    "response_format type {other:?} is not one of text, json_object, json_schema"
                ))
                .with_param("response_format"));
            }
        }
    }
    if let Some(passthrough @ Value::Object(_)) =
        pick(extra, &[native::GENERATION_CONFIG, "generation_config"])
    {
        let native: GenerationConfig =
            serde_json::from_value(passthrough.clone()).map_err(|e| {
                BifrostError::invalid_request(format!("generationConfig is not valid: {e}"))
                    .with_param("generationConfig")
            })?;
        overlay(&mut cfg, native);
    }
    if cfg == GenerationConfig::default() {
        return Ok(None);
    }
    Ok(Some(cfg))
}

/// The caller's native `generationConfig` fields take precedence over the derived ones.
fn overlay(cfg: &mut GenerationConfig, native: GenerationConfig) {
    fn set<T>(slot: &mut Option<T>, value: Option<T>) {
        if value.is_some() {
            *slot = value;
        }
    }
    set(&mut cfg.temperature, native.temperature);
    set(&mut cfg.top_p, native.top_p);
    set(&mut cfg.top_k, native.top_k);
    set(&mut cfg.max_output_tokens, native.max_output_tokens);
    set(&mut cfg.stop_sequences, native.stop_sequences);
    set(&mut cfg.candidate_count, native.candidate_count);
    set(&mut cfg.seed, native.seed);
    set(&mut cfg.presence_penalty, native.presence_penalty);
    set(&mut cfg.frequency_penalty, native.frequency_penalty);
    set(&mut cfg.response_logprobs, native.response_logprobs);
    set(&mut cfg.logprobs, native.logprobs);
    set(&mut cfg.response_mime_type, native.response_mime_type);
    set(&mut cfg.response_schema, native.response_schema);
    set(&mut cfg.thinking_config, native.thinking_config);
    if native.response_json_schema.is_some() {
        // Gemini takes one of `responseSchema` and `responseJsonSchema`.
        cfg.response_schema = None;
        cfg.response_json_schema = native.response_json_schema;
    }
    for (k, v) in native.extra {
        cfg.extra.insert(k, v);
    }
}

/// Translates a token-count request. The Generative Language API counts a whole
/// `generateContentRequest` (so the system instruction and tools are counted too); Vertex AI
/// takes the same fields at the top level.
pub fn count_tokens_request(
    req: &CountTokensRequest,
    model: &str,
    dialect: Dialect,
) -> Result<Value, BifrostError> {
    let (contents, system_instruction) = convert_messages(&req.messages)?;
    let tools = convert_tools(req.tools.as_deref())?;
    let inner = GenerateContentRequest {
        model: (dialect == Dialect::Gemini).then(|| model_resource(model)),
        contents,
        system_instruction,
        tools,
        ..GenerateContentRequest::default()
    };
    let body = match dialect {
        Dialect::Gemini => serde_json::to_value(NativeCountTokens {
            generate_content_request: inner,
        }),
        Dialect::Vertex => serde_json::to_value(inner),
    };
    body.map_err(|e| BifrostError::internal(format!("cannot serialize the request: {e}")))
}

/// The text inputs of an embedding request.
pub fn embedding_texts(req: &EmbeddingRequest) -> Result<Vec<&str>, BifrostError> {
    let bad = || {
        BifrostError::invalid_request(
            "input must be a string or an array of strings (token arrays have no Gemini equivalent)",
        )
        .with_param("input")
    };
    let texts: Vec<&str> = match &req.input {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(bad))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad()),
    };
    if texts.is_empty() {
        return Err(BifrostError::invalid_request("input must not be empty").with_param("input"));
    }
    Ok(texts)
}

/// A Gemini embedding body: `embedContent` for one input, `batchEmbedContents` for several.
pub enum EmbedBody {
    /// `:embedContent`.
    Single(EmbedContentRequest),
    /// `:batchEmbedContents`.
    Batch(BatchEmbedContentsRequest),
}

/// Translates an embedding request (`dimensions` → `outputDimensionality`; extra `task_type`
/// and `title` are passed through).
pub fn embedding_request(req: &EmbeddingRequest, model: &str) -> Result<EmbedBody, BifrostError> {
    let texts = embedding_texts(req)?;
    let task_type = pick(&req.extra, &["task_type", "taskType"])
        .and_then(Value::as_str)
        .map(str::to_owned);
    let title = pick(&req.extra, &["title"])
        .and_then(Value::as_str)
        .map(str::to_owned);
    let one = |text: &str, with_model: bool| EmbedContentRequest {
        model: with_model.then(|| model_resource(model)),
        content: Content {
            role: None,
            parts: vec![Part::text(text)],
            extra: ExtraMap::new(),
        },
        task_type: task_type.clone(),
        title: title.clone(),
        output_dimensionality: req.dimensions,
        extra: ExtraMap::new(),
    };
    if let [text] = texts.as_slice() {
        return Ok(EmbedBody::Single(one(text, false)));
    }
    Ok(EmbedBody::Batch(BatchEmbedContentsRequest {
        requests: texts.iter().map(|t| one(t, true)).collect(),
        extra: ExtraMap::new(),
    }))
}
