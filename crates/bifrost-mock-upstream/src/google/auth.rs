//! Credentials of the Google mock.
//!
//! * **Gemini API**: a key in `x-goog-api-key` or `?key=`. None → Google's 403
//!   `PERMISSION_DENIED` ("unregistered callers"); a key starting with `bad` or `invalid` → 400
//!   `INVALID_ARGUMENT` "API key not valid. Please pass a valid API key." (reason
//!   `API_KEY_INVALID`); any other key is accepted.
//! * **Vertex AI**: `Authorization: Bearer <token>` where the token was issued by this mock's
//!   `POST /token`, or an API key in `?key=` (same rules as above). Anything else → 401
//!   `UNAUTHENTICATED`.
//! * **`POST /token`**: the OAuth JWT-bearer grant. The assertion must be an RS256 JWT signed by
//!   the test service account's key (`fixtures/google-test-sa.key.pem`), issued by
//!   [`TEST_CLIENT_EMAIL`], with the `cloud-platform` scope, an `aud` ending in `/token` and at
//!   most an hour of validity. Errors use Google's OAuth shapes (`invalid_grant`, ...).
//!   Tokens are `ya29.mock-<n>.<check>`: stateless, verifiable, distinct per issuance.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::json;

use super::error::{google_error, json_response};

/// The e-mail of the test service account the token endpoint trusts.
pub const TEST_CLIENT_EMAIL: &str = "bifrost-test@bifrost-mock.iam.gserviceaccount.com";
/// Lifetime of issued access tokens, in seconds (Google's usual value).
pub const TOKEN_LIFETIME_SECS: u64 = 3599;

const TEST_PRIVATE_KEY: &str = include_str!("../../fixtures/google-test-sa.key.pem");
const TEST_PUBLIC_KEY: &str = include_str!("../../fixtures/google-test-sa.pub.pem");
const WRONG_PRIVATE_KEY: &str = include_str!("../../fixtures/google-wrong-sa.key.pem");
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn service_account(token_uri: &str, key: &str) -> String {
    json!({
        "type": "service_account",
        "project_id": "bifrost-mock",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": key,
        "client_email": TEST_CLIENT_EMAIL,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    })
    .to_string()
}

/// A service-account key file (JSON) for the account the mock trusts, with `token_uri`.
pub fn test_service_account_json(token_uri: &str) -> String {
    service_account(token_uri, TEST_PRIVATE_KEY)
}

/// A service-account key file with the right e-mail but a key the mock does not trust.
pub fn wrong_service_account_json(token_uri: &str) -> String {
    service_account(token_uri, WRONG_PRIVATE_KEY)
}

/// Which API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Gemini,
    Vertex,
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

fn api_key_invalid(api: Api) -> Response {
    let service = match api {
        Api::Gemini => "generativelanguage.googleapis.com",
        Api::Vertex => "aiplatform.googleapis.com",
    };
    let message = "API key not valid. Please pass a valid API key.";
    google_error(
        StatusCode::BAD_REQUEST,
        message,
        Some(json!([
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": service}
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message
            }
        ])),
    )
}

fn check_api_key(api: Api, key: &str) -> Option<Response> {
    (key.is_empty() || key.starts_with("bad") || key.starts_with("invalid"))
        .then(|| api_key_invalid(api))
}

fn unauthenticated(reason: Option<&str>) -> Response {
    google_error(
        StatusCode::UNAUTHORIZED,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        reason.map(|r| {
            json!([{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": r,
                "domain": "googleapis.com",
                "metadata": {"service": "aiplatform.googleapis.com", "method": "google.cloud.aiplatform.v1.PredictionService.GenerateContent"}
            }])
        }),
    )
}

/// Checks a request's credentials; `Some(response)` means reject.
pub(crate) fn check(api: Api, headers: &HeaderMap, query: Option<&str>) -> Option<Response> {
    let header_key = headers
        .get("x-goog-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let key = header_key.or_else(|| query_param(query, "key"));
    if let Some(key) = key {
        return check_api_key(api, key);
    }
    match api {
        Api::Gemini => Some(google_error(
            StatusCode::FORBIDDEN,
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            None,
        )),
        Api::Vertex => {
            let bearer = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                });
            match bearer {
                None => Some(unauthenticated(Some("CREDENTIALS_MISSING"))),
                Some(token) if token_is_valid(token.trim()) => None,
                Some(_) => Some(unauthenticated(Some("ACCESS_TOKEN_TYPE_UNSUPPORTED"))),
            }
        }
    }
}

