//! Unified `chat.completion.chunk`s -> streamed `GenerateContentResponse`s, one per event, as
//! `streamGenerateContent` sends them:
//!
//! * with `?alt=sse`: `data: <json>\r\n\r\n` per response ([`write_sse`]);
//! * without: one JSON array whose elements arrive as they are produced: `[<json>`, then
//!   `,\r\n<json>` per response, then `]` ([`ArrayWriter`]).
//!
//! | chunk | response |
//! |---|---|
//! | `reasoning` text | a `thought: true` part |
//! | `content`, `refusal` | a `text` part |
//! | `tool_calls` fragments | gathered per call; each call is one whole `functionCall` part once its choice finishes (Gemini never splits a call) |
//! | `reasoning_details` signatures | `thoughtSignature` on the function call they name, else on the chunk's first part |
//! | `finish_reason` | `finishReason` (see [`super::response::finish_reason`]) |
//! | `usage` | `usageMetadata` of the response that finishes (a usage-only final chunk is merged into it) |
//!
//! Every response carries `modelVersion` and `responseId`. A failure is written as Google's
//! error object in the same framing, and the stream ends there.

use std::collections::BTreeMap;

use super::super::types::{Candidate, Content, GenerateContentResponse, Part};
use super::response::{
    call_part, finish_reason, is_base64, logprobs_result, signed_call, text_signature,
    thought_part, usage_metadata,
};
use crate::schemas::{
    ChatStreamChoice, ChatStreamChunk, ExtraMap, FunctionCall, ReasoningDetail, ToolCall,
};

/// A tool call being gathered.
#[derive(Debug, Default)]
struct PendingCall {
    id: String,
    name: String,
    arguments: String,
    signature: Option<String>,
}

/// Turns one unified chunk stream into Gemini's streamed responses.
#[derive(Debug, Default)]
pub struct GenerateStreamEncoder {
    response_id: String,
    model: String,
    /// Choice index -> tool call index -> the call.
    calls: BTreeMap<u32, BTreeMap<u32, PendingCall>>,
    /// A finished response waiting for a usage-only chunk.
    held: Option<GenerateContentResponse>,
}

impl GenerateStreamEncoder {
    /// An encoder; `fallback_id` is the `responseId` when the chunks carry no id.
    pub fn new(fallback_id: impl Into<String>) -> Self {
        Self {
            response_id: fallback_id.into(),
            ..Self::default()
        }
    }

    fn envelope(&self, candidates: Vec<Candidate>) -> GenerateContentResponse {
        GenerateContentResponse {
            candidates,
            model_version: Some(self.model.clone()).filter(|m| !m.is_empty()),
            response_id: Some(self.response_id.clone()).filter(|id| !id.is_empty()),
            ..GenerateContentResponse::default()
        }
    }

    /// Translates one chunk, appending the responses it completes to `out`.
    pub fn push(&mut self, chunk: &ChatStreamChunk, out: &mut Vec<GenerateContentResponse>) {
        if !chunk.id.is_empty() {
            chunk.id.clone_into(&mut self.response_id);
        }
        if !chunk.model.is_empty() {
            chunk.model.clone_into(&mut self.model);
        }
        let candidates: Vec<Candidate> = chunk
            .choices
            .iter()
            .filter_map(|c| self.candidate(c))
            .collect();
        let usage = chunk.usage.as_ref().map(usage_metadata);
        if candidates.is_empty() {
            let Some(usage) = usage else { return };
            let mut resp = self
                .held
                .take()
                .unwrap_or_else(|| self.envelope(Vec::new()));
            resp.usage_metadata = Some(usage);
            out.push(resp);
            return;
        }
        if let Some(held) = self.held.take() {
            out.push(held);
        }
        let finishes = candidates.iter().any(|c| c.finish_reason.is_some());
        let mut resp = self.envelope(candidates);
        resp.usage_metadata = usage;
        if finishes && resp.usage_metadata.is_none() {
            self.held = Some(resp);
        } else {
            out.push(resp);
        }
    }

