//! `generateContent` / `streamGenerateContent` and `countTokens` bodies (as the Google GenAI
//! SDKs send them to the gateway) -> unified chat and count tokens requests.
//!
//! | Gemini | unified |
//! |---|---|
//! | `contents`, `systemInstruction` | `messages` (see [`super::contents`]) |
//! | `tools[].functionDeclarations` | `function` tools (`parameters` converted to JSON Schema, `parametersJsonSchema` as is) |
//! | built-in tools (`googleSearch`, `codeExecution`, ...) | tools of type [`native::PART_KIND`] holding the native tool |
//! | `toolConfig.functionCallingConfig` | `tool_choice` (see [`native::tool_choice_for`]) |
//! | `temperature`, `topP`, `seed`, `presencePenalty`, `frequencyPenalty` | same-named fields |
//! | `topK` | `top_k` (extra field) |
//! | `maxOutputTokens` | `max_completion_tokens` |
//! | `stopSequences`, `candidateCount` | `stop`, `n` |
//! | `responseLogprobs`, `logprobs` | `logprobs`, `top_logprobs` |
//! | `responseMimeType: application/json` (+ `responseSchema` / `responseJsonSchema`) | `response_format` `json_object` / `json_schema` |
//! | `thinkingConfig` `thinkingBudget` / `thinkingLevel` | `reasoning.max_tokens` / `reasoning.effort` (`-1`, dynamic, is `medium`) |
//! | `safetySettings`, `cachedContent`, `labels` | extra fields of those names |
//! | Bifrost's `fallbacks` | `fallbacks` |
//! | a streaming method | `stream`, with `stream_options.include_usage` so the final usage arrives |
//!
//! Everything the unified shape does not express (the original tools and tool config, the
//! generation settings it has no field for, unknown top-level fields) rides along for Gemini
//! targets ([`native`]); [`adapt_for_other_provider`] removes it for the others.

use serde_json::Value;

use super::super::native;
use super::super::types::{
    Content, GenerateContentRequest, GenerationConfig, ThinkingConfig, Tool as NativeTool,
};
use super::contents;
use super::schema::to_json_schema;
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ChatRequest, ContentPartType, CountTokensRequest, EmbeddingRequest, ExtraMap,
    FunctionDefinition, JsonSchemaFormat, MessageContent, ReasoningConfig, ResponseFormat, Role,
    StopSequences, StreamOptions, Tool,
};

/// A `countTokens` body: `contents`, or a whole `generateContentRequest` (whose system
/// instruction and tools are counted too).
#[derive(Debug, Clone, Default, PartialEq, bifrost_derive::DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
pub struct CountTokensBody {
    /// The conversation to count.
    #[serde(default)]
    pub contents: Vec<Content>,
    /// A full request to count.
    #[serde(default, alias = "generate_content_request")]
    pub generate_content_request: Option<GenerateContentRequest>,
    /// Other fields.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Translates a `generateContent` body for `model` (as the path names it: bare or
/// `provider/model`); `stream` for `streamGenerateContent`.
pub fn to_chat_request(
    req: GenerateContentRequest,
    model: &str,
    stream: bool,
) -> Result<ChatRequest, BifrostError> {
    if model.trim().is_empty() {
        return Err(BifrostError::invalid_request("model is required").with_param("model"));
    }
    let messages = contents::convert(req.system_instruction, req.contents)?;
    let mut extra = ExtraMap::new();
    let mut fields = req.extra;
    let fallbacks = fields
        .shift_remove("fallbacks")
        .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok());
    if !fields.is_empty() {
        extra.insert(native::REQUEST_FIELDS.to_owned(), Value::Object(fields));
    }
    let tools = req.tools.as_deref().map(|t| convert_tools(t, &mut extra));
    let tool_choice = req.tool_config.as_ref().and_then(|cfg| {
        extra.insert(native::TOOL_CONFIG.to_owned(), to_value(cfg));
        native::tool_choice_for(cfg)
    });
    if let Some(v) = req.safety_settings {
        extra.insert("safetySettings".to_owned(), v);
    }
    if let Some(v) = req.cached_content {
        extra.insert("cachedContent".to_owned(), Value::String(v));
    }
    if let Some(v) = req.labels {
        extra.insert("labels".to_owned(), v);
    }
    let mut chat = ChatRequest {
        model: model.to_owned(),
        messages,
        stream: stream.then_some(true),
        stream_options: stream.then(|| StreamOptions {
            include_usage: Some(true),
            extra: ExtraMap::new(),
        }),
        tools: tools.filter(|t| !t.is_empty()),
        tool_choice,
        fallbacks,
        ..ChatRequest::default()
    };
    if let Some(cfg) = req.generation_config {
        apply_generation_config(cfg, &mut chat, &mut extra);
    }
    chat.extra = extra;
    Ok(chat)
}

