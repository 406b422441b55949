//! Cohere v2 chat stream events -> OpenAI `chat.completion.chunk`s.
//!
//! | event | chunk |
//! |---|---|
//! | `message-start` | `delta.role: assistant` (the event's `id` becomes the chunks' id) |
//! | `content-delta` `text` / `thinking` | `delta.content` / `delta.reasoning` |
//! | `tool-plan-delta` | `delta.reasoning` |
//! | `tool-call-start` | tool call fragment with id, type, name (and any first arguments) |
//! | `tool-call-delta` | tool call arguments fragment |
//! | `message-end` | `finish_reason`, then the usage chunk (`choices: []`) when `stream_options.include_usage` is set |
//! | `content-start`, `content-end`, `tool-call-end`, `citation-*`, `debug` | nothing |
//!
//! `message-end` yields two chunks; [`split_usage`] splits the one the handler emits. Usage
//! comes from the same [`to_usage`] as a non-streamed answer.

use std::sync::Arc;

use eventsource_stream::Event;
use futures::StreamExt;
use serde_json::Value;

use super::response::{finish_reason, to_usage};
use super::types::StreamEvent;
use crate::error::{BifrostError, ErrorDetail, ErrorKind};
use crate::provider::ChunkStream;
use crate::providers::common::sse::{SseAction, SseHandler};
use crate::providers::common::upstream_error::excerpt;
use crate::schemas::{
    ChatDelta, ChatStreamChoice, ChatStreamChunk, FunctionCallDelta, Role, StreamChunk,
    ToolCallDelta,
};

/// Translation state of one Cohere chat stream.
#[derive(Debug)]
pub struct CohereChatSse {
    provider: Arc<str>,
    include_usage: bool,
    created: u64,
    model: String,
    id: String,
    /// Tool calls started so far (the index of the next one).
    tools: u32,
    finished: bool,
}

impl CohereChatSse {
    /// A decoder for `provider`'s stream; `model` and `created` go on every chunk.
    pub fn new(provider: Arc<str>, model: String, created: u64, include_usage: bool) -> Self {
        Self {
            provider,
            include_usage,
            created,
            model,
            id: String::new(),
            tools: 0,
            finished: false,
        }
    }

