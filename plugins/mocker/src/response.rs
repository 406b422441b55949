//! Builds the mocked completions and errors.
//!
//! Completions carry an `id` (`mock-<uuid>`), an `object` and a `created` time so that SDKs
//! parse them like real ones (Bifrost leaves these empty). Errors are shaped like errors relayed
//! from an upstream (`is_bifrost_error: false`), with the configured status or 400.

use std::time::{SystemTime, UNIX_EPOCH};

use bifrost_core::BifrostError;
use bifrost_core::error::{ErrorDetail, ErrorSource};
use bifrost_core::schemas::{
    ChatChoice, ChatMessage, ChatResponse, ExtraFields, ExtraMap, RequestType, Response, Role,
    TextChoice, TextCompletionResponse, Usage,
};

use crate::config::{ErrorContent, MockUsage, SuccessContent};
use crate::random::Random;
use crate::template::render;

/// Assistant text of `default_behavior: "success"`.
pub const DEFAULT_SUCCESS_MESSAGE: &str = "Mock plugin default response";
/// Error message of `default_behavior: "error"`.
pub const DEFAULT_ERROR_MESSAGE: &str = "Mock plugin default error";
/// Status given to mocked errors without `status_code` (what Bifrost's HTTP transport answers
/// for a non-Bifrost error without a status).
pub const DEFAULT_ERROR_STATUS: u16 = 400;

/// The request a mock answers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) provider: &'a str,
    /// Model without the provider prefix.
    pub(crate) model: &'a str,
    /// The model string as the caller sent it.
    pub(crate) model_requested: &'a str,
    pub(crate) request_type: RequestType,
}

impl Target<'_> {
    fn is_text_completion(&self) -> bool {
        matches!(
            self.request_type,
            RequestType::TextCompletion | RequestType::TextCompletionStream
        )
    }

    fn extra_fields(&self, latency_ms: Option<u64>, raw: Option<serde_json::Value>) -> ExtraFields {
        ExtraFields {
            provider: self.provider.to_owned(),
            request_type: Some(self.request_type),
            model_requested: self.model_requested.to_owned(),
            latency: latency_ms,
            raw_response: raw,
            ..ExtraFields::default()
        }
    }
}

/// The completion of a `success` response.
pub(crate) fn success(
    content: &SuccessContent,
    target: Target<'_>,
    rng: &Random,
    latency_ms: u64,
) -> Response {
    let message = match &content.message_template {
        Some(template) => render(template, target.provider, target.model, rng),
        None => content.message.clone(),
    };
    let raw = content
        .custom_fields
        .as_ref()
        .filter(|fields| !fields.is_empty())
        .map(|fields| {
            let mut raw = fields.clone();
            raw.insert("mock_rule".to_owned(), "success".into());
            serde_json::Value::Object(raw)
        });
    completion(
        target,
        message,
        content.model.as_deref().unwrap_or(target.model),
        usage(content.usage.as_ref()),
        content.finish_reason.as_deref().unwrap_or("stop"),
        target.extra_fields(Some(latency_ms), raw),
    )
}

/// The completion of `default_behavior: "success"`.
pub(crate) fn default_success(target: Target<'_>) -> Response {
    completion(
        target,
        DEFAULT_SUCCESS_MESSAGE.to_owned(),
        target.model,
        Usage::new(5, 10),
        "stop",
        target.extra_fields(None, None),
    )
}

/// The error of an `error` response.
pub(crate) fn error(
    content: &ErrorContent,
    allow_fallbacks: Option<bool>,
    target: Target<'_>,
) -> BifrostError {
    let status = content
        .status_code
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(DEFAULT_ERROR_STATUS);
    let detail = ErrorDetail {
        kind: content.kind.clone(),
        code: content.code.clone(),
        message: content.message.clone(),
        ..ErrorDetail::default()
    };
    mock_error(status, detail, allow_fallbacks.unwrap_or(true), target)
}

/// The error of `default_behavior: "error"`.
pub(crate) fn default_error(target: Target<'_>) -> BifrostError {
    let detail = ErrorDetail {
        message: DEFAULT_ERROR_MESSAGE.to_owned(),
        ..ErrorDetail::default()
    };
    mock_error(DEFAULT_ERROR_STATUS, detail, true, target)
}

fn mock_error(
    status: u16,
    detail: ErrorDetail,
    allow_fallbacks: bool,
    target: Target<'_>,
) -> BifrostError {
    BifrostError::upstream(status, detail)
        .with_source(ErrorSource::Plugin)
        .with_allow_fallbacks(allow_fallbacks)
        .with_context(target.provider, target.model_requested, target.request_type)
}

/// Token counts with Bifrost's defaults: a zero prompt count is 10, a zero completion count
/// 20, a zero total the sum of the *configured* prompt and completion counts; no usage at all
/// is 10 / 20 / 30.
fn usage(configured: Option<&MockUsage>) -> Usage {
    let Some(u) = configured else {
        return Usage::new(10, 20);
    };
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    let or = |v: i64, default: u64| if v == 0 { default } else { count(v) };
    Usage {
        prompt_tokens: or(u.prompt_tokens, 10),
        completion_tokens: or(u.completion_tokens, 20),
        total_tokens: or(
            u.total_tokens,
            count(u.prompt_tokens) + count(u.completion_tokens),
        ),
        ..Usage::default()
    }
}

fn completion(
    target: Target<'_>,
    message: String,
    model: &str,
    usage: Usage,
    finish_reason: &str,
    extra_fields: ExtraFields,
) -> Response {
    let id = format!("mock-{}", uuid::Uuid::new_v4());
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if target.is_text_completion() {
        return Response::TextCompletion(Box::new(TextCompletionResponse {
            id,
            object: "text_completion".to_owned(),
            created,
            model: model.to_owned(),
            choices: vec![TextChoice {
                text: message,
                index: 0,
                logprobs: None,
                finish_reason: Some(finish_reason.to_owned()),
                extra: ExtraMap::new(),
            }],
            usage: Some(usage),
            system_fingerprint: None,
            extra_fields: Some(extra_fields),
            extra: ExtraMap::new(),
        }));
    }
    Response::Chat(Box::new(ChatResponse {
        id,
        object: "chat.completion".to_owned(),
        created,
        model: model.to_owned(),
        choices: vec![ChatChoice {
            index: 0,
            message: ChatMessage::text(Role::Assistant, message),
            finish_reason: Some(finish_reason.to_owned()),
            logprobs: None,
            extra: ExtraMap::new(),
        }],
        usage: Some(usage),
        system_fingerprint: None,
        service_tier: None,
        extra_fields: Some(extra_fields),
        extra: ExtraMap::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_defaults_follow_bifrost() {
        let u = |p, c, t| {
            usage(Some(&MockUsage {
                prompt_tokens: p,
                completion_tokens: c,
                total_tokens: t,
            }))
        };
        let counts = |u: Usage| (u.prompt_tokens, u.completion_tokens, u.total_tokens);
        assert_eq!(counts(usage(None)), (10, 20, 30));
        assert_eq!(counts(u(3, 4, 0)), (3, 4, 7));
        assert_eq!(counts(u(3, 4, 100)), (3, 4, 100));
        assert_eq!(counts(u(0, 4, 0)), (10, 4, 4));
        assert_eq!(counts(u(0, 0, 0)), (10, 20, 0));
    }
}
