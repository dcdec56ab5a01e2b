//! The rule engine: inventory in, findings out. It reads no files: it sees only the inventory,
//! the loaded rules and the options.
//!
//! 1. Each component's values are matched against the index (names of parties, their e-mail and
//!    URL domains, purls, CPE vendors, hashes, reference URLs, the component's own name); each
//!    match is an evidence item graded by `grading.toml`.
//! 2. A rebadged part takes on the evidence of the ancestors it derives from (pedigree).
//! 3. Per (component, entity): the strongest evidence sets the verdict — strong → excluded,
//!    medium → review, weak → mention — if an active policy covers the entity; an uncertain link
//!    (a divested or low-confidence subsidiary) caps it at review. Weak evidence never adds up.
//!    Upstream code (an in-tree module of a distribution kernel, a distribution's package) has
//!    the fields its context names capped, unless the vendor is present in the target
//!    (`upstream.rs`).
//! 4. Waivers mark findings as waived; expired ones are warnings.
//! 5. Whatever depends on or contains an excluded (or review) part is marked with the path from
//!    the product root; the product itself is marked if anything in its SBOM is. A mark whose
//!    every path runs through waived components is waived too, naming the waiver.
//! 6. One finding per (component, entity): direct evidence and a transitive path merge.

use super::date::Date;
use super::index::{host_of, Hit, Index};
use super::load::{Grade, RuleSet};
use super::waiver::Waiver;
use crate::model::coverage::{self, Coverage};
use crate::model::{
    Citation, Component, ComponentId, EvidenceItem, EvidenceKind, Finding, Format, Inventory, Link, Location, Origin,
    Overall, RelationKind, Strength, Verdict, WaiverRef, Warning, WarningCode,
};
use std::collections::{BTreeMap, HashMap, VecDeque};

pub struct AuditOptions {
    /// Policy ids to apply; empty means every policy marked `default`.
    pub policies: Vec<String>,
    pub waivers: Vec<Waiver>,
    /// The waivers file, to name in warnings.
    pub waivers_file: String,
    pub today: Date,
}

pub struct Audit {
    pub findings: Vec<Finding>,
    /// The run's verdict: the findings' ([`Audit::findings_verdict`]), raised to `incomplete`
    /// when coverage is not complete (an excluded part still outranks it).
    pub verdict: Overall,
    /// The verdict of the unwaived findings alone, as if everything had been read.
    pub findings_verdict: Overall,
    /// One verdict per input, in the order read: the documents, then inputs that could not be
    /// read at all.
    pub targets: Vec<TargetVerdict>,
    pub coverage: Coverage,
    pub policies: Vec<String>,
    pub warnings: Vec<Warning>,
    /// `audit --declared`: the vendor's SBOM set against what was found (`crate::reconcile`);
    /// the engine leaves it empty.
    pub reconciliation: Option<crate::model::Reconciliation>,
}

/// The verdict of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetVerdict {
    pub path: String,
    /// Index of its document, `None` for an input that could not be read.
    pub document: Option<usize>,
    pub verdict: Overall,
    /// Parts of it that could not be examined: warnings that leave something unexamined, an
    /// SBOM listing no components, the input itself when it could not be read.
    pub unexamined: u64,
}

/// What an entity's place in the corporate tree means for every finding about it.
struct Standing {
    lineage: Vec<String>,
    links: Vec<Link>,
    policies: Vec<String>,
    notes: Vec<String>,
    /// An uncertain link lies between the entity and the policy: strong evidence gives review.
    capped: bool,
}

fn standing(rules: &RuleSet, active: &[&super::load::Policy], entity: usize, today: Date) -> Standing {
    let mut chain = vec![entity];
    while let Some(parent) = rules.entities[*chain.last().unwrap_or(&entity)].parent.as_deref() {
        match rules.entities.iter().position(|e| e.id == parent) {
            Some(p) if !chain.contains(&p) => chain.push(p),
            _ => break,
        }
    }
    let mut cov = Standing {
        lineage: chain.iter().map(|&i| rules.entities[i].id.clone()).collect(),
        links: chain
            .windows(2)
            .map(|w| {
                let child = &rules.entities[w[0]];
                Link {
                    entity: child.id.clone(),
                    parent: rules.entities[w[1]].id.clone(),
                    relation: child.relation.map(|r| format!("{r:?}").to_lowercase()),
                    since: child.since.map(|d| d.to_string()),
                    until: child.until.map(|d| d.to_string()),
                    // the citations for the link itself (`parent_sources`), which `rules check`
                    // requires of every entity with a parent
                    sources: child
                        .parent_sources
                        .iter()
                        .map(|s| Citation {
                            title: s.title.clone(),
                            url: s.url.clone(),
                            date: s.date.clone(),
                        })
                        .collect(),
                }
            })
            .collect(),
        policies: Vec::new(),
        notes: Vec::new(),
        capped: false,
    };
    for (k, &ancestor) in chain.iter().enumerate() {
        let id = &rules.entities[ancestor].id;
        let listing: Vec<&&super::load::Policy> = active
            .iter()
            .filter(|p| k == 0 || p.include_subsidiaries)
            .filter(|p| {
                p.entries
                    .iter()
                    .any(|e| e.entities.contains(id) && e.effective.is_none_or(|d| d.first_day() <= today.first_day()))
            })
            .collect();
        if listing.is_empty() {
            continue;
        }
        for p in listing {
            if !cov.policies.contains(&p.id) {
                cov.policies.push(p.id.clone());
            }
        }
        // Links crossed to reach this ancestor.
        for w in chain[..=k].windows(2) {
            let (child, parent) = (&rules.entities[w[0]], &rules.entities[w[1]]);
            if let Some(until) = child.until {
                cov.capped = true;
                push_note(
                    &mut cov.notes,
                    format!(
                        "{} left {} on {until}; whether this part predates that cannot be told from the input",
                        child.id, parent.id
                    ),
                );
            }
            match child.confidence {
                super::schema::Confidence::Low => {
                    cov.capped = true;
                    push_note(
                        &mut cov.notes,
                        format!(
                            "the link {} → {} is low confidence: {}",
                            child.id,
                            parent.id,
                            child.note.as_deref().unwrap_or("unverified")
                        ),
                    );
                }
                super::schema::Confidence::Medium => push_note(
                    &mut cov.notes,
                    format!("the link {} → {} is medium confidence", child.id, parent.id),
                ),
                super::schema::Confidence::High => {}
            }
        }
    }
    cov
}

