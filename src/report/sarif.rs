//! The audit as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers (docs/reports.md).
//!
//! One `reportingDescriptor` per entity and policy met (`ndaa-889/hisilicon`), its help naming
//! the entity, why the policy covers it and the rule pack's citations; one result per finding
//! (`error` excluded, `warning` review, `note` mentions when asked for), one `warning` per input
//! left partly unexamined (`vendorscan/incomplete`). Places are URIs relative to `%SRCROOT%`
//! (the directory vendorscan ran in), virtual paths for members of images, with the byte offset
//! or line where known; a JSON pointer or XML path is a logical location. The finding id is the
//! partial fingerprint. GitHub takes at most 25,000 results and 10 MB per file: the results are
//! cut to fit, with a notice.

use super::summary::Run;
use super::ToolInfo;
use crate::model::{Finding, Location, Verdict};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// GitHub code scanning's limits for one upload.
pub const MAX_RESULTS: usize = 25_000;
/// Bytes: 10 MB, less room for what follows the results.
pub const MAX_BYTES: usize = 10_000_000 - 200_000;

/// The rule id of a result for an input left partly unexamined.
pub const INCOMPLETE_RULE: &str = "vendorscan/incomplete";

/// Writes the run as one SARIF 2.1.0 log; `mentions` adds findings on weak evidence alone as
/// `note` results (`-v`).
pub fn write(run: &Run<'_>, mentions: bool, out: &mut dyn Write) -> io::Result<()> {
    write_limited(run, mentions, MAX_RESULTS, MAX_BYTES, out)
}

/// [`write`] with the limits given (tests use small ones).
pub fn write_limited(
    run: &Run<'_>,
    mentions: bool,
    max_results: usize,
    max_bytes: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut findings = run.flagged();
    if mentions {
        findings.extend(run.mentions());
    }
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    let mut size = 0usize;
    let mut cut = 0usize;
    let incomplete: Vec<_> = run.audit.targets.iter().filter(|t| t.unexamined > 0).collect();
    let differences = run
        .audit
        .reconciliation
        .as_ref()
        .map_or(&[][..], |r| &r.discrepancies[..]);
    let wanted = findings.len() + incomplete.len() + differences.len();
    for f in &findings {
        let id = rule_id(f);
        if !rules.contains_key(&id) {
            rules.insert(id.clone(), descriptor(run, f, &id));
        }
        let result = result(run, f, id);
        if !fits(&result, &mut size, results.len(), max_results, max_bytes) {
            cut = wanted - results.len();
            break;
        }
        results.push(result);
    }
    if cut == 0 {
        for t in &incomplete {
            let result = json!({
                "ruleId": INCOMPLETE_RULE,
                "level": "warning",
                "message": {"text": format!(
                    "{}: {} could not be examined; a covered part could lie there (coverage: {})",
                    t.path, plural(t.unexamined, "part"), run.coverage_sentence())},
                "locations": [{"physicalLocation": {"artifactLocation": artifact(&t.path)}}],
                "partialFingerprints": {"vendorscan/v1": format!("incomplete:{}", t.path)},
            });
            if !fits(&result, &mut size, results.len(), max_results, max_bytes) {
                cut = wanted - results.len();
                break;
            }
            results.push(result);
        }
        if !incomplete.is_empty() {
            rules.insert(
                INCOMPLETE_RULE.to_string(),
                json!({
                    "id": INCOMPLETE_RULE,
                    "name": "Incomplete",
                    "shortDescription": {"text": "Part of an input could not be examined"},
                    "fullDescription": {"text": "vendorscan could not read or unpack part of this input (damaged, \
                        over a limit, or a format it does not open). Nothing can be stated about what lies there."},
                    "defaultConfiguration": {"level": "warning"},
                }),
            );
        }
    }
    if cut == 0 {
        for d in differences {
            let id = format!("reconcile/{}", d.kind.as_str());
            let place = d
                .path
                .as_deref()
                .or(d.declared.as_ref().map(|x| x.file.as_str()))
                .unwrap_or("");
            let mut properties = json!({"verdict": d.verdict.as_str()});
            if let Some(by) = d.by {
                properties["matchedBy"] = json!(by.as_str());
            }
            let result = json!({
                "ruleId": id,
                "level": level(d.verdict),
                "message": {"text": format!("{} {}: {}", d.kind.as_str(), d.name, d.detail)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact(place)}}],
                "partialFingerprints": {"vendorscan/v1": d.id},
                "properties": properties,
            });
            if !fits(&result, &mut size, results.len(), max_results, max_bytes) {
                cut = wanted - results.len();
                break;
            }
            results.push(result);
            rules.entry(id.clone()).or_insert_with(|| {
                json!({
                    "id": id,
                    "name": d.kind.as_str(),
                    "shortDescription": {"text": format!("Declared SBOM versus target: {}", d.kind.as_str())},
                    "fullDescription": {"text": "A difference between the SBOM the vendor declared (audit --declared) \
                        and what vendorscan found in the target (docs/reconciliation.md)."},
                    "defaultConfiguration": {"level": "warning"},
                })
            });
        }
    }
    // Only the rules the results kept refer to.
    let used: std::collections::BTreeSet<&str> = results.iter().filter_map(|r| r["ruleId"].as_str()).collect();
    let rules: Vec<Value> = rules
        .into_iter()
        .filter(|(id, _)| used.contains(id.as_str()))
        .map(|(_, v)| v)
        .collect();
    let tool = &ToolInfo::THIS;
    let packs: Vec<Value> = run
        .rules
        .packs
        .iter()
        .map(|p| json!({"id": p.id, "version": p.version, "sha256": p.sha256, "origin": p.origin}))
        .collect();
    let mut driver = json!({
        "name": tool.name,
        "version": tool.version,
        "semanticVersion": tool.version,
        "informationUri": "https://github.com/vendorscan/vendorscan",
        "rules": rules,
        "properties": {"rulePacks": packs},
    });
    if let Some(p) = run.rules.packs.first() {
        driver["organization"] = json!(format!("rules: {} {}", p.id, p.version));
    }
    let mut invocation = json!({"executionSuccessful": true});
    let mut run_properties = Map::new();
    run_properties.insert("verdict".into(), json!(run.audit.verdict.as_str()));
    run_properties.insert("policies".into(), json!(run.audit.policies));
    run_properties.insert("coverage".into(), json!(run.coverage_sentence()));
    if cut > 0 {
        let notice = format!(
            "Cut to GitHub's limits ({max_results} results, 10 MB): {cut} of {wanted} results left out. \
             The JSON report holds everything."
        );
        run_properties.insert("truncated".into(), json!(notice));
        invocation["toolExecutionNotifications"] = json!([{
            "level": "warning",
            "descriptor": {"id": "vendorscan/truncated"},
            "message": {"text": notice},
        }]);
    }
    if let Some(t) = run.timestamp {
        invocation["endTimeUtc"] = json!(t);
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text":
                "The directory vendorscan ran in: inputs are named as given on the command line."}}},
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": run_properties,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Whether one more result stays under both limits; counts its bytes when it does.
fn fits(result: &Value, size: &mut usize, count: usize, max_results: usize, max_bytes: usize) -> bool {
    let bytes = serde_json::to_vec_pretty(result).map(|v| v.len()).unwrap_or(usize::MAX);
    if count >= max_results || size.saturating_add(bytes) > max_bytes {
        return false;
    }
    *size += bytes;
    true
}