    fn chunk(&self, delta: ChatDelta, finish: Option<String>) -> StreamChunk {
        StreamChunk::Chat(ChatStreamChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk".to_owned(),
            created: self.created,
            model: self.model.clone(),
            choices: vec![ChatStreamChoice {
                index: 0,
                delta,
                finish_reason: finish,
                ..ChatStreamChoice::default()
            }],
            ..ChatStreamChunk::default()
        })
    }

    fn tool_call(&mut self, event: &StreamEvent, start: bool) -> SseAction {
        let call = event
            .delta
            .as_ref()
            .and_then(|d| d.message.as_ref())
            .and_then(|m| m.tool_calls.as_ref())
            .cloned()
            .unwrap_or(Value::Null);
        let index = if start {
            let i = event.index.unwrap_or(self.tools);
            self.tools = self.tools.max(i + 1);
            i
        } else {
            event.index.unwrap_or(self.tools.saturating_sub(1))
        };
        let function = call.get("function");
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let arguments = text(function.and_then(|f| f.get("arguments")));
        if !start && arguments.as_deref().is_none_or(str::is_empty) {
            return SseAction::Skip;
        }
        let delta = ToolCallDelta {
            index,
            id: if start { text(call.get("id")) } else { None },
            kind: start.then(|| "function".to_owned()),
            function: Some(FunctionCallDelta {
                name: if start {
                    text(function.and_then(|f| f.get("name")))
                } else {
                    None
                },
                arguments: Some(arguments.unwrap_or_default()),
            }),
            ..ToolCallDelta::default()
        };
        SseAction::Emit(self.chunk(
            ChatDelta {
                tool_calls: Some(vec![delta]),
                ..ChatDelta::default()
            },
            None,
        ))
    }

    /// Interprets one event's JSON data.
    pub fn on_data(&mut self, data: &str) -> SseAction {
        let data = data.trim();
        if data.is_empty() {
            return SseAction::Skip;
        }
        if data == "[DONE]" {
            return SseAction::End;
        }
        let event: StreamEvent = match serde_json::from_str(data) {
            Ok(e) => e,
            Err(e) => {
                return SseAction::Fail(
                    BifrostError::new(
                        ErrorKind::UpstreamDecode,
                        format!(
                            "{} sent a stream event that is not valid JSON ({e}): {}",
                            self.provider,
                            excerpt(data.as_bytes())
                        ),
                    )
                    .with_code("invalid_upstream_response"),
                );
            }
        };
        let message = event.delta.as_ref().and_then(|d| d.message.as_ref());
        match event.kind.as_str() {
            "message-start" => {
                if let Some(id) = &event.id {
                    self.id.clone_from(id);
                }
                SseAction::Emit(self.chunk(
                    ChatDelta {
                        role: Some(Role::Assistant),
                        content: Some(String::new()),
                        ..ChatDelta::default()
                    },
                    None,
                ))
            }
            "content-delta" => {
                let content = message.and_then(|m| m.content.as_ref());
                let field = |k: &str| {
                    content
                        .and_then(|c| c.get(k))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                let delta = if let Some(text) = field("text") {
                    ChatDelta {
                        content: Some(text),
                        ..ChatDelta::default()
                    }
                } else if let Some(thinking) = field("thinking") {
                    ChatDelta {
                        reasoning: Some(thinking),
                        ..ChatDelta::default()
                    }
                } else {
                    return SseAction::Skip;
                };
                SseAction::Emit(self.chunk(delta, None))
            }
            "tool-plan-delta" => match message.and_then(|m| m.tool_plan.clone()) {
                Some(plan) if !plan.is_empty() => SseAction::Emit(self.chunk(
                    ChatDelta {
                        reasoning: Some(plan),
                        ..ChatDelta::default()
                    },
                    None,
                )),
                _ => SseAction::Skip,
            },
            "tool-call-start" => self.tool_call(&event, true),
            "tool-call-delta" => self.tool_call(&event, false),
            "message-end" => {
                self.finished = true;
                let delta = event.delta.unwrap_or_default();
                let reason = delta.finish_reason.as_deref().unwrap_or("COMPLETE");
                if reason == "ERROR" {
                    return SseAction::Fail(BifrostError::upstream(
                        500,
                        ErrorDetail {
                            kind: Some("stream_error".to_owned()),
                            message: delta
                                .error
                                .unwrap_or_else(|| "generation failed".to_owned()),
                            ..ErrorDetail::default()
                        },
                    ));
                }
                let mut chunk =
                    self.chunk(ChatDelta::default(), Some(finish_reason(reason).to_owned()));
                if self.include_usage
                    && let (StreamChunk::Chat(c), Some(u)) = (&mut chunk, &delta.usage)
                {
                    c.usage = Some(to_usage(u));
                }
                SseAction::Emit(chunk)
            }
            _ => SseAction::Skip,
        }
    }
}

impl SseHandler for CohereChatSse {
    fn on_event(&mut self, event: &Event) -> SseAction {
        self.on_data(&event.data)
    }

    fn on_eof(&mut self) -> Option<BifrostError> {
        (!self.finished).then(|| {
            BifrostError::new(
                ErrorKind::Network,
                format!(
                    "{} closed the stream before it was complete (no message-end event)",
                    self.provider
                ),
            )
            .with_code("stream_interrupted")
        })
    }
}

/// Splits a chunk that carries both a finish reason and usage into the finish chunk and an
/// OpenAI-style usage chunk (`choices: []`).
pub fn split(chunk: StreamChunk) -> Vec<StreamChunk> {
    match chunk {
        StreamChunk::Chat(mut c) if c.usage.is_some() && !c.choices.is_empty() => {
            let usage = ChatStreamChunk {
                id: c.id.clone(),
                object: c.object.clone(),
                created: c.created,
                model: c.model.clone(),
                choices: Vec::new(),
                usage: c.usage.take(),
                ..ChatStreamChunk::default()
            };
            vec![StreamChunk::Chat(c), StreamChunk::Chat(usage)]
        }
        other => vec![other],
    }
}

/// Applies [`split`] to every chunk of a stream.
pub fn split_usage(stream: ChunkStream) -> ChunkStream {
    stream
        .flat_map(|item| {
            let items: Vec<Result<StreamChunk, BifrostError>> = match item {
                Ok(chunk) => split(chunk).into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            futures::stream::iter(items)
        })
        .boxed()
}
