//! The Responses API through the engine: providers that only chat serve it through the default
//! translation, with plugins, fallbacks, retries and stream summaries working as for chat.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bifrost_core::config::{EngineConfig, KeyConfig, NetworkConfig, ProviderConfig};
use bifrost_core::engine::ProviderFactory;
use bifrost_core::error::ErrorDetail;
use bifrost_core::plugin::StreamSummary;
use bifrost_core::schemas::{
    ChatRequest, ChatResponse, ChatStreamChunk, RequestBody, RequestType, Response, ResponsesInput,
    ResponsesRequest, ResponsesStreamEvent, StreamChunk,
};
use bifrost_core::{
    Bifrost, BifrostError, CallContext, ChunkStream, Outcome, Plugin, PluginError, PreHookOutcome,
    Provider, RequestContext, ShortCircuit,
};
use futures::StreamExt;
use serde_json::json;

/// A provider that only chats: `fail_first` calls fail with a 500, then it echoes.
struct ChatOnly {
    name: String,
    calls: Arc<AtomicUsize>,
    fail_first: usize,
    chats: bool,
    seen: Arc<Mutex<Vec<ChatRequest>>>,
}

impl ChatOnly {
    fn attempt(&self, req: &ChatRequest) -> Result<String, BifrostError> {
        self.seen.lock().unwrap().push(req.clone());
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail_first {
            return Err(BifrostError::upstream(
                500,
                ErrorDetail {
                    message: format!("{} failed", self.name),
                    ..ErrorDetail::default()
                },
            ));
        }
        let last = req
            .messages
            .last()
            .map(|m| m.text_content())
            .unwrap_or_default();
        Ok(format!("{} says {last}", self.name))
    }
}

