//! The request checks the real API performs that catch translation mistakes: unknown fields
//! (Google rejects them with `Invalid JSON payload received. Unknown name "x"`), empty
//! conversations, invalid roles, parts without data, schema keys outside Gemini's subset, and
//! function calls replayed without a `thoughtSignature` (which thinking models require).

use serde_json::{Map, Value};

use super::auth::Api;
use super::error::{Rejection, bad};

const TOP_LEVEL: &[&str] = &[
    "model",
    "contents",
    "systemInstruction",
    "tools",
    "toolConfig",
    "generationConfig",
    "safetySettings",
    "cachedContent",
];

const GENERATION_CONFIG: &[&str] = &[
    "stopSequences",
    "responseMimeType",
    "responseSchema",
    "responseJsonSchema",
    "responseModalities",
    "candidateCount",
    "maxOutputTokens",
    "temperature",
    "topP",
    "topK",
    "seed",
    "presencePenalty",
    "frequencyPenalty",
    "responseLogprobs",
    "logprobs",
    "enableEnhancedCivicAnswers",
    "speechConfig",
    "thinkingConfig",
    "mediaResolution",
    "audioTimestamp",
];

const SCHEMA: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
];

const PART_DATA: &[&str] = &[
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
];

fn unknown(name: &str, at: Option<&str>) -> Rejection {
    let message = match at {
        Some(at) => format!(
            "Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
        ),
        None => {
            format!("Invalid JSON payload received. Unknown name \"{name}\": Cannot find field.")
        }
    };
    bad(&message)
}

fn check_keys(
    obj: &Map<String, Value>,
    allowed: &[&str],
    at: Option<&str>,
) -> Result<(), Rejection> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(unknown(k, at)),
        None => Ok(()),
    }
}

fn check_schema(schema: &Value, at: &str) -> Result<(), Rejection> {
    let Some(obj) = schema.as_object() else {
        return Ok(());
    };
    check_keys(obj, SCHEMA, Some(at))?;
    if let Some(Value::Object(props)) = obj.get("properties") {
        if props.is_empty() {
            return Err(bad(&format!(
                "* GenerateContentRequest.{at}.properties: should be non-empty for OBJECT type\n"
            )));
        }
        for (name, p) in props {
            check_schema(p, &format!("{at}.properties[{name}].value"))?;
        }
    }
    if let Some(items) = obj.get("items") {
        check_schema(items, &format!("{at}.items"))?;
    }
    for (i, branch) in obj
        .get("anyOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        check_schema(branch, &format!("{at}.any_of[{i}]"))?;
    }
    Ok(())
}

/// Validates a `generateContent`-shaped body.
pub(crate) fn check_generate(body: &Value, api: Api) -> Result<(), Rejection> {
    let Some(obj) = body.as_object() else {
        return Err(bad("Invalid JSON payload received. Expected an object."));
    };
    for k in obj.keys() {
        let ok = TOP_LEVEL.contains(&k.as_str()) || (api == Api::Vertex && k == "labels");
        if !ok {
            return Err(unknown(k, None));
        }
    }
    let contents = obj.get("contents").and_then(Value::as_array);
    let Some(contents) = contents.filter(|c| !c.is_empty()) else {
        return Err(bad(
            "* GenerateContentRequest.contents: contents is not specified\n",
        ));
    };
    for (i, content) in contents.iter().enumerate() {
        let role = content
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or("user");
        if !matches!(role, "user" | "model") {
            return Err(bad("Please use a valid role: user, model."));
        }
        let parts = content.get("parts").and_then(Value::as_array);
        let Some(parts) = parts.filter(|p| !p.is_empty()) else {
            return Err(bad(&format!(
                "* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.\n"
            )));
        };
        for (j, part) in parts.iter().enumerate() {
            let has_data = part
                .as_object()
                .is_some_and(|p| p.keys().any(|k| PART_DATA.contains(&k.as_str())));
            if !has_data {
                return Err(bad(&format!(
                    "* GenerateContentRequest.contents[{i}].parts[{j}].data: required oneof field 'data' must have one initialized field\n"
                )));
            }
        }
        if role == "model"
            && let Some((pos, call)) = parts
                .iter()
                .enumerate()
                .find(|(_, p)| p.get("functionCall").is_some())
            && call
                .get("thoughtSignature")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            let name = call["functionCall"]
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(bad(&format!(
                "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:{name}` , position {}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
                pos + 1
            )));
        }
    }
    if let Some(Value::Object(cfg)) = obj.get("generationConfig") {
        check_keys(cfg, GENERATION_CONFIG, Some("generation_config"))?;
        if let Some(schema) = cfg.get("responseSchema") {
            check_schema(schema, "generation_config.response_schema")?;
        }
    }
    for (i, tool) in obj
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let decls = tool.get("functionDeclarations").and_then(Value::as_array);
        for (j, decl) in decls.into_iter().flatten().enumerate() {
            if decl
                .get("name")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(bad(&format!(
                    "* GenerateContentRequest.tools[{i}].function_declarations[{j}].name: Invalid function name. Must start with a letter or an underscore.\n"
                )));
            }
            if let Some(params) = decl.get("parameters") {
                check_schema(
                    params,
                    &format!("tools[{i}].function_declarations[{j}].parameters"),
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn msg(r: Result<(), Rejection>) -> String {
        match r {
            Ok(()) => String::new(),
            Err(resp) => resp.status().to_string(),
        }
    }

    #[test]
    fn rejects_what_google_rejects() {
        let ok = json!({"contents":[{"role":"user","parts":[{"text":"hi"}]}]});
        assert!(check_generate(&ok, Api::Gemini).is_ok());
        let labels = json!({"contents":[{"parts":[{"text":"hi"}]}],"labels":{"a":"b"}});
        assert_eq!(msg(check_generate(&labels, Api::Gemini)), "400 Bad Request");
        assert!(check_generate(&labels, Api::Vertex).is_ok());
        let empty = json!({"contents":[]});
        assert!(check_generate(&empty, Api::Gemini).is_err());
        let role = json!({"contents":[{"role":"assistant","parts":[{"text":"x"}]}]});
        assert!(check_generate(&role, Api::Gemini).is_err());
        let schema = json!({"contents":[{"parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"object","additionalProperties":false}}]}]});
        assert!(check_generate(&schema, Api::Gemini).is_err());
        let unsigned = json!({"contents":[{"parts":[{"text":"x"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]}]});
        assert!(check_generate(&unsigned, Api::Gemini).is_err());
    }
}
