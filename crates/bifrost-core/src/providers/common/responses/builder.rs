//! Builds a well-ordered Responses event stream (and the final response) from pieces of output.
//!
//! The builder keeps OpenAI's ordering rules: one reasoning item or message open at a time; a
//! new kind of output closes the open one first; function calls are opened and closed in turn;
//! every event gets the next `sequence_number`; items get `output_index`es in the order they
//! open. The final response lists the items in that order with their complete content.

use crate::schemas::{
    ArgumentsDeltaEvent, ArgumentsDoneEvent, ContentPartEvent, ExtraMap, OutputItemEvent,
    ReasoningDetail, RefusalDoneEvent, ResponseEvent, ResponsesContentPart, ResponsesFunctionCall,
    ResponsesItem, ResponsesMessage, ResponsesMessageContent, ResponsesReasoningItem,
    ResponsesResponse, ResponsesStreamEvent, ResponsesUsage, SummaryPartEvent,
    SummaryTextDeltaEvent, SummaryTextDoneEvent, TextDeltaEvent, TextDoneEvent, Usage,
};

/// A reasoning item being streamed.
struct OpenReasoning {
    output_index: u32,
    id: String,
    summary: Option<String>,
    details: Vec<ReasoningDetail>,
}

/// Which content part of the open message receives deltas.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PartKind {
    Text,
    Refusal,
}

/// A message item being streamed.
struct OpenMessage {
    output_index: u32,
    id: String,
    parts: Vec<ResponsesContentPart>,
    open_part: Option<(PartKind, u32, String)>,
    annotations: Vec<serde_json::Value>,
}

/// A function call item being streamed.
struct OpenCall {
    key: u32,
    output_index: u32,
    id: String,
    call_id: String,
    name: String,
    arguments: String,
}

/// Turns pieces of model output into Responses events and the final response.
pub struct EventBuilder {
    base: String,
    response: ResponsesResponse,
    seq: u64,
    next_index: u32,
    messages_opened: u32,
    reasoning_opened: u32,
    reasoning: Option<OpenReasoning>,
    message: Option<OpenMessage>,
    call: Option<OpenCall>,
    done_calls: Vec<u32>,
    output: Vec<(u32, ResponsesItem)>,
    events: Vec<ResponsesStreamEvent>,
    record: bool,
}

impl EventBuilder {
    /// A builder for the response `resp_<base>` (item ids derive from `base`). `skeleton`
    /// carries the model, creation time and echoed request parameters. With `record` false no
    /// events are kept (only the final response is wanted).
    pub fn new(base: &str, mut skeleton: ResponsesResponse, record: bool) -> Self {
        skeleton.id = format!("resp_{base}");
        skeleton.object = "response".to_owned();
        skeleton.output.clear();
        skeleton.usage = None;
        skeleton.status = Some("in_progress".to_owned());
        Self {
            base: base.to_owned(),
            response: skeleton,
            seq: 0,
            next_index: 0,
            messages_opened: 0,
            reasoning_opened: 0,
            reasoning: None,
            message: None,
            call: None,
            done_calls: Vec::new(),
            output: Vec::new(),
            events: Vec::new(),
            record,
        }
    }

    /// The events produced since the last call.
    pub fn take_events(&mut self) -> Vec<ResponsesStreamEvent> {
        std::mem::take(&mut self.events)
    }

    fn push(&mut self, mut event: ResponsesStreamEvent) {
        if self.record {
            event.set_sequence_number(self.seq);
            self.events.push(event);
        }
        self.seq += 1;
    }

    fn next_output_index(&mut self) -> u32 {
        let i = self.next_index;
        self.next_index += 1;
        i
    }

    /// `response.created` and `response.in_progress`.
    pub fn start(&mut self) {
        let created = lifecycle(self.response.clone());
        self.push(ResponsesStreamEvent::Created(created));
        let progress = lifecycle(self.response.clone());
        self.push(ResponsesStreamEvent::InProgress(progress));
    }

