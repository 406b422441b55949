//! Which configuration fields are secrets, how they are shown, and how updates treat masks.
//!
//! Secrets are a key's `value` and the credentials inside its provider-specific blocks
//! ([`KEY_BLOCK_SECRETS`]), and a provider's proxy password. The admin API shows them masked
//! ([`mask_provider`], [`mask_key`]); `env.NAME` references are not secrets and are shown as they
//! are. When a client sends a configuration back, a secret that is empty, absent, or a masked
//! preview keeps the stored value ([`merge_secret`]): a mask is never written as a key.

use std::collections::HashMap;

use bifrost_core::config::{KeyConfig, ProviderConfig, mask_secret};
use serde_json::Value;

use crate::crypto::{Cipher, is_encrypted};
use crate::error::{StoreError, StoreResult};

/// Secret fields inside a key's provider-specific JSON blocks: `(block, field)`.
pub const KEY_BLOCK_SECRETS: &[(&str, &str)] = &[
    ("azure_key_config", "client_secret"),
    ("bedrock_key_config", "access_key"),
    ("bedrock_key_config", "secret_key"),
    ("bedrock_key_config", "session_token"),
    ("vertex_key_config", "auth_credentials"),
];

/// Path of the proxy password inside a provider's configuration.
const PROXY_PASSWORD: &str = "proxy_config.password";

/// True for an `env.NAME` reference (stored and shown as the reference, resolved at use).
pub fn is_env_ref(value: &str) -> bool {
    value
        .strip_prefix("env.")
        .is_some_and(|name| !name.is_empty())
}

/// True when `value` is a masked preview (it contains a run of at least four `*`), such as the
/// `sk-a********wxyz` and `********` forms this crate and Bifrost's UI produce. No API key
/// contains such a run, so these values are never taken for secrets.
pub fn is_masked(value: &str) -> bool {
    value.contains("****")
}

/// How a stored secret is shown by the admin API: empty values and `env.` references as they
/// are, anything else as `mask_secret` (`sk-a********wxyz`, or `********` when short).
pub fn mask_value(value: &str) -> String {
    if value.is_empty() || is_env_ref(value) {
        value.to_owned()
    } else {
        mask_secret(value)
    }
}

/// The value to store for a secret field that a client sent as `incoming` while `stored` is
/// the current value (`None` when there is none).
///
/// - empty, or a masked preview (including exactly `mask_value(stored)`): keep `stored`;
/// - anything else replaces it.
///
/// A masked preview with nothing stored is an error (it would otherwise become the key), and
/// so is a value in the reserved `enc:v1:` format.
pub fn merge_secret(incoming: &str, stored: Option<&str>, field: &str) -> StoreResult<String> {
    let masked =
        is_masked(incoming) || stored.is_some_and(|s| incoming != s && incoming == mask_value(s));
    if incoming.is_empty() {
        return Ok(stored.unwrap_or_default().to_owned());
    }
    if masked {
        return match stored {
            Some(s) if !s.is_empty() => Ok(s.to_owned()),
            _ => Err(StoreError::MaskedSecret {
                field: field.to_owned(),
            }),
        };
    }
    if is_encrypted(incoming) {
        return Err(StoreError::Invalid(format!(
            "{field}: values starting with `enc:v1:` are reserved for encrypted secrets"
        )));
    }
    Ok(incoming.to_owned())
}

/// A copy of `key` with every secret masked for display.
pub fn mask_key(key: &KeyConfig) -> KeyConfig {
    let mut k = key.clone();
    // The closure never fails.
    let _ = visit_key_secrets(&mut k, |_, s| {
        *s = mask_value(s);
        Ok(())
    });
    k
}

/// A copy of `provider` with its proxy password and every key secret masked for display.
pub fn mask_provider(provider: &ProviderConfig) -> ProviderConfig {
    let mut p = provider.clone();
    if let Some(pw) = p.proxy_config.as_mut().and_then(|c| c.password.as_mut()) {
        *pw = mask_value(pw);
    }
    p.keys = p.keys.iter().map(mask_key).collect();
    p
}

