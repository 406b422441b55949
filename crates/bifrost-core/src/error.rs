//! The one boundary error of the engine.
//!
//! A [`BifrostError`] carries what the caller sees (status, type, code, message, in Bifrost's JSON
//! shape) and what routing needs (retry class, whether fallbacks may run, where it came from).
//! It never holds a key: provider errors are built from the upstream's status and body only.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::schemas::RequestType;

/// What went wrong, coarsely; decides the HTTP status and the retry class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's request is malformed or incomplete (400).
    InvalidRequest,
    /// The request body is larger than allowed (413).
    PayloadTooLarge,
    /// The request's content type is not JSON (415).
    UnsupportedMediaType,
    /// The named provider is not configured (400).
    ProviderNotConfigured,
    /// The provider is known but this build does not implement it (400).
    ProviderNotSupported,
    /// The provider does not support this request type (400).
    UnsupportedOperation,
    /// No configured key may serve this model (400).
    NoKeysForModel,
    /// The provider's queue is full and `drop_excess_requests` is on (429).
    QueueFull,
    /// The upstream did not answer within the request timeout (504).
    Timeout,
    /// The upstream stream sent nothing for longer than the idle timeout (504).
    StreamIdleTimeout,
    /// The upstream could not be reached or the connection broke (502).
    Network,
    /// The upstream answered with an error status (its status is propagated).
    Upstream,
    /// The upstream answered with a body that is not what its API documents (502).
    UpstreamDecode,
    /// Every key failed authentication or billing for this request (502).
    CredentialsExhausted,
    /// The caller went away (499).
    Cancelled,
    /// A plugin rejected the request (status chosen by the plugin).
    Plugin,
    /// A bug or an impossible state inside the gateway (500).
    Internal,
}

impl ErrorKind {
    /// The HTTP status a gateway-originated error of this kind is given.
    pub fn default_status(self) -> u16 {
        match self {
            Self::InvalidRequest
            | Self::ProviderNotConfigured
            | Self::ProviderNotSupported
            | Self::UnsupportedOperation
            | Self::NoKeysForModel => 400,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::QueueFull => 429,
            Self::Timeout | Self::StreamIdleTimeout => 504,
            Self::Network | Self::UpstreamDecode | Self::CredentialsExhausted | Self::Upstream => {
                502
            }
            Self::Cancelled => 499,
            Self::Plugin | Self::Internal => 500,
        }
    }

    /// The error `type` string shown to callers for gateway-originated errors.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::InvalidRequest
            | Self::PayloadTooLarge
            | Self::UnsupportedMediaType
            | Self::ProviderNotConfigured
            | Self::ProviderNotSupported
            | Self::UnsupportedOperation
            | Self::NoKeysForModel => "invalid_request_error",
            Self::QueueFull => "rate_limit_error",
            Self::Timeout | Self::StreamIdleTimeout => "request_timed_out",
            Self::Network | Self::UpstreamDecode | Self::Upstream => "upstream_error",
            Self::CredentialsExhausted => "upstream_credentials_exhausted",
            Self::Cancelled => "request_cancelled",
            Self::Plugin => "plugin_error",
            Self::Internal => "internal_error",
        }
    }
}

/// Who caused the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSource {
    /// The caller sent something wrong.
    Caller,
    /// The gateway itself (configuration, capacity, timeouts).
    Gateway,
    /// The upstream provider.
    Upstream,
    /// A plugin.
    Plugin,
}

/// The `error` object inside Bifrost's error JSON (also OpenAI's error object).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Error type (`invalid_request_error`, `rate_limit_error`, ...).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Machine-readable code (`invalid_api_key`, `upstream_credentials_exhausted`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human-readable message.
    pub message: String,
    /// The request parameter at fault.
    #[serde(default)]
    pub param: Option<serde_json::Value>,
    /// Event id of a streamed error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// `extra_fields` of an error: which provider, model and request type failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorExtraFields {
    /// Provider that produced the error.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
    /// The model as the caller asked for it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model_requested: String,
    /// The request type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_type: Option<RequestType>,
}

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    source: ErrorSource,
    status: u16,
    is_bifrost_error: bool,
    detail: ErrorDetail,
    extra_fields: ErrorExtraFields,
    allow_fallbacks: bool,
    retry_after: Option<Duration>,
    upstream_body: Option<Bytes>,
}

