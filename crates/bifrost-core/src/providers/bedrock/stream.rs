//! ConverseStream: AWS event-stream frames -> OpenAI `chat.completion.chunk`s.
//!
//! Frames (prelude, headers, payload, CRCs) are decoded by `aws-smithy-eventstream`; each
//! message's `:event-type` header names the event and its payload is the event's JSON.
//!
//! | event | chunk |
//! |---|---|
//! | `messageStart` | `delta.role: assistant` |
//! | `contentBlockStart` with `toolUse` | tool call fragment with id, type and name |
//! | `contentBlockDelta` `text` | `delta.content` |
//! | `contentBlockDelta` `toolUse.input` | tool call arguments fragment (content for structured output) |
//! | `contentBlockDelta` `reasoningContent` | `delta.reasoning` / `reasoning_details` (text, signature, redacted) |
//! | `contentBlockStop` | nothing |
//! | `messageStop` | `finish_reason` |
//! | `metadata` | the usage chunk (`choices: []`) when `stream_options.include_usage` is set |
//! | `:message-type: exception` / `error` | a [`BifrostError`] with the exception's status |
//!
//! Tool call indexes count tool calls (0, 1, ...), not content blocks. Usage comes from the same
//! [`to_usage`] as a non-streamed answer, so both report the same numbers.

use std::collections::VecDeque;
use std::sync::Arc;

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::{HeaderValue, Message};
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use super::error::stream_exception;
use super::request::ConverseOptions;
use super::response::{finish_reason_for, to_usage};
use super::types::{
    ContentBlockDeltaEvent, ContentBlockStartEvent, MessageStopEvent, MetadataEvent,
};
use crate::error::{BifrostError, ErrorDetail, ErrorKind};
use crate::provider::ChunkStream;
use crate::providers::common::upstream_error::{excerpt, network_error};
use crate::schemas::{
    ChatDelta, ChatStreamChoice, ChatStreamChunk, FunctionCallDelta, ReasoningDetail, Role,
    StreamChunk, ToolCallDelta,
};

/// What a block of the streamed message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Tool(u32),
    Structured,
    Reasoning(u32),
}

/// Translation state of one ConverseStream.
#[derive(Debug)]
pub struct ConverseStreamState {
    provider: Arc<str>,
    id: String,
    model: String,
    created: u64,
    include_usage: bool,
    opts: ConverseOptions,
    /// Content block index -> what it is.
    blocks: Vec<(u32, Block)>,
    tools: u32,
    reasoning: u32,
    stopped: bool,
}

fn bad_event(provider: &str, event: &str, payload: &[u8], err: &serde_json::Error) -> BifrostError {
    BifrostError::new(
        ErrorKind::UpstreamDecode,
        format!(
            "{provider} sent a {event} event that is not valid ({err}): {}",
            excerpt(payload)
        ),
    )
    .with_code("invalid_upstream_response")
}

fn header_str<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| match h.value() {
            HeaderValue::String(s) => Some(s.as_str()),
            _ => None,
        })
}

impl ConverseStreamState {
    /// State for one stream: `id`, `model` and `created` go on every chunk.
    pub fn new(
        provider: Arc<str>,
        id: String,
        model: String,
        created: u64,
        include_usage: bool,
        opts: ConverseOptions,
    ) -> Self {
        Self {
            provider,
            id,
            model,
            created,
            include_usage,
            opts,
            blocks: Vec::new(),
            tools: 0,
            reasoning: 0,
            stopped: false,
        }
    }

