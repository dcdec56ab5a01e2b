//! The audit on the SBOM (`audit -o cyclonedx`): each finding as a CycloneDX annotation on its
//! component, and as `vendorscan:` properties a tool such as Dependency-Track can write a policy
//! on (docs/reports.md). The findings are the engine's; nothing is decided here.

use super::bom::{Annotation, Annotator, Bom, Comp, Prop, Tool};
use super::plan::Plan;
use crate::model::{EvidenceKind, Finding, Inventory};
use crate::report::ToolInfo;
use std::borrow::Cow;
use std::collections::HashMap;

/// An annotation's time when the run gives none: CycloneDX requires one, and the report stays
/// byte-for-byte reproducible.
pub(super) const NO_TIME: &str = "1970-01-01T00:00:00Z";

/// The property names, one set per finding on the component.
pub const VERDICT: &str = "vendorscan:verdict";
pub const ENTITY: &str = "vendorscan:entity";
pub const POLICIES: &str = "vendorscan:policies";
pub const EVIDENCE_KIND: &str = "vendorscan:evidence-kind";
pub const FINDING_ID: &str = "vendorscan:finding-id";
pub const WAIVED: &str = "vendorscan:waived";

pub(super) fn annotate<'a>(
    bom: &mut Bom<'a>,
    inv: &'a Inventory,
    plan: &'a Plan<'a>,
    tool: &'a ToolInfo,
    findings: &'a [Finding],
    timestamp: &'a str,
) {
    let mut props: HashMap<&str, Vec<Prop<'a>>> = HashMap::new();
    for f in findings {
        let subject = plan.bom_ref(f.component);
        let list = props.entry(subject).or_default();
        let kind = f.evidence.first().map(|e| kind(e.kind)).unwrap_or("inherited");
        list.push(prop(VERDICT, f.verdict.as_str()));
        list.push(prop(ENTITY, &f.entity));
        list.push(prop(POLICIES, f.policies.join(",")));
        list.push(prop(EVIDENCE_KIND, kind));
        list.push(prop(FINDING_ID, &f.id));
        if let Some(w) = &f.waived {
            list.push(prop(
                WAIVED,
                format!(
                    "{} (approved by {}, expires {})",
                    w.justification, w.approver, w.expires
                ),
            ));
        }
        bom.annotations.push(Annotation {
            bom_ref: format!("vendorscan-finding:{}", f.id),
            subjects: vec![subject],
            annotator: Annotator {
                component: Tool {
                    kind: "application",
                    name: tool.name,
                    version: tool.version,
                },
            },
            timestamp,
            text: words(inv, f),
        });
    }
    if let Some(root) = bom.metadata.component.as_deref_mut() {
        attach(root, &mut props);
    }
    for c in &mut bom.components {
        attach(c, &mut props);
    }
}

/// The property a reconciliation difference puts on its component: `kind verdict id`.
pub const RECONCILIATION: &str = "vendorscan:reconciliation";

/// `audit --declared`: each difference as an annotation (and a property) on the observed
/// component, or on the product when nothing was observed (a declared component not found).
pub(super) fn annotate_reconciliation<'a>(
    bom: &mut Bom<'a>,
    inv: &'a Inventory,
    plan: &'a Plan<'a>,
    tool: &'a ToolInfo,
    r: &'a crate::model::Reconciliation,
    timestamp: &'a str,
) {
    let product = inv
        .documents
        .iter()
        .find(|d| d.format == crate::model::Format::Image)
        .or(inv.documents.first())
        .and_then(|d| d.describes.first())
        .map(|&id| plan.bom_ref(id));
    let mut props: HashMap<&str, Vec<Prop<'a>>> = HashMap::new();
    for d in &r.discrepancies {
        let Some(subject) = d.observed.map(|c| plan.bom_ref(c)).or(product) else {
            continue;
        };
        props.entry(subject).or_default().push(prop(
            RECONCILIATION,
            format!("{} {} {}", d.kind.as_str(), d.verdict.as_str(), d.id),
        ));
        bom.annotations.push(Annotation {
            bom_ref: format!("vendorscan-reconciliation:{}", d.id),
            subjects: vec![subject],
            annotator: Annotator {
                component: Tool {
                    kind: "application",
                    name: tool.name,
                    version: tool.version,
                },
            },
            timestamp,
            text: format!(
                "vendorscan {} {} against {}: {} — {}",
                d.id,
                d.kind.as_str(),
                r.declared_file,
                d.name,
                d.detail
            ),
        });
    }
    if let Some(root) = bom.metadata.component.as_deref_mut() {
        attach(root, &mut props);
    }
    for c in &mut bom.components {
        attach(c, &mut props);
    }
}

/// Adds the properties to the component written with their bom-ref, wherever it is nested.
fn attach<'a>(c: &mut Comp<'a>, props: &mut HashMap<&str, Vec<Prop<'a>>>) {
    if let Some(list) = c.bom_ref.and_then(|r| props.remove(r)) {
        c.properties.extend(list);
    }
    for child in &mut c.components {
        attach(child, props);
    }
    if let Some(p) = &mut c.pedigree {
        for child in p.ancestors.iter_mut().chain(&mut p.descendants).chain(&mut p.variants) {
            attach(child, props);
        }
    }
}

fn prop<'a>(name: &'static str, value: impl Into<Cow<'a, str>>) -> Prop<'a> {
    Prop {
        name: Cow::Borrowed(name),
        value: value.into(),
    }
}

fn kind(k: EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::Declares => "declares",
        EvidenceKind::BuiltOrSignedBy => "built-or-signed-by",
        EvidenceKind::Mentions => "mentions",
    }
}

/// The finding in one sentence: verdict, entity, policies, the strongest evidence and where.
fn words(inv: &Inventory, f: &Finding) -> String {
    let mut text = format!("vendorscan {} {}: {}", f.id, f.verdict.as_str(), f.entity);
    if f.lineage.len() > 1 {
        text.push_str(&format!(" (part of {})", f.lineage[1..].join(" → ")));
    }
    if !f.policies.is_empty() {
        text.push_str(&format!(", covered by {}", f.policies.join(", ")));
    }
    match f.evidence.first() {
        Some(e) => {
            let doc = inv.documents.get(e.document).map(|d| d.path.as_str()).unwrap_or("");
            text.push_str(&format!(
                "; {} = {} ({} evidence, {}) at {}",
                e.field,
                e.value,
                match e.strength {
                    crate::model::Strength::Strong => "strong",
                    crate::model::Strength::Medium => "medium",
                    crate::model::Strength::Weak => "weak",
                },
                kind(e.kind),
                match &e.at {
                    crate::model::Location::File(_) => e.at.to_string(),
                    at => format!("{doc}: {at}"),
                }
            ));
        }
        None if !f.path.is_empty() => {
            let names: Vec<&str> = f.path.iter().map(|&id| inv.component(id).name.as_str()).collect();
            text.push_str(&format!("; through {}", names.join(" → ")));
        }
        None => {}
    }
    if let Some(w) = &f.waived {
        text.push_str(&format!("; waived: {} ({})", w.justification, w.approver));
    }
    text
}
