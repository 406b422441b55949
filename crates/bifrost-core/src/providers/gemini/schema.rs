//! Turning an OpenAI JSON Schema (tool `parameters`, `response_format.json_schema.schema`) into
//! the OpenAPI 3.0 subset Gemini's `Schema` object accepts.
//!
//! Gemini answers 400 `Invalid JSON payload received. Unknown name "..."` for fields outside its
//! subset, so the schema is rewritten:
//!
//! | JSON Schema | sent to Gemini |
//! |---|---|
//! | `$ref` to `#/$defs/X` or `#/definitions/X` | the definition inlined (a reference nested more than 6 deep, i.e. recursion, becomes `{"type":"object"}`) |
//! | `allOf` | its subschemas merged into one |
//! | `oneOf` | `anyOf` |
//! | `type: ["string", "null"]` | `type: "string"`, `nullable: true` |
//! | `anyOf` with a `{"type":"null"}` branch | that branch dropped, `nullable: true` |
//! | `const: "x"` | `enum: ["x"]` |
//! | `examples: [a, ...]` | `example: a` |
//! | `enum` with non-string values | dropped (Gemini enums are strings) |
//! | `format` other than `date-time`/`enum` (string), `int32`/`int64` (integer), `float`/`double` (number) | dropped |
//! | `required` names that are not in `properties` | dropped |
//! | empty `properties` | dropped |
//! | `$schema`, `$id`, `$defs`, `definitions`, `$comment`, `additionalProperties`, `patternProperties`, `unevaluatedProperties`, `propertyNames`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `uniqueItems`, `contains`, `not`, `if`/`then`/`else`, `dependentRequired`, `dependentSchemas`, `contentEncoding`, `contentMediaType`, `readOnly`, `writeOnly`, `deprecated`, `strict` and any other key outside the subset | dropped |
//!
//! Kept as they are: `type`, `format`, `title`, `description`, `nullable`, `enum`, `items`,
//! `minItems`, `maxItems`, `properties`, `required`, `minProperties`, `maxProperties`,
//! `minLength`, `maxLength`, `pattern`, `example`, `anyOf`, `propertyOrdering`, `default`,
//! `minimum`, `maximum`.

use serde_json::{Map, Value};

/// Longest chain of nested `$ref`s that is inlined.
const MAX_REF_DEPTH: usize = 6;

const KEPT: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "items",
    "minItems",
    "maxItems",
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
    "minimum",
    "maximum",
];

/// Rewrites `schema` into Gemini's subset (see the module docs for the rules).
pub fn clean_schema(schema: &Value) -> Value {
    let defs = collect_defs(schema);
    clean(schema, &defs, 0)
}

/// True when `schema` is an object schema without properties (Gemini rejects `properties: {}`,
/// so such a function declaration is sent without `parameters`).
pub fn is_empty_object(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else {
        return true;
    };
    let no_props = obj
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    let is_object = obj.get("type").is_none_or(|t| t == "object");
    no_props && is_object && !obj.contains_key("anyOf")
}

fn collect_defs(schema: &Value) -> Map<String, Value> {
    let mut defs = Map::new();
    for key in ["$defs", "definitions"] {
        if let Some(Value::Object(d)) = schema.get(key) {
            for (k, v) in d {
                defs.insert(format!("#/{key}/{k}"), v.clone());
            }
        }
    }
    defs
}

fn clean(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let Some(obj) = schema.as_object() else {
        // `true` / `{}`-like schemas: anything goes.
        return Value::Object(Map::new());
    };
    let mut node = obj.clone();
    // `$ref`: inline the definition, letting sibling keys (e.g. description) win.
    if let Some(Value::String(r)) = node.remove("$ref") {
        let target = match defs.get(&r) {
            Some(t) if depth < MAX_REF_DEPTH => clean(t, defs, depth + 1),
            // An unknown or too deeply recursive reference: any object.
            _ => serde_json::json!({"type": "object"}),
        };
        if let Value::Object(t) = target {
            for (k, v) in t {
                node.entry(k).or_insert(v);
            }
        }
    }
    if let Some(Value::Array(parts)) = node.remove("allOf") {
        for part in parts {
            if let Value::Object(p) = clean(&part, defs, depth) {
                merge_into(&mut node, p);
            }
        }
    }
    if let Some(one_of) = node.remove("oneOf") {
        node.entry("anyOf".to_owned()).or_insert(one_of);
    }
    if let Some(c) = node.remove("const")
        && !node.contains_key("enum")
        && c.is_string()
    {
        node.insert("enum".to_owned(), Value::Array(vec![c]));
    }
    if let Some(Value::Array(examples)) = node.remove("examples")
        && let Some(first) = examples.into_iter().next()
    {
        node.entry("example".to_owned()).or_insert(first);
    }
    normalize_type(&mut node);
    if let Some(Value::Array(branches)) = node.remove("anyOf") {
        let mut kept = Vec::with_capacity(branches.len());
        for b in &branches {
            if b.get("type").and_then(Value::as_str) == Some("null") {
                node.insert("nullable".to_owned(), Value::Bool(true));
            } else {
                kept.push(clean(b, defs, depth));
            }
        }
        match kept.len() {
            0 => {}
            1 => {
                if let Some(Value::Object(only)) = kept.pop() {
                    for (k, v) in only {
                        node.entry(k).or_insert(v);
                    }
                }
            }
            _ => {
                node.insert("anyOf".to_owned(), Value::Array(kept));
            }
        }
    }
    if let Some(Value::Object(props)) = node.remove("properties") {
        let cleaned: Map<String, Value> = props
            .iter()
            .map(|(k, v)| (k.clone(), clean(v, defs, depth)))
            .collect();
        if !cleaned.is_empty() {
            node.insert("properties".to_owned(), Value::Object(cleaned));
        }
    }
    match node.remove("items") {
        Some(Value::Array(tuple)) => {
            if let Some(first) = tuple.first() {
                node.insert("items".to_owned(), clean(first, defs, depth));
            }
        }
        Some(items @ Value::Object(_)) => {
            node.insert("items".to_owned(), clean(&items, defs, depth));
        }
        _ => {}
    }
    fix_required(&mut node);
    fix_enum_and_format(&mut node);
    node.retain(|k, _| KEPT.contains(&k.as_str()));
    Value::Object(node)
}

