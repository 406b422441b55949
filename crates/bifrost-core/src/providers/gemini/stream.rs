//! `streamGenerateContent?alt=sse`: every event's data is a whole `GenerateContentResponse`
//! holding the next piece of each candidate. There is no `[DONE]`: the stream ends when the HTTP
//! body ends cleanly after a chunk with a `finishReason`.
//!
//! Each event becomes one `chat.completion.chunk`: new text as `delta.content`, thoughts as
//! `delta.reasoning`, function calls as complete `tool_calls` deltas (Gemini never splits a call
//! across chunks), signatures in `delta.reasoning_details`. The chunk with the finish reason
//! also carries the usage (Gemini reports it on every stream, so it is always passed on).
//! An in-band `{"error": ...}` event ends the stream with that error.

use std::collections::HashMap;
use std::sync::Arc;

use eventsource_stream::Event;
use serde_json::json;

use super::error::google_error;
use super::response::{
    convert_parts, finish_reason, finish_reason_is_exact, logprobs, prompt_blocked, usage,
};
use super::types::{GenerateContentResponse, GoogleError};
use crate::error::{BifrostError, ErrorKind};
use crate::providers::common::sse::{SseAction, SseHandler};
use crate::providers::common::upstream_error::excerpt;
use crate::schemas::{
    ChatDelta, ChatStreamChoice, ChatStreamChunk, ExtraMap, FunctionCallDelta, Role, StreamChunk,
    ToolCallDelta,
};

/// Per-candidate progress.
#[derive(Debug, Default)]
struct CandidateState {
    role_sent: bool,
    next_call: usize,
    details: usize,
    called: bool,
}

/// Decodes Gemini's chat stream into OpenAI chunks.
#[derive(Debug)]
pub struct GeminiChatSse {
    provider: Arc<str>,
    fallback_id: String,
    model: String,
    created: u64,
    candidates: HashMap<u32, CandidateState>,
    finished: bool,
}

impl GeminiChatSse {
    /// A decoder for one stream. `fallback_id` is used when Gemini sends no `responseId`.
    pub fn new(provider: Arc<str>, fallback_id: String, model: String, created: u64) -> Self {
        Self {
            provider,
            fallback_id,
            model,
            created,
            candidates: HashMap::new(),
            finished: false,
        }
    }

    /// Translates one streamed response; `None` when it carries nothing to pass on.
    pub fn translate(
        &mut self,
        resp: GenerateContentResponse,
    ) -> Result<Option<ChatStreamChunk>, BifrostError> {
        if let Some(err) = resp.extra.get("error") {
            let err: GoogleError =
                serde_json::from_value(err.clone()).unwrap_or_else(|_| GoogleError {
                    message: format!("{} reported an error mid-stream: {err}", self.provider),
                    ..GoogleError::default()
                });
            return Err(google_error(err.code.unwrap_or(502), &err));
        }
        if resp.candidates.is_empty()
            && let Some(feedback) = resp
                .prompt_feedback
                .as_ref()
                .filter(|f| f.block_reason.is_some())
        {
            return Err(prompt_blocked(&self.provider, feedback));
        }
        let id = resp
            .response_id
            .clone()
            .unwrap_or_else(|| self.fallback_id.clone());
        let mut choices = Vec::with_capacity(resp.candidates.len());
        let mut any_finish = false;
        for (pos, c) in resp.candidates.iter().enumerate() {
            let index = c.index.unwrap_or(pos as u32);
            let state = self.candidates.entry(index).or_default();
            let converted = c
                .content
                .as_ref()
                .map(|content| {
                    convert_parts(
                        &content.parts,
                        &id,
                        index,
                        &mut state.next_call,
                        state.details,
                    )
                })
                .unwrap_or_default();
            state.details += converted.details.len();
            let first_call = state.next_call - converted.calls.len();
            state.called |= !converted.calls.is_empty();
            let tool_calls: Vec<ToolCallDelta> = converted
                .calls
                .into_iter()
                .enumerate()
                .map(|(i, call)| ToolCallDelta {
                    index: (first_call + i) as u32,
                    id: Some(call.id),
                    kind: Some("function".to_owned()),
                    function: Some(FunctionCallDelta {
                        name: Some(call.function.name),
                        arguments: Some(call.function.arguments),
                    }),
                    extra: ExtraMap::new(),
                })
                .collect();
            let native = c.finish_reason.as_deref().filter(|r| !r.is_empty());
            let has_payload = !converted.text.is_empty()
                || !converted.reasoning.is_empty()
                || !converted.details.is_empty()
                || !tool_calls.is_empty()
                || native.is_some();
            if !has_payload && state.role_sent {
                continue;
            }
            let mut extra = ExtraMap::new();
            if let Some(n) = native.filter(|n| !finish_reason_is_exact(n)) {
                extra.insert("native_finish_reason".to_owned(), json!(n));
            }
            any_finish |= native.is_some();
            choices.push(ChatStreamChoice {
                index,
                delta: ChatDelta {
                    role: (!std::mem::replace(&mut state.role_sent, true))
                        .then_some(Role::Assistant),
                    content: (!converted.text.is_empty()).then_some(converted.text),
                    tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
                    refusal: None,
                    reasoning: (!converted.reasoning.is_empty()).then_some(converted.reasoning),
                    reasoning_details: (!converted.details.is_empty()).then_some(converted.details),
                    extra: ExtraMap::new(),
                },
                finish_reason: native.map(|n| finish_reason(n, state.called).to_owned()),
                logprobs: c.logprobs_result.as_ref().map(logprobs),
                extra,
            });
        }
        self.finished |= any_finish;
        let usage = resp
            .usage_metadata
            .as_ref()
            .filter(|_| any_finish || resp.candidates.is_empty())
            .map(usage);
        if choices.is_empty() && usage.is_none() {
            return Ok(None);
        }
        Ok(Some(ChatStreamChunk {
            id,
            object: "chat.completion.chunk".to_owned(),
            created: self.created,
            model: resp.model_version.unwrap_or_else(|| self.model.clone()),
            system_fingerprint: None,
            service_tier: None,
            choices,
            usage,
            extra_fields: None,
            extra: ExtraMap::new(),
        }))
    }
}

impl SseHandler for GeminiChatSse {
    fn on_event(&mut self, event: &Event) -> SseAction {
        let data = event.data.trim();
        if data.is_empty() {
            return SseAction::Skip;
        }
        let resp = match serde_json::from_str::<GenerateContentResponse>(data) {
            Ok(r) => r,
            Err(e) => {
                return SseAction::Fail(
                    BifrostError::new(
                        ErrorKind::UpstreamDecode,
                        format!(
                            "{} sent a stream chunk that is not valid JSON ({e}): {}",
                            self.provider,
                            excerpt(data.as_bytes())
                        ),
                    )
                    .with_code("invalid_upstream_response"),
                );
            }
        };
        match self.translate(resp) {
            Ok(Some(chunk)) => SseAction::Emit(StreamChunk::Chat(chunk)),
            Ok(None) => SseAction::Skip,
            Err(e) => SseAction::Fail(e),
        }
    }

    fn on_eof(&mut self) -> Option<BifrostError> {
        (!self.finished).then(|| {
            BifrostError::new(
                ErrorKind::Network,
                format!(
                    "{} closed the stream before it was complete (no finishReason)",
                    self.provider
                ),
            )
            .with_code("stream_interrupted")
        })
    }
}
