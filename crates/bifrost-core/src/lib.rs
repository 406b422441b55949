//! # bifrost-core
//!
//! The embeddable engine of Bifrost-rs, an LLM gateway: one OpenAI-shaped API in front of many
//! providers, with weighted key choice, retries, fallbacks and a plugin pipeline. No HTTP server
//! and no database here; the `bifrost-http` binary adds those.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use bifrost_core::{Bifrost, config::{EngineConfig, KeyConfig, ProviderConfig}};
//! use bifrost_core::schemas::{ChatMessage, ChatRequest, Role};
//!
//! let mut providers = indexmap::IndexMap::new();
//! providers.insert("openai".to_owned(), ProviderConfig {
//!     keys: vec![KeyConfig { value: "env.OPENAI_API_KEY".into(), ..Default::default() }],
//!     ..Default::default()
//! });
//! let bifrost = Bifrost::new(EngineConfig::with_providers(providers), vec![])?;
//! let answer = bifrost.chat(ChatRequest {
//!     model: "openai/gpt-4o-mini".into(),
//!     messages: vec![ChatMessage::text(Role::User, "Hello!")],
//!     ..Default::default()
//! }).await?;
//! println!("{:?}", answer.choices[0].message.content);
//! # Ok(()) }
//! ```

pub mod config;
pub mod context;
pub mod engine;
pub mod error;
pub mod key;
pub mod plugin;
pub mod provider;
pub mod providers;
pub mod schemas;
pub mod workers;

pub use context::{Attempt, HookPhase, HookTiming, KeyPin, RequestContext};
pub use engine::{Bifrost, ResponseStream};
pub use error::{BifrostError, ErrorKind};
pub use plugin::{ChunkAction, Outcome, Plugin, PluginError, PreHookOutcome, ShortCircuit};
pub use provider::{CallContext, ChunkStream, Provider};
