//! Unified `chat.completion.chunk`s -> ConverseStream events, in the order Bedrock sends them:
//!
//! ```text
//! messageStart,
//! (contentBlockStart?, contentBlockDelta*, contentBlockStop)*   one group per block
//! messageStop (stopReason), metadata (usage, metrics)
//! ```
//!
//! | chunk | events |
//! |---|---|
//! | the first chunk | `messageStart` `{"role":"assistant"}` |
//! | `reasoning_details` / `reasoning` | a reasoning block: `reasoningContent` `text` / `signature` / `redactedContent` deltas |
//! | `content`, `refusal` | a text block: `text` deltas |
//! | `tool_calls` (a new tool call index) | `contentBlockStart` with `toolUse` (id, name), then `toolUse.input` deltas |
//! | `finish_reason`, `usage` | remembered for `messageStop` and `metadata` |
//! | the end of the stream | the open block's `contentBlockStop`, `messageStop`, `metadata` |
//!
//! As with Bedrock, only tool blocks open with `contentBlockStart`; a new kind of content closes
//! the open block first, so blocks never overlap.

use serde::Serialize;
use serde_json::{Value, json};

use super::super::types::{
    ContentBlockDelta, ContentBlockDeltaEvent, ContentBlockStart, ContentBlockStartEvent,
    ContentBlockStopEvent, MessageStartEvent, MessageStopEvent, MetadataEvent, ReasoningDelta,
    ToolUseDelta, ToolUseStart,
};
use super::response::{stop_reason, to_token_usage};
use crate::schemas::{ChatStreamChunk, Usage};

/// One ConverseStream event: its `:event-type` and JSON payload.
#[derive(Debug, Clone, PartialEq)]
pub struct OutEvent {
    /// `messageStart`, `contentBlockStart`, `contentBlockDelta`, `contentBlockStop`,
    /// `messageStop` or `metadata`.
    pub kind: &'static str,
    /// The event's payload.
    pub payload: Value,
}

impl OutEvent {
    fn new<T: Serialize>(kind: &'static str, payload: &T) -> Self {
        Self {
            kind,
            payload: serde_json::to_value(payload).unwrap_or(Value::Null),
        }
    }
}

/// What the open block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Text,
    Reasoning,
    /// A tool call (its unified index).
    Tool(u32),
}

/// Turns one unified chunk stream into ConverseStream events.
#[derive(Debug, Default)]
pub struct ConverseStreamEncoder {
    started: bool,
    open: Option<(u32, Block)>,
    next_index: u32,
    finish: Option<String>,
    usage: Option<Usage>,
    finished: bool,
}