/// `policy/entity` for the first policy that covers the entity; `mention/entity` for weak
/// evidence alone, which no policy decides on.
pub fn rule_id(f: &Finding) -> String {
    match (f.verdict, f.policies.first()) {
        (Verdict::Mention, _) | (_, None) => format!("mention/{}", f.entity),
        (_, Some(p)) => format!("{p}/{}", f.entity),
    }
}

fn descriptor(run: &Run<'_>, f: &Finding, id: &str) -> Value {
    let entity = run.rules.entity(&f.entity);
    let name = entity.map(|e| e.name.as_str()).unwrap_or(f.entity.as_str());
    let policy = (f.verdict > Verdict::Mention)
        .then(|| f.policies.first().and_then(|p| run.rules.policy(p)))
        .flatten();
    let mut text = format!("{name} (`{}`)", f.entity);
    if f.lineage.len() > 1 {
        text.push_str(&format!(", part of {}", f.lineage[1..].join(" → ")));
    }
    text.push('.');
    let mut markdown = text.clone();
    let why = match policy {
        Some(p) if f.lineage.len() > 1 => format!(" {} covers it through {}.", p.name, f.lineage[1..].join(" → ")),
        Some(p) => format!(" {} covers it.", p.name),
        None => " Named on weak evidence only; no policy decides on a mention.".to_string(),
    };
    text.push_str(&why);
    markdown.push_str(&why);
    let mut sources: Vec<(&str, Option<&str>, &str)> = Vec::new();
    if let Some(p) = policy {
        sources.extend(
            p.sources
                .iter()
                .map(|s| (s.title.as_str(), s.url.as_deref(), s.date.as_str())),
        );
    }
    for link in &f.links {
        sources.extend(
            link.sources
                .iter()
                .map(|s| (s.title.as_str(), s.url.as_deref(), s.date.as_str())),
        );
    }
    if let Some(e) = entity {
        sources.extend(
            e.sources
                .iter()
                .map(|s| (s.title.as_str(), s.url.as_deref(), s.date.as_str())),
        );
    }
    if !sources.is_empty() {
        markdown.push_str("\n\nSources (from the rule pack):\n");
        text.push_str(" Sources:");
        for (title, url, date) in sources {
            match url {
                Some(u) => {
                    markdown.push_str(&format!("\n- [{title}]({u}) ({date})"));
                    text.push_str(&format!(" {title} <{u}> ({date});"));
                }
                None => {
                    markdown.push_str(&format!("\n- {title} ({date})"));
                    text.push_str(&format!(" {title} ({date});"));
                }
            }
        }
    }
    let level = if policy.is_some() { "error" } else { "note" };
    json!({
        "id": id,
        "name": id.replace('/', "_"),
        "shortDescription": {"text": match policy {
            Some(p) => format!("A part tied to {name}, which {} covers", p.id),
            None => format!("A part that names {name}"),
        }},
        "fullDescription": {"text": text.clone()},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level},
        "properties": {"entity": f.entity, "policy": policy.map(|p| p.id.as_str()), "tags": ["supply-chain"]},
    })
}

