//! `POST /v1/messages`: the deterministic answer and its two renderings (a `message` object or
//! the full event stream: `message_start`, `ping`, per block `content_block_start` /
//! `content_block_delta` / `content_block_stop`, `message_delta`, `message_stop`).
//!
//! * text is `"Echo: " + <last user text>`, or `"Tool said: " + <tool results>` when the last
//!   turn answers tool calls; `output_config.format` `json_schema` wraps it as `{"answer": ...}`;
//! * with `tools`, `tool_choice` `any` / `tool`, or a last user text mentioning "weather",
//!   produces `tool_use` blocks (two when it mentions "parallel" and parallel use is allowed);
//!   an `auto` choice says "Let me check." in a text block first, as Claude does;
//! * `thinking` enabled adds a signed `thinking` block first (and a `redacted_thinking` block
//!   when the user text mentions "redact");
//! * `stop_sequences` cut the text (`stop_reason: stop_sequence`), `max_tokens` truncates it by
//!   words (`stop_reason: max_tokens`);
//! * tokens are words; input blocks up to the last `cache_control` count as cache writes.

use serde_json::{Value, json};

use super::request::{Conversation, REDACTED_PREFIX, signature_for};
use super::sse::Events;
use crate::text::{count_words, split_even, truncate_words, word_pieces};

const TOOL_ARGS: [&str; 2] = [r#"{"location":"Paris"}"#, r#"{"location":"London"}"#];
const TOOL_IDS: [&str; 2] = ["toolu_mock_0", "toolu_mock_1"];
const PREFACE: &str = "Let me check.";

/// One content block of the answer.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    Thinking(String),
    Redacted(String),
    Text(String),
    ToolUse { index: usize, name: String },
}

impl Block {
    fn words(&self) -> u64 {
        match self {
            Block::Thinking(t) | Block::Text(t) => count_words(t),
            Block::Redacted(_) => 0,
            Block::ToolUse { index, name } => count_words(name) + count_words(TOOL_ARGS[*index]),
        }
    }

    fn full(&self) -> Value {
        match self {
            Block::Thinking(t) => {
                json!({"type": "thinking", "thinking": t, "signature": signature_for(t)})
            }
            Block::Redacted(data) => json!({"type": "redacted_thinking", "data": data}),
            Block::Text(t) => json!({"type": "text", "text": t}),
            Block::ToolUse { index, name } => json!({
                "type": "tool_use", "id": TOOL_IDS[*index], "name": name,
                "input": serde_json::from_str::<Value>(TOOL_ARGS[*index]).unwrap_or_default(),
            }),
        }
    }
}

/// The planned answer.
#[derive(Debug)]
pub(crate) struct Answer {
    blocks: Vec<Block>,
    stop_reason: &'static str,
    stop_sequence: Option<String>,
    input_tokens: u64,
    cache_creation: u64,
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(needle)
}

fn tool_name(t: &Value) -> Option<&str> {
    t.get("name").and_then(Value::as_str)
}

