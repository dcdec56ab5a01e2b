//! The rule files' shapes, exactly as rules/README.md documents them. Unknown keys are errors
//! (`deny_unknown_fields`), so a typo in a user's rule folder is reported, not ignored. Ids keep
//! their byte span so `rules check` can point at the line.

use super::date::Date;
use crate::model::{EvidenceKind, Strength};
use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub id: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub date: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    #[default]
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    Subsidiary,
    Affiliate,
    Brand,
    Unit,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identifiers {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purls: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpe_vendors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usb_vendor_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pci_vendor_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dt_prefixes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub oui_registrants: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cert_orgs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sha256: Vec<String>,
    /// The entity's own update or flash file formats, told by magic bytes at fixed offsets
    /// (docs/vendor-formats.md): a file in one of them was packaged by the entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firmware_formats: Vec<FirmwareFormat>,
}

/// `[[entity.identifiers.firmware_formats]]`: a vendor's update or flash file format, recognised
/// when every `magic` is found at its offset in a file at least `min_size` bytes long.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmwareFormat {
    /// A slug reported as the evidence value (`huawei-hwnp`); its span names the line for
    /// `rules check`.
    pub name: Spanned<String>,
    pub label: String,
    pub magic: Vec<Magic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<u64>,
    /// Where the layout is described: every format cites at least one.
    pub sources: Vec<Source>,
}

/// Bytes (written as hex) at a byte offset from the start of the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Magic {
    pub offset: u64,
    pub hex: HexBytes,
}

/// Bytes written as an even number of hex digits (`48574e50`); anything else is refused when the
/// file is read, so `rules check` names the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HexBytes(pub Vec<u8>);

impl TryFrom<String> for HexBytes {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let digits = s.as_bytes();
        if digits.is_empty() || !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(format!("`{s}` is not bytes as an even number of hex digits"));
        }
        let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
        Ok(HexBytes(
            digits
                .chunks_exact(2)
                .map(|p| nibble(p[0]) << 4 | nibble(p[1]))
                .collect(),
        ))
    }
}

impl From<HexBytes> for String {
    fn from(h: HexBytes) -> String {
        h.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityDef {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub parent: Option<Spanned<String>>,
    #[serde(default)]
    pub relation: Option<Relation>,
    #[serde(default)]
    pub since: Option<Date>,
    #[serde(default)]
    pub until: Option<Date>,
    #[serde(default)]
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    /// The sources for the link to `parent` (ownership, acquisition, sale): required with a parent.
    #[serde(default)]
    pub parent_sources: Vec<Source>,
    #[serde(default)]
    pub not: Vec<String>,
    #[serde(default)]
    pub identifiers: Identifiers,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityFile {
    #[serde(default)]
    pub entity: Vec<EntityDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    pub entities: Vec<Spanned<String>>,
    #[serde(default)]
    pub clause: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub effective: Option<Date>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDef {
    pub id: Spanned<String>,
    pub name: String,
    pub severity: Severity,
    #[serde(default)]
    pub include_subsidiaries: bool,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub entry: Vec<PolicyEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub policy: PolicyDef,
}

/// How one evidence field is graded: data, so a user's pack can make a field weaker or stronger.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeDef {
    pub field: Spanned<String>,
    pub kind: EvidenceKind,
    pub strength: Strength,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradingFile {
    #[serde(default)]
    pub grade: Vec<GradeDef>,
    /// Upstream open-source code: its shape lives with its logic, in `rules/upstream.rs`.
    #[serde(default)]
    pub upstream: Option<super::upstream::UpstreamDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrantDef {
    pub name: String,
    pub entity: Spanned<String>,
    pub assignments: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OuiFile {
    pub source: String,
    #[serde(default)]
    pub registrant: Vec<RegistrantDef>,
}

/// A web host whose pages are not accepted as the source of a fact (aggregators, link farms,
/// unattributed mirrors): `rules check` refuses a source on it, or on any of its subdomains.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostDef {
    pub host: Spanned<String>,
    pub why: String,
}

/// `sources.toml`: the hosts not accepted as sources.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesFile {
    #[serde(default)]
    pub unaccepted: Vec<HostDef>,
}
