//! What every reader needs to assemble one document's [`InventoryPart`]: components numbered in
//! order, refs resolved to ids once the whole document is read (edges may name components that
//! come later), and warnings that carry the file name.

use crate::model::{
    Component, ComponentId, Document, Encoding, Format, Identity, InventoryPart, Location, Party, RelationKind,
    Relationship, Warning, WarningCode,
};
use compact_str::CompactString;
use hashbrown::HashTable;
use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

pub struct DocumentBuilder {
    pub document: Document,
    components: Vec<Component>,
    /// The first component with each ref, found by hashing the ref it holds: the refs are not
    /// copied into a map, which for a large SBOM was megabytes at the peak of the read.
    by_ref: HashTable<ComponentId>,
    ref_hasher: RandomState,
    edges: Vec<Relationship>,
    edges_by_ref: Vec<(CompactString, CompactString, RelationKind, Location)>,
    describes_by_ref: Vec<(CompactString, Location)>,
    warnings: Vec<Warning>,
    /// One copy of each party identity the document names (see [`Identity`]).
    identities: HashSet<Arc<Identity>>,
}

impl DocumentBuilder {
    pub fn new(file: &str, format: Format, encoding: Encoding) -> Self {
        DocumentBuilder {
            document: Document::new(file, format, encoding),
            components: Vec::new(),
            by_ref: HashTable::new(),
            ref_hasher: RandomState::new(),
            edges: Vec::new(),
            edges_by_ref: Vec::new(),
            describes_by_ref: Vec::new(),
            warnings: Vec::new(),
            identities: HashSet::new(),
        }
    }

    pub fn file(&self) -> &str {
        &self.document.path
    }

    /// Adds a component and registers its ref. A ref seen before keeps pointing at the first
    /// component that had it, with a warning. Its parties are normalised and share identities
    /// from here on, so a supplier named on every component is held once while the rest is read.
    pub fn add_component(&mut self, mut component: Component) -> ComponentId {
        let id = ComponentId::new(self.components.len());
        component.id = id;
        for party in &mut component.parties {
            share(&mut self.identities, party);
        }
        let new_ref = match component.bom_ref.as_deref() {
            Some(r) if self.resolve(r).is_some() => {
                let message = format!("ref `{r}` is used by more than one component; edges go to the first");
                self.warn(WarningCode::DuplicateRef, Some(component.at.clone()), message);
                false
            }
            r => r.is_some(),
        };
        self.components.push(component);
        if new_ref {
            // Hashed as `resolve` hashes; the table rehashes its entries the same way as it grows.
            let (components, hasher) = (&self.components, &self.ref_hasher);
            let hash_of = |id: &ComponentId| hasher.hash_one(components[id.index()].bom_ref.as_deref());
            self.by_ref.insert_unique(hash_of(&id), id, hash_of);
        }
        id
    }

    /// The component added under `id`, for readers that fill it in after adding it (its ref
    /// stays as it was added: it is how the component is found).
    pub fn component_mut(&mut self, id: ComponentId) -> &mut Component {
        &mut self.components[id.index()]
    }

    pub fn resolve(&self, r: &str) -> Option<ComponentId> {
        let hash = self.ref_hasher.hash_one(Some(r));
        let holds = |id: &ComponentId| self.components[id.index()].bom_ref.as_deref() == Some(r);
        self.by_ref.find(hash, holds).copied()
    }

    /// An edge between components the reader already holds.
    pub fn add_edge(&mut self, from: ComponentId, to: ComponentId, kind: RelationKind, at: Location) {
        self.edges.push(Relationship {
            from,
            to,
            kind,
            document: 0,
            at,
        });
    }

    /// An edge between refs. Resolved now when both ends are known (the usual case: SBOMs list
    /// components before their graph), otherwise when the document is finished — so a large
    /// graph does not hold two strings per edge until the end.
    pub fn add_edge_by_ref(&mut self, from: &str, to: &str, kind: RelationKind, at: Location) {
        match (self.resolve(from), self.resolve(to)) {
            (Some(f), Some(t)) => self.add_edge(f, t, kind, at),
            _ => self.edges_by_ref.push((from.into(), to.into(), kind, at)),
        }
    }

    /// The document describes this ref (resolved when the document is finished).
    pub fn describes_ref(&mut self, r: &str, at: Location) {
        self.describes_by_ref.push((r.into(), at));
    }

    pub fn describes(&mut self, id: ComponentId) {
        if !self.document.describes.contains(&id) {
            self.document.describes.push(id);
        }
    }

    pub fn warn(&mut self, code: WarningCode, at: Option<Location>, message: impl Into<String>) {
        self.warnings.push(Warning {
            code,
            file: self.document.path.clone(),
            at,
            message: message.into(),
        });
    }

    /// Resolves refs, drops exact duplicate edges, counts components and hands the part over.
    pub fn finish(mut self) -> InventoryPart {
        for (from, to, kind, at) in std::mem::take(&mut self.edges_by_ref) {
            match (self.resolve(&from), self.resolve(&to)) {
                (Some(f), Some(t)) => self.add_edge(f, t, kind, at),
                (f, _) => {
                    let missing = if f.is_none() { from } else { to };
                    self.warn(
                        WarningCode::UnresolvedRef,
                        Some(at),
                        format!("`{missing}` names no component in this document; edge skipped"),
                    );
                }
            }
        }
        for (r, at) in std::mem::take(&mut self.describes_by_ref) {
            match self.resolve(&r) {
                Some(id) => self.describes(id),
                None => self.warn(
                    WarningCode::UnresolvedRef,
                    Some(at),
                    format!("the document describes `{r}`, which names no component in it"),
                ),
            }
        }
        // Parties a reader added after their component (and the document's creators).
        for party in self
            .components
            .iter_mut()
            .flat_map(|c| c.parties.iter_mut())
            .chain(self.document.creators.iter_mut())
        {
            share(&mut self.identities, party);
        }
        // One canonical order (by ends, kind, then place), whatever order the refs were resolved
        // in; an edge declared twice is kept once, at the same place on every run. Unstable
        // sort: no scratch buffer the size of the graph.
        self.edges
            .sort_unstable_by(|a, b| (a.from, a.to, a.kind, &a.at).cmp(&(b.from, b.to, b.kind, &b.at)));
        self.edges.dedup_by_key(|e| (e.from, e.to, e.kind));
        self.document.component_count = self
            .components
            .iter()
            .filter(|c| c.origin == crate::model::Origin::Component)
            .count();
        InventoryPart {
            document: self.document,
            components: self.components,
            relationships: self.edges,
            warnings: self.warnings,
        }
    }
}

/// Normalises a party and points it at the identity an earlier party with the same one holds.
fn share(identities: &mut HashSet<Arc<Identity>>, party: &mut Party) {
    party.normalise();
    match identities.get(&party.who) {
        Some(known) => party.who = Arc::clone(known),
        None => {
            identities.insert(Arc::clone(&party.who));
        }
    }
}
