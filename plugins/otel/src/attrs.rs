//! Span attribute names (OpenTelemetry GenAI semantic conventions, plus `bifrost.*` for the
//! gateway's own facts) and the values read from requests and responses.

use bifrost_core::schemas::{Request, RequestBody, RequestType, Response};
use opentelemetry::{Array, KeyValue, StringValue, Value};

/// `gen_ai.operation.name`: `chat`, `text_completion`, `embeddings`, ...
pub const OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`: the provider (current semantic conventions).
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.system`: the provider (earlier semantic conventions; still read by many backends).
pub const SYSTEM: &str = "gen_ai.system";
/// `gen_ai.request.model`.
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.request.temperature`.
pub const REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// `gen_ai.request.top_p`.
pub const REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// `gen_ai.request.max_tokens`.
pub const REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// `gen_ai.response.model`.
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.id`.
pub const RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.finish_reasons`.
pub const FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// `gen_ai.usage.input_tokens`.
pub const INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens`.
pub const OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.server.time_to_first_token`, in seconds.
pub const TIME_TO_FIRST_TOKEN: &str = "gen_ai.server.time_to_first_token";
/// Prefix of the `x-bf-dim-*` dimensions.
pub const DIMENSION_PREFIX: &str = "gen_ai.dimension.";
/// `error.type`.
pub const ERROR_TYPE: &str = "error.type";
/// `http.response.status_code`.
pub const HTTP_STATUS: &str = "http.response.status_code";
/// `bifrost.request_id`.
pub const REQUEST_ID: &str = "bifrost.request_id";
/// `bifrost.model_requested`: the `model` string exactly as the caller sent it.
pub const MODEL_REQUESTED: &str = "bifrost.model_requested";
/// `bifrost.stream`.
pub const STREAM: &str = "bifrost.stream";
/// `bifrost.fallback_index`: 0 for the primary target, n for the n-th fallback.
pub const FALLBACK_INDEX: &str = "bifrost.fallback_index";
/// `bifrost.attempt`: 1 for the first attempt on a target, 2 for its first retry, ...
pub const ATTEMPT: &str = "bifrost.attempt";
/// `bifrost.attempts`: upstream attempts of the whole request.
pub const ATTEMPTS: &str = "bifrost.attempts";
/// `bifrost.key.id`: id of the key used (never its value).
pub const KEY_ID: &str = "bifrost.key.id";
/// `bifrost.key.name`: name of the key used (never its value).
pub const KEY_NAME: &str = "bifrost.key.name";
/// `bifrost.plugin.name`.
pub const PLUGIN_NAME: &str = "bifrost.plugin.name";
/// `bifrost.plugin.hook`: `pre_hook` or `post_hook`.
pub const PLUGIN_HOOK: &str = "bifrost.plugin.hook";
/// `bifrost.stream.chunks`: chunks sent to the caller.
pub const STREAM_CHUNKS: &str = "bifrost.stream.chunks";

/// Longest attribute string exported from caller input (dimensions, headers).
pub const MAX_VALUE_LEN: usize = 256;

/// The GenAI operation name of a request type.
pub fn operation(rt: RequestType) -> &'static str {
    match rt {
        RequestType::ChatCompletion | RequestType::ChatCompletionStream => "chat",
        RequestType::TextCompletion | RequestType::TextCompletionStream => "text_completion",
        RequestType::Embedding => "embeddings",
        RequestType::Responses | RequestType::ResponsesStream => "generate_content",
        other => other.as_str(),
    }
}

/// `s` cut to at most [`MAX_VALUE_LEN`] bytes (on a character boundary).
pub fn truncated(s: &str) -> String {
    if s.len() <= MAX_VALUE_LEN {
        return s.to_owned();
    }
    let mut end = MAX_VALUE_LEN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Sampling parameters of a request.
pub fn request_params(req: &Request) -> Vec<KeyValue> {
    let mut out = Vec::new();
    let (temperature, top_p, max_tokens) = match &req.body {
        RequestBody::Chat(c) => (c.temperature, c.top_p, c.output_token_limit()),
        RequestBody::TextCompletion(t) => (t.temperature, t.top_p, t.max_tokens),
        _ => (None, None, None),
    };
    if let Some(t) = temperature {
        out.push(KeyValue::new(REQUEST_TEMPERATURE, t));
    }
    if let Some(p) = top_p {
        out.push(KeyValue::new(REQUEST_TOP_P, p));
    }
    if let Some(m) = max_tokens {
        out.push(KeyValue::new(REQUEST_MAX_TOKENS, i64::from(m)));
    }
    out
}

/// What a response says: model, id, finish reasons.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseFacts {
    /// `gen_ai.response.model`.
    pub model: Option<String>,
    /// `gen_ai.response.id`.
    pub id: Option<String>,
    /// `gen_ai.response.finish_reasons`.
    pub finish_reasons: Vec<String>,
    /// Input and output tokens.
    pub usage: Option<(u64, u64)>,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

impl ResponseFacts {
    /// Reads a complete response.
    pub fn of(response: &Response) -> Self {
        let usage = response
            .usage()
            .map(|u| (u.prompt_tokens, u.completion_tokens));
        match response {
            Response::Chat(r) => Self {
                model: non_empty(&r.model),
                id: non_empty(&r.id),
                finish_reasons: r
                    .choices
                    .iter()
                    .filter_map(|c| c.finish_reason.clone())
                    .collect(),
                usage,
            },
            Response::TextCompletion(r) => Self {
                model: non_empty(&r.model),
                id: non_empty(&r.id),
                finish_reasons: r
                    .choices
                    .iter()
                    .filter_map(|c| c.finish_reason.clone())
                    .collect(),
                usage,
            },
            Response::Embedding(r) => Self {
                model: non_empty(&r.model),
                usage,
                ..Self::default()
            },
            _ => Self {
                usage,
                ..Self::default()
            },
        }
    }

    /// The attributes to set.
    pub fn attributes(&self, out: &mut Vec<KeyValue>) {
        if let Some(m) = &self.model {
            out.push(KeyValue::new(RESPONSE_MODEL, m.clone()));
        }
        if let Some(id) = &self.id {
            out.push(KeyValue::new(RESPONSE_ID, id.clone()));
        }
        if !self.finish_reasons.is_empty() {
            let list: Vec<StringValue> = self
                .finish_reasons
                .iter()
                .map(|r| StringValue::from(r.clone()))
                .collect();
            out.push(KeyValue::new(
                FINISH_REASONS,
                Value::Array(Array::String(list)),
            ));
        }
        if let Some((input, output)) = self.usage {
            out.push(KeyValue::new(INPUT_TOKENS, saturating_i64(input)));
            out.push(KeyValue::new(OUTPUT_TOKENS, saturating_i64(output)));
        }
    }
}

/// `v` as an attribute integer.
pub fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_char_boundaries() {
        let s = "é".repeat(200);
        let t = truncated(&s);
        assert!(t.len() <= MAX_VALUE_LEN);
        assert!(t.chars().all(|c| c == 'é'));
        assert_eq!(truncated("short"), "short");
    }

    #[test]
    fn operation_names_follow_the_conventions() {
        assert_eq!(operation(RequestType::ChatCompletionStream), "chat");
        assert_eq!(operation(RequestType::Embedding), "embeddings");
        assert_eq!(operation(RequestType::TextCompletion), "text_completion");
    }
}
