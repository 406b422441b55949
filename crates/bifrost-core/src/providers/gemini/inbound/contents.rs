//! `contents` and `systemInstruction` -> the unified conversation.
//!
//! | Gemini | unified |
//! |---|---|
//! | `systemInstruction` text parts | one `system` message |
//! | `user` turn `text` | `text` part (plain text content when it is the turn's only part) |
//! | `user` turn `inlineData` | `image_url` (`data:` URL) for images, `input_audio` for audio, a `file` (`data:` URL) otherwise |
//! | `user` turn `fileData` | `image_url` (the URI) for images, a `file` with `file_id` = the URI otherwise |
//! | `user` turn `functionResponse` | a `tool` message (`name`, `response` as JSON text), before the turn's other parts |
//! | `model` turn | an `assistant` message: text as `content`, `thought` parts as `reasoning`, `functionCall`s as `tool_calls`, every `thoughtSignature` in `reasoning_details` (as the Gemini provider writes them) |
//! | any other part (`executableCode`, thought text in a user turn, ...) | a part of type [`native::PART_KIND`] holding the native part |
//!
//! A `functionCall` without an id gets a stable one (the Gemini provider's scheme); a
//! `functionResponse` without an id answers the first unanswered call of the same name in the
//! previous model turn. Native fields a unified part does not hold are kept for the way back
//! (see [`native`]).

use serde_json::Value;

use super::super::native;
use super::super::response::{convert_parts, tool_call_id};
use super::super::types::{Content, FunctionResponse, Part};
use crate::error::BifrostError;
use crate::schemas::{
    ChatMessage, ContentPart, ContentPartType, ExtraMap, FileData, InputAudio, MessageContent, Role,
};

fn invalid(message: impl Into<String>, param: impl Into<String>) -> BifrostError {
    BifrostError::invalid_request(message).with_param(param)
}

/// Translates `systemInstruction` and `contents` into unified messages.
pub fn convert(
    system: Option<Content>,
    contents: Vec<Content>,
) -> Result<Vec<ChatMessage>, BifrostError> {
    if contents.is_empty() {
        return Err(invalid(
            "* GenerateContentRequest.contents: contents is not specified",
            "contents",
        ));
    }
    let mut out = Vec::with_capacity(contents.len() + 1);
    if let Some(system) = system {
        out.extend(system_message(system)?);
    }
    let mut calls: Vec<(String, String, bool)> = Vec::new();
    for (i, content) in contents.into_iter().enumerate() {
        if content.parts.is_empty() {
            return Err(invalid(
                format!(
                    "* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty."
                ),
                format!("contents[{i}].parts"),
            ));
        }
        match content.role.as_deref().unwrap_or("user") {
            "user" | "function" => user_turn(content.parts, i, &mut calls, &mut out),
            "model" => {
                let msg = model_turn(content.parts, i);
                calls = msg
                    .tool_calls
                    .iter()
                    .flatten()
                    .map(|c| (c.function.name.clone(), c.id.clone(), false))
                    .collect();
                out.push(msg);
            }
            _ => {
                return Err(invalid(
                    "Please use a valid role: user, model.",
                    format!("contents[{i}].role"),
                ));
            }
        }
    }
    Ok(out)
}

fn system_message(system: Content) -> Result<Option<ChatMessage>, BifrostError> {
    let mut parts = Vec::with_capacity(system.parts.len());
    for (i, part) in system.parts.into_iter().enumerate() {
        let Some(text) = part.text.clone().filter(|_| !part.is_thought()) else {
            return Err(invalid(
                format!("systemInstruction.parts[{i}]: only text parts are allowed"),
                "systemInstruction",
            ));
        };
        parts.push(with_leftovers(
            ContentPart::text(text),
            common_leftovers(&part),
        ));
    }
    Ok(match parts.as_slice() {
        [] => None,
        [one] if one.extra.is_empty() => Some(ChatMessage::text(
            Role::System,
            one.text.clone().unwrap_or_default(),
        )),
        _ => Some(message(Role::System, MessageContent::Parts(parts))),
    })
}

fn message(role: Role, content: MessageContent) -> ChatMessage {
    ChatMessage {
        content: Some(content),
        ..ChatMessage::text(role, String::new())
    }
}

/// The native fields of a part that every unified part leaves out.
fn common_leftovers(part: &Part) -> ExtraMap {
    let mut m = part.extra.clone();
    if let Some(t) = part.thought {
        m.insert("thought".to_owned(), Value::Bool(t));
    }
    if let Some(s) = &part.thought_signature {
        m.insert("thoughtSignature".to_owned(), Value::String(s.clone()));
    }
    m
}

fn with_leftovers(mut part: ContentPart, leftovers: ExtraMap) -> ContentPart {
    if !leftovers.is_empty() {
        part.extra
            .insert(native::PART.to_owned(), Value::Object(leftovers));
    }
    part
}

