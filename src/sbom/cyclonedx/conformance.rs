//! A second opinion from cyclonedx-bom, the CycloneDX project's own Rust library: after
//! vendorscan has read a 1.3, 1.4 or 1.5 document, cyclonedx-bom parses it strictly and validates
//! it, and whatever it finds becomes one `nonconformant` warning.
//!
//! It is a check and not the reader because it cannot be: 0.8 knows only 1.3–1.5 and refuses 1.2,
//! 1.6 and 1.7 outright (most SBOMs written today are 1.6), and it fails the whole document on an
//! unknown field or one wrong-typed value (scancode writes `"value": []` in a property), where an
//! audit must read everything it can. Nor does it keep where a value was read, which every piece
//! of evidence here must carry. It runs under `catch_unwind` because its validation code has panics of
//! its own ("Attempt to replace non-empty nested entry"); a panic there costs the check, never the
//! read (the panic message still reaches standard error through the default hook).

use super::mapping::Reader;
use crate::model::WarningCode;
use cyclonedx_bom::models::bom::{Bom, SpecVersion};
use cyclonedx_bom::validation::{Validate, ValidationErrorsKind, ValidationResult};

/// How many of the problems found are quoted in the warning.
const QUOTED: usize = 2;

/// cyclonedx-bom's XML reader recurses once per element level with no limit of its own; deeper
/// documents are not handed to it (the reader has already warned about nesting that deep).
const MAX_XML_DEPTH: usize = 128;

/// The largest document checked. cyclonedx-bom's typed model and validation cost about fifteen
/// times the document in memory and about as long again as vendorscan's own read (a 50 MB,
/// 100,000-component 1.5 document: 0.8 GB and a second); above this size the check is left out,
/// which costs only the second opinion. Real SBOMs of a few thousand components are well under it.
const MAX_CHECKED_BYTES: usize = 8 << 20;

enum Outcome {
    Rejected(String),
    Problems(Vec<String>),
}

/// Checks a JSON document (UTF-8 BOM already stripped).
pub(super) fn check_json(r: &mut Reader, body: &[u8]) {
    if body.len() > MAX_CHECKED_BYTES {
        return;
    }
    check(r, |version| {
        let parsed = match version {
            SpecVersion::V1_3 => Bom::parse_from_json_v1_3(body),
            SpecVersion::V1_4 => Bom::parse_from_json_v1_4(body),
            SpecVersion::V1_5 => Bom::parse_from_json_v1_5(body),
        };
        parsed.map_err(|e| e.to_string())
    });
}

/// Checks an XML document whose elements nest `max_depth` deep.
pub(super) fn check_xml(r: &mut Reader, text: &str, max_depth: usize) {
    if max_depth > MAX_XML_DEPTH || text.len() > MAX_CHECKED_BYTES {
        return;
    }
    check(r, |version| {
        let parsed = match version {
            SpecVersion::V1_3 => Bom::parse_from_xml_v1_3(text.as_bytes()),
            SpecVersion::V1_4 => Bom::parse_from_xml_v1_4(text.as_bytes()),
            SpecVersion::V1_5 => Bom::parse_from_xml_v1_5(text.as_bytes()),
        };
        parsed.map_err(|e| e.to_string())
    });
}

