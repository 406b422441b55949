//! Streamed chunks (OpenAI `chat.completion.chunk`, streamed text completions, Responses API
//! events).

use serde::{Deserialize, Serialize};

use super::{
    ExtraFields, ExtraMap, PassthroughHead, ReasoningDetail, ResponsesStreamEvent, Role,
    TextCompletionResponse, Usage,
};

/// One streamed chunk of any request type.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamChunk {
    /// A `chat.completion.chunk`.
    Chat(ChatStreamChunk),
    /// A streamed text completion chunk.
    Text(TextCompletionResponse),
    /// A Responses API stream event.
    Responses(ResponsesStreamEvent),
    /// Status and headers of a streamed passthrough answer (always its first chunk).
    RawHead(PassthroughHead),
    /// Body bytes of a streamed passthrough answer, relayed unchanged.
    Raw(bytes::Bytes),
}

impl StreamChunk {
    /// Usage carried by this chunk, if any (usually only the last one).
    pub fn usage(&self) -> Option<&Usage> {
        match self {
            Self::Chat(c) => c.usage.as_ref(),
            Self::Text(c) => c.usage.as_ref(),
            Self::Responses(e) => e.usage(),
            Self::RawHead(_) | Self::Raw(_) => None,
        }
    }

    /// The first finish reason carried by this chunk, if any (for Responses API events: the
    /// status of the terminal event).
    pub fn finish_reason(&self) -> Option<&str> {
        match self {
            Self::Chat(c) => c.choices.iter().find_map(|c| c.finish_reason.as_deref()),
            Self::Text(c) => c.choices.iter().find_map(|c| c.finish_reason.as_deref()),
            Self::Responses(e) => e.terminal_status(),
            Self::RawHead(_) | Self::Raw(_) => None,
        }
    }

    /// The model and response id the chunk names, when it names them.
    pub fn model_and_id(&self) -> Option<(&str, &str)> {
        match self {
            Self::Chat(c) => Some((&c.model, &c.id)),
            Self::Text(c) => Some((&c.model, &c.id)),
            Self::RawHead(_) | Self::Raw(_) | Self::Responses(_) => None,
        }
    }

    /// The SSE `event:` name the chunk is sent with, for formats that name their events
    /// (Responses API); `None` for `data:`-only formats.
    pub fn event_name(&self) -> Option<&str> {
        match self {
            Self::Chat(_) | Self::Text(_) | Self::RawHead(_) | Self::Raw(_) => None,
            Self::Responses(e) => Some(e.event_type()),
        }
    }

    /// Sets Bifrost's metadata on the chunk.
    pub fn set_extra_fields(&mut self, fields: ExtraFields) {
        match self {
            Self::Chat(c) => c.extra_fields = Some(fields),
            Self::Text(c) => c.extra_fields = Some(fields),
            Self::Responses(e) => e.set_extra_fields(fields),
            Self::RawHead(_) | Self::Raw(_) => {}
        }
    }

    /// Serializes the chunk as JSON.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        match self {
            Self::Chat(c) => super::to_json_vec(c),
            Self::Text(c) => super::to_json_vec(c),
            Self::Responses(e) => super::to_json_vec(e),
            Self::RawHead(_) => Ok(Vec::new()),
            Self::Raw(b) => Ok(b.to_vec()),
        }
    }
}

/// A `chat.completion.chunk`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ChatStreamChunk {
    /// Completion id (the same on every chunk of a stream).
    #[serde(default)]
    pub id: String,
    /// Always `chat.completion.chunk`.
    #[serde(default = "chunk_object")]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// The model that answers.
    #[serde(default)]
    pub model: String,
    /// Backend configuration fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// Service tier used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Deltas, one per choice (empty on the final usage chunk).
    #[serde(default)]
    pub choices: Vec<ChatStreamChoice>,
    /// Usage, on the final chunk when `stream_options.include_usage` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn chunk_object() -> String {
    "chat.completion.chunk".to_owned()
}

/// The delta of one choice in a chunk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ChatStreamChoice {
    /// Position of the choice.
    #[serde(default)]
    pub index: u32,
    /// What this chunk adds.
    #[serde(default)]
    pub delta: ChatDelta,
    /// Set on the choice's last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Log probabilities, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<serde_json::Value>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Incremental message content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ChatDelta {
    /// Set on the first chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Text fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Tool call fragments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
    /// Refusal fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Reasoning text fragment, when the provider exposes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Reasoning blocks or fragments of them (signatures arrive here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_details: Option<Vec<ReasoningDetail>>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// A fragment of a tool call: the first carries id, type and name; later ones argument text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ToolCallDelta {
    /// Which tool call of the message this fragment belongs to.
    #[serde(default)]
    pub index: u32,
    /// Call id (first fragment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `function` (first fragment).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name and argument fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<FunctionCallDelta>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// Function name (first fragment) and a piece of the JSON arguments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallDelta {
    /// Function name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Argument text fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}
