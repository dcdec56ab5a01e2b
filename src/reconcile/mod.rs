//! Reconciliation (`audit --declared SBOM TARGET`): what a vendor declared set against what the
//! walk found. The engine layer: it reads no files — it takes the declared SBOM's inventory, the
//! run's inventory (its walked documents are what was observed), the rule engine's findings on
//! it and the rules — and yields a [`Reconciliation`] the reporters print.
//!
//! 1. The declared components (SBOM components and files; not the product itself, services or
//!    pedigree) are each tied to at most one observed component, by the first of: file hash,
//!    purl, CPE, path in the image, name and version (docs/reconciliation.md gives the order
//!    and the normalisation of each).
//! 2. Observed packages (package databases, embedded SBOMs) and kernel modules, executables and
//!    libraries no package owns that no declared component was tied to are `undeclared`;
//!    declared components tied to nothing are `not-found`.
//! 3. Of the tied pairs: a declared SHA-256 that differs from the observed one is a
//!    `hash-mismatch`; a declared supplier the evidence contradicts is a `contradicted-supplier`
//!    — `excluded` when the rule engine found supplier-grade evidence (declares,
//!    built-or-signed-by) of an excluded entity the declaration does not name, else `review`.
//! 4. `undeclared` and `not-found` are `review`; an undeclared part the engine found excluded
//!    keeps that verdict.

mod normalise;

use crate::model::{
    Component, ComponentId, Declared, Discrepancy, DiscrepancyKind, EvidenceKind, Finding, Format, Inventory, Location,
    MatchBy, Matched, Origin, Overall, ReconcileSummary, Reconciliation, Role, Verdict,
};
use crate::rules::{Audit, Index, RuleSet};
use normalise::{file_stem, versions_agree};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap, HashSet};

/// File types whose unowned files count as observed components: executables, libraries and
/// kernel modules (as the walker's detection names them).
const BINARY_KINDS: &[&str] = &["elf", "pe", "macho"];

/// Evidence fields that name who built or signed a file, compared with a declared supplier
/// when the rules name no entity in them.
const SUPPLIER_FIELDS: &[&str] = &["module-author", "pe-company", "cert-subject"];

/// The parties of a declared component that say who made or supplied it.
const SUPPLIER_ROLES: &[Role] = &[
    Role::Supplier,
    Role::Manufacturer,
    Role::Originator,
    Role::Publisher,
    Role::Author,
];

/// An observed component the declared ones may be tied to.
struct Seen<'a> {
    id: ComponentId,
    c: &'a Component,
    /// A package (from a database or an embedded SBOM), not a file.
    package: bool,
    /// Counted as observed, and undeclared when nothing is tied to it.
    unit: bool,
    /// A file's virtual path; a package's database file.
    path: Option<&'a str>,
    /// A file's path inside its filesystem (`/lib/modules/5.10.0/hi_wifi.ko`).
    inner: Option<&'a str>,
    /// An executable, library or module.
    binary: bool,
    sha256: Option<&'a str>,
    /// The purl type, for the name and version rules.
    ecosystem: String,
}

/// The file a location names, for a package read from a database.
fn file_of(at: &Location) -> Option<&str> {
    match at {
        Location::File(place) => Some(place.path.as_str()),
        _ => None,
    }
}

/// The part of a virtual path below its last container, when it is a path (`/usr/bin/x`).
fn inner_path<'p>(path: &'p str, target: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(target).unwrap_or(path);
    let inner = match rest.rfind('!') {
        Some(i) => &rest[i + 1..],
        None => rest,
    };
    inner.starts_with('/').then_some(inner)
}

/// A declared path as compared: a leading `./` or missing `/` made absolute.
fn absolute(p: &str) -> String {
    let p = p.trim().trim_start_matches("./");
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    }
}

fn sha256_of(c: &Component) -> Option<&str> {
    c.hashes.iter().find(|h| h.alg == "SHA-256").map(|h| h.value.as_str())
}

