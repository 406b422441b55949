//! Mocker plugin (being written).

/// Name of the plugin in `config.json`.
pub const PLUGIN_NAME: &str = "mocker";

/// Whether `name` refers to the mocker plugin.
pub fn is_mocker_name(name: &str) -> bool {
    name == PLUGIN_NAME || name == "bifrost-mocker"
}

/// The mocker plugin.
#[derive(Debug)]
pub struct MockerPlugin;

impl MockerPlugin {
    /// Builds the plugin from its JSON configuration.
    pub fn from_json(_config: &serde_json::Value) -> Result<Self, String> {
        Err("the mocker plugin is not available in this build".to_owned())
    }
}

#[async_trait::async_trait]
impl bifrost_core::Plugin for MockerPlugin {
    fn name(&self) -> &str {
        PLUGIN_NAME
    }
}
