//! Where a value was read: the one notation every reader, the rule engine and every report share.

use super::Pointer;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The place inside one document a value came from.
///
/// Readers record the most precise form their encoding allows, so a person can open the file
/// and find the value: a JSON pointer (RFC 6901) for JSON and YAML, an element path plus its
/// line for XML, a line number for SPDX tag-value.
///
/// A large SBOM has several locations per component (the component, its purl, CPE and parties,
/// its edges), so a location is kept to 24 bytes: a JSON pointer is stored inline, without an
/// allocation, as nearly all are short enough in [`Pointer`]'s form, and the XML place is boxed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Location {
    /// A JSON pointer, e.g. `/components/3/supplier/name`.
    Json { pointer: Pointer },
    /// An XML element path with 1-based sibling indices and the line it starts on.
    Xml(Box<XmlPlace>),
    /// A 1-based line in a line-oriented format (SPDX tag-value).
    Line { line: u32 },
    /// A place in a walked file: its virtual path, and where known the byte offset and the
    /// place in the file's own structure (`.modinfo author`, `VS_VERSIONINFO CompanyName`).
    File(Box<FilePlace>),
}

/// A walked file and a place inside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FilePlace {
    /// Virtual path (docs/inventory-format.md).
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// An XML element path with 1-based sibling indices, e.g.
/// `/bom/components/component[4]/supplier/name`, and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct XmlPlace {
    pub path: String,
    pub line: u32,
}

impl Location {
    /// A JSON pointer from its written form.
    pub fn json(pointer: impl AsRef<str>) -> Self {
        Location::Json {
            pointer: Pointer::parse(pointer.as_ref()),
        }
    }

    /// A JSON pointer a reader built token by token while walking the document.
    pub fn pointer(pointer: Pointer) -> Self {
        Location::Json { pointer }
    }

    pub fn xml(path: String, line: u32) -> Self {
        Location::Xml(Box::new(XmlPlace { path, line }))
    }

    pub fn line(line: u32) -> Self {
        Location::Line { line }
    }

    pub fn file(path: impl Into<String>, offset: Option<u64>, place: Option<String>) -> Self {
        Location::File(Box::new(FilePlace {
            path: path.into(),
            offset,
            place,
        }))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Json { pointer } if pointer.is_empty() => f.write_str("/"),
            Location::Json { pointer } => pointer.fmt(f),
            Location::Xml(place) => write!(f, "{} (line {})", place.path, place.line),
            Location::Line { line } => write!(f, "line {line}"),
            Location::File(place) => {
                f.write_str(&place.path)?;
                if let Some(offset) = place.offset {
                    write!(f, " @0x{offset:x}")?;
                }
                if let Some(what) = &place.place {
                    write!(f, " ({what})")?;
                }
                Ok(())
            }
        }
    }
}

/// A value together with the place it was read from; serialised as `{"value": ..., "at": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located<T> {
    pub value: T,
    pub at: Location,
}

impl<T> Located<T> {
    pub fn new(value: T, at: Location) -> Self {
        Located { value, at }
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub fn push_pointer(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(push_pointer("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(push_pointer("", "0"), "/0");
    }

    #[test]
    fn locations_display_as_a_person_reads_them() {
        assert_eq!(Location::json("/components/3/purl").to_string(), "/components/3/purl");
        assert_eq!(Location::json("").to_string(), "/");
        assert_eq!(Location::line(12).to_string(), "line 12");
        let xml = Location::xml("/bom/components/component[2]".into(), 9);
        assert_eq!(xml.to_string(), "/bom/components/component[2] (line 9)");
        assert_eq!(std::mem::size_of::<Location>(), 24);
    }
}
