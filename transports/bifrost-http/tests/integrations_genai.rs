//! The Google GenAI drop-in routes under `/genai`: generateContent (whole and streamed, SSE and
//! JSON-array forms) served by the Gemini mock and by other providers through the same route,
//! function calling with thought signatures, embeddings, countTokens, models, and errors in
//! Google's shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};

/// The key the gateway holds for Gemini (the mock accepts any key not starting with `bad`).
const GEMINI_KEY: &str = "gemini-gateway-key";
/// What a GenAI SDK caller puts in `x-goog-api-key`: accepted, never forwarded.
const CALLER_KEY: &str = "caller-own-google-key";
const ANTHROPIC_KEY: &str = "sk-ant-api03-test";

async fn gateway() -> Gw {
    start(|base| {
        providers(&[
            (
                "gemini",
                merge(
                    provider(&format!("{base}/v1beta"), json!([key(GEMINI_KEY, 1.0)])),
                    fast_retries(0),
                ),
            ),
            (
                "anthropic",
                merge(one_key(base, ANTHROPIC_KEY), fast_retries(0)),
            ),
            ("openai", merge(one_key(base, GOOD_KEY), fast_retries(0))),
        ])
    })
    .await
}

const SDK_HEADERS: &[(&str, &str)] = &[("x-goog-api-key", CALLER_KEY)];

fn method_path(model: &str, method: &str) -> String {
    format!("/genai/v1beta/models/{model}:{method}")
}

async fn generate(gw: &Gw, model: &str, body: &Value) -> reqwest::Response {
    gw.post_with(&method_path(model, "generateContent"), body, SDK_HEADERS)
        .await
}

fn ask(text: &str) -> Value {
    json!({"contents": [{"role": "user", "parts": [{"text": text}]}]})
}

/// The text of the first candidate's non-thought parts.
fn text_of(resp: &Value) -> String {
    resp["candidates"][0]["content"]["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["thought"] != true)
        .filter_map(|p| p["text"].as_str())
        .collect()
}

/// Asserts an error answer in Google's shape and returns its `error` object.
async fn google_error(resp: reqwest::Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert_eq!(content_type, "application/json");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "only `error`: {body}");
    let err = body["error"].clone();
    assert_eq!(err["code"], status, "{body}");
    assert!(err["message"].is_string(), "{body}");
    assert!(err["status"].is_string(), "{body}");
    err
}

/// Parses `data: <json>\r\n\r\n` events.
fn sse_responses(body: &str) -> Vec<Value> {
    assert!(body.ends_with("\r\n\r\n"), "unterminated event: {body:?}");
    body.split("\r\n\r\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let data = e
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data event: {e:?}"));
            serde_json::from_str(data).expect("event JSON")
        })
        .collect()
}

async fn stream_body(resp: reqwest::Response, content_type: &str) -> String {
    let status = resp.status().as_u16();
    let got = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(got, content_type, "{text}");
    text
}

