//! Unified `chat.completion.chunk`s -> Anthropic's stream events, in the order Anthropic sends
//! them:
//!
//! ```text
//! message_start, ping,
//! (content_block_start, content_block_delta*, content_block_stop)*   one group per block
//! message_delta (stop_reason, stop_sequence, cumulative usage), message_stop
//! ```
//!
//! | chunk | events |
//! |---|---|
//! | the first chunk | `message_start` (id, model, empty content, zero usage) and `ping` |
//! | `reasoning_details` `reasoning.text` text / signature | a `thinking` block: `thinking_delta` / `signature_delta` |
//! | `reasoning_details` `reasoning.encrypted` | a whole `redacted_thinking` block (start with its `data`, stop) |
//! | `reasoning` text without details | `thinking_delta` |
//! | `content`, `refusal` | a `text` block: `text_delta` |
//! | `tool_calls` (a new tool call index) | a `tool_use` block (id, name, `input: {}`), then `input_json_delta`s |
//! | `finish_reason`, `usage` | remembered for `message_delta` |
//! | the end of the stream | the open block's `content_block_stop`, `message_delta`, `message_stop` |
//!
//! A new kind of content closes the open block first, so blocks never overlap. The input token
//! count is known only at the end of a unified stream: `message_start` reports zero and
//! `message_delta` carries the real counts (input, cache and output tokens), which the
//! Anthropic SDKs apply to the final message.

use serde::Serialize;

use super::super::types::{ContentBlock, MessagesResponse, NativeUsage};
use super::response::{message_id, service_tier, stop_reason, stop_sequence_of, to_native_usage};
use crate::schemas::{ChatStreamChunk, ExtraMap, ReasoningDetail, ToolCallDelta, Usage};

/// One Anthropic stream event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutEvent {
    /// The message with empty content.
    MessageStart {
        /// The message so far.
        message: MessagesResponse,
    },
    /// Keep-alive (sent once after `message_start`, as Anthropic does).
    Ping,
    /// A content block begins.
    ContentBlockStart {
        /// Position of the block.
        index: u32,
        /// Its initial form.
        content_block: ContentBlock,
    },
    /// A fragment of a block.
    ContentBlockDelta {
        /// Position of the block.
        index: u32,
        /// The fragment.
        delta: Delta,
    },
    /// A block is complete.
    ContentBlockStop {
        /// Position of the block.
        index: u32,
    },
    /// Stop reason and cumulative usage.
    MessageDelta {
        /// Stop reason and stop sequence.
        delta: MessageDelta,
        /// Cumulative usage.
        usage: NativeUsage,
    },
    /// The message is complete.
    MessageStop,
}

impl OutEvent {
    /// The SSE `event:` name (the same as the `type` field).
    pub fn name(&self) -> &'static str {
        match self {
            Self::MessageStart { .. } => "message_start",
            Self::Ping => "ping",
            Self::ContentBlockStart { .. } => "content_block_start",
            Self::ContentBlockDelta { .. } => "content_block_delta",
            Self::ContentBlockStop { .. } => "content_block_stop",
            Self::MessageDelta { .. } => "message_delta",
            Self::MessageStop => "message_stop",
        }
    }

    /// Appends the event as `event: <type>\ndata: <json>\n\n`.
    pub fn write_sse(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        write_sse_frame(self.name(), self, out)
    }
}

/// Appends one `event: <name>\ndata: <json>\n\n` frame.
pub fn write_sse_frame<T: Serialize>(
    name: &str,
    data: &T,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    serde_json::to_writer(&mut *out, data)?;
    out.extend_from_slice(b"\n\n");
    Ok(())
}

/// A `content_block_delta` payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delta {
    /// Text.
    TextDelta {
        /// The fragment.
        text: String,
    },
    /// A piece of a tool input's JSON.
    InputJsonDelta {
        /// The fragment.
        partial_json: String,
    },
    /// Thinking text.
    ThinkingDelta {
        /// The fragment.
        thinking: String,
    },
    /// The thinking block's signature.
    SignatureDelta {
        /// The signature.
        signature: String,
    },
}

/// The `delta` of `message_delta`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageDelta {
    /// Why the model stopped.
    pub stop_reason: Option<String>,
    /// The stop sequence that matched.
    pub stop_sequence: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Text,
    /// A thinking block for the reasoning detail at this position (`None`: plain reasoning text).
    Thinking(Option<u32>),
    /// A tool use block for this tool call index.
    Tool(u32),
}

