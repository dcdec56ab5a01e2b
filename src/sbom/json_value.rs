//! Tolerant reading of a parsed JSON (or YAML) tree: every access knows its JSON pointer, and
//! a value of the wrong type is a warning, not an error — real SBOMs put `[]` where a string
//! belongs (scancode) and invent fields, and neither may stop the rest from being read.

use super::builder::DocumentBuilder;
use super::{Place, SbomError};
use crate::model::{push_pointer, Location, WarningCode};
use serde_json::Value;

/// A value in the tree and the pointer that reaches it.
#[derive(Clone)]
pub struct Node<'a> {
    pub value: &'a Value,
    pub pointer: String,
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value) -> Self {
        Node {
            value,
            pointer: String::new(),
        }
    }

    pub fn at(&self) -> Location {
        Location::json(self.pointer.clone())
    }

    /// The member `key` of an object, if present and not `null`.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        match self.value.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(Node {
                value: v,
                pointer: push_pointer(&self.pointer, key),
            }),
        }
    }

    /// The member `key` as a string. Numbers and booleans are taken as their text (a version
    /// written as `1.2` is still a version); other types are skipped with a warning.
    pub fn str(&self, key: &str, b: &mut DocumentBuilder) -> Option<(String, Location)> {
        let node = self.get(key)?;
        match node.value {
            Value::String(s) => Some((s.clone(), node.at())),
            Value::Number(n) => Some((n.to_string(), node.at())),
            Value::Bool(v) => Some((v.to_string(), node.at())),
            other => {
                b.warn(
                    WarningCode::UnexpectedType,
                    Some(node.at()),
                    format!("`{key}` should be a string, found {}; skipped", type_name(other)),
                );
                None
            }
        }
    }

    /// A non-empty string member, trimmed.
    pub fn text(&self, key: &str, b: &mut DocumentBuilder) -> Option<(String, Location)> {
        self.str(key, b)
            .map(|(s, at)| (s.trim().to_string(), at))
            .filter(|(s, _)| !s.is_empty())
    }

    /// The elements of the array member `key`. A single object where an array belongs is read
    /// as an array of one (CycloneDX 1.5 `evidence.identity` is an object, 1.6 an array).
    pub fn items(&self, key: &str, b: &mut DocumentBuilder) -> Vec<Node<'a>> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        match node.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| Node {
                    value: v,
                    pointer: push_pointer(&node.pointer, &i.to_string()),
                })
                .collect(),
            Value::Object(_) => vec![node],
            other => {
                b.warn(
                    WarningCode::UnexpectedType,
                    Some(node.at()),
                    format!("`{key}` should be an array, found {}; skipped", type_name(other)),
                );
                Vec::new()
            }
        }
    }

    /// The elements of an array member that are strings (others are warned about).
    pub fn strings(&self, key: &str, b: &mut DocumentBuilder) -> Vec<(String, Location)> {
        let mut out = Vec::new();
        for item in self.items(key, b) {
            match item.value {
                Value::String(s) => out.push((s.clone(), item.at())),
                other => b.warn(
                    WarningCode::UnexpectedType,
                    Some(item.at()),
                    format!(
                        "an element of `{key}` should be a string, found {}; skipped",
                        type_name(other)
                    ),
                ),
            }
        }
        out
    }

    pub fn is_object(&self) -> bool {
        self.value.is_object()
    }

    pub fn as_str(&self) -> Option<&'a str> {
        self.value.as_str()
    }
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A serde_json error as a one-line error at line:column. serde_json bounds nesting at 128
/// levels, so a hostile 100,000-deep document fails here quickly, not by exhausting the stack.
pub fn syntax_error(file: &str, err: &serde_json::Error) -> SbomError {
    let message = err.to_string();
    // serde_json appends " at line L column C"; the place goes in front instead.
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    SbomError::Syntax {
        file: file.to_string(),
        place: Place::LineColumn {
            line: err.line(),
            column: err.column(),
        },
        message,
    }
}

/// Parses JSON text into a tree, or fails with the line and column of the first problem.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Value, SbomError> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    serde_json::from_slice(body).map_err(|e| syntax_error(file, &e))
}
