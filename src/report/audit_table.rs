//! The audit for people. Rows in the order an auditor reads them — excluded, then incomplete
//! targets, then review; waived findings after the unwaived ones of their verdict — each with the
//! component (a file by its virtual path), the entity, the policies and the strongest evidence
//! (or the path, for an inherited finding). Each entity's place in its group is spelled out
//! once, below the table. Mentions are no policy's business: they get a section of their own
//! with `verbose`, and a count without. Then the rule packs, the coverage, the verdict, and one
//! line per cause of incompleteness.

use super::table::Table;
use super::text::escape;
use crate::model::{ComponentId, Coverage, Finding, Inventory, Location, Origin, Overall, Verdict};
use crate::rules::{Audit, RuleSet};
use anstyle::{AnsiColor, Style};
use std::collections::BTreeSet;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How the table is laid out for where it goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Look {
    /// Verdicts in colour (a terminal that wants it).
    pub color: bool,
    /// The terminal's width, when printing to one: long virtual paths are shortened in the
    /// middle to fit. `None` prints them whole (a file or a pipe).
    pub width: Option<usize>,
}

/// "1 finding", "2 findings".
pub fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

fn style(verdict: &str) -> Style {
    let color = match verdict {
        "excluded" => AnsiColor::Red,
        "incomplete" => AnsiColor::Magenta,
        "review" => AnsiColor::Yellow,
        "clear" => AnsiColor::Green,
        _ => return Style::new().dimmed(),
    };
    Style::new().bold().fg_color(Some(color.into()))
}

fn paint(text: &str, verdict: &str, look: Look) -> String {
    if look.color {
        let s = style(verdict);
        format!("{}{text}{}", s.render(), s.render_reset())
    } else {
        text.to_string()
    }
}

/// A component as a person finds it: a walked file by its virtual path, anything else by name
/// and version.
fn label(inv: &Inventory, id: ComponentId) -> String {
    let c = inv.component(id);
    if c.origin == Origin::File {
        if let Location::File(place) = &c.at {
            return place.path.to_string();
        }
    }
    match &c.version {
        Some(v) => format!("{} {v}", c.name),
        None => c.name.to_string(),
    }
}

/// Shortens `s` to `max` columns by cutting its middle: `fw.bin!/0x30…/www/index.html`.
fn shorten(s: &str, max: usize) -> String {
    if s.width() <= max || max < 5 {
        return s.to_string();
    }
    let keep = max - 1;
    let (head_cols, tail_cols) = (keep / 3, keep - keep / 3);
    let mut head = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = ch.width().unwrap_or(0);
        if w + cw > head_cols {
            break;
        }
        head.push(ch);
        w += cw;
    }
    let mut tail: Vec<char> = Vec::new();
    let mut w = 0;
    for ch in s.chars().rev() {
        let cw = ch.width().unwrap_or(0);
        if w + cw > tail_cols {
            break;
        }
        tail.push(ch);
        w += cw;
    }
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

/// The strongest direct evidence; for a part marked only through what it contains, the path.
fn why(inv: &Inventory, f: &Finding) -> String {
    match f.evidence.first() {
        Some(e) => format!("{} = {}", e.field, e.value),
        None => via(inv, f),
    }
}

fn via(inv: &Inventory, f: &Finding) -> String {
    let steps: Vec<String> = f.path.iter().map(|&id| label(inv, id)).collect();
    format!("via {}", steps.join(" → "))
}

/// An entity's place in its group, spelled out: `hisilicon — subsidiary of huawei (since
/// 2004-10)`, up to the root.
fn lineage(rules: &RuleSet, id: &str) -> Option<String> {
    let entity = rules.entities.iter().find(|e| e.id == id)?;
    let parent = entity.parent.as_deref()?;
    let relation = match entity.relation {
        Some(r) => serde_json::to_value(r)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "part".to_string()),
        None => "part".to_string(),
    };
    let mut text = format!("{id} — {relation} of {parent}");
    match (entity.since, entity.until) {
        (Some(since), Some(until)) => text.push_str(&format!(" (from {since} until {until})")),
        (Some(since), None) => text.push_str(&format!(" (since {since})")),
        (None, Some(until)) => text.push_str(&format!(" (until {until})")),
        (None, None) => {}
    }
    Some(text)
}

