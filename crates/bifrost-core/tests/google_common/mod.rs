//! The conformance list for Google providers (Gemini API and Vertex AI), run through the real
//! engine against the in-process mock upstream. Each check asserts on what the caller got back
//! and on what the mock received.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use bifrost_core::config::{EngineConfig, ProviderConfig};
use bifrost_core::schemas::{
    ChatRequest, ChatResponse, CountTokensRequest, EmbeddingRequest, EmbeddingVector,
    ReasoningDetail, RequestBody, Response, StreamChunk, Usage,
};
use bifrost_core::{Bifrost, BifrostError, RequestContext};
use bifrost_mock_upstream::{MockUpstream, RecordedRequest, test_service_account_json};
use futures::StreamExt;
use serde_json::{Value, json};

/// The model used by every check.
pub const MODEL: &str = "gemini-2.5-flash";
/// The Gemini API key of the default harness.
pub const API_KEY: &str = "test-gemini-key";
/// The Vertex project and region of the default harness.
pub const PROJECT: &str = "bifrost-test";
pub const REGION: &str = "us-central1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Gemini,
    Vertex,
}

pub struct Harness {
    pub mock: MockUpstream,
    pub bifrost: Bifrost,
    pub flavor: Flavor,
}

pub fn provider_config(value: Value) -> ProviderConfig {
    serde_json::from_value(value).unwrap()
}

pub fn vertex_key(mock: &MockUpstream, credentials: Option<String>, value: &str) -> Value {
    let mut cfg = json!({"project_id": PROJECT, "region": REGION});
    if let Some(c) = credentials {
        cfg["auth_credentials"] = Value::String(c);
    }
    let _ = mock;
    json!({"name": "vertex-key", "value": value, "models": ["*"], "vertex_key_config": cfg})
}

pub fn token_uri(mock: &MockUpstream) -> String {
    format!("{}/token", mock.base_url())
}

impl Harness {
    pub async fn start(flavor: Flavor) -> Self {
        let mock = MockUpstream::start().await.unwrap();
        let key = match flavor {
            Flavor::Gemini => json!({"name": "gemini-key", "value": API_KEY, "models": ["*"]}),
            Flavor::Vertex => vertex_key(
                &mock,
                Some(test_service_account_json(&token_uri(&mock))),
                "",
            ),
        };
        Self::with_key(mock, flavor, key, json!({}))
    }

    /// A harness whose provider has `key` and extra `network_config` fields.
    pub fn with_key(mock: MockUpstream, flavor: Flavor, key: Value, network: Value) -> Self {
        let base = match flavor {
            Flavor::Gemini => format!("{}/v1beta", mock.base_url()),
            Flavor::Vertex => mock.base_url(),
        };
        let mut net = json!({"base_url": base});
        for (k, v) in network.as_object().unwrap() {
            net[k] = v.clone();
        }
        let mut providers = indexmap::IndexMap::new();
        providers.insert(
            Self::name_of(flavor).to_owned(),
            provider_config(json!({"keys": [key], "network_config": net})),
        );
        providers.insert(
            "openai".to_owned(),
            provider_config(json!({
                "keys": [{"name": "openai-key", "value": "sk-test", "models": ["*"]}],
                "network_config": {"base_url": mock.base_url()}
            })),
        );
        let bifrost = Bifrost::new(EngineConfig::with_providers(providers), vec![]).unwrap();
        Self {
            mock,
            bifrost,
            flavor,
        }
    }

