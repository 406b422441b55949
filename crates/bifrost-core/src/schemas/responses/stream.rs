//! Stream events of the Responses API.
//!
//! A stream is `response.created`, `response.in_progress`, then for each output item
//! `response.output_item.added`, the item's own events (content parts and text deltas, function
//! call argument deltas, reasoning summary deltas) and `response.output_item.done`, and finally
//! one terminal event: `response.completed`, `response.incomplete` or `response.failed`, which
//! carries the whole response with its usage. Every event has a `sequence_number` that counts
//! from 0. On the wire each event is `event: <type>\ndata: <json>\n\n`, without `[DONE]`.

use serde::{Deserialize, Serialize};

use super::{ResponsesContentPart, ResponsesItem, ResponsesResponse};
use crate::schemas::{ExtraFields, ExtraMap, Usage};

/// One event of a streamed response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ResponsesStreamEvent {
    /// The response was created (status `in_progress`).
    #[serde(rename = "response.created")]
    Created(ResponseEvent),
    /// The response is queued (background mode).
    #[serde(rename = "response.queued")]
    Queued(ResponseEvent),
    /// Generation started.
    #[serde(rename = "response.in_progress")]
    InProgress(ResponseEvent),
    /// Terminal: the response completed.
    #[serde(rename = "response.completed")]
    Completed(ResponseEvent),
    /// Terminal: the response stopped early (`incomplete_details` says why).
    #[serde(rename = "response.incomplete")]
    Incomplete(ResponseEvent),
    /// Terminal: the response failed (`response.error` says why).
    #[serde(rename = "response.failed")]
    Failed(ResponseEvent),
    /// An output item started.
    #[serde(rename = "response.output_item.added")]
    OutputItemAdded(OutputItemEvent),
    /// An output item is complete.
    #[serde(rename = "response.output_item.done")]
    OutputItemDone(OutputItemEvent),
    /// A content part of a message started.
    #[serde(rename = "response.content_part.added")]
    ContentPartAdded(ContentPartEvent),
    /// A content part of a message is complete.
    #[serde(rename = "response.content_part.done")]
    ContentPartDone(ContentPartEvent),
    /// More output text.
    #[serde(rename = "response.output_text.delta")]
    OutputTextDelta(TextDeltaEvent),
    /// The whole text of an `output_text` part.
    #[serde(rename = "response.output_text.done")]
    OutputTextDone(TextDoneEvent),
    /// More refusal text.
    #[serde(rename = "response.refusal.delta")]
    RefusalDelta(TextDeltaEvent),
    /// The whole text of a `refusal` part.
    #[serde(rename = "response.refusal.done")]
    RefusalDone(RefusalDoneEvent),
    /// More function call arguments.
    #[serde(rename = "response.function_call_arguments.delta")]
    FunctionCallArgumentsDelta(ArgumentsDeltaEvent),
    /// The whole arguments of a function call.
    #[serde(rename = "response.function_call_arguments.done")]
    FunctionCallArgumentsDone(ArgumentsDoneEvent),
    /// A reasoning summary part started.
    #[serde(rename = "response.reasoning_summary_part.added")]
    ReasoningSummaryPartAdded(SummaryPartEvent),
    /// A reasoning summary part is complete.
    #[serde(rename = "response.reasoning_summary_part.done")]
    ReasoningSummaryPartDone(SummaryPartEvent),
    /// More reasoning summary text.
    #[serde(rename = "response.reasoning_summary_text.delta")]
    ReasoningSummaryTextDelta(SummaryTextDeltaEvent),
    /// The whole text of a reasoning summary part.
    #[serde(rename = "response.reasoning_summary_text.done")]
    ReasoningSummaryTextDone(SummaryTextDoneEvent),
    /// An error; the stream ends.
    #[serde(rename = "error")]
    Error(ErrorEvent),
    /// Any other event (hosted tool progress, audio, annotations, ...), kept verbatim.
    #[serde(untagged)]
    Other(ExtraMap),
}

