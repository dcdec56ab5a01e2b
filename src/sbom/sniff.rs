//! Content sniffing: which reader a document needs, decided from its bytes, never its name.
//!
//! What "looks like an SBOM" means is decided here, and precisely, because everything after
//! depends on it: a document that looks like one and then fails to parse is an error (exit 2),
//! while one that does not is, under auto-detection, walked as an image. After a UTF-8
//! byte-order mark and any amount of white space, a document looks like an SBOM when
//!
//! - it opens as JSON (`{` or `[`) and its text holds `"bomFormat"` (CycloneDX), `"spdxVersion"`
//!   (SPDX 2) or an SPDX 3 JSON-LD context (`spdx.org/rdf/3` with `"@context"` or `"@graph"`);
//! - it opens as XML (`<`) and its root element — found past the prolog: XML declaration,
//!   comments, processing instructions, a DOCTYPE — is in the CycloneDX namespace or is named
//!   `bom` (CycloneDX), or is `rdf:RDF` in a document naming `spdx.org/rdf/terms` (SPDX 2
//!   RDF/XML; one naming only another `spdx.org/rdf` vocabulary is an SBOM in a form
//!   vendorscan does not read);
//! - it is text with a line that begins `SPDXVersion:` (tag-value) or `spdxVersion:` (YAML).
//!   Other `Key: value` lines (a shell script, a mail, a manifest) are not SPDX.
//!
//! Every search runs over the whole document, which the input stage has already bounded by
//! `Limits::max_bytes`, not over a window: no amount of white space, no comment and no long
//! first line hides an SBOM's markers. The scans are memchr searches or single passes, so the
//! cost is linear in the size and runs at memory speed.

use super::error::Emptiness;
use super::SbomError;
use memchr::memmem;

/// The kinds of document vendorscan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CycloneDxJson,
    CycloneDxXml,
    /// SPDX 2.x as JSON.
    SpdxJson,
    /// SPDX 2.x as YAML.
    SpdxYaml,
    SpdxTagValue,
    /// SPDX 3.x JSON-LD.
    Spdx3JsonLd,
    /// SPDX 2.x as RDF/XML.
    SpdxRdfXml,
}

/// How much of the content, from its first significant byte, is checked for binary data.
const BINARY_WINDOW: usize = 64 * 1024;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";
const CYCLONEDX_NAMESPACE: &[u8] = b"cyclonedx.org/schema/bom";