fn push_note(notes: &mut Vec<String>, note: String) {
    if !notes.contains(&note) {
        notes.push(note);
    }
}

struct Matcher<'a> {
    index: &'a Index,
    rules: &'a RuleSet,
    /// Names already matched: suppliers and authors repeat across thousands of components.
    names: std::cell::RefCell<HashMap<String, Vec<Hit<'a>>>>,
}

impl<'a> Matcher<'a> {
    fn match_name(&self, name: &str) -> Vec<Hit<'a>> {
        if let Some(hit) = self.names.borrow().get(name) {
            return hit.clone();
        }
        let hit = self.index.match_name(name);
        self.names.borrow_mut().insert(name.to_string(), hit.clone());
        hit
    }

    fn grade(&self, field: &str) -> Grade {
        self.rules.grades.get(field).map_or(
            Grade {
                kind: EvidenceKind::Mentions,
                strength: Strength::Weak,
            },
            |(g, _)| *g,
        )
    }

    fn item(&self, field: &str, value: &str, hit: Hit<'_>, document: usize, at: &Location) -> (usize, EvidenceItem) {
        let g = self.grade(field);
        let item = EvidenceItem {
            kind: g.kind,
            strength: g.strength,
            field: field.to_string(),
            value: value.to_string(),
            matched: hit.rule.to_string(),
            document,
            at: at.clone(),
        };
        (hit.entity, item)
    }

    /// Every (entity, evidence) the component's own values show.
    fn component(&self, c: &Component, out: &mut Vec<(usize, EvidenceItem)>) {
        let doc = c.document;
        for p in &c.parties {
            let field = p.role.as_str();
            if let Some(name) = &p.who.name {
                for hit in self.match_name(name) {
                    out.push(self.item(field, name, hit, doc, &p.at));
                }
            }
            for v in p.who.emails.iter().chain(&p.who.urls) {
                for hit in host_of(v).map(|h| self.index.match_host(h)).unwrap_or_default() {
                    out.push(self.item("party-domain", v, hit, doc, &p.at));
                }
            }
        }
        for p in &c.purls {
            for hit in self.index.match_purl(&p.value) {
                out.push(self.item("purl", p.value.as_str(), hit, doc, &p.at));
            }
        }
        for cpe in &c.cpes {
            for hit in self.index.match_cpe_vendor(cpe.value.vendor()) {
                out.push(self.item("cpe-vendor", cpe.value.as_str(), hit, doc, &cpe.at));
            }
        }
        for h in c.hashes.iter().filter(|h| h.alg == "SHA-256") {
            for hit in self.index.match_sha256(&h.value) {
                out.push(self.item("sha256", &h.value, hit, doc, &c.at));
            }
        }
        let urls = c
            .details()
            .references
            .iter()
            .map(|r| (r.value.url.as_str(), &r.at))
            .chain(c.details().download_location.iter().map(|d| (d.value.as_str(), &d.at)));
        for (url, at) in urls {
            for hit in host_of(url).map(|h| self.index.match_host(h)).unwrap_or_default() {
                out.push(self.item("reference-url", url, hit, doc, at));
            }
        }
        for hit in self.index.match_name(&c.name) {
            out.push(self.item("component-name", &c.name, hit, doc, &c.at));
        }
        for fact in &c.details().evidence {
            let (field, value) = (fact.value.name.as_str(), fact.value.value.as_str());
            for hit in self.match_fact(field, value) {
                out.push(self.item(field, value, hit, doc, &fact.at));
            }
        }
    }

    /// Entities a value the binary analysers found names. How a value is matched depends on
    /// what it is (an identifier, a name, a MAC address); how it is graded is data.
    fn match_fact(&self, field: &str, value: &str) -> Vec<Hit<'a>> {
        match field {
            "hardware-id" => self.index.match_hardware_id(value),
            "dt-compatible" | "dt-node-compatible" => self.index.match_dt_compatible(value),
            "oui" => self.index.match_mac(value),
            "sha256" => self.index.match_sha256(value),
            "firmware-format" => self.index.match_firmware_format(value),
            // Names, possibly with an e-mail address or a domain: module authors, certificate
            // subjects, version-resource companies, copyright holders, strings.
            _ => {
                let mut hit = self.match_name(value);
                for word in value.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',')) {
                    if word.contains('.') {
                        let host = host_of(word).unwrap_or(word);
                        for h in self.index.match_host(host) {
                            if !hit.iter().any(|x| x.entity == h.entity) {
                                hit.push(h);
                            }
                        }
                    }
                }
                hit
            }
        }
    }
}

/// The notes a file of a container image gives its findings, from the properties the assembly
/// put on its component: the layer that added it, and (true) that a later layer removed it.
fn image_layer_notes(c: &Component) -> Vec<(bool, String)> {
    c.details()
        .properties
        .iter()
        .filter_map(|p| match p.value.name.as_str() {
            "image-layer" => Some((false, format!("in image {}", p.value.value))),
            "image-removed" => Some((true, p.value.value.to_string())),
            _ => None,
        })
        .collect()
}

