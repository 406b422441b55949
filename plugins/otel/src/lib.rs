//! # bifrost-plugin-otel
//!
//! Bifrost's `otel` plugin: one OpenTelemetry trace per request, exported over OTLP
//! (HTTP/protobuf or gRPC) to a collector, with the GenAI semantic-convention attributes
//! (`gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
//! `gen_ai.usage.input_tokens`, ...).
//!
//! Spans: the request (root, continuing the caller's W3C `traceparent`), each upstream attempt
//! (retries and fallbacks as separate children, with the key's name and id, never its value),
//! each plugin hook that runs after this plugin, and the stream (with a first-token event). The
//! root's context is sent upstream as `traceparent`. Export is batched and runs in a background
//! task; a full queue drops spans instead of slowing requests. `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_SERVICE_NAME` (when `service_name` is not set) and the `OTEL_BSP_*` batch settings are
//! honoured.
//!
//! ```json
//! {"name": "otel", "enabled": true, "config": {
//!   "collector_url": "http://otel-collector:4318", "protocol": "http",
//!   "service_name": "bifrost", "headers": {"x-api-key": "env.OTEL_API_KEY"}}}
//! ```

pub mod attrs;
pub mod config;
pub mod exporter;
pub mod plugin;

pub use crate::config::{ConfigWarning, OtelError, Protocol, Settings};
pub use crate::plugin::{OtelPlugin, PLUGIN_NAME};
