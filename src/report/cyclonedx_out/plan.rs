//! Where each component of the flat inventory goes in the CycloneDX tree, and how each edge is
//! said. The model keeps one flat list and every link as an edge; CycloneDX says containment
//! and pedigree by nesting and the rest in `dependencies`. The rules:
//!
//! - **The product root** (the first component of origin `metadata`, else the first one the
//!   first document describes) is `metadata.component`. Its own parts (origin `metadata`, as a
//!   CycloneDX reader finds nested under `metadata.component`) nest under it.
//! - **Containment nests when that is simple**: a component with exactly one container nests
//!   under it when a reader would give it back its origin there — the product's parts under the
//!   product, a pedigree ancestor's parts under it, services under services, components and
//!   files under components (so the product's packages stay top-level components, which in
//!   CycloneDX are the product's parts already) — unless that would close a loop or nest deeper
//!   than [`MAX_NESTING`] levels. Every other `contains` edge is written as `dependsOn`:
//!   CycloneDX has no "contains" in `dependencies`, and the audit walks both alike from the root.
//! - **Pedigree**: a component of origin `pedigree` nests, at the other end of its first
//!   `derived-from` / `variant-of` edge, as an ancestor, descendant or variant. A derivation
//!   the nesting does not say (a second one, or one between two listed components) is written as
//!   a shallow copy of the ancestor in the pedigree of the part derived from it: its identity and
//!   parties, which carry the vendor a rebadged part keeps, without its own children. A service
//!   has no pedigree; its derivations become properties naming the other end's `bom-ref`.
//! - `depends-on` and `provides` edges are `dependsOn` and `provides`.
//!
//! Every component gets a `bom-ref`: its own ref when that is unique in the inventory, else
//! `c<index>` (made unique if an input already used that string).

use crate::model::{ComponentId, Inventory, Origin, RelationKind};
use std::borrow::Cow;
use std::collections::HashSet;

/// How deep components nest at most. CycloneDX readers recurse per level (vendorscan's own stops
/// at 64, serde_json's JSON parser at about 60 component levels); a deeper chain is written flat.
pub(super) const MAX_NESTING: usize = 16;

/// Which list of its host a nested component is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Components,
    Services,
    Ancestors,
    Descendants,
    Variants,
}

/// A derivation a service cannot nest, kept as a property.
pub(super) struct Note {
    pub name: &'static str,
    pub other: ComponentId,
}

pub(super) struct Plan<'a> {
    pub root: Option<ComponentId>,
    /// `bom-ref` of each component, by index.
    pub refs: Vec<Cow<'a, str>>,
    /// The nested components of each component, by slot, in inventory order.
    pub children: Vec<Vec<(ComponentId, Slot)>>,
    /// Components written at the top level (root and nested ones excluded), in inventory order.
    pub top: Vec<ComponentId>,
    pub depends_on: Vec<Vec<ComponentId>>,
    pub provides: Vec<Vec<ComponentId>>,
    /// Shallow copies to write in each component's pedigree.
    pub copies: Vec<Vec<(ComponentId, Slot)>>,
    pub notes: Vec<Vec<Note>>,
}