pub fn audit(inventory: &Inventory, rules: &RuleSet, index: &Index, opts: &AuditOptions) -> Audit {
    let active: Vec<&super::load::Policy> = if opts.policies.is_empty() {
        rules.policies.iter().filter(|p| p.default).collect()
    } else {
        rules
            .policies
            .iter()
            .filter(|p| opts.policies.contains(&p.id))
            .collect()
    };
    let coverages: Vec<Standing> = (0..rules.entities.len())
        .map(|e| standing(rules, &active, e, opts.today))
        .collect();
    let matcher = Matcher {
        index,
        rules,
        names: Default::default(),
    };
    let n = inventory.components.len();

    // 1. Direct evidence per component.
    let mut direct: Vec<Vec<(usize, EvidenceItem)>> = vec![Vec::new(); n];
    for c in &inventory.components {
        matcher.component(c, &mut direct[c.id.index()]);
    }
    for doc in inventory.documents.iter().enumerate() {
        let (d, document) = doc;
        for creator in &document.creators {
            let Some(name) = &creator.who.name else { continue };
            for hit in matcher.match_name(name) {
                for &p in &document.describes {
                    direct[p.index()].push(matcher.item("sbom-creator", name, hit, d, &creator.at));
                }
            }
        }
    }

    // 2. Pedigree: a part derived from another carries its ancestors' evidence.
    let mut ancestors: Vec<Vec<usize>> = vec![Vec::new(); n];
    for r in &inventory.relationships {
        if r.kind == RelationKind::DerivedFrom {
            ancestors[r.from.index()].push(r.to.index());
        }
    }
    let mut inherited: Vec<Vec<(usize, EvidenceItem)>> = vec![Vec::new(); n];
    for c in 0..n {
        if ancestors[c].is_empty() {
            continue;
        }
        let mut seen = vec![c];
        let mut stack = ancestors[c].clone();
        while let Some(a) = stack.pop() {
            if seen.contains(&a) {
                continue;
            }
            seen.push(a);
            let anc = &inventory.components[a];
            let label = match &anc.version {
                Some(v) => format!("{} {v}", anc.name),
                None => anc.name.to_string(),
            };
            for (e, item) in &direct[a] {
                let mut item = item.clone();
                item.value = format!("{} (pedigree ancestor {label})", item.value);
                inherited[c].push((*e, item));
            }
            stack.extend(&ancestors[a]);
        }
    }

    // 3. Verdicts per (component, entity).
    let file_hashes = file_hashes(inventory);
    let upstream = super::upstream::Upstream::new(rules, inventory, &direct);
    let mut findings: Vec<Finding> = Vec::new();
    for c in 0..n {
        let mut by_entity: Vec<(usize, Vec<EvidenceItem>)> = Vec::new();
        for (e, item) in direct[c].iter().chain(&inherited[c]) {
            match by_entity.iter_mut().find(|(x, _)| x == e) {
                Some((_, items)) => {
                    if !items.contains(item) {
                        items.push(item.clone())
                    }
                }
                None => by_entity.push((*e, vec![item.clone()])),
            }
        }
        if by_entity.is_empty() {
            continue;
        }
        let component = &inventory.components[c];
        let key = component_key(inventory, component);
        let sha256 = sha256_of(inventory, component, &file_hashes);
        for (e, mut evidence) in by_entity {
            let cov = &coverages[e];
            if cov.policies.is_empty() {
                continue;
            }
            let upstream_note = upstream.cap(c, e, &mut evidence);
            evidence.sort_by_key(|e| std::cmp::Reverse(e.strength));
            let mut verdict = match evidence[0].strength {
                Strength::Strong if cov.capped => Verdict::Review,
                Strength::Strong => Verdict::Excluded,
                Strength::Medium => Verdict::Review,
                Strength::Weak => Verdict::Mention,
            };
            // a file a later image layer removed is shipped, not part of the final filesystem
            let image_notes = image_layer_notes(component);
            if image_notes.iter().any(|(removed, _)| *removed) {
                verdict = verdict.min(Verdict::Review);
            }
            let entity = &rules.entities[e].id;
            findings.push(Finding {
                id: finding_id(&key, entity),
                verdict,
                entity: entity.clone(),
                lineage: cov.lineage.clone(),
                links: cov.links.clone(),
                policies: cov.policies.clone(),
                component: ComponentId::new(c),
                sha256: sha256.clone(),
                evidence,
                path: Vec::new(),
                notes: cov
                    .notes
                    .iter()
                    .cloned()
                    .chain(upstream_note)
                    .chain(image_notes.into_iter().map(|(_, n)| n))
                    .collect(),
                waived: None,
            });
        }
    }

    // 4. Waivers.
    let mut warnings = Vec::new();
    for w in &opts.waivers {
        if w.expired(opts.today) {
            warnings.push(Warning {
                code: WarningCode::ExpiredWaiver,
                file: opts.waivers_file.clone(),
                at: Some(Location::line(w.line as u32)),
                message: format!("waiver expired on {}; it no longer applies", w.expires),
            });
        }
    }
    let live: Vec<&Waiver> = opts.waivers.iter().filter(|w| !w.expired(opts.today)).collect();
    let own_waiver = |c: usize, id: &str, lineage: &[String], policies: &[String]| -> Option<WaiverRef> {
        let component = &inventory.components[c];
        live.iter()
            .find(|w| waiver_covers(w, component, id, lineage, policies))
            .map(|w| WaiverRef {
                justification: w.justification.clone(),
                approver: w.approver.clone(),
                expires: w.expires.to_string(),
            })
    };
    for f in &mut findings {
        f.waived = own_waiver(f.component.index(), &f.id, &f.lineage, &f.policies);
    }

    // 5. Transitive marking: a component's own waiver (by its id for the entity) stops an
    // unwaived mark there and passes on a waived one.
    let mut transitive = mark_transitive(inventory, &findings, |c, f| {
        let c = &inventory.components[c];
        let id = finding_id(&component_key(inventory, c), &f.entity);
        own_waiver(c.id.index(), &id, &f.lineage, &f.policies)
    });
    for f in &mut transitive {
        let c = &inventory.components[f.component.index()];
        f.id = finding_id(&component_key(inventory, c), &f.entity);
        f.sha256 = sha256_of(inventory, c, &file_hashes);
        if let Some(w) = own_waiver(f.component.index(), &f.id, &f.lineage, &f.policies) {
            f.notes.retain(|n| !n.starts_with("waived through "));
            f.waived = Some(w);
        }
    }

    // 6. One finding per (component, entity).
    findings.extend(transitive);
    let findings = merge(inventory, findings);

    let findings_verdict = findings
        .iter()
        .filter(|f| f.waived.is_none())
        .map(|f| Overall::of(f.verdict))
        .max()
        .unwrap_or(Overall::Clear);
    let coverage = Coverage::measure(inventory);
    let verdict = if coverage.complete {
        findings_verdict
    } else {
        findings_verdict.max(Overall::Incomplete)
    };
    Audit {
        targets: target_verdicts(inventory, &findings),
        findings,
        verdict,
        findings_verdict,
        coverage,
        policies: active.iter().map(|p| p.id.clone()).collect(),
        warnings,
        reconciliation: None,
    }
}

