//! Chat completion request and response (OpenAI `POST /v1/chat/completions`).

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{ExtraFields, ExtraMap, Usage};

/// A chat completion request in OpenAI's shape.
///
/// `model` is `provider/model` when it reaches the engine; the engine replaces it with the bare
/// model name before a provider sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ChatRequest {
    /// `provider/model` from the caller, the bare model name once dispatched.
    #[serde(default)]
    pub model: String,
    /// The conversation so far.
    #[serde(default)]
    pub messages: Vec<ChatMessage>,
    /// Stream the answer as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Options of a streamed answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Number of choices to generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<StopSequences>,
    /// Legacy output token limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Output token limit (includes reasoning tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    /// Presence penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// Frequency penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Token id -> bias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logit_bias: Option<ExtraMap>,
    /// Return log probabilities of the output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    /// Number of most likely tokens to return per position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
    /// Seed for deterministic sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// End-user identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model chooses tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Allow several tool calls in one turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Structured output format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// Reasoning effort for reasoning models (`minimal`, `low`, `medium`, `high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Reasoning configuration (`{"effort": ..., "max_tokens": ...}`), Bifrost's and
    /// OpenRouter's extension; providers with thinking budgets read `max_tokens` from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ReasoningConfig>,
    /// Request metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ExtraMap>,
    /// Bifrost fallbacks (`provider/model` strings), tried in order. Never sent upstream.
    #[serde(default, skip_serializing)]
    pub fallbacks: Option<Vec<String>>,
    /// Fields this type does not know, forwarded unchanged to OpenAI-compatible upstreams.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ChatRequest {
    /// True when the caller asked for a streamed answer.
    pub fn is_stream(&self) -> bool {
        self.stream.unwrap_or(false)
    }

    /// True when the caller asked for the final usage chunk of a stream.
    pub fn include_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|o| o.include_usage)
            .unwrap_or(false)
    }

    /// The effective output token limit (`max_completion_tokens`, else `max_tokens`).
    pub fn output_token_limit(&self) -> Option<u32> {
        self.max_completion_tokens.or(self.max_tokens)
    }
}

/// `stream_options` of a chat or text completion request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct StreamOptions {
    /// Send a final chunk with the usage of the whole request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_usage: Option<bool>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One stop sequence or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StopSequences {
    /// A single stop sequence.
    One(String),
    /// Several stop sequences.
    Many(Vec<String>),
}

impl StopSequences {
    /// The stop sequences as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s.clone()],
            Self::Many(v) => v.clone(),
        }
    }
}

/// Author of a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// System instructions.
    System,
    /// Developer instructions (OpenAI's successor of `system` for reasoning models).
    Developer,
    /// The end user.
    User,
    /// The model.
    Assistant,
    /// The result of a tool call.
    Tool,
    /// The result of a legacy function call.
    Function,
}

impl Role {
    /// The role's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Developer => "developer",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
            Self::Function => "function",
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// Text or content parts; `None` for an assistant message that only calls tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MessageContent>,
    /// Participant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool calls made by the assistant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// The tool call this message answers (role `tool`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// A refusal from the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Reasoning text produced by the model, when the provider exposes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Structured reasoning blocks (with signatures or encrypted data) that must be sent back
    /// unchanged on the next turn for providers that verify them (Anthropic thinking, Gemini
    /// thought signatures, Bedrock reasoning content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_details: Option<Vec<ReasoningDetail>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `reasoning` request parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ReasoningConfig {
    /// `minimal`, `low`, `medium`, `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// Token budget for thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One block of model reasoning, kept so it can be replayed to the provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ReasoningDetail {
    /// `reasoning.text` (visible thinking with a signature), `reasoning.encrypted` (redacted or
    /// opaque data) or `reasoning.summary`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Thinking text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Signature that authenticates the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Opaque (encrypted or redacted) reasoning data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Summary text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Position among the message's reasoning blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ChatMessage {
    /// A message with plain text content.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Self {
            role,
            content: Some(MessageContent::Text(text.into())),
            name: None,
            tool_calls: None,
            tool_call_id: None,
            refusal: None,
            reasoning: None,
            reasoning_details: None,
            extra: ExtraMap::new(),
        }
    }

    /// The concatenated text of the message (text parts only).
    pub fn text_content(&self) -> String {
        self.content
            .as_ref()
            .map(MessageContent::to_text)
            .unwrap_or_default()
    }
}