/// Turns one unified chunk stream into Anthropic events.
#[derive(Debug)]
pub struct MessageStreamEncoder {
    fallback_id: String,
    started: bool,
    next_index: u32,
    open: Option<(u32, Open)>,
    /// Tool call index -> block index.
    tools: Vec<(u32, u32)>,
    finish: Option<String>,
    stop_sequence: Option<String>,
    usage: Option<Usage>,
    service_tier: Option<String>,
    done: bool,
}

impl MessageStreamEncoder {
    /// An encoder; `fallback_id` names the message when the chunks carry no id.
    pub fn new(fallback_id: impl Into<String>) -> Self {
        Self {
            fallback_id: fallback_id.into(),
            started: false,
            next_index: 0,
            open: None,
            tools: Vec::new(),
            finish: None,
            stop_sequence: None,
            usage: None,
            service_tier: None,
            done: false,
        }
    }

    fn start(&mut self, id: &str, model: &str, out: &mut Vec<OutEvent>) {
        if self.started {
            return;
        }
        self.started = true;
        out.push(OutEvent::MessageStart {
            message: MessagesResponse {
                id: message_id(id, &self.fallback_id),
                kind: "message".to_owned(),
                role: "assistant".to_owned(),
                model: model.to_owned(),
                content: Vec::new(),
                stop_reason: None,
                stop_sequence: None,
                usage: NativeUsage {
                    input_tokens: Some(0),
                    output_tokens: Some(0),
                    cache_creation_input_tokens: Some(0),
                    cache_read_input_tokens: Some(0),
                    ..NativeUsage::default()
                },
                extra: ExtraMap::new(),
            },
        });
        out.push(OutEvent::Ping);
    }

    fn close(&mut self, out: &mut Vec<OutEvent>) {
        if let Some((index, _)) = self.open.take() {
            out.push(OutEvent::ContentBlockStop { index });
        }
    }

    /// Makes `kind` the open block (closing another one, starting it with `block`); returns its
    /// index.
    fn ensure(
        &mut self,
        kind: Open,
        block: impl FnOnce() -> ContentBlock,
        out: &mut Vec<OutEvent>,
    ) -> u32 {
        if let Some((index, open)) = self.open
            && open == kind
        {
            return index;
        }
        self.close(out);
        let index = self.next_index;
        self.next_index += 1;
        out.push(OutEvent::ContentBlockStart {
            index,
            content_block: block(),
        });
        self.open = Some((index, kind));
        index
    }

    fn thinking(&mut self, pos: Option<u32>, out: &mut Vec<OutEvent>) -> u32 {
        // A signature or text without a position belongs to the open thinking block.
        let kind = match (pos, self.open) {
            (None, Some((_, Open::Thinking(p)))) => Open::Thinking(p),
            (p, _) => Open::Thinking(p),
        };
        // Anthropic starts a thinking block as `{"type":"thinking","thinking":""}` and sends
        // its signature as a delta; reasoning text of other providers has no signature to
        // come, so its block starts with an empty one.
        let unsigned = kind == Open::Thinking(None);
        self.ensure(
            kind,
            || ContentBlock {
                kind: "thinking".to_owned(),
                thinking: Some(String::new()),
                signature: unsigned.then(String::new),
                ..ContentBlock::default()
            },
            out,
        )
    }

    fn delta(&mut self, index: u32, delta: Delta, out: &mut Vec<OutEvent>) {
        out.push(OutEvent::ContentBlockDelta { index, delta });
    }

    fn reasoning_detail(&mut self, d: &ReasoningDetail, out: &mut Vec<OutEvent>) {
        match d.kind.as_str() {
            "reasoning.encrypted" => {
                self.close(out);
                let index = self.next_index;
                self.next_index += 1;
                out.push(OutEvent::ContentBlockStart {
                    index,
                    content_block: ContentBlock {
                        kind: "redacted_thinking".to_owned(),
                        data: Some(d.data.clone().unwrap_or_default()),
                        ..ContentBlock::default()
                    },
                });
                out.push(OutEvent::ContentBlockStop { index });
            }
            _ => {
                let text = d.text.as_deref().or(d.summary.as_deref()).unwrap_or("");
                if !text.is_empty() {
                    let index = self.thinking(d.index, out);
                    self.delta(
                        index,
                        Delta::ThinkingDelta {
                            thinking: text.to_owned(),
                        },
                        out,
                    );
                }
                if let Some(sig) = d.signature.as_deref().filter(|s| !s.is_empty()) {
                    let index = self.thinking(d.index, out);
                    self.delta(
                        index,
                        Delta::SignatureDelta {
                            signature: sig.to_owned(),
                        },
                        out,
                    );
                }
            }
        }
    }

