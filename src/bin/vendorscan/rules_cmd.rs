//! `vendorscan rules list|show|check`: what the bundled and custom rules say, and whether a rule
//! folder is sound.

use crate::inputs::OutputFormat;
use clap::{Args as ClapArgs, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::report::table::Table;
use vendorscan::rules::load::{Entity, Pack, Policy};
use vendorscan::rules::schema::{Confidence, Relation, Severity, Source};
use vendorscan::rules::{self, normalise, Date, RuleSet};

#[derive(ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every entity and policy.
    List {
        /// A folder of your own rules, layered over the bundled pack (repeatable).
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// Output format: a table for people, or JSON (shape in rules/README.md).
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Show one entity (parents, children, identifiers, sources) or policy.
    Show {
        /// An entity or policy id, or a name or alias (case-insensitive; corporate suffixes such as
        /// "Co., Ltd." may be left out).
        id: String,
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Check a rule folder: unknown keys, duplicate ids, dangling parents, cycles, malformed ids.
    Check { dir: PathBuf },
}

impl Args {
    /// Whether this command reads rules, and so `vendorscan.toml`'s `rules` folders.
    pub fn reads_config(&self) -> bool {
        !matches!(self.command, Command::Check { .. })
    }

    /// `vendorscan.toml`'s `rules` folders, unless `--rules` was given; `matches` are the
    /// `rules` command's own.
    pub fn configure(&mut self, config: &crate::config::Config, matches: &clap::ArgMatches) {
        let Some((_, matches)) = matches.subcommand() else {
            return;
        };
        let c = config.layer(matches);
        match &mut self.command {
            Command::List { rules, .. } | Command::Show { rules, .. } => c.set("rules", rules, |f| f.rules.clone()),
            Command::Check { .. } => {}
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::List { rules, format } => {
            let set = rules::load(&rules).map_err(|e| anyhow::anyhow!("{e}"))?;
            match format {
                OutputFormat::Table => print!("{}", list(&set)),
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&list_json(&set))?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id, rules } => {
            let set = rules::load(&rules).map_err(|e| anyhow::anyhow!("{e}"))?;
            match resolve(&set, &id) {
                Found::One(target) => {
                    print!("{}", show(&set, target));
                    Ok(ExitCode::SUCCESS)
                }
                Found::None => {
                    anyhow::bail!("no entity or policy has the id or name `{id}`; `vendorscan rules list` shows them")
                }
                Found::Several(targets) => {
                    let mut t = Table::new(vec!["ID", "KIND", "NAME"]);
                    for target in &targets {
                        let (id, kind, name) = match target {
                            Target::Entity(e) => (&e.id, "entity", &e.name),
                            Target::Policy(p) => (&p.id, "policy", &p.name),
                        };
                        t.row(vec![id.clone(), kind.to_string(), name.clone()]);
                    }
                    eprint!(
                        "error: `{id}` matches {} entities or policies; show one by its id:\n\n{}",
                        targets.len(),
                        t.render()
                    );
                    Ok(ExitCode::from(crate::EXIT_BAD_INPUT))
                }
            }
        }
        Command::Check { dir } => {
            let set = rules::load_unchecked(std::slice::from_ref(&dir));
            if set.errors.is_empty() {
                println!(
                    "{}: ok ({} entities, {} policies with the bundled pack)",
                    dir.display(),
                    set.entities.len(),
                    set.policies.len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for e in &set.errors {
                    eprintln!("error: {e}");
                }
                Ok(ExitCode::from(crate::EXIT_BAD_INPUT))
            }
        }
    }
}

fn list(set: &RuleSet) -> String {
    let mut out = String::new();
    for p in &set.packs {
        out.push_str(&format!(
            "pack {} {} sha256:{} ({})\n",
            p.id, p.version, p.sha256, p.origin
        ));
    }
    let mut t = Table::new(vec!["ENTITY", "NAME", "PARENT", "CONFIDENCE", "IN GROUP"]);
    for e in &set.entities {
        t.row(vec![
            e.id.clone(),
            e.name.clone(),
            e.parent.clone().unwrap_or_default(),
            format!("{:?}", e.confidence).to_lowercase(),
            dates(e),
        ]);
    }
    out.push('\n');
    out.push_str(&t.render());
    let mut t = Table::new(vec!["POLICY", "NAME", "SEVERITY", "DEFAULT", "ENTITIES"]);
    for p in &set.policies {
        let mut ids: Vec<&str> = Vec::new();
        for id in p.entries.iter().flat_map(|e| &e.entities) {
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
        t.row(vec![
            p.id.clone(),
            p.name.clone(),
            format!("{:?}", p.severity).to_lowercase(),
            if p.default { "yes".into() } else { "no".into() },
            ids.join(", ")
                + if p.include_subsidiaries {
                    " (+ subsidiaries)"
                } else {
                    ""
                },
        ]);
    }
    out.push('\n');
    out.push_str(&t.render());
    out
}

fn dates(e: &Entity) -> String {
    match (e.since, e.until) {
        (Some(s), Some(u)) => format!("{s} – {u}"),
        (Some(s), None) => format!("since {s}"),
        (None, Some(u)) => format!("until {u}"),
        (None, None) => String::new(),
    }
}

/// What `rules show` was asked for.
#[derive(Clone, Copy)]
enum Target<'a> {
    Entity(&'a Entity),
    Policy(&'a Policy),
}

impl Target<'_> {
    fn id(&self) -> &str {
        match self {
            Target::Entity(e) => &e.id,
            Target::Policy(p) => &p.id,
        }
    }
}

enum Found<'a> {
    None,
    One(Target<'a>),
    Several(Vec<Target<'a>>),
}

/// Finds what `query` names: an id (case-insensitive); else the entities and policies one of whose
/// names or aliases has the same tokens (case, punctuation and script width ignored); else the
/// same tokens once corporate suffixes are dropped ("huawei technologies" is Huawei Technologies
/// Co., Ltd.); else the names that contain the query's tokens as a run. The first rule that finds
/// anything decides.
fn resolve<'a>(set: &'a RuleSet, query: &str) -> Found<'a> {
    let all: Vec<Target> = set
        .entities
        .iter()
        .map(Target::Entity)
        .chain(set.policies.iter().map(Target::Policy))
        .collect();
    let names = |t: &Target<'a>| -> Vec<&'a str> {
        match *t {
            Target::Entity(e) => std::iter::once(e.name.as_str())
                .chain(e.aliases.iter().map(String::as_str))
                .collect(),
            Target::Policy(p) => vec![p.name.as_str()],
        }
    };
    let q_full = normalise::full(query);
    let q_core = normalise::core(query);
    let tiers: [&dyn Fn(&str) -> bool; 3] = [
        &|n| !q_full.is_empty() && normalise::full(n) == q_full,
        &|n| !q_core.is_empty() && normalise::core(n) == q_core,
        &|n| normalise::contains_run(&normalise::core(n), &q_core),
    ];
    let by_id: Vec<Target> = all
        .iter()
        .copied()
        .filter(|t| t.id().eq_ignore_ascii_case(query.trim()))
        .collect();
    let mut found = by_id;
    for tier in tiers {
        if !found.is_empty() {
            break;
        }
        found = all.iter().copied().filter(|t| names(t).into_iter().any(tier)).collect();
    }
    match found.len() {
        0 => Found::None,
        1 => Found::One(found[0]),
        _ => Found::Several(found),
    }
}

/// The ids of the policies that cover an entity: it is named in an entry, or an ancestor is and
/// the policy includes subsidiaries.
fn covering_policies<'a>(set: &'a RuleSet, e: &Entity) -> Vec<&'a str> {
    let mut lineage = vec![e.id.as_str()];
    let mut cur = e;
    while let Some(p) = cur.parent.as_deref().and_then(|p| set.entity(p)) {
        if lineage.contains(&p.id.as_str()) {
            break;
        }
        lineage.push(&p.id);
        cur = p;
    }
    set.policies
        .iter()
        .filter(|p| {
            let listed = |id: &str| p.entries.iter().any(|entry| entry.entities.iter().any(|x| x == id));
            listed(&e.id) || (p.include_subsidiaries && lineage[1..].iter().any(|a| listed(a)))
        })
        .map(|p| p.id.as_str())
        .collect()
}

fn show(set: &RuleSet, target: Target) -> String {
    match target {
        Target::Entity(e) => show_entity(set, e),
        Target::Policy(p) => show_policy(p),
    }
}

fn show_entity(set: &RuleSet, e: &Entity) -> String {
    let id = e.id.as_str();
    let mut out = format!("entity {}\n  name: {}\n", e.id, e.name);
    if !e.aliases.is_empty() {
        out.push_str(&format!("  aliases: {}\n", e.aliases.join(" | ")));
    }
    let mut chain = Vec::new();
    let mut cur = e;
    while let Some(p) = cur.parent.as_deref().and_then(|p| set.entity(p)) {
        if chain.contains(&p.id) {
            break;
        }
        chain.push(p.id.clone());
        cur = p;
    }
    if !chain.is_empty() {
        let relation = e.relation.map(|r| format!("{r:?}").to_lowercase()).unwrap_or_default();
        out.push_str(&format!("  parents: {} ({relation})\n", chain.join(" < ")));
    }
    let children: Vec<&str> = set
        .entities
        .iter()
        .filter(|c| c.parent.as_deref() == Some(id))
        .map(|c| c.id.as_str())
        .collect();
    if !children.is_empty() {
        out.push_str(&format!("  children: {}\n", children.join(", ")));
    }
    let d = dates(e);
    if !d.is_empty() {
        out.push_str(&format!("  in group: {d}\n"));
    }
    out.push_str(&format!("  confidence: {:?}\n", e.confidence).to_lowercase());
    let policies = covering_policies(set, e);
    if !policies.is_empty() {
        out.push_str(&format!("  policies: {}\n", policies.join(", ")));
    }
    if let Some(n) = &e.note {
        out.push_str(&format!("  note: {n}\n"));
    }
    let ids = toml::to_string(&e.identifiers).unwrap_or_default();
    if !ids.trim().is_empty() {
        out.push_str("  identifiers:\n");
        for line in ids.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    let ouis: usize = set
        .registrants
        .iter()
        .filter(|r| r.entity == id)
        .map(|r| r.assignments.len())
        .sum();
    if ouis > 0 {
        out.push_str(&format!("  IEEE OUI assignments: {ouis}\n"));
    }
    if !e.not.is_empty() {
        out.push_str(&format!("  never matches: {}\n", e.not.join(" | ")));
    }
    push_sources(&mut out, "sources", &e.sources);
    if let Some(parent) = &e.parent {
        push_sources(
            &mut out,
            &format!("sources for the link to {parent}"),
            &e.parent_sources,
        );
    }
    out.push_str(&format!("  defined in: {}:{}\n", e.origin.file, e.origin.line));
    out
}

fn show_policy(p: &Policy) -> String {
    let mut out = format!(
        "policy {}\n  name: {}\n  severity: {}\n  default: {}\n  includes subsidiaries and affiliates: {}\n",
        p.id,
        p.name,
        format!("{:?}", p.severity).to_lowercase(),
        p.default,
        p.include_subsidiaries
    );
    for e in &p.entries {
        out.push_str(&format!(
            "  - {} {}{}{}\n",
            e.entities.join(", "),
            e.clause.as_deref().map(|c| format!("[{c}] ")).unwrap_or_default(),
            e.scope.as_deref().unwrap_or(""),
            e.effective.map(|d| format!(" (effective {d})")).unwrap_or_default()
        ));
    }
    if let Some(n) = &p.note {
        out.push_str(&format!("  note: {n}\n"));
    }
    push_sources(&mut out, "sources", &p.sources);
    out.push_str(&format!("  defined in: {}:{}\n", p.origin.file, p.origin.line));
    out
}

fn push_sources(out: &mut String, heading: &str, sources: &[Source]) {
    out.push_str(&format!("  {heading}:\n"));
    for s in sources {
        let url = s.url.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
        out.push_str(&format!("    - {} ({}){url}\n", s.title, s.date));
    }
}

/// `rules list --format json`: the shape rules/README.md documents.
#[derive(Serialize)]
struct ListJson<'a> {
    packs: &'a [Pack],
    entities: Vec<EntityJson<'a>>,
    policies: Vec<PolicyJson<'a>>,
}

#[derive(Serialize)]
struct EntityJson<'a> {
    id: &'a str,
    name: &'a str,
    aliases: &'a [String],
    parent: Option<&'a str>,
    relation: Option<Relation>,
    since: Option<Date>,
    until: Option<Date>,
    confidence: Confidence,
    /// Ids of the policies that cover the entity, directly or through a parent.
    policies: Vec<&'a str>,
    parent_sources: &'a [Source],
    sources: &'a [Source],
    defined_in: String,
}

#[derive(Serialize)]
struct PolicyJson<'a> {
    id: &'a str,
    name: &'a str,
    severity: Severity,
    default: bool,
    include_subsidiaries: bool,
    /// Every entity id the entries name, in order, once.
    entities: Vec<&'a str>,
    entries: Vec<EntryJson<'a>>,
    sources: &'a [Source],
    defined_in: String,
}

