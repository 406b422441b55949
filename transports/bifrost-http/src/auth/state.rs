//! The live authentication state: the admin account, sessions, the whitelist and the first-run
//! setup token.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use bifrost_framework::{AdminCredentials, ConfigStore, StoreError};
use sha2::{Digest, Sha256};

use super::file_config::{AuthFileConfig, SETUP_TOKEN_ENV};
use super::password::{self, constant_time_eq};

/// How long a login session lasts (Bifrost: 30 days).
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The admin account as the gateway applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    /// Login name.
    pub username: String,
    /// Argon2id PHC string of the password.
    pub password_hash: String,
    /// Whether credentials are required.
    pub is_enabled: bool,
    /// Leaves inference routes open.
    pub disable_auth_on_inference: bool,
}

impl From<AdminCredentials> for Admin {
    fn from(c: AdminCredentials) -> Self {
        Self {
            username: c.admin_username,
            password_hash: c.password_hash,
            is_enabled: c.is_enabled,
            disable_auth_on_inference: c.disable_auth_on_inference,
        }
    }
}

/// Why an auth operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The config store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

/// Authentication of the gateway's own routes. Cheap to share.
pub struct AuthState {
    admin: ArcSwap<Option<Admin>>,
    whitelist: ArcSwap<Vec<String>>,
    /// Session token hash -> expiry (Unix ms), for sessions issued or seen by this process.
    sessions: Mutex<HashMap<String, i64>>,
    /// SHA-256 of `user:pass` pairs that verified against the current password hash, so Basic
    /// auth pays for Argon2 once per credential, not once per request.
    verified: Mutex<HashSet<[u8; 32]>>,
    store: Option<Arc<dyn ConfigStore>>,
    setup_token: Mutex<Option<String>>,
    /// Bounds the Argon2 verifications running at once, so a flood of wrong passwords costs at
    /// most this many cores.
    verifying: tokio::sync::Semaphore,
}

/// Argon2 verifications allowed at once.
const MAX_CONCURRENT_VERIFICATIONS: usize = 2;

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let admin = self.admin.load();
        f.debug_struct("AuthState")
            .field("configured", &admin.is_some())
            .field(
                "enabled",
                &admin.as_ref().as_ref().is_some_and(|a| a.is_enabled),
            )
            .field("whitelist", &self.whitelist.load())
            .finish()
    }
}

/// SHA-256 of `s`, hex.
pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A random token of 32 bytes, hex.
pub fn random_token() -> Result<String, password::HashError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| password::HashError::from_message(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

impl AuthState {
    /// State with `admin` (none: no credentials configured), `whitelisted_routes` and an
    /// optional store for sessions and credential changes.
    pub fn new(
        admin: Option<Admin>,
        whitelist: Vec<String>,
        store: Option<Arc<dyn ConfigStore>>,
    ) -> Self {
        Self {
            admin: ArcSwap::from_pointee(admin),
            whitelist: ArcSwap::from_pointee(whitelist),
            sessions: Mutex::new(HashMap::new()),
            verified: Mutex::new(HashSet::new()),
            store,
            setup_token: Mutex::new(None),
            verifying: tokio::sync::Semaphore::new(MAX_CONCURRENT_VERIFICATIONS),
        }
    }

    /// No credentials and no store: everything open.
    pub fn open() -> Self {
        Self::new(None, Vec::new(), None)
    }

    /// The admin account applied now.
    pub fn admin(&self) -> Option<Admin> {
        self.admin.load().as_ref().clone()
    }

    /// True when requests must carry credentials.
    pub fn is_enabled(&self) -> bool {
        self.admin
            .load()
            .as_ref()
            .as_ref()
            .is_some_and(|a| a.is_enabled)
    }

    /// True when inference routes need credentials too.
    pub fn guards_inference(&self) -> bool {
        self.admin
            .load()
            .as_ref()
            .as_ref()
            .is_some_and(|a| a.is_enabled && !a.disable_auth_on_inference)
    }

    /// Replaces `client.whitelisted_routes`.
    pub fn set_whitelist(&self, routes: Vec<String>) {
        self.whitelist.store(Arc::new(routes));
    }

    /// True when `path` is whitelisted (a trailing `*` matches any suffix).
    pub fn is_whitelisted(&self, path: &str) -> bool {
        self.whitelist
            .load()
            .iter()
            .any(|r| match r.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => r == path,
            })
    }

    /// Applies a new admin account, stores it when there is a store, and ends every session.
    pub async fn set_admin(&self, admin: Admin) -> Result<(), AuthError> {
        if let Some(store) = &self.store {
            store
                .set_admin_credentials(&AdminCredentials {
                    admin_username: admin.username.clone(),
                    password_hash: admin.password_hash.clone(),
                    is_enabled: admin.is_enabled,
                    disable_auth_on_inference: admin.disable_auth_on_inference,
                    seed_digest: None,
                })
                .await?;
            store.delete_all_sessions().await?;
        }
        self.replace_admin(Some(admin));
        Ok(())
    }

    /// Applies `admin` in memory and forgets sessions and verified credentials.
    pub(crate) fn replace_admin(&self, admin: Option<Admin>) {
        self.admin.store(Arc::new(admin));
        self.lock_sessions().clear();
        self.lock_verified().clear();
    }

    fn lock_sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_verified(&self) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
        self.verified.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True when `username`/`password` are the admin's.
    pub async fn check_password(&self, username: &str, password: &str) -> bool {
        let Some(admin) = self.admin() else {
            return false;
        };
        if !constant_time_eq(username.as_bytes(), admin.username.as_bytes()) {
            return false;
        }
        let fingerprint: [u8; 32] =
            Sha256::digest(format!("{username}:{password}:{}", admin.password_hash)).into();
        if self.lock_verified().contains(&fingerprint) {
            return true;
        }
        let Ok(_permit) = self.verifying.acquire().await else {
            return false;
        };
        let ok =
            password::verify_password_async(password.to_owned(), admin.password_hash.clone()).await;
        if ok && self.admin().as_ref() == Some(&admin) {
            self.lock_verified().insert(fingerprint);
        }
        ok
    }

    /// Starts a session; returns its token.
    pub async fn create_session(&self) -> Result<String, AuthError> {
        let token = random_token()?;
        let hash = sha256_hex(&token);
        let ttl = i64::try_from(SESSION_TTL.as_millis()).unwrap_or(i64::MAX);
        let expires = now_ms().saturating_add(ttl);
        if let Some(store) = &self.store {
            let _ = store.delete_expired_sessions(now_ms()).await;
            store.create_session(&hash, expires).await?;
        }
        self.lock_sessions().insert(hash, expires);
        Ok(token)
    }

    /// True when `token` is a live session (looked up in memory, then in the store).
    pub async fn check_session(&self, token: &str) -> bool {
        let hash = sha256_hex(token);
        let now = now_ms();
        let cached = self.lock_sessions().get(&hash).copied();
        match cached {
            Some(exp) if exp > now => return true,
            Some(_) => {
                self.lock_sessions().remove(&hash);
                return false;
            }
            None => {}
        }
        let Some(store) = &self.store else {
            return false;
        };
        match store.session_expires_at(&hash).await {
            Ok(Some(exp)) if exp > now => {
                self.lock_sessions().insert(hash, exp);
                true
            }
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "session lookup failed");
                false
            }
        }
    }

    /// Ends a session.
    pub async fn end_session(&self, token: &str) -> Result<(), AuthError> {
        let hash = sha256_hex(token);
        self.lock_sessions().remove(&hash);
        if let Some(store) = &self.store {
            store.delete_session(&hash).await?;
        }
        Ok(())
    }

    /// Sets the one-time setup token (while no admin is configured).
    pub fn set_setup_token(&self, token: Option<String>) {
        *self.setup_token.lock().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// Consumes the setup token when `offered` matches it.
    pub fn take_setup_token(&self, offered: &str) -> bool {
        let mut guard = self.setup_token.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_deref() {
            Some(t) if constant_time_eq(t.as_bytes(), offered.as_bytes()) => {
                *guard = None;
                true
            }
            _ => false,
        }
    }

    /// Puts a setup token back (when applying the credentials it was taken for failed).
    pub fn restore_setup_token(&self, token: String) {
        let mut guard = self.setup_token.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(token);
        }
    }
}

