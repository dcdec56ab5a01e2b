//! A full `audit` of the real Debian rootfs from ../shared/scripts/make-rootfs.sh (set
//! `VENDORSCAN_ROOTFS` to its output folder; without it this bench only says so): walk, hash,
//! every analyser, the indicator scan, assembly and the rule engine — against plain
//! multi-threaded SHA-256 of the same files, measured in the same run (issue 5: ≥ 0.5×).

use criterion::{Criterion, Throughput};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vendorscan::analyse::assemble::assemble;
use vendorscan::firmware::{self, Limits};
use vendorscan::model::Inventory;
use vendorscan::rules::{self, AuditOptions, Date, Index};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

fn main() {
    let Some(dir) = std::env::var_os("VENDORSCAN_ROOTFS")
        .map(PathBuf::from)
        .filter(|d| d.join("rootfs").is_dir())
    else {
        println!("VENDORSCAN_ROOTFS unset: run ../shared/scripts/make-rootfs.sh DIR and set it to DIR");
        return;
    };
    let rootfs = dir.join("rootfs");
    let files = files_under(&rootfs);
    let total: u64 = files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();
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
        b.iter(|| {
            files.par_iter().for_each(|f| {
                let bytes = std::fs::read(f).unwrap();
                black_box(Sha256::digest(&bytes));
            })
        })
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
