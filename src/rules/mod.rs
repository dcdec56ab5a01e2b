//! Rule packs and the rule engine. Packs are data (top-level `rules/`, compiled in; users add
//! folders); the engine turns an inventory into graded findings and never reads an input file.

pub mod check;
pub mod date;
pub mod engine;
pub mod index;
pub mod load;
pub mod normalise;
pub mod schema;
pub mod upstream;
pub mod waiver;

pub use date::Date;
pub use engine::{audit, Audit, AuditOptions, TargetVerdict};
pub use index::Index;
pub use load::{load, load_unchecked, RuleError, RuleErrors, RuleSet};

/// What the indicator scan looks for, from the rules: every entity's name, aliases and
/// certificate organisations, its domains, and the IEEE OUI blocks assigned to it. Plain text,
/// so the scanner needs to know nothing of rules.
#[derive(Debug, Default)]
pub struct Terms {
    pub names: Vec<String>,
    pub domains: Vec<String>,
    /// Six lower-case hex digits (`00e0fc`).
    pub ouis: Vec<String>,
}

pub fn indicator_terms(rules: &RuleSet, index: &Index) -> Terms {
    let mut t = Terms::default();
    for e in &rules.entities {
        t.names.push(e.name.clone());
        t.names.extend(e.aliases.iter().cloned());
        t.names.extend(e.identifiers.cert_orgs.iter().cloned());
        t.domains.extend(e.identifiers.domains.iter().cloned());
    }
    t.ouis = index.oui_prefixes().map(str::to_string).collect();
    t.ouis.sort();
    t.ouis.dedup();
    t
}

/// A firmware format as the format scan is handed it: its name, the bytes that must stand at
/// each offset, and the smallest size a file in it can have. Plain data, so the scan needs to
/// know nothing of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatMagic {
    pub name: String,
    pub magic: Vec<(u64, Vec<u8>)>,
    pub min_size: u64,
}

/// Every entity's firmware formats (`identifiers.firmware_formats`), once each by name.
pub fn format_magics(rules: &RuleSet) -> Vec<FormatMagic> {
    let mut out: Vec<FormatMagic> = Vec::new();
    for f in rules.entities.iter().flat_map(|e| &e.identifiers.firmware_formats) {
        if out.iter().any(|o| o.name == *f.name.as_ref()) || f.magic.is_empty() {
            continue;
        }
        let end = f
            .magic
            .iter()
            .map(|m| m.offset + m.hex.0.len() as u64)
            .max()
            .unwrap_or(0);
        out.push(FormatMagic {
            name: f.name.as_ref().clone(),
            magic: f.magic.iter().map(|m| (m.offset, m.hex.0.clone())).collect(),
            min_size: f.min_size.unwrap_or(0).max(end),
        });
    }
    out
}
