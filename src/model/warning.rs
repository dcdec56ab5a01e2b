//! Warnings: what could be read only in part. Never dropped in silence; every report lists them.

use super::Location;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable warning codes. They are part of the JSON output; add new ones, never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// A value had the wrong JSON/XML type for its field and was skipped.
    UnexpectedType,
    /// A required value was missing; the reader used a placeholder.
    MissingField,
    /// A purl that does not parse.
    InvalidPurl,
    /// A CPE that does not parse.
    InvalidCpe,
    /// A relationship or dependency names a ref that no component has.
    UnresolvedRef,
    /// Two components share one ref; the first one wins for relationships.
    DuplicateRef,
    /// The document declares a spec version this reader does not know; read as the nearest.
    UnknownSpecVersion,
    /// A tag-value line or element this reader does not know; skipped.
    UnknownField,
    /// A strict reader (cyclonedx-bom, spdx-rs) rejected or flagged a document vendorscan read.
    Nonconformant,
    /// A waiver past its expiry date; it no longer applies.
    ExpiredWaiver,
    /// A walk limit (depth, size, ratio, entries, path length) stopped part of a target.
    LimitExceeded,
    /// An archive or compressed stream is damaged; what came before the damage is kept.
    Corrupt,
    /// A format was recognised but is not unpacked.
    NotUnpacked,
    /// A file below a directory target could not be read.
    Unreadable,
}

impl WarningCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::UnexpectedType => "unexpected-type",
            WarningCode::MissingField => "missing-field",
            WarningCode::InvalidPurl => "invalid-purl",
            WarningCode::InvalidCpe => "invalid-cpe",
            WarningCode::UnresolvedRef => "unresolved-ref",
            WarningCode::DuplicateRef => "duplicate-ref",
            WarningCode::UnknownSpecVersion => "unknown-spec-version",
            WarningCode::UnknownField => "unknown-field",
            WarningCode::Nonconformant => "nonconformant",
            WarningCode::ExpiredWaiver => "expired-waiver",
            WarningCode::LimitExceeded => "limit-exceeded",
            WarningCode::Corrupt => "corrupt",
            WarningCode::NotUnpacked => "not-unpacked",
            WarningCode::Unreadable => "unreadable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub code: WarningCode,
    /// The file the warning is about.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Location>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{}: {}: {} [{}]", self.file, at, self.message, self.code.as_str()),
            None => write!(f, "{}: {} [{}]", self.file, self.message, self.code.as_str()),
        }
    }
}
