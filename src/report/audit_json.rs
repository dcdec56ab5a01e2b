//! The audit report as JSON: a public interface, documented in docs/report-format.md.
//! Deterministic: the same inputs and rules give byte-identical output (a timestamp only when
//! asked for).

use super::ToolInfo;
use crate::model::{
    ComponentId, Coverage, EvidenceItem, Finding, Inventory, Link, Location, Overall, Verdict, WaiverRef, Warning,
};
use crate::rules::load::Pack;
use crate::rules::Audit;
use serde::Serialize;
use std::io::Write;

pub const SCHEMA_VERSION: &str = "1";

#[derive(Serialize)]
struct Report<'a> {
    schema_version: &'static str,
    tool: ToolInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<&'a str>,
    rules: Rules<'a>,
    policies: &'a [String],
    targets: Vec<Target<'a>>,
    verdict: Overall,
    coverage: &'a Coverage,
    findings: Vec<FindingOut<'a>>,
    warnings: Vec<&'a Warning>,
    errors: &'a [crate::model::InputError],
    #[serde(skip_serializing_if = "Option::is_none")]
    reconciliation: Option<ReconciliationOut<'a>>,
}

/// `audit --declared`: the declared SBOM against the target (docs/reconciliation.md).
#[derive(Serialize)]
struct ReconciliationOut<'a> {
    declared: DeclaredSbom<'a>,
    summary: &'a crate::model::ReconcileSummary,
    findings: Vec<DiscrepancyOut<'a>>,
    matches: Vec<MatchOut<'a>>,
}

#[derive(Serialize)]
struct DeclaredSbom<'a> {
    path: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct DiscrepancyOut<'a> {
    id: &'a str,
    kind: crate::model::DiscrepancyKind,
    verdict: Verdict,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    declared: Option<&'a crate::model::Declared>,
    #[serde(skip_serializing_if = "Option::is_none")]
    observed: Option<ComponentOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_by: Option<crate::model::MatchBy>,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<EvidenceOut<'a>>,
}

#[derive(Serialize)]
struct MatchOut<'a> {
    declared: &'a crate::model::Declared,
    observed: ComponentOut<'a>,
    by: crate::model::MatchBy,
}

fn reconciliation<'a>(inv: &'a Inventory, r: &'a crate::model::Reconciliation) -> ReconciliationOut<'a> {
    ReconciliationOut {
        declared: DeclaredSbom {
            path: &r.declared_file,
            sha256: &r.declared_sha256,
        },
        summary: &r.summary,
        findings: r
            .discrepancies
            .iter()
            .map(|d| DiscrepancyOut {
                id: &d.id,
                kind: d.kind,
                verdict: d.verdict,
                name: &d.name,
                version: d.version.as_deref(),
                declared: d.declared.as_ref(),
                observed: d.observed.map(|c| component(inv, c)),
                path: d.path.as_deref(),
                sha256: d.sha256.as_deref(),
                matched_by: d.by,
                detail: &d.detail,
                entity: d.entity.as_deref(),
                evidence: d.evidence.iter().map(|e| evidence(inv, e)).collect(),
            })
            .collect(),
        matches: r
            .matches
            .iter()
            .map(|m| MatchOut {
                declared: &m.declared,
                observed: component(inv, m.observed),
                by: m.by,
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct Rules<'a> {
    packs: &'a [Pack],
}

#[derive(Serialize)]
struct Target<'a> {
    path: &'a str,
    kind: String,
    sha256: &'a str,
    verdict: Overall,
}

/// A location with the file it is in.
#[derive(Serialize)]
pub struct Place<'a> {
    pub file: &'a str,
    #[serde(flatten)]
    pub at: &'a Location,
}

#[derive(Serialize)]
struct ComponentOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    location: Place<'a>,
}

#[derive(Serialize)]
struct EvidenceOut<'a> {
    kind: crate::model::EvidenceKind,
    strength: crate::model::Strength,
    field: &'a str,
    value: &'a str,
    matched: &'a str,
    location: Place<'a>,
}

#[derive(Serialize)]
struct PathStep<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    id: &'a str,
    verdict: Verdict,
    entity: &'a str,
    lineage: &'a [String],
    #[serde(skip_serializing_if = "<[Link]>::is_empty")]
    links: &'a [Link],
    policies: &'a [String],
    component: ComponentOut<'a>,
    sha256: &'a str,
    evidence: Vec<EvidenceOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    path: Vec<PathStep<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    waived: Option<&'a WaiverRef>,
}

fn component<'a>(inv: &'a Inventory, id: ComponentId) -> ComponentOut<'a> {
    let c = inv.component(id);
    ComponentOut {
        name: &c.name,
        version: c.version.as_deref(),
        purl: c.purls.first().map(|p| p.value.as_str()),
        location: Place {
            file: &inv.documents[c.document].path,
            at: &c.at,
        },
    }
}

fn evidence<'a>(inv: &'a Inventory, e: &'a EvidenceItem) -> EvidenceOut<'a> {
    EvidenceOut {
        kind: e.kind,
        strength: e.strength,
        field: &e.field,
        value: &e.value,
        matched: &e.matched,
        location: Place {
            file: &inv.documents[e.document].path,
            at: &e.at,
        },
    }
}

fn finding<'a>(inv: &'a Inventory, f: &'a Finding) -> FindingOut<'a> {
    FindingOut {
        id: &f.id,
        verdict: f.verdict,
        entity: &f.entity,
        lineage: &f.lineage,
        links: &f.links,
        policies: &f.policies,
        component: component(inv, f.component),
        sha256: &f.sha256,
        evidence: f.evidence.iter().map(|e| evidence(inv, e)).collect(),
        path: f
            .path
            .iter()
            .map(|&id| {
                let c = inv.component(id);
                PathStep {
                    name: &c.name,
                    version: c.version.as_deref(),
                }
            })
            .collect(),
        notes: &f.notes,
        waived: f.waived.as_ref(),
    }
}

/// Writes the report. `timestamp` is included only when given (`--timestamp`).
pub fn write(
    inventory: &Inventory,
    audit: &Audit,
    packs: &[Pack],
    timestamp: Option<&str>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo::THIS,
        timestamp,
        rules: Rules { packs },
        policies: &audit.policies,
        targets: audit
            .targets
            .iter()
            .map(|t| match t.document {
                Some(i) => {
                    let d = &inventory.documents[i];
                    Target {
                        path: &d.path,
                        kind: match d.format {
                            // A walk: what the product root says it is.
                            crate::model::Format::Image => {
                                match d.describes.first().map(|&c| inventory.component(c).kind.as_deref()) {
                                    Some(Some("platform")) => "directory".to_string(),
                                    _ => "image".to_string(),
                                }
                            }
                            _ => format!("{:?}-{}", d.format, super::inventory_table::encoding_name(d.encoding))
                                .to_lowercase(),
                        },
                        sha256: &d.sha256,
                        verdict: t.verdict,
                    }
                }
                None => Target {
                    path: &t.path,
                    kind: "unreadable".to_string(),
                    sha256: "",
                    verdict: t.verdict,
                },
            })
            .collect(),
        verdict: audit.verdict,
        coverage: &audit.coverage,
        findings: audit.findings.iter().map(|f| finding(inventory, f)).collect(),
        warnings: inventory.warnings.iter().chain(&audit.warnings).collect(),
        errors: &inventory.errors,
        reconciliation: audit.reconciliation.as_ref().map(|r| reconciliation(inventory, r)),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
