//! Rules compiled once at construction: regexes built, responses' cumulative weights computed,
//! latencies resolved. Matching a request allocates only when a rule needs the request's text.

use std::cell::OnceCell;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use bifrost_core::schemas::{RequestBody, TextCompletionRequest};
use regex::Regex;

use crate::config::{
    ErrorContent, LATENCY_TYPE_UNIFORM, Latency, MockRule, RESPONSE_TYPE_SUCCESS, SizeRange,
    SuccessContent,
};
use crate::error::MockerError;
use crate::random::Random;

/// Bytes added per chat message to approximate its JSON envelope (Bifrost's estimate).
const MESSAGE_OVERHEAD: i64 = 50;

/// How long to wait before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LatencySpec {
    /// Always `min`.
    Fixed(Duration),
    /// Uniform in `[min, max]` (`min` when `max <= min`).
    Uniform(Duration, Duration),
}

impl LatencySpec {
    pub(crate) fn compile(latency: &Latency) -> Self {
        if latency.kind == LATENCY_TYPE_UNIFORM {
            Self::Uniform(latency.min.0, latency.max.0)
        } else {
            Self::Fixed(latency.min.0)
        }
    }

    /// The delay for one request.
    pub(crate) fn delay(self, rng: &Random) -> Duration {
        match self {
            Self::Fixed(min) => min,
            Self::Uniform(min, max) if max <= min => min,
            Self::Uniform(min, max) => min + (max - min).mul_f64(rng.f64()),
        }
    }
}

/// One candidate answer, checked for completeness.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// A mocked completion.
    Success(SuccessContent),
    /// A mocked error and whether fallbacks may run after it.
    Error(ErrorContent, Option<bool>),
}

/// A rule ready to be matched.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) name: String,
    pub(crate) enabled: bool,
    pub(crate) priority: i64,
    pub(crate) probability: f64,
    pub(crate) latency: Option<LatencySpec>,
    providers: Vec<String>,
    models: Vec<String>,
    regex: Option<Regex>,
    request_size: Option<SizeRange>,
    answers: Vec<Answer>,
    /// Cumulative normalised weights, the last exactly 1.0.
    cumulative: Vec<f64>,
    /// How many requests this rule answered.
    pub(crate) hits: AtomicU64,
}

impl CompiledRule {
    /// Compiles a validated rule.
    pub(crate) fn compile(rule: &MockRule) -> Result<Self, MockerError> {
        let regex = rule
            .conditions
            .message_regex
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|source| MockerError::Regex {
                rule: rule.name.clone(),
                source,
            })?;
        // Validation guarantees each response carries the content its type needs.
        let (answers, weights): (Vec<Answer>, Vec<f64>) = rule
            .responses
            .iter()
            .filter_map(|r| {
                let answer = if r.kind == RESPONSE_TYPE_SUCCESS {
                    Answer::Success(r.content.clone()?)
                } else {
                    Answer::Error(r.error.clone()?, r.allow_fallbacks)
                };
                Some((answer, if r.weight == 0.0 { 1.0 } else { r.weight }))
            })
            .unzip();
        Ok(Self {
            name: rule.name.clone(),
            enabled: rule.enabled,
            priority: rule.priority,
            probability: rule.probability,
            latency: rule.latency.as_ref().map(LatencySpec::compile),
            providers: rule.conditions.providers.clone(),
            models: rule.conditions.models.clone(),
            regex,
            request_size: rule.conditions.request_size,
            answers,
            cumulative: cumulative(&weights),
            hits: AtomicU64::new(0),
        })
    }

    /// True when every condition that is set matches the request.
    pub(crate) fn matches(&self, req: &RequestView<'_>) -> bool {
        if !self.providers.is_empty() && !self.providers.iter().any(|p| p == req.provider) {
            return false;
        }
        if !self.models.is_empty() && !self.models.iter().any(|m| m == req.model) {
            return false;
        }
        if let Some(re) = &self.regex
            && !re.is_match(req.text())
        {
            return false;
        }
        if let Some(range) = &self.request_size {
            let size = req.size();
            if size < range.min || size > range.max {
                return false;
            }
        }
        true
    }

    /// Picks an answer by weight (no random draw when there is only one).
    pub(crate) fn pick(&self, rng: &Random) -> Option<&Answer> {
        match self.answers.len() {
            0 => None,
            1 => self.answers.first(),
            n => {
                let r = rng.f64();
                let i = self.cumulative.partition_point(|&w| w < r).min(n - 1);
                self.answers.get(i)
            }
        }
    }
}