/// Decides the reader from the content (see the module documentation for the rules). The
/// reader itself then checks the document in full; the sniffer only has to pick the right one.
pub fn sniff(file: &str, bytes: &[u8]) -> Result<Kind, SbomError> {
    let unknown = |reason: String| SbomError::UnknownFormat {
        file: file.to_string(),
        reason,
    };
    let empty = |what| SbomError::Empty {
        file: file.to_string(),
        what,
    };
    if bytes.is_empty() {
        return Err(empty(Emptiness::NoBytes));
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if let Some(big_endian) = utf16_bom(body) {
        return if utf16_has_markers(body, big_endian) {
            Err(SbomError::Unsupported {
                file: file.to_string(),
                reason: "UTF-16 text; SBOMs must be UTF-8".to_string(),
            })
        } else {
            Err(unknown("UTF-16 text without an SBOM's markers".to_string()))
        };
    }
    let Some(start) = first_significant(body) else {
        return Err(empty(Emptiness::WhiteSpace));
    };
    let rest = &body[start..];
    if looks_binary(&rest[..rest.len().min(BINARY_WINDOW)]) {
        return Err(unknown(format!("binary content (starts with {})", hex_prefix(body))));
    }
    let has = |needle: &[u8]| memmem::find(rest, needle).is_some();
    match rest[0] {
        // JSON keys may come in any order: cyclonedx-py writes `components` first, so the
        // format keys can lie megabytes in.
        b'{' | b'[' => {
            if has(b"\"bomFormat\"") {
                Ok(Kind::CycloneDxJson)
            } else if has(b"\"spdxVersion\"") {
                Ok(Kind::SpdxJson)
            } else if has(b"spdx.org/rdf/3") && (has(b"\"@context\"") || has(b"\"@graph\"")) {
                Ok(Kind::Spdx3JsonLd)
            } else {
                Err(unknown(
                    "JSON without `bomFormat` (CycloneDX), `spdxVersion` (SPDX 2) or an SPDX 3 `@context`".to_string(),
                ))
            }
        }
        b'<' => sniff_xml(file, rest),
        _ => {
            if has_line_starting(rest, b"SPDXVersion:") {
                Ok(Kind::SpdxTagValue)
            } else if has_line_starting(rest, b"spdxVersion:") || has_line_starting(rest, b"\"spdxVersion\":") {
                Ok(Kind::SpdxYaml)
            } else {
                Err(unknown(
                    "text that is neither JSON, XML, SPDX tag-value (no `SPDXVersion:` line) nor SPDX YAML (no `spdxVersion:` line)"
                        .to_string(),
                ))
            }
        }
    }
}

/// XML: the root element decides, found past the prolog.
fn sniff_xml(file: &str, xml: &[u8]) -> Result<Kind, SbomError> {
    let unknown = |reason: String| SbomError::UnknownFormat {
        file: file.to_string(),
        reason,
    };
    let root = match xml_root(xml) {
        Ok(root) => root,
        // A prolog that never ends (cut inside a comment or the DOCTYPE) hides the root; the
        // namespace anywhere in the text still says what the document meant to be, and the
        // reader then reports where it breaks.
        Err(_) if memmem::find(xml, CYCLONEDX_NAMESPACE).is_some() => return Ok(Kind::CycloneDxXml),
        Err(e) => return Err(unknown(format!("XML whose root element cannot be found: {e}"))),
    };
    let in_cyclonedx = root
        .namespace
        .is_some_and(|ns| memmem::find(ns, CYCLONEDX_NAMESPACE).is_some());
    if in_cyclonedx || root.local == b"bom" {
        Ok(Kind::CycloneDxXml)
    } else if root.local == b"RDF" && memmem::find(xml, b"spdx.org/rdf/terms").is_some() {
        Ok(Kind::SpdxRdfXml)
    } else if root.local == b"RDF" && memmem::find(xml, b"spdx.org/rdf").is_some() {
        Err(SbomError::Unsupported {
            file: file.to_string(),
            reason: "SPDX RDF/XML without the SPDX 2 vocabulary (spdx.org/rdf/terms); convert it to SPDX JSON"
                .to_string(),
        })
    } else {
        Err(unknown(format!(
            "XML whose root element is `{}`, not CycloneDX `bom`",
            String::from_utf8_lossy(&root.name[..root.name.len().min(64)])
        )))
    }
}

/// A cheap first look, from the head of a file that may be an SBOM or an image: true unless
/// the head already shows it is neither. Binary data never passes; white space, JSON, XML (with
/// or without a prolog, however long), text with an SPDX version line, and text that so far
/// holds only `#` comments (an SPDX tag-value header) do. A head that is empty or all white space
/// passes too: only reading the whole file (bounded by the SBOM size limit) can tell, and the
/// reader then says `Empty`.
pub fn could_be(head: &[u8]) -> bool {
    let body = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    if let Some(big_endian) = utf16_bom(body) {
        return utf16_has_markers(body, big_endian);
    }
    let Some(start) = first_significant(body) else {
        return true;
    };
    let rest = &body[start..];
    if looks_binary(rest) {
        return false;
    }
    matches!(rest[0], b'{' | b'[' | b'<')
        || has_line_starting(rest, b"SPDXVersion:")
        || has_line_starting(rest, b"spdxVersion:")
        || has_line_starting(rest, b"\"spdxVersion\":")
        || only_comments(rest)
}

/// The offset of the first byte that is not ASCII white space; `None` when there is none.
/// One pass, no allocation, whatever the length of the white space.
fn first_significant(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| !b.is_ascii_whitespace())
}

