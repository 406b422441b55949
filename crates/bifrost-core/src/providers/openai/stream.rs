//! OpenAI's server-sent events: `data: {chunk}` lines ended by `data: [DONE]`.

use std::sync::Arc;

use eventsource_stream::Event;

use super::error::detail_from_object;
use crate::error::{BifrostError, ErrorKind};
use crate::providers::common::sse::{SseAction, SseHandler};
use crate::providers::common::upstream_error::excerpt;
use crate::schemas::{ChatStreamChunk, StreamChunk, TextCompletionResponse};

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
