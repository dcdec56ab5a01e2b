//! The inventory model: the one vocabulary every reader writes and the rule engine and reporters
//! read. Readers produce an [`InventoryPart`] per document with document-local component ids;
//! [`Inventory::add`] renumbers them into one flat list.

mod component;
pub mod corporate;
pub mod coverage;
mod cpe;
mod document;
mod facts;
mod file;
mod finding;
mod graph;
mod intern;
mod location;
mod parts;
mod party;
mod pointer;
mod reconcile;
mod warning;

pub use component::{Component, ComponentId, Details, Hash, Origin, Property, Purl, PurlError, Reference, Swid};
pub use coverage::{Cause, ContainerCounts, Coverage};
pub use cpe::{Cpe, CpeError};
pub use document::{Document, Encoding, Format, Tool};
pub use facts::{Fact, Facts, FileProperty, Ownership, PackageParty, PackageRecord};
pub use facts::{OsRelease, PackageLicenses};
pub use file::{ContainerEntry, FileEntry, FileLayer, Removed, RemovedHow, SkipReason, Skipped};
pub use finding::{Citation, EvidenceItem, EvidenceKind, Finding, Link, Overall, Strength, Verdict, WaiverRef};
pub use graph::{RelationKind, Relationship};
pub use location::{push_pointer, FilePlace, Located, Location, XmlPlace};
pub use party::{Identity, Party, PartyKind, Role};
pub use pointer::Pointer;
pub use reconcile::{Declared, Discrepancy, DiscrepancyKind, MatchBy, Matched, ReconcileSummary, Reconciliation};
pub use warning::{Warning, WarningCode};

use serde::Serialize;

/// What one document yielded. Component ids and relationship ends are indices into
/// `components`; `document` fields are ignored until [`Inventory::add`] sets them.
#[derive(Debug, Clone)]
pub struct InventoryPart {
    pub document: Document,
    pub components: Vec<Component>,
    pub relationships: Vec<Relationship>,
    pub warnings: Vec<Warning>,
}

fn append<T>(to: &mut Vec<T>, mut more: Vec<T>) {
    if to.is_empty() {
        more.shrink_to_fit();
        *to = more;
    } else {
        to.append(&mut more);
    }
}

/// An input that could not be read at all, kept so reports list it instead of dropping it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub file: String,
    pub message: String,
}

/// Everything read from every input of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    pub documents: Vec<Document>,
    pub components: Vec<Component>,
    pub relationships: Vec<Relationship>,
    /// Files found by walking directories and images, sorted by path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
    /// Archives, compressed streams and filesystems opened on the way, sorted by path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<ContainerEntry>,
    /// Paths the walks did not enter on purpose (`--exclude`, pseudo filesystems).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Warning>,
    pub errors: Vec<InputError>,
}

impl Inventory {
    /// Appends one document's part, renumbering its components after the ones already held.
    pub fn add(&mut self, part: InventoryPart) {
        let doc = self.documents.len();
        let base = self.components.len();
        let shift = |id: ComponentId| ComponentId::new(id.index() + base);
        let mut document = part.document;
        document.describes = document.describes.into_iter().map(shift).collect();
        self.documents.push(document);
        let mut components = part.components;
        for c in &mut components {
            c.id = shift(c.id);
            c.document = doc;
        }
        let mut relationships = part.relationships;
        for r in &mut relationships {
            r.from = shift(r.from);
            r.to = shift(r.to);
            r.document = doc;
        }
        // The first document's lists are taken as they are: appending would copy them, and
        // for a large SBOM that copy would be the peak of the run's memory.
        append(&mut self.components, components);
        append(&mut self.relationships, relationships);
        self.warnings.extend(part.warnings);
    }

    pub fn component(&self, id: ComponentId) -> &Component {
        &self.components[id.index()]
    }
}
