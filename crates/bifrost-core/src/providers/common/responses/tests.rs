use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use serde_json::{Value, json};

use super::*;
use crate::schemas::{
    ChatMessage, ChatResponse, ChatStreamChunk, ResponsesInput, ResponsesItem,
    ResponsesStreamEvent, StreamChunk, Usage,
};

fn req(v: Value) -> ResponsesRequest {
    serde_json::from_value(v).unwrap()
}

fn chat_json(r: &ResponsesRequest) -> Value {
    serde_json::to_value(to_chat_request(r).unwrap()).unwrap()
}

#[test]
fn request_with_every_input_kind_becomes_a_chat_request() {
    let r = req(json!({
        "model": "llama-3.3-70b",
        "instructions": "You are terse.",
        "input": [
            {"role": "developer", "content": "Answer in English."},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "What is in this image and file?"},
                {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "low"},
                {"type": "input_file", "file_id": "file-abc", "filename": "notes.pdf"}
            ]},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "User wants the weather."}], "encrypted_content": "gAAAA"},
            {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": "Let me check.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "get_weather", "arguments": "{\"city\":\"Rome\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
            {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "21C"}]},
            {"type": "item_reference", "id": "msg_0"},
            {"role": "user", "content": "Thanks. Which is warmer?"}
        ],
        "tools": [
            {"type": "function", "name": "get_weather", "description": "Weather by city",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true},
            {"type": "web_search"}
        ],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "parallel_tool_calls": true,
        "max_output_tokens": 256,
        "temperature": 0.2,
        "top_p": 0.9,
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": true}, "verbosity": "low"},
        "reasoning": {"effort": "low", "summary": "auto"},
        "store": true,
        "include": ["reasoning.encrypted_content"],
        "truncation": "auto",
        "metadata": {"trace": "t1"},
        "user": "u-1",
        "prompt_cache_key": "pk-1",
        "background": false,
        "stream": true
    }));
    insta::assert_json_snapshot!("chat_request_from_every_input_kind", chat_json(&r));
}

#[test]
fn string_input_and_plain_options() {
    let r = req(
        json!({"model": "m", "input": "Hello there", "text": {"format": {"type": "json_object"}}}),
    );
    let chat = chat_json(&r);
    assert_eq!(
        chat["messages"],
        json!([{"role": "user", "content": "Hello there"}])
    );
    assert_eq!(chat["response_format"], json!({"type": "json_object"}));
    assert!(chat.get("stream").is_none());
    assert!(chat.get("tools").is_none());
}

#[test]
fn previous_response_id_is_refused_over_chat() {
    let r = req(json!({"model": "m", "input": "hi", "previous_response_id": "resp_1"}));
    let err = to_chat_request(&r).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.message().contains("previous_response_id"),
        "{}",
        err.message()
    );
}

#[test]
fn tool_choice_that_chat_cannot_express_is_dropped() {
    let tools = json!([{"type": "function", "name": "f"}]);
    let unknown = req(
        json!({"model": "m", "input": "x", "tools": tools, "tool_choice": {"type": "function", "name": "g"}}),
    );
    assert!(chat_json(&unknown).get("tool_choice").is_none());
    let hosted = req(
        json!({"model": "m", "input": "x", "tools": tools, "tool_choice": {"type": "web_search"}}),
    );
    assert!(chat_json(&hosted).get("tool_choice").is_none());
    let allowed = req(json!({"model": "m", "input": "x", "tools": tools,
        "tool_choice": {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "f"}]}}));
    assert_eq!(chat_json(&allowed)["tool_choice"], "required");
    let only_hosted = req(
        json!({"model": "m", "input": "x", "tools": [{"type": "web_search"}], "tool_choice": "required", "parallel_tool_calls": false}),
    );
    let chat = chat_json(&only_hosted);
    assert!(chat.get("tools").is_none());
    assert!(chat.get("tool_choice").is_none());
    assert!(chat.get("parallel_tool_calls").is_none());
}

