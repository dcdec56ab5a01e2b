//! What a user asks of an SBOM beyond what was found: which file components to keep
//! (`--files all|owned|none`, as syft's cataloguer options keep an SBOM small), and the product
//! root's own version and supplier, which no file states (`--source-version`,
//! `--source-supplier`, as syft names them).

use crate::model::{ComponentId, Inventory, Location, Origin, Party, PartyKind, RelationKind, Role};

/// Which file components an SBOM keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Files {
    /// Every file (the default).
    #[default]
    All,
    /// Files a package owns (its file list names them).
    Owned,
    /// No files: packages, the operating system and the product only.
    None,
}

/// Removes the file components `keep` does not select, and every relationship to or from them;
/// the remaining components are renumbered in order.
pub fn files(inv: &mut Inventory, keep: Files) {
    if keep == Files::All {
        return;
    }
    let n = inv.components.len();
    let mut owned = vec![false; n];
    for r in &inv.relationships {
        let (from, to) = (r.from.index(), r.to.index());
        if r.kind == RelationKind::Contains && from < n && to < n && inv.components[from].origin == Origin::Component {
            owned[to] = true;
        }
    }
    let kept: Vec<bool> = inv
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| c.origin != Origin::File || (keep == Files::Owned && owned[i]))
        .collect();
    let mut new_id: Vec<Option<ComponentId>> = vec![None; n];
    let mut next = 0usize;
    for (i, k) in kept.iter().enumerate() {
        if *k {
            new_id[i] = Some(ComponentId::new(next));
            next += 1;
        }
    }
    let mut i = 0;
    inv.components.retain(|_| {
        let k = kept[i];
        i += 1;
        k
    });
    for (i, c) in inv.components.iter_mut().enumerate() {
        c.id = ComponentId::new(i);
    }
    inv.relationships.retain_mut(|r| {
        match (
            new_id.get(r.from.index()).copied().flatten(),
            new_id.get(r.to.index()).copied().flatten(),
        ) {
            (Some(from), Some(to)) => {
                r.from = from;
                r.to = to;
                true
            }
            _ => false,
        }
    });
    for (j, d) in inv.documents.iter_mut().enumerate() {
        d.describes = d
            .describes
            .iter()
            .filter_map(|id| new_id.get(id.index()).copied().flatten())
            .collect();
        d.component_count = inv
            .components
            .iter()
            .filter(|c| c.document == j && c.origin == Origin::Component)
            .count();
    }
}

/// Gives each product root (what a document describes, of origin `metadata`) the version and
/// supplier the user stated, where it has none.
pub fn source(inv: &mut Inventory, version: Option<&str>, supplier: Option<&str>) {
    let roots: Vec<usize> = inv
        .documents
        .iter()
        .flat_map(|d| d.describes.iter().map(|id| id.index()))
        .filter(|&i| i < inv.components.len() && inv.components[i].origin == Origin::Metadata)
        .collect();
    for i in roots {
        let c = &mut inv.components[i];
        if let Some(v) = version.filter(|v| !v.trim().is_empty()) {
            if c.version.is_none() {
                c.version = Some(v.trim().into());
            }
        }
        if let Some(s) = supplier.filter(|s| !s.trim().is_empty()) {
            if !c.parties.iter().any(|p| p.role == Role::Supplier) {
                let mut party = Party::named(
                    Role::Supplier,
                    PartyKind::Organization,
                    Some(s.trim().into()),
                    Location::file("command line", None, Some("--source-supplier".into())),
                );
                party.normalise();
                c.parties.push(party);
            }
        }
    }
}
