//! Items of the Responses API: what `input` carries and what `output` returns.
//!
//! Input and output share item shapes (an output item can be sent back as input on the next
//! turn), so one type serves both. Item types this module does not model (hosted tool calls,
//! `item_reference`, ...) are kept verbatim in [`ResponsesItem::Other`].

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::schemas::ExtraMap;

/// One item of `input` or `output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ResponsesItem {
    /// `{"type":"message","role":...,"content":...}`.
    #[serde(rename = "message")]
    Message(ResponsesMessage),
    /// A function call made by the model.
    #[serde(rename = "function_call")]
    FunctionCall(ResponsesFunctionCall),
    /// The caller's result of a function call.
    #[serde(rename = "function_call_output")]
    FunctionCallOutput(ResponsesFunctionCallOutput),
    /// The model's reasoning (summary, visible text, encrypted content).
    #[serde(rename = "reasoning")]
    Reasoning(ResponsesReasoningItem),
    /// A message given without `type` (OpenAI's "easy input message"), kept without it.
    #[serde(untagged)]
    EasyMessage(ResponsesMessage),
    /// Any other item (hosted tool calls, item references, ...), kept verbatim.
    #[serde(untagged)]
    Other(ExtraMap),
}

impl ResponsesItem {
    /// The item's `type` (`message` for messages given without one).
    pub fn kind(&self) -> &str {
        match self {
            Self::EasyMessage(m) => m
                .extra
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("message"),
            Self::Message(_) => "message",
            Self::FunctionCall(_) => "function_call",
            Self::FunctionCallOutput(_) => "function_call_output",
            Self::Reasoning(_) => "reasoning",
            Self::Other(map) => map
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or(""),
        }
    }

    /// The message, for message items (typed or not). An untyped item whose unknown fields
    /// carry a `type` is not a message (it is an item type this module does not know).
    pub fn as_message(&self) -> Option<&ResponsesMessage> {
        match self {
            Self::Message(m) => Some(m),
            Self::EasyMessage(m) if !m.extra.contains_key("type") => Some(m),
            _ => None,
        }
    }

    /// The item's `id`, when it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Message(m) | Self::EasyMessage(m) => m.id.as_deref(),
            Self::FunctionCall(c) => c.id.as_deref(),
            Self::FunctionCallOutput(o) => o.id.as_deref(),
            Self::Reasoning(r) => Some(&r.id),
            Self::Other(map) => map.get("id").and_then(serde_json::Value::as_str),
        }
    }
}

/// A message item: input from the user, system or developer, or the assistant's output.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesMessage {
    /// Item id (output messages, replayed assistant messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `user`, `assistant`, `system` or `developer`.
    pub role: String,
    /// Text or typed content parts.
    #[serde(default)]
    pub content: ResponsesMessageContent,
    /// `in_progress`, `completed` or `incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields this type does not know (e.g. `phase`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ResponsesMessage {
    /// An assistant output message with one `output_text` part.
    pub fn assistant_text(id: impl Into<String>, text: impl Into<String>, status: &str) -> Self {
        Self {
            id: Some(id.into()),
            role: "assistant".to_owned(),
            content: ResponsesMessageContent::Parts(vec![ResponsesContentPart::output_text(text)]),
            status: Some(status.to_owned()),
            extra: ExtraMap::new(),
        }
    }

    /// The concatenated text of the message (`input_text`, `output_text` and `text` parts).
    pub fn text(&self) -> String {
        self.content.to_text()
    }
}

/// Message content: a string or a list of typed parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ResponsesMessageContent {
    /// Plain text.
    Text(String),
    /// `input_text`, `input_image`, `input_file`, `output_text`, `refusal`, ... parts.
    Parts(Vec<ResponsesContentPart>),
}

impl Default for ResponsesMessageContent {
    fn default() -> Self {
        Self::Parts(Vec::new())
    }
}

impl ResponsesMessageContent {
    /// The concatenated text of the text-bearing parts.
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Parts(parts) => parts
                .iter()
                .filter(|p| p.is_text())
                .filter_map(|p| p.text.as_deref())
                .collect(),
        }
    }
}

// Hand-written so that a string or an array is told apart without serde's untagged buffering.
impl<'de> Deserialize<'de> for ResponsesMessageContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContentVisitor;
        impl<'de> Visitor<'de> for ContentVisitor {
            type Value = ResponsesMessageContent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of content parts")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ResponsesMessageContent::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(ResponsesMessageContent::Text(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut parts = Vec::with_capacity(seq.size_hint().unwrap_or(2));
                while let Some(part) = seq.next_element()? {
                    parts.push(part);
                }
                Ok(ResponsesMessageContent::Parts(parts))
            }
        }
        deserializer.deserialize_any(ContentVisitor)
    }
}

