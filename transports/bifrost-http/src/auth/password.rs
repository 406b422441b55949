//! Password hashing: Argon2id with a random salt, stored as a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// Length of the derived hash, in bytes.
const HASH_LEN: usize = 32;
/// Length of the random salt, in bytes.
const SALT_LEN: usize = 16;

/// Why hashing failed (the random source or the parameters; never the password).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl HashError {
    /// An error with `message`.
    pub fn from_message(message: String) -> Self {
        Self(message)
    }
}

fn argon(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with Argon2id (OWASP baseline: 19 MiB, 2 passes, 1 lane).
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| HashError(e.to_string()))?;
    let params = Params::default();
    let mut out = [0u8; HASH_LEN];
    argon(params.clone())
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

/// True when `password` matches the PHC string `phc` written by [`hash_password`]. A
/// malformed `phc` never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let parts: Vec<&str> = phc.split('$').collect();
    let ["", "argon2id", "v=19", params, salt, hash] = parts.as_slice() else {
        return false;
    };
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in params.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse::<u32>().ok(),
            Some(("t", v)) => t = v.parse::<u32>().ok(),
            Some(("p", v)) => p = v.parse::<u32>().ok(),
            _ => return false,
        }
    }
    let (Some(m), Some(t), Some(p)) = (m, t, p) else {
        return false;
    };
    let (Ok(salt), Ok(expected)) = (STANDARD_NO_PAD.decode(salt), STANDARD_NO_PAD.decode(hash))
    else {
        return false;
    };
    let Ok(params) = Params::new(m, t, p, Some(expected.len())) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if argon(params)
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .is_err()
    {
        return false;
    }
    constant_time_eq(&out, &expected)
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hashes on the blocking pool (Argon2id takes tens of milliseconds).
pub async fn hash_password_async(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| HashError(e.to_string()))?
}

/// Verifies on the blocking pool.
pub async fn verify_password_async(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(verify_password("correct horse", &a));
        assert!(verify_password("correct horse", &b));
        assert!(!verify_password("correct horsf", &a));
        assert!(!verify_password("correct horse", "not-a-hash"));
        assert!(!verify_password("correct horse", "$argon2id$v=19$m=x$a$b"));
    }
}
