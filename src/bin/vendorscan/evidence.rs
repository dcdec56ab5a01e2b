//! `audit --evidence-dir DIR`: the flagged file of every finding copied out of its image, beside
//! a `manifest.json` that lists each file's virtual path, SHA-256 and the chain of containers
//! (each with its SHA-256) back to the input image, and each finding's id, verdict and evidence
//! — what a lab attaches to its report. The files are handed out by the same focused walk as
//! `extract` (bounded by --max-member-bytes); nothing is overwritten.

use crate::extract::create;
use anyhow::Context;
use serde::Serialize;
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use vendorscan::firmware::Limits;
use vendorscan::model::{Format, Inventory, Location, Verdict};
use vendorscan::rules::Audit;

#[derive(Serialize)]
struct Manifest<'a> {
    tool: vendorscan::report::ToolInfo,
    /// The walked inputs, each with its SHA-256: where every chain starts.
    inputs: Vec<Link<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    declared: Option<Link<'a>>,
    files: Vec<FileOut<'a>>,
    findings: Vec<FindingOut>,
    /// Flagged files that could not be copied out, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    missing: Vec<Missing>,
}

#[derive(Serialize, Clone)]
struct Link<'a> {
    path: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct FileOut<'a> {
    /// The virtual path, as every report prints it.
    path: String,
    sha256: String,
    size: u64,
    /// Where it was written, relative to the evidence folder.
    file: String,
    /// The input and every container on the way to the file, outermost first, each with the
    /// SHA-256 the walk computed: the hash chain from the input image to the file.
    chain: Vec<Link<'a>>,
    findings: Vec<String>,
}

#[derive(Serialize)]
struct FindingOut {
    id: String,
    /// `vendor` for the rule engine's findings; a reconciliation kind otherwise.
    kind: String,
    verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<String>,
    component: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    evidence: Vec<EvidenceOut>,
    /// Virtual paths of its flagged files.
    files: Vec<String>,
}

#[derive(Serialize)]
struct EvidenceOut {
    grade: String,
    field: String,
    value: String,
    at: String,
}

#[derive(Serialize)]
struct Missing {
    path: String,
    reason: String,
}

/// The files a finding flags: where its evidence was seen in walked files, or else the walked
/// file it is.
fn flagged_files(inv: &Inventory, f: &vendorscan::model::Finding) -> Vec<String> {
    let mut files: BTreeSet<String> = f
        .evidence
        .iter()
        .filter_map(|e| match &e.at {
            Location::File(place) => Some(place.path.clone()),
            _ => None,
        })
        .collect();
    if files.is_empty() && f.path.is_empty() {
        let c = inv.component(f.component);
        if inv.documents[c.document].format == Format::Image {
            files.extend(c.details().occurrences.first().map(|p| p.to_string()));
        }
    }
    files.into_iter().collect()
}

/// Writes the evidence folder: the flagged files and `manifest.json`.
pub fn write(dir: &Path, inv: &Inventory, audit: &Audit, limits: &Limits) -> anyhow::Result<()> {
    let mut findings = Vec::new();
    for f in audit.findings.iter().filter(|f| f.verdict > Verdict::Mention) {
        findings.push(FindingOut {
            id: f.id.clone(),
            kind: "vendor".to_string(),
            verdict: f.verdict,
            entity: Some(f.entity.clone()),
            component: inv.component(f.component).name.to_string(),
            detail: None,
            evidence: f
                .evidence
                .iter()
                .map(|e| EvidenceOut {
                    grade: e.grade(),
                    field: e.field.clone(),
                    value: e.value.clone(),
                    at: match &e.at {
                        Location::File(_) => e.at.to_string(),
                        at => format!("{}: {at}", inv.documents[e.document].path),
                    },
                })
                .collect(),
            files: flagged_files(inv, f),
        });
    }
    if let Some(r) = &audit.reconciliation {
        for d in &r.discrepancies {
            findings.push(FindingOut {
                id: d.id.clone(),
                kind: d.kind.as_str().to_string(),
                verdict: d.verdict,
                entity: d.entity.clone(),
                component: d.name.clone(),
                detail: Some(d.detail.clone()),
                evidence: d
                    .evidence
                    .iter()
                    .map(|e| EvidenceOut {
                        grade: e.grade(),
                        field: e.field.clone(),
                        value: e.value.clone(),
                        at: e.at.to_string(),
                    })
                    .collect(),
                files: d.path.iter().cloned().collect(),
            });
        }
    }
    // each flagged file, with the findings that flag it, by the walked input it lies in
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &findings {
        for p in &f.files {
            by_file.entry(p.clone()).or_default().push(f.id.clone());
        }
    }
    let inputs: Vec<&vendorscan::model::Document> =
        inv.documents.iter().filter(|d| d.format == Format::Image).collect();
    let input_of = |path: &str| {
        inputs
            .iter()
            .filter(|d| {
                path == d.path
                    || path
                        .strip_prefix(d.path.as_str())
                        .is_some_and(|r| r.starts_with(['!', '/']))
            })
            .max_by_key(|d| d.path.len())
            .copied()
    };
    std::fs::create_dir_all(dir.join("files")).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut files = Vec::new();
    let mut missing = Vec::new();
    let mut written: BTreeSet<String> = BTreeSet::new();
    for doc in &inputs {
        let wanted: Vec<String> = by_file
            .keys()
            .filter(|p| input_of(p).is_some_and(|d| d.path == doc.path))
            .cloned()
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let got = vendorscan::extract::members(&PathBuf::from(&doc.path), &doc.path, &wanted, limits)?;
        for path in wanted {
            let Some(bytes) = got.found.get(&path) else {
                missing.push(Missing {
                    reason: got.why_missing(&path),
                    path,
                });
                continue;
            };
            let sha256: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
            let mut name = format!("files/{}-{}", &sha256[..12], vendorscan::extract::file_name(&path));
            while !written.insert(name.clone()) {
                name.insert(6, '_');
            }
            let mut out = create(&dir.join(&name), false)?;
            out.write_all(bytes)
                .and_then(|()| out.sync_all())
                .with_context(|| format!("{}: cannot write", dir.join(&name).display()))?;
            let mut chain: Vec<Link<'_>> = vec![Link {
                path: &doc.path,
                sha256: &doc.sha256,
            }];
            chain.extend(
                inv.containers
                    .iter()
                    .filter(|c| {
                        c.path != doc.path && path.strip_prefix(c.path.as_str()).is_some_and(|r| r.starts_with('!'))
                    })
                    .map(|c| Link {
                        path: &c.path,
                        sha256: &c.sha256,
                    }),
            );
            chain.sort_by_key(|l| l.path.len());
            files.push(FileOut {
                sha256,
                size: bytes.len() as u64,
                file: name,
                chain,
                findings: by_file.get(&path).cloned().unwrap_or_default(),
                path,
            });
        }
    }
    for path in by_file.keys().filter(|p| input_of(p).is_none()) {
        missing.push(Missing {
            path: path.clone(),
            reason: "not in a walked input".to_string(),
        });
    }
    let manifest = Manifest {
        tool: vendorscan::report::ToolInfo::THIS,
        inputs: inputs
            .iter()
            .map(|d| Link {
                path: &d.path,
                sha256: &d.sha256,
            })
            .collect(),
        declared: audit.reconciliation.as_ref().map(|r| Link {
            path: &r.declared_file,
            sha256: &r.declared_sha256,
        }),
        files,
        findings,
        missing,
    };
    let path = dir.join("manifest.json");
    let mut out = create(&path, false)?;
    serde_json::to_writer_pretty(&mut out, &manifest)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}