/// The observed components of the walked documents.
fn observed(inv: &Inventory) -> Vec<Seen<'_>> {
    let kinds: HashMap<&str, &str> = inv.files.iter().map(|f| (f.path.as_str(), f.kind.as_str())).collect();
    let packages: HashSet<ComponentId> = inv
        .components
        .iter()
        .filter(|c| c.origin == Origin::Component && inv.documents[c.document].format == Format::Image)
        .map(|c| c.id)
        .collect();
    let owned: HashSet<ComponentId> = inv
        .relationships
        .iter()
        .filter(|r| packages.contains(&r.from))
        .map(|r| r.to)
        .collect();
    inv.components
        .iter()
        .filter(|c| inv.documents[c.document].format == Format::Image)
        .filter_map(|c| {
            let target = inv.documents[c.document].path.as_str();
            match c.origin {
                Origin::Component => Some(Seen {
                    id: c.id,
                    c,
                    package: true,
                    unit: true,
                    path: file_of(&c.at),
                    inner: None,
                    binary: false,
                    sha256: sha256_of(c),
                    ecosystem: c.purls.first().map(|p| p.value.ty().to_string()).unwrap_or_default(),
                }),
                Origin::File => {
                    let path = c.details().occurrences.first().map(|p| p.as_str());
                    let binary = path
                        .and_then(|p| kinds.get(p))
                        .is_some_and(|k| BINARY_KINDS.contains(k));
                    Some(Seen {
                        id: c.id,
                        c,
                        package: false,
                        unit: binary && !owned.contains(&c.id),
                        path,
                        inner: path.and_then(|p| inner_path(p, target)),
                        binary,
                        sha256: sha256_of(c),
                        ecosystem: String::new(),
                    })
                }
                _ => None,
            }
        })
        .collect()
}

/// Lookup tables over the observed components: each key to the candidates' positions.
#[derive(Default)]
struct Tables {
    hash: HashMap<String, Vec<usize>>,
    purl: HashMap<String, Vec<usize>>,
    cpe: HashMap<String, Vec<usize>>,
    path: HashMap<String, Vec<usize>>,
    name: HashMap<String, Vec<usize>>,
}

fn cpe_key(vendor: &str, product: &str, version: Option<&str>) -> String {
    format!(
        "{}:{}:{}",
        vendor.to_lowercase(),
        product.to_lowercase(),
        version.unwrap_or("").to_lowercase()
    )
}