/// Message content: a string or a list of typed parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Text, images, audio and files.
    Parts(Vec<ContentPart>),
}

impl MessageContent {
    /// The concatenated text of the content (text parts joined with nothing between them).
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Parts(parts) => {
                let mut out = String::new();
                for part in parts {
                    if let Some(t) = &part.text {
                        out.push_str(t);
                    }
                }
                out
            }
        }
    }
}

// Hand-written so that a string or an array is told apart without serde's untagged buffering.
impl<'de> Deserialize<'de> for MessageContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContentVisitor;
        impl<'de> Visitor<'de> for ContentVisitor {
            type Value = MessageContent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of content parts")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MessageContent::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(MessageContent::Text(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut parts = Vec::with_capacity(seq.size_hint().unwrap_or(2));
                while let Some(part) = seq.next_element()? {
                    parts.push(part);
                }
                Ok(MessageContent::Parts(parts))
            }
        }
        deserializer.deserialize_any(ContentVisitor)
    }
}

/// Kind of a content part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentPartType {
    /// `{"type":"text","text":...}`
    Text,
    /// `{"type":"image_url","image_url":{"url":...,"detail":...}}`
    ImageUrl,
    /// `{"type":"input_audio","input_audio":{"data":...,"format":...}}`
    InputAudio,
    /// `{"type":"file","file":{"file_data"|"file_id"|"filename":...}}`
    File,
    /// `{"type":"refusal","refusal":...}` (assistant messages)
    Refusal,
    /// Any other part type, forwarded unchanged.
    #[serde(untagged)]
    Other(String),
}

/// One typed part of a message's content.
///
/// A flat struct rather than a tagged enum: parts of unknown types survive a round trip.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ContentPart {
    /// The part's kind.
    #[serde(rename = "type")]
    pub kind: ContentPartType,
    /// Text of a `text` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Image of an `image_url` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<ImageUrl>,
    /// Audio of an `input_audio` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_audio: Option<InputAudio>,
    /// File of a `file` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileData>,
    /// Refusal text of a `refusal` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Fields this type does not know (e.g. `cache_control`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            kind: ContentPartType::Text,
            text: Some(text.into()),
            image_url: None,
            input_audio: None,
            file: None,
            refusal: None,
            extra: ExtraMap::new(),
        }
    }

    /// An image part from a URL or a `data:` URL.
    pub fn image(url: impl Into<String>) -> Self {
        Self {
            kind: ContentPartType::ImageUrl,
            text: None,
            image_url: Some(ImageUrl {
                url: url.into(),
                detail: None,
                extra: ExtraMap::new(),
            }),
            input_audio: None,
            file: None,
            refusal: None,
            extra: ExtraMap::new(),
        }
    }
}

/// An image reference: an `https:` URL or a `data:<mime>;base64,<data>` URL.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ImageUrl {
    /// The URL.
    pub url: String,
    /// `auto`, `low` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ImageUrl {
    /// Splits a `data:` URL into its media type and base64 payload.
    pub fn as_data_url(&self) -> Option<(&str, &str)> {
        let rest = self.url.strip_prefix("data:")?;
        let (meta, data) = rest.split_once(',')?;
        let media = meta.strip_suffix(";base64")?;
        Some((media, data))
    }
}

/// Base64 audio input.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct InputAudio {
    /// Base64-encoded audio.
    pub data: String,
    /// `wav` or `mp3`.
    pub format: String,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A file given inline or by id.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct FileData {
    /// Base64 file content (often a `data:` URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_data: Option<String>,
    /// Id of an uploaded file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Tool {
    /// Always `function` for function tools.
    #[serde(rename = "type")]
    pub kind: String,
    /// The function's definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionDefinition>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A callable function.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct FunctionDefinition {
    /// Function name.
    pub name: String,
    /// What the function does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// Enforce the schema exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `tool_choice`: a mode string or a named function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolChoice {
    /// `none`, `auto` or `required`.
    Mode(String),
    /// `{"type":"function","function":{"name":...}}`.
    Named(NamedToolChoice),
}

/// A forced function choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedToolChoice {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The function to call.
    pub function: NamedFunction,
}

/// Name of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedFunction {
    /// Function name.
    pub name: String,
}

/// A tool call made by the assistant.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ToolCall {
    /// Call id, echoed by the tool message that answers it.
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type", default = "function_kind")]
    pub kind: String,
    /// Function name and JSON arguments.
    pub function: FunctionCall,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn function_kind() -> String {
    "function".to_owned()
}

