//! A property of every container fixture in fixtures/firmware/out: cut at any of N evenly spaced
//! offsets, it never audits as `clear` with complete coverage (exit 0) unless nothing was lost.
//!
//! What is actually true of a truncated container: either the cut took something the walker
//! would have read, and then the run must say it could not read everything (coverage
//! incomplete, so the verdict is `incomplete`, or `excluded` if an excluded part survived) — or
//! the cut fell where nothing is read (the unused tail of a disk or filesystem image, junk after
//! the last carved region), and then the run may be complete, but only if it lists exactly the
//! files of the intact fixture, with the same contents. A complete run over fewer or different
//! files is a silent miss.
//!
//! Two cuts leave nothing to recognise, and a complete run is then the truth about the bytes
//! left: a cut before the container's own signature (a tar cut inside its first header is not
//! a tar any more: the cut file is not detected as the intact one's kind), and, in a raw flash
//! dump, a cut before a carved region's signature (nothing in a dump points at its regions, so
//! the regions that start past the cut are not expected).
//!
//! Runs through the library (`source::read` + `rules::audit`), as the CLI does, to stay fast.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use vendorscan::model::{Inventory, Overall};
use vendorscan::rules::{self, Audit, AuditOptions, Date, Index, RuleSet};
use vendorscan::source::{self, Options, Target};

const OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out");
/// Cuts per fixture, at len * k / (N + 1) for k in 1..=N.
const N: u64 = 8;

struct Auditor {
    rules: RuleSet,
    index: Index,
    analysers: vendorscan::analyse::Analysers,
}

impl Auditor {
    fn new() -> Auditor {
        let rules = rules::load(&[]).expect("bundled rules");
        let index = Index::new(&rules);
        let analysers = vendorscan::pipeline::audit_analysers(&rules, &index).unwrap();
        Auditor {
            rules,
            index,
            analysers,
        }
    }

    fn audit(&self, path: &Path) -> (Inventory, Audit) {
        let options = Options::new(&self.analysers);
        let inventory = source::read(&[Target::parse(path.to_str().unwrap())], &options);
        let audit = rules::audit(
            &inventory,
            &self.rules,
            &self.index,
            &AuditOptions {
                policies: Vec::new(),
                waivers: Vec::new(),
                waivers_file: String::new(),
                today: Date::parse("2026-06-01").unwrap(),
            },
        );
        (inventory, audit)
    }
}

/// (path inside the target, sha256) of every file below the target; the target itself (whose
/// bytes differ once cut) is left out.
fn inner_files(inventory: &Inventory, target: &Path) -> BTreeSet<(String, Option<String>)> {
    let prefix = target.to_str().unwrap();
    inventory
        .files
        .iter()
        .filter_map(|f| {
            let inner = f.path.strip_prefix(prefix)?;
            (!inner.is_empty()).then(|| (inner.to_string(), f.sha256.clone()))
        })
        .collect()
}

/// The kind of container the target itself was read as (`tar`, `mbr`, ...), if any.
fn top_kind(inventory: &Inventory, target: &Path) -> Option<String> {
    let target = target.to_str().unwrap();
    inventory
        .containers
        .iter()
        .find(|c| c.path == target)
        .map(|c| c.kind.clone())
}

/// Regions carved from the target (`!/0x4003:squashfs`, `!/0x3001:fdt`) whose signature a cut
/// at `cut` removes: their inner-path prefixes.
fn regions_cut_away(inventory: &Inventory, target: &Path, cut: usize) -> Vec<String> {
    /// Bytes of a region's header that must survive for it to be recognised (generous).
    const HEADER: usize = 128;
    let prefix = target.to_str().unwrap();
    let paths = inventory
        .containers
        .iter()
        .map(|c| &c.path)
        .chain(inventory.files.iter().map(|f| &f.path));
    paths
        .filter_map(|path| {
            let inner = path.strip_prefix(prefix)?.strip_prefix("!/0x")?;
            let (offset, rest) = inner.split_once(':')?;
            let offset = usize::from_str_radix(offset, 16).ok()?;
            (!rest.contains('!') && offset + HEADER > cut).then(|| format!("!/0x{inner}"))
        })
        .collect()
}

