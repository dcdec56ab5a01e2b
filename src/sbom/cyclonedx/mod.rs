//! CycloneDX, JSON and XML, spec versions 1.2 to 1.7 (the version comes from the document: JSON
//! `specVersion`, the XML namespace). A newer or unknown version is read anyway with a warning.
//!
//! What is read, and where it goes in the model:
//!
//! | CycloneDX | model |
//! |---|---|
//! | `metadata.component` | the product: origin `metadata`, in `document.describes` |
//! | `metadata.supplier`, `metadata.manufacture` (deprecated) | supplier / manufacturer of the product |
//! | `metadata.manufacturer` (1.6), `metadata.authors` | `document.creators` (who made the SBOM) |
//! | `metadata.tools` (legacy array; 1.5+ `components`/`services`) | `document.tools` |
//! | `components` at any depth | origin `component`, `contains` edges parent → child |
//! | `services` at any depth | origin `service`, `provider` as a provider party, `endpoints` as references |
//! | `pedigree.ancestors` / `descendants` / `variants` | origin `pedigree`, `derived-from` / `variant-of` edges |
//! | `supplier`, `manufacturer` (1.6) | organisation parties with URLs, contacts' names and e-mails |
//! | `author`, `authors` (1.6), `publisher` | author (unknown kind / person) and publisher parties |
//! | `purl`, `cpe`, `swid`, `hashes`, `licenses`, `externalReferences`, `properties` | same-named fields |
//! | `copyright`, `evidence.copyright` | `copyrights`, plus a copyright-holder party per holder named |
//! | `evidence.identity` (1.5 object, 1.6+ array) | a `purl`/`cpe` `concludedValue` joins `purls`/`cpes`; other concluded fields become properties `cdx:evidence:identity:<field>`, methods `cdx:evidence:identity:<field>:<technique>` |
//! | `evidence.occurrences[].location` | `occurrences` |
//! | `properties` named `vendorscan:evidence:…` / `vendorscan:party:…` ([`crate::sbom::vendorscan`]) | graded `evidence` under the same field, parties; a party vendorscan wrote from an evidence value is that evidence, not a party |
//! | `dependencies` (`dependsOn`, 1.6 `provides`) | `depends-on` / `provides` edges |
//!
//! A `metadata.supplier` or `manufacture` with no `metadata.component` is kept on a placeholder
//! product named `(unnamed)` with a `missing-field` warning: the vendor must reach the rules.
//!
//! Nothing here is fatal except a document that is not JSON/XML at all or whose top level is not
//! a CycloneDX BOM: a value of the wrong type is a warning and is skipped, unknown fields and
//! elements of other XML namespaces are ignored. Every value keeps its place (JSON pointer, XML
//! element path and line).
//!
//! The field mapping is written once ([`mapping`]) over a small node interface ([`source`])
//! that the JSON ([`json`], streamed element by element) and XML ([`xml`]) readers implement.
//! After a successful read of a 1.3–1.5 document, cyclonedx-bom checks it ([`conformance`]).

mod conformance;
mod json;
mod mapping;
mod source;
mod tree;
mod xml;

use super::SbomError;
use crate::model::InventoryPart;

/// Reads a CycloneDX JSON document.
pub fn read_json(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    let mut reader = json::read(file, bytes)?;
    conformance::check_json(&mut reader, bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes));
    Ok(reader.finish())
}

/// Reads a CycloneDX XML document.
pub fn read_xml(file: &str, bytes: &[u8]) -> Result<InventoryPart, SbomError> {
    let xml::XmlRead {
        mut reader,
        text,
        max_depth,
    } = xml::read(file, bytes)?;
    conformance::check_xml(&mut reader, text, max_depth);
    Ok(reader.finish())
}
