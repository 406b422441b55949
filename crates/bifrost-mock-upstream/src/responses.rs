//! `POST /v1/responses` (OpenAI's Responses API).
//!
//! Deterministic behaviour, like chat completions:
//! * the output message is `"Echo: " + <text of the last user message>` (`input` as a string
//!   is the user message); a trailing `function_call_output` item yields
//!   `"Tool said: " + <its output>`;
//! * `text.format` `json_object` / `json_schema` wraps the echo as `{"answer": ...}`;
//! * with function `tools`, a `tool_choice` of `"required"` or a named function, or a last user
//!   message mentioning "weather", produces `function_call` items instead (two when it also
//!   mentions "parallel" and `parallel_tool_calls` is not false);
//! * `reasoning.effort` (other than `none`) adds a `reasoning` item first, whose summary
//!   (`"Reasoning about: " + <last user text>`) is returned when `reasoning.summary` is set and
//!   whose `encrypted_content` is returned when `include` asks for it;
//! * `max_output_tokens` truncates the text by words (`status: "incomplete"`);
//! * "tokens" are whitespace-separated words; usage is the same streamed or not.
//!
//! Streams use the Responses framing (`event: <type>` + `data: <json>`, `sequence_number` from
//! 0, no `[DONE]`), ending with `response.completed` or `response.incomplete`.

use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{Rejection, bad_request, missing_param};
use crate::server::{Endpoint, Output};
use crate::sse::{SseEvents, SseWriter};
use crate::text::{content_text, content_words, count_words, finish_text, split_even, word_pieces};