    fn name_of(flavor: Flavor) -> &'static str {
        match flavor {
            Flavor::Gemini => "gemini",
            Flavor::Vertex => "vertex",
        }
    }

    pub fn name(&self) -> &'static str {
        Self::name_of(self.flavor)
    }

    pub fn model(&self) -> String {
        format!("{}/{MODEL}", self.name())
    }

    pub fn chat_request(&self, body: Value) -> ChatRequest {
        let mut body = body;
        if body.get("model").is_none() {
            body["model"] = Value::String(self.model());
        }
        serde_json::from_value(body).unwrap()
    }

    pub async fn chat(&self, body: Value) -> ChatResponse {
        self.bifrost.chat(self.chat_request(body)).await.unwrap()
    }

    pub async fn chat_err(&self, body: Value) -> BifrostError {
        self.bifrost
            .chat(self.chat_request(body))
            .await
            .expect_err("the request should fail")
    }

    pub async fn stream(&self, body: Value) -> Collected {
        let stream = self
            .bifrost
            .chat_stream(self.chat_request(body))
            .await
            .unwrap();
        collect(stream).await
    }

    /// The path of `method` on `model` for this flavor.
    pub fn path(&self, model: &str, method: &str) -> String {
        match self.flavor {
            Flavor::Gemini => format!("/v1beta/models/{model}:{method}"),
            Flavor::Vertex => format!(
                "/v1/projects/{PROJECT}/locations/{REGION}/publishers/google/models/{model}:{method}"
            ),
        }
    }

    /// Every request the mock received for `method` (`generateContent`, `countTokens`, ...).
    pub fn calls(&self, method: &str) -> Vec<RecordedRequest> {
        let suffix = format!(":{method}");
        self.mock
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(&suffix))
            .collect()
    }

    /// The single request for `method`, checked for path and credentials; its JSON body.
    pub fn only(&self, method: &str) -> Value {
        let calls = self.calls(method);
        assert_eq!(calls.len(), 1, "expected one {method} call: {calls:#?}");
        self.check_call(&calls[0], method)
    }

    /// Checks path and credentials of a recorded call; returns its JSON body.
    pub fn check_call(&self, r: &RecordedRequest, method: &str) -> Value {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, self.path(MODEL, method));
        assert_eq!(r.header("content-type"), Some("application/json"));
        match self.flavor {
            Flavor::Gemini => {
                assert_eq!(r.header("x-goog-api-key"), Some(API_KEY));
                assert!(r.header("authorization").is_none());
            }
            Flavor::Vertex => {
                let auth = r.header("authorization").unwrap();
                assert!(auth.starts_with("Bearer ya29.mock-"), "{auth}");
                assert!(r.header("x-goog-api-key").is_none());
            }
        }
        let stream = method == "streamGenerateContent";
        assert_eq!(
            r.query.as_deref() == Some("alt=sse"),
            stream,
            "{:?}",
            r.query
        );
        r.json().expect("JSON body")
    }

    /// The body of the single chat call (streamed or not).
    pub fn chat_body(&self, stream: bool) -> Value {
        self.only(if stream {
            "streamGenerateContent"
        } else {
            "generateContent"
        })
    }

    pub async fn count_tokens(&self, body: Value) -> Result<Response, BifrostError> {
        let mut body = body;
        body["model"] = Value::String(self.model());
        let req: CountTokensRequest = serde_json::from_value(body).unwrap();
        let mut ctx = RequestContext::default();
        let req = self
            .bifrost
            .request(RequestBody::CountTokens(Box::new(req)))?;
        self.bifrost.execute(&mut ctx, req).await
    }
}

/// A streamed answer, put back together.
#[derive(Debug, Default)]
pub struct Collected {
    pub chunks: usize,
    pub id: String,
    pub model: String,
    pub role_seen: bool,
    pub content: String,
    pub reasoning: String,
    pub reasoning_details: Vec<ReasoningDetail>,
    /// `(id, name, arguments)` per tool call index.
    pub tool_calls: Vec<(String, String, String)>,
    pub finish: Option<String>,
    pub usage: Option<Usage>,
    pub error: Option<BifrostError>,
}

