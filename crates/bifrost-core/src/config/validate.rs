//! Checking a `config.json`: invalid values (errors that stop start-up) and fields this build
//! does not act on (warnings, each named by its JSON path).

use std::collections::HashSet;

use super::{ConfigFile, ProviderConfig, ProxyType};
use crate::providers::{CUSTOM_BASE_TYPES, is_known_provider};
use crate::schemas::{ExtraMap, RequestType};

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The configuration cannot be used.
    Error,
    /// The configuration works, but something in it is ignored or adjusted.
    Warning,
}

/// One problem in a configuration, located by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// JSON path, e.g. `providers.openai.keys[0].weight`.
    pub path: String,
    /// What is wrong and what to do.
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
}

impl ConfigProblem {
    /// An error at `path`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    /// A warning at `path`.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            severity: Severity::Warning,
        }
    }
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Fields of Bifrost's `config.json` that this build accepts but does not act on yet.
const BIFROST_FIELDS_NOT_YET_SUPPORTED: &[&str] = &[
    // top level
    "source_of_truth",
    "encryption_key",
    "governance",
    "config_store",
    "logs_store",
    "vector_store",
    "framework",
    "mcp",
    "websocket",
    "auth_config",
    "cluster_config",
    "load_balancer_config",
    "guardrails_config",
    "alerting",
    "access_profiles",
    // client
    "enable_logging",
    "disable_content_logging",
    "log_retention_days",
    "logging_headers",
    "hidden_request_types",
    "enforce_auth_on_inference",
    "allow_direct_keys",
    "whitelisted_routes",
    "compat",
    "mcp_agent_depth",
    "mcp_tool_execution_timeout",
    "mcp_tool_sync_interval",
    "mcp_disable_auto_tool_inject",
    "mcp_external_client_url",
    "mcp_external_server_url",
    "async_job_result_ttl",
    "disable_db_pings_in_health",
    "routing_chain_max_depth",
    "enable_governance",
    "enforce_governance_header",
    // providers
    "prompt_cache",
    // network_config
    "allow_private_network",
    "stream_throughput_guard",
    // keys
    "bedrock_mantle_key_config",
    "replicate_key_config",
    "databricks_key_config",
    "huggingface_key_config",
];

fn report_extra(extra: &ExtraMap, path: &str, out: &mut Vec<ConfigProblem>) {
    for key in extra.keys() {
        let p = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let message = if BIFROST_FIELDS_NOT_YET_SUPPORTED.contains(&key.as_str()) {
            "Bifrost setting not supported by this build yet; ignored"
        } else {
            "unknown setting; ignored (check the spelling against docs/configuration.md)"
        };
        out.push(ConfigProblem::warning(p, message));
    }
}

fn valid_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .unwrap_or(false)
}

impl ConfigFile {
    /// Every problem in the file: errors first, then warnings, each with its JSON path.
    pub fn problems(&self) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        report_extra(&self.extra, "", &mut out);
        report_extra(&self.client.extra, "client", &mut out);
        if let Some(v) = self.version
            && !matches!(v, 1 | 2)
        {
            out.push(ConfigProblem::error(
                "version",
                format!("must be 1 or 2, not {v}"),
            ));
        }
        if self.client.max_request_body_size_mb == Some(0) {
            out.push(ConfigProblem::warning(
                "client.max_request_body_size_mb",
                "0 is not a usable limit; the default of 100 MiB applies",
            ));
        }
        for (name, provider) in &self.providers {
            check_provider(name, provider, &mut out);
        }
        out.sort_by_key(|p| p.severity != Severity::Error);
        out
    }
}

