//! The mocker inside a real engine: an `openai` provider pointed at a port where nothing
//! listens, so any request that is not mocked fails with a network error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use bifrost_core::config::{EngineConfig, KeyConfig, NetworkConfig, ProviderConfig};
use bifrost_core::schemas::{ChatMessage, ChatRequest, Role, StreamChunk, TextCompletionRequest};
use bifrost_core::{Bifrost, ErrorKind, Plugin};
use bifrost_plugin_mocker::MockerPlugin;
use futures::StreamExt;
use serde_json::json;

/// Nothing listens on the discard port, so connections are refused at once.
const UNREACHABLE: &str = "http://127.0.0.1:9";

fn engine() -> Bifrost {
    let mut providers = indexmap::IndexMap::new();
    providers.insert(
        "openai".to_owned(),
        ProviderConfig {
            keys: vec![KeyConfig {
                value: "sk-test".into(),
                ..KeyConfig::default()
            }],
            network_config: Some(NetworkConfig {
                base_url: Some(UNREACHABLE.to_owned()),
                ..NetworkConfig::default()
            }),
            ..ProviderConfig::default()
        },
    );
    let mocker = MockerPlugin::from_json(&json!({
        "enabled": true,
        "default_behavior": "passthrough",
        "rules": [
            {
                "name": "outage", "enabled": true, "priority": 20,
                "conditions": {"models": ["outage-model"]},
                "responses": [{"type": "error", "allow_fallbacks": false, "error": {
                    "message": "mocked outage", "type": "server_error", "status_code": 503
                }}]
            },
            {
                "name": "flaky", "enabled": true, "priority": 20,
                "conditions": {"models": ["flaky-model"]},
                "responses": [{"type": "error", "error": {"message": "mocked flake", "status_code": 500}}]
            },
            {
                "name": "mini", "enabled": true, "priority": 10,
                "conditions": {"providers": ["openai"], "models": ["gpt-4o-mini"]},
                "responses": [{"type": "success", "content": {
                    "message_template": "Mocked {{model}} via {{provider}}",
                    "usage": {"prompt_tokens": 4, "completion_tokens": 6}
                }}]
            }
        ]
    }))
    .unwrap();
    let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(mocker)];
    Bifrost::new(EngineConfig::with_providers(providers), plugins).unwrap()
}

fn chat(model: &str, fallbacks: &[&str]) -> ChatRequest {
    ChatRequest {
        model: model.to_owned(),
        messages: vec![ChatMessage::text(Role::User, "Hello there")],
        fallbacks: (!fallbacks.is_empty())
            .then(|| fallbacks.iter().map(|f| (*f).to_owned()).collect()),
        ..ChatRequest::default()
    }
}

#[tokio::test]
async fn chat_is_answered_by_the_mock() {
    let answer = engine()
        .chat(chat("openai/gpt-4o-mini", &[]))
        .await
        .unwrap();
    assert_eq!(
        answer.choices[0].message.text_content(),
        "Mocked gpt-4o-mini via openai"
    );
    assert!(answer.id.starts_with("mock-"), "{}", answer.id);
    assert_eq!(answer.object, "chat.completion");
    assert_eq!(answer.model, "gpt-4o-mini");
    let usage = answer.usage.as_ref().unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (4, 6));
    let extra = answer.extra_fields.as_ref().unwrap();
    assert_eq!(extra.provider, "openai");
    assert_eq!(extra.model_requested, "openai/gpt-4o-mini");
}

#[tokio::test]
async fn streamed_chat_is_answered_by_the_mock() {
    let mut stream = engine()
        .chat_stream(chat("openai/gpt-4o-mini", &[]))
        .await
        .unwrap();
    let mut text = String::new();
    let mut finish_reason = None;
    let mut ids = Vec::new();
    while let Some(item) = stream.next().await {
        let StreamChunk::Chat(chunk) = item.unwrap() else {
            panic!("expected chat chunks");
        };
        assert_eq!(chunk.object, "chat.completion.chunk");
        ids.push(chunk.id.clone());
        for choice in &chunk.choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or_default());
            if choice.finish_reason.is_some() {
                finish_reason.clone_from(&choice.finish_reason);
            }
        }
    }
    assert_eq!(text, "Mocked gpt-4o-mini via openai");
    assert_eq!(finish_reason.as_deref(), Some("stop"));
    assert!(
        ids.iter()
            .all(|id| id == &ids[0] && id.starts_with("mock-")),
        "{ids:?}"
    );
}

#[tokio::test]
async fn text_completion_is_answered_by_the_mock() {
    let answer = engine()
        .text_completion(TextCompletionRequest {
            model: "openai/gpt-4o-mini".to_owned(),
            prompt: json!("Once upon a time"),
            ..TextCompletionRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(answer.choices[0].text, "Mocked gpt-4o-mini via openai");
    assert_eq!(answer.object, "text_completion");
}

#[tokio::test]
async fn unmatched_requests_reach_the_provider() {
    let err = engine().chat(chat("openai/gpt-4o", &[])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err:?}");
    assert_eq!(err.status(), 502);

    let err = engine()
        .chat_stream(chat("openai/gpt-4o", &[]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err:?}");
}

#[tokio::test]
async fn error_rules_answer_with_their_status() {
    let err = engine()
        .chat(chat("openai/outage-model", &[]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 503);
    assert_eq!(err.message(), "mocked outage");
    assert_eq!(err.error_type(), Some("server_error"));
    let body: serde_json::Value = serde_json::from_slice(&err.to_json()).unwrap();
    assert_eq!(body["status_code"], 503);
    assert_eq!(body["is_bifrost_error"], false);
    assert_eq!(body["extra_fields"]["provider"], "openai");

    let err = engine()
        .chat_stream(chat("openai/outage-model", &[]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 503);
}

#[tokio::test]
async fn allow_fallbacks_decides_whether_fallbacks_run() {
    // Fallbacks allowed (the default): the fallback target is mocked with a success.
    let answer = engine()
        .chat(chat("openai/flaky-model", &["openai/gpt-4o-mini"]))
        .await
        .unwrap();
    assert_eq!(
        answer.choices[0].message.text_content(),
        "Mocked gpt-4o-mini via openai"
    );

    // `allow_fallbacks: false`: the mocked error is final.
    let err = engine()
        .chat(chat("openai/outage-model", &["openai/gpt-4o-mini"]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 503);
}
