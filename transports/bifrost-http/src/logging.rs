//! Process logs through `tracing`.

use tracing_subscriber::EnvFilter;

use crate::cli::LogStyle;

/// Installs the global subscriber. Returns an error when the level is not a valid filter.
pub fn init(level: &str, style: LogStyle) -> Result<(), String> {
    let filter =
        EnvFilter::try_new(level).map_err(|e| format!("invalid --log-level {level:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let result = match style {
        LogStyle::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogStyle::Pretty => builder.try_init(),
    };
    result.map_err(|e| format!("cannot install the logger: {e}"))
}