/// Bytes from the start a container of this kind needs before its signature can be seen: a cut
/// shorter than this leaves nothing to recognise. (tar: `ustar` at 257; ext: the superblock's
/// magic at 1080; ISO 9660: the first volume descriptor at 32 KiB; a disk: its table's sector.)
fn signature_len(kind: &str) -> usize {
    match kind {
        "tar" => 263,
        "mbr" => 512,
        "gpt" => 520,
        "ext" => 1082,
        "iso9660" => 0x8000 + 6,
        "squashfs" => 96,
        "cpio" => 110,
        "fat" => 512,
        _ => 16,
    }
}

#[test]
fn a_truncated_container_is_never_clear_unless_nothing_was_lost() {
    let auditor = Auditor::new();
    let dir = tempfile::tempdir().unwrap();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(OUT)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 15, "fixtures/firmware/out: run its make.sh");

    let mut failures = Vec::new();
    let mut complete_cuts = Vec::new();
    let mut unrecognised = Vec::new();
    for fixture in &fixtures {
        let name = fixture.file_name().unwrap();
        let bytes = std::fs::read(fixture).unwrap();
        let (intact_inv, _) = auditor.audit(fixture);
        let intact = inner_files(&intact_inv, fixture);
        let cut_path = dir.path().join(name);
        for k in 1..=N {
            let cut = (bytes.len() as u64 * k / (N + 1)) as usize;
            std::fs::write(&cut_path, &bytes[..cut]).unwrap();
            let (inventory, audit) = auditor.audit(&cut_path);
            let at = format!("{} cut at {cut} of {}", name.to_string_lossy(), bytes.len());
            if !audit.coverage.complete {
                // incomplete, or an excluded part that survived the cut: never clear
                if !matches!(audit.verdict, Overall::Incomplete | Overall::Excluded) {
                    failures.push(format!("{at}: coverage incomplete but verdict {:?}", audit.verdict));
                }
                continue;
            }
            let kind = top_kind(&intact_inv, fixture);
            if top_kind(&inventory, &cut_path) != kind {
                match kind {
                    // the container's own signature was cut away: nothing left says what it was
                    Some(k) if cut < signature_len(&k) => unrecognised.push(at),
                    None => unrecognised.push(at),
                    Some(k) => failures.push(format!(
                        "{at}: no longer read as {k} though its signature survives; verdict {:?} with complete coverage",
                        audit.verdict
                    )),
                }
                continue;
            }
            complete_cuts.push(at.clone());
            let gone = regions_cut_away(&intact_inv, fixture, cut);
            let expected: BTreeSet<_> = intact
                .iter()
                .filter(|(p, _)| !gone.iter().any(|g| p.starts_with(g.as_str())))
                .cloned()
                .collect();
            let found = inner_files(&inventory, &cut_path);
            if found != expected {
                let lost: Vec<_> = expected.difference(&found).map(|(p, _)| p.as_str()).take(5).collect();
                let new: Vec<_> = found.difference(&expected).map(|(p, _)| p.as_str()).take(5).collect();
                failures.push(format!(
                    "{at}: verdict {:?} with complete coverage, but {} file(s) differ from the intact fixture's \
                     (lost or changed {lost:?}, new or changed {new:?})",
                    audit.verdict,
                    expected.symmetric_difference(&found).count(),
                ));
            }
        }
    }
    eprintln!("cuts that left the container unrecognisable: {unrecognised:#?}");
    eprintln!("cuts judged complete (nothing read was lost): {complete_cuts:#?}");
    assert!(
        failures.is_empty(),
        "{} of {} cuts:\n{}",
        failures.len(),
        fixtures.len() as u64 * N,
        failures.join("\n")
    );
}