/// Each input's verdict: its own unwaived findings, raised to `incomplete` when a warning that
/// leaves part of it unexamined lies in it (at its path, or a virtual path below it), when it
/// is an SBOM listing no components, or when it could not be read at all.
fn target_verdicts(inventory: &Inventory, findings: &[Finding]) -> Vec<TargetVerdict> {
    let mut verdicts: Vec<Overall> = vec![Overall::Clear; inventory.documents.len()];
    let mut unexamined: Vec<u64> = vec![0; inventory.documents.len()];
    for f in findings.iter().filter(|f| f.waived.is_none()) {
        let doc = inventory.component(f.component).document;
        verdicts[doc] = verdicts[doc].max(Overall::of(f.verdict));
    }
    let within = |file: &str, target: &str| {
        file.strip_prefix(target)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('!') || rest.starts_with('/'))
    };
    for w in inventory.warnings.iter().filter(|w| coverage::leaves_unexamined(w)) {
        // the longest target path the warning lies in (a directory may hold another target)
        let owner = inventory
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| within(&w.file, &d.path))
            .max_by_key(|(_, d)| d.path.len());
        if let Some((i, _)) = owner {
            verdicts[i] = verdicts[i].max(Overall::Incomplete);
            unexamined[i] += 1;
        }
    }
    let mut out: Vec<TargetVerdict> = inventory
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let empty = d.format != Format::Image && d.component_count == 0;
            let unexamined = unexamined[i] + u64::from(empty);
            TargetVerdict {
                path: d.path.clone(),
                document: Some(i),
                verdict: if unexamined > 0 {
                    verdicts[i].max(Overall::Incomplete)
                } else {
                    verdicts[i]
                },
                unexamined,
            }
        })
        .collect();
    out.extend(inventory.errors.iter().map(|e| TargetVerdict {
        path: e.file.clone(),
        document: None,
        verdict: Overall::Incomplete,
        unexamined: 1,
    }));
    out
}

fn waiver_covers(w: &Waiver, c: &Component, id: &str, lineage: &[String], policies: &[String]) -> bool {
    let component = match (&w.id, &w.purl, &w.name, &w.sha256) {
        (Some(want), ..) => want.eq_ignore_ascii_case(id),
        (None, Some(purl), _, _) => c.purls.iter().any(|p| p.value.as_str() == purl),
        (None, None, Some(name), _) => {
            c.name == name && w.version.as_ref().is_none_or(|v| c.version.as_deref() == Some(v))
        }
        (None, None, None, Some(h)) => c
            .hashes
            .iter()
            .any(|x| x.alg == "SHA-256" && x.value.eq_ignore_ascii_case(h)),
        (None, None, None, None) => false,
    };
    component
        && w.policy.as_ref().is_none_or(|p| policies.contains(p))
        && w.entity.as_ref().is_none_or(|e| lineage.contains(e))
}

/// What names a component the same way on every run and machine, whatever the working
/// directory or the spelling of the target: for a walked file (and a walked target itself) the
/// target's file name and the virtual path below it — never the directories above the target;
/// else its first purl as written; else its name and version.
fn component_key(inventory: &Inventory, c: &Component) -> String {
    let doc = &inventory.documents[c.document];
    if let (Format::Image, Origin::File | Origin::Metadata, Location::File(place)) = (doc.format, c.origin, &c.at) {
        let below = place.path.strip_prefix(doc.path.as_str()).unwrap_or(&place.path);
        let name = std::path::Path::new(&doc.path)
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        return format!("file:{name}{below}");
    }
    if let Some(p) = c.purls.first() {
        return format!("purl:{}", p.value.as_str());
    }
    match &c.version {
        Some(v) => format!("name:{}@{v}", c.name),
        None => format!("name:{}", c.name),
    }
}

/// `VS-` and the first 16 hex digits of SHA-256(component key, LF, entity id).
fn finding_id(component_key: &str, entity: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(component_key.as_bytes())
        .chain_update(b"\n")
        .chain_update(entity.as_bytes())
        .finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("VS-{hex}")
}

/// The SHA-256 of every walked file, by virtual path: a package found in an image is hashed as
/// the database it was read from.
fn file_hashes(inventory: &Inventory) -> HashMap<&str, &str> {
    let mut out = HashMap::new();
    for c in &inventory.components {
        if c.origin != Origin::File || inventory.documents[c.document].format != Format::Image {
            continue;
        }
        if let (Location::File(place), Some(h)) = (&c.at, c.hashes.iter().find(|h| h.alg == "SHA-256")) {
            out.insert(place.path.as_str(), h.value.as_str());
        }
    }
    out
}

/// The SHA-256 of the file a component's location names: a walked file's own, a package's
/// database file, else the document's (an SBOM, an image). Empty when there is none.
fn sha256_of(inventory: &Inventory, c: &Component, files: &HashMap<&str, &str>) -> String {
    let doc = &inventory.documents[c.document];
    if doc.format == Format::Image {
        if let Some(h) = c.hashes.iter().find(|h| h.alg == "SHA-256") {
            return h.value.to_string();
        }
        if let Some(h) = match &c.at {
            Location::File(place) => files.get(place.path.as_str()),
            _ => None,
        } {
            return h.to_string();
        }
    }
    doc.sha256.clone()
}

fn label(inventory: &Inventory, c: usize) -> String {
    let c = &inventory.components[c];
    match &c.version {
        Some(v) => format!("{} {v}", c.name),
        None => c.name.to_string(),
    }
}

/// How a mark travels toward the product: its verdict, and for a waived mark the waived
/// component it came through and that component's waiver.
#[derive(Clone)]
struct Mark {
    verdict: Verdict,
    waived: Option<(usize, WaiverRef)>,
}

