//! The audit as a pull-request comment (GitHub-flavoured Markdown): the verdict and coverage in
//! the first lines, counts per policy and entity, the top findings with their strongest
//! evidence and place, the procurement summary, the rest of the findings and the inputs in
//! `<details>` blocks. Whatever the input, the comment stays under [`LIMIT`] bytes (GitHub
//! takes 65,536 characters): lines are added in order of importance while they fit, and a note
//! says what was cut. Input text is escaped so a hostile name cannot format, link, mention or
//! break a table.

use super::audit_table::plural;
use super::summary::{Run, NOT_LEGAL_ADVICE};
use crate::model::Finding;
use std::io::Write;

/// The most bytes a comment takes (bytes ≥ characters, so also under GitHub's character limit).
pub const LIMIT: usize = 65_000;
/// Kept free for the closing tags and the note that something was cut.
const RESERVE: usize = 1_000;
/// Findings shown before the `<details>` block.
const TOP: usize = 10;
/// The longest cell, in characters, before it is cut.
const CELL: usize = 160;

/// Writes the comment.
pub fn write(run: &Run<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render(run).as_bytes())
}

/// Lines added while they fit in the budget; what did not fit is counted.
struct Budget {
    used: usize,
    cut: usize,
}

impl Budget {
    fn push(&mut self, section: &mut String, line: &str) -> bool {
        let n = line.len() + 1;
        if self.cut > 0 || self.used + n > LIMIT - RESERVE {
            self.cut += 1;
            return false;
        }
        self.used += n;
        section.push_str(line);
        section.push('\n');
        true
    }
}

