//! Building the plugins named in `config.json` `plugins[]`.
//!
//! The `telemetry` plugin is on by default, like in Bifrost: without a `plugins[]` entry it runs
//! with default settings, and `{"name": "telemetry", "enabled": false}` turns metrics (and
//! `GET /metrics`) off. Observability plugins run first unless given an `order`: `otel`, then
//! `telemetry`, so that their hooks see every other plugin's work.

use std::sync::Arc;

use bifrost_core::Plugin;
use bifrost_core::config::file::PluginConfig;
use bifrost_core::config::{ClientConfig, ConfigProblem};
use bifrost_plugin_telemetry::{Telemetry, TelemetryConfig};

/// Plugins Bifrost ships that this build does not provide yet.
const NOT_YET_SUPPORTED: &[&str] = &[
    "semantic_cache",
    "semanticcache",
    "maxim",
    "governance",
    "jsonparser",
    "datadog",
    "prompts",
    "compat",
];

/// Default `order` of the `otel` plugin: before every other plugin.
const OTEL_ORDER: i64 = i64::MIN;
/// Default `order` of the `telemetry` plugin: right after `otel`.
const TELEMETRY_ORDER: i64 = i64::MIN + 1;

/// The plugins built from a configuration.
#[derive(Default)]
pub struct BuiltPlugins {
    /// Enabled plugins, in hook order.
    pub plugins: Vec<Arc<dyn Plugin>>,
    /// Settings that were skipped or ignored.
    pub warnings: Vec<ConfigProblem>,
    /// The metrics, unless the `telemetry` plugin is disabled.
    pub telemetry: Option<Telemetry>,
}

impl std::fmt::Debug for BuiltPlugins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltPlugins")
            .field(
                "plugins",
                &self.plugins.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .field("warnings", &self.warnings)
            .field("telemetry", &self.telemetry)
            .finish()
    }
}

fn telemetry(
    path: &str,
    config: &serde_json::Value,
    client: &ClientConfig,
    warnings: &mut Vec<ConfigProblem>,
) -> Result<Telemetry, ConfigProblem> {
    let config = TelemetryConfig::from_json(config)
        .map_err(|e| ConfigProblem::error(format!("{path}.config"), e.to_string()))?;
    let labels = client.prometheus_labels.clone().unwrap_or_default();
    let (telemetry, notes) = Telemetry::new(&config, &labels)
        .map_err(|e| ConfigProblem::error(format!("{path}.config"), e.to_string()))?;
    for note in notes {
        let at = if note.field.starts_with("client.") {
            note.field
        } else {
            format!("{path}.config.{}", note.field)
        };
        warnings.push(ConfigProblem::warning(at, note.message));
    }
    Ok(telemetry)
}

/// Builds the enabled plugins in order; returns warnings for the ones that are skipped.
pub fn build_plugins(
    entries: &[PluginConfig],
    client: &ClientConfig,
) -> Result<BuiltPlugins, Vec<ConfigProblem>> {
    let mut plugins: Vec<(i64, usize, Arc<dyn Plugin>)> = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut metrics: Option<Telemetry> = None;
    let mut telemetry_seen = false;
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("plugins[{i}]");
        let name = entry.name.as_str();
        if name == bifrost_plugin_telemetry::PLUGIN_NAME {
            if telemetry_seen {
                warnings.push(ConfigProblem::warning(
                    &path,
                    "the telemetry plugin is configured more than once; this entry is ignored",
                ));
                continue;
            }
            telemetry_seen = true;
        }
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
        let config = entry.config.clone().unwrap_or(serde_json::Value::Null);
        if name == bifrost_plugin_telemetry::PLUGIN_NAME {
            match telemetry(&path, &config, client, &mut warnings) {
                Ok(t) => {
                    let order = entry.order.unwrap_or(TELEMETRY_ORDER);
                    plugins.push((order, i, Arc::new(t.plugin())));
                    metrics = Some(t);
                }
                Err(e) => errors.push(e),
            }
        } else if name == bifrost_plugin_otel::PLUGIN_NAME {
            match bifrost_plugin_otel::OtelPlugin::from_json(&config) {
                Ok((p, notes)) => {
                    for note in notes {
                        warnings.push(ConfigProblem::warning(
                            format!("{path}.config.{}", note.field),
                            note.message,
                        ));
                    }
                    let order = entry.order.unwrap_or(OTEL_ORDER);
                    plugins.push((order, i, Arc::new(p)));
                }
                Err(e) => errors.push(ConfigProblem::error(
                    format!("{path}.config"),
                    e.to_string(),
                )),
            }
        } else if bifrost_plugin_mocker::is_mocker_name(name) {
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
        } else if name == bifrost_plugin_logging::PLUGIN_NAME {
            // Started with the log store at start-up (`logs_setup`).
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
    if !telemetry_seen {
        match telemetry("plugins", &serde_json::Value::Null, client, &mut warnings) {
            Ok(t) => {
                plugins.push((TELEMETRY_ORDER, entries.len(), Arc::new(t.plugin())));
                metrics = Some(t);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    plugins.sort_by_key(|(order, i, _)| (*order, *i));
    Ok(BuiltPlugins {
        plugins: plugins.into_iter().map(|(_, _, p)| p).collect(),
        warnings,
        telemetry: metrics,
    })
}
