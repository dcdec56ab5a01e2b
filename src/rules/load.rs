//! Loading rule packs: the bundled one (compiled in by build.rs) and a user's folders, layered
//! in order so a later pack's entity, policy or grade with the same id replaces an earlier one.

use super::date::Date;
use super::schema::{
    Confidence, EntityFile, GradingFile, Identifiers, OuiFile, PackFile, PolicyFile, Relation, Severity, Source,
    SourcesFile,
};
use crate::model::{EvidenceKind, Strength};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

/// A problem in a rule file, at a line when one can be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// A set of rule errors, all found in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleErrors {}

/// One pack as a report names it.
#[derive(Debug, Clone, Serialize)]
pub struct Pack {
    pub id: String,
    pub version: String,
    /// SHA-256 over every file of the pack (sorted path, NUL, contents, NUL): the exact rules.
    pub sha256: String,
    /// `bundled`, or the folder it was loaded from.
    pub origin: String,
}

/// Where a definition was read: pack index, file and line.
#[derive(Debug, Clone)]
pub struct Origin {
    pub pack: usize,
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub parent: Option<String>,
    pub relation: Option<Relation>,
    pub since: Option<Date>,
    pub until: Option<Date>,
    pub confidence: Confidence,
    pub note: Option<String>,
    pub sources: Vec<Source>,
    /// The sources for the link to `parent`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parent_sources: Vec<Source>,
    pub not: Vec<String>,
    pub identifiers: Identifiers,
    #[serde(skip)]
    pub origin: Origin,
    #[serde(skip)]
    pub parent_line: Option<usize>,
    /// The line each of `identifiers.firmware_formats` names itself on, for `rules check`.
    #[serde(skip)]
    pub format_lines: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub include_subsidiaries: bool,
    pub default: bool,
    pub sources: Vec<Source>,
    pub note: Option<String>,
    pub entries: Vec<PolicyRule>,
    #[serde(skip)]
    pub origin: Origin,
}

/// One `[[policy.entry]]`: entities excluded under one clause from one date.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRule {
    pub entities: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<Date>,
    /// The line each entity id is written on, for `rules check`.
    #[serde(skip)]
    pub lines: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grade {
    pub kind: EvidenceKind,
    pub strength: Strength,
}

#[derive(Debug, Clone, Serialize)]
pub struct Registrant {
    pub name: String,
    pub entity: String,
    pub assignments: Vec<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A host `sources.toml` does not accept as a source.
#[derive(Debug, Clone)]
pub struct UnacceptedHost {
    pub host: String,
    pub why: String,
    pub origin: Origin,
}

/// Every pack's definitions, merged.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub packs: Vec<Pack>,
    pub entities: Vec<Entity>,
    pub policies: Vec<Policy>,
    pub grades: HashMap<String, (Grade, Origin)>,
    pub registrants: Vec<Registrant>,
    /// Hosts not accepted as sources (`sources.toml`), with why, from every pack.
    pub unaccepted_hosts: Vec<UnacceptedHost>,
    /// `[upstream]` of the last grading file that has one (`rules/upstream.rs`).
    pub upstream: Option<super::upstream::Rules>,
    /// Problems found while loading; `load` fails when any exist, `rules check` lists them.
    pub errors: Vec<RuleError>,
}

impl RuleSet {
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }

    pub fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }
}

/// The most bytes one user rule file may have; rule files are small, anything larger is a mistake.
const MAX_RULE_FILE: u64 = 16 << 20;

/// Loads the bundled pack, then each folder in order, and checks the result.
pub fn load(dirs: &[PathBuf]) -> Result<RuleSet, RuleErrors> {
    let set = load_unchecked(dirs);
    if set.errors.is_empty() {
        Ok(set)
    } else {
        Err(RuleErrors(set.errors))
    }
}

/// Loads and checks without failing: the rule set with every problem found in `errors`.
pub fn load_unchecked(dirs: &[PathBuf]) -> RuleSet {
    let mut set = RuleSet::default();
    let bundled: Vec<(String, String)> = BUNDLED.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    add_pack(&mut set, "bundled", &bundled);
    for dir in dirs {
        match read_dir_files(dir) {
            Ok(files) => add_pack(&mut set, &dir.display().to_string(), &files),
            Err(e) => set.errors.push(e),
        }
    }
    super::check::check(&mut set);
    set
}

