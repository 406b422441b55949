//! Anthropic's streamed message events -> OpenAI `chat.completion.chunk`s.
//!
//! | event | chunk |
//! |---|---|
//! | `message_start` | `delta: {role: assistant, content: ""}`; id, model and input usage remembered |
//! | `content_block_start` `tool_use` | `tool_calls: [{index, id, type, function: {name, arguments: ""}}]` |
//! | `content_block_start` `redacted_thinking` | `reasoning_details: [{type: reasoning.encrypted, data}]` |
//! | `content_block_delta` `text_delta` | `content` |
//! | `content_block_delta` `input_json_delta` | `tool_calls: [{index, function: {arguments}}]` |
//! | `content_block_delta` `thinking_delta` | `reasoning` and `reasoning_details` `reasoning.text` text |
//! | `content_block_delta` `signature_delta` | `reasoning_details` `reasoning.text` signature |
//! | `message_delta` | `finish_reason` (usage merged: Anthropic's counts are cumulative) |
//! | `message_stop` | the usage chunk (`choices: []`) when `stream_options.include_usage` is set |
//! | `ping`, `content_block_stop`, unknown events | nothing |
//! | `error` | a [`BifrostError`] with the status of the error type (`overloaded_error` -> 529) |
//!
//! Tool call indexes count tool calls (0, 1, ...), not content blocks; reasoning detail indexes
//! count thinking blocks. The usage chunk is computed by [`to_usage`] from the same fields as a
//! non-streamed answer, so both report the same numbers for the same exchange.

use std::sync::Arc;

use eventsource_stream::Event;

use super::error::stream_error;
use super::response::{finish_reason, reasoning_detail, service_tier, to_usage};
use super::types::{BlockDelta, ContentBlock, NativeUsage, StreamEvent};
use crate::error::{BifrostError, ErrorKind};
use crate::providers::common::sse::{SseAction, SseHandler};
use crate::providers::common::upstream_error::excerpt;
use crate::schemas::{
    ChatDelta, ChatStreamChoice, ChatStreamChunk, ExtraMap, FunctionCallDelta, ReasoningDetail,
    Role, StreamChunk, ToolCallDelta,
};

/// What a content block of the stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// A tool call with this tool call index.
    Tool(u32),
    /// A thinking block with this reasoning detail index.
    Reasoning(u32),
    /// Text or a block type that produces no chunks.
    Other,
}

/// Decoder state of one streamed message.
#[derive(Debug)]
pub struct AnthropicChatSse {
    provider: Arc<str>,
    include_usage: bool,
    created: u64,
    id: String,
    model: String,
    usage: NativeUsage,
    /// Content block index -> what it is (blocks arrive in index order).
    blocks: Vec<Block>,
    tools: u32,
    reasoning: u32,
    stopped: bool,
}

