//! Chat completion -> Responses API response, and a complete response -> its stream events.
//!
//! The assistant message of the first choice becomes, in order: a `reasoning` item (its
//! reasoning text as summary; encrypted reasoning as `encrypted_content`), a `message` item
//! (`output_text` with citations, `refusal`), then one `function_call` item per tool call.
//! `finish_reason: "length"` makes the response `incomplete` with reason `max_output_tokens`,
//! `content_filter` with reason `content_filter`. Usage carries over unchanged.

use serde_json::{Value, json};

use super::builder::EventBuilder;
use crate::schemas::{
    ArgumentsDeltaEvent, ArgumentsDoneEvent, ChatMessage, ChatResponse, ContentPartEvent, ExtraMap,
    OutputItemEvent, RefusalDoneEvent, ResponseEvent, ResponsesContentPart, ResponsesFunctionCall,
    ResponsesItem, ResponsesMessage, ResponsesMessageContent, ResponsesReasoningItem,
    ResponsesRequest, ResponsesResponse, ResponsesStreamEvent, SummaryPartEvent,
    SummaryTextDeltaEvent, SummaryTextDoneEvent, TextDeltaEvent, TextDoneEvent,
};

/// The response parameters OpenAI echoes back, as the request set them (or their defaults).
pub fn echoed_params(req: &ResponsesRequest) -> ExtraMap {
    let mut m = ExtraMap::new();
    let reasoning = req.reasoning.as_ref();
    m.insert("instructions".into(), json!(req.instructions));
    m.insert("max_output_tokens".into(), json!(req.max_output_tokens));
    m.insert(
        "metadata".into(),
        json!(req.metadata.clone().unwrap_or_default()),
    );
    m.insert(
        "parallel_tool_calls".into(),
        json!(req.parallel_tool_calls.unwrap_or(true)),
    );
    m.insert("previous_response_id".into(), Value::Null);
    m.insert(
        "reasoning".into(),
        json!({
            "effort": reasoning.and_then(|r| r.effort.clone()),
            "summary": reasoning.and_then(|r| r.summary.clone()),
        }),
    );
    // Nothing is stored when the provider is reached through chat completions.
    m.insert("store".into(), json!(false));
    m.insert("temperature".into(), json!(req.temperature.unwrap_or(1.0)));
    m.insert(
        "text".into(),
        req.text
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok())
            .filter(|t| t.get("format").is_some())
            .unwrap_or_else(|| json!({"format": {"type": "text"}})),
    );
    m.insert(
        "tool_choice".into(),
        req.tool_choice
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok())
            .unwrap_or_else(|| json!("auto")),
    );
    m.insert(
        "tools".into(),
        req.tools
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok())
            .unwrap_or_else(|| json!([])),
    );
    m.insert("top_p".into(), json!(req.top_p.unwrap_or(1.0)));
    m.insert(
        "truncation".into(),
        json!(req.truncation.as_deref().unwrap_or("disabled")),
    );
    m.insert("user".into(), json!(req.user));
    m
}

/// The response skeleton (id base, model, creation time, echoed parameters) for a translation.
pub(crate) fn skeleton(req: &ResponsesRequest, model: &str, created_at: u64) -> ResponsesResponse {
    ResponsesResponse {
        object: "response".to_owned(),
        created_at,
        model: model.to_owned(),
        extra: echoed_params(req),
        ..ResponsesResponse::default()
    }
}

/// The id base of a translated response: the chat completion's id without its type prefix, or a
/// fresh one.
pub(crate) fn id_base(chat_id: &str) -> String {
    let trimmed = ["chatcmpl-", "msg_", "resp_"]
        .iter()
        .find_map(|p| chat_id.strip_prefix(p))
        .unwrap_or(chat_id);
    if trimmed.is_empty() {
        uuid::Uuid::new_v4().simple().to_string()
    } else {
        trimmed.to_owned()
    }
}

/// The Responses status a chat finish reason implies: `Some(reason)` for an incomplete response.
pub(crate) fn incomplete_reason(finish_reason: Option<&str>) -> Option<&'static str> {
    match finish_reason {
        Some("length") => Some("max_output_tokens"),
        Some("content_filter" | "guardrail_intervened") => Some("content_filter"),
        _ => None,
    }
}

