//! Behaviour of the plugin's pre-hook, request by request.

use std::time::Duration;

use bifrost_core::schemas::{
    ChatMessage, ChatRequest, ChatResponse, EmbeddingRequest, Request, RequestBody, Response, Role,
    TextCompletionRequest,
};
use bifrost_core::{BifrostError, Plugin, PreHookOutcome, RequestContext, ShortCircuit};
use serde_json::{Value, json};

use crate::{MockerConfig, MockerError, MockerPlugin, SkipMocker, is_mocker_name};

fn config(value: Value) -> MockerConfig {
    serde_json::from_value(value).unwrap()
}

fn seeded(value: Value, seed: u64) -> MockerPlugin {
    MockerPlugin::with_seed(config(value), seed).unwrap()
}

fn plugin(value: Value) -> MockerPlugin {
    seeded(value, 1)
}

fn success_rule(name: &str, priority: i64, message: &str) -> Value {
    json!({
        "name": name, "enabled": true, "priority": priority,
        "responses": [{"type": "success", "content": {"message": message}}]
    })
}

fn chat_to(provider: &str, model: &str, texts: &[&str], stream: bool) -> Request {
    Request {
        provider: provider.into(),
        model: model.into(),
        fallbacks: Vec::new(),
        body: RequestBody::Chat(Box::new(ChatRequest {
            model: model.into(),
            messages: texts
                .iter()
                .map(|t| ChatMessage::text(Role::User, *t))
                .collect(),
            stream: stream.then_some(true),
            ..ChatRequest::default()
        })),
    }
}

fn chat(text: &str) -> Request {
    chat_to("openai", "gpt-4o", &[text], false)
}

async fn run(plugin: &MockerPlugin, mut req: Request) -> PreHookOutcome {
    let mut ctx = RequestContext::default();
    plugin.pre_hook(&mut ctx, &mut req).await.unwrap()
}

fn chat_response(outcome: PreHookOutcome) -> ChatResponse {
    match outcome {
        PreHookOutcome::ShortCircuit(ShortCircuit::Response(Response::Chat(r))) => *r,
        other => panic!("expected a chat response, got {other:?}"),
    }
}

fn text_of(outcome: PreHookOutcome) -> String {
    chat_response(outcome).choices[0].message.text_content()
}

