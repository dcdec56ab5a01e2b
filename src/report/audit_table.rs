//! The audit for people: one line per flagged component — verdict, entity with its parents,
//! policies, and the strongest evidence (or the path, for a transitive finding). `verbose`
//! lists mentions too and every piece of evidence with its location.

use super::table::Table;
use super::text::escape;
use crate::model::{Coverage, Finding, Inventory, Location, Overall, Verdict};
use crate::rules::load::Pack;
use crate::rules::Audit;

fn label(inv: &Inventory, id: crate::model::ComponentId) -> String {
    let c = inv.component(id);
    match &c.version {
        Some(v) => format!("{} {v}", c.name),
        None => c.name.to_string(),
    }
}

fn why(inv: &Inventory, f: &Finding) -> String {
    if !f.path.is_empty() {
        let steps: Vec<String> = f.path.iter().map(|&id| label(inv, id)).collect();
        return format!("via {}", steps.join(" → "));
    }
    match f.evidence.first() {
        Some(e) => format!("{} = {}", e.field, e.value),
        None => String::new(),
    }
}

pub fn render(inv: &Inventory, audit: &Audit, packs: &[Pack], verbose: bool) -> String {
    let mut table = Table::new(vec!["VERDICT", "COMPONENT", "ENTITY", "POLICIES", "EVIDENCE"]);
    let mut hidden_mentions = 0;
    let mut details = String::new();
    for f in &audit.findings {
        if f.verdict == Verdict::Mention && !verbose {
            hidden_mentions += 1;
            continue;
        }
        let verdict = match &f.waived {
            Some(_) => format!("{} (waived)", f.verdict.as_str()),
            None => f.verdict.as_str().to_string(),
        };
        table.row(vec![
            verdict,
            escape(&label(inv, f.component)).into_owned(),
            f.lineage.join(" < "),
            f.policies.join(", "),
            escape(&why(inv, f)).into_owned(),
        ]);
        if verbose {
            details.push_str(&format!("{} — {}:\n", escape(&label(inv, f.component)), f.entity));
            for e in &f.evidence {
                // A place in a walked file names its file (the virtual path) itself.
                let at = match &e.at {
                    Location::File(_) => e.at.to_string(),
                    _ => format!("{}: {}", inv.documents[e.document].path, e.at),
                };
                details.push_str(&format!(
                    "  {:?}/{:?} {} = {}  at {}\n",
                    e.kind,
                    e.strength,
                    e.field,
                    escape(&e.value),
                    escape(&at)
                ));
            }
            for n in &f.notes {
                details.push_str(&format!("  note: {}\n", escape(n)));
            }
            if let Some(w) = &f.waived {
                details.push_str(&format!(
                    "  waived by {} until {}: {}\n",
                    escape(&w.approver),
                    w.expires,
                    escape(&w.justification)
                ));
            }
        }
    }
    let mut out = String::new();
    if !table.is_empty() {
        out.push_str(&table.render());
    }
    if !details.is_empty() {
        out.push('\n');
        out.push_str(&details);
    }
    if hidden_mentions > 0 {
        out.push_str(&format!(
            "\n{hidden_mentions} mention(s) of covered vendors not shown; -v lists them\n"
        ));
    }
    for p in packs {
        out.push_str(&format!(
            "\nrules: {} {} sha256:{} ({})",
            p.id, p.version, p.sha256, p.origin
        ));
    }
    out.push('\n');
    out.push_str(&coverage_lines(&audit.coverage));
    let counted = audit
        .findings
        .iter()
        .filter(|f| f.verdict > Verdict::Mention && f.waived.is_none())
        .count();
    let under = if audit.policies.is_empty() {
        "no policy".to_string()
    } else {
        audit.policies.join(", ")
    };
    let causes = &audit.coverage.causes;
    match audit.verdict {
        Overall::Incomplete => out.push_str(&format!(
            "verdict: incomplete ({} finding(s) under {under}; not everything could be examined: {} cause(s))\n",
            counted,
            causes.len()
        )),
        v if !causes.is_empty() => out.push_str(&format!(
            "verdict: {} ({counted} finding(s) under {under}); also incomplete: {} cause(s)\n",
            v.as_str(),
            causes.len()
        )),
        v => out.push_str(&format!(
            "verdict: {} ({counted} finding(s) under {under})\n",
            v.as_str()
        )),
    }
    for c in causes {
        let more = c.count.saturating_sub(c.places.len() as u64);
        let places = c
            .places
            .iter()
            .map(|p| escape(p).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        let places = if more > 0 {
            format!("{places} and {more} more")
        } else {
            places
        };
        out.push_str(&format!(
            "  incomplete: {} x{}: {} (at {places})\n",
            c.code,
            c.count,
            escape(&c.reason)
        ));
    }
    out
}

/// The coverage footer: what was read, what was opened, how many packages name a supplier, and
/// what was left out on purpose. Each line starts with its subject, for people and for grep.
pub fn coverage_lines(c: &Coverage) -> String {
    let mut out = String::new();
    let unreadable = if c.unreadable_targets > 0 {
        format!(" ({} unreadable)", c.unreadable_targets)
    } else {
        String::new()
    };
    out.push_str(&format!(
        "coverage: {} target(s){unreadable}, {} bytes read; {} file(s) analysed ({} bytes); {} limit(s) hit\n",
        c.targets, c.bytes_read, c.files_analysed, c.bytes_analysed, c.limits_hit
    ));
    if !c.containers.is_empty() {
        let (mut opened, mut damaged, mut not_unpacked) = (Vec::new(), Vec::new(), Vec::new());
        for (kind, n) in &c.containers {
            for (list, count) in [
                (&mut opened, n.opened),
                (&mut damaged, n.damaged),
                (&mut not_unpacked, n.not_unpacked),
            ] {
                if count > 0 {
                    list.push(format!("{kind} {count}"));
                }
            }
        }
        let part = |what: &str, list: &[String]| -> Option<String> {
            (!list.is_empty()).then(|| format!("{what} {}", list.join(", ")))
        };
        let parts: Vec<String> = [
            part("opened", &opened),
            part("damaged", &damaged),
            part("not unpacked", &not_unpacked),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.push_str(&format!("containers: {}\n", parts.join("; ")));
    }
    if c.packages == 0 {
        out.push_str(&format!(
            "suppliers: no packages listed ({} component(s) in all)\n",
            c.components
        ));
    } else {
        out.push_str(&format!(
            "suppliers: {} of {} package(s) name a supplier, manufacturer, author or originator ({:.1}%)\n",
            c.packages - c.packages_without_supplier,
            c.packages,
            c.supplier_percent()
        ));
    }
    if !c.skipped.is_empty() {
        let paths: Vec<String> = c.skipped.iter().take(5).map(|s| escape(&s.path).into_owned()).collect();
        let more = c.skipped.len().saturating_sub(paths.len());
        out.push_str(&format!(
            "skipped on purpose: {} path(s): {}{}\n",
            c.skipped.len(),
            paths.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    out
}
