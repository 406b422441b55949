//! Gemini data carried through a unified request, so that a request that arrives in Gemini's
//! own shape (the gateway's `/genai` routes, for the Google GenAI SDKs) and is served by a
//! Gemini-speaking provider goes out as the caller wrote it.
//!
//! The unified request holds everything other providers understand; what it cannot express
//! rides along under the keys below, which [`super::inbound::request::adapt_for_other_provider`]
//! removes before a provider of another family sees the request. The outbound translation
//! ([`super::request`]) uses them as follows:
//!
//! | key | where | used as |
//! |---|---|---|
//! | [`PARTS`] | assistant message `extra` | the model turn's original parts (thought parts, signatures, part order), sent as they are while the message's text and tool calls still say the same |
//! | [`PART`] | content part / tool message `extra` | the native fields of a part beyond what the unified part holds (`videoMetadata`, `mediaResolution`, `thoughtSignature`, a `fileData.mimeType`, ...), merged back into the part |
//! | [`PART_KIND`] | content part type | a part with no unified equivalent (`executableCode`, ...): its `extra` is the whole part |
//! | [`PART_KIND`] | tool type | a built-in tool (`googleSearch`, `codeExecution`, ...): its `extra` is the whole tool |
//! | [`TOOLS`] | request `extra` | the original `tools` (declarations in their native schema form), used while the unified function names still match |
//! | [`TOOL_CONFIG`] | request `extra` | the original `toolConfig`, used while the unified `tool_choice` still says the same |
//! | [`NO_ID`] | tool message `extra` | the `functionResponse` carried no id: none is sent |
//! | [`SAME_TURN`] | user message `extra` | the parts belong to the turn of the function responses before them |
//! | [`REQUEST_FIELDS`] | request `extra` | top-level request fields the unified shape does not know |
//! | `generationConfig` | request `extra` | generation settings the unified shape does not express (`thinkingConfig`, `responseSchema`, `responseModalities`, ...); they take precedence over the ones derived from unified fields |

use serde_json::Value;

use super::response::convert_parts;
use super::types::{FunctionCallingConfig, Part, Tool, ToolConfig};
use crate::schemas::{
    ChatMessage, ChatRequest, ExtraMap, MessageContent, NamedFunction, NamedToolChoice, ToolChoice,
};

/// Assistant message `extra`: the original parts of the model turn.
pub const PARTS: &str = "gemini_parts";
/// Content part or tool message `extra`: native part fields beyond the unified data.
pub const PART: &str = "gemini_part";
/// Content part type (and tool type) of a native part (tool) with no unified equivalent.
pub const PART_KIND: &str = "gemini";
/// Request `extra`: the original `tools`.
pub const TOOLS: &str = "gemini_tools";
/// Request `extra`: the original `toolConfig`.
pub const TOOL_CONFIG: &str = "gemini_tool_config";
/// Tool message `extra`: the `functionResponse` had no id.
pub const NO_ID: &str = "gemini_no_id";
/// User message `extra`: the parts continue the turn of the function responses before them.
pub const SAME_TURN: &str = "gemini_same_turn";
/// Request `extra`: top-level fields of the native request the unified shape does not know.
pub const REQUEST_FIELDS: &str = "gemini_request";
/// Request `extra`: the native `generationConfig` fields the unified shape does not express.
pub const GENERATION_CONFIG: &str = "generationConfig";

/// Every key above that may appear in a message's or a part's `extra`.
pub const MESSAGE_KEYS: &[&str] = &[PARTS, PART, NO_ID, SAME_TURN];

/// Merges `patch` into `base`: objects key by key (recursively), anything else replaced.
pub fn deep_merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// Merges the native fields kept in `extra[PART]` back into `part`.
pub fn apply_part_fields(part: &mut Part, extra: &ExtraMap) {
    let Some(fields @ Value::Object(_)) = extra.get(PART) else {
        return;
    };
    let Ok(mut value) = serde_json::to_value(&*part) else {
        return;
    };
    deep_merge(&mut value, fields);
    if let Ok(merged) = serde_json::from_value(value) {
        *part = merged;
    }
}

/// The native part a [`PART_KIND`] content part stands for.
pub fn native_part(extra: &ExtraMap) -> Option<Part> {
    let mut fields = extra.clone();
    for key in MESSAGE_KEYS {
        fields.shift_remove(*key);
    }
    serde_json::from_value(Value::Object(fields)).ok()
}

