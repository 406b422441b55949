//! Benchmarks of the per-request work the gateway adds: parsing and re-serializing a chat
//! request, parsing a response, choosing a key, and decoding a streamed chunk.
//!
//! Run with `cargo bench -p bifrost-core`.

#![allow(clippy::panic)]

use std::hint::black_box;
use std::sync::Arc;

use bifrost_core::config::{KeyConfig, SecretString};
use bifrost_core::engine::keys::{EmptyModelsMeans, KeyPool};
use bifrost_core::key::Key;
use bifrost_core::providers::common::sse::decode_sse_bytes;
use bifrost_core::providers::openai::stream::OpenAiChatSse;
use bifrost_core::schemas::{ChatRequest, ChatResponse, ChatStreamChunk};
use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;

const REQUEST: &str = r#"{"model":"openai/gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Write a haiku about load balancers and the sea."}],"temperature":0.7,"max_tokens":256,"stream":false,"user":"bench"}"#;

const RESPONSE: &str = r#"{"id":"chatcmpl-abc123","object":"chat.completion","created":1715367049,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_123","choices":[{"index":0,"message":{"role":"assistant","content":"Packets drift like tides,\nweights decide which shore they reach,\nthe sea never sleeps.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":28,"completion_tokens":21,"total_tokens":49,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#;

const CHUNK: &str = r#"{"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1715367049,"model":"gpt-4o-mini","system_fingerprint":"fp_123","choices":[{"index":0,"delta":{"content":" tides"},"logprobs":null,"finish_reason":null}]}"#;

fn keys(n: usize) -> KeyPool {
    let keys = (0..n)
        .map(|i| Key {
            id: Arc::from(format!("k{i}")),
            name: Arc::from(format!("k{i}")),
            value: SecretString::new("sk-test"),
            weight: 1.0 + i as f64,
            config: Arc::new(KeyConfig {
                models: Some(if i % 2 == 0 {
                    vec!["*".into()]
                } else {
                    vec!["gpt-4o".into()]
                }),
                ..KeyConfig::default()
            }),
        })
        .collect();
    KeyPool::new(keys, EmptyModelsMeans::DenyAll)
}

fn bench(c: &mut Criterion) {
    c.bench_function("chat_request_parse_and_serialize", |b| {
        b.iter(|| {
            let req: ChatRequest = serde_json::from_str(black_box(REQUEST)).unwrap_or_default();
            black_box(serde_json::to_vec(&req).unwrap_or_default())
        })
    });
    c.bench_function("chat_response_parse_and_serialize", |b| {
        b.iter(|| {
            let resp: ChatResponse = serde_json::from_str(black_box(RESPONSE)).unwrap_or_default();
            black_box(serde_json::to_vec(&resp).unwrap_or_default())
        })
    });
    c.bench_function("stream_chunk_parse_and_serialize", |b| {
        b.iter(|| {
            let chunk: ChatStreamChunk = serde_json::from_str(black_box(CHUNK)).unwrap_or_default();
            black_box(serde_json::to_vec(&chunk).unwrap_or_default())
        })
    });
    let mut transcript = String::new();
    for _ in 0..100 {
        transcript.push_str("data: ");
        transcript.push_str(CHUNK);
        transcript.push_str("\n\n");
    }
    transcript.push_str("data: [DONE]\n\n");
    let body = bytes::Bytes::from(transcript);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    c.bench_function("sse_decode_100_chunks", |b| {
        b.iter(|| {
            // Split the transcript into 1 KiB network reads, as a socket would deliver it.
            let pieces: Vec<Result<bytes::Bytes, reqwest::Error>> = body
                .chunks(1024)
                .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
                .collect();
            let stream = decode_sse_bytes(
                std::sync::Arc::from("openai"),
                futures::stream::iter(pieces),
                OpenAiChatSse::new(std::sync::Arc::from("openai")),
            );
            black_box(rt.block_on(stream.count()))
        })
    });
    let pool = keys(8);
    c.bench_function("key_choice_8_keys", |b| {
        b.iter(|| {
            let cands = pool.candidates(black_box("gpt-4o"));
            black_box(pool.choose(cands, |_| false))
        })
    });
    c.bench_function("key_choice_8_keys_with_exclusion", |b| {
        let dead = [1u16, 3];
        b.iter(|| {
            let cands = pool.candidates(black_box("gpt-4o"));
            black_box(pool.choose(cands, |i| dead.contains(&i)))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
