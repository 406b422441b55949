//! An immutable view of the configuration that the hot path reads without locks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::admission::Admission;
use super::keys::{EmptyModelsMeans, KeyPool};
use crate::config::{EngineConfig, KeyConfig, ProviderConfig, SecretString, resolve_env_ref};
use crate::key::Key;
use crate::plugin::Plugin;
use crate::provider::Provider;
use crate::providers::{ProviderBuildError, build_provider};

/// Builds providers the built-in registry does not know (or replaces built-in ones): return
/// `Some` to supply the implementation for a provider name, `None` to use the registry.
pub type ProviderFactory =
    Arc<dyn Fn(&str, &ProviderConfig) -> Option<Arc<dyn Provider>> + Send + Sync>;

/// One provider ready to serve: implementation, keys, admission and retry settings.
pub struct ProviderState {
    /// Provider name.
    pub name: Arc<str>,
    /// The implementation.
    pub provider: Arc<dyn Provider>,
    /// Keys indexed by model.
    pub keys: KeyPool,
    /// Concurrency bound.
    pub admission: Admission,
    /// Per-attempt timeout.
    pub request_timeout: Duration,
    /// Longest silence between stream chunks.
    pub stream_idle_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff.
    pub backoff_initial: Duration,
    /// Backoff cap.
    pub backoff_max: Duration,
    /// Include the upstream's raw body in responses.
    pub send_back_raw_response: bool,
    /// The configuration this state was built from.
    pub config: ProviderConfig,
}

impl std::fmt::Debug for ProviderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderState")
            .field("name", &self.name)
            .field("keys", &self.keys.keys().len())
            .finish()
    }
}

/// Something worth telling the operator about a configuration that was applied anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildNotice {
    /// JSON path of the configuration element.
    pub path: String,
    /// What happened.
    pub message: String,
}

impl ProviderState {
    /// Builds a provider's state.
    pub fn build(
        name: &str,
        config: &ProviderConfig,
        drop_excess: bool,
        empty_models: EmptyModelsMeans,
        factory: Option<&ProviderFactory>,
        notices: &mut Vec<BuildNotice>,
    ) -> Result<Self, ProviderBuildError> {
        let provider = match factory.and_then(|f| f(name, config)) {
            Some(p) => p,
            None => build_provider(name, config)?,
        };
        let keys = resolve_keys(name, config, provider.is_keyless(), notices);
        let network = config.network();
        let (concurrency, buffer) = config.concurrency();
        Ok(Self {
            name: Arc::from(name),
            keys: KeyPool::new(keys, empty_models),
            admission: Admission::new(concurrency, buffer, drop_excess),
            request_timeout: network.request_timeout(),
            stream_idle_timeout: network.stream_idle_timeout(),
            max_retries: network.max_retries(),
            backoff_initial: network.backoff_initial(),
            backoff_max: network.backoff_max().max(network.backoff_initial()),
            send_back_raw_response: config.send_back_raw_response.unwrap_or(false),
            provider,
            config: config.clone(),
        })
    }
}

/// Whether the key authenticates through its provider-specific block rather than `value`:
/// Bedrock signs with `bedrock_key_config` (or the environment's AWS credentials) and Vertex
/// uses the service account of `vertex_key_config`, so an empty `value` is normal there.
fn credentials_outside_value(key: &KeyConfig) -> bool {
    key.bedrock_key_config.is_some() || key.vertex_key_config.is_some()
}

fn resolve_keys(
    provider: &str,
    config: &ProviderConfig,
    keyless: bool,
    notices: &mut Vec<BuildNotice>,
) -> Vec<Key> {
    let mut keys = Vec::with_capacity(config.keys.len());
    for (i, kc) in config.keys.iter().enumerate() {
        let path = format!("providers.{provider}.keys[{i}]");
        if kc.enabled == Some(false) {
            continue;
        }
        let value = match resolve_env_ref(&kc.value) {
            Ok(v) => v,
            Err(reason) => {
                notices.push(BuildNotice {
                    path: format!("{path}.value"),
                    message: format!("{reason}; the key is skipped"),
                });
                continue;
            }
        };
        if value.is_empty()
            && !keyless
            && !credentials_outside_value(kc)
            && kc.models.as_deref() != Some(&[])
        {
            notices.push(BuildNotice {
                path: format!("{path}.value"),
                message: "the key is empty; requests will be sent without credentials".to_owned(),
            });
        }
        let weight = kc.weight.unwrap_or(1.0);
        let name = kc
            .name
            .clone()
            .or_else(|| kc.id.clone())
            .unwrap_or_else(|| format!("{provider}-key-{i}"));
        let id = kc.id.clone().unwrap_or_else(|| name.clone());
        keys.push(Key {
            id: Arc::from(id),
            name: Arc::from(name),
            value: SecretString::new(value),
            weight: if weight.is_finite() && weight >= 0.0 {
                weight
            } else {
                0.0
            },
            config: Arc::new(kc.clone()),
        });
    }
    if keys.is_empty() && keyless {
        keys.push(Key::keyless(provider));
    }
    keys
}

