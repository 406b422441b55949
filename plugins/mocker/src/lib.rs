//! # bifrost-plugin-mocker
//!
//! Bifrost's mocker plugin: answers requests from configured rules instead of calling the
//! provider, to test applications, fallbacks and error handling without spending tokens.
//!
//! Configuration (`plugins[].config` in `config.json`, see [`MockerConfig`]) is Bifrost's, field
//! for field, with Bifrost's validation messages. For each chat or text completion (streamed or
//! not; every other request type passes through):
//!
//! 1. nothing happens when the plugin is disabled or the context holds [`SkipMocker`];
//! 2. the first **enabled** rule (descending `priority`, configuration order among equals) whose
//!    conditions all match is chosen: `providers` and `models` (exact, model without provider
//!    prefix), `message_regex` (searched in the messages' text joined by spaces, or in the
//!    prompt) and `request_size` (Bifrost's estimate: model and provider name lengths, plus
//!    each message's text length and 50 bytes, plus the prompt's length);
//! 3. no rule: `default_behavior` decides (`passthrough`, `success` with
//!    `Mock plugin default response`, `error` with `Mock plugin default error`, status 400);
//! 4. the rule's `probability` is rolled (**0 means always**); a miss passes the request through;
//! 5. the rule's `latency` (else `global_latency`) is slept with `tokio::time::sleep`;
//! 6. a response is picked by `weight` (0 counts as 1): a completion (`message` or
//!    `message_template` with `{{provider}}`, `{{model}}`, `{{faker.*}}`) or an error (status
//!    from `status_code`, else 400; `allow_fallbacks: false` stops the request's fallbacks).
//!
//! Streamed requests get the same completion; the engine turns it into stream chunks.
//!
//! Where Bifrost's README and code disagree, this crate follows the code: a rule whose
//! `enabled` is missing is **skipped**, and `probability: 0` fires **every time**. Latency
//! `min`/`max` are Go durations: an integer is nanoseconds; `"100ms"`-style strings work too.
//!
//! ```
//! use bifrost_plugin_mocker::MockerPlugin;
//!
//! let plugin = MockerPlugin::from_json(&serde_json::json!({
//!     "enabled": true,
//!     "rules": [{
//!         "name": "greeting", "enabled": true, "priority": 10,
//!         "conditions": {"message_regex": "(?i)hello"},
//!         "responses": [{"type": "success", "content": {"message": "Hi from the mock!"}}]
//!     }]
//! }))?;
//! assert_eq!(plugin.rule_order().collect::<Vec<_>>(), ["greeting"]);
//! # Ok::<(), bifrost_plugin_mocker::MockerError>(())
//! ```

pub mod config;
pub mod error;
mod faker;
pub mod plugin;
mod random;
pub mod response;
mod rules;
mod template;
mod validate;

pub use config::{
    Conditions, ErrorContent, Latency, MockResponse, MockRule, MockUsage, MockerConfig, SizeRange,
    SuccessContent,
};
pub use error::{ConfigError, MockerError};
pub use plugin::{MockStats, MockerPlugin, SkipMocker};

/// The plugin's name in `config.json` and logs.
pub const PLUGIN_NAME: &str = "mocker";

/// Bifrost's own name for the plugin, accepted as an alias in `config.json`.
pub const BIFROST_PLUGIN_NAME: &str = "bifrost-mocker";

/// True for the names a `config.json` plugin entry may give the mocker
/// (`mocker`, or Bifrost's `bifrost-mocker`).
pub fn is_mocker_name(name: &str) -> bool {
    name == PLUGIN_NAME || name == BIFROST_PLUGIN_NAME
}

#[cfg(test)]
mod tests;