/// Calls `f(path, secret)` for every secret string of `key`: `value`, then the fields of
/// [`KEY_BLOCK_SECRETS`] that are present as strings.
pub(crate) fn visit_key_secrets(
    key: &mut KeyConfig,
    mut f: impl FnMut(&str, &mut String) -> StoreResult<()>,
) -> StoreResult<()> {
    f("value", &mut key.value)?;
    for (block, field) in KEY_BLOCK_SECRETS {
        if let Some(Value::Object(map)) = key_block_mut(key, block)
            && let Some(Value::String(s)) = map.get_mut(*field)
        {
            f(&format!("{block}.{field}"), s)?;
        }
    }
    Ok(())
}

/// Calls `f(path, secret)` for the provider-level secrets (the proxy password).
pub(crate) fn visit_provider_secrets(
    provider: &mut ProviderConfig,
    mut f: impl FnMut(&str, &mut String) -> StoreResult<()>,
) -> StoreResult<()> {
    if let Some(pw) = provider
        .proxy_config
        .as_mut()
        .and_then(|c| c.password.as_mut())
    {
        f(PROXY_PASSWORD, pw)?;
    }
    Ok(())
}

fn key_block_mut<'a>(key: &'a mut KeyConfig, block: &str) -> Option<&'a mut Value> {
    match block {
        "azure_key_config" => key.azure_key_config.as_mut(),
        "bedrock_key_config" => key.bedrock_key_config.as_mut(),
        "vertex_key_config" => key.vertex_key_config.as_mut(),
        _ => None,
    }
}

/// Applies [`merge_secret`] to every secret of `incoming` against `stored`; a secret field that
/// is missing from a block `incoming` still has keeps the stored value too. `label` names the
/// key in errors.
pub(crate) fn merge_key_secrets(
    incoming: &mut KeyConfig,
    stored: &KeyConfig,
    label: &str,
) -> StoreResult<()> {
    let mut old: HashMap<String, String> = HashMap::new();
    let mut stored = stored.clone();
    visit_key_secrets(&mut stored, |path, s| {
        old.insert(path.to_owned(), s.clone());
        Ok(())
    })?;
    for (block, field) in KEY_BLOCK_SECRETS {
        let path = format!("{block}.{field}");
        if let (Some(Value::Object(map)), Some(prev)) =
            (key_block_mut(incoming, block), old.get(&path))
            && matches!(map.get(*field), None | Some(Value::Null))
        {
            map.insert((*field).to_owned(), Value::String(prev.clone()));
        }
    }
    visit_key_secrets(incoming, |path, s| {
        *s = merge_secret(
            s,
            old.get(path).map(String::as_str),
            &format!("{label}.{path}"),
        )?;
        Ok(())
    })
}

/// Applies [`merge_secret`] to the provider-level secrets of `incoming` against `stored`. An
/// absent proxy password keeps the stored one while `incoming` still has a proxy.
pub(crate) fn merge_provider_secrets(
    incoming: &mut ProviderConfig,
    stored: &ProviderConfig,
) -> StoreResult<()> {
    let prev = stored
        .proxy_config
        .as_ref()
        .and_then(|c| c.password.clone());
    if let Some(proxy) = incoming.proxy_config.as_mut() {
        match (proxy.password.as_mut(), prev.as_deref()) {
            (Some(pw), prev) => *pw = merge_secret(pw, prev, PROXY_PASSWORD)?,
            (None, Some(prev)) => proxy.password = Some(prev.to_owned()),
            (None, None) => {}
        }
    }
    Ok(())
}

/// Rejects a secret that cannot be stored as given: a masked preview, or a value in the
/// reserved `enc:v1:` format.
pub(crate) fn check_new_secret(value: &str, field: &str) -> StoreResult<()> {
    if is_masked(value) {
        return Err(StoreError::MaskedSecret {
            field: field.to_owned(),
        });
    }
    if is_encrypted(value) {
        return Err(StoreError::Invalid(format!(
            "{field}: values starting with `enc:v1:` are reserved for encrypted secrets"
        )));
    }
    Ok(())
}

/// The form of a secret at rest: encrypted when a cipher is configured, except empty values
/// and `env.` references, which are stored as they are.
pub(crate) fn seal(cipher: Option<&Cipher>, value: &str) -> StoreResult<String> {
    match cipher {
        Some(c) if !value.is_empty() && !is_env_ref(value) && !is_encrypted(value) => {
            c.encrypt(value)
        }
        _ => Ok(value.to_owned()),
    }
}