/// One typed part of a message's content.
///
/// A flat struct rather than a tagged enum so that parts of unknown types survive a round trip.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesContentPart {
    /// `input_text`, `input_image`, `input_file`, `input_audio`, `output_text`, `refusal`,
    /// `summary_text`, `reasoning_text`, or another type kept verbatim.
    #[serde(rename = "type")]
    pub kind: String,
    /// Text of `input_text`, `output_text`, `summary_text` and `reasoning_text` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// URL (or `data:` URL) of an `input_image` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Uploaded file id of an `input_image` or `input_file` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// Inline (base64 or `data:` URL) content of an `input_file` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_data: Option<String>,
    /// URL of an `input_file` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// File name of an `input_file` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// `auto`, `low` or `high` for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Refusal text of a `refusal` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Citations of an `output_text` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<serde_json::Value>>,
    /// Log probabilities of an `output_text` part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<serde_json::Value>>,
    /// Fields this type does not know (e.g. `input_audio`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ResponsesContentPart {
    fn empty(kind: &str) -> Self {
        Self {
            kind: kind.to_owned(),
            text: None,
            image_url: None,
            file_id: None,
            file_data: None,
            file_url: None,
            filename: None,
            detail: None,
            refusal: None,
            annotations: None,
            logprobs: None,
            extra: ExtraMap::new(),
        }
    }

    /// An `input_text` part.
    pub fn input_text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::empty("input_text")
        }
    }

    /// An `output_text` part with no annotations.
    pub fn output_text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            annotations: Some(Vec::new()),
            logprobs: Some(Vec::new()),
            ..Self::empty("output_text")
        }
    }

    /// A `refusal` part.
    pub fn refusal(text: impl Into<String>) -> Self {
        Self {
            refusal: Some(text.into()),
            ..Self::empty("refusal")
        }
    }

    /// A `summary_text` part (reasoning summaries).
    pub fn summary_text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::empty("summary_text")
        }
    }

    /// A `reasoning_text` part (visible reasoning).
    pub fn reasoning_text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::empty("reasoning_text")
        }
    }

    /// True for parts whose `text` is message text (`input_text`, `output_text`, `text`).
    pub fn is_text(&self) -> bool {
        matches!(self.kind.as_str(), "input_text" | "output_text" | "text")
    }
}

/// A function call the model made (`type: function_call`).
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesFunctionCall {
    /// Item id (`fc_...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The id the caller answers with in `function_call_output`.
    pub call_id: String,
    /// Function name.
    pub name: String,
    /// Arguments as a JSON string.
    #[serde(default)]
    pub arguments: String,
    /// `in_progress`, `completed` or `incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields this type does not know (e.g. `namespace`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// The caller's result of a function call (`type: function_call_output`).
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesFunctionCallOutput {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The `call_id` of the function call this answers.
    pub call_id: String,
    /// The result: a string, or a list of `input_text` / `input_image` / `input_file` parts.
    pub output: ResponsesMessageContent,
    /// `in_progress`, `completed` or `incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// The model's reasoning (`type: reasoning`).
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponsesReasoningItem {
    /// Item id (`rs_...`).
    #[serde(default)]
    pub id: String,
    /// Reasoning summary parts (`summary_text`).
    #[serde(default)]
    pub summary: Vec<ResponsesContentPart>,
    /// Visible reasoning text parts (`reasoning_text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<ResponsesContentPart>>,
    /// Opaque reasoning state, returned when `include` asks for `reasoning.encrypted_content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_content: Option<String>,
    /// `in_progress`, `completed` or `incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

impl ResponsesReasoningItem {
    /// The concatenated summary text.
    pub fn summary_text(&self) -> String {
        self.summary
            .iter()
            .filter_map(|p| p.text.as_deref())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(json: &str) -> ResponsesItem {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_item_kind_parses_and_round_trips() {
        let cases = [
            r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"https://x/y.png","detail":"low"},{"type":"input_file","file_id":"file-1","filename":"a.pdf"}]}"#,
            r#"{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"ok","annotations":[]}],"phase":"final_answer"}"#,
            r#"{"role":"developer","content":"be brief"}"#,
            r#"{"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}"#,
            r#"{"type":"function_call_output","call_id":"call_1","output":"sunny"}"#,
            r#"{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"thinking"}],"encrypted_content":"gAAA"}"#,
            r#"{"type":"item_reference","id":"msg_0"}"#,
            r#"{"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"q"}}"#,
        ];
        let kinds = [
            "message",
            "message",
            "message",
            "function_call",
            "function_call_output",
            "reasoning",
            "item_reference",
            "web_search_call",
        ];
        for (json, kind) in cases.iter().zip(kinds) {
            let parsed = item(json);
            assert_eq!(parsed.kind(), kind, "{json}");
            let back = serde_json::to_value(&parsed).unwrap();
            let original: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(back, original, "round trip of {json}");
        }
    }

    #[test]
    fn message_helpers() {
        let m = item(r#"{"role":"user","content":"plain"}"#);
        assert_eq!(m.as_message().unwrap().text(), "plain");
        let m = item(
            r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"u"},{"type":"input_text","text":"b"}]}"#,
        );
        assert_eq!(m.as_message().unwrap().text(), "ab");
        // An item of an unknown type that happens to carry role and content is not a message.
        let odd = item(r#"{"type":"future_item","role":"user","content":"x"}"#);
        assert!(odd.as_message().is_none());
        assert_eq!(odd.kind(), "future_item");
    }

    #[test]
    fn reasoning_summary_text_joins_parts() {
        let ResponsesItem::Reasoning(r) = item(
            r#"{"type":"reasoning","id":"rs","summary":[{"type":"summary_text","text":"a"},{"type":"summary_text","text":"b"}]}"#,
        ) else {
            panic!("expected reasoning")
        };
        assert_eq!(r.summary_text(), "a\n\nb");
    }
}