/// Translates a `countTokens` body for `model`.
pub fn to_count_tokens_request(
    body: CountTokensBody,
    model: &str,
) -> Result<CountTokensRequest, BifrostError> {
    let (system, contents, tools) = match body.generate_content_request {
        Some(inner) => (inner.system_instruction, inner.contents, inner.tools),
        None => (None, body.contents, None),
    };
    if contents.is_empty() {
        return Err(BifrostError::invalid_request(
            "* CountTokensRequest.contents: contents is not specified",
        )
        .with_param("contents"));
    }
    let mut ignored = ExtraMap::new();
    Ok(CountTokensRequest {
        model: model.to_owned(),
        messages: contents::convert(system, contents)?,
        tools: tools
            .as_deref()
            .map(|t| convert_tools(t, &mut ignored))
            .filter(|t| !t.is_empty()),
        fallbacks: None,
        extra: ExtraMap::new(),
    })
}

/// Function declarations -> function tools, built-in tools -> native tools; the original list
/// is kept in `extra`.
fn convert_tools(tools: &[NativeTool], extra: &mut ExtraMap) -> Vec<Tool> {
    extra.insert(native::TOOLS.to_owned(), to_value(&tools));
    let mut out = Vec::new();
    for tool in tools {
        for decl in tool.function_declarations.iter().flatten() {
            let parameters = match (&decl.parameters, &decl.parameters_json_schema) {
                (Some(p), _) => Some(to_json_schema(p)),
                (None, Some(json_schema)) => Some(json_schema.clone()),
                (None, None) => None,
            };
            out.push(Tool {
                kind: "function".to_owned(),
                function: Some(FunctionDefinition {
                    name: decl.name.clone(),
                    description: decl.description.clone(),
                    parameters,
                    strict: None,
                    extra: ExtraMap::new(),
                }),
                extra: ExtraMap::new(),
            });
        }
        if !tool.extra.is_empty() {
            out.push(Tool {
                kind: native::PART_KIND.to_owned(),
                function: None,
                extra: tool.extra.clone(),
            });
        }
    }
    out
}

fn reasoning_for(thinking: &ThinkingConfig) -> Option<ReasoningConfig> {
    let effort = thinking
        .thinking_level
        .as_deref()
        .map(str::to_ascii_lowercase)
        .or_else(|| (thinking.thinking_budget == Some(-1)).then(|| "medium".to_owned()));
    let max_tokens = thinking.thinking_budget.and_then(|b| u32::try_from(b).ok());
    (effort.is_some() || max_tokens.is_some()).then(|| ReasoningConfig {
        effort,
        max_tokens,
        extra: ExtraMap::new(),
    })
}

fn json_schema_format(schema: Value) -> ResponseFormat {
    ResponseFormat {
        kind: "json_schema".to_owned(),
        json_schema: Some(JsonSchemaFormat {
            name: "response".to_owned(),
            description: None,
            schema: Some(schema),
            strict: None,
            extra: ExtraMap::new(),
        }),
        extra: ExtraMap::new(),
    }
}

/// Maps `generationConfig` onto the unified fields; what has no unified field is kept as the
/// native `generationConfig` extra field.
fn apply_generation_config(cfg: GenerationConfig, chat: &mut ChatRequest, extra: &mut ExtraMap) {
    chat.temperature = cfg.temperature;
    chat.top_p = cfg.top_p;
    if let Some(k) = cfg.top_k {
        extra.insert("top_k".to_owned(), Value::Number(k));
    }
    chat.max_completion_tokens = cfg.max_output_tokens;
    chat.stop = cfg.stop_sequences.map(StopSequences::Many);
    chat.n = cfg.candidate_count;
    chat.seed = cfg.seed;
    chat.presence_penalty = cfg.presence_penalty;
    chat.frequency_penalty = cfg.frequency_penalty;
    chat.logprobs = cfg.response_logprobs;
    chat.top_logprobs = cfg.logprobs;
    chat.reasoning = cfg.thinking_config.as_ref().and_then(reasoning_for);
    let json_schema = cfg.response_json_schema.clone();
    let is_json = cfg.response_mime_type.as_deref() == Some("application/json");
    if is_json {
        chat.response_format = Some(match (&cfg.response_schema, json_schema) {
            (Some(schema), _) => json_schema_format(to_json_schema(schema)),
            (None, Some(schema)) => json_schema_format(schema),
            (None, None) => ResponseFormat {
                kind: "json_object".to_owned(),
                json_schema: None,
                extra: ExtraMap::new(),
            },
        });
    }
    let kept = GenerationConfig {
        response_mime_type: cfg.response_mime_type.filter(|_| !is_json),
        response_schema: cfg.response_schema,
        response_json_schema: cfg.response_json_schema,
        thinking_config: cfg.thinking_config,
        extra: cfg.extra,
        ..GenerationConfig::default()
    };
    if kept != GenerationConfig::default() {
        extra.insert(native::GENERATION_CONFIG.to_owned(), to_value(&kept));
    }
}

