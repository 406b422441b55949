//! The conformance list shared by the native-provider suites (Bedrock, Azure, Cohere): the
//! requests of each scenario, and helpers that run a request through the real engine (streamed
//! or not) and reduce the answer to what a caller sees.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bifrost_core::schemas::{
    ChatMessage, ChatRequest, ChatResponse, ContentPart, FunctionCall, FunctionDefinition,
    JsonSchemaFormat, MessageContent, NamedFunction, NamedToolChoice, ResponseFormat, Role,
    StopSequences, StreamChunk, StreamOptions, Tool, ToolCall, ToolChoice, Usage,
};
use bifrost_core::{Bifrost, BifrostError};
use bifrost_mock_upstream::{MockUpstream, RecordedRequest};
use futures::StreamExt;
use serde_json::{Value, json};

/// A 1x1 transparent PNG.
pub const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/// What a caller sees of one answer, streamed or not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The assistant's text.
    pub content: String,
    /// Reasoning text.
    pub reasoning: String,
    /// Tool calls as (id, name, arguments).
    pub tool_calls: Vec<(String, String, String)>,
    /// Finish reason.
    pub finish_reason: Option<String>,
    /// Usage.
    pub usage: Option<Usage>,
    /// Chunks received (0 for a non-streamed answer).
    pub chunks: usize,
}

impl Outcome {
    /// The arguments of tool call `i`, parsed.
    pub fn args(&self, i: usize) -> Value {
        serde_json::from_str(&self.tool_calls[i].2).unwrap()
    }
}

/// Reduces a non-streamed answer.
pub fn from_response(r: &ChatResponse) -> Outcome {
    let choice = &r.choices[0];
    Outcome {
        content: choice.message.text_content(),
        reasoning: choice.message.reasoning.clone().unwrap_or_default(),
        tool_calls: choice
            .message
            .tool_calls
            .iter()
            .flatten()
            .map(|c| {
                (
                    c.id.clone(),
                    c.function.name.clone(),
                    c.function.arguments.clone(),
                )
            })
            .collect(),
        finish_reason: choice.finish_reason.clone(),
        usage: r.usage.clone(),
        chunks: 0,
    }
}

/// Reduces a stream by accumulating its deltas the way OpenAI SDKs do.
pub fn from_chunks(chunks: &[StreamChunk]) -> Outcome {
    let mut out = Outcome {
        chunks: chunks.len(),
        ..Outcome::default()
    };
    for chunk in chunks {
        let StreamChunk::Chat(c) = chunk else {
            panic!("expected chat chunks")
        };
        if let Some(u) = &c.usage {
            assert!(c.choices.is_empty(), "the usage chunk has no choices");
            out.usage = Some(u.clone());
        }
        for choice in &c.choices {
            let d = &choice.delta;
            out.content
                .push_str(d.content.as_deref().unwrap_or_default());
            out.reasoning
                .push_str(d.reasoning.as_deref().unwrap_or_default());
            for call in d.tool_calls.iter().flatten() {
                let i = call.index as usize;
                if out.tool_calls.len() <= i {
                    out.tool_calls.resize(i + 1, Default::default());
                }
                let slot = &mut out.tool_calls[i];
                if let Some(id) = &call.id {
                    slot.0.clone_from(id);
                }
                if let Some(f) = &call.function {
                    if let Some(name) = &f.name {
                        slot.1.clone_from(name);
                    }
                    slot.2.push_str(f.arguments.as_deref().unwrap_or_default());
                }
            }
            if choice.finish_reason.is_some() {
                assert!(out.finish_reason.is_none(), "one finish reason per stream");
                out.finish_reason.clone_from(&choice.finish_reason);
            }
        }
    }
    out
}