fn error_of(outcome: PreHookOutcome) -> BifrostError {
    match outcome {
        PreHookOutcome::ShortCircuit(ShortCircuit::Error(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn passes(outcome: &PreHookOutcome) -> bool {
    matches!(outcome, PreHookOutcome::Continue)
}

#[tokio::test]
async fn enabled_without_rules_adds_the_default_mock_rule() {
    let p = plugin(json!({"enabled": true}));
    assert_eq!(p.rule_order().collect::<Vec<_>>(), ["default-mock"]);
    assert_eq!(
        text_of(run(&p, chat("hi")).await),
        "This is a mock response from the Mocker plugin"
    );
}

#[tokio::test]
async fn disabled_plugin_and_disabled_rules_pass_through() {
    let off = plugin(json!({"enabled": false, "rules": [success_rule("r", 1, "x")]}));
    assert!(passes(&run(&off, chat("hi")).await));
    assert!(off.rule_order().eq(["r"]));

    // `enabled` missing on the rule: skipped, as in Bifrost's code.
    let mut rule = success_rule("r", 1, "x");
    rule.as_object_mut().unwrap().remove("enabled");
    let p = plugin(json!({"enabled": true, "rules": [rule]}));
    assert!(passes(&run(&p, chat("hi")).await));

    let p = plugin(json!({"enabled": true, "rules": [
        {"name": "off", "enabled": false, "priority": 9,
         "responses": [{"type": "success", "content": {"message": "off"}}]},
        success_rule("on", 1, "on"),
    ]}));
    assert_eq!(text_of(run(&p, chat("hi")).await), "on");
}

#[tokio::test]
async fn higher_priority_wins_and_ties_keep_configuration_order() {
    let p = plugin(json!({"enabled": true, "rules": [
        success_rule("low", -5, "low"),
        success_rule("first-ten", 10, "first-ten"),
        success_rule("zero", 0, "zero"),
        success_rule("second-ten", 10, "second-ten"),
    ]}));
    assert_eq!(
        p.rule_order().collect::<Vec<_>>(),
        ["first-ten", "second-ten", "zero", "low"]
    );
    assert_eq!(text_of(run(&p, chat("hi")).await), "first-ten");
}

#[tokio::test]
async fn conditions_select_the_rule() {
    let rule = |name: &str, priority: i64, conditions: Value| {
        let mut r = success_rule(name, priority, name);
        r["conditions"] = conditions;
        r
    };
    let p = plugin(json!({"enabled": true, "rules": [
        rule("anthropic-only", 40, json!({"providers": ["anthropic"]})),
        rule("mini-only", 30, json!({"models": ["gpt-4o-mini"]})),
        rule("weather", 20, json!({"message_regex": "(?i)weather"})),
        rule("big", 10, json!({"request_size": {"min": 200, "max": 100000}})),
    ]}));
    assert_eq!(
        text_of(run(&p, chat_to("anthropic", "claude", &["hi"], false)).await),
        "anthropic-only"
    );
    assert_eq!(
        text_of(run(&p, chat_to("openai", "gpt-4o-mini", &["hi"], false)).await),
        "mini-only"
    );
    assert_eq!(
        text_of(run(&p, chat("What is the WEATHER like?")).await),
        "weather"
    );
    assert_eq!(text_of(run(&p, chat(&"x".repeat(300))).await), "big");
    assert!(passes(&run(&p, chat("hi")).await));
    // The regex sees every message, joined by spaces.
    assert_eq!(
        text_of(run(&p, chat_to("openai", "gpt-4o", &["nice", "weather"], false)).await),
        "weather"
    );
}

#[tokio::test]
async fn probability_zero_and_one_always_fire() {
    for probability in [0.0, 1.0] {
        let mut rule = success_rule("r", 1, "mocked");
        rule["probability"] = json!(probability);
        let p = plugin(json!({"enabled": true, "rules": [rule]}));
        for _ in 0..50 {
            assert_eq!(text_of(run(&p, chat("hi")).await), "mocked");
        }
    }
}

#[tokio::test]
async fn a_missed_roll_passes_through_even_with_a_default_behavior() {
    let mut rule = success_rule("r", 1, "mocked");
    rule["probability"] = json!(0.3);
    let cfg = json!({"enabled": true, "default_behavior": "error", "rules": [rule]});
    let roll = |p: MockerPlugin| async move {
        let mut fired = Vec::new();
        for _ in 0..400 {
            let outcome = run(&p, chat("hi")).await;
            fired.push(!passes(&outcome));
            if !passes(&outcome) {
                assert_eq!(text_of(outcome), "mocked");
            }
        }
        fired
    };
    let a = roll(seeded(cfg.clone(), 42)).await;
    let b = roll(seeded(cfg, 42)).await;
    assert_eq!(a, b, "the same seed rolls the same way");
    let hits = a.iter().filter(|f| **f).count();
    assert!((80..=160).contains(&hits), "{hits} of 400 fired at p=0.3");
}

#[tokio::test]
async fn responses_are_picked_by_weight() {
    let cfg = json!({"enabled": true, "rules": [{
        "name": "weighted", "enabled": true,
        "responses": [
            {"type": "success", "weight": 3.0, "content": {"message": "heavy"}},
            {"type": "success", "weight": 1.0, "content": {"message": "light"}}
        ]
    }]});
    let sample = |p: MockerPlugin| async move {
        let mut out = Vec::new();
        for _ in 0..400 {
            out.push(text_of(run(&p, chat("hi")).await));
        }
        out
    };
    let a = sample(seeded(cfg.clone(), 7)).await;
    assert_eq!(a, sample(seeded(cfg, 7)).await);
    let heavy = a.iter().filter(|m| *m == "heavy").count();
    assert!((260..=340).contains(&heavy), "{heavy} of 400 were heavy");
}

#[tokio::test]
async fn zero_weights_count_as_one() {
    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "even", "enabled": true,
        "responses": [
            {"type": "success", "content": {"message": "a"}},
            {"type": "error", "weight": 0, "error": {"message": "b"}}
        ]
    }]}));
    let (mut successes, mut errors) = (0, 0);
    for _ in 0..200 {
        match run(&p, chat("hi")).await {
            PreHookOutcome::ShortCircuit(ShortCircuit::Response(_)) => successes += 1,
            PreHookOutcome::ShortCircuit(ShortCircuit::Error(_)) => errors += 1,
            other => panic!("should always mock, got {other:?}"),
        }
    }
    assert!((60..=140).contains(&successes), "{successes} / {errors}");
    let stats = p.stats();
    assert_eq!(stats.mocked_requests, 200);
    assert_eq!(stats.responses_generated, successes);
    assert_eq!(stats.errors_generated, errors);
    assert_eq!(stats.rule_hits.get("even"), Some(&200));
}

