//! The provider conformance list for Vertex AI (Gemini models), through the real engine against
//! the in-process mock upstream, authenticated with a service account whose JWT the mock's
//! OAuth endpoint verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod google_common;

use bifrost_core::schemas::ChatRequest;
use bifrost_mock_upstream::{MockUpstream, test_service_account_json, wrong_service_account_json};
use google_common::{self as common, Flavor, Harness, token_uri, vertex_key};
use serde_json::json;

const FLAVOR: Flavor = Flavor::Vertex;

macro_rules! unary_and_stream {
    ($($name:ident / $stream:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            common::$name(FLAVOR, false).await;
        }

        #[tokio::test]
        async fn $stream() {
            common::$name(FLAVOR, true).await;
        }
    )*};
}

unary_and_stream!(
    simple_chat / stream_simple_chat,
    system_prompt / stream_system_prompt,
    multi_turn / stream_multi_turn,
    image_input / stream_image_input,
    tool_call / stream_tool_call,
    parallel_tool_calls / stream_parallel_tool_calls,
    tool_result_round_trip / stream_tool_result_round_trip,
    forced_tool_choice / stream_forced_tool_choice,
    structured_output / stream_structured_output,
    max_tokens_cutoff_is_length / stream_max_tokens_cutoff_is_length,
    stop_sequence / stream_stop_sequence,
);

#[tokio::test]
async fn usage_parity() {
    common::usage_parity(FLAVOR).await;
}

#[tokio::test]
async fn upstream_error_maps_to_bifrost_error() {
    common::upstream_error_maps_to_bifrost_error(FLAVOR).await;
}