/// Everything the hot path reads: providers and plugins, swapped as a whole on change.
pub struct Snapshot {
    /// Providers that serve.
    pub providers: HashMap<String, Arc<ProviderState>>,
    /// Providers in the configuration that do not serve, with the reason.
    pub unavailable: HashMap<String, String>,
    /// Model -> providers whose keys name it explicitly (resolves bare model names).
    pub model_index: HashMap<String, Vec<Arc<str>>>,
    /// Plugins in registration order.
    pub plugins: Arc<[Arc<dyn Plugin>]>,
    /// Notices produced while building.
    pub notices: Vec<BuildNotice>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("providers", &self.providers.keys().collect::<Vec<_>>())
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl Snapshot {
    /// Builds a snapshot, reusing the state of providers whose configuration did not change (so
    /// their queues and connection pools carry over).
    pub fn build(
        config: &EngineConfig,
        plugins: Arc<[Arc<dyn Plugin>]>,
        previous: Option<&Snapshot>,
        factory: Option<&ProviderFactory>,
    ) -> Result<Self, ProviderBuildError> {
        let empty_models = if config.version == 1 {
            EmptyModelsMeans::AllowAll
        } else {
            EmptyModelsMeans::DenyAll
        };
        let mut providers = HashMap::with_capacity(config.providers.len());
        let mut unavailable = HashMap::new();
        let mut notices = Vec::new();
        for (name, pc) in &config.providers {
            if let Some(prev) = previous.and_then(|p| p.providers.get(name))
                && prev.config == *pc
            {
                providers.insert(name.clone(), prev.clone());
                continue;
            }
            match ProviderState::build(
                name,
                pc,
                config.drop_excess_requests,
                empty_models,
                factory,
                &mut notices,
            ) {
                Ok(state) => {
                    providers.insert(name.clone(), Arc::new(state));
                }
                Err(ProviderBuildError::NotImplemented(what)) => {
                    let reason = format!(
                        "provider {what:?} is not supported by this build of bifrost-rs yet; its configuration is kept but it does not serve requests"
                    );
                    notices.push(BuildNotice {
                        path: format!("providers.{name}"),
                        message: reason.clone(),
                    });
                    unavailable.insert(name.clone(), reason);
                }
                Err(e) => return Err(e),
            }
        }
        let mut model_index: HashMap<String, Vec<Arc<str>>> = HashMap::new();
        for (name, pc) in &config.providers {
            let Some(state) = providers.get(name) else {
                continue;
            };
            for kc in &pc.keys {
                for m in kc.models.iter().flatten().filter(|m| m.as_str() != "*") {
                    let list = model_index.entry(m.clone()).or_default();
                    if !list.contains(&state.name) {
                        list.push(state.name.clone());
                    }
                }
            }
        }
        Ok(Self {
            providers,
            unavailable,
            model_index,
            plugins,
            notices,
        })
    }

    /// The state of a serving provider.
    pub fn provider(&self, name: &str) -> Option<&Arc<ProviderState>> {
        self.providers.get(name)
    }

    /// Names of the serving providers, sorted.
    pub fn provider_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.providers.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn config(providers: serde_json::Value) -> EngineConfig {
        let file: crate::config::ConfigFile =
            serde_json::from_value(serde_json::json!({ "providers": providers })).unwrap();
        file.engine_config()
    }

    fn notices_for(providers: serde_json::Value) -> Vec<BuildNotice> {
        Snapshot::build(&config(providers), Arc::from(Vec::new()), None, None)
            .unwrap()
            .notices
    }

    #[test]
    fn empty_key_value_is_reported_for_value_authenticated_providers() {
        let notices = notices_for(serde_json::json!({
            "openai": {"keys": [{"name": "k", "value": "", "models": ["*"]}]}
        }));
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].path, "providers.openai.keys[0].value");
        assert!(notices[0].message.contains("without credentials"));
    }

    #[test]
    fn empty_value_is_normal_for_bedrock_and_vertex_blocks() {
        let notices = notices_for(serde_json::json!({
            "bedrock": {"keys": [{"name": "aws", "value": "", "models": ["*"],
                "bedrock_key_config": {"region": "us-east-1"}}]},
            "vertex": {"keys": [{"name": "sa", "value": "", "models": ["*"],
                "vertex_key_config": {"project_id": "p", "region": "us-central1",
                    "auth_credentials": "{}"}}]}
        }));
        assert!(
            notices
                .iter()
                .all(|n| !n.message.contains("without credentials")),
            "{notices:?}"
        );
    }
}
