//! The audit as one self-contained HTML file, for a contracting officer to read, print and
//! file: a verdict banner, the coverage, the procurement summary per policy, every finding with
//! its full evidence chain, locations and dependency path, the inventory (collapsed, with a
//! search box), the inputs with their SHA-256, the rule packs and the waivers.
//!
//! Inline CSS and one inline script (the inventory search, and opening every `<details>` before
//! printing); a Content-Security-Policy allows nothing else — no network, and no script but that
//! one, by its hash — so the file works offline and a name that slipped past escaping could not
//! run. Every piece of input text is escaped (`&<>"'`, and control and bidi characters as on a
//! terminal). The banner is `id="verdict"` with `data-verdict` and `data-findings` (unwaived
//! findings at review or above); each finding is an `<article class="finding">`.

use super::audit_table::plural;
use super::summary::{Run, NOT_LEGAL_ADVICE};
use crate::model::Finding;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write;

const SCRIPT: &str = "\
var q=document.getElementById('filter');\
q.addEventListener('input',function(){var t=q.value.toLowerCase();\
document.querySelectorAll('#inventory tbody tr').forEach(function(r){\
r.hidden=t!==''&&r.textContent.toLowerCase().indexOf(t)<0;});\
document.getElementById('inventory').open=true;});\
window.addEventListener('beforeprint',function(){\
document.querySelectorAll('details').forEach(function(d){d.open=true;});});";

const STYLE: &str = "\
:root{--excluded:#b3261e;--incomplete:#7b1fa2;--review:#a05a00;--clear:#1b6e20;--line:#d0d0d0}\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1a1a1a;max-width:1100px;margin:0 auto;padding:16px}\
h1{margin:0;font-size:26px}h2{font-size:19px;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:28px}\
h3{font-size:16px;margin:14px 0 6px}\
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}\
#verdict{color:#fff;padding:14px 18px;border-radius:6px}#verdict p{margin:4px 0 0}\
.excluded{--c:var(--excluded)}.incomplete{--c:var(--incomplete)}.review{--c:var(--review)}.clear{--c:var(--clear)}.mention{--c:#555}\
#verdict{background:var(--c)}.badge{display:inline-block;color:#fff;background:var(--c);border-radius:3px;padding:0 6px;font-weight:600}\
article.finding{border:1px solid var(--line);border-left:5px solid var(--c);border-radius:4px;padding:8px 12px;margin:10px 0;break-inside:avoid}\
article.finding h3{margin:0 0 4px}article.waived{opacity:.75}.note{color:#555}\
.policy{border:1px solid var(--line);border-left:5px solid var(--c);padding:6px 12px;margin:10px 0;break-inside:avoid}\
.disclaimer{background:#fff8e1;border:1px solid #e0c060;padding:6px 10px}\
input#filter{width:100%;padding:4px;margin:6px 0;font:inherit}\
summary{cursor:pointer;font-weight:600}footer{margin-top:30px;color:#555;font-size:12px}\
@media print{body{max-width:none;padding:0;font-size:11px}input#filter{display:none}\
#verdict,.badge{print-color-adjust:exact;-webkit-print-color-adjust:exact}\
h2{break-after:avoid}a{color:inherit;text-decoration:none}}";

/// Writes the report.
pub fn write(run: &Run<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render(run).as_bytes())
}

pub fn render(run: &Run<'_>) -> String {
    let audit = run.audit;
    let verdict = audit.verdict.as_str();
    let counted = run.counted();
    let script_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>vendorscan audit: {verdict}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = write!(
        h,
        "<header id=\"verdict\" class=\"{verdict}\" data-verdict=\"{verdict}\" data-findings=\"{counted}\">\n\
         <h1>Verdict: {verdict}</h1>\n<p>{} under {}</p>\n<p>Coverage {}.</p>\n</header>\n",
        plural(counted as u64, "finding", "findings"),
        e(&run.under()),
        e(&run.coverage_sentence())
    );

    coverage(&mut h, run);
    procurement(&mut h, run);
    findings(&mut h, run);
    reconciliation(&mut h, run);
    inventory(&mut h, run);
    inputs(&mut h, run);

    let _ = write!(
        h,
        "<footer>Written by {} {}{}. Reporters render what the audit decided; docs/reports.md describes this report.</footer>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        run.timestamp.map(|t| format!(" at {}", e(t))).unwrap_or_default()
    );
    h
}

