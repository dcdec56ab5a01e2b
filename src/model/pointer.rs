//! JSON pointers (RFC 6901) as a [`super::Location`] keeps them.
//!
//! A large SBOM holds several pointers per component (the component, its purl, CPE, parties and
//! edges), and most are longer than the 24 bytes a [`CompactString`] keeps inline
//! (`/dependencies/12345/dependsOn/1`), so each was a heap allocation. Nearly every reference
//! token in them is a member name of the SBOM formats themselves, so each token that is one of the
//! names in [`KEYS`] is stored as a single character; the pointer is otherwise kept as written.
//! `/dependencies/12345/dependsOn/1` takes 14 bytes and stays inline.
//!
//! The stored form is canonical (a pointer has exactly one), so equality and hashing work on it
//! directly; order and display use the pointer as written.

use compact_str::CompactString;
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt::{self, Write};

/// Member names stored as one character each: those the CycloneDX and SPDX readers reach values
/// through. Any other token is stored as written. Sorted (byte order), for binary search. The
/// stored form never leaves the process, so the list may change freely, up to 255 names.
const KEYS: &[&str] = &[
    "@graph",
    "algorithm",
    "ancestors",
    "annotations",
    "author",
    "authors",
    "checksums",
    "component",
    "components",
    "concludedValue",
    "contact",
    "content",
    "copyright",
    "copyrightText",
    "cpe",
    "createdBy",
    "createdUsing",
    "creationInfo",
    "creators",
    "dependencies",
    "dependsOn",
    "descendants",
    "description",
    "documentDescribes",
    "downloadLocation",
    "email",
    "endpoints",
    "evidence",
    "expression",
    "externalIdentifier",
    "externalRef",
    "externalReferences",
    "externalRefs",
    "field",
    "files",
    "from",
    "group",
    "hasFiles",
    "hashes",
    "homepage",
    "identifier",
    "identity",
    "license",
    "licenseConcluded",
    "licenseDeclared",
    "licenses",
    "locator",
    "manufacture",
    "manufacturer",
    "metadata",
    "methods",
    "name",
    "originatedBy",
    "originator",
    "packages",
    "pedigree",
    "properties",
    "provider",
    "provides",
    "publisher",
    "purl",
    "ref",
    "referenceLocator",
    "relatedSpdxElement",
    "relationships",
    "rootElement",
    "services",
    "snippetFromFile",
    "snippets",
    "software_copyrightText",
    "software_downloadLocation",
    "software_homePage",
    "software_packageUrl",
    "software_packageVersion",
    "software_primaryPurpose",
    "software_snippetFromFile",
    "spdxElementId",
    "specVersion",
    "suppliedBy",
    "supplier",
    "swid",
    "technique",
    "text",
    "to",
    "tools",
    "url",
    "value",
    "variants",
    "verifiedUsing",
    "version",
    "versionInfo",
];

/// The first of the private-use characters that stand for `/` + `KEYS[i]`.
const FIRST_KEY: u32 = 0xE000;
/// Precedes a character of the reserved range (`U+E000`–`U+E0FF`) that the pointer itself
/// contains, so that it is read as itself.
const ESCAPE: char = '\u{E0FF}';

fn is_reserved(c: char) -> bool {
    (FIRST_KEY..=u32::from(ESCAPE)).contains(&u32::from(c))
}

/// The key a stored character stands for.
fn key_of(c: char) -> Option<&'static str> {
    let i = u32::from(c).checked_sub(FIRST_KEY)?;
    KEYS.get(usize::try_from(i).ok()?).copied()
}

/// A JSON pointer, stored with known member names as one character each (see the module docs).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Pointer(CompactString);

impl Pointer {
    /// A pointer from its written form (`/components/3/purl`; empty for the whole document).
    pub fn parse(text: &str) -> Pointer {
        let mut out = Pointer::default();
        let mut tokens = text.split('/');
        // Text before the first `/` is no part of a pointer a reader builds; kept as written.
        if let Some(lead) = tokens.next() {
            out.push_literal(lead);
        }
        for token in tokens {
            out.push_token(token);
        }
        out
    }

    /// The pointer of a top-level member (`/components`).
    pub fn member(key: &str) -> Pointer {
        Pointer::default().child(key)
    }

    /// This pointer with one reference token appended (`~` and `/` escaped as RFC 6901 requires).
    pub fn child(&self, token: &str) -> Pointer {
        let mut out = self.clone();
        if token.contains(['~', '/']) {
            out.push_token(&token.replace('~', "~0").replace('/', "~1"));
        } else {
            out.push_token(token);
        }
        out
    }