/// Marks whatever depends on or contains a flagged part, and each product whose SBOM lists one.
/// Per entity, unwaived marks travel first (strongest verdict first) and stop at a component
/// `waiver_of` says is waived; then waived marks travel from the waived flagged parts and from
/// those stops, reaching only what no unwaived mark reached.
fn mark_transitive(
    inventory: &Inventory,
    direct: &[Finding],
    waiver_of: impl Fn(usize, &Finding) -> Option<WaiverRef>,
) -> Vec<Finding> {
    let n = inventory.components.len();
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
    for r in &inventory.relationships {
        if matches!(r.kind, RelationKind::DependsOn | RelationKind::Contains) {
            forward[r.from.index()].push(r.to.index());
            reverse[r.to.index()].push(r.from.index());
        }
    }
    // Shortest path from a product root to every component of its document.
    let mut from_root: Vec<Option<usize>> = vec![None; n];
    let mut queue = VecDeque::new();
    for doc in &inventory.documents {
        for &p in &doc.describes {
            from_root[p.index()] = Some(p.index());
            queue.push_back(p.index());
        }
    }
    while let Some(x) = queue.pop_front() {
        for &y in &forward[x] {
            if from_root[y].is_none() {
                from_root[y] = Some(x);
                queue.push_back(y);
            }
        }
    }
    let root_path = |mut x: usize| -> Vec<usize> {
        let mut path = vec![x];
        while let Some(prev) = from_root[x] {
            if prev == x {
                break;
            }
            path.push(prev);
            x = prev;
        }
        path.reverse();
        path
    };
    // What each product reaches through the graph, computed when first needed.
    let mut reached_by: HashMap<usize, Vec<bool>> = HashMap::new();
    let mut reaches = |p: usize, target: usize| -> bool {
        reached_by.entry(p).or_insert_with(|| {
            let mut seen = vec![false; n];
            let mut stack = vec![p];
            while let Some(x) = stack.pop() {
                if !std::mem::replace(&mut seen[x], true) {
                    stack.extend(&forward[x]);
                }
            }
            seen
        })[target]
    };

    // The flagging findings per entity, in entity order.
    let mut by_entity: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in direct.iter().filter(|f| f.verdict >= Verdict::Review) {
        by_entity.entry(f.entity.as_str()).or_default().push(f);
    }
    let mut out = Vec::new();
    for sources in by_entity.values() {
        // Lineage, policies and notes are the entity's: the same on each of its findings.
        let model = sources[0];
        let mut marked = vec![false; n];
        // toward[x] = the next component from x toward the flagged part (the part: itself).
        let mut toward: Vec<Option<usize>> = vec![None; n];
        // What x hands on to the components that depend on or contain it.
        let mut hand: Vec<Option<Mark>> = vec![None; n];
        // Components an unwaived mark reached but that are waived themselves: (component, verdict, waiver).
        let mut stopped: Vec<(usize, Verdict, WaiverRef)> = Vec::new();
        let mut own: HashMap<usize, Option<WaiverRef>> = HashMap::new();
        for waived in [false, true] {
            for verdict in [Verdict::Excluded, Verdict::Review] {
                let flagged: Vec<&Finding> = sources
                    .iter()
                    .copied()
                    .filter(|f| f.verdict == verdict && f.waived.is_some() == waived)
                    .collect();
                let mut queue = VecDeque::new();
                for f in &flagged {
                    let c = f.component.index();
                    if toward[c].is_none() {
                        toward[c] = Some(c);
                        marked[c] = true;
                        hand[c] = Some(Mark {
                            verdict,
                            waived: f.waived.clone().map(|w| (c, w)),
                        });
                        queue.push_back(c);
                    }
                }
                if waived {
                    for (c, v, w) in &stopped {
                        if *v == verdict {
                            hand[*c] = Some(Mark {
                                verdict,
                                waived: Some((*c, w.clone())),
                            });
                            queue.push_back(*c);
                        }
                    }
                }
                while let Some(x) = queue.pop_front() {
                    if !waived {
                        let w = own.entry(x).or_insert_with(|| waiver_of(x, model)).clone();
                        if let Some(w) = w {
                            stopped.push((x, verdict, w));
                            continue;
                        }
                    }
                    let Some(mark) = hand[x].clone() else { continue };
                    for &y in &reverse[x] {
                        if toward[y].is_some() {
                            continue;
                        }
                        toward[y] = Some(x);
                        hand[y] = Some(mark.clone());
                        queue.push_back(y);
                        if std::mem::replace(&mut marked[y], true) {
                            continue;
                        }
                        let mut path = root_path(y);
                        let mut cur = y;
                        while let Some(next) = toward[cur].filter(|&nx| nx != cur) {
                            path.push(next);
                            cur = next;
                        }
                        out.push(transitive_finding(inventory, model, y, path, &mark));
                    }
                }
                // Products whose SBOM lists a flagged part they do not reach through the graph.
                for (d, doc) in inventory.documents.iter().enumerate() {
                    for &p in &doc.describes {
                        let p = p.index();
                        if marked[p] {
                            continue;
                        }
                        let listed = flagged
                            .iter()
                            .filter(|f| {
                                let c = f.component.index();
                                inventory.components[c].document == d && !reaches(p, c)
                            })
                            .min_by_key(|f| f.component);
                        let Some(part) = listed else { continue };
                        marked[p] = true;
                        let c = part.component.index();
                        let mark = Mark {
                            verdict,
                            waived: part.waived.clone().map(|w| (c, w)),
                        };
                        let mut f = transitive_finding(inventory, model, p, vec![p, c], &mark);
                        f.notes.push("listed in this product's SBOM".to_string());
                        out.push(f);
                    }
                }
            }
        }
    }
    out
}

/// A mark: the entity's standing from `model`, the verdict and waiver from `mark`. Its id and
/// hash are filled in by the caller.
fn transitive_finding(
    inventory: &Inventory,
    model: &Finding,
    component: usize,
    path: Vec<usize>,
    mark: &Mark,
) -> Finding {
    let mut notes = model.notes.clone();
    if let Some((through, _)) = &mark.waived {
        notes.push(format!("waived through {}", label(inventory, *through)));
    }
    Finding {
        id: String::new(),
        verdict: mark.verdict,
        entity: model.entity.clone(),
        lineage: model.lineage.clone(),
        links: model.links.clone(),
        policies: model.policies.clone(),
        component: ComponentId::new(component),
        sha256: String::new(),
        evidence: Vec::new(),
        path: path.into_iter().map(ComponentId::new).collect(),
        notes,
        waived: mark.waived.as_ref().map(|(_, w)| w.clone()),
    }
}

