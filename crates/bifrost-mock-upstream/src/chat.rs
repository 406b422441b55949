//! `POST /v1/chat/completions`.
//!
//! Deterministic behaviour:
//! * content is `"Echo: " + <last user message text>`;
//! * a trailing `tool` message yields `"Tool said: " + <its content>`;
//! * `response_format` `json_object` / `json_schema` wraps the echo as
//!   `{"answer": ...}`;
//! * with `tools`, a `tool_choice` of `"required"` or a named function, or a
//!   last user message mentioning "weather", produces tool calls instead
//!   (two parallel calls when it also mentions "parallel");
//! * `stop` cuts the content, `max_tokens` / `max_completion_tokens` truncate
//!   it by words (`finish_reason: "length"`), `n` repeats the choice;
//! * "tokens" are whitespace-separated words.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Rejection, bad_request, missing_param};
use crate::server::{Endpoint, Output};
use crate::sse::SseWriter;
use crate::text::{content_text, content_words, count_words, finish_text, split_even, word_pieces};

/// Arguments of the first and second mock tool calls.
const TOOL_ARGS: [&str; 2] = [r#"{"location":"Paris"}"#, r#"{"location":"London"}"#];
/// Ids of the first and second mock tool calls.
const TOOL_IDS: [&str; 2] = ["call_mock_0", "call_mock_1"];
/// Upper bound for `n`, as OpenAI enforces.
const MAX_N: i64 = 128;

/// The subset of the chat request the mock looks at.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatRequest {
    model: Option<String>,
    messages: Option<Vec<Value>>,
    stream: Option<bool>,
    stream_options: Option<Value>,
    n: Option<i64>,
    max_tokens: Option<i64>,
    max_completion_tokens: Option<i64>,
    stop: Option<Value>,
    tools: Option<Vec<Value>>,
    tool_choice: Option<Value>,
    parallel_tool_calls: Option<bool>,
    response_format: Option<Value>,
}

/// Token usage, in OpenAI's chat shape.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct ChatUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    prompt_tokens_details: PromptDetails,
    completion_tokens_details: CompletionDetails,
}

#[derive(Debug, Clone, Copy, Serialize)]
struct PromptDetails {
    cached_tokens: u64,
    audio_tokens: u64,
}

#[derive(Debug, Clone, Copy, Serialize)]
struct CompletionDetails {
    reasoning_tokens: u64,
    audio_tokens: u64,
    accepted_prediction_tokens: u64,
    rejected_prediction_tokens: u64,
}

impl ChatUsage {
    fn new(prompt: u64, completion: u64) -> Self {
        Self {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            prompt_tokens_details: PromptDetails {
                cached_tokens: 0,
                audio_tokens: 0,
            },
            completion_tokens_details: CompletionDetails {
                reasoning_tokens: 0,
                audio_tokens: 0,
                accepted_prediction_tokens: 0,
                rejected_prediction_tokens: 0,
            },
        }
    }
}

/// What the assistant replies with.
#[derive(Debug)]
enum Reply {
    Text {
        content: String,
        finish: &'static str,
    },
    Tools {
        name: String,
        calls: usize,
    },
}

impl Reply {
    fn completion_tokens(&self) -> u64 {
        match self {
            Reply::Text { content, .. } => count_words(content),
            Reply::Tools { name, calls } => TOOL_ARGS[..*calls]
                .iter()
                .map(|args| count_words(name) + count_words(args))
                .sum(),
        }
    }

    fn finish_reason(&self) -> &'static str {
        match self {
            Reply::Text { finish, .. } => finish,
            Reply::Tools { .. } => "tool_calls",
        }
    }
}

// ---- response shapes -------------------------------------------------------

#[derive(Serialize)]
struct Completion<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'static str,
    choices: Vec<Choice<'a>>,
    usage: ChatUsage,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    message: &'a AssistantMessage<'a>,
    logprobs: Option<()>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct AssistantMessage<'a> {
    role: &'static str,
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<Vec<ToolCall<'a>>>,
    refusal: Option<()>,
}

#[derive(Serialize)]
struct ToolCall<'a> {
    id: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionCall<'a>,
}

#[derive(Serialize)]
struct FunctionCall<'a> {
    name: &'a str,
    arguments: &'static str,
}

#[derive(Serialize)]
struct ChunkOut<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'static str,
    choices: &'a [ChunkChoice<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Option<&'a ChatUsage>>,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u32,
    delta: &'a Delta<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