pub async fn collect(mut stream: bifrost_core::ResponseStream) -> Collected {
    let mut out = Collected::default();
    while let Some(item) = stream.next().await {
        let chunk = match item {
            Ok(StreamChunk::Chat(c)) => c,
            Ok(other) => panic!("unexpected chunk {other:?}"),
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        out.chunks += 1;
        out.id.clone_from(&chunk.id);
        out.model.clone_from(&chunk.model);
        if chunk.usage.is_some() {
            out.usage = chunk.usage.clone();
        }
        for choice in chunk.choices {
            assert_eq!(choice.index, 0);
            let d = choice.delta;
            out.role_seen |= d.role.is_some();
            out.content.push_str(d.content.as_deref().unwrap_or(""));
            out.reasoning.push_str(d.reasoning.as_deref().unwrap_or(""));
            out.reasoning_details
                .extend(d.reasoning_details.into_iter().flatten());
            for tc in d.tool_calls.into_iter().flatten() {
                let i = tc.index as usize;
                if out.tool_calls.len() <= i {
                    out.tool_calls.resize(i + 1, Default::default());
                }
                let slot = &mut out.tool_calls[i];
                if let Some(id) = tc.id {
                    slot.0 = id;
                }
                if let Some(f) = tc.function {
                    if let Some(n) = f.name {
                        slot.1 = n;
                    }
                    slot.2.push_str(f.arguments.as_deref().unwrap_or(""));
                }
            }
            if choice.finish_reason.is_some() {
                out.finish = choice.finish_reason;
            }
        }
    }
    out
}

/// What the conformance checks compare, for streamed and unary answers alike.
#[derive(Debug)]
pub struct Answer {
    pub id: String,
    pub content: Option<String>,
    pub tool_calls: Vec<(String, String, String)>,
    pub reasoning_details: Vec<ReasoningDetail>,
    pub finish: String,
    pub usage: Usage,
}

impl Answer {
    pub fn from_response(r: ChatResponse) -> Self {
        assert_eq!(r.object, "chat.completion");
        assert_eq!(r.model, MODEL);
        assert_eq!(r.choices.len(), 1);
        let c = r.choices.into_iter().next().unwrap();
        assert_eq!(c.message.role, bifrost_core::schemas::Role::Assistant);
        Self {
            id: r.id,
            content: c.message.content.map(|c| c.to_text()),
            tool_calls: c
                .message
                .tool_calls
                .into_iter()
                .flatten()
                .map(|t| {
                    assert_eq!(t.kind, "function");
                    (t.id, t.function.name, t.function.arguments)
                })
                .collect(),
            reasoning_details: c.message.reasoning_details.unwrap_or_default(),
            finish: c.finish_reason.unwrap(),
            usage: r.usage.unwrap(),
        }
    }

    pub fn from_stream(s: Collected) -> Self {
        assert!(s.error.is_none(), "stream failed: {:?}", s.error);
        assert!(s.role_seen, "the first chunk carries the assistant role");
        assert_eq!(s.model, MODEL);
        Self {
            id: s.id,
            content: (!s.content.is_empty()).then_some(s.content),
            tool_calls: s.tool_calls,
            reasoning_details: s.reasoning_details,
            finish: s.finish.expect("a finish reason"),
            usage: s.usage.expect("usage on the last chunk"),
        }
    }
}

impl Harness {
    /// Sends `body` streamed or not and returns the normalized answer.
    pub async fn ask(&self, body: Value, stream: bool) -> Answer {
        if stream {
            Answer::from_stream(self.stream(body).await)
        } else {
            Answer::from_response(self.chat(body).await)
        }
    }
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": text})
}

pub fn usage_of(u: &Usage) -> (u64, u64, u64) {
    (u.prompt_tokens, u.completion_tokens, u.total_tokens)
}

pub fn weather_tool() -> Value {
    json!({"type": "function", "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "strict": true,
        "parameters": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City name"},
                "unit": {"type": ["string", "null"], "enum": ["c", "f"]}
            },
            "required": ["location"],
            "additionalProperties": false
        }
    }})
}

pub fn time_tool() -> Value {
    json!({"type": "function", "function": {
        "name": "get_time",
        "description": "Current time",
        "parameters": {"type": "object", "properties": {}}
    }})
}

/// The signature the mock puts on the first function call of response `id`.
pub fn mock_signature(response_id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("mock-signature:{response_id}"))
}

// ---- the conformance list ------------------------------------------------------------------

pub async fn simple_chat(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(json!({"messages": [user("Hello there")]}), stream)
        .await;
    assert_eq!(a.content.as_deref(), Some("Echo: Hello there"));
    assert_eq!(a.finish, "stop");
    assert!(a.id.starts_with("mock-resp-"), "{}", a.id);
    assert_eq!(usage_of(&a.usage), (2, 3, 5));
    let body = h.chat_body(stream);
    assert_eq!(
        body,
        json!({"contents": [{"role": "user", "parts": [{"text": "Hello there"}]}]})
    );
}

pub async fn system_prompt(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [
                {"role": "system", "content": "You are terse."},
                {"role": "developer", "content": "Answer in English."},
                user("Hi")
            ]}),
            stream,
        )
        .await;
    assert_eq!(a.content.as_deref(), Some("Echo: Hi"));
    assert_eq!(usage_of(&a.usage), (7, 2, 9));
    let body = h.chat_body(stream);
    assert_eq!(
        body["systemInstruction"],
        json!({"parts": [{"text": "You are terse."}, {"text": "Answer in English."}]})
    );
    assert_eq!(
        body["contents"],
        json!([{"role": "user", "parts": [{"text": "Hi"}]}])
    );
}