impl<'a> Plan<'a> {
    pub fn new(inv: &'a Inventory) -> Plan<'a> {
        let n = inv.components.len();
        let root = root(inv);
        let is_service = |i: usize| inv.components[i].origin == Origin::Service;
        // Edges with both ends in the list, as (from, to, kind); a model built by the readers
        // has no others, but a writer must not index out of bounds on one that does.
        let edges: Vec<(usize, usize, RelationKind)> = inv
            .relationships
            .iter()
            .map(|r| (r.from.index(), r.to.index(), r.kind))
            .filter(|&(from, to, _)| from < n && to < n)
            .collect();

        let mut host: Vec<Option<(usize, Slot)>> = vec![None; n];
        // Pedigree components: at the other end of their first derivation.
        for &(from, to, kind) in &edges {
            let (slot_to, slot_from) = match kind {
                RelationKind::DerivedFrom => (Slot::Ancestors, Slot::Descendants),
                RelationKind::VariantOf => (Slot::Variants, Slot::Variants),
                _ => continue,
            };
            if from == to {
                continue;
            }
            for (me, other, slot) in [(to, from, slot_to), (from, to, slot_from)] {
                let c = &inv.components[me];
                if c.origin == Origin::Pedigree && host[me].is_none() && Some(me) != root_index(root) {
                    if !is_service(other) {
                        host[me] = Some((other, slot));
                    }
                    break;
                }
            }
        }
        // Containment with exactly one container.
        let mut containers: Vec<(Option<usize>, bool)> = vec![(None, false); n];
        for &(from, to, kind) in &edges {
            if kind != RelationKind::Contains || from == to {
                continue;
            }
            let entry = &mut containers[to];
            match entry.0 {
                None => entry.0 = Some(from),
                Some(first) if first != from => entry.1 = true,
                Some(_) => {}
            }
        }
        for (me, &(container, several)) in containers.iter().enumerate() {
            let Some(parent) = container else { continue };
            if several || host[me].is_some() || Some(me) == root_index(root) {
                continue;
            }
            let (origin, parent_origin) = (inv.components[me].origin, inv.components[parent].origin);
            if family(origin) != family(parent_origin) {
                continue;
            }
            let slot = if origin == Origin::Service {
                Slot::Services
            } else {
                Slot::Components
            };
            host[me] = Some((parent, slot));
        }
        break_loops(&mut host);
        limit_depth(&mut host);

        let mut children = vec![Vec::new(); n];
        let mut top = Vec::new();
        for (me, h) in host.iter().enumerate() {
            match h {
                Some((parent, slot)) => children[*parent].push((ComponentId::new(me), *slot)),
                None if Some(me) == root_index(root) => {}
                None => top.push(ComponentId::new(me)),
            }
        }

        let mut depends_on = vec![Vec::new(); n];
        let mut provides = vec![Vec::new(); n];
        let mut copies = vec![Vec::new(); n];
        let mut notes: Vec<Vec<Note>> = (0..n).map(|_| Vec::new()).collect();
        let mut seen = HashSet::new();
        for &(from, to, kind) in &edges {
            if !seen.insert((from, to, kind)) {
                continue;
            }
            let t = ComponentId::new(to);
            match kind {
                RelationKind::DependsOn => depends_on[from].push(t),
                RelationKind::Provides => provides[from].push(t),
                RelationKind::Contains => {
                    let nested = matches!(host[to], Some((p, Slot::Components | Slot::Services)) if p == from);
                    if !nested {
                        depends_on[from].push(t);
                    }
                }
                RelationKind::DerivedFrom | RelationKind::VariantOf if from != to => {
                    let (slot, said) = if kind == RelationKind::DerivedFrom {
                        let said =
                            host[to] == Some((from, Slot::Ancestors)) || host[from] == Some((to, Slot::Descendants));
                        (Slot::Ancestors, said)
                    } else {
                        let said = host[to] == Some((from, Slot::Variants)) || host[from] == Some((to, Slot::Variants));
                        (Slot::Variants, said)
                    };
                    if said {
                        continue;
                    }
                    if is_service(from) {
                        let name = if kind == RelationKind::DerivedFrom {
                            "vendorscan:derived-from"
                        } else {
                            "vendorscan:variant-of"
                        };
                        notes[from].push(Note { name, other: t });
                    } else {
                        copies[from].push((t, slot));
                    }
                }
                RelationKind::DerivedFrom | RelationKind::VariantOf => {}
            }
        }
        // CycloneDX wants each list free of repeats; `seen` took the repeated edges out, but a
        // `contains` and a `depends-on` between the same two components both become `dependsOn`.
        for list in &mut depends_on {
            dedup(list);
        }

        Plan {
            root,
            refs: refs(inv),
            children,
            top,
            depends_on,
            provides,
            copies,
            notes,
        }
    }

    pub fn bom_ref(&self, id: ComponentId) -> &str {
        &self.refs[id.index()]
    }
}

/// What a CycloneDX reader makes of a nested component: the product's parts (under
/// `metadata.component`) and a pedigree ancestor's parts keep their host's origin, services
/// nest only in services, and anything else nested in a component is a component. Nesting only
/// within one family keeps every origin as it was when the document is read back.
fn family(origin: Origin) -> u8 {
    match origin {
        Origin::Metadata => 0,
        Origin::Pedigree => 1,
        Origin::Service => 2,
        Origin::Component | Origin::File | Origin::Snippet => 3,
    }
}

fn root_index(root: Option<ComponentId>) -> Option<usize> {
    root.map(ComponentId::index)
}

/// The product: the first component of origin `metadata`, else the first the first document
/// describes.
fn root(inv: &Inventory) -> Option<ComponentId> {
    inv.components
        .iter()
        .position(|c| c.origin == Origin::Metadata)
        .map(ComponentId::new)
        .or_else(|| inv.documents.first().and_then(|d| d.describes.first().copied()))
        .filter(|id| id.index() < inv.components.len())
}

/// Removes the nesting of every component on a loop of hosts (A in B in A), which could not be
/// written; the edges are then said in `dependencies` or as pedigree copies.
fn break_loops(host: &mut [Option<(usize, Slot)>]) {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; host.len()];
    let mut path = Vec::new();
    for start in 0..host.len() {
        let mut at = start;
        loop {
            match state[at] {
                DONE => break,
                ON_PATH => {
                    // `at` is on the path: from there to the end is a loop.
                    if let Some(pos) = path.iter().position(|&p| p == at) {
                        for &p in &path[pos..] {
                            host[p] = None;
                        }
                    }
                    break;
                }
                _ => {}
            }
            state[at] = ON_PATH;
            path.push(at);
            match host[at] {
                Some((parent, _)) => at = parent,
                None => break,
            }
        }
        for p in path.drain(..) {
            state[p] = DONE;
        }
    }
}