fn check_digits(n: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in n.to_le_bytes().iter().chain(b"bifrost-mock-oauth") {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The access token issued as the `n`-th response of a mock.
pub fn access_token(n: u64) -> String {
    format!("ya29.mock-{n}.{}", check_digits(n))
}

fn token_is_valid(token: &str) -> bool {
    let Some(rest) = token.strip_prefix("ya29.mock-") else {
        return false;
    };
    let Some((n, check)) = rest.split_once('.') else {
        return false;
    };
    n.parse::<u64>().is_ok_and(|n| check_digits(n) == check)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn oauth_error(error: &str, description: &str) -> Response {
    let body = serde_json::to_vec(&json!({"error": error, "error_description": description}))
        .unwrap_or_default();
    json_response(StatusCode::BAD_REQUEST, body)
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    #[serde(default)]
    scope: String,
    aud: String,
    iat: u64,
    exp: u64,
}

/// `POST /token`: the JWT-bearer grant; `n` numbers the issued token.
pub(crate) fn token_endpoint(body: &[u8], n: u64) -> Response {
    let form = String::from_utf8_lossy(body);
    let param = |name: &str| {
        form.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (percent_decode(k) == name).then(|| percent_decode(v))
        })
    };
    let grant = param("grant_type").unwrap_or_default();
    if grant != JWT_BEARER {
        return oauth_error(
            "unsupported_grant_type",
            &format!("Invalid grant_type: {grant}"),
        );
    }
    let Some(assertion) = param("assertion") else {
        return oauth_error("invalid_request", "Missing required parameter: assertion");
    };
    let Ok(key) = DecodingKey::from_rsa_pem(TEST_PUBLIC_KEY.as_bytes()) else {
        return google_error(StatusCode::INTERNAL_SERVER_ERROR, "mock key unusable", None);
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    let claims = match jsonwebtoken::decode::<Claims>(&assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => {
            use jsonwebtoken::errors::ErrorKind;
            return match e.kind() {
                ErrorKind::ExpiredSignature => oauth_error(
                    "invalid_grant",
                    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
                ),
                ErrorKind::InvalidSignature => {
                    oauth_error("invalid_grant", "Invalid JWT Signature.")
                }
                _ => oauth_error("invalid_grant", &format!("Invalid JWT: {e}")),
            };
        }
    };
    if claims.iss != TEST_CLIENT_EMAIL {
        return oauth_error("invalid_grant", "Invalid grant: account not found");
    }
    if !claims.aud.ends_with("/token") {
        return oauth_error(
            "invalid_grant",
            "Invalid JWT: Failed audience check. The right audience is https://oauth2.googleapis.com/token",
        );
    }
    if !claims.scope.split(' ').any(|s| s == SCOPE) {
        return oauth_error(
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        );
    }
    if claims.exp <= claims.iat || claims.exp - claims.iat > 3600 {
        return oauth_error(
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        );
    }
    let body = serde_json::to_vec(&json!({
        "access_token": access_token(n),
        "expires_in": TOKEN_LIFETIME_SECS,
        "token_type": "Bearer",
    }))
    .unwrap_or_default();
    json_response(StatusCode::OK, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify() {
        assert!(token_is_valid(&access_token(7)));
        assert!(!token_is_valid("ya29.mock-7.0000000000000000"));
        assert!(!token_is_valid("ya29.real"));
    }

    #[test]
    fn form_values_decode() {
        assert_eq!(
            percent_decode("urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"),
            JWT_BEARER
        );
        assert_eq!(percent_decode("a+b%2"), "a b%2");
    }

    #[test]
    fn api_keys_are_checked() {
        let mut h = HeaderMap::new();
        assert_eq!(
            check(Api::Gemini, &h, None).map(|r| r.status()),
            Some(StatusCode::FORBIDDEN)
        );
        h.insert("x-goog-api-key", "bad-key".parse().unwrap());
        assert_eq!(
            check(Api::Gemini, &h, None).map(|r| r.status()),
            Some(StatusCode::BAD_REQUEST)
        );
        assert!(check(Api::Gemini, &HeaderMap::new(), Some("alt=sse&key=good")).is_none());
        assert_eq!(
            check(Api::Vertex, &HeaderMap::new(), None).map(|r| r.status()),
            Some(StatusCode::UNAUTHORIZED)
        );
        let mut v = HeaderMap::new();
        v.insert(
            "authorization",
            format!("Bearer {}", access_token(3)).parse().unwrap(),
        );
        assert!(check(Api::Vertex, &v, None).is_none());
    }
}