/// Builds the admin account at start-up from `auth_config` and the store.
///
/// With a store: file credentials seed the store when the section changed since the last seed
/// (`seed_digest`), otherwise the stored account (with any change made through the API) is
/// kept; without file credentials the stored account applies. Without a store the file's
/// account applies (hashed in memory).
pub async fn resolve_admin(
    file: Option<&AuthFileConfig>,
    store: Option<&Arc<dyn ConfigStore>>,
) -> Result<(Option<Admin>, AdminSource), AuthError> {
    let file_creds = file.and_then(|f| f.credentials().map(|c| (f, c)));
    let Some(store) = store else {
        return Ok(match file_creds {
            Some((f, (user, pass))) => (
                Some(Admin {
                    username: user.to_owned(),
                    password_hash: password::hash_password_async(pass.to_owned()).await?,
                    is_enabled: f.is_enabled,
                    disable_auth_on_inference: f.disable_auth_on_inference,
                }),
                AdminSource::File,
            ),
            None => (None, AdminSource::None),
        });
    };
    let stored = store.get_admin_credentials().await?;
    let Some((f, (user, pass))) = file_creds else {
        return Ok(match stored {
            Some(s) => (Some(s.into()), AdminSource::Store),
            None => (None, AdminSource::None),
        });
    };
    let material = f.seed_material();
    if let Some(s) = &stored
        && let Some(digest) = &s.seed_digest
        && password::verify_password_async(material.clone(), digest.clone()).await
    {
        return Ok((stored.map(Admin::from), AdminSource::Store));
    }
    let creds = AdminCredentials {
        admin_username: user.to_owned(),
        password_hash: password::hash_password_async(pass.to_owned()).await?,
        is_enabled: f.is_enabled,
        disable_auth_on_inference: f.disable_auth_on_inference,
        seed_digest: Some(password::hash_password_async(material).await?),
    };
    store.set_admin_credentials(&creds).await?;
    if stored.is_some() {
        store.delete_all_sessions().await?;
    }
    Ok((Some(creds.into()), AdminSource::FileSeeded))
}

/// Where the admin account applied at start-up came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSource {
    /// No account configured.
    None,
    /// `auth_config` in the file (no store).
    File,
    /// `auth_config` in the file, written to the store now (new or changed).
    FileSeeded,
    /// The store (set earlier, possibly through the API).
    Store,
}

/// The setup token for a first run: `auth_config.setup_token`, else `BIFROST_SETUP_TOKEN`,
/// else a random one.
pub fn first_run_setup_token(file: Option<&AuthFileConfig>) -> Result<String, password::HashError> {
    if let Some(t) = file.and_then(|f| f.setup_token.clone()) {
        return Ok(t);
    }
    if let Ok(t) = std::env::var(SETUP_TOKEN_ENV)
        && !t.is_empty()
    {
        return Ok(t);
    }
    random_token()
}