impl ConverseStreamEncoder {
    /// A fresh encoder.
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&mut self, out: &mut Vec<OutEvent>) {
        if !self.started {
            self.started = true;
            out.push(OutEvent::new(
                "messageStart",
                &MessageStartEvent {
                    role: "assistant".to_owned(),
                },
            ));
        }
    }

    fn close(&mut self, out: &mut Vec<OutEvent>) {
        if let Some((index, _)) = self.open.take() {
            out.push(OutEvent::new(
                "contentBlockStop",
                &ContentBlockStopEvent {
                    content_block_index: index,
                },
            ));
        }
    }

    /// The index of a block of kind `block`, opening it (and closing another) when needed.
    fn block(&mut self, block: Block, out: &mut Vec<OutEvent>) -> u32 {
        if let Some((index, open)) = self.open
            && open == block
        {
            return index;
        }
        self.close(out);
        let index = self.next_index;
        self.next_index += 1;
        self.open = Some((index, block));
        index
    }

    fn delta(index: u32, delta: ContentBlockDelta, out: &mut Vec<OutEvent>) {
        out.push(OutEvent::new(
            "contentBlockDelta",
            &ContentBlockDeltaEvent {
                delta,
                content_block_index: index,
            },
        ));
    }

    fn reasoning(&mut self, delta: ReasoningDelta, out: &mut Vec<OutEvent>) {
        let index = self.block(Block::Reasoning, out);
        Self::delta(
            index,
            ContentBlockDelta {
                reasoning_content: Some(delta),
                ..ContentBlockDelta::default()
            },
            out,
        );
    }

    fn text(&mut self, text: &str, out: &mut Vec<OutEvent>) {
        if text.is_empty() {
            return;
        }
        let index = self.block(Block::Text, out);
        Self::delta(
            index,
            ContentBlockDelta {
                text: Some(text.to_owned()),
                ..ContentBlockDelta::default()
            },
            out,
        );
    }

    /// Translates one chunk, appending its events to `out`.
    pub fn push(&mut self, chunk: &ChatStreamChunk, out: &mut Vec<OutEvent>) {
        if self.finished {
            return;
        }
        self.start(out);
        if let Some(u) = &chunk.usage {
            self.usage = Some(u.clone());
        }
        let Some(choice) = chunk.choices.first() else {
            return;
        };
        let d = &choice.delta;
        let mut had_details = false;
        for detail in d.reasoning_details.iter().flatten() {
            match detail.kind.as_str() {
                "reasoning.text" => {
                    if let Some(t) = detail.text.as_deref().filter(|t| !t.is_empty()) {
                        had_details = true;
                        self.reasoning(
                            ReasoningDelta {
                                text: Some(t.to_owned()),
                                ..ReasoningDelta::default()
                            },
                            out,
                        );
                    }
                    if let Some(s) = detail.signature.as_deref().filter(|s| !s.is_empty()) {
                        had_details = true;
                        self.reasoning(
                            ReasoningDelta {
                                signature: Some(s.to_owned()),
                                ..ReasoningDelta::default()
                            },
                            out,
                        );
                    }
                }
                "reasoning.encrypted" => {
                    if let Some(data) = &detail.data {
                        had_details = true;
                        // A redacted block stands alone.
                        self.close(out);
                        self.reasoning(
                            ReasoningDelta {
                                redacted_content: Some(data.clone()),
                                ..ReasoningDelta::default()
                            },
                            out,
                        );
                        self.close(out);
                    }
                }
                _ => {}
            }
        }
        if !had_details && let Some(r) = d.reasoning.as_deref().filter(|r| !r.is_empty()) {
            self.reasoning(
                ReasoningDelta {
                    text: Some(r.to_owned()),
                    ..ReasoningDelta::default()
                },
                out,
            );
        }
        if let Some(t) = &d.content {
            self.text(t, out);
        }
        if let Some(r) = &d.refusal {
            self.text(r, out);
        }
        for call in d.tool_calls.iter().flatten() {
            let index = match self.open {
                Some((index, Block::Tool(i))) if i == call.index => index,
                _ => {
                    self.close(out);
                    let index = self.next_index;
                    self.next_index += 1;
                    self.open = Some((index, Block::Tool(call.index)));
                    let function = call.function.as_ref();
                    out.push(OutEvent::new(
                        "contentBlockStart",
                        &ContentBlockStartEvent {
                            start: ContentBlockStart {
                                tool_use: Some(ToolUseStart {
                                    tool_use_id: call.id.clone().unwrap_or_default(),
                                    name: function.and_then(|f| f.name.clone()).unwrap_or_default(),
                                }),
                                extra: Default::default(),
                            },
                            content_block_index: index,
                        },
                    ));
                    index
                }
            };
            if let Some(args) = call
                .function
                .as_ref()
                .and_then(|f| f.arguments.as_deref())
                .filter(|a| !a.is_empty())
            {
                Self::delta(
                    index,
                    ContentBlockDelta {
                        tool_use: Some(ToolUseDelta {
                            input: args.to_owned(),
                        }),
                        ..ContentBlockDelta::default()
                    },
                    out,
                );
            }
        }
        if let Some(f) = &choice.finish_reason {
            self.finish = Some(f.clone());
        }
    }

    /// Ends the message: closes the open block, then `messageStop` and `metadata`
    /// (`latency_ms` as `metrics.latencyMs`).
    pub fn finish(&mut self, latency_ms: u64, out: &mut Vec<OutEvent>) {
        if self.finished {
            return;
        }
        self.start(out);
        self.close(out);
        self.finished = true;
        out.push(OutEvent::new(
            "messageStop",
            &MessageStopEvent {
                stop_reason: stop_reason(self.finish.as_deref(), false).to_owned(),
                additional_model_response_fields: None,
            },
        ));
        out.push(OutEvent::new(
            "metadata",
            &MetadataEvent {
                usage: self.usage.as_ref().map(to_token_usage).unwrap_or_default(),
                metrics: Some(json!({ "latencyMs": latency_ms })),
                trace: None,
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::{ChatDelta, ChatStreamChoice, FunctionCallDelta, ToolCallDelta};

    fn chunk(delta: ChatDelta, finish: Option<&str>) -> ChatStreamChunk {
        ChatStreamChunk {
            choices: vec![ChatStreamChoice {
                index: 0,
                delta,
                finish_reason: finish.map(str::to_owned),
                logprobs: None,
                extra: Default::default(),
            }],
            ..ChatStreamChunk::default()
        }
    }

    #[test]
    fn text_then_tool_call_in_bedrock_order() {
        let mut enc = ConverseStreamEncoder::new();
        let mut out = Vec::new();
        enc.push(
            &chunk(
                ChatDelta {
                    content: Some("Hi".into()),
                    ..ChatDelta::default()
                },
                None,
            ),
            &mut out,
        );
        enc.push(
            &chunk(
                ChatDelta {
                    content: Some(" there".into()),
                    ..ChatDelta::default()
                },
                None,
            ),
            &mut out,
        );
        let call = ToolCallDelta {
            index: 0,
            id: Some("t1".into()),
            kind: Some("function".into()),
            function: Some(FunctionCallDelta {
                name: Some("f".into()),
                arguments: Some("{\"a\":".into()),
            }),
            extra: Default::default(),
        };
        enc.push(
            &chunk(
                ChatDelta {
                    tool_calls: Some(vec![call]),
                    ..ChatDelta::default()
                },
                None,
            ),
            &mut out,
        );
        let more = ToolCallDelta {
            index: 0,
            function: Some(FunctionCallDelta {
                name: None,
                arguments: Some("1}".into()),
            }),
            ..ToolCallDelta::default()
        };
        enc.push(
            &chunk(
                ChatDelta {
                    tool_calls: Some(vec![more]),
                    ..ChatDelta::default()
                },
                Some("tool_calls"),
            ),
            &mut out,
        );
        let usage = ChatStreamChunk {
            usage: Some(Usage::new(5, 3)),
            ..ChatStreamChunk::default()
        };
        enc.push(&usage, &mut out);
        enc.finish(7, &mut out);
        let kinds: Vec<&str> = out.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "messageStart",
                "contentBlockDelta",
                "contentBlockDelta",
                "contentBlockStop",
                "contentBlockStart",
                "contentBlockDelta",
                "contentBlockDelta",
                "contentBlockStop",
                "messageStop",
                "metadata"
            ]
        );
        assert_eq!(
            out[1].payload,
            json!({"delta": {"text": "Hi"}, "contentBlockIndex": 0})
        );
        assert_eq!(
            out[4].payload,
            json!({"start": {"toolUse": {"toolUseId": "t1", "name": "f"}}, "contentBlockIndex": 1})
        );
        assert_eq!(out[6].payload["delta"]["toolUse"]["input"], "1}");
        assert_eq!(out[8].payload, json!({"stopReason": "tool_use"}));
        assert_eq!(
            out[9].payload,
            json!({"usage": {"inputTokens": 5, "outputTokens": 3, "totalTokens": 8}, "metrics": {"latencyMs": 7}})
        );
    }
}
