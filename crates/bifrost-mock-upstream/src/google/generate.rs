//! `generateContent` / `streamGenerateContent` / `countTokens` with the OpenAI mock's echo
//! semantics, so that usage can be compared across providers:
//!
//! * the answer is `"Echo: " + <text of the last user turn>`; a trailing turn of
//!   `functionResponse` parts yields `"Tool said: " + <the last response's content>`;
//! * `responseMimeType: application/json` wraps the echo as `{"answer": ...}`;
//! * with function declarations, `functionCallingConfig.mode` `ANY` (the first allowed name, or
//!   the first declaration) or a last user turn mentioning "weather" (mode `AUTO`) produces
//!   `functionCall` parts with `{"location":"Paris"}` (two calls, the second `London`, when the
//!   turn also mentions "parallel"). The first call carries a `thoughtSignature`, as Gemini 3
//!   sends it; calls have no `id`, as the Gemini API sends them;
//! * `thinkingConfig` with a non-zero budget (or a level) spends "thinking" tokens
//!   (`thoughtsTokenCount`); `includeThoughts` also returns them as a `thought: true` part;
//! * `stopSequences` cut the text, `maxOutputTokens` truncates it by words (`MAX_TOKENS`),
//!   `candidateCount` repeats the candidate;
//! * a token is a whitespace-separated word: `promptTokenCount` counts the words of every text
//!   part (system instruction included) and of function responses' content.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::text::{count_words, finish_text, word_pieces};

/// Arguments of the first and second mock function calls.
const CALL_ARGS: [&str; 2] = ["Paris", "London"];

/// What the model answers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Text { text: String, finish: &'static str },
    Calls { name: String, count: usize },
}

/// A planned answer.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub reply: Reply,
    pub thoughts: Option<String>,
    pub include_thoughts: bool,
    pub candidates: u64,
    pub prompt_tokens: u64,
    pub response_id: String,
    pub model: String,
    pub create_time: Option<String>,
}

fn texts_of(content: &Value) -> impl Iterator<Item = &str> {
    content
        .get("parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| !p.get("thought").and_then(Value::as_bool).unwrap_or(false))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
}

fn response_text(resp: &Value) -> String {
    match resp.get("content") {
        Some(Value::String(s)) => s.clone(),
        _ => resp.to_string(),
    }
}

fn function_responses(content: &Value) -> Vec<&Value> {
    content
        .get("parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("functionResponse"))
        .collect()
}

/// The mock's token count of a prompt.
pub(crate) fn prompt_tokens(body: &Value) -> u64 {
    let mut n = 0;
    if let Some(sys) = body.get("systemInstruction") {
        n += texts_of(sys).map(count_words).sum::<u64>();
    }
    for content in body
        .get("contents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        n += texts_of(content).map(count_words).sum::<u64>();
        n += function_responses(content)
            .iter()
            .filter_map(|r| r.get("response"))
            .map(|r| count_words(&response_text(r)))
            .sum::<u64>();
    }
    n.max(1)
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(needle)
}

fn call_plan(body: &Value, last_user: &str) -> Option<(String, usize)> {
    let decls: Vec<&str> = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("functionDeclarations").and_then(Value::as_array))
        .flatten()
        .filter_map(|d| d.get("name").and_then(Value::as_str))
        .collect();
    let first = *decls.first()?;
    let cfg = body.pointer("/toolConfig/functionCallingConfig");
    let mode = cfg
        .and_then(|c| c.get("mode"))
        .and_then(Value::as_str)
        .unwrap_or("AUTO");
    let name = match mode {
        "NONE" => return None,
        "ANY" => cfg
            .and_then(|c| c.get("allowedFunctionNames"))
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .unwrap_or(first),
        _ if contains_ci(last_user, "weather") => first,
        _ => return None,
    };
    let count = if contains_ci(last_user, "parallel") {
        2
    } else {
        1
    };
    Some((name.to_owned(), count))
}

fn thinking(body: &Value, last_user: &str) -> (Option<String>, bool) {
    let Some(cfg) = body.pointer("/generationConfig/thinkingConfig") else {
        return (None, false);
    };
    let budget = cfg.get("thinkingBudget").and_then(Value::as_i64);
    let level = cfg.get("thinkingLevel").and_then(Value::as_str);
    if budget == Some(0) || (budget.is_none() && level.is_none()) {
        return (None, false);
    }
    let include = cfg
        .get("includeThoughts")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    (
        Some(format!("Considering the request: {last_user}")),
        include,
    )
}

/// Plans the answer to a `generateContent` body.
pub(crate) fn plan(body: &Value, model: &str, id: u64, vertex: bool) -> Plan {
    let contents: Vec<&Value> = body
        .get("contents")
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let cfg = body.get("generationConfig");
    let stop = cfg.and_then(|c| c.get("stopSequences"));
    let max = cfg
        .and_then(|c| c.get("maxOutputTokens"))
        .and_then(Value::as_u64);
    let last_user = contents
        .iter()
        .rev()
        .find(|c| {
            c.get("role").and_then(Value::as_str).unwrap_or("user") == "user"
                && function_responses(c).is_empty()
        })
        .map(|c| texts_of(c).collect::<String>())
        .unwrap_or_default();
    let trailing_responses = contents
        .last()
        .map(|c| function_responses(c))
        .unwrap_or_default();
    let reply = if let Some(last) = trailing_responses.last() {
        let said = last.get("response").map(response_text).unwrap_or_default();
        let (text, finish) = finish_text(&format!("Tool said: {said}"), stop, max);
        Reply::Text { text, finish }
    } else if let Some((name, count)) = call_plan(body, &last_user) {
        Reply::Calls { name, count }
    } else {
        let echo = format!("Echo: {last_user}");
        let json_mode = cfg
            .and_then(|c| c.get("responseMimeType"))
            .and_then(Value::as_str)
            == Some("application/json");
        let full = if json_mode {
            json!({ "answer": echo }).to_string()
        } else {
            echo
        };
        let (text, finish) = finish_text(&full, stop, max);
        Reply::Text { text, finish }
    };
    let (thoughts, include_thoughts) = thinking(body, &last_user);
    Plan {
        reply,
        thoughts,
        include_thoughts,
        candidates: cfg
            .and_then(|c| c.get("candidateCount"))
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1),
        prompt_tokens: prompt_tokens(body),
        response_id: format!("mock-resp-{id}"),
        model: model.to_owned(),
        create_time: vertex.then(|| rfc3339(crate::google::unix_now())),
    }
}

fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

fn signature(response_id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("mock-signature:{response_id}"))
}

fn call_parts(plan: &Plan, name: &str, count: usize) -> Vec<Value> {
    CALL_ARGS[..count.min(2)]
        .iter()
        .enumerate()
        .map(|(i, city)| {
            let mut part = json!({"functionCall": {"name": name, "args": {"location": city}}});
            if i == 0
                && let Some(obj) = part.as_object_mut()
            {
                obj.insert(
                    "thoughtSignature".to_owned(),
                    Value::String(signature(&plan.response_id)),
                );
            }
            part
        })
        .collect()
}

impl Plan {
    fn completion_tokens(&self) -> u64 {
        match &self.reply {
            Reply::Text { text, .. } => count_words(text),
            Reply::Calls { name, count } => CALL_ARGS[..(*count).min(2)]
                .iter()
                .map(|city| {
                    count_words(name) + count_words(&json!({ "location": city }).to_string())
                })
                .sum(),
        }
    }

    fn thought_tokens(&self) -> u64 {
        self.thoughts.as_deref().map_or(0, count_words)
    }

    fn finish_reason(&self) -> &'static str {
        match &self.reply {
            Reply::Text {
                finish: "length", ..
            } => "MAX_TOKENS",
            _ => "STOP",
        }
    }

    /// The final `usageMetadata`.
    pub(crate) fn usage(&self) -> Value {
        let candidates = self.completion_tokens() * self.candidates;
        let thoughts = self.thought_tokens() * self.candidates;
        let mut usage = json!({
            "promptTokenCount": self.prompt_tokens,
            "candidatesTokenCount": candidates,
            "totalTokenCount": self.prompt_tokens + candidates + thoughts,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": self.prompt_tokens}],
        });
        if thoughts > 0
            && let Some(obj) = usage.as_object_mut()
        {
            obj.insert("thoughtsTokenCount".to_owned(), json!(thoughts));
        }
        usage
    }

    /// The usage of intermediate stream chunks (prompt only, as Gemini sends it).
    fn partial_usage(&self) -> Value {
        json!({"promptTokenCount": self.prompt_tokens, "totalTokenCount": self.prompt_tokens})
    }

    fn envelope(&self, candidates: Vec<Value>, usage: Value) -> Value {
        let mut v = json!({
            "candidates": candidates,
            "usageMetadata": usage,
            "modelVersion": self.model,
            "responseId": self.response_id,
        });
        if let (Some(t), Some(obj)) = (&self.create_time, v.as_object_mut()) {
            obj.insert("createTime".to_owned(), json!(t));
        }
        v
    }

    fn candidate(&self, index: u64, parts: Vec<Value>, finish: Option<&str>) -> Value {
        let mut c = json!({"content": {"parts": parts, "role": "model"}, "index": index});
        if let (Some(f), Some(obj)) = (finish, c.as_object_mut()) {
            obj.insert("finishReason".to_owned(), json!(f));
        }
        c
    }

    fn thought_part(&self) -> Option<Value> {
        self.thoughts
            .as_ref()
            .filter(|_| self.include_thoughts)
            .map(|t| json!({"text": t, "thought": true}))
    }

    /// The complete `generateContent` response.
    pub(crate) fn response(&self) -> Value {
        let mut parts: Vec<Value> = self.thought_part().into_iter().collect();
        match &self.reply {
            Reply::Text { text, .. } => parts.push(json!({ "text": text })),
            Reply::Calls { name, count } => parts.extend(call_parts(self, name, *count)),
        }
        let candidates = (0..self.candidates)
            .map(|i| self.candidate(i, parts.clone(), Some(self.finish_reason())))
            .collect();
        self.envelope(candidates, self.usage())
    }

    /// The streamed responses: thoughts, then one chunk per word (or one with every call), the
    /// last with the finish reason and the full usage. Returns the chunks and how many are
    /// content chunks (fault modes never cut past them).
    pub(crate) fn stream_chunks(&self) -> Vec<Value> {
        let mut bodies: Vec<Vec<Value>> = Vec::new();
        if let Some(t) = self.thought_part() {
            bodies.push(vec![t]);
        }
        match &self.reply {
            Reply::Text { text, .. } => {
                let pieces = word_pieces(text);
                if pieces.is_empty() {
                    bodies.push(vec![json!({"text": ""})]);
                }
                for piece in pieces {
                    bodies.push(vec![json!({ "text": piece })]);
                }
            }
            Reply::Calls { name, count } => bodies.push(call_parts(self, name, *count)),
        }
        let last = bodies.len().saturating_sub(1);
        bodies
            .into_iter()
            .enumerate()
            .map(|(i, parts)| {
                let finish = (i == last).then(|| self.finish_reason());
                let candidates = (0..self.candidates)
                    .map(|c| self.candidate(c, parts.clone(), finish))
                    .collect();
                let usage = if i == last {
                    self.usage()
                } else {
                    self.partial_usage()
                };
                self.envelope(candidates, usage)
            })
            .collect()
    }
}

