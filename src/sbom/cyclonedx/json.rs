//! CycloneDX JSON, read as a stream: the top-level object is visited key by key, and each
//! element of `components`, `services` and `dependencies` is parsed on its own into a small
//! borrowed tree ([`super::tree::Json`]), mapped into the model and dropped before the next one is
//! parsed; `metadata` is parsed whole the same way and everything else is skipped unparsed.
//!
//! A 100,000-component document is ~60 MB; as one `serde_json::Value` it would take several times
//! that (every string, map and vector allocated separately). Streaming keeps the peak at the input
//! bytes plus the model plus one element. serde_json's recursion limit (128) stays on: it bounds
//! every element parsed here, so a hostile 100,000-deep document is a syntax error. Pointers stay
//! exact (`/components/12345/supplier`) because each element is mapped from its own index.

use super::mapping::{self, Reader, Section};
use super::source::Source;
use super::tree::{Json, Text};
use crate::model::{Encoding, Located, Location, Pointer, WarningCode};
use crate::sbom::builder::DocumentBuilder;
use crate::sbom::json_value::syntax_error;
use crate::sbom::SbomError;
use compact_str::{CompactString, ToCompactString};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::OnceCell;
use std::fmt;
use std::rc::Rc;

/// The two top-level scalars, mapped after the walk (they may come after the lists).
struct Top<'de> {
    spec: Option<Json<'de>>,
    serial: Option<Json<'de>>,
}

pub(super) fn read(file: &str, bytes: &[u8]) -> Result<Reader, SbomError> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut r = Reader::new(file, Encoding::Json);
    let mut de = serde_json::Deserializer::from_slice(body);
    // A top level that is not an object fails here, as serde_json's "invalid type" at its place.
    let Top { spec, serial } = TopSeed { r: &mut r }
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| syntax_error(file, &e))?;
    let scalar = |v: &Option<Json<'_>>, key: &str, b: &mut DocumentBuilder| {
        v.as_ref()
            .and_then(|value| JsonNode::new(value, Pointer::member(key)).value(b))
    };
    let spec = scalar(&spec, "specVersion", &mut r.b);
    r.b.document.serial = scalar(&serial, "serialNumber", &mut r.b).map(|s| s.value.into());
    r.set_spec_version(spec, &Location::json(""));
    Ok(r)
}

/// The top level of the document, visited key by key.
struct TopSeed<'r> {
    r: &'r mut Reader,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = Top<'de>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Top<'de>, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = Top<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CycloneDX BOM (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
        let (mut spec, mut serial) = (None, None);
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            match key.as_ref() {
                "specVersion" => spec = Some(map.next_value::<Json<'de>>()?),
                "serialNumber" => serial = Some(map.next_value::<Json<'de>>()?),
                "metadata" => {
                    let value = map.next_value::<Json<'de>>()?;
                    if let Some(meta) = JsonNode::new(&value, Pointer::member("metadata")).record(&mut self.r.b) {
                        mapping::metadata(self.r, &meta);
                    }
                }
                _ => match Section::named(&key) {
                    Some(section) => map.next_value_seed(SectionSeed { r: self.r, section })?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        Ok(Top { spec, serial })
    }
}

/// One of the big top-level arrays, mapped element by element.
struct SectionSeed<'r> {
    r: &'r mut Reader,
    section: Section,
}

impl SectionSeed<'_> {
    /// A section that is not an array is skipped with a warning, like any wrong-typed value.
    fn wrong_type(self, found: &str) {
        let key = self.section.key();
        self.r.b.warn(
            WarningCode::UnexpectedType,
            Some(Location::pointer(Pointer::member(key))),
            format!("`{key}` should be an array, found {found}; skipped"),
        );
    }
}

impl<'de> DeserializeSeed<'de> for SectionSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SectionSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {}", self.section.key())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let base = Pointer::member(self.section.key());
        let mut index = 0usize;
        while let Some(value) = seq.next_element::<Json<'de>>()? {
            let node = JsonNode::new(&value, base.index(index));
            mapping::entry(self.r, self.section, node);
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.wrong_type("an object");
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.wrong_type("a string");
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.wrong_type("a boolean");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.wrong_type("a number");
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.wrong_type("a number");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.wrong_type("a number");
        Ok(())
    }

    /// `null` is an absent section, as for every other member.
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// How a node is reached from its parent.
#[derive(Clone, Copy)]
enum Token<'a> {
    /// The node's pointer is `base` itself (a list element the reader started from).
    Root,
    Key(&'a str),
    Index(usize),
}

