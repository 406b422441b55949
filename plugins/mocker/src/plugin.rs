//! The [`MockerPlugin`]: matches requests against the rules in its pre-hook and answers with a
//! mocked completion or error instead of the provider.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bifrost_core::schemas::{Request, RequestBody};
use bifrost_core::{Plugin, PluginError, PreHookOutcome, RequestContext, ShortCircuit};
use serde::Serialize;

use crate::PLUGIN_NAME;
use crate::config::{
    Conditions, DEFAULT_BEHAVIOR_ERROR, DEFAULT_BEHAVIOR_SUCCESS, MockResponse, MockRule,
    MockerConfig,
};
use crate::error::MockerError;
use crate::random::Random;
use crate::response::{self, Target};
use crate::rules::{Answer, CompiledRule, LatencySpec, RequestView};

/// Name of the catch-all rule added when the mocker is enabled without rules.
pub const DEFAULT_RULE_NAME: &str = "default-mock";
/// Assistant text of the catch-all rule.
pub const DEFAULT_RULE_MESSAGE: &str = "This is a mock response from the Mocker plugin";

/// Put this marker in [`RequestContext::values`] to let one request through unmocked
/// (Bifrost's `skip-mocker` context key).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkipMocker;

/// What happens to a mockable request that no rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefaultBehavior {
    Passthrough,
    Success,
    Error,
}

/// Counters of the mocker (Bifrost's `MockStats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MockStats {
    /// Mockable requests seen while enabled.
    pub total_requests: u64,
    /// Requests a rule answered.
    pub mocked_requests: u64,
    /// Rule name -> requests it answered.
    pub rule_hits: BTreeMap<String, u64>,
    /// Mocked errors returned by rules.
    pub errors_generated: u64,
    /// Mocked completions returned by rules.
    pub responses_generated: u64,
}

#[derive(Debug, Default)]
struct Counters {
    total: AtomicU64,
    mocked: AtomicU64,
    responses: AtomicU64,
    errors: AtomicU64,
}

/// Bifrost's mocker plugin: answers chat and text completions (streamed or not) from
/// configured rules, with simulated latency, and passes every other request through.
#[derive(Debug)]
pub struct MockerPlugin {
    enabled: bool,
    default_behavior: DefaultBehavior,
    global_latency: Option<LatencySpec>,
    /// Sorted by descending priority; equal priorities keep configuration order.
    rules: Vec<CompiledRule>,
    rng: Random,
    counters: Counters,
}

impl MockerPlugin {
    /// Validates the configuration and compiles its rules (regexes are built here, once).
    pub fn new(config: MockerConfig) -> Result<Self, MockerError> {
        Self::build(config, Random::Thread)
    }

    /// Like [`MockerPlugin::new`], with one seeded generator for every random choice
    /// (probability, latency, response weights, faker values), so that answers repeat.
    pub fn with_seed(config: MockerConfig, seed: u64) -> Result<Self, MockerError> {
        Self::build(config, Random::seeded(seed))
    }