/// Applies `$body` to the payload of every typed variant, `$other` to `Other`.
macro_rules! with_payload {
    ($event:expr, |$p:ident| $body:expr, |$m:ident| $other:expr) => {
        match $event {
            ResponsesStreamEvent::Created($p)
            | ResponsesStreamEvent::Queued($p)
            | ResponsesStreamEvent::InProgress($p)
            | ResponsesStreamEvent::Completed($p)
            | ResponsesStreamEvent::Incomplete($p)
            | ResponsesStreamEvent::Failed($p) => $body,
            ResponsesStreamEvent::OutputItemAdded($p)
            | ResponsesStreamEvent::OutputItemDone($p) => $body,
            ResponsesStreamEvent::ContentPartAdded($p)
            | ResponsesStreamEvent::ContentPartDone($p) => $body,
            ResponsesStreamEvent::OutputTextDelta($p) | ResponsesStreamEvent::RefusalDelta($p) => {
                $body
            }
            ResponsesStreamEvent::OutputTextDone($p) => $body,
            ResponsesStreamEvent::RefusalDone($p) => $body,
            ResponsesStreamEvent::FunctionCallArgumentsDelta($p) => $body,
            ResponsesStreamEvent::FunctionCallArgumentsDone($p) => $body,
            ResponsesStreamEvent::ReasoningSummaryPartAdded($p)
            | ResponsesStreamEvent::ReasoningSummaryPartDone($p) => $body,
            ResponsesStreamEvent::ReasoningSummaryTextDelta($p) => $body,
            ResponsesStreamEvent::ReasoningSummaryTextDone($p) => $body,
            ResponsesStreamEvent::Error($p) => $body,
            ResponsesStreamEvent::Other($m) => $other,
        }
    };
}

impl ResponsesStreamEvent {
    /// The event's `type` (also its SSE `event:` name).
    pub fn event_type(&self) -> &str {
        match self {
            Self::Created(_) => "response.created",
            Self::Queued(_) => "response.queued",
            Self::InProgress(_) => "response.in_progress",
            Self::Completed(_) => "response.completed",
            Self::Incomplete(_) => "response.incomplete",
            Self::Failed(_) => "response.failed",
            Self::OutputItemAdded(_) => "response.output_item.added",
            Self::OutputItemDone(_) => "response.output_item.done",
            Self::ContentPartAdded(_) => "response.content_part.added",
            Self::ContentPartDone(_) => "response.content_part.done",
            Self::OutputTextDelta(_) => "response.output_text.delta",
            Self::OutputTextDone(_) => "response.output_text.done",
            Self::RefusalDelta(_) => "response.refusal.delta",
            Self::RefusalDone(_) => "response.refusal.done",
            Self::FunctionCallArgumentsDelta(_) => "response.function_call_arguments.delta",
            Self::FunctionCallArgumentsDone(_) => "response.function_call_arguments.done",
            Self::ReasoningSummaryPartAdded(_) => "response.reasoning_summary_part.added",
            Self::ReasoningSummaryPartDone(_) => "response.reasoning_summary_part.done",
            Self::ReasoningSummaryTextDelta(_) => "response.reasoning_summary_text.delta",
            Self::ReasoningSummaryTextDone(_) => "response.reasoning_summary_text.done",
            Self::Error(_) => "error",
            Self::Other(m) => m
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("unknown"),
        }
    }