/// An error in Bifrost's shape plus the facts that routing needs. Cheap to move (one box).
#[derive(Clone)]
pub struct BifrostError(Box<Inner>);

impl BifrostError {
    /// A gateway-originated error of `kind` with its default status and type.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let source = match kind {
            ErrorKind::InvalidRequest
            | ErrorKind::PayloadTooLarge
            | ErrorKind::UnsupportedMediaType
            | ErrorKind::Cancelled => ErrorSource::Caller,
            ErrorKind::Upstream | ErrorKind::UpstreamDecode | ErrorKind::Network => {
                ErrorSource::Upstream
            }
            ErrorKind::Plugin => ErrorSource::Plugin,
            _ => ErrorSource::Gateway,
        };
        let allow_fallbacks = !matches!(
            kind,
            ErrorKind::InvalidRequest
                | ErrorKind::PayloadTooLarge
                | ErrorKind::UnsupportedMediaType
                | ErrorKind::Cancelled
        );
        Self(Box::new(Inner {
            kind,
            source,
            status: kind.default_status(),
            // Every key was refused by the upstream: Bifrost reports this as not its own error.
            is_bifrost_error: kind != ErrorKind::CredentialsExhausted,
            detail: ErrorDetail {
                kind: Some(kind.type_name().to_owned()),
                code: None,
                message: message.into(),
                param: None,
                event_id: None,
            },
            extra_fields: ErrorExtraFields::default(),
            allow_fallbacks,
            retry_after: None,
            upstream_body: None,
        }))
    }

    /// A caller error (400 `invalid_request_error`).
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    /// An internal error (500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// An error answered by the upstream with `status` and its own error object.
    ///
    /// `is_bifrost_error` is false and the upstream's status is propagated.
    pub fn upstream(status: u16, detail: ErrorDetail) -> Self {
        let mut err = Self::new(ErrorKind::Upstream, String::new());
        err.0.status = status;
        err.0.is_bifrost_error = false;
        err.0.detail = detail;
        // A request the upstream rejects as invalid would be rejected by the fallbacks too.
        err.0.allow_fallbacks = !matches!(status, 400 | 413 | 422);
        err
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = status;
        self
    }

    /// Sets the machine-readable code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.0.detail.code = Some(code.into());
        self
    }

    /// Sets the error type string.
    pub fn with_type(mut self, kind: impl Into<String>) -> Self {
        self.0.detail.kind = Some(kind.into());
        self
    }

    /// Sets the parameter at fault.
    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.0.detail.param = Some(serde_json::Value::String(param.into()));
        self
    }

    /// Allows or forbids fallbacks after this error.
    pub fn with_allow_fallbacks(mut self, allow: bool) -> Self {
        self.0.allow_fallbacks = allow;
        self
    }

    /// Records the upstream's `Retry-After`.
    pub fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.0.retry_after = after;
        self
    }

    /// Keeps the upstream's raw body (for logs and `send_back_raw_response`).
    pub fn with_upstream_body(mut self, body: Bytes) -> Self {
        self.0.upstream_body = Some(body);
        self
    }

    /// Sets who caused the error.
    pub fn with_source(mut self, source: ErrorSource) -> Self {
        self.0.source = source;
        self
    }

    /// Fills `extra_fields` (provider, requested model, request type).
    pub fn with_context(
        mut self,
        provider: &str,
        model_requested: &str,
        request_type: RequestType,
    ) -> Self {
        self.set_context(provider, model_requested, request_type);
        self
    }

    /// Fills `extra_fields` in place.
    pub fn set_context(
        &mut self,
        provider: &str,
        model_requested: &str,
        request_type: RequestType,
    ) {
        let ef = &mut self.0.extra_fields;
        if ef.provider.is_empty() {
            ef.provider.push_str(provider);
        }
        if ef.model_requested.is_empty() {
            ef.model_requested.push_str(model_requested);
        }
        if ef.request_type.is_none() {
            ef.request_type = Some(request_type);
        }
    }

    /// The coarse kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Who caused the error.
    pub fn source(&self) -> ErrorSource {
        self.0.source
    }

    /// HTTP status to answer with.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// True for errors the gateway produced, false for errors relayed from the upstream.
    pub fn is_bifrost_error(&self) -> bool {
        self.0.is_bifrost_error
    }

    /// The error object.
    pub fn detail(&self) -> &ErrorDetail {
        &self.0.detail
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.detail.message
    }

    /// The machine-readable code, if any.
    pub fn code(&self) -> Option<&str> {
        self.0.detail.code.as_deref()
    }

    /// The error type string, if any.
    pub fn error_type(&self) -> Option<&str> {
        self.0.detail.kind.as_deref()
    }

    /// `extra_fields`.
    pub fn extra_fields(&self) -> &ErrorExtraFields {
        &self.0.extra_fields
    }

    /// Whether fallbacks may run after this error.
    pub fn allow_fallbacks(&self) -> bool {
        self.0.allow_fallbacks
    }

    /// The upstream's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The upstream's raw body, if kept.
    pub fn upstream_body(&self) -> Option<&Bytes> {
        self.0.upstream_body.as_ref()
    }

    /// Serializes the error in Bifrost's JSON shape.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing owned strings and maps into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
    }
}