/// One finding per (component, entity), sorted by component then entity. Where a component has
/// both direct evidence and a path to a flagged part, the stronger sets the verdict and both are
/// kept. Where one of the two is waived and the other not, the unwaived one is the finding: the
/// waived one's evidence is kept and its path told in a note.
fn merge(inventory: &Inventory, mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        (a.component, &a.entity, !a.path.is_empty()).cmp(&(b.component, &b.entity, !b.path.is_empty()))
    });
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let prev = match out.pop() {
            Some(prev) if prev.component == f.component && prev.entity == f.entity => prev,
            prev => {
                out.extend(prev);
                out.push(f);
                continue;
            }
        };
        let (mut keep, other) = match (prev.waived.is_some(), f.waived.is_some()) {
            (true, false) => (f, prev),
            _ => (prev, f),
        };
        let mixed = keep.waived.is_some() != other.waived.is_some();
        if !mixed {
            keep.verdict = keep.verdict.max(other.verdict);
        }
        keep.evidence.extend(other.evidence);
        keep.evidence.sort_by_key(|e| std::cmp::Reverse(e.strength));
        if !other.path.is_empty() {
            if mixed || !keep.path.is_empty() {
                let steps: Vec<String> = other.path.iter().map(|c| label(inventory, c.index())).collect();
                push_note(
                    &mut keep.notes,
                    format!("also {} via {}, waived", other.verdict.as_str(), steps.join(" → ")),
                );
            } else {
                keep.path = other.path;
            }
        }
        for n in other.notes {
            if !(mixed && n.starts_with("waived through ")) {
                push_note(&mut keep.notes, n);
            }
        }
        out.push(keep);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Document, Encoding, Format, Party, PartyKind, Relationship, Role};

    fn rules() -> RuleSet {
        super::super::load(&[]).expect("bundled rules load")
    }

    struct Inv(Inventory);

    impl Inv {
        fn new() -> Self {
            let mut inv = Inventory::default();
            inv.documents
                .push(Document::new("t.json", Format::CycloneDX, Encoding::Json));
            Inv(inv)
        }

        fn add(&mut self, name: &str, parties: &[(Role, &str)]) -> ComponentId {
            let id = ComponentId::new(self.0.components.len());
            let mut c = Component::new(
                crate::model::Origin::Component,
                name,
                Location::json(format!("/components/{}", id.0)),
            );
            c.id = id;
            for (role, who) in parties {
                c.parties.push(Party::named(
                    *role,
                    PartyKind::Organization,
                    Some((*who).into()),
                    c.at.clone(),
                ));
            }
            self.0.components.push(c);
            self.0.documents[0].component_count += 1;
            id
        }

        fn edge(&mut self, from: ComponentId, to: ComponentId, kind: RelationKind) {
            self.0.relationships.push(Relationship {
                from,
                to,
                kind,
                document: 0,
                at: Location::json("/dependencies/0"),
            });
        }

        fn audit(&self, rules: &RuleSet, waivers: Vec<Waiver>) -> Audit {
            let opts = AuditOptions {
                policies: Vec::new(),
                waivers,
                waivers_file: "w.toml".into(),
                today: Date::parse("2026-11-28").unwrap(),
            };
            audit(&self.0, rules, &Index::new(rules), &opts)
        }
    }

    #[test]
    fn weak_evidence_never_adds_up() {
        let rules = rules();
        let mut inv = Inv::new();
        let mut names = vec![];
        for i in 0..500 {
            names.push(inv.add(&format!("huawei-modem-{i}"), &[]));
        }
        let a = inv.audit(&rules, vec![]);
        assert_eq!(a.findings.len(), 500);
        assert!(a
            .findings
            .iter()
            .all(|f| f.verdict == Verdict::Mention && f.entity == "huawei"));
        assert_eq!(a.verdict, Overall::Clear);
    }

    #[test]
    fn subsidiary_supplier_is_excluded_with_lineage_and_marks_dependants() {
        let rules = rules();
        let mut inv = Inv::new();
        let product = inv.add("router-fw", &[]);
        let libfoo = inv.add("libfoo", &[]);
        let sdk = inv.add("hisi-sdk", &[(Role::Manufacturer, "HiSilicon Technologies Co., Ltd.")]);
        inv.0.documents[0].describes.push(product);
        inv.edge(product, libfoo, RelationKind::DependsOn);
        inv.edge(libfoo, sdk, RelationKind::DependsOn);
        let a = inv.audit(&rules, vec![]);
        assert_eq!(a.verdict, Overall::Excluded);
        let direct = a.findings.iter().find(|f| f.component == sdk).unwrap();
        assert_eq!(direct.verdict, Verdict::Excluded);
        assert_eq!(direct.lineage, ["hisilicon", "huawei"]);
        assert!(direct.policies.contains(&"ndaa-889".to_string()));
        assert_eq!(direct.evidence[0].field, "manufacturer");
        let via = a.findings.iter().find(|f| f.component == libfoo).unwrap();
        assert_eq!(via.path, [product, libfoo, sdk]);
        let top = a.findings.iter().find(|f| f.component == product).unwrap();
        assert_eq!(top.path, [product, libfoo, sdk]);
        assert_eq!(top.verdict, Verdict::Excluded);
    }

    #[test]
    fn a_product_is_marked_when_its_sbom_lists_an_excluded_part_it_does_not_reach() {
        let rules = rules();
        let mut inv = Inv::new();
        let product = inv.add("camera", &[]);
        let part = inv.add("sensor-fw", &[(Role::Supplier, "ZTE Corporation")]);
        inv.0.documents[0].describes.push(product);
        let a = inv.audit(&rules, vec![]);
        let top = a.findings.iter().find(|f| f.component == product).unwrap();
        assert_eq!(top.path, [product, part]);
        assert!(top.notes.iter().any(|n| n.contains("listed in this product's SBOM")));
    }

    #[test]
    fn divested_subsidiary_is_review_not_excluded() {
        let rules = rules();
        let mut inv = Inv::new();
        inv.add("phone-fw", &[(Role::Supplier, "Honor Device Co., Ltd.")]);
        let a = inv.audit(&rules, vec![]);
        let f = &a.findings[0];
        assert_eq!((f.entity.as_str(), f.verdict), ("honor", Verdict::Review));
        assert!(f.notes.iter().any(|n| n.contains("2020-11-17")), "{:?}", f.notes);
    }

    #[test]
    fn pedigree_ancestors_pass_on_their_vendor() {
        let rules = rules();
        let mut inv = Inv::new();
        let rebadged = inv.add("acme-modem", &[(Role::Supplier, "Acme Networks")]);
        let ancestor = inv.add("mf823", &[(Role::Manufacturer, "ZTE Corporation")]);
        inv.edge(rebadged, ancestor, RelationKind::DerivedFrom);
        let a = inv.audit(&rules, vec![]);
        let f = a.findings.iter().find(|f| f.component == rebadged).unwrap();
        assert_eq!((f.entity.as_str(), f.verdict), ("zte", Verdict::Excluded));
        assert_eq!(f.evidence[0].value, "ZTE Corporation (pedigree ancestor mf823)");
    }

    #[test]
    fn waivers_apply_until_they_expire() {
        let rules = rules();
        let mut inv = Inv::new();
        inv.add("cloud-sdk", &[(Role::Supplier, "Huawei Technologies Co., Ltd.")]);
        let waiver = |expires: &str| Waiver {
            id: None,
            purl: None,
            name: Some("cloud-sdk".into()),
            version: None,
            sha256: None,
            policy: None,
            entity: Some("huawei".into()),
            justification: "reviewed".into(),
            approver: "CO".into(),
            expires: Date::parse(expires).unwrap(),
            line: 1,
        };
        let a = inv.audit(&rules, vec![waiver("2027-01-01")]);
        assert!(a.findings[0].waived.is_some());
        assert_eq!(a.verdict, Overall::Clear);
        assert!(a.warnings.is_empty());
        let a = inv.audit(&rules, vec![waiver("2026-11-27")]);
        assert!(a.findings[0].waived.is_none());
        assert_eq!(a.verdict, Overall::Excluded);
        assert_eq!(a.warnings[0].code, WarningCode::ExpiredWaiver);
    }

    fn waive(name: &str) -> Waiver {
        Waiver {
            id: None,
            purl: None,
            name: Some(name.into()),
            version: None,
            sha256: None,
            policy: None,
            entity: None,
            justification: format!("{name} reviewed"),
            approver: "CO".into(),
            expires: Date::parse("2099-12-31").unwrap(),
            line: 1,
        }
    }

    fn of(a: &Audit, c: ComponentId) -> Vec<&Finding> {
        a.findings.iter().filter(|f| f.component == c).collect()
    }

    #[test]
    fn a_mark_whose_every_path_is_waived_is_waived_through_the_waived_part() {
        let rules = rules();
        let mut inv = Inv::new();
        let product = inv.add("router-fw", &[]);
        let app = inv.add("app", &[]);
        let sdk = inv.add("cloud-sdk", &[(Role::Supplier, "Huawei Technologies Co., Ltd.")]);
        inv.0.documents[0].describes.push(product);
        inv.edge(product, app, RelationKind::DependsOn);
        inv.edge(app, sdk, RelationKind::DependsOn);
        let a = inv.audit(&rules, vec![waive("cloud-sdk")]);
        assert_eq!(a.findings_verdict, Overall::Clear);
        for c in [product, app] {
            let f = of(&a, c);
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].verdict, Verdict::Excluded);
            assert_eq!(f[0].waived.as_ref().unwrap().justification, "cloud-sdk reviewed");
            assert!(
                f[0].notes.contains(&"waived through cloud-sdk".to_string()),
                "{:?}",
                f[0].notes
            );
        }
        assert_eq!(of(&a, product)[0].path, [product, app, sdk]);
    }

    #[test]
    fn a_waived_component_on_the_way_stops_an_unwaived_mark() {
        let rules = rules();
        let mut inv = Inv::new();
        let product = inv.add("router-fw", &[]);
        let media = inv.add("libmedia", &[]);
        let sdk = inv.add("hisi-sdk", &[(Role::Manufacturer, "HiSilicon Technologies Co., Ltd.")]);
        inv.0.documents[0].describes.push(product);
        inv.edge(product, media, RelationKind::DependsOn);
        inv.edge(media, sdk, RelationKind::DependsOn);
        let a = inv.audit(&rules, vec![waive("libmedia")]);
        assert!(of(&a, sdk)[0].waived.is_none());
        assert_eq!(
            of(&a, media)[0].waived.as_ref().unwrap().justification,
            "libmedia reviewed"
        );
        let top = of(&a, product)[0];
        assert_eq!(top.waived.as_ref().unwrap().justification, "libmedia reviewed");
        assert_eq!(top.path, [product, media, sdk]);
        assert!(top.notes.contains(&"waived through libmedia".to_string()));
        assert_eq!(a.findings_verdict, Overall::Excluded, "the SDK itself is not waived");
    }

    #[test]
    fn one_unwaived_path_keeps_the_product_excluded_through_it() {
        let rules = rules();
        let mut inv = Inv::new();
        let product = inv.add("router-fw", &[]);
        let a1 = inv.add("app-a", &[]);
        let a2 = inv.add("app-b", &[]);
        let waived = inv.add("cloud-sdk", &[(Role::Supplier, "Huawei Technologies Co., Ltd.")]);
        let other = inv.add("modem-fw", &[(Role::Supplier, "Huawei Technologies Co., Ltd.")]);
        inv.0.documents[0].describes.push(product);
        inv.edge(product, a1, RelationKind::DependsOn);
        inv.edge(product, a2, RelationKind::DependsOn);
        inv.edge(a1, waived, RelationKind::DependsOn);
        inv.edge(a2, other, RelationKind::DependsOn);
        let a = inv.audit(&rules, vec![waive("cloud-sdk")]);
        let top = of(&a, product)[0];
        assert!(top.waived.is_none());
        assert_eq!(top.verdict, Verdict::Excluded);
        assert_eq!(top.path, [product, a2, other]);
        assert!(of(&a, a1)[0].waived.is_some());
        assert!(of(&a, a2)[0].waived.is_none());
        assert_eq!(a.findings_verdict, Overall::Excluded);
    }

    #[test]
    fn direct_evidence_and_a_path_are_one_finding() {
        let rules = rules();
        let mut inv = Inv::new();
        // named for Huawei (a weak mention) and depending on a Huawei part (excluded)
        let product = inv.add("huawei-bridge", &[]);
        let sdk = inv.add("cloud-sdk", &[(Role::Supplier, "Huawei Technologies Co., Ltd.")]);
        inv.0.documents[0].describes.push(product);
        inv.edge(product, sdk, RelationKind::DependsOn);
        let a = inv.audit(&rules, vec![]);
        let f = of(&a, product);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].verdict, Verdict::Excluded);
        assert_eq!(f[0].path, [product, sdk]);
        assert_eq!(f[0].evidence[0].field, "component-name");
        assert_eq!(f[0].evidence[0].matched, "Huawei");
        // …and when the path's part is waived, the unwaived mention is the finding
        let a = inv.audit(&rules, vec![waive("cloud-sdk")]);
        let f = of(&a, product);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!((f[0].verdict, f[0].waived.is_none()), (Verdict::Mention, true));
        assert!(f[0].path.is_empty());
        assert!(
            f[0].notes
                .contains(&"also excluded via huawei-bridge → cloud-sdk, waived".to_string()),
            "{:?}",
            f[0].notes
        );
    }

    #[test]
    fn ids_name_the_place_below_the_target_and_the_entity() {
        let rules = rules();
        let run = |target: &str| {
            let mut inv = Inventory::default();
            inv.documents
                .push(Document::new(target, Format::Image, Encoding::Binary));
            let path = format!("{target}!/0x4003:squashfs!/lib/hi.ko");
            let mut c = Component::new(crate::model::Origin::File, "hi.ko", Location::file(&path, None, None));
            c.parties.push(Party::named(
                Role::Supplier,
                PartyKind::Organization,
                Some("HiSilicon".into()),
                c.at.clone(),
            ));
            c.hashes.push(crate::model::Hash::new("SHA-256", &"ab".repeat(32)));
            inv.components.push(c);
            let opts = AuditOptions {
                policies: Vec::new(),
                waivers: Vec::new(),
                waivers_file: String::new(),
                today: Date::parse("2026-11-28").unwrap(),
            };
            audit(&inv, &rules, &Index::new(&rules), &opts).findings.remove(0)
        };
        let (a, b) = (run("fw.bin"), run("/tmp/x/fw.bin"));
        assert_eq!(a.id, b.id);
        assert_eq!(a.id, finding_id("file:fw.bin!/0x4003:squashfs!/lib/hi.ko", "hisilicon"));
        assert_eq!(a.id.len(), 19);
        assert_ne!(a.id, run("other.bin").id, "the target's own name counts");
        assert_eq!(a.sha256, "ab".repeat(32));
        // the alias the text shows, not the entity's full name it shares a token run with
        assert_eq!(a.evidence[0].matched, "HiSilicon");
        let link = &a.links[0];
        assert_eq!((link.entity.as_str(), link.parent.as_str()), ("hisilicon", "huawei"));
        assert_eq!(link.since.as_deref(), Some("2004"));
        assert!(!link.sources.is_empty());
    }

    #[test]
    fn look_alikes_are_clean() {
        let rules = rules();
        let mut inv = Inv::new();
        for name in [
            "New H3C Technologies Co., Ltd.",
            "Huawei-3Com Co., Ltd.",
            "Aztech Systems Ltd.",
            "ZTEX GmbH",
            "Teltronics, Inc.",
            "Shanghai Dahua Scale Factory",
            "Dahuang Electric",
        ] {
            inv.add("part", &[(Role::Supplier, name)]);
        }
        let a = inv.audit(&rules, vec![]);
        assert!(a.findings.is_empty(), "{:#?}", a.findings);
    }
}