    /// More visible reasoning text (sent as reasoning summary text).
    pub fn reasoning_delta(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.open_reasoning();
        let Some(r) = self.reasoning.as_mut() else {
            return;
        };
        let (item_id, output_index) = (r.id.clone(), r.output_index);
        let first = r.summary.is_none();
        r.summary.get_or_insert_with(String::new).push_str(text);
        if first {
            self.push(ResponsesStreamEvent::ReasoningSummaryPartAdded(
                SummaryPartEvent {
                    sequence_number: 0,
                    item_id: item_id.clone(),
                    output_index,
                    summary_index: 0,
                    part: ResponsesContentPart::summary_text(""),
                    extra_fields: None,
                    extra: ExtraMap::new(),
                },
            ));
        }
        self.push(ResponsesStreamEvent::ReasoningSummaryTextDelta(
            SummaryTextDeltaEvent {
                sequence_number: 0,
                item_id,
                output_index,
                summary_index: 0,
                delta: text.to_owned(),
                extra_fields: None,
                extra: ExtraMap::new(),
            },
        ));
    }

    /// A reasoning detail (signature, encrypted data) or a fragment of one, merged by `index`.
    pub fn reasoning_detail(&mut self, detail: &ReasoningDetail) {
        self.open_reasoning();
        let Some(r) = self.reasoning.as_mut() else {
            return;
        };
        let slot = detail.index.and_then(|i| {
            r.details
                .iter_mut()
                .find(|d| d.index == Some(i) && d.kind == detail.kind)
        });
        match slot {
            Some(d) => {
                append(&mut d.text, detail.text.as_deref());
                append(&mut d.summary, detail.summary.as_deref());
                append(&mut d.data, detail.data.as_deref());
                if detail.signature.is_some() {
                    d.signature.clone_from(&detail.signature);
                }
            }
            None => r.details.push(detail.clone()),
        }
    }

    /// More output text.
    pub fn text_delta(&mut self, text: &str) {
        self.part_delta(PartKind::Text, text);
    }

    /// More refusal text.
    pub fn refusal_delta(&mut self, text: &str) {
        self.part_delta(PartKind::Refusal, text);
    }

    /// Annotations (citations) for the message's text, in chat's nested shape or the flat one.
    pub fn annotations(&mut self, annotations: &[serde_json::Value]) {
        self.open_message();
        if let Some(m) = self.message.as_mut() {
            m.annotations
                .extend(annotations.iter().map(flat_annotation));
        }
    }

    /// A function call fragment: `key` identifies the call (chat's tool call index); the first
    /// fragment of a call opens it, later ones add to its name and arguments.
    pub fn call_delta(&mut self, key: u32, call_id: Option<&str>, name: Option<&str>, args: &str) {
        if self.done_calls.contains(&key) {
            tracing::warn!(
                index = key,
                "a tool call fragment arrived after its call ended; dropped"
            );
            return;
        }
        if self.call.as_ref().is_none_or(|c| c.key != key) {
            self.close_reasoning();
            self.close_message("completed");
            self.close_call("completed");
            let output_index = self.next_output_index();
            let call_id = call_id
                .filter(|id| !id.is_empty())
                .map_or_else(|| format!("call_{}_{key}", self.base), str::to_owned);
            let id = format!("fc_{}", call_id.trim_start_matches("call_"));
            let name = name.unwrap_or("").to_owned();
            self.push(ResponsesStreamEvent::OutputItemAdded(OutputItemEvent {
                sequence_number: 0,
                output_index,
                item: ResponsesItem::FunctionCall(ResponsesFunctionCall {
                    id: Some(id.clone()),
                    call_id: call_id.clone(),
                    name: name.clone(),
                    arguments: String::new(),
                    status: Some("in_progress".to_owned()),
                    extra: ExtraMap::new(),
                }),
                extra_fields: None,
                extra: ExtraMap::new(),
            }));
            self.call = Some(OpenCall {
                key,
                output_index,
                id,
                call_id,
                name,
                arguments: String::new(),
            });
        } else if let (Some(c), Some(n)) = (self.call.as_mut(), name)
            && c.name.is_empty()
        {
            n.clone_into(&mut c.name);
        }
        if args.is_empty() {
            return;
        }
        let Some(c) = self.call.as_mut() else {
            return;
        };
        c.arguments.push_str(args);
        let (item_id, output_index) = (c.id.clone(), c.output_index);
        self.push(ResponsesStreamEvent::FunctionCallArgumentsDelta(
            ArgumentsDeltaEvent {
                sequence_number: 0,
                item_id,
                output_index,
                delta: args.to_owned(),
                extra_fields: None,
                extra: ExtraMap::new(),
            },
        ));
    }

