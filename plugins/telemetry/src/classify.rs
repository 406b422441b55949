//! Bounded vocabularies derived from failures: `error_type`, `fail_reason`, and whether a failed
//! attempt says anything about its key's health.

use bifrost_core::{BifrostError, ErrorKind};

/// Bifrost's normalized failure reason (`error_type` label), a closed vocabulary prefixed by the
/// fault domain: `caller_*`, `provider_*`, `bifrost_*`, or `_OTHER`.
pub fn error_type(err: &BifrostError) -> &'static str {
    match err.kind() {
        ErrorKind::Cancelled => "caller_cancelled",
        ErrorKind::Timeout | ErrorKind::StreamIdleTimeout => "provider_timeout",
        ErrorKind::Network => "provider_connection_failed",
        ErrorKind::QueueFull => "bifrost_dropped",
        ErrorKind::CredentialsExhausted => "provider_credentials_exhausted",
        ErrorKind::NoKeysForModel => "caller_model_not_available",
        ErrorKind::InvalidRequest
        | ErrorKind::PayloadTooLarge
        | ErrorKind::UnsupportedMediaType
        | ErrorKind::ProviderNotConfigured
        | ErrorKind::ProviderNotSupported
        | ErrorKind::UnsupportedOperation => "caller_invalid_request",
        ErrorKind::Upstream | ErrorKind::UpstreamDecode => provider_status(err.status()),
        ErrorKind::Plugin => "_OTHER",
        ErrorKind::Internal => "bifrost_internal",
    }
}

/// Buckets an upstream status code (Bifrost's `classifyProviderStatus`).
fn provider_status(status: u16) -> &'static str {
    match status {
        401 | 403 => "provider_auth_failed",
        402 => "provider_billing",
        429 => "provider_rate_limited",
        404 => "caller_model_unknown",
        499 => "caller_cancelled",
        503 | 529 => "provider_overloaded",
        504 => "provider_timeout",
        400..=499 => "caller_invalid_request",
        500..=599 => "provider_server_error",
        _ => "_OTHER",
    }
}

/// Why a failed attempt made the engine move to another key (`fail_reason` label). Only
/// per-key failures rotate keys: credentials (401), permissions (403), billing (402) and rate
/// limits (429 or a rate-limit message with another status).
pub fn fail_reason(status: Option<u16>) -> &'static str {
    match status {
        Some(401) => "authentication_error",
        Some(402) => "billing_error",
        Some(403) => "permission_error",
        _ => "rate_limit_error",
    }
}

/// Whether a failed attempt with this status marks its key down. A request the caller got wrong
/// (400, 404, 413, 422, ...) says nothing about the key.
pub fn marks_key_down(status: Option<u16>) -> bool {
    match status {
        Some(401..=403 | 408 | 429) => true,
        Some(s) => s >= 500,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bifrost_core::error::ErrorDetail;

    fn upstream(status: u16) -> BifrostError {
        BifrostError::upstream(status, ErrorDetail::default())
    }

    #[test]
    fn classifies_like_bifrost() {
        assert_eq!(error_type(&upstream(500)), "provider_server_error");
        assert_eq!(error_type(&upstream(503)), "provider_overloaded");
        assert_eq!(error_type(&upstream(429)), "provider_rate_limited");
        assert_eq!(error_type(&upstream(401)), "provider_auth_failed");
        assert_eq!(error_type(&upstream(404)), "caller_model_unknown");
        assert_eq!(error_type(&upstream(422)), "caller_invalid_request");
        assert_eq!(
            error_type(&BifrostError::new(ErrorKind::Timeout, "t")),
            "provider_timeout"
        );
        assert_eq!(
            error_type(&BifrostError::invalid_request("x")),
            "caller_invalid_request"
        );
    }

    #[test]
    fn key_health() {
        assert!(marks_key_down(Some(500)));
        assert!(marks_key_down(Some(429)));
        assert!(marks_key_down(Some(401)));
        assert!(!marks_key_down(Some(400)));
        assert!(!marks_key_down(Some(404)));
        assert_eq!(fail_reason(Some(429)), "rate_limit_error");
        assert_eq!(fail_reason(Some(401)), "authentication_error");
    }
}