/// Two tests from one case `async fn case(stream: bool)`: `$plain` runs it unary, `$streamed`
/// streamed.
macro_rules! both {
    ($plain:ident, $streamed:ident, $case:ident) => {
        #[tokio::test]
        async fn $plain() {
            $case(false).await;
        }
        #[tokio::test]
        async fn $streamed() {
            $case(true).await;
        }
    };
}
pub(crate) use both;

/// Runs `req` through the engine, streamed (with `include_usage`) or not.
pub async fn run(
    bifrost: &Bifrost,
    mut req: ChatRequest,
    stream: bool,
) -> Result<Outcome, BifrostError> {
    if !stream {
        return Ok(from_response(&bifrost.chat(req).await?));
    }
    req.stream_options = Some(StreamOptions {
        include_usage: Some(true),
        ..StreamOptions::default()
    });
    let mut s = bifrost.chat_stream(req).await?;
    let mut chunks = Vec::new();
    while let Some(item) = s.next().await {
        chunks.push(item?);
    }
    Ok(from_chunks(&chunks))
}

/// Usage parity: every request, sent once unary and once streamed, reports the same usage
/// (non-zero), finish reason, content, reasoning and tool calls.
pub async fn assert_stream_parity(bifrost: &Bifrost, requests: Vec<ChatRequest>) {
    for req in requests {
        let plain = run(bifrost, req.clone(), false).await.unwrap();
        let streamed = run(bifrost, req, true).await.unwrap();
        assert!(streamed.chunks > 2);
        assert!(plain.usage.as_ref().unwrap().total_tokens > 0);
        assert_eq!(plain.usage, streamed.usage);
        assert_eq!(plain.finish_reason, streamed.finish_reason);
        assert_eq!(plain.content, streamed.content);
        assert_eq!(plain.reasoning, streamed.reasoning);
        assert_eq!(plain.tool_calls, streamed.tool_calls);
    }
}

/// The last request the mock received (panics when there is none).
pub fn last(mock: &MockUpstream) -> RecordedRequest {
    mock.requests().pop().expect("the mock received a request")
}

/// The last request's JSON body.
pub fn last_body(mock: &MockUpstream) -> Value {
    last(mock).json().expect("a JSON body")
}

// ---- scenario requests ------------------------------------------------------------------

pub fn user(text: &str) -> ChatMessage {
    ChatMessage::text(Role::User, text)
}

pub fn request(model: &str, messages: Vec<ChatMessage>) -> ChatRequest {
    ChatRequest {
        model: model.to_owned(),
        messages,
        ..ChatRequest::default()
    }
}

pub fn function_tool(name: &str, description: &str, parameters: Value) -> Tool {
    Tool {
        kind: "function".to_owned(),
        function: Some(FunctionDefinition {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            parameters: Some(parameters),
            strict: None,
            extra: Default::default(),
        }),
        extra: Default::default(),
    }
}