/// A JSON value and the way to its pointer. The pointer is built only when asked for: most
/// values (names, versions, hashes) are kept without a place, and at 100,000 components building
/// a pointer for every field read was a large share of the reader's time.
#[derive(Clone)]
pub(super) struct JsonNode<'a> {
    value: &'a Json<'a>,
    /// The parent's pointer, or this node's own when `token` is [`Token::Root`].
    base: Rc<Pointer>,
    token: Token<'a>,
    /// This node's pointer, once built for a child.
    own: OnceCell<Rc<Pointer>>,
}

impl<'a> JsonNode<'a> {
    pub(super) fn new(value: &'a Json<'a>, pointer: Pointer) -> Self {
        JsonNode {
            value,
            base: Rc::new(pointer),
            token: Token::Root,
            own: OnceCell::new(),
        }
    }

    fn pointer(&self) -> Pointer {
        match self.token {
            Token::Root => Pointer::clone(&self.base),
            Token::Key(key) => self.base.child(key),
            Token::Index(i) => self.base.index(i),
        }
    }

    /// This node's pointer as the base of its children, built once.
    fn shared_pointer(&self) -> Rc<Pointer> {
        match self.token {
            Token::Root => self.base.clone(),
            _ => self.own.get_or_init(|| Rc::new(self.pointer())).clone(),
        }
    }

    fn under(&self, value: &'a Json<'a>, token: Token<'a>) -> Self {
        JsonNode {
            value,
            base: self.shared_pointer(),
            token,
            own: OnceCell::new(),
        }
    }

    fn member(&self, key: &str) -> Option<Self> {
        match self.value.member(key)? {
            (_, Json::Null) => None,
            (key, value) => Some(self.under(value, Token::Key(key))),
        }
    }

    fn warn(&self, b: &mut DocumentBuilder, expected: &str) {
        b.warn(
            WarningCode::UnexpectedType,
            Some(Source::at(self)),
            format!("expected {expected}, found {}; skipped", self.value.type_name()),
        );
    }

    /// The entries of an array; a lone object is one entry (1.5 `evidence.identity`).
    fn entries(&self, b: &mut DocumentBuilder) -> Vec<Self> {
        match self.value {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| self.under(v, Token::Index(i)))
                .collect(),
            Json::Object(_) => vec![self.clone()],
            _ => {
                self.warn(b, "an array");
                Vec::new()
            }
        }
    }
}