fn check_provider(name: &str, pc: &ProviderConfig, out: &mut Vec<ConfigProblem>) {
    let path = format!("providers.{name}");
    report_extra(&pc.extra, &path, out);
    if name.trim().is_empty() || name.contains('/') {
        out.push(ConfigProblem::error(
            &path,
            "a provider name must be non-empty and must not contain '/'",
        ));
    }
    match &pc.custom_provider_config {
        Some(custom) => {
            let cpath = format!("{path}.custom_provider_config");
            if is_known_provider(name) {
                out.push(ConfigProblem::error(
                    &cpath,
                    format!("custom providers cannot use the standard provider name {name:?}; choose another name"),
                ));
            }
            if custom.base_provider_type.is_empty() {
                out.push(ConfigProblem::error(
                    format!("{cpath}.base_provider_type"),
                    "base_provider_type is required",
                ));
            } else if !CUSTOM_BASE_TYPES.contains(&custom.base_provider_type.as_str()) {
                out.push(ConfigProblem::error(
                    format!("{cpath}.base_provider_type"),
                    format!(
                        "unsupported base_provider_type {:?} (supported: {})",
                        custom.base_provider_type,
                        CUSTOM_BASE_TYPES.join(", ")
                    ),
                ));
            }
            for (field, names) in [
                ("allowed_requests", custom.allowed_requests.as_ref().map(|m| m.keys().collect::<Vec<_>>())),
                ("request_path_overrides", custom.request_path_overrides.as_ref().map(|m| m.keys().collect::<Vec<_>>())),
            ] {
                for n in names.into_iter().flatten() {
                    if RequestType::parse(n).is_none() {
                        out.push(ConfigProblem::error(
                            format!("{cpath}.{field}.{n}"),
                            "unknown request type (use e.g. chat_completion, chat_completion_stream, text_completion, embedding, list_models)",
                        ));
                    }
                }
            }
            let base_url = pc.network_config.as_ref().and_then(|n| n.trimmed_base_url());
            if base_url.is_none() && custom.base_provider_type == "openai" {
                out.push(ConfigProblem::error(
                    format!("{path}.network_config.base_url"),
                    "a custom provider needs network_config.base_url",
                ));
            }
        }
        None if !is_known_provider(name) => out.push(ConfigProblem::error(
            &path,
            "unknown provider: use one of Bifrost's provider names (openai, anthropic, groq, ...) or add custom_provider_config to define a custom provider",
        )),
        None => {}
    }
    let mut names = HashSet::new();
    for (i, key) in pc.keys.iter().enumerate() {
        let kpath = format!("{path}.keys[{i}]");
        report_extra(&key.extra, &kpath, out);
        if let Some(w) = key.weight
            && !(w.is_finite() && w >= 0.0)
        {
            out.push(ConfigProblem::error(
                format!("{kpath}.weight"),
                format!("weight must be a finite number >= 0, not {w}"),
            ));
        }
        if let Some(n) = &key.name
            && !names.insert(n.clone())
        {
            out.push(ConfigProblem::error(
                format!("{kpath}.name"),
                format!("duplicate key name {n:?} (key names are unique per provider)"),
            ));
        }
        if key.models.as_deref() == Some(&[]) {
            out.push(ConfigProblem::warning(
                format!("{kpath}.models"),
                "an empty models list allows no model (use [\"*\"] for all models)",
            ));
        }
    }
    if let Some(net) = &pc.network_config {
        let npath = format!("{path}.network_config");
        report_extra(&net.extra, &npath, out);
        if let Some(url) = net.trimmed_base_url()
            && !url.starts_with("env.")
            && !valid_url(url)
        {
            out.push(ConfigProblem::error(
                format!("{npath}.base_url"),
                format!("{url:?} is not an http(s) URL"),
            ));
        }
        if net.backoff_initial() > net.backoff_max() {
            out.push(ConfigProblem::error(
                format!("{npath}.retry_backoff_initial"),
                "retry_backoff_initial must not exceed retry_backoff_max",
            ));
        }
        if net.max_retries.is_some_and(|r| r > 100) {
            out.push(ConfigProblem::error(
                format!("{npath}.max_retries"),
                "max_retries above 100 is not allowed",
            ));
        }
        if net
            .max_conns_per_host
            .is_some_and(|m| m > super::MAX_CONNS_PER_HOST_LIMIT)
        {
            out.push(ConfigProblem::warning(
                format!("{npath}.max_conns_per_host"),
                "capped at 10000",
            ));
        }
        for (h, _) in net.extra_headers.iter().flatten() {
            if http::HeaderName::from_bytes(h.as_bytes()).is_err() {
                out.push(ConfigProblem::error(
                    format!("{npath}.extra_headers.{h}"),
                    "not a valid HTTP header name",
                ));
            }
        }
    }
    if let Some(proxy) = &pc.proxy_config
        && matches!(proxy.kind, ProxyType::Http | ProxyType::Socks5)
        && proxy.url.as_deref().is_none_or(str::is_empty)
    {
        out.push(ConfigProblem::error(
            format!("{path}.proxy_config.url"),
            "an http or socks5 proxy needs a url",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(json: &str) -> Vec<ConfigProblem> {
        ConfigFile::parse(json.as_bytes()).unwrap().problems()
    }

    #[test]
    fn reports_unsupported_and_unknown_fields_with_paths() {
        let p = problems(
            r#"{"governance":{},"client":{"enable_logging":true,"colour":"red"},
                "providers":{"openai":{"keys":[{"value":"k","shiny":1}],"network_config":{"stream_throughput_guard":{}}}}}"#,
        );
        let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"governance"));
        assert!(paths.contains(&"client.enable_logging"));
        assert!(paths.contains(&"client.colour"));
        assert!(paths.contains(&"providers.openai.keys[0].shiny"));
        assert!(paths.contains(&"providers.openai.network_config.stream_throughput_guard"));
        assert!(p.iter().all(|p| p.severity == Severity::Warning));
        let colour = p.iter().find(|p| p.path == "client.colour").unwrap();
        assert!(colour.message.starts_with("unknown setting"));
    }

    #[test]
    fn rejects_invalid_values() {
        let p = problems(
            r#"{"providers":{
                "mystery":{"keys":[]},
                "groq":{"keys":[{"name":"a","value":"x","weight":-1},{"name":"a","value":"y"}],
                        "network_config":{"base_url":"ftp://x","retry_backoff_initial":9000,"retry_backoff_max":100}},
                "openai":{"custom_provider_config":{"base_provider_type":"openai"}},
                "together":{"custom_provider_config":{"base_provider_type":"cobol"},"network_config":{"base_url":"https://api.together.xyz"}}}}"#,
        );
        let errors: Vec<String> = p
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| p.path.clone())
            .collect();
        for expected in [
            "providers.mystery",
            "providers.groq.keys[0].weight",
            "providers.groq.keys[1].name",
            "providers.groq.network_config.base_url",
            "providers.groq.network_config.retry_backoff_initial",
            "providers.openai.custom_provider_config",
            "providers.together.custom_provider_config.base_provider_type",
        ] {
            assert!(
                errors.iter().any(|e| e == expected),
                "missing {expected} in {errors:?}"
            );
        }
    }

    #[test]
    fn a_clean_config_has_no_problems() {
        let p = problems(
            r#"{"providers":{"openai":{"keys":[{"name":"k1","value":"env.OPENAI_API_KEY","models":["*"],"weight":1}]},
                "my-llm":{"keys":[],"network_config":{"base_url":"http://localhost:8000"},
                  "custom_provider_config":{"base_provider_type":"openai","is_key_less":true,
                     "allowed_requests":{"chat_completion":true}}}}}"#,
        );
        assert!(p.is_empty(), "{p:?}");
    }
}
