//! Bifrost's `extra_fields` metadata attached to every response and error.

use serde::Serialize;

use super::{ExtraMap, RequestType};

/// Metadata the gateway adds to responses: who served the request and how long it took.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ExtraFields {
    /// The provider that served the request (after fallbacks).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
    /// The request type (`chat_completion`, `embedding`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_type: Option<RequestType>,
    /// The model as the caller asked for it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model_requested: String,
    /// Total latency in milliseconds (for streams: on the last chunk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<u64>,
    /// Position of the chunk in a stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_index: Option<u64>,
    /// Which fallback served the request (0 = the primary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_index: Option<usize>,
    /// The upstream's raw body, when `send_back_raw_response` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_response: Option<serde_json::Value>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}