pub async fn multi_turn(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [
                user("first question"),
                {"role": "assistant", "content": "first answer"},
                user("second question")
            ]}),
            stream,
        )
        .await;
    assert_eq!(a.content.as_deref(), Some("Echo: second question"));
    assert_eq!(usage_of(&a.usage), (6, 3, 9));
    let body = h.chat_body(stream);
    assert_eq!(
        body["contents"],
        json!([
            {"role": "user", "parts": [{"text": "first question"}]},
            {"role": "model", "parts": [{"text": "first answer"}]},
            {"role": "user", "parts": [{"text": "second question"}]}
        ])
    );
}

pub async fn image_input(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [{"role": "user", "content": [
                {"type": "text", "text": "What is in these?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.webp"}},
                {"type": "image_url", "image_url": {"url": "gs://bucket/dog.jpg"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}},
                {"type": "file", "file": {"file_id": "https://generativelanguage.googleapis.com/v1beta/files/abc", "filename": "notes.txt"}}
            ]}]}),
            stream,
        )
        .await;
    assert_eq!(a.content.as_deref(), Some("Echo: What is in these?"));
    let body = h.chat_body(stream);
    assert_eq!(
        body["contents"][0]["parts"],
        json!([
            {"text": "What is in these?"},
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
            {"fileData": {"mimeType": "image/webp", "fileUri": "https://example.com/cat.webp"}},
            {"fileData": {"mimeType": "image/jpeg", "fileUri": "gs://bucket/dog.jpg"}},
            {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
            {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
            {"fileData": {"mimeType": "text/plain", "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/abc"}}
        ])
    );
}

/// The declaration the mock must receive for [`weather_tool`]: the JSON schema cleaned.
pub fn weather_declaration() -> Value {
    json!({
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "nullable": true, "enum": ["c", "f"]}
            },
            "required": ["location"]
        }
    })
}

fn check_signature(a: &Answer, call: usize) {
    let id = &a.tool_calls[call].0;
    let detail = a
        .reasoning_details
        .iter()
        .find(|d| d.extra.get("id") == Some(&json!(format!("tool_call_{id}"))))
        .expect("the call's thought signature is kept in reasoning_details");
    assert_eq!(detail.kind, "reasoning.encrypted");
    assert_eq!(
        detail.signature.as_deref(),
        Some(mock_signature(&a.id).as_str())
    );
}

pub async fn tool_call(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [user("What is the weather in Paris?")], "tools": [weather_tool()]}),
            stream,
        )
        .await;
    assert_eq!(a.finish, "tool_calls");
    assert_eq!(a.content, None);
    assert_eq!(a.tool_calls.len(), 1);
    let (id, name, args) = &a.tool_calls[0];
    assert!(id.starts_with("call_"), "{id}");
    assert_eq!(name, "get_weather");
    assert_eq!(
        serde_json::from_str::<Value>(args).unwrap(),
        json!({"location": "Paris"})
    );
    check_signature(&a, 0);
    let body = h.chat_body(stream);
    assert_eq!(
        body["tools"],
        json!([{"functionDeclarations": [weather_declaration()]}])
    );
    assert!(body.get("toolConfig").is_none());
}

pub async fn parallel_tool_calls(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [user("weather for Paris and London in parallel")], "tools": [weather_tool()]}),
            stream,
        )
        .await;
    assert_eq!(a.finish, "tool_calls");
    assert_eq!(a.tool_calls.len(), 2);
    let cities: Vec<Value> = a
        .tool_calls
        .iter()
        .map(|t| serde_json::from_str::<Value>(&t.2).unwrap()["location"].clone())
        .collect();
    assert_eq!(cities, vec![json!("Paris"), json!("London")]);
    assert_ne!(a.tool_calls[0].0, a.tool_calls[1].0, "ids are distinct");
    check_signature(&a, 0);
    h.chat_body(stream);
}