fn coverage(h: &mut String, run: &Run<'_>) {
    let c = &run.audit.coverage;
    h.push_str("<section id=\"coverage\">\n<h2>Coverage</h2>\n<table>\n");
    let rows: [(&str, String); 6] = [
        ("complete", if c.complete { "yes" } else { "no" }.to_string()),
        (
            "targets",
            format!("{} ({} unreadable)", c.targets, c.unreadable_targets),
        ),
        ("bytes read", c.bytes_read.to_string()),
        (
            "files analysed",
            format!("{} ({} bytes after unpacking)", c.files_analysed, c.bytes_analysed),
        ),
        ("limits hit", c.limits_hit.to_string()),
        (
            "suppliers",
            if c.packages == 0 {
                format!(
                    "no packages listed ({} in all)",
                    plural(c.components, "component", "components")
                )
            } else {
                format!(
                    "{} of {} name a supplier, manufacturer, author or originator ({:.1}%)",
                    c.packages - c.packages_without_supplier,
                    plural(c.packages, "package", "packages"),
                    c.supplier_percent()
                )
            },
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{}</td></tr>", e(&v));
    }
    h.push_str("</table>\n");
    if !c.containers.is_empty() {
        h.push_str("<h3>Containers</h3>\n<table><thead><tr><th>format</th><th>opened</th><th>damaged</th><th>not unpacked</th></tr></thead><tbody>\n");
        for (kind, n) in &c.containers {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                e(kind),
                n.opened,
                n.damaged,
                n.not_unpacked
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if !c.causes.is_empty() {
        h.push_str("<h3>Not examined (causes of incompleteness)</h3>\n<table id=\"causes\"><thead><tr><th>code</th><th>count</th><th>reason (first)</th><th>places (first)</th></tr></thead><tbody>\n");
        for cause in &c.causes {
            let more = cause.count.saturating_sub(cause.places.len() as u64);
            let mut places: Vec<String> = cause.places.iter().map(|p| format!("<code>{}</code>", e(p))).collect();
            if more > 0 {
                places.push(format!("and {more} more"));
            }
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                e(cause.code),
                cause.count,
                e(&cause.reason),
                places.join("<br>")
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if !c.skipped.is_empty() {
        let _ = writeln!(
            h,
            "<details><summary>Skipped on purpose: {}</summary><ul>",
            plural(c.skipped.len() as u64, "path", "paths")
        );
        for s in &c.skipped {
            let _ = writeln!(h, "<li><code>{}</code></li>", e(&s.path));
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str("</section>\n");
}

fn procurement(h: &mut String, run: &Run<'_>) {
    h.push_str("<section id=\"procurement\">\n<h2>Procurement summary</h2>\n");
    let _ = writeln!(h, "<p class=\"disclaimer\">{}</p>", e(NOT_LEGAL_ADVICE));
    h.push_str("<table><thead><tr><th>policy</th><th>result</th><th>excluded</th><th>review</th><th>waived</th></tr></thead><tbody>\n");
    let policies = run.policies();
    for p in &policies {
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#policy-{id}\">{id}</a></td><td><span class=\"badge {s}\">{s}</span> {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            e(p.result()),
            p.counts.excluded,
            p.counts.review,
            p.counts.waived,
            id = e(&p.policy.id),
            s = p.status.as_str(),
        );
    }
    h.push_str("</tbody></table>\n");
    for p in &policies {
        let _ = writeln!(
            h,
            "<div class=\"policy {s}\" id=\"policy-{id}\">\n<h3>{} <code>{id}</code></h3>\n<ul>",
            e(&p.policy.name),
            s = p.status.as_str(),
            id = e(&p.policy.id)
        );
        for s in run.examined_statements().into_iter().chain(p.statements(run)) {
            let _ = writeln!(h, "<li>{}</li>", e(&s));
        }
        h.push_str("</ul>\n");
        // The parts themselves; what contains them is under Findings with its path.
        let evidence: Vec<&&Finding> = p
            .findings
            .iter()
            .filter(|f| f.waived.is_none() && f.path.is_empty())
            .collect();
        if !evidence.is_empty() {
            h.push_str("<p>Evidence, the strongest per part (the full chain under Findings):</p>\n<ul>\n");
            for f in evidence {
                let _ = writeln!(
                    h,
                    "<li><span class=\"badge {v}\">{v}</span> {} — {}: {}</li>",
                    e(&run.label(f.component)),
                    e(&f.entity),
                    e(&run.why(f)),
                    v = f.verdict.as_str()
                );
            }
            h.push_str("</ul>\n");
        }
        h.push_str("<p>Cites (from the rule pack):</p>\n<ul>\n");
        for s in &p.policy.sources {
            match s
                .url
                .as_deref()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            {
                Some(u) => {
                    let _ = writeln!(h, "<li><a href=\"{}\">{}</a> ({})</li>", e(u), e(&s.title), e(&s.date));
                }
                None => {
                    let _ = writeln!(h, "<li>{} ({})</li>", e(&s.title), e(&s.date));
                }
            }
        }
        h.push_str("</ul>\n");
        if let Some(note) = &p.policy.note {
            let _ = writeln!(
                h,
                "<details><summary>The rule pack's note</summary><p>{}</p></details>",
                e(note)
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
}

fn findings(h: &mut String, run: &Run<'_>) {
    let flagged = run.flagged();
    let _ = writeln!(h, "<section id=\"findings\">\n<h2>Findings: {}</h2>", flagged.len());
    if flagged.is_empty() {
        h.push_str("<p>No finding at review or above.</p>\n");
    }
    for (i, f) in flagged.iter().enumerate() {
        finding(h, run, f, i + 1);
    }
    let mentions = run.mentions();
    if !mentions.is_empty() {
        let _ = writeln!(
            h,
            "<details id=\"mentions\"><summary>{} (named, not shown to have made or supplied anything; no policy covers a mention)</summary>\n\
             <table><thead><tr><th>component</th><th>entity</th><th>evidence</th><th>where</th></tr></thead><tbody>",
            plural(mentions.len() as u64, "mention", "mentions")
        );
        for f in mentions {
            let place = f.evidence.first().map(|x| run.place(x)).unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr class=\"mention\"><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                e(&run.label(f.component)),
                e(&f.entity),
                e(&run.why(f)),
                e(&place)
            );
        }
        h.push_str("</tbody></table></details>\n");
    }
    h.push_str("</section>\n");
}

/// `audit --declared`: the summary line and one row per difference.
fn reconciliation(h: &mut String, run: &Run<'_>) {
    let Some(r) = &run.audit.reconciliation else {
        return;
    };
    let _ = writeln!(
        h,
        "<section id=\"reconciliation\">\n<h2>Reconciliation with {}</h2>\n<p id=\"reconcile-summary\">{}</p>",
        e(&r.declared_file),
        e(&r.summary.line())
    );
    if !r.discrepancies.is_empty() {
        h.push_str(
            "<table><thead><tr><th>kind</th><th>verdict</th><th>component</th><th>detail</th></tr></thead><tbody>\n",
        );
        for d in &r.discrepancies {
            let component = d.path.clone().unwrap_or_else(|| match &d.version {
                Some(v) => format!("{} {v}", d.name),
                None => d.name.clone(),
            });
            let _ = writeln!(
                h,
                "<tr class=\"{}\" data-kind=\"{}\" id=\"{}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                d.verdict.as_str(),
                d.kind.as_str(),
                e(&d.id),
                d.kind.as_str(),
                d.verdict.as_str(),
                e(&component),
                e(&d.detail)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</section>\n");
}

fn finding(h: &mut String, run: &Run<'_>, f: &Finding, n: usize) {
    let v = f.verdict.as_str();
    let waived = if f.waived.is_some() { " waived" } else { "" };
    let c = run.inventory.component(f.component);
    let _ = writeln!(
        h,
        "<article class=\"finding {v}{waived}\" id=\"finding-{n}\" data-verdict=\"{v}\">\n\
         <h3><span class=\"badge {v}\">{v}{}</span> {}</h3>",
        if waived.is_empty() { "" } else { " (waived)" },
        e(&run.label(f.component))
    );
    h.push_str("<table>\n");
    let _ = writeln!(
        h,
        "<tr><th>entity</th><td>{}</td></tr>\n<tr><th>policies</th><td>{}</td></tr>",
        e(&f.lineage.join(" → ")),
        e(&f.policies.join(", "))
    );
    if let Some(p) = c.purls.first() {
        let _ = writeln!(h, "<tr><th>purl</th><td><code>{}</code></td></tr>", e(p.value.as_str()));
    }
    let _ = writeln!(
        h,
        "<tr><th>declared at</th><td><code>{}</code></td></tr>",
        e(&run.component_place(f.component))
    );
    if let Some(path) = run.path(f) {
        let _ = writeln!(h, "<tr><th>dependency path</th><td>{}</td></tr>", e(&path));
    }
    h.push_str("</table>\n");
    if !f.evidence.is_empty() {
        h.push_str("<table class=\"evidence\"><thead><tr><th>kind</th><th>strength</th><th>field</th><th>value</th><th>where</th></tr></thead><tbody>\n");
        for x in &f.evidence {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                x.kind.as_str(),
                x.strength.as_str(),
                e(&x.field),
                e(&x.value),
                e(&run.place(x))
            );
        }
        h.push_str("</tbody></table>\n");
    }
    for note in &f.notes {
        let _ = writeln!(h, "<p class=\"note\">Note: {}</p>", e(note));
    }
    if let Some(w) = &f.waived {
        let _ = writeln!(
            h,
            "<p class=\"note\">Waived by {} until {}: {}</p>",
            e(&w.approver),
            e(&w.expires),
            e(&w.justification)
        );
    }
    h.push_str("</article>\n");
}

fn inventory(h: &mut String, run: &Run<'_>) {
    let inv = run.inventory;
    let _ = writeln!(
        h,
        "<section>\n<h2>Inventory</h2>\n<details id=\"inventory\"><summary>{}</summary>\n\
         <input id=\"filter\" type=\"search\" placeholder=\"Filter components\" aria-label=\"Filter components\">\n\
         <table><thead><tr><th>component</th><th>version</th><th>purl</th><th>parties</th><th>declared at</th></tr></thead><tbody>",
        plural(inv.components.len() as u64, "component", "components")
    );
    for c in &inv.components {
        let parties: Vec<String> = c
            .parties
            .iter()
            .filter_map(|p| p.who.name.as_ref().map(|n| format!("{}: {}", p.role.as_str(), n)))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            e(&c.name),
            e(c.version.as_deref().unwrap_or("")),
            e(c.purls.first().map(|p| p.value.as_str()).unwrap_or("")),
            e(&parties.join("; ")),
            e(&run.component_place(c.id))
        );
    }
    h.push_str("</tbody></table>\n</details>\n</section>\n");
}

fn inputs(h: &mut String, run: &Run<'_>) {
    h.push_str("<section id=\"inputs\">\n<h2>Inputs, rules and waivers</h2>\n<table><thead><tr><th>input</th><th>kind</th><th>SHA-256</th><th>verdict</th></tr></thead><tbody>\n");
    for i in run.inputs() {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td><span class=\"badge {v}\">{v}</span></td></tr>",
            e(i.path),
            e(&i.kind),
            e(i.sha256),
            v = i.verdict.as_str()
        );
    }
    h.push_str("</tbody></table>\n<h3>Rule packs</h3>\n<ul>\n");
    for p in run.packs() {
        let _ = writeln!(h, "<li><code>{}</code></li>", e(&p));
    }
    h.push_str("</ul>\n<h3>Waivers</h3>\n");
    match run.waivers_file {
        Some(f) => {
            let _ = writeln!(h, "<p>Waivers file: <code>{}</code></p>", e(f));
        }
        None => h.push_str("<p>No waivers file.</p>\n"),
    }
    let applied = run.waivers_applied();
    if !applied.is_empty() {
        h.push_str("<table><thead><tr><th>approver</th><th>expires</th><th>justification</th><th>findings</th></tr></thead><tbody>\n");
        for (w, n) in applied {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{n}</td></tr>",
                e(&w.approver),
                e(&w.expires),
                e(&w.justification)
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let warnings: Vec<String> = run
        .inventory
        .warnings
        .iter()
        .chain(&run.audit.warnings)
        .map(|w| w.to_string())
        .chain(run.inventory.errors.iter().map(|x| format!("error: {}", x.message)))
        .collect();
    if !warnings.is_empty() {
        let _ = writeln!(
            h,
            "<details><summary>{}</summary><ul>",
            plural(warnings.len() as u64, "warning or error", "warnings and errors")
        );
        for w in warnings {
            let _ = writeln!(h, "<li><code>{}</code></li>", e(&w));
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str("</section>\n");
}

/// Escapes input text for HTML text and attribute values; control and bidi characters are
/// shown escaped, as on a terminal.
pub fn e(s: &str) -> String {
    let s = super::text::escape(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn input_text_is_escaped() {
        assert_eq!(
            super::e("<script>\"x\"&'y'"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;"
        );
        assert_eq!(super::e("a\u{202e}b"), "a\\u{202e}b");
    }
}
