//! The message content of a log row: what was asked and what was answered.

use bifrost_core::schemas::{RequestBody, Response, StreamChunk};
use serde_json::{Value, json};

/// The input of a request, as logged in `input_history`: chat messages, a completion prompt,
/// embedding input or Responses API input.
pub(crate) fn input_of(body: &RequestBody) -> Option<Value> {
    let value = match body {
        RequestBody::Chat(r) => serde_json::to_value(&r.messages).ok()?,
        RequestBody::TextCompletion(r) => r.prompt.clone(),
        RequestBody::Embedding(r) => r.input.clone(),
        RequestBody::Responses(r) => serde_json::to_value(r.input.as_ref()?).ok()?,
        RequestBody::ListModels(_)
        | RequestBody::CountTokens(_)
        | RequestBody::Rerank(_)
        | RequestBody::Passthrough(_) => return None,
    };
    (!value.is_null()).then_some(value)
}

/// The output of a complete response, as logged in `output_message`.
pub(crate) fn output_of(response: &Response) -> Option<Value> {
    match response {
        Response::Chat(r) => r
            .choices
            .first()
            .and_then(|c| serde_json::to_value(&c.message).ok()),
        Response::TextCompletion(r) => r
            .choices
            .first()
            .map(|c| json!({"role": "assistant", "content": c.text})),
        Response::Responses(r) => serde_json::to_value(&r.output).ok(),
        _ => None,
    }
}

/// Why generation stopped, for a complete response.
pub(crate) fn stop_reason_of(response: &Response) -> Option<String> {
    match response {
        Response::Chat(r) => r.choices.iter().find_map(|c| c.finish_reason.clone()),
        Response::TextCompletion(r) => r.choices.iter().find_map(|c| c.finish_reason.clone()),
        Response::Responses(r) => r.status.clone(),
        _ => None,
    }
}

/// The answer of a stream, assembled chunk by chunk.
#[derive(Debug, Clone, Default)]
pub(crate) struct StreamedOutput {
    text: String,
    refusal: String,
    /// The full output carried by a Responses API terminal event.
    complete: Option<Value>,
}

impl StreamedOutput {
    /// Takes in the content of one chunk.
    pub(crate) fn push(&mut self, chunk: &StreamChunk) {
        match chunk {
            StreamChunk::Chat(c) => {
                for choice in c.choices.iter().filter(|c| c.index == 0) {
                    if let Some(t) = &choice.delta.content {
                        self.text.push_str(t);
                    }
                    if let Some(t) = &choice.delta.refusal {
                        self.refusal.push_str(t);
                    }
                }
            }
            StreamChunk::Text(c) => {
                for choice in c.choices.iter().filter(|c| c.index == 0) {
                    self.text.push_str(&choice.text);
                }
            }
            StreamChunk::Responses(e) => {
                if e.is_terminal()
                    && let Some(r) = e.response()
                {
                    self.complete = serde_json::to_value(&r.output).ok();
                }
            }
            StreamChunk::RawHead(_) | StreamChunk::Raw(_) => {}
        }
    }

    /// The assembled answer, `None` when nothing came.
    pub(crate) fn into_value(self) -> Option<Value> {
        if let Some(v) = self.complete {
            return Some(v);
        }
        if self.text.is_empty() && self.refusal.is_empty() {
            return None;
        }
        let mut message = json!({"role": "assistant", "content": self.text});
        if !self.refusal.is_empty() {
            message["refusal"] = Value::String(self.refusal);
        }
        Some(message)
    }
}
