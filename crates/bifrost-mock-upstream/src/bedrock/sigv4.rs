//! Verification of AWS SigV4 signatures, by recomputing them with the `aws-sigv4` crate.
//!
//! The mock knows one key pair ([`ACCESS_KEY_ID`], [`SECRET_ACCESS_KEY`]); any session token is
//! accepted (it is part of what is signed). Failures answer like Bedrock Runtime:
//!
//! | problem | status | `x-amzn-errortype` |
//! |---|---|---|
//! | no `Authorization` | 403 | `MissingAuthenticationTokenException` |
//! | unknown access key id | 403 | `UnrecognizedClientException` |
//! | wrong signature (e.g. wrong secret) | 403 | `InvalidSignatureException` |
//! | bearer key starting with `bad` / `invalid` | 403 | `UnrecognizedClientException` |

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::http::request::Parts;

/// The access key id the mock accepts.
pub const ACCESS_KEY_ID: &str = "AKIAMOCKBEDROCK00001";
/// The secret access key of [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "mockSecretAccessKey/For+Bifrost/Tests000";

/// Why a request was rejected: (`x-amzn-errortype`, message).
pub(crate) type AuthFailure = (&'static str, String);

const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const BAD_SIGNATURE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the request's credentials.
pub(crate) fn check(parts: &Parts, body: &[u8]) -> Result<(), AuthFailure> {
    let Some(auth) = header(parts, "authorization") else {
        return Err((
            "MissingAuthenticationTokenException",
            "Missing Authentication Token".to_owned(),
        ));
    };
    if let Some(key) = auth.strip_prefix("Bearer ") {
        let key = key.trim();
        if key.is_empty() || key.starts_with("bad") || key.starts_with("invalid") {
            return Err(("UnrecognizedClientException", INVALID_TOKEN.to_owned()));
        }
        return Ok(());
    }
    let Some(fields) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err((
            "IncompleteSignatureException",
            format!("Authorization header requires 'Credential' parameter. Authorization={auth}"),
        ));
    };
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
    };
    let (Some(credential), Some(signed_headers), Some(signature)) = (
        field("Credential"),
        field("SignedHeaders"),
        field("Signature"),
    ) else {
        return Err((
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'"
                .to_owned(),
        ));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, _date, region, service, "aws4_request"] = scope[..] else {
        return Err((
            "IncompleteSignatureException",
            format!("Credential scope {credential:?} is malformed"),
        ));
    };
    if access_key != ACCESS_KEY_ID {
        return Err(("UnrecognizedClientException", INVALID_TOKEN.to_owned()));
    }
    if service != "bedrock" {
        return Err((
            "InvalidSignatureException",
            "Credential should be scoped to correct service: 'bedrock'. ".to_owned(),
        ));
    }
    let Some(time) = header(parts, "x-amz-date").and_then(parse_amz_date) else {
        return Err((
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_owned(),
        ));
    };
    let token = header(parts, "x-amz-security-token").map(str::to_owned);
    let host = header(parts, "host").unwrap_or("localhost");
    let path = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let uri = format!("http://{host}{path}");
    let headers: Vec<(&str, &str)> = signed_headers
        .split(';')
        .filter(|h| !matches!(*h, "x-amz-date" | "x-amz-security-token"))
        .filter_map(|h| Some((h, header(parts, h)?)))
        .collect();
    let expected = compute(
        Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token, None, "mock"),
        region,
        parts.method.as_str(),
        &uri,
        &headers,
        body,
        time,
    );
    match expected {
        Some(expected) if expected == signature => Ok(()),
        _ => Err(("InvalidSignatureException", BAD_SIGNATURE.to_owned())),
    }
}

fn compute(
    credentials: Credentials,
    region: &str,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Option<String> {
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("bedrock")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .ok()?;
    let request = SignableRequest::new(
        method,
        uri,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .ok()?;
    let (_, signature) = sign(request, &params.into()).ok()?.into_parts();
    Some(signature)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub(crate) fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(4..6)?, num(6..8)?);
    let secs = days * 86_400 + num(9..11)? * 3600 + num(11..13)? * 60 + num(13..15)?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amz_dates() {
        assert_eq!(
            parse_amz_date("20150830T123600Z"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160))
        );
        assert_eq!(parse_amz_date("2015-08-30"), None);
    }
}