/// `countTokens`: the Gemini API's `{contents}` / `{generateContentRequest}` or Vertex AI's
/// top-level fields.
pub(crate) fn count_tokens(body: &Value, vertex: bool) -> Value {
    let inner = body.get("generateContentRequest").unwrap_or(body);
    let total = prompt_tokens(inner);
    let mut out = json!({
        "totalTokens": total,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
    });
    if vertex && let Some(obj) = out.as_object_mut() {
        let chars: usize = inner
            .get("contents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(texts_of)
            .map(|t| t.chars().filter(|c| !c.is_whitespace()).count())
            .sum();
        obj.insert("totalBillableCharacters".to_owned(), json!(chars));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Plan {
        plan(&v, "gemini-2.5-flash", 1, false)
    }

    #[test]
    fn echoes_and_counts_words() {
        let p = body(json!({
            "systemInstruction": {"parts": [{"text": "be brief"}]},
            "contents": [{"role": "user", "parts": [{"text": "hello there"}]}]
        }));
        assert_eq!(
            p.reply,
            Reply::Text {
                text: "Echo: hello there".into(),
                finish: "stop"
            }
        );
        assert_eq!(p.prompt_tokens, 4);
        assert_eq!(p.usage()["candidatesTokenCount"], 3);
        assert_eq!(p.usage()["totalTokenCount"], 7);
    }

    #[test]
    fn tools_and_responses() {
        let tools = json!([{"functionDeclarations": [{"name": "get_weather"}]}]);
        let p = body(
            json!({"contents": [{"parts": [{"text": "weather in parallel"}]}], "tools": tools}),
        );
        assert_eq!(
            p.reply,
            Reply::Calls {
                name: "get_weather".into(),
                count: 2
            }
        );
        let r = p.response();
        let parts = &r["candidates"][0]["content"]["parts"];
        assert!(parts[0]["thoughtSignature"].is_string());
        assert!(parts[1].get("thoughtSignature").is_none());
        let p = body(json!({"contents": [
            {"parts": [{"text": "weather?"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"content": "22C"}}}]}
        ], "tools": tools}));
        assert_eq!(
            p.reply,
            Reply::Text {
                text: "Tool said: 22C".into(),
                finish: "stop"
            }
        );
    }

    #[test]
    fn streams_word_by_word() {
        let p = body(
            json!({"contents": [{"parts": [{"text": "a b"}]}], "generationConfig": {"maxOutputTokens": 2}}),
        );
        let chunks = p.stream_chunks();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1]["candidates"][0]["finishReason"], "MAX_TOKENS");
        assert_eq!(chunks[0]["usageMetadata"]["promptTokenCount"], 2);
    }

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(1_740_832_215), "2025-03-01T12:30:15.000000Z");
    }
}
