//! `/api/session/*`: login, logout, whether auth is on, and first-run setup.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bifrost_core::{BifrostError, ErrorKind};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use serde_json::json;

use super::SESSION_COOKIE;
use super::middleware::{authenticated, session_token, unauthorized};
use super::password::hash_password_async;
use super::state::{Admin, SESSION_TTL};
use crate::error::ApiError;
use crate::state::AppState;

/// Header carrying the first-run setup token.
pub const SETUP_TOKEN_HEADER: &str = "x-bifrost-setup-token";

/// Shortest accepted admin password.
pub const MIN_PASSWORD_LEN: usize = 8;

fn json_ok(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError(BifrostError::invalid_request(message))
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError(BifrostError::internal(e.to_string()))
}

async fn body_of<T: serde::de::DeserializeOwned>(
    state: &AppState,
    req: Request,
) -> Result<(HeaderMap, T), ApiError> {
    let (parts, body) = req.into_parts();
    crate::body::check_content_type(&parts.headers)?;
    let bytes = crate::body::read_body(&parts.headers, body, state.body_limit).await?;
    Ok((parts.headers, crate::body::parse_json(&bytes)?))
}

fn session_cookie(token: &str, max_age: u64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("token=; Path=/; Max-Age=0"))
}

fn with_cookie(mut resp: Response, cookie: HeaderValue) -> Response {
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    resp
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// `POST /api/session/login` `{"username","password"}` -> `{"message","token"}`, and the token
/// as the `token` cookie.
pub async fn login(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match login_inner(&state, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn login_inner(state: &AppState, req: Request) -> Result<Response, ApiError> {
    let (_, body): (_, Login) = body_of(state, req).await?;
    let auth = &state.auth;
    if auth.admin().is_none() {
        return Err(bad_request(
            "no admin account is configured: set auth_config in config.json or use POST /api/session/setup",
        ));
    }
    if !auth.check_password(&body.username, &body.password).await {
        return Ok(unauthorized("invalid username or password"));
    }
    let token = auth.create_session().await.map_err(internal)?;
    let resp = json_ok(
        StatusCode::OK,
        json!({"message": "Login successful", "token": token}),
    );
    Ok(with_cookie(
        resp,
        session_cookie(&token, SESSION_TTL.as_secs()),
    ))
}

/// `POST /api/session/logout`: ends the session the request carries and clears the cookie.
pub async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(e) = state.auth.end_session(&token).await
    {
        return internal(e).into_response();
    }
    with_cookie(
        json_ok(StatusCode::OK, json!({"message": "Logout successful"})),
        session_cookie("", 0),
    )
}

/// `GET /api/session/is-auth-enabled` -> `{"is_auth_enabled","has_valid_token","setup_required"}`.
pub async fn is_auth_enabled(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let auth = &state.auth;
    let enabled = auth.is_enabled();
    let valid = enabled && authenticated(auth, &headers).await;
    json_ok(
        StatusCode::OK,
        json!({
            "is_auth_enabled": enabled,
            "has_valid_token": valid,
            "setup_required": auth.admin().is_none(),
        }),
    )
}

#[derive(Deserialize)]
struct Setup {
    admin_username: String,
    admin_password: String,
    #[serde(default)]
    disable_auth_on_inference: bool,
    #[serde(default)]
    setup_token: Option<String>,
}

/// `POST /api/session/setup`: first-run creation of the admin account. Needs the setup token
/// printed at start-up (header `X-Bifrost-Setup-Token` or body `setup_token`) and works only
/// while no admin account exists. Turns auth on and answers like login.
pub async fn setup(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match setup_inner(&state, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn setup_inner(state: &AppState, req: Request) -> Result<Response, ApiError> {
    let (headers, body): (_, Setup) = body_of(state, req).await?;
    let auth = &state.auth;
    if auth.admin().is_some() {
        return Err(ApiError(
            BifrostError::new(
                ErrorKind::InvalidRequest,
                "an admin account already exists; change it with PUT /api/config (auth_config)",
            )
            .with_status(409)
            .with_code("already_configured"),
        ));
    }
    let offered = headers
        .get(SETUP_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(body.setup_token.clone())
        .unwrap_or_default();
    let username = body.admin_username.trim().to_owned();
    if username.is_empty() {
        return Err(bad_request("admin_username must not be empty").map_param("admin_username"));
    }
    if body.admin_password.chars().count() < MIN_PASSWORD_LEN {
        return Err(bad_request(format!(
            "admin_password must be at least {MIN_PASSWORD_LEN} characters"
        ))
        .map_param("admin_password"));
    }
    if offered.is_empty() || !auth.take_setup_token(&offered) {
        return Ok(unauthorized(
            "a valid setup token is required (X-Bifrost-Setup-Token; printed in the start-up log)",
        ));
    }
    let result = async {
        let hash = hash_password_async(body.admin_password.clone()).await?;
        auth.set_admin(Admin {
            username,
            password_hash: hash,
            is_enabled: true,
            disable_auth_on_inference: body.disable_auth_on_inference,
        })
        .await?;
        auth.create_session().await
    }
    .await;
    match result {
        Ok(token) => {
            tracing::info!("admin account created with the setup token; authentication is on");
            let resp = json_ok(
                StatusCode::OK,
                json!({"message": "Admin account created", "token": token}),
            );
            Ok(with_cookie(
                resp,
                session_cookie(&token, SESSION_TTL.as_secs()),
            ))
        }
        Err(e) => {
            auth.restore_setup_token(offered);
            Err(internal(e))
        }
    }
}

trait WithParam {
    fn map_param(self, param: &str) -> Self;
}

impl WithParam for ApiError {
    fn map_param(self, param: &str) -> Self {
        ApiError(self.0.with_param(param))
    }
}
