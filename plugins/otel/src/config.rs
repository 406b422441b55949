//! The `otel` plugin's configuration, as Bifrost's: one profile object
//! (`{"collector_url": ..., "protocol": "http", ...}`) or a `{"profiles": [...]}` wrapper.

use std::collections::BTreeMap;

use bifrost_core::config::resolve_env_ref;
use serde::Deserialize;
use serde_json::Value;

/// One export target.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OtelProfile {
    /// Whether this profile exports (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// `service.name` of the exported resource (default `bifrost`, or `OTEL_SERVICE_NAME`).
    #[serde(default)]
    pub service_name: Option<String>,
    /// Collector endpoint; `env.NAME` allowed. HTTP: `http://host:4318` (`/v1/traces` is added
    /// when the URL has no path) or the full traces URL. gRPC: `http://host:4317` or `host:4317`.
    #[serde(default)]
    pub collector_url: String,
    /// Headers sent with every export (authentication); values may be `env.NAME`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `genai_extension` (the default and the only one supported).
    #[serde(default)]
    pub trace_type: Option<String>,
    /// `http` (OTLP/HTTP protobuf, default) or `grpc`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Path of a PEM file with the CA that signs the collector's certificate.
    #[serde(default)]
    pub tls_ca_cert: Option<String>,
    /// Plaintext gRPC when the URL has no scheme (default true, as in Bifrost).
    #[serde(default)]
    pub insecure: Option<bool>,
    /// OTLP metrics push (not supported: scrape `/metrics`).
    #[serde(default)]
    pub metrics_enabled: Option<bool>,
    /// OTLP metrics endpoint (not supported).
    #[serde(default)]
    pub metrics_endpoint: Option<String>,
    /// OTLP metrics push interval (not supported).
    #[serde(default)]
    pub metrics_push_interval: Option<u64>,
    /// Request headers (exact names or `prefix-*` / `*` patterns) attached to the request span as
    /// `http.request.header.<name>`. Credentials and cookies are never attached.
    #[serde(default)]
    pub request_headers: Vec<String>,
    /// Accepted: message content is never exported by this build.
    #[serde(default)]
    pub disable_content_logging: Option<bool>,
    /// Session grouping (not supported).
    #[serde(default)]
    pub group_traces_by_session: Option<bool>,
    /// Plugin span filter (not supported: every plugin hook gets a span).
    #[serde(default)]
    pub plugin_span_filter: Option<Value>,
    /// Settings this build does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// How spans are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/HTTP with protobuf bodies.
    Http,
    /// OTLP/gRPC.
    Grpc,
}

/// A setting that is ignored, named relative to the plugin's `config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// Field path.
    pub field: String,
    /// What happens.
    pub message: String,
}

/// The configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OtelError {
    /// The `config` object does not have the expected shape.
    #[error("invalid otel plugin config: {0}")]
    Config(#[from] serde_json::Error),
    /// No enabled profile has a collector.
    #[error("collector_url is required")]
    MissingCollector,
    /// A value is wrong.
    #[error("{field}: {message}")]
    Invalid {
        /// Field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The exporter could not be built.
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> OtelError {
    OtelError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A profile checked and resolved: what the exporter needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The endpoint URL the exporter is given.
    pub endpoint: String,
    /// HTTP or gRPC.
    pub protocol: Protocol,
    /// Resolved export headers.
    pub headers: Vec<(String, String)>,
    /// `service.name`.
    pub service_name: String,
    /// CA certificate (PEM) for the collector's TLS.
    pub ca_pem: Option<Vec<u8>>,
    /// Request header patterns to attach to spans.
    pub request_headers: Vec<String>,
}

/// Parses the plugin's `config`: the chosen profile's settings plus warnings.
pub fn parse(value: &Value) -> Result<(Settings, Vec<ConfigWarning>), OtelError> {
    let mut warnings = Vec::new();
    let (profile, prefix) = match value.get("profiles") {
        Some(list) => {
            let profiles: Vec<OtelProfile> = serde_json::from_value(list.clone())?;
            let mut enabled = profiles
                .into_iter()
                .enumerate()
                .filter(|(_, p)| p.enabled.unwrap_or(true));
            let (i, first) = enabled.next().ok_or(OtelError::MissingCollector)?;
            for (j, _) in enabled {
                warnings.push(ConfigWarning {
                    field: format!("profiles[{j}]"),
                    message: "only one export profile is supported; this one is ignored".into(),
                });
            }
            (first, format!("profiles[{i}]."))
        }
        None => {
            let profile: OtelProfile = serde_json::from_value(value.clone())?;
            if profile.enabled == Some(false) {
                return Err(OtelError::MissingCollector);
            }
            (profile, String::new())
        }
    };
    let settings = resolve(&profile, &prefix)?;
    warnings.extend(profile_warnings(&profile, &prefix));
    Ok((settings, warnings))
}

fn profile_warnings(p: &OtelProfile, prefix: &str) -> Vec<ConfigWarning> {
    let mut out = Vec::new();
    let mut warn = |field: &str, message: &str| {
        out.push(ConfigWarning {
            field: format!("{prefix}{field}"),
            message: message.to_owned(),
        })
    };
    if let Some(t) = p.trace_type.as_deref()
        && !t.is_empty()
        && t != "genai_extension"
    {
        warn(
            "trace_type",
            "only genai_extension traces are supported; using them",
        );
    }
    if p.metrics_enabled == Some(true) {
        warn(
            "metrics_enabled",
            "OTLP metrics push is not supported by this build; scrape GET /metrics instead",
        );
    }
    if p.group_traces_by_session == Some(true) {
        warn(
            "group_traces_by_session",
            "session grouping is not supported by this build; ignored",
        );
    }
    if p.plugin_span_filter.is_some() {
        warn(
            "plugin_span_filter",
            "span filters are not supported by this build; every plugin hook gets a span",
        );
    }
    for key in p.extra.keys() {
        warn(key, "unknown setting; ignored");
    }
    out
}

fn resolve(p: &OtelProfile, prefix: &str) -> Result<Settings, OtelError> {
    let field = |name: &str| format!("{prefix}{name}");
    let protocol = match p
        .protocol
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("http") => Protocol::Http,
        Some("grpc") => Protocol::Grpc,
        Some(other) => {
            return Err(invalid(
                field("protocol"),
                format!("{other:?} is not a protocol (use \"http\" or \"grpc\")"),
            ));
        }
    };
    let url =
        resolve_env_ref(p.collector_url.trim()).map_err(|e| invalid(field("collector_url"), e))?;
    if url.is_empty() {
        return Err(OtelError::MissingCollector);
    }
    let endpoint = endpoint(&url, protocol, p.insecure.unwrap_or(true))
        .ok_or_else(|| invalid(field("collector_url"), format!("{url:?} is not a URL")))?;
    let mut headers = Vec::with_capacity(p.headers.len());
    for (name, value) in &p.headers {
        let value = resolve_env_ref(value).map_err(|e| invalid(field("headers"), e))?;
        if http::HeaderName::from_bytes(name.as_bytes()).is_err()
            || http::HeaderValue::from_str(&value).is_err()
        {
            return Err(invalid(
                format!("{prefix}headers.{name}"),
                "not a valid HTTP header",
            ));
        }
        headers.push((name.to_ascii_lowercase(), value));
    }
    let ca_pem = match p.tls_ca_cert.as_deref().filter(|s| !s.is_empty()) {
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| invalid(field("tls_ca_cert"), format!("cannot read {path}: {e}")))?,
        ),
        None => None,
    };
    let service_name = p
        .service_name
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("OTEL_SERVICE_NAME").ok())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "bifrost".to_owned());
    Ok(Settings {
        endpoint,
        protocol,
        headers,
        service_name,
        ca_pem,
        request_headers: p.request_headers.clone(),
    })
}

