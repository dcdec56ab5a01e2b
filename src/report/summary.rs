//! What the Markdown and HTML reports share: the run they render ([`Run`]), the findings in the
//! order a reader takes them, components and places as a person finds them, and the procurement
//! summary per policy — facts worded from one generic template, with each policy's name and
//! citations taken from the rule pack. Nothing here decides: counts and groupings of what the
//! engine concluded, in the verdict order docs/report-format.md documents.

use super::audit_table::plural;
use crate::model::{ComponentId, EvidenceItem, Finding, Format, Inventory, Location, Origin, Overall, Verdict};
use crate::rules::load::Policy;
use crate::rules::{Audit, RuleSet};
use std::collections::BTreeMap;

/// One audit run, as the people's reports render it.
pub struct Run<'a> {
    pub inventory: &'a Inventory,
    pub audit: &'a Audit,
    pub rules: &'a RuleSet,
    /// The waivers file as named on the command line.
    pub waivers_file: Option<&'a str>,
    /// `--timestamp`: the reports are otherwise byte-for-byte reproducible.
    pub timestamp: Option<&'a str>,
}

/// The one line every procurement summary carries.
pub const NOT_LEGAL_ADVICE: &str = "This summary states what vendorscan examined and found with the rules named \
     below. It is not legal advice and not a representation: whether a representation can be made \
     is for the offeror (and its counsel) to decide.";