    fn tool_call(&mut self, tc: &ToolCallDelta, out: &mut Vec<OutEvent>) {
        let known = self
            .tools
            .iter()
            .find(|(call, _)| *call == tc.index)
            .map(|(_, block)| *block);
        let index = match known {
            Some(block) => block,
            None => {
                let fallback_id = format!("toolu_{}_{}", self.fallback_id, tc.index);
                let function = tc.function.as_ref();
                let index = self.ensure(
                    Open::Tool(tc.index),
                    || ContentBlock {
                        kind: "tool_use".to_owned(),
                        id: Some(tc.id.clone().unwrap_or(fallback_id)),
                        name: Some(function.and_then(|f| f.name.clone()).unwrap_or_default()),
                        input: Some(serde_json::Value::Object(ExtraMap::new())),
                        ..ContentBlock::default()
                    },
                    out,
                );
                self.tools.push((tc.index, index));
                index
            }
        };
        if let Some(args) = tc
            .function
            .as_ref()
            .and_then(|f| f.arguments.as_deref())
            .filter(|a| !a.is_empty())
        {
            self.delta(
                index,
                Delta::InputJsonDelta {
                    partial_json: args.to_owned(),
                },
                out,
            );
        }
    }

    /// Appends the events for one chunk.
    pub fn push(&mut self, chunk: &ChatStreamChunk, out: &mut Vec<OutEvent>) {
        if self.done {
            return;
        }
        self.start(&chunk.id, &chunk.model, out);
        if let Some(u) = &chunk.usage {
            self.usage = Some(u.clone());
        }
        if let Some(tier) = &chunk.service_tier {
            self.service_tier = Some(service_tier(tier));
        }
        let Some(choice) = chunk.choices.iter().find(|c| c.index == 0) else {
            return;
        };
        let delta = &choice.delta;
        match delta.reasoning_details.as_deref() {
            Some(details) if !details.is_empty() => {
                for d in details {
                    self.reasoning_detail(d, out);
                }
            }
            _ => {
                if let Some(r) = delta.reasoning.as_deref().filter(|r| !r.is_empty()) {
                    let index = self.thinking(None, out);
                    self.delta(
                        index,
                        Delta::ThinkingDelta {
                            thinking: r.to_owned(),
                        },
                        out,
                    );
                }
            }
        }
        for text in [delta.content.as_deref(), delta.refusal.as_deref()]
            .into_iter()
            .flatten()
            .filter(|t| !t.is_empty())
        {
            let index = self.ensure(Open::Text, || ContentBlock::text(""), out);
            self.delta(
                index,
                Delta::TextDelta {
                    text: text.to_owned(),
                },
                out,
            );
        }
        for tc in delta.tool_calls.iter().flatten() {
            self.tool_call(tc, out);
        }
        if let Some(reason) = &choice.finish_reason {
            self.finish = Some(reason.clone());
            self.stop_sequence = stop_sequence_of(&choice.extra);
        }
    }

    /// Appends the closing events: the open block's stop, `message_delta` and `message_stop`.
    pub fn finish(&mut self, out: &mut Vec<OutEvent>) {
        if self.done {
            return;
        }
        self.start("", "", out);
        self.done = true;
        self.close(out);
        let reason = stop_reason(
            self.finish.as_deref(),
            self.stop_sequence.as_deref(),
            !self.tools.is_empty(),
        );
        let mut usage = match &self.usage {
            Some(u) => to_native_usage(u),
            None => NativeUsage {
                output_tokens: Some(0),
                ..NativeUsage::default()
            },
        };
        usage.service_tier = self.service_tier.take();
        out.push(OutEvent::MessageDelta {
            delta: MessageDelta {
                stop_sequence: self
                    .stop_sequence
                    .take()
                    .filter(|_| reason == "stop_sequence"),
                stop_reason: Some(reason),
            },
            usage,
        });
        out.push(OutEvent::MessageStop);
    }
}
