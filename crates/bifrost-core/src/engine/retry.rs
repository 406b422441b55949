//! Retry classification and backoff (Bifrost's semantics).
//!
//! | failure | what happens |
//! |---|---|
//! | network error, timeout, 5xx, garbage body | retry the same key, with backoff |
//! | 429 or a rate-limit message | retry with another key, with backoff |
//! | 401 / 402 / 403 | the key is dead for this request: another key at once, no backoff, no retry spent |
//! | anything else (400, 404, 422, ...) | no retry |

use std::time::Duration;

use crate::error::{BifrostError, ErrorKind};

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Retry on the same key after a backoff.
    SameKey,
    /// Retry on another key after a backoff.
    RotateKey,
    /// The key's credentials failed: never use it again for this request.
    KeyDead,
    /// Do not retry.
    Fatal,
}

/// Substrings that mark a rate-limit error even without a 429 status.
const RATE_LIMIT_PATTERNS: &[&str] = &[
    "rate limit",
    "rate_limit",
    "ratelimit",
    "too many requests",
    "quota exceeded",
    "quota_exceeded",
    "throttl",
    "rate exceeded",
    "requests per minute",
    "tokens per minute",
];

/// Longest `Retry-After` the engine waits before a retry.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// Classifies a failed attempt.
pub fn classify(err: &BifrostError) -> RetryClass {
    match err.kind() {
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::UpstreamDecode => RetryClass::SameKey,
        ErrorKind::Upstream => match err.status() {
            401..=403 => RetryClass::KeyDead,
            429 => RetryClass::RotateKey,
            500..=599 => RetryClass::SameKey,
            _ if mentions_rate_limit(err) => RetryClass::RotateKey,
            _ => RetryClass::Fatal,
        },
        _ => RetryClass::Fatal,
    }
}

fn mentions_rate_limit(err: &BifrostError) -> bool {
    let fields = [Some(err.message()), err.code(), err.error_type()];
    fields.into_iter().flatten().any(|text| {
        let lower = text.to_ascii_lowercase();
        RATE_LIMIT_PATTERNS.iter().any(|p| lower.contains(p))
    })
}

/// Backoff before retry number `retry` (1-based): `min(initial * 2^(retry-1), max)` with
/// ±20 % jitter, never above `max`; a `Retry-After` from the upstream wins when it is longer
/// (capped at [`RETRY_AFTER_CAP`]).
pub fn backoff(
    retry: u32,
    initial: Duration,
    max: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    backoff_with(retry, initial, max, retry_after, fastrand::f64())
}

fn backoff_with(
    retry: u32,
    initial: Duration,
    max: Duration,
    retry_after: Option<Duration>,
    unit: f64,
) -> Duration {
    let exp = retry.saturating_sub(1).min(30);
    let base = initial.saturating_mul(1u32 << exp).min(max);
    let jittered = base.mul_f64(0.8 + 0.4 * unit).min(max);
    match retry_after {
        Some(after) => jittered.max(after.min(RETRY_AFTER_CAP)),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorDetail;

    fn upstream(status: u16, msg: &str) -> BifrostError {
        BifrostError::upstream(
            status,
            ErrorDetail {
                message: msg.into(),
                ..ErrorDetail::default()
            },
        )
    }

    #[test]
    fn classifies_like_bifrost() {
        assert_eq!(classify(&upstream(500, "x")), RetryClass::SameKey);
        assert_eq!(classify(&upstream(503, "x")), RetryClass::SameKey);
        assert_eq!(classify(&upstream(429, "x")), RetryClass::RotateKey);
        assert_eq!(classify(&upstream(401, "x")), RetryClass::KeyDead);
        assert_eq!(classify(&upstream(402, "x")), RetryClass::KeyDead);
        assert_eq!(classify(&upstream(403, "x")), RetryClass::KeyDead);
        assert_eq!(classify(&upstream(400, "bad")), RetryClass::Fatal);
        assert_eq!(classify(&upstream(404, "x")), RetryClass::Fatal);
        assert_eq!(classify(&upstream(422, "x")), RetryClass::Fatal);
        assert_eq!(
            classify(&upstream(400, "Rate limit reached")),
            RetryClass::RotateKey
        );
        assert_eq!(
            classify(&BifrostError::new(ErrorKind::Network, "reset")),
            RetryClass::SameKey
        );
        assert_eq!(
            classify(&BifrostError::invalid_request("x")),
            RetryClass::Fatal
        );
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        let i = Duration::from_millis(500);
        let m = Duration::from_secs(5);
        assert_eq!(backoff_with(1, i, m, None, 0.5), Duration::from_millis(500));
        assert_eq!(
            backoff_with(2, i, m, None, 0.5),
            Duration::from_millis(1000)
        );
        assert_eq!(
            backoff_with(3, i, m, None, 0.5),
            Duration::from_millis(2000)
        );
        assert_eq!(
            backoff_with(10, i, m, None, 1.0),
            m,
            "jitter never exceeds max"
        );
        assert_eq!(backoff_with(1, i, m, None, 0.0), Duration::from_millis(400));
        assert_eq!(
            backoff_with(1, i, m, Some(Duration::from_secs(2)), 0.5),
            Duration::from_secs(2),
            "Retry-After wins when longer"
        );
        assert_eq!(
            backoff_with(1, i, m, Some(Duration::from_secs(3600)), 0.5),
            RETRY_AFTER_CAP
        );
    }
}
