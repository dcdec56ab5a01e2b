//! A full `audit` of the real Debian rootfs from ../shared/scripts/make-rootfs.sh (set
//! `VENDORSCAN_ROOTFS` to its output folder; without it this bench only says so): walk, hash,
//! every analyser, the indicator scan, assembly and the rule engine — against plain
//! multi-threaded SHA-256 of the same files, measured in the same run (issue 5: ≥ 0.5×).

#[path = "support/rootfs.rs"]
mod rootfs;

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use vendorscan::analyse::assemble::assemble;
use vendorscan::firmware::{self, Limits};
use vendorscan::model::Inventory;
use vendorscan::rules::{self, AuditOptions, Date, Index};

fn main() {
    let Some(dir) = rootfs::dir() else { return };
    let rootfs = dir.join("rootfs");
    let (files, total) = rootfs::files_under(&rootfs);
    let rules = rules::load(&[]).unwrap();
    let index = Index::new(&rules);
    let analysers = vendorscan::pipeline::audit_analysers(&rules, &index).unwrap();
    let limits = Limits::default();
    let options = AuditOptions {
        policies: Vec::new(),
        waivers: Vec::new(),
        waivers_file: String::new(),
        today: Date::parse("2026-11-28").unwrap(),
    };
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("rootfs-audit");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Bytes(total));
    g.bench_function("sha256 of every file, rayon (baseline)", |b| {
        b.iter(|| rootfs::sha256_all(&files))
    });
    g.bench_function("vendorscan audit", |b| {
        b.iter(|| {
            let mut walked = firmware::walk(&rootfs, &limits, &(), &analysers).unwrap();
            let mut inventory = Inventory::default();
            inventory.add(assemble(&rootfs.display().to_string(), true, &mut walked));
            black_box(rules::audit(&inventory, &rules, &index, &options))
        })
    });
    // The same files with nothing opened: the work the baseline does (read and hash each file)
    // plus detection, every analyser and the indicator scan — without decoding the 88 packages
    // in var/cache/apt/archives, which alone takes 1.4 s of CPU (BENCHMARKS.md, walker).
    let flat = Limits {
        max_depth: 0,
        ..Limits::default()
    };
    g.bench_function("vendorscan audit, containers not opened", |b| {
        b.iter(|| {
            let mut walked = firmware::walk(&rootfs, &flat, &(), &analysers).unwrap();
            let mut inventory = Inventory::default();
            inventory.add(assemble(&rootfs.display().to_string(), true, &mut walked));
            black_box(rules::audit(&inventory, &rules, &index, &options))
        })
    });
    g.finish();
    c.final_summary();
}
