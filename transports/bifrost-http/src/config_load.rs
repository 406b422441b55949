//! Loading `APP_DIR/config.json` and turning it into an engine and plugins.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bifrost_core::config::{ConfigFile, ConfigProblem, Severity};
use bifrost_core::engine::BuildNotice;
use bifrost_core::{Bifrost, Plugin};
use thiserror::Error;

use bifrost_framework::settings::{SourceOfTruth, StoresConfig};
use bifrost_framework::{ConfigStore, SeedReport, open_config_store};

use crate::auth::AuthFileConfig;
use crate::plugins::build_plugins;

/// Top-level and client fields the gateway acts on in every mode (not reported as unsupported).
const HANDLED_FIELDS: &[&str] = &[
    "auth_config",
    "client.whitelisted_routes",
    "client.disable_db_pings_in_health",
];

/// Fields the gateway acts on when it opens the stores ([`open`]).
const STORE_FIELDS: &[&str] = &["config_store", "encryption_key", "source_of_truth"];

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
    /// The configuration store cannot be opened, seeded or read.
    #[error("configuration store: {message}")]
    Store {
        /// What went wrong (never a secret).
        message: String,
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
    /// `auth_config`, when the file has one.
    pub auth: Option<AuthFileConfig>,
    /// The configuration store the engine was built from (none: file-only mode, or loaded
    /// with [`load`]).
    pub config_store: Option<Arc<dyn ConfigStore>>,
    /// What seeding the store from the file did.
    pub seed_report: Option<SeedReport>,
    /// The request logger, once [`crate::logs_setup::attach`] started it.
    pub logs: Option<bifrost_plugin_logging::RequestLogger>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("source", &self.source)
            .field("warnings", &self.warnings)
            .field(
                "config_store",
                &self.config_store.as_ref().map(|s| s.backend()),
            )
            .field("seed_report", &self.seed_report)
            .finish()
    }
}

/// Reads and validates `app_dir/config.json`; a missing file means an empty configuration.
/// File-only: the configuration stores are not opened (see [`open`]).
pub fn load(app_dir: &Path) -> Result<Loaded, StartupError> {
    let (file, source, path) = read(app_dir)?;
    from_file(file, source, &path)
}

/// Reads `app_dir/config.json`, opens the configuration store it describes (default: SQLite
/// `app_dir/config.db`; none with `config_store.enabled: false`), seeds the store from the
/// file and builds the engine from what the store then holds: providers, keys, client
/// settings and plugins, including changes made through the management API.
pub async fn open(app_dir: &Path) -> Result<Loaded, StartupError> {
    let (mut file, source, path) = read(app_dir)?;
    let store_err = |e: bifrost_framework::StoreError| StartupError::Store {
        message: e.to_string(),
    };
    let stores = StoresConfig::from_file(&file).map_err(store_err)?;
    let key = stores.encryption_key.as_ref().map(|k| k.expose());
    let store = open_config_store(&stores.config_store, app_dir, key)
        .await
        .map_err(store_err)?;
    let mut extra_warnings = Vec::new();
    if stores.source_of_truth == SourceOfTruth::ConfigJson {
        extra_warnings.push(ConfigProblem::warning(
            "source_of_truth",
            "\"config.json\" is applied like \"split\" by this build: file entries that changed replace the stored ones, API edits to unchanged entries are kept",
        ));
    }
    let mut seed_report = None;
    if let Some(store) = &store {
        let report = store.seed_from_file(&file).await.map_err(store_err)?;
        let stored = store.load().await.map_err(store_err)?;
        file.providers = stored.providers;
        if let Some(client) = stored.client {
            file.client = client;
        }
        if file.plugins.is_some() || !stored.plugins.is_empty() {
            file.plugins = Some(stored.plugins);
        }
        seed_report = Some(report);
    }
    let mut loaded = from_file(file, source, &path)?;
    loaded
        .warnings
        .retain(|w| !STORE_FIELDS.contains(&w.path.as_str()));
    loaded.warnings.extend(extra_warnings);
    loaded.config_store = store;
    loaded.seed_report = seed_report;
    crate::logs_setup::attach(&mut loaded, app_dir).await?;
    Ok(loaded)
}

fn read(app_dir: &Path) -> Result<(ConfigFile, Option<PathBuf>, PathBuf), StartupError> {
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
    Ok((file, source, path))
}

/// Builds the engine from a parsed configuration.
pub fn from_file(
    file: ConfigFile,
    source: Option<PathBuf>,
    path: &Path,
) -> Result<Loaded, StartupError> {
    let (mut errors, mut warnings): (Vec<_>, Vec<_>) = file
        .problems()
        .into_iter()
        .filter(|p| !HANDLED_FIELDS.contains(&p.path.as_str()))
        .partition(|p| p.severity == Severity::Error);
    let auth = match AuthFileConfig::from_file(&file) {
        Ok(a) => a,
        Err((p, message)) => {
            errors.push(ConfigProblem::error(p, message));
            None
        }
    };
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
        auth,
        config_store: None,
        seed_report: None,
        logs: None,
    })
}