pub fn render(run: &Run<'_>) -> String {
    let audit = run.audit;
    let mut budget = Budget { used: 0, cut: 0 };
    let flagged = run.flagged();
    let policies = run.policies();

    // In order of importance; assembled in reading order below.
    let mut head = String::new();
    let verdict = audit.verdict.as_str();
    budget.push(
        &mut head,
        &format!(
            "## vendorscan: **{verdict}** — {} under {}",
            plural(run.counted() as u64, "finding", "findings"),
            escape(&run.under())
        ),
    );
    budget.push(&mut head, "");
    budget.push(
        &mut head,
        &format!("**Coverage**: {}.  ", escape(&run.coverage_sentence())),
    );
    budget.push(&mut head, &format!("**Examined**: {}.", cell(&run.examined(), 600)));
    if let Some(t) = run.timestamp {
        budget.push(&mut head, &format!("**Generated**: {}", escape(t)));
    }
    if !audit.coverage.causes.is_empty() {
        budget.push(&mut head, "");
    }
    for c in &audit.coverage.causes {
        let more = c.count.saturating_sub(c.places.len() as u64);
        let mut places: Vec<String> = c.places.iter().map(|p| format!("`{}`", code(p))).collect();
        if more > 0 {
            places.push(format!("and {more} more"));
        }
        budget.push(
            &mut head,
            &format!(
                "- incomplete: {} ×{}: {} (at {})",
                c.code,
                c.count,
                cell(&c.reason, CELL),
                places.join(", ")
            ),
        );
    }

    let mut policy_table = String::new();
    budget.push(&mut policy_table, "\n| Policy | Result | Excluded | Review | Waived |");
    budget.push(&mut policy_table, "|---|---|--:|--:|--:|");
    for p in &policies {
        budget.push(
            &mut policy_table,
            &format!(
                "| {} | {} | {} | {} | {} |",
                cell(&p.policy.id, CELL),
                p.result(),
                p.counts.excluded,
                p.counts.review,
                p.counts.waived
            ),
        );
    }

    let mut top = String::new();
    if !flagged.is_empty() {
        budget.push(&mut top, "\n### Findings\n");
        budget.push(&mut top, ROW_HEAD);
        budget.push(&mut top, ROW_RULE);
        for f in flagged.iter().take(TOP) {
            budget.push(&mut top, &row(run, f));
        }
    }

    let mut reconciled = String::new();
    if let Some(r) = &audit.reconciliation {
        budget.push(
            &mut reconciled,
            &format!("\n### Reconciliation with `{}`\n", code(&r.declared_file)),
        );
        budget.push(&mut reconciled, &format!("**Summary**: {}.\n", r.summary.line()));
        if !r.discrepancies.is_empty() {
            budget.push(&mut reconciled, "| Kind | Verdict | Component | Detail |");
            budget.push(&mut reconciled, "|---|---|---|---|");
        }
        for d in &r.discrepancies {
            let component = d.path.clone().unwrap_or_else(|| match &d.version {
                Some(v) => format!("{} {v}", d.name),
                None => d.name.clone(),
            });
            budget.push(
                &mut reconciled,
                &format!(
                    "| {} | {} | `{}` | {} |",
                    d.kind.as_str(),
                    d.verdict.as_str(),
                    code(&component),
                    cell(&d.detail, CELL)
                ),
            );
        }
    }

    let mut procurement = String::new();
    budget.push(&mut procurement, "\n### Procurement summary\n");
    budget.push(&mut procurement, &format!("_{NOT_LEGAL_ADVICE}_\n"));
    budget.push(
        &mut procurement,
        "Examined and coverage: as in the first lines above, for every policy below.\n",
    );
    for p in &policies {
        budget.push(
            &mut procurement,
            &format!(
                "**{}** (`{}`): {}",
                cell(&p.policy.name, 400),
                code(&p.policy.id),
                p.result()
            ),
        );
        budget.push(&mut procurement, "");
        for s in p.statements(run) {
            budget.push(&mut procurement, &format!("- {}", cell(&s, 1_000)));
        }
        for f in p
            .findings
            .iter()
            .filter(|f| f.waived.is_none() && f.path.is_empty())
            .take(3)
        {
            budget.push(
                &mut procurement,
                &format!(
                    "- Evidence: {} — {}: {} (at {})",
                    cell(&run.label(f.component), CELL),
                    cell(&f.entity, CELL),
                    cell(&run.why(f), CELL),
                    where_(run, f)
                ),
            );
        }
        // One block, all or nothing, so a cut never leaves it open.
        let mut cites = format!(
            "\n<details><summary>Cites ({}, from the rule pack)</summary>\n\n",
            plural(p.policy.sources.len() as u64, "source", "sources")
        );
        for s in &p.policy.sources {
            let url = s.url.as_deref().map(|u| format!(" <{}>", url(u))).unwrap_or_default();
            cites.push_str(&format!("- {} ({}){url}\n", cell(&s.title, 400), cell(&s.date, 40)));
        }
        cites.push_str("\n</details>\n");
        budget.push(&mut procurement, &cites);
    }

    let mut entity_table = String::new();
    let mut entities: std::collections::BTreeMap<&str, [usize; 3]> = Default::default();
    for f in &flagged {
        let n = entities.entry(f.entity.as_str()).or_default();
        let k = match (&f.waived, f.verdict) {
            (Some(_), _) => 2,
            (None, crate::model::Verdict::Excluded) => 0,
            (None, _) => 1,
        };
        n[k] += 1;
    }
    if !entities.is_empty() {
        budget.push(&mut entity_table, "\n| Entity | Group | Excluded | Review | Waived |");
        budget.push(&mut entity_table, "|---|---|--:|--:|--:|");
        for (e, [x, r, w]) in &entities {
            let group = flagged
                .iter()
                .find(|f| f.entity == *e)
                .map(|f| f.lineage.join(" → "))
                .unwrap_or_default();
            budget.push(
                &mut entity_table,
                &format!("| {} | {} | {x} | {r} | {w} |", cell(e, CELL), cell(&group, CELL)),
            );
        }
    }

    let mut inputs = String::new();
    budget.push(&mut inputs, "\n<details><summary>Inputs, rules and waivers</summary>\n");
    budget.push(&mut inputs, "| Input | Kind | SHA-256 | Verdict |");
    budget.push(&mut inputs, "|---|---|---|---|");
    for i in run.inputs() {
        budget.push(
            &mut inputs,
            &format!(
                "| {} | {} | `{}` | {} |",
                cell(i.path, CELL),
                cell(&i.kind, 40),
                code(i.sha256),
                i.verdict.as_str()
            ),
        );
    }
    budget.push(&mut inputs, "");
    for p in run.packs() {
        budget.push(&mut inputs, &format!("- rules: {}", cell(&p, 400)));
    }
    if let Some(file) = run.waivers_file {
        budget.push(&mut inputs, &format!("- waivers: {}", cell(file, 400)));
    }
    for (w, n) in run.waivers_applied() {
        budget.push(
            &mut inputs,
            &format!(
                "- waived ({}) by {} until {}: {}",
                plural(n as u64, "finding", "findings"),
                cell(&w.approver, CELL),
                cell(&w.expires, 40),
                cell(&w.justification, 400)
            ),
        );
    }
    let inputs_end = "\n</details>\n";

    let mut rest = String::new();
    let rest_count = flagged.len().saturating_sub(TOP);
    if rest_count > 0 {
        budget.push(
            &mut rest,
            &format!(
                "\n<details><summary>{}</summary>\n",
                plural(rest_count as u64, "more finding", "more findings")
            ),
        );
        budget.push(&mut rest, ROW_HEAD);
        budget.push(&mut rest, ROW_RULE);
        for f in flagged.iter().skip(TOP) {
            budget.push(&mut rest, &row(run, f));
        }
    }

    let mut out = head;
    out.push_str(&policy_table);
    out.push_str(&entity_table);
    out.push_str(&top);
    if !rest.is_empty() {
        out.push_str(&rest);
        out.push_str("\n</details>\n");
    }
    out.push_str(&reconciled);
    let mentions = run.mentions().len();
    if mentions > 0 {
        out.push_str(&format!(
            "\nMentions of covered vendors (named, not shown to have made or supplied anything): {mentions}, listed in \
             the JSON and HTML reports.\n"
        ));
    }
    out.push_str(&procurement);
    if !inputs.is_empty() {
        out.push_str(&inputs);
        out.push_str(inputs_end);
    }
    if budget.cut > 0 {
        out.push_str(&format!(
            "\n_Cut to stay under GitHub's comment limit: {} left out. The JSON and HTML reports hold everything._\n",
            plural(budget.cut as u64, "line", "lines")
        ));
    }
    out
}