    /// Closes every open item (`item_status` for the one being written when output stopped)
    /// and emits the terminal event: `response.completed`, or `response.incomplete` when
    /// `incomplete_reason` is set. Returns the final response.
    pub fn finish(
        &mut self,
        incomplete_reason: Option<&str>,
        usage: Option<Usage>,
    ) -> ResponsesResponse {
        let item_status = if incomplete_reason.is_some() {
            "incomplete"
        } else {
            "completed"
        };
        self.close_reasoning();
        self.close_message(item_status);
        self.close_call(item_status);
        self.output.sort_by_key(|(i, _)| *i);
        let mut response = self.response.clone();
        response.output = self.output.iter().map(|(_, item)| item.clone()).collect();
        response.usage = usage.map(ResponsesUsage);
        match incomplete_reason {
            Some(reason) => {
                response.status = Some("incomplete".to_owned());
                response.incomplete_details = Some(serde_json::json!({ "reason": reason }));
            }
            None => response.status = Some("completed".to_owned()),
        }
        let event = lifecycle(response.clone());
        self.push(if incomplete_reason.is_some() {
            ResponsesStreamEvent::Incomplete(event)
        } else {
            ResponsesStreamEvent::Completed(event)
        });
        response
    }

    fn open_reasoning(&mut self) {
        if self.reasoning.is_some() {
            return;
        }
        self.close_message("completed");
        self.close_call("completed");
        let output_index = self.next_output_index();
        self.reasoning_opened += 1;
        let id = numbered("rs", &self.base, self.reasoning_opened);
        self.push(ResponsesStreamEvent::OutputItemAdded(OutputItemEvent {
            sequence_number: 0,
            output_index,
            item: ResponsesItem::Reasoning(ResponsesReasoningItem {
                id: id.clone(),
                summary: Vec::new(),
                content: None,
                encrypted_content: None,
                status: None,
                extra: ExtraMap::new(),
            }),
            extra_fields: None,
            extra: ExtraMap::new(),
        }));
        self.reasoning = Some(OpenReasoning {
            output_index,
            id,
            summary: None,
            details: Vec::new(),
        });
    }

    fn close_reasoning(&mut self) {
        let Some(r) = self.reasoning.take() else {
            return;
        };
        let mut summary = Vec::new();
        if let Some(text) = r.summary {
            summary.push(ResponsesContentPart::summary_text(text.clone()));
            self.push(ResponsesStreamEvent::ReasoningSummaryTextDone(
                SummaryTextDoneEvent {
                    sequence_number: 0,
                    item_id: r.id.clone(),
                    output_index: r.output_index,
                    summary_index: 0,
                    text: text.clone(),
                    extra_fields: None,
                    extra: ExtraMap::new(),
                },
            ));
            self.push(ResponsesStreamEvent::ReasoningSummaryPartDone(
                SummaryPartEvent {
                    sequence_number: 0,
                    item_id: r.id.clone(),
                    output_index: r.output_index,
                    summary_index: 0,
                    part: ResponsesContentPart::summary_text(text),
                    extra_fields: None,
                    extra: ExtraMap::new(),
                },
            ));
        }
        let encrypted_content = r
            .details
            .iter()
            .rev()
            .find(|d| d.kind == "reasoning.encrypted")
            .and_then(|d| d.data.clone());
        let mut extra = ExtraMap::new();
        // Details with signatures or opaque data must reach the provider unchanged on the next
        // turn: keep them on the item so that sending it back as input restores them.
        if r.details
            .iter()
            .any(|d| d.signature.is_some() || d.data.is_some())
            && let Ok(v) = serde_json::to_value(&r.details)
        {
            extra.insert("reasoning_details".to_owned(), v);
        }
        if summary.is_empty() {
            // No visible text streamed: fall back to the details' text or summary.
            let text: String = r
                .details
                .iter()
                .filter_map(|d| d.summary.as_deref().or(d.text.as_deref()))
                .collect();
            if !text.is_empty() {
                summary.push(ResponsesContentPart::summary_text(text));
            }
        }
        let item = ResponsesItem::Reasoning(ResponsesReasoningItem {
            id: r.id,
            summary,
            content: None,
            encrypted_content,
            status: None,
            extra,
        });
        self.item_done(r.output_index, item);
    }