    /// The event's `sequence_number`.
    pub fn sequence_number(&self) -> u64 {
        with_payload!(self, |p| p.sequence_number, |m| m
            .get("sequence_number")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0))
    }

    /// Sets the event's `sequence_number`.
    pub fn set_sequence_number(&mut self, n: u64) {
        with_payload!(self, |p| p.sequence_number = n, |m| {
            m.insert("sequence_number".to_owned(), n.into());
        })
    }

    /// Sets Bifrost's metadata on the event.
    pub fn set_extra_fields(&mut self, fields: ExtraFields) {
        with_payload!(self, |p| p.extra_fields = Some(fields), |m| {
            if let Ok(v) = serde_json::to_value(fields) {
                m.insert("extra_fields".to_owned(), v);
            }
        })
    }

    /// The response carried by lifecycle events.
    pub fn response(&self) -> Option<&ResponsesResponse> {
        match self {
            Self::Created(e)
            | Self::Queued(e)
            | Self::InProgress(e)
            | Self::Completed(e)
            | Self::Incomplete(e)
            | Self::Failed(e) => Some(&e.response),
            _ => None,
        }
    }

    /// True for `response.completed`, `response.incomplete` and `response.failed`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed(_) | Self::Incomplete(_) | Self::Failed(_)
        )
    }

    /// Usage, carried by the terminal event.
    pub fn usage(&self) -> Option<&Usage> {
        if self.is_terminal() {
            self.response().and_then(ResponsesResponse::unified_usage)
        } else {
            None
        }
    }

    /// The terminal event's status (`completed`, `incomplete`, `failed`).
    pub fn terminal_status(&self) -> Option<&str> {
        if self.is_terminal() {
            self.response().and_then(|r| r.status.as_deref())
        } else {
            None
        }
    }
}