/// The exporter endpoint for a configured URL.
fn endpoint(url: &str, protocol: Protocol, insecure: bool) -> Option<String> {
    let with_scheme = if url.contains("://") {
        url.to_owned()
    } else if insecure {
        format!("http://{url}")
    } else {
        format!("https://{url}")
    };
    let parsed = reqwest::Url::parse(&with_scheme).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return None;
    }
    match protocol {
        Protocol::Http if matches!(parsed.path(), "" | "/") => {
            Some(format!("{}/v1/traces", with_scheme.trim_end_matches('/')))
        }
        _ => Some(with_scheme),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_profile_shape() {
        let (s, w) = parse(&json!({
            "collector_url": "http://otel:4318",
            "protocol": "http",
            "headers": {"X-Api-Key": "k"},
            "trace_type": "genai_extension",
            "metrics_enabled": true
        }))
        .unwrap();
        assert_eq!(s.endpoint, "http://otel:4318/v1/traces");
        assert_eq!(s.protocol, Protocol::Http);
        assert_eq!(s.headers, [("x-api-key".to_owned(), "k".to_owned())]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].field, "metrics_enabled");
    }

    #[test]
    fn profiles_wrapper_and_grpc() {
        let (s, w) = parse(&json!({"profiles": [
            {"enabled": false, "collector_url": "http://a:4318"},
            {"collector_url": "otel:4317", "protocol": "grpc", "service_name": "gw"},
            {"collector_url": "http://c:4318"}
        ]}))
        .unwrap();
        assert_eq!(s.endpoint, "http://otel:4317");
        assert_eq!(s.protocol, Protocol::Grpc);
        assert_eq!(s.service_name, "gw");
        assert_eq!(w[0].field, "profiles[2]");
    }

    #[test]
    fn building_outside_a_runtime_is_an_error_not_a_panic() {
        let (settings, _) = parse(&json!({"collector_url": "http://127.0.0.1:4318"})).unwrap();
        let err = crate::exporter::tracer_provider(&settings).unwrap_err();
        assert!(err.to_string().contains("tokio runtime"), "{err}");
    }

    #[test]
    fn full_traces_url_is_kept_and_errors_are_named() {
        let (s, _) = parse(&json!({"collector_url": "https://c.example/otlp/v1/traces"})).unwrap();
        assert_eq!(s.endpoint, "https://c.example/otlp/v1/traces");
        assert!(matches!(
            parse(&json!({"collector_url": ""})),
            Err(OtelError::MissingCollector)
        ));
        let err = parse(&json!({"collector_url": "http://x", "protocol": "udp"})).unwrap_err();
        assert!(err.to_string().starts_with("protocol:"), "{err}");
        let err =
            parse(&json!({"collector_url": "env.BIFROST_SURELY_UNSET_OTEL_URL"})).unwrap_err();
        assert!(err.to_string().contains("not set"), "{err}");
    }
}
