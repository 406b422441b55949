//! `POST /v2/chat`, JSON and streamed (`event: <type>` + `data: <json>` server-sent events).
//!
//! Deterministic behaviour, mirroring the OpenAI mock: the answer is `"Echo: " + <last user
//! text>` (`"Tool said: " + <content>` after a tool message); `tool_choice: "REQUIRED"` calls the
//! first tool, `"NONE"` none, otherwise a last user message mentioning "weather" calls the
//! first tool (twice with "parallel"), with a `tool_plan`; `response_format` `json_object`
//! answers `{"answer": <echo>}` (or an object built from `json_schema`); `stop_sequences` cut
//! (`STOP_SEQUENCE`), `max_tokens` truncates by words (`MAX_TOKENS`); `documents` add a
//! citation; `thinking.type: "enabled"` adds a `thinking` block. Tokens are words.

use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};

use super::{error, json_response};
use crate::faults::{Fault, StreamMode};
use crate::sse::{SseEvents, stream_response};
use crate::text::{apply_stop, count_words, split_even, truncate_words, word_pieces};

enum Body {
    Text(String),
    /// (id, name, arguments)
    Tools(Vec<(String, String, String)>),
}

struct Reply {
    thinking: Option<String>,
    body: Body,
    plan: Option<String>,
    finish: &'static str,
    citations: Option<Value>,
    input_tokens: u64,
    output_tokens: u64,
}

fn text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .map(|b| match b.get("type").and_then(Value::as_str) {
                Some("document") => b
                    .pointer("/document/data")
                    .map(Value::to_string)
                    .unwrap_or_default(),
                _ => b
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect(),
        _ => String::new(),
    }
}

fn object_from_schema(schema: Option<&Value>, call: usize, echo: &str) -> Value {
    let city = ["Paris", "London"][call.min(1)];
    let props = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .filter(|p| !p.is_empty());
    let Some(props) = props else {
        return json!({ "location": city });
    };
    let mut out = serde_json::Map::new();
    for (name, spec) in props {
        let value = match spec.get("type").and_then(Value::as_str) {
            _ if name == "location" => json!(city),
            Some("number" | "integer") => json!(1),
            Some("boolean") => json!(true),
            _ => json!(echo),
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}

fn plan(req: &Value) -> Result<Reply, String> {
    let messages = req
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or("invalid request: messages must be a non-empty array")?;
    let mut input = 0;
    for (i, m) in messages.iter().enumerate() {
        let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
        if !matches!(role, "system" | "user" | "assistant" | "tool") {
            return Err(format!(
                "invalid request: messages[{i}].role {role:?} is not valid"
            ));
        }
        if role == "tool" && m.get("tool_call_id").and_then(Value::as_str).is_none() {
            return Err(format!(
                "invalid request: messages[{i}].tool_call_id is required"
            ));
        }
        input += count_words(&text(m.get("content")));
    }
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| text(m.get("content")))
        .unwrap_or_default();
    let echo = format!("Echo: {last_user}");
    let thinking = (req.pointer("/thinking/type").and_then(Value::as_str) == Some("enabled"))
        .then(|| format!("Thinking about: {last_user}"));
    let last = messages.last();
    let (body, plan, finish) =
        if last.and_then(|m| m.get("role")).and_then(Value::as_str) == Some("tool") {
            let (t, f) = finish_text(
                req,
                format!("Tool said: {}", text(last.and_then(|m| m.get("content")))),
            );
            (Body::Text(t), None, f)
        } else if let Some(calls) = tool_calls(req, &last_user, &echo) {
            let name = calls.first().map(|c| c.1.clone()).unwrap_or_default();
            (
                Body::Tools(calls),
                Some(format!("I will call {name}.")),
                "TOOL_CALL",
            )
        } else {
            let full = match req.get("response_format") {
                Some(f) if f.get("type").and_then(Value::as_str) == Some("json_object") => {
                    match f.get("json_schema") {
                        Some(schema) => object_from_schema(Some(schema), 0, &echo).to_string(),
                        None => json!({ "answer": echo }).to_string(),
                    }
                }
                _ => echo,
            };
            let (t, f) = finish_text(req, full);
            (Body::Text(t), None, f)
        };
    let citations = req
        .get("documents")
        .and_then(Value::as_array)
        .and_then(|d| d.first())
        .filter(|_| matches!(body, Body::Text(_)))
        .map(|doc| {
            json!([{"start": 0, "end": 4, "text": "Echo", "type": "TEXT_CONTENT",
                "sources": [{"type": "document", "id": "doc:0", "document": doc}]}])
        });
    let output = match &body {
        Body::Text(t) => count_words(t),
        Body::Tools(calls) => calls
            .iter()
            .map(|(_, n, a)| count_words(n) + count_words(a))
            .sum(),
    } + plan.as_deref().map_or(0, count_words)
        + thinking.as_deref().map_or(0, count_words);
    Ok(Reply {
        thinking,
        body,
        plan,
        finish,
        citations,
        input_tokens: input.max(1),
        output_tokens: output,
    })
}

fn finish_text(req: &Value, full: String) -> (String, &'static str) {
    let stopped = apply_stop(&full, req.get("stop_sequences"));
    let cut = stopped.len() < full.len();
    if let Some(limit) = req.get("max_tokens").and_then(Value::as_u64) {
        let (t, truncated) = truncate_words(stopped, limit);
        if truncated {
            return (t.to_owned(), "MAX_TOKENS");
        }
    }
    (
        stopped.to_owned(),
        if cut { "STOP_SEQUENCE" } else { "COMPLETE" },
    )
}

fn tool_calls(req: &Value, last_user: &str, echo: &str) -> Option<Vec<(String, String, String)>> {
    let tools = req.get("tools")?.as_array()?;
    let first = tools.first()?.get("function")?;
    let lower = last_user.to_ascii_lowercase();
    match req.get("tool_choice").and_then(Value::as_str) {
        Some("NONE") => return None,
        Some("REQUIRED") => {}
        _ if lower.contains("weather") => {}
        _ => return None,
    }
    let name = first.get("name")?.as_str()?.to_owned();
    let count = if lower.contains("parallel") { 2 } else { 1 };
    Some(
        (0..count)
            .map(|i| {
                let args = object_from_schema(first.get("parameters"), i, echo).to_string();
                (format!("{name}_mock{i}"), name.clone(), args)
            })
            .collect(),
    )
}

fn usage(r: &Reply) -> Value {
    let units = json!({"input_tokens": r.input_tokens, "output_tokens": r.output_tokens});
    json!({"billed_units": units, "tokens": units})
}

fn response(r: &Reply, id: u64) -> Value {
    let mut message = json!({"role": "assistant"});
    match &r.body {
        Body::Text(t) => {
            let mut content = Vec::new();
            if let Some(th) = &r.thinking {
                content.push(json!({"type": "thinking", "thinking": th}));
            }
            content.push(json!({"type": "text", "text": t}));
            message["content"] = json!(content);
        }
        Body::Tools(calls) => {
            message["tool_plan"] = json!(r.plan);
            message["tool_calls"] = json!(calls
                .iter()
                .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args}}))
                .collect::<Vec<_>>());
        }
    }
    if let Some(c) = &r.citations {
        message["citations"] = c.clone();
    }
    json!({"id": format!("mock-chat-{id}"), "message": message, "finish_reason": r.finish, "usage": usage(r)})
}