pub async fn tool_result_round_trip(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let first = h
        .ask(
            json!({"messages": [user("What is the weather in Paris?")], "tools": [weather_tool()]}),
            stream,
        )
        .await;
    let (id, name, args) = first.tool_calls[0].clone();
    let details = serde_json::to_value(&first.reasoning_details).unwrap();
    let a = h
        .ask(
            json!({"tools": [weather_tool()], "messages": [
                user("What is the weather in Paris?"),
                {"role": "assistant", "content": null, "reasoning_details": details,
                 "tool_calls": [{"id": id, "type": "function", "function": {"name": name, "arguments": args}}]},
                {"role": "tool", "tool_call_id": id, "content": "22C and sunny"}
            ]}),
            stream,
        )
        .await;
    assert_eq!(a.content.as_deref(), Some("Tool said: 22C and sunny"));
    assert_eq!(a.finish, "stop");
    let method = if stream {
        "streamGenerateContent"
    } else {
        "generateContent"
    };
    let calls = h.calls(method);
    assert_eq!(calls.len(), 2);
    let body = h.check_call(&calls[1], method);
    assert_eq!(
        body["contents"][1],
        json!({"role": "model", "parts": [{
            "functionCall": {"id": id, "name": "get_weather", "args": {"location": "Paris"}},
            "thoughtSignature": mock_signature(&first.id)
        }]})
    );
    assert_eq!(
        body["contents"][2],
        json!({"role": "user", "parts": [{"functionResponse": {
            "id": id, "name": "get_weather", "response": {"content": "22C and sunny"}
        }}]})
    );
}

pub async fn forced_tool_choice(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [user("Hello")], "tools": [weather_tool(), time_tool()],
                   "tool_choice": {"type": "function", "function": {"name": "get_time"}}}),
            stream,
        )
        .await;
    assert_eq!(a.finish, "tool_calls");
    assert_eq!(a.tool_calls.len(), 1);
    assert_eq!(a.tool_calls[0].1, "get_time");
    let body = h.chat_body(stream);
    assert_eq!(
        body["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}})
    );
    // get_time has no properties: Gemini rejects an empty object schema, so none is sent.
    assert_eq!(
        body["tools"][0]["functionDeclarations"][1],
        json!({"name": "get_time", "description": "Current time"})
    );
}

pub async fn structured_output(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [user("Give me JSON")], "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "answer", "strict": true, "schema": {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"],
                    "additionalProperties": false
                }}
            }}),
            stream,
        )
        .await;
    let parsed: Value = serde_json::from_str(a.content.as_deref().unwrap()).unwrap();
    assert_eq!(parsed, json!({"answer": "Echo: Give me JSON"}));
    let body = h.chat_body(stream);
    assert_eq!(
        body["generationConfig"],
        json!({
            "responseMimeType": "application/json",
            "responseSchema": {
                "type": "object",
                "properties": {"answer": {"type": "string"}},
                "required": ["answer"]
            }
        })
    );
}

pub async fn max_tokens_cutoff_is_length(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [user("one two three four")], "max_tokens": 2}),
            stream,
        )
        .await;
    assert_eq!(a.content.as_deref(), Some("Echo: one"));
    assert_eq!(a.finish, "length");
    assert_eq!(usage_of(&a.usage), (4, 2, 6));
    let body = h.chat_body(stream);
    assert_eq!(body["generationConfig"], json!({"maxOutputTokens": 2}));
}

pub async fn stop_sequence(flavor: Flavor, stream: bool) {
    let h = Harness::start(flavor).await;
    let a = h
        .ask(
            json!({"messages": [user("one two three four")], "stop": ["three"], "temperature": 0.2, "top_p": 0.9, "seed": 7, "top_k": 40}),
            stream,
        )
        .await;
    assert_eq!(a.content.as_deref(), Some("Echo: one two "));
    assert_eq!(a.finish, "stop");
    let body = h.chat_body(stream);
    assert_eq!(
        body["generationConfig"],
        json!({"stopSequences": ["three"], "temperature": 0.2, "topP": 0.9, "topK": 40, "seed": 7})
    );
}

