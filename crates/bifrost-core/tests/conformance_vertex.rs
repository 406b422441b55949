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