#[derive(Serialize)]
struct EntryJson<'a> {
    entities: &'a [String],
    clause: Option<&'a str>,
    scope: Option<&'a str>,
    effective: Option<Date>,
}

fn list_json(set: &RuleSet) -> ListJson<'_> {
    ListJson {
        packs: &set.packs,
        entities: set
            .entities
            .iter()
            .map(|e| EntityJson {
                id: &e.id,
                name: &e.name,
                aliases: &e.aliases,
                parent: e.parent.as_deref(),
                relation: e.relation,
                since: e.since,
                until: e.until,
                confidence: e.confidence,
                policies: covering_policies(set, e),
                parent_sources: &e.parent_sources,
                sources: &e.sources,
                defined_in: format!("{}:{}", e.origin.file, e.origin.line),
            })
            .collect(),
        policies: set
            .policies
            .iter()
            .map(|p| {
                let mut entities: Vec<&str> = Vec::new();
                for id in p.entries.iter().flat_map(|e| &e.entities) {
                    if !entities.contains(&id.as_str()) {
                        entities.push(id);
                    }
                }
                PolicyJson {
                    id: &p.id,
                    name: &p.name,
                    severity: p.severity,
                    default: p.default,
                    include_subsidiaries: p.include_subsidiaries,
                    entities,
                    entries: p
                        .entries
                        .iter()
                        .map(|e| EntryJson {
                            entities: &e.entities,
                            clause: e.clause.as_deref(),
                            scope: e.scope.as_deref(),
                            effective: e.effective,
                        })
                        .collect(),
                    sources: &p.sources,
                    defined_in: format!("{}:{}", p.origin.file, p.origin.line),
                }
            })
            .collect(),
    }
}
