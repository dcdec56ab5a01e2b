//! SPDX readers: 2.2/2.3 as JSON, YAML, tag-value and RDF/XML, and 3.0 JSON-LD.
//!
//! All four 2.x encodings fill the same `v2::Spdx2` assembler, so supplier parsing,
//! `NOASSERTION` handling, external references and relationship mapping are written once; JSON
//! and YAML share even the field mapping (`json2`), YAML being deserialised into the same
//! `serde_json::Value` tree. SPDX 3.0 is a graph of typed elements and has its own reader
//! (`v3`) that indexes the graph first and maps it second.
//!
//! The readers are tolerant: SBOMs in the wild invent fields, put `[]` where a string belongs
//! and misspell enumerations, and none of that may stop the rest of the document from being
//! read. Whatever is skipped is reported as a warning. Strict checking is left to spdx-rs, run
//! as a conformance check over 2.x JSON (`conformance`), which corrects spdx-rs where it
//! disagrees with the SPDX 2.3 schema.
//!
//! # Relationships
//!
//! Edges point from the whole to the part and from the dependant to the dependency (see
//! [`crate::model::RelationKind`]); `A TYPE B` is read as follows, "inverse" meaning the edge
//! runs from B to A. Relationships with a `NOASSERTION`/`NONE` end, with an end in another
//! document (`DocumentRef-…:`), or between the document itself and anything but through
//! `DESCRIBES` are skipped without a warning; a type not in this table gets one `unknown-field`
//! warning per document.
//!
//! | SPDX 2.x `A TYPE B` | edge | why |
//! |---|---|---|
//! | `DEPENDS_ON`, `HAS_PREREQUISITE`, `DYNAMIC_LINK` | A depends-on B | B is needed, linked at run time at most |
//! | `DEPENDENCY_OF`, `BUILD_`/`DEV_`/`OPTIONAL_`/`PROVIDED_`/`RUNTIME_`/`TEST_DEPENDENCY_OF`, `PREREQUISITE_FOR` | B depends-on A | the inverses |
//! | `CONTAINS`, `STATIC_LINK` | A contains B | statically linked code is shipped inside A |
//! | `CONTAINED_BY`, `PACKAGE_OF`, `EXPANDED_FROM_ARCHIVE`, `OPTIONAL_COMPONENT_OF`, `DATA_FILE_OF` | B contains A | A ships as part of B |
//! | `DESCENDANT_OF`, `COPY_OF`, `GENERATED_FROM`, `DISTRIBUTION_ARTIFACT` | A derived-from B | a fork, copy, build or tarball keeps B's vendors |
//! | `ANCESTOR_OF`, `GENERATES` | B derived-from A | the inverses |
//! | `VARIANT_OF` | A variant-of B | |
//! | `DESCRIBES` from the document, `DESCRIBED_BY` to it | `document.describes` | |
//! | `AMENDS`, `BUILD_TOOL_OF`, `DEV_TOOL_OF`, `TEST_TOOL_OF`, `TEST_OF`, `TEST_CASE_OF`, `DOCUMENTATION_OF`, `EXAMPLE_OF`, `METAFILE_OF`, `DEPENDENCY_MANIFEST_OF`, `SPECIFICATION_FOR`, `REQUIREMENT_DESCRIPTION_FOR`, `PATCH_FOR`, `PATCH_APPLIED`, `FILE_ADDED`, `FILE_DELETED`, `FILE_MODIFIED`, `OTHER` | none | tools, tests and documents are not shipped in the product; a patch carries no vendor of its own |
//!
//! | SPDX 3.0 `from` → `to` | edge |
//! |---|---|
//! | `dependsOn`, `hasOptionalDependency`, `hasProvidedDependency`, `hasPrerequisite`, `hasDynamicLink` | from depends-on to |
//! | `contains`, `hasStaticLink`, `hasOptionalComponent`, `hasDataFile`, `expandsTo` | from contains to |
//! | `descendantOf` | from derived-from to |
//! | `ancestorOf`, `generates`, `copiedTo`, `hasDistributionArtifact` | to derived-from from |
//! | `hasVariant` | to variant-of from |
//! | `describes` from the `SpdxDocument` or an SBOM, and their `rootElement` | `document.describes` |
//! | `hasConcludedLicense`, `hasDeclaredLicense` | no edge: the licence element's expression joins from's licences |
//! | the rest of the 3.0 vocabulary (`usesTool`, `hasTest`, `affects`, `packagedBy`, `amendedBy`, …) | none, for the reasons above; security assertions name no vendor |
//!
//! Besides relationships, 2.x JSON `hasFiles` is read as "package contains file", a snippet's
//! `snippetFromFile` (3.0 `software_snippetFromFile`) as "file contains snippet", and in
//! tag-value a file that follows a package belongs to it (as the spec and spdx-tools read it)
//! unless a relationship already places that file in something.