fn streamed_text(responses: &[Value]) -> String {
    responses.iter().map(text_of).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_model_is_served_by_gemini_with_the_gateways_key() {
    let gw = gateway().await;
    let resp = gw
        .post_with(
            "/genai/v1beta/models/gemini-2.5-flash:generateContent?key=caller-query-key",
            &ask("hello there"),
            SDK_HEADERS,
        )
        .await;
    assert!(resp.headers().get("x-request-id").is_some());
    let body = ok_json(resp).await;
    assert_eq!(
        body,
        json!({
            "candidates": [{
                "content": {"role": "model", "parts": [{"text": "Echo: hello there"}]},
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 3, "totalTokenCount": 5},
            "modelVersion": "gemini-2.5-flash",
            "responseId": body["responseId"].clone()
        })
    );
    assert!(
        body["responseId"]
            .as_str()
            .unwrap()
            .starts_with("mock-resp-")
    );
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert_eq!(up.header("x-goog-api-key"), Some(GEMINI_KEY));
    let seen = format!("{:?} {:?}", up.headers, up.query);
    assert!(
        !seen.contains(CALLER_KEY) && !seen.contains("caller-query-key"),
        "{seen}"
    );
    assert_eq!(body_of(up), ask("hello there"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_requests_reach_gemini_as_written() {
    let gw = gateway().await;
    let native = json!({
        "contents": [
            {"role": "user", "parts": [
                {"text": "what is in the clip?", "mediaResolution": {"level": "MEDIA_RESOLUTION_LOW"}},
                {"fileData": {"mimeType": "video/mp4", "fileUri": "gs://bucket/clip"}, "videoMetadata": {"fps": 2}},
                {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}
            ]},
            {"role": "model", "parts": [
                {"text": "pondering", "thought": true},
                {"text": "Checking.", "thoughtSignature": "dGV4dC1zaWc="},
                {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}, "thoughtSignature": "Y2FsbC1zaWc="}
            ]},
            {"role": "user", "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"content": "18C"}}},
                {"text": "thanks"}
            ]}
        ],
        "systemInstruction": {"parts": [{"text": "be brief"}]},
        "tools": [
            {"functionDeclarations": [{"name": "get_weather", "description": "Weather",
                "parameters": {"type": "OBJECT", "properties": {"location": {"type": "STRING"}}, "required": ["location"]}}]},
            {"codeExecution": {}}
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
        "generationConfig": {
            "temperature": 0.3, "topP": 0.9, "topK": 20, "seed": 7, "maxOutputTokens": 200,
            "stopSequences": ["STOP!"], "responseModalities": ["TEXT"],
            "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": true}
        },
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}]
    });
    let body = ok_json(generate(&gw, "gemini-2.5-flash", &native).await).await;
    assert_eq!(text_of(&body), "Tool said: 18C");
    let parts = &body["candidates"][0]["content"]["parts"];
    assert_eq!(parts[0]["thought"], true, "{body}");
    assert!(
        parts[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Considering")
    );
    assert!(
        body["usageMetadata"]["thoughtsTokenCount"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(body_of(&gw.requests()[0]), native);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_calls_and_thought_signatures_round_trip() {
    let gw = gateway().await;
    let tools = json!([{"functionDeclarations": [{"name": "get_weather",
        "parameters": {"type": "OBJECT", "properties": {"location": {"type": "STRING"}}}}]}]);
    let question = json!({"role": "user", "parts": [{"text": "weather in Paris?"}]});
    let first = ok_json(
        generate(
            &gw,
            "gemini-2.5-flash",
            &json!({"contents": [question], "tools": tools}),
        )
        .await,
    )
    .await;
    let candidate = &first["candidates"][0];
    assert_eq!(candidate["finishReason"], "STOP");
    let call = &candidate["content"]["parts"][0];
    assert_eq!(call["functionCall"]["name"], "get_weather");
    assert_eq!(call["functionCall"]["args"], json!({"location": "Paris"}));
    let id = call["functionCall"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("call_"), "{call}");
    assert!(
        call["thoughtSignature"].as_str().unwrap().len() > 8,
        "{call}"
    );
    // The SDK sends the model's content back as it received it, with a response without id.
    let model_turn = candidate["content"].clone();
    let history = json!({"contents": [
        question,
        model_turn,
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}}]}
    ], "tools": tools});
    let second = ok_json(generate(&gw, "gemini-2.5-flash", &history).await).await;
    assert_eq!(text_of(&second), r#"Tool said: {"result":"18C"}"#);
    assert_eq!(body_of(&gw.requests()[1]), history);

    // Through OpenAI: the response's id answers the call.
    let first = ok_json(
        generate(
            &gw,
            "openai/gpt-4o-mini",
            &json!({"contents": [question], "tools": tools}),
        )
        .await,
    )
    .await;
    let call = &first["candidates"][0]["content"]["parts"][0];
    assert_eq!(call["functionCall"]["id"], "call_mock_0");
    assert_eq!(call["functionCall"]["args"], json!({"location": "Paris"}));
    assert!(call.get("thoughtSignature").is_none());
    let history = json!({"contents": [
        question,
        first["candidates"][0]["content"],
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}}]}
    ], "tools": tools});
    let second = ok_json(generate(&gw, "openai/gpt-4o-mini", &history).await).await;
    assert_eq!(text_of(&second), r#"Tool said: {"result":"18C"}"#);
    let sent = body_of(&gw.requests()[3]);
    let messages = sent["messages"].as_array().unwrap();
    assert_eq!(messages[1]["tool_calls"][0]["id"], "call_mock_0");
    assert_eq!(messages[2]["role"], "tool");
    assert_eq!(messages[2]["tool_call_id"], "call_mock_0");
    assert_eq!(
        sent["tools"][0]["function"]["parameters"],
        json!({"type": "object", "properties": {"location": {"type": "string"}}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefixed_models_reach_other_providers() {
    let gw = gateway().await;
    let native = json!({
        "contents": [{"role": "user", "parts": [{"text": "hello from genai"}]}],
        "systemInstruction": {"parts": [{"text": "be brief"}]},
        "generationConfig": {"temperature": 0.5, "maxOutputTokens": 64, "topK": 3,
            "thinkingConfig": {"thinkingBudget": 0}},
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    });
    for (model, path) in [
        ("anthropic/claude-haiku-4-5", "/v1/messages"),
        ("anthropic%2Fclaude-haiku-4-5", "/v1/messages"),
        ("openai/gpt-4o-mini", "/v1/chat/completions"),
    ] {
        gw.mock.clear();
        let body = ok_json(generate(&gw, model, &native).await).await;
        assert_eq!(text_of(&body), "Echo: hello from genai", "{model}");
        assert_eq!(body["candidates"][0]["finishReason"], "STOP");
        assert!(body["usageMetadata"]["promptTokenCount"].as_u64().unwrap() > 0);
        let up = &gw.requests()[0];
        assert_eq!(up.path, path, "{model}");
        let raw = String::from_utf8_lossy(&up.body).to_string();
        for leak in ["gemini", "safety", "thinking", "top_k", CALLER_KEY] {
            assert!(!raw.contains(leak), "{model}: {leak} in {raw}");
        }
        let sent = body_of(up);
        assert_eq!(sent["temperature"], 0.5, "{model}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_come_as_sse_or_a_json_array() {
    let gw = gateway().await;
    for model in [
        "gemini-2.5-flash",
        "openai/gpt-4o-mini",
        "anthropic/claude-haiku-4-5",
    ] {
        let url = format!("{}?alt=sse", method_path(model, "streamGenerateContent"));
        let resp = gw.post_with(&url, &ask("one two three"), SDK_HEADERS).await;
        let events = sse_responses(&stream_body(resp, "text/event-stream").await);
        assert!(events.len() >= 2, "{model}: {events:?}");
        assert_eq!(streamed_text(&events), "Echo: one two three", "{model}");
        let last = events.last().unwrap();
        assert_eq!(last["candidates"][0]["finishReason"], "STOP", "{model}");
        assert_eq!(
            last["usageMetadata"]["candidatesTokenCount"], 4,
            "{model}: {last}"
        );
        let ids: Vec<&Value> = events.iter().map(|e| &e["responseId"]).collect();
        assert!(
            ids.iter().all(|id| *id == ids[0] && id.is_string()),
            "{ids:?}"
        );
        assert!(events.iter().all(|e| e["modelVersion"].is_string()));

        let resp = gw
            .post_with(
                &method_path(model, "streamGenerateContent"),
                &ask("one two three"),
                SDK_HEADERS,
            )
            .await;
        let text = stream_body(resp, "application/json").await;
        assert!(text.starts_with('[') && text.ends_with(']'), "{text}");
        let array: Vec<Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(streamed_text(&array), "Echo: one two three", "{model}");
        assert_eq!(
            array.last().unwrap()["candidates"][0]["finishReason"],
            "STOP"
        );
    }
    let up = gw
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with(":streamGenerateContent"))
        .unwrap();
    assert_eq!(up.query.as_deref(), Some("alt=sse"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_function_calls_and_thoughts() {
    let gw = gateway().await;
    let body = json!({
        "contents": [{"role": "user", "parts": [{"text": "weather in parallel please"}]}],
        "tools": [{"functionDeclarations": [{"name": "get_weather"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingBudget": 512, "includeThoughts": true}}
    });
    for model in ["gemini-2.5-flash", "openai/gpt-4o-mini"] {
        let url = format!("{}?alt=sse", method_path(model, "streamGenerateContent"));
        let resp = gw.post_with(&url, &body, SDK_HEADERS).await;
        let events = sse_responses(&stream_body(resp, "text/event-stream").await);
        let parts: Vec<&Value> = events
            .iter()
            .flat_map(|e| {
                e["candidates"][0]["content"]["parts"]
                    .as_array()
                    .into_iter()
                    .flatten()
            })
            .collect();
        let calls: Vec<&Value> = parts.iter().filter_map(|p| p.get("functionCall")).collect();
        assert_eq!(calls.len(), 2, "{model}: {parts:?}");
        assert_eq!(calls[0]["args"], json!({"location": "Paris"}));
        assert_eq!(calls[1]["args"], json!({"location": "London"}));
        assert_ne!(calls[0]["id"], calls[1]["id"]);
        if model.starts_with("gemini") {
            assert_eq!(parts[0]["thought"], true, "{parts:?}");
            let signed = parts
                .iter()
                .find(|p| p.get("functionCall").is_some())
                .unwrap();
            assert!(signed["thoughtSignature"].is_string(), "{signed}");
        }
        assert_eq!(
            events.last().unwrap()["candidates"][0]["finishReason"],
            "STOP"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embeddings_single_and_batched() {
    let gw = gateway().await;
    let one = json!({"content": {"parts": [{"text": "embed me"}]}, "taskType": "RETRIEVAL_QUERY"});
    let native = ok_json(
        gw.post_with(
            &method_path("text-embedding-004", "embedContent"),
            &one,
            SDK_HEADERS,
        )
        .await,
    )
    .await;
    let values = native["embedding"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 8);
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1beta/models/text-embedding-004:embedContent");
    assert_eq!(body_of(up)["taskType"], "RETRIEVAL_QUERY");
    let via_openai = ok_json(
        gw.post_with(
            &method_path("openai/text-embedding-3-small", "embedContent"),
            &one,
            SDK_HEADERS,
        )
        .await,
    )
    .await;
    assert_eq!(
        via_openai["embedding"]["values"].as_array().unwrap().len(),
        8
    );
    let sent = body_of(&gw.requests()[1]);
    assert_eq!(sent["input"], "embed me");
    assert!(sent.get("task_type").is_none(), "{sent}");

    let batch = json!({"requests": [
        {"model": "models/text-embedding-004", "content": {"parts": [{"text": "first"}]}, "outputDimensionality": 4},
        {"model": "models/text-embedding-004", "content": {"parts": [{"text": "second"}]}, "outputDimensionality": 4}
    ]});
    for model in ["text-embedding-004", "openai/text-embedding-3-small"] {
        let out = ok_json(
            gw.post_with(
                &method_path(model, "batchEmbedContents"),
                &batch,
                SDK_HEADERS,
            )
            .await,
        )
        .await;
        let embeddings = out["embeddings"].as_array().unwrap();
        assert_eq!(embeddings.len(), 2, "{model}");
        assert_eq!(
            embeddings[0]["values"].as_array().unwrap().len(),
            4,
            "{model}"
        );
        assert_ne!(embeddings[0], embeddings[1]);
    }
    let err = google_error(
        gw.post_with(
            &method_path("text-embedding-004", "embedContent"),
            &json!({"content": {"parts": []}}),
            SDK_HEADERS,
        )
        .await,
        400,
    )
    .await;
    assert_eq!(err["status"], "INVALID_ARGUMENT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_tokens_answers_total_tokens() {
    let gw = gateway().await;
    let body =
        json!({"contents": [{"role": "user", "parts": [{"text": "count these four words"}]}]});
    let native = ok_json(
        gw.post_with(
            &method_path("gemini-2.5-flash", "countTokens"),
            &body,
            SDK_HEADERS,
        )
        .await,
    )
    .await;
    assert_eq!(native, json!({"totalTokens": 4}));
    let up = &gw.requests()[0];
    assert_eq!(up.path, "/v1beta/models/gemini-2.5-flash:countTokens");
    let claude = ok_json(
        gw.post_with(
            &method_path("anthropic/claude-haiku-4-5", "countTokens"),
            &body,
            SDK_HEADERS,
        )
        .await,
    )
    .await;
    assert_eq!(claude["totalTokens"], 4);
    assert_eq!(gw.requests()[1].path, "/v1/messages/count_tokens");
    let err = google_error(
        gw.post_with(
            &method_path("gemini-2.5-flash", "countTokens"),
            &json!({}),
            SDK_HEADERS,
        )
        .await,
        400,
    )
    .await;
    assert!(
        err["message"].as_str().unwrap().contains("contents"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_are_listed_in_googles_shape() {
    let gw = gateway().await;
    for version in ["v1beta", "v1"] {
        let page = ok_json(
            gw.get(&format!("/genai/{version}/models?pageSize=1000"))
                .await,
        )
        .await;
        let models = page["models"].as_array().unwrap();
        let names: Vec<&str> = models.iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"models/gemini-2.5-flash"), "{names:?}");
        assert!(names.contains(&"models/openai/gpt-4o"), "{names:?}");
        assert!(page.get("nextPageToken").is_none());
        let flash = models
            .iter()
            .find(|m| m["name"] == "models/gemini-2.5-flash")
            .unwrap();
        assert_eq!(flash["displayName"], "Gemini 2.5 Flash");
        assert_eq!(flash["inputTokenLimit"], 1_048_576);
        assert_eq!(flash["outputTokenLimit"], 65_536);
        assert!(
            flash["supportedGenerationMethods"]
                .as_array()
                .unwrap()
                .contains(&json!("generateContent"))
        );
    }
    let first = ok_json(gw.get("/genai/v1beta/models?pageSize=2").await).await;
    assert_eq!(first["models"].as_array().unwrap().len(), 2);
    let token = first["nextPageToken"].as_str().unwrap();
    let next = ok_json(
        gw.get(&format!(
            "/genai/v1beta/models?pageSize=2&pageToken={token}"
        ))
        .await,
    )
    .await;
    assert_ne!(next["models"][0], first["models"][0]);
    let one = ok_json(gw.get("/genai/v1beta/models/gemini-2.5-flash").await).await;
    assert_eq!(one["name"], "models/gemini-2.5-flash");
    let cross = ok_json(gw.get("/genai/v1beta/models/openai/gpt-4o").await).await;
    assert_eq!(cross["name"], "models/openai/gpt-4o");
    let err = google_error(gw.get("/genai/v1beta/models/gemini-nope").await, 404).await;
    assert_eq!(err["status"], "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_googles_shape_and_status() {
    let gw = gateway().await;
    for (model, status, name) in [
        ("error-400", 400, "INVALID_ARGUMENT"),
        ("error-404", 404, "NOT_FOUND"),
        ("error-429", 429, "RESOURCE_EXHAUSTED"),
        ("error-500", 500, "INTERNAL"),
        ("error-503", 503, "UNAVAILABLE"),
        ("error-504", 504, "DEADLINE_EXCEEDED"),
        ("openai/error-429", 429, "RESOURCE_EXHAUSTED"),
        ("openai/error-400", 400, "INVALID_ARGUMENT"),
        ("anthropic/error-500", 500, "INTERNAL"),
        ("groq/llama-3.3-70b-versatile", 400, "INVALID_ARGUMENT"),
    ] {
        let err = google_error(generate(&gw, model, &ask("x")).await, status).await;
        assert_eq!(err["status"], name, "{model}: {err}");
    }
    let err = google_error(generate(&gw, "error-429", &ask("x")).await, 429).await;
    assert_eq!(err["details"][0]["retryDelay"], "1s", "{err}");
    let err = google_error(
        generate(
            &gw,
            "gemini-2.5-flash",
            &json!({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(err["message"], "Please use a valid role: user, model.");
    let resp = gw
        .client
        .post(format!(
            "{}{}",
            gw.url,
            method_path("gemini-2.5-flash", "generateContent")
        ))
        .header("content-type", "application/json")
        .body("{\"contents\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(google_error(resp, 400).await["status"], "INVALID_ARGUMENT");
    let err = google_error(
        gw.post(
            &method_path("gemini-2.5-flash", "predictLongRunning"),
            &ask("x"),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(err["status"], "NOT_FOUND");
    let err = google_error(
        gw.post("/genai/v1beta/models/gemini-2.5-flash", &ask("x"))
            .await,
        404,
    )
    .await;
    assert_eq!(err["status"], "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_mid_stream_ends_with_googles_error() {
    let gw = gateway().await;
    for model in ["stream-error", "openai/stream-error"] {
        let url = format!("{}?alt=sse", method_path(model, "streamGenerateContent"));
        let resp = gw
            .post_with(&url, &ask("one two three four five six"), SDK_HEADERS)
            .await;
        let events = sse_responses(&stream_body(resp, "text/event-stream").await);
        let last = events.last().unwrap();
        let code = last["error"]["code"].as_u64().unwrap();
        assert!(code >= 500, "{model}: {last}");
        let status = last["error"]["status"].as_str().unwrap();
        assert!(
            matches!(status, "INTERNAL" | "UNAVAILABLE"),
            "{model}: {last}"
        );
        assert!(
            !streamed_text(&events[..events.len() - 1]).is_empty(),
            "{model}: content came first"
        );

        let resp = gw
            .post_with(
                &method_path(model, "streamGenerateContent"),
                &ask("one two three four five six"),
                SDK_HEADERS,
            )
            .await;
        let text = stream_body(resp, "application/json").await;
        let array: Vec<Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(array.last().unwrap()["error"]["status"], status, "{model}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_paths_and_framework_prefixes_expose_the_routes() {
    let gw = gateway().await;
    for prefix in ["", "/litellm", "/langchain", "/pydanticai"] {
        for version in ["v1beta", "v1"] {
            let path = format!("{prefix}/genai/{version}/models/gemini-2.5-flash:generateContent");
            let body = ok_json(gw.post_with(&path, &ask(version), SDK_HEADERS).await).await;
            assert_eq!(text_of(&body), format!("Echo: {version}"), "{path}");
        }
    }
}
