//! The OpenAI-compatible family: default base URLs, paths and auth per provider, as Bifrost
//! reaches them (`shared/reference/provider-urls.md`).

use crate::schemas::RequestType;

/// How one OpenAI-compatible provider is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Provider name.
    pub name: &'static str,
    /// Default base URL; `None` means it must come from the key or `network_config.base_url`.
    pub default_base_url: Option<&'static str>,
    /// Chat completions path.
    pub chat_path: &'static str,
    /// Text completions path, if served.
    pub text_path: Option<&'static str>,
    /// Embeddings path, if served.
    pub embeddings_path: Option<&'static str>,
    /// Model listing path.
    pub models_path: &'static str,
    /// Responses API path, when the provider serves it natively; without one, Responses
    /// requests are served over chat completions.
    pub responses_path: Option<&'static str>,
    /// Calls work without a key (a Bearer header is sent only when a key value is set).
    pub keyless: bool,
}

impl Profile {
    /// The path of `request_type`, if this provider serves it.
    pub fn path(&self, request_type: RequestType) -> Option<&'static str> {
        match request_type {
            RequestType::ChatCompletion | RequestType::ChatCompletionStream => Some(self.chat_path),
            RequestType::TextCompletion | RequestType::TextCompletionStream => self.text_path,
            RequestType::Embedding => self.embeddings_path,
            RequestType::ListModels => Some(self.models_path),
            RequestType::Responses | RequestType::ResponsesStream => self.responses_path,
            _ => None,
        }
    }
}

const V1_CHAT: &str = "/v1/chat/completions";
const V1_TEXT: &str = "/v1/completions";
const V1_EMB: &str = "/v1/embeddings";
const V1_MODELS: &str = "/v1/models";
const V1_RESPONSES: &str = "/v1/responses";

/// Every provider of the family, with Bifrost's defaults.
pub static PROFILES: &[Profile] = &[
    Profile {
        name: "openai",
        default_base_url: Some("https://api.openai.com"),
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: Some(V1_RESPONSES),
        keyless: false,
    },
    Profile {
        name: "groq",
        default_base_url: Some("https://api.groq.com/openai"),
        chat_path: V1_CHAT,
        text_path: None,
        embeddings_path: None,
        models_path: V1_MODELS,
        responses_path: None,
        keyless: false,
    },
    Profile {
        name: "mistral",
        default_base_url: Some("https://api.mistral.ai"),
        chat_path: V1_CHAT,
        text_path: None,
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: None,
        keyless: false,
    },
    Profile {
        name: "openrouter",
        default_base_url: Some("https://openrouter.ai/api"),
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: Some(V1_RESPONSES),
        keyless: false,
    },
    Profile {
        name: "ollama",
        default_base_url: None,
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: None,
        keyless: true,
    },
    Profile {
        name: "vllm",
        default_base_url: None,
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: None,
        keyless: true,
    },
    Profile {
        name: "sgl",
        default_base_url: None,
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: None,
        keyless: true,
    },
    Profile {
        name: "cerebras",
        default_base_url: Some("https://api.cerebras.ai"),
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: None,
        models_path: V1_MODELS,
        responses_path: None,
        keyless: false,
    },
    Profile {
        name: "xai",
        default_base_url: Some("https://api.x.ai"),
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: None,
        models_path: V1_MODELS,
        responses_path: Some(V1_RESPONSES),
        keyless: false,
    },
    Profile {
        name: "deepseek",
        default_base_url: Some("https://api.deepseek.com"),
        chat_path: "/chat/completions",
        text_path: Some("/beta/completions"),
        embeddings_path: None,
        models_path: "/models",
        responses_path: None,
        keyless: false,
    },
    Profile {
        name: "perplexity",
        default_base_url: Some("https://api.perplexity.ai"),
        chat_path: "/chat/completions",
        text_path: None,
        embeddings_path: None,
        models_path: V1_MODELS,
        responses_path: None,
        keyless: false,
    },
    Profile {
        name: "fireworks",
        default_base_url: Some("https://api.fireworks.ai/inference"),
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: None,
        keyless: false,
    },
    Profile {
        name: "nebius",
        default_base_url: Some("https://api.tokenfactory.nebius.com"),
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: None,
        keyless: false,
    },
    Profile {
        name: "parasail",
        default_base_url: Some("https://api.parasail.io"),
        chat_path: V1_CHAT,
        text_path: None,
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: None,
        keyless: false,
    },
];

/// The profile of a family member by name.
pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The profile used by custom providers with `base_provider_type: "openai"`: OpenAI's paths,
/// no default base URL.
pub fn custom_openai_profile() -> Profile {
    Profile {
        name: "custom",
        default_base_url: None,
        chat_path: V1_CHAT,
        text_path: Some(V1_TEXT),
        embeddings_path: Some(V1_EMB),
        models_path: V1_MODELS,
        responses_path: Some(V1_RESPONSES),
        keyless: false,
    }
}