impl Tables {
    fn new(seen: &[Seen<'_>]) -> Tables {
        let mut t = Tables::default();
        for (i, s) in seen.iter().enumerate() {
            if let Some(h) = s.sha256 {
                t.hash.entry(h.to_string()).or_default().push(i);
            }
            for p in &s.c.purls {
                if let Some(k) = normalise::purl(p.value.as_str()) {
                    t.purl.entry(k.key).or_default().push(i);
                }
            }
            for c in &s.c.cpes {
                let key = cpe_key(c.value.vendor(), c.value.product(), c.value.version());
                t.cpe.entry(key).or_default().push(i);
            }
            if let (Some(inner), true) = (s.inner, s.binary) {
                t.path.entry(inner.to_string()).or_default().push(i);
            }
            // a file by name only when it is an executable, library or module: a data file
            // named like a package (`/etc/dpkg/origins/debian`) is not the package
            if !s.package && !s.binary {
                continue;
            }
            let mut names = BTreeSet::from([normalise::name(&s.ecosystem, &s.c.name)]);
            if !s.package {
                names.insert(file_stem(&s.c.name));
            }
            for n in names {
                t.name.entry(n).or_default().push(i);
            }
        }
        t
    }
}

/// The declared components that are reconciled: what the SBOM lists as parts (components at
/// any depth, SPDX files), not the product it describes, services or pedigree.
fn declared_parts(inv: &Inventory) -> impl Iterator<Item = &Component> {
    inv.components
        .iter()
        .filter(|c| matches!(c.origin, Origin::Component | Origin::File))
}

/// Paths a declared component gives for itself: an SPDX file's name or a CycloneDX `file`
/// component's, and any property a tool records a location in (`syft:location:0:path`).
fn declared_paths(c: &Component) -> Vec<String> {
    let mut out = Vec::new();
    if c.origin == Origin::File || c.kind.as_deref() == Some("file") {
        out.push(absolute(&c.name));
    }
    for p in &c.details().properties {
        if p.value.name.ends_with(":path") && p.value.value.starts_with('/') {
            out.push(absolute(&p.value.value));
        }
    }
    out
}

/// Ties one declared component to an observed one: the first method that finds a candidate
/// wins; among its candidates, one not yet tied and counted as observed is preferred.
fn tie(d: &Component, seen: &[Seen<'_>], t: &Tables, taken: &HashSet<usize>) -> Option<(usize, MatchBy)> {
    let pick = |candidates: Vec<usize>| -> Option<usize> {
        let rank = |&i: &usize| (taken.contains(&i), !seen[i].unit, i);
        candidates.into_iter().min_by_key(rank)
    };
    let declared_purls: Vec<_> = d
        .purls
        .iter()
        .filter_map(|p| normalise::purl(p.value.as_str()))
        .collect();
    let eco = declared_purls.first().map(|p| p.ty.clone()).unwrap_or_default();
    // 1. the same content
    let by_hash: Vec<usize> = d
        .hashes
        .iter()
        .filter(|h| h.alg == "SHA-256")
        .filter_map(|h| t.hash.get(h.value.as_str()))
        .flatten()
        .copied()
        .collect();
    if let Some(i) = pick(by_hash) {
        return Some((i, MatchBy::Hash));
    }
    // 2. purl: type, namespace, name (and identifying qualifiers) equal, versions agreeing
    let by_purl: Vec<usize> = declared_purls
        .iter()
        .flat_map(|k| {
            t.purl.get(&k.key).into_iter().flatten().copied().filter(|&i| {
                let theirs = seen[i].c.purls.iter().filter_map(|p| normalise::purl(p.value.as_str()));
                theirs
                    .filter(|o| o.key == k.key)
                    .any(|o| match (&k.version, &o.version) {
                        (Some(a), Some(b)) => versions_agree(&k.ty, a, b),
                        (a, b) => a.is_none() && b.is_none(),
                    })
            })
        })
        .collect();
    if let Some(i) = pick(by_purl) {
        return Some((i, MatchBy::Purl));
    }
    // 3. CPE vendor, product and version
    let by_cpe: Vec<usize> = d
        .cpes
        .iter()
        .filter_map(|c| {
            t.cpe
                .get(&cpe_key(c.value.vendor(), c.value.product(), c.value.version()))
        })
        .flatten()
        .copied()
        .collect();
    if let Some(i) = pick(by_cpe) {
        return Some((i, MatchBy::Cpe));
    }
    // 4. the same path in the image (executables, libraries, modules)
    let by_path: Vec<usize> = declared_paths(d)
        .iter()
        .filter_map(|p| t.path.get(p))
        .flatten()
        .copied()
        .collect();
    if let Some(i) = pick(by_path) {
        return Some((i, MatchBy::Path));
    }
    // 5. name and version, each by its ecosystem's rules; a file without a version of its own
    //    matches on its name
    let names = BTreeSet::from([normalise::name(&eco, &d.name), file_stem(&d.name)]);
    let by_name: Vec<usize> = names
        .iter()
        .filter_map(|n| t.name.get(n))
        .flatten()
        .copied()
        .filter(|&i| {
            let s = &seen[i];
            let eco = if s.ecosystem.is_empty() { &eco } else { &s.ecosystem };
            match (d.version.as_deref(), s.c.version.as_deref()) {
                (Some(a), Some(b)) => versions_agree(eco, a, b),
                (None, _) => true,
                (Some(_), None) => !s.package,
            }
        })
        .collect();
    pick(by_name).map(|i| (i, MatchBy::NameVersion))
}

/// `VS-` and 16 hex digits of SHA-256 of the kind and what the difference is about: stable
/// across runs and machines, and never the id of a rule-engine finding (those hash other text).
fn discrepancy_id(kind: DiscrepancyKind, key: &str) -> String {
    let digest = Sha256::digest(format!("reconcile\n{}\n{key}", kind.as_str()).as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("VS-{hex}")
}

fn declared_of(inv: &Inventory, c: &Component) -> Declared {
    Declared {
        name: c.name.to_string(),
        version: c.version.as_deref().map(str::to_string),
        purl: c.purls.first().map(|p| p.value.as_str().to_string()),
        bom_ref: c.bom_ref.as_deref().map(str::to_string),
        file: inv.documents[c.document].path.clone(),
        at: c.at.clone(),
    }
}

fn declared_key(d: &Declared) -> String {
    format!(
        "{}@{}#{}",
        d.name,
        d.version.as_deref().unwrap_or(""),
        d.bom_ref.as_deref().unwrap_or("")
    )
}

/// What an observed component is called in an id: its place relative to its target, and for a
/// package its name and version.
fn observed_key(inv: &Inventory, s: &Seen<'_>) -> String {
    let target = &inv.documents[s.c.document].path;
    let place = s
        .path
        .map(|p| p.strip_prefix(target.as_str()).unwrap_or(p))
        .unwrap_or("");
    format!("{place}#{}@{}", s.c.name, s.c.version.as_deref().unwrap_or(""))
}

/// The names a declared component gives for who supplied or made it.
fn declared_suppliers(c: &Component) -> Vec<&str> {
    c.parties
        .iter()
        .filter(|p| SUPPLIER_ROLES.contains(&p.role))
        .filter_map(|p| p.who.name.as_deref())
        .collect()
}

/// Whether one of the declared names and an observed value name the same party: one's
/// identifying tokens run inside the other's.
fn same_party(declared: &[&str], value: &str) -> bool {
    use crate::rules::normalise::{contains_run, core};
    let v = core(value);
    declared.iter().any(|d| {
        let d = core(d);
        contains_run(&v, &d) || contains_run(&d, &v)
    })
}

/// Everything reconciliation needs from the run.
pub struct Inputs<'a> {
    /// The declared SBOM, read on its own.
    pub declared: &'a Inventory,
    /// The run's inventory: its walked documents are what was observed.
    pub observed: &'a Inventory,
    /// The rule engine's findings on `observed`.
    pub findings: &'a [Finding],
    pub rules: &'a RuleSet,
    pub index: &'a Index,
}

/// Reconciles the declared SBOM with what was observed.
pub fn reconcile(inputs: &Inputs<'_>) -> Reconciliation {
    let inv = inputs.observed;
    let seen = observed(inv);
    let tables = Tables::new(&seen);
    let mut taken: HashSet<usize> = HashSet::new();
    let mut matches = Vec::new();
    let mut out: Vec<Discrepancy> = Vec::new();
    let mut declared_count = 0;
    let findings_on = |id: ComponentId| inputs.findings.iter().filter(move |f| f.component == id);
    for d in declared_parts(inputs.declared) {
        declared_count += 1;
        let declared = declared_of(inputs.declared, d);
        let Some((i, by)) = tie(d, &seen, &tables, &taken) else {
            out.push(Discrepancy {
                id: discrepancy_id(DiscrepancyKind::NotFound, &declared_key(&declared)),
                kind: DiscrepancyKind::NotFound,
                verdict: Verdict::Review,
                name: declared.name.clone(),
                version: declared.version.clone(),
                detail: "declared, with no trace in the target (no file, package or hash matches it)".to_string(),
                declared: Some(declared),
                observed: None,
                path: None,
                sha256: None,
                by: None,
                entity: None,
                evidence: Vec::new(),
            });
            continue;
        };
        taken.insert(i);
        let s = &seen[i];
        let pair = |kind: DiscrepancyKind, verdict: Verdict, detail: String| Discrepancy {
            id: discrepancy_id(kind, &format!("{}\n{}", declared_key(&declared), observed_key(inv, s))),
            kind,
            verdict,
            name: declared.name.clone(),
            version: declared.version.clone(),
            declared: Some(declared.clone()),
            observed: Some(s.id),
            path: s.path.map(str::to_string),
            sha256: s.sha256.map(str::to_string),
            by: Some(by),
            detail,
            entity: None,
            evidence: Vec::new(),
        };
        // the hashes, where both sides give a SHA-256
        let stated: Vec<&str> = d
            .hashes
            .iter()
            .filter(|h| h.alg == "SHA-256")
            .map(|h| h.value.as_str())
            .collect();
        if let (Some(found), false) = (s.sha256, stated.is_empty()) {
            if !stated.contains(&found) {
                out.push(pair(
                    DiscrepancyKind::HashMismatch,
                    Verdict::Review,
                    format!("declared SHA-256 {}, found {found}", stated.join(", ")),
                ));
            }
        }
        // the supplier, where the SBOM names one
        let suppliers = declared_suppliers(d);
        if !suppliers.is_empty() {
            let named: HashSet<&str> = suppliers
                .iter()
                .flat_map(|n| inputs.index.match_name(n))
                .map(|h| inputs.rules.entities[h.entity].id.as_str())
                .collect();
            let contradicting = findings_on(s.id).find(|f| {
                f.verdict >= Verdict::Review
                    && f.evidence
                        .iter()
                        .any(|e| matches!(e.kind, EvidenceKind::Declares | EvidenceKind::BuiltOrSignedBy))
                    && !f.lineage.iter().any(|e| named.contains(e.as_str()))
            });
            if let Some(f) = contradicting {
                let evidence: Vec<_> = f
                    .evidence
                    .iter()
                    .filter(|e| matches!(e.kind, EvidenceKind::Declares | EvidenceKind::BuiltOrSignedBy))
                    .cloned()
                    .collect();
                let said = evidence
                    .iter()
                    .map(|e| format!("{} \"{}\"", e.field, e.value))
                    .collect::<Vec<_>>()
                    .join(", ");
                let verdict = if f.waived.is_some() { Verdict::Review } else { f.verdict };
                let mut c = pair(
                    DiscrepancyKind::ContradictedSupplier,
                    verdict,
                    format!(
                        "declared supplier \"{}\"; the files say {} ({})",
                        suppliers.join("\", \""),
                        f.entity,
                        said
                    ),
                );
                c.entity = Some(f.entity.clone());
                c.evidence = evidence;
                out.push(c);
            } else if let Some(e) =
                s.c.details().evidence.iter().find(|e| {
                    SUPPLIER_FIELDS.contains(&e.value.name.as_str()) && !same_party(&suppliers, &e.value.value)
                })
            {
                out.push(pair(
                    DiscrepancyKind::ContradictedSupplier,
                    Verdict::Review,
                    format!(
                        "declared supplier \"{}\"; {} \"{}\" at {}",
                        suppliers.join("\", \""),
                        e.value.name,
                        e.value.value,
                        e.at
                    ),
                ));
            }
        }
        matches.push(Matched {
            declared,
            observed: s.id,
            by,
        });
    }
    let mut undeclared = 0;
    let mut observed_count = 0;
    for (i, s) in seen.iter().enumerate().filter(|(_, s)| s.unit) {
        observed_count += 1;
        if taken.contains(&i) {
            continue;
        }
        undeclared += 1;
        let worst = findings_on(s.id)
            .filter(|f| f.waived.is_none() && f.verdict > Verdict::Review)
            .max_by_key(|f| f.verdict);
        let what = if s.package {
            "package"
        } else if s.c.name.contains(".ko") {
            "kernel module"
        } else {
            "executable or library"
        };
        out.push(Discrepancy {
            id: discrepancy_id(DiscrepancyKind::Undeclared, &observed_key(inv, s)),
            kind: DiscrepancyKind::Undeclared,
            verdict: worst.map_or(Verdict::Review, |f| f.verdict),
            name: s.c.name.to_string(),
            version: s.c.version.as_deref().map(str::to_string),
            declared: None,
            observed: Some(s.id),
            path: s.path.map(str::to_string),
            sha256: s.sha256.map(str::to_string),
            by: None,
            detail: match worst {
                Some(f) => format!("{what} found in the target, not declared; the files name {}", f.entity),
                None => format!("{what} found in the target, not declared"),
            },
            entity: worst.map(|f| f.entity.clone()),
            evidence: worst.map(|f| f.evidence.clone()).unwrap_or_default(),
        });
    }
    out.sort_by(|a, b| (a.kind, &a.name, &a.path, &a.id).cmp(&(b.kind, &b.name, &b.path, &b.id)));
    let count = |k: DiscrepancyKind| out.iter().filter(|d| d.kind == k).count();
    let summary = ReconcileSummary {
        declared: declared_count,
        observed: observed_count,
        matched: matches.len(),
        undeclared,
        not_found: count(DiscrepancyKind::NotFound),
        hash_mismatch: count(DiscrepancyKind::HashMismatch),
        contradicted_supplier: count(DiscrepancyKind::ContradictedSupplier),
    };
    let first = inputs.declared.documents.first();
    Reconciliation {
        declared_file: first.map(|d| d.path.clone()).unwrap_or_default(),
        declared_sha256: first.map(|d| d.sha256.clone()).unwrap_or_default(),
        summary,
        discrepancies: out,
        matches,
    }
}

/// Puts the reconciliation into the audit: its differences count toward the run's verdict and
/// the verdicts of the walked targets (a not-found toward every walked target) as findings do.
pub fn apply(audit: &mut Audit, inventory: &Inventory, reconciliation: Reconciliation) {
    if let Some(worst) = reconciliation.verdict() {
        let raised = Overall::of(worst);
        audit.findings_verdict = audit.findings_verdict.max(raised);
        audit.verdict = audit.verdict.max(raised);
        for t in &mut audit.targets {
            let Some(doc) = t.document else { continue };
            if inventory.documents[doc].format != Format::Image {
                continue;
            }
            let here = reconciliation
                .discrepancies
                .iter()
                .filter(|d| d.observed.is_none_or(|c| inventory.component(c).document == doc))
                .map(|d| Overall::of(d.verdict))
                .max();
            if let Some(v) = here {
                t.verdict = t.verdict.max(v);
            }
        }
    }
    audit.reconciliation = Some(reconciliation);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_paths_and_ids() {
        assert_eq!(
            inner_path("fw.bin!/0x4003:squashfs!/lib/modules/hi.ko", "fw.bin"),
            Some("/lib/modules/hi.ko")
        );
        assert_eq!(inner_path("root/usr/bin/ls", "root"), Some("/usr/bin/ls"));
        assert_eq!(inner_path("k.gz!gzip", "k.gz"), None);
        assert_eq!(absolute("./usr/bin/x"), "/usr/bin/x");
        let a = discrepancy_id(DiscrepancyKind::NotFound, "openssl@3#x");
        assert_eq!(a.len(), 19);
        assert_ne!(a, discrepancy_id(DiscrepancyKind::Undeclared, "openssl@3#x"));
        assert!(same_party(&["HiSilicon"], "HiSilicon Technologies Co., Ltd."));
        assert!(!same_party(&["Acme Corp"], "HiSilicon Technologies Co., Ltd."));
    }
}
