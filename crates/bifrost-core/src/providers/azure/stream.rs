//! Azure OpenAI's event stream: OpenAI's, plus chunks that carry only content-filter results
//! (`choices: []` with `prompt_filter_results`), which are not part of the answer and are skipped.

use std::sync::Arc;

use eventsource_stream::Event;

use crate::error::BifrostError;
use crate::providers::common::sse::{SseAction, SseHandler};
use crate::providers::openai::stream::OpenAiChatSse;
use crate::schemas::StreamChunk;

/// Decodes Azure's `chat.completion.chunk` events.
#[derive(Debug)]
pub struct AzureChatSse(OpenAiChatSse);

impl AzureChatSse {
    /// A decoder for `provider`'s stream.
    pub fn new(provider: Arc<str>) -> Self {
        Self(OpenAiChatSse::new(provider))
    }
}

impl SseHandler for AzureChatSse {
    fn on_event(&mut self, event: &Event) -> SseAction {
        match self.0.on_event(event) {
            SseAction::Emit(StreamChunk::Chat(c)) if c.choices.is_empty() && c.usage.is_none() => {
                SseAction::Skip
            }
            other => other,
        }
    }

    fn on_eof(&mut self) -> Option<BifrostError> {
        self.0.on_eof()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(data: &str) -> Event {
        Event {
            event: "message".into(),
            data: data.into(),
            id: String::new(),
            retry: None,
        }
    }

    #[test]
    fn filter_only_chunks_are_skipped() {
        let mut h = AzureChatSse::new("azure".into());
        let filter = r#"{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}"#;
        assert!(matches!(h.on_event(&event(filter)), SseAction::Skip));
        let chunk = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#;
        assert!(matches!(h.on_event(&event(chunk)), SseAction::Emit(_)));
        let usage = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
        assert!(matches!(h.on_event(&event(usage)), SseAction::Emit(_)));
    }
}