#[tokio::test]
async fn wrong_key_gets_native_error() {
    // An API key Vertex does not accept: Google's own 400.
    let mock = MockUpstream::start().await.unwrap();
    let h = Harness::with_key(
        mock.clone(),
        FLAVOR,
        vertex_key(&mock, None, "bad-key-123"),
        json!({}),
    );
    let err = h
        .chat_err(json!({"messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(err.status(), 400);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("INVALID_ARGUMENT"));
    assert_eq!(err.code(), Some("API_KEY_INVALID"));
    assert_eq!(
        err.message(),
        "API key not valid. Please pass a valid API key."
    );
    let calls = h.calls("generateContent");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query.as_deref(), Some("key=bad-key-123"));
    assert!(calls[0].header("authorization").is_none());

    // A service account signed with a key Google does not know: the token endpoint's error.
    let mock = MockUpstream::start().await.unwrap();
    let creds = wrong_service_account_json(&token_uri(&mock));
    let h = Harness::with_key(
        mock.clone(),
        FLAVOR,
        vertex_key(&mock, Some(creds), ""),
        json!({}),
    );
    let err = h
        .chat_err(json!({"messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(err.status(), 400);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("invalid_grant"));
    assert!(
        err.message().starts_with("Invalid JWT Signature."),
        "{}",
        err.message()
    );
    assert!(!err.message().contains("PRIVATE KEY"));
    let requests = mock.requests();
    assert_eq!(requests.len(), 1, "no model call without a token");
    assert_eq!(requests[0].path, "/token");
    let form = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(form.starts_with(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"
    ));
}

#[tokio::test]
async fn embeddings() {
    common::embeddings(FLAVOR).await;
}

#[tokio::test]
async fn count_tokens() {
    common::count_tokens(FLAVOR).await;
}

#[tokio::test]
async fn list_models() {
    common::list_models(FLAVOR).await;
}

fn bearer_of(r: &bifrost_mock_upstream::RecordedRequest) -> String {
    r.header("authorization").unwrap().to_owned()
}

#[tokio::test(start_paused = true)]
async fn token_is_fetched_cached_and_refreshed() {
    let mock = MockUpstream::start().await.unwrap();
    let creds = test_service_account_json(&token_uri(&mock));
    // A long request timeout: the paused clock jumps ahead while the runtime waits on sockets.
    let h = Harness::with_key(
        mock.clone(),
        FLAVOR,
        vertex_key(&mock, Some(creds), ""),
        json!({"default_request_timeout_in_seconds": 86400}),
    );
    let req = || -> ChatRequest {
        h.chat_request(json!({"messages": [{"role": "user", "content": "hi"}]}))
    };
    let tokens = || {
        mock.requests()
            .iter()
            .filter(|r| r.path == "/token")
            .count()
    };

    // First call fetches a token; the second reuses it.
    h.bifrost.chat(req()).await.unwrap();
    h.bifrost.chat(req()).await.unwrap();
    assert_eq!(tokens(), 1);
    let calls = h.calls("generateContent");
    assert_eq!(bearer_of(&calls[0]), bearer_of(&calls[1]));

    // Still cached 5 minutes and 1 second before expiry.
    let lifetime = bifrost_mock_upstream::TOKEN_LIFETIME_SECS;
    tokio::time::advance(std::time::Duration::from_secs(lifetime - 301)).await;
    h.bifrost.chat(req()).await.unwrap();
    assert_eq!(tokens(), 1);

    // Within 5 minutes of expiry it is replaced; concurrent requests share one refresh.
    tokio::time::advance(std::time::Duration::from_secs(2)).await;
    let results = futures::future::join_all((0..5).map(|_| h.bifrost.chat(req()))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(tokens(), 2, "one refresh for five concurrent requests");
    let calls = h.calls("generateContent");
    assert_eq!(calls.len(), 8);
    let old = bearer_of(&calls[0]);
    let fresh = bearer_of(&calls[3]);
    assert_ne!(old, fresh);
    assert!(calls[3..].iter().all(|c| bearer_of(c) == fresh));
    // The assertion was signed for the mock's token endpoint with the cloud-platform scope.
    let token_req = mock
        .requests()
        .into_iter()
        .find(|r| r.path == "/token")
        .unwrap();
    assert_eq!(
        token_req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

// ---- Claude models on Vertex AI (Anthropic's Messages format, `publishers/anthropic`) --------

const CLAUDE: &str = "claude-sonnet-4-5";

fn anthropic_path(model: &str, method: &str) -> String {
    format!(
        "/v1/projects/{}/locations/{}/publishers/anthropic/models/{model}:{method}",
        common::PROJECT,
        common::REGION
    )
}

fn claude_request(h: &Harness, stream: bool) -> ChatRequest {
    h.chat_request(json!({
        "model": format!("vertex/{CLAUDE}"),
        "stream": stream,
        "stream_options": {"include_usage": true},
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello Claude"}
        ]
    }))
}

#[tokio::test]
async fn anthropic_chat_through_vertex() {
    let h = Harness::start(FLAVOR).await;
    let resp = h.bifrost.chat(claude_request(&h, false)).await.unwrap();
    let choice = &resp.choices[0];
    assert_eq!(
        choice.message.content.as_ref().unwrap().to_text(),
        "Echo: Hello Claude"
    );
    assert_eq!(choice.finish_reason.as_deref(), Some("stop"));
    assert_eq!(resp.extra_fields.as_ref().unwrap().provider, "vertex");
    let usage = resp.usage.unwrap();
    assert!(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    let calls = h.calls("rawPredict");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, anthropic_path(CLAUDE, "rawPredict"));
    assert!(
        calls[0]
            .header("authorization")
            .unwrap()
            .starts_with("Bearer ya29.mock-")
    );
    let body = calls[0].json().unwrap();
    assert!(body.get("model").is_none(), "the model is in the URL");
    assert_eq!(body["anthropic_version"], "vertex-2023-10-16");
    assert_eq!(body["max_tokens"], 4096);
    assert_eq!(body["system"], "Be brief.");
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Hello Claude"}])
    );
}

#[tokio::test]
async fn anthropic_stream_through_vertex() {
    let h = Harness::start(FLAVOR).await;
    let mut ctx = bifrost_core::RequestContext::default();
    ctx.extra_headers.push((
        http::HeaderName::from_static("anthropic-beta"),
        http::HeaderValue::from_static("context-1m-2025-08-07"),
    ));
    let req = h
        .bifrost
        .request(bifrost_core::schemas::RequestBody::Chat(Box::new(
            claude_request(&h, true),
        )))
        .unwrap();
    let stream = h.bifrost.execute_stream(ctx, req).await.unwrap();
    let s = common::collect(stream).await;
    assert!(s.error.is_none(), "{:?}", s.error);
    assert_eq!(s.content, "Echo: Hello Claude");
    assert_eq!(s.finish.as_deref(), Some("stop"));
    assert!(s.usage.is_some());
    let calls = h.calls("streamRawPredict");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, anthropic_path(CLAUDE, "streamRawPredict"));
    assert!(
        calls[0].header("anthropic-beta").is_none(),
        "the beta header moves into the body"
    );
    let body = calls[0].json().unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["anthropic_beta"], json!(["context-1m-2025-08-07"]));
}

#[tokio::test]
async fn anthropic_count_tokens_and_errors_through_vertex() {
    let mock = MockUpstream::start().await.unwrap();
    let creds = test_service_account_json(&token_uri(&mock));
    let mut key = vertex_key(&mock, Some(creds), "");
    key["vertex_key_config"]["deployments"] = json!({"claude-overloaded": "error-529"});
    let h = Harness::with_key(mock.clone(), FLAVOR, key, json!({}));

    let body = json!({"model": format!("vertex/{CLAUDE}"), "messages": [
        {"role": "user", "content": "count these words"}
    ]});
    let req: bifrost_core::schemas::CountTokensRequest = serde_json::from_value(body).unwrap();
    let mut ctx = bifrost_core::RequestContext::default();
    let req = h
        .bifrost
        .request(bifrost_core::schemas::RequestBody::CountTokens(Box::new(
            req,
        )))
        .unwrap();
    let resp = h.bifrost.execute(&mut ctx, req).await.unwrap();
    let bifrost_core::schemas::Response::CountTokens(count) = resp else {
        panic!("unexpected {resp:?}")
    };
    assert!(count.input_tokens >= 3, "{count:?}");
    let calls = h.calls("rawPredict");
    assert_eq!(calls[0].path, anthropic_path("count-tokens", "rawPredict"));
    let sent = calls[0].json().unwrap();
    assert_eq!(sent["model"], CLAUDE);
    assert_eq!(sent["anthropic_version"], "vertex-2023-10-16");

    // A Claude deployment whose model answers with Anthropic's error envelope.
    let err = h
        .chat_err(json!({"model": "vertex/claude-overloaded", "messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(err.status(), 529);
    assert!(!err.is_bifrost_error());
    assert_eq!(err.error_type(), Some("overloaded_error"));
    assert!(
        mock.requests()
            .iter()
            .any(|r| r.path == anthropic_path("error-529", "rawPredict"))
    );

    // Claude models have no embeddings on Vertex AI.
    let emb: bifrost_core::schemas::EmbeddingRequest =
        serde_json::from_value(json!({"model": format!("vertex/{CLAUDE}"), "input": "x"})).unwrap();
    let err = h.bifrost.embedding(emb).await.unwrap_err();
    assert_eq!(err.code(), Some("unsupported_operation"));
}
