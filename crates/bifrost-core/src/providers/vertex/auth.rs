//! OAuth 2.0 access tokens for a Google service account (the JWT-bearer grant, RFC 7523).
//!
//! A JWT signed with the account's private key (RS256; `iss` = `client_email`, `scope` =
//! `https://www.googleapis.com/auth/cloud-platform`, `aud` = the account's `token_uri`, one hour
//! of validity) is exchanged at `token_uri` for an access token. The token is cached and replaced
//! [`REFRESH_EARLY`] before it expires; concurrent requests that find it stale share a single
//! refresh. Expiry is measured on tokio's clock, so tests can move time forward.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::config::{SecretString, resolve_env_ref};
use crate::error::{BifrostError, ErrorDetail, ErrorKind};
use crate::providers::common::upstream_error::{decode_error, excerpt, network_error};

/// The OAuth scope requested for Vertex AI.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Google's token endpoint, when the credentials name none.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// How long before expiry a token is replaced.
pub const REFRESH_EARLY: Duration = Duration::from_secs(5 * 60);

/// Lifetime of the signed assertion (Google's maximum).
const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// The fields of a service-account key file that are used.
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    /// `service_account`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The account's e-mail (the JWT issuer).
    pub client_email: String,
    /// PEM private key.
    pub private_key: String,
    /// Key id (the JWT `kid`).
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// Token endpoint.
    #[serde(default)]
    pub token_uri: Option<String>,
    /// The account's project.
    #[serde(default)]
    pub project_id: Option<String>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

/// Parses `auth_credentials`: service-account JSON, raw or base64-encoded, or `env.NAME`.
pub fn parse_credentials(value: &str) -> Result<ServiceAccount, String> {
    let value = resolve_env_ref(value)?;
    let trimmed = value.trim();
    let json = if trimmed.starts_with('{') {
        trimmed.as_bytes().to_vec()
    } else {
        let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(&compact))
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
            .map_err(|_| {
                "auth_credentials is neither service-account JSON nor base64 of it".to_owned()
            })?
    };
    let account: ServiceAccount = crate::schemas::from_json_slice(&json)
        .map_err(|e| format!("auth_credentials is not a valid service-account key file: {e}"))?;
    if !account.kind.is_empty() && account.kind != "service_account" {
        return Err(format!(
            "auth_credentials has type {:?}; only \"service_account\" key files are supported",
            account.kind
        ));
    }
    Ok(account)
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

struct Cached {
    token: SecretString,
    expires_at: Instant,
}

/// Access tokens of one service account, cached and refreshed.
pub struct TokenSource {
    account: ServiceAccount,
    key: EncodingKey,
    current: ArcSwapOption<Cached>,
    refresh: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A token source for `account`; fails when its private key is not a valid RSA PEM key.
    pub fn new(account: ServiceAccount) -> Result<Self, String> {
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| format!("auth_credentials.private_key is not an RSA PEM key: {e}"))?;
        Ok(Self {
            account,
            key,
            current: ArcSwapOption::empty(),
            refresh: tokio::sync::Mutex::new(()),
        })
    }

    /// The service account.
    pub fn account(&self) -> &ServiceAccount {
        &self.account
    }

    fn token_uri(&self) -> &str {
        self.account
            .token_uri
            .as_deref()
            .filter(|u| !u.is_empty())
            .unwrap_or(DEFAULT_TOKEN_URI)
    }

    fn fresh(&self) -> Option<SecretString> {
        let cached = self.current.load();
        let cached = cached.as_ref()?;
        (Instant::now() + REFRESH_EARLY < cached.expires_at).then(|| cached.token.clone())
    }

    /// A valid access token: the cached one, or a new one from the token endpoint.
    pub async fn token(
        &self,
        client: &reqwest::Client,
        provider: &str,
    ) -> Result<SecretString, BifrostError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _refreshing = self.refresh.lock().await;
        // Another request may have refreshed while this one waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let (token, lifetime) = self.exchange(client, provider).await?;
        self.current.store(Some(Arc::new(Cached {
            token: token.clone(),
            expires_at: Instant::now() + lifetime,
        })));
        Ok(token)
    }

    /// Forgets `token` (after the API rejected it), so the next request fetches a new one.
    pub fn invalidate(&self, token: &SecretString) {
        let current = self.current.load();
        if current.as_ref().is_some_and(|c| &c.token == token) {
            self.current.store(None);
        }
    }

    /// Signs the JWT assertion.
    pub fn assertion(&self, now_unix: u64) -> Result<String, BifrostError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.account.private_key_id.clone();
        let claims = Claims {
            iss: &self.account.client_email,
            scope: CLOUD_PLATFORM_SCOPE,
            aud: self.token_uri(),
            iat: now_unix,
            exp: now_unix + ASSERTION_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| {
            BifrostError::new(
                ErrorKind::Internal,
                format!("cannot sign the service-account assertion: {e}"),
            )
        })
    }

    async fn exchange(
        &self,
        client: &reqwest::Client,
        provider: &str,
    ) -> Result<(SecretString, Duration), BifrostError> {
        let assertion = self.assertion(crate::providers::gemini::transport::unix_now())?;
        let body = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        );
        let uri = self.token_uri();
        let resp = client
            .post(uri)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| network_error(provider, &e))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| network_error(provider, &e))?;
        if !status.is_success() {
            return Err(self.refused(provider, status.as_u16(), &bytes));
        }
        let parsed: TokenResponse = crate::schemas::from_json_slice(&bytes)
            .map_err(|e| decode_error(provider, "OAuth token response", &bytes, &e.to_string()))?;
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        Ok((SecretString::new(parsed.access_token), lifetime))
    }

    fn refused(&self, provider: &str, status: u16, body: &bytes::Bytes) -> BifrostError {
        let (kind, description) = match crate::schemas::from_json_slice::<TokenError>(body) {
            Ok(e) => (e.error, e.error_description.unwrap_or_default()),
            Err(_) => ("token_error".to_owned(), excerpt(body)),
        };
        BifrostError::upstream(
            status,
            ErrorDetail {
                kind: Some(kind.clone()),
                code: Some(kind),
                message: format!(
                    "{description} ({provider}: the OAuth token endpoint {} refused the service account {})",
                    self.token_uri(),
                    self.account.client_email
                ),
                ..ErrorDetail::default()
            },
        )
        .with_upstream_body(body.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_parse_raw_and_base64() {
        let json = r#"{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n","token_uri":"http://127.0.0.1/token"}"#;
        let a = parse_credentials(json).unwrap();
        assert_eq!(a.client_email, "a@b.iam.gserviceaccount.com");
        let b64 = base64::engine::general_purpose::STANDARD.encode(json);
        let b = parse_credentials(&b64).unwrap();
        assert_eq!(b.token_uri.as_deref(), Some("http://127.0.0.1/token"));
        let err =
            parse_credentials(r#"{"type":"authorized_user","client_email":"x","private_key":"y"}"#)
                .unwrap_err();
        assert!(err.contains("authorized_user"), "{err}");
        assert!(parse_credentials("not json at all!").is_err());
        assert!(
            !format!("{a:?}").contains("PRIVATE"),
            "Debug never prints the key"
        );
    }
}