/// Adapts a request built by [`to_chat_request`] for a provider of another family (OpenAI,
/// Anthropic, ...):
///
/// * the extra fields (`top_k`, `safetySettings`, the native generation settings, ...) are
///   dropped;
/// * `reasoning` becomes `reasoning_effort` (the thinking level, or `low` up to 4,096 budget
///   tokens, `medium` up to 16,384, `high` above; a zero budget asks for none);
/// * thought parts and signatures (which only Gemini can verify) are dropped from the history,
///   as are parts and built-in tools with no equivalent elsewhere and every native field kept
///   for Gemini;
/// * system prompts become plain text and tool messages lose their function name.
pub fn adapt_for_other_provider(req: &mut ChatRequest) {
    if let Some(reasoning) = req.reasoning.take() {
        let effort = match (reasoning.effort, reasoning.max_tokens) {
            (Some(e), _) => Some(e),
            (None, Some(0) | None) => None,
            (None, Some(1..=4096)) => Some("low".to_owned()),
            (None, Some(4097..=16384)) => Some("medium".to_owned()),
            (None, Some(_)) => Some("high".to_owned()),
        };
        req.reasoning_effort = effort.filter(|e| e != "none");
    }
    req.extra.clear();
    if let Some(tools) = &mut req.tools {
        tools.retain(|t| t.kind == "function");
    }
    if req.tools.as_ref().is_none_or(Vec::is_empty) {
        req.tools = None;
        req.tool_choice = None;
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
    for key in native::MESSAGE_KEYS {
        msg.extra.shift_remove(*key);
    }
    if msg.role == Role::Tool {
        msg.name = None;
    }
    let parts = match msg.content.take() {
        Some(MessageContent::Parts(parts)) => parts,
        Some(MessageContent::Text(t)) if t.is_empty() && msg.role == Role::Assistant => return,
        other => {
            msg.content = other;
            return;
        }
    };
    let mut kept: Vec<_> = parts
        .into_iter()
        .filter(|p| !matches!(&p.kind, ContentPartType::Other(k) if k == native::PART_KIND))
        .collect();
    for part in &mut kept {
        part.extra.shift_remove(native::PART);
    }
    msg.content = if msg.role == Role::System {
        let texts: Vec<String> = kept.into_iter().filter_map(|p| p.text).collect();
        Some(MessageContent::Text(texts.join("\n")))
    } else if kept.is_empty() {
        (msg.role != Role::Assistant).then(|| MessageContent::Text(String::new()))
    } else {
        Some(MessageContent::Parts(kept))
    };
}

/// Adapts a request built by [`to_count_tokens_request`] for a provider of another family, as
/// [`adapt_for_other_provider`] does for chat.
pub fn adapt_count_tokens_for_other_provider(req: &mut CountTokensRequest) {
    req.extra.clear();
    if let Some(tools) = &mut req.tools {
        tools.retain(|t| t.kind == "function");
    }
    if req.tools.as_ref().is_some_and(Vec::is_empty) {
        req.tools = None;
    }
    for msg in &mut req.messages {
        adapt_message(msg);
    }
    req.messages
        .retain(|m| m.role != Role::Assistant || m.content.is_some() || m.tool_calls.is_some());
}

/// Adapts an embedding request for a provider of another family: Gemini's `task_type` and
/// `title` are dropped.
pub fn adapt_embedding_for_other_provider(req: &mut EmbeddingRequest) {
    req.extra.clear();
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(v: Value) -> GenerateContentRequest {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn maps_generation_config_and_tools() {
        let chat = to_chat_request(
            request(json!({
                "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                "tools": [
                    {"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}}}]},
                    {"googleSearch": {}}
                ],
                "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}},
                "generationConfig": {
                    "temperature": 0.5, "topK": 7, "maxOutputTokens": 64, "stopSequences": ["x"],
                    "candidateCount": 2, "seed": 3, "responseMimeType": "application/json",
                    "responseSchema": {"type": "OBJECT", "properties": {"answer": {"type": "STRING"}}},
                    "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": true},
                    "responseModalities": ["TEXT"]
                },
                "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
                "fallbacks": ["openai/gpt-4o"]
            })),
            "gemini-2.5-flash",
            true,
        )
        .unwrap();
        assert_eq!(chat.temperature, Some(0.5));
        assert_eq!(chat.extra["top_k"], 7);
        assert_eq!(chat.max_completion_tokens, Some(64));
        assert_eq!(chat.n, Some(2));
        assert_eq!(chat.seed, Some(3));
        assert!(chat.include_usage());
        assert_eq!(
            chat.fallbacks.as_deref(),
            Some(&["openai/gpt-4o".to_owned()][..])
        );
        let format = chat.response_format.as_ref().unwrap();
        assert_eq!(
            format.json_schema.as_ref().unwrap().schema,
            Some(json!({"type": "object", "properties": {"answer": {"type": "string"}}}))
        );
        assert_eq!(chat.reasoning.as_ref().unwrap().max_tokens, Some(2048));
        let tools = chat.tools.as_ref().unwrap();
        assert_eq!(tools.len(), 2);
        assert_eq!(
            tools[0].function.as_ref().unwrap().parameters,
            Some(json!({"type": "object", "properties": {"a": {"type": "string"}}}))
        );
        assert_eq!(tools[1].kind, native::PART_KIND);
        assert!(
            matches!(&chat.tool_choice, Some(crate::schemas::ToolChoice::Named(n)) if n.function.name == "f")
        );
        let kept = &chat.extra[native::GENERATION_CONFIG];
        assert_eq!(kept["thinkingConfig"]["includeThoughts"], true);
        assert_eq!(kept["responseModalities"], json!(["TEXT"]));
        assert!(kept.get("temperature").is_none());

        let mut other = chat.clone();
        adapt_for_other_provider(&mut other);
        assert!(other.extra.is_empty());
        assert_eq!(other.reasoning_effort.as_deref(), Some("low"));
        assert_eq!(other.tools.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn gemini_round_trips_are_lossless() {
        use crate::providers::gemini::request::{Dialect, chat_request};
        let native = json!({
            "contents": [
                {"role": "user", "parts": [
                    {"text": "look", "mediaResolution": {"level": "MEDIA_RESOLUTION_HIGH"}},
                    {"fileData": {"mimeType": "video/mp4", "fileUri": "gs://b/clip"}, "videoMetadata": {"fps": 2}},
                    {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}
                ]},
                {"role": "model", "parts": [
                    {"text": "pondering", "thought": true},
                    {"text": "Calling.", "thoughtSignature": "dGV4dA=="},
                    {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}, "thoughtSignature": "c2ln"},
                    {"functionCall": {"id": "c2", "name": "get_time", "args": {}}}
                ]},
                {"role": "user", "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"content": "18C"}}},
                    {"functionResponse": {"id": "c2", "name": "get_time", "response": {"t": 1}, "willContinue": false}},
                    {"text": "and?"}
                ]},
                {"role": "model", "parts": [{"executableCode": {"language": "PYTHON", "code": "1+1"}}]},
                {"role": "user", "parts": [{"text": "ok"}]}
            ],
            "systemInstruction": {"parts": [{"text": "be brief"}]},
            "tools": [
                {"functionDeclarations": [
                    {"name": "get_weather", "parameters": {"type": "OBJECT", "properties": {"location": {"type": "STRING"}}, "required": ["location"]}},
                    {"name": "get_time", "parametersJsonSchema": {"type": "object"}, "behavior": "BLOCKING"}
                ]},
                {"codeExecution": {}}
            ],
            "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
            "generationConfig": {
                "temperature": 0.2, "topK": 40, "maxOutputTokens": 100, "stopSequences": ["END"],
                "thinkingConfig": {"thinkingBudget": -1, "includeThoughts": true},
                "responseModalities": ["TEXT"]
            },
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
            "cachedContent": "cachedContents/abc"
        });
        let chat = to_chat_request(request(native.clone()), "gemini-2.5-flash", false).unwrap();
        let back = serde_json::to_value(chat_request(&chat, Dialect::Gemini).unwrap()).unwrap();
        assert_eq!(back, native);
    }
}
