//! Unified `chat.completion.chunk`s -> Cohere v2 chat stream events, in the order Cohere sends
//! them:
//!
//! ```text
//! message-start,
//! (content-start, content-delta*, content-end)*            text and thinking blocks
//! (tool-call-start, tool-call-delta*, tool-call-end)*      tool calls
//! message-end (finish_reason, usage)
//! ```
//!
//! | chunk | events |
//! |---|---|
//! | the first chunk | `message-start` (id, role, empty content) |
//! | `reasoning` | a `thinking` content block |
//! | `content`, `refusal` | a `text` content block |
//! | `tool_calls` (a new tool call index) | `tool-call-start` (id, name), then `tool-call-delta`s |
//! | `finish_reason`, `usage` | remembered for `message-end` |
//! | the end of the stream | the open block's end event, `message-end` |
//!
//! Each event is `event: <type>\ndata: <json>\n\n`, the JSON carrying its `type` too (what the
//! Cohere SDKs read). A failure after the stream started is a `message-end` with
//! `finish_reason: ERROR` and the error's message in `delta.error`.

use serde_json::{Value, json};

use super::response::{finish_reason, to_cohere_usage};
use crate::schemas::{ChatStreamChunk, Usage};

/// One Cohere stream event: its type and JSON data (with `type` set).
#[derive(Debug, Clone, PartialEq)]
pub struct OutEvent {
    /// `message-start`, `content-start`, ...
    pub kind: &'static str,
    /// The event's data.
    pub data: Value,
}

impl OutEvent {
    fn new(kind: &'static str, mut data: Value) -> Self {
        if let Value::Object(map) = &mut data {
            map.insert("type".to_owned(), Value::String(kind.to_owned()));
        }
        Self { kind, data }
    }