fn chat_answer() -> ChatResponse {
    serde_json::from_value(json!({
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "llama-3.3-70b",
        "choices": [{
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "Checking both cities.",
                "reasoning": "Two cities, two calls.",
                "tool_calls": [
                    {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                    {"id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}
                ]
            }
        }],
        "usage": {"prompt_tokens": 20, "completion_tokens": 12, "total_tokens": 32,
                  "prompt_tokens_details": {"cached_tokens": 4},
                  "completion_tokens_details": {"reasoning_tokens": 5}}
    }))
    .unwrap()
}

fn tools_request() -> ResponsesRequest {
    req(json!({
        "model": "groq/llama-3.3-70b",
        "input": "Weather in Paris and Rome?",
        "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    }))
}

#[test]
fn chat_answer_becomes_a_response() {
    let r = from_chat_response(chat_answer(), &tools_request());
    insta::assert_json_snapshot!("response_from_chat_answer", r);
    assert_eq!(r.output_text(), "Checking both cities.");
    let usage = r.unified_usage().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (20, 12, 32)
    );
}

#[test]
fn length_and_content_filter_make_the_response_incomplete() {
    let mut chat = chat_answer();
    chat.choices[0].finish_reason = Some("length".into());
    chat.choices[0].message.tool_calls = None;
    let r = from_chat_response(chat.clone(), &tools_request());
    assert_eq!(r.status.as_deref(), Some("incomplete"));
    assert_eq!(
        r.incomplete_details,
        Some(json!({"reason": "max_output_tokens"}))
    );
    let last = serde_json::to_value(r.output.last().unwrap()).unwrap();
    assert_eq!(last["status"], "incomplete");
    chat.choices[0].finish_reason = Some("content_filter".into());
    let r = from_chat_response(chat, &tools_request());
    assert_eq!(
        r.incomplete_details,
        Some(json!({"reason": "content_filter"}))
    );
}

#[test]
fn refusal_and_citations_are_kept() {
    let mut chat = chat_answer();
    let msg = &mut chat.choices[0].message;
    msg.tool_calls = None;
    msg.reasoning = None;
    msg.refusal = Some("I can't do that.".into());
    msg.extra.insert(
        "annotations".into(),
        json!([{"type": "url_citation", "url_citation": {"url": "https://x.test", "title": "X", "start_index": 0, "end_index": 8}}]),
    );
    let r = from_chat_response(chat, &tools_request());
    let msg = serde_json::to_value(&r.output[0]).unwrap();
    assert_eq!(
        msg["content"],
        json!([
            {"type": "output_text", "text": "Checking both cities.", "logprobs": [],
             "annotations": [{"type": "url_citation", "url": "https://x.test", "title": "X", "start_index": 0, "end_index": 8}]},
            {"type": "refusal", "refusal": "I can't do that."}
        ])
    );
}

/// Checks the invariants every Responses stream keeps and returns the terminal response.
fn check_stream(events: &[ResponsesStreamEvent]) -> crate::schemas::ResponsesResponse {
    assert!(events.len() >= 3, "{events:?}");
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e.sequence_number(),
            i as u64,
            "sequence of {}",
            e.event_type()
        );
    }
    assert_eq!(events[0].event_type(), "response.created");
    assert_eq!(events[1].event_type(), "response.in_progress");
    let last = events.last().unwrap();
    assert!(last.is_terminal(), "last event is {}", last.event_type());
    let mut open: BTreeMap<u32, String> = BTreeMap::new();
    let mut done: BTreeSet<u32> = BTreeSet::new();
    let mut text: BTreeMap<u32, String> = BTreeMap::new();
    let mut args: BTreeMap<u32, String> = BTreeMap::new();
    let mut next_index = 0;
    for e in &events[2..events.len() - 1] {
        assert!(!e.is_terminal());
        let touch = |index: u32, open: &BTreeMap<u32, String>, id: &str| {
            assert_eq!(
                open.get(&index).map(String::as_str),
                Some(id),
                "{} for a closed or unknown item",
                e.event_type()
            );
        };
        match e {
            ResponsesStreamEvent::OutputItemAdded(a) => {
                assert_eq!(a.output_index, next_index, "output indexes grow by one");
                next_index += 1;
                open.insert(a.output_index, a.item.id().unwrap_or_default().to_owned());
            }
            ResponsesStreamEvent::OutputItemDone(d) => {
                assert_eq!(open.remove(&d.output_index).as_deref(), d.item.id());
                done.insert(d.output_index);
            }
            ResponsesStreamEvent::OutputTextDelta(d) => {
                touch(d.output_index, &open, &d.item_id);
                text.entry(d.output_index).or_default().push_str(&d.delta);
            }
            ResponsesStreamEvent::OutputTextDone(d) => {
                touch(d.output_index, &open, &d.item_id);
                assert_eq!(
                    text.get(&d.output_index).map(String::as_str).unwrap_or(""),
                    d.text
                );
            }
            ResponsesStreamEvent::FunctionCallArgumentsDelta(d) => {
                touch(d.output_index, &open, &d.item_id);
                args.entry(d.output_index).or_default().push_str(&d.delta);
            }
            ResponsesStreamEvent::FunctionCallArgumentsDone(d) => {
                touch(d.output_index, &open, &d.item_id);
                assert_eq!(
                    args.get(&d.output_index).map(String::as_str).unwrap_or(""),
                    d.arguments
                );
            }
            ResponsesStreamEvent::ContentPartAdded(p)
            | ResponsesStreamEvent::ContentPartDone(p) => touch(p.output_index, &open, &p.item_id),
            ResponsesStreamEvent::ReasoningSummaryTextDelta(d) => {
                touch(d.output_index, &open, &d.item_id)
            }
            ResponsesStreamEvent::ReasoningSummaryPartAdded(p)
            | ResponsesStreamEvent::ReasoningSummaryPartDone(p) => {
                touch(p.output_index, &open, &p.item_id)
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "items left open: {open:?}");
    let response = last.response().unwrap().clone();
    assert_eq!(done.len(), response.output.len());
    response
}

fn chunk(v: Value) -> ChatStreamChunk {
    let mut base = json!({"id": "chatcmpl-abc123", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "llama-3.3-70b"});
    base.as_object_mut()
        .unwrap()
        .extend(v.as_object().unwrap().clone());
    serde_json::from_value(base).unwrap()
}

fn delta(d: Value) -> ChatStreamChunk {
    chunk(json!({"choices": [{"index": 0, "delta": d, "finish_reason": null}]}))
}

/// The chat stream an upstream would send for [`chat_answer`].
fn chat_chunks() -> Vec<ChatStreamChunk> {
    vec![
        delta(json!({"role": "assistant", "content": ""})),
        delta(json!({"reasoning": "Two cities, "})),
        delta(json!({"reasoning": "two calls."})),
        delta(json!({"content": "Checking "})),
        delta(json!({"content": "both cities."})),
        delta(
            json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
        ),
        delta(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]})),
        delta(json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]})),
        delta(
            json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}]}),
        ),
        chunk(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})),
        chunk(
            json!({"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 12, "total_tokens": 32,
            "prompt_tokens_details": {"cached_tokens": 4}, "completion_tokens_details": {"reasoning_tokens": 5}}}),
        ),
    ]
}

