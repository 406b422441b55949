//! Gemini's `Schema` (an OpenAPI 3.0 subset, as the GenAI SDKs write it: `"type": "OBJECT"`,
//! `nullable`, `propertyOrdering`) -> JSON Schema, for providers that take JSON Schema (tool
//! `parameters`, `response_format.json_schema.schema`).
//!
//! | Gemini | JSON Schema |
//! |---|---|
//! | `type: "STRING"` (any case) | `type: "string"` |
//! | `type: T, nullable: true` | `type: [T, "null"]` |
//! | `anyOf` with `nullable: true` | a `{"type": "null"}` branch added |
//! | `propertyOrdering`, `example` | dropped |
//! | snake_case keywords (`any_of`, `max_items`, ...; Google accepts both spellings) | camelCase |
//! | anything else (`properties`, `items`, `enum`, `required`, `format`, bounds, ...) | kept, nested schemas converted |

use serde_json::{Map, Value};

/// Keys whose value is one schema.
const NESTED_ONE: &[&str] = &["items", "additionalProperties", "not"];
/// Keys whose value is a list of schemas.
const NESTED_MANY: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
/// Keys whose value maps names to schemas.
const NESTED_MAP: &[&str] = &["properties", "$defs", "definitions"];
/// Gemini-only keys other providers do not know.
const DROPPED: &[&str] = &["propertyOrdering", "example"];
/// Keywords Google also accepts in snake_case, with their JSON Schema spelling.
const SNAKE_CASE: &[(&str, &str)] = &[
    ("any_of", "anyOf"),
    ("max_items", "maxItems"),
    ("min_items", "minItems"),
    ("max_length", "maxLength"),
    ("min_length", "minLength"),
    ("max_properties", "maxProperties"),
    ("min_properties", "minProperties"),
    ("property_ordering", "propertyOrdering"),
];

/// Converts a Gemini schema into JSON Schema (see the module docs).
pub fn to_json_schema(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::with_capacity(obj.len());
    let nullable = obj
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for (key, value) in obj {
        let k = SNAKE_CASE
            .iter()
            .find(|(snake, _)| *snake == key.as_str())
            .map_or(key.as_str(), |(_, camel)| *camel);
        if DROPPED.contains(&k) || k == "nullable" {
            continue;
        }
        let converted = if k == "type" {
            lower_type(value)
        } else if NESTED_ONE.contains(&k) {
            to_json_schema(value)
        } else if NESTED_MANY.contains(&k) {
            match value {
                Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
                other => other.clone(),
            }
        } else if NESTED_MAP.contains(&k) {
            match value {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(name, s)| (name.clone(), to_json_schema(s)))
                        .collect(),
                ),
                other => other.clone(),
            }
        } else {
            value.clone()
        };
        out.insert(k.to_owned(), converted);
    }
    if nullable {
        make_nullable(&mut out);
    }
    Value::Object(out)
}

fn lower_type(value: &Value) -> Value {
    match value {
        Value::String(t) => Value::String(t.to_ascii_lowercase()),
        Value::Array(ts) => Value::Array(ts.iter().map(lower_type).collect()),
        other => other.clone(),
    }
}

fn make_nullable(out: &mut Map<String, Value>) {
    let null = Value::String("null".to_owned());
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            out.insert(
                "type".to_owned(),
                Value::Array(vec![Value::String(t), null]),
            );
        }
        Some(Value::Array(ts)) => {
            if !ts.contains(&null) {
                ts.push(null);
            }
        }
        _ => {
            if let Some(Value::Array(branches)) = out.get_mut("anyOf") {
                branches.push(serde_json::json!({"type": "null"}));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn converts_sdk_schemas() {
        let gemini = json!({
            "type": "OBJECT",
            "properties": {
                "location": {"type": "STRING", "description": "city"},
                "days": {"type": "INTEGER", "nullable": true},
                "tags": {"type": "ARRAY", "items": {"type": "STRING", "enum": ["a", "b"]}},
            },
            "required": ["location"],
            "propertyOrdering": ["location", "days", "tags"],
        });
        assert_eq!(
            to_json_schema(&gemini),
            json!({
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "city"},
                    "days": {"type": ["integer", "null"]},
                    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                },
                "required": ["location"],
            })
        );
        let any = json!({"any_of": [{"type": "STRING"}], "nullable": true});
        assert_eq!(
            to_json_schema(&any),
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
        );
    }
}
