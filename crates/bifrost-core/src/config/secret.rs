//! Secrets that never print, and `env.NAME` references.

use std::fmt;
use std::sync::Arc;

/// A secret string (an API key, a password). `Debug` and `Display` print a mask, never the value.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(Arc<str>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call only where the value is sent to its destination.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A preview safe to show in logs and UIs: the first 4 and last 4 characters of long values,
    /// only asterisks for short ones.
    pub fn masked(&self) -> String {
        mask_secret(&self.0)
    }
}

/// Masks a secret for display: `sk-a************wxyz` for long values, `********` for short ones.
pub fn mask_secret(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 12 {
        return "*".repeat(chars.len().clamp(4, 8));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(8))
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretString({})", self.masked())
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Resolves a config value that may be an `env.NAME` reference.
///
/// Returns `Ok(value)` for a literal, the variable's value for a reference, and an error naming
/// the variable when it is not set.
pub fn resolve_env_ref(value: &str) -> Result<String, String> {
    match value.strip_prefix("env.") {
        Some(name) if !name.is_empty() => {
            std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))
        }
        _ => Ok(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = SecretString::new("sk-proj-abcdefghijklmnop");
        assert_eq!(format!("{s:?}"), "SecretString(sk-p********mnop)");
        assert_eq!(s.to_string(), "sk-p********mnop");
        assert_eq!(SecretString::new("short").masked(), "*****");
    }

    #[test]
    fn env_refs_resolve() {
        assert_eq!(resolve_env_ref("plain").unwrap(), "plain");
        assert!(
            resolve_env_ref("env.BIFROST_TEST_SURELY_UNSET_VAR")
                .unwrap_err()
                .contains("not set")
        );
        let path = resolve_env_ref("env.PATH").unwrap();
        assert!(!path.is_empty());
    }
}
