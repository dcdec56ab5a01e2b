//! Walker speed on the real Debian rootfs from ../shared/scripts/make-rootfs.sh (set
//! `VENDORSCAN_ROOTFS` to its output folder; without it this bench only says so). Each figure
//! has its baseline measured in the same run (issue 4):
//! - directory walk with hashing vs plain multi-threaded SHA-256 of the same files (≥ 0.6×);
//! - SquashFS walk vs backhand extracting every file; cpio.gz walk vs flate2 decoding alone
//!   (each within 1.3×).

use criterion::{Criterion, Throughput};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vendorscan::firmware::{self, Limits};

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
    let limits = Limits::default();
    let rootfs = dir.join("rootfs");
    let files = files_under(&rootfs);
    let total: u64 = files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();
    let mut c = Criterion::default().configure_from_args();

    let mut g = c.benchmark_group("rootfs-directory");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Bytes(total));
    g.bench_function("sha256 of every file, rayon (baseline)", |b| {
        b.iter(|| {
            files.par_iter().for_each(|f| {
                let bytes = std::fs::read(f).unwrap();
                black_box(Sha256::digest(&bytes));
            })
        })
    });
    g.bench_function("vendorscan walk", |b| {
        b.iter(|| black_box(firmware::walk(&rootfs, &limits, &(), &()).unwrap()))
    });
    g.finish();

    let squashfs = std::fs::read(dir.join("rootfs.squashfs")).unwrap();
    let mut g = c.benchmark_group("rootfs-squashfs");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("backhand: read every file (baseline)", |b| {
        b.iter(|| {
            let fs = backhand::FilesystemReader::from_reader(std::io::Cursor::new(&squashfs[..])).unwrap();
            for node in fs.files() {
                if let backhand::InnerNode::File(f) = &node.inner {
                    let mut out = Vec::new();
                    fs.file(f).reader().read_to_end(&mut out).unwrap();
                    black_box(out);
                }
            }
        })
    });
    let path = dir.join("rootfs.squashfs");
    g.bench_function("vendorscan walk", |b| {
        b.iter(|| black_box(firmware::walk(&path, &limits, &(), &()).unwrap()))
    });
    g.finish();

    let cpio = std::fs::read(dir.join("rootfs.cpio.gz")).unwrap();
    let mut g = c.benchmark_group("rootfs-cpio-gz");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("flate2: decode the whole stream (baseline)", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&cpio[..]).read_to_end(&mut out).unwrap();
            black_box(out)
        })
    });
    let path = dir.join("rootfs.cpio.gz");
    g.bench_function("vendorscan walk", |b| {
        b.iter(|| black_box(firmware::walk(&path, &limits, &(), &()).unwrap()))
    });
    g.finish();
    c.final_summary();
}
