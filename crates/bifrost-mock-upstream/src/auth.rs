//! API-key checks.
//!
//! A request without any credentials is accepted (so keyless
//! OpenAI-compatible providers such as Ollama work against the mock). When
//! credentials are present they must be `Authorization: Bearer <key>` (an
//! Azure-style `api-key` header is accepted too), and the key's prefix selects
//! a failure mode:
//!
//! | prefix                 | status | `code`                                   |
//! |------------------------|--------|------------------------------------------|
//! | `bad`, `invalid`       | 401    | `invalid_api_key`                        |
//! | `noquota`              | 429    | `insufficient_quota`                     |
//! | `ratelimited`          | 429    | `rate_limit_exceeded` (+ `Retry-After`)  |
//! | `forbidden`            | 403    | `unsupported_country_region_territory`   |
//! | `payment`              | 402    | `payment_required`                       |

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use crate::error::{ErrorObject, error_response};

/// Checks the request's credentials; `Some(response)` means reject.
pub(crate) fn check(headers: &HeaderMap) -> Option<Response> {
    let key = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let Ok(value) = value.to_str() else {
                return Some(malformed());
            };
            let Some(key) = strip_bearer(value) else {
                return Some(malformed());
            };
            key
        }
        None => match headers.get("api-key").map(|v| v.to_str()) {
            Some(Ok(key)) => key.trim(),
            Some(Err(_)) => return Some(malformed()),
            None => return None,
        },
    };
    if key.is_empty() {
        return Some(malformed());
    }
    classify(key)
}

fn strip_bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
}

fn malformed() -> Response {
    error_response(
        StatusCode::UNAUTHORIZED,
        ErrorObject {
            message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
            kind: "invalid_request_error",
            param: None,
            code: None,
        },
    )
}

/// Masks a key the way OpenAI does in its error messages (keeps a short
/// prefix only).
fn mask(key: &str) -> String {
    let prefix: String = key.chars().take(4).collect();
    format!("{prefix}****")
}

fn classify(key: &str) -> Option<Response> {
    if key.starts_with("bad") || key.starts_with("invalid") {
        let message = format!(
            "Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.",
            mask(key)
        );
        return Some(error_response(
            StatusCode::UNAUTHORIZED,
            ErrorObject {
                message: &message,
                kind: "invalid_request_error",
                param: None,
                code: Some("invalid_api_key"),
            },
        ));
    }
    if key.starts_with("noquota") {
        return Some(error_response(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorObject {
                message: "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
                kind: "insufficient_quota",
                param: None,
                code: Some("insufficient_quota"),
            },
        ));
    }
    if key.starts_with("ratelimited") {
        return Some(error_response(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorObject {
                message: "Rate limit reached for requests. Please try again in 1s.",
                kind: "requests",
                param: None,
                code: Some("rate_limit_exceeded"),
            },
        ));
    }
    if key.starts_with("forbidden") {
        return Some(error_response(
            StatusCode::FORBIDDEN,
            ErrorObject {
                message: "Country, region, or territory not supported",
                kind: "request_forbidden",
                param: None,
                code: Some("unsupported_country_region_territory"),
            },
        ));
    }
    if key.starts_with("payment") {
        return Some(error_response(
            StatusCode::PAYMENT_REQUIRED,
            ErrorObject {
                message: "Payment required: your organization's billing hard limit has been reached.",
                kind: "invalid_request_error",
                param: None,
                code: Some("payment_required"),
            },
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(auth).unwrap_or(HeaderValue::from_static("x")),
        );
        h
    }

    #[test]
    fn missing_credentials_are_accepted() {
        assert!(check(&HeaderMap::new()).is_none());
    }

    #[test]
    fn good_key_is_accepted() {
        assert!(check(&headers("Bearer sk-good")).is_none());
        assert!(check(&headers("bearer sk-good")).is_none());
    }

    #[test]
    fn key_prefixes_select_status() {
        let cases = [
            ("Bearer bad-key", StatusCode::UNAUTHORIZED),
            ("Bearer invalid-key", StatusCode::UNAUTHORIZED),
            ("Bearer noquota-1", StatusCode::TOO_MANY_REQUESTS),
            ("Bearer ratelimited-1", StatusCode::TOO_MANY_REQUESTS),
            ("Bearer forbidden-1", StatusCode::FORBIDDEN),
            ("Bearer payment-1", StatusCode::PAYMENT_REQUIRED),
            ("Basic abc", StatusCode::UNAUTHORIZED),
            ("Bearer ", StatusCode::UNAUTHORIZED),
        ];
        for (auth, status) in cases {
            let resp = check(&headers(auth));
            assert_eq!(resp.map(|r| r.status()), Some(status), "{auth}");
        }
    }

    #[test]
    fn azure_style_header_is_checked() {
        let mut h = HeaderMap::new();
        h.insert("api-key", HeaderValue::from_static("bad-key"));
        assert_eq!(
            check(&h).map(|r| r.status()),
            Some(StatusCode::UNAUTHORIZED)
        );
    }

    #[test]
    fn mask_keeps_prefix() {
        assert_eq!(mask("bad-key-123"), "bad-****");
        assert_eq!(mask("ab"), "ab****");
    }
}
