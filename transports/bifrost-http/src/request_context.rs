//! Building a [`RequestContext`] from the caller's headers.

use bifrost_core::config::HeaderFilterConfig;
use bifrost_core::{BifrostError, KeyPin, RequestContext};
use http::{HeaderMap, HeaderName, HeaderValue};

/// Prefix of headers forwarded upstream (`x-bf-eh-<name>: value` sends `<name>: value`).
const EXTRA_HEADER_PREFIX: &str = "x-bf-eh-";

/// Headers that `x-bf-eh-*` may never set: credentials and framing are the gateway's.
const NEVER_FORWARDED: &[&str] = &[
    "authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "cookie",
    "proxy-authorization",
];

/// Longest caller-supplied request id that is kept.
const MAX_REQUEST_ID_LEN: usize = 128;

/// The request id: the caller's `x-request-id` when it is sane, else a new UUID.
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_REQUEST_ID_LEN
                && id.bytes().all(|b| b.is_ascii_graphic())
                && id.bytes().any(|b| b != b'0')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Builds the context of one inference request, identified by `request_id` (see
/// [`request_id`]). Fails when a required header is missing.
pub fn build(
    headers: HeaderMap,
    request_id: String,
    filter: Option<&HeaderFilterConfig>,
    required: &[String],
) -> Result<RequestContext, BifrostError> {
    for name in required {
        if header_str(&headers, name).is_none() {
            return Err(BifrostError::invalid_request(format!(
                "missing required header {name:?} (client.required_headers)"
            ))
            .with_code("missing_required_header"));
        }
    }
    let mut ctx = RequestContext::new(request_id);
    ctx.key_pin = header_str(&headers, "x-bf-api-key-id")
        .map(|id| KeyPin::Id(id.to_owned()))
        .or_else(|| header_str(&headers, "x-bf-api-key").map(|n| KeyPin::Name(n.to_owned())));
    ctx.send_back_raw_response = header_str(&headers, "x-bf-send-back-raw-response")
        .map(|v| v.eq_ignore_ascii_case("true") || v == "1");
    for (name, value) in &headers {
        let Some(forwarded) = name.as_str().strip_prefix(EXTRA_HEADER_PREFIX) else {
            continue;
        };
        if forwarded.is_empty()
            || NEVER_FORWARDED.contains(&forwarded)
            || filter.is_some_and(|f| !f.allows(forwarded))
        {
            continue;
        }
        if let Ok(n) = HeaderName::from_bytes(forwarded.as_bytes()) {
            ctx.extra_headers.push((n, HeaderValue::clone(value)));
        }
    }
    ctx.headers = headers;
    Ok(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn keeps_a_sane_caller_request_id() {
        assert_eq!(
            request_id(&headers(&[("x-request-id", "abc-123")])),
            "abc-123"
        );
        let generated = request_id(&headers(&[(
            "x-request-id",
            "00000000000000000000000000000000",
        )]));
        assert_eq!(generated.len(), 36);
        assert_eq!(request_id(&HeaderMap::new()).len(), 36);
    }

    #[test]
    fn pins_and_extra_headers() {
        let h = headers(&[
            ("x-bf-api-key", "k1"),
            ("x-bf-eh-openai-organization", "org-1"),
            ("x-bf-eh-authorization", "Bearer stolen"),
            ("x-bf-eh-x-trace", "t"),
        ]);
        let filter = HeaderFilterConfig {
            allowlist: vec![],
            denylist: vec!["x-trace".into()],
        };
        let ctx = build(h, "req-1".to_owned(), Some(&filter), &[]).unwrap();
        assert_eq!(ctx.request_id, "req-1");
        assert_eq!(ctx.key_pin, Some(KeyPin::Name("k1".into())));
        let names: Vec<&str> = ctx.extra_headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["openai-organization"]);
        let id_pin = build(
            headers(&[("x-bf-api-key", "k1"), ("x-bf-api-key-id", "id-9")]),
            "req-2".to_owned(),
            None,
            &[],
        )
        .unwrap();
        assert_eq!(id_pin.key_pin, Some(KeyPin::Id("id-9".into())));
    }

    #[test]
    fn required_headers_are_enforced() {
        let err = build(
            HeaderMap::new(),
            String::new(),
            None,
            &["x-team".to_owned()],
        )
        .unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("x-team"));
    }
}
