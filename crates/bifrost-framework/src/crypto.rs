//! Secrets at rest: AES-256-GCM with a key derived from the configured passphrase by Argon2id.
//!
//! A stored secret reads `enc:v1:<base64(nonce || ciphertext || tag)>` with a fresh random
//! 96-bit nonce per value. The passphrase (`encryption_key` / `BIFROST_ENCRYPTION_KEY`) is
//! stretched with Argon2id (19 MiB, 2 passes, 1 lane: the OWASP baseline) and a random 16-byte
//! salt kept in the database, so the same passphrase gives different keys in different
//! databases.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{StoreError, StoreResult};

/// Prefix of every encrypted value.
pub const ENCRYPTED_PREFIX: &str = "enc:v1:";

/// Length of the per-database salt, in bytes.
pub(crate) const SALT_LEN: usize = 16;

const NONCE_LEN: usize = 12;

/// True when `value` is in the encrypted format.
pub fn is_encrypted(value: &str) -> bool {
    value.starts_with(ENCRYPTED_PREFIX)
}

/// Encrypts and decrypts secrets with a key derived from a passphrase.
pub struct Cipher {
    aead: Aes256Gcm,
    /// Separate key for content hashes of file rows, so a stored hash reveals nothing about
    /// the secrets it covers.
    mac_key: [u8; 32],
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cipher(..)")
    }
}

impl Cipher {
    /// Derives the key from `passphrase` and the database's `salt` with Argon2id.
    pub fn derive(passphrase: &str, salt: &[u8]) -> StoreResult<Self> {
        if passphrase.is_empty() {
            return Err(StoreError::Invalid(
                "the encryption key is empty".to_owned(),
            ));
        }
        let mut key = [0u8; 32];
        argon2::Argon2::default()
            .hash_password_into(passphrase.as_bytes(), salt, &mut key)
            .map_err(|e| StoreError::Invalid(format!("cannot derive the encryption key: {e}")))?;
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key)
            .map_err(|e| StoreError::Invalid(format!("cannot derive the hash key: {e}")))?;
        mac.update(b"bifrost config hash v1");
        let mac_key: [u8; 32] = mac.finalize().into_bytes().into();
        let aead = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key));
        Ok(Self { aead, mac_key })
    }

    /// Encrypts `plaintext` into the `enc:v1:` format.
    pub fn encrypt(&self, plaintext: &str) -> StoreResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|e| StoreError::Invalid(format!("no randomness for a nonce: {e}")))?;
        let sealed = self
            .aead
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .map_err(|_| StoreError::Invalid("encryption failed".to_owned()))?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(format!("{ENCRYPTED_PREFIX}{}", B64.encode(blob)))
    }

    /// Decrypts a value in the `enc:v1:` format.
    pub fn decrypt(&self, stored: &str) -> StoreResult<String> {
        let body = stored
            .strip_prefix(ENCRYPTED_PREFIX)
            .ok_or_else(|| StoreError::Decrypt("not in the enc:v1 format".to_owned()))?;
        let blob = B64
            .decode(body)
            .map_err(|_| StoreError::Decrypt("invalid base64".to_owned()))?;
        if blob.len() < NONCE_LEN + 16 {
            return Err(StoreError::Decrypt("value too short".to_owned()));
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| StoreError::Decrypt("bad nonce".to_owned()))?;
        let plain = self
            .aead
            .decrypt(&Nonce::from(nonce), sealed)
            .map_err(|_| StoreError::Decrypt("authentication failed".to_owned()))?;
        String::from_utf8(plain).map_err(|_| StoreError::Decrypt("not UTF-8".to_owned()))
    }

    /// Keyed hash (HMAC-SHA-256, hex) of `data`.
    pub(crate) fn mac_hex(&self, data: &[u8]) -> String {
        // HMAC accepts keys of any length; 32 bytes cannot fail.
        let Ok(mut mac) = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.mac_key) else {
            return String::new();
        };
        mac.update(data);
        hex(&mac.finalize().into_bytes())
    }
}

/// A fresh random salt, base64-encoded for the meta table.
pub(crate) fn new_salt() -> StoreResult<String> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt)
        .map_err(|e| StoreError::Invalid(format!("no randomness for a salt: {e}")))?;
    Ok(B64.encode(salt))
}

/// Decodes a salt read from the meta table.
pub(crate) fn decode_salt(stored: &str) -> StoreResult<Vec<u8>> {
    B64.decode(stored)
        .map_err(|_| StoreError::Decrypt("the stored encryption salt is not base64".to_owned()))
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fresh_nonces() {
        let salt = decode_salt(&new_salt().unwrap()).unwrap();
        let c = Cipher::derive("correct horse battery staple", &salt).unwrap();
        let a = c.encrypt("sk-secret-value").unwrap();
        let b = c.encrypt("sk-secret-value").unwrap();
        assert!(a.starts_with(ENCRYPTED_PREFIX));
        assert!(!a.contains("sk-secret-value"));
        assert_ne!(a, b, "every encryption uses a new nonce");
        assert_eq!(c.decrypt(&a).unwrap(), "sk-secret-value");
        assert_eq!(c.decrypt(&b).unwrap(), "sk-secret-value");
    }

    #[test]
    fn wrong_key_or_tampering_fails() {
        let salt = [7u8; SALT_LEN];
        let c = Cipher::derive("one", &salt).unwrap();
        let other = Cipher::derive("two", &salt).unwrap();
        let sealed = c.encrypt("secret").unwrap();
        assert!(matches!(
            other.decrypt(&sealed),
            Err(StoreError::Decrypt(_))
        ));
        // Flip one ciphertext bit: authentication fails.
        let mut blob = B64.decode(&sealed[ENCRYPTED_PREFIX.len()..]).unwrap();
        blob[NONCE_LEN] ^= 1;
        let tampered = format!("{ENCRYPTED_PREFIX}{}", B64.encode(&blob));
        assert!(
            matches!(c.decrypt(&tampered), Err(StoreError::Decrypt(m)) if m == "authentication failed")
        );
        assert!(c.decrypt("plain").is_err());
        // Same passphrase, other salt: another key.
        let c2 = Cipher::derive("one", &[8u8; SALT_LEN]).unwrap();
        assert!(c2.decrypt(&sealed).is_err());
    }

    #[test]
    fn debug_shows_nothing() {
        let c = Cipher::derive("pw", &[1u8; SALT_LEN]).unwrap();
        assert_eq!(format!("{c:?}"), "Cipher(..)");
        assert_eq!(c.mac_hex(b"x").len(), 64);
        assert_eq!(c.mac_hex(b"x"), c.mac_hex(b"x"));
    }
}