impl Serialize for BifrostError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inner = &self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("is_bifrost_error", &inner.is_bifrost_error)?;
        map.serialize_entry("status_code", &inner.status)?;
        map.serialize_entry("error", &inner.detail)?;
        map.serialize_entry("extra_fields", &inner.extra_fields)?;
        map.end()
    }
}

impl fmt::Debug for BifrostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BifrostError")
            .field("kind", &self.0.kind)
            .field("status", &self.0.status)
            .field("type", &self.0.detail.kind)
            .field("code", &self.0.detail.code)
            .field("message", &self.0.detail.message)
            .field("provider", &self.0.extra_fields.provider)
            .finish()
    }
}

impl fmt::Display for BifrostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.0.detail.message, self.0.status)?;
        if let Some(code) = &self.0.detail.code {
            write!(f, ", {code}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for BifrostError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_in_bifrost_shape() {
        let err = BifrostError::new(
            ErrorKind::NoKeysForModel,
            "no keys found that support model: x",
        )
        .with_context("openai", "openai/x", RequestType::ChatCompletion);
        let v: serde_json::Value = serde_json::from_slice(&err.to_json()).unwrap();
        assert_eq!(v["is_bifrost_error"], true);
        assert_eq!(v["status_code"], 400);
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["message"], "no keys found that support model: x");
        assert_eq!(v["extra_fields"]["provider"], "openai");
        assert_eq!(v["extra_fields"]["request_type"], "chat_completion");
    }

    #[test]
    fn upstream_errors_keep_their_status() {
        let err = BifrostError::upstream(
            429,
            ErrorDetail {
                kind: Some("requests".into()),
                code: Some("rate_limit_exceeded".into()),
                message: "slow down".into(),
                ..ErrorDetail::default()
            },
        );
        assert_eq!(err.status(), 429);
        assert!(!err.is_bifrost_error());
        assert!(err.allow_fallbacks());
        let bad = BifrostError::upstream(400, ErrorDetail::default());
        assert!(!bad.allow_fallbacks());
    }

    #[test]
    fn stays_one_pointer_wide() {
        assert_eq!(
            std::mem::size_of::<BifrostError>(),
            std::mem::size_of::<usize>()
        );
    }
}