pub fn render(inv: &Inventory, audit: &Audit, rules: &RuleSet, verbose: bool, look: Look) -> String {
    let component_width = look.width.map(|w| (w * 2 / 5).max(24));
    let cell = |id: ComponentId| {
        let text = escape(&label(inv, id)).into_owned();
        match component_width {
            Some(max) => shorten(&text, max),
            None => text,
        }
    };
    // Rows by verdict, strongest first, waived ones after the rest of their verdict.
    let rank = |v: Verdict| match v {
        Verdict::Excluded => 0,
        Verdict::Review => 2,
        Verdict::Mention => 3,
    };
    let mut flagged: Vec<&Finding> = audit.findings.iter().filter(|f| f.verdict > Verdict::Mention).collect();
    flagged.sort_by_key(|f| (rank(f.verdict), f.waived.is_some()));
    let mentions: Vec<&Finding> = audit
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Mention)
        .collect();

    let mut table = Table::new(vec!["VERDICT", "COMPONENT", "ENTITY", "POLICIES", "EVIDENCE"]);
    let mut entities = BTreeSet::new();
    let mut push = |table: &mut Table, f: &'_ Finding| {
        let verdict = f.verdict.as_str();
        let shown = match &f.waived {
            Some(_) => format!("{verdict} (waived)"),
            None => verdict.to_string(),
        };
        entities.insert(f.entity.clone());
        table.row_styled(
            vec![
                shown,
                cell(f.component),
                f.entity.clone(),
                f.policies.join(", "),
                escape(&why(inv, f)).into_owned(),
            ],
            look.color.then(|| style(verdict)),
        );
    };
    let (excluded, review): (Vec<&Finding>, Vec<&Finding>) =
        flagged.iter().partition(|f| f.verdict == Verdict::Excluded);
    for f in excluded {
        push(&mut table, f);
    }
    for t in audit.targets.iter().filter(|t| t.unexamined > 0) {
        table.row_styled(
            vec![
                "incomplete".to_string(),
                escape(&t.path).into_owned(),
                String::new(),
                String::new(),
                format!("{} not examined (causes below)", plural(t.unexamined, "part", "parts")),
            ],
            look.color.then(|| style("incomplete")),
        );
    }
    for f in review {
        push(&mut table, f);
    }

    let mut out = String::new();
    if !table.is_empty() {
        out.push_str(&table.render());
    }
    let spelled: Vec<String> = entities.iter().filter_map(|e| lineage(rules, e)).collect();
    if !spelled.is_empty() {
        out.push_str("\nentities:\n");
        for line in spelled {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if verbose && !mentions.is_empty() {
        let mut t = Table::new(vec!["MENTION", "ENTITY", "EVIDENCE"]);
        for f in &mentions {
            t.row(vec![
                cell(f.component),
                f.entity.clone(),
                escape(&why(inv, f)).into_owned(),
            ]);
        }
        out.push_str("\nmentions (named, not shown to have made or supplied anything; no policy covers a mention):\n");
        out.push_str(&t.render());
    } else if !mentions.is_empty() {
        out.push_str(&format!(
            "\n{} of covered vendors not shown; -v lists them\n",
            plural(mentions.len() as u64, "mention", "mentions")
        ));
    }
    if verbose {
        out.push_str(&details(inv, flagged.iter().copied().chain(mentions.iter().copied())));
    }
    if let Some(r) = &audit.reconciliation {
        out.push_str(&reconciliation_lines(r, verbose, look));
    }
    for p in &rules.packs {
        out.push_str(&format!(
            "\nrules: {} {} sha256:{} ({})",
            p.id, p.version, p.sha256, p.origin
        ));
    }
    out.push('\n');
    out.push_str(&coverage_lines(&audit.coverage));
    out.push_str(&verdict_lines(audit, look));
    out
}

/// `audit --declared`: one row per difference (kind, verdict, the component by its virtual path
/// or its declared name, what differs), then the summary line; `-v` adds how each declared
/// component was tied.
fn reconciliation_lines(r: &crate::model::Reconciliation, verbose: bool, look: Look) -> String {
    let mut out = format!("\nreconciliation with {}:\n", escape(&r.declared_file));
    if !r.discrepancies.is_empty() {
        let mut t = Table::new(vec!["KIND", "VERDICT", "COMPONENT", "DETAIL"]);
        for d in &r.discrepancies {
            let component = match (&d.path, &d.version) {
                (Some(p), _) => p.clone(),
                (None, Some(v)) => format!("{} {v}", d.name),
                (None, None) => d.name.clone(),
            };
            t.row_styled(
                vec![
                    d.kind.as_str().to_string(),
                    d.verdict.as_str().to_string(),
                    escape(&component).into_owned(),
                    escape(&d.detail).into_owned(),
                ],
                look.color.then(|| style(d.verdict.as_str())),
            );
        }
        out.push_str(&t.render());
    }
    if verbose && !r.matches.is_empty() {
        let mut t = Table::new(vec!["DECLARED", "MATCHED BY"]);
        for m in &r.matches {
            let name = match &m.declared.version {
                Some(v) => format!("{} {v}", m.declared.name),
                None => m.declared.name.clone(),
            };
            t.row(vec![escape(&name).into_owned(), m.by.as_str().to_string()]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&format!("reconciliation: {}\n", r.summary.line()));
    out
}

/// `-v`: every piece of evidence with its grade and place; for an inherited finding, its path.
fn details<'a>(inv: &Inventory, findings: impl Iterator<Item = &'a Finding>) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("\n{} — {}:\n", escape(&label(inv, f.component)), f.entity));
        if !f.path.is_empty() {
            out.push_str(&format!("  {}\n", escape(&via(inv, f))));
        }
        for e in &f.evidence {
            // A place in a walked file names its file (the virtual path) itself.
            let at = match &e.at {
                Location::File(_) => e.at.to_string(),
                _ => format!("{}: {}", inv.documents[e.document].path, e.at),
            };
            out.push_str(&format!(
                "  {} {} = {}  at {}\n",
                e.grade(),
                e.field,
                escape(&e.value),
                escape(&at)
            ));
        }
        for n in &f.notes {
            out.push_str(&format!("  note: {}\n", escape(n)));
        }
        if let Some(w) = &f.waived {
            out.push_str(&format!(
                "  waived by {} until {}: {}\n",
                escape(&w.approver),
                w.expires,
                escape(&w.justification)
            ));
        }
    }
    out
}

