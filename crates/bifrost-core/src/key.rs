//! A provider key resolved for use: secret loaded, weight and filters ready.

use std::borrow::Cow;
use std::sync::Arc;

use crate::config::{KeyConfig, SecretString};

/// A usable API key of one provider.
#[derive(Debug, Clone)]
pub struct Key {
    /// Stable id (`x-bf-api-key-id`, logs, metrics).
    pub id: Arc<str>,
    /// Unique name (`x-bf-api-key`, logs, metrics).
    pub name: Arc<str>,
    /// The secret. Empty for keyless providers.
    pub value: SecretString,
    /// Weight in the weighted random choice.
    pub weight: f64,
    /// The key's configuration (aliases, per-key server URLs, provider-specific blocks).
    pub config: Arc<KeyConfig>,
}

impl Key {
    /// A keyless placeholder for providers that need no credentials.
    pub fn keyless(provider: &str) -> Self {
        let name: Arc<str> = Arc::from(format!("{provider}-keyless"));
        Self {
            id: name.clone(),
            name,
            value: SecretString::default(),
            weight: 1.0,
            config: Arc::new(KeyConfig::default()),
        }
    }

    /// The upstream model name for `model`: the key's alias when it has one.
    pub fn upstream_model<'a>(&self, model: &'a str) -> Cow<'a, str> {
        match self.config.alias_for(model) {
            Some(alias) => Cow::Owned(alias),
            None => Cow::Borrowed(model),
        }
    }

    /// The per-key server URL (Ollama, vLLM, SGLang), if configured.
    pub fn server_url(&self) -> Option<&str> {
        let c = &self.config;
        [&c.ollama_key_config, &c.vllm_key_config, &c.sgl_key_config]
            .into_iter()
            .flatten()
            .map(|u| u.url.trim_end_matches('/'))
            .find(|u| !u.is_empty())
    }
}