impl Run<'_> {
    /// Findings at review or above, excluded first, then review; waived ones after the unwaived
    /// ones of their verdict, inherited ones (with a path) after direct ones; otherwise in the
    /// engine's order.
    pub fn flagged(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self
            .audit
            .findings
            .iter()
            .filter(|f| f.verdict > Verdict::Mention)
            .collect();
        v.sort_by_key(|f| (std::cmp::Reverse(f.verdict), f.waived.is_some(), !f.path.is_empty()));
        v
    }

    /// Findings on weak evidence alone: no policy's business, listed apart.
    pub fn mentions(&self) -> Vec<&Finding> {
        self.audit
            .findings
            .iter()
            .filter(|f| f.verdict == Verdict::Mention)
            .collect()
    }

    /// Unwaived findings at review or above: the count the verdict line gives.
    pub fn counted(&self) -> usize {
        self.audit
            .findings
            .iter()
            .filter(|f| f.verdict > Verdict::Mention && f.waived.is_none())
            .count()
    }

    /// The applied policies, comma-separated, or `no policy`.
    pub fn under(&self) -> String {
        if self.audit.policies.is_empty() {
            "no policy".to_string()
        } else {
            self.audit.policies.join(", ")
        }
    }

    /// A component as a person finds it: a walked file by its virtual path, anything else by
    /// name and version.
    pub fn label(&self, id: ComponentId) -> String {
        let c = self.inventory.component(id);
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

    /// Where a piece of evidence was seen: the input and the place in it (a walked file's place
    /// names its virtual path itself).
    pub fn place(&self, e: &EvidenceItem) -> String {
        match &e.at {
            Location::File(_) => e.at.to_string(),
            _ => format!("{}: {}", self.inventory.documents[e.document].path, e.at),
        }
    }

    /// Where a component is declared, the same way.
    pub fn component_place(&self, id: ComponentId) -> String {
        let c = self.inventory.component(id);
        match &c.at {
            Location::File(_) => c.at.to_string(),
            _ => format!("{}: {}", self.inventory.documents[c.document].path, c.at),
        }
    }

    /// A transitive finding's path from the product root, `a → b → c`.
    pub fn path(&self, f: &Finding) -> Option<String> {
        (!f.path.is_empty()).then(|| f.path.iter().map(|&id| self.label(id)).collect::<Vec<_>>().join(" → "))
    }

    /// The strongest evidence in one line (`supplier = Huawei`), or the path for an inherited
    /// finding.
    pub fn why(&self, f: &Finding) -> String {
        if let Some(path) = self.path(f) {
            return format!("via {path}");
        }
        f.evidence
            .first()
            .map(|e| format!("{} = {}", e.field, e.value))
            .unwrap_or_default()
    }

    /// Each input: its path, kind, SHA-256 (empty for a directory or an input not read) and
    /// verdict.
    pub fn inputs(&self) -> Vec<Input<'_>> {
        self.audit
            .targets
            .iter()
            .map(|t| match t.document {
                Some(i) => {
                    let d = &self.inventory.documents[i];
                    let kind = match d.format {
                        Format::Image => match d
                            .describes
                            .first()
                            .map(|&c| self.inventory.component(c).kind.as_deref())
                        {
                            Some(Some("platform")) => "directory".to_string(),
                            _ => "image".to_string(),
                        },
                        _ => format!("{:?}-{}", d.format, super::inventory_table::encoding_name(d.encoding))
                            .to_lowercase(),
                    };
                    Input {
                        path: &d.path,
                        kind,
                        sha256: &d.sha256,
                        verdict: t.verdict,
                    }
                }
                None => Input {
                    path: &t.path,
                    kind: "unreadable".to_string(),
                    sha256: "",
                    verdict: t.verdict,
                },
            })
            .collect()
    }

    /// The procurement summary: one entry per applied policy, in the order applied.
    pub fn policies(&self) -> Vec<PolicySummary<'_>> {
        self.audit
            .policies
            .iter()
            .filter_map(|id| self.rules.policy(id))
            .map(|policy| {
                let mine: Vec<&Finding> = self
                    .flagged()
                    .into_iter()
                    .filter(|f| f.policies.contains(&policy.id))
                    .collect();
                let mut entities: BTreeMap<&str, Counts> = BTreeMap::new();
                let mut counts = Counts::default();
                for f in &mine {
                    counts.add(f);
                    entities.entry(f.entity.as_str()).or_default().add(f);
                }
                let found = mine
                    .iter()
                    .filter(|f| f.waived.is_none())
                    .map(|f| Overall::of(f.verdict))
                    .max()
                    .unwrap_or(Overall::Clear);
                let status = if self.audit.coverage.complete {
                    found
                } else {
                    found.max(Overall::Incomplete)
                };
                PolicySummary {
                    policy,
                    status,
                    counts,
                    entities,
                    findings: mine,
                }
            })
            .collect()
    }

    /// What was examined, in one sentence: the inputs and how much of them.
    pub fn examined(&self) -> String {
        let c = &self.audit.coverage;
        let paths: Vec<&str> = self.audit.targets.iter().map(|t| t.path.as_str()).collect();
        let shown = paths.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        let more = paths.len().saturating_sub(5);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "{} ({shown}{more}): {} read, {} analysed, {} and {} in the inventory",
            plural(c.targets, "input", "inputs"),
            plural(c.bytes_read, "byte", "bytes"),
            plural(c.files_analysed, "file", "files"),
            plural(c.packages, "package", "packages"),
            plural(c.components, "component", "components"),
        )
    }

    /// Coverage in one sentence: complete, or how many causes left something unexamined.
    pub fn coverage_sentence(&self) -> String {
        let c = &self.audit.coverage;
        if c.complete {
            "complete: every input was read and every container found was opened".to_string()
        } else {
            let kinds: Vec<String> = c.causes.iter().map(|k| format!("{} ×{}", k.code, k.count)).collect();
            format!(
                "incomplete: {} left something unexamined ({})",
                plural(c.causes.len() as u64, "cause", "causes"),
                kinds.join(", ")
            )
        }
    }

    /// What was examined and the coverage, as two sentences of the procurement summary.
    pub fn examined_statements(&self) -> [String; 2] {
        [
            format!("Examined: {}.", self.examined()),
            format!("Coverage: {}.", self.coverage_sentence()),
        ]
    }

    /// The rule packs, one line each: `id version sha256:… (origin)`.
    pub fn packs(&self) -> Vec<String> {
        self.rules
            .packs
            .iter()
            .map(|p| format!("{} {} sha256:{} ({})", p.id, p.version, p.sha256, p.origin))
            .collect()
    }

    /// Waivers that covered a finding, each once, in the order first met.
    pub fn waivers_applied(&self) -> Vec<(&crate::model::WaiverRef, usize)> {
        let mut out: Vec<(&crate::model::WaiverRef, usize)> = Vec::new();
        for w in self.audit.findings.iter().filter_map(|f| f.waived.as_ref()) {
            match out.iter_mut().find(|(x, _)| *x == w) {
                Some((_, n)) => *n += 1,
                None => out.push((w, 1)),
            }
        }
        out
    }
}

