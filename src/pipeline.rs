//! How one run composes the parts: the only module that knows both the analysers and the rules,
//! so neither has to know the other.

use crate::analyse::indicators::{IndicatorScan, TermKind};
use crate::analyse::vendor_format::{FormatScan, Signature};
use crate::analyse::{self, Analysers};
use crate::rules::{self, Index, RuleSet};

/// The analysers an audit runs over walked files: the standard set and the indicator scan,
/// built from the rules' names, domains and OUIs, and the format scan, from their firmware
/// formats' magic bytes.
pub fn audit_analysers(rules: &RuleSet, index: &Index) -> Result<Analysers, aho_corasick::BuildError> {
    let terms = rules::indicator_terms(rules, index);
    let scan = IndicatorScan::new(
        terms
            .names
            .iter()
            .map(|n| (n.as_str(), TermKind::Name))
            .chain(terms.domains.iter().map(|d| (d.as_str(), TermKind::Domain)))
            .chain(terms.ouis.iter().map(|o| (o.as_str(), TermKind::Oui))),
    )?;
    let mut set = analyse::standard();
    set.push(scan);
    set.push(FormatScan::new(rules::format_magics(rules).into_iter().map(|f| {
        Signature {
            name: f.name,
            magic: f.magic,
            min_size: f.min_size,
        }
    })));
    Ok(set)
}
