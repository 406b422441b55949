//! Model listing (OpenAI `GET /v1/models`).

use serde::Serialize;

use super::{ExtraFields, ExtraMap};

/// A list of models.
#[derive(Debug, Clone, Default, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct ListModelsResponse {
    /// Always `list`.
    #[serde(default = "list_object")]
    pub object: String,
    /// The models. Ids carry a `provider/` prefix when listed by the gateway.
    #[serde(default)]
    pub data: Vec<Model>,
    /// Bifrost's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_fields: Option<ExtraFields>,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn list_object() -> String {
    "list".to_owned()
}

/// One model.
#[derive(Debug, Clone, PartialEq, Serialize, bifrost_derive::DeserializeWithExtra)]
pub struct Model {
    /// Model id.
    pub id: String,
    /// Always `model`.
    #[serde(default = "model_object")]
    pub object: String,
    /// Unix seconds.
    #[serde(default)]
    pub created: u64,
    /// Owner.
    #[serde(default)]
    pub owned_by: String,
    /// Fields this type does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: ExtraMap,
}

fn model_object() -> String {
    "model".to_owned()
}