/// One input of the run.
pub struct Input<'a> {
    pub path: &'a str,
    pub kind: String,
    pub sha256: &'a str,
    pub verdict: Overall,
}

/// Findings at review or above, by verdict and waived.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub excluded: usize,
    pub review: usize,
    pub waived: usize,
}

impl Counts {
    fn add(&mut self, f: &Finding) {
        if f.waived.is_some() {
            self.waived += 1;
        } else if f.verdict == Verdict::Excluded {
            self.excluded += 1;
        } else {
            self.review += 1;
        }
    }
}

/// What one policy's part of the run comes to.
pub struct PolicySummary<'a> {
    pub policy: &'a Policy,
    /// The findings under this policy in the verdict order (excluded, then incomplete when
    /// coverage is not complete, then review, else clear).
    pub status: Overall,
    pub counts: Counts,
    pub entities: BTreeMap<&'a str, Counts>,
    /// Its findings at review or above, in [`Run::flagged`] order.
    pub findings: Vec<&'a Finding>,
}

impl PolicySummary<'_> {
    /// What was found under this policy, as plain sentences (the reporters escape them):
    /// whether anything covered was found, what could not be examined, what was waived. With
    /// [`Run::examined_statements`], one template for every policy.
    pub fn statements(&self, run: &Run<'_>) -> Vec<String> {
        let mut out = Vec::new();
        let entities = |pick: fn(&Counts) -> usize| -> String {
            self.entities
                .iter()
                .filter(|(_, c)| pick(c) > 0)
                .map(|(e, _)| *e)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let c = self.counts;
        if c.excluded == 0 && c.review == 0 {
            out.push(format!(
                "Found: no part tied by evidence to an entity this policy covers{}.",
                if run.audit.coverage.complete {
                    ""
                } else {
                    " among what could be examined"
                }
            ));
        }
        if c.excluded > 0 {
            out.push(format!(
                "Found: {} tied by strong evidence to {}, which this policy covers.",
                plural(c.excluded as u64, "part", "parts"),
                entities(|c| c.excluded)
            ));
        }
        if c.review > 0 {
            out.push(format!(
                "For review: {} tied to {} by medium evidence or through an uncertain corporate link.",
                plural(c.review as u64, "part", "parts"),
                entities(|c| c.review)
            ));
        }
        if !run.audit.coverage.complete {
            out.push(
                "Not examined: what the coverage causes name; a covered part could lie there, so nothing can be \
                 stated about it."
                    .to_string(),
            );
        }
        if c.waived > 0 {
            out.push(format!(
                "Waived: {} (each with its approver and justification below).",
                plural(c.waived as u64, "finding", "findings")
            ));
        }
        out.push(format!(
            "These facts may support the representations an offeror makes under the provisions this \
             policy cites (below, from the rule pack {}).",
            run.rules
                .packs
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out
    }

    /// The result in a few words: `nothing covered found`, `covered parts found`, ….
    pub fn result(&self) -> &'static str {
        match self.status {
            Overall::Clear => "nothing covered found",
            Overall::Review => "parts for review",
            Overall::Incomplete => "nothing covered found in what was examined; incomplete",
            Overall::Excluded => "covered parts found",
        }
    }
}
