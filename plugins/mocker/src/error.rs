//! Errors raised while building the mocker (never while serving a request).

/// A configuration problem, worded as Bifrost words it
/// (e.g. `invalid rule at index 0 (slow): rule name is required`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ConfigError {
    /// Prefixes the message with the context it occurred in (`<context>: <message>`).
    pub(crate) fn wrap(self, context: impl std::fmt::Display) -> Self {
        Self(format!("{context}: {}", self.0))
    }
}

/// Why a [`MockerPlugin`](crate::MockerPlugin) could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MockerError {
    /// The `config` value is not a mocker configuration at all.
    #[error("invalid mocker plugin config: {0}")]
    Parse(#[from] serde_path_to_error::Error<serde_json::Error>),
    /// The configuration parsed but breaks a rule of its schema.
    #[error("invalid mocker plugin configuration: {0}")]
    InvalidConfig(#[from] ConfigError),
    /// A rule's `message_regex` does not compile.
    #[error("failed to compile rules: invalid regex in rule '{rule}': {source}")]
    Regex {
        /// The rule's name.
        rule: String,
        /// The compiler's complaint.
        #[source]
        source: regex::Error,
    },
}