fn translate(
    chunks: Vec<ChatStreamChunk>,
    request: &ResponsesRequest,
) -> Vec<ResponsesStreamEvent> {
    let mut t = ChatStreamTranslator::new(request);
    let mut events = Vec::new();
    for c in &chunks {
        events.extend(t.on_chunk(c));
    }
    events.extend(t.finish());
    events
}

#[test]
fn chat_stream_becomes_ordered_responses_events() {
    let events = translate(chat_chunks(), &tools_request());
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
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let streamed = check_stream(&events);
    // The stream ends with exactly what the non-streamed translation returns.
    let whole = from_chat_response(chat_answer(), &tools_request());
    assert_eq!(
        serde_json::to_value(&streamed).unwrap(),
        serde_json::to_value(&whole).unwrap()
    );
    insta::assert_json_snapshot!("events_from_chat_stream", events);
}

#[test]
fn stream_ending_on_length_is_incomplete() {
    let chunks = vec![
        delta(json!({"role": "assistant", "content": "Once upon"})),
        chunk(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})),
    ];
    let events = translate(chunks, &tools_request());
    let last = events.last().unwrap();
    assert_eq!(last.event_type(), "response.incomplete");
    let r = check_stream(&events);
    assert_eq!(
        r.incomplete_details,
        Some(json!({"reason": "max_output_tokens"}))
    );
    assert!(r.usage.is_none());
}

