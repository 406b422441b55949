//! Anthropic Messages API wire types (`POST /v1/messages`, `/v1/messages/count_tokens`,
//! `GET /v1/models`), as documented in Anthropic's API reference.
//!
//! Content blocks are one flat struct rather than an enum tagged by `type`: block types this
//! gateway does not know (server tool results, documents, search results, blocks of future API
//! versions) pass through unchanged in `extra`.

use serde::{Deserialize, Serialize};

use crate::schemas::ExtraMap;

/// The API version sent as `anthropic-version` on every request.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Default base URL of the Anthropic API.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// A `POST /v1/messages` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct MessagesRequest {
    /// Model id, e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Output token limit (required by Anthropic; includes thinking tokens).
    pub max_tokens: u32,
    /// Alternating user and assistant turns.
    pub messages: Vec<Message>,
    /// System prompt: a string or text blocks (with `cache_control`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<Content>,
    /// Custom stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Stream the answer as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Sampling temperature (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Sample only from the top K options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
    /// Tools the model may use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model uses tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Extended thinking (`{"type":"enabled","budget_tokens":N}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Thinking>,
    /// Request metadata (`user_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Output configuration (structured output `format`, `effort`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_config: Option<serde_json::Value>,
    /// `auto` or `standard_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Other Anthropic request fields forwarded from the caller (`container`,
    /// `context_management`, `mcp_servers`, ...).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// A string or content blocks.
    pub content: Content,
}

/// Message or system content: a plain string or a list of blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Typed blocks.
    Blocks(Vec<ContentBlock>),
}

impl Content {
    /// The content as a list of blocks (a string becomes one text block).
    pub fn into_blocks(self) -> Vec<ContentBlock> {
        match self {
            Self::Text(t) => vec![ContentBlock::text(t)],
            Self::Blocks(b) => b,
        }
    }
}

/// One content block of any type (`text`, `image`, `document`, `tool_use`, `tool_result`,
/// `thinking`, `redacted_thinking`, and types this gateway passes through unchanged).
///
/// Deserializing never fails for a JSON object: a field whose value does not have the shape
/// this struct expects (a `search_result`'s string `source`, a server tool result's object
/// `content`) stays in `extra` as it was, so the block serializes back unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "ExtraMap")]
pub struct ContentBlock {
    /// Block type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Text of a `text` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Source of an `image` or `document` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Id of a `tool_use` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Tool name of a `tool_use` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool input of a `tool_use` block (a JSON object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// The `tool_use` id a `tool_result` answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    /// Content of a `tool_result` block: a string or blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// The tool failed (`tool_result`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// Thinking text of a `thinking` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Signature of a `thinking` block; must be sent back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Encrypted payload of a `redacted_thinking` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Prompt-cache breakpoint (`{"type":"ephemeral"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<serde_json::Value>,
    /// Fields of other block types (`citations`, `title`, server tool fields, ...).
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Removes `key` from `map` when its value has the shape of `T`; leaves it otherwise.
fn take_as<T: serde::de::DeserializeOwned>(map: &mut ExtraMap, key: &str) -> Option<T> {
    let parsed = T::deserialize(map.get(key)?).ok()?;
    map.shift_remove(key);
    Some(parsed)
}

impl From<ExtraMap> for ContentBlock {
    fn from(mut map: ExtraMap) -> Self {
        let kind = match map.get("type") {
            Some(serde_json::Value::String(_)) => take_as(&mut map, "type").unwrap_or_default(),
            _ => String::new(),
        };
        Self {
            kind,
            text: take_as(&mut map, "text"),
            source: take_as(&mut map, "source"),
            id: take_as(&mut map, "id"),
            name: take_as(&mut map, "name"),
            input: take_as(&mut map, "input"),
            tool_use_id: take_as(&mut map, "tool_use_id"),
            content: take_as(&mut map, "content"),
            is_error: take_as(&mut map, "is_error"),
            thinking: take_as(&mut map, "thinking"),
            signature: take_as(&mut map, "signature"),
            data: take_as(&mut map, "data"),
            cache_control: take_as(&mut map, "cache_control"),
            extra: map,
        }
    }
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            kind: "text".to_owned(),
            text: Some(text.into()),
            ..Self::default()
        }
    }
}

/// Where an image or document comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Source {
    /// `base64`, `url`, `text` or `file`.
    #[serde(rename = "type")]
    pub kind: String,
    /// MIME type of `base64` data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Base64 data (or plain text for `text` sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// URL of a `url` source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Files API id of a `file` source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A tool definition: a client tool (`name`, `description`, `input_schema`) or a server tool
/// (`type` plus its own fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Tool {
    /// Server tool type (e.g. `web_search_20250305`); absent for client tools.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Tool name.
    pub name: String,
    /// What the tool does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the input (required for client tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<serde_json::Value>,
    /// Guarantee schema-valid inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Prompt-cache breakpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<serde_json::Value>,
    /// Other tool fields, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `tool_choice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolChoice {
    /// `auto`, `any`, `tool` or `none`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The tool to use (`tool`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// At most one tool use per turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_parallel_tool_use: Option<bool>,
}