/// The plaintext of a secret read from the database.
pub(crate) fn open(cipher: Option<&Cipher>, stored: &str) -> StoreResult<String> {
    if !is_encrypted(stored) {
        return Ok(stored.to_owned());
    }
    match cipher {
        Some(c) => c.decrypt(stored),
        None => Err(StoreError::EncryptionKeyRequired),
    }
}

#[cfg(test)]
mod tests {
    use bifrost_core::config::ProxyConfig;
    use serde_json::json;

    use super::*;

    const KEY: &str = "sk-proj-abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn masks_keep_the_stored_value() {
        let masked = mask_value(KEY);
        assert_eq!(masked, "sk-p********wxyz");
        assert_eq!(merge_secret(&masked, Some(KEY), "value").unwrap(), KEY);
        assert_eq!(merge_secret("********", Some(KEY), "value").unwrap(), KEY);
        assert_eq!(merge_secret("", Some(KEY), "value").unwrap(), KEY);
        // A mask of some other key is still a mask.
        assert_eq!(
            merge_secret("sk-o********zzzz", Some(KEY), "value").unwrap(),
            KEY
        );
        assert_eq!(
            merge_secret("sk-new-real-key", Some(KEY), "value").unwrap(),
            "sk-new-real-key"
        );
        assert!(matches!(
            merge_secret("sk-p********wxyz", None, "keys[a].value"),
            Err(StoreError::MaskedSecret { field }) if field == "keys[a].value"
        ));
        assert_eq!(merge_secret("", None, "value").unwrap(), "");
    }

    #[test]
    fn short_secrets_and_env_refs() {
        // A short secret masks to asterisks only, and the mask maps back to it.
        assert_eq!(mask_value("abc123"), "******");
        assert_eq!(
            merge_secret("******", Some("abc123"), "v").unwrap(),
            "abc123"
        );
        assert_eq!(mask_value("env.OPENAI_API_KEY"), "env.OPENAI_API_KEY");
        assert_eq!(
            merge_secret("env.OTHER", Some("env.OPENAI_API_KEY"), "v").unwrap(),
            "env.OTHER"
        );
    }

    #[test]
    fn key_and_provider_masking_covers_nested_secrets() {
        let key = KeyConfig {
            name: Some("aws".into()),
            value: KEY.into(),
            bedrock_key_config: Some(
                json!({"access_key": "AKIAABCDEFGHIJKLMNOP", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "us-east-1"}),
            ),
            ..Default::default()
        };
        let p = ProviderConfig {
            keys: vec![key.clone()],
            proxy_config: Some(ProxyConfig {
                password: Some("hunter2hunter2hunter2".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let shown = mask_provider(&p);
        let text = serde_json::to_string(&shown).unwrap();
        assert!(!text.contains("hunter2hunter2"), "{text}");
        assert!(!text.contains("bPxRfiCY"), "{text}");
        assert!(!text.contains("abcdefghijklmnop"), "{text}");
        assert!(text.contains("us-east-1"));

        // Sending the masked form back changes nothing.
        let mut back = shown.keys[0].clone();
        merge_key_secrets(&mut back, &key, "keys[aws]").unwrap();
        assert_eq!(back, key);
        let mut back_p = shown.clone();
        back_p.keys.clear();
        merge_provider_secrets(&mut back_p, &p).unwrap();
        assert_eq!(back_p.proxy_config, p.proxy_config);

        // A block sent without its secret keeps the stored one.
        let mut partial = key.clone();
        partial.bedrock_key_config = Some(json!({"region": "eu-west-1"}));
        merge_key_secrets(&mut partial, &key, "keys[aws]").unwrap();
        let b = partial.bedrock_key_config.unwrap();
        assert_eq!(b["secret_key"], "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(b["region"], "eu-west-1");
    }

    #[test]
    fn new_secrets_are_checked() {
        assert!(check_new_secret("sk-real", "value").is_ok());
        assert!(matches!(
            check_new_secret("sk-a****b", "value"),
            Err(StoreError::MaskedSecret { .. })
        ));
        assert!(matches!(
            check_new_secret("enc:v1:AAAA", "value"),
            Err(StoreError::Invalid(_))
        ));
    }
}
