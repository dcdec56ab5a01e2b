//! The audit for people: one line per flagged component — verdict, entity with its parents,
//! policies, and the strongest evidence (or the path, for a transitive finding). `verbose`
//! lists mentions too and every piece of evidence with its location.

use super::table::Table;
use super::text::escape;
use crate::model::{Finding, Inventory, Location, Overall, Verdict};
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
    let verdict = match audit.verdict {
        Overall::Clear => "clear",
        Overall::Review => "review",
        Overall::Excluded => "excluded",
    };
    for p in packs {
        out.push_str(&format!(
            "\nrules: {} {} sha256:{} ({})",
            p.id, p.version, p.sha256, p.origin
        ));
    }
    out.push_str(&format!(
        "\nverdict: {verdict} ({} finding(s) under {})\n",
        audit
            .findings
            .iter()
            .filter(|f| f.verdict > Verdict::Mention && f.waived.is_none())
            .count(),
        if audit.policies.is_empty() {
            "no policy".to_string()
        } else {
            audit.policies.join(", ")
        }
    ));
    out
}
