//! Reconciliation: what a vendor's SBOM declared set against what the walk of the target found
//! (`audit --declared`). The engine (`crate::reconcile`) fills these in; reporters print them
//! and decide nothing. See docs/reconciliation.md.

use super::{ComponentId, EvidenceItem, Location, Verdict};
use serde::Serialize;

/// What kind of difference a reconciliation finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiscrepancyKind {
    /// Found in the target, not declared: a package from a package database or an embedded
    /// SBOM, or a kernel module, executable or library no declared package owns.
    Undeclared,
    /// Declared, with no trace in the target.
    NotFound,
    /// Declared and found, but a hash the SBOM gives differs from the one of what is there.
    HashMismatch,
    /// Declared and found, but the SBOM names a supplier the evidence in the files contradicts.
    ContradictedSupplier,
}

impl DiscrepancyKind {
    /// The name every report gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            DiscrepancyKind::Undeclared => "undeclared",
            DiscrepancyKind::NotFound => "not-found",
            DiscrepancyKind::HashMismatch => "hash-mismatch",
            DiscrepancyKind::ContradictedSupplier => "contradicted-supplier",
        }
    }

    pub const ALL: [DiscrepancyKind; 4] = [
        DiscrepancyKind::Undeclared,
        DiscrepancyKind::NotFound,
        DiscrepancyKind::HashMismatch,
        DiscrepancyKind::ContradictedSupplier,
    ];
}

/// Which identifier tied a declared component to an observed one: the first that agrees, in
/// this order (docs/reconciliation.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchBy {
    /// The same file content: a declared hash equal to the observed file's SHA-256.
    Hash,
    /// Normalised purls equal (type, namespace, name, version; qualifiers that do not identify
    /// ignored).
    Purl,
    /// The same CPE vendor, product and version.
    Cpe,
    /// The same path inside the image (SPDX files, a tool's recorded location).
    Path,
    /// Name and version equal after the ecosystem's normalisation.
    NameVersion,
}

impl MatchBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchBy::Hash => "hash",
            MatchBy::Purl => "purl",
            MatchBy::Cpe => "cpe",
            MatchBy::Path => "path",
            MatchBy::NameVersion => "name-version",
        }
    }
}

/// A component of the declared SBOM, as the reconciliation names it (the SBOM is not one of
/// the run's inventory documents, so it is carried here whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declared {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The document's own identifier (`bom-ref`, `SPDXID`).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// The SBOM file.
    pub file: String,
    /// Where in it the component is declared.
    pub at: Location,
}

/// One declared component tied to one observed component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    pub declared: Declared,
    /// The observed component (an index into the run's inventory).
    pub observed: ComponentId,
    pub by: MatchBy,
}

/// One difference between the declared SBOM and the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discrepancy {
    /// Stable across runs and machines: `VS-R` and 15 hex digits of a SHA-256 of the kind and
    /// what it is about (docs/reconciliation.md).
    pub id: String,
    pub kind: DiscrepancyKind,
    pub verdict: Verdict,
    /// The component's name (declared, or else observed).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The declared component, when there is one (all kinds but `undeclared`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<Declared>,
    /// The observed component, when there is one (all kinds but `not-found`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<ComponentId>,
    /// The virtual path of the observed file (a package: its database file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// SHA-256 of that file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// How declared and observed were tied, when both are there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<MatchBy>,
    /// The difference in words: the two hashes, the two suppliers, what is missing.
    pub detail: String,
    /// The entity the evidence names, for a contradicted supplier that is one of the rules'.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// The observed evidence that contradicts the declaration, strongest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceItem>,
}

/// The counts of the summary line: declared N, observed M, matched K, undeclared U, not found F.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileSummary {
    /// Components the SBOM declares (its products and files left out: see the docs).
    pub declared: usize,
    /// Components the walk found that count: packages, and kernel modules, executables and
    /// libraries no package owns.
    pub observed: usize,
    /// Declared components tied to an observed one.
    pub matched: usize,
    pub undeclared: usize,
    pub not_found: usize,
    pub hash_mismatch: usize,
    pub contradicted_supplier: usize,
}

impl ReconcileSummary {
    /// The one line every report prints.
    pub fn line(&self) -> String {
        format!(
            "declared {}, observed {}, matched {}, undeclared {}, not found {}, hash mismatch {}, contradicted supplier {}",
            self.declared,
            self.observed,
            self.matched,
            self.undeclared,
            self.not_found,
            self.hash_mismatch,
            self.contradicted_supplier
        )
    }
}

/// The whole reconciliation of one declared SBOM with the walked targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The declared SBOM as named on the command line.
    pub declared_file: String,
    /// Its SHA-256 as read.
    pub declared_sha256: String,
    pub summary: ReconcileSummary,
    /// The differences, by kind, then name.
    pub discrepancies: Vec<Discrepancy>,
    /// Every declared component tied to an observed one, and by what.
    pub matches: Vec<Matched>,
}

impl Reconciliation {
    /// The most serious verdict among the differences.
    pub fn verdict(&self) -> Option<Verdict> {
        self.discrepancies.iter().map(|d| d.verdict).max()
    }
}