#[derive(Serialize, Default)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[ToolCallDelta<'a>; 1]>,
}

#[derive(Serialize)]
struct ToolCallDelta<'a> {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'static str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionDelta<'a>,
}

#[derive(Serialize)]
struct FunctionDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

// ---- request interpretation ------------------------------------------------

fn role(msg: &Value) -> Option<&str> {
    msg.get("role").and_then(Value::as_str)
}

fn first_tool_name(tools: &[Value]) -> Option<&str> {
    tools
        .iter()
        .find_map(|t| t.get("function")?.get("name")?.as_str())
}

/// Validates that every function tool names its function.
fn validate_tools(tools: &[Value]) -> Result<(), Rejection> {
    for (i, tool) in tools.iter().enumerate() {
        let kind = tool
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("function");
        if kind == "function"
            && tool
                .get("function")
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str)
                .is_none()
        {
            return Err(missing_param(&format!("tools[{i}].function.name")));
        }
    }
    Ok(())
}

impl ChatRequest {
    fn wants_json(&self) -> bool {
        matches!(
            self.response_format
                .as_ref()
                .and_then(|f| f.get("type"))
                .and_then(Value::as_str),
            Some("json_object" | "json_schema")
        )
    }

    fn include_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    fn max_tokens(&self) -> Result<Option<u64>, Rejection> {
        let (name, value) = match (self.max_completion_tokens, self.max_tokens) {
            (Some(v), _) => ("max_completion_tokens", v),
            (None, Some(v)) => ("max_tokens", v),
            (None, None) => return Ok(None),
        };
        u64::try_from(value).map(Some).map_err(|_| {
            bad_request(
                &format!("Invalid '{name}': integer below minimum value. Expected a value >= 1, but got {value} instead."),
                Some(name),
                Some("integer_below_min_value"),
            )
        })
    }

    fn n(&self) -> Result<u32, Rejection> {
        match self.n {
            None => Ok(1),
            Some(n) if (1..=MAX_N).contains(&n) => Ok(n as u32),
            Some(n) => Err(bad_request(
                &format!(
                    "Invalid 'n': expected a value between 1 and {MAX_N}, but got {n} instead."
                ),
                Some("n"),
                Some("invalid_value"),
            )),
        }
    }

    /// The tool to call and how many calls, if the request triggers tools.
    fn tool_plan(&self, last_user: &str) -> Option<(String, usize)> {
        let tools = self.tools.as_deref().filter(|t| !t.is_empty())?;
        let name = match &self.tool_choice {
            Some(Value::String(choice)) if choice == "none" => return None,
            Some(Value::String(choice)) if choice == "required" => first_tool_name(tools)?,
            Some(Value::Object(choice)) => match choice
                .get("function")
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str)
            {
                Some(name) => name,
                None => {
                    // e.g. {"type":"allowed_tools",...}: behave like "auto".
                    if !contains_ci(last_user, "weather") {
                        return None;
                    }
                    first_tool_name(tools)?
                }
            },
            _ => {
                if !contains_ci(last_user, "weather") {
                    return None;
                }
                first_tool_name(tools)?
            }
        };
        let parallel =
            contains_ci(last_user, "parallel") && self.parallel_tool_calls != Some(false);
        Some((name.to_owned(), if parallel { 2 } else { 1 }))
    }

    fn reply(&self, messages: &[Value]) -> Result<Reply, Rejection> {
        let last = messages.last();
        if let Some(last) = last.filter(|m| role(m) == Some("tool")) {
            let text = format!("Tool said: {}", content_text(last.get("content")));
            return self.finish(text);
        }
        let last_user = messages
            .iter()
            .rev()
            .find(|m| role(m) == Some("user"))
            .map(|m| content_text(m.get("content")))
            .unwrap_or_default();
        if let Some((name, calls)) = self.tool_plan(&last_user) {
            return Ok(Reply::Tools { name, calls });
        }
        let echo = format!("Echo: {last_user}");
        let text = if self.wants_json() {
            serde_json::json!({ "answer": echo }).to_string()
        } else {
            echo
        };
        self.finish(text)
    }

    fn finish(&self, full: String) -> Result<Reply, Rejection> {
        let (content, finish) = finish_text(&full, self.stop.as_ref(), self.max_tokens()?);
        Ok(Reply::Text { content, finish })
    }
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

