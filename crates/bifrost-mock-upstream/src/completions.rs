//! `POST /v1/completions` (the legacy text-completion API).
//!
//! Each prompt (a string, an array of strings, an array of token ids or an
//! array of token-id arrays) yields `n` choices whose text is
//! `"Echo: " + <prompt>`, subject to `stop` and `max_tokens`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Rejection, bad_request, missing_param};
use crate::server::{Endpoint, Output, serialize_error};
use crate::sse::{SseEvents, SseWriter};
use crate::text::{count_words, finish_text, word_pieces};

/// Upper bound for `n`.
const MAX_N: i64 = 128;

/// The subset of the legacy completion request the mock looks at.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionRequest {
    model: Option<String>,
    prompt: Option<Value>,
    stream: Option<bool>,
    stream_options: Option<Value>,
    n: Option<i64>,
    max_tokens: Option<i64>,
    stop: Option<Value>,
}

/// Legacy completion usage.
#[derive(Debug, Clone, Copy, Serialize)]
struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
}

#[derive(Serialize)]
struct TextCompletion<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: &'a [TextChoice<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Option<&'a Usage>>,
}

#[derive(Serialize)]
struct TextChoice<'a> {
    text: &'a str,
    index: u32,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

fn token_text(tokens: &[Value]) -> Option<String> {
    let mut out = String::with_capacity(tokens.len() * 6);
    for (i, t) in tokens.iter().enumerate() {
        let t = t.as_i64()?;
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&t.to_string());
    }
    Some(out)
}

/// Normalizes `prompt` to a list of prompt texts.
fn prompts(prompt: &Value) -> Result<Vec<String>, Rejection> {
    let invalid = || {
        bad_request(
            "Invalid 'prompt': expected a string, an array of strings, an array of tokens or an array of token arrays.",
            Some("prompt"),
            Some("invalid_type"),
        )
    };
    match prompt {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if items.is_empty() => Err(invalid()),
        Value::Array(items) if items.iter().all(Value::is_number) => {
            token_text(items).map(|t| vec![t]).ok_or_else(invalid)
        }
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Array(tokens) => token_text(tokens).ok_or_else(invalid),
                _ => Err(invalid()),
            })
            .collect(),
        _ => Err(invalid()),
    }
}

impl Endpoint for CompletionRequest {
    fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    fn generate(&self, id: u64, created: u64) -> Result<Output, Rejection> {
        let Some(model) = self.model.as_deref() else {
            return Err(bad_request(
                "you must provide a model parameter",
                None,
                None,
            ));
        };
        let Some(prompt) = self.prompt.as_ref() else {
            return Err(missing_param("prompt"));
        };
        let prompts = prompts(prompt)?;
        let n = match self.n {
            None => 1,
            Some(n) if (1..=MAX_N).contains(&n) => n as u32,
            Some(n) => {
                return Err(bad_request(
                    &format!(
                        "Invalid 'n': expected a value between 1 and {MAX_N}, but got {n} instead."
                    ),
                    Some("n"),
                    Some("invalid_value"),
                ));
            }
        };
        let max_tokens = match self.max_tokens {
            None => None,
            Some(v) => Some(u64::try_from(v).map_err(|_| {
                bad_request(
                    &format!("Invalid 'max_tokens': integer below minimum value. Expected a value >= 0, but got {v} instead."),
                    Some("max_tokens"),
                    Some("integer_below_min_value"),
                )
            })?),
        };
        let texts: Vec<(String, &'static str)> = prompts
            .iter()
            .map(|p| finish_text(&format!("Echo: {p}"), self.stop.as_ref(), max_tokens))
            .collect();
        let prompt_tokens = prompts.iter().map(|p| count_words(p)).sum::<u64>().max(1);
        let completion_tokens =
            texts.iter().map(|(t, _)| count_words(t)).sum::<u64>() * u64::from(n);
        let usage = Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        };
        let id = format!("cmpl-mock-{id}");
        // (prompt index, copy) -> choice index = prompt * n + copy.
        let mut choices = Vec::with_capacity(texts.len() * n as usize);
        for (p, (text, finish)) in texts.iter().enumerate() {
            for copy in 0..n {
                choices.push((p as u32 * n + copy, text.as_str(), *finish));
            }
        }
        if self.stream == Some(true) {
            let include_usage = self
                .stream_options
                .as_ref()
                .and_then(|o| o.get("include_usage"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            stream(&id, created, model, &choices, usage, include_usage)
                .map(Output::Stream)
                .map_err(serialize_error)
        } else {
            let choices: Vec<TextChoice<'_>> = choices
                .iter()
                .map(|&(index, text, finish)| TextChoice {
                    text,
                    index,
                    logprobs: None,
                    finish_reason: Some(finish),
                })
                .collect();
            serde_json::to_vec(&TextCompletion {
                id: &id,
                object: "text_completion",
                created,
                model,
                choices: &choices,
                usage: Some(Some(&usage)),
            })
            .map(Output::Json)
            .map_err(serialize_error)
        }
    }
}

fn stream(
    id: &str,
    created: u64,
    model: &str,
    choices: &[(u32, &str, &'static str)],
    usage: Usage,
    include_usage: bool,
) -> Result<SseEvents, serde_json::Error> {
    let usage_field = include_usage.then_some(None);
    let mut w = SseWriter::with_capacity(16 * choices.len() + 2);
    let emit = |w: &mut SseWriter, index: u32, text: &str, finish: Option<&'static str>| {
        w.push_json(&TextCompletion {
            id,
            object: "text_completion",
            created,
            model,
            choices: &[TextChoice {
                text,
                index,
                logprobs: None,
                finish_reason: finish,
            }],
            usage: usage_field,
        })
    };
    for &(index, text, _) in choices {
        for piece in word_pieces(text) {
            emit(&mut w, index, piece, None)?;
        }
    }
    w.mark_content_end();
    for &(index, _, finish) in choices {
        emit(&mut w, index, "", Some(finish))?;
    }
    if include_usage {
        w.push_json(&TextCompletion {
            id,
            object: "text_completion",
            created,
            model,
            choices: &[],
            usage: Some(Some(&usage)),
        })?;
    }
    w.push_done();
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prompt_shapes() {
        assert_eq!(prompts(&json!("a")).ok(), Some(vec!["a".to_owned()]));
        assert_eq!(
            prompts(&json!(["a", "b"])).ok(),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(prompts(&json!([1, 2])).ok(), Some(vec!["1 2".to_owned()]));
        assert_eq!(
            prompts(&json!([[1], [2, 3]])).ok(),
            Some(vec!["1".to_owned(), "2 3".to_owned()])
        );
        assert!(prompts(&json!([])).is_err());
        assert!(prompts(&json!([true])).is_err());
        assert!(prompts(&json!(5)).is_err());
    }

    #[test]
    fn multiple_prompts_and_n() {
        let r: CompletionRequest =
            serde_json::from_value(json!({"model":"m","prompt":["a b","c"],"n":2})).unwrap();
        let Output::Json(body) = r.generate(3, 1).unwrap() else {
            panic!("expected json")
        };
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["id"], "cmpl-mock-3");
        let texts: Vec<&str> = v["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts, ["Echo: a b", "Echo: a b", "Echo: c", "Echo: c"]);
        assert_eq!(v["choices"][3]["index"], 3);
        assert_eq!(v["usage"]["prompt_tokens"], 3);
        assert_eq!(v["usage"]["completion_tokens"], 10);
    }
}