/// Every `.toml` file under `dir`, as (path relative to dir, contents), sorted. Symlinks are not
/// followed: a rule folder is plain files.
fn read_dir_files(dir: &Path) -> Result<Vec<(String, String)>, RuleError> {
    let err = |file: &Path, message: String| RuleError {
        file: file.display().to_string(),
        line: None,
        column: None,
        message,
    };
    if !dir.is_dir() {
        return Err(err(dir, "not a folder of rules".to_string()));
    }
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| err(&d, format!("cannot read: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| err(&d, format!("cannot read: {e}")))?;
            let path = entry.path();
            let ft = entry.file_type().map_err(|e| err(&path, format!("cannot read: {e}")))?;
            if ft.is_dir() && depth < 4 {
                stack.push((path, depth + 1));
            } else if ft.is_file() && path.extension().is_some_and(|e| e == "toml") {
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                if len > MAX_RULE_FILE {
                    return Err(err(
                        &path,
                        format!("{len} bytes; rule files are at most {MAX_RULE_FILE}"),
                    ));
                }
                let text = std::fs::read_to_string(&path).map_err(|e| err(&path, format!("cannot read: {e}")))?;
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, text));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Line (1-based) of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn column_of(text: &str, offset: usize) -> usize {
    let upto = &text[..floor_char_boundary(text, offset)];
    upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str, errors: &mut Vec<RuleError>) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let (line, column) = match e.span() {
                Some(span) => (Some(line_of(text, span.start)), Some(column_of(text, span.start))),
                None => (None, None),
            };
            errors.push(RuleError {
                file: file.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
            });
            None
        }
    }
}