impl AnthropicChatSse {
    /// A decoder for `provider`'s stream; `created` is the Unix time put on every chunk.
    pub fn new(provider: Arc<str>, include_usage: bool, created: u64) -> Self {
        Self {
            provider,
            include_usage,
            created,
            id: String::new(),
            model: String::new(),
            usage: NativeUsage::default(),
            blocks: Vec::new(),
            tools: 0,
            reasoning: 0,
            stopped: false,
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
                logprobs: None,
                extra: ExtraMap::new(),
            }],
            ..ChatStreamChunk::default()
        })
    }

    fn block(&self, index: u32) -> Block {
        self.blocks
            .get(index as usize)
            .copied()
            .unwrap_or(Block::Other)
    }

    fn set_block(&mut self, index: u32, block: Block) {
        let i = index as usize;
        if self.blocks.len() <= i {
            self.blocks.resize(i + 1, Block::Other);
        }
        self.blocks[i] = block;
    }

    /// Interprets one event's `data` (Anthropic repeats the event name as `data.type`).
    pub fn on_data(&mut self, data: &str) -> SseAction {
        let data = data.trim();
        if data.is_empty() {
            return SseAction::Skip;
        }
        let event: StreamEvent = match serde_json::from_str(data) {
            Ok(e) => e,
            Err(e) => return SseAction::Fail(self.bad_event(data, &e)),
        };
        match event {
            StreamEvent::MessageStart { message } => {
                self.id = message.id;
                self.model = message.model;
                self.usage = message.usage;
                SseAction::Emit(self.chunk(
                    ChatDelta {
                        role: Some(Role::Assistant),
                        content: Some(String::new()),
                        ..ChatDelta::default()
                    },
                    None,
                ))
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => self.block_start(index, &content_block),
            StreamEvent::ContentBlockDelta { index, delta } => self.block_delta(index, delta),
            StreamEvent::MessageDelta { delta, usage } => {
                if let Some(u) = &usage {
                    self.usage.merge(u);
                }
                match delta.stop_reason {
                    Some(reason) => {
                        let mut chunk =
                            self.chunk(ChatDelta::default(), Some(finish_reason(&reason)));
                        if let (Some(seq), StreamChunk::Chat(c)) = (delta.stop_sequence, &mut chunk)
                        {
                            c.choices[0]
                                .extra
                                .insert("stop_sequence".to_owned(), serde_json::Value::String(seq));
                        }
                        SseAction::Emit(chunk)
                    }
                    None => SseAction::Skip,
                }
            }
            StreamEvent::MessageStop => {
                self.stopped = true;
                if !self.include_usage {
                    return SseAction::End;
                }
                SseAction::Emit(StreamChunk::Chat(ChatStreamChunk {
                    id: self.id.clone(),
                    object: "chat.completion.chunk".to_owned(),
                    created: self.created,
                    model: self.model.clone(),
                    service_tier: self.usage.service_tier.as_deref().map(service_tier),
                    choices: Vec::new(),
                    usage: Some(to_usage(&self.usage)),
                    ..ChatStreamChunk::default()
                }))
            }
            StreamEvent::Error { error } => SseAction::Fail(stream_error(&error, data)),
            StreamEvent::ContentBlockStop { .. } | StreamEvent::Ping | StreamEvent::Unknown => {
                SseAction::Skip
            }
        }
    }

    fn block_start(&mut self, index: u32, block: &ContentBlock) -> SseAction {
        match block.kind.as_str() {
            "tool_use" => {
                let call = self.tools;
                self.tools += 1;
                self.set_block(index, Block::Tool(call));
                SseAction::Emit(self.chunk(
                    ChatDelta {
                        tool_calls: Some(vec![ToolCallDelta {
                            index: call,
                            id: block.id.clone(),
                            kind: Some("function".to_owned()),
                            function: Some(FunctionCallDelta {
                                name: block.name.clone(),
                                arguments: Some(String::new()),
                            }),
                            extra: ExtraMap::new(),
                        }]),
                        ..ChatDelta::default()
                    },
                    None,
                ))
            }
            "thinking" | "redacted_thinking" => {
                let pos = self.reasoning;
                self.reasoning += 1;
                self.set_block(index, Block::Reasoning(pos));
                let has_payload = block.data.is_some()
                    || block.thinking.as_deref().is_some_and(|t| !t.is_empty())
                    || block.signature.as_deref().is_some_and(|s| !s.is_empty());
                match reasoning_detail(block, pos).filter(|_| has_payload) {
                    Some(detail) => SseAction::Emit(self.chunk(
                        ChatDelta {
                            reasoning: block.thinking.clone().filter(|t| !t.is_empty()),
                            reasoning_details: Some(vec![detail]),
                            ..ChatDelta::default()
                        },
                        None,
                    )),
                    None => SseAction::Skip,
                }
            }
            "text" => {
                self.set_block(index, Block::Other);
                match block.text.as_deref().filter(|t| !t.is_empty()) {
                    Some(t) => SseAction::Emit(self.chunk(
                        ChatDelta {
                            content: Some(t.to_owned()),
                            ..ChatDelta::default()
                        },
                        None,
                    )),
                    None => SseAction::Skip,
                }
            }
            _ => {
                self.set_block(index, Block::Other);
                SseAction::Skip
            }
        }
    }

    fn block_delta(&mut self, index: u32, delta: BlockDelta) -> SseAction {
        let out = match (delta.kind.as_str(), self.block(index)) {
            ("text_delta", _) => ChatDelta {
                content: Some(delta.text.unwrap_or_default()),
                ..ChatDelta::default()
            },
            ("input_json_delta", Block::Tool(call)) => {
                let Some(fragment) = delta.partial_json.filter(|p| !p.is_empty()) else {
                    return SseAction::Skip;
                };
                ChatDelta {
                    tool_calls: Some(vec![ToolCallDelta {
                        index: call,
                        function: Some(FunctionCallDelta {
                            name: None,
                            arguments: Some(fragment),
                        }),
                        ..ToolCallDelta::default()
                    }]),
                    ..ChatDelta::default()
                }
            }
            ("thinking_delta", Block::Reasoning(pos)) => ChatDelta {
                reasoning: delta.thinking.clone(),
                reasoning_details: Some(vec![ReasoningDetail {
                    kind: "reasoning.text".to_owned(),
                    text: delta.thinking,
                    index: Some(pos),
                    ..ReasoningDetail::default()
                }]),
                ..ChatDelta::default()
            },
            ("signature_delta", Block::Reasoning(pos)) => ChatDelta {
                reasoning_details: Some(vec![ReasoningDetail {
                    kind: "reasoning.text".to_owned(),
                    signature: delta.signature,
                    index: Some(pos),
                    ..ReasoningDetail::default()
                }]),
                ..ChatDelta::default()
            },
            _ => return SseAction::Skip,
        };
        SseAction::Emit(self.chunk(out, None))
    }

    fn bad_event(&self, data: &str, err: &serde_json::Error) -> BifrostError {
        BifrostError::new(
            ErrorKind::UpstreamDecode,
            format!(
                "{} sent a stream event that is not valid JSON ({err}): {}",
                self.provider,
                excerpt(data.as_bytes())
            ),
        )
        .with_code("invalid_upstream_response")
    }
}

impl SseHandler for AnthropicChatSse {
    fn on_event(&mut self, event: &Event) -> SseAction {
        self.on_data(&event.data)
    }

    fn on_eof(&mut self) -> Option<BifrostError> {
        (!self.stopped).then(|| {
            BifrostError::new(
                ErrorKind::Network,
                format!(
                    "{} closed the stream before it was complete (no message_stop event)",
                    self.provider
                ),
            )
            .with_code("stream_interrupted")
        })
    }
}