    fn open_message(&mut self) {
        if self.message.is_some() {
            return;
        }
        self.close_reasoning();
        self.close_call("completed");
        let output_index = self.next_output_index();
        self.messages_opened += 1;
        let id = numbered("msg", &self.base, self.messages_opened);
        let mut item = ResponsesMessage::assistant_text(id.clone(), "", "in_progress");
        item.content = ResponsesMessageContent::Parts(Vec::new());
        self.push(ResponsesStreamEvent::OutputItemAdded(OutputItemEvent {
            sequence_number: 0,
            output_index,
            item: ResponsesItem::Message(item),
            extra_fields: None,
            extra: ExtraMap::new(),
        }));
        self.message = Some(OpenMessage {
            output_index,
            id,
            parts: Vec::new(),
            open_part: None,
            annotations: Vec::new(),
        });
    }

    /// Opens the message (if needed) and a content part of `kind` (closing another kind).
    fn ensure_part(&mut self, kind: PartKind) {
        self.open_message();
        let needs_part = self
            .message
            .as_ref()
            .is_some_and(|m| m.open_part.as_ref().is_none_or(|(k, _, _)| *k != kind));
        if !needs_part {
            return;
        }
        self.close_part();
        let Some(m) = self.message.as_mut() else {
            return;
        };
        let content_index = m.parts.len() as u32;
        m.open_part = Some((kind, content_index, String::new()));
        let (item_id, output_index) = (m.id.clone(), m.output_index);
        let part = match kind {
            PartKind::Text => ResponsesContentPart::output_text(""),
            PartKind::Refusal => ResponsesContentPart::refusal(""),
        };
        self.push(ResponsesStreamEvent::ContentPartAdded(ContentPartEvent {
            sequence_number: 0,
            item_id,
            output_index,
            content_index,
            part,
            extra_fields: None,
            extra: ExtraMap::new(),
        }));
    }

    fn part_delta(&mut self, kind: PartKind, text: &str) {
        if text.is_empty() {
            return;
        }
        self.ensure_part(kind);
        let Some(m) = self.message.as_mut() else {
            return;
        };
        let Some((_, content_index, buf)) = m.open_part.as_mut() else {
            return;
        };
        buf.push_str(text);
        let event = TextDeltaEvent {
            sequence_number: 0,
            item_id: m.id.clone(),
            output_index: m.output_index,
            content_index: *content_index,
            delta: text.to_owned(),
            logprobs: (kind == PartKind::Text).then(Vec::new),
            extra_fields: None,
            extra: ExtraMap::new(),
        };
        self.push(match kind {
            PartKind::Text => ResponsesStreamEvent::OutputTextDelta(event),
            PartKind::Refusal => ResponsesStreamEvent::RefusalDelta(event),
        });
    }

    fn close_part(&mut self) {
        let Some(m) = self.message.as_mut() else {
            return;
        };
        let Some((kind, content_index, text)) = m.open_part.take() else {
            return;
        };
        let (item_id, output_index) = (m.id.clone(), m.output_index);
        let part = match kind {
            PartKind::Text => {
                let mut p = ResponsesContentPart::output_text(text.clone());
                p.annotations = Some(std::mem::take(&mut m.annotations));
                p
            }
            PartKind::Refusal => ResponsesContentPart::refusal(text.clone()),
        };
        m.parts.push(part.clone());
        self.push(match kind {
            PartKind::Text => ResponsesStreamEvent::OutputTextDone(TextDoneEvent {
                sequence_number: 0,
                item_id: item_id.clone(),
                output_index,
                content_index,
                text,
                logprobs: Some(Vec::new()),
                extra_fields: None,
                extra: ExtraMap::new(),
            }),
            PartKind::Refusal => ResponsesStreamEvent::RefusalDone(RefusalDoneEvent {
                sequence_number: 0,
                item_id: item_id.clone(),
                output_index,
                content_index,
                refusal: text,
                extra_fields: None,
                extra: ExtraMap::new(),
            }),
        });
        self.push(ResponsesStreamEvent::ContentPartDone(ContentPartEvent {
            sequence_number: 0,
            item_id,
            output_index,
            content_index,
            part,
            extra_fields: None,
            extra: ExtraMap::new(),
        }));
    }

