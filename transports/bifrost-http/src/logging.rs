//! Process logs through `tracing`, as JSON lines or human-readable text.
//!
//! Every line about a request names it: lines at info level and above carry a `request_id`
//! field; with debug logs on, the handler also runs inside a `request` span whose `request_id`
//! reaches every line logged inside it (in JSON, under `span`). The span is a debug span, so it
//! costs nothing at the default level (an info-level span measured about 0.6 us per request).
//! Keys and message bodies are never logged: errors show their message, status and code only.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::cli::LogStyle;

/// The subscriber the gateway logs with, writing to `writer`. Returns an error when the level
/// is not a valid filter.
pub fn subscriber<W>(
    level: &str,
    style: LogStyle,
    writer: W,
) -> Result<Box<dyn Subscriber + Send + Sync>, String>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_new(level).map_err(|e| format!("invalid --log-level {level:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_writer(writer);
    Ok(match style {
        LogStyle::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
        LogStyle::Pretty => Box::new(builder.finish()),
    })
}

/// Installs the global subscriber, writing to stdout.
pub fn init(level: &str, style: LogStyle) -> Result<(), String> {
    use tracing_subscriber::util::SubscriberInitExt;
    subscriber(level, style, std::io::stdout)?
        .try_init()
        .map_err(|e| format!("cannot install the logger: {e}"))
}