/// `Some(big_endian)` for text that opens with a UTF-16 byte-order mark.
fn utf16_bom(body: &[u8]) -> Option<bool> {
    if body.starts_with(b"\xff\xfe") {
        Some(false)
    } else if body.starts_with(b"\xfe\xff") {
        Some(true)
    } else {
        None
    }
}

/// Whether UTF-16 text holds one of the SBOM markers, searched in its own encoding.
fn utf16_has_markers(body: &[u8], big_endian: bool) -> bool {
    [
        "bomFormat",
        "spdxVersion",
        "SPDXVersion",
        "cyclonedx.org/schema/bom",
        "spdx.org/rdf",
    ]
    .iter()
    .any(|marker| {
        let encoded: Vec<u8> = marker
            .encode_utf16()
            .flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() })
            .collect();
        memmem::find(body, &encoded).is_some()
    })
}

/// Whether a line of `text` begins (after spaces and tabs) with `prefix`. Each occurrence is
/// found by memmem and checked back to its line's start, stopping at the first other byte.
fn has_line_starting(text: &[u8], prefix: &[u8]) -> bool {
    memmem::find_iter(text, prefix).any(|at| {
        text[..at]
            .iter()
            .rev()
            .find(|&&b| b != b' ' && b != b'\t')
            .is_none_or(|&b| b == b'\n' || b == b'\r')
    })
}

/// Whether every line of `text` is blank or a `#` comment.
fn only_comments(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').all(|line| {
        let line = line.trim_ascii_start();
        line.is_empty() || line[0] == b'#'
    })
}

/// Text has no NUL bytes and few control characters; binary files have both.
fn looks_binary(window: &[u8]) -> bool {
    if window.contains(&0) {
        return true;
    }
    let control = window
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    control * 100 > window.len()
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The root element's start tag, as far as it could be read.
#[derive(Debug, PartialEq, Eq)]
struct XmlRoot<'a> {
    /// The qualified name, as written (`bom`, `cdx:bom`).
    name: &'a [u8],
    /// The name without its prefix.
    local: &'a [u8],
    /// The namespace the start tag declares for the name's prefix (or the default namespace),
    /// if it declares one.
    namespace: Option<&'a [u8]>,
}

/// Why the root element was not reached.
#[derive(Debug, PartialEq, Eq)]
enum PrologError {
    Unterminated(&'static str),
    /// Something other than white space, a comment, a processing instruction or a DOCTYPE.
    Unexpected(usize),
}

impl std::fmt::Display for PrologError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrologError::Unterminated(what) => write!(f, "{what} before it never ends"),
            PrologError::Unexpected(at) => write!(f, "unexpected content at byte {at} of the prolog"),
        }
    }
}

/// Finds the root element of an XML document by skipping its prolog: white space, the XML
/// declaration and other processing instructions (`<?...?>`), comments (`<!--...-->`) and a
/// DOCTYPE with its internal subset. Hand-written rather than a parser's, because a parser would
/// have to accept the whole document to say what its root is, and this runs on documents that
/// may not be XML at all. It never allocates, and every step moves forward by a memchr search or
/// one byte, so it is linear in the input (bounded by `Limits::max_bytes` before it gets here).
fn xml_root(xml: &[u8]) -> Result<XmlRoot<'_>, PrologError> {
    let mut at = 0;
    loop {
        at += first_significant(&xml[at..]).ok_or(PrologError::Unterminated("the prolog"))?;
        let rest = &xml[at..];
        if rest.starts_with(b"<?") {
            at += 2 + memmem::find(&rest[2..], b"?>").ok_or(PrologError::Unterminated("a processing instruction"))? + 2;
        } else if rest.starts_with(b"<!--") {
            at += 4 + memmem::find(&rest[4..], b"-->").ok_or(PrologError::Unterminated("a comment"))? + 3;
        } else if rest.starts_with(b"<!DOCTYPE") {
            at += doctype_len(rest).ok_or(PrologError::Unterminated("the DOCTYPE"))?;
        } else if rest.len() > 1 && rest[0] == b'<' && is_name_start(rest[1]) {
            return Ok(start_tag(&rest[1..]));
        } else {
            return Err(PrologError::Unexpected(at));
        }
    }
}

