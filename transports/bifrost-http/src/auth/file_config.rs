//! The `auth_config` section of `config.json` (top level, or `governance.auth_config`).
//!
//! ```json
//! "auth_config": {"admin_username": "admin", "admin_password": "env.BIFROST_ADMIN_PASSWORD",
//!   "is_enabled": true, "disable_auth_on_inference": false}
//! ```

use bifrost_core::config::{ConfigFile, resolve_env_ref};
use serde::Deserialize;
use serde_json::Value;

/// Environment variable that supplies the first-run setup token (else one is generated).
pub const SETUP_TOKEN_ENV: &str = "BIFROST_SETUP_TOKEN";

/// `auth_config` as written in the file, with `env.` references resolved.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuthFileConfig {
    /// Admin login name.
    #[serde(default)]
    pub admin_username: Option<String>,
    /// Admin password in plaintext (or `env.NAME`); hashed before it is stored.
    #[serde(default)]
    pub admin_password: Option<String>,
    /// Whether credentials are required (default false, as in Bifrost).
    #[serde(default)]
    pub is_enabled: bool,
    /// Leaves inference routes open while the admin routes need credentials.
    #[serde(default)]
    pub disable_auth_on_inference: bool,
    /// First-run setup token (else `BIFROST_SETUP_TOKEN`, else generated at start-up).
    #[serde(default)]
    pub setup_token: Option<String>,
}

impl std::fmt::Debug for AuthFileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthFileConfig")
            .field("admin_username", &self.admin_username)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "********"),
            )
            .field("is_enabled", &self.is_enabled)
            .field("disable_auth_on_inference", &self.disable_auth_on_inference)
            .field(
                "setup_token",
                &self.setup_token.as_ref().map(|_| "********"),
            )
            .finish()
    }
}

impl AuthFileConfig {
    /// Reads `auth_config` (or `governance.auth_config`) from `file`; `Ok(None)` when absent.
    /// The error names the JSON path at fault.
    pub fn from_file(file: &ConfigFile) -> Result<Option<Self>, (String, String)> {
        let (path, section) = match file.extra.get("auth_config") {
            Some(v) if !v.is_null() => ("auth_config", v),
            _ => match file
                .extra
                .get("governance")
                .and_then(|g| g.get("auth_config"))
            {
                Some(v) if !v.is_null() => ("governance.auth_config", v),
                _ => return Ok(None),
            },
        };
        let mut cfg: Self = serde_path_to_error::deserialize(section.clone()).map_err(|e| {
            let p = e.path().to_string();
            (
                if p == "." {
                    path.to_owned()
                } else {
                    format!("{path}.{p}")
                },
                e.into_inner().to_string(),
            )
        })?;
        for (field, value) in [
            ("admin_username", &mut cfg.admin_username),
            ("admin_password", &mut cfg.admin_password),
            ("setup_token", &mut cfg.setup_token),
        ] {
            if let Some(v) = value.as_deref() {
                let resolved =
                    resolve_env_ref(v).map_err(|e| (format!("{path}.{field}"), e.to_string()))?;
                *value = Some(resolved).filter(|s| !s.is_empty());
            }
        }
        Ok(Some(cfg))
    }

    /// Username and password, when both are set.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        match (
            self.admin_username.as_deref(),
            self.admin_password.as_deref(),
        ) {
            (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => Some((u, p)),
            _ => None,
        }
    }

    /// The text that identifies this section's credentials and switches: what the stored
    /// `seed_digest` is a hash of.
    pub fn seed_material(&self) -> String {
        Value::Array(vec![
            Value::from(self.admin_username.clone().unwrap_or_default()),
            Value::from(self.admin_password.clone().unwrap_or_default()),
            Value::from(self.is_enabled),
            Value::from(self.disable_auth_on_inference),
        ])
        .to_string()
    }
}