// ---- generation -------------------------------------------------------------

impl Endpoint for ChatRequest {
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
        let messages = match self.messages.as_deref() {
            None => return Err(missing_param("messages")),
            Some([]) => {
                return Err(bad_request(
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                    Some("messages"),
                    Some("empty_array"),
                ));
            }
            Some(m) => m,
        };
        if let Some(tools) = self.tools.as_deref() {
            validate_tools(tools)?;
        }
        let n = self.n()?;
        let reply = self.reply(messages)?;
        let prompt_tokens = messages
            .iter()
            .map(|m| content_words(m.get("content")))
            .sum::<u64>()
            .max(1);
        let usage = ChatUsage::new(prompt_tokens, reply.completion_tokens() * u64::from(n));
        let id = format!("chatcmpl-mock-{id}");
        let ctx = Ctx {
            id: &id,
            created,
            model,
            n,
        };
        let out = if self.stream == Some(true) {
            Output::Stream(
                ctx.stream(&reply, usage, self.include_usage())
                    .map_err(crate::server::serialize_error)?,
            )
        } else {
            Output::Json(
                ctx.non_stream(&reply, usage)
                    .map_err(crate::server::serialize_error)?,
            )
        };
        Ok(out)
    }
}

struct Ctx<'a> {
    id: &'a str,
    created: u64,
    model: &'a str,
    n: u32,
}