    /// Writes the event as SSE.
    pub fn write_sse(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(self.kind.as_bytes());
        out.extend_from_slice(b"\ndata: ");
        serde_json::to_writer(&mut *out, &self.data)?;
        out.extend_from_slice(b"\n\n");
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Text(u32),
    Thinking(u32),
    /// (Cohere tool call index, unified tool call index)
    Tool(u32, u32),
}

/// Turns one unified chunk stream into Cohere v2 stream events.
#[derive(Debug)]
pub struct ChatStreamEncoder {
    id: String,
    started: bool,
    open: Option<Open>,
    next_content: u32,
    next_tool: u32,
    finish: Option<String>,
    usage: Option<Usage>,
    finished: bool,
}

impl ChatStreamEncoder {
    /// A fresh encoder; `id` identifies the message.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            started: false,
            open: None,
            next_content: 0,
            next_tool: 0,
            finish: None,
            usage: None,
            finished: false,
        }
    }

    fn start(&mut self, chunk_id: Option<&str>, out: &mut Vec<OutEvent>) {
        if self.started {
            return;
        }
        self.started = true;
        if let Some(id) = chunk_id.filter(|i| !i.is_empty()) {
            id.clone_into(&mut self.id);
        }
        out.push(OutEvent::new(
            "message-start",
            json!({"id": self.id, "delta": {"message": {
                "role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []
            }}}),
        ));
    }

    fn close(&mut self, out: &mut Vec<OutEvent>) {
        match self.open.take() {
            Some(Open::Text(i) | Open::Thinking(i)) => {
                out.push(OutEvent::new("content-end", json!({ "index": i })));
            }
            Some(Open::Tool(i, _)) => {
                out.push(OutEvent::new("tool-call-end", json!({ "index": i })));
            }
            None => {}
        }
    }

    fn content(&mut self, thinking: bool, piece: &str, out: &mut Vec<OutEvent>) {
        if piece.is_empty() {
            return;
        }
        let index = match self.open {
            Some(Open::Text(i)) if !thinking => i,
            Some(Open::Thinking(i)) if thinking => i,
            _ => {
                self.close(out);
                let i = self.next_content;
                self.next_content += 1;
                let (open, block) = if thinking {
                    (
                        Open::Thinking(i),
                        json!({"type": "thinking", "thinking": ""}),
                    )
                } else {
                    (Open::Text(i), json!({"type": "text", "text": ""}))
                };
                self.open = Some(open);
                out.push(OutEvent::new(
                    "content-start",
                    json!({"index": i, "delta": {"message": {"content": block}}}),
                ));
                i
            }
        };
        let delta = if thinking {
            json!({ "thinking": piece })
        } else {
            json!({ "text": piece })
        };
        out.push(OutEvent::new(
            "content-delta",
            json!({"index": index, "delta": {"message": {"content": delta}}}),
        ));
    }

    /// Translates one chunk, appending its events to `out`.
    pub fn push(&mut self, chunk: &ChatStreamChunk, out: &mut Vec<OutEvent>) {
        if self.finished {
            return;
        }
        self.start(Some(&chunk.id), out);
        if let Some(u) = &chunk.usage {
            self.usage = Some(u.clone());
        }
        let Some(choice) = chunk.choices.first() else {
            return;
        };
        let d = &choice.delta;
        if let Some(r) = &d.reasoning {
            self.content(true, r, out);
        }
        if let Some(t) = &d.content {
            self.content(false, t, out);
        }
        if let Some(r) = &d.refusal {
            self.content(false, r, out);
        }
        for call in d.tool_calls.iter().flatten() {
            let index = match self.open {
                Some(Open::Tool(i, unified)) if unified == call.index => i,
                _ => {
                    self.close(out);
                    let i = self.next_tool;
                    self.next_tool += 1;
                    self.open = Some(Open::Tool(i, call.index));
                    let name = call
                        .function
                        .as_ref()
                        .and_then(|f| f.name.clone())
                        .unwrap_or_default();
                    out.push(OutEvent::new(
                        "tool-call-start",
                        json!({"index": i, "delta": {"message": {"tool_calls": {
                            "id": call.id.clone().unwrap_or_default(),
                            "type": "function",
                            "function": {"name": name, "arguments": ""}
                        }}}}),
                    ));
                    i
                }
            };
            if let Some(args) = call
                .function
                .as_ref()
                .and_then(|f| f.arguments.as_deref())
                .filter(|a| !a.is_empty())
            {
                out.push(OutEvent::new(
                    "tool-call-delta",
                    json!({"index": index, "delta": {"message": {"tool_calls": {
                        "function": {"arguments": args}
                    }}}}),
                ));
            }
        }
        if let Some(f) = &choice.finish_reason {
            self.finish = Some(f.clone());
        }
    }

    fn end(&mut self, finish: &str, error: Option<&str>, out: &mut Vec<OutEvent>) {
        if self.finished {
            return;
        }
        self.start(None, out);
        self.close(out);
        self.finished = true;
        let usage = self.usage.as_ref().map(to_cohere_usage).unwrap_or_default();
        let mut delta = json!({"finish_reason": finish, "usage": usage});
        if let (Some(e), Value::Object(map)) = (error, &mut delta) {
            map.insert("error".to_owned(), Value::String(e.to_owned()));
        }
        out.push(OutEvent::new("message-end", json!({ "delta": delta })));
    }

    /// Ends the message: closes the open block, then `message-end`.
    pub fn finish(&mut self, out: &mut Vec<OutEvent>) {
        let finish = finish_reason(self.finish.as_deref());
        self.end(finish, None, out);
    }

    /// Ends the message after a failure: `message-end` with `finish_reason: ERROR`.
    pub fn fail(&mut self, message: &str, out: &mut Vec<OutEvent>) {
        self.end("ERROR", Some(message), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::{ChatDelta, ChatStreamChoice, FunctionCallDelta, ToolCallDelta};

    fn chunk(delta: ChatDelta, finish: Option<&str>) -> ChatStreamChunk {
        ChatStreamChunk {
            id: "chatcmpl-1".to_owned(),
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
    fn text_and_tool_calls_in_cohere_order() {
        let mut enc = ChatStreamEncoder::new("fallback");
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
        let call = ToolCallDelta {
            index: 0,
            id: Some("c1".into()),
            kind: Some("function".into()),
            function: Some(FunctionCallDelta {
                name: Some("f".into()),
                arguments: Some("{}".into()),
            }),
            extra: Default::default(),
        };
        enc.push(
            &chunk(
                ChatDelta {
                    tool_calls: Some(vec![call]),
                    ..ChatDelta::default()
                },
                Some("tool_calls"),
            ),
            &mut out,
        );
        enc.push(
            &ChatStreamChunk {
                usage: Some(Usage::new(3, 2)),
                ..ChatStreamChunk::default()
            },
            &mut out,
        );
        enc.finish(&mut out);
        let kinds: Vec<&str> = out.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "message-start",
                "content-start",
                "content-delta",
                "content-end",
                "tool-call-start",
                "tool-call-delta",
                "tool-call-end",
                "message-end"
            ]
        );
        assert_eq!(out[0].data["id"], "chatcmpl-1");
        assert_eq!(
            out[2].data,
            json!({"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "Hi"}}}})
        );
        assert_eq!(
            out[4].data["delta"]["message"]["tool_calls"]["function"]["name"],
            "f"
        );
        assert_eq!(out[7].data["delta"]["finish_reason"], "TOOL_CALL");
        assert_eq!(out[7].data["delta"]["usage"]["tokens"]["input_tokens"], 3.0);
        let mut sse = Vec::new();
        out[3].write_sse(&mut sse).unwrap();
        assert_eq!(
            String::from_utf8(sse).unwrap(),
            "event: content-end\ndata: {\"index\":0,\"type\":\"content-end\"}\n\n"
        );
    }
}
