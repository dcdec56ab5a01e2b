//! Document-level facts: what kind of SBOM it was, who and what made it, what it describes.

use super::{ComponentId, Party};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    CycloneDX,
    #[serde(rename = "SPDX")]
    Spdx,
    /// A directory or firmware image walked and analysed: the inventory of what was found.
    #[serde(rename = "image")]
    Image,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Json,
    Xml,
    Yaml,
    TagValue,
    JsonLd,
    /// Files and images, not a document format.
    Binary,
}

/// A tool that produced the SBOM (CycloneDX `metadata.tools`, SPDX `Creator: Tool:`,
/// SPDX 3 `createdUsing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The file as named on the command line (or a virtual path inside an image).
    pub path: String,
    pub format: Format,
    pub encoding: Encoding,
    /// The spec version the document declares (`1.6`, `SPDX-2.3`, `3.0.1`); `None` if it
    /// declares none the reader could find.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_version: Option<String>,
    /// SHA-256 of the file as read (before decompression): which exact input a report is about.
    pub sha256: String,
    /// Bytes of the input as read (an SBOM file before decompression, an image file; for a
    /// directory, its files' bytes).
    pub size: u64,
    /// True when the document was gzip-compressed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub compressed: bool,
    /// CycloneDX `serialNumber`, SPDX `DocumentNamespace` / 3.0 document `spdxId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Creation time as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Who wrote the SBOM (CycloneDX `metadata.authors`, 1.6 `metadata.manufacturer`, SPDX
    /// `Creator: Organization:` / `Person:`). Not the product's vendors: those are parties of
    /// the described components.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub creators: Vec<Party>,
    /// The product the document describes: CycloneDX `metadata.component`, SPDX `DESCRIBES` /
    /// `documentDescribes`, SPDX 3 `rootElement` of the SBOM.
    pub describes: Vec<ComponentId>,
    /// How many components (origin `component`) the document lists, nested ones included.
    pub component_count: usize,
}

impl Document {
    /// A document with only what every reader knows before reading: where it is and its format.
    pub fn new(path: &str, format: Format, encoding: Encoding) -> Self {
        Document {
            path: path.to_string(),
            format,
            encoding,
            spec_version: None,
            sha256: String::new(),
            size: 0,
            compressed: false,
            serial: None,
            name: None,
            created: None,
            tools: Vec::new(),
            creators: Vec::new(),
            describes: Vec::new(),
            component_count: 0,
        }
    }
}