/// Bytes that may open an XML name: letters, `_`, `:` and any non-ASCII byte (a UTF-8 lead).
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

/// The length of a `<!DOCTYPE ...>` declaration, internal subset included: quoted strings,
/// comments and processing instructions inside it may hold `>` or `]`.
fn doctype_len(text: &[u8]) -> Option<usize> {
    let mut i = "<!DOCTYPE".len();
    let mut in_subset = false;
    while i < text.len() {
        let rest = &text[i..];
        match text[i] {
            quote @ (b'"' | b'\'') => i += 1 + memchr::memchr(quote, &rest[1..])? + 1,
            b'<' if in_subset && rest.starts_with(b"<!--") => i += 4 + memmem::find(&rest[4..], b"-->")? + 3,
            b'<' if in_subset && rest.starts_with(b"<?") => i += 2 + memmem::find(&rest[2..], b"?>")? + 2,
            b'[' if !in_subset => {
                in_subset = true;
                i += 1;
            }
            b']' if in_subset => {
                in_subset = false;
                i += 1;
            }
            b'>' if !in_subset => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Reads a start tag's name and its namespace declarations, from just after its `<`. A tag cut
/// short (the document ends inside it) gives what was read.
fn start_tag(tag: &[u8]) -> XmlRoot<'_> {
    let is_name_byte = |b: &u8| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>' | b'=');
    let name_len = tag.iter().position(|b| !is_name_byte(b)).unwrap_or(tag.len());
    let name = &tag[..name_len];
    let (prefix, local) = match memchr::memchr(b':', name) {
        Some(colon) => (&name[..colon], &name[colon + 1..]),
        None => (&b""[..], name),
    };
    let mut namespace = None;
    let mut i = name_len;
    // Attributes: `name = "value"` or `name = 'value'`, up to `>` or `/>`.
    loop {
        i += first_significant(&tag[i..]).unwrap_or(tag.len() - i);
        if i >= tag.len() || matches!(tag[i], b'>' | b'/') {
            break;
        }
        let attr_len = tag[i..].iter().position(|b| !is_name_byte(b)).unwrap_or(tag.len() - i);
        let attr = &tag[i..i + attr_len];
        i += attr_len;
        i += first_significant(&tag[i..]).unwrap_or(tag.len() - i);
        if tag.get(i) != Some(&b'=') {
            // Not well-formed; the reader will say so.
            break;
        }
        i += 1;
        i += first_significant(&tag[i..]).unwrap_or(tag.len() - i);
        let Some(&quote @ (b'"' | b'\'')) = tag.get(i) else {
            break;
        };
        let Some(len) = memchr::memchr(quote, &tag[i + 1..]) else {
            break;
        };
        let value = &tag[i + 1..i + 1 + len];
        i += len + 2;
        let declares = match attr.strip_prefix(b"xmlns") {
            Some(b"") => prefix.is_empty(),
            Some(p) => p.first() == Some(&b':') && &p[1..] == prefix,
            None => false,
        };
        if declares {
            namespace = Some(value);
        }
    }
    XmlRoot { name, local, namespace }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_kind() {
        assert_eq!(
            sniff("f", br#"{"bomFormat":"CycloneDX"}"#).unwrap(),
            Kind::CycloneDxJson
        );
        assert_eq!(
            sniff("f", b"\xef\xbb\xbf {\"spdxVersion\":\"SPDX-2.3\"}").unwrap(),
            Kind::SpdxJson
        );
        assert_eq!(
            sniff(
                "f",
                br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}"#
            )
            .unwrap(),
            Kind::Spdx3JsonLd
        );
        assert_eq!(
            sniff(
                "f",
                br#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>"#
            )
            .unwrap(),
            Kind::CycloneDxXml
        );
        assert_eq!(
            sniff("f", b"## doc\nSPDXVersion: SPDX-2.3\n").unwrap(),
            Kind::SpdxTagValue
        );
        assert_eq!(sniff("f", b"---\nspdxVersion: SPDX-2.2\n").unwrap(), Kind::SpdxYaml);
    }

    #[test]
    fn markers_are_found_past_any_amount_of_white_space_or_prolog() {
        let mut json = vec![b' '; 200_000];
        json.extend_from_slice(br#"{"bomFormat":"CycloneDX"}"#);
        assert_eq!(sniff("f", &json).unwrap(), Kind::CycloneDxJson);

        let mut tv = b"\xef\xbb\xbf".to_vec();
        tv.extend(std::iter::repeat_n(b'\n', 100_000));
        tv.extend_from_slice(b"## Document\n\t SPDXVersion: SPDX-2.3\n");
        assert_eq!(sniff("f", &tv).unwrap(), Kind::SpdxTagValue);

        let mut long_line = b"# ".to_vec();
        long_line.extend(std::iter::repeat_n(b'x', 100_000));
        long_line.extend_from_slice(b"\r\nSPDXVersion: SPDX-2.3\r\n");
        assert_eq!(sniff("f", &long_line).unwrap(), Kind::SpdxTagValue);

        let mut xml = b"<?xml version=\"1.0\"?>\n<!--".to_vec();
        xml.extend(std::iter::repeat_n(b'-', 100_000));
        xml.extend_from_slice(
            b" <bom> --> <?pi x > y?> <!DOCTYPE bom [ <!-- ] > --> <!ATTLIST bom a CDATA \"]>\"> ]>\n\
              <cdx:bom a='1' xmlns:cdx=\"http://cyclonedx.org/schema/bom/1.6\" version=\"1\">",
        );
        assert_eq!(sniff("f", &xml).unwrap(), Kind::CycloneDxXml);
    }

    #[test]
    fn the_xml_root_decides() {
        let root = xml_root(b"<!DOCTYPE a SYSTEM 'x>y'><p:a q='1' xmlns='d' xmlns:p=\"ns\"/>").unwrap();
        assert_eq!(
            (root.name, root.local, root.namespace),
            (&b"p:a"[..], &b"a"[..], Some(&b"ns"[..]))
        );
        let root = xml_root(b"<a xmlns:p='ns'>").unwrap();
        assert_eq!(root.namespace, None);
        // cut inside the start tag: what was read counts
        let root = xml_root(b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\" vers").unwrap();
        assert_eq!(root.namespace, Some(&b"http://cyclonedx.org/schema/bom/1.5"[..]));
        assert_eq!(
            xml_root(b"<!-- never ends"),
            Err(PrologError::Unterminated("a comment"))
        );
        assert_eq!(xml_root(b"<?xml?> text"), Err(PrologError::Unexpected(8)));

        // a `bom` root in another namespace looks like CycloneDX (and the reader refuses it)
        assert_eq!(sniff("f", b"<bom xmlns='urn:x'/>").unwrap(), Kind::CycloneDxXml);
        // cut inside the prolog, but naming the namespace
        assert_eq!(
            sniff("f", b"<!-- http://cyclonedx.org/schema/bom/1.6 ").unwrap(),
            Kind::CycloneDxXml
        );
        let e = sniff("f", b"<?xml version='1.0'?>\n<html><bom/></html>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f: not a recognised SBOM: XML whose root element is `html`, not CycloneDX `bom`"
        );
        assert!(e.is_not_an_sbom());
        assert_eq!(
            sniff(
                "f",
                b"<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns:spdx='http://spdx.org/rdf/terms#'/>",
            )
            .unwrap(),
            Kind::SpdxRdfXml
        );
        let e = sniff(
            "f",
            b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns:s='https://spdx.org/rdf/3.0.1/terms/Core/'/>",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "f: an SBOM in a form vendorscan does not read: SPDX RDF/XML without the SPDX 2 vocabulary \
             (spdx.org/rdf/terms); convert it to SPDX JSON"
        );
        assert!(!e.is_not_an_sbom());
    }

    #[test]
    fn key_value_text_is_not_spdx() {
        let script = b"#!/bin/sh\n# Name: build\nName: value\nVersion: 1\necho \"SPDXVersion: x\"\n";
        let e = sniff("f", script).unwrap_err();
        assert!(matches!(e, SbomError::UnknownFormat { .. }), "{e}");
        assert!(!could_be(script));
        assert!(!could_be(b"PackageName: zlib\nPackageVersion: 1\n"));
        // YAML needs its own key, not the tag-value one, and vice versa
        assert!(sniff("f", b"---\nname: x\nversion: 1\n").is_err());
    }

    #[test]
    fn could_be_is_a_first_look() {
        assert!(could_be(b"  {\"anything\": 1}"));
        assert!(could_be(b"<?xml version=\"1.0\"?>"));
        assert!(could_be(b"<!-- a comment that goes on past the head"));
        assert!(could_be(b"# c\nSPDXVersion: SPDX-2.3\n"));
        assert!(could_be(b"## only comments so far\n\n# more\n"));
        assert!(could_be(&[b' '; 65536]));
        assert!(could_be(b"\xef\xbb\xbf\n\n"));
        assert!(could_be(b""));
        assert!(!could_be(b"\x7fELF\x02\x01\x01\0"));
        assert!(!could_be(b"   \n\x7fELF\x02\x01\x01\0"));
        assert!(!could_be(b"plain text notes\n"));
        let utf16: Vec<u8> = "\u{feff}{\"bomFormat\":1}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(could_be(&utf16));
        assert!(matches!(sniff("f", &utf16), Err(SbomError::Unsupported { .. })));
    }

    /// Fragments of prologs, tags and quotes in random order: the hand-written scanners end on
    /// every input without a panic (an out-of-range slice) or a loop that does not advance.
    #[test]
    fn the_prolog_scanner_survives_fragments() {
        const PIECES: [&[u8]; 16] = [
            b"<",
            b">",
            b"<?",
            b"?>",
            b"<!--",
            b"-->",
            b"<!DOCTYPE",
            b"[",
            b"]",
            b"\"",
            b"'",
            b"=",
            b"/",
            b" ",
            b"bom",
            b"xmlns:a",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..50_000 {
            let mut doc = Vec::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for k in 0..(state % 24) {
                doc.extend_from_slice(PIECES[((state >> (k * 2 + 5)) % 16) as usize]);
            }
            let _ = sniff("f", &doc);
            let _ = could_be(&doc);
        }
    }

    #[test]
    fn refuses_what_is_not_an_sbom() {
        let e = sniff("f", b"").unwrap_err();
        assert_eq!(e.to_string(), "f: file is empty");
        assert!(e.is_not_an_sbom());
        let e = sniff("f", b"\xef\xbb\xbf  \n\t\r\n ").unwrap_err();
        assert_eq!(e.to_string(), "f: file holds only white space");
        assert!(e.is_not_an_sbom());
        let e = sniff("f", b"\x7fELF\x02\x01\x01\0\0\0").unwrap_err().to_string();
        assert_eq!(e, "f: not a recognised SBOM: binary content (starts with 7f 45 4c 46)");
        assert!(sniff("f", b"{\"name\": 1}").is_err());
        assert!(sniff("f", b"{\"@graph\": []}").is_err());
        assert!(sniff("f", b"<html/>").is_err());
    }
}
