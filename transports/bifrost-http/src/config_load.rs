//! Loading `APP_DIR/config.json` and turning it into an engine and plugins.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bifrost_core::config::{ConfigFile, ConfigProblem, Severity};
use bifrost_core::engine::BuildNotice;
use bifrost_core::{Bifrost, Plugin};
use thiserror::Error;

use crate::plugins::build_plugins;

/// Why the gateway cannot start with this configuration.
#[derive(Debug, Error)]
pub enum StartupError {
    /// `config.json` exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `config.json` has invalid values.
    #[error("{path} is invalid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every error found.
        problems: Vec<ConfigProblem>,
    },
    /// The engine refused the configuration.
    #[error("{path}: {message}")]
    Engine {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// A configuration ready to serve.
pub struct Loaded {
    /// The parsed file (defaults when there is none).
    pub file: ConfigFile,
    /// Where it came from, if a file existed.
    pub source: Option<PathBuf>,
    /// The engine.
    pub bifrost: Arc<Bifrost>,
    /// Warnings to report once at start-up: ignored fields, skipped keys and providers.
    pub warnings: Vec<ConfigProblem>,
    /// The metrics, unless the `telemetry` plugin is disabled.
    pub telemetry: Option<bifrost_plugin_telemetry::Telemetry>,
    /// The request logger, once [`crate::logs_setup::attach`] started it.
    pub logs: Option<bifrost_plugin_logging::RequestLogger>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("source", &self.source)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Reads and validates `app_dir/config.json`; a missing file means an empty configuration.
pub fn load(app_dir: &Path) -> Result<Loaded, StartupError> {
    let path = app_dir.join("config.json");
    if !app_dir.exists() {
        std::fs::create_dir_all(app_dir).map_err(|source| StartupError::Read {
            path: app_dir.to_path_buf(),
            source,
        })?;
    }
    let (file, source) = match std::fs::read(&path) {
        Ok(bytes) => {
            let file = ConfigFile::parse(&bytes).map_err(|p| StartupError::Invalid {
                path: path.clone(),
                problems: vec![p],
            })?;
            (file, Some(path.clone()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (ConfigFile::default(), None),
        Err(source) => return Err(StartupError::Read { path, source }),
    };
    from_file(file, source, &path)
}

/// Builds the engine from a parsed configuration.
pub fn from_file(
    file: ConfigFile,
    source: Option<PathBuf>,
    path: &Path,
) -> Result<Loaded, StartupError> {
    let (errors, mut warnings): (Vec<_>, Vec<_>) = file
        .problems()
        .into_iter()
        .partition(|p| p.severity == Severity::Error);
    if !errors.is_empty() {
        return Err(StartupError::Invalid {
            path: path.to_path_buf(),
            problems: errors,
        });
    }
    let built = build_plugins(file.plugins.as_deref().unwrap_or_default(), &file.client).map_err(
        |problems| StartupError::Invalid {
            path: path.to_path_buf(),
            problems,
        },
    )?;
    warnings.extend(built.warnings);
    let plugins: Vec<Arc<dyn Plugin>> = built.plugins;
    let bifrost =
        Bifrost::new(file.engine_config(), plugins).map_err(|e| StartupError::Engine {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    warnings.extend(
        bifrost
            .notices()
            .into_iter()
            .map(|BuildNotice { path, message }| ConfigProblem::warning(path, message)),
    );
    Ok(Loaded {
        file,
        source,
        bifrost: Arc::new(bifrost),
        warnings,
        telemetry: built.telemetry,
        logs: None,
    })
}
