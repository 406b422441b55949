//! The `anthropic-beta` header: values from `network_config.extra_headers` and from the request's
//! extra headers, merged and filtered by `network_config.beta_header_overrides`.
//!
//! Each comma-separated beta name is kept once, in first-seen order. An override maps a name
//! prefix to `true` (send) or `false` (strip); the longest matching prefix decides. Names no
//! override matches are sent: Anthropic's own API accepts every beta it documents.

/// The configured beta names and the override rules of one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BetaPolicy {
    configured: Vec<String>,
    overrides: Vec<(String, bool)>,
}

fn split(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

impl BetaPolicy {
    /// A policy from the provider's `anthropic-beta` extra header value(s) and overrides.
    pub fn new<'a>(
        configured: impl IntoIterator<Item = &'a str>,
        overrides: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> Self {
        let mut out = Self {
            configured: Vec::new(),
            overrides: overrides
                .into_iter()
                .map(|(p, allow)| (p.to_owned(), allow))
                .collect(),
        };
        for value in configured {
            for name in split(value) {
                if !out.configured.iter().any(|c| c == name) {
                    out.configured.push(name.to_owned());
                }
            }
        }
        out
    }

    fn allowed(&self, name: &str) -> bool {
        self.overrides
            .iter()
            .filter(|(prefix, _)| name.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .is_none_or(|(_, allow)| *allow)
    }

    /// The header value for a request carrying `request_values` (its own `anthropic-beta`
    /// headers), or `None` when no beta remains.
    pub fn header_value<'a>(
        &'a self,
        request_values: impl IntoIterator<Item = &'a str>,
    ) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        let configured = self.configured.iter().map(String::as_str);
        let requested = request_values.into_iter().flat_map(split);
        for name in configured.chain(requested) {
            if self.allowed(name) && !names.contains(&name) {
                names.push(name);
            }
        }
        (!names.is_empty()).then(|| names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_dedupes_and_filters_by_longest_prefix() {
        let policy = BetaPolicy::new(
            ["prompt-caching-2024-07-31, files-api-2025-04-14"],
            [
                ("files-api", false),
                ("files-api-2025", true),
                ("computer-use", false),
            ],
        );
        let v = policy.header_value([
            "computer-use-2025-01-24,context-1m-2025-08-07",
            "prompt-caching-2024-07-31",
        ]);
        assert_eq!(
            v.as_deref(),
            Some("prompt-caching-2024-07-31,files-api-2025-04-14,context-1m-2025-08-07")
        );
        let strict = BetaPolicy::new([], [("", false)]);
        assert_eq!(strict.header_value(["anything"]), None);
        assert_eq!(BetaPolicy::default().header_value([]), None);
    }
}
