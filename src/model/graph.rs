//! The dependency graph: edges between components, each with the place it was declared.

use super::{ComponentId, Location};
use serde::Serialize;

/// What an edge means. Edges always point from the whole to the part, or from the dependant to
/// the dependency, whichever way round the document wrote them (SPDX `*_OF` inverses are turned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationKind {
    /// `from` needs `to` (CycloneDX `dependencies[].dependsOn`, SPDX `DEPENDS_ON`,
    /// `*_DEPENDENCY_OF`).
    DependsOn,
    /// `from` holds `to` (CycloneDX nested `components`, SPDX `CONTAINS` / `CONTAINED_BY`,
    /// 3.0 `contains`).
    Contains,
    /// `from` implements or provides `to` (CycloneDX 1.6 `dependencies[].provides`).
    Provides,
    /// `from` was derived from `to` (CycloneDX pedigree ancestors, SPDX `DESCENDANT_OF`,
    /// `VARIANT_OF`, `COPY_OF`): a rebadged part keeps its ancestor's vendors.
    DerivedFrom,
    /// `from` is a variant of `to` (CycloneDX `pedigree.variants`).
    VariantOf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relationship {
    pub from: ComponentId,
    pub to: ComponentId,
    pub kind: RelationKind,
    /// Index of the document that declared the edge.
    pub document: usize,
    pub at: Location,
}
