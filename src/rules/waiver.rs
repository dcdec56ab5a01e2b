//! Waivers: a reviewed decision that a finding is accepted, with who approved it, why, and until
//! when. A waived finding is still reported (as waived); an expired waiver no longer applies and
//! says so in a warning.

use super::date::Date;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Match one finding by its id (`VS-…`, as the JSON report gives it)…
    #[serde(default)]
    pub id: Option<String>,
    /// …or by purl (exact, as written in the SBOM)…
    #[serde(default)]
    pub purl: Option<String>,
    /// …or by name (with `version`, if given)…
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// …or by SHA-256.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Limit to one policy id; all policies when absent.
    #[serde(default)]
    pub policy: Option<String>,
    /// Limit to one entity id (matches anywhere in a finding's lineage); all when absent.
    #[serde(default)]
    pub entity: Option<String>,
    pub justification: String,
    pub approver: String,
    pub expires: Date,
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<toml::Spanned<Waiver>>,
}

/// Reads a waivers file. Errors name the file and line.
pub fn read(path: &Path) -> Result<Vec<Waiver>, super::load::RuleError> {
    let file = path.display().to_string();
    let fail = |line, message: String| super::load::RuleError {
        file: file.clone(),
        line,
        column: None,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(None, format!("cannot read: {e}")))?;
    let parsed: WaiverFile = toml::from_str(&text).map_err(|e| {
        fail(
            e.span().map(|s| super::load::line_of(&text, s.start)),
            e.message().trim().to_string(),
        )
    })?;
    let mut out = Vec::new();
    for w in parsed.waiver {
        let line = super::load::line_of(&text, w.span().start);
        let mut w = w.into_inner();
        w.line = line;
        if w.id.is_none() && w.purl.is_none() && w.name.is_none() && w.sha256.is_none() {
            return Err(fail(
                Some(line),
                "a waiver needs `id`, `purl`, `name` or `sha256`".to_string(),
            ));
        }
        out.push(w);
    }
    Ok(out)
}

impl Waiver {
    pub fn expired(&self, today: Date) -> bool {
        today.first_day() > self.expires.last_day()
    }
}
