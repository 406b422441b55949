//! The axum middleware that asks for credentials.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bifrost_core::{BifrostError, ErrorKind};
use http::{HeaderMap, HeaderValue, Method, header};

use super::SESSION_COOKIE;
use super::state::AuthState;
use crate::state::AppState;

/// Routes that never need credentials.
const ALWAYS_OPEN: &[&str] = &[
    "/health",
    "/api/session/login",
    "/api/session/is-auth-enabled",
    "/api/session/setup",
    "/api/oauth/callback",
    "/api/info",
];

/// True for the management routes (always guarded when auth is on).
pub fn is_admin_route(path: &str) -> bool {
    path == "/api"
        || path.starts_with("/api/")
        || path == "/metrics"
        || path == "/ws"
        || path.starts_with("/ws/")
}

/// The 401 answer, in Bifrost's error shape.
pub fn unauthorized(message: &str) -> Response {
    let err = BifrostError::new(ErrorKind::InvalidRequest, message)
        .with_status(401)
        .with_code("unauthorized");
    let mut resp = crate::error::error_response(&err);
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"bifrost\""),
    );
    resp
}

/// The session token a request carries: a Bearer token or the `token` cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(t.trim().to_owned());
    }
    cookie(headers, SESSION_COOKIE)
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn decode_user_pass(b64: &str) -> Option<(String, String)> {
    let bytes = STANDARD.decode(b64.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

/// True when the request carries valid admin credentials or a live session.
pub async fn authenticated(auth: &AuthState, headers: &HeaderMap) -> bool {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(v) = authorization {
        if let Some(b64) = v.strip_prefix("Basic ") {
            return match decode_user_pass(b64) {
                Some((u, p)) => auth.check_password(&u, &p).await,
                None => false,
            };
        }
        if let Some(token) = v.strip_prefix("Bearer ") {
            let token = token.trim();
            if auth.check_session(token).await {
                return true;
            }
            if let Some((u, p)) = decode_user_pass(token)
                && auth.check_password(&u, &p).await
            {
                return true;
            }
        }
    }
    match cookie(headers, SESSION_COOKIE) {
        Some(token) => auth.check_session(&token).await,
        None => false,
    }
}

/// Middleware: lets a request through when auth is off, the route is open, or the request
/// carries valid credentials; answers 401 otherwise.
pub async fn require_auth(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let auth = &state.auth;
    let path = req.uri().path();
    if req.method() == Method::OPTIONS
        || !auth.is_enabled()
        || ALWAYS_OPEN.contains(&path)
        || auth.is_whitelisted(path)
    {
        return next.run(req).await;
    }
    if !is_admin_route(path) && !auth.guards_inference() {
        return next.run(req).await;
    }
    if authenticated(auth, req.headers()).await {
        return next.run(req).await;
    }
    unauthorized(
        "authentication required: send a session token (Authorization: Bearer) or HTTP Basic credentials",
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn routes_and_cookies() {
        assert!(is_admin_route("/api/providers"));
        assert!(is_admin_route("/metrics"));
        assert!(is_admin_route("/ws"));
        assert!(!is_admin_route("/apis"));
        assert!(!is_admin_route("/v1/chat/completions"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; token=abc; b=2"),
        );
        assert_eq!(cookie(&h, "token").as_deref(), Some("abc"));
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer xyz"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("xyz"));
        assert_eq!(
            decode_user_pass("YWRtaW46cGE6c3M="),
            Some(("admin".to_owned(), "pa:ss".to_owned()))
        );
        assert_eq!(decode_user_pass("%%%"), None);
    }

    #[test]
    fn whitelist_matches_exact_paths_and_prefixes() {
        let auth = AuthState::new(None, vec!["/api/version".into(), "/v1/*".into()], None);
        assert!(auth.is_whitelisted("/api/version"));
        assert!(!auth.is_whitelisted("/api/version/x"));
        assert!(auth.is_whitelisted("/v1/chat/completions"));
        assert!(!auth.is_whitelisted("/api/providers"));
    }
}