#[cfg(test)]
mod incomplete_tests {
    use super::*;
    use crate::model::{Document, Encoding, InputError, Origin, Party, PartyKind, Role};

    fn run(inv: &Inventory) -> Audit {
        let rules = super::super::load(&[]).expect("bundled rules load");
        let opts = AuditOptions {
            policies: Vec::new(),
            waivers: Vec::new(),
            waivers_file: String::new(),
            today: Date::parse("2026-11-28").unwrap(),
        };
        audit(inv, &rules, &Index::new(&rules), &opts)
    }

    fn image(path: &str, supplier: Option<&str>) -> Inventory {
        let mut inv = Inventory::default();
        inv.documents.push(Document::new(path, Format::Image, Encoding::Binary));
        let mut c = Component::new(Origin::Component, "pkg", Location::file(path, None, None));
        if let Some(s) = supplier {
            c.parties.push(Party::named(
                Role::Supplier,
                PartyKind::Organization,
                Some(s.into()),
                c.at.clone(),
            ));
        }
        inv.components.push(c);
        inv
    }

    fn warn(inv: &mut Inventory, code: WarningCode, file: &str) {
        inv.warnings.push(Warning {
            code,
            file: file.to_string(),
            at: None,
            message: "zip is corrupt: bad CRC".to_string(),
        });
    }