/// The verdict line, then one line per cause of incompleteness: never `clear` for a run that
/// could not look everywhere.
fn verdict_lines(audit: &Audit, look: Look) -> String {
    let counted = audit
        .findings
        .iter()
        .filter(|f| f.verdict > Verdict::Mention && f.waived.is_none())
        .count() as u64;
    let under = if audit.policies.is_empty() {
        "no policy".to_string()
    } else {
        audit.policies.join(", ")
    };
    let findings = plural(counted, "finding", "findings");
    let causes = &audit.coverage.causes;
    let word = paint(audit.verdict.as_str(), audit.verdict.as_str(), look);
    let mut out = match audit.verdict {
        Overall::Incomplete => format!(
            "verdict: {word} ({findings} under {under}; not everything could be examined: {})\n",
            plural(causes.len() as u64, "cause", "causes")
        ),
        _ if !causes.is_empty() => format!(
            "verdict: {word} ({findings} under {under}); also incomplete: {}\n",
            plural(causes.len() as u64, "cause", "causes")
        ),
        _ => format!("verdict: {word} ({findings} under {under})\n"),
    };
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
        "coverage: {}{unreadable}, {} read; {} analysed ({}); {} hit\n",
        plural(c.targets, "target", "targets"),
        plural(c.bytes_read, "byte", "bytes"),
        plural(c.files_analysed, "file", "files"),
        plural(c.bytes_analysed, "byte", "bytes"),
        plural(c.limits_hit, "limit", "limits"),
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
            "suppliers: no packages listed ({} in all)\n",
            plural(c.components, "component", "components")
        ));
    } else {
        out.push_str(&format!(
            "suppliers: {} of {} name a supplier, manufacturer, author or originator ({:.1}%)\n",
            c.packages - c.packages_without_supplier,
            plural(c.packages, "package", "packages"),
            c.supplier_percent()
        ));
    }
    if !c.skipped.is_empty() {
        let paths: Vec<String> = c.skipped.iter().take(5).map(|s| escape(&s.path).into_owned()).collect();
        let more = c.skipped.len().saturating_sub(paths.len());
        out.push_str(&format!(
            "skipped on purpose: {}: {}{}\n",
            plural(c.skipped.len() as u64, "path", "paths"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_are_cut_in_the_middle_to_the_width() {
        let p = "fw.bin!/0x30000:squashfs!/usr/lib/modules/5.10/extra/hisi_vendor.ko";
        let s = shorten(p, 30);
        assert_eq!(s.width(), 30);
        assert!(s.starts_with("fw.bin!/0"), "{s}");
        assert!(s.ends_with("hisi_vendor.ko"), "{s}");
        assert!(s.contains('…'));
        assert_eq!(shorten("short", 30), "short");
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1u64, "finding", "findings"), "1 finding");
        assert_eq!(plural(0u64, "finding", "findings"), "0 findings");
        assert_eq!(plural(2u64, "cause", "causes"), "2 causes");
    }
}
