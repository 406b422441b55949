//! Weighted key choice among the keys allowed for a model.
//!
//! The candidate list of every model named in any key's `models` or `blacklisted_models` is
//! computed once, when a configuration snapshot is built; every other model uses the list of keys
//! that accept all models. A choice is then one hash lookup and a walk over a handful of weights,
//! with no allocation.

use std::collections::HashMap;

use crate::context::KeyPin;
use crate::error::{BifrostError, ErrorKind};
use crate::key::Key;

/// The model name that stands for "any key will do" (model listing).
pub const ANY_MODEL: &str = "*";

/// The keys of one provider, indexed by the models they may serve.
#[derive(Debug, Default)]
pub struct KeyPool {
    keys: Vec<Key>,
    /// Keys that accept models not named anywhere.
    wildcard: Vec<u16>,
    /// Every key (model listing may use any of them).
    all: Vec<u16>,
    /// Keys per explicitly named model.
    by_model: HashMap<String, Vec<u16>>,
}

/// How an empty `models: []` list is read (`config.json` `version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyModelsMeans {
    /// Version 2 (default): an empty list allows no model.
    DenyAll,
    /// Version 1 (legacy): an empty list allows every model.
    AllowAll,
}

enum Filter<'a> {
    All,
    Only(&'a [String]),
}