const ROW_HEAD: &str = "| Verdict | Component | Entity | Policies | Evidence | Where |";
const ROW_RULE: &str = "|---|---|---|---|---|---|";

fn row(run: &Run<'_>, f: &Finding) -> String {
    let verdict = match f.waived {
        Some(_) => format!("{} (waived)", f.verdict.as_str()),
        None => format!("**{}**", f.verdict.as_str()),
    };
    let evidence = match f.evidence.first() {
        Some(e) if f.path.is_empty() => format!("{} ({}): {}", cell(&e.field, 40), e.grade(), cell(&e.value, CELL)),
        _ => cell(&run.why(f), CELL),
    };
    format!(
        "| {verdict} | {} | {} | {} | {evidence} | {} |",
        cell(&run.label(f.component), CELL),
        cell(&f.lineage.join(" → "), CELL),
        cell(&f.policies.join(", "), CELL),
        where_(run, f)
    )
}

/// The place of the strongest evidence (or of the component, for an inherited finding), as
/// code.
fn where_(run: &Run<'_>, f: &Finding) -> String {
    let place = match f.evidence.first() {
        Some(e) if f.path.is_empty() => run.place(e),
        _ => run.component_place(f.component),
    };
    format!("`{}`", code(&cut(&place, CELL)))
}

/// Input text cut to `max` characters and escaped.
fn cell(s: &str, max: usize) -> String {
    escape(&cut(s, max))
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Escapes text for Markdown running text and table cells: control characters and bidi
/// overrides as `\u{…}` (as on a terminal), the characters that format, link, or end a cell
/// backslash-escaped, HTML's as entities, and an `@` or `#` that starts a word followed by a word
/// joiner so a name does not mention a user or link an issue.
pub fn escape(s: &str) -> String {
    let s = super::text::escape(s);
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev = ' ';
    for c in s.chars() {
        // GitHub links `@user` and `#12` only after a character that cannot be in a word or a
        // path: `pkg:npm/a@1.0` stays as written.
        let linkable = !(prev.is_alphanumeric() || matches!(prev, '-' | '_' | '/' | '.'));
        prev = c;
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' | '#' if linkable => {
                out.push(c);
                out.push('\u{2060}');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text for inside a code span: backticks cannot end it (they become `ˋ`), `|` cannot end a
/// table cell, control characters are escaped.
fn code(s: &str) -> String {
    super::text::escape(s).replace('`', "ˋ").replace('|', "\\|")
}

/// A URL for an angle-bracket autolink: characters that would end it percent-encoded.
fn url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' | '>' | ' ' | '|' | '`' | '\\' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() => out.push_str(&format!("%{:02X}", c as u32 & 0xff)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_format_link_or_mention() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(escape("`x`"), "\\`x\\`");
        assert_eq!(escape("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(escape("@octocat"), "@\u{2060}octocat");
        assert_eq!(escape("see #12"), "see #\u{2060}12");
        assert_eq!(escape("pkg:npm/a@1.0"), "pkg:npm/a@1.0");
        assert_eq!(escape("line\nbreak"), "line\\\\nbreak");
        assert_eq!(code("a`b|c"), "aˋb\\|c");
        assert_eq!(url("https://x.example/a b>"), "https://x.example/a%20b%3E");
    }

    #[test]
    fn cells_are_cut_on_character_boundaries() {
        assert_eq!(cut("华为技术有限公司", 2), "华为…");
        assert_eq!(cut("short", 10), "short");
    }
}