fn usage() -> serde_json::Value {
    json!({"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8})
}

#[async_trait]
impl Provider for ChatOnly {
    fn name(&self) -> &str {
        &self.name
    }

    fn supports(&self, rt: RequestType) -> bool {
        self.chats
            && matches!(
                rt,
                RequestType::ChatCompletion | RequestType::ChatCompletionStream
            )
    }

    async fn chat(
        &self,
        _cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChatResponse, BifrostError> {
        let text = self.attempt(req)?;
        Ok(serde_json::from_value(json!({
            "id": "chatcmpl-x1", "object": "chat.completion", "created": 1, "model": req.model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": usage()
        }))
        .unwrap())
    }

    async fn chat_stream(
        &self,
        _cx: CallContext<'_>,
        req: &ChatRequest,
    ) -> Result<ChunkStream, BifrostError> {
        let text = self.attempt(req)?;
        let chunk = |v: serde_json::Value| {
            let mut base = json!({"id": "chatcmpl-x1", "object": "chat.completion.chunk", "created": 1, "model": req.model});
            base.as_object_mut()
                .unwrap()
                .extend(v.as_object().unwrap().clone());
            Ok(StreamChunk::Chat(
                serde_json::from_value::<ChatStreamChunk>(base).unwrap(),
            ))
        };
        let words: Vec<String> = text.split_inclusive(' ').map(str::to_owned).collect();
        let mut items = vec![chunk(
            json!({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}),
        )];
        items.extend(
            words
                .iter()
                .map(|w| chunk(json!({"choices": [{"index": 0, "delta": {"content": w}}]}))),
        );
        items.push(chunk(
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
        ));
        items.push(chunk(json!({"choices": [], "usage": usage()})));
        Ok(Box::pin(futures::stream::iter(items)))
    }
}

/// Records stream summaries; optionally answers every request itself.
struct Observer {
    summaries: Arc<Mutex<Vec<StreamSummary>>>,
    answer: Option<Response>,
}

#[async_trait]
impl Plugin for Observer {
    fn name(&self) -> &str {
        "observer"
    }

    async fn pre_hook(
        &self,
        _ctx: &mut RequestContext,
        _req: &mut bifrost_core::schemas::Request,
    ) -> Result<PreHookOutcome, PluginError> {
        Ok(match &self.answer {
            Some(r) => PreHookOutcome::ShortCircuit(ShortCircuit::Response(r.clone())),
            None => PreHookOutcome::Continue,
        })
    }

    async fn post_hook(
        &self,
        _ctx: &mut RequestContext,
        outcome: &mut Outcome,
    ) -> Result<(), PluginError> {
        if let Outcome::StreamEnded(s) = outcome {
            self.summaries.lock().unwrap().push(s.clone());
        }
        Ok(())
    }
}

struct Harness {
    bifrost: Bifrost,
    seen: Arc<Mutex<Vec<ChatRequest>>>,
    summaries: Arc<Mutex<Vec<StreamSummary>>>,
}

/// Providers `primary` (failing its first `fail_first` calls) and `backup`; `chats` false makes
/// `primary` serve nothing.
fn harness(fail_first: usize, retries: u32, chats: bool, answer: Option<Response>) -> Harness {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let summaries = Arc::new(Mutex::new(Vec::new()));
    let factory_seen = seen.clone();
    let factory: ProviderFactory = Arc::new(move |name: &str, _cfg: &ProviderConfig| {
        Some(Arc::new(ChatOnly {
            name: name.to_owned(),
            calls: Arc::new(AtomicUsize::new(0)),
            fail_first: if name == "primary" { fail_first } else { 0 },
            chats: chats || name != "primary",
            seen: factory_seen.clone(),
        }) as Arc<dyn Provider>)
    });
    let provider = || ProviderConfig {
        keys: vec![KeyConfig {
            name: Some("k".into()),
            value: "sk-k".into(),
            ..KeyConfig::default()
        }],
        network_config: Some(NetworkConfig {
            max_retries: Some(retries),
            ..NetworkConfig::default()
        }),
        ..ProviderConfig::default()
    };
    let config = EngineConfig::with_providers(
        [
            ("primary".to_owned(), provider()),
            ("backup".to_owned(), provider()),
        ]
        .into_iter()
        .collect(),
    );
    let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(Observer {
        summaries: summaries.clone(),
        answer,
    })];
    Harness {
        bifrost: Bifrost::with_provider_factory(config, plugins, factory).unwrap(),
        seen,
        summaries,
    }
}

fn request(model: &str, text: &str) -> ResponsesRequest {
    ResponsesRequest {
        model: model.into(),
        input: Some(ResponsesInput::Text(text.into())),
        instructions: Some("be brief".into()),
        ..ResponsesRequest::default()
    }
}

async fn collect(stream: bifrost_core::ResponseStream) -> Vec<ResponsesStreamEvent> {
    stream
        .map(|c| match c.unwrap() {
            StreamChunk::Responses(e) => e,
            other => panic!("not a Responses event: {other:?}"),
        })
        .collect()
        .await
}

#[tokio::test(start_paused = true)]
async fn a_provider_that_only_chats_serves_responses() {
    let h = harness(0, 0, true, None);
    let r = h
        .bifrost
        .responses(request("primary/m1", "hello"))
        .await
        .unwrap();
    assert_eq!(r.output_text(), "primary says hello");
    assert_eq!(r.status.as_deref(), Some("completed"));
    assert_eq!(r.unified_usage().unwrap().total_tokens, 8);
    let fields = r.extra_fields.unwrap();
    assert_eq!(fields.provider, "primary");
    assert_eq!(fields.request_type, Some(RequestType::Responses));
    assert_eq!(fields.model_requested, "primary/m1");
    let seen = h.seen.lock().unwrap();
    assert_eq!(seen[0].model, "m1");
    assert_eq!(
        seen[0].messages.len(),
        2,
        "instructions became a system message"
    );
}

#[tokio::test(start_paused = true)]
async fn streamed_responses_carry_extra_fields_and_a_usage_summary() {
    let h = harness(0, 0, true, None);
    let stream = h
        .bifrost
        .responses_stream(request("primary/m1", "one two"))
        .await
        .unwrap();
    assert_eq!(stream.request_type(), RequestType::ResponsesStream);
    let events = collect(stream).await;
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.sequence_number(), i as u64);
        let v = serde_json::to_value(e).unwrap();
        assert_eq!(v["extra_fields"]["chunk_index"], i);
        assert_eq!(v["extra_fields"]["request_type"], "responses_stream");
    }
    let last = events.last().unwrap();
    assert_eq!(last.event_type(), "response.completed");
    assert_eq!(
        last.response().unwrap().output_text(),
        "primary says one two"
    );
    let seen = h.seen.lock().unwrap();
    assert!(
        seen[0].include_usage(),
        "the chat stream is asked for usage"
    );
    let summaries = h.summaries.lock().unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].usage.as_ref().unwrap().total_tokens, 8);
    assert_eq!(summaries[0].finish_reason.as_deref(), Some("completed"));
    assert_eq!(summaries[0].chunks, events.len() as u64);
}