/// Normalised cumulative weights; the last is forced to 1.0 against rounding.
fn cumulative(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut out: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

/// What the rules look at in a request; the text and size are computed at most once.
pub(crate) struct RequestView<'a> {
    pub(crate) provider: &'a str,
    pub(crate) model: &'a str,
    body: &'a RequestBody,
    text: OnceCell<String>,
    size: OnceCell<i64>,
}

impl<'a> RequestView<'a> {
    pub(crate) fn new(provider: &'a str, model: &'a str, body: &'a RequestBody) -> Self {
        Self {
            provider,
            model,
            body,
            text: OnceCell::new(),
            size: OnceCell::new(),
        }
    }

    /// The text `message_regex` is searched in: the messages' text joined by single spaces
    /// (messages without text are left out), or the text completion's prompt.
    pub(crate) fn text(&self) -> &str {
        self.text.get_or_init(|| match self.body {
            RequestBody::Chat(chat) => {
                let mut out = String::new();
                for message in &chat.messages {
                    let Some(content) = &message.content else {
                        continue;
                    };
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(&content.to_text());
                }
                out
            }
            RequestBody::TextCompletion(text) => prompt_strings(text).concat(),
            _ => String::new(),
        })
    }

    /// Bifrost's approximate request size in bytes: model and provider names, plus each chat
    /// message's text and 50 bytes of envelope, plus the prompt's text.
    pub(crate) fn size(&self) -> i64 {
        *self.size.get_or_init(|| {
            let mut size = self.model.len() + self.provider.len();
            match self.body {
                RequestBody::Chat(chat) => {
                    for message in &chat.messages {
                        size += message.content.as_ref().map_or(0, |c| c.to_text().len());
                        size += MESSAGE_OVERHEAD as usize;
                    }
                }
                RequestBody::TextCompletion(text) => {
                    size += prompt_strings(text).iter().map(|s| s.len()).sum::<usize>();
                }
                _ => {}
            }
            i64::try_from(size).unwrap_or(i64::MAX)
        })
    }
}

