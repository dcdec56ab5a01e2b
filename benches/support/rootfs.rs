//! The real Debian rootfs the walker and audit benches read (`../shared/scripts/make-rootfs.sh`,
//! named by `VENDORSCAN_ROOTFS`), and the baseline every figure there is a ratio to: plain
//! multi-threaded SHA-256 of the same files.

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// The folder `make-rootfs.sh` wrote, when `VENDORSCAN_ROOTFS` names one with a `rootfs/`;
/// otherwise says how to get it and gives `None`.
pub fn dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VENDORSCAN_ROOTFS")
        .map(PathBuf::from)
        .filter(|d| d.join("rootfs").is_dir());
    if dir.is_none() {
        println!("VENDORSCAN_ROOTFS unset: run ../shared/scripts/make-rootfs.sh DIR and set it to DIR");
    }
    dir
}

/// Every regular file below `dir` (links not followed), in name order, and their total size.
pub fn files_under(dir: &Path) -> (Vec<PathBuf>, u64) {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let total = files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();
    (files, total)
}

/// The baseline: read and SHA-256 every file, in parallel (rayon), with the same sha2 build.
pub fn sha256_all(files: &[PathBuf]) {
    files.par_iter().for_each(|f| {
        let bytes = std::fs::read(f).unwrap();
        black_box(Sha256::digest(&bytes));
    })
}