/// Cuts nesting deeper than [`MAX_NESTING`]: the component that would go too deep is written at
/// the top level instead (its own children then count from there). Hosts form no loops here.
fn limit_depth(host: &mut [Option<(usize, Slot)>]) {
    let mut depth: Vec<Option<usize>> = vec![None; host.len()];
    let mut path = Vec::new();
    for start in 0..host.len() {
        let mut at = start;
        // Up to the first component whose depth is known, or the top.
        let mut base = loop {
            if let Some(d) = depth[at] {
                break d;
            }
            match host[at] {
                Some((parent, _)) => {
                    path.push(at);
                    at = parent;
                }
                None => {
                    depth[at] = Some(0);
                    break 0;
                }
            }
        };
        while let Some(me) = path.pop() {
            base += 1;
            if base > MAX_NESTING {
                host[me] = None;
                base = 0;
            }
            depth[me] = Some(base);
        }
    }
}

fn dedup(list: &mut Vec<ComponentId>) {
    let mut seen = HashSet::with_capacity(list.len());
    list.retain(|id| seen.insert(*id));
}

/// Each component's `bom-ref`: its own when it is unique in the inventory and usable (not
/// empty, not a BOM-Link, nothing XML must replace), else `c<index>`, suffixed if that string
/// is already taken.
fn refs(inv: &Inventory) -> Vec<Cow<'_, str>> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for c in &inv.components {
        if let Some(r) = c.bom_ref.as_deref() {
            *count.entry(r).or_default() += 1;
        }
    }
    // A ref XML cannot carry as it is would be changed there, and could then meet another.
    let xml_safe = |r: &str| {
        !r.chars()
            .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}'))
    };
    let usable =
        |r: &str| !r.trim().is_empty() && !r.starts_with("urn:cdx:") && xml_safe(r) && count.get(r) == Some(&1);
    let mut taken: HashSet<Cow<'_, str>> = inv
        .components
        .iter()
        .filter_map(|c| c.bom_ref.as_deref())
        .filter(|r| usable(r))
        .map(Cow::Borrowed)
        .collect();
    inv.components
        .iter()
        .enumerate()
        .map(|(i, c)| match c.bom_ref.as_deref() {
            Some(r) if usable(r) => Cow::Borrowed(r),
            _ => {
                let mut made = format!("c{i}");
                let mut k = 1;
                while taken.contains(made.as_str()) {
                    made = format!("c{i}-{k}");
                    k += 1;
                }
                taken.insert(Cow::Owned(made.clone()));
                Cow::Owned(made)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Component, Location, Relationship};

    fn inventory(components: &[(&str, Origin, Option<&str>)], edges: &[(u32, u32, RelationKind)]) -> Inventory {
        let mut inv = Inventory::default();
        for (i, (name, origin, r)) in components.iter().enumerate() {
            let mut c = Component::new(*origin, *name, Location::line(1));
            c.id = ComponentId::new(i);
            c.bom_ref = r.map(Into::into);
            inv.components.push(c);
        }
        for &(from, to, kind) in edges {
            inv.relationships.push(Relationship {
                from: ComponentId(from),
                to: ComponentId(to),
                kind,
                document: 0,
                at: Location::line(1),
            });
        }
        inv
    }

    fn ids(list: &[ComponentId]) -> Vec<u32> {
        list.iter().map(|id| id.0).collect()
    }

    #[test]
    fn single_containers_nest_and_the_rest_become_dependencies() {
        use Origin::{Component as C, Metadata as M};
        use RelationKind::{Contains, DependsOn};
        let inv = inventory(
            &[
                ("root", M, Some("r")),
                ("part", M, None),
                ("pkg", C, Some("p")),
                ("file", C, None),
                ("shared", C, None),
                ("other", C, None),
            ],
            &[
                (0, 1, Contains),
                (0, 2, Contains),
                (2, 3, Contains),
                (2, 4, Contains),
                (5, 4, Contains),
                (0, 5, DependsOn),
                (0, 5, DependsOn),
            ],
        );
        let plan = Plan::new(&inv);
        assert_eq!(plan.root, Some(ComponentId(0)));
        assert_eq!(plan.children[0], [(ComponentId(1), Slot::Components)]);
        assert_eq!(plan.children[2], [(ComponentId(3), Slot::Components)]);
        assert_eq!(ids(&plan.top), [2, 4, 5]);
        assert_eq!(ids(&plan.depends_on[0]), [2, 5]);
        assert_eq!(ids(&plan.depends_on[2]), [4]);
        assert_eq!(ids(&plan.depends_on[5]), [4]);
        assert_eq!(plan.refs, ["r", "c1", "p", "c3", "c4", "c5"]);
    }

    #[test]
    fn loops_and_deep_chains_are_written_flat() {
        use RelationKind::Contains;
        let c = Origin::Component;
        let inv = inventory(
            &[("a", c, None), ("b", c, None), ("x", c, None)],
            &[(0, 1, Contains), (1, 0, Contains), (0, 2, Contains)],
        );
        let plan = Plan::new(&inv);
        assert_eq!(ids(&plan.top), [0, 1]);
        assert_eq!(plan.children[0], [(ComponentId(2), Slot::Components)]);
        assert_eq!(ids(&plan.depends_on[0]), [1]);
        assert_eq!(ids(&plan.depends_on[1]), [0]);

        let names: Vec<String> = (0..40).map(|i| format!("n{i}")).collect();
        let comps: Vec<(&str, Origin, Option<&str>)> = names.iter().map(|n| (n.as_str(), c, None)).collect();
        let chain: Vec<(u32, u32, RelationKind)> = (0..39).map(|i| (i, i + 1, Contains)).collect();
        let inv = inventory(&comps, &chain);
        let plan = Plan::new(&inv);
        // n0 at the top, n1..n16 nested, n17 at the top again, and so on.
        assert_eq!(ids(&plan.top), [0, 17, 34]);
        assert_eq!(ids(&plan.depends_on[16]), [17]);
    }

    #[test]
    fn pedigree_nests_once_and_is_copied_after() {
        use Origin::{Component as C, Pedigree as P, Service as S};
        use RelationKind::{DerivedFrom, VariantOf};
        let inv = inventory(
            &[
                ("em700", C, None),
                ("zm8620", P, None),
                ("em701", C, None),
                ("svc", S, None),
                ("eu", P, None),
            ],
            &[
                (0, 1, DerivedFrom),
                (2, 1, DerivedFrom),
                (2, 0, VariantOf),
                (3, 0, DerivedFrom),
                (0, 4, VariantOf),
            ],
        );
        let plan = Plan::new(&inv);
        assert_eq!(
            plan.children[0],
            [(ComponentId(1), Slot::Ancestors), (ComponentId(4), Slot::Variants)]
        );
        assert_eq!(
            plan.copies[2],
            [(ComponentId(1), Slot::Ancestors), (ComponentId(0), Slot::Variants)]
        );
        assert_eq!(plan.notes[3].len(), 1);
        assert_eq!(
            (plan.notes[3][0].name, plan.notes[3][0].other),
            ("vendorscan:derived-from", ComponentId(0))
        );
        assert_eq!(ids(&plan.top), [0, 2, 3]);
    }

    #[test]
    fn refs_are_unique() {
        let c = Origin::Component;
        let inv = inventory(
            &[
                ("a", c, Some("c1")),
                ("b", c, Some("dup")),
                ("c", c, Some("dup")),
                ("d", c, Some("")),
                ("e", c, Some("x\u{1}")),
            ],
            &[],
        );
        assert_eq!(Plan::new(&inv).refs, ["c1", "c1-1", "c2", "c3", "c4"]);
    }
}