/// `(tool name, calls, forced)` when the request makes the model use tools.
fn tool_plan(c: &Conversation) -> Option<(String, usize, bool)> {
    let first = c.tools.iter().find_map(tool_name)?;
    let choice = c.tool_choice.as_ref();
    let kind = choice
        .and_then(|t| t.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("auto");
    let (name, forced) = match kind {
        "none" => return None,
        "any" => (first, true),
        "tool" => (choice.and_then(tool_name).unwrap_or(first), true),
        _ if contains_ci(&c.last_user, "weather") => (first, false),
        _ => return None,
    };
    let no_parallel = choice
        .and_then(|t| t.get("disable_parallel_tool_use"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let calls = if contains_ci(&c.last_user, "parallel") && !no_parallel {
        2
    } else {
        1
    };
    Some((name.to_owned(), calls, forced))
}

/// Cuts at the earliest stop sequence; returns the text and the sequence that matched.
fn apply_stop(text: &str, stops: &[String]) -> (String, Option<String>) {
    let hit = stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()).map(|pos| (pos, s)))
        .min_by_key(|(pos, _)| *pos);
    match hit {
        Some((pos, seq)) => (text[..pos].to_owned(), Some(seq.clone())),
        None => (text.to_owned(), None),
    }
}

/// Plans the answer to a validated conversation.
pub(crate) fn answer(c: &Conversation) -> Answer {
    let mut blocks = Vec::new();
    if c.thinking {
        let subject = c.tool_results.as_deref().unwrap_or(&c.last_user);
        let thought = format!("Thinking about: {subject}");
        if contains_ci(&c.last_user, "redact") {
            blocks.push(Block::Thinking(thought.clone()));
            blocks.push(Block::Redacted(format!(
                "{REDACTED_PREFIX}{}",
                signature_for(&thought)
            )));
        } else {
            blocks.push(Block::Thinking(thought));
        }
    }
    let thinking_words: u64 = blocks.iter().map(Block::words).sum();
    let mut stop_reason = "end_turn";
    let mut stop_sequence = None;
    let plan = c.tool_results.is_none().then(|| tool_plan(c)).flatten();
    if let Some((name, calls, forced)) = plan {
        if !forced {
            blocks.push(Block::Text(PREFACE.to_owned()));
        }
        for index in 0..calls {
            blocks.push(Block::ToolUse {
                index,
                name: name.clone(),
            });
        }
        stop_reason = "tool_use";
    } else {
        let base = match &c.tool_results {
            Some(r) => format!("Tool said: {r}"),
            None => format!("Echo: {}", c.last_user),
        };
        let full = if c.json {
            json!({ "answer": base }).to_string()
        } else {
            base
        };
        let (stopped, seq) = apply_stop(&full, &c.stop_sequences);
        if seq.is_some() {
            stop_reason = "stop_sequence";
            stop_sequence = seq;
        }
        let budget = c.max_tokens.saturating_sub(thinking_words);
        let (cut, truncated) = truncate_words(&stopped, budget);
        if truncated {
            stop_reason = "max_tokens";
            stop_sequence = None;
        }
        if !cut.is_empty() {
            blocks.push(Block::Text(cut.to_owned()));
        }
    }
    let total = c.prompt.total.max(1);
    Answer {
        blocks,
        stop_reason,
        stop_sequence,
        input_tokens: total - c.prompt.cached.min(total),
        cache_creation: c.prompt.cached.min(total),
    }
}

impl Answer {
    fn output_tokens(&self) -> u64 {
        self.blocks.iter().map(Block::words).sum()
    }

    fn usage(&self, output_tokens: u64) -> Value {
        json!({
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_creation,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        })
    }

    /// The non-streamed `message` object.
    pub(crate) fn message(&self, id: u64, model: &str) -> Value {
        json!({
            "id": format!("msg_mock_{id}"),
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": self.blocks.iter().map(Block::full).collect::<Vec<_>>(),
            "stop_reason": self.stop_reason,
            "stop_sequence": self.stop_sequence,
            "usage": self.usage(self.output_tokens()),
        })
    }

    /// The event stream of the same answer.
    pub(crate) fn events(&self, id: u64, model: &str) -> Events {
        let mut ev = Events::default();
        ev.push(&json!({"type": "message_start", "message": {
            "id": format!("msg_mock_{id}"), "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": self.usage(1),
        }}));
        ev.push(&json!({"type": "ping"}));
        for (index, block) in self.blocks.iter().enumerate() {
            let start = match block {
                Block::Thinking(_) => json!({"type": "thinking", "thinking": "", "signature": ""}),
                Block::Text(_) => json!({"type": "text", "text": ""}),
                Block::ToolUse { index: call, name } => json!({
                    "type": "tool_use", "id": TOOL_IDS[*call], "name": name, "input": {}}),
                Block::Redacted(_) => block.full(),
            };
            ev.push(
                &json!({"type": "content_block_start", "index": index, "content_block": start}),
            );
            let delta =
                |d: Value| json!({"type": "content_block_delta", "index": index, "delta": d});
            match block {
                Block::Thinking(t) => {
                    for piece in word_pieces(t) {
                        ev.push(&delta(json!({"type": "thinking_delta", "thinking": piece})));
                    }
                    ev.push(&delta(
                        json!({"type": "signature_delta", "signature": signature_for(t)}),
                    ));
                }
                Block::Text(t) => {
                    for piece in word_pieces(t) {
                        ev.push(&delta(json!({"type": "text_delta", "text": piece})));
                    }
                }
                Block::ToolUse { index: call, .. } => {
                    ev.push(&delta(
                        json!({"type": "input_json_delta", "partial_json": ""}),
                    ));
                    for piece in split_even(TOOL_ARGS[*call], 3) {
                        ev.push(&delta(
                            json!({"type": "input_json_delta", "partial_json": piece}),
                        ));
                    }
                }
                Block::Redacted(_) => {}
            }
            ev.push(&json!({"type": "content_block_stop", "index": index}));
        }
        ev.push(&json!({"type": "message_delta",
            "delta": {"stop_reason": self.stop_reason, "stop_sequence": self.stop_sequence},
            "usage": {"output_tokens": self.output_tokens()}}));
        ev.push(&json!({"type": "message_stop"}));
        ev
    }
}

#[cfg(test)]
mod tests {
    use super::super::request::parse;
    use super::*;

    fn plan(body: Value) -> Answer {
        answer(&parse(&body, false).unwrap())
    }

    #[test]
    fn echo_usage_and_stream_agree() {
        let a = plan(json!({"model":"m","max_tokens":100,"system":"be brief",
            "messages":[{"role":"user","content":"hello there"}]}));
        let msg = a.message(3, "m");
        assert_eq!(msg["content"][0]["text"], "Echo: hello there");
        assert_eq!(msg["usage"]["input_tokens"], 4);
        assert_eq!(msg["usage"]["output_tokens"], 3);
        let stream = a.events(3, "m").concat();
        assert!(stream.starts_with("event: message_start\ndata: "));
        assert!(stream.contains("event: ping\n"));
        assert!(stream.contains(r#""usage":{"output_tokens":3}"#));
        assert!(stream.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    }

    #[test]
    fn stops_and_limits() {
        let a = plan(
            json!({"model":"m","max_tokens":100,"stop_sequences":["there"],
            "messages":[{"role":"user","content":"hello there friend"}]}),
        );
        let msg = a.message(1, "m");
        assert_eq!(msg["content"][0]["text"], "Echo: hello ");
        assert_eq!(msg["stop_reason"], "stop_sequence");
        assert_eq!(msg["stop_sequence"], "there");
        let a = plan(json!({"model":"m","max_tokens":2,
            "messages":[{"role":"user","content":"hello there friend"}]}));
        let msg = a.message(1, "m");
        assert_eq!(msg["content"][0]["text"], "Echo: hello");
        assert_eq!(msg["stop_reason"], "max_tokens");
    }

    #[test]
    fn tools_and_thinking() {
        let tools = json!([{"name":"get_weather","input_schema":{"type":"object"}}]);
        let a = plan(json!({"model":"m","max_tokens":2000,"tools":tools,
            "thinking":{"type":"enabled","budget_tokens":1024},
            "messages":[{"role":"user","content":"weather in parallel"}]}));
        let msg = a.message(1, "m");
        let kinds: Vec<&str> = msg["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["thinking", "text", "tool_use", "tool_use"]);
        assert_eq!(msg["stop_reason"], "tool_use");
        assert_eq!(
            msg["content"][0]["signature"],
            signature_for("Thinking about: weather in parallel")
        );
    }
}
