//! Parsing `provider/model` strings.

use super::snapshot::Snapshot;
use crate::error::BifrostError;
use crate::providers::is_known_provider;
use crate::schemas::ModelRef;

/// Splits `provider/model` at the first `/` when the prefix is a configured or known provider
/// (so `openrouter/openai/gpt-4o` is OpenRouter's `openai/gpt-4o`). A bare model name resolves to
/// the providers whose keys list it explicitly: the first serves, the others become fallbacks.
pub fn parse_model(
    snapshot: &Snapshot,
    model: &str,
) -> Result<(ModelRef, Vec<ModelRef>), BifrostError> {
    parse_model_with_default(snapshot, model, None)
}

/// Like [`parse_model`]; a bare model name goes to `default_provider` when that provider serves,
/// then to the providers whose keys list it, then to `default_provider` anyway (so the error
/// names it).
pub fn parse_model_with_default(
    snapshot: &Snapshot,
    model: &str,
    default_provider: Option<&str>,
) -> Result<(ModelRef, Vec<ModelRef>), BifrostError> {
    let model = model.trim();
    if model.is_empty() {
        return Err(BifrostError::invalid_request("model is required").with_param("model"));
    }
    if let Some((prefix, rest)) = model.split_once('/')
        && !rest.is_empty()
        && is_provider_name(snapshot, prefix)
    {
        return Ok((
            ModelRef {
                provider: prefix.to_owned(),
                model: rest.to_owned(),
            },
            Vec::new(),
        ));
    }
    let bare = |provider: &str| {
        Ok((
            ModelRef {
                provider: provider.to_owned(),
                model: model.to_owned(),
            },
            Vec::new(),
        ))
    };
    if let Some(p) = default_provider
        && snapshot.providers.contains_key(p)
    {
        return bare(p);
    }
    if let Some(providers) = snapshot.model_index.get(model)
        && let Some((first, rest)) = providers.split_first()
    {
        let to_ref = |p: &std::sync::Arc<str>| ModelRef {
            provider: p.to_string(),
            model: model.to_owned(),
        };
        return Ok((to_ref(first), rest.iter().map(to_ref).collect()));
    }
    if let Some(p) = default_provider {
        return bare(p);
    }
    let configured = snapshot.provider_names();
    let hint = if configured.is_empty() {
        "no provider is configured yet: add one to config.json under \"providers\"".to_owned()
    } else {
        format!("configured providers: {}", configured.join(", "))
    };
    Err(BifrostError::invalid_request(format!(
        "provider is required in model field (format: provider/model), e.g. \"openai/gpt-4o-mini\"; no configured key lists model {model:?} ({hint})"
    ))
    .with_param("model"))
}

/// Parses a fallback entry; malformed entries are skipped, as Bifrost does.
pub fn parse_fallback(snapshot: &Snapshot, entry: &str) -> Option<ModelRef> {
    let (prefix, rest) = entry.trim().split_once('/')?;
    (!prefix.is_empty() && !rest.is_empty() && is_provider_name(snapshot, prefix)).then(|| {
        ModelRef {
            provider: prefix.to_owned(),
            model: rest.to_owned(),
        }
    })
}

fn is_provider_name(snapshot: &Snapshot, name: &str) -> bool {
    snapshot.providers.contains_key(name)
        || snapshot.unavailable.contains_key(name)
        || is_known_provider(name)
}
