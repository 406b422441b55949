//! Provider implementations and the registry that builds them from configuration.

pub mod anthropic;
pub mod azure;
pub mod bedrock;
pub mod cohere;
pub mod common;
pub mod gemini;
pub mod openai;
pub mod vertex;

use std::sync::Arc;

use thiserror::Error;

use crate::config::ProviderConfig;
use crate::provider::Provider;

/// Every provider name Bifrost knows (`StandardProviders`).
pub const KNOWN_PROVIDERS: &[&str] = &[
    "openai",
    "azure",
    "anthropic",
    "bedrock",
    "bedrock_mantle",
    "cohere",
    "vertex",
    "mistral",
    "ollama",
    "opencode-go",
    "opencode-zen",
    "groq",
    "sgl",
    "parasail",
    "perplexity",
    "cerebras",
    "deepseek",
    "gemini",
    "openrouter",
    "elevenlabs",
    "huggingface",
    "nebius",
    "xai",
    "replicate",
    "vllm",
    "runway",
    "runware",
    "fireworks",
    "sarvam",
    "wafer",
    "github-copilot",
    "databricks",
    "typesafe",
];

/// Base types a custom provider may be built on (Bifrost's `SupportedBaseProviders`).
pub const CUSTOM_BASE_TYPES: &[&str] = &[
    "openai",
    "anthropic",
    "bedrock",
    "cohere",
    "gemini",
    "huggingface",
    "replicate",
];

/// True when `name` is one of Bifrost's standard provider names.
pub fn is_known_provider(name: &str) -> bool {
    KNOWN_PROVIDERS.contains(&name)
}

/// True when this build implements the standard provider `name`.
pub fn is_implemented(name: &str) -> bool {
    matches!(
        name,
        "anthropic" | "azure" | "bedrock" | "cohere" | "gemini" | "vertex"
    ) || openai::profile::profile(name).is_some()
}

/// Why a provider could not be built.
#[derive(Debug, Error)]
pub enum ProviderBuildError {
    /// Bifrost knows the provider but this build does not implement it yet.
    #[error("provider {0:?} is not supported by this build of bifrost-rs yet")]
    NotImplemented(String),
    /// Not a Bifrost provider and no `custom_provider_config`.
    #[error(
        "unknown provider {0:?}: use one of Bifrost's provider names or add custom_provider_config to define a custom provider"
    )]
    Unknown(String),
    /// A custom provider's configuration is invalid.
    #[error("custom provider {name:?}: {reason}")]
    InvalidCustom {
        /// Provider name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The provider's settings could not be applied.
    #[error("provider {name:?}: {reason}")]
    Setup {
        /// Provider name.
        name: String,
        /// What failed.
        reason: String,
    },
}

/// Builds provider `name` from its configuration.
pub fn build_provider(
    name: &str,
    config: &ProviderConfig,
) -> Result<Arc<dyn Provider>, ProviderBuildError> {
    let setup = |e: openai::OpenAiSetupError| ProviderBuildError::Setup {
        name: name.to_owned(),
        reason: e.to_string(),
    };
    let anthropic_setup = |e: anthropic::AnthropicSetupError| ProviderBuildError::Setup {
        name: name.to_owned(),
        reason: e.to_string(),
    };
    let google_setup = |e: gemini::transport::GoogleSetupError| ProviderBuildError::Setup {
        name: name.to_owned(),
        reason: e.to_string(),
    };
    if let Some(custom) = &config.custom_provider_config {
        if is_known_provider(name) {
            return Err(ProviderBuildError::InvalidCustom {
                name: name.to_owned(),
                reason: format!(
                    "cannot be created on standard provider name {name:?}; choose another name"
                ),
            });
        }
        let base = custom.base_provider_type.as_str();
        return match base {
            "openai" => {
                let p = openai::OpenAiCompatible::new(
                    name,
                    openai::profile::custom_openai_profile(),
                    config,
                )
                .map_err(setup)?;
                Ok(Arc::new(p))
            }
            "anthropic" => Ok(Arc::new(
                anthropic::AnthropicProvider::new(name, config).map_err(anthropic_setup)?,
            )),
            "bedrock" => Ok(Arc::new(
                bedrock::BedrockProvider::new(name, config).map_err(setup)?,
            )),
            "cohere" => Ok(Arc::new(
                cohere::CohereProvider::new(name, config).map_err(setup)?,
            )),
            "gemini" => Ok(Arc::new(
                gemini::GeminiProvider::new(name, config).map_err(google_setup)?,
            )),
            "" => Err(ProviderBuildError::InvalidCustom {
                name: name.to_owned(),
                reason: "base_provider_type is required".to_owned(),
            }),
            b if CUSTOM_BASE_TYPES.contains(&b) => Err(ProviderBuildError::NotImplemented(
                format!("{name} (base_provider_type {b})"),
            )),
            b => Err(ProviderBuildError::InvalidCustom {
                name: name.to_owned(),
                reason: format!(
                    "unsupported base_provider_type {b:?} (supported: {})",
                    CUSTOM_BASE_TYPES.join(", ")
                ),
            }),
        };
    }
    match name {
        "gemini" => {
            return Ok(Arc::new(
                gemini::GeminiProvider::new(name, config).map_err(google_setup)?,
            ));
        }
        "vertex" => {
            return Ok(Arc::new(
                vertex::VertexProvider::new(name, config).map_err(google_setup)?,
            ));
        }
        "azure" => {
            return Ok(Arc::new(
                azure::AzureProvider::new(name, config).map_err(setup)?,
            ));
        }
        "bedrock" => {
            return Ok(Arc::new(
                bedrock::BedrockProvider::new(name, config).map_err(setup)?,
            ));
        }
        "cohere" => {
            return Ok(Arc::new(
                cohere::CohereProvider::new(name, config).map_err(setup)?,
            ));
        }
        _ => {}
    }
    if name == "anthropic" {
        let p = anthropic::AnthropicProvider::new(name, config).map_err(anthropic_setup)?;
        return Ok(Arc::new(p));
    }
    if let Some(profile) = openai::profile::profile(name) {
        let p = openai::OpenAiCompatible::new(name, profile.clone(), config).map_err(setup)?;
        return Ok(Arc::new(p));
    }
    if is_known_provider(name) {
        Err(ProviderBuildError::NotImplemented(name.to_owned()))
    } else {
        Err(ProviderBuildError::Unknown(name.to_owned()))
    }
}