pub fn weather_tool() -> Tool {
    function_tool(
        "get_weather",
        "Current weather in a city",
        json!({"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}),
    )
}

pub fn time_tool() -> Tool {
    function_tool(
        "get_time",
        "Current time in a timezone",
        json!({"type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]}),
    )
}

pub fn simple_chat_req(model: &str) -> ChatRequest {
    request(model, vec![user("Hello there")])
}

pub fn system_prompt_req(model: &str) -> ChatRequest {
    request(
        model,
        vec![
            ChatMessage::text(Role::System, "You are terse."),
            user("Hi"),
        ],
    )
}

pub fn multi_turn_req(model: &str) -> ChatRequest {
    request(
        model,
        vec![
            user("My name is Ada"),
            ChatMessage::text(Role::Assistant, "Nice to meet you"),
            user("What is my name?"),
        ],
    )
}

pub fn image_input_req(model: &str) -> ChatRequest {
    let mut msg = user("");
    msg.content = Some(MessageContent::Parts(vec![
        ContentPart::text("Describe this"),
        ContentPart::image(format!("data:image/png;base64,{PNG_B64}")),
    ]));
    request(model, vec![msg])
}

pub fn tool_call_req(model: &str) -> ChatRequest {
    ChatRequest {
        tools: Some(vec![weather_tool()]),
        ..request(model, vec![user("What is the weather in Paris?")])
    }
}

pub fn parallel_tool_calls_req(model: &str) -> ChatRequest {
    ChatRequest {
        tools: Some(vec![weather_tool()]),
        ..request(
            model,
            vec![user("Weather in Paris and London, in parallel please")],
        )
    }
}

/// The id of the tool call answered in [`tool_result_round_trip_req`].
pub const CALL_ID: &str = "call_abc123";

pub fn tool_result_round_trip_req(model: &str) -> ChatRequest {
    let mut assistant = ChatMessage::text(Role::Assistant, "");
    assistant.content = None;
    assistant.tool_calls = Some(vec![ToolCall {
        id: CALL_ID.to_owned(),
        kind: "function".to_owned(),
        function: FunctionCall {
            name: "get_weather".to_owned(),
            arguments: r#"{"location":"Paris"}"#.to_owned(),
        },
        extra: Default::default(),
    }]);
    let mut tool = ChatMessage::text(Role::Tool, "sunny, 21C");
    tool.tool_call_id = Some(CALL_ID.to_owned());
    ChatRequest {
        tools: Some(vec![weather_tool()]),
        ..request(
            model,
            vec![user("What is the weather in Paris?"), assistant, tool],
        )
    }
}

pub fn forced_tool_choice_req(model: &str) -> ChatRequest {
    ChatRequest {
        tools: Some(vec![weather_tool(), time_tool()]),
        tool_choice: Some(ToolChoice::Named(NamedToolChoice {
            kind: "function".to_owned(),
            function: NamedFunction {
                name: "get_time".to_owned(),
            },
        })),
        ..request(model, vec![user("Hello")])
    }
}

pub fn structured_output_req(model: &str) -> ChatRequest {
    ChatRequest {
        response_format: Some(ResponseFormat {
            kind: "json_schema".to_owned(),
            json_schema: Some(JsonSchemaFormat {
                name: "answer".to_owned(),
                description: None,
                schema: Some(json!({
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"]
                })),
                strict: Some(true),
                extra: Default::default(),
            }),
            extra: Default::default(),
        }),
        ..request(model, vec![user("Hello")])
    }
}

pub fn max_tokens_cutoff_req(model: &str) -> ChatRequest {
    ChatRequest {
        max_completion_tokens: Some(3),
        ..request(model, vec![user("one two three four five")])
    }
}

pub fn stop_sequence_req(model: &str) -> ChatRequest {
    ChatRequest {
        stop: Some(StopSequences::Many(vec!["STOP".to_owned()])),
        ..request(model, vec![user("alpha beta STOP gamma")])
    }
}

// ---- expectations shared by every provider -----------------------------------------------

pub fn expect_text(out: &Outcome, text: &str, finish: &str) {
    assert_eq!(out.content, text);
    assert!(out.tool_calls.is_empty(), "{:?}", out.tool_calls);
    assert_eq!(out.finish_reason.as_deref(), Some(finish));
    let usage = out.usage.as_ref().expect("usage");
    assert!(
        usage.prompt_tokens > 0 && usage.completion_tokens > 0,
        "{usage:?}"
    );
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );
}

pub fn expect_tools(out: &Outcome, names: &[&str]) {
    let got: Vec<&str> = out.tool_calls.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(got, names);
    assert_eq!(out.finish_reason.as_deref(), Some("tool_calls"));
    for (i, (id, _, _)) in out.tool_calls.iter().enumerate() {
        assert!(!id.is_empty(), "tool call {i} has an id");
        let _ = out.args(i);
    }
    let ids: std::collections::HashSet<_> = out.tool_calls.iter().map(|c| &c.0).collect();
    assert_eq!(
        ids.len(),
        out.tool_calls.len(),
        "tool call ids are distinct"
    );
}