/// The function part of a tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// Function name.
    pub name: String,
    /// Arguments as a JSON string.
    #[serde(default)]
    pub arguments: String,
}

/// `response_format`: text, JSON object or JSON schema.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponseFormat {
    /// `text`, `json_object` or `json_schema`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The schema of a `json_schema` format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<JsonSchemaFormat>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A named JSON schema for structured output.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct JsonSchemaFormat {
    /// Schema name.
    pub name: String,
    /// What the schema is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// Enforce the schema exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A chat completion (non-streamed answer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ChatResponse {
    /// Completion id.
    #[serde(default)]
    pub id: String,
    /// Always `chat.completion`.
    #[serde(default = "chat_completion_object")]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// The generated choices.
    #[serde(default)]
    pub choices: Vec<ChatChoice>,
    /// Token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Backend configuration fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// Service tier used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Bifrost's metadata: provider, request type, requested model, latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn chat_completion_object() -> String {
    "chat.completion".to_owned()
}

/// One choice of a chat completion.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ChatChoice {
    /// Position of the choice.
    #[serde(default)]
    pub index: u32,
    /// The assistant's message.
    pub message: ChatMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter` or `function_call`.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Log probabilities, when requested.
    #[serde(default)]
    pub logprobs: Option<serde_json::Value>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let body = r#"{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi","x_msg":1}],
            "store":true,"prediction":{"type":"content","content":"x"},"fallbacks":["groq/llama"]}"#;
        let req: ChatRequest = serde_json::from_str(body).unwrap();
        assert_eq!(
            req.fallbacks.as_deref(),
            Some(&["groq/llama".to_owned()][..])
        );
        let out = serde_json::to_value(&req).unwrap();
        assert_eq!(out["store"], true);
        assert_eq!(out["prediction"]["content"], "x");
        assert_eq!(out["messages"][0]["x_msg"], 1);
        assert!(
            out.get("fallbacks").is_none(),
            "fallbacks are never sent upstream"
        );
    }

    #[test]
    fn content_parts_of_every_kind_parse() {
        let body = r#"{"role":"user","content":[
            {"type":"text","text":"look"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}},
            {"type":"input_audio","input_audio":{"data":"UklG","format":"wav"}},
            {"type":"file","file":{"file_id":"file-1"}},
            {"type":"future_part","blob":7}]}"#;
        let msg: ChatMessage = serde_json::from_str(body).unwrap();
        let Some(MessageContent::Parts(parts)) = &msg.content else {
            panic!("expected parts")
        };
        assert_eq!(parts.len(), 5);
        assert_eq!(
            parts[1].image_url.as_ref().unwrap().as_data_url(),
            Some(("image/png", "AAAA"))
        );
        assert_eq!(parts[2].input_audio.as_ref().unwrap().format, "wav");
        assert_eq!(
            parts[3].file.as_ref().unwrap().file_id.as_deref(),
            Some("file-1")
        );
        assert_eq!(parts[4].kind, ContentPartType::Other("future_part".into()));
        let back = serde_json::to_value(&msg).unwrap();
        assert_eq!(back["content"][4]["blob"], 7);
        assert_eq!(back["content"][4]["type"], "future_part");
        assert_eq!(msg.text_content(), "look");
    }

    #[test]
    fn tool_choice_and_response_format_parse() {
        let body = r#"{"model":"m","messages":[],"tool_choice":{"type":"function","function":{"name":"f"}},
            "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object"},"strict":true}},
            "stop":["a","b"],"reasoning_effort":"low","seed":7,"n":2,"logprobs":true,"top_logprobs":3,
            "stream":true,"stream_options":{"include_usage":true},"parallel_tool_calls":false}"#;
        let req: ChatRequest = serde_json::from_str(body).unwrap();
        assert!(
            matches!(req.tool_choice, Some(ToolChoice::Named(ref n)) if n.function.name == "f")
        );
        assert_eq!(
            req.response_format
                .as_ref()
                .unwrap()
                .json_schema
                .as_ref()
                .unwrap()
                .strict,
            Some(true)
        );
        assert_eq!(req.stop.as_ref().unwrap().to_vec(), vec!["a", "b"]);
        assert!(req.include_usage());
        assert_eq!(req.parallel_tool_calls, Some(false));
    }

    #[test]
    fn invalid_role_is_rejected() {
        let err = serde_json::from_str::<ChatMessage>(r#"{"role":"robot","content":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown variant `robot`"), "{err}");
    }
}