#[tokio::test]
async fn templates_fill_provider_model_and_faker_values() {
    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "t", "enabled": true,
        "responses": [{"type": "success", "content": {
            "message": "ignored",
            "message_template": "{{provider}}/{{model}} #{{faker.integer:42,42}} {{faker.first_name}} {{faker.unknown}}"
        }}]
    }]}));
    let text = text_of(run(&p, chat_to("groq", "llama-3", &["hi"], false)).await);
    let words: Vec<&str> = text.split(' ').collect();
    assert_eq!(words[0], "groq/llama-3");
    assert_eq!(words[1], "#42");
    assert!(words[2].chars().next().unwrap().is_uppercase(), "{text}");
    assert_eq!(words[3], "{{faker.unknown}}");
}

#[tokio::test]
async fn success_content_sets_model_usage_finish_reason_and_custom_fields() {
    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "full", "enabled": true,
        "responses": [{"type": "success", "content": {
            "message": "done",
            "model": "mock-model-1",
            "usage": {"prompt_tokens": 7, "completion_tokens": 3},
            "finish_reason": "length",
            "custom_fields": {"tenant": "acme", "n": 1}
        }}]
    }]}));
    let r = chat_response(run(&p, chat("hi")).await);
    assert!(
        r.id.starts_with("mock-") && r.id.len() == "mock-".len() + 36,
        "{}",
        r.id
    );
    assert_eq!(r.object, "chat.completion");
    assert!(r.created > 1_700_000_000);
    assert_eq!(r.model, "mock-model-1");
    let usage = r.usage.as_ref().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (7, 3, 10)
    );
    assert_eq!(r.choices[0].finish_reason.as_deref(), Some("length"));
    assert_eq!(r.choices[0].message.role, Role::Assistant);
    let extra = r.extra_fields.as_ref().unwrap();
    assert_eq!(
        extra.raw_response,
        Some(json!({"tenant": "acme", "n": 1, "mock_rule": "success"}))
    );
    assert_eq!(extra.provider, "openai");
    assert_eq!(
        extra.request_type,
        Some(bifrost_core::schemas::RequestType::ChatCompletion)
    );
    // Without usage or finish_reason: 10/20/30 and "stop", and the requested model.
    let p = plugin(json!({"enabled": true, "rules": [success_rule("plain", 1, "x")]}));
    let r = chat_response(run(&p, chat("hi")).await);
    let usage = r.usage.as_ref().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (10, 20, 30)
    );
    assert_eq!(r.choices[0].finish_reason.as_deref(), Some("stop"));
    assert_eq!(r.model, "gpt-4o");
    assert_eq!(r.extra_fields.unwrap().raw_response, None);
}