pub async fn usage_parity(flavor: Flavor) {
    let h = Harness::start(flavor).await;
    let conversation = json!([
        {"role": "system", "content": "Be helpful and brief."},
        user("How many words does this have?"),
        {"role": "assistant", "content": "Quite a few."},
        user("Count again please")
    ]);
    let native = Answer::from_response(h.chat(json!({"messages": conversation})).await);
    let streamed = Answer::from_stream(h.stream(json!({"messages": conversation})).await);
    let openai = h
        .bifrost
        .chat(
            serde_json::from_value(
                json!({"model": "openai/gpt-4o-mini", "messages": conversation}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let openai_usage = openai.usage.unwrap();
    assert_eq!(usage_of(&native.usage), usage_of(&openai_usage));
    assert_eq!(usage_of(&streamed.usage), usage_of(&openai_usage));
    assert_eq!(usage_of(&native.usage), (16, 4, 20));
    assert_eq!(native.content, streamed.content);
    assert_eq!(
        native.content.as_deref(),
        openai.choices[0]
            .message
            .content
            .as_ref()
            .map(|c| c.to_text())
            .as_deref()
    );

    // Thinking tokens are completion tokens in OpenAI's accounting.
    let thinking = Answer::from_response(
        h.chat(json!({"messages": [user("think about it")], "reasoning_effort": "low"}))
            .await,
    );
    assert_eq!(thinking.content.as_deref(), Some("Echo: think about it"));
    assert_eq!(thinking.usage.reasoning_tokens(), 6);
    assert_eq!(usage_of(&thinking.usage), (3, 4 + 6, 3 + 4 + 6));
    let body = h.calls("generateContent").last().unwrap().json().unwrap();
    assert_eq!(
        body["generationConfig"]["thinkingConfig"],
        json!({"includeThoughts": true, "thinkingBudget": 1024})
    );
}

pub async fn upstream_error_maps_to_bifrost_error(flavor: Flavor) {
    let h = Harness::start(flavor).await;
    let err = h
        .chat_err(json!({"model": format!("{}/error-503", h.name()), "messages": [user("hi")]}))
        .await;
    assert_eq!(err.status(), 503);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("UNAVAILABLE"));
    assert_eq!(
        err.message(),
        "The model is overloaded. Please try again later."
    );
    assert_eq!(err.extra_fields().provider, h.name());
    let calls = h.calls("generateContent");
    assert_eq!(calls.len(), 1);
    assert!(calls[0].path.ends_with("/error-503:generateContent"));

    let err = h
        .chat_err(json!({"model": format!("{}/error-429", h.name()), "messages": [user("hi")]}))
        .await;
    assert_eq!(err.status(), 429);
    assert_eq!(err.error_type(), Some("RESOURCE_EXHAUSTED"));
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));

    // A mid-stream error event ends the stream with the upstream's error.
    let s = h
        .stream(
            json!({"model": format!("{}/stream-error", h.name()), "messages": [user("a b c d")]}),
        )
        .await;
    assert_eq!(s.content, "Echo: a ");
    let err = s.error.expect("the stream ends with an error");
    assert_eq!(err.error_type(), Some("INTERNAL"));
    assert_eq!(err.status(), 500);

    // A stream cut off mid-way is an error, not a short answer.
    let s = h
        .stream(json!({"model": format!("{}/truncated", h.name()), "messages": [user("a b c d")]}))
        .await;
    assert_eq!(s.content, "Echo: a ");
    assert!(s.error.is_some());
    assert!(s.finish.is_none());
}