fn check(r: &mut Reader, parse: impl Fn(SpecVersion) -> Result<Bom, String> + std::panic::UnwindSafe) {
    let Some(declared) = r.spec_version().map(str::to_string) else {
        return;
    };
    let version = match declared.as_str() {
        "1.3" => SpecVersion::V1_3,
        "1.4" => SpecVersion::V1_4,
        "1.5" => SpecVersion::V1_5,
        _ => return,
    };
    let outcome = std::panic::catch_unwind(move || match parse(version) {
        Ok(bom) => Outcome::Problems(problems(bom.validate_version(version))),
        Err(e) => Outcome::Rejected(e),
    });
    let message = match outcome {
        Ok(Outcome::Problems(found)) if found.is_empty() => return,
        Ok(Outcome::Problems(found)) => {
            let quoted: Vec<&str> = found.iter().take(QUOTED).map(String::as_str).collect();
            format!(
                "cyclonedx-bom finds {} problem(s) against CycloneDX {declared}: {}{}; read anyway",
                found.len(),
                quoted.join("; "),
                if found.len() > QUOTED { "; …" } else { "" }
            )
        }
        Ok(Outcome::Rejected(e)) => format!("cyclonedx-bom rejects it as CycloneDX {declared}: {e}; read anyway"),
        Err(_) => format!("cyclonedx-bom failed (panicked) checking it against CycloneDX {declared}; read anyway"),
    };
    r.b.warn(WarningCode::Nonconformant, None, message);
}

/// The validation errors as `path: message`, in document order.
fn problems(result: ValidationResult) -> Vec<String> {
    let mut out = Vec::new();
    collect("", result, &mut out);
    out
}

fn collect(prefix: &str, result: ValidationResult, out: &mut Vec<String>) {
    for (name, kind) in result.errors() {
        let path = match (prefix.is_empty(), name.is_empty()) {
            (true, _) => name,
            (false, true) => prefix.to_string(),
            (false, false) => format!("{prefix}.{name}"),
        };
        match kind {
            ValidationErrorsKind::Struct(inner) => collect(&path, inner, out),
            ValidationErrorsKind::List(entries) => {
                for (i, inner) in entries {
                    collect(&format!("{path}[{i}]"), inner, out);
                }
            }
            ValidationErrorsKind::Field(errors) | ValidationErrorsKind::Custom(errors) => {
                out.extend(errors.into_iter().map(|e| format!("{path}: {}", e.message)));
            }
            ValidationErrorsKind::Enum(e) => out.push(format!("{path}: {}", e.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Encoding;

    fn checked(json: &str, version: &str) -> Vec<String> {
        let mut r = Reader::new("t.json", Encoding::Json);
        r.b.document.spec_version = Some(version.to_string());
        check_json(&mut r, json.as_bytes());
        r.finish().warnings.into_iter().map(|w| w.message).collect()
    }

    #[test]
    fn a_conformant_document_passes() {
        let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
                      "components": [{"type": "library", "name": "zlib", "version": "1.3"}]}"#;
        assert!(checked(doc, "1.4").is_empty());
    }

    #[test]
    fn a_rejection_is_one_warning() {
        let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.3", "version": 1,
                      "metadata": {"properties": [{"name": "errors", "value": []}]}}"#;
        let w = checked(doc, "1.3");
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("cyclonedx-bom rejects it as CycloneDX 1.3: "),
            "{}",
            w[0]
        );
    }

    #[test]
    fn validation_problems_are_counted_and_quoted() {
        let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                      "serialNumber": "not-a-urn",
                      "components": [{"type": "library", "name": "a", "purl": "pkg"},
                                     {"type": "library", "name": "b", "purl": "nope"}]}"#;
        let w = checked(doc, "1.5");
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("cyclonedx-bom finds 3 problem(s) against CycloneDX 1.5: serial_number: "),
            "{}",
            w[0]
        );
        assert!(w[0].ends_with("; …; read anyway"), "{}", w[0]);
    }

    #[test]
    fn large_documents_are_not_checked() {
        let padding = "a".repeat(MAX_CHECKED_BYTES);
        let doc =
            format!(r#"{{"bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": "bad", "x": "{padding}"}}"#);
        assert!(checked(&doc, "1.5").is_empty());
        assert_eq!(checked(&doc.replace(&padding, ""), "1.5").len(), 1);
    }

    #[test]
    fn other_versions_are_not_checked() {
        assert!(checked("{}", "1.6").is_empty());
        assert!(checked("{}", "1.2").is_empty());
    }
}