    #[test]
    fn a_damaged_part_makes_a_clean_target_incomplete() {
        let mut inv = image("fw.bin", Some("Acme"));
        warn(&mut inv, WarningCode::Corrupt, "fw.bin!/a.zip");
        let a = run(&inv);
        assert_eq!((a.verdict, a.findings_verdict), (Overall::Incomplete, Overall::Clear));
        assert_eq!(a.targets[0].verdict, Overall::Incomplete);
        assert_eq!(a.coverage.causes[0].code, "corrupt");
    }

    #[test]
    fn an_excluded_part_outranks_incompleteness_and_both_are_told() {
        let mut inv = image("fw.bin", Some("Huawei Technologies Co., Ltd."));
        warn(&mut inv, WarningCode::LimitExceeded, "fw.bin!/b.tar");
        let a = run(&inv);
        assert_eq!(a.verdict, Overall::Excluded);
        assert!(!a.coverage.complete);
    }

    #[test]
    fn a_warning_about_what_was_read_does_not_make_it_incomplete() {
        let mut inv = image("fw.bin", Some("Acme"));
        warn(&mut inv, WarningCode::UnknownField, "fw.bin");
        // a warning under another target's path does not count for this one
        warn(&mut inv, WarningCode::Corrupt, "fw.binary");
        let a = run(&inv);
        assert_eq!(a.targets[0].verdict, Overall::Clear);
        assert_eq!(a.verdict, Overall::Incomplete, "the run still is");
    }

    #[test]
    fn unreadable_inputs_and_empty_sboms_are_incomplete_targets() {
        let mut inv = Inventory::default();
        inv.documents
            .push(Document::new("empty.cdx.json", Format::CycloneDX, Encoding::Json));
        inv.errors.push(InputError {
            file: "/nonexistent".into(),
            message: "/nonexistent: cannot read".into(),
        });
        let a = run(&inv);
        let got: Vec<(&str, Overall)> = a.targets.iter().map(|t| (t.path.as_str(), t.verdict)).collect();
        assert_eq!(
            got,
            [
                ("empty.cdx.json", Overall::Incomplete),
                ("/nonexistent", Overall::Incomplete)
            ]
        );
        let codes: Vec<&str> = a.coverage.causes.iter().map(|c| c.code).collect();
        assert_eq!(codes, ["unreadable-input", "no-components"]);
    }

    #[test]
    fn supplier_coverage_counts_packages_naming_no_party() {
        let mut inv = image("fw.bin", None);
        inv.components.extend(image("fw.bin", Some("Acme")).components);
        let a = run(&inv);
        assert_eq!((a.coverage.packages, a.coverage.packages_without_supplier), (2, 1));
        assert_eq!(a.coverage.supplier_percent(), 50.0);
    }
}