    fn chunk(&self, delta: ChatDelta, finish_reason: Option<String>) -> StreamChunk {
        StreamChunk::Chat(ChatStreamChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk".to_owned(),
            created: self.created,
            model: self.model.clone(),
            choices: vec![ChatStreamChoice {
                index: 0,
                delta,
                finish_reason,
                ..ChatStreamChoice::default()
            }],
            ..ChatStreamChunk::default()
        })
    }

    fn block(&self, index: u32) -> Option<Block> {
        self.blocks
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, b)| *b)
    }

    fn parse<T: DeserializeOwned>(&self, event: &str, payload: &[u8]) -> Result<T, BifrostError> {
        crate::schemas::from_json_slice(payload)
            .map_err(|e| bad_event(&self.provider, event, payload, &e))
    }

    fn tool_delta(&self, index: u32, delta: ToolCallDelta) -> StreamChunk {
        let delta = ToolCallDelta { index, ..delta };
        self.chunk(
            ChatDelta {
                tool_calls: Some(vec![delta]),
                ..ChatDelta::default()
            },
            None,
        )
    }

    fn reasoning_delta(&mut self, block_index: u32) -> u32 {
        if let Some(Block::Reasoning(i)) = self.block(block_index) {
            return i;
        }
        let i = self.reasoning;
        self.reasoning += 1;
        self.blocks.push((block_index, Block::Reasoning(i)));
        i
    }

    /// Translates one decoded event-stream message.
    pub fn on_message(&mut self, message: &Message) -> Result<Vec<StreamChunk>, BifrostError> {
        match header_str(message, ":message-type").unwrap_or("event") {
            "event" => {
                let event = header_str(message, ":event-type").unwrap_or_default();
                self.on_event(event, message.payload())
            }
            "exception" => {
                let exception = header_str(message, ":exception-type").unwrap_or("exception");
                Err(stream_exception(exception, message.payload()))
            }
            _ => {
                let code = header_str(message, ":error-code").unwrap_or("error");
                let text = header_str(message, ":error-message").unwrap_or("stream error");
                Err(BifrostError::upstream(
                    500,
                    ErrorDetail {
                        kind: Some(code.to_owned()),
                        message: text.to_owned(),
                        ..ErrorDetail::default()
                    },
                ))
            }
        }
    }

    /// Translates one event given its `:event-type` and JSON payload.
    pub fn on_event(
        &mut self,
        event: &str,
        payload: &[u8],
    ) -> Result<Vec<StreamChunk>, BifrostError> {
        let out = match event {
            "messageStart" => vec![self.chunk(
                ChatDelta {
                    role: Some(Role::Assistant),
                    content: Some(String::new()),
                    ..ChatDelta::default()
                },
                None,
            )],
            "contentBlockStart" => {
                let e: ContentBlockStartEvent = self.parse(event, payload)?;
                let Some(tool) = e.start.tool_use else {
                    return Ok(Vec::new());
                };
                if self.opts.structured_tool.as_deref() == Some(tool.name.as_str()) {
                    self.blocks.push((e.content_block_index, Block::Structured));
                    return Ok(Vec::new());
                }
                let index = self.tools;
                self.tools += 1;
                self.blocks
                    .push((e.content_block_index, Block::Tool(index)));
                vec![self.tool_delta(
                    index,
                    ToolCallDelta {
                        id: Some(tool.tool_use_id),
                        kind: Some("function".to_owned()),
                        function: Some(FunctionCallDelta {
                            name: Some(tool.name),
                            arguments: Some(String::new()),
                        }),
                        ..ToolCallDelta::default()
                    },
                )]
            }
            "contentBlockDelta" => {
                let e: ContentBlockDeltaEvent = self.parse(event, payload)?;
                self.on_delta(e)
            }
            "messageStop" => {
                let e: MessageStopEvent = self.parse(event, payload)?;
                self.stopped = true;
                let reason = finish_reason_for(&e.stop_reason, &self.opts);
                vec![self.chunk(ChatDelta::default(), Some(reason.to_owned()))]
            }
            "metadata" => {
                let e: MetadataEvent = self.parse(event, payload)?;
                if !self.include_usage {
                    return Ok(Vec::new());
                }
                vec![StreamChunk::Chat(ChatStreamChunk {
                    id: self.id.clone(),
                    object: "chat.completion.chunk".to_owned(),
                    created: self.created,
                    model: self.model.clone(),
                    choices: Vec::new(),
                    usage: Some(to_usage(&e.usage)),
                    ..ChatStreamChunk::default()
                })]
            }
            // contentBlockStop and events this build does not know.
            _ => Vec::new(),
        };
        Ok(out)
    }

    fn on_delta(&mut self, e: ContentBlockDeltaEvent) -> Vec<StreamChunk> {
        let d = e.delta;
        let index = e.content_block_index;
        if let Some(text) = d.text {
            if text.is_empty() {
                return Vec::new();
            }
            return vec![self.chunk(
                ChatDelta {
                    content: Some(text),
                    ..ChatDelta::default()
                },
                None,
            )];
        }
        if let Some(tool) = d.tool_use {
            return match self.block(index) {
                Some(Block::Structured) => vec![self.chunk(
                    ChatDelta {
                        content: Some(tool.input),
                        ..ChatDelta::default()
                    },
                    None,
                )],
                Some(Block::Tool(i)) => vec![self.tool_delta(
                    i,
                    ToolCallDelta {
                        function: Some(FunctionCallDelta {
                            name: None,
                            arguments: Some(tool.input),
                        }),
                        ..ToolCallDelta::default()
                    },
                )],
                // Input for a tool call that never started: nothing to attach it to.
                _ => Vec::new(),
            };
        }
        if let Some(r) = d.reasoning_content {
            let i = self.reasoning_delta(index);
            let mut detail = ReasoningDetail {
                kind: "reasoning.text".to_owned(),
                index: Some(i),
                ..ReasoningDetail::default()
            };
            let mut delta = ChatDelta::default();
            if let Some(text) = r.text {
                delta.reasoning = Some(text.clone());
                detail.text = Some(text);
            } else if let Some(signature) = r.signature {
                detail.signature = Some(signature);
            } else if let Some(data) = r.redacted_content {
                detail.kind = "reasoning.encrypted".to_owned();
                detail.data = Some(data);
            } else {
                return Vec::new();
            }
            delta.reasoning_details = Some(vec![detail]);
            return vec![self.chunk(delta, None)];
        }
        Vec::new()
    }

    /// Called when the body ends: an error unless `messageStop` arrived.
    pub fn on_eof(&self) -> Option<BifrostError> {
        (!self.stopped).then(|| {
            BifrostError::new(
                ErrorKind::Network,
                format!(
                    "{} closed the stream before it was complete (no messageStop event)",
                    self.provider
                ),
            )
            .with_code("stream_interrupted")
        })
    }
}

