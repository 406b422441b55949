//! Sends a chat through `bifrost-core` with no HTTP server, then streams one.
//!
//! ```sh
//! OPENAI_API_KEY=sk-... cargo run -p bifrost-core --example chat
//! # against any OpenAI-compatible server, e.g. the bundled mock:
//! OPENAI_BASE_URL=http://127.0.0.1:9000 OPENAI_API_KEY=sk-test cargo run -p bifrost-core --example chat
//! ```

#![allow(clippy::print_stdout)]

use bifrost_core::Bifrost;
use bifrost_core::config::{EngineConfig, KeyConfig, NetworkConfig, ProviderConfig};
use bifrost_core::schemas::{ChatMessage, ChatRequest, Role, StreamChunk};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = std::env::var("BIFROST_MODEL").unwrap_or_else(|_| "openai/gpt-4o-mini".to_owned());
    let mut providers = indexmap::IndexMap::new();
    providers.insert(
        "openai".to_owned(),
        ProviderConfig {
            keys: vec![KeyConfig {
                name: Some("default".to_owned()),
                value: "env.OPENAI_API_KEY".to_owned(),
                ..KeyConfig::default()
            }],
            network_config: Some(NetworkConfig {
                base_url: std::env::var("OPENAI_BASE_URL").ok(),
                max_retries: Some(2),
                ..NetworkConfig::default()
            }),
            ..ProviderConfig::default()
        },
    );
    let bifrost = Bifrost::new(EngineConfig::with_providers(providers), vec![])?;
    for notice in bifrost.notices() {
        println!("note: {}: {}", notice.path, notice.message);
    }

    let request = ChatRequest {
        model: model.clone(),
        messages: vec![
            ChatMessage::text(Role::System, "You answer in one short sentence."),
            ChatMessage::text(Role::User, "What does an LLM gateway do?"),
        ],
        ..ChatRequest::default()
    };
    let answer = bifrost.chat(request.clone()).await?;
    println!("answer: {}", answer.choices[0].message.text_content());
    if let Some(usage) = &answer.usage {
        println!(
            "usage: {} prompt + {} completion tokens",
            usage.prompt_tokens, usage.completion_tokens
        );
    }

    let mut stream = bifrost.chat_stream(request).await?;
    print!("stream: ");
    while let Some(chunk) = stream.next().await {
        if let StreamChunk::Chat(c) = chunk? {
            for choice in c.choices {
                if let Some(text) = choice.delta.content {
                    print!("{text}");
                }
            }
        }
    }
    println!();
    Ok(())
}