fn level(v: Verdict) -> &'static str {
    match v {
        Verdict::Excluded => "error",
        Verdict::Review => "warning",
        Verdict::Mention => "note",
    }
}

fn result(run: &Run<'_>, f: &Finding, rule: String) -> Value {
    let label = run.label(f.component);
    let why = run.why(f);
    let grade = f
        .evidence
        .first()
        .map(|e| format!(" ({} evidence, {})", strength(e.strength), kind(e.kind)))
        .unwrap_or_default();
    let text = format!("{label}: {} — {why}{grade}", f.verdict.as_str());
    let component = run.inventory.component(f.component);
    let (at, document) = match f.evidence.first() {
        Some(e) => (&e.at, e.document),
        None => (&component.at, component.document),
    };
    let mut r = json!({
        "ruleId": rule,
        "level": level(f.verdict),
        "message": {"text": text},
        "locations": [location(run, at, document)],
        "partialFingerprints": {"vendorscan/v1": f.id},
        "properties": {
            "findingId": f.id,
            "verdict": f.verdict.as_str(),
            "entity": f.entity,
            "lineage": f.lineage,
            "policies": f.policies,
            "sha256": f.sha256,
        },
    });
    let related: Vec<Value> = f
        .evidence
        .iter()
        .skip(1)
        .take(9)
        .enumerate()
        .map(|(i, e)| {
            let mut l = location(run, &e.at, e.document);
            l["id"] = json!(i + 1);
            l["message"] = json!({"text": format!("{} = {}", e.field, e.value)});
            l
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    if let Some(w) = &f.waived {
        r["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("{} (approved by {}, expires {})", w.justification, w.approver, w.expires),
        }]);
    }
    r
}

fn strength(s: crate::model::Strength) -> &'static str {
    match s {
        crate::model::Strength::Strong => "strong",
        crate::model::Strength::Medium => "medium",
        crate::model::Strength::Weak => "weak",
    }
}

fn kind(k: crate::model::EvidenceKind) -> &'static str {
    match k {
        crate::model::EvidenceKind::Declares => "declares",
        crate::model::EvidenceKind::BuiltOrSignedBy => "built or signed by",
        crate::model::EvidenceKind::Mentions => "mentions",
    }
}

/// A place as a SARIF location: the file (a virtual path inside an image) and the byte offset
/// or line; a JSON pointer or XML path as a logical location.
fn location(run: &Run<'_>, at: &Location, document: usize) -> Value {
    let doc = run
        .inventory
        .documents
        .get(document)
        .map(|d| d.path.as_str())
        .unwrap_or("");
    match at {
        Location::File(place) => {
            let mut physical = json!({"artifactLocation": artifact(&place.path)});
            if let Some(offset) = place.offset {
                physical["region"] = json!({"byteOffset": offset});
            }
            let mut l = json!({"physicalLocation": physical});
            if let Some(what) = &place.place {
                l["logicalLocations"] = json!([{"name": what, "kind": "element"}]);
            }
            l
        }
        Location::Json { pointer } => json!({
            "physicalLocation": {"artifactLocation": artifact(doc)},
            "logicalLocations": [{"fullyQualifiedName": pointer.to_string(), "kind": "element"}],
        }),
        Location::Xml(place) => json!({
            "physicalLocation": {"artifactLocation": artifact(doc), "region": {"startLine": place.line.max(1)}},
            "logicalLocations": [{"fullyQualifiedName": place.path, "kind": "element"}],
        }),
        Location::Line { line } => json!({
            "physicalLocation": {"artifactLocation": artifact(doc), "region": {"startLine": (*line).max(1)}},
        }),
    }
}

/// A path as given on the command line (or a virtual path under it) as an artifact location:
/// relative to `%SRCROOT%`, or a `file:` URI when absolute.
fn artifact(path: &str) -> Value {
    if let Some(rest) = path.strip_prefix('/') {
        json!({"uri": format!("file:///{}", encode(rest, false))})
    } else {
        json!({"uri": encode(path, true), "uriBaseId": "%SRCROOT%"})
    }
}

/// Percent-encodes what a URI path may not hold; a colon in the first segment of a relative
/// reference too (it would read as a scheme).
pub fn encode(path: &str, relative: bool) -> String {
    let mut out = String::with_capacity(path.len());
    let mut first_segment = relative;
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b) || (b == b':' && !first_segment);
        if b == b'/' {
            first_segment = false;
        }
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            encode("fw.bin!/0x4003:squashfs!/lib/a b.ko", true),
            "fw.bin!/0x4003:squashfs!/lib/a%20b.ko"
        );
        assert_eq!(encode("c:x/y", true), "c%3Ax/y");
        assert_eq!(encode("é%", true), "%C3%A9%25");
        assert_eq!(artifact("/abs/x")["uri"], "file:///abs/x");
    }
}