/// Feeds a complete assistant message into `b`, in Responses order.
pub(crate) fn feed_message(b: &mut EventBuilder, msg: &ChatMessage) {
    match msg.reasoning.as_deref().filter(|r| !r.is_empty()) {
        Some(text) => b.reasoning_delta(text),
        None => {
            // Visible reasoning only in the details: stream it as summary text.
            for d in msg.reasoning_details.iter().flatten() {
                if let Some(t) = d.text.as_deref().or(d.summary.as_deref()) {
                    b.reasoning_delta(t);
                }
            }
        }
    }
    for d in msg.reasoning_details.iter().flatten() {
        b.reasoning_detail(d);
    }
    if let Some(content) = &msg.content {
        b.text_delta(&content.to_text());
    }
    if let Some(Value::Array(annotations)) = msg.extra.get("annotations")
        && !annotations.is_empty()
    {
        b.annotations(annotations);
    }
    if let Some(refusal) = &msg.refusal {
        b.refusal_delta(refusal);
    }
    for (i, call) in msg.tool_calls.iter().flatten().enumerate() {
        b.call_delta(
            i as u32,
            Some(&call.id),
            Some(&call.function.name),
            &call.function.arguments,
        );
    }
}

/// Translates a chat completion into the Responses answer to `req`.
pub fn from_chat_response(chat: ChatResponse, req: &ResponsesRequest) -> ResponsesResponse {
    let base = id_base(&chat.id);
    let mut b = EventBuilder::new(&base, skeleton(req, &chat.model, chat.created), false);
    let choice = chat.choices.first();
    if let Some(c) = choice {
        feed_message(&mut b, &c.message);
    }
    let reason = incomplete_reason(choice.and_then(|c| c.finish_reason.as_deref()));
    let mut response = b.finish(reason, chat.usage);
    response.extra_fields = chat.extra_fields;
    if let Some(tier) = chat.service_tier {
        response.extra.insert("service_tier".into(), tier.into());
    }
    response
}

/// The events a stream of `response` would have carried (for plugins that answer a streamed
/// request with a complete response, such as a cache or a mock).
pub fn events_from_response(response: ResponsesResponse) -> Vec<ResponsesStreamEvent> {
    let mut events = Vec::new();
    let mut start = response.clone();
    start.status = Some("in_progress".to_owned());
    start.output.clear();
    start.usage = None;
    start.incomplete_details = None;
    start.error = None;
    events.push(ResponsesStreamEvent::Created(lifecycle(start.clone())));
    events.push(ResponsesStreamEvent::InProgress(lifecycle(start)));
    for (i, item) in response.output.iter().enumerate() {
        item_events(i as u32, item, &mut events);
    }
    let end = lifecycle(response);
    events.push(match end.response.status.as_deref() {
        Some("incomplete") => ResponsesStreamEvent::Incomplete(end),
        Some("failed") => ResponsesStreamEvent::Failed(end),
        _ => ResponsesStreamEvent::Completed(end),
    });
    for (n, e) in events.iter_mut().enumerate() {
        e.set_sequence_number(n as u64);
    }
    events
}

fn lifecycle(response: ResponsesResponse) -> ResponseEvent {
    ResponseEvent {
        sequence_number: 0,
        response,
        extra_fields: None,
        extra: ExtraMap::new(),
    }
}

fn item_event(output_index: u32, item: ResponsesItem) -> OutputItemEvent {
    OutputItemEvent {
        sequence_number: 0,
        output_index,
        item,
        extra_fields: None,
        extra: ExtraMap::new(),
    }
}

fn item_events(output_index: u32, item: &ResponsesItem, out: &mut Vec<ResponsesStreamEvent>) {
    match item {
        ResponsesItem::Message(m) | ResponsesItem::EasyMessage(m) => {
            let item_id = m.id.clone().unwrap_or_default();
            let empty = ResponsesMessage {
                content: ResponsesMessageContent::Parts(Vec::new()),
                status: Some("in_progress".to_owned()),
                ..m.clone()
            };
            out.push(ResponsesStreamEvent::OutputItemAdded(item_event(
                output_index,
                ResponsesItem::Message(empty),
            )));
            let parts = match &m.content {
                ResponsesMessageContent::Parts(p) => p.clone(),
                ResponsesMessageContent::Text(t) => {
                    vec![ResponsesContentPart::output_text(t.clone())]
                }
            };
            for (ci, part) in parts.into_iter().enumerate() {
                part_events(&item_id, output_index, ci as u32, part, out);
            }
        }
        ResponsesItem::FunctionCall(c) => {
            let id = c.id.clone().unwrap_or_default();
            let empty = ResponsesFunctionCall {
                arguments: String::new(),
                status: Some("in_progress".to_owned()),
                ..c.clone()
            };
            out.push(ResponsesStreamEvent::OutputItemAdded(item_event(
                output_index,
                ResponsesItem::FunctionCall(empty),
            )));
            if !c.arguments.is_empty() {
                out.push(ResponsesStreamEvent::FunctionCallArgumentsDelta(
                    ArgumentsDeltaEvent {
                        sequence_number: 0,
                        item_id: id.clone(),
                        output_index,
                        delta: c.arguments.clone(),
                        extra_fields: None,
                        extra: ExtraMap::new(),
                    },
                ));
            }
            out.push(ResponsesStreamEvent::FunctionCallArgumentsDone(
                ArgumentsDoneEvent {
                    sequence_number: 0,
                    item_id: id,
                    output_index,
                    arguments: c.arguments.clone(),
                    name: Some(c.name.clone()),
                    extra_fields: None,
                    extra: ExtraMap::new(),
                },
            ));
        }
        ResponsesItem::Reasoning(r) => {
            let empty = ResponsesReasoningItem {
                summary: Vec::new(),
                content: None,
                encrypted_content: None,
                ..r.clone()
            };
            out.push(ResponsesStreamEvent::OutputItemAdded(item_event(
                output_index,
                ResponsesItem::Reasoning(empty),
            )));
            for (si, part) in r.summary.iter().enumerate() {
                summary_events(&r.id, output_index, si as u32, part, out);
            }
        }
        other => {
            out.push(ResponsesStreamEvent::OutputItemAdded(item_event(
                output_index,
                other.clone(),
            )));
        }
    }
    out.push(ResponsesStreamEvent::OutputItemDone(item_event(
        output_index,
        item.clone(),
    )));
}

