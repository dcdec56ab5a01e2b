//! The results cache: a cold audit (an empty cache, filled as it goes) against a warm one (the
//! same target again) and one without the cache, of the router firmware fixture and — when
//! `VENDORSCAN_ROOTFS` names the output of ../shared/scripts/make-rootfs.sh — of the real Debian
//! rootfs as a tar.gz (one file: hashed, its stored walk replayed) and as a directory (every
//! file still read and hashed; only the analysis of files of at least 4 KiB is looked up), and
//! the rootfs tree as an OCI image layout of one gzip layer (`oci-dir:`; warm: the layer blob
//! hashed against its digest, its stored walk replayed).
//! Target (issue 11): warm ≤ 0.1× cold.

#[path = "support/oci.rs"]
mod oci;
#[path = "support/rootfs.rs"]
mod rootfs;

use criterion::{BatchSize, Criterion};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use vendorscan::analyse::Analysers;
use vendorscan::cache::{Cache, DEFAULT_MAX_SIZE};
use vendorscan::rules::{self, AuditOptions, Date, Index, RuleSet};
use vendorscan::source::{self, Options, Target};

struct Audit {
    rules: RuleSet,
    index: Index,
    analysers: Analysers,
    options: AuditOptions,
}

impl Audit {
    /// A whole audit of `target`, through the cache in `dir` when given.
    fn run(&self, target: &Path, dir: Option<&Path>) {
        let cache = dir.map(|d| Cache::new(d, DEFAULT_MAX_SIZE));
        let mut options = Options::new(&self.analysers);
        options.cache = cache.as_ref();
        let inventory = source::read(&[Target::parse(&target.display().to_string())], &options);
        if let Some(cache) = &cache {
            cache.finish();
            assert_eq!(cache.problem(), None);
        }
        black_box(rules::audit(&inventory, &self.rules, &self.index, &self.options));
    }
}

fn main() {
    let rules = rules::load(&[]).unwrap();
    let index = Index::new(&rules);
    let audit = Audit {
        analysers: vendorscan::pipeline::audit_analysers(&rules, &index).unwrap(),
        rules,
        index,
        options: AuditOptions {
            policies: Vec::new(),
            waivers: Vec::new(),
            waivers_file: String::new(),
            today: Date::parse("2026-11-28").unwrap(),
        },
    };
    let mut targets = vec![(
        "router-flash.bin",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/firmware/out/router-flash.bin"),
    )];
    // the layout is written once, and removed when the bench ends
    let layouts = tempfile::tempdir().unwrap();
    if let Some(dir) = rootfs::dir() {
        targets.push(("rootfs.tar.gz", dir.join("rootfs.tar.gz")));
        targets.push(("rootfs dir", dir.join("rootfs")));
        let layout = layouts.path().join("rootfs.oci");
        oci::write_layout(&dir.join("rootfs"), &layout);
        targets.push(("rootfs OCI layout", layout));
    }
    let mut c = Criterion::default().configure_from_args();
    for (name, target) in &targets {
        let mut g = c.benchmark_group(format!("cache/{name}"));
        g.sample_size(10).measurement_time(Duration::from_secs(10));
        g.bench_function("no cache", |b| b.iter(|| audit.run(target, None)));
        g.bench_function("cold", |b| {
            b.iter_batched(
                || tempfile::tempdir().unwrap(),
                |dir| audit.run(target, Some(dir.path())),
                BatchSize::PerIteration,
            )
        });
        let warm = tempfile::tempdir().unwrap();
        audit.run(target, Some(warm.path()));
        g.bench_function("warm", |b| b.iter(|| audit.run(target, Some(warm.path()))));
        if target.is_dir() && !target.join("oci-layout").exists() {
            // what a warm run of a directory cannot go below: reading and hashing every file
            let (files, _) = rootfs::files_under(target);
            g.bench_function("sha256 of every file, rayon (floor)", |b| {
                b.iter(|| rootfs::sha256_all(&files))
            });
        }
        g.finish();
    }
    c.final_summary();
}
