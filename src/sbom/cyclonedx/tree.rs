//! A JSON tree that borrows its strings from the input: what one streamed element (a component,
//! a service, a dependency) or `metadata` is parsed into before it is mapped.
//!
//! `serde_json::Value` would do, at a price measured on the 100,000-component benchmark: it
//! allocates every key and every string (about forty allocations per component, freed again a
//! moment later) and keeps objects in B-trees. Here a string without escapes is a slice of the
//! input, an object is a short vector of pairs, and a component costs one allocation per object
//! or array. serde_json still drives the parse, so its recursion limit (128) bounds this tree.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json<'de> {
    Null,
    Bool(bool),
    /// A number as serde_json formats it (`1.2`, `3`, `-1`).
    Number(serde_json::Number),
    String(Cow<'de, str>),
    Array(Vec<Json<'de>>),
    /// Members in document order; a repeated key keeps every occurrence, lookups find the first.
    Object(Vec<(Cow<'de, str>, Json<'de>)>),
}

impl<'de> Json<'de> {
    /// The first member `key` of an object, with the key as stored.
    pub(super) fn member(&self, key: &str) -> Option<(&str, &Json<'de>)> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(k, v)| (k.as_ref(), v)),
            _ => None,
        }
    }

    pub(super) fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    pub(super) fn is_array(&self) -> bool {
        matches!(self, Json::Array(_))
    }

    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// A string that borrows from the input when it can (no escapes in it).
pub(super) struct Text<'de>(pub(super) Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    /// Non-finite floats cannot come from JSON text; if one did, it reads as `null`.
    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::new();
        while let Some((Text(key), value)) = map.next_entry::<Text<'de>, Json<'de>>()? {
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_borrow_unless_escaped() {
        let text = r#"{"a": "plain", "b\u0041": "esc\"aped", "n": 1.5, "m": [true, null, -3]}"#;
        let json: Json<'_> = serde_json::from_str(text).unwrap();
        assert!(matches!(
            json.member("a"),
            Some((_, Json::String(Cow::Borrowed("plain"))))
        ));
        assert!(matches!(json.member("bA"), Some((_, Json::String(Cow::Owned(s)))) if s == "esc\"aped"));
        assert_eq!(json.member("n").map(|(_, v)| v.type_name()), Some("a number"));
        let Some((_, Json::Array(items))) = json.member("m") else {
            panic!("m is an array")
        };
        assert_eq!(items, &[Json::Bool(true), Json::Null, Json::Number((-3).into())]);
    }

    #[test]
    fn the_first_of_repeated_keys_wins() {
        let json: Json<'_> = serde_json::from_str(r#"{"k": 1, "k": 2}"#).unwrap();
        assert_eq!(json.member("k"), Some(("k", &Json::Number(1.into()))));
    }
}
