//! A chat completion stream -> Responses API stream events.
//!
//! The first chunk opens the response (`response.created`, `response.in_progress`); reasoning,
//! text, refusal and tool call deltas open and fill items through the [`EventBuilder`]; the
//! terminal event (`response.completed` or `response.incomplete`, with usage) is sent when the
//! chat stream ends, since usage arrives in the last chunk, after `finish_reason`.

use std::collections::VecDeque;

use futures::StreamExt;

use super::builder::EventBuilder;
use super::response::{id_base, incomplete_reason, skeleton};
use crate::error::BifrostError;
use crate::provider::ChunkStream;
use crate::schemas::{ChatStreamChunk, ResponsesRequest, StreamChunk, Usage};

/// Translates the chunks of one chat completion stream into Responses events.
pub struct ChatStreamTranslator {
    request: ResponsesRequest,
    builder: Option<EventBuilder>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
}

impl ChatStreamTranslator {
    /// A translator for the stream that answers `request`.
    pub fn new(request: &ResponsesRequest) -> Self {
        // Only the fields echoed in the response are needed; drop the (possibly large) input.
        let mut request = request.clone();
        request.input = None;
        Self {
            request,
            builder: None,
            finish_reason: None,
            usage: None,
        }
    }

    /// The events one chat chunk produces.
    pub fn on_chunk(
        &mut self,
        chunk: &ChatStreamChunk,
    ) -> Vec<crate::schemas::ResponsesStreamEvent> {
        let b = self.builder.get_or_insert_with(|| {
            let mut b = EventBuilder::new(
                &id_base(&chunk.id),
                skeleton(&self.request, &chunk.model, chunk.created),
                true,
            );
            b.start();
            b
        });
        if let Some(u) = &chunk.usage {
            self.usage = Some(u.clone());
        }
        // Chat streams may carry several choices; a response has one output.
        for choice in chunk.choices.iter().filter(|c| c.index == 0) {
            let delta = &choice.delta;
            if let Some(r) = delta.reasoning.as_deref() {
                b.reasoning_delta(r);
            }
            for d in delta.reasoning_details.iter().flatten() {
                b.reasoning_detail(d);
            }
            if let Some(text) = delta.content.as_deref() {
                b.text_delta(text);
            }
            if let Some(serde_json::Value::Array(a)) = delta.extra.get("annotations")
                && !a.is_empty()
            {
                b.annotations(a);
            }
            if let Some(refusal) = delta.refusal.as_deref() {
                b.refusal_delta(refusal);
            }
            for call in delta.tool_calls.iter().flatten() {
                let function = call.function.as_ref();
                b.call_delta(
                    call.index,
                    call.id.as_deref(),
                    function.and_then(|f| f.name.as_deref()),
                    function.and_then(|f| f.arguments.as_deref()).unwrap_or(""),
                );
            }
            if let Some(reason) = &choice.finish_reason {
                self.finish_reason = Some(reason.clone());
            }
        }
        b.take_events()
    }

    /// The closing events once the chat stream ended (nothing if it never started).
    pub fn finish(&mut self) -> Vec<crate::schemas::ResponsesStreamEvent> {
        let Some(b) = self.builder.as_mut() else {
            return Vec::new();
        };
        b.finish(
            incomplete_reason(self.finish_reason.as_deref()),
            self.usage.take(),
        );
        b.take_events()
    }
}

struct State {
    upstream: ChunkStream,
    translator: ChatStreamTranslator,
    pending: VecDeque<crate::schemas::ResponsesStreamEvent>,
    done: bool,
}

/// Wraps a chat completion stream so that it yields the Responses events answering `request`.
/// An upstream failure is passed on and ends the stream.
pub fn translate_chat_stream(upstream: ChunkStream, request: &ResponsesRequest) -> ChunkStream {
    let state = State {
        upstream,
        translator: ChatStreamTranslator::new(request),
        pending: VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(event) = st.pending.pop_front() {
                return Some((Ok(StreamChunk::Responses(event)), st));
            }
            if st.done {
                return None;
            }
            match st.upstream.next().await {
                Some(Ok(StreamChunk::Chat(chunk))) => {
                    st.pending.extend(st.translator.on_chunk(&chunk));
                }
                Some(Ok(StreamChunk::Responses(event))) => {
                    // Already in the right shape (a provider that streams natively).
                    return Some((Ok(StreamChunk::Responses(event)), st));
                }
                Some(Ok(_)) => {
                    st.done = true;
                    let err = BifrostError::internal(
                        "a chat stream produced a chunk that is not a chat completion chunk",
                    );
                    return Some((Err(err), st));
                }
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                None => {
                    st.done = true;
                    st.pending.extend(st.translator.finish());
                }
            }
        }
    })
    .boxed()
}