/// `thinking` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Thinking {
    /// `enabled`, `disabled` or `adaptive`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Tokens the model may spend thinking (at least 1024, below `max_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u32>,
    /// Other fields (`display`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Request `metadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// An opaque id of the end user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// A `message` object (the non-streamed answer, and `message_start`'s payload).
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct MessagesResponse {
    /// Message id (`msg_...`).
    #[serde(default)]
    pub id: String,
    /// Always `message`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Always `assistant`.
    #[serde(default)]
    pub role: String,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
    /// Generated content blocks.
    #[serde(default)]
    pub content: Vec<ContentBlock>,
    /// `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`, `pause_turn`, `refusal`, ...
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The custom stop sequence that was generated, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token usage.
    #[serde(default)]
    pub usage: NativeUsage,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Anthropic's `usage`. Every field is optional because `message_delta` events carry only some.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct NativeUsage {
    /// Input tokens after the last cache breakpoint (not read from or written to the cache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens (thinking included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Input tokens written to the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// `standard`, `priority` or `batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Other usage fields (`server_tool_use`, `cache_creation` breakdown), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl NativeUsage {
    /// Overwrites the fields that `newer` carries (`message_delta` usage is cumulative).
    pub fn merge(&mut self, newer: &NativeUsage) {
        if newer.input_tokens.is_some() {
            self.input_tokens = newer.input_tokens;
        }
        if newer.output_tokens.is_some() {
            self.output_tokens = newer.output_tokens;
        }
        if newer.cache_creation_input_tokens.is_some() {
            self.cache_creation_input_tokens = newer.cache_creation_input_tokens;
        }
        if newer.cache_read_input_tokens.is_some() {
            self.cache_read_input_tokens = newer.cache_read_input_tokens;
        }
        if newer.service_tier.is_some() {
            self.service_tier.clone_from(&newer.service_tier);
        }
        for (k, v) in &newer.extra {
            self.extra.insert(k.clone(), v.clone());
        }
    }
}

/// One server-sent event of a streamed message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// The message with empty content and the input usage.
    MessageStart {
        /// The message so far.
        message: MessagesResponse,
    },
    /// A content block begins (its full form for `redacted_thinking`, empty otherwise).
    ContentBlockStart {
        /// Position of the block in the message's content.
        index: u32,
        /// The block's initial form.
        content_block: ContentBlock,
    },
    /// A fragment of a content block.
    ContentBlockDelta {
        /// Position of the block.
        index: u32,
        /// The fragment.
        delta: BlockDelta,
    },
    /// A content block is complete.
    ContentBlockStop {
        /// Position of the block.
        index: u32,
    },
    /// Top-level changes: stop reason and cumulative usage.
    MessageDelta {
        /// Stop reason and stop sequence.
        delta: MessageDeltaBody,
        /// Cumulative usage.
        #[serde(default)]
        usage: Option<NativeUsage>,
    },
    /// The stream is complete.
    MessageStop,
    /// Keep-alive.
    Ping,
    /// An error after the stream started (e.g. `overloaded_error`).
    Error {
        /// The error object.
        error: ErrorBody,
    },
    /// An event type this gateway does not know (ignored, as Anthropic's versioning policy asks).
    #[serde(other)]
    Unknown,
}

/// A `content_block_delta` payload.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BlockDelta {
    /// `text_delta`, `input_json_delta`, `thinking_delta`, `signature_delta`, `citations_delta`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Text fragment.
    #[serde(default)]
    pub text: Option<String>,
    /// Fragment of a tool input's JSON.
    #[serde(default)]
    pub partial_json: Option<String>,
    /// Thinking fragment.
    #[serde(default)]
    pub thinking: Option<String>,
    /// The thinking block's signature (sent once, before the block stops).
    #[serde(default)]
    pub signature: Option<String>,
}

/// The `delta` of a `message_delta` event.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MessageDeltaBody {
    /// Why the model stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence that was generated.
    #[serde(default)]
    pub stop_sequence: Option<String>,
}

/// `{"type":"error","error":{...},"request_id":...}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorEnvelope {
    /// Always `error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The error object.
    pub error: ErrorBody,
    /// Anthropic's request id.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// The error object: `{"type":"overloaded_error","message":"Overloaded"}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorBody {
    /// Error type (`invalid_request_error`, `authentication_error`, `rate_limit_error`, ...).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

/// A `POST /v1/messages/count_tokens` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CountTokensRequest {
    /// Model id.
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// System prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<Content>,
    /// Tools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Other fields (`tool_choice`, `thinking`), forwarded from the caller.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// The count tokens answer.
#[derive(Debug, Clone, Default, PartialEq, bifrost_derive::DeserializeWithExtra)]
pub struct CountTokensResponse {
    /// Input tokens the request would use.
    pub input_tokens: u64,
    /// Fields this type does not know.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A `GET /v1/models` page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ModelList {
    /// The models, most recent first.
    #[serde(default)]
    pub data: Vec<ModelInfo>,
    /// More models exist after `last_id`.
    #[serde(default)]
    pub has_more: bool,
    /// First id of the page.
    #[serde(default)]
    pub first_id: Option<String>,
    /// Last id of the page (the `after_id` of the next page).
    #[serde(default)]
    pub last_id: Option<String>,
}

/// One model.
#[derive(Debug, Clone, Default, PartialEq, bifrost_derive::DeserializeWithExtra)]
pub struct ModelInfo {
    /// Model id.
    pub id: String,
    /// Always `model`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// RFC 3339 release time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Other fields (`display_name`, `max_tokens`, `capabilities`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}
