//! Content sniffing: which reader a document needs, decided from its bytes, never its name.

use super::SbomError;

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
}

/// How far into a document the sniffer looks for its markers. Generators put the format keys
/// first; 64 KiB also covers a long licence header or a large `@context` inline.
const SNIFF_WINDOW: usize = 64 * 1024;

/// Decides the reader from the first bytes. The reader itself then checks the document in
/// full; the sniffer only has to pick the right one.
pub fn sniff(file: &str, bytes: &[u8]) -> Result<Kind, SbomError> {
    let unknown = |reason: String| SbomError::UnknownFormat {
        file: file.to_string(),
        reason,
    };
    if bytes.is_empty() {
        return Err(SbomError::Empty { file: file.to_string() });
    }
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if body.starts_with(b"\xff\xfe") || body.starts_with(b"\xfe\xff") {
        return Err(unknown("UTF-16 text; SBOMs must be UTF-8".to_string()));
    }
    let window = &body[..body.len().min(SNIFF_WINDOW)];
    let start = window.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(unknown("only white space".to_string()));
    };
    if looks_binary(window) {
        return Err(unknown(format!("binary content (starts with {})", hex_prefix(body))));
    }
    let text = String::from_utf8_lossy(window);
    match window[start] {
        // JSON keys may come in any order: cyclonedx-py writes `components` first, so the
        // format keys can lie megabytes in. The whole document is searched (memchr's SIMD
        // search runs at memory speed); the window is only for text formats.
        b'{' | b'[' => {
            let has = |needle: &str| memchr::memmem::find(body, needle.as_bytes()).is_some();
            if has("\"bomFormat\"") {
                Ok(Kind::CycloneDxJson)
            } else if has("\"spdxVersion\"") {
                Ok(Kind::SpdxJson)
            } else if has("\"@graph\"") || has("\"@context\"") && has("spdx.org/rdf/3") {
                Ok(Kind::Spdx3JsonLd)
            } else {
                Err(unknown(
                    "JSON without `bomFormat` (CycloneDX), `spdxVersion` (SPDX 2) or an SPDX 3 `@context`".to_string(),
                ))
            }
        }
        b'<' => {
            if text.contains("cyclonedx.org/schema/bom") {
                Ok(Kind::CycloneDxXml)
            } else if text.contains("spdx.org/rdf") {
                Err(unknown(
                    "SPDX RDF/XML is not supported; convert it to SPDX JSON".to_string(),
                ))
            } else {
                Err(unknown("XML without the CycloneDX namespace".to_string()))
            }
        }
        _ => {
            if has_line_starting(&text, "SPDXVersion:") {
                Ok(Kind::SpdxTagValue)
            } else if has_line_starting(&text, "spdxVersion:") || has_line_starting(&text, "\"spdxVersion\":") {
                Ok(Kind::SpdxYaml)
            } else {
                Err(unknown(
                    "text that is neither JSON, XML, SPDX tag-value (`SPDXVersion:`) nor SPDX YAML (`spdxVersion:`)"
                        .to_string(),
                ))
            }
        }
    }
}

/// A cheap first look for targets that may be SBOMs or images: text that opens like JSON or
/// XML, or has an SPDX version line. Binary data never passes.
pub fn could_be(head: &[u8]) -> bool {
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if body.is_empty() || looks_binary(body) {
        return false;
    }
    let text = String::from_utf8_lossy(body);
    matches!(text.trim_start().chars().next(), Some('{' | '[' | '<'))
        || has_line_starting(&text, "SPDXVersion:")
        || has_line_starting(&text, "spdxVersion:")
}

fn has_line_starting(text: &str, prefix: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with(prefix))
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
    fn could_be_is_a_first_look() {
        assert!(could_be(b"  {\"anything\": 1}"));
        assert!(could_be(b"<?xml version=\"1.0\"?>"));
        assert!(could_be(b"# c\nSPDXVersion: SPDX-2.3\n"));
        assert!(!could_be(b"\x7fELF\x02\x01\x01\0"));
        assert!(!could_be(b"plain text notes\n"));
        assert!(!could_be(b""));
    }

    #[test]
    fn refuses_what_is_not_an_sbom() {
        assert!(matches!(sniff("f", b""), Err(SbomError::Empty { .. })));
        let e = sniff("f", b"\x7fELF\x02\x01\x01\0\0\0").unwrap_err().to_string();
        assert_eq!(e, "f: not a recognised SBOM: binary content (starts with 7f 45 4c 46)");
        assert!(sniff("f", b"{\"name\": 1}").is_err());
        assert!(sniff("f", b"  \n ").is_err());
        assert!(sniff("f", b"<html/>").is_err());
    }
}