    /// Ends the stream: calls that never saw their choice finish and a held response.
    pub fn finish(&mut self, out: &mut Vec<GenerateContentResponse>) {
        let open = std::mem::take(&mut self.calls);
        let candidates: Vec<Candidate> = open
            .into_iter()
            .filter(|(_, calls)| !calls.is_empty())
            .map(|(index, calls)| Candidate {
                content: Some(model_content(flush(calls))),
                index: Some(index),
                ..Candidate::default()
            })
            .collect();
        if let Some(held) = self.held.take() {
            out.push(held);
        }
        if !candidates.is_empty() {
            out.push(self.envelope(candidates));
        }
    }

    fn candidate(&mut self, choice: &ChatStreamChoice) -> Option<Candidate> {
        let delta = &choice.delta;
        let details = delta.reasoning_details.as_deref().unwrap_or_default();
        let calls = self.calls.entry(choice.index).or_default();
        for d in delta.tool_calls.iter().flatten() {
            let call = calls.entry(d.index).or_default();
            if let Some(id) = d.id.as_deref().filter(|id| !id.is_empty()) {
                id.clone_into(&mut call.id);
            }
            if let Some(f) = &d.function {
                if let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) {
                    name.clone_into(&mut call.name);
                }
                if let Some(args) = &f.arguments {
                    call.arguments.push_str(args);
                }
            }
        }
        sign_calls(calls, details);
        let mut parts = Vec::new();
        if let Some(r) = delta.reasoning.as_deref().filter(|r| !r.is_empty()) {
            parts.push(thought_part(r, None));
        }
        for text in [&delta.content, &delta.refusal].into_iter().flatten() {
            if !text.is_empty() {
                parts.push(Part::text(text.clone()));
            }
        }
        if let Some(sig) = details.iter().find_map(text_signature) {
            match parts.first_mut() {
                Some(p) => p.thought_signature = Some(sig.to_owned()),
                None => parts.push(Part {
                    text: Some(String::new()),
                    thought_signature: Some(sig.to_owned()),
                    ..Part::default()
                }),
            }
        }
        let finish = choice.finish_reason.as_deref();
        if finish.is_some() {
            parts.extend(flush(std::mem::take(calls)));
        }
        if parts.is_empty() && finish.is_none() {
            return None;
        }
        Some(Candidate {
            content: (!parts.is_empty()).then(|| model_content(parts)),
            finish_reason: finish.map(|f| finish_reason(f, &choice.extra)),
            index: Some(choice.index),
            logprobs_result: choice.logprobs.as_ref().and_then(logprobs_result),
            ..Candidate::default()
        })
    }
}

fn model_content(parts: Vec<Part>) -> Content {
    Content {
        role: Some("model".to_owned()),
        parts,
        extra: ExtraMap::new(),
    }
}

/// Keeps the signatures of `details` that name one of `calls`.
fn sign_calls(calls: &mut BTreeMap<u32, PendingCall>, details: &[ReasoningDetail]) {
    for d in details {
        let (Some(id), Some(sig)) = (signed_call(d), d.signature.as_deref()) else {
            continue;
        };
        if let Some(call) = calls.values_mut().find(|c| c.id == id)
            && is_base64(sig)
        {
            call.signature = Some(sig.to_owned());
        }
    }
}

/// The gathered calls as `functionCall` parts, in call order.
fn flush(calls: BTreeMap<u32, PendingCall>) -> Vec<Part> {
    calls
        .into_values()
        .filter(|c| !c.name.is_empty())
        .map(|c| {
            let call = ToolCall {
                id: c.id,
                kind: "function".to_owned(),
                function: FunctionCall {
                    name: c.name,
                    arguments: c.arguments,
                },
                extra: ExtraMap::new(),
            };
            call_part(&call, c.signature.as_deref())
        })
        .collect()
}