/// An empty content part of `kind`.
fn empty_part(kind: ContentPartType) -> ContentPart {
    ContentPart {
        kind,
        text: None,
        image_url: None,
        input_audio: None,
        file: None,
        refusal: None,
        extra: ExtraMap::new(),
    }
}

/// A part with no unified equivalent, kept whole.
fn native_content_part(part: &Part) -> ContentPart {
    let mut out = empty_part(ContentPartType::Other(native::PART_KIND.to_owned()));
    if let Ok(Value::Object(map)) = serde_json::to_value(part) {
        out.extra = map;
    }
    out
}

fn file_content_part(file: FileData) -> ContentPart {
    ContentPart {
        file: Some(file),
        ..empty_part(ContentPartType::File)
    }
}

/// One part of a user turn (not a function response).
fn user_part(part: &Part) -> ContentPart {
    let mut leftovers = common_leftovers(part);
    if part.function_call.is_some() || part.is_thought() {
        return native_content_part(part);
    }
    let unified = if let Some(text) = &part.text {
        ContentPart::text(text.clone())
    } else if let Some(blob) = &part.inline_data {
        if !blob.extra.is_empty() {
            leftovers.insert("inlineData".to_owned(), Value::Object(blob.extra.clone()));
        }
        let mime = blob.mime_type.as_str();
        if mime.starts_with("image/") {
            ContentPart::image(format!("data:{mime};base64,{}", blob.data))
        } else if let Some(format) = mime.strip_prefix("audio/") {
            ContentPart {
                input_audio: Some(InputAudio {
                    data: blob.data.clone(),
                    format: format.to_owned(),
                    extra: ExtraMap::new(),
                }),
                ..empty_part(ContentPartType::InputAudio)
            }
        } else {
            file_content_part(FileData {
                file_data: Some(format!("data:{mime};base64,{}", blob.data)),
                file_id: None,
                filename: Some(filename_for(mime)),
                extra: ExtraMap::new(),
            })
        }
    } else if let Some(file) = &part.file_data {
        let mut kept = file.extra.clone();
        if let Some(mime) = &file.mime_type {
            kept.insert("mimeType".to_owned(), Value::String(mime.clone()));
        }
        if !kept.is_empty() {
            leftovers.insert("fileData".to_owned(), Value::Object(kept));
        }
        let is_image = file
            .mime_type
            .as_deref()
            .is_some_and(|m| m.starts_with("image/"));
        if is_image {
            ContentPart::image(file.file_uri.clone())
        } else {
            let mut extra = ExtraMap::new();
            if let Some(mime) = &file.mime_type {
                extra.insert("mime_type".to_owned(), Value::String(mime.clone()));
            }
            file_content_part(FileData {
                file_data: None,
                file_id: Some(file.file_uri.clone()),
                filename: None,
                extra,
            })
        }
    } else {
        return native_content_part(part);
    };
    with_leftovers(unified, leftovers)
}

/// A file name for inline data of `mime` (OpenAI-style file parts carry one).
fn filename_for(mime: &str) -> String {
    let ext = match mime {
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/csv" => "csv",
        "text/html" => "html",
        "application/json" => "json",
        other => other.rsplit('/').next().unwrap_or("bin"),
    };
    format!("file.{ext}")
}

/// The tool message for a `functionResponse`.
fn tool_message(
    part: &Part,
    fr: &FunctionResponse,
    turn: usize,
    ordinal: usize,
    calls: &mut [(String, String, bool)],
) -> ChatMessage {
    let given = fr.id.clone().filter(|id| !id.is_empty());
    let id = match &given {
        Some(id) => {
            if let Some(c) = calls.iter_mut().find(|c| &c.1 == id) {
                c.2 = true;
            }
            id.clone()
        }
        None => match calls.iter_mut().find(|c| !c.2 && c.0 == fr.name) {
            Some(c) => {
                c.2 = true;
                c.1.clone()
            }
            None => tool_call_id(&format!("contents-{turn}"), 0, ordinal, &fr.name),
        },
    };
    let mut leftovers = common_leftovers(part);
    if !fr.extra.is_empty() {
        leftovers.insert(
            "functionResponse".to_owned(),
            Value::Object(fr.extra.clone()),
        );
    }
    let mut extra = ExtraMap::new();
    if given.is_none() {
        extra.insert(native::NO_ID.to_owned(), Value::Bool(true));
    }
    if !leftovers.is_empty() {
        extra.insert(native::PART.to_owned(), Value::Object(leftovers));
    }
    let text = if fr.response.is_null() {
        "{}".to_owned()
    } else {
        fr.response.to_string()
    };
    ChatMessage {
        name: Some(fr.name.clone()),
        tool_call_id: Some(id),
        extra,
        ..message(Role::Tool, MessageContent::Text(text))
    }
}