/// Arguments of the first and second mock function calls (as in chat completions).
const CALL_ARGS: [&str; 2] = [r#"{"location":"Paris"}"#, r#"{"location":"London"}"#];
/// `call_id`s of the first and second mock function calls (as in chat completions).
const CALL_IDS: [&str; 2] = ["call_mock_0", "call_mock_1"];

/// The subset of the Responses request the mock looks at (and echoes).
#[derive(Debug, Deserialize)]
pub(crate) struct ResponsesRequest {
    model: Option<String>,
    input: Option<Value>,
    instructions: Option<Value>,
    stream: Option<bool>,
    tools: Option<Vec<Value>>,
    tool_choice: Option<Value>,
    parallel_tool_calls: Option<bool>,
    max_output_tokens: Option<i64>,
    text: Option<Value>,
    reasoning: Option<Value>,
    include: Option<Vec<String>>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    metadata: Option<Value>,
    store: Option<bool>,
    previous_response_id: Option<String>,
    truncation: Option<String>,
    user: Option<String>,
}

/// What the model produces.
enum Reply {
    Text { text: String, incomplete: bool },
    Calls { name: String, calls: usize },
}

/// The whole answer, before it is written as JSON or events.
struct Answer {
    reasoning: Option<Reasoning>,
    reply: Reply,
    input_tokens: u64,
    output_tokens: u64,
    reasoning_tokens: u64,
}

struct Reasoning {
    summary: Option<String>,
    encrypted: Option<String>,
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

/// The items of `input` (a string is one user message).
fn items(input: &Value) -> Vec<Value> {
    match input {
        Value::String(s) => vec![json!({"role": "user", "content": s})],
        Value::Array(items) => items.clone(),
        _ => Vec::new(),
    }
}

fn is_message(item: &Value) -> bool {
    matches!(str_field(item, "type"), None | Some("message"))
}

/// The text of a `function_call_output`'s `output` (a string or content parts).
fn output_text(item: &Value) -> String {
    content_text(item.get("output"))
}

impl ResponsesRequest {
    fn wants_json(&self) -> bool {
        matches!(
            self.text
                .as_ref()
                .and_then(|t| t.get("format"))
                .and_then(|f| str_field(f, "type")),
            Some("json_object" | "json_schema")
        )
    }

    fn max_tokens(&self) -> Result<Option<u64>, Rejection> {
        let Some(value) = self.max_output_tokens else {
            return Ok(None);
        };
        u64::try_from(value).map(Some).map_err(|_| {
            bad_request(
                &format!("Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 1, but got {value} instead."),
                Some("max_output_tokens"),
                Some("integer_below_min_value"),
            )
        })
    }

    fn function_tools(&self) -> Result<Vec<&str>, Rejection> {
        let mut names = Vec::new();
        for (i, tool) in self.tools.iter().flatten().enumerate() {
            if str_field(tool, "type").unwrap_or("function") != "function" {
                continue;
            }
            match str_field(tool, "name") {
                Some(name) => names.push(name),
                None => return Err(missing_param(&format!("tools[{i}].name"))),
            }
        }
        Ok(names)
    }

    fn tool_plan(&self, tools: &[&str], last_user: &str) -> Option<(String, usize)> {
        let first = *tools.first()?;
        let name = match &self.tool_choice {
            Some(Value::String(c)) if c == "none" => return None,
            Some(Value::String(c)) if c == "required" => first,
            Some(Value::Object(c)) if c.get("type").and_then(Value::as_str) == Some("function") => {
                c.get("name").and_then(Value::as_str).unwrap_or(first)
            }
            _ if contains_ci(last_user, "weather") => first,
            _ => return None,
        };
        let parallel =
            contains_ci(last_user, "parallel") && self.parallel_tool_calls != Some(false);
        Some((name.to_owned(), if parallel { 2 } else { 1 }))
    }

    fn reasoning(&self, last_user: &str, id: u64) -> Option<Reasoning> {
        let r = self.reasoning.as_ref()?;
        let effort = str_field(r, "effort")?;
        if effort == "none" {
            return None;
        }
        let summary = str_field(r, "summary").map(|_| format!("Reasoning about: {last_user}"));
        let encrypted = self
            .include
            .iter()
            .flatten()
            .any(|i| i == "reasoning.encrypted_content")
            .then(|| {
                base64::engine::general_purpose::STANDARD
                    .encode(format!("mock-encrypted-reasoning-{id}"))
            });
        Some(Reasoning { summary, encrypted })
    }

    fn answer(&self, input: &[Value], id: u64) -> Result<Answer, Rejection> {
        let tools = self.function_tools()?;
        let last_user = input
            .iter()
            .rev()
            .find(|i| is_message(i) && str_field(i, "role") == Some("user"))
            .map(|m| content_text(m.get("content")))
            .unwrap_or_default();
        let reasoning = self.reasoning(&last_user, id);
        let reasoning_tokens = reasoning
            .as_ref()
            .map_or(0, |_| count_words(&format!("Reasoning about: {last_user}")));
        let reply = match input.last() {
            Some(last) if str_field(last, "type") == Some("function_call_output") => {
                self.text_reply(format!("Tool said: {}", output_text(last)))?
            }
            _ => match self.tool_plan(&tools, &last_user) {
                Some((name, calls)) => Reply::Calls { name, calls },
                None => {
                    let echo = format!("Echo: {last_user}");
                    let text = if self.wants_json() {
                        json!({ "answer": echo }).to_string()
                    } else {
                        echo
                    };
                    self.text_reply(text)?
                }
            },
        };
        let reply_tokens = match &reply {
            Reply::Text { text, .. } => count_words(text),
            Reply::Calls { name, calls } => CALL_ARGS[..*calls]
                .iter()
                .map(|a| count_words(name) + count_words(a))
                .sum(),
        };
        let instructions = self
            .instructions
            .as_ref()
            .and_then(Value::as_str)
            .map_or(0, count_words);
        let input_tokens = input
            .iter()
            .map(|i| match str_field(i, "type") {
                Some("function_call_output") => count_words(&output_text(i)),
                Some("function_call") => str_field(i, "arguments").map_or(0, count_words),
                _ => content_words(i.get("content")),
            })
            .sum::<u64>()
            + instructions;
        Ok(Answer {
            reasoning,
            reply,
            input_tokens: input_tokens.max(1),
            output_tokens: reply_tokens + reasoning_tokens,
            reasoning_tokens,
        })
    }

    fn text_reply(&self, full: String) -> Result<Reply, Rejection> {
        let (text, finish) = finish_text(&full, None, self.max_tokens()?);
        Ok(Reply::Text {
            text,
            incomplete: finish == "length",
        })
    }
}

impl Endpoint for ResponsesRequest {
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    fn generate(&self, id: u64, created: u64) -> Result<Output, Rejection> {
        let Some(model) = self.model.as_deref() else {
            return Err(bad_request(
                "you must provide a model parameter",
                None,
                None,
            ));
        };
        let input = match &self.input {
            None | Some(Value::Null) => return Err(missing_param("input")),
            Some(v @ (Value::String(_) | Value::Array(_))) => items(v),
            Some(_) => {
                return Err(bad_request(
                    "Invalid type for 'input': expected one of a string or array of input items.",
                    Some("input"),
                    Some("invalid_type"),
                ));
            }
        };
        let answer = self.answer(&input, id)?;
        let ctx = Ctx {
            req: self,
            id,
            created,
            model,
        };
        let out = if self.stream == Some(true) {
            Output::Stream(
                ctx.stream(&answer)
                    .map_err(crate::server::serialize_error)?,
            )
        } else {
            let body = ctx.response(&answer, ctx.output(&answer), true);
            Output::Json(serde_json::to_vec(&body).map_err(crate::server::serialize_error)?)
        };
        Ok(out)
    }
}

struct Ctx<'a> {
    req: &'a ResponsesRequest,
    id: u64,
    created: u64,
    model: &'a str,
}

impl Ctx<'_> {
    fn response_id(&self) -> String {
        format!("resp_mock_{}", self.id)
    }

    fn message_id(&self) -> String {
        format!("msg_mock_{}", self.id)
    }

    fn reasoning_id(&self) -> String {
        format!("rs_mock_{}", self.id)
    }

    fn reasoning_item(&self, r: &Reasoning, done: bool) -> Value {
        let mut item = json!({"type": "reasoning", "id": self.reasoning_id(), "summary": []});
        if done {
            if let Some(s) = &r.summary {
                item["summary"] = json!([{"type": "summary_text", "text": s}]);
            }
            if let Some(e) = &r.encrypted {
                item["encrypted_content"] = json!(e);
            }
        }
        item
    }

    fn message_item(&self, text: Option<&str>, status: &str) -> Value {
        let content = match text {
            Some(t) => {
                json!([{"type": "output_text", "text": t, "annotations": [], "logprobs": []}])
            }
            None => json!([]),
        };
        json!({"type": "message", "id": self.message_id(), "status": status, "role": "assistant", "content": content})
    }

    fn call_item(name: &str, i: usize, done: bool) -> Value {
        json!({
            "type": "function_call",
            "id": format!("fc_mock_{i}"),
            "call_id": CALL_IDS[i],
            "name": name,
            "arguments": if done { CALL_ARGS[i] } else { "" },
            "status": if done { "completed" } else { "in_progress" },
        })
    }

    /// The complete output items.
    fn output(&self, a: &Answer) -> Vec<Value> {
        let mut out = Vec::new();
        if let Some(r) = &a.reasoning {
            out.push(self.reasoning_item(r, true));
        }
        match &a.reply {
            Reply::Text { text, incomplete } => {
                out.push(self.message_item(
                    Some(text),
                    if *incomplete {
                        "incomplete"
                    } else {
                        "completed"
                    },
                ));
            }
            Reply::Calls { name, calls } => {
                out.extend((0..*calls).map(|i| Self::call_item(name, i, true)));
            }
        }
        out
    }

    fn usage(a: &Answer) -> Value {
        json!({
            "input_tokens": a.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": a.output_tokens,
            "output_tokens_details": {"reasoning_tokens": a.reasoning_tokens},
            "total_tokens": a.input_tokens + a.output_tokens,
        })
    }

    /// The response object; `done` false gives the in-progress form (no output, no usage).
    fn response(&self, a: &Answer, output: Vec<Value>, done: bool) -> Value {
        let incomplete = matches!(
            a.reply,
            Reply::Text {
                incomplete: true,
                ..
            }
        );
        let status = match (done, incomplete) {
            (false, _) => "in_progress",
            (true, true) => "incomplete",
            (true, false) => "completed",
        };
        let r = self.req;
        let reasoning = r.reasoning.clone().unwrap_or(json!({}));
        json!({
            "id": self.response_id(),
            "object": "response",
            "created_at": self.created,
            "status": status,
            "background": false,
            "error": null,
            "incomplete_details": if done && incomplete { json!({"reason": "max_output_tokens"}) } else { Value::Null },
            "instructions": r.instructions,
            "max_output_tokens": r.max_output_tokens,
            "model": self.model,
            "output": output,
            "parallel_tool_calls": r.parallel_tool_calls.unwrap_or(true),
            "previous_response_id": r.previous_response_id,
            "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "service_tier": "default",
            "store": r.store.unwrap_or(true),
            "temperature": r.temperature.unwrap_or(1.0),
            "text": r.text.clone().unwrap_or_else(|| json!({"format": {"type": "text"}})),
            "tool_choice": r.tool_choice.clone().unwrap_or_else(|| json!("auto")),
            "tools": r.tools.clone().unwrap_or_default(),
            "top_p": r.top_p.unwrap_or(1.0),
            "truncation": r.truncation.as_deref().unwrap_or("disabled"),
            "usage": if done { Self::usage(a) } else { Value::Null },
            "user": r.user,
            "metadata": r.metadata.clone().unwrap_or_else(|| json!({})),
        })
    }

    fn stream(&self, a: &Answer) -> Result<SseEvents, serde_json::Error> {
        let mut w = Events {
            w: SseWriter::with_capacity(32),
            seq: 0,
        };
        let in_progress = self.response(a, Vec::new(), false);
        w.push("response.created", json!({"response": in_progress}))?;
        w.push("response.in_progress", json!({"response": in_progress}))?;
        let mut index = 0;
        if let Some(r) = &a.reasoning {
            let item_id = self.reasoning_id();
            w.push(
                "response.output_item.added",
                json!({"output_index": index, "item": self.reasoning_item(r, false)}),
            )?;
            if let Some(summary) = &r.summary {
                let at = json!({"item_id": item_id, "output_index": index, "summary_index": 0});
                w.push_at(
                    "response.reasoning_summary_part.added",
                    &at,
                    json!({"part": {"type": "summary_text", "text": ""}}),
                )?;
                for piece in word_pieces(summary) {
                    w.push_at(
                        "response.reasoning_summary_text.delta",
                        &at,
                        json!({"delta": piece}),
                    )?;
                }
                w.push_at(
                    "response.reasoning_summary_text.done",
                    &at,
                    json!({"text": summary}),
                )?;
                w.push_at(
                    "response.reasoning_summary_part.done",
                    &at,
                    json!({"part": {"type": "summary_text", "text": summary}}),
                )?;
            }
            w.push(
                "response.output_item.done",
                json!({"output_index": index, "item": self.reasoning_item(r, true)}),
            )?;
            index += 1;
        }
        match &a.reply {
            Reply::Text { text, incomplete } => {
                let at = json!({"item_id": self.message_id(), "output_index": index, "content_index": 0});
                w.push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": self.message_item(None, "in_progress")}),
                )?;
                w.push_at("response.content_part.added", &at, json!({"part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []}}))?;
                w.w.mark_content_end();
                for piece in word_pieces(text) {
                    w.push_at(
                        "response.output_text.delta",
                        &at,
                        json!({"delta": piece, "logprobs": []}),
                    )?;
                }
                w.push_at(
                    "response.output_text.done",
                    &at,
                    json!({"text": text, "logprobs": []}),
                )?;
                w.push_at("response.content_part.done", &at, json!({"part": {"type": "output_text", "text": text, "annotations": [], "logprobs": []}}))?;
                let status = if *incomplete {
                    "incomplete"
                } else {
                    "completed"
                };
                w.push(
                    "response.output_item.done",
                    json!({"output_index": index, "item": self.message_item(Some(text), status)}),
                )?;
            }
            Reply::Calls { name, calls } => {
                for (i, args) in CALL_ARGS.iter().enumerate().take(*calls) {
                    let at = json!({"item_id": format!("fc_mock_{i}"), "output_index": index});
                    w.push(
                        "response.output_item.added",
                        json!({"output_index": index, "item": Self::call_item(name, i, false)}),
                    )?;
                    if i == 0 {
                        w.w.mark_content_end();
                    }
                    for piece in split_even(args, 3) {
                        w.push_at(
                            "response.function_call_arguments.delta",
                            &at,
                            json!({"delta": piece}),
                        )?;
                    }
                    w.push_at(
                        "response.function_call_arguments.done",
                        &at,
                        json!({"arguments": args, "name": name}),
                    )?;
                    w.push(
                        "response.output_item.done",
                        json!({"output_index": index, "item": Self::call_item(name, i, true)}),
                    )?;
                    index += 1;
                }
            }
        }
        let done = self.response(a, self.output(a), true);
        let terminal = if matches!(
            a.reply,
            Reply::Text {
                incomplete: true,
                ..
            }
        ) {
            "response.incomplete"
        } else {
            "response.completed"
        };
        w.push(terminal, json!({"response": done}))?;
        let error = json!({
            "type": "error",
            "sequence_number": w.seq,
            "code": "server_error",
            "message": "mock mid-stream failure",
            "param": null,
        });
        let mut out = w.w;
        out.set_mid_stream_error(Bytes::from(format!("event: error\ndata: {error}\n\n")));
        Ok(out.finish())
    }
}

/// Writes events with their `type` and the next `sequence_number`.
struct Events {
    w: SseWriter,
    seq: u64,
}

impl Events {
    fn push(&mut self, kind: &str, mut body: Value) -> Result<(), serde_json::Error> {
        if let Some(obj) = body.as_object_mut() {
            obj.insert("type".to_owned(), json!(kind));
            obj.insert("sequence_number".to_owned(), json!(self.seq));
        }
        self.seq += 1;
        self.w.push_event(kind, &body)
    }

    /// Pushes an event located at `at` (`item_id`, `output_index`, ...) with more fields.
    fn push_at(&mut self, kind: &str, at: &Value, body: Value) -> Result<(), serde_json::Error> {
        let mut merged = at.clone();
        if let (Some(m), Value::Object(b)) = (merged.as_object_mut(), body) {
            m.extend(b);
        }
        self.push(kind, merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(v: Value) -> ResponsesRequest {
        serde_json::from_value(v).unwrap()
    }

    fn json_out(r: &ResponsesRequest) -> Value {
        match r.generate(7, 1) {
            Ok(Output::Json(b)) => serde_json::from_slice(&b).unwrap(),
            _ => panic!("expected json"),
        }
    }

    fn events(r: &ResponsesRequest) -> Vec<(String, Value)> {
        let Ok(Output::Stream(ev)) = r.generate(7, 1) else {
            panic!("expected stream")
        };
        ev.events
            .iter()
            .map(|e| {
                let s = std::str::from_utf8(e).unwrap();
                let (head, data) = s.split_once('\n').unwrap();
                let name = head.strip_prefix("event: ").unwrap().to_owned();
                let data: Value =
                    serde_json::from_str(data.strip_prefix("data: ").unwrap().trim()).unwrap();
                assert_eq!(data["type"], name.as_str());
                (name, data)
            })
            .collect()
    }

    #[test]
    fn echo_usage_and_shape() {
        let v = json_out(&req(
            json!({"model": "gpt-4.1", "instructions": "be terse", "input": "hello there"}),
        ));
        assert_eq!(v["id"], "resp_mock_7");
        assert_eq!(v["status"], "completed");
        assert_eq!(v["output"][0]["content"][0]["text"], "Echo: hello there");
        assert_eq!(v["usage"]["input_tokens"], 4);
        assert_eq!(v["usage"]["output_tokens"], 3);
        assert_eq!(v["usage"]["total_tokens"], 7);
        assert_eq!(v["instructions"], "be terse");
    }

    #[test]
    fn stream_matches_the_whole_response() {
        for body in [
            json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_text", "text": "one two three"}]}], "reasoning": {"effort": "low", "summary": "auto"}}),
            json!({"model": "m", "input": "weather in parallel", "tools": [{"type": "function", "name": "get_weather"}]}),
            json!({"model": "m", "input": "a b c d e", "max_output_tokens": 2}),
        ] {
            let whole = json_out(&req(body.clone()));
            let mut streamed = body;
            streamed["stream"] = json!(true);
            let ev = events(&req(streamed));
            for (i, (_, data)) in ev.iter().enumerate() {
                assert_eq!(data["sequence_number"], i);
            }
            let (last, data) = ev.last().unwrap();
            assert_eq!(
                last,
                &format!("response.{}", whole["status"].as_str().unwrap())
            );
            assert_eq!(data["response"]["output"], whole["output"]);
            assert_eq!(data["response"]["usage"], whole["usage"]);
        }
    }

    #[test]
    fn tool_output_and_json_format() {
        let v = json_out(&req(json!({"model": "m", "input": [
            {"role": "user", "content": "weather?"},
            {"type": "function_call", "call_id": "call_mock_0", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_mock_0", "output": "sunny"}
        ], "tools": [{"type": "function", "name": "get_weather"}]})));
        assert_eq!(v["output"][0]["content"][0]["text"], "Tool said: sunny");
        let v = json_out(&req(
            json!({"model": "m", "input": "x", "text": {"format": {"type": "json_object"}}}),
        ));
        assert_eq!(
            v["output"][0]["content"][0]["text"],
            r#"{"answer":"Echo: x"}"#
        );
    }

    #[test]
    fn invalid_requests() {
        for body in [
            json!({"model": "m"}),
            json!({"input": "x"}),
            json!({"model": "m", "input": 3}),
            json!({"model": "m", "input": "x", "tools": [{"type": "function"}]}),
        ] {
            let status = req(body).generate(1, 1).err().map(|r| r.status().as_u16());
            assert_eq!(status, Some(400));
        }
    }
}