#[tokio::test]
async fn error_responses_carry_status_type_code_and_fallback_permission() {
    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "limited", "enabled": true,
        "responses": [{"type": "error", "allow_fallbacks": false, "error": {
            "message": "Rate limit exceeded", "type": "rate_limit", "code": "429",
            "status_code": 429
        }}]
    }]}));
    let e = error_of(run(&p, chat("hi")).await);
    assert_eq!(e.status(), 429);
    assert_eq!(e.message(), "Rate limit exceeded");
    assert_eq!(e.error_type(), Some("rate_limit"));
    assert_eq!(e.code(), Some("429"));
    assert!(!e.allow_fallbacks());
    assert!(!e.is_bifrost_error());
    assert_eq!(e.extra_fields().provider, "openai");
    let body: Value = serde_json::from_slice(&e.to_json()).unwrap();
    assert_eq!(body["status_code"], 429);
    assert_eq!(body["error"]["type"], "rate_limit");

    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "plain", "enabled": true,
        "responses": [{"type": "error", "error": {"message": "boom"}}]
    }]}));
    let e = error_of(run(&p, chat("hi")).await);
    assert_eq!(
        e.status(),
        400,
        "no status_code answers 400 like Bifrost's transport"
    );
    assert!(
        e.allow_fallbacks(),
        "allow_fallbacks missing means fallbacks run"
    );
    assert_eq!(e.error_type(), None);
    assert_eq!(e.code(), None);
}

#[tokio::test]
async fn default_behaviors_apply_when_no_rule_matches() {
    let only_anthropic = json!({
        "name": "a", "enabled": true, "conditions": {"providers": ["anthropic"]},
        "responses": [{"type": "success", "content": {"message": "a"}}]
    });
    let with = |behavior: &str| {
        plugin(
            json!({"enabled": true, "default_behavior": behavior, "rules": [only_anthropic.clone()]}),
        )
    };
    assert!(passes(&run(&with(""), chat("hi")).await));
    assert!(passes(&run(&with("passthrough"), chat("hi")).await));

    let r = chat_response(run(&with("success"), chat("hi")).await);
    assert_eq!(
        r.choices[0].message.text_content(),
        "Mock plugin default response"
    );
    let usage = r.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (5, 10, 15)
    );

    let e = error_of(run(&with("error"), chat("hi")).await);
    assert_eq!(e.message(), "Mock plugin default error");
    assert_eq!(e.status(), 400);
    assert!(e.allow_fallbacks());
}

#[tokio::test]
async fn streamed_chat_gets_a_complete_response_and_text_completions_a_text_response() {
    let p = plugin(json!({"enabled": true, "rules": [success_rule("r", 1, "mocked text")]}));
    let streamed = run(&p, chat_to("openai", "gpt-4o", &["hi"], true)).await;
    let r = chat_response(streamed);
    assert_eq!(r.choices[0].message.text_content(), "mocked text");
    assert_eq!(
        r.extra_fields.unwrap().request_type,
        Some(bifrost_core::schemas::RequestType::ChatCompletionStream)
    );

    let text = Request {
        provider: "openai".into(),
        model: "gpt-3.5-turbo-instruct".into(),
        fallbacks: Vec::new(),
        body: RequestBody::TextCompletion(Box::new(TextCompletionRequest {
            model: "gpt-3.5-turbo-instruct".into(),
            prompt: json!("Say hi"),
            ..TextCompletionRequest::default()
        })),
    };
    match run(&p, text).await {
        PreHookOutcome::ShortCircuit(ShortCircuit::Response(Response::TextCompletion(r))) => {
            assert_eq!(r.choices[0].text, "mocked text");
            assert_eq!(r.object, "text_completion");
            assert!(r.id.starts_with("mock-"));
            assert_eq!(r.model, "gpt-3.5-turbo-instruct");
        }
        other => panic!("expected a text completion, got {other:?}"),
    }
}

#[tokio::test]
async fn other_request_types_and_skipped_requests_pass_through() {
    let p = plugin(json!({"enabled": true, "default_behavior": "error"}));
    let embedding = Request {
        provider: "openai".into(),
        model: "text-embedding-3-small".into(),
        fallbacks: Vec::new(),
        body: RequestBody::Embedding(Box::new(EmbeddingRequest {
            model: "text-embedding-3-small".into(),
            input: json!("hello"),
            ..EmbeddingRequest::default()
        })),
    };
    assert!(passes(&run(&p, embedding).await));

    let mut ctx = RequestContext::default();
    ctx.values.insert(SkipMocker);
    let mut req = chat("hi");
    assert!(passes(&p.pre_hook(&mut ctx, &mut req).await.unwrap()));
    assert_eq!(p.stats().total_requests, 0);
}