/// A user turn: its function responses become `tool` messages (first), the other parts one
/// `user` message.
fn user_turn(
    parts: Vec<Part>,
    turn: usize,
    calls: &mut [(String, String, bool)],
    out: &mut Vec<ChatMessage>,
) {
    let mut unified = Vec::with_capacity(parts.len());
    let mut responses = 0;
    for part in &parts {
        match &part.function_response {
            Some(fr) => {
                out.push(tool_message(part, fr, turn, responses, calls));
                responses += 1;
            }
            None => unified.push(user_part(part)),
        }
    }
    if unified.is_empty() {
        return;
    }
    let content = match unified.as_slice() {
        [one] if one.kind == ContentPartType::Text && one.extra.is_empty() => {
            MessageContent::Text(one.text.clone().unwrap_or_default())
        }
        _ => MessageContent::Parts(unified),
    };
    let mut msg = message(Role::User, content);
    if responses > 0 {
        msg.extra
            .insert(native::SAME_TURN.to_owned(), Value::Bool(true));
    }
    out.push(msg);
}

/// A model turn as the assistant message the Gemini provider would have produced for it, with
/// the original parts kept for the way back.
fn model_turn(parts: Vec<Part>, turn: usize) -> ChatMessage {
    let converted = convert_parts(&parts, &format!("contents-{turn}"), 0, &mut 0, 0);
    let called = !converted.calls.is_empty();
    let content = if converted.media.is_empty() {
        (!converted.text.is_empty() || !called).then_some(MessageContent::Text(converted.text))
    } else {
        let mut unified = Vec::with_capacity(converted.media.len() + 1);
        if !converted.text.is_empty() {
            unified.push(ContentPart::text(converted.text));
        }
        unified.extend(converted.media);
        Some(MessageContent::Parts(unified))
    };
    let mut extra = ExtraMap::new();
    if let Ok(value) = serde_json::to_value(&parts) {
        extra.insert(native::PARTS.to_owned(), value);
    }
    ChatMessage {
        role: Role::Assistant,
        content,
        name: None,
        tool_calls: called.then_some(converted.calls),
        tool_call_id: None,
        refusal: None,
        reasoning: (!converted.reasoning.is_empty()).then_some(converted.reasoning),
        reasoning_details: (!converted.details.is_empty()).then_some(converted.details),
        extra,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn contents(v: Value) -> Vec<Content> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn turns_become_messages() {
        let msgs = convert(
            Some(serde_json::from_value(json!({"parts": [{"text": "be brief"}]})).unwrap()),
            contents(json!([
                {"role": "user", "parts": [{"text": "weather?"}, {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}]},
                {"role": "model", "parts": [
                    {"text": "thinking", "thought": true},
                    {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}, "thoughtSignature": "c2ln"}
                ]},
                {"role": "user", "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"content": "18C"}}},
                    {"text": "thanks", "videoMetadata": {"fps": 1}}
                ]}
            ])),
        )
        .unwrap();
        assert_eq!(msgs.len(), 5);
        assert_eq!(msgs[0].role, Role::System);
        assert_eq!(msgs[0].text_content(), "be brief");
        let Some(MessageContent::Parts(parts)) = &msgs[1].content else {
            panic!("parts")
        };
        assert_eq!(
            parts[1].image_url.as_ref().unwrap().url,
            "data:image/png;base64,AAAA"
        );
        let assistant = &msgs[2];
        assert_eq!(assistant.reasoning.as_deref(), Some("thinking"));
        let call = &assistant.tool_calls.as_ref().unwrap()[0];
        assert_eq!(call.function.name, "get_weather");
        assert_eq!(call.function.arguments, r#"{"location":"Paris"}"#);
        let detail = &assistant.reasoning_details.as_ref().unwrap()[0];
        assert_eq!(detail.signature.as_deref(), Some("c2ln"));
        assert_eq!(detail.extra["id"], json!(format!("tool_call_{}", call.id)));
        assert!(assistant.extra.contains_key(native::PARTS));
        let tool = &msgs[3];
        assert_eq!(tool.role, Role::Tool);
        assert_eq!(tool.tool_call_id.as_deref(), Some(call.id.as_str()));
        assert_eq!(tool.text_content(), r#"{"content":"18C"}"#);
        assert!(native::has_no_id(&tool.extra));
        let user = &msgs[4];
        assert!(native::is_same_turn(&user.extra));
        let Some(MessageContent::Parts(parts)) = &user.content else {
            panic!("parts")
        };
        assert_eq!(
            parts[0].extra[native::PART],
            json!({"videoMetadata": {"fps": 1}})
        );
    }

    #[test]
    fn rejects_what_gemini_rejects() {
        assert!(convert(None, Vec::new()).is_err());
        let bad_role = contents(json!([{"role": "assistant", "parts": [{"text": "x"}]}]));
        let err = convert(None, bad_role).unwrap_err();
        assert_eq!(err.message(), "Please use a valid role: user, model.");
        let empty = contents(json!([{"role": "user", "parts": []}]));
        assert!(convert(None, empty).is_err());
    }
}