/// Merges an `allOf` member into `node`: properties and required are unioned, other keys are
/// taken when `node` does not have them yet.
fn merge_into(node: &mut Map<String, Value>, part: Map<String, Value>) {
    for (k, v) in part {
        match (k.as_str(), node.get_mut(&k), v) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (pk, pv) in theirs {
                    mine.entry(pk).or_insert(pv);
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for r in theirs {
                    if !mine.contains(&r) {
                        mine.push(r);
                    }
                }
            }
            (_, Some(_), _) => {}
            (_, None, v) => {
                node.insert(k, v);
            }
        }
    }
}

/// `type: ["x", "null"]` → `type: "x"`, `nullable: true`; several non-null types → `anyOf`.
fn normalize_type(node: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = node.get("type").cloned() else {
        return;
    };
    let mut names: Vec<Value> = Vec::with_capacity(types.len());
    for t in types {
        if t == "null" {
            node.insert("nullable".to_owned(), Value::Bool(true));
        } else {
            names.push(t);
        }
    }
    node.remove("type");
    match names.len() {
        0 => {}
        1 => {
            if let Some(t) = names.pop() {
                node.insert("type".to_owned(), t);
            }
        }
        _ => {
            let branches = names
                .into_iter()
                .map(|t| Value::Object(Map::from_iter([("type".to_owned(), t)])))
                .collect();
            node.entry("anyOf".to_owned())
                .or_insert(Value::Array(branches));
        }
    }
}

fn fix_required(node: &mut Map<String, Value>) {
    let Some(Value::Array(required)) = node.remove("required") else {
        return;
    };
    let props = node.get("properties").and_then(Value::as_object);
    let kept: Vec<Value> = required
        .into_iter()
        .filter(|r| {
            r.as_str()
                .is_some_and(|name| props.is_some_and(|p| p.contains_key(name)))
        })
        .collect();
    if !kept.is_empty() {
        node.insert("required".to_owned(), Value::Array(kept));
    }
}

fn fix_enum_and_format(node: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = node.get("enum")
        && !values.iter().all(Value::is_string)
    {
        node.remove("enum");
    }
    let ty = node.get("type").and_then(Value::as_str).unwrap_or("");
    if let Some(Value::String(format)) = node.get("format") {
        let allowed = match ty {
            "string" => matches!(format.as_str(), "date-time" | "enum"),
            "integer" => matches!(format.as_str(), "int32" | "int64"),
            "number" => matches!(format.as_str(), "float" | "double"),
            _ => false,
        };
        if !allowed {
            node.remove("format");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rewrites_unsupported_constructs() {
        let schema = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "city": {"type": "string", "format": "uri", "examples": ["Paris"]},
                "unit": {"type": ["string", "null"], "enum": ["c", "f"]},
                "when": {"type": "string", "format": "date-time"},
                "count": {"type": "integer", "enum": [1, 2], "exclusiveMinimum": 0},
                "tag": {"const": "x"},
                "home": {"$ref": "#/$defs/Place", "description": "where"},
                "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "maybe": {"anyOf": [{"type": "number"}, {"type": "null"}]},
                "empty": {"type": "object", "properties": {}}
            },
            "required": ["city", "ghost"],
            "$defs": {"Place": {"type": "object", "properties": {"zip": {"type": "string"}}, "required": ["zip"]}}
        });
        let out = clean_schema(&schema);
        assert_eq!(
            out,
            json!({
                "type": "object",
                "properties": {
                    "city": {"type": "string", "example": "Paris"},
                    "unit": {"type": "string", "nullable": true, "enum": ["c", "f"]},
                    "when": {"type": "string", "format": "date-time"},
                    "count": {"type": "integer"},
                    "tag": {"enum": ["x"]},
                    "home": {"type": "object", "description": "where", "properties": {"zip": {"type": "string"}}, "required": ["zip"]},
                    "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    "maybe": {"type": "number", "nullable": true},
                    "empty": {"type": "object"}
                },
                "required": ["city"]
            })
        );
    }

    #[test]
    fn recursive_refs_stop() {
        let schema = json!({
            "type": "object",
            "properties": {"node": {"$ref": "#/definitions/Node"}},
            "definitions": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Node"}}}}
        });
        let out = clean_schema(&schema);
        let mut cur = &out["properties"]["node"];
        let mut depth = 0;
        while let Some(next) = cur.get("properties").and_then(|p| p.get("next")) {
            cur = next;
            depth += 1;
        }
        assert!(depth >= MAX_REF_DEPTH, "{depth}");
        assert_eq!(cur, &json!({"type": "object"}));
    }

    #[test]
    fn all_of_merges_and_empty_objects_are_detected() {
        let out = clean_schema(&json!({
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "number"}}, "required": ["b"]}
            ]
        }));
        assert_eq!(
            out,
            json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "number"}}, "required": ["a", "b"]})
        );
        assert!(is_empty_object(
            &json!({"type": "object", "properties": {}})
        ));
        assert!(!is_empty_object(
            &json!({"type": "object", "properties": {"a": {}}})
        ));
    }
}