/// The string parts of a prompt: the prompt itself, or the strings of a prompt array.
fn prompt_strings(req: &TextCompletionRequest) -> Vec<&str> {
    match &req.prompt {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use bifrost_core::schemas::{ChatMessage, ChatRequest, MessageContent, Role};
    use serde_json::json;

    use super::*;

    fn rule(conditions: serde_json::Value) -> CompiledRule {
        let rule: MockRule = serde_json::from_value(json!({
            "name": "r", "enabled": true, "conditions": conditions,
            "responses": [{"type": "success", "content": {"message": "m"}}]
        }))
        .unwrap();
        CompiledRule::compile(&rule).unwrap()
    }

    fn chat(messages: &[&str]) -> RequestBody {
        RequestBody::Chat(Box::new(ChatRequest {
            model: "gpt-4o".into(),
            messages: messages
                .iter()
                .map(|m| ChatMessage::text(Role::User, *m))
                .collect(),
            ..ChatRequest::default()
        }))
    }

    #[test]
    fn providers_and_models_match_exactly() {
        let body = chat(&["hi"]);
        let view = RequestView::new("openai", "gpt-4o", &body);
        assert!(rule(json!({})).matches(&view));
        assert!(rule(json!({"providers": ["anthropic", "openai"]})).matches(&view));
        assert!(!rule(json!({"providers": ["OpenAI"]})).matches(&view));
        assert!(rule(json!({"models": ["gpt-4o"]})).matches(&view));
        assert!(!rule(json!({"models": ["gpt-4o-mini"]})).matches(&view));
        assert!(!rule(json!({"models": ["openai/gpt-4o"]})).matches(&view));
        assert!(!rule(json!({"providers": ["openai"], "models": ["x"]})).matches(&view));
    }

    #[test]
    fn regex_searches_the_joined_messages() {
        let body = chat(&["first question", "second one"]);
        let view = RequestView::new("openai", "gpt-4o", &body);
        assert_eq!(view.text(), "first question second one");
        assert!(rule(json!({"message_regex": "question second"})).matches(&view));
        assert!(rule(json!({"message_regex": "(?i)FIRST"})).matches(&view));
        assert!(!rule(json!({"message_regex": "^second"})).matches(&view));
    }

    #[test]
    fn text_includes_content_parts_and_skips_empty_messages() {
        let mut req = ChatRequest::default();
        req.messages
            .push(ChatMessage::text(Role::System, "be brief"));
        let mut tool_call = ChatMessage::text(Role::Assistant, "");
        tool_call.content = None;
        req.messages.push(tool_call);
        let mut parts = ChatMessage::text(Role::User, "");
        parts.content = Some(MessageContent::Parts(vec![
            bifrost_core::schemas::ContentPart::text("look at "),
            bifrost_core::schemas::ContentPart::image("https://x/y.png"),
            bifrost_core::schemas::ContentPart::text("this"),
        ]));
        req.messages.push(parts);
        let body = RequestBody::Chat(Box::new(req));
        let view = RequestView::new("p", "m", &body);
        assert_eq!(view.text(), "be brief look at this");
    }

    #[test]
    fn prompt_text_is_the_prompt_or_its_strings_concatenated() {
        let body = RequestBody::TextCompletion(Box::new(TextCompletionRequest {
            prompt: json!(["ab", "cd"]),
            ..TextCompletionRequest::default()
        }));
        let view = RequestView::new("openai", "m", &body);
        assert_eq!(view.text(), "abcd");
        assert_eq!(view.size(), 7 + 4);
        let body = RequestBody::TextCompletion(Box::new(TextCompletionRequest {
            prompt: json!("tell me a story"),
            ..TextCompletionRequest::default()
        }));
        assert!(
            rule(json!({"message_regex": "story$"}))
                .matches(&RequestView::new("openai", "m", &body))
        );
    }

    #[test]
    fn request_size_uses_bifrost_estimate() {
        // "openai" (6) + "gpt-4o" (6) + "hello" (5) + 50 + "hi" (2) + 50 = 119.
        let body = chat(&["hello", "hi"]);
        let view = RequestView::new("openai", "gpt-4o", &body);
        assert_eq!(view.size(), 119);
        assert!(rule(json!({"request_size": {"min": 119, "max": 119}})).matches(&view));
        assert!(rule(json!({"request_size": {"min": 0, "max": 200}})).matches(&view));
        assert!(!rule(json!({"request_size": {"min": 120, "max": 1000}})).matches(&view));
        assert!(!rule(json!({"request_size": {"min": 0, "max": 118}})).matches(&view));
    }

    #[test]
    fn cumulative_weights_treat_zero_as_one() {
        assert_eq!(cumulative(&[1.0, 1.0]), vec![0.5, 1.0]);
        assert_eq!(cumulative(&[3.0, 1.0]), vec![0.75, 1.0]);
        assert_eq!(cumulative(&[1.0]), vec![1.0]);
    }

    #[test]
    fn uniform_latency_stays_in_range_and_degenerates_to_min() {
        let rng = Random::seeded(5);
        let (min, max) = (Duration::from_millis(10), Duration::from_millis(20));
        for _ in 0..100 {
            let d = LatencySpec::Uniform(min, max).delay(&rng);
            assert!(d >= min && d <= max, "{d:?}");
        }
        assert_eq!(LatencySpec::Uniform(max, min).delay(&rng), max);
        assert_eq!(LatencySpec::Fixed(min).delay(&rng), min);
    }
}