pub async fn embeddings(flavor: Flavor) {
    let h = Harness::start(flavor).await;
    let model = format!("{}/text-embedding-004", h.name());
    let req: EmbeddingRequest = serde_json::from_value(
        json!({"model": model, "input": ["alpha beta", "gamma"], "dimensions": 4, "task_type": "RETRIEVAL_DOCUMENT"}),
    )
    .unwrap();
    let resp = h.bifrost.embedding(req).await.unwrap();
    assert_eq!(resp.data.len(), 2);
    assert_eq!(resp.model, "text-embedding-004");
    let openai: EmbeddingRequest = serde_json::from_value(
        json!({"model": "openai/text-embedding-3-small", "input": ["alpha beta", "gamma"], "dimensions": 4}),
    )
    .unwrap();
    let reference = h.bifrost.embedding(openai).await.unwrap();
    for (ours, theirs) in resp.data.iter().zip(&reference.data) {
        assert_eq!(ours.embedding.to_floats().unwrap().len(), 4);
        assert_eq!(
            ours.embedding.to_floats(),
            theirs.embedding.to_floats(),
            "same text, same mock vector"
        );
    }
    let single: EmbeddingRequest = serde_json::from_value(
        json!({"model": model, "input": "alpha beta", "encoding_format": "base64"}),
    )
    .unwrap();
    let one = h.bifrost.embedding(single).await.unwrap();
    assert!(matches!(one.data[0].embedding, EmbeddingVector::Base64(_)));
    assert_eq!(
        one.data[0].embedding.to_floats().unwrap().len(),
        bifrost_mock_upstream::DEFAULT_DIMENSIONS
    );
    match h.flavor {
        Flavor::Gemini => {
            let batch = h.calls("batchEmbedContents");
            assert_eq!(batch.len(), 1);
            assert_eq!(
                batch[0].path,
                "/v1beta/models/text-embedding-004:batchEmbedContents"
            );
            let body = batch[0].json().unwrap();
            assert_eq!(
                body["requests"][1],
                json!({"model": "models/text-embedding-004", "content": {"parts": [{"text": "gamma"}]},
                       "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 4})
            );
            let single = h.calls("embedContent");
            assert_eq!(single.len(), 1);
            assert_eq!(
                single[0].json().unwrap(),
                json!({"content": {"parts": [{"text": "alpha beta"}]}})
            );
        }
        Flavor::Vertex => {
            let calls = h.calls("predict");
            assert_eq!(calls.len(), 2);
            assert!(
                calls[0]
                    .path
                    .ends_with("/publishers/google/models/text-embedding-004:predict")
            );
            assert_eq!(
                calls[0].json().unwrap(),
                json!({"instances": [
                    {"content": "alpha beta", "task_type": "RETRIEVAL_DOCUMENT"},
                    {"content": "gamma", "task_type": "RETRIEVAL_DOCUMENT"}
                ], "parameters": {"outputDimensionality": 4}})
            );
            assert_eq!(resp.usage.as_ref().unwrap().prompt_tokens, 3);
        }
    }
}

pub async fn count_tokens(flavor: Flavor) {
    let h = Harness::start(flavor).await;
    let resp = h
        .count_tokens(json!({"messages": [
            {"role": "system", "content": "be brief"},
            user("count these words please")
        ], "tools": [weather_tool()]}))
        .await
        .unwrap();
    let Response::CountTokens(resp) = resp else {
        panic!("unexpected response {resp:?}")
    };
    assert_eq!(resp.input_tokens, 6);
    let body = h.only("countTokens");
    let inner = match flavor {
        Flavor::Gemini => {
            assert_eq!(
                body["generateContentRequest"]["model"],
                format!("models/{MODEL}")
            );
            body["generateContentRequest"].clone()
        }
        Flavor::Vertex => {
            assert_eq!(resp.extra["total_billable_characters"], 21);
            body.clone()
        }
    };
    assert_eq!(
        inner["systemInstruction"],
        json!({"parts": [{"text": "be brief"}]})
    );
    assert_eq!(
        inner["contents"],
        json!([{"role": "user", "parts": [{"text": "count these words please"}]}])
    );
    assert_eq!(
        inner["tools"],
        json!([{"functionDeclarations": [weather_declaration()]}])
    );
}

pub async fn list_models(flavor: Flavor) {
    let h = Harness::start(flavor).await;
    let mut ctx = RequestContext::default();
    let resp = h
        .bifrost
        .list_models(&mut ctx, Some(h.name()))
        .await
        .unwrap();
    let ids: Vec<&str> = resp.data.iter().map(|m| m.id.as_str()).collect();
    let p = h.name();
    assert_eq!(
        ids,
        [
            format!("{p}/gemini-2.5-pro"),
            format!("{p}/gemini-2.5-flash"),
            format!("{p}/gemini-2.0-flash"),
            format!("{p}/text-embedding-004"),
            format!("{p}/gemini-embedding-001"),
        ]
    );
    assert!(resp.data.iter().all(|m| m.owned_by == "google"));
    let listing: Vec<RecordedRequest> = h
        .mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(listing.len(), 1);
    match flavor {
        Flavor::Gemini => {
            assert_eq!(listing[0].path, "/v1beta/models");
            assert_eq!(listing[0].query.as_deref(), Some("pageSize=1000"));
            assert_eq!(listing[0].header("x-goog-api-key"), Some(API_KEY));
            let flash = &resp.data[1];
            assert_eq!(flash.extra["context_length"], 1_048_576);
            assert_eq!(flash.extra["name"], "Gemini 2.5 Flash");
        }
        Flavor::Vertex => {
            assert_eq!(listing[0].path, "/v1beta1/publishers/google/models");
            assert!(
                listing[0]
                    .header("authorization")
                    .unwrap()
                    .starts_with("Bearer ya29.mock-")
            );
        }
    }
}
