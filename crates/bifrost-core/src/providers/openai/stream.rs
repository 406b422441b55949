//! OpenAI's server-sent events: chat and text completion chunks (`data: {chunk}` lines ended by
//! `data: [DONE]`) and Responses API events (`event: <type>` + `data: {event}`, ended by a
//! terminal `response.completed` / `.incomplete` / `.failed` event, no `[DONE]`).

use std::sync::Arc;

use eventsource_stream::Event;

use super::error::detail_from_object;
use crate::error::{BifrostError, ErrorKind};
use crate::providers::common::sse::{SseAction, SseHandler};
use crate::providers::common::upstream_error::excerpt;
use crate::schemas::{ChatStreamChunk, ResponsesStreamEvent, StreamChunk, TextCompletionResponse};

fn in_band_error(provider: &str, value: &serde_json::Value) -> BifrostError {
    let detail = detail_from_object(value).unwrap_or_else(|| crate::error::ErrorDetail {
        message: format!("{provider} reported an error mid-stream"),
        ..Default::default()
    });
    BifrostError::upstream(502, detail)
}

fn truncated(provider: &str) -> BifrostError {
    BifrostError::new(
        ErrorKind::Network,
        format!(
            "{provider} closed the stream before it was complete (no [DONE] and no finish_reason)"
        ),
    )
    .with_code("stream_interrupted")
}

fn bad_chunk(provider: &str, data: &str, err: &serde_json::Error) -> BifrostError {
    BifrostError::new(
        ErrorKind::UpstreamDecode,
        format!(
            "{provider} sent a stream chunk that is not valid JSON ({err}): {}",
            excerpt(data.as_bytes())
        ),
    )
    .with_code("invalid_upstream_response")
}

/// Decodes `chat.completion.chunk` events.
#[derive(Debug)]
pub struct OpenAiChatSse {
    provider: Arc<str>,
    finished: bool,
}

impl OpenAiChatSse {
    /// A decoder for `provider`'s stream.
    pub fn new(provider: Arc<str>) -> Self {
        Self {
            provider,
            finished: false,
        }
    }
}

impl SseHandler for OpenAiChatSse {
    fn on_event(&mut self, event: &Event) -> SseAction {
        let data = event.data.trim();
        if data.is_empty() {
            return SseAction::Skip;
        }
        if data == "[DONE]" {
            return SseAction::End;
        }
        match serde_json::from_str::<ChatStreamChunk>(data) {
            Ok(mut chunk) => {
                if let Some(err) = chunk.extra.remove("error") {
                    return SseAction::Fail(in_band_error(&self.provider, &err));
                }
                if chunk.choices.iter().any(|c| c.finish_reason.is_some()) {
                    self.finished = true;
                }
                SseAction::Emit(StreamChunk::Chat(chunk))
            }
            Err(e) => SseAction::Fail(bad_chunk(&self.provider, data, &e)),
        }
    }

    fn on_eof(&mut self) -> Option<BifrostError> {
        (!self.finished).then(|| truncated(&self.provider))
    }
}

/// Decodes streamed text completion events.
#[derive(Debug)]
pub struct OpenAiTextSse {
    provider: Arc<str>,
    finished: bool,
}

impl OpenAiTextSse {
    /// A decoder for `provider`'s stream.
    pub fn new(provider: Arc<str>) -> Self {
        Self {
            provider,
            finished: false,
        }
    }
}

impl SseHandler for OpenAiTextSse {
    fn on_event(&mut self, event: &Event) -> SseAction {
        let data = event.data.trim();
        if data.is_empty() {
            return SseAction::Skip;
        }
        if data == "[DONE]" {
            return SseAction::End;
        }
        match serde_json::from_str::<TextCompletionResponse>(data) {
            Ok(mut chunk) => {
                if let Some(err) = chunk.extra.remove("error") {
                    return SseAction::Fail(in_band_error(&self.provider, &err));
                }
                if chunk.choices.iter().any(|c| c.finish_reason.is_some()) {
                    self.finished = true;
                }
                SseAction::Emit(StreamChunk::Text(chunk))
            }
            Err(e) => SseAction::Fail(bad_chunk(&self.provider, data, &e)),
        }
    }

    fn on_eof(&mut self) -> Option<BifrostError> {
        (!self.finished).then(|| truncated(&self.provider))
    }
}

/// Decodes Responses API events.
///
/// Reusable by every provider that serves OpenAI's Responses API natively (Azure OpenAI's
/// `/openai/v1/responses` streams the same events).
#[derive(Debug)]
pub struct OpenAiResponsesSse {
    provider: Arc<str>,
    finished: bool,
}

impl OpenAiResponsesSse {
    /// A decoder for `provider`'s stream.
    pub fn new(provider: Arc<str>) -> Self {
        Self {
            provider,
            finished: false,
        }
    }
}

impl SseHandler for OpenAiResponsesSse {
    fn on_event(&mut self, event: &Event) -> SseAction {
        let data = event.data.trim();
        if data.is_empty() {
            return SseAction::Skip;
        }
        if data == "[DONE]" {
            return SseAction::End;
        }
        match serde_json::from_str::<ResponsesStreamEvent>(data) {
            Ok(ResponsesStreamEvent::Error(e)) => {
                let detail = crate::error::ErrorDetail {
                    message: if e.message.is_empty() {
                        format!("{} reported an error mid-stream", self.provider)
                    } else {
                        e.message
                    },
                    kind: e.code.as_deref().map(|_| "server_error".to_owned()),
                    code: e.code,
                    param: e.param.map(serde_json::Value::String),
                    ..Default::default()
                };
                SseAction::Fail(BifrostError::upstream(502, detail))
            }
            Ok(event) => {
                if event.is_terminal() {
                    self.finished = true;
                }
                SseAction::Emit(StreamChunk::Responses(event))
            }
            Err(e) => SseAction::Fail(bad_chunk(&self.provider, data, &e)),
        }
    }

    fn on_eof(&mut self) -> Option<BifrostError> {
        (!self.finished).then(|| {
            BifrostError::new(
                ErrorKind::Network,
                format!(
                    "{} closed the stream before it was complete (no response.completed, response.incomplete or response.failed event)",
                    self.provider
                ),
            )
            .with_code("stream_interrupted")
        })
    }
}