fn part_events(
    item_id: &str,
    output_index: u32,
    content_index: u32,
    part: ResponsesContentPart,
    out: &mut Vec<ResponsesStreamEvent>,
) {
    let empty = match part.kind.as_str() {
        "output_text" => ResponsesContentPart::output_text(""),
        "refusal" => ResponsesContentPart::refusal(""),
        _ => part.clone(),
    };
    let event = |part| ContentPartEvent {
        sequence_number: 0,
        item_id: item_id.to_owned(),
        output_index,
        content_index,
        part,
        extra_fields: None,
        extra: ExtraMap::new(),
    };
    out.push(ResponsesStreamEvent::ContentPartAdded(event(empty)));
    let delta = |delta: String, logprobs| TextDeltaEvent {
        sequence_number: 0,
        item_id: item_id.to_owned(),
        output_index,
        content_index,
        delta,
        logprobs,
        extra_fields: None,
        extra: ExtraMap::new(),
    };
    match part.kind.as_str() {
        "output_text" => {
            let text = part.text.clone().unwrap_or_default();
            if !text.is_empty() {
                out.push(ResponsesStreamEvent::OutputTextDelta(delta(
                    text.clone(),
                    Some(Vec::new()),
                )));
            }
            out.push(ResponsesStreamEvent::OutputTextDone(TextDoneEvent {
                sequence_number: 0,
                item_id: item_id.to_owned(),
                output_index,
                content_index,
                text,
                logprobs: Some(Vec::new()),
                extra_fields: None,
                extra: ExtraMap::new(),
            }));
        }
        "refusal" => {
            let text = part.refusal.clone().unwrap_or_default();
            if !text.is_empty() {
                out.push(ResponsesStreamEvent::RefusalDelta(delta(
                    text.clone(),
                    None,
                )));
            }
            out.push(ResponsesStreamEvent::RefusalDone(RefusalDoneEvent {
                sequence_number: 0,
                item_id: item_id.to_owned(),
                output_index,
                content_index,
                refusal: text,
                extra_fields: None,
                extra: ExtraMap::new(),
            }));
        }
        _ => {}
    }
    out.push(ResponsesStreamEvent::ContentPartDone(event(part)));
}

fn summary_events(
    item_id: &str,
    output_index: u32,
    summary_index: u32,
    part: &ResponsesContentPart,
    out: &mut Vec<ResponsesStreamEvent>,
) {
    let text = part.text.clone().unwrap_or_default();
    let part_event = |part| SummaryPartEvent {
        sequence_number: 0,
        item_id: item_id.to_owned(),
        output_index,
        summary_index,
        part,
        extra_fields: None,
        extra: ExtraMap::new(),
    };
    out.push(ResponsesStreamEvent::ReasoningSummaryPartAdded(part_event(
        ResponsesContentPart::summary_text(""),
    )));
    if !text.is_empty() {
        out.push(ResponsesStreamEvent::ReasoningSummaryTextDelta(
            SummaryTextDeltaEvent {
                sequence_number: 0,
                item_id: item_id.to_owned(),
                output_index,
                summary_index,
                delta: text.clone(),
                extra_fields: None,
                extra: ExtraMap::new(),
            },
        ));
    }
    out.push(ResponsesStreamEvent::ReasoningSummaryTextDone(
        SummaryTextDoneEvent {
            sequence_number: 0,
            item_id: item_id.to_owned(),
            output_index,
            summary_index,
            text,
            extra_fields: None,
            extra: ExtraMap::new(),
        },
    ));
    out.push(ResponsesStreamEvent::ReasoningSummaryPartDone(part_event(
        part.clone(),
    )));
}
