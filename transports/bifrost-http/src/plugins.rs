//! Building the plugins named in `config.json` `plugins[]`.

use std::sync::Arc;

use bifrost_core::Plugin;
use bifrost_core::config::ConfigProblem;
use bifrost_core::config::file::PluginConfig;

/// Plugins Bifrost ships that this build does not provide yet.
const NOT_YET_SUPPORTED: &[&str] = &[
    "semantic_cache",
    "semanticcache",
    "otel",
    "maxim",
    "telemetry",
    "logging",
    "governance",
    "jsonparser",
    "datadog",
    "prompts",
    "compat",
];

/// Built plugins, or the configuration errors that prevent building them.
pub type BuiltPlugins = (Vec<Arc<dyn Plugin>>, Vec<ConfigProblem>);

/// Builds the enabled plugins in order; returns warnings for the ones that are skipped.
pub fn build_plugins(entries: &[PluginConfig]) -> Result<BuiltPlugins, Vec<ConfigProblem>> {
    let mut plugins: Vec<(i64, usize, Arc<dyn Plugin>)> = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("plugins[{i}]");
        if !entry.enabled {
            continue;
        }
        if entry.path.as_deref().is_some_and(|p| !p.is_empty()) {
            warnings.push(ConfigProblem::warning(
                format!("{path}.path"),
                "dynamic plugins (.so / .wasm) are not supported; the plugin is skipped",
            ));
            continue;
        }
        let name = entry.name.as_str();
        if bifrost_plugin_mocker::is_mocker_name(name) {
            let config = entry.config.clone().unwrap_or(serde_json::Value::Null);
            match bifrost_plugin_mocker::MockerPlugin::from_json(&config) {
                Ok(p) => {
                    let order = entry.order.unwrap_or(0);
                    plugins.push((order, i, Arc::new(p)));
                }
                Err(e) => errors.push(ConfigProblem::error(
                    format!("{path}.config"),
                    e.to_string(),
                )),
            }
        } else if NOT_YET_SUPPORTED.contains(&name) {
            warnings.push(ConfigProblem::warning(
                &path,
                format!("plugin {name:?} is not supported by this build yet; skipped"),
            ));
        } else {
            warnings.push(ConfigProblem::warning(
                &path,
                format!("unknown plugin {name:?}; skipped"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    plugins.sort_by_key(|(order, i, _)| (*order, *i));
    Ok((plugins.into_iter().map(|(_, _, p)| p).collect(), warnings))
}