impl Ctx<'_> {
    fn non_stream(&self, reply: &Reply, usage: ChatUsage) -> Result<Vec<u8>, serde_json::Error> {
        let message = match reply {
            Reply::Text { content, .. } => AssistantMessage {
                role: "assistant",
                content: Some(content),
                tool_calls: None,
                refusal: None,
            },
            Reply::Tools { name, calls } => AssistantMessage {
                role: "assistant",
                content: None,
                tool_calls: Some(
                    (0..*calls)
                        .map(|i| ToolCall {
                            id: TOOL_IDS[i],
                            kind: "function",
                            function: FunctionCall {
                                name,
                                arguments: TOOL_ARGS[i],
                            },
                        })
                        .collect(),
                ),
                refusal: None,
            },
        };
        let choices = (0..self.n)
            .map(|index| Choice {
                index,
                message: &message,
                logprobs: None,
                finish_reason: reply.finish_reason(),
            })
            .collect();
        serde_json::to_vec(&Completion {
            id: self.id,
            object: "chat.completion",
            created: self.created,
            model: self.model,
            system_fingerprint: "fp_mock",
            choices,
            usage,
        })
    }

    fn stream(
        &self,
        reply: &Reply,
        usage: ChatUsage,
        include_usage: bool,
    ) -> Result<crate::sse::SseEvents, serde_json::Error> {
        // The deltas of one choice; every choice index gets the same ones.
        let mut deltas: Vec<Delta<'_>> = Vec::new();
        match reply {
            Reply::Text { content, .. } => {
                deltas.push(Delta {
                    role: Some("assistant"),
                    content: Some(Some("")),
                    ..Delta::default()
                });
                for piece in word_pieces(content) {
                    deltas.push(Delta {
                        content: Some(Some(piece)),
                        ..Delta::default()
                    });
                }
            }
            Reply::Tools { name, calls } => {
                for (i, args) in TOOL_ARGS[..*calls].iter().enumerate() {
                    let first = i == 0;
                    deltas.push(Delta {
                        role: first.then_some("assistant"),
                        content: first.then_some(None),
                        tool_calls: Some([ToolCallDelta {
                            index: i as u32,
                            id: Some(TOOL_IDS[i]),
                            kind: Some("function"),
                            function: FunctionDelta {
                                name: Some(name),
                                arguments: "",
                            },
                        }]),
                    });
                    for fragment in split_even(args, 3) {
                        deltas.push(Delta {
                            tool_calls: Some([ToolCallDelta {
                                index: i as u32,
                                id: None,
                                kind: None,
                                function: FunctionDelta {
                                    name: None,
                                    arguments: fragment,
                                },
                            }]),
                            ..Delta::default()
                        });
                    }
                }
            }
        }
        let n = self.n as usize;
        let mut w = SseWriter::with_capacity((deltas.len() + 3) * n);
        let usage_field = include_usage.then_some(None);
        let empty = Delta::default();
        let finish = Some(reply.finish_reason());
        let emit = |w: &mut SseWriter,
                    delta: &Delta<'_>,
                    index: u32,
                    finish_reason: Option<&'static str>| {
            let choice = [ChunkChoice {
                index,
                delta,
                logprobs: None,
                finish_reason,
            }];
            w.push_json(&ChunkOut {
                id: self.id,
                object: "chat.completion.chunk",
                created: self.created,
                model: self.model,
                system_fingerprint: "fp_mock",
                choices: &choice,
                usage: usage_field,
            })
        };
        for delta in &deltas {
            for index in 0..self.n {
                emit(&mut w, delta, index, None)?;
            }
        }
        w.mark_content_end();
        for index in 0..self.n {
            emit(&mut w, &empty, index, finish)?;
        }
        if include_usage {
            w.push_json(&ChunkOut {
                id: self.id,
                object: "chat.completion.chunk",
                created: self.created,
                model: self.model,
                system_fingerprint: "fp_mock",
                choices: &[],
                usage: Some(Some(&usage)),
            })?;
        }
        w.push_done();
        Ok(w.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> ChatRequest {
        serde_json::from_value(v).unwrap()
    }

    fn json_out(r: &ChatRequest) -> Value {
        match r.generate(7, 1).unwrap() {
            Output::Json(b) => serde_json::from_slice(&b).unwrap(),
            Output::Stream(_) => panic!("expected json"),
        }
    }

    #[test]
    fn echo_and_usage() {
        let v = json_out(&req(json!({
            "model": "gpt-4o",
            "messages": [{"role":"system","content":"be nice"},{"role":"user","content":"hello there"}]
        })));
        assert_eq!(v["id"], "chatcmpl-mock-7");
        assert_eq!(v["choices"][0]["message"]["content"], "Echo: hello there");
        assert_eq!(v["usage"]["prompt_tokens"], 4);
        assert_eq!(v["usage"]["completion_tokens"], 3);
        assert_eq!(v["usage"]["total_tokens"], 7);
    }

    #[test]
    fn tool_message_reply() {
        let v = json_out(&req(json!({
            "model": "m",
            "messages": [{"role":"user","content":"weather?"},{"role":"tool","tool_call_id":"call_mock_0","content":"sunny"}],
            "tools": [{"type":"function","function":{"name":"get_weather"}}]
        })));
        assert_eq!(v["choices"][0]["message"]["content"], "Tool said: sunny");
    }

    #[test]
    fn tool_choice_none_and_named() {
        let tools = json!([{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}]);
        let v = json_out(&req(json!({
            "model": "m", "messages": [{"role":"user","content":"weather"}],
            "tools": tools, "tool_choice": "none"
        })));
        assert_eq!(v["choices"][0]["finish_reason"], "stop");
        let v = json_out(&req(json!({
            "model": "m", "messages": [{"role":"user","content":"hi"}],
            "tools": tools, "tool_choice": {"type":"function","function":{"name":"b"}}
        })));
        assert_eq!(
            v["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
            "b"
        );
        assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    }

    #[test]
    fn stream_chunks_concatenate_to_content() {
        let r = req(json!({
            "model": "m", "stream": true,
            "messages": [{"role":"user","content":"one  two\nthree"}]
        }));
        let Output::Stream(ev) = r.generate(1, 1).unwrap() else {
            panic!("expected stream")
        };
        let mut content = String::new();
        for e in &ev.events[..ev.events.len() - 1] {
            let s = std::str::from_utf8(e).unwrap();
            let v: Value = serde_json::from_str(s.trim_start_matches("data: ").trim()).unwrap();
            assert!(v.get("usage").is_none());
            if let Some(c) = v["choices"][0]["delta"]["content"].as_str() {
                content.push_str(c);
            }
        }
        assert_eq!(content, "Echo: one  two\nthree");
        assert_eq!(ev.content_end, 5);
    }

    #[test]
    fn invalid_requests() {
        let r = req(json!({"model":"m"}));
        assert_eq!(
            r.generate(1, 1).err().map(|r| r.status().as_u16()),
            Some(400)
        );
        let r = req(json!({"messages":[{"role":"user","content":"x"}]}));
        assert_eq!(
            r.generate(1, 1).err().map(|r| r.status().as_u16()),
            Some(400)
        );
        let r = req(json!({"model":"m","n":0,"messages":[{"role":"user","content":"x"}]}));
        assert_eq!(
            r.generate(1, 1).err().map(|r| r.status().as_u16()),
            Some(400)
        );
    }
}