/// A lifecycle event: `response.created`, `.in_progress`, `.completed`, `.incomplete`, `.failed`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ResponseEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The response so far (complete in terminal events).
    pub response: ResponsesResponse,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.output_item.added` / `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct OutputItemEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// The item (empty when added, complete when done).
    pub item: ResponsesItem,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.content_part.added` / `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ContentPartEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The message item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// Position of the part in the message's content.
    #[serde(default)]
    pub content_index: u32,
    /// The part (empty when added, complete when done).
    pub part: ResponsesContentPart,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.output_text.delta` / `response.refusal.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct TextDeltaEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The message item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// Position of the part in the message's content.
    #[serde(default)]
    pub content_index: u32,
    /// The new text.
    #[serde(default)]
    pub delta: String,
    /// Log probabilities of the delta's tokens (output text only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<serde_json::Value>>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know (e.g. `obfuscation`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.output_text.done`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct TextDoneEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The message item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// Position of the part in the message's content.
    #[serde(default)]
    pub content_index: u32,
    /// The part's whole text.
    #[serde(default)]
    pub text: String,
    /// Log probabilities of the text's tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<serde_json::Value>>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.refusal.done`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct RefusalDoneEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The message item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// Position of the part in the message's content.
    #[serde(default)]
    pub content_index: u32,
    /// The whole refusal text.
    #[serde(default)]
    pub refusal: String,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.function_call_arguments.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ArgumentsDeltaEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The function call item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// The new argument text.
    #[serde(default)]
    pub delta: String,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know (e.g. `obfuscation`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.function_call_arguments.done`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ArgumentsDoneEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The function call item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// The whole arguments.
    #[serde(default)]
    pub arguments: String,
    /// The function's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.reasoning_summary_part.added` / `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct SummaryPartEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The reasoning item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// Position of the part in the item's summary.
    #[serde(default)]
    pub summary_index: u32,
    /// The `summary_text` part (empty when added, complete when done).
    pub part: ResponsesContentPart,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.reasoning_summary_text.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct SummaryTextDeltaEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The reasoning item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// Position of the part in the item's summary.
    #[serde(default)]
    pub summary_index: u32,
    /// The new summary text.
    #[serde(default)]
    pub delta: String,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know (e.g. `obfuscation`), kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `response.reasoning_summary_text.done`.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct SummaryTextDoneEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// The reasoning item.
    #[serde(default)]
    pub item_id: String,
    /// Position of the item in `output`.
    #[serde(default)]
    pub output_index: u32,
    /// Position of the part in the item's summary.
    #[serde(default)]
    pub summary_index: u32,
    /// The part's whole text.
    #[serde(default)]
    pub text: String,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

/// `error`: the stream failed.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ErrorEvent {
    /// Position of the event in the stream.
    #[serde(default)]
    pub sequence_number: u64,
    /// Error code (`server_error`, `rate_limit_exceeded`, ...).
    #[serde(default)]
    pub code: Option<String>,
    /// What went wrong.
    #[serde(default)]
    pub message: String,
    /// The request parameter at fault.
    #[serde(default)]
    pub param: Option<String>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ResponsesStreamEvent {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn openai_events_parse_and_round_trip() {
        let events = [
            r#"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","created_at":1,"status":"in_progress","model":"gpt-4.1","output":[],"usage":null,"error":null,"incomplete_details":null,"tools":[]}}"#,
            r#"{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"message","id":"msg_1","role":"assistant","status":"in_progress","content":[]}}"#,
            r#"{"type":"response.content_part.added","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[],"logprobs":[]}}"#,
            r#"{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi","logprobs":[],"obfuscation":"xyz"}"#,
            r#"{"type":"response.output_text.done","sequence_number":5,"item_id":"msg_1","output_index":0,"content_index":0,"text":"Hi","logprobs":[]}"#,
            r#"{"type":"response.function_call_arguments.delta","sequence_number":6,"item_id":"fc_1","output_index":1,"delta":"{\"a\""}"#,
            r#"{"type":"response.function_call_arguments.done","sequence_number":7,"item_id":"fc_1","output_index":1,"arguments":"{\"a\":1}"}"#,
            r#"{"type":"response.reasoning_summary_part.added","sequence_number":8,"item_id":"rs_1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}"#,
            r#"{"type":"response.reasoning_summary_text.delta","sequence_number":9,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"hmm"}"#,
            r#"{"type":"response.reasoning_summary_text.done","sequence_number":10,"item_id":"rs_1","output_index":0,"summary_index":0,"text":"hmm"}"#,
            r#"{"type":"response.web_search_call.searching","sequence_number":11,"item_id":"ws_1","output_index":2}"#,
            r#"{"type":"error","sequence_number":12,"code":"server_error","message":"boom","param":null}"#,
        ];
        for (i, json) in events.iter().enumerate() {
            let event = parse(json);
            let original: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(event.event_type(), original["type"], "{json}");
            assert_eq!(
                event.sequence_number(),
                original["sequence_number"],
                "{json}"
            );
            assert_eq!(serde_json::to_value(&event).unwrap(), original, "event {i}");
        }
    }

    #[test]
    fn terminal_event_carries_usage_and_status() {
        let event = parse(
            r#"{"type":"response.completed","sequence_number":20,"response":{"id":"r","object":"response","created_at":1,"status":"completed","model":"m","output":[],"usage":{"input_tokens":2,"output_tokens":3,"total_tokens":5}}}"#,
        );
        assert!(event.is_terminal());
        assert_eq!(event.usage().unwrap().total_tokens, 5);
        assert_eq!(event.terminal_status(), Some("completed"));
        let created = parse(
            r#"{"type":"response.created","sequence_number":0,"response":{"id":"r","object":"response","created_at":1,"status":"in_progress","model":"m","output":[]}}"#,
        );
        assert!(created.usage().is_none());
    }

    #[test]
    fn sequence_and_extra_fields_can_be_set_on_any_event() {
        let mut unknown =
            parse(r#"{"type":"response.audio.delta","sequence_number":1,"delta":"AAAA"}"#);
        unknown.set_sequence_number(7);
        unknown.set_extra_fields(ExtraFields {
            provider: "openai".into(),
            ..ExtraFields::default()
        });
        let v = serde_json::to_value(&unknown).unwrap();
        assert_eq!(v["sequence_number"], 7);
        assert_eq!(v["extra_fields"]["provider"], "openai");
        assert_eq!(unknown.event_type(), "response.audio.delta");
    }
}
