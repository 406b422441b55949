//! Content hashes of `config.json` entries, which tell seeding whether a file entry changed.
//!
//! The hash covers the entry's canonical JSON (object keys sorted at every level), so key order
//! and whitespace in the file do not matter. With an encryption key the hash is an HMAC keyed
//! from it (`hmac:` prefix), so the hash of an entry that holds a secret is no oracle for that
//! secret; without one it is a plain SHA-256 (`sha256:` prefix). A stored hash is compared in
//! its own scheme, so turning encryption on does not make every file entry look changed.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::crypto::{Cipher, hex};
use crate::error::StoreResult;

/// `value` as JSON with object keys sorted at every level.
pub(crate) fn canonical_json<T: Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    Ok(serde_json::to_string(&sorted(serde_json::to_value(
        value,
    )?))?)
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k, sorted(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The hash to store for `value` now.
pub(crate) fn content_hash<T: Serialize + ?Sized>(
    value: &T,
    cipher: Option<&Cipher>,
) -> StoreResult<String> {
    let json = canonical_json(value)?;
    Ok(match cipher {
        Some(c) => format!("hmac:{}", c.mac_hex(json.as_bytes())),
        None => format!("sha256:{}", hex(&Sha256::digest(json.as_bytes()))),
    })
}

/// True when `stored` is the hash of `value` (in whichever scheme `stored` was made).
pub(crate) fn hash_matches<T: Serialize + ?Sized>(
    stored: &str,
    value: &T,
    cipher: Option<&Cipher>,
) -> StoreResult<bool> {
    let json = canonical_json(value)?;
    Ok(if let Some(h) = stored.strip_prefix("sha256:") {
        h == hex(&Sha256::digest(json.as_bytes()))
    } else if let (Some(h), Some(c)) = (stored.strip_prefix("hmac:"), cipher) {
        h == c.mac_hex(json.as_bytes())
    } else {
        false
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_does_not_matter() {
        let a = json!({"b": 1, "a": {"y": [1, {"q": 1, "p": 2}], "x": null}});
        let b = json!({"a": {"x": null, "y": [1, {"p": 2, "q": 1}]}, "b": 1});
        assert_eq!(
            content_hash(&a, None).unwrap(),
            content_hash(&b, None).unwrap()
        );
        assert_ne!(
            content_hash(&a, None).unwrap(),
            content_hash(&json!({"b": 2}), None).unwrap()
        );
    }

    #[test]
    fn schemes_are_checked_in_their_own_terms() {
        let c = Cipher::derive("pw", &[3u8; 16]).unwrap();
        let v = json!({"value": "sk-1"});
        let plain = content_hash(&v, None).unwrap();
        let keyed = content_hash(&v, Some(&c)).unwrap();
        assert!(plain.starts_with("sha256:") && keyed.starts_with("hmac:"));
        assert!(hash_matches(&plain, &v, Some(&c)).unwrap());
        assert!(hash_matches(&keyed, &v, Some(&c)).unwrap());
        assert!(!hash_matches(&keyed, &v, None).unwrap());
        assert!(!hash_matches(&keyed, &json!({"value": "sk-2"}), Some(&c)).unwrap());
    }
}