#[tokio::test(start_paused = true)]
async fn fixed_latency_sleeps_before_answering() {
    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "slow", "enabled": true, "latency": {"type": "fixed", "min": 250_000_000},
        "responses": [{"type": "success", "content": {"message": "late"}}]
    }]}));
    let before = tokio::time::Instant::now();
    let r = chat_response(run(&p, chat("hi")).await);
    assert_eq!(before.elapsed(), Duration::from_millis(250));
    assert_eq!(r.extra_fields.unwrap().latency, Some(250));
}

#[tokio::test(start_paused = true)]
async fn rule_latency_overrides_global_latency() {
    let p = plugin(json!({
        "enabled": true,
        "global_latency": {"type": "fixed", "min": "2s"},
        "rules": [
            {"name": "own", "enabled": true, "priority": 5,
             "conditions": {"models": ["fast"]},
             "latency": {"type": "fixed", "min": "100ms"},
             "responses": [{"type": "success", "content": {"message": "own"}}]},
            success_rule("inherits", 1, "inherits")
        ]
    }));
    let before = tokio::time::Instant::now();
    run(&p, chat_to("openai", "fast", &["hi"], false)).await;
    assert_eq!(before.elapsed(), Duration::from_millis(100));
    let before = tokio::time::Instant::now();
    run(&p, chat("hi")).await;
    assert_eq!(before.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn uniform_latency_sleeps_within_its_range() {
    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "jitter", "enabled": true,
        "latency": {"type": "uniform", "min": "1s", "max": "3s"},
        "responses": [{"type": "success", "content": {"message": "x"}}]
    }]}));
    let mut seen = Vec::new();
    for _ in 0..20 {
        let before = tokio::time::Instant::now();
        run(&p, chat("hi")).await;
        let waited = before.elapsed();
        assert!(
            waited >= Duration::from_secs(1) && waited <= Duration::from_secs(3),
            "{waited:?}"
        );
        seen.push(waited);
    }
    seen.dedup();
    assert!(seen.len() > 1, "uniform latency should vary: {seen:?}");
}

#[tokio::test(start_paused = true)]
async fn latency_applies_to_error_responses_too() {
    let p = plugin(json!({"enabled": true, "rules": [{
        "name": "slow-fail", "enabled": true, "latency": {"type": "fixed", "min": "500ms"},
        "responses": [{"type": "error", "error": {"message": "nope", "status_code": 503}}]
    }]}));
    let before = tokio::time::Instant::now();
    assert_eq!(error_of(run(&p, chat("hi")).await).status(), 503);
    assert_eq!(before.elapsed(), Duration::from_millis(500));
}

#[test]
fn from_json_reports_bifrost_messages_and_paths() {
    let err = MockerPlugin::from_json(&json!({"enabled": true, "rules": [{"name": ""}]}))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "invalid mocker plugin configuration: invalid rule at index 0 (): rule name is required"
    );
    let err = MockerPlugin::from_json(&json!({"rules": [{"name": "r", "priority": "high"}]}))
        .unwrap_err();
    assert!(matches!(err, MockerError::Parse(_)));
    let err = err.to_string();
    assert!(
        err.starts_with("invalid mocker plugin config: rules[0].priority: invalid type"),
        "{err}"
    );
    let off = MockerPlugin::from_json(&Value::Null).unwrap();
    assert_eq!(off.rule_order().count(), 0);
}

#[test]
fn accepts_both_plugin_names() {
    assert!(is_mocker_name("mocker"));
    assert!(is_mocker_name("bifrost-mocker"));
    assert!(!is_mocker_name("Mocker"));
    assert!(!is_mocker_name("semanticcache"));
    assert_eq!(plugin(json!({})).name(), "mocker");
}

#[tokio::test]
async fn the_readme_example_config_loads() {
    let readme = include_str!("../README.md");
    let start = readme.find("```json\n").unwrap() + "```json\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let file: Value = serde_json::from_str(&readme[start..end]).unwrap();
    let entry = &file["plugins"][0];
    assert!(is_mocker_name(entry["name"].as_str().unwrap()));
    let p = MockerPlugin::from_json(&entry["config"]).unwrap();
    assert_eq!(
        p.rule_order().collect::<Vec<_>>(),
        ["rate-limit-drill", "weather"]
    );
}