struct Decoder<S> {
    body: S,
    buf: BytesMut,
    frames: MessageFrameDecoder,
    state: ConverseStreamState,
    pending: VecDeque<StreamChunk>,
    finished: bool,
}

impl<S> Decoder<S>
where
    S: Stream<Item = Result<Bytes, reqwest::Error>> + Send + Unpin + 'static,
{
    async fn next_item(&mut self) -> Option<Result<StreamChunk, BifrostError>> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some(Ok(chunk));
            }
            if self.finished {
                return None;
            }
            match self.frames.decode_frame(&mut self.buf) {
                Ok(DecodedFrame::Complete(message)) => match self.state.on_message(&message) {
                    Ok(chunks) => {
                        self.pending.extend(chunks);
                        continue;
                    }
                    Err(e) => {
                        self.finished = true;
                        return Some(Err(e));
                    }
                },
                Ok(DecodedFrame::Incomplete) => {}
                Err(e) => {
                    self.finished = true;
                    return Some(Err(BifrostError::new(
                        ErrorKind::UpstreamDecode,
                        format!(
                            "{} sent a malformed event-stream frame: {e}",
                            self.state.provider
                        ),
                    )
                    .with_code("invalid_upstream_response")));
                }
            }
            match self.body.next().await {
                Some(Ok(bytes)) => self.buf.extend_from_slice(&bytes),
                Some(Err(e)) => {
                    self.finished = true;
                    let err = network_error(&self.state.provider, &e);
                    return Some(Err(BifrostError::new(
                        ErrorKind::Network,
                        format!("upstream stream broke before completion: {}", err.message()),
                    )
                    .with_code("stream_interrupted")));
                }
                None => {
                    self.finished = true;
                    if !self.buf.is_empty() {
                        return Some(Err(BifrostError::new(
                            ErrorKind::Network,
                            format!(
                                "{} closed the stream in the middle of an event-stream frame",
                                self.state.provider
                            ),
                        )
                        .with_code("stream_interrupted")));
                    }
                    if let Some(e) = self.state.on_eof() {
                        return Some(Err(e));
                    }
                }
            }
        }
    }
}

/// Decodes an event-stream body through `state` into chunks.
pub fn decode_event_stream<S>(body: S, state: ConverseStreamState) -> ChunkStream
where
    S: Stream<Item = Result<Bytes, reqwest::Error>> + Send + Unpin + 'static,
{
    let decoder = Decoder {
        body,
        buf: BytesMut::with_capacity(4096),
        frames: MessageFrameDecoder::new(),
        state,
        pending: VecDeque::new(),
        finished: false,
    };
    futures::stream::unfold(decoder, |mut d| async move {
        let item = d.next_item().await?;
        Some((item, d))
    })
    .boxed()
}