/// The original parts of an assistant message, when its text and tool calls still match them.
pub fn assistant_parts(msg: &ChatMessage) -> Option<Vec<Part>> {
    let parts: Vec<Part> = serde_json::from_value(msg.extra.get(PARTS)?.clone()).ok()?;
    let converted = convert_parts(&parts, "", 0, &mut 0, 0);
    let text = msg
        .content
        .as_ref()
        .map(MessageContent::to_text)
        .unwrap_or_default();
    if text != converted.text {
        return None;
    }
    let calls = msg.tool_calls.as_deref().unwrap_or_default();
    if calls.len() != converted.calls.len() {
        return None;
    }
    let natives = parts.iter().filter_map(|p| p.function_call.as_ref());
    for ((call, mine), native) in calls.iter().zip(&converted.calls).zip(natives) {
        let args: Option<Value> = serde_json::from_str(&call.function.arguments).ok();
        let native_args: Option<Value> = serde_json::from_str(&mine.function.arguments).ok();
        let same_id = native
            .id
            .as_deref()
            .is_none_or(|id| id.is_empty() || id == call.id);
        if call.function.name != mine.function.name || args != native_args || !same_id {
            return None;
        }
    }
    Some(parts)
}

/// The original `tools`, when the request's function tools are still the declared ones.
pub fn tools(req: &ChatRequest) -> Option<Vec<Tool>> {
    let native: Vec<Tool> = serde_json::from_value(req.extra.get(TOOLS)?.clone()).ok()?;
    let declared = native
        .iter()
        .flat_map(|t| t.function_declarations.iter().flatten())
        .map(|d| d.name.as_str());
    let unified = req
        .tools
        .iter()
        .flatten()
        .filter_map(|t| t.function.as_ref().filter(|_| t.kind == "function"))
        .map(|f| f.name.as_str());
    declared.eq(unified).then_some(native)
}

/// The unified `tool_choice` a `toolConfig` stands for: `AUTO` / `VALIDATED` -> `auto`,
/// `NONE` -> `none`, `ANY` -> `required`, or the one function `allowedFunctionNames` names.
pub fn tool_choice_for(config: &ToolConfig) -> Option<ToolChoice> {
    let fc: &FunctionCallingConfig = config.function_calling_config.as_ref()?;
    let mode = match fc.mode.to_ascii_uppercase().as_str() {
        "" | "MODE_UNSPECIFIED" => return None,
        "NONE" => "none",
        "ANY" => match fc.allowed_function_names.as_deref() {
            Some([one]) => {
                return Some(ToolChoice::Named(NamedToolChoice {
                    kind: "function".to_owned(),
                    function: NamedFunction { name: one.clone() },
                }));
            }
            _ => "required",
        },
        _ => "auto",
    };
    Some(ToolChoice::Mode(mode.to_owned()))
}

/// The original `toolConfig`, when the request's `tool_choice` still says the same.
pub fn tool_config(req: &ChatRequest) -> Option<ToolConfig> {
    let native: ToolConfig = serde_json::from_value(req.extra.get(TOOL_CONFIG)?.clone()).ok()?;
    (tool_choice_for(&native) == req.tool_choice).then_some(native)
}

/// True when `extra` flags a tool message whose `functionResponse` had no id.
pub fn has_no_id(extra: &ExtraMap) -> bool {
    extra.get(NO_ID).and_then(Value::as_bool).unwrap_or(false)
}

/// True when `extra` flags a user message that continues the function responses' turn.
pub fn is_same_turn(extra: &ExtraMap) -> bool {
    extra
        .get(SAME_TURN)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merges_nested_fields() {
        let mut base = json!({"fileData": {"fileUri": "gs://b/x", "mimeType": "image/jpeg"}});
        deep_merge(
            &mut base,
            &json!({"fileData": {"mimeType": "image/png"}, "videoMetadata": {"fps": 2}}),
        );
        assert_eq!(
            base,
            json!({"fileData": {"fileUri": "gs://b/x", "mimeType": "image/png"}, "videoMetadata": {"fps": 2}})
        );
    }

    #[test]
    fn tool_choices_follow_the_mode() {
        let cfg = |v: Value| serde_json::from_value::<ToolConfig>(v).unwrap();
        assert_eq!(
            tool_choice_for(&cfg(json!({"functionCallingConfig": {"mode": "ANY"}}))),
            Some(ToolChoice::Mode("required".into()))
        );
        assert!(matches!(
            tool_choice_for(&cfg(json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}}))),
            Some(ToolChoice::Named(n)) if n.function.name == "f"
        ));
        assert_eq!(
            tool_choice_for(&cfg(
                json!({"functionCallingConfig": {"mode": "VALIDATED"}})
            )),
            Some(ToolChoice::Mode("auto".into()))
        );
        assert_eq!(
            tool_choice_for(&cfg(json!({"retrievalConfig": {"languageCode": "en"}}))),
            None
        );
    }
}