/// Appends `data: <json>\r\n\r\n`.
pub fn write_sse<T: serde::Serialize>(value: &T, out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.extend_from_slice(b"data: ");
    serde_json::to_writer(&mut *out, value)?;
    out.extend_from_slice(b"\r\n\r\n");
    Ok(())
}

/// Writes a JSON array one element at a time.
#[derive(Debug, Default)]
pub struct ArrayWriter {
    opened: bool,
}

impl ArrayWriter {
    /// Appends the next element (`[` before the first, `,\r\n` before the others).
    pub fn element<T: serde::Serialize>(
        &mut self,
        value: &T,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        out.extend_from_slice(if self.opened { b",\r\n" } else { b"[" });
        self.opened = true;
        serde_json::to_writer(&mut *out, value)
    }

    /// Closes the array (`[]` when it had no element).
    pub fn close(&mut self, out: &mut Vec<u8>) {
        if !self.opened {
            out.push(b'[');
            self.opened = true;
        }
        out.push(b']');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn chunk(v: Value) -> ChatStreamChunk {
        serde_json::from_value(v).unwrap()
    }

    fn run(chunks: &[Value]) -> Vec<Value> {
        let mut enc = GenerateStreamEncoder::new("fallback");
        let mut out = Vec::new();
        for c in chunks {
            enc.push(&chunk(c.clone()), &mut out);
        }
        enc.finish(&mut out);
        out.iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect()
    }

    #[test]
    fn openai_fragments_become_whole_calls_and_usage_is_merged() {
        let out = run(&[
            json!({"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
            json!({"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"content": "Hi"}}]}),
            json!({"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\""}}]}}]}),
            json!({"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ":1}"}}]}}]}),
            json!({"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
            json!({"id": "c1", "model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}),
        ]);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(
            out[0],
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}, "index": 0}],
                   "modelVersion": "gpt-4o", "responseId": "c1"})
        );
        assert_eq!(
            out[1],
            json!({"candidates": [{"content": {"role": "model", "parts": [{"functionCall": {"id": "call_1", "name": "f", "args": {"a": 1}}}]},
                                   "finishReason": "STOP", "index": 0}],
                   "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7},
                   "modelVersion": "gpt-4o", "responseId": "c1"})
        );
    }

    #[test]
    fn thoughts_and_signatures_stream() {
        let out = run(&[
            json!({"id": "r", "model": "gemini-2.5-flash", "choices": [{"index": 0, "delta": {"role": "assistant", "reasoning": "hmm"}}]}),
            json!({"id": "r", "model": "gemini-2.5-flash", "choices": [{"index": 0, "delta": {
                "tool_calls": [{"index": 0, "id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                "reasoning_details": [{"type": "reasoning.encrypted", "signature": "c2ln", "id": "tool_call_call_9"}]
            }, "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0]["candidates"][0]["content"]["parts"][0],
            json!({"text": "hmm", "thought": true})
        );
        assert_eq!(
            out[1]["candidates"][0]["content"]["parts"][0],
            json!({"functionCall": {"id": "call_9", "name": "f", "args": {}}, "thoughtSignature": "c2ln"})
        );
        assert_eq!(out[1]["usageMetadata"]["totalTokenCount"], 3);
    }

    #[test]
    fn frames() {
        let mut out = Vec::new();
        write_sse(&json!({"a": 1}), &mut out).unwrap();
        assert_eq!(out, b"data: {\"a\":1}\r\n\r\n");
        let mut out = Vec::new();
        let mut w = ArrayWriter::default();
        w.element(&json!(1), &mut out).unwrap();
        w.element(&json!(2), &mut out).unwrap();
        w.close(&mut out);
        assert_eq!(out, b"[1,\r\n2]");
        let mut out = Vec::new();
        ArrayWriter::default().close(&mut out);
        assert_eq!(out, b"[]");
    }
}