    /// This pointer with an array index appended.
    pub fn index(&self, index: usize) -> Pointer {
        let mut out = self.clone();
        // Writing into a string cannot fail.
        let _ = write!(out.0, "/{index}");
        out
    }

    /// Appends `/` + a token already escaped for a pointer.
    fn push_token(&mut self, token: &str) {
        // No key starts with a digit: array indices, most tokens after keys, skip the search.
        let named = !token.starts_with(|c: char| c.is_ascii_digit());
        let key = named.then(|| KEYS.binary_search(&token).ok()).flatten();
        match key.and_then(|i| char::from_u32(FIRST_KEY + u32::try_from(i).ok()?)) {
            Some(c) => self.0.push(c),
            None => {
                self.0.push('/');
                self.push_literal(token);
            }
        }
    }

    fn push_literal(&mut self, text: &str) {
        let mut rest = text;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_reserved(c)) {
            self.0.push_str(&rest[..at]);
            self.0.push(ESCAPE);
            self.0.push(c);
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.push_str(rest);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pointer as written, in pieces.
    fn pieces(&self) -> Pieces<'_> {
        Pieces {
            rest: &self.0,
            key: None,
        }
    }
}

/// The written form of a stored pointer as string slices: runs of text as stored, and `/` and
/// the name for each key character.
struct Pieces<'a> {
    rest: &'a str,
    /// The name to give after the `/` just given.
    key: Option<&'static str>,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if let Some(key) = self.key.take() {
            return Some(key);
        }
        let s = self.rest;
        let first = s.chars().next()?;
        let (piece, rest) = if first == ESCAPE {
            let after = &s[ESCAPE.len_utf8()..];
            let len = after.chars().next().map_or(0, char::len_utf8);
            (&after[..len], &after[len..])
        } else if let Some(key) = key_of(first) {
            self.key = Some(key);
            ("/", &s[first.len_utf8()..])
        } else {
            let end = s
                .char_indices()
                .find(|&(_, c)| is_reserved(c))
                .map_or(s.len(), |(i, _)| i);
            (&s[..end], &s[end..])
        };
        self.rest = rest;
        Some(piece)
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces().try_for_each(|piece| f.write_str(piece))
    }
}

impl fmt::Debug for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

/// As written: pointers sort as their text does.
impl Ord for Pointer {
    fn cmp(&self, other: &Self) -> Ordering {
        if self == other {
            return Ordering::Equal;
        }
        let text = self.pieces().flat_map(str::chars);
        text.cmp(other.pieces().flat_map(str::chars))
    }
}

impl PartialOrd for Pointer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Read back from its written form, as [`Pointer::parse`] reads it.
impl<'de> serde::Deserialize<'de> for Pointer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Pointer::parse(&text))
    }
}

impl Serialize for Pointer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_fit_the_reserved_range() {
        assert!(KEYS.windows(2).all(|w| w[0] < w[1]));
        assert!(KEYS.len() < (u32::from(ESCAPE) - FIRST_KEY) as usize);
    }

    #[test]
    fn pointers_read_back_as_written() {
        for text in [
            "",
            "/",
            "/components/12345/supplier",
            "/dependencies/12345/dependsOn/1",
            "/@graph/0/originatedBy/2",
            "/a~1b/c~0d//e",
            "lead/components",
            "/nameX/Xname/name",
            "/\u{e000}/\u{e0ff}x/\u{e001}\u{e0fe}",
        ] {
            let p = Pointer::parse(text);
            assert_eq!(p.to_string(), text);
            assert_eq!(Pointer::parse(&p.to_string()), p, "{text}");
        }
    }

    #[test]
    fn known_names_take_one_character() {
        let p = Pointer::parse("/dependencies/12345/dependsOn/1");
        assert_eq!(p.0.len(), 14);
        assert!(!p.0.is_heap_allocated());
        let q = Pointer::parse("/components/0/evidence/identity/0/concludedValue");
        assert!(!q.0.is_heap_allocated());
    }

    #[test]
    fn children_escape_their_token() {
        let p = Pointer::member("components").index(3).child("purl");
        assert_eq!(p, Pointer::parse("/components/3/purl"));
        assert_eq!(Pointer::default().child("a/b~c").to_string(), "/a~1b~0c");
    }

    #[test]
    fn order_is_that_of_the_text() {
        let mut texts = [
            "/components/10",
            "/components/9",
            "/componentsX",
            "/component/1",
            "/a",
            "",
        ];
        let mut pointers: Vec<Pointer> = texts.iter().map(|t| Pointer::parse(t)).collect();
        texts.sort_unstable();
        pointers.sort();
        let back: Vec<String> = pointers.iter().map(ToString::to_string).collect();
        assert_eq!(back, texts);
    }
}
