//! `vendorscan rules list|show|check`: what the bundled and custom rules say, and whether a rule
//! folder is sound.

use clap::{Args as ClapArgs, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::report::table::Table;
use vendorscan::rules::{self, load::Entity, schema::Source, RuleSet};

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
    },
    /// Show one entity (parents, children, identifiers, sources) or policy.
    Show {
        id: String,
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Check a rule folder: unknown keys, duplicate ids, dangling parents, cycles, malformed ids.
    Check { dir: PathBuf },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::List { rules } => {
            let set = rules::load(&rules).map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{}", list(&set));
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id, rules } => {
            let set = rules::load(&rules).map_err(|e| anyhow::anyhow!("{e}"))?;
            match show(&set, &id) {
                Some(text) => {
                    print!("{text}");
                    Ok(ExitCode::SUCCESS)
                }
                None => anyhow::bail!("no entity or policy has the id `{id}`; `vendorscan rules list` shows them"),
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

fn show(set: &RuleSet, id: &str) -> Option<String> {
    if let Some(e) = set.entity(id) {
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
        push_sources(&mut out, &e.sources);
        out.push_str(&format!("  defined in: {}:{}\n", e.origin.file, e.origin.line));
        return Some(out);
    }
    let p = set.policy(id)?;
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
    push_sources(&mut out, &p.sources);
    out.push_str(&format!("  defined in: {}:{}\n", p.origin.file, p.origin.line));
    Some(out)
}

fn push_sources(out: &mut String, sources: &[Source]) {
    out.push_str("  sources:\n");
    for s in sources {
        let url = s.url.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
        out.push_str(&format!("    - {} ({}){url}\n", s.title, s.date));
    }
}