#[test]
fn reasoning_details_survive_a_round_trip_through_the_next_turn() {
    let chunks = vec![
        delta(json!({"role": "assistant", "reasoning": "Let me think.",
            "reasoning_details": [{"type": "reasoning.text", "text": "Let me think.", "index": 0}]})),
        delta(
            json!({"reasoning_details": [{"type": "reasoning.text", "signature": "sig-1", "index": 0}]}),
        ),
        delta(json!({"content": "Done."})),
        chunk(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})),
    ];
    let r = check_stream(&translate(chunks, &tools_request()));
    let reasoning = serde_json::to_value(&r.output[0]).unwrap();
    assert_eq!(
        reasoning["summary"],
        json!([{"type": "summary_text", "text": "Let me think."}])
    );
    assert_eq!(reasoning["reasoning_details"][0]["signature"], "sig-1");
    // The caller sends the output back as input: the chat request carries the signed details.
    let mut next = tools_request();
    let mut items = r.output.clone();
    items.insert(
        0,
        serde_json::from_value(json!({"role": "user", "content": "Think."})).unwrap(),
    );
    items.push(serde_json::from_value(json!({"role": "user", "content": "Again."})).unwrap());
    next.input = Some(ResponsesInput::Items(items));
    let chat = to_chat_request(&next).unwrap();
    let assistant: &ChatMessage = &chat.messages[1];
    assert_eq!(assistant.reasoning.as_deref(), Some("Let me think."));
    let details = assistant.reasoning_details.as_ref().unwrap();
    assert_eq!(details[0].text.as_deref(), Some("Let me think."));
    assert_eq!(details[0].signature.as_deref(), Some("sig-1"));
    assert_eq!(assistant.text_content(), "Done.");
}

#[test]
fn function_calls_from_the_output_replay_as_tool_calls() {
    let r = from_chat_response(chat_answer(), &tools_request());
    let mut items = vec![
        serde_json::from_value::<ResponsesItem>(json!({"role": "user", "content": "Weather?"}))
            .unwrap(),
    ];
    items.extend(r.output.clone());
    items.push(
        serde_json::from_value(
            json!({"type": "function_call_output", "call_id": "call_a", "output": "18C"}),
        )
        .unwrap(),
    );
    items.push(
        serde_json::from_value(
            json!({"type": "function_call_output", "call_id": "call_b", "output": "21C"}),
        )
        .unwrap(),
    );
    let mut next = tools_request();
    next.input = Some(ResponsesInput::Items(items));
    let chat = serde_json::to_value(to_chat_request(&next).unwrap()).unwrap();
    assert_eq!(
        chat["messages"],
        json!([
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": "Checking both cities.",
             "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}
             ]},
            {"role": "tool", "content": "18C", "tool_call_id": "call_a"},
            {"role": "tool", "content": "21C", "tool_call_id": "call_b"}
        ])
    );
}

#[test]
fn a_complete_response_streams_as_the_same_events() {
    let whole = from_chat_response(chat_answer(), &tools_request());
    let events = events_from_response(whole.clone());
    let replayed = check_stream(&events);
    assert_eq!(replayed, whole);
    let streamed = translate(chat_chunks(), &tools_request());
    let kinds = |e: &[ResponsesStreamEvent]| {
        e.iter()
            .map(|e| e.event_type().to_owned())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(kinds(&events), kinds(&streamed));
}

#[tokio::test]
async fn translated_stream_passes_upstream_errors_on() {
    let upstream: crate::provider::ChunkStream = Box::pin(futures::stream::iter(vec![
        Ok(StreamChunk::Chat(delta(
            json!({"role": "assistant", "content": "Hi"}),
        ))),
        Err(crate::error::BifrostError::internal("upstream broke")),
    ]));
    let out: Vec<_> = translate_chat_stream(upstream, &tools_request())
        .collect()
        .await;
    let (ok, err): (Vec<_>, Vec<_>) = out.into_iter().partition(Result::is_ok);
    assert_eq!(err.len(), 1);
    let types: Vec<String> = ok
        .into_iter()
        .map(|c| match c.unwrap() {
            StreamChunk::Responses(e) => e.event_type().to_owned(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        types,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta"
        ]
    );
}

#[test]
fn usage_parity_between_stream_and_whole() {
    let events = translate(chat_chunks(), &tools_request());
    let usage: Usage = events.last().unwrap().usage().unwrap().clone();
    assert_eq!(Some(&usage), chat_answer().usage.as_ref());
}