#[tokio::test(start_paused = true)]
async fn failures_retry_and_fall_back_like_chat() {
    let h = harness(1, 1, true, None);
    let r = h
        .bifrost
        .responses(request("primary/m1", "again"))
        .await
        .unwrap();
    assert_eq!(r.output_text(), "primary says again", "one retry on a 500");

    let h = harness(usize::MAX, 0, true, None);
    let mut req = request("primary/m1", "rescue");
    req.fallbacks = Some(vec!["backup/m2".into()]);
    let r = h.bifrost.responses(req.clone()).await.unwrap();
    assert_eq!(r.output_text(), "backup says rescue");
    assert_eq!(r.extra_fields.unwrap().fallback_index, Some(1));

    let stream = h.bifrost.responses_stream(req).await.unwrap();
    assert_eq!(stream.provider(), "backup");
    let events = collect(stream).await;
    assert_eq!(
        events.last().unwrap().response().unwrap().output_text(),
        "backup says rescue"
    );
}

#[tokio::test(start_paused = true)]
async fn a_provider_that_does_not_chat_refuses_responses() {
    let h = harness(0, 0, false, None);
    let err = h
        .bifrost
        .responses(request("primary/m1", "x"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.message(),
        "responses is not supported by primary provider"
    );
    assert!(h.seen.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_plugin_answer_streams_as_responses_events() {
    let planted = harness(0, 0, true, None)
        .bifrost
        .responses(request("primary/m1", "cached"))
        .await
        .unwrap();
    let h = harness(
        0,
        0,
        true,
        Some(Response::Responses(Box::new(planted.clone()))),
    );
    let events = collect(
        h.bifrost
            .responses_stream(request("primary/m1", "cached"))
            .await
            .unwrap(),
    )
    .await;
    let types: Vec<&str> = events
        .iter()
        .map(ResponsesStreamEvent::event_type)
        .collect();
    assert_eq!(
        types,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(
        events.last().unwrap().response().unwrap().output,
        planted.output
    );
    assert!(h.seen.lock().unwrap().is_empty(), "the plugin answered");
    let summaries = h.summaries.lock().unwrap();
    assert_eq!(summaries[0].usage.as_ref().unwrap().total_tokens, 8);
}

#[tokio::test(start_paused = true)]
async fn requests_keep_their_type_through_the_engine() {
    let h = harness(0, 0, true, None);
    let mut req = request("primary/m1", "x");
    req.stream = Some(true);
    let built = h
        .bifrost
        .request(RequestBody::Responses(Box::new(req)))
        .unwrap();
    assert_eq!(built.request_type(), RequestType::ResponsesStream);
    assert!(built.is_stream());
    let err = h
        .bifrost
        .execute(&mut RequestContext::default(), built)
        .await
        .unwrap_err();
    assert!(
        err.message().contains("execute_stream"),
        "{}",
        err.message()
    );
}