    fn close_message(&mut self, status: &str) {
        if self.message.is_none() {
            return;
        }
        let has_text = self.message.as_ref().is_some_and(|m| {
            m.parts.iter().any(|p| p.kind == "output_text")
                || m.open_part
                    .as_ref()
                    .is_some_and(|(k, _, _)| *k == PartKind::Text)
        });
        let has_annotations = self
            .message
            .as_ref()
            .is_some_and(|m| !m.annotations.is_empty());
        if has_annotations && !has_text {
            // Citations without text still need an output_text part to live in.
            self.ensure_part(PartKind::Text);
        }
        self.close_part();
        let Some(m) = self.message.take() else {
            return;
        };
        let item = ResponsesItem::Message(ResponsesMessage {
            id: Some(m.id),
            role: "assistant".to_owned(),
            content: ResponsesMessageContent::Parts(m.parts),
            status: Some(status.to_owned()),
            extra: ExtraMap::new(),
        });
        self.item_done(m.output_index, item);
    }

    fn close_call(&mut self, status: &str) {
        let Some(c) = self.call.take() else {
            return;
        };
        self.done_calls.push(c.key);
        self.push(ResponsesStreamEvent::FunctionCallArgumentsDone(
            ArgumentsDoneEvent {
                sequence_number: 0,
                item_id: c.id.clone(),
                output_index: c.output_index,
                arguments: c.arguments.clone(),
                name: Some(c.name.clone()),
                extra_fields: None,
                extra: ExtraMap::new(),
            },
        ));
        let item = ResponsesItem::FunctionCall(ResponsesFunctionCall {
            id: Some(c.id),
            call_id: c.call_id,
            name: c.name,
            arguments: c.arguments,
            status: Some(status.to_owned()),
            extra: ExtraMap::new(),
        });
        self.item_done(c.output_index, item);
    }

    fn item_done(&mut self, output_index: u32, item: ResponsesItem) {
        self.push(ResponsesStreamEvent::OutputItemDone(OutputItemEvent {
            sequence_number: 0,
            output_index,
            item: item.clone(),
            extra_fields: None,
            extra: ExtraMap::new(),
        }));
        self.output.push((output_index, item));
    }
}

fn lifecycle(response: ResponsesResponse) -> ResponseEvent {
    ResponseEvent {
        sequence_number: 0,
        response,
        extra_fields: None,
        extra: ExtraMap::new(),
    }
}

fn numbered(prefix: &str, base: &str, n: u32) -> String {
    if n <= 1 {
        format!("{prefix}_{base}")
    } else {
        format!("{prefix}_{base}_{n}")
    }
}

fn append(slot: &mut Option<String>, more: Option<&str>) {
    if let Some(more) = more {
        slot.get_or_insert_with(String::new).push_str(more);
    }
}

/// Chat nests a citation under its type (`{"type":"url_citation","url_citation":{...}}`); the
/// Responses API puts the fields beside `type`.
fn flat_annotation(a: &serde_json::Value) -> serde_json::Value {
    let Some(obj) = a.as_object() else {
        return a.clone();
    };
    let Some(kind) = obj.get("type").and_then(serde_json::Value::as_str) else {
        return a.clone();
    };
    match obj.get(kind).and_then(serde_json::Value::as_object) {
        Some(inner) => {
            let mut flat = serde_json::Map::with_capacity(inner.len() + 1);
            flat.insert("type".to_owned(), kind.into());
            flat.extend(inner.iter().map(|(k, v)| (k.clone(), v.clone())));
            serde_json::Value::Object(flat)
        }
        None => a.clone(),
    }
}