mod conformance;
mod json2;
mod rdf;
mod tag_value;
mod v2;
mod v3;

use super::{json_value, Place, SbomError};
use crate::model::{Encoding, InventoryPart};

/// SPDX 2.x JSON. After the tolerant reader has read the document, it is checked for
/// conformance (spdx-rs, corrected by the 2.3 schema where spdx-rs is wrong); the first
/// objection becomes one warning.
pub fn read_json(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    let value = json_value::parse(file, bytes)?;
    let mut part = json2::read(file, &value, Encoding::Json)?;
    let purposes = conformance::check_purposes(file, &value);
    drop(value);
    if let Some(warning) = purposes.or_else(|| conformance::check(file, bytes)) {
        part.warnings.push(warning);
    }
    Ok(part)
}

/// SPDX 2.x YAML, read into the JSON value tree and mapped exactly as JSON is, so pointers in
/// locations address the YAML document the same way.
///
/// serde_norway bounds nesting (128 levels) and alias expansion (an alias-heavy "billion
/// laughs" document fails with "repetition limit exceeded" instead of growing in memory).
pub fn read_yaml(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(body).map_err(|e| SbomError::invalid_utf8(file, body, e))?;
    let value: serde_json::Value = serde_norway::from_str(text).map_err(|e| yaml_error(file, &e))?;
    json2::read(file, &value, Encoding::Yaml)
}

/// SPDX 2.x tag-value, with vendorscan's own line reader (see `tag_value` for why not
/// spdx-rs's).
pub fn read_tag_value(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    tag_value::read(file, bytes)
}

/// SPDX 2.x RDF/XML (an `rdf:RDF` root, the `spdx.org/rdf/terms` vocabulary).
pub fn read_rdf_xml(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    rdf::read(file, bytes)
}

/// SPDX 3.0 JSON-LD (`@context` and `@graph`).
pub fn read_v3(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    let value = json_value::parse(file, bytes)?;
    v3::read(file, &value)
}

/// A serde_norway error as a one-line error at line:column. Errors without a place (the alias
/// repetition limit) are placed at the start of the document.
fn yaml_error(file: &str, err: &serde_norway::Error) -> SbomError {
    let message = err.to_string();
    // serde_norway appends " at line L column C"; the place goes in front instead.
    let message = match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    let (line, column) = err.location().map_or((1, 1), |l| (l.line(), l.column()));
    SbomError::Syntax {
        file: file.to_string(),
        place: Place::LineColumn { line, column },
        message,
    }
}

/// The error for a document whose top level (or `@graph`) has the wrong shape.
/// The document's top level must be an object; anything else is not SPDX JSON at all.
fn require_object(file: &str, value: &serde_json::Value) -> Result<(), SbomError> {
    if value.is_object() {
        return Ok(());
    }
    Err(invalid(
        file,
        "",
        format!("the top level is {}, expected an object", json_value::type_name(value)),
    ))
}

fn invalid(file: &str, pointer: &str, message: String) -> SbomError {
    SbomError::Invalid {
        file: file.to_string(),
        place: Place::Pointer(pointer.to_string()),
        what: "SPDX document",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_alias_bomb_fails_fast() {
        // Nine levels of ten aliases each would expand to 10^9 strings.
        let mut doc = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        doc.push_str("spdxVersion: SPDX-2.3\npackages: *a9\n");
        let started = std::time::Instant::now();
        let err = read_yaml("bomb.yaml", doc.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("repetition limit exceeded"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn yaml_syntax_errors_have_line_and_column() {
        let err = read_yaml("f.yaml", b"spdxVersion: SPDX-2.3\npackages: [a, b\nname: x\n").unwrap_err();
        let SbomError::Syntax { place, .. } = &err else {
            panic!("{err}");
        };
        assert!(matches!(place, Place::LineColumn { line: 3, .. }), "{err}");
        assert!(!err.to_string().contains(" at line "), "{err}");
    }

    #[test]
    fn yaml_top_level_must_be_a_mapping() {
        let err = read_yaml("f.yaml", b"- spdxVersion: SPDX-2.3\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "f.yaml:/: not a valid SPDX document: the top level is an array, expected an object"
        );
    }

    #[test]
    fn yaml_invalid_utf8_is_placed() {
        let err = read_yaml("f.yaml", b"spdxVersion: SPDX-2.3\nname: \xff\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "f.yaml:2:7: invalid UTF-8 (byte 0xff)");
    }
}