/// SHA-256 over every file of a pack: sorted path, NUL, contents, NUL.
fn pack_sha256(files: &[(String, String)]) -> String {
    let mut hasher = Sha256::new();
    for (path, text) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The bundled pack's id, version and SHA-256 without loading its rules (for `--version`).
pub fn bundled_pack() -> Pack {
    let files: Vec<(String, String)> = BUNDLED.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    let info = files
        .iter()
        .find(|(p, _)| p == "pack.toml")
        .and_then(|(_, t)| toml::from_str::<PackFile>(t).ok());
    Pack {
        id: info
            .as_ref()
            .map_or_else(|| "vendorscan-bundled".into(), |i| i.id.clone()),
        version: info.map_or_else(|| "unversioned".into(), |i| i.version),
        sha256: pack_sha256(&files),
        origin: "bundled".into(),
    }
}

fn add_pack(set: &mut RuleSet, origin: &str, files: &[(String, String)]) {
    let pack = set.packs.len();
    let sha256 = pack_sha256(files);
    let display = |path: &str| {
        if origin == "bundled" {
            format!("rules/{path}")
        } else {
            Path::new(origin).join(path).display().to_string()
        }
    };
    let mut info = PackFile {
        id: if origin == "bundled" {
            "vendorscan-bundled".into()
        } else {
            origin.into()
        },
        version: "unversioned".into(),
        description: None,
    };
    let mut seen_here: HashMap<(&'static str, String), String> = HashMap::new();
    let mut dup = |kind: &'static str, id: &str, file: &str, line: usize, errors: &mut Vec<RuleError>| {
        if let Some(prev) = seen_here.insert((kind, id.to_string()), format!("{file}:{line}")) {
            errors.push(RuleError {
                file: file.to_string(),
                line: Some(line),
                column: None,
                message: format!("duplicate {kind} id `{id}` (first defined at {prev})"),
            });
        }
    };
    for (path, text) in files {
        let file = display(path);
        let errors = &mut set.errors;
        match path.split('/').next().unwrap_or("") {
            "pack.toml" => {
                if let Some(p) = parse::<PackFile>(&file, text, errors) {
                    info = p;
                }
            }
            "grading.toml" => {
                let Some(g) = parse::<GradingFile>(&file, text, errors) else {
                    continue;
                };
                if let Some(u) = g.upstream {
                    set.upstream = Some(super::upstream::compile(u, &file, text, errors));
                }
                for def in g.grade {
                    let line = line_of(text, def.field.span().start);
                    let field = def.field.into_inner();
                    dup("grade", &field, &file, line, errors);
                    let grade = Grade {
                        kind: def.kind,
                        strength: def.strength,
                    };
                    set.grades.insert(
                        field,
                        (
                            grade,
                            Origin {
                                pack,
                                file: file.clone(),
                                line,
                            },
                        ),
                    );
                }
            }
            "entities" => {
                let Some(f) = parse::<EntityFile>(&file, text, errors) else {
                    continue;
                };
                for def in f.entity {
                    let line = line_of(text, def.id.span().start);
                    let parent_line = def.parent.as_ref().map(|p| line_of(text, p.span().start));
                    let format_lines = (def.identifiers.firmware_formats.iter())
                        .map(|f| line_of(text, f.name.span().start))
                        .collect();
                    let id = def.id.into_inner();
                    dup("entity", &id, &file, line, errors);
                    let entity = Entity {
                        id: id.clone(),
                        name: def.name,
                        aliases: def.aliases,
                        parent: def.parent.map(|p| p.into_inner()),
                        relation: def.relation,
                        since: def.since,
                        until: def.until,
                        confidence: def.confidence,
                        note: def.note,
                        sources: def.sources,
                        parent_sources: def.parent_sources,
                        not: def.not,
                        identifiers: def.identifiers,
                        origin: Origin {
                            pack,
                            file: file.clone(),
                            line,
                        },
                        parent_line,
                        format_lines,
                    };
                    match set.entities.iter_mut().find(|e| e.id == id) {
                        Some(slot) => *slot = entity,
                        None => set.entities.push(entity),
                    }
                }
            }
            "policies" => {
                let Some(f) = parse::<PolicyFile>(&file, text, errors) else {
                    continue;
                };
                let def = f.policy;
                let line = line_of(text, def.id.span().start);
                let id = def.id.into_inner();
                dup("policy", &id, &file, line, errors);
                let policy = Policy {
                    id: id.clone(),
                    name: def.name,
                    severity: def.severity,
                    include_subsidiaries: def.include_subsidiaries,
                    default: def.default,
                    sources: def.sources,
                    note: def.note,
                    entries: def
                        .entry
                        .into_iter()
                        .map(|e| PolicyRule {
                            lines: e.entities.iter().map(|s| line_of(text, s.span().start)).collect(),
                            entities: e.entities.into_iter().map(|s| s.into_inner()).collect(),
                            clause: e.clause,
                            scope: e.scope,
                            effective: e.effective,
                        })
                        .collect(),
                    origin: Origin {
                        pack,
                        file: file.clone(),
                        line,
                    },
                };
                match set.policies.iter_mut().find(|p| p.id == id) {
                    Some(slot) => *slot = policy,
                    None => set.policies.push(policy),
                }
            }
            "sources.toml" => {
                let Some(f) = parse::<SourcesFile>(&file, text, errors) else {
                    continue;
                };
                for h in f.unaccepted {
                    let line = line_of(text, h.host.span().start);
                    set.unaccepted_hosts.push(UnacceptedHost {
                        host: h.host.into_inner(),
                        why: h.why,
                        origin: Origin {
                            pack,
                            file: file.clone(),
                            line,
                        },
                    });
                }
            }
            "oui" => {
                let Some(f) = parse::<OuiFile>(&file, text, errors) else {
                    continue;
                };
                for r in f.registrant {
                    set.registrants.retain(|old| old.name != r.name);
                    let line = line_of(text, r.entity.span().start);
                    set.registrants.push(Registrant {
                        name: r.name,
                        entity: r.entity.into_inner(),
                        assignments: r.assignments,
                        origin: Origin {
                            pack,
                            file: file.clone(),
                            line,
                        },
                    });
                }
            }
            _ => errors.push(RuleError {
                file,
                line: None,
                column: None,
                message:
                    "not a rule file: expected pack.toml, grading.toml, sources.toml, entities/*.toml, policies/*.toml or oui/*.toml"
                        .to_string(),
            }),
        }
    }
    set.packs.push(Pack {
        id: info.id,
        version: info.version,
        sha256,
        origin: origin.to_string(),
    });
}
