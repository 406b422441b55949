//! `DeserializeWithExtra` against the behaviour of serde's own derive.
#![allow(clippy::unwrap_used, missing_docs)]

use bifrost_derive::DeserializeWithExtra;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};

fn doubled<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    u32::deserialize(d).map(|n| n * 2)
}

mod tripled {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        Option::<u32>::deserialize(d).map(|n| n.map(|n| n * 3))
    }
}

fn seven() -> u32 {
    7
}

#[derive(Debug, DeserializeWithExtra)]
#[serde(rename_all = "camelCase")]
struct Sample {
    required_name: String,
    #[serde(default)]
    count: u32,
    #[serde(default = "seven")]
    with_path_default: u32,
    optional_note: Option<String>,
    #[serde(rename = "type", alias = "kind")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "doubled")]
    doubled: u32,
    #[serde(default, with = "tripled")]
    tripled: Option<u32>,
    #[serde(skip_deserializing, default = "seven")]
    skipped: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nested: Option<Box<Sample>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[test]
fn known_fields_are_read_and_unknown_ones_kept_in_order() {
    let s: Sample = serde_json::from_str(
        r#"{"zeta":1,"requiredName":"a","count":3,"optionalNote":"n","type":"t",
            "doubled":4,"tripled":5,"skipped":100,"alpha":{"x":[1,2]},"nested":{"requiredName":"b","q":true}}"#,
    )
    .unwrap();
    assert_eq!(s.required_name, "a");
    assert_eq!(s.count, 3);
    assert_eq!(s.with_path_default, 7);
    assert_eq!(s.optional_note.as_deref(), Some("n"));
    assert_eq!(s.kind.as_deref(), Some("t"));
    assert_eq!(s.doubled, 8);
    assert_eq!(s.tripled, Some(15));
    assert_eq!(
        s.skipped, 7,
        "skip_deserializing ignores the input and keeps the default"
    );
    let keys: Vec<&str> = s.extra.keys().map(String::as_str).collect();
    assert_eq!(keys, ["zeta", "skipped", "alpha"]);
    assert_eq!(s.extra["alpha"], json!({"x": [1, 2]}));
    let nested = s.nested.unwrap();
    assert_eq!(nested.required_name, "b");
    assert_eq!(nested.extra["q"], json!(true));
}

#[test]
fn missing_fields_take_their_defaults_or_fail_like_serde() {
    let s: Sample = serde_json::from_str(r#"{"requiredName":"a","kind":"k"}"#).unwrap();
    assert_eq!((s.count, s.with_path_default, s.doubled), (0, 7, 0));
    assert_eq!((s.optional_note, s.tripled), (None, None));
    assert_eq!(s.kind.as_deref(), Some("k"), "aliases are accepted");
    assert!(s.extra.is_empty());
    let err = serde_json::from_str::<Sample>(r#"{"count":1}"#).unwrap_err();
    assert!(
        err.to_string().starts_with("missing field `requiredName`"),
        "{err}"
    );
}

#[test]
fn duplicates_wrong_types_and_non_objects_are_errors() {
    let dup = serde_json::from_str::<Sample>(r#"{"requiredName":"a","requiredName":"b"}"#);
    assert!(
        dup.unwrap_err()
            .to_string()
            .starts_with("duplicate field `requiredName`")
    );
    let wrong = serde_json::from_str::<Sample>(r#"{"requiredName":"a","count":"x"}"#);
    assert!(
        wrong
            .unwrap_err()
            .to_string()
            .starts_with("invalid type: string \"x\", expected u32")
    );
    let not_map = serde_json::from_str::<Sample>(r#"["a"]"#).unwrap_err();
    assert!(
        not_map.to_string().contains("expected struct Sample"),
        "{not_map}"
    );
}

#[test]
fn escaped_keys_and_other_deserializers_work() {
    // An escaped key cannot be borrowed from the input: it is decoded, then matched.
    let s: Sample = serde_json::from_str(r#"{"required\u004eame":"a","\u00e9t\u00e9":1}"#).unwrap();
    assert_eq!(s.required_name, "a");
    assert_eq!(s.extra["été"], json!(1));
    // From a reader (keys are never borrowed) and from a `Value`.
    let from_reader: Sample =
        serde_json::from_reader(&br#"{"requiredName":"r","u":2}"#[..]).unwrap();
    assert_eq!(
        (from_reader.required_name.as_str(), &from_reader.extra["u"]),
        ("r", &json!(2))
    );
    let from_value: Sample =
        serde_json::from_value(json!({"requiredName": "v", "type": "t", "w": null})).unwrap();
    assert_eq!(from_value.kind.as_deref(), Some("t"));
    assert_eq!(from_value.extra["w"], Value::Null);
}