fn event(kind: &str, mut data: Value) -> Bytes {
    data["type"] = json!(kind);
    Bytes::from(format!("event: {kind}\ndata: {data}\n\n"))
}

fn events(r: &Reply, id: u64) -> (Vec<Bytes>, usize) {
    let mut out = vec![event(
        "message-start",
        json!({"id": format!("mock-chat-{id}"), "delta": {"message": {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}}}),
    )];
    let mut index = 0;
    if let Some(th) = &r.thinking {
        out.push(event("content-start", json!({"index": index, "delta": {"message": {"content": {"type": "thinking", "thinking": ""}}}})));
        for piece in word_pieces(th) {
            out.push(event(
                "content-delta",
                json!({"index": index, "delta": {"message": {"content": {"thinking": piece}}}}),
            ));
        }
        out.push(event("content-end", json!({ "index": index })));
        index += 1;
    }
    match &r.body {
        Body::Text(t) => {
            out.push(event("content-start", json!({"index": index, "delta": {"message": {"content": {"type": "text", "text": ""}}}})));
            for piece in word_pieces(t) {
                out.push(event(
                    "content-delta",
                    json!({"index": index, "delta": {"message": {"content": {"text": piece}}}}),
                ));
            }
            out.push(event("content-end", json!({ "index": index })));
        }
        Body::Tools(calls) => {
            for piece in word_pieces(r.plan.as_deref().unwrap_or_default()) {
                out.push(event(
                    "tool-plan-delta",
                    json!({"delta": {"message": {"tool_plan": piece}}}),
                ));
            }
            for (i, (call_id, name, args)) in calls.iter().enumerate() {
                out.push(event("tool-call-start", json!({"index": i, "delta": {"message": {"tool_calls": {"id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}}}})));
                for fragment in split_even(args, 3) {
                    out.push(event("tool-call-delta", json!({"index": i, "delta": {"message": {"tool_calls": {"function": {"arguments": fragment}}}}})));
                }
                out.push(event("tool-call-end", json!({ "index": i })));
            }
        }
    }
    if let Some(Value::Array(citations)) = &r.citations {
        for (i, c) in citations.iter().enumerate() {
            out.push(event(
                "citation-start",
                json!({"index": i, "delta": {"message": {"citations": c}}}),
            ));
            out.push(event("citation-end", json!({ "index": i })));
        }
    }
    let content_end = out.len();
    out.push(event(
        "message-end",
        json!({"delta": {"finish_reason": r.finish, "usage": usage(r)}}),
    ));
    (out, content_end)
}

/// Answers `/v2/chat`.
pub(crate) fn chat(req: &Value, id: u64, fault: Fault) -> Response {
    let reply = match plan(req) {
        Ok(r) => r,
        Err(message) => return error(axum::http::StatusCode::BAD_REQUEST, &message, id),
    };
    if req.get("stream").and_then(Value::as_bool) != Some(true) {
        let body = response(&reply, id);
        return if fault == Fault::Truncated {
            crate::faults::truncated_json(body.to_string().into_bytes())
        } else {
            json_response(&body)
        };
    }
    let (mut events, content_end) = events(&reply, id);
    let mode = match fault {
        Fault::StreamError => {
            events.truncate(content_end.min(3));
            events.push(event(
                "message-end",
                json!({"delta": {"finish_reason": "ERROR", "error": "mock mid-stream failure", "usage": usage(&reply)}}),
            ));
            StreamMode::Normal
        }
        other => StreamMode::from_fault(other),
    };
    stream_response(
        SseEvents {
            events,
            content_end,
            mid_stream_error: None,
        },
        mode,
    )
}
