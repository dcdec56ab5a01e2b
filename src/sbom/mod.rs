//! SBOM ingestion: CycloneDX (JSON, XML; 1.2–1.7) and SPDX (2.2/2.3 JSON, YAML, tag-value,
//! RDF/XML; 3.0 JSON-LD) into the inventory model.
//!
//! The flow for one input: [`input`] brings the bytes in under the size limits (gunzipping
//! transparently), [`sniff`] picks the reader from the content, the reader fills a
//! [`builder::DocumentBuilder`] and returns an [`InventoryPart`].

pub mod builder;
pub mod cyclonedx;
mod error;
pub mod input;
pub mod json_value;
pub mod sniff;
pub mod spdx;
pub mod vendorscan;
mod xml;

pub use error::{Emptiness, Place, SbomError};
pub use input::Limits;
pub use sniff::Kind;

use crate::model::InventoryPart;
use std::path::Path;

/// Reads one SBOM file from disk.
pub fn read_path(path: &Path, limits: &Limits) -> Result<InventoryPart, SbomError> {
    let input = input::read_file(path, limits)?;
    read_input(&path.display().to_string(), input)
}

/// Reads one SBOM from bytes already in memory; `file` names it in locations and errors.
pub fn read_bytes(file: &str, bytes: Vec<u8>, limits: &Limits) -> Result<InventoryPart, SbomError> {
    let input = input::from_bytes(file, bytes, limits)?;
    read_input(file, input)
}

/// Reads one SBOM from a stream (standard input: `vendorscan audit -`), at most
/// `limits.max_bytes` of it, gunzipping as for files; `file` names it in locations and errors.
pub fn read_reader(file: &str, reader: impl std::io::Read, limits: &Limits) -> Result<InventoryPart, SbomError> {
    let input = input::read_stream(file, reader, limits)?;
    read_input(file, input)
}

/// Whether a file could be an SBOM, from its first 64 KiB (decompressed, when gzip): false only
/// when that head already shows it is not — binary data, or text without an SPDX version line
/// (see [`sniff::could_be`]). A firmware image is not read in full — nor refused for its size —
/// just to learn that it is not an SBOM. A file that passes is then read in full (bounded by
/// [`Limits::max_bytes`]) and sniffed again on all its content, so white space, a byte-order mark
/// or an XML prolog that fills the head do not hide an SBOM; if it then proves not to be one,
/// reading says so with an error for which [`SbomError::is_not_an_sbom`] holds.
pub fn could_be_sbom(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    const HEAD: u64 = 64 * 1024;
    let mut head = Vec::new();
    std::fs::File::open(path)?.take(HEAD).read_to_end(&mut head)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::new();
        // A stream that breaks inside the first 64 KiB is no SBOM we could read either.
        if flate2::read::MultiGzDecoder::new(&head[..])
            .take(HEAD)
            .read_to_end(&mut inflated)
            .is_err()
            && inflated.is_empty()
        {
            return Ok(false);
        }
        head = inflated;
    }
    Ok(sniff::could_be(&head))
}

fn read_input(file: &str, input: input::Input) -> Result<InventoryPart, SbomError> {
    let bytes = &input.bytes;
    let mut part = match sniff::sniff(file, bytes)? {
        Kind::CycloneDxJson => cyclonedx::read_json(file, bytes)?,
        Kind::CycloneDxXml => cyclonedx::read_xml(file, bytes)?,
        Kind::SpdxJson => spdx::read_json(file, bytes)?,
        Kind::SpdxYaml => spdx::read_yaml(file, bytes)?,
        Kind::SpdxTagValue => spdx::read_tag_value(file, bytes)?,
        Kind::Spdx3JsonLd => spdx::read_v3(file, bytes)?,
        Kind::SpdxRdfXml => spdx::read_rdf_xml(file, bytes)?,
    };
    part.document.compressed = input.compressed;
    part.document.sha256 = input.sha256;
    Ok(part)
}