impl Source for JsonNode<'_> {
    fn at(&self) -> Location {
        Location::pointer(self.pointer())
    }

    fn child(&self, key: &str) -> Option<Self> {
        self.member(key)
    }

    fn record(self, b: &mut DocumentBuilder) -> Option<Self> {
        if self.value.is_object() {
            return Some(self);
        }
        self.warn(b, "an object");
        None
    }

    fn field(&self, key: &str, b: &mut DocumentBuilder) -> Option<Located<CompactString>> {
        self.member(key)?.value(b)
    }

    fn text(&self, key: &str, b: &mut DocumentBuilder) -> Option<CompactString> {
        self.member(key)?.scalar(b)
    }

    /// The node as text. Numbers and booleans are taken as written (a version `1.2` is a
    /// version); arrays and objects are warned about, `null` is absent.
    fn scalar(&self, b: &mut DocumentBuilder) -> Option<CompactString> {
        let text = match self.value {
            Json::String(s) => CompactString::from(s.trim()),
            Json::Number(n) => n.to_compact_string(),
            Json::Bool(v) => v.to_compact_string(),
            Json::Null => return None,
            _ => {
                self.warn(b, "a string");
                return None;
            }
        };
        (!text.is_empty()).then_some(text)
    }

    fn content(&self, key: &str, b: &mut DocumentBuilder) -> Option<CompactString> {
        self.text(key, b)
    }

    fn is_list(&self) -> bool {
        self.value.is_array()
    }

    fn list(&self, _item: &str, b: &mut DocumentBuilder) -> Vec<Self> {
        if self.value.is_array() {
            self.entries(b)
        } else {
            self.warn(b, "an array");
            Vec::new()
        }
    }

    fn repeated(&self, key: &str, b: &mut DocumentBuilder) -> Vec<Self> {
        self.member(key).map(|m| m.entries(b)).unwrap_or_default()
    }

    fn choices(&self, key: &str, b: &mut DocumentBuilder) -> Vec<(CompactString, Self)> {
        let mut out = Vec::new();
        for entry in self.repeated(key, b) {
            let Some(entry) = entry.record(b) else { continue };
            if let Json::Object(members) = entry.value {
                for (kind, value) in members.iter().filter(|(_, v)| *v != Json::Null) {
                    out.push((CompactString::from(kind.as_ref()), entry.under(value, Token::Key(kind))));
                }
            }
        }
        out
    }

    fn refs(&self, json_key: &str, _xml_item: &str, b: &mut DocumentBuilder) -> Vec<Located<CompactString>> {
        self.repeated(json_key, b).iter().filter_map(|n| n.value(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(json: &str) -> crate::model::InventoryPart {
        read("t.json", json.as_bytes()).unwrap().finish()
    }

    #[test]
    fn top_level_must_be_an_object() {
        let e = read("t.json", b"\n  [1, 2]").err().unwrap().to_string();
        assert_eq!(
            e,
            "t.json:2:2: invalid type: sequence, expected a CycloneDX BOM (a JSON object)"
        );
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = read("t.json", b"{\n  \"components\": [\n    {\"name\": }\n  ]\n}")
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("t.json:3:14: expected value"), "{e}");
        let e = read("t.json", b"{\"specVersion\": \"1.6\"} trailing")
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("t.json:1:24: trailing characters"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_by_the_recursion_limit() {
        let depth = 100_000;
        let doc = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let doc = format!("{{\"components\": [{{\"name\": \"x\", \"hashes\": {doc}}}]}}");
        let e = read("t.json", doc.as_bytes()).err().unwrap().to_string();
        assert!(e.contains("recursion limit exceeded"), "{e}");
    }

    #[test]
    fn pointers_are_exact_and_key_order_does_not_matter() {
        let part = read_ok(
            r#"{"components": [{"name": "a"}, {"name": "b", "purl": "pkg:npm/b@1"}],
                "metadata": {"component": {"name": "product"}},
                "specVersion": "1.6", "bomFormat": "CycloneDX", "serialNumber": "urn:uuid:1"}"#,
        );
        assert_eq!(part.document.spec_version.as_deref(), Some("1.6"));
        assert_eq!(part.document.serial.as_deref(), Some("urn:uuid:1"));
        assert_eq!(part.document.name.as_deref(), Some("product"));
        assert_eq!(part.components[1].purls[0].at, Location::json("/components/1/purl"));
        assert_eq!(part.components[2].at, Location::json("/metadata/component"));
        assert!(part.warnings.is_empty(), "{:?}", part.warnings);
    }

    #[test]
    fn wrong_typed_sections_and_values_are_warnings() {
        let part = read_ok(
            r#"{"specVersion": "1.6", "components": {"name": "x"}, "services": "none",
                "dependencies": [{"ref": ["a"]}, 7],
                "metadata": {"component": {"name": "p", "version": ["1"], "hashes": {"alg": "MD5"},
                             "properties": [{"name": "errors", "value": []}]}}}"#,
        );
        let places: Vec<String> = part
            .warnings
            .iter()
            .map(|w| format!("{} {}", w.code.as_str(), w.at.as_ref().unwrap()))
            .collect();
        assert_eq!(
            places,
            [
                "unexpected-type /components",
                "unexpected-type /services",
                "unexpected-type /dependencies/0/ref",
                "unexpected-type /dependencies/1",
                "unexpected-type /metadata/component/version",
                "unexpected-type /metadata/component/hashes",
                "unexpected-type /metadata/component/properties/0/value",
            ]
        );
        assert_eq!(part.components.len(), 1);
        assert_eq!(part.components[0].version, None);
    }

    #[test]
    fn a_utf8_bom_is_skipped() {
        let part = read_ok("\u{feff}{\"specVersion\": \"1.5\", \"components\": [{\"name\": \"a\"}]}");
        assert_eq!(part.document.component_count, 1);
    }
}
