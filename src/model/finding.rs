//! Findings: what the rule engine concluded about a component, with the graded evidence a person
//! needs to defend (or reject) the conclusion. Reporters print these; they decide nothing.

use super::{ComponentId, Location};
use serde::{Deserialize, Serialize};

/// What a piece of evidence shows about a vendor's part in a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// The document names the vendor as supplier, manufacturer, originator, author or
    /// publisher; a purl in its namespace; a CPE with it as vendor; a known hash.
    Declares,
    /// A certificate subject, a version resource, a module author, a device tree for its SoC,
    /// the vendor's copyright on the component itself.
    BuiltOrSignedBy,
    /// A string, a domain in a URL, a hardware id in a support table: the vendor is named,
    /// not shown to have made or supplied anything.
    Mentions,
}

impl EvidenceKind {
    /// The name the JSON report gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Declares => "declares",
            EvidenceKind::BuiltOrSignedBy => "built-or-signed-by",
            EvidenceKind::Mentions => "mentions",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    Weak,
    Medium,
    Strong,
}

impl Strength {
    /// The name the JSON report gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Weak => "weak",
            Strength::Medium => "medium",
            Strength::Strong => "strong",
        }
    }
}

/// Per-finding verdict, weakest first so `max` picks the most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Weak evidence only. Reported for review; never fails a run by default.
    Mention,
    /// Medium evidence, or strong evidence through an uncertain link (a low-confidence
    /// subsidiary, a divested one whose date cannot be told).
    Review,
    /// Strong evidence for an entity an active policy excludes.
    Excluded,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Mention => "mention",
            Verdict::Review => "review",
            Verdict::Excluded => "excluded",
        }
    }
}

/// The verdict of a target or a whole audit, weakest first: the most serious unwaived finding
/// (mentions alone are clear), and `incomplete` when anything that could hold components was not
/// examined. An excluded part outranks incompleteness — the run still says it found one, and
/// its coverage says what it could not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    /// Everything was examined and nothing at or above review was found.
    Clear,
    Review,
    /// Part of the input could not be examined (coverage says what and why).
    Incomplete,
    Excluded,
}

impl Overall {
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Clear => "clear",
            Overall::Review => "review",
            Overall::Incomplete => "incomplete",
            Overall::Excluded => "excluded",
        }
    }

    /// The verdict of findings alone.
    pub fn of(verdict: Verdict) -> Overall {
        match verdict {
            Verdict::Excluded => Overall::Excluded,
            Verdict::Review => Overall::Review,
            Verdict::Mention => Overall::Clear,
        }
    }
}

/// One observation tying a component to an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceItem {
    pub kind: EvidenceKind,
    pub strength: Strength,
    /// The field it was seen in (`supplier`, `purl`, `cpe-vendor`, `copyright-holder`, …).
    pub field: String,
    /// The value as seen.
    pub value: String,
    /// The rule identifier that matched, as the rules write it: the entity's name or alias (or
    /// certificate organisation), domain, purl pattern, CPE vendor, `usb:`/`pci:` vendor id,
    /// device-tree prefix, IEEE assignment or hash.
    pub matched: String,
    /// The document it was seen in (index into the inventory's documents).
    pub document: usize,
    pub at: Location,
}

/// A source the rules cite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citation {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub date: String,
}

/// One corporate link of a finding's lineage: `entity` belongs to `parent`, with the dates and
/// the sources the rules give for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub entity: String,
    pub parent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub sources: Vec<Citation>,
}

impl EvidenceItem {
    /// `built-or-signed-by/strong`: its kind and strength as the JSON report names them.
    pub fn grade(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.strength.as_str())
    }
}

/// A waiver that covers a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverRef {
    pub justification: String,
    pub approver: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable across runs and machines: `VS-` and 16 hex digits of the SHA-256 of the
    /// component's place relative to its target and the entity (docs/report-format.md).
    pub id: String,
    pub verdict: Verdict,
    /// The entity matched, e.g. `hisilicon`.
    pub entity: String,
    /// The matched entity up to its root parent, e.g. `["hisilicon", "huawei"]`.
    pub lineage: Vec<String>,
    /// The links of the lineage, child first; empty when the entity has no parent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Active policies that exclude the entity (directly or through its parents).
    pub policies: Vec<String>,
    pub component: ComponentId,
    /// SHA-256 of the file the component's location names: a walked file itself, the package
    /// database a package found in an image was read from, else the document (SBOM or image).
    /// Empty when there is none (a directory target).
    pub sha256: String,
    /// Direct evidence, strongest first. Empty for a component marked only transitively.
    pub evidence: Vec<EvidenceItem>,
    /// When the component depends on or contains a flagged part: the components from the
    /// product root to that part, both ends included. Empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<ComponentId>,
    /// Why the verdict is what it is, when it is not plain (divested, low confidence, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<WaiverRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_json_names() {
        for kind in [
            EvidenceKind::Declares,
            EvidenceKind::BuiltOrSignedBy,
            EvidenceKind::Mentions,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for strength in [Strength::Weak, Strength::Medium, Strength::Strong] {
            assert_eq!(serde_json::to_value(strength).unwrap(), strength.as_str());
        }
    }
}
