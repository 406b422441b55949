//! What the engine needs to run: providers and a few global switches.

use indexmap::IndexMap;

use super::ProviderConfig;

/// The engine's configuration (the part of `config.json` that `bifrost-core` acts on).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineConfig {
    /// Providers by name, in file order.
    pub providers: IndexMap<String, ProviderConfig>,
    /// Reject requests at once when a provider's queue is full (`client.drop_excess_requests`).
    pub drop_excess_requests: bool,
    /// `config.json` `version`: 1 reads `models: []` as "all models", 2 (default) as "none".
    pub version: u8,
}

impl EngineConfig {
    /// A configuration with the given providers and defaults elsewhere.
    pub fn with_providers(providers: IndexMap<String, ProviderConfig>) -> Self {
        Self {
            providers,
            drop_excess_requests: false,
            version: 2,
        }
    }
}