impl KeyPool {
    /// Indexes `keys`. Disabled keys must already be filtered out.
    pub fn new(keys: Vec<Key>, empty_models: EmptyModelsMeans) -> Self {
        fn filter_of(k: &Key, empty_models: EmptyModelsMeans) -> Filter<'_> {
            match k.config.models.as_deref() {
                None => Filter::All,
                Some(m) if m.iter().any(|x| x == "*") => Filter::All,
                Some([]) if empty_models == EmptyModelsMeans::AllowAll => Filter::All,
                Some(m) => Filter::Only(m),
            }
        }
        let filter = |k| filter_of(k, empty_models);
        let blacklisted = |k: &Key, model: &str| {
            k.config
                .blacklisted_models
                .as_deref()
                .is_some_and(|b| b.iter().any(|x| x == model))
        };
        let mut named: Vec<&str> = Vec::new();
        for k in &keys {
            if let Filter::Only(models) = filter(k) {
                named.extend(models.iter().map(String::as_str));
            }
            named.extend(
                k.config
                    .blacklisted_models
                    .iter()
                    .flatten()
                    .map(String::as_str),
            );
        }
        named.sort_unstable();
        named.dedup();
        let mut by_model = HashMap::with_capacity(named.len());
        for model in named {
            let allowed: Vec<u16> = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| {
                    let in_list = match filter(k) {
                        Filter::All => true,
                        Filter::Only(m) => m.iter().any(|x| x == model),
                    };
                    in_list && !blacklisted(k, model)
                })
                .map(|(i, _)| i as u16)
                .collect();
            by_model.insert(model.to_owned(), allowed);
        }
        let wildcard = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| matches!(filter(k), Filter::All))
            .map(|(i, _)| i as u16)
            .collect();
        let all = (0..keys.len()).map(|i| i as u16).collect();
        Self {
            keys,
            wildcard,
            all,
            by_model,
        }
    }

    /// All keys of the provider.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// True when the provider has no usable key at all.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Indices of every key.
    pub fn all(&self) -> &[u16] {
        &self.all
    }

    /// Indices of the keys that may serve `model` ([`ANY_MODEL`]: every key).
    pub fn candidates(&self, model: &str) -> &[u16] {
        if model == ANY_MODEL {
            return &self.all;
        }
        self.by_model
            .get(model)
            .map(Vec::as_slice)
            .unwrap_or(&self.wildcard)
    }

    /// The key at `index`.
    pub fn key(&self, index: u16) -> &Key {
        &self.keys[usize::from(index)]
    }

    /// Resolves a pinned key among the candidates for `model`.
    pub fn pinned(&self, provider: &str, model: &str, pin: &KeyPin) -> Result<u16, BifrostError> {
        let cands = self.candidates(model);
        let found = cands.iter().copied().find(|&i| {
            let k = self.key(i);
            match pin {
                KeyPin::Id(id) => &*k.id == id.as_str(),
                KeyPin::Name(name) => &*k.name == name.as_str(),
            }
        });
        found.ok_or_else(|| {
            let (what, value) = match pin {
                KeyPin::Id(id) => ("id", id),
                KeyPin::Name(name) => ("name", name),
            };
            BifrostError::new(
                ErrorKind::NoKeysForModel,
                format!(
                    "no supported key found with {what} {value:?} for provider: {provider} and model: {model}"
                ),
            )
            .with_code("key_not_found")
        })
    }

    /// Weighted random choice among `candidates`, skipping those for which `excluded` is true.
    /// Keys of weight 0 are chosen only when every remaining key weighs 0.
    pub fn choose(&self, candidates: &[u16], excluded: impl Fn(u16) -> bool) -> Option<u16> {
        self.choose_with(candidates, excluded, fastrand::f64())
    }

    fn choose_with(
        &self,
        candidates: &[u16],
        excluded: impl Fn(u16) -> bool,
        unit: f64,
    ) -> Option<u16> {
        let mut total = 0.0;
        let mut remaining = 0usize;
        for &i in candidates {
            if !excluded(i) {
                total += self.key(i).weight;
                remaining += 1;
            }
        }
        if remaining == 0 {
            return None;
        }
        if total <= 0.0 {
            let pick = ((unit * remaining as f64) as usize).min(remaining - 1);
            return candidates
                .iter()
                .copied()
                .filter(|&i| !excluded(i))
                .nth(pick);
        }
        let mut r = unit * total;
        let mut last = None;
        for &i in candidates {
            if excluded(i) {
                continue;
            }
            let w = self.key(i).weight;
            if w <= 0.0 {
                continue;
            }
            last = Some(i);
            if r < w {
                return Some(i);
            }
            r -= w;
        }
        last
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::{KeyConfig, SecretString};

    fn key(name: &str, weight: f64, models: Option<&[&str]>, black: &[&str]) -> Key {
        Key {
            id: Arc::from(format!("id-{name}")),
            name: Arc::from(name),
            value: SecretString::new(format!("sk-{name}")),
            weight,
            config: Arc::new(KeyConfig {
                models: models.map(|m| m.iter().map(|s| s.to_string()).collect()),
                blacklisted_models: Some(black.iter().map(|s| s.to_string()).collect()),
                ..KeyConfig::default()
            }),
        }
    }

    fn pool() -> KeyPool {
        KeyPool::new(
            vec![
                key("a", 1.0, Some(&["*"]), &["gpt-secret"]),
                key("b", 3.0, Some(&["gpt-4o"]), &[]),
                key("c", 1.0, None, &[]),
                key("d", 1.0, Some(&[]), &[]),
            ],
            EmptyModelsMeans::DenyAll,
        )
    }

    fn names(p: &KeyPool, model: &str) -> Vec<String> {
        p.candidates(model)
            .iter()
            .map(|&i| p.key(i).name.to_string())
            .collect()
    }

    #[test]
    fn candidates_follow_allow_and_deny_lists() {
        let p = pool();
        assert_eq!(names(&p, "gpt-4o"), ["a", "b", "c"]);
        assert_eq!(names(&p, "other-model"), ["a", "c"]);
        assert_eq!(names(&p, "gpt-secret"), ["c"], "blacklist wins over *");
        let legacy = KeyPool::new(
            vec![key("d", 1.0, Some(&[]), &[])],
            EmptyModelsMeans::AllowAll,
        );
        assert_eq!(names(&legacy, "x"), ["d"]);
    }

    #[test]
    fn weighted_choice_respects_weights_and_exclusions() {
        let p = pool();
        let c = p.candidates("gpt-4o");
        // a: [0,1) b: [1,4) c: [4,5) over a total of 5
        assert_eq!(p.choose_with(c, |_| false, 0.0), Some(0));
        assert_eq!(p.choose_with(c, |_| false, 0.5), Some(1));
        assert_eq!(p.choose_with(c, |_| false, 0.99), Some(2));
        assert_eq!(p.choose_with(c, |i| i == 1, 0.5), Some(2));
        assert_eq!(p.choose_with(c, |_| true, 0.5), None);
        let mut counts = [0u32; 3];
        for _ in 0..10_000 {
            let i = p.choose(c, |_| false).unwrap() as usize;
            counts[i.min(2)] += 1;
        }
        assert!(
            counts[1] > counts[0] * 2,
            "weight 3 should win about 60%: {counts:?}"
        );
    }

    #[test]
    fn zero_weights_still_choose() {
        let p = KeyPool::new(vec![key("z", 0.0, None, &[])], EmptyModelsMeans::DenyAll);
        assert_eq!(p.choose(p.candidates("m"), |_| false), Some(0));
    }

    #[test]
    fn pins_resolve_by_id_or_name() {
        let p = pool();
        assert_eq!(
            p.pinned("openai", "gpt-4o", &KeyPin::Name("b".into()))
                .unwrap(),
            1
        );
        assert_eq!(
            p.pinned("openai", "gpt-4o", &KeyPin::Id("id-c".into()))
                .unwrap(),
            2
        );
        let err = p
            .pinned("openai", "other", &KeyPin::Name("b".into()))
            .unwrap_err();
        assert_eq!(
            err.message(),
            "no supported key found with name \"b\" for provider: openai and model: other"
        );
    }
}
