//! Configuration types mirroring Bifrost's `config.json`.

pub mod client;
pub mod duration;
pub mod engine;
pub mod file;
pub mod provider;
pub mod secret;
pub mod validate;

pub use client::{ClientConfig, HeaderFilterConfig};
pub use duration::{GoDuration, Millis, parse_go_duration};
pub use engine::EngineConfig;
pub use file::ConfigFile;
pub use provider::*;
pub use secret::{SecretString, mask_secret, resolve_env_ref};
pub use validate::{ConfigProblem, Severity};