    /// Builds the plugin from a `plugins[].config` value of `config.json`; `null` gives a
    /// disabled mocker, as in Bifrost.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, MockerError> {
        if value.is_null() {
            return Self::new(MockerConfig::default());
        }
        Self::new(serde_path_to_error::deserialize(value)?)
    }

    fn build(mut config: MockerConfig, rng: Random) -> Result<Self, MockerError> {
        config.validate()?;
        let default_behavior = match config.default_behavior.as_str() {
            DEFAULT_BEHAVIOR_SUCCESS => DefaultBehavior::Success,
            DEFAULT_BEHAVIOR_ERROR => DefaultBehavior::Error,
            _ => DefaultBehavior::Passthrough,
        };
        if config.enabled && config.rules.is_empty() {
            config.rules.push(default_rule());
        }
        let mut rules = config
            .rules
            .iter()
            .map(CompiledRule::compile)
            .collect::<Result<Vec<_>, _>>()?;
        // Stable: rules of equal priority are checked in configuration order.
        rules.sort_by_key(|r| std::cmp::Reverse(r.priority));
        for rule in rules.iter().filter(|r| !r.enabled) {
            tracing::info!(
                rule = %rule.name,
                "mocker rule is disabled (\"enabled\" is false or missing) and will be skipped"
            );
        }
        Ok(Self {
            enabled: config.enabled,
            default_behavior,
            global_latency: config.global_latency.as_ref().map(LatencySpec::compile),
            rules,
            rng,
            counters: Counters::default(),
        })
    }

    /// Rule names in the order they are checked (descending priority).
    pub fn rule_order(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> MockStats {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MockStats {
            total_requests: load(&self.counters.total),
            mocked_requests: load(&self.counters.mocked),
            rule_hits: self
                .rules
                .iter()
                .map(|r| (r.name.clone(), load(&r.hits)))
                .filter(|(_, hits)| *hits > 0)
                .collect(),
            errors_generated: load(&self.counters.errors),
            responses_generated: load(&self.counters.responses),
        }
    }

    fn default_outcome(&self, target: Target<'_>) -> PreHookOutcome {
        match self.default_behavior {
            DefaultBehavior::Passthrough => PreHookOutcome::Continue,
            DefaultBehavior::Success => PreHookOutcome::ShortCircuit(ShortCircuit::Response(
                response::default_success(target),
            )),
            DefaultBehavior::Error => {
                PreHookOutcome::ShortCircuit(ShortCircuit::Error(response::default_error(target)))
            }
        }
    }
}

fn default_rule() -> MockRule {
    MockRule {
        name: DEFAULT_RULE_NAME.to_owned(),
        enabled: true,
        priority: 1,
        conditions: Conditions::default(),
        responses: vec![MockResponse::success(DEFAULT_RULE_MESSAGE)],
        latency: None,
        probability: 1.0,
    }
}

#[async_trait]
impl Plugin for MockerPlugin {
    fn name(&self) -> &str {
        PLUGIN_NAME
    }

    async fn pre_hook(
        &self,
        ctx: &mut RequestContext,
        req: &mut Request,
    ) -> Result<PreHookOutcome, PluginError> {
        if !self.enabled
            || ctx.values.get::<SkipMocker>().is_some()
            || !matches!(
                req.body,
                RequestBody::Chat(_) | RequestBody::TextCompletion(_)
            )
        {
            return Ok(PreHookOutcome::Continue);
        }
        let started = tokio::time::Instant::now();
        self.counters.total.fetch_add(1, Ordering::Relaxed);
        let target = Target {
            provider: &req.provider,
            model: &req.model,
            model_requested: if ctx.model_requested.is_empty() {
                &req.model
            } else {
                &ctx.model_requested
            },
            request_type: req.request_type(),
        };
        let rule = {
            let view = RequestView::new(&req.provider, &req.model, &req.body);
            self.rules.iter().find(|r| r.enabled && r.matches(&view))
        };
        let Some(rule) = rule else {
            return Ok(self.default_outcome(target));
        };
        // Bifrost's semantics: a probability of 0 means "always".
        if rule.probability > 0.0 && self.rng.f64() > rule.probability {
            return Ok(PreHookOutcome::Continue);
        }
        if let Some(latency) = rule.latency.or(self.global_latency) {
            let delay = latency.delay(&self.rng);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
        let Some(answer) = rule.pick(&self.rng) else {
            return Ok(PreHookOutcome::Continue);
        };
        self.counters.mocked.fetch_add(1, Ordering::Relaxed);
        rule.hits.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(rule = %rule.name, provider = %req.provider, model = %req.model, "mocked");
        let short = match answer {
            Answer::Success(content) => {
                self.counters.responses.fetch_add(1, Ordering::Relaxed);
                let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                ShortCircuit::Response(response::success(content, target, &self.rng, latency_ms))
            }
            Answer::Error(content, allow_fallbacks) => {
                self.counters.errors.fetch_add(1, Ordering::Relaxed);
                ShortCircuit::Error(response::error(content, *allow_fallbacks, target))
            }
        };
        Ok(PreHookOutcome::ShortCircuit(short))
    }
}
